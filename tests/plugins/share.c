/* Built twice (share_a.so, share_b.so, plugins "share_a" and "share_b"):
 * two plugins sharing data through an attachment (ABI 1.3). The first
 * step to need the tally attaches it under "test/tally"; every step adds
 * one and sets the field named after its plugin to {"made": whether it
 * attached the tally, "seen": the tally after its turn}. The tally's
 * destructor lives in whichever plugin made it. */
#include <newsdesk/plugin.h>
#include <stdlib.h>

#define TALLY "test/tally", "test_tally/1"

struct tally {
    int steps;
};

static nd_status_t share_process(void *st, nd_doc_t *doc)
{
    (void)st;
    struct tally *t = nd_doc_attached(doc, TALLY);
    int made = !t;
    if (made) {
        if (!(t = calloc(1, sizeof *t)))
            return ND_FAIL;
        if (nd_doc_attach(doc, TALLY, t, free) < 0) {
            free(t);
            nd_doc_error(doc, "cannot attach the tally");
            return ND_FAIL;
        }
    }
    t->steps++;
    nd_val_t *o = nd_val_obj();
    nd_val_put(o, "made", nd_val_bool(made));
    nd_val_put(o, "seen", nd_val_int(t->steps));
    nd_doc_set(doc, SHARE_NAME, o);
    return ND_OK;
}

static const nd_plugin_t plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = SHARE_NAME,
    .role = ND_ROLE_PROCESSOR,
    .process = share_process,
};

ND_PLUGIN(plugin)
