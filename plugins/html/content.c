/* Finding the main content, the way Readability does: paragraphs score
 * their ancestors up to five levels (fully, by half, then by a third of
 * the level) by length and commas, class and id names push blocks up
 * ("article", "content") or down ("comment", "share", "related"), link
 * density pulls them down; the best block is corrected as Readability
 * corrects it (a shared ancestor of close candidates, a parent scoring
 * better) and chosen with the siblings that score nearly as well.
 * Navigation, menus, forms, hidden elements and the like never count. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html_int.h"

/* Paragraphs shorter than this do not vote for their parents. */
#define MIN_PARAGRAPH 25

/* ---- scores and lengths by node address ---------------------------------- */

struct node_info {
    const GumboNode *node;
    double score;       /* content score as a candidate */
    size_t text, links; /* characters of text, and of text inside links */
    size_t commas;
    int scored;         /* a paragraph within LEVELS below gave it a score */
    int chrome;         /* a share bar: never text */
};

static size_t hash_ptr(const void *p)
{
    uintptr_t x = (uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

/* The slot of n, or the empty slot where it would go; NULL while the
 * table is empty. */
static struct node_info *table_slot(const struct content *c, const GumboNode *n)
{
    if (!c->cap)
        return NULL;
    size_t h = hash_ptr(n) & (c->cap - 1);
    while (c->slots[h].node && c->slots[h].node != n)
        h = (h + 1) & (c->cap - 1);
    return &c->slots[h];
}

static const struct node_info *table_find(const struct content *c, const GumboNode *n)
{
    const struct node_info *s = table_slot(c, n);
    return s && s->node ? s : NULL;
}

/* Double the table (or make it), keeping it at most half full. */
static int table_grow(struct content *c)
{
    size_t cap = c->cap ? c->cap * 2 : 1024;
    struct node_info *s = calloc(cap, sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < c->cap; i++) {
        if (!c->slots[i].node)
            continue;
        size_t h = hash_ptr(c->slots[i].node) & (cap - 1);
        while (s[h].node)
            h = (h + 1) & (cap - 1);
        s[h] = c->slots[i];
    }
    free(c->slots);
    c->slots = s, c->cap = cap;
    return 0;
}

/* The entry of n, made when missing; NULL when out of memory. */
static struct node_info *table_add(struct content *c, const GumboNode *n)
{
    if ((c->used + 1) * 2 > c->cap && table_grow(c) < 0)
        return NULL;
    struct node_info *s = table_slot(c, n);
    if (!s->node) {
        s->node = n;
        c->used++;
    }
    return s;
}

/* ---- what is never content, and what weighs -------------------------------- */

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
    "recirc", "related", "remark", "replies", "rss", "shoutbox", "sidebar", "skyscraper", "social", "sponsor", "subscribe",
    "supplemental", "taboola", "trending", "byline", "tags", "toolbar", "yom-remote",
    "ad-break", NULL,
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

/* Does the inline style set property prop to value ("display : none",
 * "visibility:hidden !important")? */
static int style_is(const char *style, const char *prop, const char *value)
{
    size_t pl = strlen(prop), vl = strlen(value);
    for (const char *p = style; (p = strcasestr(p, prop)); p += pl) {
        if (p > style && p[-1] != ';' && p[-1] != ' ' && p[-1] != '\t')
            continue; /* "max-display", "content-visibility" */
        const char *q = p + pl;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q++ != ':')
            continue;
        while (*q == ' ' || *q == '\t')
            q++;
        if (!strncasecmp(q, value, vl) &&
            (!q[vl] || q[vl] == ';' || q[vl] == ' ' || q[vl] == '!'))
            return 1;
    }
    return 0;
}

/* Hidden by an attribute, or a role that is not the article. */
static int hidden_or_chrome_role(const GumboNode *n)
{
    if (html_attr(n, "hidden"))
        return 1;
    const char *aria = html_attr(n, "aria-hidden");
    if (aria && !strcasecmp(aria, "true"))
        return 1;
    const char *style = html_attr(n, "style");
    if (style && (style_is(style, "display", "none") ||
                  style_is(style, "visibility", "hidden")))
        return 1;
    const char *role = html_attr(n, "role");
    static const char *const roles[] = {"navigation", "complementary", "banner",
                                        "contentinfo", "menu", "menubar", "dialog",
                                        "alert", "search", NULL};
    for (size_t i = 0; role && roles[i]; i++)
        if (!strcasecmp(role, roles[i]))
            return 1;
    return 0;
}

/* Blocks named for sharing ("share-bar", "post_sharing") are share bars
 * when they hold less text than this; a section named
 * "sharing-with-a-team" that holds a chapter is not. */
#define SHARE_MAX 500

static int names_share(const char *s)
{
    for (const char *p = s; p && (p = strcasestr(p, "shar")); p++) {
        int start = p == s || p[-1] == '-' || p[-1] == '_' || p[-1] == ' ';
        const char *e = !strncasecmp(p, "sharing", 7)    ? p + 7
                        : !strncasecmp(p, "sharedaddy", 10) ? p + 10
                        : !strncasecmp(p, "share", 5)      ? p + 5
                                                           : NULL;
        if (start && e && (!*e || *e == '-' || *e == '_' || *e == ' '))
            return 1;
    }
    return 0;
}

static int share_block(const struct content *c, const GumboNode *n)
{
    return !c->relaxed && (names_share(html_attr(n, "class")) ||
                           names_share(html_attr(n, "id")));
}

/* Is this element navigation, chrome or hidden, and never content? In a
 * relaxed pass, class and id names no longer say so. */
static int unlikely(const struct content *c, const GumboNode *n)
{
    if (n->type != GUMBO_NODE_ELEMENT)
        return 0;
    GumboTag t = n->v.element.tag;
    if (dropped_tag(t) || hidden_or_chrome_role(n))
        return 1;
    if (c->relaxed || t == GUMBO_TAG_BODY || t == GUMBO_TAG_ARTICLE ||
        t == GUMBO_TAG_MAIN || t == GUMBO_TAG_A)
        return 0;
    const char *cls = html_attr(n, "class"), *id = html_attr(n, "id");
    const char *ip = html_attr(n, "itemprop");
    if (ip && strcasestr(ip, "articleBody"))
        return 0;
    int bad = matches_any(cls, unlikely_words) || matches_any(id, unlikely_words);
    int maybe = matches_any(cls, maybe_words) || matches_any(id, maybe_words);
    return bad && !maybe;
}

static double class_weight(const GumboNode *n)
{
    double w = 0;
    const char *names[2] = {html_attr(n, "class"), html_attr(n, "id")};
    for (int i = 0; i < 2; i++) {
        if (matches_any(names[i], negative_words))
            w -= 25;
        if (matches_any(names[i], positive_words))
            w += 25;
    }
    const char *ip = html_attr(n, "itemprop");
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

int content_is_block(GumboTag t)
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

/* ---- scoring --------------------------------------------------------------- */

/* A paragraph scores its ancestors this many levels up, the first fully,
 * the second by half, the ones above by a third of their level, as
 * Readability does: a block of several steps, each its own nest of divs,
 * still adds up above them. */
#define LEVELS 5

struct visit {
    size_t text, links, commas;
    /* up[k]: the paragraph scores of the nodes k levels below this one
     * (up[0] its own, as a paragraph). */
    double up[LEVELS + 1];
    int has_block;
};

static double level_divider(int k)
{
    return k == 1 ? 1 : k == 2 ? 2 : k * 3;
}

/* Is the UTF-8 sequence at p a comma: ',' or one of the commas of other
 * scripts Readability counts (Arabic, fullwidth, small, ...)? */
static int is_comma(const unsigned char *p)
{
    if (*p == ',')
        return 1;
    if (p[0] == 0xD8 && p[1] == 0x8C) /* U+060C */
        return 1;
    if (p[0] == 0xEF && ((p[1] == 0xB9 && p[2] == 0x90) ||  /* U+FE50 */
                         (p[1] == 0xB8 && (p[2] == 0x90 || p[2] == 0x91)) ||
                         (p[1] == 0xBC && p[2] == 0x8C))) /* U+FF0C */
        return 1;
    return p[0] == 0xE2 && p[1] == 0xB9 &&
           (p[2] == 0x81 || p[2] == 0xB4 || p[2] == 0xB2); /* U+2E41, 2E34, 2E32 */
}

/* Characters (white space aside) and commas of a text node: characters,
 * not bytes, so that a paragraph of Chinese weighs as Readability weighs
 * it. */
static struct visit score_text(const GumboNode *n, int in_link)
{
    struct visit v = {0};
    const unsigned char *s = (const unsigned char *)n->v.text.text;
    for (const unsigned char *p = s; *p; p++) {
        v.commas += is_comma(p);
        v.text += *p != ' ' && *p != '\n' && *p != '\t' && (*p & 0xC0) != 0x80;
    }
    if (in_link)
        v.links = v.text;
    return v;
}

/* Keep the TOP_N best candidates, best first. */
static void remember_top(struct content *c, const GumboNode *n, double score)
{
    int i = TOP_N;
    while (i > 0 && (!c->top[i - 1] || c->top_score[i - 1] < score))
        i--;
    if (i == TOP_N)
        return;
    memmove(c->top + i + 1, c->top + i, (TOP_N - 1 - (size_t)i) * sizeof c->top[0]);
    memmove(c->top_score + i + 1, c->top_score + i,
            (TOP_N - 1 - (size_t)i) * sizeof c->top_score[0]);
    c->top[i] = n;
    c->top_score[i] = score;
}

/* Record element n's lengths and, when paragraphs below it scored, its own
 * score as a candidate. */
static void score_element(struct content *c, const GumboNode *n, const struct visit *v,
                          double score, int scored)
{
    struct node_info *info = table_add(c, n);
    if (!info) {
        c->oom = 1;
        return;
    }
    info->text = v->text;
    info->links = v->links;
    info->commas = v->commas;
    if (scored) {
        score += class_weight(n) + tag_weight(n->v.element.tag);
        double density = v->text ? (double)v->links / (double)v->text : 0;
        score *= 1.0 - density;
        info->score = score;
        info->scored = 1;
        remember_top(c, n, score);
    }
}

/* A div holding one <p> and nothing else is that paragraph (one page puts
 * every paragraph in a div): it is no level of its own. */
static int wraps_one_p(const GumboNode *n)
{
    const GumboVector *ch = &n->v.element.children;
    const GumboNode *only = NULL;
    for (unsigned i = 0; i < ch->length; i++) {
        const GumboNode *k = ch->data[i];
        if (k->type == GUMBO_NODE_TEXT || k->type == GUMBO_NODE_CDATA)
            return 0;
        if (k->type != GUMBO_NODE_ELEMENT)
            continue;
        if (only)
            return 0;
        only = k;
    }
    return only && only->v.element.tag == GUMBO_TAG_P;
}

static int is_paragraph(GumboTag t, const struct visit *v)
{
    switch (t) {
    case GUMBO_TAG_P: case GUMBO_TAG_PRE: case GUMBO_TAG_TD: case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
        return 1;
    case GUMBO_TAG_DIV: case GUMBO_TAG_SECTION:
        return !v->has_block;
    case GUMBO_TAG_LI:
        /* A list item of links is a menu's, not the article's. */
        return !v->has_block && v->links * 2 <= v->text;
    default:
        return 0;
    }
}

/* Post-order: lengths and link lengths of every element, paragraph
 * scores added to their ancestors, the best candidates remembered. */
static struct visit score_node(struct content *c, const GumboNode *n, int depth, int in_link)
{
    struct visit v = {0};
    if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_CDATA)
        return score_text(n, in_link);
    if (n->type != GUMBO_NODE_ELEMENT || depth > MAX_DEPTH * 2 || unlikely(c, n))
        return v;
    GumboTag t = n->v.element.tag;
    int link = in_link || t == GUMBO_TAG_A;
    const GumboVector *ch = &n->v.element.children;
    for (unsigned i = 0; i < ch->length; i++) {
        struct visit k = score_node(c, ch->data[i], depth + 1, link);
        v.text += k.text;
        v.links += k.links;
        v.commas += k.commas;
        v.has_block |= k.has_block;
        for (int l = 0; l < LEVELS; l++)
            v.up[l + 1] += k.up[l];
        const GumboNode *cn = ch->data[i];
        if (cn->type == GUMBO_NODE_ELEMENT && content_is_block(cn->v.element.tag))
            v.has_block = 1;
    }
    if (v.text < SHARE_MAX && share_block(c, n)) {
        struct node_info *info = table_add(c, n);
        if (!info)
            c->oom = 1;
        else
            info->chrome = 1;
        return (struct visit){0};
    }
    if (t == GUMBO_TAG_DIV && wraps_one_p(n) && v.links * 4 < v.text + (v.text == 0)) {
        memmove(v.up, v.up + 1, LEVELS * sizeof v.up[0]);
        v.up[LEVELS] = 0;
        score_element(c, n, &v, 0, 0);
        return v;
    }
    /* 1 + 1 a comma (Readability counts the pieces the commas make) + 1 for
     * every 100 characters, at most 3. */
    if (is_paragraph(t, &v) && v.text >= MIN_PARAGRAPH) {
        size_t hundreds = v.text / 100;
        v.up[0] = 2.0 + (double)v.commas + (double)(hundreds > 3 ? 3 : hundreds);
    }
    double score = 0;
    int scored = 0;
    for (int l = 1; l <= LEVELS; l++) {
        score += v.up[l] / level_divider(l);
        scored |= v.up[l] > 0;
    }
    score_element(c, n, &v, score, scored);
    return v;
}

/* ---- the top candidate --------------------------------------------------- */

/* The score of n as a candidate: what paragraphs gave it, or for a block
 * nothing scored, what its tag and names weigh. */
static double candidate_score(const struct content *c, const GumboNode *n)
{
    const struct node_info *info = table_find(c, n);
    if (info && info->scored)
        return info->score;
    return class_weight(n) + tag_weight(n->v.element.tag);
}

static int is_inside(const GumboNode *n, const GumboNode *ancestor)
{
    for (const GumboNode *p = n->parent; p; p = p->parent)
        if (p == ancestor)
            return 1;
    return 0;
}

/* Several candidates scoring close to the best (at least three of the
 * others at 3/4 of its score) and sharing an ancestor: the article is that
 * ancestor, whose parts are each a candidate (a page of steps, each in its
 * own box). */
static const GumboNode *shared_ancestor(const struct content *c, const GumboNode *top,
                                        const GumboNode *body)
{
    const GumboNode *close[TOP_N];
    size_t n = 0;
    for (size_t i = 1; i < TOP_N && c->top[i]; i++)
        if (c->top_score[i] >= c->top_score[0] * 0.75)
            close[n++] = c->top[i];
    if (n < 3)
        return top;
    for (const GumboNode *p = top->parent; p && p != body; p = p->parent) {
        size_t inside = 0;
        for (size_t i = 0; i < n; i++)
            inside += is_inside(close[i], p);
        if (inside >= 3)
            return p;
    }
    return top;
}

static size_t element_count(const GumboNode *n)
{
    size_t k = 0;
    const GumboVector *ch = &n->v.element.children;
    for (unsigned i = 0; i < ch->length; i++)
        k += ((const GumboNode *)ch->data[i])->type == GUMBO_NODE_ELEMENT;
    return k;
}

/* The best candidate, then Readability's corrections: a shared ancestor of
 * close candidates; a parent scoring better than its child, climbing
 * while the scores stay above a third of the best; a parent of which the
 * candidate is the only element. */
static void choose_top(struct content *c, const GumboNode *body)
{
    const GumboNode *top = c->top[0];
    if (!top)
        return;
    top = shared_ancestor(c, top, body);
    double last = candidate_score(c, top), floor = last / 3;
    for (const GumboNode *p = top->parent;
         p && p != body && p->type == GUMBO_NODE_ELEMENT; p = p->parent) {
        const struct node_info *info = table_find(c, p);
        if (!info || !info->scored)
            continue;
        if (info->score < floor)
            break;
        if (info->score > last) {
            top = p;
            break;
        }
        last = info->score;
    }
    for (const GumboNode *p = top->parent;
         p && p != body && p->type == GUMBO_NODE_ELEMENT && element_count(p) == 1;
         p = p->parent)
        top = p;
    c->best = top;
    c->best_score = candidate_score(c, top);
}

int content_score(struct content *c, const GumboNode *body, int relaxed)
{
    *c = (struct content){.relaxed = relaxed};
    score_node(c, body, 0, 0);
    if (!c->oom)
        choose_top(c, body);
    return c->oom ? -1 : 0;
}

void content_free(struct content *c)
{
    free(c->slots);
    c->slots = NULL;
}

/* ---- choosing ---------------------------------------------------------------- */

const GumboNode *content_best(const struct content *c)
{
    return c->best;
}

size_t content_text_len(const struct content *c, const GumboNode *n)
{
    const struct node_info *info = table_find(c, n);
    return info ? info->text : 0;
}

/* Inside the chosen content, blocks that are mostly links (share bars,
 * lists of related stories, tag clouds) are chrome too. */
static int link_heavy(const struct content *c, const GumboNode *n)
{
    /* The blocks Readability cleans away by their links, and paragraphs;
     * not the items of a list, which go or stay with it, nor an ordered
     * list (footnotes, steps). */
    GumboTag t = n->v.element.tag;
    if (t != GUMBO_TAG_P && t != GUMBO_TAG_DIV && t != GUMBO_TAG_SECTION &&
        t != GUMBO_TAG_UL && t != GUMBO_TAG_TABLE)
        return 0;
    const struct node_info *info = table_find(c, n);
    if (!info || !info->text)
        return 0;
    /* Ten commas make prose or a list of references, not a menu. */
    if (info->commas >= 10)
        return 0;
    double density = (double)info->links / (double)info->text;
    if (t == GUMBO_TAG_P)
        return density > 0.8 && info->text < 120;
    return density > 0.5;
}

int content_is_chrome(const struct content *c, const GumboNode *n)
{
    if (unlikely(c, n))
        return 1;
    const struct node_info *info = table_find(c, n);
    return (info && info->chrome) || link_heavy(c, n);
}

static int same_class(const GumboNode *a, const GumboNode *b)
{
    const char *ca = html_attr(a, "class"), *cb = html_attr(b, "class");
    return ca && cb && *ca && !strcmp(ca, cb);
}

/* Does sibling s of the best block belong to the article: does it score
 * nearly as well (a fifth of the best's score more when it has the same
 * class: another step, another part), or is it a good paragraph of its
 * own? */
static int keeps_sibling(const struct content *c, const GumboNode *s, double threshold)
{
    if (s->type != GUMBO_NODE_ELEMENT || unlikely(c, s))
        return 0;
    const struct node_info *info = table_find(c, s);
    if (!info || info->chrome)
        return 0;
    double bonus = same_class(s, c->best) ? c->best_score * 0.2 : 0;
    int keep = info->scored && info->score + bonus >= threshold;
    if (!keep && s->v.element.tag == GUMBO_TAG_P && info->text) {
        double density = (double)info->links / (double)info->text;
        keep = (info->text > 80 && density < 0.25) ||
               (info->text > 0 && density == 0 && info->text >= MIN_PARAGRAPH);
    }
    return keep;
}

void content_each_chosen(const struct content *c,
                         void (*fn)(const GumboNode *n, void *ctx), void *ctx)
{
    const GumboNode *top = c->best;
    const GumboNode *parent = top->parent;
    if (!parent || parent->type != GUMBO_NODE_ELEMENT) {
        fn(top, ctx);
        return;
    }
    double threshold = c->best_score * 0.2 > 10 ? c->best_score * 0.2 : 10;
    const GumboVector *sib = &parent->v.element.children;
    for (unsigned i = 0; i < sib->length; i++) {
        const GumboNode *s = sib->data[i];
        if (s == top || keeps_sibling(c, s, threshold))
            fn(s, ctx);
    }
}
