/* UTF-16 without a byte order mark. */
#include "utf16.h"

#define WINDOW 4096

int utf16_guess(const uint8_t *s, size_t n)
{
    size_t m = n < WINDOW ? n : WINDOW, zero[2] = {0, 0};
    if (m < 4)
        return UTF16_NO;
    for (size_t i = 0; i + 1 < m; i += 2)
        zero[0] += s[i] == 0, zero[1] += s[i + 1] == 0;
    size_t units = m / 2;
    if (zero[1] * 10 > units * 4 && zero[0] * 20 < units)
        return UTF16_LE;
    if (zero[0] * 10 > units * 4 && zero[1] * 20 < units)
        return UTF16_BE;
    return UTF16_NO;
}
