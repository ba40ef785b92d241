/* Metadata: title, byline, published, url and description from the head
 * (<title>, Open Graph and article meta tags, the canonical link), JSON-LD
 * (read by jsonld.c) and a few body conventions (<h1>, <time>, rel=author,
 * .byline), each field from the first source that has it in the order
 * docs/readers.md gives. Fields a container already set are kept. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html_int.h"

#define TITLE_MAX 300

/* The first of each kind the page holds. The strings and nodes are
 * borrowed from the gumbo tree; jsonld is owned (buf_free). */
struct meta {
    const char *og_title, *og_url, *og_desc, *og_site, *desc, *author;
    const char *article_author, *published, *other_date, *canonical;
    const GumboNode *title, *h1, *time, *time_marked, *rel_author, *byline_el;
    struct buf jsonld; /* every JSON-LD script, each ending in '\0' */
};

/* ---- setting fields ------------------------------------------------------ */

/* Set a string field unless a container or an earlier source set it. */
static int set_if_absent(nd_doc_t *doc, const char *field, const char *s, size_t n)
{
    if (!s || !n || nd_doc_get(doc, field))
        return 0;
    return nd_doc_set(doc, field, nd_val_strn(s, n)) == 0;
}

static int set_clean(nd_doc_t *doc, const char *field, const char *s)
{
    if (!s)
        return 0;
    char *copy = strdup(s);
    if (!copy)
        return 0;
    size_t n = squeeze_space(copy, strlen(copy));
    int done = set_if_absent(doc, field, copy, n);
    free(copy);
    return done;
}

static int set_date(nd_doc_t *doc, const char *s)
{
    char iso[32];
    if (!s || nd_doc_get(doc, "published") || date_to_iso(s, strlen(s), iso) < 0)
        return 0;
    return nd_doc_set_str(doc, "published", iso) == 0;
}

/* "By Jane Doe" -> "Jane Doe". */
static int set_byline(nd_doc_t *doc, const char *s)
{
    if (!s || nd_doc_get(doc, "byline"))
        return 0;
    char *copy = strdup(s);
    if (!copy)
        return 0;
    size_t n = squeeze_space(copy, strlen(copy));
    char *p = copy;
    if (n > 3 && !strncasecmp(p, "by ", 3))
        p += 3, n -= 3;
    /* An address is not a name (article:author often holds a profile URL). */
    int done = n && n < 200 && strncmp(p, "http://", 7) && strncmp(p, "https://", 8) &&
               set_if_absent(doc, "byline", p, n);
    free(copy);
    return done;
}

void meta_set_title(nd_doc_t *doc, const char *s, size_t n)
{
    if (n > TITLE_MAX) {
        size_t cut = TITLE_MAX;
        while (cut > TITLE_MAX / 2 && s[cut] != ' ')
            cut--;
        if (cut <= TITLE_MAX / 2) {
            cut = TITLE_MAX;
            while (cut && ((unsigned char)s[cut] & 0xC0) == 0x80)
                cut--;
        }
        n = cut;
    }
    set_if_absent(doc, "title", s, n);
}

/* ---- reading the tree ---------------------------------------------------- */

static int ci_contains(const char *hay, const char *needle)
{
    return hay && strcasestr(hay, needle) != NULL;
}

static int class_has(const GumboNode *n, const char *word)
{
    return ci_contains(html_attr(n, "class"), word) || ci_contains(html_attr(n, "id"), word);
}

/* <meta property|name|itemprop=... content=...> */
static void meta_tag(const GumboNode *n, struct meta *m)
{
    const char *key = html_attr(n, "property");
    if (!key)
        key = html_attr(n, "name");
    if (!key)
        key = html_attr(n, "itemprop");
    const char *content = html_attr(n, "content");
    if (!key || !content)
        return;
    if (!strcasecmp(key, "og:title") && !m->og_title)
        m->og_title = content;
    else if (!strcasecmp(key, "og:url") && !m->og_url)
        m->og_url = content;
    else if (!strcasecmp(key, "og:description") && !m->og_desc)
        m->og_desc = content;
    else if (!strcasecmp(key, "og:site_name") && !m->og_site)
        m->og_site = content;
    else if (!strcasecmp(key, "description") && !m->desc)
        m->desc = content;
    else if (!strcasecmp(key, "author") && !m->author)
        m->author = content;
    else if (!strcasecmp(key, "article:author") && !m->article_author)
        m->article_author = content;
    else if ((!strcasecmp(key, "article:published_time") ||
              !strcasecmp(key, "datePublished")) && !m->published)
        m->published = content;
    else if ((!strcasecmp(key, "date") || !strcasecmp(key, "pubdate") ||
              !strcasecmp(key, "publishdate") || !strcasecmp(key, "dc.date") ||
              !strcasecmp(key, "dc.date.issued") || !strcasecmp(key, "dcterms.date") ||
              !strcasecmp(key, "sailthru.date") ||
              !strcasecmp(key, "parsely-pub-date")) && !m->other_date)
        m->other_date = content;
}

/* Append the text of a <script type="application/ld+json"> to m->jsonld. */
static void collect_jsonld(const GumboNode *n, struct meta *m)
{
    const char *type = html_attr(n, "type");
    if (!type || strcasecmp(type, "application/ld+json"))
        return;
    const GumboVector *c = &n->v.element.children;
    for (unsigned i = 0; i < c->length; i++) {
        const GumboNode *k = c->data[i];
        if (k->type == GUMBO_NODE_TEXT || k->type == GUMBO_NODE_WHITESPACE)
            buf_puts(&m->jsonld, k->v.text.text);
    }
    buf_put(&m->jsonld, "", 1); /* keeps its NUL as a separator */
}

static void meta_visit(const GumboNode *n, struct meta *m, int depth)
{
    if (n->type != GUMBO_NODE_ELEMENT || depth > MAX_DEPTH * 2)
        return;
    switch (n->v.element.tag) {
    case GUMBO_TAG_META:
        meta_tag(n, m);
        break;
    case GUMBO_TAG_LINK: {
        const char *rel = html_attr(n, "rel");
        if (rel && !strcasecmp(rel, "canonical") && !m->canonical)
            m->canonical = html_attr(n, "href");
        break;
    }
    case GUMBO_TAG_TITLE:
        if (!m->title)
            m->title = n;
        return;
    case GUMBO_TAG_H1:
        if (!m->h1)
            m->h1 = n;
        break;
    case GUMBO_TAG_TIME:
        if (html_attr(n, "datetime")) {
            const char *ip = html_attr(n, "itemprop");
            if (!m->time_marked && ((ip && !strcasecmp(ip, "datePublished")) ||
                                    html_attr(n, "pubdate")))
                m->time_marked = n;
            if (!m->time)
                m->time = n;
        }
        break;
    case GUMBO_TAG_A: {
        const char *rel = html_attr(n, "rel");
        if (rel && ci_contains(rel, "author") && !m->rel_author)
            m->rel_author = n;
        break;
    }
    case GUMBO_TAG_SCRIPT:
        collect_jsonld(n, m);
        return;
    default:
        break;
    }
    const char *ip = html_attr(n, "itemprop");
    if (!m->byline_el && ((ip && !strcasecmp(ip, "author")) ||
                          class_has(n, "byline")))
        m->byline_el = n;
    const GumboVector *c = &n->v.element.children;
    for (unsigned i = 0; i < c->length; i++)
        meta_visit(c->data[i], m, depth + 1);
}

/* ---- the fields, in order of precedence ---------------------------------- */

/* "Headline | Site", "Headline - Site": the headline, when what is left
 * still looks like one (three words or more). */
static size_t strip_site_name(const char *t, size_t n)
{
    static const char *const seps[] = {" | ", " - ", " \xE2\x80\x93 ", " \xE2\x80\x94 ",
                                       " :: ", " \xC2\xB7 ", " / ", NULL};
    size_t best = 0;
    for (size_t i = 0; seps[i]; i++) {
        size_t sl = strlen(seps[i]);
        for (size_t k = n; k-- > 0;) {
            if (k + sl <= n && !memcmp(t + k, seps[i], sl)) {
                if (k > best)
                    best = k;
                break;
            }
        }
    }
    if (!best)
        return n;
    size_t words = 1;
    for (size_t i = 0; i < best; i++)
        words += t[i] == ' ';
    return words >= 3 ? best : n;
}

/* title: og:title, <title> without the site name, JSON-LD, <h1> */
static void apply_title(nd_doc_t *doc, const struct meta *m, const nd_val_t *ld)
{
    if (m->og_title)
        set_clean(doc, "title", m->og_title);
    if (m->title && !nd_doc_get(doc, "title")) {
        size_t n;
        char *t = text_plain(m->title, &n);
        if (t && n)
            meta_set_title(doc, t, strip_site_name(t, n));
        free(t);
    }
    if (ld && !nd_doc_get(doc, "title"))
        set_clean(doc, "title", nd_val_as_str(nd_val_get(ld, "headline"), NULL));
    if (m->h1 && !nd_doc_get(doc, "title")) {
        size_t n;
        char *t = text_plain(m->h1, &n);
        if (t && n)
            meta_set_title(doc, t, n);
        free(t);
    }
}

/* byline: meta author, rel=author, article:author, JSON-LD, .byline */
static void apply_byline(nd_doc_t *doc, const struct meta *m, const nd_val_t *ld)
{
    set_byline(doc, m->author);
    if (m->rel_author && !nd_doc_get(doc, "byline")) {
        char *t = text_plain(m->rel_author, NULL);
        set_byline(doc, t);
        free(t);
    }
    set_byline(doc, m->article_author);
    if (ld && !nd_doc_get(doc, "byline")) {
        char *t = jsonld_authors(nd_val_get(ld, "author"));
        set_byline(doc, t);
        free(t);
    }
    if (m->byline_el && !nd_doc_get(doc, "byline")) {
        char *t = text_plain(m->byline_el, NULL);
        set_byline(doc, t);
        free(t);
    }
}

/* published: article:published_time, JSON-LD, a marked <time>, other
 * date metas, the first <time datetime> */
static void apply_published(nd_doc_t *doc, const struct meta *m, const nd_val_t *ld)
{
    set_date(doc, m->published);
    if (ld)
        set_date(doc, nd_val_as_str(nd_val_get(ld, "datePublished"), NULL));
    if (m->time_marked)
        set_date(doc, html_attr(m->time_marked, "datetime"));
    set_date(doc, m->other_date);
    if (m->time)
        set_date(doc, html_attr(m->time, "datetime"));
}

/* url: canonical, og:url, JSON-LD; description: og:description, meta
 * description, JSON-LD */
static void apply_url_description(nd_doc_t *doc, const struct meta *m, const nd_val_t *ld)
{
    set_clean(doc, "url", m->canonical);
    set_clean(doc, "url", m->og_url);
    if (ld) {
        set_clean(doc, "url", nd_val_as_str(nd_val_get(ld, "url"), NULL));
        set_clean(doc, "url", jsonld_name(nd_val_get(ld, "mainEntityOfPage")));
    }

    set_clean(doc, "description", m->og_desc);
    set_clean(doc, "description", m->desc);
    if (ld)
        set_clean(doc, "description", nd_val_as_str(nd_val_get(ld, "description"), NULL));
}

void meta_read(nd_doc_t *doc, const GumboNode *root)
{
    struct meta m = {0};
    meta_visit(root, &m, 0);
    struct jsonld j;
    const nd_val_t *ld = jsonld_article(&j, m.jsonld.p, m.jsonld.n);
    apply_title(doc, &m, ld);
    apply_byline(doc, &m, ld);
    apply_published(doc, &m, ld);
    apply_url_description(doc, &m, ld);
    jsonld_free(&j);
    buf_free(&m.jsonld);
}
