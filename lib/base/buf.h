/* buf: a NUL-terminated byte buffer that grows by doubling, for building
 * text and records of unknown length. */
#ifndef ND_BASE_BUF_H
#define ND_BASE_BUF_H

#include <stddef.h>

/* Zero-initialise it (struct buf b = {0}); p stays NULL until the first
 * put, then always points at n bytes followed by a NUL. The buffer owns
 * p: buf_free it, or take p and free() it yourself. */
struct buf {
    char *p;
    size_t n, cap;
};

/* Append s[0..n) (nothing, but still allocate, when n is 0). Returns 0,
 * or -ENOMEM with the buffer unchanged. */
int buf_put(struct buf *b, const void *s, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);

/* Empty the buffer, keeping its memory. */
void buf_clear(struct buf *b);

/* Free the memory; the buffer is empty and reusable afterwards. */
void buf_free(struct buf *b);

#endif
