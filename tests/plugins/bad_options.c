/* A plugin whose option table has a default that does not parse. */
#include <newsdesk/plugin.h>

static nd_status_t p_process(void *st, nd_doc_t *doc)
{
    (void)st, (void)doc;
    return ND_OK;
}

static const nd_option_t options[] = {
    {"count", ND_OPT_INT, "many", 0, 0, 0, NULL, "not a number"},
    {0},
};

static const nd_plugin_t plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "bad_options",
    .role = ND_ROLE_PROCESSOR,
    .options = options,
    .process = p_process,
};

ND_PLUGIN(plugin)
