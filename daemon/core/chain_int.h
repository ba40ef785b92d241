/* Inside the chain module (chain.c, chain_host.c): the chain and its
 * instances. Nothing outside daemon/core/chain*.c includes this. */
#ifndef ND_CHAIN_INT_H
#define ND_CHAIN_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "chain.h"

struct user_counter {
    char name[48];
    atomic_llong value;
};

/* One configured step: what plugins know as nd_instance_t. */
struct nd_instance {
    const struct step_config *cfg;
    const struct plugin *plugin;
    void *state;
    int ready;              /* init succeeded */
    pthread_rwlock_t lock;  /* process, withdraw, confirm: shared (exclusive
                               if SERIAL); flush: exclusive */
    const char *durable;

    /* metrics */
    atomic_ullong n_ok, n_skip, n_fail, n_retry;
    atomic_ullong latency[LATENCY_BUCKETS + 1];
    atomic_ullong latency_sum_us;
    pthread_mutex_t counters_lock;
    struct user_counter counters[MAX_USER_COUNTERS];
    atomic_int ncounters;
};

struct chain {
    struct config cfg;
    struct registry reg;
    struct nd_instance *steps;
    size_t n;
    int run_exporters;      /* `process` without --export leaves them out */
    int started;
    enum durable_mode durable;
    chain_child_fn *child_done;
    void *child_done_ctx;
};

/* The function table handed to every plugin (chain_host.c). */
extern const nd_host_api_t chain_host_api;

/* nd_doc_spawn_done (the host function): the reader running on this
 * thread has finished with `child`; run it now and let go of it. */
int chain_spawn_done(nd_doc_t *child);

/* Add to an instance's counter (nd_counter_add). */
void chain_counter_add(nd_instance_t *self, const char *name, int64_t delta);

#endif
