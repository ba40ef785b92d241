/* html: the reader for web pages, with gumbo's HTML5 parser.
 *
 * Metadata comes from the head, Open Graph and article meta tags, JSON-LD
 * and a few body conventions (see docs/readers.md for the order of
 * precedence). The text is the page's main content, found the way
 * readability-style extractors find it: paragraphs score their parent and
 * grandparent by length and commas, class and id names push blocks up
 * ("article", "content") or down ("comment", "share", "related"), link
 * density pulls them down, and the best block is kept with the siblings
 * that score nearly as well. Navigation, menus, scripts, styles, forms,
 * share bars, related lists and footers are dropped on the way. Fields a
 * container (a feed, a JSON export) already set are kept.
 *
 * Bad input: the bytes are converted to UTF-8 first (meta charset, BOM,
 * else UTF-8 or Windows-1252), and nesting deeper than MAX_DEPTH is
 * flattened before gumbo sees it, because gumbo's tree building slows
 * down sharply and frees its tree recursively on very deep documents. */
#include <gumbo.h>
#include <newsdesk/plugin.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "text/charset.h"
#include "text/dates.h"
#include "text/docstats.h"
#include "text/stats.h"

/* Deeper nesting than this is flattened: real pages stay far below it
 * (browsers themselves stop laying out past a few hundred levels). */
#define MAX_DEPTH 512
#define TITLE_MAX 300
/* Paragraphs shorter than this do not vote for their parents. */
#define MIN_PARAGRAPH 25

enum extract_mode { EXTRACT_ARTICLE, EXTRACT_ALL };

struct html_state {
    const char *charset;
    enum extract_mode extract;
};

/* ---- small helpers ---------------------------------------------------------- */

static const char *attr(const GumboNode *n, const char *name)
{
    if (n->type != GUMBO_NODE_ELEMENT)
        return NULL;
    const GumboAttribute *a = gumbo_get_attribute(&n->v.element.attributes, name);
    return a ? a->value : NULL;
}

static int ci_contains(const char *hay, const char *needle)
{
    return hay && strcasestr(hay, needle) != NULL;
}

/* Append the text under n to b, white space collapsed later. */
static int text_of(const GumboNode *n, struct buf *b, int depth)
{
    if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE ||
        n->type == GUMBO_NODE_CDATA)
        return buf_puts(b, n->v.text.text);
    if (n->type != GUMBO_NODE_ELEMENT || depth > MAX_DEPTH * 2)
        return 0;
    GumboTag t = n->v.element.tag;
    if (t == GUMBO_TAG_SCRIPT || t == GUMBO_TAG_STYLE || t == GUMBO_TAG_NOSCRIPT ||
        t == GUMBO_TAG_TEMPLATE)
        return 0;
    if (t == GUMBO_TAG_BR)
        return buf_putc(b, ' ');
    const GumboVector *c = &n->v.element.children;
    for (unsigned i = 0; i < c->length; i++)
        if (text_of(c->data[i], b, depth + 1) < 0)
            return -1;
    return 0;
}

/* The collapsed text under n as a new string (free it), or NULL. */
static char *plain_text(const GumboNode *n, size_t *len)
{
    struct buf b = {0};
    if (text_of(n, &b, 0) < 0 || !b.p) {
        buf_free(&b);
        return NULL;
    }
    b.n = squeeze_space(b.p, b.n);
    b.p[b.n] = '\0';
    if (len)
        *len = b.n;
    return b.p;
}

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

/* ---- charset ------------------------------------------------------------------- */

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

/* ---- flattening very deep nesting ---------------------------------------------- */

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

/* Estimate the nesting depth of html[0..n) from its tags; when it passes
 * MAX_DEPTH, return a copy without the start tags (and as many end tags)
 * beyond it, so the text stays and the tree stays shallow. Returns NULL
 * with *flattened = 0 when nothing needed to change. */
static char *flatten_deep(const char *s, size_t n, int *flattened, int *oom)
{
    *flattened = 0;
    *oom = 0;
    /* Fewer tags than MAX_DEPTH cannot nest deeper: most pages stop here. */
    size_t tags = 0;
    for (const char *p = s; tags <= MAX_DEPTH && (p = memchr(p, '<', n - (size_t)(p - s)));
         p++)
        tags++;
    if (tags <= MAX_DEPTH)
        return NULL;
    size_t depth = 0, max = 0;
    struct buf out = {0};
    size_t copied = 0, excess = 0;
    for (int pass = 0; pass < 2; pass++) {
        depth = 0;
        for (size_t i = 0; i < n; i++) {
            if (s[i] != '<')
                continue;
            if (i + 4 <= n && !strncmp(s + i, "<!--", 4)) {
                const char *end = memmem(s + i + 4, n - i - 4, "-->", 3);
                i = end ? (size_t)(end - s) + 2 : n;
                continue;
            }
            int closing = i + 1 < n && s[i + 1] == '/';
            size_t a = i + 1 + (size_t)closing, b = a;
            while (b < n && ((s[b] >= 'a' && s[b] <= 'z') || (s[b] >= 'A' && s[b] <= 'Z') ||
                             (s[b] >= '0' && s[b] <= '9') || s[b] == '!'))
                b++;
            if (b == a)
                continue;
            const char *gt = memchr(s + b, '>', n - b);
            size_t end = gt ? (size_t)(gt - s) + 1 : n;
            int selfclose = gt && gt > s + b && gt[-1] == '/';
            if (is_void_tag(s + a, b - a) || is_self_closing_kind(s + a, b - a) || selfclose) {
                i = end - 1;
                continue;
            }
            /* Raw text elements: their content is not markup. */
            static const char *const raw[] = {"script", "style", "textarea",
                                              "title", "xmp", NULL};
            int is_raw = 0;
            for (size_t k = 0; raw[k] && !closing; k++)
                if (strlen(raw[k]) == b - a && !strncasecmp(s + a, raw[k], b - a))
                    is_raw = 1;
            if (closing) {
                if (pass == 1 && excess) {
                    excess--;
                    if (buf_put(&out, s + copied, i - copied) < 0)
                        goto oom;
                    copied = end;
                }
                if (depth)
                    depth--;
            } else if (++depth > MAX_DEPTH && pass == 1) {
                depth--;
                excess++;
                if (buf_put(&out, s + copied, i - copied) < 0)
                    goto oom;
                copied = end;
            }
            if (depth > max)
                max = depth;
            i = end - 1;
            if (is_raw) {
                char close[16] = "</";
                memcpy(close + 2, s + a, b - a);
                close[2 + b - a] = '\0';
                size_t cl = strlen(close);
                size_t k = end;
                while (k + cl <= n && strncasecmp(s + k, close, cl))
                    k++;
                if (depth)
                    depth--;
                i = k + cl <= n ? k + cl - 1 : n;
            }
        }
        if (max <= MAX_DEPTH)
            return NULL;
    }
    if (buf_put(&out, s + copied, n - copied) < 0)
        goto oom;
    *flattened = 1;
    return out.p;
oom:
    buf_free(&out);
    *oom = 1;
    return NULL;
}

/* ---- metadata -------------------------------------------------------------- */

struct meta {
    const char *og_title, *og_url, *og_desc, *og_site, *desc, *author;
    const char *article_author, *published, *other_date, *canonical;
    const GumboNode *title, *h1, *time, *time_marked, *rel_author, *byline_el;
    struct buf jsonld; /* every JSON-LD script, each ending in '\0' */
};

static int class_has(const GumboNode *n, const char *word)
{
    return ci_contains(attr(n, "class"), word) || ci_contains(attr(n, "id"), word);
}

static void meta_visit(const GumboNode *n, struct meta *m, int depth)
{
    if (n->type != GUMBO_NODE_ELEMENT || depth > MAX_DEPTH * 2)
        return;
    GumboTag t = n->v.element.tag;
    switch (t) {
    case GUMBO_TAG_META: {
        const char *key = attr(n, "property");
        if (!key)
            key = attr(n, "name");
        if (!key)
            key = attr(n, "itemprop");
        const char *content = attr(n, "content");
        if (!key || !content)
            break;
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
        break;
    }
    case GUMBO_TAG_LINK: {
        const char *rel = attr(n, "rel");
        if (rel && !strcasecmp(rel, "canonical") && !m->canonical)
            m->canonical = attr(n, "href");
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
        if (attr(n, "datetime")) {
            const char *ip = attr(n, "itemprop");
            if (!m->time_marked && ((ip && !strcasecmp(ip, "datePublished")) ||
                                    attr(n, "pubdate")))
                m->time_marked = n;
            if (!m->time)
                m->time = n;
        }
        break;
    case GUMBO_TAG_A: {
        const char *rel = attr(n, "rel");
        if (rel && ci_contains(rel, "author") && !m->rel_author)
            m->rel_author = n;
        break;
    }
    case GUMBO_TAG_SCRIPT: {
        const char *type = attr(n, "type");
        if (type && !strcasecmp(type, "application/ld+json")) {
            const GumboVector *c = &n->v.element.children;
            for (unsigned i = 0; i < c->length; i++) {
                const GumboNode *k = c->data[i];
                if (k->type == GUMBO_NODE_TEXT || k->type == GUMBO_NODE_WHITESPACE)
                    buf_puts(&m->jsonld, k->v.text.text);
            }
            buf_put(&m->jsonld, "", 1); /* keeps its NUL as a separator */
        }
        return;
    }
    default:
        break;
    }
    const char *ip = attr(n, "itemprop");
    if (!m->byline_el && ((ip && !strcasecmp(ip, "author")) ||
                          class_has(n, "byline")))
        m->byline_el = n;
    const GumboVector *c = &n->v.element.children;
    for (unsigned i = 0; i < c->length; i++)
        meta_visit(c->data[i], m, depth + 1);
}

/* ---- JSON-LD -------------------------------------------------------------- */

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

static const char *str_or_name(const nd_val_t *v)
{
    if (nd_val_type(v) == ND_VAL_STR)
        return nd_val_as_str(v, NULL);
    if (nd_val_type(v) == ND_VAL_OBJ) {
        const char *s = nd_val_as_str(nd_val_get(v, "name"), NULL);
        return s ? s : nd_val_as_str(nd_val_get(v, "@id"), NULL);
    }
    return NULL;
}

/* Authors as "A, B" from a string, an object with a name, or a list. */
static void jsonld_byline(nd_doc_t *doc, const nd_val_t *author)
{
    if (nd_val_type(author) != ND_VAL_LIST) {
        set_byline(doc, str_or_name(author));
        return;
    }
    struct buf b = {0};
    for (size_t i = 0; i < nd_val_len(author) && i < 20; i++) {
        const char *s = str_or_name(nd_val_at(author, i));
        if (s && *s) {
            if (b.n)
                buf_put(&b, ", ", 2);
            buf_puts(&b, s);
        }
    }
    if (b.p)
        set_byline(doc, b.p);
    buf_free(&b);
}

/* ---- metadata into fields ------------------------------------------------ */

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

static void set_title(nd_doc_t *doc, const char *s, size_t n)
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

static void apply_meta(nd_doc_t *doc, struct meta *m)
{
    const nd_val_t *ld = NULL;
    nd_val_t *parsed[8] = {0};
    size_t nparsed = 0;
    for (size_t off = 0; off < m->jsonld.n && nparsed < 8 && !ld;) {
        const char *js = m->jsonld.p + off;
        size_t len = strlen(js);
        char err[128];
        parsed[nparsed] = nd_val_parse_json(js, len, err, sizeof err);
        if (parsed[nparsed])
            ld = find_article(parsed[nparsed++], 0);
        off += len + 1;
    }

    /* title: og:title, <title> without the site name, JSON-LD, <h1> */
    if (m->og_title)
        set_clean(doc, "title", m->og_title);
    if (m->title && !nd_doc_get(doc, "title")) {
        size_t n;
        char *t = plain_text(m->title, &n);
        if (t && n)
            set_title(doc, t, strip_site_name(t, n));
        free(t);
    }
    if (ld && !nd_doc_get(doc, "title"))
        set_clean(doc, "title", nd_val_as_str(nd_val_get(ld, "headline"), NULL));
    if (m->h1 && !nd_doc_get(doc, "title")) {
        size_t n;
        char *t = plain_text(m->h1, &n);
        if (t && n)
            set_title(doc, t, n);
        free(t);
    }

    /* byline: meta author, rel=author, article:author, JSON-LD, .byline */
    set_byline(doc, m->author);
    if (m->rel_author && !nd_doc_get(doc, "byline")) {
        char *t = plain_text(m->rel_author, NULL);
        set_byline(doc, t);
        free(t);
    }
    set_byline(doc, m->article_author);
    if (ld && !nd_doc_get(doc, "byline"))
        jsonld_byline(doc, nd_val_get(ld, "author"));
    if (m->byline_el && !nd_doc_get(doc, "byline")) {
        char *t = plain_text(m->byline_el, NULL);
        set_byline(doc, t);
        free(t);
    }

    /* published: article:published_time, JSON-LD, a marked <time>, other
     * date metas, the first <time datetime> */
    set_date(doc, m->published);
    if (ld)
        set_date(doc, nd_val_as_str(nd_val_get(ld, "datePublished"), NULL));
    if (m->time_marked)
        set_date(doc, attr(m->time_marked, "datetime"));
    set_date(doc, m->other_date);
    if (m->time)
        set_date(doc, attr(m->time, "datetime"));

    /* url: canonical, og:url, JSON-LD */
    set_clean(doc, "url", m->canonical);
    set_clean(doc, "url", m->og_url);
    if (ld) {
        set_clean(doc, "url", nd_val_as_str(nd_val_get(ld, "url"), NULL));
        set_clean(doc, "url", str_or_name(nd_val_get(ld, "mainEntityOfPage")));
    }

    set_clean(doc, "description", m->og_desc);
    set_clean(doc, "description", m->desc);
    if (ld)
        set_clean(doc, "description", nd_val_as_str(nd_val_get(ld, "description"), NULL));
    for (size_t i = 0; i < nparsed; i++)
        nd_val_free(parsed[i]);
}

/* ---- main content ---------------------------------------------------------- */

/* Scores and lengths of the elements, by node address. */
struct node_info {
    const GumboNode *node;
    double score;          /* content score as a candidate */
    size_t text, links;    /* bytes of text, and of text inside links */
};

struct table {
    struct node_info *slots;
    size_t cap, used;
};

static size_t hash_ptr(const void *p)
{
    uintptr_t x = (uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

static struct node_info *table_get(struct table *t, const GumboNode *n, int add)
{
    if (add && (t->used + 1) * 2 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        struct node_info *s = calloc(cap, sizeof *s);
        if (!s)
            return NULL;
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->slots[i].node)
                continue;
            size_t h = hash_ptr(t->slots[i].node) & (cap - 1);
            while (s[h].node)
                h = (h + 1) & (cap - 1);
            s[h] = t->slots[i];
        }
        free(t->slots);
        t->slots = s, t->cap = cap;
    }
    if (!t->cap)
        return NULL;
    size_t h = hash_ptr(n) & (t->cap - 1);
    while (t->slots[h].node && t->slots[h].node != n)
        h = (h + 1) & (t->cap - 1);
    if (t->slots[h].node)
        return &t->slots[h];
    if (!add)
        return NULL;
    t->slots[h].node = n;
    t->used++;
    return &t->slots[h];
}

static int matches_any(const char *s, const char *const *words)
{
    for (size_t i = 0; s && words[i]; i++)
        if (strcasestr(s, words[i]))
            return 1;
    return 0;
}

static const char *const unlikely_words[] = {
    "-ad-", "ad-slot", "ad-container", "advert", "agegate", "banner",
    "breadcrumb", "combx", "comment", "community", "cookie", "disqus", "footer",
    "gdpr", "header", "legends", "menu", "modal", "most-read", "mostread",
    "newsletter", "nav", "outbrain", "pagination", "pager", "popup", "promo",
    "recirc", "related", "remark", "replies", "rss", "share", "sharing",
    "shoutbox", "sidebar", "skyscraper", "social", "sponsor", "subscribe",
    "supplemental", "taboola", "trending", "byline", "tags", "toolbar", NULL,
};
static const char *const maybe_words[] = {
    "and", "article", "body", "column", "content", "main", "shadow", "story", NULL,
};
static const char *const positive_words[] = {
    "article", "body", "content", "entry", "hentry", "h-entry", "main", "page",
    "post", "text", "blog", "story", NULL,
};
static const char *const negative_words[] = {
    "-ad-", "hidden", "banner", "combx", "comment", "com-", "contact", "foot",
    "footnote", "gdpr", "masthead", "media", "meta", "outbrain", "promo",
    "related", "scroll", "share", "shoutbox", "sidebar", "skyscraper", "sponsor",
    "shopping", "tags", "tool", "widget", NULL,
};

/* Elements that are never article text, whatever they hold. */
static int dropped_tag(GumboTag t)
{
    switch (t) {
    case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE: case GUMBO_TAG_NAV: case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_FOOTER: case GUMBO_TAG_FORM: case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_SELECT: case GUMBO_TAG_INPUT: case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_IFRAME: case GUMBO_TAG_SVG: case GUMBO_TAG_CANVAS:
    case GUMBO_TAG_OBJECT: case GUMBO_TAG_EMBED: case GUMBO_TAG_MENU:
    case GUMBO_TAG_HEAD: case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_MATH: case GUMBO_TAG_AUDIO: case GUMBO_TAG_VIDEO:
    case GUMBO_TAG_MAP: case GUMBO_TAG_HEADER:
        return 1;
    default:
        return 0;
    }
}

/* Is this element navigation, chrome or hidden, and never content? */
static int unlikely(const GumboNode *n)
{
    if (n->type != GUMBO_NODE_ELEMENT)
        return 0;
    GumboTag t = n->v.element.tag;
    if (dropped_tag(t))
        return 1;
    if (attr(n, "hidden"))
        return 1;
    const char *aria = attr(n, "aria-hidden");
    if (aria && !strcasecmp(aria, "true"))
        return 1;
    const char *style = attr(n, "style");
    if (style && (strcasestr(style, "display:none") || strcasestr(style, "display: none") ||
                  strcasestr(style, "visibility:hidden")))
        return 1;
    const char *role = attr(n, "role");
    static const char *const roles[] = {"navigation", "complementary", "banner",
                                        "contentinfo", "menu", "menubar", "dialog",
                                        "alert", "search", NULL};
    for (size_t i = 0; role && roles[i]; i++)
        if (!strcasecmp(role, roles[i]))
            return 1;
    if (t == GUMBO_TAG_BODY || t == GUMBO_TAG_ARTICLE || t == GUMBO_TAG_MAIN ||
        t == GUMBO_TAG_A)
        return 0;
    const char *cls = attr(n, "class"), *id = attr(n, "id");
    const char *ip = attr(n, "itemprop");
    if (ip && strcasestr(ip, "articleBody"))
        return 0;
    int bad = matches_any(cls, unlikely_words) || matches_any(id, unlikely_words);
    int maybe = matches_any(cls, maybe_words) || matches_any(id, maybe_words);
    return bad && !maybe;
}

static double class_weight(const GumboNode *n)
{
    double w = 0;
    const char *names[2] = {attr(n, "class"), attr(n, "id")};
    for (int i = 0; i < 2; i++) {
        if (matches_any(names[i], negative_words))
            w -= 25;
        if (matches_any(names[i], positive_words))
            w += 25;
    }
    const char *ip = attr(n, "itemprop");
    if (ip && strcasestr(ip, "articleBody"))
        w += 50;
    return w;
}

static double tag_weight(GumboTag t)
{
    switch (t) {
    case GUMBO_TAG_ARTICLE: case GUMBO_TAG_MAIN: return 10;
    case GUMBO_TAG_DIV: return 5;
    case GUMBO_TAG_PRE: case GUMBO_TAG_TD: case GUMBO_TAG_BLOCKQUOTE: return 3;
    case GUMBO_TAG_ADDRESS: case GUMBO_TAG_OL: case GUMBO_TAG_UL: case GUMBO_TAG_DL:
    case GUMBO_TAG_DD: case GUMBO_TAG_DT: case GUMBO_TAG_LI: case GUMBO_TAG_FORM:
        return -3;
    case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4:
    case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_TH:
        return -5;
    default: return 0;
    }
}

static int is_block(GumboTag t)
{
    switch (t) {
    case GUMBO_TAG_P: case GUMBO_TAG_DIV: case GUMBO_TAG_SECTION: case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_MAIN: case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3:
    case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_LI:
    case GUMBO_TAG_UL: case GUMBO_TAG_OL: case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_PRE:
    case GUMBO_TAG_TABLE: case GUMBO_TAG_TR: case GUMBO_TAG_TD: case GUMBO_TAG_TH:
    case GUMBO_TAG_DL: case GUMBO_TAG_DT: case GUMBO_TAG_DD: case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_ADDRESS: case GUMBO_TAG_HR: case GUMBO_TAG_CENTER: case GUMBO_TAG_BODY:
    case GUMBO_TAG_CAPTION: case GUMBO_TAG_DETAILS: case GUMBO_TAG_SUMMARY:
    case GUMBO_TAG_TBODY: case GUMBO_TAG_THEAD: case GUMBO_TAG_TFOOT:
        return 1;
    default:
        return 0;
    }
}

struct scorer {
    struct table t;
    const GumboNode *best;
    double best_score;
    int oom;
};

struct visit {
    size_t text, links, commas;
    double pscore;      /* what this node gives its parent as a paragraph */
    double child_sum;   /* the pscores of its children (half go up two) */
    int has_block;
};

/* Post-order: lengths and link lengths of every element, paragraph
 * scores added to parents and (halved) grandparents, the best candidate
 * remembered. */
static struct visit score_node(struct scorer *sc, const GumboNode *n, int depth, int in_link)
{
    struct visit v = {0};
    if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_CDATA) {
        const char *s = n->v.text.text;
        for (const char *p = s; *p; p++) {
            v.commas += *p == ',';
            v.text += *p != ' ' && *p != '\n' && *p != '\t';
        }
        if (in_link)
            v.links = v.text;
        return v;
    }
    if (n->type != GUMBO_NODE_ELEMENT || depth > MAX_DEPTH * 2 || unlikely(n))
        return v;
    GumboTag t = n->v.element.tag;
    int link = in_link || t == GUMBO_TAG_A;
    const GumboVector *c = &n->v.element.children;
    double child_scores = 0, grand_scores = 0;
    for (unsigned i = 0; i < c->length; i++) {
        struct visit k = score_node(sc, c->data[i], depth + 1, link);
        v.text += k.text;
        v.links += k.links;
        v.commas += k.commas;
        v.has_block |= k.has_block;
        child_scores += k.pscore;
        grand_scores += k.child_sum;
        const GumboNode *cn = c->data[i];
        if (cn->type == GUMBO_NODE_ELEMENT && is_block(cn->v.element.tag))
            v.has_block = 1;
    }
    v.child_sum = child_scores;
    /* Paragraphs: <p>, <pre>, <td>, and blocks holding only inline text. */
    int para = t == GUMBO_TAG_P || t == GUMBO_TAG_PRE || t == GUMBO_TAG_TD ||
               t == GUMBO_TAG_BLOCKQUOTE ||
               ((t == GUMBO_TAG_DIV || t == GUMBO_TAG_SECTION) && !v.has_block);
    if (para && v.text >= MIN_PARAGRAPH) {
        double len = (double)v.text / 100.0;
        v.pscore = 1.0 + (double)v.commas + (len > 3 ? 3 : len);
    }
    struct node_info *info = table_get(&sc->t, n, 1);
    if (!info) {
        sc->oom = 1;
        return v;
    }
    info->text = v.text;
    info->links = v.links;
    double score = child_scores + grand_scores / 2.0;
    if (score > 0) {
        score += class_weight(n) + tag_weight(t);
        double density = v.text ? (double)v.links / (double)v.text : 0;
        score *= 1.0 - density;
        info->score = score;
        if (score > sc->best_score) {
            sc->best_score = score;
            sc->best = n;
        }
    }
    return v;
}

struct emitter {
    struct buf out;
    struct table *t;
    const char *title;
    int pre, failed, heading_checked;
    size_t par_start; /* where the current paragraph began in out */
};

static void emit_put(struct emitter *e, const char *s, size_t n)
{
    if (!e->failed && buf_put(&e->out, s, n) < 0)
        e->failed = 1;
}

/* End the paragraph being written, if it has any text. */
static void emit_break(struct emitter *e)
{
    while (e->out.n > e->par_start &&
           (e->out.p[e->out.n - 1] == ' ' || e->out.p[e->out.n - 1] == '\n'))
        e->out.n--;
    if (e->out.n > e->par_start) {
        emit_put(e, "\n\n", 2);
        e->par_start = e->out.n;
    } else if (e->out.p) {
        e->out.n = e->par_start;
        e->out.p[e->out.n] = '\0';
    }
}

static void emit_text(struct emitter *e, const char *s)
{
    if (e->pre) {
        emit_put(e, s, strlen(s));
        return;
    }
    /* Collapse white space as a browser does. */
    int space = e->out.n == e->par_start || e->out.p[e->out.n - 1] == ' ' ||
                e->out.p[e->out.n - 1] == '\n';
    for (const char *p = s; *p;) {
        const char *q = p;
        while (*q && *q != ' ' && *q != '\n' && *q != '\t' && *q != '\r' && *q != '\f')
            q++;
        if (q > p) {
            emit_put(e, p, (size_t)(q - p));
            space = 0;
        }
        if (!*q)
            break;
        if (!space)
            emit_put(e, " ", 1);
        space = 1;
        p = q + 1;
    }
}

/* Inside the chosen content, blocks that are mostly links (share bars,
 * lists of related stories, tag clouds) are chrome too. */
static int link_heavy(struct emitter *e, const GumboNode *n)
{
    GumboTag t = n->v.element.tag;
    if (!is_block(t) || t == GUMBO_TAG_BODY)
        return 0;
    struct node_info *info = table_get(e->t, n, 0);
    if (!info || !info->text)
        return 0;
    double density = (double)info->links / (double)info->text;
    if (t == GUMBO_TAG_P)
        return density > 0.8 && info->text < 120;
    return density > 0.5;
}

static void emit_node(struct emitter *e, const GumboNode *n, int depth)
{
    if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_CDATA ||
        (n->type == GUMBO_NODE_WHITESPACE && !e->pre)) {
        emit_text(e, n->v.text.text);
        return;
    }
    if (n->type == GUMBO_NODE_WHITESPACE) {
        emit_put(e, n->v.text.text, strlen(n->v.text.text));
        return;
    }
    if (n->type != GUMBO_NODE_ELEMENT || depth > MAX_DEPTH * 2 || unlikely(n) ||
        link_heavy(e, n))
        return;
    GumboTag t = n->v.element.tag;
    if (t == GUMBO_TAG_BR) {
        emit_put(e, "\n", 1);
        return;
    }
    int block = is_block(t);
    if (block)
        emit_break(e);
    if ((t == GUMBO_TAG_H1 || t == GUMBO_TAG_H2) && e->title && !e->heading_checked) {
        /* The headline repeated above the body is the title, not text. */
        e->heading_checked = 1;
        char *h = plain_text(n, NULL);
        int same = h && !strcmp(h, e->title);
        free(h);
        if (same)
            return;
    }
    int was_pre = e->pre;
    if (t == GUMBO_TAG_PRE)
        e->pre = 1;
    const GumboVector *c = &n->v.element.children;
    for (unsigned i = 0; i < c->length; i++) {
        emit_node(e, c->data[i], depth + 1);
        if ((t == GUMBO_TAG_TR) && i + 1 < c->length)
            emit_put(e, " ", 1);
    }
    e->pre = was_pre;
    if (block)
        emit_break(e);
    else if (t == GUMBO_TAG_TD || t == GUMBO_TAG_TH)
        emit_put(e, " ", 1);
}

static const GumboNode *find_tag(const GumboNode *n, GumboTag t, int depth)
{
    if (n->type != GUMBO_NODE_ELEMENT || depth > MAX_DEPTH * 2)
        return NULL;
    if (n->v.element.tag == t)
        return n;
    const GumboVector *c = &n->v.element.children;
    for (unsigned i = 0; i < c->length; i++) {
        const GumboNode *f = find_tag(c->data[i], t, depth + 1);
        if (f)
            return f;
    }
    return NULL;
}

/* The article: the best candidate and those of its siblings that score
 * nearly as well or are good paragraphs of their own. */
static void emit_article(struct emitter *e, struct scorer *sc)
{
    const GumboNode *top = sc->best;
    const GumboNode *parent = top->parent;
    if (!parent || parent->type != GUMBO_NODE_ELEMENT) {
        emit_node(e, top, 0);
        return;
    }
    double threshold = sc->best_score * 0.2 > 10 ? sc->best_score * 0.2 : 10;
    const GumboVector *c = &parent->v.element.children;
    for (unsigned i = 0; i < c->length; i++) {
        const GumboNode *s = c->data[i];
        if (s == top) {
            emit_node(e, s, 0);
            continue;
        }
        if (s->type != GUMBO_NODE_ELEMENT || unlikely(s))
            continue;
        struct node_info *info = table_get(e->t, s, 0);
        if (!info)
            continue;
        int keep = info->score >= threshold;
        if (!keep && s->v.element.tag == GUMBO_TAG_P && info->text) {
            double density = (double)info->links / (double)info->text;
            keep = (info->text > 80 && density < 0.25) ||
                   (info->text > 0 && density == 0 && info->text >= MIN_PARAGRAPH);
        }
        if (keep)
            emit_node(e, s, 0);
    }
}

/* ---- the reader ------------------------------------------------------------ */

static nd_status_t html_process(void *state, nd_doc_t *doc)
{
    struct html_state *st = state;
    size_t rawlen;
    const uint8_t *raw = nd_doc_raw(doc, &rawlen);
    char declared[48];
    declared_charset(raw, rawlen, declared);
    const char *cs = st->charset && strcasecmp(st->charset, "auto") ? st->charset
                     : *declared                                     ? declared
                                                                     : NULL;
    char *html;
    size_t n;
    const char *used;
    char err[256];
    if (cs_to_utf8(raw, rawlen, cs, NULL, &html, &n, &used, err, sizeof err) < 0) {
        /* A page that declares a charset nobody knows: detect instead. */
        nd_doc_log(doc, ND_LOG_INFO, "%s; detecting the charset instead", err);
        if (cs_to_utf8(raw, rawlen, NULL, NULL, &html, &n, &used, err, sizeof err) < 0) {
            nd_doc_error(doc, "cannot convert the page to UTF-8: %s", err);
            return ND_FAIL;
        }
    }
    int flattened, oom;
    char *flat = flatten_deep(html, n, &flattened, &oom);
    if (oom) {
        free(html);
        nd_doc_error(doc, "out of memory");
        return ND_FAIL;
    }
    if (flattened) {
        nd_doc_log(doc, ND_LOG_NOTICE, "tags nested deeper than %d levels were "
                   "flattened", MAX_DEPTH);
        free(html);
        html = flat;
        n = strlen(flat);
    }
    GumboOptions opts = kGumboDefaultOptions;
    opts.max_errors = 0;
    GumboOutput *g = gumbo_parse_with_options(&opts, html, n);
    if (!g) {
        free(html);
        nd_doc_error(doc, "out of memory");
        return ND_FAIL;
    }
    /* gumbo copies the text it keeps; the buffer is not needed now. */
    free(html);

    struct meta m = {0};
    meta_visit(g->root, &m, 0);
    apply_meta(doc, &m);
    buf_free(&m.jsonld);

    struct scorer sc = {0};
    struct emitter e = {0};
    const GumboNode *body = find_tag(g->root, GUMBO_TAG_BODY, 0);
    if (!body)
        body = g->root;
    score_node(&sc, body, 0, 0);
    e.t = &sc.t;
    e.title = nd_doc_get_str(doc, "title");
    if (sc.oom)
        e.failed = 1;
    else if (st->extract == EXTRACT_ARTICLE && sc.best)
        emit_article(&e, &sc);
    emit_break(&e);
    /* Too little found (a page of bare text, or a short note): the whole
     * body, less its chrome, is the best guess. */
    if (!e.failed && e.out.n < 200) {
        const GumboNode *b = body;
        struct node_info *bi = table_get(&sc.t, b, 0);
        if (st->extract == EXTRACT_ALL || !sc.best || (bi && bi->text > e.out.n * 2)) {
            e.out.n = e.par_start = 0;
            e.heading_checked = 0;
            emit_node(&e, b, 0);
            emit_break(&e);
        }
    }
    gumbo_destroy_output(&opts, g);
    free(sc.t.slots);
    if (e.failed) {
        buf_free(&e.out);
        nd_doc_error(doc, "out of memory");
        return ND_FAIL;
    }
    while (e.out.n && (e.out.p[e.out.n - 1] == '\n' || e.out.p[e.out.n - 1] == ' '))
        e.out.n--;
    if (!e.out.n) {
        buf_free(&e.out);
        nd_doc_error(doc, rawlen ? "no text: the page has no readable text"
                                 : "empty file: there is no page to read");
        return ND_FAIL;
    }
    if (!nd_doc_get(doc, "title")) {
        /* No title anywhere: the first line of the text, as for plain text. */
        const char *nl = memchr(e.out.p, '\n', e.out.n);
        set_title(doc, e.out.p, nl ? (size_t)(nl - e.out.p) : e.out.n);
    }
    int rc = nd_doc_set_text(doc, e.out.p, e.out.n);
    buf_free(&e.out);
    if (rc < 0) {
        nd_doc_error(doc, "out of memory");
        return ND_FAIL;
    }
    if (strcmp(used, "UTF-8"))
        nd_doc_set_str(doc, "charset", used);
    return text_set_stats(doc) < 0 ? ND_FAIL : ND_OK;
}

static int html_init(nd_instance_t *self, const nd_opts_t *opts, void **state,
                     char *err, size_t errlen)
{
    (void)self;
    struct html_state *st = calloc(1, sizeof *st);
    if (!st)
        return -1;
    st->charset = nd_opt_str(opts, "charset");
    const char *x = nd_opt_str(opts, "extract");
    st->extract = x && !strcmp(x, "all") ? EXTRACT_ALL : EXTRACT_ARTICLE;
    if (st->charset && strcasecmp(st->charset, "auto")) {
        char *out;
        size_t outlen;
        if (cs_to_utf8((const uint8_t *)"a", 1, st->charset, NULL, &out, &outlen,
                       NULL, err, errlen) < 0) {
            free(st);
            return -1;
        }
        free(out);
    }
    *state = st;
    return 0;
}

static void html_fini(void *state)
{
    free(state);
}

static const char *const extract_choices[] = {"article", "all", NULL};

static const nd_option_t html_options[] = {
    {"charset", ND_OPT_STRING, "auto", 0, 0, 0, NULL,
     "charset of the pages: auto (BOM, <meta charset>, else UTF-8 or "
     "windows-1252) or a name iconv knows, overriding what pages declare"},
    {"extract", ND_OPT_ENUM, "article", 0, 0, 0, extract_choices,
     "article: the main content only; all: all visible text but chrome"},
    {0},
};

static const char *const media_types[] = {"text/html", "application/xhtml+xml", NULL};

static const nd_plugin_t html_plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "html",
    .version = "1.0.0",
    .description = "reads web pages: metadata, main content as paragraphs, stats",
    .role = ND_ROLE_READER,
    .media_types = media_types,
    .options = html_options,
    .init = html_init,
    .process = html_process,
    .fini = html_fini,
};

ND_PLUGIN(html_plugin)
