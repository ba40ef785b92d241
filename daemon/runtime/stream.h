/* The article stream in Redis: what a forwarder adds, what workers read
 * through their consumer group, and the dead letters beside it
 * (<key>:failed). Synchronous commands over a small pool of connections:
 * every function may be called from any thread, and blocks that thread
 * for at most `timeout` per command (never call one on the loop thread,
 * but for shutdown's stream_requeue). A connection that failed is dropped
 * and made again by the next call, so "Redis is back" needs no step of
 * its own. Errors are -errno with a sentence in err: -EIO when Redis
 * could not be reached or the connection broke (worth a retry), -EPROTO
 * when it refused the command, -ENOMEM.
 *
 * An entry of the stream holds one article: the fields `name` (the name
 * it arrived under), `id` (SHA-256 of its bytes, hex), `received` (unix
 * seconds) and `bytes`. A dead letter holds the same fields and `error`,
 * the JSON error record that failed/ would hold. See docs/scale-out.md. */
#ifndef ND_STREAM_H
#define ND_STREAM_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "failure.h"

#define STREAM_ID_MAX 48       /* "<ms>-<seq>" and a NUL, with room */
#define STREAM_MAX_CONSUMERS 64 /* shown in /status; more are counted */

enum stream_role { STREAM_OFF = 0, STREAM_FORWARD, STREAM_WORK };

/* The `stream` section as values (settings.h holds one). */
struct stream_settings {
    enum stream_role role;
    char *url;                /* owned; holds the password: redact it */
    char *key, *group;        /* owned */
    char *consumer;           /* owned; never "" (host-pid by default) */
    int64_t claim_idle_ms;
    int64_t timeout_ms;
    uint64_t max_backlog;
};

/* One article read from the stream. */
struct stream_entry {
    char sid[STREAM_ID_MAX];  /* the entry's id in the stream */
    char name[NAME_MAX + 1];  /* "" when the entry has none */
    char id[65];              /* the document id; "" when it has none */
    int64_t received;         /* 0 when it has none */
    uint8_t *raw;             /* malloc'd, NUL-terminated past len; NULL:
                                 the entry has no `bytes` field */
    size_t len;
    unsigned deliveries;      /* times the group delivered it, this one
                                 included */
};

void stream_entry_clear(struct stream_entry *e);

/* The figures of the stream and the group, as Redis tells them. */
struct stream_consumer {
    char name[64];
    uint64_t pending;
    int64_t idle_ms;
};

struct stream_figures {
    int known;                /* 0 until read once */
    uint64_t length;          /* entries in the stream (XLEN) */
    uint64_t lag;             /* entries the group has not been given yet */
    uint64_t pending;         /* given to a consumer, not acknowledged */
    uint64_t dead_letters;    /* entries in <key>:failed */
    int64_t rtt_us;           /* one PING's round trip */
    size_t nconsumers;        /* consumers in the group (all of them) */
    struct stream_consumer consumers[STREAM_MAX_CONSUMERS]; /* the first */
};

struct stream;

/* A handle on the stream of `set` (borrowed: it must outlive the handle).
 * Connects lazily. NULL when out of memory or the URL is not valid
 * (config.c has checked it: that is a bug). */
struct stream *stream_new(const struct stream_settings *set);
void stream_free(struct stream *st);

/* The URL with its password replaced, for messages. */
const char *stream_shown_url(const struct stream *st);

/* Create the group at the start of the stream (and the stream) unless
 * it exists. */
int stream_prepare(struct stream *st, char *err, size_t errlen);

/* Add an article (XADD). `sid` gets the new entry's id (may be NULL). */
int stream_add(struct stream *st, const char *name, const char *id,
               int64_t received, const void *raw, size_t len, char *sid,
               char *err, size_t errlen);

/* Up to `max` entries for this consumer into out[] (each to be cleared
 * with stream_entry_clear); their number in *n. `own`: the entries the
 * group gave this consumer before and it has not acknowledged (a
 * restarted worker with a fixed name), else new ones, waiting up to
 * `block_ms` for one to arrive. Entries deleted from the stream while
 * pending are acknowledged and left out. */
int stream_read(struct stream *st, int own, size_t max, int block_ms,
                struct stream_entry *out, size_t *n, char *err, size_t errlen);

/* Take over up to `max` entries that have been pending with any consumer
 * for claim_idle or longer (XAUTOCLAIM from `cursor`, which is "0-0" at
 * first and is advanced; back at "0-0" the scan went round), with their
 * delivery counts (raised by the take-over). */
int stream_reclaim(struct stream *st, char cursor[STREAM_ID_MAX], size_t max,
                   struct stream_entry *out, size_t *n, char *err,
                   size_t errlen);

/* Reset the idle time of entries this consumer holds (XCLAIM ... JUSTID,
 * which leaves their delivery counts alone), so that no other worker
 * takes over an entry this one still works on (a retry's backoff). */
int stream_touch(struct stream *st, const char (*sids)[STREAM_ID_MAX],
                 size_t n, char *err, size_t errlen);

/* Acknowledge an entry: its document is done (XACK). */
int stream_ack(struct stream *st, const char *sid, char *err, size_t errlen);

/* Move a pending entry to the dead letters with the record of `f`, and
 * acknowledge it, atomically (a script). An entry no longer pending (done
 * meanwhile) is left alone. */
int stream_dead_letter(struct stream *st, const char *sid,
                       const struct failure *f, char *err, size_t errlen);

/* Add a document that has no entry of its own (split out of one) to the
 * dead letters with the record of `f`. */
int stream_dead_letter_bytes(struct stream *st, const char *name,
                             const void *raw, size_t len,
                             const struct failure *f, char *err,
                             size_t errlen);

/* Put a pending entry of this consumer back at the end of the stream as a
 * new one and acknowledge the old, atomically: delivered afresh, with a
 * delivery count of its own (shutdown). Returns 0, or -ENOENT when it was
 * no longer this consumer's. */
int stream_requeue(struct stream *st, const char *sid, char *err,
                   size_t errlen);

/* Record that this consumer is alive, at Redis's time, in
 * <key>:consumers (a worker does so every claim_idle/4). */
int stream_beat(struct stream *st, char *err, size_t errlen);

/* Delete from the group the consumers that hold no pending entry and
 * have not recorded that they are alive (stream_beat) for `idle_ms` or
 * more (workers that died, their entries taken over, or that stopped),
 * or that are called `name` (this worker, at shutdown); idle_ms < 0:
 * only `name`. A worker restarted under a new name (host and pid) would
 * otherwise leave one more consumer in the group, in /status and in
 * /metrics, each time. Redis's own idle time cannot tell: before 7.2 it
 * counts from the last entry delivered, so an idle live worker looks
 * dead. A consumer that reads again is made again by Redis. Their
 * number in *forgotten (may be NULL). */
int stream_forget_consumers(struct stream *st, int64_t idle_ms,
                            const char *name, size_t *forgotten, char *err,
                            size_t errlen);

/* Read the stream's and the group's figures. */
int stream_read_figures(struct stream *st, struct stream_figures *fig,
                        char *err, size_t errlen);

/* Trim entries every group has acknowledged (XTRIM MINID ~ at the oldest
 * entry any group still needs): the stream never loses one that is not
 * acknowledged. */
int stream_trim(struct stream *st, char *err, size_t errlen);

/* A dead letter, for `newsdesk retry --stream`. */
struct stream_dead {
    char sid[STREAM_ID_MAX];  /* its id in <key>:failed */
    char name[NAME_MAX + 1];
    char id[65];
    char stage[64];           /* from its error record; "" if none */
};

/* The dead letters after `after` ("-" for the first), at most `max`. */
int stream_dead_list(struct stream *st, const char *after, size_t max,
                     struct stream_dead *out, size_t *n, char *err,
                     size_t errlen);

/* Put dead letter `sid` back into the stream (without its error record)
 * and delete it from the dead letters, atomically; `newsid` gets its new
 * entry id. Returns 0, or -ENOENT when there is no such dead letter. */
int stream_dead_retry(struct stream *st, const char *sid, char *newsid,
                      char *err, size_t errlen);

#endif
