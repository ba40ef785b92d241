/* valjson: an SDK value written as compact JSON, for exporters that store
 * a field (an entity's normalised value, a list) as JSON text. */
#ifndef ND_VALJSON_H
#define ND_VALJSON_H

#include <newsdesk/plugin.h>
#include <stddef.h>

/* A growing string. */
struct strbuf {
    char *p;
    size_t n, cap;
};

/* Append n bytes (or a C string); the buffer stays NUL-terminated.
 * Return 0 or -1 when out of memory. */
int strbuf_add(struct strbuf *b, const char *s, size_t n);
int strbuf_str(struct strbuf *b, const char *s);

/* Append v as JSON. Returns 0 or -1. */
int strbuf_json(struct strbuf *b, const nd_val_t *v);

/* v as a new JSON string (free() it), or NULL when out of memory. */
char *val_to_json(const nd_val_t *v);

#endif
