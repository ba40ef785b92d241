/* JSON text read without building it: where a value ends, the members of
 * an object, and the top-level fields of a document's line. The exec step
 * uses it to find what in a child's answer it must parse at all: a field
 * the child sets back with the very bytes it was sent is not a change.
 *
 * The scanner checks the structure of the objects it walks (braces,
 * quotes, colons, commas, keys); a value it only skips is checked by
 * whoever uses it (nd_val_parse_json, or a byte comparison with a value
 * newsdesk wrote itself). */
#ifndef ND_EXEC_JSCAN_H
#define ND_EXEC_JSCAN_H

#include <stddef.h>

/* One member of an object: the key as written between its quotes, and the
 * value's bytes. `plain`: the key has no escape, so its bytes are the
 * name. */
struct jscan_member {
    const char *key;
    size_t keylen;
    int plain;
    const char *val;
    size_t vallen;
};

/* Walking the members of an object, in order. */
struct jscan_obj {
    const char *p, *end;
    int first;
};

/* p is past any whitespace, at the value's first byte: past the value's
 * last byte, or NULL when the text ends first. A value that is not JSON
 * is skipped as far as its brackets and quotes say. */
const char *jscan_skip(const char *p, const char *end);

/* Start walking the object in [p, end), whitespace around it allowed.
 * Returns 0, or -1 when it does not start as an object. */
int jscan_open(struct jscan_obj *o, const char *p, const char *end);

/* The next member into *m: 1, 0 at the closing brace, -1 when the text is
 * not an object there. */
int jscan_next(struct jscan_obj *o, struct jscan_member *m);

/* After jscan_next returned 0: is the rest of the text only whitespace? */
int jscan_at_end(const struct jscan_obj *o);

/* The top-level fields of a document's line as newsdesk wrote it
 * (nd_doc_json), scanned once when first asked for. The line is
 * borrowed: it must stay as it is while the index is used. */
#define DOCLINE_FIELDS 48

struct docline {
    const char *line;
    size_t len;
    struct jscan_member *f;  /* `fixed`, or malloc'd for a longer line */
    size_t n, cap;
    int scanned;  /* 1: f holds the fields; -1: the line could not be read */
    /* Room for a document's fields without a malloc, which for a block
     * this size can make glibc consolidate its free lists first. */
    struct jscan_member fixed[DOCLINE_FIELDS];
};

/* The field `name` (n bytes) of the line, or NULL. Scans the line the
 * first time. */
const struct jscan_member *docline_find(struct docline *d, const char *name,
                                        size_t n);

void docline_free(struct docline *d);

#endif
