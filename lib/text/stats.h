/* Text statistics and white space, for the readers. */
#ifndef ND_TEXT_STATS_H
#define ND_TEXT_STATS_H

#include <stddef.h>

struct text_stats {
    size_t words, sentences, paragraphs;
};

/* Count the words, sentences and paragraphs (blocks separated by a blank
 * line) of clean UTF-8 text. Rough counts for the document's `stats`; the
 * extraction plugins split sentences properly. */
struct text_stats text_stats(const char *s, size_t n);

/* Collapse runs of white space (ASCII space, tab, newline, NBSP) into one
 * space and trim both ends, in place. Returns the new length. */
size_t squeeze_space(char *s, size_t n);

#endif
