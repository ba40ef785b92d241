/* Words, hashed word and bigram features, and their TF-IDF weighting. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "base/hash.h"
#include "classify.h"

#define MAX_WORD 64

void ncl_vec_free(ncl_vec_t *v)
{
    free(v->idx);
    free(v->val);
    memset(v, 0, sizeof *v);
}

/* Length of the separator at p (0 when p starts a word character): ASCII
 * other than letters and digits, and the UTF-8 punctuation common in news
 * text (no-break space, guillemets, curly quotes, dashes: U+00A0..U+00BF
 * and U+2000..U+207F). */
static size_t separator_len(const unsigned char *p, const unsigned char *end)
{
    if (*p < 0x80)
        return ((*p | 32) >= 'a' && (*p | 32) <= 'z') || (*p >= '0' && *p <= '9') ? 0 : 1;
    if (*p == 0xC2 && p + 1 < end && p[1] >= 0xA0 && p[1] <= 0xBF)
        return 2;
    if (*p == 0xE2 && p + 2 < end && (p[1] == 0x80 || p[1] == 0x81))
        return 3;
    return 0;
}

/* The length of buf[0..n) without a UTF-8 sequence cut at its end. */
static size_t utf8_whole(const char *buf, size_t n)
{
    size_t k = n;
    while (k > 0 && ((unsigned char)buf[k - 1] & 0xC0) == 0x80)
        k--;
    if (k == 0)
        return n;
    unsigned char lead = (unsigned char)buf[k - 1];
    size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return n - (k - 1) < want ? k - 1 : n;
}

void ncl_words(const char *text, size_t len,
               void (*fn)(const char *w, size_t n, void *ctx), void *ctx)
{
    char buf[MAX_WORD];
    const unsigned char *p = (const unsigned char *)text, *end = p + len;
    while (p < end) {
        size_t s;
        while (p < end && (s = separator_len(p, end)))
            p += s;
        size_t n = 0;
        while (p < end && !separator_len(p, end)) {
            unsigned char c = *p++;
            if (n < MAX_WORD)
                buf[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        if (n == MAX_WORD)
            n = utf8_whole(buf, n);
        if (n >= 2)
            fn(buf, n, ctx);
    }
}

struct feat_ctx {
    ncl_vec_t *out;
    uint32_t mask;
    uint64_t prev;
    int have_prev;
    int oom;
};

static int push(struct feat_ctx *c, uint32_t idx)
{
    ncl_vec_t *v = c->out;
    size_t cap = v->cap; /* idx and val grow together */
    uint32_t *i = array_grow(v->idx, &cap, v->n + 1, sizeof *i, 256);
    if (!i)
        return -ENOMEM;
    v->idx = i;
    cap = v->cap;
    float *f = array_grow(v->val, &cap, v->n + 1, sizeof *f, 256);
    if (!f)
        return -ENOMEM;
    v->val = f;
    v->cap = cap;
    v->idx[v->n++] = idx;
    return 0;
}

static void on_word(const char *w, size_t n, void *ctx)
{
    struct feat_ctx *c = ctx;
    /* FNV-1a, then the finaliser, so that the low bits (the index) mix
     * well. */
    uint64_t h = hash_fnv1a(w, n, HASH_FNV1A_SEED);
    if (push(c, (uint32_t)(hash_mix(h) & c->mask)) < 0)
        c->oom = 1;
    if (c->have_prev &&
        push(c, (uint32_t)(hash_mix(c->prev * 0x9E3779B97F4A7C15ULL ^ h ^ 0x5bd1e995) &
                           c->mask)) < 0)
        c->oom = 1;
    c->prev = h;
    c->have_prev = 1;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int ncl_featurize(const char *text, size_t len, unsigned bits, ncl_vec_t *out)
{
    out->n = 0;
    struct feat_ctx c = {.out = out, .mask = (uint32_t)((1u << bits) - 1)};
    ncl_words(text, len, on_word, &c);
    if (c.oom)
        return -ENOMEM;
    if (!out->n)
        return 0;
    qsort(out->idx, out->n, sizeof *out->idx, cmp_u32);
    size_t o = 0;
    for (size_t i = 0; i < out->n; i++) {
        if (o && out->idx[o - 1] == out->idx[i]) {
            out->val[o - 1] += 1.0f;
        } else {
            out->idx[o] = out->idx[i];
            out->val[o++] = 1.0f;
        }
    }
    out->n = o;
    return 0;
}

void ncl_tfidf(ncl_vec_t *v, const float *idf)
{
    double norm = 0;
    for (size_t i = 0; i < v->n; i++) {
        float w = (1.0f + logf(v->val[i])) * idf[v->idx[i]];
        v->val[i] = w;
        norm += (double)w * w;
    }
    if (norm > 0) {
        float inv = (float)(1.0 / sqrt(norm));
        for (size_t i = 0; i < v->n; i++)
            v->val[i] *= inv;
    }
}

void ncl_vec_fold(ncl_vec_t *v, unsigned bits)
{
    uint32_t mask = (uint32_t)((1u << bits) - 1);
    for (size_t i = 0; i < v->n; i++)
        v->idx[i] &= mask;
    if (v->n < 2)
        return;
    /* Sort the (index, value) pairs by index, then merge equal ones. */
    for (size_t i = 1; i < v->n; i++) {
        uint32_t k = v->idx[i];
        float x = v->val[i];
        size_t j = i;
        while (j > 0 && v->idx[j - 1] > k) {
            v->idx[j] = v->idx[j - 1];
            v->val[j] = v->val[j - 1];
            j--;
        }
        v->idx[j] = k;
        v->val[j] = x;
    }
    size_t o = 0;
    for (size_t i = 0; i < v->n; i++) {
        if (o && v->idx[o - 1] == v->idx[i]) {
            v->val[o - 1] += v->val[i];
        } else {
            v->idx[o] = v->idx[i];
            v->val[o++] = v->val[i];
        }
    }
    v->n = o;
}

unsigned ncl_auto_bits(const ncl_vec_t *docs, size_t n)
{
    /* Linear counting (Whang et al.): set one bit per feature in a small
     * bitmap; the share of bits left clear estimates the distinct count,
     * closely enough to pick a size, without sorting every feature. */
    enum { M = 1 << 18 };
    uint64_t *map = calloc(M / 64, sizeof *map);
    if (!map)
        return 18;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < docs[i].n; j++) {
            uint32_t b = docs[i].idx[j] & (M - 1);
            map[b / 64] |= (uint64_t)1 << (b % 64);
        }
    size_t set = 0;
    for (size_t w = 0; w < M / 64; w++)
        set += (size_t)__builtin_popcountll(map[w]);
    free(map);
    double clear = (double)(M - set);
    double distinct = clear > 0 ? -(double)M * log(clear / M) : 4.0 * M;
    unsigned bits = NCL_AUTO_MIN_BITS;
    while (bits < NCL_AUTO_MAX_BITS && (double)((size_t)1 << bits) < 16 * distinct)
        bits++;
    return bits;
}
