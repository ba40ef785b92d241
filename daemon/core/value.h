/* nd_val_t, the SDK's JSON-like value, kept as a jansson json_t. */
#ifndef ND_VALUE_H
#define ND_VALUE_H

#include <jansson.h>
#include <newsdesk/plugin.h>

#define VAL(v) ((json_t *)(v))
#define NDVAL(j) ((nd_val_t *)(j))

struct buf;

/* A new JSON string holding a cleaned copy of s[0..n) (n == (size_t)-1:
 * up to the NUL). */
json_t *val_string(const char *s, size_t n);

/* s[0..n) as a value's string holds it, its length into *len: s itself
 * when it is valid UTF-8 without NUL bytes (*owned is then NULL), else a
 * repaired copy, which *owned points to for the caller to free. NULL when
 * out of memory. */
const char *val_clean(const char *s, size_t n, size_t *len, char **owned);

/* Append v to b as compact JSON, byte for byte as jansson's json_dumps(v,
 * JSON_COMPACT | JSON_REAL_PRECISION(12)) writes it (keys in insertion
 * order), without its character-by-character UTF-8 decoding: the strings
 * of values are valid UTF-8 already. Returns 0 or -ENOMEM. */
int val_write_json(struct buf *b, const json_t *v);

/* Append s[0..n) (valid UTF-8) to b as a JSON string, escaped as jansson
 * escapes: '"', '\\' and control characters (\b \f \n \r \t, else
 * \u00XX). Returns 0 or -ENOMEM. */
int val_write_string(struct buf *b, const char *s, size_t n);

/* Append v to b in decimal, as "%lld" writes it. Returns 0 or -ENOMEM. */
int val_write_int(struct buf *b, int64_t v);

/* The host functions for values, filled into the API table. */
nd_val_t *val_null(void);
nd_val_t *val_bool(int b);
nd_val_t *val_int(int64_t i);
nd_val_t *val_num(double d);
nd_val_t *val_str(const char *s, size_t len);
nd_val_t *val_list(void);
nd_val_t *val_obj(void);
int val_push(nd_val_t *list, nd_val_t *item);
int val_put(nd_val_t *obj, const char *key, nd_val_t *item);
void val_free(nd_val_t *v);
nd_val_type_t val_type(const nd_val_t *v);
const char *val_as_str(const nd_val_t *v, size_t *len);
double val_as_num(const nd_val_t *v);
int64_t val_as_int(const nd_val_t *v);
int val_as_bool(const nd_val_t *v);
size_t val_len(const nd_val_t *v);
const nd_val_t *val_at(const nd_val_t *list, size_t i);
const nd_val_t *val_get(const nd_val_t *obj, const char *key);
const char *val_key_at(const nd_val_t *obj, size_t i, const nd_val_t **item);
nd_val_t *val_parse_json(const char *json, size_t len, char *err,
                         size_t errlen);


#endif
