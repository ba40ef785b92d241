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
    const float *idf;      /* 2^bits */
    const float *bias;     /* nlabels */
    const float *weights;  /* 2^bits * nlabels, feature-major */
    void *map;             /* a loaded model's mapping, or NULL */
    size_t maplen;
    void *owned;           /* a trained model's single allocation */
};

/* Scores to probabilities, in place. */
void ncl_softmax(double *s, size_t n);

#endif
