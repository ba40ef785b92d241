/* A test reader that splits files named *.batch into one document per
 * line, so the daemon's handling of containers can be tested. */
#include <newsdesk/plugin.h>
#include <string.h>

static nd_status_t splitter_process(void *st, nd_doc_t *doc)
{
    (void)st;
    const char *name = nd_doc_source(doc, "name");
    size_t n = name ? strlen(name) : 0;
    if (n < 6 || strcmp(name + n - 6, ".batch"))
        return ND_SKIP;
    size_t len;
    const char *raw = (const char *)nd_doc_raw(doc, &len);
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(raw + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - raw) : len;
        if (!nd_doc_spawn(doc, raw + i, end - i, "text/plain", NULL)) {
            nd_doc_error(doc, "cannot split");
            return ND_FAIL;
        }
        i = end + 1;
    }
    return ND_OK;
}

static const char *const types[] = {"text/plain", NULL};

static const nd_plugin_t plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "splitter",
    .role = ND_ROLE_READER,
    .media_types = types,
    .process = splitter_process,
};

ND_PLUGIN(plugin)
