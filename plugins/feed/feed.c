/* feed: the reader for RSS 0.90 to 2.0 (RSS 0.90 and 1.0 being RDF) and
 * Atom 0.3 and 1.0, in their own namespaces or any default one.
 *
 * A feed is a container: each item becomes a child document
 * (nd_doc_spawn) whose bytes are the item's text (its full content, else
 * its summary) with media type text/html or text/plain, so the html or
 * text reader reads it, and whose title, url, published, byline and
 * description are set here from the item. An item with no text but a
 * title becomes a one-line text. An item with neither is spawned as its
 * own XML and fails on its own, with a message saying what it lacks,
 * while the other items go on.
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
#define NS_FEEDBURNER "http://rssnamespace.org/feedburner/ext/1.0"
#define NS_XHTML "http://www.w3.org/1999/xhtml"
#define TITLE_MAX 300

static const int parse_options = XML_PARSE_NONET | XML_PARSE_NOERROR |
                                 XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;

/* The namespaces of the feed formats themselves, under whatever prefix a
 * feed gives them: RSS 0.90, RSS 1.0 and its 0.91 module, RSS 2.0 as
 * Harvard published it (Userland's, of every version, are matched by
 * is_feed_ns), Atom 0.3 and 1.0, and Echo and Pie, Atom's names before
 * 0.3. */
static const char *const feed_namespaces[] = {
    "http://my.netscape.com/rdf/simple/0.9/",
    "http://purl.org/rss/1.0/",
    "http://purl.org/rss/1.0/modules/rss091#",
    "http://blogs.law.harvard.edu/tech/rss",
    "http://purl.org/atom/ns#",
    "http://www.w3.org/2005/Atom",
    "http://purl.org/echo/",
    "http://purl.org/pie/",
    NULL,
};

/* Modules read by their own names: never taken for the feed's own
 * elements, even when a feed makes one its default namespace. */
static const char *const module_namespaces[] = {
    NS_CONTENT, NS_DC, NS_FEEDBURNER, NS_XHTML, NULL,
};

static int in_list(const char *href, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (!strcasecmp(href, list[i]))
            return 1;
    return 0;
}

/* Whether an element of namespace ns is one of the feed's own (channel,
 * item, title, link, ...), as feedparser decides it: no namespace, a feed
 * format's namespace under any prefix, or the default namespace whatever
 * its name (<rss xmlns="http://example.org/any">). An element written
 * with the prefix of any other namespace belongs to a module. */
static int is_feed_ns(const xmlNs *ns)
{
    if (!ns || !ns->href || !*ns->href)
        return 1;
    const char *href = (const char *)ns->href;
    if (in_list(href, feed_namespaces) || strstr(href, "backend.userland.com/rss"))
        return 1;
    return !ns->prefix && !in_list(href, module_namespaces);
}

/* A module's element: its exact name in its namespace. */
static int is_el(const xmlNode *n, const char *name, const char *ns)
{
    if (!n || n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, name))
        return 0;
    if (!ns)
        return 1;
    return n->ns && n->ns->href && !strcmp((const char *)n->ns->href, ns);
}

/* The feed's own element `name`. Local names are compared without regard
 * to case, as feedparser compares them (<pubdate>, <PubDate>). */
static int is_plain(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && !strcasecmp((const char *)n->name, name) &&
           is_feed_ns(n->ns);
}

/* n's first child that is the module element `name` of namespace ns, or
 * with ns NULL the feed's own element `name`. */
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

static const char *attr(const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n ? n->properties : NULL; a; a = a->next)
        if (!strcmp((const char *)a->name, name) && a->children &&
            a->children->type == XML_TEXT_NODE)
            return (const char *)a->children->content;
    return NULL;
}

/* Atom 0.3's mode="base64": b decoded in place. Characters outside the
 * alphabet (line breaks) are skipped; "=" ends the data. */
static void base64_decode(struct buf *b)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < b->n && b->p[i] != '='; i++) {
        const char *d = b->p[i] ? strchr(alphabet, b->p[i]) : NULL;
        if (!d)
            continue;
        acc = acc << 6 | (uint32_t)(d - alphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            b->p[o++] = (char)(acc >> bits & 0xFF);
        }
    }
    b->n = o;
    if (b->p)
        b->p[o] = '\0';
}

static int is_base64(const xmlNode *n)
{
    const char *mode = attr(n, "mode");
    return mode && !strcasecmp(mode, "base64");
}

static int has_element_child(const xmlNode *n)
{
    for (const xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return 1;
    return 0;
}

/* A short field, its white space collapsed. Feeds escape HTML into
 * titles, so its markup is stripped, unless the element says its text is
 * plain (Atom's type="text") or holds its markup as elements (XHTML),
 * whose text is taken as it is. */
static int short_text(const xmlNode *n, struct buf *b)
{
    b->n = 0;
    if (b->p)
        b->p[0] = '\0';
    if (!n || node_text(n, b, 0) < 0 || !b->p)
        return 0;
    if (is_base64(n))
        base64_decode(b);
    const char *type = attr(n, "type");
    if (!has_element_child(n) && (!type || strcasestr(type, "html")))
        b->n = strip_markup(b->p, b->n);
    else
        b->n = squeeze_space(b->p, b->n);
    b->p[b->n] = '\0';
    return b->n > 0;
}

/* Whether n holds any text but white space, in itself or its elements. */
static int has_text(const xmlNode *n, int depth)
{
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next) {
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
            if (((const char *)c->content)[strspn((const char *)c->content, " \t\r\n")])
                return 1;
        } else if (c->type == XML_ELEMENT_NODE && depth < 64 && has_text(c, depth + 1)) {
            return 1;
        }
    }
    return 0;
}

/* The text of a content element (RSS description, Atom content or
 * summary, of 1.0 or 0.3) into b, and its media type. Inline XHTML (Atom's
 * type="xhtml", Atom 0.3's mode="xml", markup left unescaped in an
 * untyped description) is kept as markup. Otherwise the text is taken,
 * the type telling HTML ("html", "text/html", ...) from plain text, and
 * with no type it is `dflt`: an element inside type="html" is a wrapper
 * around escaped HTML (<div>Example &lt;b&gt;...), as TypePad writes it.
 * Atom 0.3's mode="base64" is decoded. */
static const char *read_content(const xmlNode *c, struct buf *b, const char *dflt)
{
    const char *type = attr(c, "type");
    const char *mode = attr(c, "mode");
    b->n = 0;
    if (has_element_child(c) && (!type || strcasestr(type, "xhtml") ||
                                 (mode && !strcasecmp(mode, "xml")))) {
        node_markup(c, b);
        return "text/html";
    }
    node_text(c, b, 0);
    if (is_base64(c))
        base64_decode(b);
    if (!type)
        return dflt;
    return strcasestr(type, "html") ? "text/html" : "text/plain";
}

static int blank(const struct buf *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->p[i] != ' ' && b->p[i] != '\n' && b->p[i] != '\t' && b->p[i] != '\r')
            return 0;
    return 1;
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

/* dc:creator, else every <author>: Atom's <name> inside it, RSS's text
 * ("mail (Name)"); several joined with ", ". */
static void item_authors(const xmlNode *item, struct buf *b)
{
    if (short_text(child(item, "creator", NS_DC), b))
        return;
    struct buf one = {0};
    for (const xmlNode *c = item->children; c; c = c->next) {
        if (!is_plain(c, "author"))
            continue;
        /* Atom's has elements (name, email, uri): only its name is read. */
        int atom = has_element_child(c);
        if (!short_text(atom ? child(c, "name", NULL) : c, &one))
            continue;
        if (!atom)
            rss_author(&one);
        if (b->n)
            buf_put(b, ", ", 2);
        buf_put(b, one.p, one.n);
    }
    buf_free(&one);
}

/* The item's address: feedburner:origLink; else the first <link> with
 * text (RSS) or with an href and no rel or rel="alternate" (Atom); else
 * the first href of any rel; else a permalink <guid>. */
static void item_link(const xmlNode *item, struct buf *b)
{
    if (short_text(child(item, "origLink", NS_FEEDBURNER), b))
        return;
    const char *other = NULL;
    for (const xmlNode *c = item->children; c; c = c->next) {
        if (!is_plain(c, "link"))
            continue;
        const char *href = attr(c, "href");
        const char *rel = attr(c, "rel");
        if (href && (!rel || !strcmp(rel, "alternate"))) {
            buf_puts(b, href);
            return;
        }
        if (href)
            other = other ? other : href;
        else if (short_text(c, b))
            return;
    }
    if (other) {
        buf_puts(b, other);
        return;
    }
    const xmlNode *guid = child(item, "guid", NULL);
    const char *perma = attr(guid, "isPermaLink");
    if (guid && (!perma || !strcmp(perma, "true")) && short_text(guid, b) &&
        strncmp(b->p, "http", 4))
        b->n = 0;
}

/* The first date there is: publication (RSS pubDate, dc:date, Atom 1.0
 * published, Atom 0.3 issued and created), else the last change (Atom
 * updated, Atom 0.3 modified). */
static void item_date(const xmlNode *item, struct buf *b)
{
    static const struct {
        const char *name, *ns;
    } dates[] = {
        {"published", NULL}, {"pubDate", NULL}, {"date", NS_DC}, {"issued", NULL},
        {"created", NULL},   {"updated", NULL}, {"modified", NULL},
    };
    for (size_t i = 0; i < sizeof dates / sizeof *dates; i++)
        if (short_text(child(item, dates[i].name, dates[i].ns), b))
            return;
}

/* The item's text, and the summary beside the full content. The full
 * content comes first (content:encoded or its old name fullitem, Atom
 * content that is not out of line, a body of XHTML); else what summarises
 * it (description, Atom summary, dc:description) is the text: an item
 * with only a summary is read from it. Each is taken only when it holds
 * text, not only white space or empty elements. */
static void item_content(const xmlNode *item, struct item *it)
{
    const xmlNode *content = child(item, "content", NULL);
    if (content && attr(content, "src"))
        content = NULL;
    const struct {
        const xmlNode *n;
        const char *dflt;
    } full[] = {
        {child(item, "encoded", NS_CONTENT), "text/html"},
        {child(item, "fullitem", NULL), "text/html"},
        {content, "text/plain"},
        {child(item, "body", NS_XHTML), "text/html"},
        {child(item, "body", NULL), "text/html"},
    }, brief[] = {
        {child(item, "description", NULL), "text/html"},
        {child(item, "summary", NULL), "text/plain"},
        {child(item, "description", NS_DC), "text/plain"},
    };
    size_t nbrief = sizeof brief / sizeof *brief, used = nbrief;
    for (size_t i = 0; i < sizeof full / sizeof *full && blank(&it->content); i++)
        if (has_text(full[i].n, 0))
            it->content_type = read_content(full[i].n, &it->content, full[i].dflt);
    for (size_t i = 0; i < nbrief && blank(&it->content); i++)
        if (has_text(brief[i].n, 0)) {
            it->content_type = read_content(brief[i].n, &it->content, brief[i].dflt);
            used = i;
        }
    for (size_t i = 0; i < nbrief && used == nbrief; i++)
        if (short_text(brief[i].n, &it->summary))
            break;
}

/* What one <item> or <entry> holds, whatever the format: RSS 0.9x, 1.0
 * and 2.0 and Atom 0.3 and 1.0 are read the same way, each field looked
 * for under every name the formats give it, so that feeds mixing them (an
 * RSS item with atom:link or atom:summary) are read too. */
static void read_item(const xmlNode *n, struct item *it)
{
    if (!short_text(child(n, "title", NULL), &it->title))
        short_text(child(n, "title", NS_DC), &it->title);
    item_link(n, &it->link);
    item_date(n, &it->date);
    item_authors(n, &it->author);
    it->content_type = "text/html";
    item_content(n, it);
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
         * with a message naming what is missing. It is copied into a
         * document of its own to carry the namespaces it uses, which
         * may be declared further up (<atom:entry>). */
        xmlDocPtr own = xmlNewDoc((const xmlChar *)"1.0");
        xmlNodePtr copy = own ? xmlDocCopyNode((xmlNode *)n, own, 1) : NULL;
        xmlBufferPtr x = copy ? xmlBufferCreate() : NULL;
        if (x) {
            xmlDocSetRootElement(own, copy);
            xmlReconciliateNs(own, copy);
            xmlNodeDump(x, own, copy, 0, 0);
        }
        c = x ? nd_doc_spawn(doc, xmlBufferContent(x), (size_t)xmlBufferLength(x),
                             "application/rss+xml", NULL)
              : NULL;
        if (x)
            xmlBufferFree(x);
        if (copy && !x)
            xmlFreeNode(copy);
        xmlFreeDoc(own);
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

/* RSS 0.91 to 2.0 (<rss>), RSS 0.90 and 1.0 (<rdf:RDF>) and Atom 0.3
 * and 1.0 (<feed>), in their own namespaces or a default one. */
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
            struct buf link = {0};
            item_link(root, &link);
            if (link.n)
                nd_doc_error(doc, "the feed item has only a link (%.200s), no title or "
                             "content to read (newsdesk does not fetch pages)", link.p);
            else
                nd_doc_error(doc, "the feed item has no title, link or content to read");
            buf_free(&link);
            return ND_FAIL;
        }
        if (spawn_item(doc, root, 1) < 0) {
            nd_doc_error(doc, "cannot make a document for the item");
            return ND_FAIL;
        }
        return ND_OK;
    }
    if (!is_feed_root(root)) {
        const xmlNs *ns = root->ns;
        if (ns && ns->href && ns->prefix)
            nd_doc_error(doc, "not a feed: the root element is <%s:%s> of namespace "
                         "%.200s, not <rss>, <rdf:RDF> or <feed> of RSS or Atom",
                         (const char *)ns->prefix, (const char *)root->name,
                         (const char *)ns->href);
        else
            nd_doc_error(doc, "not a feed: the root element is <%s>, not <rss>, "
                         "<rdf:RDF> or <feed>", (const char *)root->name);
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
