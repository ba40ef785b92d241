/* The daemon's loop: claims ready files from the inbox, runs them through
 * the pipeline on the libuv thread pool, retries, group-commits exports and
 * files every outcome. All its state is in struct daemon, counters
 * included, so that status, metrics and reloads can be added beside it. */
#ifndef ND_DAEMON_H
#define ND_DAEMON_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "inbox.h"
#include "outage.h"
#include "pipeline.h"
#include "store.h"

/* What the loop has done since it started. Touched on the loop thread
 * only. */
struct daemon_counters {
    uint64_t claimed;    /* files taken from the inbox */
    uint64_t recovered;  /* files found in work/ at start-up */
    uint64_t done;       /* files moved to done/ (or deleted) */
    uint64_t failed;     /* files moved to failed/, poison ones included */
    uint64_t failed_children; /* failed documents split out of a container */
    uint64_t retried;    /* runs that ended in RETRY and were rescheduled */
    uint64_t returned;   /* files given back to the inbox at shutdown */
    uint64_t flushes;    /* group commits */
    uint64_t flush_errors;
    uint64_t abandoned;  /* given back when stop_timeout passed */
};

struct job;

/* A chain replaced by a reload, kept until the documents that started on
 * it have finished: documents switch chains between, never during,
 * processing. */
struct retired_chain {
    struct pipeline *p;
    size_t jobs;
    struct retired_chain *next;
};

struct job_list {
    struct job *head, *tail;
    size_t n;
};

struct daemon {
    uv_loop_t *loop;
    struct pipeline *p;     /* the chain new documents go through; the
                               caller's, freed by the caller after the
                               loop (daemon_reload replaces it) */
    size_t p_jobs;          /* documents on p */
    struct retired_chain *retired; /* owned; freed once drained */
    int switching;          /* after a reload: no claims until the old
                               chains are idle */
    struct inbox inbox;
    struct store store;

    /* settings, from the config */
    size_t max_inflight;
    unsigned workers;
    unsigned max_attempts;
    size_t max_bytes;
    int delete_done;        /* on_success: delete */
    int sync;               /* durable is batch or always */
    int64_t retry_min, retry_max;
    int64_t stop_timeout_ms; /* 0: wait for every step */

    /* the work in hand */
    size_t inflight;        /* claimed and not yet filed: the RAM bound */
    size_t running;         /* of those, on the thread pool now */
    unsigned char *slot_busy; /* `workers` flags: running/ notes in use */
    struct job_list on_pool;        /* on the thread pool now */
    struct job_list runnable;       /* claimed, waiting for a worker */
    struct job_list waiting_retry;  /* on a backoff timer */
    struct job_list waiting_flush;  /* exported, waiting for a group commit */
    struct job_list flushing;       /* in the group commit running now */
    int flush_running;
    unsigned flush_attempt; /* failed group commits in a row */
    uv_timer_t flush_timer; /* backoff after a failed group commit */
    char **recover;         /* names found in work/ at start-up; the
                               first nsuspects were being processed when
                               the daemon died */
    size_t nrecover, recover_next, nsuspects;
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

/* Check the folders, add the watch and start everything (the pipeline must
 * be started). Returns 0, or -1 with a reason for a person in err (the
 * daemon then owns nothing). */
int daemon_start(struct daemon *dm, uv_loop_t *loop, struct pipeline *p,
                 char *err, size_t errlen);

/* Stop claiming; finish or give back what is in flight; close every
 * handle, after which uv_run returns. Safe to call more than once. When
 * documents are still in a step after service.stop_timeout, their files go
 * back to the inbox anyway and dm->abandoned is set: the worker threads
 * are then still busy, and the caller must exit the process (_exit)
 * without finalising the pipeline they use. */
void daemon_stop(struct daemon *dm, const char *why);

/* Send documents claimed from now on through `np` (loaded and started),
 * and apply the service settings that can change while running
 * (max_inflight, retry_min, retry_max, stop_timeout); the inbox keeps
 * the settings it started with (it owns copies of them), and the step
 * metrics move over (pipeline_move_metrics). Documents already claimed finish
 * on the chain they started with; that chain is finalised and freed once
 * the last of them is filed. The daemon takes `np`; the caller frees
 * whatever dm->p is after the loop. */
void daemon_reload(struct daemon *dm, struct pipeline *np);

/* Files known to be waiting in the inbox; *known as inbox_pending. */
size_t daemon_pending(const struct daemon *dm, int *known);

#endif
