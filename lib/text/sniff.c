/* Media type sniffing: what a file holds, by its bytes first and its name
 * second, so an HTML page saved as .txt is still read as HTML. */
#include "sniff.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "base/bytes8.h"
#include "utf16.h"

#define WINDOW 4096

struct magic {
    const char *bytes;
    size_t len, offset;
    const char *type;
};

static const struct magic magics[] = {
    {"%PDF-", 5, 0, "application/pdf"},
    {"\x89PNG\r\n\x1a\n", 8, 0, "image/png"},
    {"\xFF\xD8\xFF", 3, 0, "image/jpeg"},
    {"GIF87a", 6, 0, "image/gif"},
    {"GIF89a", 6, 0, "image/gif"},
    {"WEBP", 4, 8, "image/webp"},
    {"II*\0", 4, 0, "image/tiff"},
    {"MM\0*", 4, 0, "image/tiff"},
    {"PK\x03\x04", 4, 0, "application/zip"},
    {"\x1F\x8B", 2, 0, "application/gzip"},
    {"BZh", 3, 0, "application/x-bzip2"},
    {"\xFD" "7zXZ", 5, 0, "application/x-xz"},
    {"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8, 0, "application/x-ole-storage"},
    {"{\\rtf", 5, 0, "application/rtf"},
    {"%!PS", 4, 0, "application/postscript"},
    {"\x7F" "ELF", 4, 0, "application/x-executable"},
    {"ID3", 3, 0, "audio/mpeg"},
    {"ftyp", 4, 4, "video/mp4"},
    {"OggS", 4, 0, "audio/ogg"},
    {"SQLite format 3", 16, 0, "application/vnd.sqlite3"},
};

static int has_ext(const char *name, const char *ext)
{
    if (!name)
        return 0;
    size_t n = strlen(name), e = strlen(ext);
    return n > e && !strcasecmp(name + n - e, ext);
}

/* Case-insensitive search for `needle` in h[0..n). */
static const uint8_t *find_ci(const uint8_t *h, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    int first = tolower((unsigned char)needle[0]);
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (tolower(h[i]) == first && !strncasecmp((const char *)h + i, needle, m))
            return h + i;
    return NULL;
}

/* The earliest of `needles` in p[0..n), or NULL. */
static const uint8_t *first_of(const uint8_t *p, size_t n,
                               const char *const *needles)
{
    const uint8_t *best = NULL;
    for (size_t i = 0; needles[i]; i++) {
        const uint8_t *f = find_ci(p, best ? (size_t)(best - p) : n, needles[i]);
        if (f)
            best = f;
    }
    return best;
}

static const char *sniff_markup(const uint8_t *p, size_t n)
{
    /* A feed's root comes before any HTML it carries; a page's <html>
     * comes before any "<rss" its scripts might mention. */
    static const char *const feed_roots[] = {"<rss", "<rdf:rdf", "<feed ",
                                             "<feed>", "<feed\n", NULL};
    static const char *const page_roots[] = {"<!doctype html", "<html", NULL};
    const uint8_t *feed = first_of(p, n, feed_roots);
    const uint8_t *page = first_of(p, n, page_roots);
    if (feed && (!page || feed < page)) {
        if (!strncasecmp((const char *)feed, "<feed", 5))
            return "application/atom+xml";
        return "application/rss+xml";
    }
    static const char *const html[] = {
        "<!doctype html", "<html", "<head", "<body", "<title", "<meta",
        "<div", "<article", "<p>", "<p ", "<h1", "<h2", "<br", "<table",
        "<a href", "<script", "<style", "<section", "<main", "<header", NULL,
    };
    for (size_t i = 0; html[i]; i++)
        if (find_ci(p, n, html[i]))
            return "text/html";
    if (n >= 5 && !strncmp((const char *)p, "<?xml", 5))
        return "application/xml";
    return NULL;
}

/* Markdown by its look: heading marks, code fences, bullets, links and
 * strong emphasis at line starts in the window. One heading or fence and
 * one more sign, or three signs, make it Markdown; wire copy seldom has
 * any of them. */
static int has_mark(uint64_t w)
{
    return (bytes8_has(w, '\n') | bytes8_has(w, ']') | bytes8_has(w, '*')) != 0;
}

static int looks_markdown(const uint8_t *p, size_t n)
{
    int strong = 0, signs = 0, line_start = 1;
    for (size_t i = 0; i < n; i++) {
        /* Most bytes are none of '\n', ']' and '*', which start what is
         * looked at: blocks without them are passed over. */
        while (!line_start && i + 8 <= n && !has_mark(bytes8_load(p + i)))
            i += 8;
        if (i == n)
            break;
        if (line_start) {
            size_t h = 0;
            while (i + h < n && h < 6 && p[i + h] == '#')
                h++;
            if (h && i + h < n && p[i + h] == ' ')
                strong++, signs++;
            else if (i + 3 <= n && (!memcmp(p + i, "```", 3) || !memcmp(p + i, "~~~", 3)))
                strong++, signs++;
            else if (i + 2 <= n && (p[i] == '-' || p[i] == '*') && p[i + 1] == ' ')
                signs++;
        }
        uint8_t c = p[i];
        line_start = c == '\n';
        if (c == ']' ? i + 6 <= n && !memcmp(p + i, "](http", 6)
                     : c == '*' && i + 3 <= n && p[i + 1] == '*' && p[i + 2] != ' ')
            signs++;
    }
    return (strong && signs >= 2) || signs >= 3;
}

/* The ASCII characters of UTF-16 text (every other byte), so that the
 * same markup checks apply to it. */
static size_t utf16_ascii(const uint8_t *data, size_t len, int be,
                          uint8_t *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i + 1 < len && o < cap; i += 2) {
        uint8_t hi = be ? data[i] : data[i + 1], lo = be ? data[i + 1] : data[i];
        if (hi == 0 && lo != 0)
            out[o++] = lo;
        else if (!(hi == 0xFE && lo == 0xFF))
            out[o++] = '?';
    }
    return o;
}

static const char *sniff_text(const uint8_t *data, size_t len,
                              const char *name);

const char *sniff_media_type(const uint8_t *data, size_t len,
                             const char *name)
{
    for (size_t i = 0; i < sizeof magics / sizeof *magics; i++) {
        const struct magic *m = &magics[i];
        if (len >= m->offset + m->len &&
            !memcmp(data + m->offset, m->bytes, m->len))
            return m->type;
    }
    int u16;
    if (len >= 2 && data[0] == 0xFF && data[1] == 0xFE)
        u16 = UTF16_LE;
    else if (len >= 2 && data[0] == 0xFE && data[1] == 0xFF)
        u16 = UTF16_BE;
    else
        u16 = utf16_guess(data, len);
    if (u16 != UTF16_NO) {
        /* UTF-16: sniff its ASCII view; the readers convert it. */
        uint8_t ascii[WINDOW];
        size_t n = utf16_ascii(data, len, u16 == UTF16_BE, ascii, sizeof ascii);
        const char *t = sniff_text(ascii, n, name);
        return strcmp(t, "application/octet-stream") ? t : "text/plain";
    }
    return sniff_text(data, len, name);
}

static const char *sniff_text(const uint8_t *data, size_t len,
                              const char *name)
{
    const uint8_t *p = data;
    size_t n = len < WINDOW ? len : WINDOW;
    if (n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3, n -= 3;

    /* Binary: NUL bytes, or many control characters. Text has few
     * bytes below 0x20: blocks without any are passed over. */
    if (memchr(p, '\0', n))
        return "application/octet-stream";
    size_t ctrl = 0;
    for (size_t i = 0; i < n; i++) {
        while (i + 8 <= n && !bytes8_below(bytes8_load(p + i), 0x20))
            i += 8;
        if (i < n && p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' && p[i] != '\t' &&
            p[i] != '\f' && p[i] != 0x1B)
            ctrl++;
    }
    if (n && ctrl * 10 > n)
        return "application/octet-stream";

    size_t ws = 0;
    while (ws < n && (p[ws] == ' ' || p[ws] == '\n' || p[ws] == '\r' ||
                      p[ws] == '\t'))
        ws++;
    const uint8_t *s = p + ws;
    size_t sn = n - ws;
    if (sn && s[0] == '<') {
        const char *t = sniff_markup(s, sn);
        if (t)
            return t;
    }
    if (sn && (s[0] == '{' || s[0] == '[')) {
        if (has_ext(name, ".jsonl") || has_ext(name, ".ndjson"))
            return "application/x-ndjson";
        if (s[0] == '{') {
            /* JSON Lines: a line break between two top-level objects. */
            const uint8_t *nl = memchr(s, '\n', sn);
            if (nl) {
                const uint8_t *q = nl;
                while (q > s && (q[-1] == ' ' || q[-1] == '\r' || q[-1] == '\t'))
                    q--;
                const uint8_t *r = nl + 1;
                while (r < s + sn && (*r == ' ' || *r == '\r' || *r == '\t'))
                    r++;
                if (q > s && q[-1] == '}' && r < s + sn && *r == '{')
                    return "application/x-ndjson";
            }
        }
        if (has_ext(name, ".json") || s[0] == '{' ||
            (sn > 1 && (s[1] == '{' || s[1] == '"' || s[1] == ' ' ||
                        s[1] == '\n' || s[1] == ']')))
            return "application/json";
    }
    if (has_ext(name, ".html") || has_ext(name, ".htm") ||
        has_ext(name, ".xhtml")) {
        /* Named HTML but without recognisable tags near the start: look
         * further in before trusting the name. */
        if (sn && (find_ci(s, sn, "<p") || find_ci(s, sn, "<div") ||
                   find_ci(s, sn, "<")))
            return "text/html";
    }
    if (has_ext(name, ".md") || has_ext(name, ".markdown") ||
        (sn >= 4 && (!memcmp(s, "---\n", 4) || !memcmp(s, "+++\n", 4) ||
                     !memcmp(s, "---\r\n", 5))) ||
        looks_markdown(s, sn))
        return "text/markdown";
    return "text/plain";
}
