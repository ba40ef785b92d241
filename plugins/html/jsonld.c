/* JSON-LD: the first article object (NewsArticle, BlogPosting, ...) among
 * a page's ld+json scripts, found in a list or an @graph too, and the
 * shapes schema.org values take (a string, an object with a name). */
#include <stdlib.h>
#include <string.h>

#include "html_int.h"

static int is_article_type(const nd_val_t *type)
{
    static const char *const types[] = {
        "NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle",
        "OpinionNewsArticle", "BackgroundNewsArticle", "BlogPosting",
        "LiveBlogPosting", "Report", "ScholarlyArticle", "TechArticle", NULL,
    };
    if (nd_val_type(type) == ND_VAL_LIST) {
        for (size_t i = 0; i < nd_val_len(type); i++)
            if (is_article_type(nd_val_at(type, i)))
                return 1;
        return 0;
    }
    const char *s = nd_val_as_str(type, NULL);
    for (size_t i = 0; s && types[i]; i++)
        if (!strcmp(s, types[i]))
            return 1;
    return 0;
}

/* The first article object in a JSON-LD value (an object, a list, or an
 * object with @graph), or NULL. */
static const nd_val_t *find_article(const nd_val_t *v, int depth)
{
    if (!v || depth > 8)
        return NULL;
    if (nd_val_type(v) == ND_VAL_LIST) {
        for (size_t i = 0; i < nd_val_len(v); i++) {
            const nd_val_t *a = find_article(nd_val_at(v, i), depth + 1);
            if (a)
                return a;
        }
        return NULL;
    }
    if (nd_val_type(v) != ND_VAL_OBJ)
        return NULL;
    if (is_article_type(nd_val_get(v, "@type")))
        return v;
    return find_article(nd_val_get(v, "@graph"), depth + 1);
}

static int is_space(char ch)
{
    return ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r';
}

/* The JSON of a script, without the <![CDATA[ ... ]]> some pages (and
 * XHTML serialisers) wrap it in: *n bytes from the result. */
static const char *strip_cdata(const char *js, size_t *n)
{
    const char *e = js + *n;
    while (js < e && is_space(*js))
        js++;
    while (e > js && is_space(e[-1]))
        e--;
    if (e - js >= 12 && !memcmp(js, "<![CDATA[", 9) && !memcmp(e - 3, "]]>", 3))
        js += 9, e -= 3;
    *n = (size_t)(e - js);
    return js;
}

const nd_val_t *jsonld_article(struct jsonld *j, const char *scripts, size_t len)
{
    const nd_val_t *ld = NULL;
    j->n = 0;
    for (size_t off = 0; off < len && j->n < JSONLD_MAX && !ld;) {
        size_t n = strlen(scripts + off), jn = n;
        const char *js = strip_cdata(scripts + off, &jn);
        char err[128];
        j->parsed[j->n] = nd_val_parse_json(js, jn, err, sizeof err);
        if (j->parsed[j->n])
            ld = find_article(j->parsed[j->n++], 0);
        off += n + 1;
    }
    return ld;
}

void jsonld_free(struct jsonld *j)
{
    for (size_t i = 0; i < j->n; i++)
        nd_val_free(j->parsed[i]);
    j->n = 0;
}

const char *jsonld_name(const nd_val_t *v)
{
    if (nd_val_type(v) == ND_VAL_STR)
        return nd_val_as_str(v, NULL);
    if (nd_val_type(v) == ND_VAL_OBJ) {
        const char *s = nd_val_as_str(nd_val_get(v, "name"), NULL);
        return s ? s : nd_val_as_str(nd_val_get(v, "@id"), NULL);
    }
    return NULL;
}

char *jsonld_authors(const nd_val_t *author)
{
    if (nd_val_type(author) != ND_VAL_LIST) {
        const char *s = jsonld_name(author);
        return s ? strdup(s) : NULL;
    }
    struct buf b = {0};
    for (size_t i = 0; i < nd_val_len(author) && i < 20; i++) {
        const char *s = jsonld_name(nd_val_at(author, i));
        if (s && *s) {
            if (b.n)
                buf_put(&b, ", ", 2);
            buf_puts(&b, s);
        }
    }
    return b.p;
}
