/* Markup in short metadata values: a feed title of type html, a WordPress
 * "rendered" title, an excerpt. Whole pages go through the html reader. */
#ifndef ND_TEXT_MARKUP_H
#define ND_TEXT_MARKUP_H

#include <stddef.h>

/* Remove tags and decode character references (numeric, and the named
 * ones news text uses) in s[0..n), in place, then collapse white space.
 * For short metadata values only. Returns the new length. */
size_t strip_markup(char *s, size_t n);

#endif
