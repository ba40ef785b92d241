/* Training: the idf, then multinomial naive Bayes or multinomial logistic
 * regression by SGD, both into the linear layer of a model. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify_internal.h"

/* The biases learn at a hundredth of the weights' rate: with L2-normalised
 * documents a step moves each weight by eta * x (x well below 1) but a
 * bias by eta, and at full rate the biases swing to whichever label came
 * last. */
#define BIAS_RATE 0.01



void ncl_train_defaults(struct ncl_train_opts *o)
{
    o->algo = NCL_NB;
    o->bits = 18;
    o->alpha = 0.01;
    o->lambda = 1e-5;
    o->eta0 = 20.0;
    o->epochs = 20;
    o->seed = 1;
}

/* Sort a[0..n) ascending: least-significant-digit radix sort, 11 bits a
 * pass, in three passes through `tmp` (room for n). */
static void radix_sort(uint32_t *a, uint32_t *tmp, size_t n)
{
    uint32_t *src = a, *dst = tmp;
    for (unsigned shift = 0; shift < 33; shift += 11) {
        size_t count[2049] = {0};
        for (size_t i = 0; i < n; i++)
            count[((src[i] >> shift) & 2047) + 1]++;
        for (size_t b = 1; b < 2049; b++)
            count[b] += count[b - 1];
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i] >> shift) & 2047]++] = src[i];
        uint32_t *t = src;
        src = dst, dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
}

/* The features the documents use, ascending, each once (*ids), with the
 * number of documents using each (*df). Returns their number, or
 * (size_t)-1 when out of memory. */
static size_t collect_features(const ncl_vec_t *docs, size_t n, uint32_t **ids,
                               uint32_t **df)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += docs[i].n;
    uint32_t *all = malloc((total ? total : 1) * sizeof *all);
    uint32_t *tmp = malloc((total ? total : 1) * sizeof *tmp);
    if (!all || !tmp) {
        free(all);
        free(tmp);
        return (size_t)-1;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < docs[i].n; j++)
            all[k++] = docs[i].idx[j];
    radix_sort(all, tmp, k);
    /* A document holds each feature once, so a run's length is its df. */
    size_t u = 0;
    for (size_t i = 0; i < k; i++) {
        if (u && all[u - 1] == all[i]) {
            tmp[u - 1]++;
        } else {
            all[u] = all[i];
            tmp[u++] = 1;
        }
    }
    *ids = all;
    *df = tmp;
    return u;
}

/* The position of feature f in ids[0..n), or -1. */
static long find_id(const uint32_t *ids, size_t n, uint32_t f)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ids[mid] == f)
            return (long)mid;
        if (ids[mid] < f)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

void ncl_vec_compact(const ncl_model_t *m, ncl_vec_t *v)
{
    size_t o = 0;
    for (size_t i = 0; i < v->n; i++) {
        long k = find_id(m->ids, m->nids, v->idx[i]);
        if (k >= 0) {
            v->idx[o] = (uint32_t)k;
            v->val[o++] = v->val[i];
        }
    }
    v->n = o;
}

/* A trained model: only the `nids` features seen in training have rows,
 * so training costs what the data holds, not 2^bits. One block holds the
 * idf, biases, weights, feature ids and the names. */
static ncl_model_t *model_new(const struct ncl_train_opts *o,
                              const char *const *names, size_t nlabels,
                              size_t ndocs, const uint32_t *ids, size_t nids)
{
    size_t chars = 0;
    for (size_t i = 0; i < nlabels; i++)
        chars += strlen(names[i]) + 1;
    size_t floats = nids + nlabels + nids * nlabels;
    ncl_model_t *m = calloc(1, sizeof *m);
    float *block = calloc(1, floats * sizeof(float) + nids * sizeof(uint32_t) + chars);
    const char **labels = calloc(nlabels, sizeof *labels);
    if (!m || !block || !labels) {
        free(m);
        free(block);
        free(labels);
        return NULL;
    }
    uint32_t *idcopy = (uint32_t *)(block + floats);
    if (nids)
        memcpy(idcopy, ids, nids * sizeof *ids);
    char *p = (char *)(idcopy + nids);
    for (size_t i = 0; i < nlabels; i++) {
        size_t n = strlen(names[i]) + 1;
        memcpy(p, names[i], n);
        labels[i] = p;
        p += n;
    }
    m->algo = o->algo;
    m->bits = o->bits;
    m->nlabels = nlabels;
    m->ndocs = ndocs;
    m->labels = labels;
    m->owned = block;
    m->idf = block;
    m->bias = block + nids;
    m->weights = block + nids + nlabels;
    m->ids = idcopy;
    m->nids = nids;
    return m;
}

static void train_nb(ncl_model_t *m, const ncl_vec_t *x, const int *y,
                     size_t n, double alpha, double *total, size_t *count)
{
    size_t c = m->nlabels, nids = m->nids;
    float *w = (float *)m->weights, *bias = (float *)m->bias;
    /* Sums of weighted counts per feature and label, kept in the weight
     * array until they become log probabilities. */
    for (size_t i = 0; i < n; i++) {
        count[y[i]]++;
        for (size_t j = 0; j < x[i].n; j++) {
            w[(size_t)x[i].idx[j] * c + (size_t)y[i]] += x[i].val[j];
            total[y[i]] += x[i].val[j];
        }
    }
    /* Smoothing spreads over the features seen in training, as it would
     * over a vocabulary; features never seen have no row, which reads as
     * weight 0 for every label. */
    for (size_t k = 0; k < c; k++) {
        bias[k] = (float)log(count[k] ? (double)count[k] / (double)n : 1e-9);
        total[k] = log(total[k] + alpha * (double)(nids ? nids : 1));
    }
    for (size_t f = 0; f < nids * c; f++)
        w[f] = (float)(log(w[f] + alpha) - total[f % c]);
}

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Softmax regression by SGD with L2 decay. The weights are kept as
 * scale * v so that decaying all of them costs one multiplication; the
 * step size falls as eta0 / (1 + epochs done). */
static int train_logreg(ncl_model_t *m, const ncl_vec_t *x, const int *y,
                        size_t n, const struct ncl_train_opts *o)
{
    size_t c = m->nlabels, nw = m->nids * c;
    float *v = (float *)m->weights, *bias = (float *)m->bias;
    size_t *order = malloc(n * sizeof *order);
    double *p = malloc(c * sizeof *p);
    if (!order || !p) {
        free(order);
        free(p);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    uint64_t seed = o->seed ? o->seed : 1;
    const double eta0 = o->eta0, lambda = o->lambda;
    double scale = 1.0;
    uint64_t t = 0;
    for (unsigned e = 0; e < o->epochs; e++) {
        for (size_t i = n; i > 1; i--) {
            size_t j = (size_t)(next_rand(&seed) % i);
            size_t tmp = order[i - 1];
            order[i - 1] = order[j];
            order[j] = tmp;
        }
        for (size_t s = 0; s < n; s++, t++) {
            const ncl_vec_t *xi = &x[order[s]];
            int yi = y[order[s]];
            double eta = eta0 / (1.0 + (double)t / (double)n);
            for (size_t k = 0; k < c; k++)
                p[k] = bias[k];
            for (size_t j = 0; j < xi->n; j++) {
                const float *w = v + (size_t)xi->idx[j] * c;
                double xv = xi->val[j] * scale;
                for (size_t k = 0; k < c; k++)
                    p[k] += xv * w[k];
            }
            ncl_softmax(p, c);
            p[yi] -= 1.0;
            scale *= 1.0 - eta * lambda;
            for (size_t j = 0; j < xi->n; j++) {
                float *w = v + (size_t)xi->idx[j] * c;
                double g = eta * xi->val[j] / scale;
                for (size_t k = 0; k < c; k++)
                    w[k] -= (float)(g * p[k]);
            }
            for (size_t k = 0; k < c; k++)
                bias[k] -= (float)(eta * BIAS_RATE * p[k]);
            if (scale < 1e-6) {
                for (size_t f = 0; f < nw; f++)
                    v[f] *= (float)scale;
                scale = 1.0;
            }
        }
    }
    for (size_t f = 0; f < nw; f++)
        v[f] *= (float)scale;
    free(order);
    free(p);
    return 0;
}

ncl_model_t *ncl_train(const ncl_vec_t *docs, const int *labels, size_t n,
                       const char *const *names, size_t nlabels,
                       const struct ncl_train_opts *o, char *err,
                       size_t errlen)
{
    if (o->bits < NCL_MIN_BITS || o->bits > NCL_MAX_BITS) {
        snprintf(err, errlen, "feature bits must be %d to %d", NCL_MIN_BITS,
                 NCL_MAX_BITS);
        return NULL;
    }
    if (nlabels < 2 || nlabels > NCL_MAX_LABELS) {
        snprintf(err, errlen, "need 2 to %d labels, got %zu", NCL_MAX_LABELS,
                 nlabels);
        return NULL;
    }
    if (n == 0) {
        snprintf(err, errlen, "no training documents");
        return NULL;
    }
    uint32_t *ids = NULL, *df = NULL;
    ncl_model_t *m = NULL;
    double *total = calloc(nlabels, sizeof *total);
    size_t *count = calloc(nlabels, sizeof *count);
    ncl_vec_t *x = calloc(n, sizeof *x);
    size_t nids = x && total && count ? collect_features(docs, n, &ids, &df)
                                      : (size_t)-1;
    if (nids == (size_t)-1 || !(m = model_new(o, names, nlabels, n, ids, nids)))
        goto oom;
    /* Smoothed idf as scikit-learn computes it. */
    float *idf = (float *)m->idf;
    for (size_t k = 0; k < nids; k++)
        idf[k] = (float)(log((1.0 + (double)n) / (1.0 + df[k])) + 1.0);
    for (size_t i = 0; i < n; i++) {
        x[i].idx = malloc((docs[i].n ? docs[i].n : 1) * sizeof *x[i].idx);
        x[i].val = malloc((docs[i].n ? docs[i].n : 1) * sizeof *x[i].val);
        if (!x[i].idx || !x[i].val)
            goto oom;
        if (docs[i].n) {
            memcpy(x[i].idx, docs[i].idx, docs[i].n * sizeof *x[i].idx);
            memcpy(x[i].val, docs[i].val, docs[i].n * sizeof *x[i].val);
        }
        x[i].n = x[i].cap = docs[i].n;
        ncl_vec_compact(m, &x[i]);
        ncl_tfidf(&x[i], m->idf);
    }
    if (o->algo == NCL_NB)
        train_nb(m, x, labels, n, o->alpha, total, count);
    else if (train_logreg(m, x, labels, n, o) < 0)
        goto oom;
    for (size_t i = 0; i < n; i++)
        ncl_vec_free(&x[i]);
    free(x);
    free(ids);
    free(df);
    free(total);
    free(count);
    return m;
oom:
    free(ids);
    free(df);
    free(total);
    free(count);
    for (size_t i = 0; x && i < n; i++)
        ncl_vec_free(&x[i]);
    free(x);
    ncl_model_free(m);
    snprintf(err, errlen, "out of memory");
    return NULL;
}
