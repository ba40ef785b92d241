/* How fast a running total grows, over the last minute: the total is
 * sampled about once a second and the rate is its growth across the
 * samples kept. For /status and `newsdesk status`: files and documents
 * finished per second, and so how long the backlog will take. */
#ifndef ND_RATE_H
#define ND_RATE_H

#include <stddef.h>
#include <stdint.h>

#define RATE_SAMPLES 61 /* a minute of samples taken a second apart */

struct rate {
    int64_t ms[RATE_SAMPLES];     /* when each sample was taken */
    uint64_t total[RATE_SAMPLES]; /* the total then */
    size_t next, n;               /* a ring: the next slot, samples held */
};

/* Note that the total is `total` at `now_ms` (a monotonic clock). The
 * oldest sample goes once RATE_SAMPLES are held. */
void rate_sample(struct rate *r, int64_t now_ms, uint64_t total);

/* The growth per second from the oldest sample held to the newest, and
 * the seconds between them in *span_s; 0 and 0 before two samples. */
double rate_per_s(const struct rate *r, double *span_s);

/* Seconds until `backlog` is done at `per_s`: 0 with no backlog, -1 when
 * nothing is being done (no estimate). */
double rate_eta_s(uint64_t backlog, double per_s);

#endif
