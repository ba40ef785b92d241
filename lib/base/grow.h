/* array_grow: the one way arrays grow here, by doubling, with the size
 * arithmetic checked. */
#ifndef ND_BASE_GROW_H
#define ND_BASE_GROW_H

#include <stddef.h>

/* Room for `need` (at least 1) elements of `size` bytes in the array `a`
 * (NULL when empty) whose capacity is *cap: `a` itself when it has room,
 * else `a` reallocated to the first of first, 2 first, 4 first, ...
 * (or of 2 *cap, 4 *cap, ... once it has a capacity) that holds `need`,
 * with *cap updated. NULL when out of memory: then `a` and *cap are as
 * they were. Typical use, to append:
 *
 *     struct item *g = array_grow(v->items, &v->cap, v->n + 1, sizeof *g, 16);
 *     if (!g)
 *         return -ENOMEM;
 *     v->items = g;
 *     v->items[v->n++] = item;
 */
void *array_grow(void *a, size_t *cap, size_t need, size_t size, size_t first);

#endif
