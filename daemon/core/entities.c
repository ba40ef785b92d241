/* A document's entities as records, before anyone asks for them as a
 * value. */
#include "entities.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "value.h"

struct entity_rec {
    size_t type, type_len; /* offsets into strs */
    size_t text, text_len;
    uint32_t count;
    size_t span0, nspans;  /* into spans */
    json_t *value;         /* owned; NULL when none */
};

/* Append s to strs, cleaned as a value's string is (val_clean), and say
 * where it went. */
static int put_str(struct buf *strs, const char *s, size_t *at, size_t *len)
{
    char *owned;
    const char *clean = val_clean(s, strlen(s), len, &owned);
    *at = strs->n;
    int rc = clean ? buf_put(strs, clean, *len) : -ENOMEM;
    free(owned);
    return rc;
}

int entity_list_add(struct entity_list *l, const nd_entity_t *e)
{
    if (!e->type || !e->text) {
        json_decref(VAL(e->value));
        return -EINVAL;
    }
    struct entity_rec *rec = array_grow(l->rec, &l->cap, l->n + 1, sizeof *rec, 16);
    if (rec)
        l->rec = rec;
    uint32_t(*spans)[2] = array_grow(l->spans, &l->spans_cap,
                                     l->nspans + e->nspans, sizeof *spans, 64);
    if (spans)
        l->spans = spans;
    struct entity_rec r = {.count = e->count, .span0 = l->nspans,
                           .nspans = e->nspans, .value = VAL(e->value)};
    size_t strs_n = l->strs.n;
    if (!rec || !spans || put_str(&l->strs, e->type, &r.type, &r.type_len) < 0 ||
        put_str(&l->strs, e->text, &r.text, &r.text_len) < 0) {
        if (l->strs.p)
            l->strs.p[l->strs.n = strs_n] = '\0';
        json_decref(r.value);
        return -ENOMEM;
    }
    if (e->nspans)
        memcpy(l->spans + l->nspans, e->spans, e->nspans * sizeof *l->spans);
    l->nspans += e->nspans;
    l->rec[l->n++] = r;
    return 0;
}

/* One record as the object nd_doc_add_entity() describes; its value
 * passes to the object. */
static json_t *rec_value(const struct entity_list *l, struct entity_rec *r)
{
    json_t *obj = json_object(), *spans = json_array();
    if (!obj || !spans)
        goto fail;
    for (size_t i = r->span0; i < r->span0 + r->nspans; i++) {
        json_t *span = json_array();
        if (!span || json_array_append_new(spans, span) < 0 ||
            json_array_append_new(span, json_integer(l->spans[i][0])) < 0 ||
            json_array_append_new(span, json_integer(l->spans[i][1])) < 0)
            goto fail;
    }
    if (json_object_set_new(obj, "type", json_stringn_nocheck(l->strs.p + r->type,
                                                              r->type_len)) < 0 ||
        json_object_set_new(obj, "text", json_stringn_nocheck(l->strs.p + r->text,
                                                              r->text_len)) < 0 ||
        json_object_set_new(obj, "count", json_integer(r->count)) < 0 ||
        json_object_set_new(obj, "spans", spans) < 0)
        goto fail_obj;
    json_t *value = r->value;
    r->value = NULL;
    if (value && json_object_set_new(obj, "value", value) < 0)
        goto fail_obj;
    return obj;
fail:
    json_decref(spans);
fail_obj:
    json_decref(obj);
    return NULL;
}

int entity_list_move_to(struct entity_list *l, json_t *list)
{
    int rc = 0;
    for (size_t i = 0; i < l->n && rc == 0; i++)
        if (json_array_append_new(list, rec_value(l, &l->rec[i])) < 0)
            rc = -ENOMEM;
    entity_list_clear(l);
    return rc;
}

static int write_rec(struct buf *b, const struct entity_list *l,
                     const struct entity_rec *r)
{
    if (buf_puts(b, "{\"type\":") < 0 ||
        val_write_string(b, l->strs.p + r->type, r->type_len) < 0 ||
        buf_puts(b, ",\"text\":") < 0 ||
        val_write_string(b, l->strs.p + r->text, r->text_len) < 0 ||
        buf_puts(b, ",\"count\":") < 0 ||
        val_write_int(b, r->count) < 0 ||
        buf_puts(b, ",\"spans\":[") < 0)
        return -ENOMEM;
    for (size_t i = r->span0; i < r->span0 + r->nspans; i++)
        if ((i > r->span0 && buf_putc(b, ',') < 0) || buf_putc(b, '[') < 0 ||
            val_write_int(b, l->spans[i][0]) < 0 || buf_putc(b, ',') < 0 ||
            val_write_int(b, l->spans[i][1]) < 0 || buf_putc(b, ']') < 0)
            return -ENOMEM;
    if (buf_putc(b, ']') < 0 ||
        (r->value && (buf_puts(b, ",\"value\":") < 0 ||
                      val_write_json(b, r->value) < 0)))
        return -ENOMEM;
    return buf_putc(b, '}');
}

int entity_list_write_json(struct buf *b, const struct entity_list *l)
{
    if (buf_putc(b, '[') < 0)
        return -ENOMEM;
    for (size_t i = 0; i < l->n; i++)
        if ((i && buf_putc(b, ',') < 0) || write_rec(b, l, &l->rec[i]) < 0)
            return -ENOMEM;
    return buf_putc(b, ']');
}

void entity_list_clear(struct entity_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        json_decref(l->rec[i].value);
    free(l->rec);
    free(l->spans);
    buf_free(&l->strs);
    *l = (struct entity_list){0};
}
