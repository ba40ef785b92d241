/* A page's bytes to UTF-8: the charset the page declares (found as the
 * HTML standard's prescan finds it) unless the bytes are plainly UTF-8, a
 * configured one overriding it, and detection when neither is usable. */
#include <string.h>
#include <strings.h>

#include "base/utf8.h"
#include "html_int.h"

/* Multi-byte sequences, all valid, that make a page declaring another
 * charset UTF-8 after all. */
#define UTF8_EVIDENCE 16

/* The charset a page declares in its first 1024 bytes (<meta charset>,
 * <meta http-equiv content="...; charset=...">, <?xml encoding>), as the
 * HTML standard's prescan does; written into out, or "" if none. */
static void declared_charset(const uint8_t *p, size_t n, char out[48])
{
    out[0] = '\0';
    if (n > 1024)
        n = 1024;
    static const char *const keys[] = {"charset=", "encoding=", NULL};
    for (size_t i = 0; i + 8 < n; i++) {
        if ((p[i] | 0x20) != 'c' && (p[i] | 0x20) != 'e')
            continue;
        for (size_t k = 0; keys[k]; k++) {
            size_t kl = strlen(keys[k]);
            if (i + kl >= n || strncasecmp((const char *)p + i, keys[k], kl))
                continue;
            size_t j = i + kl;
            while (j < n && (p[j] == '"' || p[j] == '\'' || p[j] == ' '))
                j++;
            size_t o = 0;
            while (j < n && o < 47 &&
                   ((p[j] >= 'a' && p[j] <= 'z') || (p[j] >= 'A' && p[j] <= 'Z') ||
                    (p[j] >= '0' && p[j] <= '9') || strchr("-_.:", p[j])))
                out[o++] = (char)p[j++];
            out[o] = '\0';
            if (o) {
                /* A page that says UTF-16 but got this far in ASCII is
                 * not UTF-16 (the standard reads it as UTF-8). */
                if (!strncasecmp(out, "utf-16", 6))
                    strcpy(out, "utf-8");
                return;
            }
        }
    }
}

/* Are the bytes valid UTF-8 holding UTF8_EVIDENCE multi-byte sequences or
 * more? Text in a legacy charset (GB2312, Shift_JIS, windows-1252) almost
 * never is: a page that says so is one re-saved as UTF-8 with its old
 * <meta> left in place. */
static int plainly_utf8(const uint8_t *p, size_t n)
{
    size_t multi = 0;
    for (size_t i = 0; i < n;) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t l = utf8_decode(p + i, n - i, &cp);
        if (!l)
            return 0;
        multi++;
        i += l;
    }
    return multi >= UTF8_EVIDENCE;
}

int charset_decode(struct utf8_page *pg, nd_doc_t *doc, const char *configured)
{
    size_t rawlen;
    const uint8_t *raw = nd_doc_raw(doc, &rawlen);
    declared_charset(raw, rawlen, pg->declared);
    int automatic = !configured || !strcasecmp(configured, "auto");
    int utf8_anyway = automatic && *pg->declared && !cs_is_utf8(pg->declared) &&
                      plainly_utf8(raw, rawlen);
    if (utf8_anyway)
        nd_doc_log(doc, ND_LOG_INFO, "the page declares %s but is UTF-8; read as UTF-8",
                   pg->declared);
    const char *cs = !automatic     ? configured
                     : utf8_anyway  ? "UTF-8"
                     : *pg->declared ? pg->declared
                                     : NULL;
    char err[256];
    if (cs_to_utf8(raw, rawlen, cs, NULL, &pg->html, &pg->n, &pg->charset, err,
                   sizeof err) < 0) {
        /* A page that declares a charset nobody knows: detect instead. */
        nd_doc_log(doc, ND_LOG_INFO, "%s; detecting the charset instead", err);
        if (cs_to_utf8(raw, rawlen, NULL, NULL, &pg->html, &pg->n, &pg->charset, err,
                       sizeof err) < 0) {
            nd_doc_error(doc, "cannot convert the page to UTF-8: %s", err);
            return -1;
        }
    }
    return 0;
}
