/* A bounded set of 64-bit hashes: open addressing with linear probing,
 * removal by backward shift (no tombstones), at most half full. For
 * remembering many names in 16 bytes each, where a rare collision of two
 * 64-bit hashes is acceptable. The hash 0 is stored as 1. Not
 * thread-safe. */
#ifndef ND_BASE_HASHSET_H
#define ND_BASE_HASHSET_H

#include <stddef.h>
#include <stdint.h>

struct hashset {
    uint64_t *slot;  /* 0: empty */
    size_t cap;      /* slots, a power of two (0 before the first add) */
    size_t n;
    size_t max;      /* most hashes held */
};

/* An empty set holding at most `max` hashes; memory grows with use. */
void hashset_init(struct hashset *s, size_t max);

/* Returns 1 when added, 0 when already there, -1 when the set is full or
 * memory is short (the set is unchanged). */
int hashset_add(struct hashset *s, uint64_t h);

/* Nonzero when h is in the set. */
int hashset_has(const struct hashset *s, uint64_t h);

/* Remove h; returns 1 when it was there. */
int hashset_remove(struct hashset *s, uint64_t h);

/* Release the memory; the set is empty and reusable, with the same bound. */
void hashset_free(struct hashset *s);

#endif
