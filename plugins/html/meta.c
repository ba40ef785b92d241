/* Metadata: title, byline, published, url and description from the head
 * (<title>, read by title.c; Open Graph, Dublin Core and article meta
 * tags; the canonical link), JSON-LD (read by jsonld.c) and a few body
 * conventions (<h1>, <time>, rel=author,
 * .byline), each field from the first source that has it in the order
 * docs/readers.md gives. Fields a container already set are kept. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html_int.h"

#define TITLE_MAX 300

/* The first of each kind the page holds. The strings and nodes are
 * borrowed from the gumbo tree; jsonld is owned (buf_free). */
/* Title metas, in Readability's order of precedence (keys lowercased,
 * white space dropped, dots made colons). */
static const char *const title_keys[] = {
    "dc:title", "dcterm:title", "og:title", "weibo:article:title",
    "weibo:webpage:title", "title", "twitter:title", "parsely-title", NULL,
};
#define TITLE_KEYS (sizeof title_keys / sizeof title_keys[0] - 1)

/* Author metas, likewise. */
static const char *const byline_keys[] = {
    "dc:creator", "dcterm:creator", "author", "parsely-author", NULL,
};
#define BYLINE_KEYS (sizeof byline_keys / sizeof byline_keys[0] - 1)

struct meta {
    const char *titles[TITLE_KEYS]; /* by title_keys */
    const char *bylines[BYLINE_KEYS]; /* by byline_keys */
    const char *og_url, *og_desc, *og_site, *desc;
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

/* key lowercased, without white space, dots made colons, in out[size]. */
static void normal_key(const char *key, char *out, size_t size)
{
    size_t k = 0;
    for (const char *p = key; *p && k + 1 < size; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            continue;
        out[k++] = *p == '.' ? ':' : (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
    }
    out[k] = '\0';
}

static void meta_key(const char *key, const char *content, struct meta *m)
{
    char norm[64];
    normal_key(key, norm, sizeof norm);
    /* The last of a key wins, as in Readability ("DC.title" then
     * property="dc:title"). */
    for (size_t i = 0; i < TITLE_KEYS; i++)
        if (!strcmp(norm, title_keys[i]))
            m->titles[i] = content;
    for (size_t i = 0; i < BYLINE_KEYS; i++)
        if (!strcmp(norm, byline_keys[i]))
            m->bylines[i] = content;
    if (!strcasecmp(key, "og:url") && !m->og_url)
        m->og_url = content;
    else if (!strcasecmp(key, "og:description") && !m->og_desc)
        m->og_desc = content;
    else if (!strcasecmp(key, "og:site_name") && !m->og_site)
        m->og_site = content;
    else if (!strcasecmp(key, "description") && !m->desc)
        m->desc = content;
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

/* <meta property|name|itemprop=... content=...>; a property may list
 * several keys ("dc:title og:title"). */
static void meta_tag(const GumboNode *n, struct meta *m)
{
    const char *content = html_attr(n, "content");
    if (!content || !*content)
        return;
    const char *prop = html_attr(n, "property");
    if (prop && strchr(prop, ' ')) {
        char one[64];
        for (const char *p = prop; *p;) {
            while (*p == ' ')
                p++;
            size_t l = strcspn(p, " ");
            if (l && l < sizeof one) {
                memcpy(one, p, l);
                one[l] = '\0';
                meta_key(one, content, m);
            }
            p += l;
        }
        return;
    }
    const char *key = prop;
    if (!key)
        key = html_attr(n, "name");
    if (!key)
        key = html_attr(n, "itemprop");
    if (key)
        meta_key(key, content, m);
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

/* The JSON-LD title: name or headline; when both are there and differ
 * (a site's own name in "name"), the headline if it reads as the page's
 * title and the name does not. Borrowed from ld. */
static const char *jsonld_title(const nd_val_t *ld, const char *head)
{
    const char *name = nd_val_as_str(nd_val_get(ld, "name"), NULL);
    const char *headline = nd_val_as_str(nd_val_get(ld, "headline"), NULL);
    if (name && headline && strcmp(name, headline) && head &&
        title_similarity(headline, head) > 0.75 && title_similarity(name, head) <= 0.75)
        return headline;
    return name ? name : headline;
}

/* title: JSON-LD, the title metas (dc:title, og:title, twitter:title, ...),
 * the headline in <title>, <h1> */
static void apply_title(nd_doc_t *doc, const struct meta *m, const nd_val_t *ld,
                        const GumboNode *root)
{
    char *head = NULL;
    if (m->title) {
        char *t = text_plain(m->title, NULL);
        if (t && *t)
            head = title_headline(t, root);
        free(t);
    }
    if (ld)
        set_clean(doc, "title", jsonld_title(ld, head));
    for (size_t i = 0; i < TITLE_KEYS; i++)
        set_clean(doc, "title", m->titles[i]);
    if (head && !nd_doc_get(doc, "title"))
        meta_set_title(doc, head, strlen(head));
    free(head);
    if (m->h1 && !nd_doc_get(doc, "title")) {
        size_t n;
        char *t = text_plain(m->h1, &n);
        if (t && n)
            meta_set_title(doc, t, n);
        free(t);
    }
}

/* byline, in Readability's order: JSON-LD, the author metas (dc:creator,
 * author, parsely-author, ...), article:author; then rel=author and an
 * element marked as the byline */
static void apply_byline(nd_doc_t *doc, const struct meta *m, const nd_val_t *ld)
{
    if (ld) {
        char *t = jsonld_authors(nd_val_get(ld, "author"));
        set_byline(doc, t);
        free(t);
    }
    for (size_t i = 0; i < BYLINE_KEYS; i++)
        set_byline(doc, m->bylines[i]);
    set_byline(doc, m->article_author);
    if (m->rel_author && !nd_doc_get(doc, "byline")) {
        char *t = text_plain(m->rel_author, NULL);
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
    apply_title(doc, &m, ld, root);
    apply_byline(doc, &m, ld);
    apply_published(doc, &m, ld);
    apply_url_description(doc, &m, ld);
    jsonld_free(&j);
    buf_free(&m.jsonld);
}
