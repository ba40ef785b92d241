/* Built twice (dup_a.so, dup_b.so): two files claiming one plugin name. */
#include <newsdesk/plugin.h>

static nd_status_t p_process(void *st, nd_doc_t *doc)
{
    (void)st, (void)doc;
    return ND_OK;
}

static const nd_plugin_t plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "twin",
    .role = ND_ROLE_PROCESSOR,
    .process = p_process,
};

ND_PLUGIN(plugin)
