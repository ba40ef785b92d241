/* idset: a set of document ids (64 hex digits) kept as 32 raw bytes each,
 * so that append-only exporters can tell whether a file already holds a
 * document. Not thread-safe: callers hold their own lock. */
#ifndef ND_IDSET_H
#define ND_IDSET_H

#include <stddef.h>

struct idset {
    unsigned char (*slots)[32]; /* all-zero: empty slot */
    size_t n, cap;
};

/* Add the id given as 64 hex digits. Returns 1 when added, 0 when it was
 * already there, -1 when the id is not 64 hex digits or memory ran out. */
int idset_add(struct idset *s, const char *hex);

/* Nonzero when the id (64 hex digits) is in the set. */
int idset_has(const struct idset *s, const char *hex);

/* Remove every id; the memory is kept for reuse. */
void idset_clear(struct idset *s);

/* Release the memory. The set is empty and reusable afterwards. */
void idset_free(struct idset *s);

#endif
