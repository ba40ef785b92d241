/* json-reader: the reader for articles exported as JSON.
 *
 * A JSON object is one article; a JSON array, an object holding an array
 * of articles (`items`, or one of "articles", "items", "posts", "data",
 * "results"), or a JSON Lines file is one document per element. Fields
 * are found through a configurable mapping, each a list of names tried in
 * order; a name may be a dotted path ("title.rendered"), and an object
 * found there gives its "rendered", "name", "value" or "text" member, so
 * WordPress REST exports and schema.org-style authors read as they are.
 *
 * An article whose body is HTML, and every element of a collection,
 * becomes a child document (nd_doc_spawn) with the body as its bytes:
 * the html or text reader reads it there, keeping the title, byline,
 * published and url set here. An element that is not a readable article
 * is spawned as its own JSON so that it fails on its own with a clear
 * message while the others go on. The elements of a collection are handed
 * over (nd_doc_spawn_done) as they are made, so the host runs each while
 * the next are read and never holds them all.
 *
 * Named json-reader because "json" is the exporter that writes <id>.json
 * files (the configuration names plugins, and a reader and an exporter
 * cannot share a name). */
#include <jansson.h>
#include <newsdesk/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "text/charset.h"
#include "text/dates.h"
#include "text/docstats.h"
#include "text/markup.h"
#include "text/stats.h"

#define TITLE_MAX 300

enum field { F_TITLE, F_BODY, F_URL, F_AUTHOR, F_PUBLISHED, F_DESCRIPTION, F_COUNT };

static const char *const field_names[F_COUNT] = {
    "title", "body", "url", "byline", "published", "description",
};

struct json_state {
    const char *const *map[F_COUNT];
    size_t nmap[F_COUNT];
    const char *items;
};

/* The value at a dotted path in obj, or NULL. */
static json_t *at_path(json_t *obj, const char *path)
{
    char part[128];
    while (obj && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof part || !json_is_object(obj))
            return NULL;
        memcpy(part, path, n);
        part[n] = '\0';
        obj = json_object_get(obj, part);
        path += n + (dot != NULL);
    }
    return obj;
}

/* A field's text: a string, a number (when `numbers`: dates as Unix
 * seconds; an author given as a number is an id, not a name), an object's "rendered" (WordPress),
 * "name" (schema.org Person), "value" or "text", or a list of those
 * joined with ", ". Appends to b; returns 1 if anything was found. */
static int value_text(json_t *v, struct buf *b, int numbers, int depth)
{
    if (!v || depth > 4)
        return 0;
    if (json_is_string(v))
        return buf_put(b, json_string_value(v), json_string_length(v)) == 0 &&
               json_string_length(v) > 0;
    if (numbers && (json_is_integer(v) || json_is_real(v))) {
        char num[64];
        if (json_is_integer(v))
            snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        else
            snprintf(num, sizeof num, "%.17g", json_real_value(v));
        return buf_puts(b, num) == 0;
    }
    if (json_is_object(v)) {
        static const char *const keys[] = {"rendered", "name", "value", "text",
                                           "@value", NULL};
        for (size_t i = 0; keys[i]; i++)
            if (value_text(json_object_get(v, keys[i]), b, numbers, depth + 1))
                return 1;
        return 0;
    }
    if (json_is_array(v)) {
        int any = 0;
        for (size_t i = 0; i < json_array_size(v) && i < 50; i++) {
            size_t before = b->n;
            if (any && buf_put(b, ", ", 2) < 0)
                return any;
            if (value_text(json_array_get(v, i), b, numbers, depth + 1))
                any = 1;
            else
                b->n = before;
        }
        if (b->p)
            b->p[b->n] = '\0';
        return any;
    }
    return 0;
}

/* The first of the configured names for field f that has text. */
static int find_field(const struct json_state *st, json_t *obj, enum field f,
                      struct buf *out)
{
    for (size_t i = 0; i < st->nmap[f]; i++) {
        out->n = 0;
        if (value_text(at_path(obj, st->map[f][i]), out, f == F_PUBLISHED, 0)) {
            /* Titles and excerpts of CMS exports often hold entities
             * ("&#8217;") or tags; the body is read by a reader. */
            out->n = f == F_BODY ? squeeze_space(out->p, out->n)
                                 : strip_markup(out->p, out->n);
            if (f != F_BODY && out->n)
                return 1;
            if (f == F_BODY) {
                /* A body keeps its line breaks: re-read it unsqueezed. */
                out->n = 0;
                value_text(at_path(obj, st->map[f][i]), out, 0, 0);
                return 1;
            }
        }
    }
    return 0;
}

/* Does the body hold HTML markup? */
static int looks_html(const char *s, size_t n)
{
    static const char *const tags[] = {"<p>", "<p ", "<div", "<br", "<a ", "<h1",
                                       "<h2", "<h3", "<ul", "<ol", "<li", "<em>",
                                       "<strong", "<span", "<img", "<figure",
                                       "<blockquote", "<table", "<html", "<b>", "<i>",
                                       "</p>", "</a>", NULL};
    const char *p = s, *end = s + n;
    while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
        for (size_t i = 0; tags[i]; i++) {
            size_t tl = strlen(tags[i]);
            if ((size_t)(end - p) >= tl && !strncasecmp(p, tags[i], tl))
                return 1;
        }
        p++;
    }
    return 0;
}

/* Why obj is not a readable article, or NULL when it is. */
static const char *not_an_article(const struct json_state *st, json_t *obj,
                                  char *why, size_t whylen)
{
    if (!json_is_object(obj)) {
        snprintf(why, whylen, "expected an article object, got %s",
                 json_is_array(obj) ? "an array" : json_is_string(obj) ? "a string"
                 : json_is_number(obj) ? "a number" : json_is_null(obj) ? "null"
                                                                       : "a boolean");
        return why;
    }
    struct buf b = {0};
    int has = find_field(st, obj, F_BODY, &b);
    int empty = has && squeeze_space(b.p, b.n) == 0;
    buf_free(&b);
    if (has && !empty)
        return NULL;
    size_t o = (size_t)snprintf(why, whylen, "the article has no %stext: none of the "
                                "fields ", empty ? "" : "body ");
    for (size_t i = 0; i < st->nmap[F_BODY] && o < whylen; i++)
        o += (size_t)snprintf(why + o, whylen - o, "%s\"%s\"", i ? ", " : "",
                              st->map[F_BODY][i]);
    if (o < whylen)
        snprintf(why + o, whylen - o, " %s", empty ? "holds any text" : "is there");
    return why;
}

/* Set the metadata fields of obj on doc (title, url, byline, published,
 * description), leaving fields a container set alone. */
static void set_meta(const struct json_state *st, json_t *obj, nd_doc_t *doc)
{
    struct buf b = {0};
    for (enum field f = 0; f < F_COUNT; f++) {
        if (f == F_BODY || nd_doc_get(doc, field_names[f]) ||
            !find_field(st, obj, f, &b) || !b.n)
            continue;
        if (f == F_PUBLISHED) {
            char iso[32];
            if (date_to_iso(b.p, b.n, iso) == 0)
                nd_doc_set_str(doc, "published", iso);
            else
                nd_doc_log(doc, ND_LOG_INFO, "\"%.64s\" is not a date newsdesk can "
                           "read; published left out", b.p);
            continue;
        }
        size_t n = b.n;
        if (f == F_TITLE && n > TITLE_MAX) {
            n = TITLE_MAX;
            while (n && ((unsigned char)b.p[n] & 0xC0) == 0x80)
                n--;
        }
        nd_doc_set(doc, field_names[f], nd_val_strn(b.p, n));
    }
    buf_free(&b);
}

/* One article: read in place (plain body) or handed on as a child whose
 * bytes are the body (HTML body, or an element of a collection). */
static nd_status_t read_article(const struct json_state *st, json_t *obj,
                                nd_doc_t *doc, int as_child)
{
    struct buf body = {0};
    find_field(st, obj, F_BODY, &body);
    int html = looks_html(body.p, body.n);
    nd_doc_t *target = doc;
    if (as_child || html) {
        target = nd_doc_spawn(doc, body.p, body.n, html ? "text/html" : "text/plain",
                              NULL);
        if (!target) {
            buf_free(&body);
            if (html && !as_child && nd_doc_source(doc, "parent")) {
                /* Already a child: cannot spawn again; read it here. */
                goto in_place;
            }
            nd_doc_error(doc, "cannot make a document for an article (out of "
                         "memory, or more articles than one file may hold)");
            return ND_FAIL;
        }
        set_meta(st, obj, target);
        buf_free(&body);
        if (as_child) /* one of many: let the host run it now */
            nd_doc_spawn_done(target);
        return ND_OK;
    }
in_place:
    if (!body.p)
        find_field(st, obj, F_BODY, &body);
    set_meta(st, obj, doc);
    if (!nd_doc_get(doc, "title")) {
        /* No title field: the body's first line, as plain text has it. */
        size_t i = 0;
        while (i < body.n && (body.p[i] == '\n' || body.p[i] == ' '))
            i++;
        const char *nl = memchr(body.p + i, '\n', body.n - i);
        size_t n = nl ? (size_t)(nl - (body.p + i)) : body.n - i;
        nd_doc_set(doc, "title", nd_val_strn(body.p + i, n > TITLE_MAX ? TITLE_MAX : n));
    }
    int rc = nd_doc_set_text(doc, body.p ? body.p : "", body.n);
    buf_free(&body);
    if (rc < 0) {
        nd_doc_error(doc, "out of memory");
        return ND_FAIL;
    }
    return text_set_stats(doc) < 0 ? ND_FAIL : ND_OK;
}

/* One element of a collection: a child of its own, good or bad. */
static int spawn_element(const struct json_state *st, json_t *el, const char *raw,
                         size_t rawlen, nd_doc_t *doc)
{
    char why[512];
    if (!not_an_article(st, el, why, sizeof why))
        return read_article(st, el, doc, 1) == ND_OK ? 0 : -1;
    /* Its own JSON, so that reading the child fails with `why`. */
    char *dump = NULL;
    if (!raw) {
        dump = json_dumps(el, JSON_COMPACT | JSON_ENCODE_ANY);
        raw = dump;
        rawlen = dump ? strlen(dump) : 0;
    }
    nd_doc_t *c = raw ? nd_doc_spawn(doc, raw, rawlen, "application/json", NULL) : NULL;
    free(dump);
    if (!c) {
        nd_doc_error(doc, "cannot make a document for an element (out of memory, "
                     "or more elements than one file may hold)");
        return -1;
    }
    nd_doc_spawn_done(c);
    return 0;
}

static nd_status_t read_collection(const struct json_state *st, json_t *arr,
                                   nd_doc_t *doc, const char *where)
{
    if (!json_array_size(arr)) {
        nd_doc_error(doc, "%s is empty: there are no articles to read", where);
        return ND_FAIL;
    }
    if (nd_doc_source(doc, "parent")) {
        nd_doc_error(doc, "expected an article object, got an array");
        return ND_FAIL;
    }
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (spawn_element(st, json_array_get(arr, i), NULL, 0, doc) < 0)
            return ND_FAIL;
    return ND_OK;
}

static nd_status_t read_lines(const struct json_state *st, const char *s, size_t n,
                              nd_doc_t *doc)
{
    size_t count = 0;
    for (size_t pos = 0; pos < n;) {
        const char *eol = memchr(s + pos, '\n', n - pos);
        size_t len = eol ? (size_t)(eol - (s + pos)) : n - pos;
        const char *line = s + pos;
        pos += len + 1;
        size_t k = 0;
        while (k < len && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r'))
            k++;
        if (k == len)
            continue;
        json_error_t e;
        json_t *el = json_loadb(line, len, JSON_DECODE_ANY, &e);
        int rc = spawn_element(st, el, el ? NULL : line, len, doc);
        json_decref(el);
        if (rc < 0)
            return ND_FAIL;
        count++;
    }
    if (!count) {
        nd_doc_error(doc, "the JSON Lines file holds no lines with articles");
        return ND_FAIL;
    }
    return ND_OK;
}

static nd_status_t json_process(void *state, nd_doc_t *doc)
{
    const struct json_state *st = state;
    size_t rawlen;
    const uint8_t *raw = nd_doc_raw(doc, &rawlen);
    char *s;
    size_t n;
    char err[256];
    if (cs_to_utf8(raw, rawlen, "auto", NULL, &s, &n, NULL, err, sizeof err) < 0) {
        nd_doc_error(doc, "cannot convert the JSON to UTF-8: %s", err);
        return ND_FAIL;
    }
    const char *mt = nd_doc_source(doc, "media_type");
    nd_status_t rc;
    json_error_t e;
    json_t *root = NULL;
    if (mt && !strcmp(mt, "application/x-ndjson") && !nd_doc_source(doc, "parent")) {
        rc = read_lines(st, s, n, doc);
        goto done;
    }
    root = json_loadb(s, n, JSON_DECODE_ANY, &e);
    if (!root) {
        if (!n)
            nd_doc_error(doc, "empty file: there is no JSON to read");
        else
            nd_doc_error(doc, "JSON syntax error at line %d, column %d: %s", e.line,
                         e.column, e.text);
        rc = ND_FAIL;
        goto done;
    }
    char why[512];
    if (json_is_array(root)) {
        rc = read_collection(st, root, doc, "the JSON array");
    } else if (!not_an_article(st, root, why, sizeof why)) {
        rc = read_article(st, root, doc, 0);
    } else {
        /* An export wrapping its articles: {"articles": [...]}. */
        static const char *const wrappers[] = {"articles", "items", "posts", "data",
                                               "results", "entries", NULL};
        json_t *arr = st->items ? at_path(root, st->items) : NULL;
        const char *where = st->items;
        for (size_t i = 0; !st->items && json_is_object(root) && wrappers[i] && !arr; i++) {
            json_t *a = json_object_get(root, wrappers[i]);
            if (json_is_array(a))
                arr = a, where = wrappers[i];
        }
        if (json_is_array(arr) && !nd_doc_source(doc, "parent")) {
            char w[160];
            snprintf(w, sizeof w, "the \"%s\" list", where);
            rc = read_collection(st, arr, doc, w);
        } else {
            if (st->items && json_is_object(root) && !json_is_array(arr))
                nd_doc_error(doc, "%s; and \"%s\" is not a list of articles", why,
                             st->items);
            else
                nd_doc_error(doc, "%s", why);
            rc = ND_FAIL;
        }
    }
done:
    json_decref(root);
    free(s);
    return rc;
}

static int json_init(nd_instance_t *self, const nd_opts_t *opts, void **state,
                     char *err, size_t errlen)
{
    (void)self, (void)err, (void)errlen;
    struct json_state *st = calloc(1, sizeof *st);
    if (!st)
        return -1;
    static const char *const opt_names[F_COUNT] = {
        "title", "body", "url", "author", "published", "description",
    };
    for (enum field f = 0; f < F_COUNT; f++)
        st->nmap[f] = nd_opt_list(opts, opt_names[f], &st->map[f]);
    st->items = nd_opt_str(opts, "items");
    if (st->items && !*st->items)
        st->items = NULL;
    *state = st;
    return 0;
}

static void json_fini(void *state)
{
    free(state);
}

static const nd_option_t json_options[] = {
    {"title", ND_OPT_STRLIST, "title, headline", 0, 0, 0, NULL,
     "fields holding the title, tried in order (dotted paths allowed)"},
    {"body", ND_OPT_STRLIST, "body, text, content, articleBody", 0, 0, 0, NULL,
     "fields holding the body, plain text or HTML"},
    {"url", ND_OPT_STRLIST, "url, link", 0, 0, 0, NULL,
     "fields holding the article's address"},
    {"author", ND_OPT_STRLIST, "author, authors, byline", 0, 0, 0, NULL,
     "fields holding the byline (a string, {name}, or a list of them)"},
    {"published", ND_OPT_STRLIST, "published, date, datePublished, published_at",
     0, 0, 0, NULL, "fields holding the publication date (any common format)"},
    {"description", ND_OPT_STRLIST, "description, summary, excerpt", 0, 0, 0, NULL,
     "fields holding a standfirst or summary"},
    {"items", ND_OPT_STRING, NULL, 0, 0, 0, NULL,
     "dotted path of the list of articles in an export object (default: "
     "articles, items, posts, data, results or entries)"},
    {0},
};

static const char *const media_types[] = {"application/json", "application/x-ndjson",
                                          NULL};

static const nd_plugin_t json_reader_plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "json-reader",
    .version = "1.0.0",
    .description = "reads articles exported as JSON: an object, an array or JSON "
                   "Lines, with a configurable field mapping",
    .role = ND_ROLE_READER,
    .media_types = media_types,
    .options = json_options,
    .init = json_init,
    .process = json_process,
    .fini = json_fini,
};

ND_PLUGIN(json_reader_plugin)
