/* A plugin built for a future ABI major: it exports nd_plugin_entry_v2. */
#include <newsdesk/plugin.h>

static nd_status_t p_process(void *st, nd_doc_t *doc)
{
    (void)st, (void)doc;
    return ND_OK;
}

static const nd_plugin_t plugin = {
    .abi_major = 2,
    .struct_size = sizeof(nd_plugin_t),
    .name = "future",
    .role = ND_ROLE_PROCESSOR,
    .process = p_process,
};

__attribute__((visibility("default"))) const nd_plugin_t *
nd_plugin_entry_v2(const nd_host_api_t *api);
__attribute__((visibility("default"))) const nd_plugin_t *
nd_plugin_entry_v2(const nd_host_api_t *api)
{
    (void)api;
    return &plugin;
}
