/* A test reader that splits files named *.batch into one document per
 * line, so the daemon's handling of containers can be tested. With
 * `hand_over`, it hands each line over (nd_doc_spawn_done) as soon as it
 * has made it. */
#include <newsdesk/plugin.h>
#include <string.h>

static int hand_over;

static int splitter_init(nd_instance_t *self, const nd_opts_t *opts,
                         void **state, char *err, size_t errlen)
{
    (void)self, (void)err, (void)errlen;
    hand_over = nd_opt_bool(opts, "hand_over");
    *state = &hand_over;
    return 0;
}

static nd_status_t splitter_process(void *st, nd_doc_t *doc)
{
    const int *over = st;
    const char *name = nd_doc_source(doc, "name");
    size_t n = name ? strlen(name) : 0;
    if (n < 6 || strcmp(name + n - 6, ".batch"))
        return ND_SKIP;
    size_t len;
    const char *raw = (const char *)nd_doc_raw(doc, &len);
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(raw + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - raw) : len;
        nd_doc_t *c = nd_doc_spawn(doc, raw + i, end - i, "text/plain", NULL);
        if (!c) {
            nd_doc_error(doc, "cannot split");
            return ND_FAIL;
        }
        if (*over)
            nd_doc_spawn_done(c);
        i = end + 1;
    }
    return ND_OK;
}

static const char *const types[] = {"text/plain", NULL};

static const nd_option_t options[] = {
    {"hand_over", ND_OPT_BOOL, "false", 0, 0, 0, NULL,
     "hand each document over as soon as it is made"},
    {0},
};

static const nd_plugin_t plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "splitter",
    .role = ND_ROLE_READER,
    .media_types = types,
    .options = options,
    .init = splitter_init,
    .process = splitter_process,
};

ND_PLUGIN(plugin)
