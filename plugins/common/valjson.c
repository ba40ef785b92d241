/* valjson: SDK values to JSON text. */
#include "valjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int strbuf_add(struct strbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p, b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

int strbuf_str(struct strbuf *b, const char *s) { return strbuf_add(b, s, strlen(s)); }

static int json_string(struct strbuf *b, const char *s, size_t n)
{
    if (strbuf_str(b, "\"") < 0)
        return -1;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch != '"' && ch != '\\')
            continue;
        char esc[8];
        if (ch == '"' || ch == '\\')
            esc[0] = '\\', esc[1] = (char)ch, esc[2] = '\0';
        else if (ch == '\n')
            strcpy(esc, "\\n");
        else if (ch == '\t')
            strcpy(esc, "\\t");
        else
            snprintf(esc, sizeof esc, "\\u%04x", ch);
        if (strbuf_add(b, s + run, i - run) < 0 || strbuf_str(b, esc) < 0)
            return -1;
        run = i + 1;
    }
    if (strbuf_add(b, s + run, n - run) < 0)
        return -1;
    return strbuf_str(b, "\"");
}

int strbuf_json(struct strbuf *b, const nd_val_t *v)
{
    char tmp[64];
    size_t n;
    switch (nd_val_type(v)) {
    case ND_VAL_NULL:
        return strbuf_str(b, "null");
    case ND_VAL_BOOL:
        return strbuf_str(b, nd_val_as_bool(v) ? "true" : "false");
    case ND_VAL_INT:
        snprintf(tmp, sizeof tmp, "%lld", (long long)nd_val_as_int(v));
        return strbuf_str(b, tmp);
    case ND_VAL_NUM:
        snprintf(tmp, sizeof tmp, "%.12g", nd_val_as_num(v));
        return strbuf_str(b, tmp);
    case ND_VAL_STR: {
        const char *s = nd_val_as_str(v, &n);
        return json_string(b, s, n);
    }
    case ND_VAL_LIST:
        if (strbuf_str(b, "[") < 0)
            return -1;
        for (size_t i = 0; i < nd_val_len(v); i++)
            if ((i && strbuf_str(b, ",") < 0) || strbuf_json(b, nd_val_at(v, i)) < 0)
                return -1;
        return strbuf_str(b, "]");
    case ND_VAL_OBJ:
        if (strbuf_str(b, "{") < 0)
            return -1;
        for (size_t i = 0; i < nd_val_len(v); i++) {
            const nd_val_t *item;
            const char *k = nd_val_key_at(v, i, &item);
            if ((i && strbuf_str(b, ",") < 0) || json_string(b, k, strlen(k)) < 0 ||
                strbuf_str(b, ":") < 0 || strbuf_json(b, item) < 0)
                return -1;
        }
        return strbuf_str(b, "}");
    }
    return -1;
}

char *val_to_json(const nd_val_t *v)
{
    struct strbuf b = {0};
    if (strbuf_json(&b, v) < 0) {
        free(b.p);
        return NULL;
    }
    return b.p;
}
