/* UTF-8: validation and repair of everything that enters a document,
 * decoding, encoding and counting. */
#ifndef ND_BASE_UTF8_H
#define ND_BASE_UTF8_H

#include <stddef.h>
#include <stdint.h>

enum {
    UTF8_KEEP_CONTROLS = 0, /* values: only repair the encoding, drop NUL */
    UTF8_TEXT = 1           /* text: also drop control characters other
                               than \t and \n; \r\n and lone \r become \n */
};

/* Return a NUL-terminated, freshly allocated copy of s[0..n) that is valid
 * UTF-8: every invalid sequence (maximal subpart, as Unicode recommends) is
 * replaced by U+FFFD and NUL bytes are dropped. *outlen gets the length.
 * NULL when out of memory. */
char *utf8_clean(const char *s, size_t n, int mode, size_t *outlen);

/* Whether s[0..n) is valid UTF-8 without NUL bytes: what
 * utf8_clean(s, n, UTF8_KEEP_CONTROLS, ...) would return unchanged, so a
 * caller may keep s as it is instead of paying for a copy. */
int utf8_valid(const char *s, size_t n);

/* Length of the valid UTF-8 sequence starting at s (1-4), or 0 when the
 * bytes at s do not start one; *cp gets the code point. */
size_t utf8_decode(const uint8_t *s, size_t n, uint32_t *cp);

/* Number of code points in a valid UTF-8 string. */
size_t utf8_count(const char *s, size_t n);

/* Write code point cp (at most U+10FFFF) as UTF-8 at o, which must have
 * room for 4 bytes. Returns the number of bytes written. */
size_t utf8_encode(char *o, uint32_t cp);

#endif
