/* summary: an extractive summary, the N best sentences in document order.
 * A sentence scores by how many of the document's frequent content words
 * it holds (per word, so long sentences do not win by length), weighted
 * towards the start of the article, where news puts what matters. */
#include <newsdesk/plugin.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "nlp/nlp.h"
#include "nlp/nlpstep.h"

/* Sentences with fewer words are datelines or fragments. */
#define MIN_WORDS 6

struct summary {
    int64_t sentences;
    size_t max_text;
};

static const nd_option_t options[] = {
    {"sentences", ND_OPT_INT, "3", ND_OPT_RANGE, 1, 50, NULL,
     "how many sentences the summary has"},
    MAX_TEXT_OPTION,
    {0},
};

static int summary_init(nd_instance_t *self, const nd_opts_t *opts, void **state,
                        char *err, size_t errlen)
{
    (void)self;
    struct summary *s = malloc(sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->sentences = nd_opt_int(opts, "sentences");
    s->max_text = (size_t)nd_opt_int(opts, "max_text");
    *state = s;
    return 0;
}

/* Word counts in a small open-addressing table keyed by the lower-cased
 * word's hash (collisions only blur the counts a little). */
struct counts {
    uint64_t *key;
    uint32_t *n;
    size_t mask;
};

/* The hash of the word with ASCII letters lower-cased; never 0 (an empty
 * slot). */
static uint64_t word_hash(const char *s, size_t n)
{
    uint64_t h = HASH_FNV1A_SEED;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32u : c)) * HASH_FNV1A_PRIME;
    }
    return h | 1;
}

static uint32_t *slot(struct counts *c, uint64_t h)
{
    size_t i = h & c->mask;
    while (c->key[i] && c->key[i] != h)
        i = (i + 1) & c->mask;
    c->key[i] = h;
    return &c->n[i];
}

static int content_word(const nlp_doc_t *d, const nlp_token_t *t)
{
    if (t->kind != NLP_WORD || (t->flags & NLP_POSS) || t->end - t->start < 3)
        return 0;
    char low[32];
    size_t n = t->end - t->start;
    if (n >= sizeof low)
        return 1;
    for (size_t i = 0; i < n; i++) {
        char c = d->text[t->start + i];
        low[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    return !nlp_is_stopword(low, n);
}

struct scored {
    size_t idx;
    double score;
};

static int by_score(const void *a, const void *b)
{
    const struct scored *x = a, *y = b;
    return x->score < y->score ? 1 : x->score > y->score ? -1
           : x->idx < y->idx ? -1 : 1;
}

static int by_index(const void *a, const void *b)
{
    const struct scored *x = a, *y = b;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static nd_status_t summary_process(void *state, nd_doc_t *doc)
{
    struct summary *sm = state;
    size_t len;
    const char *text = nd_doc_text(doc, &len);
    if (!text)
        return ND_SKIP;
    len = nlp_bounded_len(text, len, sm->max_text);
    nlp_analysis_t *a = nlpstep_analysis(doc, text, len, NULL);
    if (!a)
        goto oom;
    const nlp_doc_t *d = nlp_analysis_doc(a);
    size_t cap = 64;
    while (cap < d->ntok * 2)
        cap <<= 1;
    struct counts c = {calloc(cap, sizeof *c.key), calloc(cap, sizeof *c.n), cap - 1};
    struct scored *sc = malloc((d->nsent ? d->nsent : 1) * sizeof *sc);
    /* Each token's word hash, 0 for a token that is not a content word. */
    uint64_t *wh = malloc((d->ntok ? d->ntok : 1) * sizeof *wh);
    if (!c.key || !c.n || !sc || !wh) {
        free(c.key), free(c.n), free(sc), free(wh);
        nlpstep_analysis_done(doc, a);
        goto oom;
    }
    for (size_t k = 0; k < d->ntok; k++) {
        const nlp_token_t *t = &d->tok[k];
        wh[k] = content_word(d, t) ? word_hash(text + t->start, t->end - t->start) : 0;
        if (wh[k])
            (*slot(&c, wh[k]))++;
    }
    size_t ns = 0;
    for (size_t s = 0; s < d->nsent; s++) {
        size_t words = 0;
        double sum = 0;
        for (size_t k = d->sent[s].first; k < d->sent[s].last; k++) {
            const nlp_token_t *t = &d->tok[k];
            words += t->kind == NLP_WORD || t->kind == NLP_NUMBER;
            if (wh[k]) {
                uint32_t f = *slot(&c, wh[k]);
                sum += f > 1 ? log((double)f) + 1 : 0.5;
            }
        }
        if (words < MIN_WORDS)
            continue;
        /* Lead bias: the first sentences of a news story carry its gist. */
        double lead = 1.0 + 1.5 / (1.0 + (double)ns * 0.7);
        sc[ns].idx = s;
        sc[ns].score = sum / sqrt((double)words) * lead;
        ns++;
    }
    size_t keep = (size_t)sm->sentences < ns ? (size_t)sm->sentences : ns;
    qsort(sc, ns, sizeof *sc, by_score);
    qsort(sc, keep, sizeof *sc, by_index);
    nd_val_t *list = nd_val_list();
    int failed = !list;
    for (size_t i = 0; i < keep && !failed; i++) {
        const nlp_sentence_t *st = &d->sent[sc[i].idx];
        failed = nd_val_push(list, nd_val_strn(text + st->start, st->end - st->start)) < 0;
    }
    free(c.key), free(c.n), free(sc), free(wh);
    nlpstep_analysis_done(doc, a);
    if (failed) {
        if (list)
            nd_val_free(list);
        goto oom;
    }
    if (nd_doc_set(doc, "summary", list) < 0)
        goto oom;
    return ND_OK;
oom:
    nd_doc_error(doc, "out of memory");
    return ND_FAIL;
}

static void summary_fini(void *state) { free(state); }

static const nd_plugin_t summary_plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "summary",
    .version = "1.0.0",
    .description = "extractive summary: the best sentences, lead-weighted",
    .role = ND_ROLE_PROCESSOR,
    .options = options,
    .init = summary_init,
    .process = summary_process,
    .fini = summary_fini,
};

ND_PLUGIN(summary_plugin)
