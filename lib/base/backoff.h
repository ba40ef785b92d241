/* backoff_ms: how long to wait before trying again, for everything that
 * retries (the daemon's steps and flushes, the webhook's requests). */
#ifndef ND_BASE_BACKOFF_H
#define ND_BASE_BACKOFF_H

#include <stdint.h>

/* The wait before try `attempt` (1 for the first retry): `min` doubled per
 * attempt, capped at `max`, minus up to a quarter at random so that many
 * failing together do not retry in step. Thread-safe. */
int64_t backoff_ms(unsigned attempt, int64_t min, int64_t max);

#endif
