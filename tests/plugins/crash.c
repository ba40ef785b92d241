/* A test processor that crashes the daemon the way a buggy plugin does:
 * a segmentation fault (a write through a null pointer) or abort(), on
 * any document whose text holds the marker. The fault-injection tests use
 * it for a real poison document, as opposed to the daemon being killed
 * from outside. */
#include <newsdesk/plugin.h>
#include <stdlib.h>
#include <string.h>

struct crash {
    const char *marker;
    int abort;
};

static struct crash cfg;

static int crash_init(nd_instance_t *self, const nd_opts_t *opts,
                      void **state, char *err, size_t errlen)
{
    (void)self, (void)err, (void)errlen;
    cfg.marker = nd_opt_str(opts, "marker");
    cfg.abort = !strcmp(nd_opt_str(opts, "how"), "abort");
    *state = &cfg;
    return 0;
}

static nd_status_t crash_process(void *st, nd_doc_t *doc)
{
    struct crash *c = st;
    size_t len;
    const char *text = nd_doc_text(doc, &len);
    if (!text || !strstr(text, c->marker))
        return ND_OK;
    if (c->abort)
        abort();
    /* volatile: the compiler may not drop or reorder the faulting store. */
    *(volatile int *)NULL = 1;
    return ND_FAIL;
}

static const char *const how_choices[] = {"segv", "abort", NULL};

static const nd_option_t options[] = {
    {"marker", ND_OPT_STRING, NULL, ND_OPT_REQUIRED, 0, 0, NULL,
     "crash on documents whose text holds this"},
    {"how", ND_OPT_ENUM, "segv", 0, 0, 0, how_choices,
     "segv: a null pointer write; abort: abort()"},
    {0},
};

static const nd_plugin_t plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "crash",
    .role = ND_ROLE_PROCESSOR,
    .options = options,
    .init = crash_init,
    .process = crash_process,
};

ND_PLUGIN(plugin)
