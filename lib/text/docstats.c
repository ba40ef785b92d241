/* The `stats` field every reader sets. */
#include "docstats.h"

#include <errno.h>

#include "stats.h"

int text_set_stats(nd_doc_t *doc)
{
    size_t n;
    const char *t = nd_doc_text(doc, &n);
    struct text_stats ts = text_stats(t, n);
    nd_val_t *stats = nd_val_obj();
    nd_val_put(stats, "words", nd_val_int((int64_t)ts.words));
    nd_val_put(stats, "sentences", nd_val_int((int64_t)ts.sentences));
    nd_val_put(stats, "paragraphs", nd_val_int((int64_t)ts.paragraphs));
    return nd_doc_set(doc, "stats", stats) < 0 ? -ENOMEM : 0;
}
