/* replay: the JSON of the documents a database exporter has committed
 * since its last confirmed flush. The commits may be lost with the
 * server's or the disk's cache if the flush fails, and the host retries
 * the flush, not the documents: the exporter writes them again from here
 * before confirming. Not thread-safe: callers hold their own lock. */
#ifndef ND_EXPORT_REPLAY_H
#define ND_EXPORT_REPLAY_H

#include <stddef.h>

struct replay {
    char **json;    /* NUL-terminated copies, in commit order */
    size_t n, cap;
};

/* Keep a copy of json[0..len). Returns 0 or -ENOMEM. */
int replay_keep(struct replay *r, const char *json, size_t len);

/* Forget the document with id `id` (64 hex digits), if kept: a document
 * withdrawn must not come back with a replay. */
void replay_forget(struct replay *r, const char *id);

/* Forget everything (after a confirmed flush); memory kept for reuse. */
void replay_clear(struct replay *r);

/* Release the memory. */
void replay_free(struct replay *r);

#endif
