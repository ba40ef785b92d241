/* How fast a running total grows. See rate.h. */
#include "rate.h"

void rate_sample(struct rate *r, int64_t now_ms, uint64_t total)
{
    r->ms[r->next] = now_ms;
    r->total[r->next] = total;
    r->next = (r->next + 1) % RATE_SAMPLES;
    if (r->n < RATE_SAMPLES)
        r->n++;
}

double rate_per_s(const struct rate *r, double *span_s)
{
    *span_s = 0;
    if (r->n < 2)
        return 0;
    size_t newest = (r->next + RATE_SAMPLES - 1) % RATE_SAMPLES;
    size_t oldest = (r->next + RATE_SAMPLES - r->n) % RATE_SAMPLES;
    int64_t ms = r->ms[newest] - r->ms[oldest];
    if (ms <= 0)
        return 0;
    *span_s = (double)ms / 1000;
    return (double)(r->total[newest] - r->total[oldest]) / *span_s;
}

double rate_eta_s(uint64_t backlog, double per_s)
{
    if (!backlog)
        return 0;
    return per_s > 0 ? (double)backlog / per_s : -1;
}
