/* html: the reader for web pages, with gumbo's HTML5 parser.
 *
 * Metadata comes from the head, Open Graph and article meta tags, JSON-LD
 * and a few body conventions (see docs/readers.md for the order of
 * precedence); the text is the page's main content, found the way
 * readability-style extractors find it, less navigation, menus, scripts,
 * forms, share bars, related lists and footers. Fields a container (a
 * feed, a JSON export) already set are kept.
 *
 * This file holds the plugin (options, init, fini) and the order of the
 * work; html_int.h says which file does each part. Bad input: the bytes
 * are converted to UTF-8 first, and nesting deeper than MAX_DEPTH is
 * flattened before gumbo sees it, because gumbo's tree building slows
 * down sharply and frees its tree recursively on very deep documents. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/utf8.h"
#include "html_int.h"

enum extract_mode { EXTRACT_ARTICLE, EXTRACT_ALL };

struct html_state {
    const char *charset;
    enum extract_mode extract;
};

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

/* Less article text than this and the page is scored again with the class
 * and id filter relaxed, as Readability retries with its filters off. */
#define ARTICLE_MIN 500

/* The article c chose (c scored), as text in *s, *n (malloc'd, or NULL
 * when empty). Returns 0, or -1 when out of memory. */
static int article_text(const struct content *c, const char *title, char **s, size_t *n)
{
    struct text_out out;
    text_start(&out, c, title);
    if (content_best(c))
        content_each_chosen(c, add_chosen, &out);
    text_end_paragraph(&out);
    return text_take(&out, s, n);
}

/* The article of a page whose wrapper a class or id name rules out (a
 * "site_header" or "modal-open" around everything): scored again with the
 * names relaxed, it replaces *s, *n when longer. Returns 0, or -1 when out
 * of memory. */
static int relaxed_article(const GumboNode *body, const char *title, char **s, size_t *n)
{
    struct content c;
    char *rs = NULL;
    size_t rn = 0;
    int rc = content_score(&c, body, 1);
    if (rc == 0)
        rc = article_text(&c, title, &rs, &rn);
    content_free(&c);
    if (rc == 0 && rn > *n) {
        free(*s);
        *s = rs, *n = rn;
    } else {
        free(rs);
    }
    return rc;
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
    const char *title = nd_doc_get_str(doc, "title");
    struct content c;
    int rc = content_score(&c, body, 0);
    *s = NULL, *n = 0;
    if (rc == 0 && st->extract == EXTRACT_ARTICLE) {
        rc = article_text(&c, title, s, n);
        if (rc == 0 && (!*s || utf8_count(*s, *n) < ARTICLE_MIN))
            rc = relaxed_article(body, title, s, n);
    }
    if (rc == 0 && *n < 200 &&
        (st->extract == EXTRACT_ALL || !content_best(&c) ||
         content_text_len(&c, body) > *n * 2)) {
        struct text_out out;
        text_start(&out, &c, title);
        text_node(&out, body);
        text_end_paragraph(&out);
        free(*s);
        rc = text_take(&out, s, n);
    }
    content_free(&c);
    if (rc < 0) {
        free(*s);
        *s = NULL;
    }
    return rc;
}

/* Set the text and what goes with it: a title from its first line when
 * the page has none, the charset when not UTF-8, and the stats. Takes
 * the text s[0..n) (frees it). */
static nd_status_t set_text(nd_doc_t *doc, char *s, size_t n, const char *charset)
{
    if (!nd_doc_get(doc, "title")) {
        /* No title anywhere: the first line of the text, as for plain text. */
        const char *nl = memchr(s, '\n', n);
        meta_set_title(doc, s, nl ? (size_t)(nl - s) : n);
    }
    int rc = nd_doc_set_text(doc, s, n);
    free(s);
    if (rc < 0) {
        nd_doc_error(doc, "out of memory");
        return ND_FAIL;
    }
    if (strcasecmp(charset, "UTF-8"))
        nd_doc_set_str(doc, "charset", charset);
    return text_set_stats(doc) < 0 ? ND_FAIL : ND_OK;
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
    meta_read(doc, g->root);
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
