/* The pipeline: the configured chain of plugin instances, and running one
 * document through it. */
#include "pipeline.h"

#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cond.h"
#include "log.h"
#include "hostapi.h"
#include "options.h"
#include "paths.h"

const double latency_bounds_us[LATENCY_BUCKETS] = {
    10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000,
    100000, 250000, 1000000, 5000000,
};

static const char *const durable_names[] = {"batch", "always", "none"};

int pipeline_load(struct pipeline **out, const char *config_file,
                  struct errlist *errs, struct errlist *warns)
{
    struct pipeline *p = calloc(1, sizeof *p);
    *out = p;
    if (!p) {
        errs_add(errs, "out of memory");
        return -1;
    }
    p->run_exporters = 1;
    registry_init(&p->reg);
    int rc = config_load(&p->cfg, config_file, &p->reg, errs, warns);
    p->durable = (enum durable_mode)config_int(&p->cfg, "service", "durable");
    p->steps = calloc(p->cfg.nsteps ? p->cfg.nsteps : 1, sizeof *p->steps);
    if (!p->steps) {
        errs_add(errs, "out of memory");
        return -1;
    }
    p->n = p->cfg.nsteps;
    for (size_t i = 0; i < p->n; i++) {
        struct nd_instance *s = &p->steps[i];
        s->cfg = &p->cfg.steps[i];
        s->plugin = s->cfg->p;
        s->durable = durable_names[p->durable];
        pthread_rwlock_init(&s->lock, NULL);
        pthread_mutex_init(&s->counters_lock, NULL);
    }
    return rc;
}

int pipeline_start(struct pipeline *p, struct errlist *errs)
{
    size_t before = errs->n;
    for (size_t i = 0; i < p->n; i++) {
        struct nd_instance *s = &p->steps[i];
        if (!s->plugin ||
            (s->plugin->desc.role == ND_ROLE_EXPORTER && !p->run_exporters))
            continue;
        char err[1024] = "";
        if (!s->plugin->desc.init) {
            s->ready = 1;
            continue;
        }
        if (s->plugin->desc.init(s, s->cfg->opts, &s->state, err, sizeof err) < 0) {
            /* A plugin names its paths as written; where a relative one
             * leads may be what went wrong. */
            char note[4 * PATH_MAX];
            errs_add(errs, "%s%s%d%s step %s (plugin %s): cannot start: %s%s",
                     p->cfg.file ? p->cfg.file : "",
                     p->cfg.file ? ":" : "", s->cfg->line,
                     p->cfg.file ? ":" : "", s->cfg->name, s->cfg->plugin,
                     *err ? err : "init failed",
                     paths_note(s->cfg->opts, "", p->cfg.file, note, sizeof note));
            continue;
        }
        s->ready = 1;
    }
    p->started = errs->n == before;
    return p->started ? 0 : -1;
}

void pipeline_free(struct pipeline *p)
{
    if (!p)
        return;
    for (size_t i = p->n; i-- > 0;) {
        struct nd_instance *s = &p->steps[i];
        if (s->ready && s->plugin->desc.fini)
            s->plugin->desc.fini(s->state);
        pthread_rwlock_destroy(&s->lock);
        pthread_mutex_destroy(&s->counters_lock);
    }
    free(p->steps);
    config_free(&p->cfg);
    registry_free(&p->reg);
    free(p);
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Does a reader step take this document? */
static int reader_matches(const struct nd_instance *s, const nd_doc_t *d)
{
    if (s->cfg->cond)
        return cond_eval(s->cfg->cond, d);
    const char *const *types = s->plugin->desc.media_types;
    if (!types)
        return 1;
    const char *mt = d->media_type ? d->media_type : "application/octet-stream";
    for (size_t i = 0; types[i]; i++)
        if (fnmatch(types[i], mt, 0) == 0)
            return 1;
    return 0;
}

static void observe(struct nd_instance *s, nd_status_t st, int64_t us)
{
    switch (st) {
    case ND_OK: atomic_fetch_add(&s->n_ok, 1); break;
    case ND_SKIP: atomic_fetch_add(&s->n_skip, 1); break;
    case ND_RETRY: atomic_fetch_add(&s->n_retry, 1); break;
    default: atomic_fetch_add(&s->n_fail, 1); break;
    }
    size_t b = 0;
    while (b < LATENCY_BUCKETS && (double)us > latency_bounds_us[b])
        b++;
    atomic_fetch_add(&s->latency[b], 1);
    atomic_fetch_add(&s->latency_sum_us, (unsigned long long)us);
}

/* The chain this thread is running, for nd_doc_spawn_done. */
static _Thread_local struct pipeline *running;

/* Time spent in a step since t0, less the children it ran on the way
 * (nd_doc_spawn_done): they count in their own steps. */
static int64_t own_time(nd_doc_t *d, int64_t t0)
{
    int64_t us = now_us() - t0 - d->children_us;
    d->children_us = 0;
    return us;
}

/* Run child i of container d. One that has finished is let go of at once
 * (after child_done has seen it). One that asks to be retried stays whole,
 * and no more children run until the container runs again: while a sink
 * is down, every later child would ask the same and be held whole too. */
static void run_child(struct pipeline *p, nd_doc_t *d, size_t i)
{
    if (pipeline_run(p, d->children[i]) == ND_RETRY) {
        d->child_waits = 1;
        return;
    }
    if (p->child_done)
        p->child_done(p->child_done_ctx, d, i);
    doc_release_child(d, i);
}

/* Run a container's pending children, in order; the next run of the
 * container resumes at the first one still pending. */
static nd_status_t run_children(struct pipeline *p, nd_doc_t *d)
{
    for (size_t i = 0; i < d->nchildren && !d->child_waits; i++)
        if (d->children[i] && (d->children[i]->state == DOC_PENDING ||
                               (d->children[i]->state == DOC_FAILED &&
                                d->children[i]->nkept)))
            run_child(p, d, i);
    nd_status_t st = d->child_waits ? ND_RETRY : ND_OK;
    d->child_waits = 0;
    if (st == ND_OK)
        d->state = DOC_DONE;
    d->last = st;
    return st;
}

static const struct nd_instance *step_named(const struct pipeline *p,
                                            const char *name)
{
    for (size_t i = 0; name && i < p->n; i++)
        if (!strcmp(p->steps[i].cfg->name, name))
            return &p->steps[i];
    return NULL;
}

int pipeline_spawn_done(nd_doc_t *child)
{
    struct pipeline *p = running;
    nd_doc_t *d = child ? child->parent : NULL;
    if (!p || !d)
        return -1;
    size_t i = d->nchildren;
    while (i > 0 && d->children[i - 1] != child)
        i--;
    const struct nd_instance *s = step_named(p, d->step);
    if (i-- == 0 || !s)
        return -1;
    /* A serial reader holds its instance's lock for itself, and a child
     * may need the same reader: its children run after it returns. */
    if ((s->plugin->desc.flags & ND_PLUGIN_SERIAL) || d->child_waits ||
        child->state != DOC_PENDING)
        return 0;
    int64_t t0 = now_us();
    run_child(p, d, i);
    d->children_us += now_us() - t0;
    return 0;
}

/* Note that step i accepted `d` and wants to hear how it ends (withdraw
 * or confirm). Returns 0, or -1 when out of memory (the caller retries the
 * step). */
static int keep(struct pipeline *p, nd_doc_t *d, size_t i)
{
    if (!d->kept && !(d->kept = malloc(p->n * sizeof *d->kept)))
        return -1;
    d->kept[d->nkept++] = i;
    return 0;
}

/* A failed document leaves no trace: every step that accepted it and can
 * take it back does, the last first. The failure (d->error and its step)
 * stays as it was; a step's reason for not withdrawing now goes to
 * d->withdraw_error. Returns ND_FAIL when done, or ND_RETRY when a step
 * asked to be tried again (calling pipeline_run resumes here). */
static nd_status_t withdraw_kept(struct pipeline *p, nd_doc_t *d)
{
    char *error = d->error, *error_step = d->error_step,
         *error_plugin = d->error_plugin;
    d->error = d->error_step = d->error_plugin = NULL;
    nd_status_t out = ND_FAIL;
    while (d->nkept) {
        struct nd_instance *s = &p->steps[d->kept[d->nkept - 1]];
        const nd_plugin_t *desc = &s->plugin->desc;
        if (!desc->withdraw) {
            d->nkept--;
            continue;
        }
        d->step = s->cfg->name;
        d->plugin = s->cfg->plugin;
        if (desc->flags & ND_PLUGIN_SERIAL)
            pthread_rwlock_wrlock(&s->lock);
        else
            pthread_rwlock_rdlock(&s->lock);
        nd_status_t st = desc->withdraw(s->state, d);
        pthread_rwlock_unlock(&s->lock);
        if (st == ND_RETRY) {
            free(d->withdraw_error);
            d->withdraw_error = d->error ? d->error
                                         : strdup("the step asked to be retried");
            d->withdraw_step = s->cfg->name;
            d->error = NULL;
            d->attempts++;
            out = ND_RETRY;
            break;
        }
        if (st != ND_OK)
            host_doc_log(d, ND_LOG_ERROR, "cannot take back its export of "
                         "this failed document: %s",
                         d->error ? d->error : "no reason given");
        doc_clear_error(d);
        d->nkept--;
    }
    if (out == ND_FAIL) {
        free(d->withdraw_error);
        d->withdraw_error = NULL;
    }
    doc_clear_error(d);
    d->error = error, d->error_step = error_step, d->error_plugin = error_plugin;
    d->step = d->plugin = NULL;
    d->state = DOC_FAILED;
    d->last = out;
    return out;
}

/* `d` went through the whole chain: the steps that held something back
 * for it may write it now. */
static void confirm_kept(struct pipeline *p, nd_doc_t *d)
{
    for (size_t k = 0; k < d->nkept; k++) {
        struct nd_instance *s = &p->steps[d->kept[k]];
        const nd_plugin_t *desc = &s->plugin->desc;
        if (!desc->confirm)
            continue;
        if (desc->flags & ND_PLUGIN_SERIAL)
            pthread_rwlock_wrlock(&s->lock);
        else
            pthread_rwlock_rdlock(&s->lock);
        desc->confirm(s->state, d);
        pthread_rwlock_unlock(&s->lock);
    }
    d->nkept = 0;
}

/* Fail `d` for good at the step running now (d->step) with the reason
 * already set, and take back what earlier steps accepted of it. */
static nd_status_t fail(struct pipeline *p, nd_doc_t *d)
{
    d->state = DOC_FAILED;
    return withdraw_kept(p, d);
}

/* An unread document reaches no further than the readers: nothing but a
 * reader knows what its bytes are, and a sink must not get a document
 * without text. */
static nd_status_t fail_unread(struct pipeline *p, nd_doc_t *d)
{
    d->step = d->plugin = NULL;
    doc_set_error(d, "unsupported media type %s: no reader in the pipeline "
                  "reads it",
                  d->media_type ? d->media_type : "application/octet-stream");
    free(d->error_step);
    d->error_step = strdup("read");
    return fail(p, d);
}

nd_status_t pipeline_run(struct pipeline *p, nd_doc_t *d)
{
    running = p;
    if (d->nchildren)
        return run_children(p, d);
    if (d->state == DOC_FAILED) /* decided: only the withdrawing is left */
        return withdraw_kept(p, d);
    for (size_t i = d->next_step; i < p->n; i++) {
        struct nd_instance *s = &p->steps[i];
        const nd_plugin_t *desc = &s->plugin->desc;
        if (desc->role == ND_ROLE_EXPORTER && !p->run_exporters)
            continue;
        if (desc->role == ND_ROLE_READER) {
            if (d->read || !reader_matches(s, d))
                continue;
        } else if (s->cfg->cond && !cond_eval(s->cfg->cond, d)) {
            continue;
        }
        if (desc->role == ND_ROLE_EXPORTER && !d->read)
            return fail_unread(p, d);
        d->step = s->cfg->name;
        d->plugin = s->cfg->plugin;
        doc_clear_error(d);
        int serial = desc->flags & ND_PLUGIN_SERIAL;
        int64_t t0 = now_us();
        if (serial)
            pthread_rwlock_wrlock(&s->lock);
        else
            pthread_rwlock_rdlock(&s->lock);
        nd_status_t st = desc->process(s->state, d);
        pthread_rwlock_unlock(&s->lock);
        int64_t us = own_time(d, t0);
        doc_add_timing(d, s->cfg->name, us);
        observe(s, st, us);
        if (d->stopped && st != ND_OK && st != ND_SKIP) {
            free(d->stopped); /* a stop only counts when the step succeeds */
            d->stopped = NULL;
        }
        if (st == ND_OK && (desc->withdraw || desc->confirm) &&
            keep(p, d, i) < 0) {
            /* Without a note it could not be taken back or confirmed:
             * undo it now and run the step again later. */
            if (desc->withdraw)
                desc->withdraw(s->state, d);
            doc_set_error(d, "out of memory");
            st = ND_RETRY;
        }
        switch (st) {
        case ND_OK:
            if (desc->role == ND_ROLE_READER) {
                d->read = 1;
                if (d->nchildren) {
                    d->next_step = p->n;
                    d->step = d->plugin = NULL;
                    return run_children(p, d);
                }
            }
            break;
        case ND_SKIP:
            break;
        case ND_RETRY:
            if (!d->error)
                doc_set_error(d, "the step asked to be retried");
            d->next_step = i;
            d->state = DOC_PENDING;
            d->attempts++;
            d->last = ND_RETRY;
            return ND_RETRY;
        default:
            if (!d->error)
                doc_set_error(d, "the step failed without saying why");
            if (s->cfg->on_error_skip) {
                host_doc_log(d, ND_LOG_WARNING, "failed, skipped (on_error: skip): %s",
                                d->error);
                doc_clear_error(d);
                break;
            }
            return fail(p, d);
        }
        if (d->stopped) {
            host_doc_log(d, ND_LOG_INFO, "the chain ends here: %s", d->stopped);
            break;
        }
    }
    d->step = d->plugin = NULL;
    d->next_step = p->n;
    if (!d->read && !d->stopped)
        return fail_unread(p, d);
    confirm_kept(p, d);
    d->state = DOC_DONE;
    d->last = ND_OK;
    return ND_OK;
}

const char *pipeline_retry_reason(const nd_doc_t *d, const char **step)
{
    for (size_t i = 0; i < d->nchildren; i++) {
        const char *why = d->children[i]
                              ? pipeline_retry_reason(d->children[i], step)
                              : NULL;
        if (why)
            return why;
    }
    *step = NULL;
    if (d->state == DOC_FAILED && d->nkept) {
        *step = d->withdraw_step;
        return d->withdraw_error;
    }
    if (d->state != DOC_PENDING || !d->error)
        return NULL;
    *step = d->error_step;
    return d->error;
}

nd_status_t pipeline_give_up(struct pipeline *p, nd_doc_t *d, int done_too)
{
    if (d->nchildren) {
        nd_status_t worst = ND_FAIL;
        for (size_t i = 0; i < d->nchildren; i++)
            if (d->children[i] &&
                pipeline_give_up(p, d->children[i], done_too) == ND_RETRY)
                worst = ND_RETRY;
        return worst;
    }
    if (d->state == DOC_DONE && !done_too)
        return ND_OK;
    if (d->state != DOC_FAILED && !d->error)
        doc_set_error(d, "given up on");
    d->state = DOC_FAILED;
    return withdraw_kept(p, d);
}

nd_status_t pipeline_flush(struct pipeline *p, int sync, char *err,
                           size_t errlen)
{
    nd_status_t worst = ND_OK;
    for (size_t i = 0; i < p->n; i++) {
        struct nd_instance *s = &p->steps[i];
        if (!s->ready || !s->plugin->desc.flush ||
            (s->plugin->desc.role == ND_ROLE_EXPORTER && !p->run_exporters))
            continue;
        char e[512] = "";
        pthread_rwlock_wrlock(&s->lock);
        nd_status_t st = s->plugin->desc.flush(s->state, sync, e, sizeof e);
        pthread_rwlock_unlock(&s->lock);
        if (st == ND_RETRY || st == ND_FAIL) {
            if (st > worst || worst == ND_OK) {
                worst = st;
                snprintf(err, errlen, "step %s (plugin %s): %s", s->cfg->name,
                         s->cfg->plugin, *e ? e : "flush failed");
            }
        }
    }
    return worst;
}

void pipeline_move_metrics(struct pipeline *to, struct pipeline *from)
{
    for (size_t i = 0; i < from->n; i++) {
        struct nd_instance *f = &from->steps[i], *t = NULL;
        for (size_t k = 0; k < to->n && !t; k++)
            if (!strcmp(to->steps[k].cfg->name, f->cfg->name) &&
                !strcmp(to->steps[k].plugin->desc.name, f->plugin->desc.name))
                t = &to->steps[k];
        if (!t)
            continue;
        /* exchange, not load then store: a worker may add meanwhile */
        atomic_fetch_add(&t->n_ok, atomic_exchange(&f->n_ok, 0));
        atomic_fetch_add(&t->n_skip, atomic_exchange(&f->n_skip, 0));
        atomic_fetch_add(&t->n_fail, atomic_exchange(&f->n_fail, 0));
        atomic_fetch_add(&t->n_retry, atomic_exchange(&f->n_retry, 0));
        for (size_t b = 0; b <= LATENCY_BUCKETS; b++)
            atomic_fetch_add(&t->latency[b], atomic_exchange(&f->latency[b], 0));
        atomic_fetch_add(&t->latency_sum_us, atomic_exchange(&f->latency_sum_us, 0));
        int n = atomic_load(&f->ncounters);
        for (int c = 0; c < n; c++) {
            long long v = atomic_exchange(&f->counters[c].value, 0);
            if (v)
                host_api.counter_add(t, f->counters[c].name, v);
        }
    }
}

int pipeline_has_flush(const struct pipeline *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->steps[i].plugin && p->steps[i].plugin->desc.flush)
            return 1;
    return 0;
}

int64_t backoff_ms(unsigned attempt, int64_t min, int64_t max)
{
    int64_t d = min;
    for (unsigned i = 1; i < attempt && d < max; i++)
        d *= 2;
    if (d > max)
        d = max;
    static _Thread_local unsigned seed;
    if (!seed)
        seed = (unsigned)now_us() ^ (unsigned)(uintptr_t)&seed;
    int64_t jitter = d / 4 ? (int64_t)(rand_r(&seed) % (d / 4 + 1)) : 0;
    return d - jitter;
}
