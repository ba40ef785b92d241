/* The daemon's loop: takes documents from a source (the inbox), runs them
 * through the chain on the libuv thread pool, retries, group-commits
 * exports and records every outcome with the source. All its state is in
 * struct daemon, counters included, so that status, metrics and reloads
 * can be added beside it. */
#ifndef ND_DAEMON_H
#define ND_DAEMON_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "chain.h"
#include "outage.h"
#include "settings.h"
#include "source.h"

/* What the loop has done since it started. Touched on the loop thread
 * only. An item (a file) is one document, or a container of several (a
 * feed's items): items and documents are counted apart. */
struct daemon_counters {
    uint64_t claimed;    /* items taken from the source */
    uint64_t recovered;  /* of those, left over by a daemon that died */
    uint64_t done;       /* items recorded done (moved to done/, or deleted) */
    uint64_t failed;     /* items recorded failed, poison ones included */
    uint64_t docs_done;  /* documents exported: an item's own, or each of a
                            container's that did not fail */
    uint64_t docs_failed; /* documents failed: those of a failed item, and
                            each one that failed in a container done */
    uint64_t retried;    /* runs that ended in RETRY and were rescheduled */
    uint64_t returned;   /* given back to the source at shutdown */
    uint64_t flushes;    /* group commits */
    uint64_t flush_errors;
    uint64_t abandoned;  /* given back when stop_timeout passed */
};

struct job;

/* A chain replaced by a reload, kept until the documents that started on
 * it have finished: documents switch chains between, never during,
 * processing. */
struct retired_chain {
    struct chain *chain;
    size_t jobs;
    struct retired_chain *next;
};

struct job_list {
    struct job *head, *tail;
    size_t n;
};

struct flush_req;

/* The group commit's own thread: a commit never waits behind documents
 * queued on the pool, whose threads are the workers alone. It takes one
 * request at a time (flush_running) and wakes the loop with `done`. */
struct committer {
    uv_thread_t thread;
    uv_mutex_t lock;
    uv_cond_t cond;
    uv_async_t done;
    struct flush_req *request, *finished; /* handed over, and done */
    int quit;
};

struct daemon {
    uv_loop_t *loop;
    struct chain *chain;    /* the chain new documents go through; the
                               caller's, freed by the caller after the
                               loop (daemon_reload replaces it) */
    size_t chain_jobs;      /* documents on it */
    struct retired_chain *retired; /* owned; freed once drained */
    int switching;          /* after a reload: no claims until the old
                               chains are idle */
    struct source *source;  /* owned; where documents come from */
    struct daemon_settings set; /* owned */

    /* the work in hand */
    size_t inflight;        /* taken and not yet recorded: the RAM bound */
    size_t running;         /* of those, on the thread pool now (running
                               or queued there: up to pool_depth) */
    unsigned char *slot_busy; /* pool_depth flags: which running notes */
    struct job_list on_pool;        /* on the thread pool now */
    struct job_list runnable;       /* taken, waiting for a worker */
    struct job_list waiting_retry;  /* on a backoff timer */
    struct job_list waiting_flush;  /* exported, waiting for a group commit */
    struct job_list flushing;       /* in the group commit running now */
    int flush_running;
    struct committer commit;
    unsigned flush_attempt; /* failed group commits in a row */
    uv_timer_t flush_timer; /* backoff after a failed group commit, or
                               the end of a group's wait (lingering) */
    int lingering;          /* flush_timer waits for a group to fill */
    int64_t group_since;    /* when the waiting group's first job joined */
    struct job *isolated;   /* a suspect running alone */
    struct outages outages;

    uv_signal_t sigterm, sigint;
    uv_timer_t stop_timer;  /* stop_timeout */
    int stopping;
    int abandoned;          /* stop_timeout passed with steps running: the
                               caller must exit without waiting for them */
    int closed;             /* handles closed: uv_run is about to return */
    int nclosing;
    struct daemon_counters n;
};

/* Open the source (the inbox and its folders, with what a previous run
 * left in work/) and start everything; `chain` must be started and `set`
 * taken from its configuration (the daemon takes `set`). Returns 0, or -1
 * with a reason for a person in err (the daemon then owns nothing; `set`
 * is freed). */
int daemon_start(struct daemon *dm, uv_loop_t *loop, struct chain *chain,
                 struct daemon_settings *set, char *err, size_t errlen);

/* Stop taking; finish or give back what is in flight; close every handle,
 * after which uv_run returns. Safe to call more than once. When documents
 * are still in a step after service.stop_timeout, they are given back
 * anyway and dm->abandoned is set: the worker threads are then still busy,
 * and the caller must exit the process (_exit) without finalising the
 * chain they use. */
void daemon_stop(struct daemon *dm, const char *why);

/* Send documents taken from now on through `chain` (loaded and started),
 * and apply from `set` the settings that can change while running
 * (max_inflight, retry_min, retry_max, stop_timeout); the source keeps
 * the settings it started with, and the step metrics move over
 * (chain_move_metrics). Documents already taken finish on the chain they
 * started with; that chain is finalised and freed once the last of them
 * is recorded. The daemon takes `chain` and frees `set`; the caller frees
 * whatever dm->chain is after the loop. */
void daemon_reload(struct daemon *dm, struct chain *chain,
                   struct daemon_settings *set);

/* What the source says of itself (pending items, watch, ...). */
void daemon_source_stats(const struct daemon *dm, struct source_stats *st);

#endif
