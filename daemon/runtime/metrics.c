/* What the daemon tells about itself: Prometheus metrics, health and the
 * status document. See metrics.h. */
#include "metrics.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "build_config.h"
#include "rate.h"

/* A label value: backslash, double quote and newline are escaped. */
static void label(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\\' || *s == '"')
            fputc('\\', f), fputc(*s, f);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

static void family(FILE *f, const char *name, const char *type,
                   const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A family with one unlabelled sample. */
static void single(FILE *f, const char *name, const char *type,
                   const char *help, unsigned long long value)
{
    family(f, name, type, help);
    fprintf(f, "%s %llu\n", name, value);
}

static void step_labels(FILE *f, const struct step_stats *s)
{
    fputs("step=\"", f);
    label(f, s->name);
    fputs("\",plugin=\"", f);
    label(f, s->plugin);
    fputc('"', f);
}

/* The scale-out families: the group's figures as Redis last told them,
 * and what this daemon did. */
static void stream_metrics(FILE *f, const struct source_stream *s, int down)
{
    const struct stream_figures *g = &s->fig;
    single(f, "newsdesk_stream_up", "gauge",
           "1 while Redis answers (the stream's figures below are fresh).",
           !down && g->known);
    if (g->known) {
        single(f, "newsdesk_stream_length", "gauge",
               "Entries in the stream (acknowledged ones until trimmed).",
               g->length);
        single(f, "newsdesk_stream_lag", "gauge",
               "Entries the group has not handed to any worker yet.", g->lag);
        single(f, "newsdesk_stream_pending", "gauge",
               "Entries handed to a worker and not yet acknowledged.",
               g->pending);
        single(f, "newsdesk_stream_dead_letters", "gauge",
               "Entries in the dead-letter stream (<key>:failed).",
               g->dead_letters);
        family(f, "newsdesk_stream_rtt_seconds", "gauge",
               "Round trip of one PING to Redis.");
        fprintf(f, "newsdesk_stream_rtt_seconds %.6f\n",
                (double)g->rtt_us / 1e6);
        family(f, "newsdesk_stream_consumer_pending", "gauge",
               "Entries pending with each consumer of the group.");
        size_t n = g->nconsumers < STREAM_MAX_CONSUMERS ? g->nconsumers
                                                        : STREAM_MAX_CONSUMERS;
        for (size_t i = 0; i < n; i++) {
            fputs("newsdesk_stream_consumer_pending{consumer=\"", f);
            label(f, g->consumers[i].name);
            fprintf(f, "\"} %llu\n",
                    (unsigned long long)g->consumers[i].pending);
        }
    }
    single(f, "newsdesk_stream_added_total", "counter",
           "Entries this forwarder added to the stream.", s->added);
    single(f, "newsdesk_stream_reclaimed_total", "counter",
           "Entries this worker took over from workers that stopped "
           "answering (XAUTOCLAIM after claim_idle).", s->reclaimed);
    single(f, "newsdesk_stream_dead_lettered_total", "counter",
           "Entries this worker moved to the dead-letter stream.",
           s->dead_lettered);
}

void metrics_write(FILE *f, const struct service_view *v)
{
    const struct service_stats *st = v->stats;
    family(f, "newsdesk_build_info", "gauge", "Version of the running daemon.");
    fprintf(f, "newsdesk_build_info{version=\"%s\"} 1\n", ND_VERSION);
    family(f, "newsdesk_start_time_seconds", "gauge",
           "When the daemon started, in seconds since the epoch.");
    fprintf(f, "newsdesk_start_time_seconds %lld\n", (long long)st->started);
    family(f, "newsdesk_ready", "gauge",
           "1 while the daemon watches the inbox and claims files.");
    fprintf(f, "newsdesk_ready %d\n", st->ready && !st->stopping);
    single(f, "newsdesk_inbox_pending", "gauge",
           "Files waiting in the inbox.",
           st->inbox_pending);
    single(f, "newsdesk_inflight_documents", "gauge",
           "Documents claimed and not yet finished.",
           st->inflight);
    single(f, "newsdesk_files_claimed_total", "counter",
           "Files claimed from the inbox.",
           st->claimed);
    single(f, "newsdesk_documents_claimed_total", "counter",
           "Files claimed from the inbox: the same as "
           "newsdesk_files_claimed_total, kept for what reads this name.",
           st->claimed);
    family(f, "newsdesk_files_total", "counter",
           "Files finished, by outcome (done: moved to done/ or deleted; "
           "failed: moved to failed/).");
    fprintf(f, "newsdesk_files_total{outcome=\"done\"} %llu\n",
            (unsigned long long)st->done);
    fprintf(f, "newsdesk_files_total{outcome=\"failed\"} %llu\n",
            (unsigned long long)st->failed);
    family(f, "newsdesk_documents_total", "counter",
           "Documents finished, by outcome (done: exported; failed: "
           "recorded in failed/); each item of a feed is one.");
    fprintf(f, "newsdesk_documents_total{outcome=\"done\"} %llu\n",
            (unsigned long long)st->docs_done);
    fprintf(f, "newsdesk_documents_total{outcome=\"failed\"} %llu\n",
            (unsigned long long)st->docs_failed);
    single(f, "newsdesk_document_retries_total", "counter",
           "Times a file was put back to be retried later.",
           st->retried);
    single(f, "newsdesk_inbox_rescans_total", "counter",
           "Full scans of the inbox (start-up, overflow, lost watch, "
           "period).",
           st->rescans);
    single(f, "newsdesk_inbox_overflows_total", "counter",
           "Inotify queue overflows (each followed by a rescan).",
           st->overflows);
    family(f, "newsdesk_reloads_total", "counter",
           "Configuration reloads (SIGHUP), by result.");
    fprintf(f, "newsdesk_reloads_total{result=\"ok\"} %llu\n",
            (unsigned long long)(st->reloads - st->reload_failures));
    fprintf(f, "newsdesk_reloads_total{result=\"failed\"} %llu\n",
            (unsigned long long)st->reload_failures);
    if (st->stream)
        stream_metrics(f, st->stream, st->watch_lost);
    if (!v->nsteps)
        return;

    /* Per step, of the running chain. A reload carries the counts of the
     * steps it keeps (same instance and plugin names) over to the new
     * chain; a step that is new starts from zero. */
    family(f, "newsdesk_step_documents_total", "counter",
           "Documents through each pipeline step, by outcome.");
    static const char *const outcomes[] = {"ok", "skipped", "failed",
                                           "retried"};
    for (size_t i = 0; i < v->nsteps; i++) {
        const struct step_stats *s = &v->steps[i];
        unsigned long long n[4] = {s->ok, s->skip, s->fail, s->retry};
        for (int k = 0; k < 4; k++) {
            fputs("newsdesk_step_documents_total{", f);
            step_labels(f, s);
            fprintf(f, ",outcome=\"%s\"} %llu\n", outcomes[k], n[k]);
        }
    }
    family(f, "newsdesk_step_latency_seconds", "histogram",
           "Time each pipeline step took per document.");
    for (size_t i = 0; i < v->nsteps; i++) {
        const struct step_stats *s = &v->steps[i];
        unsigned long long cum = 0;
        for (int b = 0; b <= LATENCY_BUCKETS; b++) {
            cum += s->latency[b];
            fputs("newsdesk_step_latency_seconds_bucket{", f);
            step_labels(f, s);
            if (b < LATENCY_BUCKETS)
                fprintf(f, ",le=\"%g\"} %llu\n",
                        latency_bounds_us[b] / 1e6, cum);
            else
                fprintf(f, ",le=\"+Inf\"} %llu\n", cum);
        }
        fputs("newsdesk_step_latency_seconds_sum{", f);
        step_labels(f, s);
        fprintf(f, "} %.6f\n", (double)s->latency_sum_us / 1e6);
        fputs("newsdesk_step_latency_seconds_count{", f);
        step_labels(f, s);
        fprintf(f, "} %llu\n", cum);
    }
    int any = 0;
    for (size_t i = 0; i < v->nsteps; i++) {
        const struct step_stats *s = &v->steps[i];
        for (size_t k = 0; k < s->ncounters; k++) {
            if (!any++)
                family(f, "newsdesk_plugin_events_total", "counter",
                       "Events counted by plugins (nd_counter_add), by "
                       "counter name.");
            fputs("newsdesk_plugin_events_total{", f);
            step_labels(f, s);
            fputs(",counter=\"", f);
            label(f, s->counters[k].name);
            fprintf(f, "\"} %lld\n", s->counters[k].value);
        }
    }
}

int health_check(const struct service_stats *st, char *reason, size_t len)
{
    const char *why = st->stopping ? "stopping"
                      : !st->ready ? "starting: not watching the inbox yet"
                      : st->watch_lost && st->trouble ? st->trouble
                      : st->watch_lost
                          ? "the inbox watch is lost; re-adding it"
                          : NULL;
    snprintf(reason, len, "%s", why ? why : "ok");
    return why ? 503 : 200;
}

static json_t *time_json(int64_t t)
{
    if (!t)
        return json_null();
    char buf[32];
    struct tm tm;
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(buf);
}

static json_t *stream_json(const struct source_stream *s, int paused)
{
    const struct stream_figures *g = &s->fig;
    json_t *consumers = json_array();
    size_t n = g->nconsumers < STREAM_MAX_CONSUMERS ? g->nconsumers
                                                    : STREAM_MAX_CONSUMERS;
    for (size_t i = 0; i < n; i++)
        json_array_append_new(consumers, json_pack(
            "{s:s, s:I, s:I}", "name", g->consumers[i].name,
            "pending", (json_int_t)g->consumers[i].pending,
            "idle_ms", (json_int_t)g->consumers[i].idle_ms));
    json_t *j = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:I, s:I, s:I}",
        "role", s->role == STREAM_FORWARD ? "forward" : "work",
        "url", s->url, "key", s->key, "group", s->group,
        "consumer", s->consumer, "figures_known", g->known,
        "paused", paused, "added", (json_int_t)s->added,
        "reclaimed", (json_int_t)s->reclaimed,
        "dead_lettered", (json_int_t)s->dead_lettered);
    if (g->known)
        json_object_update_new(j, json_pack(
            "{s:I, s:I, s:I, s:I, s:f, s:I}", "length", (json_int_t)g->length,
            "lag", (json_int_t)g->lag, "pending", (json_int_t)g->pending,
            "dead_letters", (json_int_t)g->dead_letters,
            "rtt_ms", (double)g->rtt_us / 1000,
            "consumers_total", (json_int_t)g->nconsumers));
    json_object_set_new(j, "consumers", consumers);
    return j;
}

json_t *status_json(const struct service_view *v)
{
    const struct service_stats *st = v->stats;
    char reason[640];
    int code = health_check(st, reason, sizeof reason);
    const char *state = st->stopping ? "stopping"
                        : st->ready ? "running" : "starting";
    json_t *j = json_pack(
        "{s:s, s:i, s:s, s:o, s:I, s:s?, s:s?, s:s?, s:{s:b, s:s},"
        " s:{s:I, s:I}, s:{s:I, s:I, s:I, s:I}, s:I, s:I}",
        "version", ND_VERSION, "pid", (int)getpid(), "state", state,
        "started", time_json(st->started),
        "uptime_s", (json_int_t)(st->started ? time(NULL) - st->started : 0),
        "config", st->config_file, "directory", st->directory,
        "watch", st->watch,
        "health", "ok", code == 200, "reason", reason,
        "inbox", "pending", (json_int_t)st->inbox_pending,
        "inflight", (json_int_t)st->inflight,
        "documents", "claimed", (json_int_t)st->claimed,
        "done", (json_int_t)st->docs_done,
        "failed", (json_int_t)st->docs_failed,
        "retried", (json_int_t)st->retried,
        "rescans", (json_int_t)st->rescans,
        "overflows", (json_int_t)st->overflows);
    json_object_set_new(j, "files", json_pack(
        "{s:I, s:I, s:I, s:I}", "claimed", (json_int_t)st->claimed,
        "done", (json_int_t)st->done, "failed", (json_int_t)st->failed,
        "retried", (json_int_t)st->retried));
    /* The backlog is every file not finished: waiting and in flight. */
    double eta = rate_eta_s(st->inbox_pending + st->inflight, st->files_per_s);
    json_object_set_new(j, "rate", json_pack(
        "{s:f, s:f, s:f, s:o}", "window_s", st->rate_span_s,
        "files_per_s", st->files_per_s, "documents_per_s", st->docs_per_s,
        "drain_s", eta < 0 ? json_null() : json_real(eta)));
    json_object_set_new(j, "reload", json_pack(
        "{s:I, s:I, s:o, s:s?}", "count", (json_int_t)st->reloads,
        "failures", (json_int_t)st->reload_failures,
        "last", time_json(st->last_reload),
        "last_error", st->last_reload_error[0] ? st->last_reload_error
                                               : NULL));
    json_t *steps = json_array();
    for (size_t i = 0; i < v->nsteps; i++) {
        const struct step_stats *s = &v->steps[i];
        unsigned long long calls = s->ok + s->skip + s->fail + s->retry;
        json_array_append_new(steps, json_pack(
            "{s:s, s:s, s:I, s:I, s:I, s:I, s:f}", "step", s->name,
            "plugin", s->plugin, "ok", (json_int_t)s->ok,
            "skipped", (json_int_t)s->skip, "failed", (json_int_t)s->fail,
            "retried", (json_int_t)s->retry,
            "mean_us", calls ? (double)s->latency_sum_us / (double)calls : 0.0));
    }
    json_object_set_new(j, "pipeline", steps);
    if (st->stream)
        json_object_set_new(j, "stream", stream_json(st->stream, st->paused));
    return j;
}

void service_http_handler(void *ctx, const struct http_request *req,
                          struct http_response *res)
{
    const struct service_view *v = ctx;
    char *body = NULL;
    size_t len = 0;
    if (!strcmp(req->path, "/metrics")) {
        FILE *f = open_memstream(&body, &len);
        if (f) {
            metrics_write(f, v);
            fclose(f);
        }
        res->content_type = "text/plain; version=0.0.4; charset=utf-8";
    } else if (!strcmp(req->path, "/health")) {
        char reason[640];
        res->status = health_check(v->stats, reason, sizeof reason);
        len = (size_t)asprintf(&body, "%s\n", reason);
    } else if (!strcmp(req->path, "/status")) {
        json_t *j = status_json(v);
        body = json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
        json_decref(j);
        len = body ? strlen(body) : 0;
        res->content_type = "application/json";
    } else {
        res->status = 404;
        len = (size_t)asprintf(&body, "no such page: try /metrics, /health "
                               "or /status\n");
    }
    if ((ssize_t)len < 0 || !body) {
        free(body);
        body = NULL, len = 0;
        res->status = 500;
    }
    res->body = body;
    res->len = len;
}
