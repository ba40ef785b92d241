/* buf: the growing byte buffer. */
#include "buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int buf_reserve(struct buf *b, size_t n)
{
    if (n >= b->cap - b->n || !b->p) {
        if (n > SIZE_MAX - 1 - b->n)
            return -ENOMEM;
        size_t need = b->n + n + 1, cap = b->cap ? b->cap : 256;
        /* Doubling keeps appends amortised; a reservation larger than
         * that gets what it asked, not up to twice as much. */
        if (cap < need)
            cap = cap > SIZE_MAX / 2 || cap * 2 < need ? need : cap * 2;
        char *g = realloc(b->p, cap);
        if (!g)
            return -ENOMEM;
        b->p = g, b->cap = cap;
        b->p[b->n] = '\0';
    }
    return 0;
}

void buf_clear(struct buf *b)
{
    b->n = 0;
    if (b->p)
        b->p[0] = '\0';
}

void buf_free(struct buf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}
