/* The headline in a page's <title>, found as Readability finds it: the
 * site name cut off at a separator ("Headline | Site", "Site - Headline")
 * unless too little is left, the part after a colon unless a heading says
 * the whole title is the headline, the <h1> for a title too short or too
 * long; and the similarity of two titles by their words. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html_int.h"

/* ---- words ------------------------------------------------------------------ */

/* JavaScript's str.split(/\s+/).length: one more than the runs of white
 * space, leading and trailing ones included. */
static size_t word_count(const char *s, size_t n)
{
    size_t words = 1;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ' ' && (i == 0 || s[i - 1] != ' '))
            words++;
    return words;
}

static size_t utf8_chars(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

/* ---- separators ---------------------------------------------------------- */

/* The length of the separator character at s (| - – — \ / > »), 0 if none;
 * *hier set when it is one of the hierarchical ones (\ / > »). */
static size_t separator_at(const char *s, size_t n, int *hier)
{
    static const char *const seps[] = {"|", "-", "\xE2\x80\x93", "\xE2\x80\x94",
                                       "\\", "/", ">", "\xC2\xBB", NULL};
    for (size_t i = 0; seps[i]; i++) {
        size_t l = strlen(seps[i]);
        if (l <= n && !memcmp(s, seps[i], l)) {
            if (hier)
                *hier = i >= 4;
            return l;
        }
    }
    return 0;
}

/* A separator with a space either side (" | ") at s[i]: its length with
 * the spaces, else 0. */
static size_t spaced_separator(const char *s, size_t n, size_t i, int *hier)
{
    if (s[i] != ' ' || i + 1 >= n)
        return 0;
    size_t l = separator_at(s + i + 1, n - i - 1, hier);
    return l && i + 1 + l < n && s[i + 1 + l] == ' ' ? l + 2 : 0;
}

/* ---- headings --------------------------------------------------------------- */

/* Is the text of an <h1> or <h2> under n exactly t? */
static int heading_is(const GumboNode *n, const char *t, int depth)
{
    if (n->type != GUMBO_NODE_ELEMENT || depth > MAX_DEPTH * 2)
        return 0;
    GumboTag tag = n->v.element.tag;
    if (tag == GUMBO_TAG_H1 || tag == GUMBO_TAG_H2) {
        char *h = text_plain(n, NULL);
        int same = h && !strcmp(h, t);
        free(h);
        if (same)
            return 1;
    }
    const GumboVector *c = &n->v.element.children;
    for (unsigned i = 0; i < c->length; i++)
        if (heading_is(c->data[i], t, depth + 1))
            return 1;
    return 0;
}

/* The first <h1> under n in *first, and how many there are in *count. */
static void find_h1(const GumboNode *n, int depth, const GumboNode **first, int *count)
{
    if (n->type != GUMBO_NODE_ELEMENT || depth > MAX_DEPTH * 2)
        return;
    if (n->v.element.tag == GUMBO_TAG_H1 && !(*count)++)
        *first = n;
    const GumboVector *c = &n->v.element.children;
    for (unsigned i = 0; i < c->length; i++)
        find_h1(c->data[i], depth + 1, first, count);
}

/* ---- the headline ----------------------------------------------------------- */

/* t[0..n) without its separators and their spaces: how many words? */
static size_t words_without_separators(const char *t, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        return 0;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t l = spaced_separator(t, n, i, NULL);
        if (l) {
            i += l;
            continue;
        }
        s[k++] = t[i++];
    }
    size_t w = word_count(s, k);
    free(s);
    return w;
}

/* The headline when the title has a separator: before the last one, or,
 * when that leaves under three words, after the first separator
 * character. Sets *from, *len within t. */
static void cut_at_separator(const char *t, size_t n, size_t *from, size_t *len, int *hier)
{
    size_t last = 0;
    for (size_t i = 0; i < n; i++) {
        int h = 0;
        if (spaced_separator(t, n, i, &h)) {
            last = i;
            *hier |= h;
        }
    }
    *from = 0, *len = last;
    if (word_count(t, last) >= 3)
        return;
    for (size_t i = 0; i < n; i++) {
        size_t l = separator_at(t + i, n - i, NULL);
        if (l) {
            *from = i + l, *len = n - i - l;
            return;
        }
    }
}

/* The headline when the title has ": " and no heading holds the whole
 * title: after the last colon, or the first when that leaves under three
 * words; the whole title when more than five words come before it. */
static void cut_at_colon(const char *t, size_t n, size_t *from, size_t *len)
{
    const char *first = memchr(t, ':', n), *last = first;
    for (const char *p = first; p; p = memchr(p + 1, ':', n - (size_t)(p + 1 - t)))
        last = p;
    *from = (size_t)(last + 1 - t), *len = n - *from;
    if (word_count(t + *from, *len) < 3)
        *from = (size_t)(first + 1 - t), *len = n - *from;
    else if (word_count(t, (size_t)(first - t)) > 5)
        *from = 0, *len = n;
}

char *title_headline(const char *t, const GumboNode *root)
{
    size_t n = strlen(t), from = 0, len = n;
    int hier = 0, has_sep = 0;
    char *h1text = NULL;
    for (size_t i = 0; i < n && !has_sep; i++)
        has_sep = spaced_separator(t, n, i, NULL) != 0;
    if (has_sep) {
        cut_at_separator(t, n, &from, &len, &hier);
    } else if (strstr(t, ": ")) {
        if (!heading_is(root, t, 0))
            cut_at_colon(t, n, &from, &len);
    } else if (utf8_chars(t, n) > 150 || utf8_chars(t, n) < 15) {
        const GumboNode *h1 = NULL;
        int count = 0;
        find_h1(root, 0, &h1, &count);
        if (count == 1)
            h1text = text_plain(h1, NULL);
    }
    char *cur = h1text ? h1text : strndup(t + from, len);
    if (!cur)
        return NULL;
    size_t cn = squeeze_space(cur, strlen(cur));
    cur[cn] = '\0';
    /* The cut took too much: under three words left, or, in a hierarchy
     * ("Site » Section » Headline"), four or fewer and more than one level
     * dropped. Readability says four words or fewer for any separator,
     * which keeps the site name on short headlines ("Port strike called
     * off | Wire Daily"). */
    size_t words = cn ? word_count(cur, cn) : 1;
    if (words <= 4 && (hier ? words != words_without_separators(t, n) - 1 : words < 3)) {
        free(cur);
        return strdup(t);
    }
    return cur;
}

/* ---- similarity ---------------------------------------------------------- */

struct tokens {
    const char *p[256];
    size_t len[256], n, joined; /* joined: length with one space between */
};

static int is_word_byte(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || ch == '_';
}

/* The words of s as JavaScript's split(/\W+/) gives them (ASCII word
 * characters only), the first 256. */
static void tokenize(const char *s, struct tokens *t)
{
    t->n = t->joined = 0;
    for (const char *p = s; *p && t->n < 256;) {
        while (*p && !is_word_byte(*p))
            p++;
        const char *q = p;
        while (*q && is_word_byte(*q))
            q++;
        if (q > p) {
            t->p[t->n] = p;
            t->len[t->n++] = (size_t)(q - p);
            t->joined += (size_t)(q - p) + (t->n > 1);
        }
        p = q;
    }
}

static int has_token(const struct tokens *t, const char *p, size_t len)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->len[i] == len && !strncasecmp(t->p[i], p, len))
            return 1;
    return 0;
}

double title_similarity(const char *a, const char *b)
{
    struct tokens ta, tb;
    tokenize(a, &ta);
    tokenize(b, &tb);
    if (!ta.n || !tb.n)
        return 0;
    size_t uniq = 0, k = 0;
    for (size_t i = 0; i < tb.n; i++)
        if (!has_token(&ta, tb.p[i], tb.len[i]))
            uniq += tb.len[i] + (k++ > 0);
    return 1.0 - (double)uniq / (double)tb.joined;
}
