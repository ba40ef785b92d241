/* UTF-8: validation and repair of everything that enters a document,
 * decoding, encoding and counting. */
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

size_t utf8_decode(const uint8_t *s, size_t n, uint32_t *cp)
{
    uint8_t c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

/* Bytes to skip for an invalid sequence: the maximal subpart of a
 * well-formed sequence, at least one byte (Unicode 15, section 3.9). */
static size_t invalid_len(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    size_t need;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else
        return 1;
    size_t i = 1;
    if (i < n && s[i] >= lo && s[i] <= hi) {
        i++;
        while (i < need && i < n && (s[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

char *utf8_clean(const char *src, size_t n, int mode, size_t *outlen)
{
    const uint8_t *s = (const uint8_t *)src;
    /* Clean input comes out at most as long as it went in; only U+FFFD
     * (3 bytes for what may be one invalid byte) makes it grow. */
    size_t cap = n + 16;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    while (i < n) {
        if (cap - o < 8) {
            size_t ncap = cap + cap / 2 + 16;
            char *grown = realloc(out, ncap);
            if (!grown) {
                free(out);
                return NULL;
            }
            out = grown, cap = ncap;
        }
        uint8_t c = s[i];
        if (c >= 0x20 && c < 0x7F) {
            /* A run of printable ASCII, most of a text: copied at once,
             * with room made for all of it (it cannot outgrow the input). */
            size_t j = i + 1;
            while (j < n && s[j] >= 0x20 && s[j] < 0x7F)
                j++;
            if (cap - o < j - i + 8) {
                size_t ncap = o + (j - i) + cap / 2 + 16;
                char *grown = realloc(out, ncap);
                if (!grown) {
                    free(out);
                    return NULL;
                }
                out = grown, cap = ncap;
            }
            memcpy(out + o, s + i, j - i);
            o += j - i, i = j;
            continue;
        }
        if (c < 0x80 || c == 0x7F) {
            i++;
            if (c == 0)
                continue;
            if (mode == UTF8_TEXT) {
                if (c == '\r') {
                    if (i < n && s[i] == '\n')
                        continue;
                    out[o++] = '\n';
                } else if (c == '\t' || c == '\n')
                    out[o++] = (char)c;
                continue;
            }
            out[o++] = (char)c;
            continue;
        }
        uint32_t cp;
        size_t len = utf8_decode(s + i, n - i, &cp);
        if (len == 0) {
            i += invalid_len(s + i, n - i);
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            continue;
        }
        if (mode == UTF8_TEXT && cp >= 0x80 && cp <= 0x9F) {
            i += len;
            continue;
        }
        memcpy(out + o, s + i, len);
        o += len;
        i += len;
    }
    out[o] = '\0';
    char *shrunk = realloc(out, o + 1);
    if (outlen)
        *outlen = o;
    return shrunk ? shrunk : out;
}

int utf8_valid(const char *src, size_t n)
{
    const uint8_t *s = (const uint8_t *)src;
    for (size_t i = 0; i < n;) {
        if (s[i] && s[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t len = s[i] ? utf8_decode(s + i, n - i, &cp) : 0;
        if (!len)
            return 0;
        i += len;
    }
    return 1;
}

size_t utf8_count(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += ((uint8_t)s[i] & 0xC0) != 0x80;
    return count;
}

size_t utf8_encode(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}
