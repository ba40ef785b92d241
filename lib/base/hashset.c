/* See hashset.h. */
#include "hashset.h"

#include <stdlib.h>

#include "hash.h"

static uint64_t key_of(uint64_t h)
{
    return h ? h : 1;
}

static size_t home(const struct hashset *s, uint64_t k)
{
    return (size_t)hash_mix(k) & (s->cap - 1);
}

/* The slot holding k, or the empty slot where it would go. */
static size_t probe(const struct hashset *s, uint64_t k)
{
    size_t i = home(s, k);
    while (s->slot[i] && s->slot[i] != k)
        i = (i + 1) & (s->cap - 1);
    return i;
}

static int grow(struct hashset *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    uint64_t *old = s->slot;
    size_t oldcap = s->cap;
    s->slot = calloc(cap, sizeof *s->slot);
    if (!s->slot) {
        s->slot = old;
        return -1;
    }
    s->cap = cap;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i])
            s->slot[probe(s, old[i])] = old[i];
    free(old);
    return 0;
}

void hashset_init(struct hashset *s, size_t max)
{
    s->slot = NULL;
    s->cap = s->n = 0;
    s->max = max;
}

int hashset_add(struct hashset *s, uint64_t h)
{
    uint64_t k = key_of(h);
    if (s->cap && s->slot[probe(s, k)] == k)
        return 0;
    if (s->n >= s->max)
        return -1;
    if ((s->n + 1) * 2 > s->cap && grow(s) < 0)
        return -1;
    s->slot[probe(s, k)] = k;
    s->n++;
    return 1;
}

int hashset_has(const struct hashset *s, uint64_t h)
{
    uint64_t k = key_of(h);
    return s->cap && s->slot[probe(s, k)] == k;
}

int hashset_remove(struct hashset *s, uint64_t h)
{
    uint64_t k = key_of(h);
    if (!s->cap)
        return 0;
    size_t i = probe(s, k);
    if (s->slot[i] != k)
        return 0;
    /* Backward shift: move each later entry of the run into the gap when
     * its home is not between the gap and where it sits, so that every
     * entry stays reachable from its home without tombstones. */
    size_t mask = s->cap - 1;
    for (size_t j = (i + 1) & mask; s->slot[j]; j = (j + 1) & mask) {
        size_t at = home(s, s->slot[j]);
        if (((j - at) & mask) >= ((j - i) & mask)) {
            s->slot[i] = s->slot[j];
            i = j;
        }
    }
    s->slot[i] = 0;
    s->n--;
    return 1;
}

void hashset_free(struct hashset *s)
{
    free(s->slot);
    hashset_init(s, s->max);
}
