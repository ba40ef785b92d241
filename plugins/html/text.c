/* Nodes to text: paragraphs for the blocks, separated by blank lines,
 * white space collapsed as a browser does (kept inside <pre>), chrome
 * (content.c's judgement) left out; and the plain text of one node, for
 * metadata. */
#include <stdlib.h>
#include <string.h>

#include "html_int.h"

/* ---- the plain text of a node ---------------------------------------------- */

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

char *text_plain(const GumboNode *n, size_t *len)
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

/* ---- paragraphs ---------------------------------------------------------------- */

static void emit_put(struct text_out *e, const char *s, size_t n)
{
    if (!e->failed && buf_put(&e->out, s, n) < 0)
        e->failed = 1;
}

void text_end_paragraph(struct text_out *e)
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

static void emit_text(struct text_out *e, const char *s)
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

/* The headline repeated above the body is the title, not text: true for
 * the first <h1> or <h2> when it reads as the title. */
static int repeats_title(struct text_out *e, const GumboNode *n, GumboTag t)
{
    if ((t != GUMBO_TAG_H1 && t != GUMBO_TAG_H2) || !e->title || e->heading_checked)
        return 0;
    e->heading_checked = 1;
    char *h = text_plain(n, NULL);
    int same = h && !strcmp(h, e->title);
    free(h);
    return same;
}

static void emit_node(struct text_out *e, const GumboNode *n, int depth)
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
    if (n->type != GUMBO_NODE_ELEMENT || depth > MAX_DEPTH * 2 ||
        content_is_chrome(e->c, n))
        return;
    GumboTag t = n->v.element.tag;
    if (t == GUMBO_TAG_BR) {
        emit_put(e, "\n", 1);
        return;
    }
    int block = content_is_block(t);
    if (block)
        text_end_paragraph(e);
    if (repeats_title(e, n, t))
        return;
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
        text_end_paragraph(e);
    else if (t == GUMBO_TAG_TD || t == GUMBO_TAG_TH)
        emit_put(e, " ", 1);
}

/* ---- the text being built ------------------------------------------------------ */

void text_start(struct text_out *e, const struct content *c, const char *title)
{
    *e = (struct text_out){.c = c, .title = title};
}

void text_node(struct text_out *e, const GumboNode *n)
{
    emit_node(e, n, 0);
}

size_t text_len(const struct text_out *e)
{
    return e->out.n;
}

int text_failed(const struct text_out *e)
{
    return e->failed;
}

void text_restart(struct text_out *e)
{
    e->out.n = e->par_start = 0;
    e->heading_checked = 0;
}

int text_take(struct text_out *e, char **s, size_t *n)
{
    if (e->failed) {
        buf_free(&e->out);
        return -1;
    }
    while (e->out.n && (e->out.p[e->out.n - 1] == '\n' || e->out.p[e->out.n - 1] == ' '))
        e->out.n--;
    *s = e->out.p;
    *n = e->out.n;
    e->out = (struct buf){0};
    return 0;
}
