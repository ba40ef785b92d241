/* valjson: an SDK value written as compact JSON, for exporters that store
 * a field (a list, an entity's normalised value) as JSON text. */
#ifndef ND_VALJSON_H
#define ND_VALJSON_H

#include <newsdesk/plugin.h>

#include "base/buf.h"

/* Append v to b as JSON. Returns 0 or -ENOMEM. */
int valjson_put(struct buf *b, const nd_val_t *v);

#endif
