/* What the parts of the html reader share; private to plugins/html.
 *
 * html.c runs the parts in order: charset.c converts the bytes to UTF-8,
 * flatten.c flattens very deep nesting, and gumbo parses the page. */
#ifndef ND_HTML_INT_H
#define ND_HTML_INT_H

#include <gumbo.h>
#include <newsdesk/plugin.h>
#include <stddef.h>

#include "reader.h"

/* Deeper nesting than this is flattened: real pages stay far below it
 * (browsers themselves stop laying out past a few hundred levels). Walks
 * of the tree stop at twice this depth. */
#define MAX_DEPTH 512

/* ---- charset.c ------------------------------------------------------------- */

/* A page converted to UTF-8. */
struct utf8_page {
    char *html; /* malloc'd, NUL-terminated; the caller frees it */
    size_t n;
    /* The charset converted from: a static string, the `configured` name
     * given to charset_decode, or `declared` below, so valid while both
     * this struct and that name are. */
    const char *charset;
    char declared[48]; /* the charset the page declares, "" if none */
};

/* Convert doc's raw bytes to UTF-8: as `configured` says unless that is
 * NULL or "auto", else as the page declares, else as detected; a declared
 * charset that cannot be used is logged and detection used instead.
 * Returns 0, or -1 with the reason set as doc's error. */
int charset_decode(struct utf8_page *pg, nd_doc_t *doc, const char *configured);

/* ---- flatten.c ------------------------------------------------------------- */

/* When the tags of html s[0..n) nest deeper than MAX_DEPTH, set *out to a
 * malloc'd, NUL-terminated copy without the start tags beyond that depth
 * (and as many end tags), so the text stays and the tree stays shallow;
 * else set *out to NULL. Returns 0, or -1 when out of memory. */
int flatten_deep(const char *s, size_t n, char **out);

#endif
