/* The daemon's settings as plain values: taken from a configuration at
 * start and at each reload, with every string copied, so that nothing of
 * the running daemon borrows from a configuration a reload frees. */
#ifndef ND_SETTINGS_H
#define ND_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "inbox.h"
#include "stream.h"

struct daemon_settings {
    /* the inbox and its folders (fixed at start) */
    char *inbox_path;          /* owned */
    char *state;               /* owned */
    struct inbox_settings inbox; /* its path and ignore globs point into
                                    inbox_path and ignore */
    char **ignore;             /* owned copies of inbox.ignore */
    size_t max_bytes;
    unsigned max_attempts;
    int delete_done;           /* on_success: delete */
    /* scale-out (fixed at start): role STREAM_OFF without a `stream`
     * section; a forwarder runs no chain, a worker has no inbox */
    struct stream_settings stream;
    /* the worker pool and durability (fixed at start) */
    unsigned workers;          /* 0 in the configuration: the CPUs */
    int sync;                  /* durable is batch or always */
    const char *durable;       /* "batch", "always" or "none" (static) */
    /* what a reload changes */
    size_t max_inflight;
    int64_t retry_min, retry_max;
    int64_t stop_timeout_ms;   /* 0: wait for every step */
};

/* Take the settings out of `c`. Returns 0, or -1 when out of memory
 * (nothing to free then). */
int settings_from_config(struct daemon_settings *s, const struct config *c);
void settings_free(struct daemon_settings *s);

/* Documents on the thread pool at once: eight for each worker thread
 * (one running, the rest queued behind it), so that a worker that
 * finishes a document starts the next at once instead of sleeping until
 * the loop thread hands it one, even when the loop thread waits for a
 * CPU itself. Queued documents cost nothing until they start (they are
 * read then) and go back at a stop. In 4,000-article bursts on two CPUs,
 * against two per worker: 1,598-1,727 articles/s against 1,332-1,446,
 * and a tenth of the workers' sleeps. Each has a `running` note slot (the
 * inbox's crash markers). */
static inline unsigned pool_depth(const struct daemon_settings *s)
{
    return 8 * s->workers;
}

#endif
