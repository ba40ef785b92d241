/* The model structure, shared by training (which fills it in memory) and
 * loading (which points it into a mapped file). Not installed. */
#ifndef NDCLASSIFY_INTERNAL_H
#define NDCLASSIFY_INTERNAL_H

#include "classify.h"

struct ncl_model {
    enum ncl_algo algo;
    unsigned bits;
    size_t nlabels;
    uint64_t ndocs;
    const char **labels;   /* into `owned` or the mapping */
    /* A loaded model has a row for each of the 2^bits features; a trained
     * one only for the features seen in training, listed (ascending) in
     * ids. */
    const uint32_t *ids;   /* NULL: dense */
    size_t nids;
    const float *idf;      /* a value per row */
    const float *bias;     /* nlabels */
    const float *weights;  /* rows * nlabels, row-major */
    void *map;             /* a loaded model's mapping, or NULL */
    size_t maplen;
    void *owned;           /* a trained model's single allocation */
};

/* Map a trained model's vector of feature ids to its rows, dropping
 * features the model has no row for. */
void ncl_vec_compact(const ncl_model_t *m, ncl_vec_t *v);

/* Scores to probabilities, in place. */
void ncl_softmax(double *s, size_t n);

#endif
