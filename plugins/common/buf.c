/* The growing buffer the readers build their text in. */
#include "reader.h"

#include <stdlib.h>
#include <string.h>

int rbuf_put(struct rbuf *b, const char *s, size_t n)
{
    if (n >= b->cap - b->n || !b->p) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->n <= n) {
            if (cap > SIZE_MAX / 2)
                return -1;
            cap *= 2;
        }
        char *g = realloc(b->p, cap);
        if (!g)
            return -1;
        b->p = g, b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

int rbuf_puts(struct rbuf *b, const char *s)
{
    return rbuf_put(b, s, strlen(s));
}

int rbuf_putc(struct rbuf *b, char c)
{
    return rbuf_put(b, &c, 1);
}

void rbuf_free(struct rbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}
