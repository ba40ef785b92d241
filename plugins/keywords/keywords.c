/* keywords: key phrases with scores. Candidates are the runs of content
 * words between stop words and punctuation (as in RAKE), kept up to three
 * words; phrases whose words stem alike ("trade talk", "trade talks")
 * merge; a phrase scores by how often its words occur in the document
 * and how often it occurs itself, with a boost for words of the title. */
#include <newsdesk/plugin.h>
#include <libstemmer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/grow.h"
#include "base/hash.h"
#include "base/memo.h"
#include "base/utf8.h"
#include "nlp/nlp.h"
#include "nlp/nlpstep.h"

#define MAX_PHRASE 3
/* Words whose verdict and stem are kept (about 64 bytes each). */
#define WORD_MEMO 16384

struct keywords {
    int64_t max;
    struct langgate gate;
    /* A word, after its language's code and a NUL -> "1" and its stem
     * when it can be part of a phrase, else "0". Words recur from one
     * document to the next: stemming is most of what a word costs. */
    struct memo *words;
};

static const nd_option_t options[] = {
    {"max", ND_OPT_INT, "10", ND_OPT_RANGE, 1, 100, NULL,
     "how many key phrases are kept, best first"},
    LANGGATE_OPTIONS("the stop words are English; "),
    {0},
};

static int keywords_init(nd_instance_t *self, const nd_opts_t *opts, void **state,
                         char *err, size_t errlen)
{
    (void)self;
    struct sb_stemmer *probe = sb_stemmer_new("english", "UTF_8");
    if (!probe) {
        snprintf(err, errlen, "libstemmer has no English stemmer");
        return -1;
    }
    sb_stemmer_delete(probe);
    struct keywords *k = malloc(sizeof *k);
    if (!k || !(k->words = memo_new(WORD_MEMO))) {
        if (k)
            memo_free(k->words);
        free(k);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    k->max = nd_opt_int(opts, "max");
    langgate_read(&k->gate, opts);
    *state = k;
    return 0;
}

struct word {
    uint32_t tok;
    uint32_t stem; /* index into the stem table */
};

struct phrase {
    size_t key;     /* stems joined by spaces (in ctx.strs) */
    uint32_t first; /* first word (index into words) of its first use */
    uint32_t len;
    uint32_t count;
    double score;
};

struct stem {
    size_t s;       /* in ctx.strs */
    uint32_t freq;
    int in_title;
    int proper; /* capitalised mid-sentence minus lower-case uses */
};

/* Open-addressing index from a string's hash to stems or phrases (entry
 * + 1; 0 empty), so a long text costs linear time. */
struct index {
    uint32_t *slot;
    size_t mask;
};

struct ctx {
    struct stem *stems;
    size_t nstems, capstems;
    struct phrase *ph;
    size_t nph, capph;
    struct index stem_ix, ph_ix;
    struct buf strs; /* the stems' and phrases' strings, each after a NUL */
};

/* Keep s[0..n) and a NUL in c->strs; its offset there, or 0 when out of
 * memory (strs starts with a NUL, so no string is at 0). */
static size_t keep_str(struct ctx *c, const char *s, size_t n)
{
    if (!c->strs.n && buf_putc(&c->strs, '\0') < 0)
        return 0;
    size_t at = c->strs.n;
    return buf_put(&c->strs, s, n + 1) < 0 ? 0 : at;
}

static const char *str_at(const struct ctx *c, size_t at)
{
    return c->strs.p + at;
}

static int index_init(struct index *ix, size_t n)
{
    size_t cap = 64;
    while (cap < n * 2)
        cap <<= 1;
    ix->slot = calloc(cap, sizeof *ix->slot);
    ix->mask = cap - 1;
    return ix->slot ? 0 : -1;
}

static long stem_id(struct ctx *c, const char *s)
{
    size_t h = hash_fnv1a_str(s) & c->stem_ix.mask;
    for (; c->stem_ix.slot[h]; h = (h + 1) & c->stem_ix.mask)
        if (!strcmp(str_at(c, c->stems[c->stem_ix.slot[h] - 1].s), s))
            return (long)c->stem_ix.slot[h] - 1;
    struct stem *g = array_grow(c->stems, &c->capstems, c->nstems + 1,
                                sizeof *g, 128);
    if (!g)
        return -1;
    c->stems = g;
    size_t at = keep_str(c, s, strlen(s));
    if (!at)
        return -1;
    c->stems[c->nstems] = (struct stem){at, 0, 0, 0};
    c->stem_ix.slot[h] = (uint32_t)c->nstems + 1;
    return (long)c->nstems++;
}

/* Lower-cased, stemmed form of n bytes at s into out (room for cap). */
static int stem_of(struct sb_stemmer *st, const char *s, size_t n, char *out, size_t cap)
{
    char low[128];
    if (n >= sizeof low)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp = nlp_utf8_next(s, n, &i);
        char b[4];
        size_t bl = utf8_encode(b, nlp_cp_lower(cp));
        if (o + bl >= sizeof low)
            return -1;
        memcpy(low + o, b, bl);
        o += bl;
    }
    if (st) {
        const sb_symbol *r = sb_stemmer_stem(st, (const sb_symbol *)low, (int)o);
        int rl = sb_stemmer_length(st);
        if (r && rl > 0 && (size_t)rl < cap) {
            memcpy(out, r, (size_t)rl);
            out[rl] = '\0';
            return 0;
        }
    }
    if (o >= cap)
        return -1;
    memcpy(out, low, o);
    out[o] = '\0';
    return 0;
}

/* Can token k be part of a key phrase, as a token: a word of 3 to 40
 * bytes that is not a possessive "'s", a short abbreviation ("Mr.",
 * "St.", "U.S.") or a word with digits (scores and model numbers: "3-1",
 * "F-16")? */
static int token_ok(const nlp_doc_t *d, size_t k)
{
    const nlp_token_t *t = &d->tok[k];
    if (t->kind != NLP_WORD || (t->flags & NLP_POSS))
        return 0;
    size_t n = t->end - t->start;
    if (n < 3 || n > 40)
        return 0;
    if ((t->flags & NLP_ABBR) && n <= 4)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (d->text[t->start + i] >= '0' && d->text[t->start + i] <= '9')
            return 0;
    return 1;
}

/* ... and as a word (s[0..n), n <= 40): not a stop word, a verb form, a
 * word of numbers, amounts and dates (the entities' business) or of
 * reporting. */
static int word_ok(const char *s, size_t n)
{
    char low[48];
    for (size_t i = 0; i < n; i++)
        low[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
    if (nlp_is_stopword(low, n) || nlp_is_verb_form(low, n))
        return 0;
    static const char *const skip[] = {
        "percent", "million", "billion", "trillion", "thousand", "hundred",
        "january", "february", "march", "april", "june", "july", "august",
        "september", "october", "november", "december", "monday", "tuesday",
        "wednesday", "thursday", "friday", "saturday", "sunday", "week",
        "weeks", "year", "years", "month", "months", "day", "days", "time",
        /* reporting verbs: how news is told, not what it is about */
        "told", "added", "asked", "according", "reported", "announced",
        "confirmed", "expected", "including", "following", "called"};
    for (size_t i = 0; i < sizeof skip / sizeof *skip; i++)
        if (strlen(skip[i]) == n && !memcmp(skip[i], low, n))
            return 0;
    return 1;
}

/* The stemmer of one document, made when a word first needs it (most
 * words are in the memo): the document's language's when libstemmer has
 * one, else English. */
struct stemmer {
    const char *lang; /* the language step's code, NULL when unknown */
    struct sb_stemmer *st;
};

static struct sb_stemmer *stemmer_get(struct stemmer *s)
{
    if (!s->st && s->lang)
        s->st = sb_stemmer_new(s->lang, "UTF_8");
    if (!s->st)
        s->st = sb_stemmer_new("english", "UTF_8");
    return s->st;
}

/* Whether the word s[0..n) of a token_ok token can be part of a phrase,
 * and then its stem in out (room for 128 bytes): from the memo when a
 * document had the word before. Returns 1, 0 (it cannot), or -1 when out
 * of memory. */
static int word_stem(struct memo *words, struct stemmer *st, const char *s,
                     size_t n, char out[128])
{
    char key[MEMO_MAX], kept[MEMO_MAX];
    size_t ln = st->lang ? strlen(st->lang) : 0, kn = ln + 1 + n;
    if (kn <= MEMO_MAX) {
        memcpy(key, st->lang ? st->lang : "", ln);
        key[ln] = '\0';
        memcpy(key + ln + 1, s, n);
        int vn = memo_get(words, key, kn, kept);
        if (vn > 0 && kept[0] == '1') {
            memcpy(out, kept + 1, (size_t)vn - 1);
            out[vn - 1] = '\0';
            return 1;
        }
        if (vn > 0)
            return 0;
    }
    int ok = word_ok(s, n);
    if (ok) {
        struct sb_stemmer *sb = stemmer_get(st);
        if (!sb)
            return -1;
        ok = stem_of(sb, s, n, out, 128) == 0;
    }
    size_t sl = ok ? strlen(out) : 0;
    if (kn <= MEMO_MAX && sl < MEMO_MAX) {
        kept[0] = ok ? '1' : '0';
        memcpy(kept + 1, out, sl);
        memo_put(words, key, kn, kept, sl + 1);
    }
    return ok;
}

static int add_phrase(struct ctx *c, const struct word *w, size_t first, size_t len)
{
    char key[256];
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        const char *s = str_at(c, c->stems[w[first + i].stem].s);
        size_t n = strlen(s);
        if (o + n + 2 >= sizeof key)
            return 0;
        if (i)
            key[o++] = ' ';
        memcpy(key + o, s, n);
        o += n;
    }
    key[o] = '\0';
    size_t h = hash_fnv1a_str(key) & c->ph_ix.mask;
    for (; c->ph_ix.slot[h]; h = (h + 1) & c->ph_ix.mask) {
        struct phrase *p = &c->ph[c->ph_ix.slot[h] - 1];
        if (!strcmp(str_at(c, p->key), key)) {
            p->count++;
            return 0;
        }
    }
    struct phrase *g = array_grow(c->ph, &c->capph, c->nph + 1, sizeof *g, 128);
    if (!g)
        return -1;
    c->ph = g;
    size_t at = keep_str(c, key, o);
    if (!at)
        return -1;
    c->ph[c->nph++] = (struct phrase){at, (uint32_t)first, (uint32_t)len, 1, 0};
    c->ph_ix.slot[h] = (uint32_t)c->nph;
    return 0;
}

/* A run of content words [first, first + len) as phrases: whole when
 * short, else its pairs. */
static int add_run(struct ctx *c, const struct word *w, size_t first, size_t len)
{
    if (len <= MAX_PHRASE)
        return add_phrase(c, w, first, len);
    for (size_t i = first; i + 2 <= first + len; i++)
        if (add_phrase(c, w, i, 2) < 0)
            return -1;
    return 0;
}

/* Does phrase a have every stem of phrase b? */
static int contains(const struct word *w, const struct phrase *a, const struct phrase *b)
{
    for (size_t i = 0; i < b->len; i++) {
        size_t j = 0;
        while (j < a->len && w[a->first + j].stem != w[b->first + i].stem)
            j++;
        if (j == a->len)
            return 0;
    }
    return 1;
}

/* Does phrase x rank before y: a higher score, else an earlier first use
 * (no two phrases have the same: runs of words do not overlap, and a
 * word starts one phrase of its run at most). */
static int ranks_before(const struct phrase *x, const struct phrase *y)
{
    return x->score > y->score || (x->score == y->score && x->first < y->first);
}

/* The phrases best first, one at a time: a binary heap of their indices
 * with the best on top. Only the first few of some hundreds are wanted,
 * so they are not all sorted. */
struct ranking {
    uint32_t *h;
    size_t n;
};

static void sift_down(struct ranking *r, const struct phrase *ph, size_t i)
{
    for (;;) {
        size_t top = i, l = 2 * i + 1;
        if (l < r->n && ranks_before(&ph[r->h[l]], &ph[r->h[top]]))
            top = l;
        if (l + 1 < r->n && ranks_before(&ph[r->h[l + 1]], &ph[r->h[top]]))
            top = l + 1;
        if (top == i)
            return;
        uint32_t x = r->h[i];
        r->h[i] = r->h[top];
        r->h[top] = x;
        i = top;
    }
}

/* Rank phrases ph[0..n) into r->h (room for n). */
static void ranking_init(struct ranking *r, const struct phrase *ph, size_t n)
{
    r->n = n;
    for (size_t i = 0; i < n; i++)
        r->h[i] = (uint32_t)i;
    for (size_t i = n / 2; i-- > 0;)
        sift_down(r, ph, i);
}

/* The index of the best phrase not taken yet (r->n > 0), taken. */
static size_t ranking_next(struct ranking *r, const struct phrase *ph)
{
    size_t best = r->h[0];
    r->h[0] = r->h[--r->n];
    sift_down(r, ph, 0);
    return best;
}

/* The phrase as first written: proper nouns keep their capitals, other
 * words are lower-cased. */
static char *surface(const nlp_doc_t *d, const struct ctx *c, const struct word *w,
                     const struct phrase *p)
{
    size_t cap = 8;
    for (size_t i = 0; i < p->len; i++)
        cap += d->tok[w[p->first + i].tok].end - d->tok[w[p->first + i].tok].start + 1;
    char *out = malloc(cap * 4);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < p->len; i++) {
        const nlp_token_t *t = &d->tok[w[p->first + i].tok];
        int proper = (t->flags & (NLP_CAP | NLP_ALLCAPS)) && c->stems[w[p->first + i].stem].proper >= 0;
        if (i)
            out[o++] = ' ';
        const char *s = d->text + t->start;
        size_t n = t->end - t->start;
        for (size_t j = 0; j < n;) {
            uint32_t cp = nlp_utf8_next(s, n, &j);
            o += utf8_encode(out + o, proper ? cp : nlp_cp_lower(cp));
        }
    }
    out[o] = '\0';
    return out;
}

/* Free what c holds: the stems, the phrases, their strings and indexes. */
static void ctx_free(struct ctx *c)
{
    free(c->ph), free(c->stems);
    free(c->stem_ix.slot), free(c->ph_ix.slot);
    buf_free(&c->strs);
}

/* Stems of the title's words get a boost. Returns 0, or -1 when out of
 * memory. */
static int mark_title(struct ctx *c, struct memo *words, struct stemmer *st,
                      const char *title)
{
    nlp_doc_t td;
    if (nlp_doc_parse(&td, title, strlen(title)) < 0)
        return 0;
    int rc = 0;
    for (size_t k = 0; k < td.ntok && rc == 0; k++) {
        char sb[128];
        int ok = token_ok(&td, k) ? word_stem(words, st, title + td.tok[k].start,
                                               td.tok[k].end - td.tok[k].start, sb)
                                  : 0;
        rc = ok < 0 ? -1 : 0;
        long id = ok > 0 ? stem_id(c, sb) : -1;
        if (id >= 0)
            c->stems[id].in_title = 1;
    }
    nlp_doc_free(&td);
    return rc;
}

/* The runs of content words of the document (within a sentence) as
 * phrases: w gets each content word, its token and stem, and c the
 * stems' frequencies and the phrases. Returns 0, or -1 when out of
 * memory. */
static int collect(struct ctx *c, struct memo *words, struct stemmer *st,
                   const nlp_doc_t *d, struct word *w)
{
    size_t nw = 0, run = 0;
    for (size_t k = 0; k <= d->ntok; k++) {
        const nlp_token_t *t = &d->tok[k];
        char sb[128];
        int in = k < d->ntok && token_ok(d, k) &&
                 (run == 0 || t->sent == d->tok[w[nw - 1].tok].sent);
        if (in && (in = word_stem(words, st, d->text + t->start, t->end - t->start, sb)) < 0)
            return -1;
        /* "Nordvik Energy rose": after a name, "rose" is the verb. */
        if (in && run && (t->flags & NLP_LOWER) &&
            !(d->tok[w[nw - 1].tok].flags & NLP_LOWER) &&
            nlp_is_irregular_verb(d->text + t->start, t->end - t->start))
            in = 0;
        if (in) {
            long id = stem_id(c, sb);
            if (id < 0)
                return -1;
            c->stems[id].freq++;
            if (t->flags & NLP_LOWER)
                c->stems[id].proper--;
            else if (!(t->flags & NLP_SENT_START))
                c->stems[id].proper++;
            w[nw].tok = (uint32_t)k;
            w[nw].stem = (uint32_t)id;
            nw++, run++;
            continue;
        }
        if (run) {
            if (add_run(c, w, nw - run, run) < 0)
                return -1;
            run = 0;
        }
    }
    return 0;
}

/* Score the phrases; returns the best score. */
static double score_phrases(struct ctx *c, const struct word *w)
{
    double best = 0;
    for (size_t i = 0; i < c->nph; i++) {
        struct phrase *p = &c->ph[i];
        double sum = 0;
        int title_words = 0;
        for (size_t j = 0; j < p->len; j++) {
            const struct stem *s = &c->stems[w[p->first + j].stem];
            sum += s->freq;
            title_words += s->in_title;
        }
        /* Phrases score the sum of their words' frequencies, so a
         * phrase of frequent words beats each word alone; a phrase used
         * once is worth less than its words suggest. */
        p->score = sum * (p->count > 1 ? 1.0 + 0.5 * (p->count - 1) : 0.6) *
                   (1.0 + 0.25 * title_words);
        if (p->score > best)
            best = p->score;
    }
    return best;
}

/* The first `max` ranked phrases but those that add nothing, as
 * [{"text", "score"}], scores relative to `best`. NULL when out of
 * memory. */
static nd_val_t *best_phrases(struct ctx *c, const nlp_doc_t *d,
                              const struct word *w, double best, size_t max)
{
    /* the heap, then the indices of the phrases kept */
    uint32_t *ix = malloc((c->nph + max) * sizeof *ix);
    uint32_t *kept = ix + c->nph;
    nd_val_t *list = ix ? nd_val_list() : NULL;
    struct ranking r = {ix, 0};
    if (list)
        ranking_init(&r, c->ph, c->nph);
    size_t nkept = 0;
    while (list && r.n && nkept < max) {
        size_t i = ranking_next(&r, c->ph);
        /* A phrase whose words a better one already has, or that holds a
         * better one whole, adds nothing. */
        int dup = 0;
        for (size_t j = 0; j < nkept && !dup; j++)
            dup = contains(w, &c->ph[kept[j]], &c->ph[i]) ||
                  contains(w, &c->ph[i], &c->ph[kept[j]]);
        if (dup)
            continue;
        kept[nkept++] = (uint32_t)i;
        char *s = surface(d, c, w, &c->ph[i]);
        nd_val_t *o = nd_val_obj();
        double score = (double)(int)(c->ph[i].score / best * 100 + 0.5) / 100;
        if (!s || !o || nd_val_put(o, "text", nd_val_str(s)) < 0 ||
            nd_val_put(o, "score", nd_val_num(score)) < 0) {
            free(s);
            if (o)
                nd_val_free(o);
            nd_val_free(list);
            list = NULL;
            break;
        }
        free(s);
        if (nd_val_push(list, o) < 0) {
            nd_val_free(list);
            list = NULL;
        }
    }
    free(ix);
    return list;
}

static nd_status_t keywords_process(void *state, nd_doc_t *doc)
{
    struct keywords *kw = state;
    size_t len, full;
    const char *text = langgate_text(&kw->gate, doc, &len, &full);
    if (!text)
        return ND_SKIP;
    struct stemmer st = {
        nd_val_as_str(nd_val_get(nd_doc_get(doc, "language"), "code"), NULL), NULL};
    const char *title = nd_doc_get_str(doc, "title");
    nlp_analysis_t *a = nlpstep_analysis(doc, text, len, NULL);
    const nlp_doc_t *d = a ? nlp_analysis_doc(a) : NULL;
    struct ctx c = {0};
    struct word *w = d ? malloc((d->ntok ? d->ntok : 1) * sizeof *w) : NULL;
    nd_val_t *list = NULL;
    /* At most one stem and (runs split into pairs) two phrases per token,
     * plus the title's words. */
    if (w && index_init(&c.stem_ix, d->ntok + (title ? strlen(title) : 0) + 1) == 0 &&
        index_init(&c.ph_ix, 2 * d->ntok + 1) == 0 &&
        (!title || mark_title(&c, kw->words, &st, title) == 0) &&
        collect(&c, kw->words, &st, d, w) == 0)
        list = best_phrases(&c, d, w, score_phrases(&c, w), (size_t)kw->max);
    ctx_free(&c);
    free(w);
    nlpstep_analysis_done(doc, a);
    if (st.st)
        sb_stemmer_delete(st.st);
    if (list && nd_doc_set(doc, "keywords", list) == 0)
        return ND_OK;
    nd_doc_error(doc, "out of memory");
    return ND_FAIL;
}

static void keywords_fini(void *state)
{
    struct keywords *kw = state;
    memo_free(kw->words);
    free(kw);
}

static const nd_plugin_t keywords_plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "keywords",
    .version = "1.0.0",
    .description = "key phrases ranked with scores, merged by stem",
    .role = ND_ROLE_PROCESSOR,
    .options = options,
    .init = keywords_init,
    .process = keywords_process,
    .fini = keywords_fini,
};

ND_PLUGIN(keywords_plugin)
