/* What the parts of the html reader share; private to plugins/html.
 *
 * html.c runs the parts in order: flatten.c flattens very deep nesting
 * before gumbo parses the page. */
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

/* ---- flatten.c ------------------------------------------------------------- */

/* When the tags of html s[0..n) nest deeper than MAX_DEPTH, set *out to a
 * malloc'd, NUL-terminated copy without the start tags beyond that depth
 * (and as many end tags), so the text stays and the tree stays shallow;
 * else set *out to NULL. Returns 0, or -1 when out of memory. */
int flatten_deep(const char *s, size_t n, char **out);

#endif
