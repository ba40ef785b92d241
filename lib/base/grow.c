/* array_grow: doubling growth of arrays. */
#include "grow.h"

#include <stdint.h>
#include <stdlib.h>

void *array_grow(void *a, size_t *cap, size_t need, size_t size, size_t first)
{
    if (need <= *cap && a)
        return a;
    size_t n = *cap ? *cap : first ? first : 1;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return NULL;
        n *= 2;
    }
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *g = realloc(a, n * size);
    if (!g)
        return NULL;
    *cap = n;
    return g;
}
