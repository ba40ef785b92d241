/* Taxonomy files (YAML) compiled into a word-level Aho-Corasick automaton:
 * every term is a sequence of word stems (or, for a single word written
 * with capitals such as "NATO", that exact word), so one pass over a
 * document's words finds every term and phrase of every topic at once. */
#include <libgen.h>
#include <libstemmer.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/grow.h"
#include "base/hash.h"
#include "base/memo.h"
#include "topics.h"

#define MAX_WORD 64
#define MAX_DEPTH 32
#define MAX_INCLUDE 8

/* ---- words --------------------------------------------------------------- */

/* Length of the separator at p (0 when p starts a word character): ASCII
 * non-alphanumerics, and the UTF-8 punctuation that joins news text
 * (curly quotes, dashes, no-break space, guillemets). */
static size_t separator_len(const unsigned char *p, const unsigned char *end)
{
    if (*p < 0x80)
        return ((*p | 32) >= 'a' && (*p | 32) <= 'z') || (*p >= '0' && *p <= '9') ? 0 : 1;
    if (*p == 0xC2 && p + 1 < end && p[1] >= 0xA0 && p[1] <= 0xBF)
        return 2; /* U+00A0..U+00BF: no-break space, « », ¡ ¿ ° ... */
    if (*p == 0xE2 && p + 2 < end && (p[1] == 0x80 || p[1] == 0x81))
        return 3; /* U+2000..U+207F: general punctuation */
    return 0;
}

typedef void (*word_fn)(const char *w, size_t n, void *ctx);

/* Call fn for each word of two bytes or more (longer ones cut at
 * MAX_WORD bytes). */
static void split_words(const char *text, size_t len, word_fn fn, void *ctx)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + len;
    while (p < end) {
        size_t s;
        while (p < end && (s = separator_len(p, end)))
            p += s;
        const unsigned char *start = p;
        while (p < end && !separator_len(p, end))
            p++;
        size_t n = (size_t)(p - start);
        if (n >= 2)
            fn((const char *)start, n > MAX_WORD ? MAX_WORD : n, ctx);
    }
}

/* The stem of a word, lower-cased first; into out (NUL-terminated). */
static size_t stem_word(struct sb_stemmer *st, const char *w, size_t n,
                        char out[MAX_WORD + 1])
{
    char low[MAX_WORD];
    for (size_t i = 0; i < n; i++)
        low[i] = (char)(w[i] >= 'A' && w[i] <= 'Z' ? w[i] + 32 : w[i]);
    const sb_symbol *s = sb_stemmer_stem(st, (const sb_symbol *)low, (int)n);
    size_t sl = s ? (size_t)sb_stemmer_length(st) : n;
    if (!s)
        s = (const sb_symbol *)low;
    if (sl > MAX_WORD)
        sl = MAX_WORD;
    memcpy(out, s, sl);
    out[sl] = '\0';
    return sl;
}

static int has_upper(const char *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (w[i] >= 'A' && w[i] <= 'Z')
            return 1;
    return 0;
}

/* ---- vocabularies ---------------------------------------------------------- */

static uint64_t hash_str(const char *s, size_t n)
{
    uint64_t h = hash_fnv1a(s, n, HASH_FNV1A_SEED);
    return h ^ (h >> 29);
}

static int32_t vocab_get(const struct vocab *v, const char *s, size_t n)
{
    if (!v->cap)
        return -1;
    for (size_t i = hash_str(s, n) & (v->cap - 1);; i = (i + 1) & (v->cap - 1)) {
        if (!v->keys[i])
            return -1;
        if (!strncmp(v->keys[i], s, n) && !v->keys[i][n])
            return v->ids[i];
    }
}

/* Add s with id if absent; returns the id stored, or -2 when out of
 * memory. */
static int32_t vocab_put(struct vocab *v, const char *s, size_t n, int32_t id)
{
    int32_t old = vocab_get(v, s, n);
    if (old >= 0)
        return old;
    if ((v->n + 1) * 2 > v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 256;
        struct vocab g = {calloc(cap, sizeof(char *)), calloc(cap, sizeof(int32_t)), cap, 0};
        if (!g.keys || !g.ids) {
            free(g.keys);
            free(g.ids);
            return -2;
        }
        for (size_t i = 0; i < v->cap; i++) {
            if (!v->keys[i])
                continue;
            size_t j = hash_str(v->keys[i], strlen(v->keys[i])) & (cap - 1);
            while (g.keys[j])
                j = (j + 1) & (cap - 1);
            g.keys[j] = v->keys[i];
            g.ids[j] = v->ids[i];
        }
        g.n = v->n;
        free(v->keys);
        free(v->ids);
        *v = g;
    }
    size_t i = hash_str(s, n) & (v->cap - 1);
    while (v->keys[i])
        i = (i + 1) & (v->cap - 1);
    if (!(v->keys[i] = strndup(s, n)))
        return -2;
    v->ids[i] = id;
    v->n++;
    return id;
}

static void vocab_free(struct vocab *v)
{
    for (size_t i = 0; i < v->cap; i++)
        free(v->keys[i]);
    free(v->keys);
    free(v->ids);
    memset(v, 0, sizeof *v);
}

/* ---- building ------------------------------------------------------------- */

/* The trie while it grows: edges per node in small arrays. */
struct build_node {
    struct edge *e;
    size_t n, cap;
    int32_t pattern;
};

struct builder {
    struct taxonomy *t;
    struct sb_stemmer *st;
    struct build_node *nodes;
    size_t nnodes, cap;
    int32_t *root_child; /* by symbol: the root's child, or -1 */
    size_t root_cap;
    size_t patterns_cap;
    const char *file; /* the file being read */
    int depth;        /* of includes */
    /* per topic: the file that defined it, its parent's id and where
     * that was given */
    const char **topic_file;
    char **parents;
    int *parent_line, *parent_col;
    char **files; /* every file read, for the above */
    size_t nfiles;
    char *err;
    size_t errlen;
    int failed;
    /* the term being split */
    int32_t syms[64];
    size_t nsyms;
    int too_long;
};

static void vfail(struct builder *b, const char *file, int line, int col,
                  const char *fmt, va_list ap)
{
    if (b->failed)
        return;
    b->failed = 1;
    int off = snprintf(b->err, b->errlen, "%s:%d:%d: ", file, line, col);
    if (off >= 0 && (size_t)off < b->errlen)
        vsnprintf(b->err + off, b->errlen - (size_t)off, fmt, ap);
}

static void fail_at(struct builder *b, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail_at(struct builder *b, const yaml_node_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(b, b->file, n ? (int)n->start_mark.line + 1 : 1,
          n ? (int)n->start_mark.column + 1 : 1, fmt, ap);
    va_end(ap);
}

static void fail_parent(struct builder *b, size_t topic, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail_parent(struct builder *b, size_t topic, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(b, b->topic_file[topic], b->parent_line[topic], b->parent_col[topic],
          fmt, ap);
    va_end(ap);
}

static int32_t new_node(struct builder *b)
{
    struct build_node *g = array_grow(b->nodes, &b->cap, b->nnodes + 1,
                                      sizeof *g, 1024);
    if (!g)
        return -1;
    b->nodes = g;
    b->nodes[b->nnodes] = (struct build_node){.pattern = -1};
    return (int32_t)b->nnodes++;
}

static int32_t child(struct builder *b, int32_t node, int32_t sym)
{
    struct build_node *n = &b->nodes[node];
    if (node == 0) {
        /* The root has an edge for every first word of every term: look
         * them up by symbol, not one by one. */
        if ((size_t)sym >= b->root_cap) {
            size_t cap = b->root_cap;
            int32_t *g = array_grow(b->root_child, &cap, (size_t)sym + 1,
                                    sizeof *g, 1024);
            if (!g)
                return -1;
            for (size_t i = b->root_cap; i < cap; i++)
                g[i] = -1;
            b->root_child = g;
            b->root_cap = cap;
        }
        if (b->root_child[sym] >= 0)
            return b->root_child[sym];
    } else {
        for (size_t i = 0; i < n->n; i++)
            if (n->e[i].sym == sym)
                return (int32_t)n->e[i].to;
    }
    int32_t c = new_node(b);
    if (c < 0)
        return -1;
    if (node == 0)
        b->root_child[sym] = c;
    n = &b->nodes[node]; /* new_node may have moved it */
    struct edge *g = array_grow(n->e, &n->cap, n->n + 1, sizeof *g, 2);
    if (!g)
        return -1;
    n->e = g;
    n->e[n->n++] = (struct edge){sym, (uint32_t)c};
    return c;
}

static int32_t new_pattern(struct builder *b)
{
    struct taxonomy *t = b->t;
    struct pattern *g = array_grow(t->patterns, &b->patterns_cap,
                                   t->npatterns + 1, sizeof *g, 256);
    if (!g)
        return -1;
    t->patterns = g;
    t->patterns[t->npatterns] = (struct pattern){0};
    return (int32_t)t->npatterns++;
}

static int add_hit(struct pattern *p, uint32_t topic, float w, const char *term)
{
    for (size_t i = 0; i < p->nhits; i++)
        if (p->hits[i].topic == topic) {
            /* Terms that stem alike ("fan", "fans") are one term: it
             * counts once, with the weight of larger magnitude. */
            if (fabsf(w) > fabsf(p->hits[i].weight)) {
                char *dup = strdup(term);
                if (!dup)
                    return -1;
                free(p->hits[i].term);
                p->hits[i].term = dup;
                p->hits[i].weight = w;
            }
            return 0;
        }
    struct hit *g = realloc(p->hits, (p->nhits + 1) * sizeof *g);
    if (!g)
        return -1;
    p->hits = g;
    char *dup = strdup(term);
    if (!dup)
        return -1;
    p->hits[p->nhits++] = (struct hit){topic, w, dup};
    return 0;
}

static void on_term_word(const char *w, size_t n, void *ctx)
{
    struct builder *b = ctx;
    if (b->nsyms == sizeof b->syms / sizeof b->syms[0]) {
        b->too_long = 1;
        return;
    }
    /* Terms share most of their words: each is stemmed once, and its
     * symbol is in the memo that matching reads (a stem keeps its symbol
     * once it has one). */
    char kept[MEMO_MAX];
    int32_t id;
    if (memo_get(b->t->symbols, w, n, kept) == sizeof id) {
        memcpy(&id, kept, sizeof id);
    } else {
        char stem[MAX_WORD + 1];
        size_t sl = stem_word(b->st, w, n, stem);
        id = vocab_put(&b->t->stems, stem, sl, (int32_t)b->t->stems.n);
        if (id >= 0)
            memo_put(b->t->symbols, w, n, &id, sizeof id);
    }
    b->syms[b->nsyms++] = id;
}

static void add_term(struct builder *b, const yaml_node_t *at, const char *term,
                     double weight, uint32_t topic)
{
    size_t len = strlen(term);
    int32_t pat;
    /* The first word decides: is the term one word with capitals? */
    const char *s = term;
    while (*s == ' ')
        s++;
    size_t wl = strcspn(s, " \t-'/.,");
    if (has_upper(s, wl) && !s[wl] && wl >= 2) {
        pat = vocab_get(&b->t->exact, s, wl);
        if (pat < 0) {
            pat = new_pattern(b);
            if (pat < 0 || vocab_put(&b->t->exact, s, wl, pat) < 0)
                goto oom;
        }
    } else {
        b->nsyms = 0;
        b->too_long = 0;
        split_words(term, len, on_term_word, b);
        if (b->too_long) {
            fail_at(b, at, "term \"%s\" is longer than 64 words", term);
            return;
        }
        if (!b->nsyms) {
            fail_at(b, at, "term \"%s\" has no word of two letters or more", term);
            return;
        }
        int32_t node = 0;
        for (size_t i = 0; i < b->nsyms; i++) {
            if (b->syms[i] < 0 || (node = child(b, node, b->syms[i])) < 0)
                goto oom;
        }
        pat = b->nodes[node].pattern;
        if (pat < 0) {
            if ((pat = new_pattern(b)) < 0)
                goto oom;
            b->nodes[node].pattern = pat;
        }
    }
    if (add_hit(&b->t->patterns[pat], topic, (float)weight, term) == 0)
        return;
oom:
    fail_at(b, at, "out of memory");
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int parse_weight(const char *s, double *w)
{
    char *end;
    *w = strtod(s, &end);
    return end != s && !*end && isfinite(*w) && *w >= -100 && *w <= 100 ? 0 : -1;
}

static void read_terms(struct builder *b, yaml_document_t *doc,
                       yaml_node_t *terms, uint32_t topic)
{
    if (terms->type == YAML_MAPPING_NODE) {
        yaml_node_pair_t *pairs = terms->data.mapping.pairs.start;
        struct vocab seen = {0}; /* term -> the index of its pair */
        for (yaml_node_pair_t *p = pairs;
             !b->failed && p < terms->data.mapping.pairs.top; p++) {
            yaml_node_t *k = yaml_document_get_node(doc, p->key);
            yaml_node_t *v = yaml_document_get_node(doc, p->value);
            double w;
            int32_t at = (int32_t)(p - pairs), first = at;
            if (scalar(k) &&
                (first = vocab_put(&seen, scalar(k), strlen(scalar(k)), at)) == -2) {
                fail_at(b, k, "out of memory");
            } else if (!scalar(k)) {
                fail_at(b, k, "expected a term (a word or phrase)");
            } else if (first != at) {
                fail_at(b, k, "duplicate term \"%s\" (first given at line %d)",
                        scalar(k), (int)yaml_document_get_node(
                            doc, pairs[first].key)->start_mark.line + 1);
            } else if (!scalar(v) || parse_weight(scalar(v), &w) < 0) {
                fail_at(b, v, "term \"%s\": expected a weight, a number from "
                        "-100 to 100", scalar(k));
            } else {
                add_term(b, k, scalar(k), w, topic);
            }
        }
        vocab_free(&seen);
    } else if (terms->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *it = terms->data.sequence.items.start;
             !b->failed && it < terms->data.sequence.items.top; it++) {
            yaml_node_t *n = yaml_document_get_node(doc, *it);
            if (!scalar(n))
                fail_at(b, n, "expected a term (a word or phrase); for a "
                        "weight write the terms as a mapping, term: weight");
            else
                add_term(b, n, scalar(n), 1.0, topic);
        }
    } else {
        fail_at(b, terms, "terms: expected a mapping of term: weight, or a "
                "list of terms");
    }
}

static void read_topic(struct builder *b, yaml_document_t *doc, yaml_node_t *n)
{
    struct taxonomy *t = b->t;
    if (n->type != YAML_MAPPING_NODE) {
        fail_at(b, n, "expected a topic: a mapping with id, label and terms");
        return;
    }
    yaml_node_t *id = NULL, *label = NULL, *parent = NULL, *terms = NULL;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        const char *key = scalar(k);
        yaml_node_t **slot = !key ? NULL
                             : !strcmp(key, "id") ? &id
                             : !strcmp(key, "label") ? &label
                             : !strcmp(key, "parent") ? &parent
                             : !strcmp(key, "terms") ? &terms : NULL;
        if (!slot) {
            fail_at(b, k, "unknown key \"%s\" in a topic; valid keys are id, "
                    "label, parent, terms", key ? key : "?");
            return;
        }
        *slot = v;
    }
    if (!scalar(id) || !*scalar(id)) {
        fail_at(b, id ? id : n, "a topic needs an id (a string such as "
                "medtop:04000000)");
        return;
    }
    for (size_t i = 0; i < t->ntopics; i++) {
        if (strcmp(t->topics[i].id, scalar(id)))
            continue;
        /* A topic of another file (an including or included one) gets
         * more terms; in one file an id is given once. */
        if (b->topic_file[i] == b->file) {
            fail_at(b, id, "duplicate topic id \"%s\"", scalar(id));
        } else if (label || parent) {
            fail_at(b, label ? label : parent, "topic \"%s\" is defined in %s: "
                    "here it may only add terms (give id and terms only)",
                    scalar(id), b->topic_file[i]);
        } else if (terms) {
            read_terms(b, doc, terms, (uint32_t)i);
        }
        return;
    }
    if (label && !scalar(label)) {
        fail_at(b, label, "label: expected a string");
        return;
    }
    if (parent && !scalar(parent)) {
        fail_at(b, parent, "parent: expected a topic id");
        return;
    }
    size_t n1 = t->ntopics + 1;
    struct topic *g = realloc(t->topics, n1 * sizeof *g);
    if (g)
        t->topics = g;
    char **pg = realloc(b->parents, n1 * sizeof *pg);
    if (pg)
        b->parents = pg;
    const char **fg = realloc(b->topic_file, n1 * sizeof *fg);
    if (fg)
        b->topic_file = fg;
    int *lg = realloc(b->parent_line, n1 * sizeof *lg);
    if (lg)
        b->parent_line = lg;
    int *cg = realloc(b->parent_col, n1 * sizeof *cg);
    if (cg)
        b->parent_col = cg;
    if (!g || !pg || !fg || !lg || !cg) {
        fail_at(b, n, "out of memory");
        return;
    }
    uint32_t k = (uint32_t)t->ntopics++;
    t->topics[k] = (struct topic){strdup(scalar(id)),
                                  strdup(label ? scalar(label) : scalar(id)), -1};
    b->parents[k] = parent ? strdup(scalar(parent)) : NULL;
    b->topic_file[k] = b->file;
    b->parent_line[k] = parent ? (int)parent->start_mark.line + 1 : 1;
    b->parent_col[k] = parent ? (int)parent->start_mark.column + 1 : 1;
    if (terms)
        read_terms(b, doc, terms, k);
}

/* Resolve parent ids to indexes; refuse unknown ids and cycles. */
static void link_parents(struct builder *b)
{
    struct taxonomy *t = b->t;
    for (size_t i = 0; !b->failed && i < t->ntopics; i++) {
        if (!b->parents[i])
            continue;
        for (size_t j = 0; j < t->ntopics; j++)
            if (!strcmp(t->topics[j].id, b->parents[i]))
                t->topics[i].parent = (int)j;
        if (t->topics[i].parent < 0)
            fail_parent(b, i, "topic %s: parent \"%s\" is not a topic of this "
                        "taxonomy", t->topics[i].id, b->parents[i]);
    }
    for (size_t i = 0; !b->failed && i < t->ntopics; i++) {
        int p = t->topics[i].parent, depth = 0;
        while (p >= 0 && depth++ < MAX_DEPTH)
            p = t->topics[p].parent;
        if (p >= 0)
            fail_parent(b, i, "topic %s: parents form a cycle or nest deeper "
                        "than %d", t->topics[i].id, MAX_DEPTH);
    }
}

static int cmp_edge(const void *a, const void *b)
{
    const struct edge *x = a, *y = b;
    return x->sym < y->sym ? -1 : x->sym > y->sym;
}

static int64_t find_edge(const struct taxonomy *t, uint32_t node, int32_t sym)
{
    if (node == 0 && t->root)
        return t->root[sym];
    const struct ac_node *n = &t->nodes[node];
    size_t lo = n->first_edge, hi = lo + n->nedges;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->edges[mid].sym == sym)
            return t->edges[mid].to;
        if (t->edges[mid].sym < sym)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Flatten the trie and add the failure and dictionary links (breadth
 * first, as Aho and Corasick do). */
static int compile(struct builder *b)
{
    struct taxonomy *t = b->t;
    size_t nn = b->nnodes, ne = 0;
    for (size_t i = 0; i < nn; i++)
        ne += b->nodes[i].n;
    t->nodes = calloc(nn, sizeof *t->nodes);
    t->edges = malloc((ne ? ne : 1) * sizeof *t->edges);
    uint32_t *queue = malloc(nn * sizeof *queue);
    if (!t->nodes || !t->edges || !queue) {
        free(queue);
        return -1;
    }
    t->nnodes = nn;
    t->nedges = ne;
    size_t at = 0;
    for (size_t i = 0; i < nn; i++) {
        struct build_node *bn = &b->nodes[i];
        if (bn->n) {
            qsort(bn->e, bn->n, sizeof *bn->e, cmp_edge);
            memcpy(t->edges + at, bn->e, bn->n * sizeof *bn->e);
        }
        t->nodes[i] = (struct ac_node){(uint32_t)at, (uint32_t)bn->n, 0,
                                       bn->pattern, -1};
        at += bn->n;
    }
    size_t head = 0, tail = 0;
    queue[tail++] = 0;
    while (head < tail) {
        uint32_t u = queue[head++];
        const struct ac_node *un = &t->nodes[u];
        for (uint32_t e = un->first_edge; e < un->first_edge + un->nedges; e++) {
            uint32_t v = t->edges[e].to;
            int32_t sym = t->edges[e].sym;
            uint32_t f = 0;
            if (u != 0) {
                uint32_t x = un->fail;
                int64_t to;
                while ((to = find_edge(t, x, sym)) < 0 && x != 0)
                    x = t->nodes[x].fail;
                f = to >= 0 ? (uint32_t)to : 0;
            }
            t->nodes[v].fail = f;
            t->nodes[v].dict = t->nodes[f].pattern >= 0 ? (int32_t)f : t->nodes[f].dict;
            queue[tail++] = v;
        }
    }
    free(queue);
    /* The root's edges as a table (built last: find_edge above used the
     * edges themselves). */
    if (!(t->root = malloc((t->stems.n ? t->stems.n : 1) * sizeof *t->root)))
        return -1;
    for (size_t i = 0; i < t->stems.n; i++)
        t->root[i] = -1;
    for (uint32_t e = t->nodes[0].first_edge;
         e < t->nodes[0].first_edge + t->nodes[0].nedges; e++)
        t->root[t->edges[e].sym] = (int32_t)t->edges[e].to;
    return 0;
}

static void load_file(struct builder *b, const char *path, const char *from,
                      const yaml_node_t *at);

/* Read the file an `include:` names, relative to the directory of the
 * file naming it. */
static void load_include(struct builder *b, const yaml_node_t *n)
{
    if (!scalar(n) || !*scalar(n)) {
        fail_at(b, n, "include: expected a file name or a list of them");
        return;
    }
    if (b->depth >= MAX_INCLUDE) {
        fail_at(b, n, "include: files include each other more than %d deep "
                "(a cycle?)", MAX_INCLUDE);
        return;
    }
    char dir[PATH_MAX], full[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", b->file);
    const char *name = scalar(n);
    int len = name[0] == '/' ? snprintf(full, sizeof full, "%s", name)
                             : snprintf(full, sizeof full, "%s/%s", dirname(dir), name);
    if (len < 0 || (size_t)len >= sizeof full) {
        fail_at(b, n, "include: the path is too long");
        return;
    }
    const char *file = b->file;
    b->depth++;
    load_file(b, full, file, n);
    b->depth--;
    b->file = file;
}

static void load_includes(struct builder *b, yaml_document_t *doc, yaml_node_t *inc)
{
    if (inc->type != YAML_SEQUENCE_NODE) {
        load_include(b, inc);
        return;
    }
    for (yaml_node_item_t *it = inc->data.sequence.items.start;
         !b->failed && it < inc->data.sequence.items.top; it++)
        load_include(b, yaml_document_get_node(doc, *it));
}

/* Read one taxonomy file: its topics, then the files it includes. `from`
 * and `at` say where an included file was named (NULL for the first). */
static void load_file(struct builder *b, const char *path, const char *from,
                      const yaml_node_t *at)
{
    char **fg = realloc(b->files, (b->nfiles + 1) * sizeof *fg);
    if (!fg || !(fg[b->nfiles] = strdup(path))) {
        if (fg)
            b->files = fg;
        snprintf(b->err, b->errlen, "out of memory");
        b->failed = 1;
        return;
    }
    b->files = fg;
    const char *me = b->file = fg[b->nfiles++];
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (from)
            snprintf(b->err, b->errlen, "%s:%d:%d: cannot open the included "
                     "taxonomy %s: %m", from, (int)at->start_mark.line + 1,
                     (int)at->start_mark.column + 1, path);
        else
            snprintf(b->err, b->errlen, "cannot open the taxonomy %s: %m", path);
        b->failed = 1;
        return;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(b->err, b->errlen, "%s:%d:%d: YAML syntax error: %s", path,
                 (int)parser.problem_mark.line + 1,
                 (int)parser.problem_mark.column + 1,
                 parser.problem ? parser.problem : "malformed");
        b->failed = 1;
        yaml_parser_delete(&parser);
        fclose(f);
        return;
    }
    yaml_parser_delete(&parser);
    fclose(f);
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    yaml_node_t *list = NULL, *inc = NULL;
    if (root && root->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
             p < root->data.mapping.pairs.top; p++) {
            yaml_node_t *k = yaml_document_get_node(&doc, p->key);
            if (scalar(k) && !strcmp(scalar(k), "topics"))
                list = yaml_document_get_node(&doc, p->value);
            else if (scalar(k) && !strcmp(scalar(k), "include"))
                inc = yaml_document_get_node(&doc, p->value);
            else
                fail_at(b, k, "unknown key \"%s\"; a taxonomy has the keys "
                        "topics and include", scalar(k) ? scalar(k) : "?");
        }
    }
    if (!b->failed && (!list || list->type != YAML_SEQUENCE_NODE))
        fail_at(b, list ? list : root, "expected \"topics:\" with a list of "
                "topics");
    for (yaml_node_item_t *it = list && !b->failed ? list->data.sequence.items.start : NULL;
         it && !b->failed && it < list->data.sequence.items.top; it++)
        read_topic(b, &doc, yaml_document_get_node(&doc, *it));
    if (!b->failed && inc)
        load_includes(b, &doc, inc);
    b->file = me;
    if (!b->failed && !from && !b->t->ntopics)
        fail_at(b, list, "the list of topics is empty");
    yaml_document_delete(&doc);
}

int taxonomy_load(struct taxonomy *t, const char *path, struct sb_stemmer *st,
                  char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    struct builder b = {.t = t, .st = st, .file = path, .err = err, .errlen = errlen};
    if (!(t->symbols = memo_new(TAXONOMY_SYMBOL_MEMO)) || new_node(&b) < 0) {
        memo_free(t->symbols);
        t->symbols = NULL;
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    load_file(&b, path, NULL, NULL);
    if (!b.failed)
        link_parents(&b);
    if (!b.failed && compile(&b) < 0) {
        snprintf(err, errlen, "%s: out of memory", path);
        b.failed = 1;
    }
    for (size_t i = 0; i < t->ntopics; i++)
        free(b.parents ? b.parents[i] : NULL);
    free(b.parents);
    free(b.topic_file);
    free(b.parent_line);
    free(b.parent_col);
    t->files = b.files;
    t->nfiles = b.nfiles;
    for (size_t i = 0; i < b.nnodes; i++)
        free(b.nodes[i].e);
    free(b.nodes);
    free(b.root_child);
    if (b.failed) {
        taxonomy_free(t);
        return -1;
    }
    return 0;
}

void taxonomy_free(struct taxonomy *t)
{
    memo_free(t->symbols);
    t->symbols = NULL;
    if (t->compiled_in) {
        memset(t, 0, sizeof *t);
        return;
    }
    for (size_t i = 0; i < t->nfiles; i++)
        free(t->files[i]);
    free(t->files);
    for (size_t i = 0; i < t->ntopics; i++) {
        free(t->topics[i].id);
        free(t->topics[i].label);
    }
    for (size_t i = 0; i < t->npatterns; i++)
    {
        for (size_t h = 0; h < t->patterns[i].nhits; h++)
            free(t->patterns[i].hits[h].term);
        free(t->patterns[i].hits);
    }
    free(t->topics);
    free(t->patterns);
    free(t->nodes);
    free(t->edges);
    free(t->root);
    vocab_free(&t->stems);
    vocab_free(&t->exact);
    memset(t, 0, sizeof *t);
}

/* ---- matching ------------------------------------------------------------- */

struct scan {
    const struct taxonomy *t;
    struct sb_stemmer *st;
    uint32_t state;
    struct tally *y;
    unsigned times;
    size_t lead_words; /* words left in the lead */
};

static void found(struct scan *s, int32_t pattern)
{
    struct tally *y = s->y;
    if (!y->counts[pattern])
        y->found[y->nfound++] = (uint32_t)pattern;
    y->counts[pattern] += s->times;
    if (s->lead_words)
        y->lead[pattern] = 1;
}

/* The symbol of a word's stem, or -1 when no term has it. Words recur
 * (Zipf), in a document and from one document to the next: the
 * taxonomy's memo of word -> symbol saves most of the stemming. */
static int32_t word_symbol(struct scan *s, const char *w, size_t n)
{
    char kept[MEMO_MAX];
    int32_t sym;
    if (memo_get(s->t->symbols, w, n, kept) == sizeof sym) {
        memcpy(&sym, kept, sizeof sym);
        return sym;
    }
    char stem[MAX_WORD + 1];
    size_t sl = stem_word(s->st, w, n, stem);
    sym = vocab_get(&s->t->stems, stem, sl);
    memo_put(s->t->symbols, w, n, &sym, sizeof sym);
    return sym;
}

static void on_text_word(const char *w, size_t n, void *ctx)
{
    struct scan *s = ctx;
    const struct taxonomy *t = s->t;
    int exact = 0;
    if (has_upper(w, n)) {
        int32_t p = vocab_get(&t->exact, w, n);
        if (p >= 0) {
            found(s, p);
            exact = 1;
        }
    }
    int32_t sym = word_symbol(s, w, n);
    if (sym < 0) {
        s->state = 0; /* no term goes through a word no term has */
        if (s->lead_words)
            s->lead_words--;
        return;
    }
    /* A word its exact spelling names ("Congress", "US") is read that
     * way only: the one-word term of its stem does not count it again.
     * Phrases through it still match. */
    int64_t single = exact ? find_edge(t, 0, sym) : -1;
    uint32_t x = s->state;
    int64_t to;
    while ((to = find_edge(t, x, sym)) < 0 && x != 0)
        x = t->nodes[x].fail;
    s->state = to >= 0 ? (uint32_t)to : 0;
    const struct ac_node *nd = &t->nodes[s->state];
    int32_t m = nd->pattern >= 0 ? (int32_t)s->state : nd->dict;
    while (m >= 0) {
        if (m != single)
            found(s, t->nodes[m].pattern);
        m = t->nodes[m].dict;
    }
    if (s->lead_words)
        s->lead_words--;
}

void taxonomy_count(const struct taxonomy *t, struct sb_stemmer *st,
                    const char *text, size_t len, unsigned times,
                    struct tally *y, size_t lead_words)
{
    struct scan s = {t, st, 0, y, times, lead_words};
    split_words(text, len, on_text_word, &s);
}

int tally_init(struct tally *y, const struct taxonomy *t)
{
    size_t n = t->npatterns ? t->npatterns : 1;
    y->counts = calloc(2 * n, sizeof *y->counts);
    y->lead = y->counts ? y->counts + n : NULL;
    y->found = malloc(n * sizeof *y->found);
    y->nfound = 0;
    if (!y->counts || !y->found) {
        tally_free(y);
        return -1;
    }
    return 0;
}

void tally_clear(struct tally *y)
{
    for (size_t i = 0; i < y->nfound; i++)
        y->counts[y->found[i]] = y->lead[y->found[i]] = 0;
    y->nfound = 0;
}

void tally_free(struct tally *y)
{
    free(y->counts);
    free(y->found);
    memset(y, 0, sizeof *y);
}

static int by_pattern(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, z = *(const uint32_t *)b;
    return (x > z) - (x < z);
}

void tally_sort(struct tally *y)
{
    qsort(y->found, y->nfound, sizeof *y->found, by_pattern);
}

void taxonomy_score(const struct taxonomy *t, const struct tally *y, double lead_boost,
                    double *raw)
{
    double *own = calloc(t->ntopics, sizeof *own);
    double *dst = own ? own : raw;
    memset(raw, 0, t->ntopics * sizeof *raw);
    for (size_t i = 0; i < y->nfound; i++) {
        uint32_t p = y->found[i];
        double f = taxonomy_factor(y->counts[p], y->lead[p] != 0, lead_boost);
        for (size_t h = 0; h < t->patterns[p].nhits; h++)
            dst[t->patterns[p].hits[h].topic] += f * t->patterns[p].hits[h].weight;
    }
    if (!own)
        return;
    /* A subtopic's evidence is evidence for each of its ancestors (none
     * to give when it has none). */
    for (size_t i = 0; i < t->ntopics; i++)
        if (own[i] != 0)
            for (int k = (int)i; k >= 0; k = t->topics[k].parent)
                raw[k] += own[i];
    free(own);
}
