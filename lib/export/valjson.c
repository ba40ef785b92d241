/* valjson: SDK values to JSON text. */
#include "valjson.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int json_string(struct buf *b, const char *s, size_t n)
{
    if (buf_puts(b, "\"") < 0)
        return -ENOMEM;
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
        if (buf_put(b, s + run, i - run) < 0 || buf_puts(b, esc) < 0)
            return -ENOMEM;
        run = i + 1;
    }
    if (buf_put(b, s + run, n - run) < 0)
        return -ENOMEM;
    return buf_puts(b, "\"");
}

int valjson_put(struct buf *b, const nd_val_t *v)
{
    char tmp[64];
    size_t n;
    switch (nd_val_type(v)) {
    case ND_VAL_NULL:
        return buf_puts(b, "null");
    case ND_VAL_BOOL:
        return buf_puts(b, nd_val_as_bool(v) ? "true" : "false");
    case ND_VAL_INT:
        snprintf(tmp, sizeof tmp, "%lld", (long long)nd_val_as_int(v));
        return buf_puts(b, tmp);
    case ND_VAL_NUM:
        snprintf(tmp, sizeof tmp, "%.12g", nd_val_as_num(v));
        return buf_puts(b, tmp);
    case ND_VAL_STR: {
        const char *s = nd_val_as_str(v, &n);
        return json_string(b, s, n);
    }
    case ND_VAL_LIST:
        if (buf_puts(b, "[") < 0)
            return -ENOMEM;
        for (size_t i = 0; i < nd_val_len(v); i++)
            if ((i && buf_puts(b, ",") < 0) || valjson_put(b, nd_val_at(v, i)) < 0)
                return -ENOMEM;
        return buf_puts(b, "]");
    case ND_VAL_OBJ:
        if (buf_puts(b, "{") < 0)
            return -ENOMEM;
        for (size_t i = 0; i < nd_val_len(v); i++) {
            const nd_val_t *item;
            const char *k = nd_val_key_at(v, i, &item);
            if ((i && buf_puts(b, ",") < 0) || json_string(b, k, strlen(k)) < 0 ||
                buf_puts(b, ":") < 0 || valjson_put(b, item) < 0)
                return -ENOMEM;
        }
        return buf_puts(b, "}");
    }
    return -EINVAL;
}
