/* Helpers the built-in readers share: charset detection
 * and conversion to clean NFC UTF-8, dates as ISO 8601, and the text
 * statistics every reader reports. A static library linked into each
 * reader plugin; it uses no host functions, so unit tests and fuzz
 * harnesses can call it directly. */
#ifndef ND_READER_H
#define ND_READER_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* ---- charsets ------------------------------------------------------------- */

/* Convert raw bytes to UTF-8 that is valid, in Unicode NFC, without a byte
 * order mark, and with \r\n and lone \r turned into \n.
 *
 * `charset` names the encoding when the caller knows it (an HTML meta
 * charset, a configured override); NULL or "auto" detects it: a BOM
 * (UTF-8, UTF-16LE/BE) wins; UTF-16 without a BOM is recognised by its NUL
 * bytes; otherwise text that is valid UTF-8, or mostly so, is UTF-8 (a few
 * broken bytes become U+FFFD), and anything else is read as `fallback`
 * (NULL: windows-1252, which browsers also use for "iso-8859-1").
 * Any charset iconv knows may be named; an unknown name is an error.
 *
 * On success returns 0 with a malloc'd, NUL-terminated string in *out (its
 * length in *outlen) and the charset actually used in *used (a static
 * string or `charset`/`fallback` itself). On failure returns -1 with a
 * reason in err. Memory: the output and, while normalising, one more
 * block of at most a few MiB, whatever the input size. */
int cs_to_utf8(const uint8_t *raw, size_t n, const char *charset,
               const char *fallback, char **out, size_t *outlen,
               const char **used, char *err, size_t errlen);

/* Normalise valid UTF-8 s[0..n) to NFC, dropping U+FEFF. Returns s
 * itself when it is NFC already (checked quickly: see nfc_safe), else a
 * new malloc'd string; its length in *outlen; NULL when out of memory. */
char *cs_nfc(const char *s, size_t n, size_t *outlen);

/* True when `name` is a label of UTF-8 ("utf-8", "utf8", case-insensitive). */
int cs_is_utf8(const char *name);

/* Write code point cp (at most U+10FFFF) as UTF-8 at o, which must have
 * room for 4 bytes. Returns the number of bytes written. */
size_t cs_put_utf8(char *o, uint32_t cp);

/* ---- dates ---------------------------------------------------------------- */

/* Normalise a date as found in articles and feeds to ISO 8601: ISO 8601
 * itself (with any offset), RFC 822/1123 ("Sat, 28 Nov 2026 16:40:00
 * +0100", zone names such as GMT or EST, two-digit years), "November 28,
 * 2026 4:40 PM", "28 November 2026", and Unix seconds. A date with a time
 * becomes "2026-11-28T15:40:00Z" (UTC); a date alone "2026-11-28".
 * Returns 0 with the result in out, or -1 when s is not a date. */
int date_to_iso(const char *s, size_t n, char out[32]);

/* ---- text statistics ------------------------------------------------------ */

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

/* Remove tags and decode character references (numeric, and the named
 * ones news text uses) in s[0..n), in place, then collapse white space.
 * For short metadata values only. Returns the new length. */
size_t strip_markup(char *s, size_t n);

#endif
