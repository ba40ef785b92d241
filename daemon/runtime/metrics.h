/* What the daemon tells about itself: Prometheus metrics, health and the
 * status document, built from a copy of the running chain's per-step
 * counters (struct step_stats) and the daemon's own figures (struct
 * service_stats). Served over HTTP by
 * service_http_handler and read by `newsdesk status`. */
#ifndef ND_METRICS_H
#define ND_METRICS_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "http.h"
#include "chain.h"
#include "source.h"

/* The daemon's own figures. Written and read on the loop thread only. */
struct service_stats {
    /* gauges */
    uint64_t inbox_pending;   /* files waiting in the inbox */
    uint64_t inflight;        /* claimed and not yet finished */
    /* counters since start: files (the source's items), and documents
     * (a file's own, or each item of a feed) */
    uint64_t claimed, done, failed, retried;
    uint64_t docs_done, docs_failed;
    /* files and documents finished per second over the last rate_span_s
     * seconds (0: not measured yet) */
    double files_per_s, docs_per_s, rate_span_s;
    uint64_t rescans, overflows;
    uint64_t reloads, reload_failures;
    /* state */
    int64_t started;          /* unix seconds */
    int64_t last_reload;      /* unix seconds of the last attempt, or 0 */
    int ready;                /* READY=1 sent: watching and claiming */
    int stopping;             /* SIGTERM/SIGINT received */
    int watch_lost;           /* the source cannot see its items now */
    const char *trouble;      /* why, when it says (borrowed), or NULL */
    int paused;               /* the source holds items back on purpose */
    const struct source_stream *stream; /* scale-out figures (borrowed), or
                                 NULL */
    const char *watch;        /* "inotify" or "poll"; borrowed */
    const char *config_file;  /* borrowed; NULL: built-in defaults */
    const char *directory;    /* the current directory, which relative paths
                                 lead from; borrowed; NULL: unknown */
    char last_reload_error[512]; /* "" when the last reload worked */
};

/* What the HTTP handler reads, refreshed on the loop thread before each
 * answer (service_refresh): the steps of the chain new documents go
 * through, and the daemon's figures. */
struct service_view {
    const struct step_stats *steps;
    size_t nsteps;
    const struct service_stats *stats;
};

/* Write the Prometheus text exposition (format 0.0.4) to f. */
void metrics_write(FILE *f, const struct service_view *v);

/* 200 when the daemon is watching and claiming, else 503 with the reason
 * (starting, stopping, inbox watch lost, Redis unreachable) written into
 * reason. */
int health_check(const struct service_stats *st, char *reason, size_t len);

/* The status document (/status, `newsdesk status`); a new reference. */
json_t *status_json(const struct service_view *v);

/* http_handler_fn for /metrics, /health and /status; ctx is a
 * struct service_view. */
void service_http_handler(void *ctx, const struct http_request *req,
                          struct http_response *res);

#endif
