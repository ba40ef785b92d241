/* A condition variable whose timed waits run on CLOCK_MONOTONIC, so that
 * a wall-clock step (NTP, an operator's `date`) neither cuts a wait short
 * nor stretches it. Header-only. */
#ifndef ND_BASE_MONOCOND_H
#define ND_BASE_MONOCOND_H

#include <pthread.h>
#include <time.h>

/* Initialise `c` for pthread_cond_timedwait with CLOCK_MONOTONIC
 * deadlines. Returns pthread_cond_init's result. */
static inline int monocond_init(pthread_cond_t *c)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(c, &ca);
    pthread_condattr_destroy(&ca);
    return rc;
}

#endif
