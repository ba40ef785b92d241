/* The memo (memo.h): open slots in one array, each with the full hash of
 * its key so that a lookup compares bytes only when the hashes agree;
 * one lock per 64 slots' stripe. */
#include "memo.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

#define STRIPES 64

struct slot {
    uint64_t hash; /* 0: empty */
    uint8_t kn, vn;
    char key[MEMO_MAX], val[MEMO_MAX];
};

struct memo {
    struct slot *slot;
    size_t mask;
    pthread_mutex_t lock[STRIPES];
};

struct memo *memo_new(size_t slots)
{
    size_t cap = STRIPES;
    while (cap < slots)
        cap <<= 1;
    struct memo *m = malloc(sizeof *m);
    if (!m || !(m->slot = calloc(cap, sizeof *m->slot))) {
        free(m);
        return NULL;
    }
    m->mask = cap - 1;
    for (size_t i = 0; i < STRIPES; i++)
        pthread_mutex_init(&m->lock[i], NULL);
    return m;
}

void memo_free(struct memo *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < STRIPES; i++)
        pthread_mutex_destroy(&m->lock[i]);
    free(m->slot);
    free(m);
}

/* The hash of a key, never 0 (an empty slot). */
static uint64_t key_hash(const void *key, size_t n)
{
    return hash_mix(hash_fnv1a(key, n, HASH_FNV1A_SEED)) | 1;
}

int memo_get(struct memo *m, const void *key, size_t n, void *out)
{
    if (n > MEMO_MAX)
        return -1;
    uint64_t h = key_hash(key, n);
    size_t i = h & m->mask;
    int vn = -1;
    pthread_mutex_t *lock = &m->lock[i % STRIPES];
    pthread_mutex_lock(lock);
    const struct slot *s = &m->slot[i];
    if (s->hash == h && s->kn == n && !memcmp(s->key, key, n)) {
        vn = s->vn;
        memcpy(out, s->val, s->vn);
    }
    pthread_mutex_unlock(lock);
    return vn;
}

void memo_put(struct memo *m, const void *key, size_t n, const void *val,
              size_t vn)
{
    if (n > MEMO_MAX || vn > MEMO_MAX)
        return;
    uint64_t h = key_hash(key, n);
    size_t i = h & m->mask;
    pthread_mutex_t *lock = &m->lock[i % STRIPES];
    pthread_mutex_lock(lock);
    struct slot *s = &m->slot[i];
    s->hash = h;
    s->kn = (uint8_t)n;
    s->vn = (uint8_t)vn;
    memcpy(s->key, key, n);
    memcpy(s->val, val, vn);
    pthread_mutex_unlock(lock);
}
