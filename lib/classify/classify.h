/* libndclassify: text classification shared by `newsdesk train` and the
 * `model` plugin, so both featurize and score text the same way.
 *
 * Features: words (runs of ASCII letters and digits and of non-ASCII bytes,
 * ASCII lower-cased, two characters or more) and word bigrams, hashed into
 * 2^bits slots; weighted by sublinear TF-IDF (1 + ln tf, times the idf
 * learnt at training) and L2-normalised.
 *
 * Models: multinomial naive Bayes or multinomial logistic regression
 * trained by SGD. Both end as one linear layer (a bias and a weight per
 * label and feature) followed by a softmax, which is what the model file
 * stores and what prediction computes.
 *
 * Model file (version 1, little-endian, every section 8-byte aligned):
 *   header   struct ncl_header below
 *   labels   nlabels NUL-terminated UTF-8 names
 *   idf      2^bits float32
 *   bias     nlabels float32
 *   weights  2^bits * nlabels float32, feature-major (weights of feature f
 *            for every label are contiguous: one cache line per feature)
 * Loading maps the file read-only and checks every size and offset. */
#ifndef NDCLASSIFY_H
#define NDCLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#define NCL_MAGIC "NDMODEL\0"
#define NCL_VERSION 1
#define NCL_MIN_BITS 10
#define NCL_MAX_BITS 24
#define NCL_MAX_LABELS 4096

enum ncl_algo { NCL_NB = 1, NCL_LOGREG = 2 };

struct ncl_header {
    char magic[8];
    uint32_t version;
    uint32_t algo;    /* enum ncl_algo, for information */
    uint32_t bits;
    uint32_t nlabels;
    uint64_t labels_off, labels_len;
    uint64_t idf_off, bias_off, weights_off;
    uint64_t file_size;
    uint64_t ndocs;   /* training documents, for information */
};

/* A sparse vector: feature indexes ascending, each once. */
typedef struct ncl_vec {
    uint32_t *idx;
    float *val;
    size_t n, cap;
} ncl_vec_t;

void ncl_vec_free(ncl_vec_t *v);

/* Split `text` into words and call fn(word, len, ctx) for each, in order;
 * the word is lower-cased into a buffer borrowed for the call. Words longer
 * than 64 bytes are cut there. */
void ncl_words(const char *text, size_t len,
               void (*fn)(const char *w, size_t n, void *ctx), void *ctx);

/* The hashed word and bigram counts of `text` into `out` (reset first),
 * for a feature space of 2^bits. Returns 0 or -ENOMEM. */
int ncl_featurize(const char *text, size_t len, unsigned bits, ncl_vec_t *out);

/* Re-index a vector made with more bits for a space of 2^bits (the low
 * bits of a feature's hash are its index at any size), merging features
 * that now share an index. */
void ncl_vec_fold(ncl_vec_t *v, unsigned bits);

#define NCL_AUTO_MIN_BITS 14
#define NCL_AUTO_MAX_BITS 20

/* A feature space for documents featurized with NCL_MAX_BITS: the
 * smallest 2^bits holding 16 slots per distinct feature (few collisions:
 * chosen by cross-validation on SIB-200 train and our own labelled set),
 * within NCL_AUTO_MIN_BITS..NCL_AUTO_MAX_BITS. A model is a weight per
 * slot and label, so this keeps small models small and fast to train. */
unsigned ncl_auto_bits(const ncl_vec_t *docs, size_t n);

/* Weight counts in place: (1 + ln tf) * idf[f], then L2-normalise. */
void ncl_tfidf(ncl_vec_t *v, const float *idf);

/* ---- training ---------------------------------------------------------- */

struct ncl_train_opts {
    enum ncl_algo algo;
    unsigned bits;     /* feature space 2^bits */
    double alpha;      /* naive Bayes additive smoothing */
    double lambda;     /* logistic regression L2 penalty */
    double eta0;       /* logistic regression first step size */
    unsigned epochs;   /* logistic regression passes over the data */
    uint64_t seed;     /* shuffling */
};

/* Defaults: naive Bayes, 2^18 features (callers may pick bits with
 * ncl_auto_bits), alpha 0.01; for logistic
 * regression lambda 1e-5, eta0 20, 20 epochs; seed 1. (Chosen by 5-fold
 * cross-validation on SIB-200's training split, not its test split.) */
void ncl_train_defaults(struct ncl_train_opts *o);

typedef struct ncl_model ncl_model_t;

/* Train on `n` documents given as raw counts from ncl_featurize (all with
 * o->bits) with labels[i] in [0, nlabels). `names` are copied. Returns a
 * model to free with ncl_model_free, or NULL with a reason in err. */
ncl_model_t *ncl_train(const ncl_vec_t *docs, const int *labels, size_t n,
                       const char *const *names, size_t nlabels,
                       const struct ncl_train_opts *o, char *err,
                       size_t errlen);

/* ---- models ------------------------------------------------------------ */

/* Write `m` to `path` atomically (a temporary file renamed over it).
 * Returns 0, or a negative errno with a reason in err. */
int ncl_model_save(const ncl_model_t *m, const char *path, char *err,
                   size_t errlen);

/* Map the model file at `path` read-only. Returns NULL with a reason in
 * err when it cannot be read or is not a valid version-1 model. */
ncl_model_t *ncl_model_load(const char *path, char *err, size_t errlen);

void ncl_model_free(ncl_model_t *m);

size_t ncl_model_nlabels(const ncl_model_t *m);
/* Label i's name, borrowed for the model's life. */
const char *ncl_model_label(const ncl_model_t *m, size_t i);
unsigned ncl_model_bits(const ncl_model_t *m);
enum ncl_algo ncl_model_algo(const ncl_model_t *m);

/* Probabilities of every label (summing to 1) for raw counts `v` (from
 * ncl_featurize with the model's bits), into probs[nlabels]. `v` is
 * reweighted in place. Thread-safe on a shared model. */
void ncl_predict_vec(const ncl_model_t *m, ncl_vec_t *v, double *probs);

/* The same from text; `scratch` is reused between calls (zero it first,
 * free it with ncl_vec_free). Returns 0 or -ENOMEM. */
int ncl_predict_text(const ncl_model_t *m, const char *text, size_t len,
                     ncl_vec_t *scratch, double *probs);

#endif
