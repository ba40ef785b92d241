/* The chain: the configured steps, and running one document through them
 * (chain.h). The host function table plugins call is in chain_host.c. */
#include "chain_int.h"

#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cond.h"
#include "log.h"
#include "options.h"
#include "paths.h"

const double latency_bounds_us[LATENCY_BUCKETS] = {
    10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000,
    100000, 250000, 1000000, 5000000,
};

static const char *const durable_names[] = {"batch", "always", "none"};

/* ---- life ----------------------------------------------------------------- */

static int load(struct chain **out, const char *config_file, int named,
                struct errlist *errs, struct errlist *warns)
{
    struct chain *c = calloc(1, sizeof *c);
    *out = c;
    if (!c) {
        errs_add(errs, "out of memory");
        return -1;
    }
    c->run_exporters = 1;
    registry_init(&c->reg, &chain_host_api);
    if (named)
        registry_on_demand(&c->reg);
    int rc = config_load(&c->cfg, config_file, &c->reg, errs, warns);
    c->durable = (enum durable_mode)config_int(&c->cfg, "service", "durable");
    c->steps = calloc(c->cfg.nsteps ? c->cfg.nsteps : 1, sizeof *c->steps);
    if (!c->steps) {
        errs_add(errs, "out of memory");
        return -1;
    }
    c->n = c->cfg.nsteps;
    for (size_t i = 0; i < c->n; i++) {
        struct nd_instance *s = &c->steps[i];
        s->cfg = &c->cfg.steps[i];
        s->plugin = s->cfg->p;
        s->durable = durable_names[c->durable];
        pthread_rwlock_init(&s->lock, NULL);
        pthread_mutex_init(&s->counters_lock, NULL);
    }
    return rc;
}

int chain_load(struct chain **out, const char *config_file,
               struct errlist *errs, struct errlist *warns)
{
    return load(out, config_file, 0, errs, warns);
}

int chain_load_named(struct chain **out, const char *config_file,
                     struct errlist *errs, struct errlist *warns)
{
    return load(out, config_file, 1, errs, warns);
}

const nd_host_api_t *chain_host(void) { return &chain_host_api; }

void chain_skip_exporters(struct chain *c) { c->run_exporters = 0; }

static int skipped(const struct chain *c, const struct nd_instance *s)
{
    return s->plugin->desc.role == ND_ROLE_EXPORTER && !c->run_exporters;
}

int chain_start(struct chain *c, struct errlist *errs)
{
    size_t before = errs->n;
    const char *file = c->cfg.file;
    for (size_t i = 0; i < c->n; i++) {
        struct nd_instance *s = &c->steps[i];
        if (!s->plugin || skipped(c, s))
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
                     file ? file : "", file ? ":" : "", s->cfg->line,
                     file ? ":" : "", s->cfg->name, s->cfg->plugin,
                     *err ? err : "init failed",
                     paths_note(s->cfg->opts, "", file, note, sizeof note));
            continue;
        }
        s->ready = 1;
    }
    c->started = errs->n == before;
    return c->started ? 0 : -1;
}

void chain_free(struct chain *c)
{
    if (!c)
        return;
    for (size_t i = c->n; i-- > 0;) {
        struct nd_instance *s = &c->steps[i];
        if (s->ready && s->plugin->desc.fini)
            s->plugin->desc.fini(s->state);
        pthread_rwlock_destroy(&s->lock);
        pthread_mutex_destroy(&s->counters_lock);
    }
    free(c->steps);
    config_free(&c->cfg);
    registry_free(&c->reg);
    free(c);
}

const struct config *chain_config(const struct chain *c) { return &c->cfg; }
const struct registry *chain_registry(const struct chain *c) { return &c->reg; }
size_t chain_length(const struct chain *c) { return c->n; }

const struct step_config *chain_step(const struct chain *c, size_t i)
{
    return i < c->n ? c->steps[i].cfg : NULL;
}
int chain_sync(const struct chain *c) { return c->durable != DURABLE_NONE; }

int chain_has_flush(const struct chain *c)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->steps[i].plugin && c->steps[i].plugin->desc.flush &&
            !skipped(c, &c->steps[i]))
            return 1;
    return 0;
}

void chain_on_child_done(struct chain *c, chain_child_fn *fn, void *ctx)
{
    c->child_done = fn;
    c->child_done_ctx = ctx;
}

/* ---- running a document ----------------------------------------------------- */

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
static _Thread_local struct chain *running;

/* Time spent in a step since t0, less the children it ran on the way
 * (nd_doc_spawn_done): they count in their own steps. */
static int64_t own_time(struct chain_run *run, int64_t t0)
{
    int64_t us = now_us() - t0 - run->children_us;
    run->children_us = 0;
    return us;
}

/* Call one of a step's document hooks with the locking `process` has. */
#define WITH_STEP_LOCK(s, call)                                      \
    do {                                                             \
        if ((s)->plugin->desc.flags & ND_PLUGIN_SERIAL)              \
            pthread_rwlock_wrlock(&(s)->lock);                       \
        else                                                         \
            pthread_rwlock_rdlock(&(s)->lock);                       \
        call;                                                        \
        pthread_rwlock_unlock(&(s)->lock);                           \
    } while (0)

/* Run `d` with `run` attached for the host functions plugins call. */
static nd_status_t run_doc(struct chain *c, nd_doc_t *d, struct chain_run *run);

/* Run child i of container d. One that has finished is let go of at once
 * (after child_done has seen it). One that asks to be retried stays whole,
 * and no more children run until the container runs again: while a sink
 * is down, every later child would ask the same and be held whole too. */
static void run_child_doc(struct chain *c, nd_doc_t *d, struct chain_run *run,
                          size_t i)
{
    struct chain_run *cr = run_child(run, i);
    if (!cr || run_doc(c, d->children[i], cr) == ND_RETRY) {
        run->child_waits = 1;
        return;
    }
    if (c->child_done)
        c->child_done(c->child_done_ctx, d, run, i);
    int done = cr->state == RUN_DONE;
    doc_release_child(d, i, done);
    if (done) {
        run_free(cr);
        free(cr);
        run->children[i] = NULL;
    }
}

/* Whether child i still has something to do: not run yet, waiting for a
 * retry, or failed with exports to take back. */
static int child_pending(const nd_doc_t *d, const struct chain_run *run,
                         size_t i)
{
    if (!d->children[i])
        return 0;
    const struct chain_run *cr = i < run->nchildren ? run->children[i] : NULL;
    return !cr || cr->state == RUN_PENDING ||
           (cr->state == RUN_FAILED && cr->nkept);
}

/* Run a container's pending children, in order; the next run of the
 * container resumes at the first one still pending. */
static nd_status_t run_children(struct chain *c, nd_doc_t *d,
                                struct chain_run *run)
{
    for (size_t i = 0; i < d->nchildren && !run->child_waits; i++)
        if (child_pending(d, run, i))
            run_child_doc(c, d, run, i);
    nd_status_t st = run->child_waits ? ND_RETRY : ND_OK;
    run->child_waits = 0;
    if (st == ND_OK)
        run->state = RUN_DONE;
    return st;
}

static const struct nd_instance *step_named(const struct chain *c,
                                            const char *name)
{
    for (size_t i = 0; name && i < c->n; i++)
        if (!strcmp(c->steps[i].cfg->name, name))
            return &c->steps[i];
    return NULL;
}

int chain_spawn_done(nd_doc_t *child)
{
    struct chain *c = running;
    nd_doc_t *d = child ? child->parent : NULL;
    struct chain_run *run = d ? d->run : NULL;
    if (!c || !d || !run)
        return -1;
    size_t i = d->nchildren;
    while (i > 0 && d->children[i - 1] != child)
        i--;
    const struct nd_instance *s = step_named(c, run->step);
    if (i-- == 0 || !s)
        return -1;
    /* A serial reader holds its instance's lock for itself, and a child
     * may need the same reader: its children run after it returns. */
    if ((s->plugin->desc.flags & ND_PLUGIN_SERIAL) || run->child_waits ||
        !child_pending(d, run, i))
        return 0;
    int64_t t0 = now_us();
    run_child_doc(c, d, run, i);
    run->children_us += now_us() - t0;
    return 0;
}

/* Note that step i accepted the document and wants to hear how it ends
 * (withdraw or confirm). Returns 0, or -1 when out of memory (the caller
 * retries the step). */
static int keep(struct chain *c, struct chain_run *run, size_t i)
{
    if (!run->kept && !(run->kept = malloc(c->n * sizeof *run->kept)))
        return -1;
    run->kept[run->nkept++] = i;
    return 0;
}

/* A failed document leaves no trace: every step that accepted it and can
 * take it back does, the last first. The failure (run->error) stays as it
 * was; a step's reason for not withdrawing now goes to run->withdraw.
 * Returns ND_FAIL when done, or ND_RETRY when a step asked to be tried
 * again (calling chain_run resumes here). */
static nd_status_t withdraw_kept(struct chain *c, nd_doc_t *d,
                                 struct chain_run *run)
{
    struct run_error failure = run->error;
    memset(&run->error, 0, sizeof run->error);
    nd_status_t out = ND_FAIL;
    while (run->nkept) {
        struct nd_instance *s = &c->steps[run->kept[run->nkept - 1]];
        const nd_plugin_t *desc = &s->plugin->desc;
        if (!desc->withdraw) {
            run->nkept--;
            continue;
        }
        run->step = s->cfg->name;
        run->plugin = s->cfg->plugin;
        nd_status_t st;
        WITH_STEP_LOCK(s, st = desc->withdraw(s->state, d));
        if (st == ND_RETRY) {
            run_error_clear(&run->withdraw);
            run->withdraw = run->error;
            memset(&run->error, 0, sizeof run->error);
            if (!run->withdraw.message)
                run->withdraw.message = strdup("the step asked to be retried");
            free(run->withdraw.step);
            run->withdraw.step = strdup(s->cfg->name);
            run->attempts++;
            out = ND_RETRY;
            break;
        }
        if (st != ND_OK)
            chain_doc_log(d, run, ND_LOG_ERROR, "cannot take back its export "
                          "of this failed document: %s",
                          run->error.message ? run->error.message
                                             : "no reason given");
        run_error_clear(&run->error);
        run->nkept--;
    }
    if (out == ND_FAIL)
        run_error_clear(&run->withdraw);
    run_error_clear(&run->error);
    run->error = failure;
    run->step = run->plugin = NULL;
    run->state = RUN_FAILED;
    return out;
}

/* The document went through the whole chain: the steps that held
 * something back for it may write it now. */
static void confirm_kept(struct chain *c, nd_doc_t *d, struct chain_run *run)
{
    for (size_t k = 0; k < run->nkept; k++) {
        struct nd_instance *s = &c->steps[run->kept[k]];
        const nd_plugin_t *desc = &s->plugin->desc;
        if (desc->confirm)
            WITH_STEP_LOCK(s, desc->confirm(s->state, d));
    }
    run->nkept = 0;
}

/* An unread document reaches no further than the readers: nothing but a
 * reader knows what its bytes are, and a sink must not get a document
 * without text. */
static nd_status_t fail_unread(struct chain *c, nd_doc_t *d,
                               struct chain_run *run)
{
    run->step = run->plugin = NULL;
    run_set_error(run, "unsupported media type %s: no reader in the "
                  "pipeline reads it",
                  d->media_type ? d->media_type : "application/octet-stream");
    run->error.step = strdup("read");
    run->state = RUN_FAILED;
    return withdraw_kept(c, d, run);
}

/* Run step s (index i) on the document. */
static nd_status_t run_step(struct chain *c, nd_doc_t *d, struct chain_run *run,
                            size_t i)
{
    struct nd_instance *s = &c->steps[i];
    const nd_plugin_t *desc = &s->plugin->desc;
    run->step = s->cfg->name;
    run->plugin = s->cfg->plugin;
    run_error_clear(&run->error);
    int64_t t0 = now_us();
    nd_status_t st;
    WITH_STEP_LOCK(s, st = desc->process(s->state, d));
    int64_t us = own_time(run, t0);
    doc_add_timing(d, s->cfg->name, us);
    observe(s, st, us);
    if (run->stopped && st != ND_OK && st != ND_SKIP) {
        free(run->stopped); /* a stop only counts when the step succeeds */
        run->stopped = NULL;
    }
    if (st == ND_OK && (desc->withdraw || desc->confirm) && keep(c, run, i) < 0) {
        /* Without a note it could not be taken back or confirmed: undo
         * it now and run the step again later. */
        if (desc->withdraw)
            WITH_STEP_LOCK(s, desc->withdraw(s->state, d));
        run_set_error(run, "out of memory");
        st = ND_RETRY;
    }
    return st;
}

static nd_status_t run_steps(struct chain *c, nd_doc_t *d, struct chain_run *run)
{
    if (d->nchildren)
        return run_children(c, d, run);
    if (run->state == RUN_FAILED) /* decided: only the withdrawing is left */
        return withdraw_kept(c, d, run);
    for (size_t i = run->next_step; i < c->n; i++) {
        struct nd_instance *s = &c->steps[i];
        const nd_plugin_t *desc = &s->plugin->desc;
        if (skipped(c, s))
            continue;
        if (desc->role == ND_ROLE_READER) {
            if (d->read || !reader_matches(s, d))
                continue;
        } else if (s->cfg->cond && !cond_eval(s->cfg->cond, d)) {
            continue;
        }
        if (desc->role == ND_ROLE_EXPORTER && !d->read)
            return fail_unread(c, d, run);
        switch (run_step(c, d, run, i)) {
        case ND_OK:
            if (desc->role == ND_ROLE_READER) {
                d->read = 1;
                if (d->nchildren) {
                    run->next_step = c->n;
                    run->step = run->plugin = NULL;
                    return run_children(c, d, run);
                }
            }
            break;
        case ND_SKIP:
            break;
        case ND_RETRY:
            if (!run->error.message)
                run_set_error(run, "the step asked to be retried");
            run->next_step = i;
            run->state = RUN_PENDING;
            run->attempts++;
            return ND_RETRY;
        default:
            if (!run->error.message)
                run_set_error(run, "the step failed without saying why");
            if (s->cfg->on_error_skip) {
                chain_doc_log(d, run, ND_LOG_WARNING, "failed, skipped "
                              "(on_error: skip): %s", run->error.message);
                run_error_clear(&run->error);
                break;
            }
            run->state = RUN_FAILED;
            return withdraw_kept(c, d, run);
        }
        if (run->stopped) {
            chain_doc_log(d, run, ND_LOG_INFO, "the chain ends here: %s",
                          run->stopped);
            break;
        }
    }
    run->step = run->plugin = NULL;
    run->next_step = c->n;
    if (!d->read && !run->stopped)
        return fail_unread(c, d, run);
    confirm_kept(c, d, run);
    run->state = RUN_DONE;
    return ND_OK;
}

static nd_status_t run_doc(struct chain *c, nd_doc_t *d, struct chain_run *run)
{
    struct chain_run *outer = d->run;
    struct chain *was = running;
    d->run = run;
    running = c;
    nd_status_t st = run_steps(c, d, run);
    /* What steps attached lives as long as the run: a document waiting
     * for a flush or a retry keeps its fields, not its analysis. */
    doc_detach_all(d);
    d->run = outer;
    running = was;
    return st;
}

nd_status_t chain_run(struct chain *c, nd_doc_t *d, struct chain_run *run)
{
    return run_doc(c, d, run);
}

const char *chain_retry_reason(const struct chain_run *run, const char **step)
{
    for (size_t i = 0; i < run->nchildren; i++) {
        const char *why = run->children[i]
                              ? chain_retry_reason(run->children[i], step)
                              : NULL;
        if (why)
            return why;
    }
    *step = NULL;
    if (run->state == RUN_FAILED && run->nkept) {
        *step = run->withdraw.step;
        return run->withdraw.message;
    }
    if (run->state != RUN_PENDING || !run->error.message)
        return NULL;
    *step = run->error.step;
    return run->error.message;
}

nd_status_t chain_give_up(struct chain *c, nd_doc_t *d, struct chain_run *run,
                          int done_too)
{
    if (d->nchildren) {
        nd_status_t worst = ND_FAIL;
        for (size_t i = 0; i < d->nchildren; i++) {
            struct chain_run *cr = d->children[i] ? run_child(run, i) : NULL;
            if (cr && chain_give_up(c, d->children[i], cr, done_too) == ND_RETRY)
                worst = ND_RETRY;
        }
        return worst;
    }
    if (run->state == RUN_DONE && !done_too)
        return ND_OK;
    if (run->state != RUN_FAILED && !run->error.message)
        run_set_error(run, "given up on");
    run->state = RUN_FAILED;
    struct chain_run *outer = d->run;
    d->run = run;
    nd_status_t st = withdraw_kept(c, d, run);
    d->run = outer;
    return st;
}

/* ---- flush and metrics ------------------------------------------------------ */

nd_status_t chain_flush(struct chain *c, int sync, char *err, size_t errlen)
{
    nd_status_t worst = ND_OK;
    for (size_t i = 0; i < c->n; i++) {
        struct nd_instance *s = &c->steps[i];
        if (!s->ready || !s->plugin->desc.flush || skipped(c, s))
            continue;
        char e[512] = "";
        /* One flush at a time (the daemon's group commit); apart from
         * `process` unless the plugin guards itself. */
        int apart = !(s->plugin->desc.flags & ND_PLUGIN_CONCURRENT_FLUSH);
        if (apart)
            pthread_rwlock_wrlock(&s->lock);
        nd_status_t st = s->plugin->desc.flush(s->state, sync, e, sizeof e);
        if (apart)
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

void chain_move_metrics(struct chain *to, struct chain *from)
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
        for (int k = 0; k < n; k++) {
            long long v = atomic_exchange(&f->counters[k].value, 0);
            if (v)
                chain_counter_add(t, f->counters[k].name, v);
        }
    }
}

void chain_step_stats(const struct chain *c, size_t i, struct step_stats *out)
{
    struct nd_instance *s = &((struct chain *)c)->steps[i];
    memset(out, 0, sizeof *out);
    out->name = s->cfg->name;
    out->plugin = s->cfg->plugin;
    out->ok = atomic_load(&s->n_ok);
    out->skip = atomic_load(&s->n_skip);
    out->fail = atomic_load(&s->n_fail);
    out->retry = atomic_load(&s->n_retry);
    for (size_t b = 0; b <= LATENCY_BUCKETS; b++)
        out->latency[b] = atomic_load(&s->latency[b]);
    out->latency_sum_us = atomic_load(&s->latency_sum_us);
    int n = atomic_load(&s->ncounters);
    for (int k = 0; k < n && k < MAX_USER_COUNTERS; k++) {
        memcpy(out->counters[k].name, s->counters[k].name,
               sizeof out->counters[k].name);
        out->counters[k].value = atomic_load(&s->counters[k].value);
    }
    out->ncounters = (size_t)(n < MAX_USER_COUNTERS ? n : MAX_USER_COUNTERS);
}
