/* Media type sniffing: what a file holds, by its bytes first and its name
 * second, so an HTML page saved as .txt is still read as HTML. */
#ifndef ND_TEXT_SNIFF_H
#define ND_TEXT_SNIFF_H

#include <stddef.h>
#include <stdint.h>

/* A media type for data[0..len) named `name` (may be NULL). Looks at no
 * more than the first few KiB. The result is a static string. */
const char *sniff_media_type(const uint8_t *data, size_t len,
                             const char *name);

#endif
