/* The chain: the configured steps (plugin instances, with the registry of
 * loaded plugins and the host function table they call) and running one
 * document through them. Used alike by `newsdesk process` and the daemon;
 * it knows nothing of where documents come from or go to. The struct is
 * opaque: what others need of it goes through the functions below. */
#ifndef ND_CHAIN_H
#define ND_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "document.h"
#include "loader.h"
#include "run.h"

struct chain;

#define LATENCY_BUCKETS 16
extern const double latency_bounds_us[LATENCY_BUCKETS]; /* +Inf beyond */
#define MAX_USER_COUNTERS 32

/* Load the config (NULL: built-in defaults) and the plugins it names.
 * Returns a chain (to free with chain_free even on failure) and 0, or -1
 * with every problem in errs. Nothing is initialised yet. */
int chain_load(struct chain **out, const char *config_file,
               struct errlist *errs, struct errlist *warns);

/* As chain_load, but only the plugins the pipeline names are opened, not
 * every plugin of the folders (registry_on_demand): for a chain that is
 * to run (`process`, `run`, a reload), where a plugin nobody uses would
 * only cost start-up time. chain_registry then holds those plugins, and
 * every plugin only after an unknown name (whose error lists them). */
int chain_load_named(struct chain **out, const char *config_file,
                     struct errlist *errs, struct errlist *warns);

/* The host function table the chain hands to plugins (for a registry of
 * its own: tests, tools). */
const nd_host_api_t *chain_host(void);

/* Leave the exporters out (`newsdesk process` without --export). Before
 * chain_start. */
void chain_skip_exporters(struct chain *c);

/* Call every step's init, in order. Returns 0, or -1 with the reasons in
 * errs (the steps already initialised stay so and are finalised by
 * chain_free). */
int chain_start(struct chain *c, struct errlist *errs);

/* Finalise every initialised step (fini) and free the chain. */
void chain_free(struct chain *c);

/* The configuration and the plugins it was built from, read-only, valid
 * until chain_free. */
const struct config *chain_config(const struct chain *c);
const struct registry *chain_registry(const struct chain *c);

/* Number of steps, and step i as configured (borrowed until chain_free). */
size_t chain_length(const struct chain *c);
const struct step_config *chain_step(const struct chain *c, size_t i);

/* Nonzero when the chain holds an exporter with a flush function (that
 * runs: see chain_skip_exporters). */
int chain_has_flush(const struct chain *c);

/* Run `d` from run->next_step to the end of the chain; `run` is the
 * document's, zeroed before its first run (run.h). A container's
 * children run one after the other (those its reader hands over with
 * nd_doc_spawn_done while it reads, the others after it), each let go of
 * as soon as it has finished, so that a feed of many items never holds
 * them all; the first that asks to be retried stops the rest until the
 * container runs again. Returns:
 *   ND_OK     done (RUN_DONE); for a container, every child is done (its
 *             slot NULL) or failed on its own (run->children[i])
 *   ND_RETRY  a step asked to be retried: run->next_step is that step,
 *             and calling chain_run again resumes there; or the document
 *             has failed (RUN_FAILED) but a step that accepted it could
 *             not take it back yet (run->withdraw), and calling chain_run
 *             again goes on taking it back
 *   ND_FAIL   failed for good (run->error); every step that accepted it
 *             and has `withdraw` took it back (a failed document leaves no
 *             trace in the sinks)
 * A document nobody has read fails ("unsupported media type") before it
 * reaches an exporter. Thread-safe: different documents may run at once. */
nd_status_t chain_run(struct chain *c, nd_doc_t *d, struct chain_run *run);

/* Stop retrying `d` and fail it: what the steps accepted of it is taken
 * back as chain_run does. A container gives up every child not done yet;
 * with `done_too`, documents already done fail as well (their exports
 * could not be made durable). Returns ND_FAIL, ND_RETRY while a step
 * cannot take it back yet (call again), or ND_OK for a document already
 * done (without done_too). */
nd_status_t chain_give_up(struct chain *c, nd_doc_t *d, struct chain_run *run,
                          int done_too);

/* Why `run` (or one of its children's) waits for a retry, for the log: the
 * step's message, or why a step could not take a failed document back
 * yet; *step gets that step's name (or NULL). Both borrowed; NULL when no
 * reason was given. */
const char *chain_retry_reason(const struct chain_run *run, const char **step);

/* Called for each spawned document once it has finished (done, or failed
 * for good), on the thread that ran it, just before the chain lets go of
 * it: the last moment its JSON can be read. NULL: none. */
typedef void chain_child_fn(void *ctx, nd_doc_t *parent,
                            const struct chain_run *parent_run, size_t index);
void chain_on_child_done(struct chain *c, chain_child_fn *fn, void *ctx);

/* Flush every exporter (`sync`: make durable, as chain_sync says the
 * configuration asks). Returns ND_OK, or the worst status with the failing
 * step and its reason in err. */
nd_status_t chain_flush(struct chain *c, int sync, char *err, size_t errlen);

/* Nonzero unless service.durable is none. */
int chain_sync(const struct chain *c);

/* Move the metrics of `from`'s steps into the steps of `to` with the same
 * instance and plugin names (counts, latency histograms, plugin counters),
 * leaving them at zero in `from`. A reload does this when it switches
 * chains and again when the old chain has drained, so that the counts go
 * on rising across reloads. Safe while `from` is still processing. */
void chain_move_metrics(struct chain *to, struct chain *from);

/* What /metrics and /status show of one step: a copy, taken with the
 * counters' atomic loads. */
struct step_stats {
    const char *name, *plugin;   /* borrowed from the chain */
    unsigned long long ok, skip, fail, retry;
    unsigned long long latency[LATENCY_BUCKETS + 1]; /* by latency_bounds_us */
    unsigned long long latency_sum_us;
    size_t ncounters;            /* the plugin's own (nd_counter_add) */
    struct {
        char name[48];
        long long value;
    } counters[MAX_USER_COUNTERS];
};
void chain_step_stats(const struct chain *c, size_t i, struct step_stats *out);

/* Log a line about document `d`: its id and file, and the step `run`
 * names (run->step, else the step of run->error), if any. */
void chain_doc_log(const nd_doc_t *d, const struct chain_run *run,
                   nd_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
