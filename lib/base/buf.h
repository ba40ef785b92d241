/* buf: a NUL-terminated byte buffer that grows by doubling, for building
 * text and records of unknown length. Appending is inline: JSON writers
 * append a few bytes at a time. */
#ifndef ND_BASE_BUF_H
#define ND_BASE_BUF_H

#include <stddef.h>
#include <string.h>

/* Zero-initialise it (struct buf b = {0}); p stays NULL until the first
 * put, then always points at n bytes followed by a NUL. The buffer owns
 * p: buf_free it, or take p and free() it yourself. */
struct buf {
    char *p;
    size_t n, cap;
};

/* Make room for n more bytes (and the NUL) at once: a size known ahead
 * saves the doublings, and more than doubling would give is allocated
 * as asked. Returns 0, or -ENOMEM with the buffer unchanged. */
int buf_reserve(struct buf *b, size_t n);

/* Append s[0..n) (nothing, but still allocate, when n is 0). Returns 0,
 * or -ENOMEM with the buffer unchanged. */
static inline int buf_put(struct buf *b, const void *s, size_t n)
{
    int rc;
    if ((!b->p || n >= b->cap - b->n) && (rc = buf_reserve(b, n)) < 0)
        return rc;
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

static inline int buf_puts(struct buf *b, const char *s)
{
    return buf_put(b, s, strlen(s));
}

static inline int buf_putc(struct buf *b, char c)
{
    return buf_put(b, &c, 1);
}

/* Empty the buffer, keeping its memory. */
void buf_clear(struct buf *b);

/* Free the memory; the buffer is empty and reusable afterwards. */
void buf_free(struct buf *b);

#endif
