/* backoff_ms: capped exponential backoff with jitter. */
#include "backoff.h"

#include <stdlib.h>
#include <time.h>

int64_t backoff_ms(unsigned attempt, int64_t min, int64_t max)
{
    int64_t d = min;
    for (unsigned i = 1; i < attempt && d < max; i++)
        d *= 2;
    if (d > max)
        d = max;
    static _Thread_local unsigned seed;
    if (!seed) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        seed = (unsigned)ts.tv_nsec ^ (unsigned)ts.tv_sec ^ (unsigned)(uintptr_t)&seed;
    }
    int64_t jitter = d / 4 ? (int64_t)(rand_r(&seed) % (d / 4 + 1)) : 0;
    return d - jitter;
}
