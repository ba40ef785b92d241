/* Charset detection and conversion to clean NFC UTF-8 for the readers.
 * UTF-8, UTF-16 and Windows-1252 are decoded here (they are most of what
 * arrives, and doing them by hand keeps the text reader fast and lets a
 * truncated UTF-16 file end in U+FFFD instead of an error); every other
 * charset goes through iconv. */
#include "charset.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "utf16.h"

/* Windows-1252 bytes 0x80..0x9F; 0 marks the five it leaves undefined. */
static const uint16_t cp1252_hi[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0,
};

/* How many bytes at s are printable ASCII (0x20..0x7E), eight at a time:
 * most text is, and this is the loop every input goes through. */
static size_t ascii_run(const uint8_t *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t below = (w - ones * 0x20) & ~w & high; /* a byte < 0x20 */
        uint64_t del = w ^ (ones * 0x7F);
        del = (del - ones) & ~del & high;                /* a byte == 0x7F */
        if ((w & high) | below | del)
            break;
    }
    while (i < n && s[i] >= 0x20 && s[i] < 0x7F)
        i++;
    return i;
}

/* How many bytes at s are below 0x80. */
static size_t below_0x80(const uint8_t *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ULL)
            break;
    }
    while (i < n && s[i] < 0x80)
        i++;
    return i;
}

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t u8_len(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F))
            return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
            (s[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
            return 0;
        return 4;
    }
    return 0;
}

int cs_is_utf8(const char *name)
{
    return name && (!strcasecmp(name, "utf-8") || !strcasecmp(name, "utf8") ||
                    !strcasecmp(name, "unicode-1-1-utf-8"));
}

/* Labels that browsers read as Windows-1252 (WHATWG Encoding). */
static int is_cp1252(const char *name)
{
    static const char *const labels[] = {
        "windows-1252", "cp1252", "x-cp1252", "iso-8859-1", "iso8859-1",
        "iso_8859-1", "latin1", "l1", "us-ascii", "ascii", "ansi_x3.4-1968",
        "iso-ir-100", "cp819", "ibm819", "csisolatin1", NULL,
    };
    for (size_t i = 0; labels[i]; i++)
        if (!strcasecmp(name, labels[i]))
            return 1;
    return 0;
}

/* Output of at most `max` bytes per input byte plus a little. */
static char *alloc_out(size_t n, size_t max)
{
    if (n > (SIZE_MAX - 16) / max)
        return NULL;
    return malloc(n * max + 16);
}

/* One ASCII byte: \r\n and lone \r become \n, a form feed a line
 * break, other control characters (but tab) disappear. Returns bytes
 * written. */
static size_t put_ascii(char *o, const uint8_t *s, size_t i, size_t n)
{
    uint8_t c = s[i];
    if (c >= 0x20 && c != 0x7F) {
        *o = (char)c;
        return 1;
    }
    if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
        return 0;
    if (c == '\r' || c == '\n' || c == '\f') {
        *o = '\n';
        return 1;
    }
    if (c == '\t') {
        *o = '\t';
        return 1;
    }
    return 0;
}

static char *from_utf8(const uint8_t *s, size_t n, size_t *outlen)
{
    /* Every invalid byte becomes U+FFFD (3 bytes): count them first so
     * that one exact allocation holds the result. */
    size_t bad = 0;
    for (size_t i = 0; i < n;) {
        i += below_0x80(s + i, n - i);
        if (i == n)
            break;
        size_t len = u8_len(s + i, n - i);
        bad += !len;
        i += len ? len : 1;
    }
    if (bad > (SIZE_MAX - n - 16) / 2)
        return NULL;
    char *out = malloc(n + 2 * bad + 16);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t run = ascii_run(s + i, n - i);
        memcpy(out + o, s + i, run);
        o += run;
        i += run;
        if (i == n)
            break;
        if (s[i] < 0x80) {
            o += put_ascii(out + o, s, i, n);
            i++;
            continue;
        }
        size_t len = u8_len(s + i, n - i);
        if (!len) {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
            continue;
        }
        /* A byte order mark anywhere is dropped (a file glued from two),
         * and so are C1 control characters. */
        if (!(len == 3 && s[i] == 0xEF && s[i + 1] == 0xBB && s[i + 2] == 0xBF) &&
            !(len == 2 && s[i] == 0xC2 && s[i + 1] < 0xA0)) {
            memcpy(out + o, s + i, len);
            o += len;
        }
        i += len;
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}

static char *from_utf16(const uint8_t *s, size_t n, int be, size_t *outlen)
{
    /* Each 2-byte unit gives at most 3 bytes; a pair of units 4. */
    char *out = alloc_out(n / 2 + 1, 3);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    for (; i + 1 < n; i += 2) {
        uint32_t u = be ? (uint32_t)(s[i] << 8 | s[i + 1])
                        : (uint32_t)(s[i + 1] << 8 | s[i]);
        if (u >= 0xD800 && u <= 0xDBFF && i + 3 < n) {
            uint32_t v = be ? (uint32_t)(s[i + 2] << 8 | s[i + 3])
                            : (uint32_t)(s[i + 3] << 8 | s[i + 2]);
            if (v >= 0xDC00 && v <= 0xDFFF) {
                o += utf8_encode(out + o, 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00));
                i += 2;
                continue;
            }
        }
        if (u >= 0xD800 && u <= 0xDFFF)
            u = 0xFFFD; /* an unpaired surrogate */
        if (u == 0xFEFF || (u >= 0x7F && u < 0xA0))
            continue;
        if (u < 0x80) {
            /* Line ends and controls as for 8-bit text. */
            uint8_t pair[2] = {(uint8_t)u, 0};
            size_t j = i + 2;
            if (u == '\r' && j + 1 < n &&
                (be ? s[j] == 0 && s[j + 1] == '\n' : s[j + 1] == 0 && s[j] == '\n'))
                pair[1] = '\n';
            o += put_ascii(out + o, pair, 0, pair[1] ? 2 : 1);
            continue;
        }
        o += utf8_encode(out + o, u);
    }
    if (i < n) /* a truncated last unit */
        o += utf8_encode(out + o, 0xFFFD);
    out[o] = '\0';
    *outlen = o;
    return out;
}

static char *from_cp1252(const uint8_t *s, size_t n, size_t *outlen)
{
    char *out = alloc_out(n, 3);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (c < 0x80)
            o += put_ascii(out + o, s, i, n);
        else if (c < 0xA0)
            o += utf8_encode(out + o, cp1252_hi[c - 0x80] ? cp1252_hi[c - 0x80] : 0xFFFD);
        else
            o += utf8_encode(out + o, c);
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}

/* Any other charset, through iconv. Bytes it cannot convert become U+FFFD;
 * a truncated sequence at the end does too. The result is then cleaned as
 * UTF-8 (line ends, BOM). Returns 0 with the result in *out, -EINVAL for
 * a charset iconv does not know, or -ENOMEM; a reason in err. */
static int from_iconv(const uint8_t *s, size_t n, const char *cs, char **out,
                      size_t *outlen, char *err, size_t errlen)
{
    iconv_t cd = iconv_open("UTF-8", cs);
    if (cd == (iconv_t)-1) {
        snprintf(err, errlen, "unknown charset \"%s\"", cs);
        return -EINVAL;
    }
    struct buf b = {0};
    char chunk[16384];
    char *in = (char *)s;
    size_t left = n;
    int failed = 0;
    while (left && !failed) {
        char *o = chunk;
        size_t room = sizeof chunk;
        size_t r = iconv(cd, &in, &left, &o, &room);
        if (buf_put(&b, chunk, (size_t)(o - chunk)) < 0)
            failed = 1;
        if (r == (size_t)-1) {
            if (errno == E2BIG)
                continue;
            /* EILSEQ: skip one byte; EINVAL: the input ends mid-sequence. */
            if (buf_put(&b, "\xEF\xBF\xBD", 3) < 0)
                failed = 1;
            if (errno == EINVAL) {
                left = 0;
            } else {
                in++, left--;
            }
            iconv(cd, NULL, NULL, NULL, NULL);
        }
    }
    iconv_close(cd);
    *out = failed ? NULL : from_utf8((const uint8_t *)(b.p ? b.p : ""), b.n, outlen);
    buf_free(&b);
    if (!*out) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    return 0;
}

/* Is s mostly UTF-8? Counts valid multi-byte sequences against invalid
 * bytes: a Windows-1252 file has no valid sequences to speak of (its
 * accented letters stand alone between ASCII), a UTF-8 file with a
 * damaged byte or two has many. */
static int mostly_utf8(const uint8_t *s, size_t n)
{
    size_t good = 0, bad = 0;
    for (size_t i = 0; i < n;) {
        i += below_0x80(s + i, n - i);
        if (i == n)
            break;
        size_t len = u8_len(s + i, n - i);
        if (len) {
            good++;
            i += len;
        } else {
            bad++;
            i++;
        }
    }
    return bad == 0 || good > bad;
}

int cs_to_utf8(const uint8_t *raw, size_t n, const char *charset,
               const char *fallback, char **out, size_t *outlen,
               const char **used, char *err, size_t errlen)
{
    char *u = NULL;
    size_t un = 0;
    const char *cs = charset && *charset && strcasecmp(charset, "auto") ? charset : NULL;
    if (!raw)
        raw = (const uint8_t *)"", n = 0;
    /* A byte order mark wins over any declaration, as in browsers. */
    if (n >= 3 && raw[0] == 0xEF && raw[1] == 0xBB && raw[2] == 0xBF) {
        cs = "UTF-8";
    } else if (n >= 2 && raw[0] == 0xFF && raw[1] == 0xFE) {
        cs = "UTF-16LE";
    } else if (n >= 2 && raw[0] == 0xFE && raw[1] == 0xFF) {
        cs = "UTF-16BE";
    } else if (!cs) {
        int w = utf16_guess(raw, n);
        if (w != UTF16_NO)
            cs = w == UTF16_LE ? "UTF-16LE" : "UTF-16BE";
        else if (mostly_utf8(raw, n))
            cs = "UTF-8";
        else
            cs = fallback && *fallback ? fallback : "windows-1252";
    }
    if (cs_is_utf8(cs)) {
        u = from_utf8(raw, n, &un);
    } else if (!strcasecmp(cs, "UTF-16LE") || !strcasecmp(cs, "UTF-16BE") ||
               !strcasecmp(cs, "UTF-16")) {
        int be = !strcasecmp(cs, "UTF-16BE") ||
                 (!strcasecmp(cs, "UTF-16") && n >= 2 && raw[0] == 0xFE);
        u = from_utf16(raw, n, be, &un);
    } else if (is_cp1252(cs)) {
        u = from_cp1252(raw, n, &un);
    } else {
        int rc = from_iconv(raw, n, cs, &u, &un, err, errlen);
        if (rc < 0)
            return rc;
    }
    if (!u) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    size_t nn;
    char *nfc = cs_nfc(u, un, &nn);
    if (nfc != u)
        free(u);
    if (!nfc) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    *out = nfc;
    *outlen = nn;
    if (used)
        *used = cs;
    return 0;
}

/* Normalisation runs on slices of this size or more, each ending just
 * before an ASCII byte: no composition pair has an ASCII second element
 * and every ASCII character is a starter, so NFC never looks across such
 * a boundary, and memory stays bounded by the slice. */
#define NFC_SLICE (64 * 1024)
#define NFC_SLICE_MAX (4 * 1024 * 1024)

/* Code points that are NFC whatever surrounds them, when no combining
 * mark follows (a mark is not in this list, so it sends its slice to
 * utf8proc): everything below U+0300, and the blocks news text uses most
 * beyond it, which hold no canonical singletons and nothing that composes
 * with what precedes it. The rest goes through utf8proc. */
static int nfc_safe(uint32_t cp)
{
    return cp < 0x300 || (cp >= 0x2010 && cp <= 0x205E) ||  /* dashes, quotes */
           (cp >= 0x20A0 && cp <= 0x20C0) ||                 /* currency */
           (cp >= 0x0400 && cp <= 0x0482) || (cp >= 0x048A && cp <= 0x052F) ||
           (cp >= 0x0388 && cp <= 0x03FF) ||                 /* Greek */
           (cp >= 0x05D0 && cp <= 0x05EA) ||                 /* Hebrew */
           (cp >= 0x0621 && cp <= 0x064A) ||                 /* Arabic */
           (cp >= 0x3040 && cp <= 0x3093) || (cp >= 0x30A1 && cp <= 0x30F6) ||
           (cp >= 0x4E00 && cp <= 0x9FFF) ||                 /* CJK */
           (cp >= 0xAC00 && cp <= 0xD7A3);                   /* Hangul */
}

/* Are all code points of valid UTF-8 s[0..n) NFC-safe? */
static int all_safe(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        i += below_0x80(s + i, n - i);
        if (i == n)
            break;
        uint8_t c = s[i];
        if (c < 0xCC) {
            i += 2;
            continue;
        }
        uint32_t cp;
        if (c < 0xE0) {
            cp = (uint32_t)(c & 0x1F) << 6 | (s[i + 1] & 0x3F);
            i += 2;
        } else if (c < 0xF0) {
            cp = (uint32_t)(c & 0x0F) << 12 | (uint32_t)(s[i + 1] & 0x3F) << 6 |
                 (s[i + 2] & 0x3F);
            i += 3;
        } else {
            return 0;
        }
        if (!nfc_safe(cp))
            return 0;
    }
    return 1;
}

char *cs_nfc(const char *src, size_t n, size_t *outlen)
{
    const uint8_t *s = (const uint8_t *)src;
    if (all_safe(s, n)) {
        /* Already NFC: hand the text back. */
        *outlen = n;
        return (char *)src;
    }
    struct buf b = {0};
    if (buf_put(&b, src, 0) < 0)
        return NULL;
    size_t start = 0;
    while (start < n) {
        size_t end = start + NFC_SLICE;
        if (end >= n) {
            end = n;
        } else {
            while (end < n && s[end] >= 0x80 && end - start < NFC_SLICE_MAX)
                end++;
            while (end < n && (s[end] & 0xC0) == 0x80)
                end++; /* never cut inside a sequence */
        }
        if (all_safe(s + start, end - start)) {
            if (buf_put(&b, src + start, end - start) < 0)
                goto oom;
        } else {
            utf8proc_uint8_t *dst = NULL;
            utf8proc_ssize_t m = utf8proc_map(s + start, (utf8proc_ssize_t)(end - start),
                                              &dst, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
            if (m < 0) {
                /* Only valid UTF-8 comes here; keep the slice as it is. */
                if (buf_put(&b, src + start, end - start) < 0)
                    goto oom;
            } else {
                /* Drop U+FEFF (EF BB BF) while copying. */
                const char *d = (const char *)dst;
                size_t k = 0, from = 0;
                int bad = 0;
                for (; k + 2 < (size_t)m; k++) {
                    if ((uint8_t)d[k] == 0xEF && (uint8_t)d[k + 1] == 0xBB &&
                        (uint8_t)d[k + 2] == 0xBF) {
                        bad |= buf_put(&b, d + from, k - from) < 0;
                        from = k + 3;
                        k += 2;
                    }
                }
                bad |= buf_put(&b, d + from, (size_t)m - from) < 0;
                free(dst);
                if (bad)
                    goto oom;
            }
        }
        start = end;
    }
    *outlen = b.n;
    return b.p;
oom:
    buf_free(&b);
    return NULL;
}
