/* The daemon as a system service: sd_notify, the HTTP interface and
 * SIGHUP reloads. See service.h.
 *
 * A reload builds and starts the new pipeline on the thread pool while the
 * old one keeps working, then hands it to daemon_reload, which sends new
 * documents through it and retires the old one once its documents are
 * filed. A configuration that does not load or start is reported (log,
 * STATUS=, /status) and the running chain stays. */
#include "service.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "base/grow.h"
#include "log.h"
#include "options.h"

#define STATUS_INTERVAL_MS 1000
#define HTTP_RETRY_MS 5000

/* The figures /metrics and /status show, taken from the daemon. */
void service_refresh(struct service *sv)
{
    struct service_stats *st = &sv->stats;
    struct daemon *dm = sv->dm;
    if (!dm)
        return;
    struct source_stats ss;
    daemon_source_stats(dm, &ss);
    st->inbox_pending = ss.pending;
    st->inflight = dm->inflight;
    st->claimed = dm->n.claimed + dm->n.recovered;
    st->done = dm->n.done;
    st->failed = dm->n.failed;
    st->docs_done = dm->n.docs_done;
    st->docs_failed = dm->n.docs_failed;
    double span;
    st->files_per_s = rate_per_s(&sv->files_rate, &span);
    st->docs_per_s = rate_per_s(&sv->docs_rate, &span);
    st->rate_span_s = span;
    st->retried = dm->n.retried;
    st->rescans = ss.rescans;
    st->overflows = ss.overflows;
    st->watch = ss.watch;
    st->watch_lost = ss.lost;
    st->trouble = ss.trouble;
    st->paused = ss.paused;
    st->stream = ss.stream;
    st->stopping = dm->stopping;
    /* A forwarder runs no step: it has none to show. */
    size_t n = dm->set.stream.role == STREAM_FORWARD ? 0
                                                     : chain_length(dm->chain);
    struct step_stats *g = n ? array_grow(sv->steps, &sv->steps_cap, n,
                                          sizeof *g, 16) : sv->steps;
    if (n && !g) {
        sv->view.nsteps = 0;
        return;
    }
    sv->steps = g;
    for (size_t i = 0; i < n; i++)
        chain_step_stats(dm->chain, i, &sv->steps[i]);
    sv->view.steps = sv->steps;
    sv->view.nsteps = n;
}

static void on_http(void *ctx, const struct http_request *req,
                    struct http_response *res)
{
    struct service *sv = ctx;
    service_refresh(sv);
    service_http_handler(&sv->view, req, res);
}

static void on_http_timer(uv_timer_t *t);

/* The HTTP server takes a 1/HTTP_NOFILE_SHARE share of the open-file soft
 * limit, and the usual soft limit (1024, from systemd or a shell) would
 * leave it 256 connections. Raise the soft limit to what HTTP_MAX_CONNS
 * needs, as far as the hard limit lets us (never lower it; the unit file
 * sets it too, since its system call filter refuses setrlimit), and say
 * so when that is not enough. */
static void raise_fd_limit(void)
{
    const rlim_t want = (rlim_t)HTTP_MAX_CONNS * HTTP_NOFILE_SHARE;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        struct rlimit raised = rl;
        raised.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want
                              ? rl.rlim_max
                              : want;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            rl = raised;
    }
    if (http_conn_cap() < HTTP_MAX_CONNS)
        log_notice("the open-file limit is %llu: /metrics, /health and "
                   "/status take at most %d connections at once (%d with a "
                   "limit of %llu, e.g. LimitNOFILE= or ulimit -n)",
                   (unsigned long long)rl.rlim_cur, http_conn_cap(),
                   HTTP_MAX_CONNS, (unsigned long long)want);
}

/* Listen on service.http. A port that is taken does not stop the daemon:
 * processing articles matters more than reporting on it. It says so and
 * tries again every HTTP_RETRY_MS. */
static void http_listen(struct service *sv, int first)
{
    char err[512];
    if (http_start(&sv->http, sv->loop, sv->http_addr, on_http, sv, err,
                   sizeof err) < 0) {
        if (first)
            log_error("%s; running without /metrics, /health and /status, "
                      "trying again every %d s", err, HTTP_RETRY_MS / 1000);
        uv_timer_start(&sv->http_timer, on_http_timer, HTTP_RETRY_MS, 0);
        uv_unref((uv_handle_t *)&sv->http_timer);
        return;
    }
    /* Serving must not keep the loop alive once the daemon is done. */
    http_unref(sv->http);
    char bound[64];
    log_info("serving /metrics, /health and /status on http://%s",
             http_bound(sv->http, bound, sizeof bound));
}

static void on_http_timer(uv_timer_t *t) { http_listen(t->data, 0); }

int service_init(struct service *sv, uv_loop_t *loop, const char *config_file,
                 const struct chain *chain, char *err, size_t errlen)
{
    memset(sv, 0, sizeof *sv);
    sv->loop = loop;
    sv->config_file = config_file ? strdup(config_file) : NULL;
    sv->stats.started = (int64_t)time(NULL);
    sv->stats.config_file = sv->config_file;
    /* The config file and its relative paths mean something only with
     * the folder they are taken from; `newsdesk status` may run in
     * another. */
    sv->directory = getcwd(NULL, 0);
    sv->stats.directory = sv->directory;
    sv->view.stats = &sv->stats;
    char nerr[512];
    if (notify_init(&sv->notify, nerr, sizeof nerr) < 0)
        /* systemd set a broken variable: say so, and run without telling
         * it; a Type=notify unit then times out, which is what it should
         * do. */
        log_warning("cannot notify the service manager: %s", nerr);
    const char *addr = config_str(chain_config(chain), "service", "http");
    if (addr && *addr) {
        sv->http_addr = strdup(addr);
        uv_timer_init(loop, &sv->http_timer);
        sv->http_timer.data = sv;
        sv->http_timer_open = 1;
        if (!sv->http_addr) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        raise_fd_limit();
        http_listen(sv, 1);
    }
    return 0;
}

/* Note the files and documents finished so far, for their rates. */
static void sample_rates(struct service *sv)
{
    const struct daemon_counters *n = &sv->dm->n;
    int64_t now = (int64_t)uv_now(sv->loop);
    rate_sample(&sv->files_rate, now, n->done + n->failed);
    rate_sample(&sv->docs_rate, now, n->docs_done + n->docs_failed);
}

static void send_status(struct service *sv)
{
    service_refresh(sv);
    const struct service_stats *st = &sv->stats;
    char text[256];
    snprintf(text, sizeof text, "%llu pending, %llu in flight; %llu done, "
             "%llu failed%s%s",
             (unsigned long long)st->inbox_pending,
             (unsigned long long)st->inflight, (unsigned long long)st->done,
             (unsigned long long)st->failed,
             st->last_reload_error[0] ? "; the last reload failed, running "
                                        "the previous configuration" : "",
             sv->reloading ? "; reloading" : "");
    notify_status(&sv->notify, text);
}

/* Every STATUS_INTERVAL_MS: the rates, and STATUS= for systemd. */
static void on_status_timer(uv_timer_t *t)
{
    struct service *sv = t->data;
    sample_rates(sv);
    if (notify_enabled(&sv->notify))
        send_status(sv);
}

static void on_watchdog_timer(uv_timer_t *t)
{
    struct service *sv = t->data;
    notify_watchdog(&sv->notify);
}

static void on_stop_signal(uv_signal_t *h, int signum)
{
    (void)signum;
    struct service *sv = h->data;
    /* daemon.c has its own handler for these that does the stopping;
     * this one only tells systemd, once. */
    if (!sv->stats.stopping) {
        sv->stats.stopping = 1;
        notify_stopping(&sv->notify);
    }
}

/* ---- reload ------------------------------------------------------------- */

struct reload {
    uv_work_t work;
    struct service *sv;
    const char *file;
    struct chain *chain;
    struct daemon_settings set;
    struct errlist errs, warns;
    int rc;
    int running_default_chain; /* what runs now: the built-in chain */
    int forwarder;             /* the daemon is a forwarder (fixed) */
    size_t running_steps;
};

/* On the thread pool: the old chain goes on meanwhile. A file that is
 * empty, or that lost its `pipeline` section while the running chain was
 * configured, is taken for one caught half-written (or truncated by
 * mistake): a reload never silently swaps the user's chain for the
 * built-in one. At start-up the same file means the defaults. */
static void reload_work(uv_work_t *w)
{
    struct reload *r = w->data;
    r->rc = chain_load_named(&r->chain, r->file, &r->errs, &r->warns);
    const struct config *c = chain_config(r->chain);
    if (r->rc == 0 && c->empty) {
        errs_add(&r->errs, "%s is empty (caught half-written?): a reload "
                 "does not replace the running configuration with the "
                 "built-in defaults; restart newsdesk to run on the "
                 "defaults", r->file);
        r->rc = -1;
    } else if (r->rc == 0 && c->default_chain && !r->running_default_chain) {
        errs_add(&r->errs, "%s has no pipeline section: a reload does not "
                 "replace the configured chain of %zu steps with the "
                 "built-in one; write the steps out, or restart newsdesk "
                 "to run the built-in chain", r->file, r->running_steps);
        r->rc = -1;
    }
    if (r->rc == 0 && settings_from_config(&r->set, c) < 0) {
        errs_add(&r->errs, "out of memory");
        r->rc = -1;
    }
    /* A forwarder runs no step: its chain is only read. */
    if (r->rc == 0 && !r->forwarder)
        r->rc = chain_start(r->chain, &r->errs);
}

/* Nonzero when option `name` differs between two value sets of one table. */
static int opt_differs(const nd_opts_t *a, const nd_opts_t *b, size_t i)
{
    const struct opt_value *x = &a->v[i], *y = &b->v[i];
    if (x->i != y->i || x->d != y->d || x->nlist != y->nlist ||
        (x->str || y->str) != (x->str && y->str) ||
        (x->str && strcmp(x->str, y->str)))
        return 1;
    for (size_t k = 0; k < x->nlist; k++)
        if (strcmp(x->list[k], y->list[k]))
            return 1;
    return 0;
}

/* Settings that belong to what was set up at start: the inbox and its
 * folders, the worker pool, durability, the listener. A reload keeps them
 * and says so. */
static void warn_fixed(const struct config *old, const struct config *new)
{
    char changed[512] = "";
    size_t o = 0;
    for (size_t i = 0; i < old->inbox->n; i++)
        if (opt_differs(old->inbox, new->inbox, i))
            o += (size_t)snprintf(changed + o, sizeof changed - o, "%sinbox.%s",
                                  o ? ", " : "", old->inbox->table[i].name);
    for (size_t i = 0; i < old->stream->n && o < sizeof changed; i++)
        if (opt_differs(old->stream, new->stream, i) ||
            (!i && old->has_stream != new->has_stream))
            o += (size_t)snprintf(changed + o, sizeof changed - o,
                                  "%sstream.%s", o ? ", " : "",
                                  old->stream->table[i].name);
    static const char *const fixed[] = {"workers", "durable", "http", NULL};
    for (size_t i = 0; i < old->service->n && o < sizeof changed; i++)
        for (size_t k = 0; fixed[k]; k++)
            if (!strcmp(old->service->table[i].name, fixed[k]) &&
                opt_differs(old->service, new->service, i))
                o += (size_t)snprintf(changed + o, sizeof changed - o,
                                      "%sservice.%s", o ? ", " : "", fixed[k]);
    if (o)
        log_warning("reload: %s changed; that takes effect at the next "
                    "restart, the rest of the new configuration is in use",
                    changed);
}

static void start_reload(struct service *sv);

static void reload_done(uv_work_t *w, int status)
{
    (void)status;
    struct reload *r = w->data;
    struct service *sv = r->sv;
    struct service_stats *st = &sv->stats;
    struct daemon *dm = sv->dm;
    sv->reloading = 0;
    st->reloads++;
    st->last_reload = (int64_t)time(NULL);
    for (size_t i = 0; i < r->warns.n; i++)
        log_warning("reload: %s", r->warns.msgs[i]);
    if (r->rc < 0 || dm->stopping) {
        if (dm->stopping) {
            chain_free(r->chain);
        } else {
            st->reload_failures++;
            for (size_t i = 0; i < r->errs.n; i++)
                log_error("reload: %s", r->errs.msgs[i]);
            snprintf(st->last_reload_error, sizeof st->last_reload_error,
                     "%s%s", r->errs.n ? r->errs.msgs[0] : "failed",
                     r->errs.n > 1 ? " (and more: see the log)" : "");
            log_error("reload failed: the configuration in %s has %zu "
                      "error%s; the running pipeline stays",
                      r->file ? r->file : "(built-in defaults)", r->errs.n,
                      r->errs.n == 1 ? "" : "s");
            chain_free(r->chain);
        }
        settings_free(&r->set);
    } else {
        warn_fixed(chain_config(dm->chain), chain_config(r->chain));
        nd_log_level_t lv;
        if (log_parse_level(config_str(chain_config(r->chain), "service",
                                       "log_level"), &lv) == 0)
            log_set_level(lv);
        st->last_reload_error[0] = '\0';
        daemon_reload(dm, r->chain, &r->set);
        log_notice("reloaded %s: %zu pipeline steps",
                   r->file ? r->file : "the built-in defaults",
                   chain_length(dm->chain));
    }
    errs_free(&r->errs);
    errs_free(&r->warns);
    free(r);
    if (dm->stopping)
        return;
    /* STATUS= follows from the timer: at most one a second. */
    notify_ready(&sv->notify);
    if (sv->reload_again) {
        sv->reload_again = 0;
        start_reload(sv);
    }
}

static void start_reload(struct service *sv)
{
    if (sv->reloading) {
        /* The file may have changed again since the reload began. */
        sv->reload_again = 1;
        return;
    }
    struct reload *r = calloc(1, sizeof *r);
    if (!r) {
        log_error("reload: out of memory; the running pipeline stays");
        return;
    }
    r->sv = sv;
    r->file = sv->config_file;
    r->running_default_chain = chain_config(sv->dm->chain)->default_chain;
    r->running_steps = chain_length(sv->dm->chain);
    r->forwarder = sv->dm->set.stream.role == STREAM_FORWARD;
    r->work.data = r;
    sv->reloading = 1;
    notify_reloading(&sv->notify);
    log_notice("reloading %s (SIGHUP)",
               sv->config_file ? sv->config_file : "the built-in defaults");
    uv_queue_work(sv->loop, &r->work, reload_work, reload_done);
}

static void on_sighup(uv_signal_t *h, int signum)
{
    (void)signum;
    struct service *sv = h->data;
    if (sv->dm && !sv->dm->stopping)
        start_reload(sv);
}

/* ---- life --------------------------------------------------------------- */

void service_ready(struct service *sv, struct daemon *dm)
{
    sv->dm = dm;
    sv->stats.ready = 1;
    service_refresh(sv);
    uv_timer_init(sv->loop, &sv->status_timer);
    uv_timer_init(sv->loop, &sv->watchdog_timer);
    uv_signal_init(sv->loop, &sv->sighup);
    uv_signal_init(sv->loop, &sv->sigterm);
    uv_signal_init(sv->loop, &sv->sigint);
    sv->status_timer.data = sv->watchdog_timer.data = sv;
    sv->sighup.data = sv->sigterm.data = sv->sigint.data = sv;
    sv->started = 1;
    /* None of these keeps the loop alive: it ends when the daemon is
     * done. */
    uv_signal_start(&sv->sighup, on_sighup, SIGHUP);
    uv_signal_start(&sv->sigterm, on_stop_signal, SIGTERM);
    uv_signal_start(&sv->sigint, on_stop_signal, SIGINT);
    uv_unref((uv_handle_t *)&sv->sighup);
    uv_unref((uv_handle_t *)&sv->sigterm);
    uv_unref((uv_handle_t *)&sv->sigint);
    sample_rates(sv);
    uv_timer_start(&sv->status_timer, on_status_timer, STATUS_INTERVAL_MS,
                   STATUS_INTERVAL_MS);
    uv_unref((uv_handle_t *)&sv->status_timer);
    if (notify_enabled(&sv->notify)) {
        notify_ready(&sv->notify);
        uint64_t wd = notify_watchdog_interval_ms(&sv->notify);
        if (wd) {
            notify_watchdog(&sv->notify);
            uv_timer_start(&sv->watchdog_timer, on_watchdog_timer, wd, wd);
            uv_unref((uv_handle_t *)&sv->watchdog_timer);
        }
    }
}

void service_close(struct service *sv)
{
    if (!sv->stats.stopping)
        notify_stopping(&sv->notify);
    sv->dm = NULL;
    if (sv->started) {
        uv_close((uv_handle_t *)&sv->status_timer, NULL);
        uv_close((uv_handle_t *)&sv->watchdog_timer, NULL);
        uv_close((uv_handle_t *)&sv->sighup, NULL);
        uv_close((uv_handle_t *)&sv->sigterm, NULL);
        uv_close((uv_handle_t *)&sv->sigint, NULL);
        sv->started = 0;
    }
    http_stop(sv->http);
    sv->http = NULL;
    if (sv->http_timer_open)
        uv_close((uv_handle_t *)&sv->http_timer, NULL);
    sv->http_timer_open = 0;
    free(sv->http_addr);
    sv->http_addr = NULL;
    notify_close(&sv->notify);
    free(sv->config_file);
    sv->config_file = NULL;
    free(sv->directory);
    sv->directory = NULL;
    free(sv->steps);
    sv->steps = NULL;
    sv->steps_cap = 0;
    sv->view.steps = NULL;
    sv->view.nsteps = 0;
}
