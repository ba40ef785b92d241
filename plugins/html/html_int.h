/* What the parts of the html reader share; private to plugins/html.
 *
 * html.c runs the parts in order: charset.c (bytes to UTF-8), flatten.c
 * (very deep nesting), gumbo, meta.c with jsonld.c and title.c (metadata
 * fields), content.c (the main content block) and text.c (its text).
 * Nodes and strings from the gumbo tree are borrowed and valid until
 * html.c destroys the tree, after the text is built. */
#ifndef ND_HTML_INT_H
#define ND_HTML_INT_H

#include <gumbo.h>
#include <newsdesk/plugin.h>
#include <stddef.h>

#include "base/buf.h"
#include "text/charset.h"
#include "text/dates.h"
#include "text/docstats.h"
#include "text/stats.h"

/* Deeper nesting than this is flattened: real pages stay far below it
 * (browsers themselves stop laying out past a few hundred levels). Walks
 * of the tree stop at twice this depth. */
#define MAX_DEPTH 512

/* The value of attribute `name` of element n (borrowed from the tree), or
 * NULL when n is not an element or has no such attribute. */
static inline const char *html_attr(const GumboNode *n, const char *name)
{
    if (n->type != GUMBO_NODE_ELEMENT)
        return NULL;
    const GumboAttribute *a = gumbo_get_attribute(&n->v.element.attributes, name);
    return a ? a->value : NULL;
}

/* ---- charset.c ------------------------------------------------------------- */

/* A page converted to UTF-8. */
struct utf8_page {
    char *html; /* malloc'd, NUL-terminated; the caller frees it */
    size_t n;
    /* The charset converted from: a static string, the `configured` name
     * given to charset_decode, or `declared` below, so valid while both
     * this struct and that name are. */
    const char *charset;
    char declared[48]; /* the charset the page declares, "" if none */
};

/* Convert doc's raw bytes to UTF-8: as `configured` says unless that is
 * NULL or "auto", else as the page declares, else as detected; a declared
 * charset that cannot be used is logged and detection used instead.
 * Returns 0, or -1 with the reason set as doc's error. */
int charset_decode(struct utf8_page *pg, nd_doc_t *doc, const char *configured);

/* ---- flatten.c ------------------------------------------------------------- */

/* When the tags of html s[0..n) nest deeper than MAX_DEPTH, set *out to a
 * malloc'd, NUL-terminated copy without the start tags beyond that depth
 * (and as many end tags), so the text stays and the tree stays shallow;
 * else set *out to NULL. Returns 0, or -1 when out of memory. */
int flatten_deep(const char *s, size_t n, char **out);

/* ---- meta.c ---------------------------------------------------------------- */

/* Set the metadata fields of doc (title, byline, published, url,
 * description) from the page's tree, keeping fields already set. */
void meta_read(nd_doc_t *doc, const GumboNode *root);

/* Set doc's title to s[0..n), cut at a word near 300 bytes, unless a title
 * is set already. */
void meta_set_title(nd_doc_t *doc, const char *s, size_t n);

/* ---- title.c --------------------------------------------------------------- */

/* The headline in t, the text of a page's <title> with white space
 * collapsed, as Readability finds it (the site name cut off at a " | ",
 * " - ", " » ", ... separator or a colon unless too few words are left;
 * the only <h1> under root for a title under 15 or over 150 characters).
 * A malloc'd string (free it), NULL when out of memory. */
char *title_headline(const char *t, const GumboNode *root);

/* How much of b's words a holds, from 0 to 1: 1 less the share of b's
 * words (by their length, ASCII letters and digits only) missing from a. */
double title_similarity(const char *a, const char *b);

/* ---- jsonld.c -------------------------------------------------------------- */

#define JSONLD_MAX 8 /* scripts parsed at most */

/* The parsed JSON-LD scripts of a page; only jsonld.c touches the fields. */
struct jsonld {
    nd_val_t *parsed[JSONLD_MAX];
    size_t n;
};

/* Parse the scripts in scripts[0..len) (each ending in '\0') until one
 * holds an article object, and return that object, or NULL. The object
 * belongs to j: valid until jsonld_free(j), which must be called in
 * either case. */
const nd_val_t *jsonld_article(struct jsonld *j, const char *scripts, size_t len);
void jsonld_free(struct jsonld *j);

/* A schema.org value as a name: a string, or an object's name or @id.
 * Borrowed from v; NULL when it is neither. */
const char *jsonld_name(const nd_val_t *v);

/* The authors as one string, "A, B" from a list (the first 20): malloc'd
 * (free it), or NULL when there is no name. */
char *jsonld_authors(const nd_val_t *author);

/* ---- content.c ------------------------------------------------------------- */

struct node_info;

#define TOP_N 5 /* candidates kept, best first */

/* The scores of a page's elements and the best block. Only content.c
 * touches the fields; they are here so a caller can keep it on its stack. */
struct content {
    struct node_info *slots; /* by node address: open addressing */
    size_t cap, used;
    const GumboNode *top[TOP_N]; /* the best scoring candidates */
    double top_score[TOP_N];
    const GumboNode *best; /* the block chosen from them */
    double best_score;
    int relaxed; /* class and id names do not make chrome */
    int oom;
};

/* Score the elements under body (a tree that must outlive c). relaxed:
 * class and id names such as "sidebar" or "header" do not rule elements
 * out (tags, roles and hidden elements still do), for pages whose wrapper
 * is named so. Returns 0, or -1 when out of memory; content_free(c) in
 * either case. */
int content_score(struct content *c, const GumboNode *body, int relaxed);
void content_free(struct content *c);

/* The block that scored best, or NULL when no paragraph scored. */
const GumboNode *content_best(const struct content *c);

/* Call fn, in document order, with the nodes that make the article: the
 * best block and those of its siblings that score nearly as well or are
 * good paragraphs of their own. Only when content_best(c) is not NULL. */
void content_each_chosen(const struct content *c,
                         void (*fn)(const GumboNode *n, void *ctx), void *ctx);

/* Bytes of text (white space aside) under element n, 0 if not scored. */
size_t content_text_len(const struct content *c, const GumboNode *n);

/* Is element n navigation, hidden, or (by c's lengths) mostly links, and
 * so never text? */
int content_is_chrome(const struct content *c, const GumboNode *n);

/* Does a t element make a block of its own (a paragraph break)? */
int content_is_block(GumboTag t);

/* ---- text.c ---------------------------------------------------------------- */

/* Text being built from nodes. Only text.c touches the fields. */
struct text_out {
    struct buf out;
    const struct content *c; /* borrowed: which elements are chrome */
    const char *title;       /* borrowed: a headline equal to it is skipped */
    int pre, failed, heading_checked;
    size_t par_start; /* where the current paragraph began in out */
};

/* Start empty text. c and title must stay valid while nodes are added. */
void text_start(struct text_out *t, const struct content *c, const char *title);

/* Add the text of n and what is under it, chrome left out. */
void text_node(struct text_out *t, const GumboNode *n);

/* End the paragraph being written, if it has any text. */
void text_end_paragraph(struct text_out *t);

/* Bytes written so far. */
size_t text_len(const struct text_out *t);

/* Has adding text run out of memory? (Then text_take fails.) */
int text_failed(const struct text_out *t);

/* Drop what was written and start again, keeping the buffer. */
void text_restart(struct text_out *t);

/* Hand the text over without trailing white space: *n bytes at *s, which
 * is malloc'd (free it; NULL when nothing was written) and holds no NUL at
 * s[*n]. Returns 0, or -1 when out of memory at some point (then there is
 * nothing to free). */
int text_take(struct text_out *t, char **s, size_t *n);

/* The text under n, white space collapsed, as a malloc'd string (free it),
 * its length in *len when len is not NULL; NULL when there is none or out
 * of memory. */
char *text_plain(const GumboNode *n, size_t *len);

#endif
