/* The pipeline: the configured chain of plugin instances, and running one
 * document through it. Used alike by `newsdesk process` and the daemon; it
 * knows nothing of where documents come from or go to. */
#ifndef ND_PIPELINE_H
#define ND_PIPELINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "document.h"
#include "loader.h"

#define LATENCY_BUCKETS 16
extern const double latency_bounds_us[LATENCY_BUCKETS]; /* +Inf beyond */

#define MAX_USER_COUNTERS 32

struct user_counter {
    char name[48];
    atomic_llong value;
};

struct nd_instance {
    const struct step_config *cfg;
    const struct plugin *plugin;
    void *state;
    int ready;              /* init succeeded */
    pthread_rwlock_t lock;  /* process: shared (exclusive if SERIAL); flush:
                               exclusive */
    const char *durable;

    /* metrics */
    atomic_ullong n_ok, n_skip, n_fail, n_retry;
    atomic_ullong latency[LATENCY_BUCKETS + 1];
    atomic_ullong latency_sum_us;
    pthread_mutex_t counters_lock;
    struct user_counter counters[MAX_USER_COUNTERS];
    atomic_int ncounters;
};

struct pipeline {
    struct config cfg;
    struct registry reg;
    struct nd_instance *steps;
    size_t n;
    int run_exporters;      /* `process` without --export leaves them out */
    int started;
    enum durable_mode durable;
    /* When set, called for each spawned document once it has finished
     * (done, or failed for good), on the thread that ran it, just before
     * the pipeline lets go of it (doc_release_child): the last moment its
     * JSON can be read. */
    void (*child_done)(void *ctx, nd_doc_t *parent, size_t index);
    void *child_done_ctx;
};

/* Load the config (NULL: built-in defaults) and the plugins it names.
 * Returns a pipeline (to free with pipeline_free even on failure) and 0,
 * or -1 with every problem in errs. Nothing is initialised yet. */
int pipeline_load(struct pipeline **out, const char *config_file,
                  struct errlist *errs, struct errlist *warns);

/* Call every step's init, in order. Returns 0, or -1 with the reasons in
 * errs (the steps already initialised stay so and are finalised by
 * pipeline_free). */
int pipeline_start(struct pipeline *p, struct errlist *errs);

/* Finalise every initialised step (fini) and free the pipeline. */
void pipeline_free(struct pipeline *p);

/* Run `d` from d->next_step to the end of the chain. A container's
 * children run one after the other (those its reader hands over with
 * nd_doc_spawn_done while it reads, the others after it), each let go of
 * as soon as it has finished, so that a feed of many items never holds
 * them all; the first that asks to be retried stops the rest until the
 * container runs again. Returns:
 *   ND_OK     done (d->state DOC_DONE); for a container, every child is
 *             done (its slot NULL) or failed on its own (see d->children)
 *   ND_RETRY  a step asked to be retried: d->next_step is that step, and
 *             calling pipeline_run again resumes there; or the document
 *             has failed (DOC_FAILED) but a step that accepted it could
 *             not take it back yet (d->withdraw_error), and calling
 *             pipeline_run again goes on taking it back
 *   ND_FAIL   failed for good: d->error, d->error_step, d->error_plugin;
 *             every step that accepted it and has `withdraw` took it back
 *             (a failed document leaves no trace in the sinks)
 * A document nobody has read fails ("unsupported media type") before it
 * reaches an exporter. Thread-safe: different documents may run at once. */
nd_status_t pipeline_run(struct pipeline *p, nd_doc_t *d);

/* Stop retrying `d` and fail it: what the steps accepted of it is taken
 * back as pipeline_run does. A container gives up every child not done
 * yet; with `done_too`, documents already done fail as well (their
 * exports could not be made durable). Returns ND_FAIL, ND_RETRY while a
 * step cannot take it back yet (call again), or ND_OK for a document
 * already done (without done_too). */
nd_status_t pipeline_give_up(struct pipeline *p, nd_doc_t *d, int done_too);

/* Why `d` (or one of its children) waits for a retry, for the log: the
 * step's message, or why a step could not take a failed document back
 * yet; *step gets that step's name (or NULL). Both borrowed; NULL when no
 * reason was given. */
const char *pipeline_retry_reason(const nd_doc_t *d, const char **step);

/* nd_doc_spawn_done (the host function): the reader running on this
 * thread has finished with `child`; run it now and let go of it. */
int pipeline_spawn_done(nd_doc_t *child);

/* Flush every exporter (`sync`: make durable). Returns ND_OK, or the worst
 * status with the failing step and its reason in err. */
nd_status_t pipeline_flush(struct pipeline *p, int sync, char *err,
                           size_t errlen);

/* Wait before retry number `attempt` (1-based): `min` doubled per attempt,
 * capped at `max`, with up to a quarter taken off at random so that many
 * documents failing together do not retry in lockstep. */
int64_t backoff_ms(unsigned attempt, int64_t min, int64_t max);

/* Move the metrics of `from`'s steps into the steps of `to` with the same
 * instance and plugin names (counts, latency histograms, plugin counters),
 * leaving them at zero in `from`. A reload does this when it switches
 * chains and again when the old chain has drained, so that the counts go
 * on rising across reloads. Safe while `from` is still processing. */
void pipeline_move_metrics(struct pipeline *to, struct pipeline *from);

/* Nonzero when the chain holds an exporter with a flush function. */
int pipeline_has_flush(const struct pipeline *p);

#endif
