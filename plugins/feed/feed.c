/* feed: the reader for RSS 2.0, RSS 1.0 (RDF) and Atom feeds.
 *
 * A feed is a container: each item becomes a child document
 * (nd_doc_spawn) whose bytes are the item's content (content:encoded,
 * description, Atom content or summary) with media type text/html, so the
 * html reader reads it, and whose title, url, published, byline and
 * description are set here from the item. An item with no content but a
 * title becomes a one-line text. An item with neither is spawned as its
 * own XML and fails on its own, with a clear message, while the other
 * items go on.
 *
 * Memory: a feed is parsed a chunk at a time (libxml2's push parser); the
 * items finished so far are made into children and handed over
 * (nd_doc_spawn_done), so the host runs each while the next ones are
 * parsed, and their nodes are freed. Neither the whole tree nor all the
 * children are ever in memory: a 100,000-item feed costs little more
 * than its own bytes.
 *
 * Safety: libxml2 parses with XML_PARSE_NONET and without entity
 * substitution or DTD loading, so external entities are never fetched
 * and an entity-expansion bomb stops at libxml2's amplification check;
 * text is collected from text nodes only, never through entity
 * references. libxml2's default limits (depth, text node size) stay on. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <newsdesk/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "text/dates.h"
#include "text/markup.h"
#include "text/stats.h"

#define NS_CONTENT "http://purl.org/rss/1.0/modules/content/"
#define NS_DC "http://purl.org/dc/elements/1.1/"
#define NS_ATOM "http://www.w3.org/2005/Atom"
#define NS_FEEDBURNER "http://rssnamespace.org/feedburner/ext/1.0"
#define TITLE_MAX 300

static const int parse_options = XML_PARSE_NONET | XML_PARSE_NOERROR |
                                 XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;

static int is_el(const xmlNode *n, const char *name, const char *ns)
{
    if (!n || n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, name))
        return 0;
    if (!ns)
        return 1;
    return n->ns && n->ns->href && !strcmp((const char *)n->ns->href, ns);
}

/* Elements of RSS have no namespace (RSS 1.0 has its own); Atom's have
 * the Atom one. Match the local name and refuse only foreign modules. */
static int is_plain(const xmlNode *n, const char *name)
{
    if (!is_el(n, name, NULL))
        return 0;
    const char *href = n->ns && n->ns->href ? (const char *)n->ns->href : NULL;
    return !href || !strcmp(href, NS_ATOM) ||
           !strcmp(href, "http://purl.org/rss/1.0/") ||
           !strcmp(href, "http://backend.userland.com/rss2");
}

static const xmlNode *child(const xmlNode *n, const char *name, const char *ns)
{
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (ns ? is_el(c, name, ns) : is_plain(c, name))
            return c;
    return NULL;
}

/* The text of n's text and CDATA descendants, appended to b. Entity
 * references are skipped: their content is never expanded here. */
static int node_text(const xmlNode *n, struct buf *b, int depth)
{
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next) {
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
            if (buf_puts(b, (const char *)c->content) < 0)
                return -1;
        } else if (c->type == XML_ELEMENT_NODE && depth < 64) {
            if (node_text(c, b, depth + 1) < 0)
                return -1;
        }
    }
    return 0;
}

/* The markup of n's children (Atom type="xhtml" content). */
static int node_markup(const xmlNode *n, struct buf *b)
{
    xmlBufferPtr x = xmlBufferCreate();
    if (!x)
        return -1;
    for (xmlNode *c = n->children; c; c = c->next)
        xmlNodeDump(x, n->doc, c, 0, 0);
    int rc = buf_put(b, (const char *)xmlBufferContent(x), (size_t)xmlBufferLength(x));
    xmlBufferFree(x);
    return rc;
}

/* A short field: markup stripped (feeds escape HTML into titles). */
static int short_text(const xmlNode *n, struct buf *b)
{
    b->n = 0;
    if (b->p)
        b->p[0] = '\0';
    if (!n || node_text(n, b, 0) < 0 || !b->p)
        return 0;
    b->n = strip_markup(b->p, b->n);
    b->p[b->n] = '\0';
    return b->n > 0;
}

static const char *attr(const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n ? n->properties : NULL; a; a = a->next)
        if (!strcmp((const char *)a->name, name) && a->children &&
            a->children->type == XML_TEXT_NODE)
            return (const char *)a->children->content;
    return NULL;
}

struct item {
    struct buf title, link, date, author, summary, content;
    const char *content_type; /* "text/html" or "text/plain" */
};

static void item_free(struct item *it)
{
    buf_free(&it->title);
    buf_free(&it->link);
    buf_free(&it->date);
    buf_free(&it->author);
    buf_free(&it->summary);
    buf_free(&it->content);
}

/* RSS authors are "mail@example.org (Jane Doe)" or a bare address. */
static void rss_author(struct buf *b)
{
    char *open = b->p ? strchr(b->p, '(') : NULL;
    char *close = open ? strrchr(open, ')') : NULL;
    if (open && close && close > open + 1 && memchr(b->p, '@', (size_t)(open - b->p))) {
        size_t n = (size_t)(close - open - 1);
        memmove(b->p, open + 1, n);
        b->n = squeeze_space(b->p, n);
        b->p[b->n] = '\0';
    }
}

/* Atom: <author><name>..</name></author>, several joined with ", ". */
static void atom_authors(const xmlNode *entry, struct buf *b)
{
    struct buf one = {0};
    for (const xmlNode *c = entry->children; c; c = c->next) {
        if (!is_plain(c, "author"))
            continue;
        if (short_text(child(c, "name", NULL), &one)) {
            if (b->n)
                buf_put(b, ", ", 2);
            buf_put(b, one.p, one.n);
        }
    }
    buf_free(&one);
}

/* Atom <content> or <summary>: by its type, HTML or plain text. */
static void atom_content(const xmlNode *c, struct item *it)
{
    const char *type = attr(c, "type");
    it->content.n = 0;
    if (type && !strcasecmp(type, "xhtml")) {
        node_markup(c, &it->content);
        it->content_type = "text/html";
    } else {
        node_text(c, &it->content, 0);
        it->content_type = type && (!strcasecmp(type, "html") || strstr(type, "html"))
                               ? "text/html"
                               : "text/plain";
    }
}

static void read_item(const xmlNode *n, struct item *it)
{
    int atom = n->ns && n->ns->href && !strcmp((const char *)n->ns->href, NS_ATOM);
    short_text(child(n, "title", NULL), &it->title);
    it->content_type = "text/html";
    if (atom) {
        const xmlNode *alt = NULL, *any = NULL;
        for (const xmlNode *c = n->children; c; c = c->next) {
            if (!is_plain(c, "link") || !attr(c, "href"))
                continue;
            const char *rel = attr(c, "rel");
            if (!rel || !strcmp(rel, "alternate"))
                alt = alt ? alt : c;
            any = any ? any : c;
        }
        const xmlNode *l = alt ? alt : any;
        if (l)
            buf_puts(&it->link, attr(l, "href"));
        if (!short_text(child(n, "published", NULL), &it->date))
            short_text(child(n, "updated", NULL), &it->date);
        atom_authors(n, &it->author);
        const xmlNode *content = child(n, "content", NULL);
        const xmlNode *summary = child(n, "summary", NULL);
        if (content && !attr(content, "src")) {
            atom_content(content, it);
            short_text(summary, &it->summary);
        } else if (summary) {
            atom_content(summary, it);
        }
    } else {
        const xmlNode *orig = child(n, "origLink", NS_FEEDBURNER);
        if (!short_text(orig, &it->link) && !short_text(child(n, "link", NULL), &it->link)) {
            const xmlNode *guid = child(n, "guid", NULL);
            const char *perma = attr(guid, "isPermaLink");
            if (guid && (!perma || !strcmp(perma, "true")) &&
                short_text(guid, &it->link) && strncmp(it->link.p, "http", 4))
                it->link.n = 0;
        }
        if (!short_text(child(n, "pubDate", NULL), &it->date))
            short_text(child(n, "date", NS_DC), &it->date);
        if (short_text(child(n, "creator", NS_DC), &it->author) == 0 &&
            short_text(child(n, "author", NULL), &it->author))
            rss_author(&it->author);
        const xmlNode *encoded = child(n, "encoded", NS_CONTENT);
        const xmlNode *desc = child(n, "description", NULL);
        if (encoded) {
            node_text(encoded, &it->content, 0);
            short_text(desc, &it->summary);
        } else if (desc) {
            node_text(desc, &it->content, 0);
        }
    }
}

static int blank(const struct buf *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->p[i] != ' ' && b->p[i] != '\n' && b->p[i] != '\t' && b->p[i] != '\r')
            return 0;
    return 1;
}

/* Make the child document for one item and hand it over. Returns 0, or
 * -1 when the container cannot take more children. */
static int spawn_item(nd_doc_t *doc, const xmlNode *n, size_t index)
{
    struct item it = {0};
    read_item(n, &it);
    nd_doc_t *c;
    if (!blank(&it.content)) {
        c = nd_doc_spawn(doc, it.content.p, it.content.n, it.content_type, NULL);
        if (c && it.title.n)
            nd_doc_set(c, "title", nd_val_strn(it.title.p, it.title.n > TITLE_MAX
                                                             ? TITLE_MAX : it.title.n));
    } else if (it.title.n) {
        /* No content: the title is all the text there is. */
        c = nd_doc_spawn(doc, it.title.p, it.title.n, "text/plain", NULL);
    } else {
        /* Nothing to read: the item's own XML, so that reading it fails
         * with a message naming what is missing. */
        xmlBufferPtr x = xmlBufferCreate();
        if (x)
            xmlNodeDump(x, n->doc, (xmlNode *)n, 0, 0);
        c = x ? nd_doc_spawn(doc, xmlBufferContent(x), (size_t)xmlBufferLength(x),
                             "application/rss+xml", NULL)
              : NULL;
        if (x)
            xmlBufferFree(x);
        item_free(&it);
        if (c)
            nd_doc_spawn_done(c);
        return c ? 0 : -1;
    }
    if (c) {
        if (it.link.n)
            nd_doc_set(c, "url", nd_val_strn(it.link.p, it.link.n));
        if (it.author.n)
            nd_doc_set(c, "byline", nd_val_strn(it.author.p, it.author.n));
        if (it.summary.n)
            nd_doc_set(c, "description", nd_val_strn(it.summary.p, it.summary.n));
        char iso[32];
        if (it.date.n && date_to_iso(it.date.p, it.date.n, iso) == 0)
            nd_doc_set_str(c, "published", iso);
        else if (it.date.n)
            nd_doc_log(doc, ND_LOG_INFO, "item %zu: \"%.64s\" is not a date newsdesk "
                       "can read; published left out", index, it.date.p);
        nd_doc_spawn_done(c);
    }
    item_free(&it);
    return c ? 0 : -1;
}

static int is_item(const xmlNode *n)
{
    return is_plain(n, "item") || is_plain(n, "entry");
}

/* The feed's items, in document order: rss/channel/item, rdf:RDF/item,
 * feed/entry. Returns how many were spawned, or -1. */
static long spawn_items(nd_doc_t *doc, const xmlNode *root)
{
    long count = 0;
    const xmlNode *containers[2] = {root, child(root, "channel", NULL)};
    for (int k = 0; k < 2; k++) {
        for (const xmlNode *c = containers[k] ? containers[k]->children : NULL; c; c = c->next) {
            if (!is_item(c))
                continue;
            if (spawn_item(doc, c, (size_t)count + 1) < 0)
                return -1;
            count++;
        }
    }
    return count;
}

/* The parser's last error, for a person: where, and what. */
static void describe_error(xmlParserCtxtPtr ctxt, char *err, size_t errlen)
{
    const xmlError *e = xmlCtxtGetLastError(ctxt);
    if (e && e->message) {
        size_t n = strlen(e->message);
        while (n && e->message[n - 1] == '\n')
            n--;
        snprintf(err, errlen, "malformed XML at line %d, column %d: %.*s", e->line,
                 e->int2, (int)n, e->message);
    } else {
        snprintf(err, errlen, "malformed XML");
    }
}

static xmlDocPtr parse(const uint8_t *raw, size_t len, int options, char *err,
                       size_t errlen)
{
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    xmlDocPtr d = len <= INT32_MAX ? xmlCtxtReadMemory(ctxt, (const char *)raw, (int)len,
                                                       NULL, NULL, options)
                                   : NULL;
    if (!d || !ctxt->wellFormed)
        describe_error(ctxt, err, errlen);
    xmlFreeParserCtxt(ctxt);
    return d;
}

static int is_feed_root(const xmlNode *root)
{
    return is_plain(root, "rss") || is_el(root, "RDF", NULL) || is_plain(root, "feed");
}

/* What is left to say once the whole input has been parsed: the root and
 * how many items were spawned (-1: the container took no more). */
static nd_status_t finish(nd_doc_t *doc, const xmlNode *root, long items,
                          const char *err)
{
    if (!root) {
        nd_doc_error(doc, "%s", *err ? err : "not a feed: no root element");
        return ND_FAIL;
    }
    if (is_item(root)) {
        if (nd_doc_source(doc, "parent")) {
            /* An item the container could not read: say why. */
            nd_doc_error(doc, "the feed item has no title, link or content to read");
            return ND_FAIL;
        }
        if (spawn_item(doc, root, 1) < 0) {
            nd_doc_error(doc, "cannot make a document for the item");
            return ND_FAIL;
        }
        return ND_OK;
    }
    if (!is_feed_root(root)) {
        nd_doc_error(doc, "not a feed: the root element is <%s>, not <rss>, <rdf:RDF> "
                     "or <feed>", (const char *)root->name);
        return ND_FAIL;
    }
    if (nd_doc_source(doc, "parent")) {
        nd_doc_error(doc, "a feed inside a feed item is not read");
        return ND_FAIL;
    }
    if (items < 0) {
        nd_doc_error(doc, "cannot make a document for every item (out of memory, "
                     "or more items than one file may hold)");
        return ND_FAIL;
    }
    if (items == 0) {
        nd_doc_error(doc, "the feed has no items");
        return ND_FAIL;
    }
    return ND_OK;
}

/* The whole tree at once: for a feed item read on its own, and for a file
 * that declares entities, which is read strictly or not at all (it never
 * gets the second, recovering parse). */
static nd_status_t read_whole(nd_doc_t *doc, const uint8_t *raw, size_t len)
{
    char err[512] = "";
    xmlDocPtr d = parse(raw, len, parse_options, err, sizeof err);
    if (*err && d) {
        /* Not well-formed (an unescaped & in a title is common): read what
         * libxml2 recovered, unless the file declares entities. */
        xmlFreeDoc(d);
        d = NULL;
    }
    if (!d && !memmem(raw, len, "<!ENTITY", 8)) {
        char err2[512];
        d = parse(raw, len, parse_options | XML_PARSE_RECOVER, err2, sizeof err2);
        if (d)
            nd_doc_log(doc, ND_LOG_NOTICE, "%s; read what could be recovered", err);
    }
    const xmlNode *root = d ? xmlDocGetRootElement(d) : NULL;
    long n = root && is_feed_root(root) && !nd_doc_source(doc, "parent")
                 ? spawn_items(doc, root)
                 : 0;
    nd_status_t rc = finish(doc, root, n, err);
    xmlFreeDoc(d);
    return rc;
}

/* ---- streaming: items spawned while the feed is parsed ----------------- */

#define CHUNK 65536

struct stream {
    xmlParserCtxtPtr ctxt;
    nd_doc_t *doc;
    xmlNode *chan; /* the first <channel>: its items are read too */
    long items;    /* spawned so far; -1 when the container took no more */
};

/* Nonzero while the parser is inside n (n is still being built). */
static int is_open(const struct stream *s, const xmlNode *n)
{
    for (const xmlNode *o = s->ctxt->node; o; o = o->parent)
        if (o == n)
            return 1;
    return 0;
}

/* Spawn the items among n's finished children, in order, and free every
 * finished child but `keep`. While n is open its last child is left
 * alone: it may still be growing, and the parser appends text to it. */
static void harvest(struct stream *s, xmlNode *n, const xmlNode *keep, int closed)
{
    xmlNode *c = n->children;
    while (c && s->items >= 0) {
        xmlNode *next = c->next;
        if (!next && !closed)
            break;
        if (c != keep) {
            if (is_item(c))
                s->items = spawn_item(s->doc, c, (size_t)s->items + 1) < 0 ? -1
                                                                           : s->items + 1;
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
        c = next;
    }
}

/* Harvest the feed's root, then its first channel (as spawn_items reads
 * them: the items of both, the root's first within each chunk). */
static void harvest_feed(struct stream *s, int final)
{
    xmlNode *root = s->ctxt->myDoc ? xmlDocGetRootElement(s->ctxt->myDoc) : NULL;
    if (!root || !is_feed_root(root))
        return;
    if (!s->chan)
        s->chan = (xmlNode *)child(root, "channel", NULL);
    harvest(s, root, s->chan, final || !is_open(s, root));
    if (s->chan)
        harvest(s, s->chan, NULL, final || !is_open(s, s->chan));
}

/* A feed read with libxml2's push parser in recovering mode, one chunk at
 * a time: after each chunk the items finished so far are spawned (and so
 * handed over) and their nodes freed, so that the tree never holds more
 * than the item being read. For a well-formed feed the result is that of
 * a strict parse; for a malformed one, what libxml2 recovered, as
 * read_whole gives it. */
static nd_status_t read_streaming(nd_doc_t *doc, const uint8_t *raw, size_t len)
{
    size_t first = len < 4 ? len : 4; /* the encoding is told from these */
    struct stream s = {
        .ctxt = xmlCreatePushParserCtxt(NULL, NULL, (const char *)raw, (int)first, NULL),
        .doc = doc,
    };
    if (!s.ctxt) {
        nd_doc_error(doc, "out of memory");
        return ND_FAIL;
    }
    xmlCtxtUseOptions(s.ctxt, parse_options | XML_PARSE_RECOVER);
    for (size_t at = first; at < len && s.items >= 0; at += CHUNK) {
        size_t n = len - at < CHUNK ? len - at : CHUNK;
        xmlParseChunk(s.ctxt, (const char *)raw + at, (int)n, 0);
        harvest_feed(&s, 0);
    }
    xmlParseChunk(s.ctxt, NULL, 0, 1);
    harvest_feed(&s, 1);
    char err[512] = "";
    if (!s.ctxt->wellFormed)
        describe_error(s.ctxt, err, sizeof err);
    const xmlNode *root = s.ctxt->myDoc ? xmlDocGetRootElement(s.ctxt->myDoc) : NULL;
    if (*err && root)
        nd_doc_log(doc, ND_LOG_NOTICE, "%s; read what could be recovered", err);
    nd_status_t rc = finish(doc, root, s.items, err);
    xmlFreeDoc(s.ctxt->myDoc);
    xmlFreeParserCtxt(s.ctxt);
    return rc;
}

static nd_status_t feed_process(void *state, nd_doc_t *doc)
{
    (void)state;
    size_t len;
    const uint8_t *raw = nd_doc_raw(doc, &len);
    if (!len) {
        nd_doc_error(doc, "empty file: there is no feed to read");
        return ND_FAIL;
    }
    if (len > INT32_MAX || nd_doc_source(doc, "parent") || memmem(raw, len, "<!ENTITY", 8))
        return read_whole(doc, raw, len);
    return read_streaming(doc, raw, len);
}

static int feed_init(nd_instance_t *self, const nd_opts_t *opts, void **state,
                     char *err, size_t errlen)
{
    (void)self, (void)opts, (void)err, (void)errlen;
    /* Once, before any thread parses. */
    xmlInitParser();
    *state = NULL;
    return 0;
}

static const char *const media_types[] = {
    "application/rss+xml", "application/atom+xml", "application/rdf+xml",
    "application/xml", "text/xml", NULL,
};

static const nd_plugin_t feed_plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "feed",
    .version = "1.0.0",
    .description = "reads RSS and Atom feeds: one document per item, its content "
                   "read by the html reader",
    .role = ND_ROLE_READER,
    .media_types = media_types,
    .init = feed_init,
    .process = feed_process,
};

ND_PLUGIN(feed_plugin)
