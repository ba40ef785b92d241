/* topics: multi-label IPTC Media Topics classification.
 *
 * A taxonomy file lists topics with weighted terms and phrases (see
 * config/taxonomy/iptc-top.yaml and docs/classification.md). Each term's
 * count c in the document (the title counting twice) adds weight *
 * (1 + ln c) to its topic and to the topic's ancestors. The best topic's
 * score says how much evidence there is (1 - exp(-raw / 3)); the others
 * are scaled by their share of the best one's raw score. Topics scoring at
 * least `threshold` are added, best first, at most `top` of them. News
 * puts its subject first: a term that the headline or the lead (the
 * first LEAD_WORDS words of the text) uses counts (1 + lead_boost) times. */
#include <dlfcn.h>
#include <libgen.h>
#include <libstemmer.h>
#include <limits.h>
#include <math.h>
#include <newsdesk/plugin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nlp/nlpstep.h"
#include "snapshot.h"
#include "topics.h"

#define SATURATION 3.0
#define LEAD_WORDS 60
#define EXPLAIN_TERMS 8

/* What a document needs to be read, kept for the next one: its tally
 * (cleared after use, so never zeroed whole again) and a stemmer
 * (libstemmer keeps state in it, so one per document at a time). */
struct reader {
    struct tally y;
    struct sb_stemmer *st;
    struct reader *next;
};

struct topics_step {
    struct taxonomy tax;
    struct langgate gate;
    double threshold, lead_boost;
    int64_t top;
    int explain;
    /* Readers not in use: at most one per worker thread is ever made. */
    pthread_mutex_t lock;
    struct reader *idle;
};

static void reader_free(struct reader *r)
{
    tally_free(&r->y);
    if (r->st)
        sb_stemmer_delete(r->st);
    free(r);
}

/* An idle reader, or a new one; NULL when out of memory. */
static struct reader *reader_take(struct topics_step *s)
{
    pthread_mutex_lock(&s->lock);
    struct reader *r = s->idle;
    if (r)
        s->idle = r->next;
    pthread_mutex_unlock(&s->lock);
    if (r)
        return r;
    if (!(r = calloc(1, sizeof *r)))
        return NULL;
    if (tally_init(&r->y, &s->tax) < 0 || !(r->st = sb_stemmer_new("english", "UTF_8"))) {
        reader_free(r);
        return NULL;
    }
    return r;
}

static void reader_give_back(struct topics_step *s, struct reader *r)
{
    tally_clear(&r->y);
    pthread_mutex_lock(&s->lock);
    r->next = s->idle;
    s->idle = r;
    pthread_mutex_unlock(&s->lock);
}

/* The default taxonomy: the source tree's when this plugin runs from the
 * build tree, else the installed one. */
static const char *default_taxonomy(void)
{
    Dl_info info;
    char self[PATH_MAX], built[PATH_MAX];
    if (dladdr((void *)default_taxonomy, &info) && info.dli_fname &&
        realpath(info.dli_fname, self) && realpath(ND_TOPICS_BUILD_DIR, built) &&
        !strcmp(dirname(self), built))
        return ND_TAXONOMY_SOURCE;
    return ND_TAXONOMY_INSTALLED;
}

static int topics_init(nd_instance_t *self, const nd_opts_t *opts,
                       void **state, char *err, size_t errlen)
{
    struct topics_step *s = calloc(1, sizeof *s);
    struct sb_stemmer *st = sb_stemmer_new("english", "UTF_8");
    if (!s || !st) {
        snprintf(err, errlen, "out of memory");
        free(s);
        if (st)
            sb_stemmer_delete(st);
        return -1;
    }
    const char *path = nd_opt_isset(opts, "taxonomy") ? nd_opt_str(opts, "taxonomy")
                                                      : default_taxonomy();
    int rc = snapshot_load(&s->tax, path, err, errlen);
    if (rc == 0)
        rc = taxonomy_load(&s->tax, path, st, err, errlen);
    sb_stemmer_delete(st);
    if (rc < 0) {
        free(s);
        return -1;
    }
    s->threshold = nd_opt_double(opts, "threshold");
    s->top = nd_opt_int(opts, "top");
    s->lead_boost = nd_opt_double(opts, "lead_boost");
    langgate_read(&s->gate, opts);
    s->explain = nd_opt_bool(opts, "explain");
    pthread_mutex_init(&s->lock, NULL);
    nd_log(self, ND_LOG_INFO, "taxonomy %s: %zu topics, %zu terms%s", path,
           s->tax.ntopics, s->tax.npatterns,
           s->tax.compiled_in ? " (compiled in)" : "");
    *state = s;
    return 0;
}

/* Is topic k the topic `of` or one of its subtopics? */
static int under(const struct taxonomy *t, int k, size_t of)
{
    for (; k >= 0; k = t->topics[k].parent)
        if ((size_t)k == of)
            return 1;
    return 0;
}

/* Put under the topic's id in `terms` the terms that counted for it,
 * most weight first (at most EXPLAIN_TERMS). Returns 0 or -1. */
static int explain(const struct topics_step *s, nd_val_t *terms, size_t topic,
                   const struct tally *y)
{
    const uint32_t *counts = y->counts, *lead = y->lead;
    const struct taxonomy *t = &s->tax;
    struct term {
        size_t p;
        double w;
        const char *text;
    } best[EXPLAIN_TERMS];
    size_t nb = 0;
    for (size_t i = 0; i < y->nfound; i++) {
        size_t p = y->found[i];
        double w = 0, top = 0;
        const char *text = NULL;
        for (size_t h = 0; h < t->patterns[p].nhits; h++) {
            const struct hit *x = &t->patterns[p].hits[h];
            if (!under(t, (int)x->topic, topic))
                continue;
            w += x->weight;
            if (!text || fabs(x->weight) > top)
                text = x->term, top = fabs(x->weight);
        }
        w *= taxonomy_factor(counts[p], lead[p] != 0, s->lead_boost);
        if (w == 0 || (nb == EXPLAIN_TERMS && w <= best[nb - 1].w))
            continue;
        size_t j = nb < EXPLAIN_TERMS ? nb++ : nb - 1;
        while (j > 0 && best[j - 1].w < w) {
            best[j] = best[j - 1];
            j--;
        }
        best[j] = (struct term){p, w, text};
    }
    nd_val_t *list = nd_val_list();
    if (nd_val_put(terms, t->topics[topic].id, list) < 0)
        return -1;
    for (size_t i = 0; i < nb; i++) {
        nd_val_t *o = nd_val_obj();
        if (nd_val_push(list, o) < 0 ||
            nd_val_put(o, "term", nd_val_str(best[i].text)) < 0 ||
            nd_val_put(o, "count", nd_val_int(counts[best[i].p])) < 0 ||
            nd_val_put(o, "weight", nd_val_num(round(best[i].w * 1000.0) / 1000.0)) < 0)
            return -1;
    }
    return 0;
}

static nd_status_t topics_process(void *state, nd_doc_t *doc)
{
    struct topics_step *s = state;
    const struct taxonomy *t = &s->tax;
    size_t len;
    const char *text = nd_doc_text(doc, &len);
    const char *title = nd_doc_get_str(doc, "title");
    if (((!text || !len) && !title) || !langgate_wanted(&s->gate, doc))
        return ND_SKIP;
    if (text)
        len = nlp_bounded_len(text, len, s->gate.max_text);
    struct reader *rd = reader_take(s);
    double *raw = calloc(t->ntopics, sizeof *raw);
    size_t *order = calloc(t->ntopics, sizeof *order);
    if (!rd || !raw || !order) {
        if (rd)
            reader_give_back(s, rd);
        free(raw);
        free(order);
        nd_doc_error(doc, "out of memory");
        return ND_RETRY;
    }
    struct tally *y = &rd->y;
    if (title)
        taxonomy_count(t, rd->st, title, strlen(title), 2, y, SIZE_MAX);
    if (text)
        taxonomy_count(t, rd->st, text, len, 1, y, LEAD_WORDS);
    tally_sort(y);
    taxonomy_score(t, y, s->lead_boost, raw);

    size_t n = 0;
    for (size_t i = 0; i < t->ntopics; i++)
        if (raw[i] > 0)
            order[n++] = i;
    /* Best first; ties keep taxonomy order. */
    for (size_t i = 1; i < n; i++) {
        size_t k = order[i], j = i;
        while (j > 0 && raw[order[j - 1]] < raw[k]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = k;
    }
    nd_status_t rc = ND_OK;
    nd_val_t *terms = s->explain && n ? nd_val_obj() : NULL;
    if (n) {
        double best = raw[order[0]];
        double evidence = 1.0 - exp(-best / SATURATION);
        for (size_t i = 0; i < n && (int64_t)i < s->top; i++) {
            double score = evidence * raw[order[i]] / best;
            if (score < s->threshold)
                break;
            /* Rounded so that outputs stay stable and readable. */
            score = round(score * 1000.0) / 1000.0;
            const struct topic *tp = &t->topics[order[i]];
            if (nd_doc_add_topic(doc, "topics", tp->id, tp->label, score) < 0 ||
                (terms && explain(s, terms, order[i], y) < 0)) {
                nd_doc_error(doc, "out of memory");
                rc = ND_RETRY;
                break;
            }
        }
    }
    if (terms && rc == ND_OK && nd_doc_set(doc, "topic_terms", terms) < 0) {
        nd_doc_error(doc, "out of memory");
        rc = ND_RETRY;
    } else if (terms && rc != ND_OK) {
        nd_val_free(terms);
    }
    reader_give_back(s, rd);
    free(raw);
    free(order);
    return rc;
}

static void topics_fini(void *state)
{
    struct topics_step *s = state;
    while (s->idle) {
        struct reader *r = s->idle;
        s->idle = r->next;
        reader_free(r);
    }
    pthread_mutex_destroy(&s->lock);
    taxonomy_free(&s->tax);
    free(s);
}

static const nd_option_t options[] = {
    {"taxonomy", ND_OPT_PATH, NULL, 0, 0, 0, NULL,
     "taxonomy file (YAML); default: the IPTC top-level taxonomy installed "
     "with newsdesk"},
    {"threshold", ND_OPT_DOUBLE, "0.2", ND_OPT_RANGE, 0, 1, NULL,
     "leave out topics scoring less than this"},
    {"top", ND_OPT_INT, "3", ND_OPT_RANGE, 1, 1000, NULL,
     "at most this many topics, best first"},
    LANGGATE_OPTIONS("the default taxonomy's terms are English and words are "
                     "stemmed as English; "),
    {"explain", ND_OPT_BOOL, "false", 0, 0, 0, NULL,
     "add topic_terms: for each topic given, the terms that counted most "
     "for it (for editing a taxonomy)"},
    {"lead_boost", ND_OPT_DOUBLE, "1", ND_OPT_RANGE, 0, 10, NULL,
     "a term in the headline or the first 60 words of the text counts 1 + "
     "this many times (news states its subject first)"},
    {0},
};

static const nd_plugin_t topics_plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "topics",
    .version = "1.0.0",
    .description = "IPTC Media Topics from a taxonomy of weighted terms and "
                   "phrases",
    .role = ND_ROLE_PROCESSOR,
    .options = options,
    .init = topics_init,
    .process = topics_process,
    .fini = topics_fini,
};

ND_PLUGIN(topics_plugin)
