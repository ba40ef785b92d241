/* nd_val_t, the SDK's JSON-like value, kept as a jansson json_t.
 *
 * jansson keeps object keys in insertion order, which gives documents a
 * stable field order, and it escapes control characters on output. It
 * insists on valid UTF-8, so every string is cleaned on the way in. */
#include "value.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/bytes8.h"
#include "base/utf8.h"

json_t *val_string(const char *s, size_t n)
{
    if (!s)
        return json_null();
    if (n == (size_t)-1)
        n = strlen(s);
    size_t len;
    char *owned;
    const char *clean = val_clean(s, n, &len, &owned);
    json_t *j = clean ? json_stringn_nocheck(clean, len) : NULL;
    free(owned);
    return j;
}

const char *val_clean(const char *s, size_t n, size_t *len, char **owned)
{
    *owned = NULL;
    if (utf8_valid(s, n)) { /* most strings: no copy to repair */
        *len = n;
        return s;
    }
    return *owned = utf8_clean(s, n, UTF8_KEEP_CONTROLS, len);
}

nd_val_t *val_null(void) { return NDVAL(json_null()); }
nd_val_t *val_bool(int b) { return NDVAL(json_boolean(b)); }
nd_val_t *val_int(int64_t i) { return NDVAL(json_integer((json_int_t)i)); }

nd_val_t *val_num(double d)
{
    /* JSON has no NaN or infinity. */
    return NDVAL(isfinite(d) ? json_real(d) : json_null());
}

nd_val_t *val_str(const char *s, size_t len) { return NDVAL(val_string(s, len)); }
nd_val_t *val_list(void) { return NDVAL(json_array()); }
nd_val_t *val_obj(void) { return NDVAL(json_object()); }

int val_push(nd_val_t *list, nd_val_t *item)
{
    if (!item)
        return -1;
    if (!json_is_array(VAL(list))) {
        json_decref(VAL(item));
        return -1;
    }
    return json_array_append_new(VAL(list), VAL(item));
}

int val_put(nd_val_t *obj, const char *key, nd_val_t *item)
{
    if (!item)
        return -1;
    if (!json_is_object(VAL(obj)) || !key) {
        json_decref(VAL(item));
        return -1;
    }
    json_t *k = val_string(key, (size_t)-1);
    if (!k) {
        json_decref(VAL(item));
        return -1;
    }
    int rc = json_object_set_new(VAL(obj), json_string_value(k), VAL(item));
    json_decref(k);
    return rc;
}

void val_free(nd_val_t *v) { json_decref(VAL(v)); }

nd_val_type_t val_type(const nd_val_t *v)
{
    switch (json_typeof(VAL(v))) {
    case JSON_TRUE:
    case JSON_FALSE: return ND_VAL_BOOL;
    case JSON_INTEGER: return ND_VAL_INT;
    case JSON_REAL: return ND_VAL_NUM;
    case JSON_STRING: return ND_VAL_STR;
    case JSON_ARRAY: return ND_VAL_LIST;
    case JSON_OBJECT: return ND_VAL_OBJ;
    default: return ND_VAL_NULL;
    }
}

const char *val_as_str(const nd_val_t *v, size_t *len)
{
    if (!json_is_string(VAL(v)))
        return NULL;
    if (len)
        *len = json_string_length(VAL(v));
    return json_string_value(VAL(v));
}

double val_as_num(const nd_val_t *v) { return json_number_value(VAL(v)); }

int64_t val_as_int(const nd_val_t *v)
{
    if (json_is_integer(VAL(v)))
        return json_integer_value(VAL(v));
    if (json_is_real(VAL(v)))
        return (int64_t)json_real_value(VAL(v));
    return 0;
}

int val_as_bool(const nd_val_t *v) { return json_is_true(VAL(v)); }

size_t val_len(const nd_val_t *v)
{
    if (json_is_array(VAL(v)))
        return json_array_size(VAL(v));
    if (json_is_object(VAL(v)))
        return json_object_size(VAL(v));
    if (json_is_string(VAL(v)))
        return json_string_length(VAL(v));
    return 0;
}

const nd_val_t *val_at(const nd_val_t *list, size_t i)
{
    return NDVAL(json_array_get(VAL(list), i));
}

const nd_val_t *val_get(const nd_val_t *obj, const char *key)
{
    return NDVAL(json_object_get(VAL(obj), key));
}

const char *val_key_at(const nd_val_t *obj, size_t i, const nd_val_t **item)
{
    if (!json_is_object(VAL(obj)))
        return NULL;
    void *it = json_object_iter(VAL(obj));
    while (it && i--)
        it = json_object_iter_next(VAL(obj), it);
    if (!it)
        return NULL;
    if (item)
        *item = NDVAL(json_object_iter_value(it));
    return json_object_iter_key(it);
}

nd_val_t *val_parse_json(const char *json, size_t len, char *err,
                         size_t errlen)
{
    json_error_t e;
    json_t *j = json_loadb(json, len, JSON_DECODE_ANY, &e);
    if (!j && err && errlen)
        snprintf(err, errlen, "line %d, column %d: %s", e.line, e.column,
                 e.text);
    return NDVAL(j);
}

/* ---- writing JSON --------------------------------------------------------- */

/* How each byte is written in a JSON string: 0 as it is, 'u' as \u00XX,
 * else a backslash and this letter. */
static const char escapes[256] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
    ['"'] = '"', ['\\'] = '\\',
};

/* Whether any of the eight bytes of w is one to escape. */
static int escape_in(uint64_t w)
{
    return (bytes8_below(w, 0x20) | bytes8_has(w, '"') | bytes8_has(w, '\\')) != 0;
}

int val_write_string(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    if (buf_putc(b, '"') < 0)
        return -ENOMEM;
    size_t run = 0;
    for (size_t i = 0; i < n;) {
        if (i + 8 <= n && !escape_in(bytes8_load(s + i))) {
            i += 8;
            continue;
        }
        for (size_t stop = i + 8 < n ? i + 8 : n; i < stop; i++) {
            unsigned char c = (unsigned char)s[i];
            char e = escapes[c];
            if (!e)
                continue;
            char seq[6] = {'\\', e, '0', '0', hex[c >> 4], hex[c & 15]};
            if (buf_put(b, s + run, i - run) < 0 ||
                buf_put(b, seq, e == 'u' ? 6 : 2) < 0)
                return -ENOMEM;
            run = i + 1;
        }
    }
    if (buf_put(b, s + run, n - run) < 0)
        return -ENOMEM;
    return buf_putc(b, '"');
}

int val_write_int(struct buf *b, int64_t v)
{
    char s[24], *p = s + sizeof s;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    return buf_put(b, p, (size_t)(s + sizeof s - p));
}

/* A real as jansson writes it: "%.12g", with ".0" when that reads as an
 * integer, and the exponent without its '+' and leading zeros. */
static int write_real(struct buf *b, double x)
{
    char s[40];
    int n = snprintf(s, sizeof s - 2, "%.12g", x);
    if (n < 0 || (size_t)n >= sizeof s - 2)
        return -ENOMEM;
    char *e = strchr(s, 'e');
    if (!e && !strchr(s, '.')) {
        memcpy(s + n, ".0", 3);
        n += 2;
    } else if (e) {
        char *from = e + 1, *to = e + 1;
        if (*from == '-')
            *to++ = *from++;
        else if (*from == '+')
            from++;
        while (*from == '0' && from[1])
            from++;
        memmove(to, from, strlen(from) + 1);
        n = (int)strlen(s);
    }
    return buf_put(b, s, (size_t)n);
}

int val_write_json(struct buf *b, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_NULL:
        return buf_put(b, "null", 4);
    case JSON_TRUE:
        return buf_put(b, "true", 4);
    case JSON_FALSE:
        return buf_put(b, "false", 5);
    case JSON_INTEGER:
        return val_write_int(b, json_integer_value(v));
    case JSON_REAL:
        return write_real(b, json_real_value(v));
    case JSON_STRING:
        return val_write_string(b, json_string_value(v), json_string_length(v));
    case JSON_ARRAY:
        if (buf_putc(b, '[') < 0)
            return -ENOMEM;
        for (size_t i = 0; i < json_array_size(v); i++)
            if ((i && buf_putc(b, ',') < 0) ||
                val_write_json(b, json_array_get(v, i)) < 0)
                return -ENOMEM;
        return buf_putc(b, ']');
    case JSON_OBJECT: {
        if (buf_putc(b, '{') < 0)
            return -ENOMEM;
        int first = 1;
        for (void *it = json_object_iter((json_t *)v); it;
             it = json_object_iter_next((json_t *)v, it), first = 0)
            if ((!first && buf_putc(b, ',') < 0) ||
                val_write_string(b, json_object_iter_key(it),
                                 strlen(json_object_iter_key(it))) < 0 ||
                buf_putc(b, ':') < 0 ||
                val_write_json(b, json_object_iter_value(it)) < 0)
                return -ENOMEM;
        return buf_putc(b, '}');
    }
    }
    return -EINVAL;
}
