/* Outages: a sink that is down, a full disk, a group commit that keeps
 * failing. Many documents retry through one outage; the log should say
 * once that it started (warning: what `journalctl -p warning` shows) and
 * once that it ended (notice), not once per document per retry. This
 * keeps the open ones, by key ("step sqlite", "group commit", "state
 * folder"), on the loop thread. */
#ifndef ND_OUTAGE_H
#define ND_OUTAGE_H

#include <stddef.h>
#include <stdint.h>

#define OUTAGE_KEY_MAX 96
#define MAX_OUTAGES 16

struct outage {
    char key[OUTAGE_KEY_MAX];
    int64_t since_ms;
    uint64_t retries;     /* retries that were part of it */
};

struct outages {
    struct outage v[MAX_OUTAGES];
    size_t n;
};

/* A retry because of `key`. Returns 1 when that starts an outage (the
 * caller logs it at warning), 0 when it is part of one already open (log
 * it at debug). Past MAX_OUTAGES open ones, every retry says 1: louder,
 * never silent. */
int outage_retry(struct outages *o, const char *key, int64_t now_ms);

/* `key` works again. Returns 1 when that ends an open outage, with how
 * long it lasted and how many retries it caused, 0 when none was open. */
int outage_end(struct outages *o, const char *key, int64_t now_ms,
               int64_t *lasted_ms, uint64_t *retries);

/* Nonzero while `key` is open. */
int outage_open(const struct outages *o, const char *key);

#endif
