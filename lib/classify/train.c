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

/* A model with room for its arrays and copies of the names, in one block. */
static ncl_model_t *model_new(const struct ncl_train_opts *o,
                              const char *const *names, size_t nlabels,
                              size_t ndocs)
{
    size_t d = (size_t)1 << o->bits, chars = 0;
    for (size_t i = 0; i < nlabels; i++)
        chars += strlen(names[i]) + 1;
    size_t floats = d + nlabels + d * nlabels;
    ncl_model_t *m = calloc(1, sizeof *m);
    float *block = calloc(1, floats * sizeof(float) + chars);
    const char **labels = calloc(nlabels, sizeof *labels);
    if (!m || !block || !labels) {
        free(m);
        free(block);
        free(labels);
        return NULL;
    }
    char *p = (char *)(block + floats);
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
    m->bias = block + d;
    m->weights = block + d + nlabels;
    return m;
}

/* Smoothed idf as scikit-learn computes it, ln((1 + n) / (1 + df)) + 1,
 * for the features seen in training; 0 for the others, so that words no
 * training document had drop out of a document's weighting as words
 * outside a vocabulary would. Returns the seen features, ascending, in
 * *seen (malloc'd), and their number; (size_t)-1 when out of memory. Only
 * those entries are written: the rest of the zeroed arrays stays
 * untouched, which keeps training proportional to the data, not to
 * 2^bits. */
static size_t fit_idf(float *idf, size_t d, const ncl_vec_t *docs, size_t n,
                      uint32_t **seen)
{
    uint32_t *df = calloc(d, sizeof *df);
    size_t nseen = 0, cap = 1024;
    uint32_t *list = malloc(cap * sizeof *list);
    if (!df || !list) {
        free(df);
        free(list);
        return (size_t)-1;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < docs[i].n; j++) {
            uint32_t f = docs[i].idx[j];
            if (df[f]++)
                continue;
            if (nseen == cap) {
                uint32_t *g = realloc(list, (cap *= 2) * sizeof *g);
                if (!g) {
                    free(df);
                    free(list);
                    return (size_t)-1;
                }
                list = g;
            }
            list[nseen++] = f;
        }
    for (size_t i = 0; i < nseen; i++)
        idf[list[i]] = (float)(log((1.0 + (double)n) / (1.0 + df[list[i]])) + 1.0);
    free(df);
    *seen = list;
    return nseen;
}

static int train_nb(ncl_model_t *m, const ncl_vec_t *x, const int *y,
                    size_t n, double alpha, const uint32_t *seen,
                    size_t nseen)
{
    size_t c = m->nlabels;
    float *w = (float *)m->weights, *bias = (float *)m->bias;
    double *total = calloc(c, sizeof *total);
    size_t *count = calloc(c, sizeof *count);
    if (!total || !count) {
        free(total);
        free(count);
        return -1;
    }
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
     * over a vocabulary; features never seen keep weight 0 for every
     * label. */
    for (size_t k = 0; k < c; k++) {
        bias[k] = (float)log(count[k] ? (double)count[k] / (double)n : 1e-9);
        total[k] = log(total[k] + alpha * (double)(nseen ? nseen : 1));
    }
    for (size_t i = 0; i < nseen; i++) {
        float *wf = w + (size_t)seen[i] * c;
        for (size_t k = 0; k < c; k++)
            wf[k] = (float)(log(wf[k] + alpha) - total[k]);
    }
    free(total);
    free(count);
    return 0;
}

/* Multiply the weights of the seen features by `scale`. */
static void rescale(float *v, size_t c, const uint32_t *seen, size_t nseen,
                    double scale)
{
    for (size_t i = 0; i < nseen; i++)
        for (size_t k = 0; k < c; k++)
            v[(size_t)seen[i] * c + k] *= (float)scale;
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
                        size_t n, const struct ncl_train_opts *o,
                        const uint32_t *seen, size_t nseen)
{
    size_t c = m->nlabels;
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
                rescale(v, c, seen, nseen, scale);
                scale = 1.0;
            }
        }
    }
    rescale(v, c, seen, nseen, scale);
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
    uint32_t *seen = NULL;
    ncl_model_t *m = model_new(o, names, nlabels, n);
    ncl_vec_t *x = calloc(n, sizeof *x);
    if (!m || !x)
        goto oom;
    size_t d = (size_t)1 << o->bits;
    size_t nseen = fit_idf((float *)m->idf, d, docs, n, &seen);
    if (nseen == (size_t)-1)
        goto oom;
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
        ncl_tfidf(&x[i], m->idf);
    }
    if ((o->algo == NCL_NB ? train_nb(m, x, labels, n, o->alpha, seen, nseen)
                           : train_logreg(m, x, labels, n, o, seen, nseen)) < 0)
        goto oom;
    for (size_t i = 0; i < n; i++)
        ncl_vec_free(&x[i]);
    free(x);
    free(seen);
    return m;
oom:
    free(seen);
    for (size_t i = 0; x && i < n; i++)
        ncl_vec_free(&x[i]);
    free(x);
    ncl_model_free(m);
    snprintf(err, errlen, "out of memory");
    return NULL;
}
