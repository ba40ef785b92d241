/* JSON text read without building it (jscan.h). */
#include "jscan.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

static const char *ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* p at an opening quote: past the closing one, or NULL. *plain: no
 * backslash in it. A raw control character ends it as JSON would. */
static const char *string_end(const char *p, const char *end, int *plain)
{
    int esc = 0;
    for (p++; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            *plain = !esc;
            return p + 1;
        }
        if (c < 0x20)
            return NULL;
        if (c == '\\') {
            if (end - p < 2)
                return NULL;
            esc = 1;
            p++;
        }
    }
    return NULL;
}

/* p at an opening quote of a string inside a skipped value: past the
 * closing quote, or NULL. Only the quotes and the backslashes before them
 * are looked at (with memchr, most of a 10 KB document being a few long
 * strings): the value is checked by whoever uses it. */
static const char *skip_string(const char *p, const char *end)
{
    for (const char *from = p + 1;;) {
        const char *q = memchr(from, '"', (size_t)(end - from));
        if (!q)
            return NULL;
        size_t slashes = 0;
        while (q - slashes > p + 1 && q[-1 - (ptrdiff_t)slashes] == '\\')
            slashes++;
        if (!(slashes & 1))
            return q + 1;
        from = q + 1;
    }
}

const char *jscan_skip(const char *p, const char *end)
{
    size_t depth = 0;
    while (p < end) {
        switch (*p) {
        case '"':
            if (!(p = skip_string(p, end)))
                return NULL;
            if (!depth)
                return p;
            continue;
        case '{':
        case '[':
            depth++;
            break;
        case '}':
        case ']':
            if (!depth)
                return p;
            if (!--depth)
                return p + 1;
            break;
        case ',':
        case ' ':
        case '\t':
        case '\n':
        case '\r':
        case ':':
            if (!depth)
                return p; /* the end of a number or a word */
            break;
        default:
            break;
        }
        p++;
    }
    return depth ? NULL : p;
}

int jscan_open(struct jscan_obj *o, const char *p, const char *end)
{
    p = ws(p, end);
    if (p == end || *p != '{')
        return -1;
    o->p = p + 1;
    o->end = end;
    o->first = 1;
    return 0;
}

/* Valid UTF-8 without NUL, as a key must be for jansson. */
static int utf8_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_decode((const uint8_t *)s + i, n - i, &cp);
        if (!k || !cp)
            return 0;
        i += k;
    }
    return 1;
}

int jscan_next(struct jscan_obj *o, struct jscan_member *m)
{
    const char *p = ws(o->p, o->end), *end = o->end;
    if (p == end)
        return -1;
    if (*p == '}') {
        o->p = p + 1;
        return 0;
    }
    if (!o->first) {
        if (*p != ',')
            return -1;
        p = ws(p + 1, end);
    }
    if (p == end || *p != '"')
        return -1;
    const char *q = string_end(p, end, &m->plain);
    if (!q)
        return -1;
    m->key = p + 1;
    m->keylen = (size_t)(q - p - 2);
    if (m->plain && !utf8_ok(m->key, m->keylen))
        return -1;
    p = ws(q, end);
    if (p == end || *p != ':')
        return -1;
    p = ws(p + 1, end);
    q = jscan_skip(p, end);
    if (!q)
        return -1;
    m->val = p;
    m->vallen = (size_t)(q - p);
    p = ws(q, end);
    if (p == end || (*p != ',' && *p != '}'))
        return -1;
    o->p = p; /* a comma is taken with the key after it */
    o->first = 0;
    return 1;
}

int jscan_at_end(const struct jscan_obj *o)
{
    return ws(o->p, o->end) == o->end;
}

static int docline_scan(struct docline *d)
{
    struct jscan_obj o;
    struct jscan_member m;
    int rc;
    if (jscan_open(&o, d->line, d->line + d->len) < 0)
        return -1;
    d->f = d->fixed;
    d->cap = DOCLINE_FIELDS;
    while ((rc = jscan_next(&o, &m)) == 1) {
        if (d->n == d->cap) {
            struct jscan_member *g = malloc(2 * d->cap * sizeof *g);
            if (!g)
                return -1;
            memcpy(g, d->f, d->n * sizeof *g);
            if (d->f != d->fixed)
                free(d->f);
            d->f = g;
            d->cap *= 2;
        }
        d->f[d->n++] = m;
    }
    return rc;
}

const struct jscan_member *docline_find(struct docline *d, const char *name,
                                        size_t n)
{
    if (!d->scanned)
        d->scanned = docline_scan(d) == 0 ? 1 : -1;
    for (size_t i = 0; d->scanned == 1 && i < d->n; i++)
        if (d->f[i].plain && d->f[i].keylen == n && !memcmp(d->f[i].key, name, n))
            return &d->f[i];
    return NULL;
}

void docline_free(struct docline *d)
{
    if (d->f != d->fixed)
        free(d->f);
    d->f = NULL;
    d->n = d->cap = 0;
    d->scanned = 0;
}
