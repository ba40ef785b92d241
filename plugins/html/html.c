/* html: the reader for web pages, with gumbo's HTML5 parser.
 *
 * Metadata comes from the head, Open Graph and article meta tags, JSON-LD
 * and a few body conventions (see docs/readers.md for the order of
 * precedence); the text is the page's main content, found the way
 * readability-style extractors find it, less navigation, menus, scripts,
 * forms, share bars, related lists and footers. Fields a container (a
 * feed, a JSON export) already set are kept.
 *
 * This file holds the plugin (options, init, fini), the metadata and the
 * order of the work; html_int.h says which file does each other part.
 * Bad input: the bytes are converted to UTF-8 first, and nesting deeper
 * than MAX_DEPTH is flattened before gumbo sees it, because gumbo's tree
 * building slows down sharply and frees its tree recursively on very
 * deep documents. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html_int.h"

#define TITLE_MAX 300

enum extract_mode { EXTRACT_ARTICLE, EXTRACT_ALL };

struct html_state {
    const char *charset;
    enum extract_mode extract;
};

static int ci_contains(const char *hay, const char *needle)
{
    return hay && strcasestr(hay, needle) != NULL;
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

/* ---- metadata -------------------------------------------------------------- */

struct meta {
    const char *og_title, *og_url, *og_desc, *og_site, *desc, *author;
    const char *article_author, *published, *other_date, *canonical;
    const GumboNode *title, *h1, *time, *time_marked, *rel_author, *byline_el;
    struct rbuf jsonld; /* every JSON-LD script, each ending in '\0' */
};

static int class_has(const GumboNode *n, const char *word)
{
    return ci_contains(html_attr(n, "class"), word) || ci_contains(html_attr(n, "id"), word);
}

static void meta_visit(const GumboNode *n, struct meta *m, int depth)
{
    if (n->type != GUMBO_NODE_ELEMENT || depth > MAX_DEPTH * 2)
        return;
    GumboTag t = n->v.element.tag;
    switch (t) {
    case GUMBO_TAG_META: {
        const char *key = html_attr(n, "property");
        if (!key)
            key = html_attr(n, "name");
        if (!key)
            key = html_attr(n, "itemprop");
        const char *content = html_attr(n, "content");
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
    case GUMBO_TAG_SCRIPT: {
        const char *type = html_attr(n, "type");
        if (type && !strcasecmp(type, "application/ld+json")) {
            const GumboVector *c = &n->v.element.children;
            for (unsigned i = 0; i < c->length; i++) {
                const GumboNode *k = c->data[i];
                if (k->type == GUMBO_NODE_TEXT || k->type == GUMBO_NODE_WHITESPACE)
                    rbuf_puts(&m->jsonld, k->v.text.text);
            }
            rbuf_put(&m->jsonld, "", 1); /* keeps its NUL as a separator */
        }
        return;
    }
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
    struct rbuf b = {0};
    for (size_t i = 0; i < nd_val_len(author) && i < 20; i++) {
        const char *s = str_or_name(nd_val_at(author, i));
        if (s && *s) {
            if (b.n)
                rbuf_put(&b, ", ", 2);
            rbuf_puts(&b, s);
        }
    }
    if (b.p)
        set_byline(doc, b.p);
    rbuf_free(&b);
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
        char *t = text_plain(m->title, &n);
        if (t && n)
            set_title(doc, t, strip_site_name(t, n));
        free(t);
    }
    if (ld && !nd_doc_get(doc, "title"))
        set_clean(doc, "title", nd_val_as_str(nd_val_get(ld, "headline"), NULL));
    if (m->h1 && !nd_doc_get(doc, "title")) {
        size_t n;
        char *t = text_plain(m->h1, &n);
        if (t && n)
            set_title(doc, t, n);
        free(t);
    }

    /* byline: meta author, rel=author, article:author, JSON-LD, .byline */
    set_byline(doc, m->author);
    if (m->rel_author && !nd_doc_get(doc, "byline")) {
        char *t = text_plain(m->rel_author, NULL);
        set_byline(doc, t);
        free(t);
    }
    set_byline(doc, m->article_author);
    if (ld && !nd_doc_get(doc, "byline"))
        jsonld_byline(doc, nd_val_get(ld, "author"));
    if (m->byline_el && !nd_doc_get(doc, "byline")) {
        char *t = text_plain(m->byline_el, NULL);
        set_byline(doc, t);
        free(t);
    }

    /* published: article:published_time, JSON-LD, a marked <time>, other
     * date metas, the first <time datetime> */
    set_date(doc, m->published);
    if (ld)
        set_date(doc, nd_val_as_str(nd_val_get(ld, "datePublished"), NULL));
    if (m->time_marked)
        set_date(doc, html_attr(m->time_marked, "datetime"));
    set_date(doc, m->other_date);
    if (m->time)
        set_date(doc, html_attr(m->time, "datetime"));

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

/* ---- the reader ------------------------------------------------------------ */

/* The page as a gumbo tree (free it with gumbo_destroy_output(opts, ...)),
 * its charset in pg->charset; NULL with doc's error set on failure. */
static GumboOutput *parse_page(const struct html_state *st, nd_doc_t *doc,
                               const GumboOptions *opts, struct utf8_page *pg)
{
    if (charset_decode(pg, doc, st->charset) < 0)
        return NULL;
    char *flat;
    if (flatten_deep(pg->html, pg->n, &flat) < 0) {
        free(pg->html);
        nd_doc_error(doc, "out of memory");
        return NULL;
    }
    if (flat) {
        nd_doc_log(doc, ND_LOG_NOTICE, "tags nested deeper than %d levels were "
                   "flattened", MAX_DEPTH);
        free(pg->html);
        pg->html = flat;
        pg->n = strlen(flat);
    }
    GumboOutput *g = gumbo_parse_with_options(opts, pg->html, pg->n);
    /* gumbo copies the text it keeps; the buffer is not needed now. */
    free(pg->html);
    pg->html = NULL;
    if (!g)
        nd_doc_error(doc, "out of memory");
    return g;
}

/* The first t element, depth first, or NULL. */
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

static void add_chosen(const GumboNode *n, void *out)
{
    text_node(out, n);
}

/* The page's text: the article content.c chooses, or, when that is too
 * little (a page of bare text, a short note) or the options ask for it,
 * the whole body less its chrome. Returns 0, or -1 when out of memory. */
static int main_text(const struct html_state *st, nd_doc_t *doc, const GumboNode *root,
                     char **s, size_t *n)
{
    const GumboNode *body = find_tag(root, GUMBO_TAG_BODY, 0);
    if (!body)
        body = root;
    struct content c;
    if (content_score(&c, body) < 0) {
        content_free(&c);
        return -1;
    }
    struct text_out out;
    text_start(&out, &c, nd_doc_get_str(doc, "title"));
    if (st->extract == EXTRACT_ARTICLE && content_best(&c))
        content_each_chosen(&c, add_chosen, &out);
    text_end_paragraph(&out);
    if (!text_failed(&out) && text_len(&out) < 200 &&
        (st->extract == EXTRACT_ALL || !content_best(&c) ||
         content_text_len(&c, body) > text_len(&out) * 2)) {
        text_restart(&out);
        text_node(&out, body);
        text_end_paragraph(&out);
    }
    content_free(&c);
    return text_take(&out, s, n);
}

/* Set the text and what goes with it: a title from its first line when
 * the page has none, the charset when not UTF-8, and the stats. Takes
 * the text s[0..n) (frees it). */
static nd_status_t set_text(nd_doc_t *doc, char *s, size_t n, const char *charset)
{
    if (!nd_doc_get(doc, "title")) {
        /* No title anywhere: the first line of the text, as for plain text. */
        const char *nl = memchr(s, '\n', n);
        set_title(doc, s, nl ? (size_t)(nl - s) : n);
    }
    int rc = nd_doc_set_text(doc, s, n);
    free(s);
    if (rc < 0) {
        nd_doc_error(doc, "out of memory");
        return ND_FAIL;
    }
    if (strcmp(charset, "UTF-8"))
        nd_doc_set_str(doc, "charset", charset);
    const char *t = nd_doc_text(doc, &n);
    struct text_stats ts = text_stats(t, n);
    nd_val_t *stats = nd_val_obj();
    nd_val_put(stats, "words", nd_val_int((int64_t)ts.words));
    nd_val_put(stats, "sentences", nd_val_int((int64_t)ts.sentences));
    nd_val_put(stats, "paragraphs", nd_val_int((int64_t)ts.paragraphs));
    return nd_doc_set(doc, "stats", stats) < 0 ? ND_FAIL : ND_OK;
}

static nd_status_t html_process(void *state, nd_doc_t *doc)
{
    const struct html_state *st = state;
    GumboOptions opts = kGumboDefaultOptions;
    opts.max_errors = 0;
    struct utf8_page pg;
    GumboOutput *g = parse_page(st, doc, &opts, &pg);
    if (!g)
        return ND_FAIL;
    struct meta m = {0};
    meta_visit(g->root, &m, 0);
    apply_meta(doc, &m);
    rbuf_free(&m.jsonld);
    char *s;
    size_t n;
    int rc = main_text(st, doc, g->root, &s, &n);
    gumbo_destroy_output(&opts, g);
    if (rc < 0) {
        nd_doc_error(doc, "out of memory");
        return ND_FAIL;
    }
    if (!n) {
        free(s);
        size_t rawlen;
        nd_doc_raw(doc, &rawlen);
        nd_doc_error(doc, rawlen ? "no text: the page has no readable text"
                                 : "empty file: there is no page to read");
        return ND_FAIL;
    }
    return set_text(doc, s, n, pg.charset);
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
