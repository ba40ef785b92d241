/* Charsets: raw bytes in any encoding to clean NFC UTF-8, for the
 * readers. Uses no host functions, so unit tests and fuzz harnesses call
 * it directly. */
#ifndef ND_TEXT_CHARSET_H
#define ND_TEXT_CHARSET_H

#include <stddef.h>
#include <stdint.h>

/* Convert raw bytes to UTF-8 that is valid, in Unicode NFC, without a byte
 * order mark, and with \r\n and lone \r turned into \n.
 *
 * `charset` names the encoding when the caller knows it (an HTML meta
 * charset, a configured override); NULL or "auto" detects it: a BOM
 * (UTF-8, UTF-16LE/BE) wins; UTF-16 without a BOM is recognised by its NUL
 * bytes (utf16_guess); otherwise text that is valid UTF-8, or mostly so,
 * is UTF-8 (a few broken bytes become U+FFFD), and anything else is read
 * as `fallback` (NULL: windows-1252, which browsers also use for
 * "iso-8859-1"). Any charset iconv knows may be named.
 *
 * On success returns 0 with a malloc'd, NUL-terminated string in *out (its
 * length in *outlen) and the charset actually used in *used (a static
 * string or `charset`/`fallback` itself). On failure returns -EINVAL (an
 * unknown charset) or -ENOMEM, with a reason in err. Memory: the output
 * and, while normalising, one more block of at most a few MiB, whatever
 * the input size. */
int cs_to_utf8(const uint8_t *raw, size_t n, const char *charset,
               const char *fallback, char **out, size_t *outlen,
               const char **used, char *err, size_t errlen);

/* Normalise valid UTF-8 s[0..n) to NFC, dropping U+FEFF. Returns s
 * itself when it is NFC already (checked quickly: see nfc_safe), else a
 * new malloc'd string; its length in *outlen; NULL when out of memory. */
char *cs_nfc(const char *s, size_t n, size_t *outlen);

/* True when `name` is a label of UTF-8 ("utf-8", "utf8", case-insensitive). */
int cs_is_utf8(const char *name);

#endif
