/* A test plugin with a required option, not thread-safe. */
#include <newsdesk/plugin.h>

static nd_status_t upper_process(void *st, nd_doc_t *doc)
{
    (void)st;
    nd_doc_set_str(doc, "upper", "yes");
    return ND_OK;
}

static const nd_option_t options[] = {
    {"target", ND_OPT_STRING, NULL, ND_OPT_REQUIRED, 0, 0, NULL, "required"},
    {0},
};

static const nd_plugin_t plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "upper",
    .role = ND_ROLE_PROCESSOR,
    .flags = ND_PLUGIN_SERIAL,
    .options = options,
    .process = upper_process,
};

ND_PLUGIN(plugin)
