/* A shared object that is not a newsdesk plugin at all. */
__attribute__((visibility("default"))) int not_a_plugin(void);
__attribute__((visibility("default"))) int not_a_plugin(void)
{
    return 42;
}
