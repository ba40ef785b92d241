/* UTF-16 without a byte order mark, told from its bytes: both media type
 * sniffing and charset detection ask. */
#ifndef ND_TEXT_UTF16_H
#define ND_TEXT_UTF16_H

#include <stddef.h>
#include <stdint.h>

enum { UTF16_NO = 0, UTF16_LE = 1, UTF16_BE = 2 };

/* NUL bytes in one half of the byte pairs of the first 4 KiB of s[0..n)
 * and almost none in the other: UTF16_LE or UTF16_BE, else UTF16_NO. */
int utf16_guess(const uint8_t *s, size_t n);

#endif
