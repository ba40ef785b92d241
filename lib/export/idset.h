/* idset: the ids (64 hex digits, kept as 32 raw bytes) of the documents
 * an append-only exporter wrote most recently, so that it can tell a
 * document written again (a retry, a re-run after a crash) from a new
 * one. Bounded: it remembers the last `max` ids added, and adding one more
 * forgets the oldest, so a file that is never rotated does not make the
 * set grow for ever. Not thread-safe: callers hold their own lock. */
#ifndef ND_EXPORT_IDSET_H
#define ND_EXPORT_IDSET_H

#include <stddef.h>
#include <stdint.h>

/* What a zeroed set remembers (idset_init sets another bound). */
#define IDSET_DEFAULT_MAX 200000
#define IDSET_STR_(x) #x
#define IDSET_STR(x) IDSET_STR_(x)

/* The option of the exporters that keep an idset (for their option
 * table; needs <newsdesk/plugin.h>). */
#define IDSET_OPTION                                                         \
    {"recent_ids", ND_OPT_INT, IDSET_STR(IDSET_DEFAULT_MAX), ND_OPT_RANGE,   \
     1000, 100000000, NULL,                                                  \
     "how many of the ids written last are remembered, so that a document "  \
     "written again (a retry, a re-run after a crash) is not added twice; "  \
     "about 40 bytes each"}

struct idset {
    unsigned char (*ring)[32]; /* the ids in the order added, circular once
                                  full: ring[head] is the oldest */
    size_t n, head, ring_cap;
    uint32_t *slots;           /* hash of the ids: ring index + 1, 0 empty */
    size_t cap;                /* slots, a power of two */
    size_t max;                /* most ids remembered; 0: IDSET_DEFAULT_MAX */
};

/* An empty set remembering at most `max` ids (at least 1). Memory grows
 * with use, to about 40 bytes per id at most. */
void idset_init(struct idset *s, size_t max);

/* Add the id given as 64 hex digits, forgetting the oldest when the set
 * is full. Returns 1 when added, 0 when it was already there, -EINVAL when
 * the id is not 64 hex digits (or all zeros), -ENOMEM. */
int idset_add(struct idset *s, const char *hex);

/* Nonzero when the id (64 hex digits) is among those remembered. */
int idset_has(const struct idset *s, const char *hex);

/* Forget every id; the memory is kept for reuse. */
void idset_clear(struct idset *s);

/* Release the memory. The set is empty and reusable afterwards, with the
 * same bound. */
void idset_free(struct idset *s);

#endif
