/* The daemon's loop: taking documents from the source, the worker pool,
 * retries, group commit, outcomes, start-up recovery and shutdown.
 *
 * A document's life: the source hands out an item (the inbox: a file it
 * has claimed into work/); a job runs on the thread pool, reads it and
 * runs the chain. Then:
 *   RETRY  the job waits on a timer (backoff_ms) and runs again from the
 *          step that asked, the item still taken;
 *   FAIL   what the steps accepted of it is taken back (chain_run), and
 *          the worker records the failure with the source;
 *   OK     with a flushing exporter in the chain, the job joins the next
 *          group commit and is recorded done only after the flush made
 *          its exports durable; without one, at once.
 * Recording itself can fail (a full state disk): the item stays where it
 * was, which is what the log says, and only the recording is retried.
 * `inflight` counts items from take to outcome; at max_inflight the loop
 * stops taking and the source (the inbox on disk) is the queue.
 *
 * Crashes are counted against the items a worker was processing when the
 * daemon died, never against the ones that only waited (the source's
 * `running` notes); those "suspects" come first after a restart and run
 * one at a time, so that a document that really kills the daemon is told
 * apart from the ones that happened to run beside it.
 *
 * A sink that is down, a full disk or a failing group commit is an outage:
 * it is logged once at warning when it starts and once at notice when it
 * ends, not once per document per retry. */
#include "daemon.h"

#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/backoff.h"
#include "log.h"
#include "paths.h"
#include "source_forward.h"
#include "source_inbox.h"
#include "source_stream.h"
#include "text/sniff.h"

/* Documents at least this large are followed by a malloc_trim. */
#define TRIM_AFTER_BYTES (1u << 20)

/* How long a small group commit may wait for the documents still running
 * to join it, and the size at which it waits no longer (kick_flush). */
#define GROUP_LINGER_MS 5
#define GROUP_FULL 32

enum outcome {
    OUT_NONE,       /* not recorded yet: waits for a group commit */
    OUT_DONE,
    OUT_FAILED,
    OUT_RETRY,
};

struct job {
    uv_work_t work;
    uv_timer_t timer;       /* retry backoff; initialised on first use */
    int timer_ready;
    struct daemon *dm;
    struct chain *chain;    /* the chain it started on, to the end */
    int has_flush;          /* that chain has an exporter with flush */
    struct job *prev, *next;
    struct source_item item;
    unsigned crashes;       /* daemon deaths while it was being processed */
    unsigned slot;          /* its running note while on the pool */
    int exported;           /* exports durable: only recording it done is
                               left (that failed once) */
    size_t next_child;      /* failed children recorded so far are before it */
    nd_doc_t *doc;
    struct chain_run run;
    enum outcome out;
    int64_t started_ms;
    /* a failure before there is a document */
    const char *stage;
    char msg[512];
    char filing_error[NAME_MAX * 4 + 160]; /* why recording failed, or "" */
    char waits_on[OUTAGE_KEY_MAX]; /* the outage its last retry was part of */
    char where[NAME_MAX + 64];     /* where the outcome put it */
    size_t failed_children;
};

/* ---- lists -------------------------------------------------------------- */

static void list_push(struct job_list *l, struct job *j)
{
    j->prev = l->tail;
    j->next = NULL;
    if (l->tail)
        l->tail->next = j;
    else
        l->head = j;
    l->tail = j;
    l->n++;
}

static void list_remove(struct job_list *l, struct job *j)
{
    if (j->prev)
        j->prev->next = j->next;
    else
        l->head = j->next;
    if (j->next)
        j->next->prev = j->prev;
    else
        l->tail = j->prev;
    j->prev = j->next = NULL;
    l->n--;
}

/* `from` goes in front of `to`, keeping its order; `from` is then empty. */
static void list_prepend_all(struct job_list *to, struct job_list *from)
{
    if (!from->head)
        return;
    from->tail->next = to->head;
    if (to->head)
        to->head->prev = from->tail;
    else
        to->tail = from->tail;
    to->head = from->head;
    to->n += from->n;
    memset(from, 0, sizeof *from);
}

/* ---- recording outcomes (worker threads) ---------------------------------- */

static unsigned runs_of(const struct job *j)
{
    return j->run.attempts + 1 + j->crashes;
}

/* What recording the outcome `out` came to: `rc` < 0 means the item is
 * still where it was, and the recording alone is retried (`why` says
 * what stood in the way). */
static void recorded(struct job *j, int rc, const char *why, enum outcome out)
{
    if (rc < 0) {
        snprintf(j->filing_error, sizeof j->filing_error, "%s", why);
        j->out = OUT_RETRY;
        return;
    }
    j->filing_error[0] = '\0';
    j->out = out;
}

static void file_failed(struct job *j)
{
    struct source *s = j->dm->source;
    const nd_doc_t *d = j->doc;
    const struct run_error *e = &j->run.error;
    int own = j->stage || !d || !e->message; /* the loop's reason */
    struct failure f = {
        .file = j->item.name,
        .id = d ? d->id : NULL,
        .stage = j->stage ? j->stage : e->step ? e->step : "pipeline",
        .plugin = own ? NULL : e->plugin,
        .message = own ? j->msg : e->message,
        .attempts = runs_of(j),
    };
    char err[sizeof j->filing_error] = "";
    recorded(j, s->ops->failed(s, &j->item, &f, j->where, sizeof j->where, err,
                               sizeof err), err, OUT_FAILED);
}

/* Record a job whose exports are durable: failed children are kept with
 * their records (in order; a retry goes on from the first one not kept),
 * then the item is done. */
static void file_done(struct job *j)
{
    struct source *s = j->dm->source;
    nd_doc_t *d = j->doc;
    char err[sizeof j->filing_error] = "";
    j->exported = 1;
    for (; j->next_child < d->nchildren; j->next_child++) {
        size_t i = j->next_child;
        nd_doc_t *c = d->children[i];
        const struct chain_run *cr = i < j->run.nchildren ? j->run.children[i]
                                                          : NULL;
        if (!c || !cr || cr->state != RUN_FAILED)
            continue;
        struct failure f = {
            .file = c->name, .id = c->id,
            .stage = cr->error.step ? cr->error.step : "pipeline",
            .plugin = cr->error.plugin, .message = cr->error.message,
            .attempts = cr->attempts + 1 + j->crashes,
        };
        int rc = s->ops->failed_part(s, &j->item, c->name, c->raw, c->raw_len,
                                     &f, err, sizeof err);
        if (rc < 0) {
            recorded(j, rc, err, OUT_DONE);
            return;
        }
        j->failed_children++;
    }
    recorded(j, s->ops->done(s, &j->item, j->where, sizeof j->where, err,
                             sizeof err), err, OUT_DONE);
}

static void read_doc(struct job *j)
{
    struct daemon *dm = j->dm;
    struct source *s = dm->source;
    uint8_t *raw;
    size_t len;
    char *path;
    if (s->ops->read(s, &j->item, dm->set.max_bytes, &raw, &len, &path,
                     &j->stage, j->msg, sizeof j->msg) < 0)
        return;
    j->doc = doc_new(raw, len, j->item.name, path,
                     sniff_media_type(raw, len, j->item.name));
    free(path);
    if (!j->doc) {
        j->stage = "read";
        snprintf(j->msg, sizeof j->msg, "out of memory");
    } else {
        j->stage = NULL;
        if (j->item.received)
            j->doc->received = j->item.received;
    }
}

static void work_cb(uv_work_t *w)
{
    struct job *j = w->data;
    struct source *s = j->dm->source;
    s->ops->running(s, j->slot, &j->item);
    if (j->exported) {
        file_done(j);
    } else {
        if (!j->doc && !j->stage)
            read_doc(j);
        if (j->stage) {
            file_failed(j);
        } else if (j->dm->set.stream.role == STREAM_FORWARD) {
            /* A forwarder runs no chain: recording the item done is
             * what passes it on (source_forward.c). */
            file_done(j);
        } else {
            switch (chain_run(j->chain, j->doc, &j->run)) {
            case ND_OK:
                doc_release(j->doc);
                if (j->has_flush)
                    j->out = OUT_NONE;
                else
                    file_done(j);
                break;
            case ND_RETRY:
                j->out = OUT_RETRY;
                break;
            default:
                file_failed(j);
                break;
            }
        }
    }
    s->ops->running(s, j->slot, NULL);
}

/* ---- the loop side ---------------------------------------------------------- */

static void pump(struct daemon *dm);
static void kick_flush(struct daemon *dm);
static void handle_closed(uv_handle_t *h);
static void maybe_finished(struct daemon *dm);
static void after_work(uv_work_t *w, int status);

static int64_t now_ms(const struct daemon *dm)
{
    return (int64_t)uv_now(dm->loop);
}

static void free_job_handle(uv_handle_t *h)
{
    free(h->data);
}

/* One document fewer on `chain`; a retired chain goes when it is empty. */
static void chain_unref(struct daemon *dm, struct chain *chain)
{
    if (chain == dm->chain) {
        dm->chain_jobs--;
        return;
    }
    for (struct retired_chain **r = &dm->retired; *r; r = &(*r)->next) {
        if ((*r)->chain != chain)
            continue;
        if (--(*r)->jobs == 0) {
            struct retired_chain *gone = *r;
            *r = gone->next;
            chain_move_metrics(dm->chain, gone->chain);
            log_info("the previous pipeline has finished its documents; "
                     "finalising it");
            chain_free(gone->chain);
            free(gone);
        }
        return;
    }
}

/* After a large document, hand the freed memory back to the system. glibc
 * keeps it otherwise: its allocations were served from the worker
 * threads' arenas (the mmap threshold rises to 32 MiB once a large block
 * has been freed), and a daemon idle after a 30 MiB text went on holding
 * 65 MB instead of 32. Trimming only after large documents keeps the cost
 * (a walk of every arena) off the ordinary ones; measured against a fixed
 * M_MMAP_THRESHOLD set at start-up, it gives back as much without turning
 * every large allocation into an mmap. */
static void free_doc(nd_doc_t *d)
{
    int large = d && d->raw_len >= TRIM_AFTER_BYTES;
    doc_free(d);
#ifdef __GLIBC__
    if (large)
        malloc_trim(0);
#else
    (void)large;
#endif
}

static void free_job(struct job *j)
{
    free_doc(j->doc);
    j->doc = NULL;
    run_free(&j->run);
    chain_unref(j->dm, j->chain);
    if (j->timer_ready) {
        j->timer.data = j;
        uv_close((uv_handle_t *)&j->timer, free_job_handle);
    } else {
        free(j);
    }
}

/* A job leaves the daemon's hands. */
static void release(struct job *j)
{
    struct daemon *dm = j->dm;
    dm->inflight--;
    free_job(j);
    pump(dm);
    maybe_finished(dm);
}

/* Hand a job to the thread pool, or hold it until there is room. The
 * pool's threads are the workers; up to pool_depth documents are on it,
 * one running for each thread and the rest queued behind, so that a
 * worker goes from one document to the next without waiting for the loop
 * (each hand-over from the loop is a sleep and a wake-up: on two CPUs it
 * left the workers idle a fifth of the time in a burst). Group commits
 * have a thread of their own (the committer), so they never wait behind
 * the queue. A suspect runs alone: it waits for the documents already on
 * the pool (a stream hands out suspects while others run), and nothing
 * joins it. */
static void queue(struct job *j)
{
    struct daemon *dm = j->dm;
    int wait_alone = dm->isolated && (dm->isolated != j || dm->running > 0);
    if (dm->running >= pool_depth(&dm->set) || wait_alone) {
        list_push(&dm->runnable, j);
        return;
    }
    unsigned slot = 0;
    while (dm->slot_busy[slot])
        slot++;
    dm->slot_busy[slot] = 1;
    j->slot = slot;
    j->work.data = j;
    dm->running++;
    list_push(&dm->on_pool, j);
    uv_queue_work(dm->loop, &j->work, work_cb, after_work);
}

/* Log about a job: through its document when there is one, so that the
 * line names id, file and the step its run names. */
static void job_log(const struct job *j, nd_log_level_t lv, const char *fmt,
                    ...) __attribute__((format(printf, 3, 4)));
static void job_log(const struct job *j, nd_log_level_t lv, const char *fmt,
                    ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (j->doc) {
        chain_doc_log(j->doc, &j->run, lv, "%s", msg);
    } else {
        char q[LOG_QUOTE_MAX];
        log_msg(lv, "id=- file=\"%s\" plugin=-: %s", log_quote(j->item.name, q),
                msg);
    }
}

/* Give a job's item back to the source (shutdown). The job may still be
 * on the pool (stop_timeout): nothing of it is written here. */
static void give_back(struct job *j)
{
    struct daemon *dm = j->dm;
    char where[NAME_MAX + 64], q[LOG_QUOTE_MAX];
    int rc = dm->source->ops->give_back(dm->source, &j->item, where,
                                        sizeof where);
    if (rc == -ENOENT)
        return; /* a worker recorded it meanwhile (stop_timeout) */
    if (rc < 0) {
        job_log(j, ND_LOG_WARNING, "stays in work/ (cannot return it to the "
                "inbox: %s); it is retried at the next start", strerror(-rc));
        return;
    }
    dm->n.returned++;
    job_log(j, ND_LOG_INFO, "returned to the inbox as \"%s\" at shutdown",
            log_quote(where, q));
}

/* Give every job of `l` (none of them on the pool) back and let go of
 * it. */
static void give_back_all(struct daemon *dm, struct job_list *l)
{
    while (l->head) {
        struct job *j = l->head;
        list_remove(l, j);
        if (dm->isolated == j)
            dm->isolated = NULL;
        if (j->timer_ready)
            uv_timer_stop(&j->timer);
        give_back(j);
        dm->inflight--;
        free_job(j);
    }
}

static void retry_due(uv_timer_t *t)
{
    struct job *j = t->data;
    list_remove(&j->dm->waiting_retry, j);
    queue(j);
}

/* Where outcomes are recorded: what a failure to record one waits on. */
static void state_key(const struct daemon *dm, char key[OUTAGE_KEY_MAX])
{
    if (dm->set.stream.role == STREAM_WORK)
        snprintf(key, OUTAGE_KEY_MAX, "the stream %s", dm->set.stream.key);
    else
        snprintf(key, OUTAGE_KEY_MAX, "the state folder %s", dm->set.state);
}

/* The outage a retrying job waits on, into key; returns why. */
static const char *retry_key(const struct job *j, char key[OUTAGE_KEY_MAX])
{
    if (j->filing_error[0]) {
        state_key(j->dm, key);
        return j->filing_error;
    }
    const char *step = NULL;
    const char *why = chain_retry_reason(&j->run, &step);
    snprintf(key, OUTAGE_KEY_MAX, "step %s", step ? step : "?");
    return why ? why : "the step asked to be retried";
}

/* A job runs again after a backoff, its item still taken: a step asked
 * for it, a step could not take back a failed document yet, or recording
 * the outcome failed. The first retry of an outage is a warning; the rest
 * are debug lines until it ends (see end_outage). */
static void schedule_retry(struct job *j)
{
    struct daemon *dm = j->dm;
    dm->n.retried++;
    unsigned attempt = j->filing_error[0] ? runs_of(j) : j->run.attempts;
    int64_t wait = backoff_ms(attempt ? attempt : 1, dm->set.retry_min,
                              dm->set.retry_max);
    const char *why = retry_key(j, j->waits_on);
    if (outage_retry(&dm->outages, j->waits_on, now_ms(dm)))
        job_log(j, ND_LOG_WARNING, "%s; the file stays in work/ and is tried "
                "again in %lld ms; until %s works again, documents waiting "
                "on it (%zu now) are logged at debug level", why,
                (long long)wait, j->waits_on, dm->waiting_retry.n + 1);
    else
        job_log(j, ND_LOG_DEBUG, "%s; retrying in %lld ms (attempt %u), the "
                "file stays in work/", why, (long long)wait, runs_of(j) + 1);
    if (!j->timer_ready) {
        uv_timer_init(dm->loop, &j->timer);
        j->timer.data = j;
        j->timer_ready = 1;
    }
    list_push(&dm->waiting_retry, j);
    uv_timer_start(&j->timer, retry_due, (uint64_t)wait, 0);
}

/* `key` (an outage's) works again. */
static void end_outage(struct daemon *dm, const char *key)
{
    int64_t lasted;
    uint64_t retries;
    if (outage_end(&dm->outages, key, now_ms(dm), &lasted, &retries))
        log_notice("%s works again after %.1f s (%llu retries waited on it; "
                   "%zu documents still waiting to be retried)", key,
                   (double)lasted / 1000, (unsigned long long)retries,
                   dm->waiting_retry.n);
}

static void report(struct job *j)
{
    struct daemon *dm = j->dm;
    int64_t ms = now_ms(dm) - j->started_ms;
    /* A container's documents are its children; an item without any (not
     * read, or not a container) is one document. */
    size_t docs = j->doc && j->doc->nchildren ? j->doc->nchildren : 1;
    char q[LOG_QUOTE_MAX];
    log_quote(j->where, q);
    if (j->out == OUT_DONE) {
        dm->n.done++;
        dm->n.docs_done += docs - j->failed_children;
        dm->n.docs_failed += j->failed_children;
        if (j->failed_children)
            job_log(j, ND_LOG_INFO, "done in %lld ms: \"%s\"; %zu of its %zu "
                    "documents failed (see failed/)", (long long)ms, q,
                    j->failed_children, j->doc->nchildren);
        else
            job_log(j, ND_LOG_INFO, "done in %lld ms: \"%s\"", (long long)ms, q);
        return;
    }
    dm->n.failed++;
    dm->n.docs_failed += docs;
    const char *why = j->stage || !j->doc || !j->run.error.message
                          ? j->msg : j->run.error.message;
    job_log(j, ND_LOG_WARNING, "failed: %s; moved to \"%s\" with \"%s.error.json\"",
            why, q, q);
}

static void after_work(uv_work_t *w, int status)
{
    struct job *j = w->data;
    struct daemon *dm = j->dm;
    dm->running--;
    dm->slot_busy[j->slot] = 0;
    list_remove(&dm->on_pool, j);
    if (dm->isolated == j)
        dm->isolated = NULL;
    if (dm->abandoned)
        return; /* stop_timeout gave its item back; the loop is ending */
    if (status == UV_ECANCELED) {
        /* Still queued on the pool at a stop: it goes back, as the ones
         * waiting for room do. */
        give_back(j);
        release(j);
        return;
    }
    if (dm->isolated && !dm->running) {
        /* the suspect waited for the pool to empty */
        list_remove(&dm->runnable, dm->isolated);
        queue(dm->isolated);
    } else if (dm->runnable.head && !dm->isolated) {
        struct job *next = dm->runnable.head;
        list_remove(&dm->runnable, next);
        queue(next);
    }
    /* A job that waited on an outage and got past it ends it; recording
     * an outcome ends a full state folder. */
    char key[OUTAGE_KEY_MAX] = "";
    if (j->out == OUT_RETRY)
        retry_key(j, key);
    if (j->waits_on[0] && strcmp(key, j->waits_on))
        end_outage(dm, j->waits_on);
    j->waits_on[0] = '\0';
    if (j->out == OUT_DONE || j->out == OUT_FAILED) {
        state_key(dm, key);
        end_outage(dm, key);
    }
    switch (j->out) {
    case OUT_NONE:
        if (!dm->waiting_flush.n)
            dm->group_since = now_ms(dm);
        list_push(&dm->waiting_flush, j);
        kick_flush(dm);
        pump(dm); /* the pool may have room now that a suspect is done */
        return;
    case OUT_RETRY:
        if (dm->stopping) {
            give_back(j);
            release(j);
        } else {
            schedule_retry(j);
            pump(dm);
        }
        kick_flush(dm); /* a group waiting for it waits no more */
        return;
    default:
        report(j);
        release(j);
        kick_flush(dm);
        return;
    }
}

/* ---- group commit ------------------------------------------------------------ */

static void flush_timer_due(uv_timer_t *t)
{
    struct daemon *dm = t->data;
    dm->lingering = 0;
    kick_flush(dm);
}

struct flush_req {
    struct daemon *dm;
    nd_status_t st;
    char err[1024];
};

/* On the committer's thread. */
static void flush_work(struct flush_req *r)
{
    struct daemon *dm = r->dm;
    /* Every chain the group went through: after a reload, some of it may
     * have been exported by the previous one. */
    r->st = ND_OK;
    for (struct job *j = dm->flushing.head; j && r->st == ND_OK; j = j->next) {
        int seen = 0;
        for (struct job *k = dm->flushing.head; k != j && !seen; k = k->next)
            seen = k->chain == j->chain;
        if (!seen)
            r->st = chain_flush(j->chain, dm->set.sync, r->err, sizeof r->err);
    }
    if (r->st != ND_OK)
        return;
    for (struct job *j = dm->flushing.head; j; j = j->next)
        file_done(j);
}

static void flush_done(struct flush_req *r)
{
    struct daemon *dm = r->dm;
    dm->flush_running = 0;
    if (r->st != ND_OK) {
        dm->n.flush_errors++;
        dm->flush_attempt++;
        int64_t wait = backoff_ms(dm->flush_attempt, dm->set.retry_min,
                                  dm->set.retry_max);
        log_msg(outage_retry(&dm->outages, "the group commit", now_ms(dm))
                    ? ND_LOG_WARNING : ND_LOG_DEBUG,
                "export not made durable for %zu documents: %s; trying "
                "again in %lld ms (their files stay in work/)",
                dm->flushing.n + dm->waiting_flush.n, r->err, (long long)wait);
        /* The group goes back in front of whatever finished since. */
        list_prepend_all(&dm->waiting_flush, &dm->flushing);
        free(r);
        uv_timer_start(&dm->flush_timer, flush_timer_due, (uint64_t)wait, 0);
        return;
    }
    dm->flush_attempt = 0;
    dm->n.flushes++;
    free(r);
    end_outage(dm, "the group commit");
    char key[OUTAGE_KEY_MAX];
    state_key(dm, key);
    while (dm->flushing.head) {
        struct job *j = dm->flushing.head;
        list_remove(&dm->flushing, j);
        if (j->out == OUT_RETRY) {
            /* Exported durably, but it could not be recorded done: only
             * that is tried again, after a backoff. */
            if (dm->stopping) {
                give_back(j);
                dm->inflight--;
                free_job(j);
            } else {
                schedule_retry(j);
            }
            continue;
        }
        end_outage(dm, key);
        report(j);
        dm->inflight--;
        free_job(j);
    }
    pump(dm);
    if (dm->waiting_flush.n)
        kick_flush(dm);
    maybe_finished(dm);
}

/* Start a group commit of everything exported so far, unless one is
 * running (what finishes meanwhile waits for the next: group commit) or
 * backing off after a failure.
 *
 * Much of a commit's cost does not grow with its size (a syncfs walks
 * the file system's dirty inodes and flushes the disk's cache), so a
 * small group waits while documents are still running, until they join
 * it, it holds GROUP_FULL, or its first document has waited
 * GROUP_LINGER_MS. Without the wait, the size of groups is set by how
 * long the commit before took: a chain whose documents finish one at a
 * time (a step that waits on a child process) had groups of four instead
 * of fourteen and spent twice the committer's CPU per document. A
 * document that finishes alone (a steady trickle) is committed at once,
 * and so is everything during a stop. */
static void kick_flush(struct daemon *dm)
{
    if (dm->flush_running || !dm->waiting_flush.n ||
        (uv_is_active((uv_handle_t *)&dm->flush_timer) && !dm->lingering))
        return;
    if (dm->set.sync && dm->running && !dm->stopping &&
        dm->waiting_flush.n < GROUP_FULL) {
        int64_t left = dm->group_since + GROUP_LINGER_MS - now_ms(dm);
        if (left > 0) {
            if (!dm->lingering) {
                dm->lingering = 1;
                uv_timer_start(&dm->flush_timer, flush_timer_due,
                               (uint64_t)left, 0);
            }
            return;
        }
    }
    if (dm->lingering) {
        dm->lingering = 0;
        uv_timer_stop(&dm->flush_timer);
    }
    struct flush_req *r = calloc(1, sizeof *r);
    if (!r) {
        uv_timer_start(&dm->flush_timer, flush_timer_due, 100, 0);
        return;
    }
    dm->flushing = dm->waiting_flush;
    memset(&dm->waiting_flush, 0, sizeof dm->waiting_flush);
    r->dm = dm;
    dm->flush_running = 1;
    struct committer *c = &dm->commit;
    uv_mutex_lock(&c->lock);
    c->request = r;
    uv_cond_signal(&c->cond);
    uv_mutex_unlock(&c->lock);
}

/* The committer's thread: each request's flush_work, then a wake-up of
 * the loop, which runs its flush_done. The wake-up is sent under the lock
 * that `quit` is set under, so that none is sent once the loop has closed
 * the handle. */
static void committer_main(void *arg)
{
    struct committer *c = arg;
    uv_mutex_lock(&c->lock);
    for (;;) {
        while (!c->request && !c->quit)
            uv_cond_wait(&c->cond, &c->lock);
        if (c->quit)
            break;
        struct flush_req *r = c->request;
        c->request = NULL;
        uv_mutex_unlock(&c->lock);
        flush_work(r);
        uv_mutex_lock(&c->lock);
        c->finished = r;
        if (!c->quit)
            uv_async_send(&c->done);
    }
    uv_mutex_unlock(&c->lock);
}

static void on_committed(uv_async_t *a)
{
    struct committer *c = a->data;
    uv_mutex_lock(&c->lock);
    struct flush_req *r = c->finished;
    c->finished = NULL;
    uv_mutex_unlock(&c->lock);
    if (r)
        flush_done(r);
}

static int committer_start(struct daemon *dm)
{
    struct committer *c = &dm->commit;
    if (uv_mutex_init(&c->lock) < 0)
        return -1;
    if (uv_cond_init(&c->cond) < 0) {
        uv_mutex_destroy(&c->lock);
        return -1;
    }
    uv_async_init(dm->loop, &c->done, on_committed);
    c->done.data = c;
    if (uv_thread_create(&c->thread, committer_main, c) < 0) {
        uv_close((uv_handle_t *)&c->done, NULL);
        uv_cond_destroy(&c->cond);
        uv_mutex_destroy(&c->lock);
        return -1;
    }
    return 0;
}

/* Ask the committer to end and close its handle. Joined when it is idle;
 * after stop_timeout it may be in a flush that does not return, and the
 * process exits without waiting for it (as for the workers). */
static void committer_stop(struct daemon *dm)
{
    struct committer *c = &dm->commit;
    uv_mutex_lock(&c->lock);
    c->quit = 1;
    uv_cond_signal(&c->cond);
    uv_mutex_unlock(&c->lock);
    if (!dm->abandoned) {
        uv_thread_join(&c->thread);
        uv_cond_destroy(&c->cond);
        uv_mutex_destroy(&c->lock);
    }
    c->done.data = dm;
    uv_close((uv_handle_t *)&c->done, handle_closed);
}

/* ---- taking ----------------------------------------------------------------- */

/* Start on an item the source handed out: a suspect runs alone; one that
 * has crashed the daemon max_attempts times is failed as poison without
 * being read. Returns -1 when out of memory (the item stays taken: the
 * inbox's file stays in work/ and comes back at the next start). */
static int start_item(struct daemon *dm, const struct source_item *it)
{
    struct job *j = calloc(1, sizeof *j);
    if (!j)
        return -1;
    j->dm = dm;
    j->chain = dm->chain;
    j->has_flush = dm->set.stream.role != STREAM_FORWARD &&
                   chain_has_flush(dm->chain);
    dm->chain_jobs++;
    j->item = *it;
    j->crashes = it->crashes;
    j->started_ms = now_ms(dm);
    if (it->recovered)
        dm->n.recovered++;
    else
        dm->n.claimed++;
    char q[LOG_QUOTE_MAX];
    log_quote(it->name, q);
    if (it->crashes >= dm->set.max_attempts) {
        j->stage = "crash";
        snprintf(j->msg, sizeof j->msg, "the daemon stopped abnormally %u "
                 "times while processing it (inbox.max_attempts is %u): left "
                 "out as a poison document", it->crashes, dm->set.max_attempts);
        j->crashes = it->crashes - 1; /* runs_of adds the current one */
    } else if (it->suspect) {
        log_notice("id=- file=\"%s\" plugin=-: it was being processed when "
                   "the daemon stopped abnormally (%u of %u times allowed); "
                   "processing it again, alone", q, it->crashes,
                   dm->set.max_attempts);
        dm->isolated = j;
    } else if (it->recovered) {
        log_debug("id=- file=\"%s\" plugin=-: found in work/, where it "
                  "waited when the daemon stopped; processing it again", q);
    }
    dm->inflight++;
    queue(j);
    return 0;
}

/* Nonzero while a replaced chain has documents running or waiting for
 * their group commit. Its exporters may hold what the new chain's need (a
 * database's write lock until the commit, say): new documents wait for
 * that, which takes as long as a document, not a retry. Documents of the
 * old chain waiting on a retry do not hold the switch up. */
static int old_chains_busy(const struct daemon *dm)
{
    size_t n = 0;
    for (const struct retired_chain *r = dm->retired; r; r = r->next)
        n += r->jobs;
    for (const struct job *j = dm->waiting_retry.head; j; j = j->next)
        n -= j->chain != dm->chain;
    return n > 0;
}

static void pump(struct daemon *dm)
{
    if (dm->switching) {
        if (old_chains_busy(dm))
            return;
        dm->switching = 0;
    }
    while (!dm->stopping && !dm->isolated &&
           dm->inflight < dm->set.max_inflight) {
        struct source_item it;
        if (dm->source->ops->take(dm->source, &it) <= 0 || start_item(dm, &it) < 0)
            break;
    }
}

static void on_source_ready(struct source *s, void *arg)
{
    (void)s;
    pump(arg);
}

/* ---- start and stop ------------------------------------------------------------ */

static void on_signal(uv_signal_t *h, int signum)
{
    struct daemon *dm = h->data;
    const char *sig = signum == SIGTERM ? "SIGTERM" : "SIGINT";
    if (!dm->stopping) {
        char why[64];
        snprintf(why, sizeof why, "received %s", sig);
        daemon_stop(dm, why);
        return;
    }
    /* A second signal does not wait for a sink that keeps failing: what
     * is not durably exported goes back to the inbox. Running documents
     * still finish, since a worker cannot be interrupted mid-step. */
    log_notice("received %s again; returning unexported documents to the "
               "inbox, waiting for %zu running ones", sig, dm->running);
    uv_timer_stop(&dm->flush_timer);
    dm->lingering = 0;
    give_back_all(dm, &dm->waiting_flush);
    maybe_finished(dm);
}

/* Folders that cannot be used: say where relative paths led. */
static int folder_failed(const struct config *c, char *err, size_t errlen)
{
    char note[4 * PATH_MAX];
    size_t n = strlen(err);
    paths_note(c->inbox, "inbox.", c->file, note, sizeof note);
    if (n < errlen)
        snprintf(err + n, errlen - n, "%s", note);
    return -1;
}

int daemon_start(struct daemon *dm, uv_loop_t *loop, struct chain *chain,
                 struct daemon_settings *set, char *err, size_t errlen)
{
    memset(dm, 0, sizeof *dm);
    dm->loop = loop;
    dm->chain = chain;
    dm->set = *set;
    memset(set, 0, sizeof *set);
    dm->slot_busy = calloc(pool_depth(&dm->set), 1);
    if (!dm->slot_busy) {
        snprintf(err, errlen, "out of memory");
        settings_free(&dm->set);
        return -1;
    }
    /* The pool is sized once, by the first uv_queue_work: the workers
     * (group commits have a thread of their own). */
    char nworkers[16];
    snprintf(nworkers, sizeof nworkers, "%u", dm->set.workers);
    setenv("UV_THREADPOOL_SIZE", nworkers, 1);
    if (committer_start(dm) < 0) {
        snprintf(err, errlen, "cannot start the group commit's thread");
        free(dm->slot_busy);
        settings_free(&dm->set);
        return -1;
    }

    enum stream_role role = dm->set.stream.role;
    dm->source = role == STREAM_WORK
        ? source_stream_open(loop, &dm->set, on_source_ready, dm, err, errlen)
        : role == STREAM_FORWARD
        ? source_forward_open(loop, &dm->set, on_source_ready, dm, err, errlen)
        : source_inbox_open(loop, &dm->set, on_source_ready, dm, err, errlen);
    if (!dm->source) {
        if (role != STREAM_WORK)
            folder_failed(chain_config(chain), err, errlen);
        committer_stop(dm);
        free(dm->slot_busy);
        settings_free(&dm->set);
        return -1;
    }
    uv_timer_init(loop, &dm->flush_timer);
    dm->flush_timer.data = dm;
    uv_timer_init(loop, &dm->stop_timer);
    dm->stop_timer.data = dm;
    uv_signal_init(loop, &dm->sigterm);
    uv_signal_init(loop, &dm->sigint);
    dm->sigterm.data = dm->sigint.data = dm;
    uv_signal_start(&dm->sigterm, on_signal, SIGTERM);
    uv_signal_start(&dm->sigint, on_signal, SIGINT);
    char shown_path[2 * PATH_MAX + 8], shown_state[2 * PATH_MAX + 8];
    const struct stream_settings *ss = &dm->set.stream;
    if (role == STREAM_WORK)
        log_info("running: stream worker %s of group %s on %s, %u workers, "
                 "at most %zu documents in flight, durable: %s, %zu pipeline "
                 "steps", ss->consumer, ss->group, ss->key, dm->set.workers,
                 dm->set.max_inflight, dm->set.durable, chain_length(chain));
    else if (role == STREAM_FORWARD)
        log_info("running: forwarding inbox %s (state %s) to the stream %s, "
                 "%u workers, at most %zu files in flight",
                 path_shown(dm->set.inbox_path, shown_path, sizeof shown_path),
                 path_shown(dm->set.state, shown_state, sizeof shown_state),
                 ss->key, dm->set.workers, dm->set.max_inflight);
    else
        log_info("running: inbox %s, state %s, %u workers, at most %zu "
                 "documents in flight, durable: %s, %zu pipeline steps",
                 path_shown(dm->set.inbox_path, shown_path, sizeof shown_path),
                 path_shown(dm->set.state, shown_state, sizeof shown_state),
                 dm->set.workers, dm->set.max_inflight, dm->set.durable,
                 chain_length(chain));
    pump(dm);
    return 0;
}

static void handle_closed(uv_handle_t *h)
{
    struct daemon *dm = h->data;
    dm->nclosing--;
}

static void source_closed(struct source *s)
{
    free(s);
}

/* Close every handle and the source: uv_run then returns once nothing
 * else is pending. */
static void close_all(struct daemon *dm)
{
    dm->closed = 1;
    dm->nclosing = 5;
    committer_stop(dm);
    uv_close((uv_handle_t *)&dm->flush_timer, handle_closed);
    uv_close((uv_handle_t *)&dm->stop_timer, handle_closed);
    uv_close((uv_handle_t *)&dm->sigterm, handle_closed);
    uv_close((uv_handle_t *)&dm->sigint, handle_closed);
    log_info("stopped: %llu done, %llu failed, %llu retried, %llu returned "
             "to the inbox", (unsigned long long)dm->n.done,
             (unsigned long long)dm->n.failed,
             (unsigned long long)dm->n.retried,
             (unsigned long long)dm->n.returned);
}

/* Once nothing is in flight after a stop, close everything: uv_run then
 * returns. */
static void maybe_finished(struct daemon *dm)
{
    if (!dm->stopping || dm->inflight || dm->flush_running || dm->closed)
        return;
    close_all(dm);
    dm->source->ops->close(dm->source, source_closed);
    dm->source = NULL;
    free(dm->slot_busy);
    dm->slot_busy = NULL;
    settings_free(&dm->set);
}

/* service.stop_timeout has passed and documents are still in a step (a
 * sink that hangs, a plugin that does not return): their items go back to
 * the source, so nothing waits on them but the threads themselves, and
 * the loop ends; the caller exits without joining those threads. Exports
 * they may still make are of documents now back in the inbox: processed
 * again at the next start, idempotently. */
static void stop_timed_out(uv_timer_t *t)
{
    struct daemon *dm = t->data;
    if (dm->closed)
        return;
    log_error("stop_timeout (%lld ms) has passed with %zu documents still "
              "in a step and %zu in a group commit; their files go back to "
              "the inbox and newsdesk exits without waiting for them",
              (long long)dm->set.stop_timeout_ms, dm->on_pool.n,
              dm->flush_running ? dm->flushing.n : 0);
    dm->abandoned = 1;
    for (struct job *j = dm->on_pool.head; j; j = j->next) {
        give_back(j);
        dm->n.abandoned++;
    }
    for (struct job *j = dm->flushing.head; dm->flush_running && j; j = j->next) {
        give_back(j);
        dm->n.abandoned++;
    }
    give_back_all(dm, &dm->waiting_flush);
    close_all(dm);
    uv_stop(dm->loop);
}

void daemon_stop(struct daemon *dm, const char *why)
{
    if (dm->stopping)
        return;
    dm->stopping = 1;
    log_info("stopping (%s): no more claims; finishing %zu documents in "
             "flight", why, dm->inflight);
    /* Documents not started yet, or waiting on a retry, go back rather
     * than hold up the stop (a backoff may last minutes). */
    give_back_all(dm, &dm->runnable);
    give_back_all(dm, &dm->waiting_retry);
    /* So do those queued on the pool behind a running one (after_work
     * gives them back); the running ones finish. */
    for (struct job *j = dm->on_pool.head; j; j = j->next)
        uv_cancel((uv_req_t *)&j->work);
    /* Exports waiting on a failed group commit get one more try now. */
    if (uv_is_active((uv_handle_t *)&dm->flush_timer)) {
        uv_timer_stop(&dm->flush_timer);
        kick_flush(dm);
    }
    int64_t stop_timeout = dm->set.stop_timeout_ms;
    maybe_finished(dm);
    if (!dm->closed && stop_timeout > 0)
        uv_timer_start(&dm->stop_timer, stop_timed_out, (uint64_t)stop_timeout, 0);
}

void daemon_reload(struct daemon *dm, struct chain *chain,
                   struct daemon_settings *set)
{
    struct chain *old = dm->chain;
    if (dm->chain_jobs) {
        struct retired_chain *r = calloc(1, sizeof *r);
        if (!r) {
            /* Without a record the old chain could not be freed in time:
             * keep it, and refuse the new one. Nothing of the running
             * daemon points into the new chain or its settings. */
            log_error("reload: out of memory; keeping the running pipeline");
            chain_free(chain);
            settings_free(set);
            return;
        }
        r->chain = old;
        r->jobs = dm->chain_jobs;
        r->next = dm->retired;
        dm->retired = r;
        log_info("reload: %zu documents finish on the previous pipeline",
                 dm->chain_jobs);
        dm->switching = 1;
    }
    /* The counts go on across the switch; what the old chain still does
     * is moved over once it has drained (chain_unref). */
    chain_move_metrics(chain, old);
    if (!dm->chain_jobs)
        chain_free(old);
    dm->chain = chain;
    dm->chain_jobs = 0;
    dm->set.max_inflight = set->max_inflight;
    dm->set.retry_min = set->retry_min;
    dm->set.retry_max = set->retry_max;
    dm->set.stop_timeout_ms = set->stop_timeout_ms;
    settings_free(set);
    kick_flush(dm);
    pump(dm);
}

void daemon_source_stats(const struct daemon *dm, struct source_stats *st)
{
    if (dm->source)
        dm->source->ops->stats(dm->source, st);
    else
        memset(st, 0, sizeof *st);
}
