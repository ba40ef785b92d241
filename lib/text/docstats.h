/* The `stats` field every reader sets, through the SDK: the one part of
 * libndtext that calls host functions, so it works only inside a plugin. */
#ifndef ND_TEXT_DOCSTATS_H
#define ND_TEXT_DOCSTATS_H

#include <newsdesk/plugin.h>

/* Set the document's `stats` (words, sentences, paragraphs) from its
 * text. Returns 0, or -ENOMEM when the host could not store it. */
int text_set_stats(nd_doc_t *doc);

#endif
