/* A small well-formed plugin: adds the field "greeting" and counts calls.
 * Options of every type, for the option and config tests. */
#include <newsdesk/plugin.h>
#include <stdlib.h>

struct state {
    const char *greeting;
    int64_t fail_every;
    int64_t calls;
};

static int good_init(nd_instance_t *self, const nd_opts_t *opts, void **st,
                     char *err, size_t errlen)
{
    (void)self, (void)err, (void)errlen;
    struct state *s = calloc(1, sizeof *s);
    s->greeting = nd_opt_str(opts, "greeting");
    s->fail_every = nd_opt_int(opts, "fail_every");
    *st = s;
    return 0;
}

static nd_status_t good_process(void *st, nd_doc_t *doc)
{
    struct state *s = st;
    s->calls++;
    if (s->fail_every && s->calls % s->fail_every == 0) {
        nd_doc_error(doc, "failing call %lld on purpose", (long long)s->calls);
        return ND_FAIL;
    }
    nd_doc_set_str(doc, "greeting", s->greeting);
    return ND_OK;
}

static void good_fini(void *st) { free(st); }

static const char *const colours[] = {"red", "green", "blue", NULL};

static const nd_option_t options[] = {
    {"greeting", ND_OPT_STRING, "hello", 0, 0, 0, NULL, "what to say"},
    {"fail_every", ND_OPT_INT, "0", ND_OPT_RANGE, 0, 1000, NULL,
     "fail every n-th document (0: never)"},
    {"ratio", ND_OPT_DOUBLE, "0.5", ND_OPT_RANGE, 0, 1, NULL, "a ratio"},
    {"loud", ND_OPT_BOOL, "false", 0, 0, 0, NULL, "shout"},
    {"limit", ND_OPT_SIZE, "1MiB", 0, 0, 0, NULL, "a size"},
    {"wait", ND_OPT_DURATION, "2s", 0, 0, 0, NULL, "a duration"},
    {"colour", ND_OPT_ENUM, "red", 0, 0, 0, colours, "a colour"},
    {"tags", ND_OPT_STRLIST, NULL, 0, 0, 0, NULL, "some tags"},
    {"where", ND_OPT_PATH, NULL, 0, 0, 0, NULL, "a path"},
    {"old", ND_OPT_STRING, NULL, ND_OPT_DEPRECATED, 0, 0, NULL, "use greeting"},
    {"password", ND_OPT_STRING, NULL, ND_OPT_SECRET, 0, 0, NULL, "a secret"},
    {0},
};

static const nd_plugin_t plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "good",
    .version = "1.0",
    .description = "a test plugin that greets",
    .role = ND_ROLE_PROCESSOR,
    .options = options,
    .init = good_init,
    .process = good_process,
    .fini = good_fini,
};

ND_PLUGIN(plugin)
