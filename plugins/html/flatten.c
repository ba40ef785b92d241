/* Flattening very deep nesting before gumbo sees a page: a scan of the
 * tags that estimates the depth, and a copy without the start tags (and as
 * many end tags) beyond MAX_DEPTH. */
#include <string.h>
#include <strings.h>

#include "html_int.h"

static int is_void_tag(const char *name, size_t n)
{
    static const char *const voids[] = {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "source", "track", "wbr", "param", "keygen", "basefont",
        "frame", "!doctype", NULL,
    };
    for (size_t i = 0; voids[i]; i++)
        if (strlen(voids[i]) == n && !strncasecmp(name, voids[i], n))
            return 1;
    return 0;
}

/* Elements whose end tag is optional (a new one closes the last): they
 * do not deepen the tree when left open. */
static int is_self_closing_kind(const char *name, size_t n)
{
    static const char *const kinds[] = {
        "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th",
        "tbody", "thead", "tfoot", "rb", "rt", "rp", "colgroup", "a", NULL,
    };
    for (size_t i = 0; kinds[i]; i++)
        if (strlen(kinds[i]) == n && !strncasecmp(name, kinds[i], n))
            return 1;
    return 0;
}

/* Raw text elements: their content is not markup. */
static int is_raw_tag(const char *name, size_t n)
{
    static const char *const raw[] = {"script", "style", "textarea", "title", "xmp", NULL};
    for (size_t k = 0; raw[k]; k++)
        if (strlen(raw[k]) == n && !strncasecmp(name, raw[k], n))
            return 1;
    return 0;
}

/* A tag of s: its name is s[name..name_end), `end` is one past its '>'
 * (or the end of the input when the '>' is missing). */
struct tag {
    size_t name, name_end, end;
    int closing;
    int leaf; /* void, optional end tag, or "/>": does not deepen the tree */
    int raw;  /* a start tag of a raw text element */
};

/* Read the tag whose '<' is at s[i]. Returns 0 when no tag name follows
 * (the '<' is text). */
static int read_tag(const char *s, size_t n, size_t i, struct tag *t)
{
    t->closing = i + 1 < n && s[i + 1] == '/';
    size_t a = i + 1 + (size_t)t->closing, b = a;
    while (b < n && ((s[b] >= 'a' && s[b] <= 'z') || (s[b] >= 'A' && s[b] <= 'Z') ||
                     (s[b] >= '0' && s[b] <= '9') || s[b] == '!'))
        b++;
    if (b == a)
        return 0;
    const char *gt = memchr(s + b, '>', n - b);
    t->name = a;
    t->name_end = b;
    t->end = gt ? (size_t)(gt - s) + 1 : n;
    int selfclose = gt && gt > s + b && gt[-1] == '/';
    t->leaf = is_void_tag(s + a, b - a) || is_self_closing_kind(s + a, b - a) || selfclose;
    t->raw = !t->closing && is_raw_tag(s + a, b - a);
    return 1;
}

/* One scan of the tags. The first only measures the deepest nesting; the
 * second (copy set) also copies the input to out without the tags beyond
 * MAX_DEPTH, tracking the depth as the copy will have it. */
struct scan {
    const char *s;
    size_t n;
    int copy;
    size_t depth, max;
    size_t excess; /* start tags dropped whose end tag is still to drop */
    size_t copied; /* s[0..copied) is in out already */
    struct buf out;
};

/* Leave s[i..end) out of the copy. */
static int drop(struct scan *sc, size_t i, size_t end)
{
    if (buf_put(&sc->out, sc->s + sc->copied, i - sc->copied) < 0)
        return -1;
    sc->copied = end;
    return 0;
}

/* Count the tag at s[i] into the depth, dropping it when the copy would
 * nest too deep (and its end tag later). Returns -1 when out of memory. */
static int count_tag(struct scan *sc, size_t i, const struct tag *t)
{
    if (t->closing) {
        if (sc->copy && sc->excess) {
            sc->excess--;
            if (drop(sc, i, t->end) < 0)
                return -1;
        }
        if (sc->depth)
            sc->depth--;
    } else if (++sc->depth > MAX_DEPTH && sc->copy) {
        sc->depth--;
        sc->excess++;
        if (drop(sc, i, t->end) < 0)
            return -1;
    }
    if (sc->depth > sc->max)
        sc->max = sc->depth;
    return 0;
}

/* Skip the content of the raw text element whose start tag is t: up to
 * and over its end tag. Returns the index of the last byte skipped. */
static size_t skip_raw(struct scan *sc, const struct tag *t)
{
    const char *s = sc->s;
    size_t n = sc->n;
    char close[16] = "</";
    memcpy(close + 2, s + t->name, t->name_end - t->name);
    close[2 + t->name_end - t->name] = '\0';
    size_t cl = strlen(close);
    size_t k = t->end;
    while (k + cl <= n && strncasecmp(s + k, close, cl))
        k++;
    if (sc->depth)
        sc->depth--;
    return k + cl <= n ? k + cl - 1 : n;
}

/* Returns -1 when out of memory. */
static int scan_tags(struct scan *sc)
{
    const char *s = sc->s;
    size_t n = sc->n;
    sc->depth = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '<')
            continue;
        if (i + 4 <= n && !strncmp(s + i, "<!--", 4)) {
            const char *end = memmem(s + i + 4, n - i - 4, "-->", 3);
            i = end ? (size_t)(end - s) + 2 : n;
            continue;
        }
        struct tag t;
        if (!read_tag(s, n, i, &t))
            continue;
        if (t.leaf) {
            i = t.end - 1;
            continue;
        }
        if (count_tag(sc, i, &t) < 0)
            return -1;
        i = t.raw ? skip_raw(sc, &t) : t.end - 1;
    }
    return 0;
}

int flatten_deep(const char *s, size_t n, char **out)
{
    *out = NULL;
    /* Fewer tags than MAX_DEPTH cannot nest deeper: most pages stop here. */
    size_t tags = 0;
    for (const char *p = s; tags <= MAX_DEPTH && (p = memchr(p, '<', n - (size_t)(p - s)));
         p++)
        tags++;
    if (tags <= MAX_DEPTH)
        return 0;
    struct scan sc = {.s = s, .n = n};
    scan_tags(&sc);
    if (sc.max <= MAX_DEPTH)
        return 0;
    sc.copy = 1;
    if (scan_tags(&sc) < 0 || buf_put(&sc.out, s + sc.copied, n - sc.copied) < 0) {
        buf_free(&sc.out);
        return -1;
    }
    *out = sc.out.p;
    return 0;
}
