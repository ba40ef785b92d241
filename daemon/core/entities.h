/* A document's entities as records, before anyone asks for them as a
 * value.
 *
 * An article has dozens of entities and hundreds of mention spans. As
 * jansson values, every span alone was four allocations to make, then to
 * walk when writing the JSON line and to free: a tenth of what a document
 * cost. The document keeps what nd_doc_add_entity() is given here
 * instead, in a few growing arrays, writes it straight into the JSON line,
 * and turns it into the "entities" value only when a plugin or a condition
 * reads that field. */
#ifndef ND_ENTITIES_H
#define ND_ENTITIES_H

#include <jansson.h>
#include <newsdesk/plugin.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

struct entity_rec;

/* Zero-initialise it; entity_list_clear() frees what it holds. */
struct entity_list {
    struct entity_rec *rec;
    size_t n, cap;
    uint32_t (*spans)[2];   /* every record's spans, one after the other */
    size_t nspans, spans_cap;
    struct buf strs;        /* every record's type and text */
};

/* Append a copy of e (its strings cleaned as values' are), taking
 * e->value, as nd_doc_add_entity() does, even on failure. Returns 0, or
 * -EINVAL (no type or text) or -ENOMEM with the list unchanged. */
int entity_list_add(struct entity_list *l, const nd_entity_t *e);

/* Append the records to `list` (a JSON array) as the objects
 * nd_doc_add_entity() describes: {"type", "text", "count", "spans" and,
 * when there is one, "value"}. The values pass to the list; the list of
 * records is emptied either way. Returns 0 or -ENOMEM. */
int entity_list_move_to(struct entity_list *l, json_t *list);

/* Append the records to b as the JSON array entity_list_move_to() would
 * make of them, written as val_write_json() writes it. Returns 0 or
 * -ENOMEM. */
int entity_list_write_json(struct buf *b, const struct entity_list *l);

/* Free the records and their values; the list is empty afterwards. */
void entity_list_clear(struct entity_list *l);

#endif
