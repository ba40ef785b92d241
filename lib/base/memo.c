/* The memo (memo.h): slots in one array, in sets of two, each slot with
 * the full hash of its key so that a lookup compares bytes only when the
 * hashes agree; one lock per stripe of sets. Two ways keep two words of
 * a document whose hashes pick the same set from evicting each other at
 * every use. */
#include "memo.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

#define STRIPES 64
#define WAYS 2

struct slot {
    uint64_t hash; /* 0: empty */
    uint8_t kn, vn;
    char key[MEMO_MAX], val[MEMO_MAX];
};

struct memo {
    struct slot *slot;
    size_t mask; /* of the first slot's index of a set */
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
    m->mask = (cap - 1) & ~(size_t)(WAYS - 1);
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

/* The hash of a key, never 0 (an empty slot): eight bytes at a time, as
 * keys are short words and this runs for every word of a document. */
static uint64_t key_hash(const void *key, size_t n)
{
    const unsigned char *p = key;
    uint64_t h = HASH_FNV1A_SEED ^ n, w;
    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
        h ^= h >> 29;
    }
    for (w = 0; n; n--)
        w = w << 8 | p[n - 1];
    return hash_mix(h ^ w) | 1;
}

static struct slot *set_of(struct memo *m, uint64_t h, pthread_mutex_t **lock)
{
    size_t i = h & m->mask;
    *lock = &m->lock[(i / WAYS) % STRIPES];
    return &m->slot[i];
}

static int same_key(const struct slot *s, uint64_t h, const void *key, size_t n)
{
    return s->hash == h && s->kn == n && !memcmp(s->key, key, n);
}

int memo_get(struct memo *m, const void *key, size_t n, void *out)
{
    if (n > MEMO_MAX)
        return -1;
    uint64_t h = key_hash(key, n);
    pthread_mutex_t *lock;
    const struct slot *set = set_of(m, h, &lock);
    int vn = -1;
    pthread_mutex_lock(lock);
    for (int w = 0; w < WAYS; w++)
        if (same_key(&set[w], h, key, n)) {
            vn = set[w].vn;
            memcpy(out, set[w].val, set[w].vn);
            break;
        }
    pthread_mutex_unlock(lock);
    return vn;
}

/* A key already in the set is replaced where it is; a new one goes
 * first, and the set's last (the least recently put) is dropped. */
void memo_put(struct memo *m, const void *key, size_t n, const void *val,
              size_t vn)
{
    if (n > MEMO_MAX || vn > MEMO_MAX)
        return;
    uint64_t h = key_hash(key, n);
    pthread_mutex_t *lock;
    struct slot *set = set_of(m, h, &lock);
    pthread_mutex_lock(lock);
    int w = 0;
    while (w < WAYS - 1 && !same_key(&set[w], h, key, n))
        w++;
    if (!same_key(&set[w], h, key, n)) {
        memmove(&set[1], &set[0], (WAYS - 1) * sizeof *set);
        w = 0;
    }
    struct slot *s = &set[w];
    s->hash = h;
    s->kn = (uint8_t)n;
    s->vn = (uint8_t)vn;
    memcpy(s->key, key, n);
    memcpy(s->val, val, vn);
    pthread_mutex_unlock(lock);
}
