/* The daemon's loop: claiming, the worker pool, retries, group commit,
 * outcomes, start-up recovery and shutdown.
 *
 * A file's life: the inbox says it is ready; the loop checks it is a
 * regular file nobody is writing, claims it (rename into work/) and queues
 * a job on the thread pool, which reads it and runs the pipeline. Then:
 *   RETRY  the job waits on a timer (backoff_ms) and runs again from the
 *          step that asked, the file still in work/;
 *   FAIL   what the steps accepted of it is taken back (pipeline_run), and
 *          the worker files it in failed/ with its error record;
 *   OK     with a flushing exporter in the chain, the job joins the next
 *          group commit and the file moves to done/ only after the flush
 *          made its exports durable; without one, at once.
 * Filing itself can fail (a full state disk): the file then stays in
 * work/, which is what the log says, and only the filing is retried.
 * `inflight` counts files from claim to outcome; at max_inflight the loop
 * stops claiming and the inbox on disk is the queue.
 *
 * Crashes are counted against the documents a worker was processing when
 * the daemon died, never against the ones that only waited (see
 * store_running_note); those "suspects" run first after a restart, one at
 * a time, so that a document that really kills the daemon is told apart
 * from the ones that happened to run beside it.
 *
 * A sink that is down, a full disk or a failing group commit is an outage:
 * it is logged once at warning when it starts and once at notice when it
 * ends, not once per document per retry. */
#include "daemon.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/io.h"
#include "hostapi.h"
#include "log.h"
#include "paths.h"
#include "text/sniff.h"

/* Documents at least this large are followed by a malloc_trim. */
#define TRIM_AFTER_BYTES (1u << 20)

enum outcome {
    OUT_NONE,       /* not filed yet: waits for a group commit */
    OUT_DONE,
    OUT_FAILED,
    OUT_RETRY,
};

struct job {
    uv_work_t work;
    uv_timer_t timer;       /* retry backoff; initialised on first use */
    int timer_ready;
    struct daemon *dm;
    struct pipeline *p;     /* the chain it started on, to the end */
    int has_flush;          /* that chain has an exporter with flush */
    struct job *prev, *next;
    char name[NAME_MAX + 1]; /* in work/ */
    int fd;                 /* open until the worker has read it */
    unsigned crashes;       /* daemon deaths with this file being processed */
    int counted;            /* it has a crash counter in attempts/ */
    unsigned slot;          /* its note in running/ while on the pool */
    int exported;           /* exports durable: only the move to done/ is
                               left (it failed once) */
    size_t next_child;      /* failed children filed so far are before it */
    nd_doc_t *doc;
    enum outcome out;
    int64_t started_ms;
    /* a failure before there is a document, or in filing it */
    const char *stage;
    char msg[512];
    char filing_error[NAME_MAX * 4 + 160]; /* why filing failed, or "" */
    char waits_on[OUTAGE_KEY_MAX]; /* the outage its last retry was part of */
    char final[NAME_MAX + 1];
    size_t failed_children;
};

/* ---- lists ------------------------------------------------------------ */

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

/* ---- filing (worker threads) ------------------------------------------ */

static unsigned runs_of(const struct job *j)
{
    return (j->doc ? j->doc->attempts : 0) + 1 + j->crashes;
}

/* Filing failed with -errno `rc`: the file is still in work/, and the
 * filing alone is retried. */
static void filing_failed(struct job *j, const char *what, int rc)
{
    snprintf(j->filing_error, sizeof j->filing_error, "%s: %s", what,
             strerror(-rc));
    j->out = OUT_RETRY;
}

/* Move the job's file to failed/ with its record. If that cannot be done,
 * the file is still in work/ (store_fail writes the record first and
 * moves nothing on an error), and only the filing is retried. */
static void file_failed(struct job *j)
{
    struct daemon *dm = j->dm;
    const nd_doc_t *d = j->doc;
    struct failure f = {
        .file = j->name,
        .id = d ? d->id : NULL,
        .stage = j->stage ? j->stage
                 : d && d->error_step ? d->error_step : "pipeline",
        .plugin = j->stage ? NULL : d ? d->error_plugin : NULL,
        .message = j->stage || !d || !d->error ? j->msg : d->error,
        .attempts = runs_of(j),
    };
    int rc = store_fail(&dm->store, j->name, &f, j->final, sizeof j->final);
    if (rc < 0) {
        filing_failed(j, "cannot write its error record into failed/", rc);
        return;
    }
    j->filing_error[0] = '\0';
    if (j->counted)
        store_clear_crashes(&dm->store, j->name);
    j->out = OUT_FAILED;
}

/* File a job whose exports are durable: failed children get their own
 * files and records in failed/ (in order; a retry goes on from the first
 * one not filed), then the file goes to done/. */
static void file_done(struct job *j)
{
    struct daemon *dm = j->dm;
    nd_doc_t *d = j->doc;
    j->exported = 1;
    for (; j->next_child < d->nchildren; j->next_child++) {
        nd_doc_t *c = d->children[j->next_child];
        if (!c || c->state != DOC_FAILED)
            continue;
        struct failure f = {
            .file = c->name, .id = c->id,
            .stage = c->error_step ? c->error_step : "pipeline",
            .plugin = c->error_plugin, .message = c->error,
            .attempts = c->attempts + 1 + j->crashes,
        };
        char got[NAME_MAX + 1];
        int rc = store_fail_bytes(&dm->store, c->name, c->raw, c->raw_len,
                                  &f, got, sizeof got);
        if (rc < 0) {
            char what[NAME_MAX + 64], q[LOG_QUOTE_MAX];
            snprintf(what, sizeof what, "cannot write its failed item \"%s\" "
                     "into failed/", log_quote(c->name, q));
            filing_failed(j, what, rc);
            return;
        }
        j->failed_children++;
    }
    int rc = store_done(&dm->store, j->name, dm->delete_done, j->final,
                        sizeof j->final);
    if (rc < 0) {
        filing_failed(j, dm->delete_done ? "cannot delete it from work/ "
                      "(on_success: delete)" : "cannot move it into done/", rc);
        return;
    }
    j->filing_error[0] = '\0';
    if (j->counted)
        store_clear_crashes(&dm->store, j->name);
    j->out = OUT_DONE;
}

static void read_doc(struct job *j)
{
    struct daemon *dm = j->dm;
    uint8_t *raw;
    size_t len;
    int rc = read_all(j->fd, dm->max_bytes, &raw, &len);
    close(j->fd);
    j->fd = -1;
    if (rc == -EFBIG) {
        j->stage = "read";
        snprintf(j->msg, sizeof j->msg, "larger than inbox.max_bytes (%zu "
                 "bytes); not read", dm->max_bytes);
        return;
    }
    if (rc < 0) {
        j->stage = "read";
        snprintf(j->msg, sizeof j->msg, "cannot read it: %s", strerror(-rc));
        return;
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dm->inbox.set.path, j->name);
    j->doc = doc_new(raw, len, j->name, path, sniff_media_type(raw, len, j->name));
    if (!j->doc) {
        j->stage = "read";
        snprintf(j->msg, sizeof j->msg, "out of memory");
    }
}

static void work_cb(uv_work_t *w)
{
    struct job *j = w->data;
    struct daemon *dm = j->dm;
    store_running_note(&dm->store, j->slot, j->name);
    if (j->exported) {
        file_done(j);
    } else {
        if (!j->doc && !j->stage)
            read_doc(j);
        if (j->stage) {
            file_failed(j);
        } else {
            switch (pipeline_run(j->p, j->doc)) {
            case ND_OK:
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
    store_running_note(&dm->store, j->slot, "");
}

/* ---- the loop side ---------------------------------------------------- */

static void pump(struct daemon *dm);
static void kick_flush(struct daemon *dm);
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

/* One document fewer on chain p; a retired chain goes when it is empty. */
static void chain_unref(struct daemon *dm, struct pipeline *p)
{
    if (p == dm->p) {
        dm->p_jobs--;
        return;
    }
    for (struct retired_chain **r = &dm->retired; *r; r = &(*r)->next) {
        if ((*r)->p != p)
            continue;
        if (--(*r)->jobs == 0) {
            struct retired_chain *gone = *r;
            *r = gone->next;
            pipeline_move_metrics(dm->p, gone->p);
            log_info("the previous pipeline has finished its documents; "
                     "finalising it");
            pipeline_free(gone->p);
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
    if (j->fd >= 0)
        close(j->fd);
    free_doc(j->doc);
    j->doc = NULL;
    chain_unref(j->dm, j->p);
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

/* Hand a job to the thread pool, or hold it until a worker is free. At
 * most `workers` documents are on the pool at once: the pool has one more
 * thread, so a group commit never waits behind a queue of documents and
 * runs while they are processed. While a suspect runs alone, nothing
 * joins it. */
static void queue(struct job *j)
{
    struct daemon *dm = j->dm;
    if (dm->running >= dm->workers || (dm->isolated && dm->isolated != j)) {
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
 * line names id, file and plugin. */
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
        nd_doc_t *d = j->doc;
        const char *step = d->step, *plugin = d->plugin;
        if (d->error_step) /* name the step that failed or asked to retry */
            d->step = d->error_step, d->plugin = d->error_plugin;
        host_doc_log(d, lv, "%s", msg);
        d->step = step, d->plugin = plugin;
    } else {
        char q[LOG_QUOTE_MAX];
        log_msg(lv, "id=- file=\"%s\" plugin=-: %s", log_quote(j->name, q), msg);
    }
}

/* Give a claimed file back to the inbox (shutdown). The job may still be
 * on the pool (stop_timeout): nothing of it is written here. */
static void give_back(struct job *j)
{
    struct daemon *dm = j->dm;
    char back[NAME_MAX + 1], q[LOG_QUOTE_MAX];
    int rc = dm->inbox.lost ? -ENOENT
                            : store_unclaim(&dm->store, dm->inbox.set.path,
                                            j->name, back, sizeof back);
    if (rc == -ENOENT && !dm->inbox.lost)
        return; /* a worker filed it meanwhile (stop_timeout) */
    if (rc < 0) {
        job_log(j, ND_LOG_WARNING, "stays in work/ (cannot return it to the "
                "inbox: %s); it is retried at the next start", strerror(-rc));
        return;
    }
    dm->n.returned++;
    if (j->counted) /* the file is a new arrival when it is claimed again */
        store_clear_crashes(&dm->store, j->name);
    job_log(j, ND_LOG_INFO, "returned to the inbox as \"%s\" at shutdown",
            log_quote(back, q));
}

static void retry_due(uv_timer_t *t)
{
    struct job *j = t->data;
    list_remove(&j->dm->waiting_retry, j);
    queue(j);
}

/* A job runs again after a backoff, its file still in work/: a step asked
 * for it, a step could not take back a failed document yet, or filing the
 * outcome failed. The first retry of an outage is a warning; the rest are
 * debug lines until it ends (see end_outage). */
/* The outage a retrying job waits on, and why, into key. */
static const char *retry_key(const struct job *j, char key[OUTAGE_KEY_MAX])
{
    if (j->filing_error[0]) {
        snprintf(key, OUTAGE_KEY_MAX, "the state folder %s", j->dm->store.state);
        return j->filing_error;
    }
    const char *step = NULL;
    const char *why = j->doc ? pipeline_retry_reason(j->doc, &step) : NULL;
    snprintf(key, OUTAGE_KEY_MAX, "step %s", step ? step : "?");
    return why ? why : "the step asked to be retried";
}

static void schedule_retry(struct job *j)
{
    struct daemon *dm = j->dm;
    dm->n.retried++;
    unsigned attempt = j->doc ? j->doc->attempts : 1;
    if (j->filing_error[0])
        attempt = runs_of(j);
    int64_t wait = backoff_ms(attempt ? attempt : 1, dm->retry_min,
                              dm->retry_max);
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
    char q[LOG_QUOTE_MAX];
    if (j->out == OUT_DONE) {
        dm->n.done++;
        dm->n.failed_children += j->failed_children;
        if (j->failed_children)
            job_log(j, ND_LOG_INFO, "done in %lld ms: \"%s%s\"; %zu of its "
                    "%zu documents failed (see failed/)", (long long)ms,
                    dm->delete_done ? "deleted" : "done/",
                    dm->delete_done ? "" : log_quote(j->final, q),
                    j->failed_children, j->doc->nchildren);
        else if (dm->delete_done)
            job_log(j, ND_LOG_INFO, "done in %lld ms; deleted "
                    "(on_success: delete)", (long long)ms);
        else
            job_log(j, ND_LOG_INFO, "done in %lld ms: \"done/%s\"", (long long)ms,
                    log_quote(j->final, q));
    } else {
        dm->n.failed++;
        const char *why = j->stage || !j->doc || !j->doc->error ? j->msg
                                                                : j->doc->error;
        log_quote(j->final, q);
        job_log(j, ND_LOG_WARNING, "failed: %s; moved to \"failed/%s\" with "
                "\"failed/%s.error.json\"", why, q, q);
    }
}

static void after_work(uv_work_t *w, int status)
{
    struct job *j = w->data;
    struct daemon *dm = j->dm;
    (void)status;
    dm->running--;
    dm->slot_busy[j->slot] = 0;
    list_remove(&dm->on_pool, j);
    if (dm->isolated == j)
        dm->isolated = NULL;
    if (dm->abandoned) {
        /* stop_timeout gave its file back; the loop is ending. */
        return;
    }
    if (dm->runnable.head && !dm->isolated) {
        struct job *next = dm->runnable.head;
        list_remove(&dm->runnable, next);
        queue(next);
    }
    /* A job that waited on an outage and got past it ends it; filing a
     * file ends a full state folder. */
    char key[OUTAGE_KEY_MAX] = "";
    if (j->out == OUT_RETRY)
        retry_key(j, key);
    if (j->waits_on[0] && strcmp(key, j->waits_on))
        end_outage(dm, j->waits_on);
    j->waits_on[0] = '\0';
    if (j->out == OUT_DONE || j->out == OUT_FAILED) {
        snprintf(key, sizeof key, "the state folder %s", dm->store.state);
        end_outage(dm, key);
    }
    switch (j->out) {
    case OUT_NONE:
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
        return;
    default:
        report(j);
        release(j);
        return;
    }
}

/* ---- group commit ----------------------------------------------------- */

static void flush_timer_due(uv_timer_t *t)
{
    kick_flush(t->data);
}

struct flush_req {
    uv_work_t work;
    struct daemon *dm;
    nd_status_t st;
    char err[1024];
};

static void flush_work(uv_work_t *w)
{
    struct flush_req *r = w->data;
    struct daemon *dm = r->dm;
    /* Every chain the group went through: after a reload, some of it may
     * have been exported by the previous one. */
    r->st = ND_OK;
    for (struct job *j = dm->flushing.head; j && r->st == ND_OK; j = j->next) {
        int seen = 0;
        for (struct job *k = dm->flushing.head; k != j && !seen; k = k->next)
            seen = k->p == j->p;
        if (!seen)
            r->st = pipeline_flush(j->p, dm->sync, r->err, sizeof r->err);
    }
    if (r->st != ND_OK)
        return;
    for (struct job *j = dm->flushing.head; j; j = j->next)
        file_done(j);
}

static void flush_done(uv_work_t *w, int status)
{
    struct flush_req *r = w->data;
    struct daemon *dm = r->dm;
    (void)status;
    dm->flush_running = 0;
    if (r->st != ND_OK) {
        dm->n.flush_errors++;
        dm->flush_attempt++;
        int64_t wait = backoff_ms(dm->flush_attempt, dm->retry_min,
                                  dm->retry_max);
        log_msg(outage_retry(&dm->outages, "the group commit", now_ms(dm))
                    ? ND_LOG_WARNING : ND_LOG_DEBUG,
                "export not made durable for %zu documents: %s; trying "
                "again in %lld ms (their files stay in work/)",
                dm->flushing.n + dm->waiting_flush.n, r->err, (long long)wait);
        /* The group goes back in front of whatever finished since. */
        while (dm->flushing.tail) {
            struct job *j = dm->flushing.tail;
            list_remove(&dm->flushing, j);
            j->next = dm->waiting_flush.head;
            j->prev = NULL;
            if (dm->waiting_flush.head)
                dm->waiting_flush.head->prev = j;
            else
                dm->waiting_flush.tail = j;
            dm->waiting_flush.head = j;
            dm->waiting_flush.n++;
        }
        free(r);
        uv_timer_start(&dm->flush_timer, flush_timer_due, (uint64_t)wait, 0);
        return;
    }
    dm->flush_attempt = 0;
    dm->n.flushes++;
    free(r);
    end_outage(dm, "the group commit");
    char state_key[OUTAGE_KEY_MAX];
    snprintf(state_key, sizeof state_key, "the state folder %s", dm->store.state);
    while (dm->flushing.head) {
        struct job *j = dm->flushing.head;
        list_remove(&dm->flushing, j);
        if (j->out == OUT_RETRY) {
            /* Exported durably, but the file could not be moved: only the
             * move is tried again, after a backoff. */
            if (dm->stopping) {
                give_back(j);
                dm->inflight--;
                free_job(j);
            } else {
                schedule_retry(j);
            }
            continue;
        }
        end_outage(dm, state_key);
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
 * backing off after a failure. */
static void kick_flush(struct daemon *dm)
{
    if (dm->flush_running || !dm->waiting_flush.n ||
        uv_is_active((uv_handle_t *)&dm->flush_timer))
        return;
    struct flush_req *r = calloc(1, sizeof *r);
    if (!r) {
        uv_timer_start(&dm->flush_timer, flush_timer_due, 100, 0);
        return;
    }
    dm->flushing = dm->waiting_flush;
    memset(&dm->waiting_flush, 0, sizeof dm->waiting_flush);
    r->dm = dm;
    r->work.data = r;
    dm->flush_running = 1;
    uv_queue_work(dm->loop, &r->work, flush_work, flush_done);
}

/* ---- claiming --------------------------------------------------------- */

/* Nonzero when some process has `fd`'s file open for writing: a read
 * lease cannot be taken then. Where leases are not allowed (another
 * owner, no CAP_LEASE, a file system without them) there is no answer, and
 * the settle rules alone decide. */
static int being_written(int fd)
{
    if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
        fcntl(fd, F_SETLEASE, F_UNLCK);
        return 0;
    }
    return errno == EAGAIN;
}

static struct job *new_job(struct daemon *dm, const char *name)
{
    struct job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->dm = dm;
    j->p = dm->p;
    j->has_flush = pipeline_has_flush(dm->p);
    dm->p_jobs++;
    j->fd = -1;
    snprintf(j->name, sizeof j->name, "%s", name);
    j->started_ms = (int64_t)uv_now(dm->loop);
    return j;
}

/* Open a claimed file and hand it to a worker; files that cannot be read
 * fail with their reason. */
static void start_job(struct daemon *dm, struct job *j)
{
    dm->inflight++;
    if (j->stage) { /* already failed (poison): filed without opening */
        queue(j);
        return;
    }
    j->fd = openat(dm->store.workfd, j->name,
                   O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (j->fd < 0) {
        j->stage = "claim";
        snprintf(j->msg, sizeof j->msg, "cannot open it: %s%s",
                 strerror(errno), errno == ELOOP ? " (a symbolic link: "
                 "never followed)" : "");
    } else if (fstat(j->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        j->stage = "claim";
        snprintf(j->msg, sizeof j->msg, "not a regular file");
    } else if ((uint64_t)st.st_size > dm->max_bytes) {
        j->stage = "read";
        snprintf(j->msg, sizeof j->msg, "%lld bytes, larger than "
                 "inbox.max_bytes (%zu bytes); not read",
                 (long long)st.st_size, dm->max_bytes);
    }
    if (j->stage && j->fd >= 0) {
        close(j->fd);
        j->fd = -1;
    }
    queue(j);
}

/* Claim one ready name. Returns 0 when it was claimed or set aside,
 * -1 on a memory shortage. */
static int claim(struct daemon *dm, const char *name)
{
    char path[PATH_MAX], q[LOG_QUOTE_MAX];
    if (inbox_file(&dm->inbox, name, path, sizeof path) < 0)
        return 0;
    log_quote(name, q);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ELOOP)
            log_notice("inbox: ignoring \"%s\": a symbolic link (never "
                       "followed)", q);
        else if (errno != ENOENT)
            log_warning("inbox: cannot open \"%s\": %s", q, strerror(errno));
        return 0;
    }
    struct stat st;
    int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    int busy = ok && being_written(fd);
    close(fd);
    if (!ok)
        return 0;
    if (busy) {
        log_debug("inbox: \"%s\" is still open for writing; waiting", q);
        inbox_later(&dm->inbox, name);
        return 0;
    }
    struct job *j = new_job(dm, name);
    if (!j) {
        inbox_later(&dm->inbox, name);
        return -1;
    }
    int rc = store_claim(&dm->store, path, name);
    if (rc < 0) {
        chain_unref(dm, j->p);
        free(j);
        if (rc == -EEXIST) {
            /* work/ holds a file of that name still in flight. */
            inbox_later(&dm->inbox, name);
        } else if (rc != -ENOENT) {
            log_error("inbox: cannot claim \"%s\" (move it into %s/work): %s",
                      q, dm->store.state, strerror(-rc));
            inbox_later(&dm->inbox, name);
        }
        return 0;
    }
    dm->n.claimed++;
    log_debug("id=- file=\"%s\" plugin=-: claimed", q);
    start_job(dm, j);
    return 0;
}

/* A file left in work/ by a daemon that died: retried, unless it has
 * crashed the daemon max_attempts times, then failed as poison. A suspect
 * (it was being processed when the daemon died: its crash counter was
 * raised at start-up) runs alone. */
static void recover(struct daemon *dm, const char *name, int suspect)
{
    struct job *j = new_job(dm, name);
    if (!j)
        return; /* still in work/: retried at the next start */
    dm->n.recovered++;
    unsigned crashes = store_crashes(&dm->store, name);
    j->crashes = crashes;
    j->counted = crashes > 0;
    char q[LOG_QUOTE_MAX];
    log_quote(name, q);
    if (crashes >= dm->max_attempts) {
        j->stage = "crash";
        snprintf(j->msg, sizeof j->msg, "the daemon stopped abnormally %u "
                 "times while processing it (inbox.max_attempts is %u): left "
                 "out as a poison document", crashes, dm->max_attempts);
        j->crashes = crashes - 1; /* runs_of adds the current one */
    } else if (suspect) {
        log_notice("id=- file=\"%s\" plugin=-: it was being processed when "
                   "the daemon stopped abnormally (%u of %u times allowed); "
                   "processing it again, alone", q, crashes, dm->max_attempts);
        dm->isolated = j;
    } else {
        log_debug("id=- file=\"%s\" plugin=-: found in work/, where it "
                  "waited when the daemon stopped; processing it again", q);
    }
    start_job(dm, j);
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
        n -= j->p != dm->p;
    return n > 0;
}

static void pump(struct daemon *dm)
{
    char name[NAME_MAX + 1];
    if (dm->switching) {
        if (old_chains_busy(dm))
            return;
        dm->switching = 0;
    }
    while (!dm->stopping && dm->inflight < dm->max_inflight) {
        if (dm->isolated)
            return; /* a suspect runs alone */
        if (dm->recover_next < dm->nrecover) {
            int suspect = dm->recover_next < dm->nsuspects;
            if (suspect && dm->running)
                return; /* it waits for the pool to be idle */
            recover(dm, dm->recover[dm->recover_next], suspect);
            free(dm->recover[dm->recover_next]);
            dm->recover[dm->recover_next++] = NULL;
            continue;
        }
        if (!inbox_take(&dm->inbox, name) || claim(dm, name) < 0)
            break;
    }
}

static void on_ready(struct inbox *in, void *arg)
{
    (void)in;
    pump(arg);
}

/* Names in work/ at start-up. Read whole: it holds at most what was in
 * flight when the daemon stopped. */
static int list_work(struct daemon *dm, char *err, size_t errlen)
{
    int fd = dup(dm->store.workfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        snprintf(err, errlen, "cannot read %s/work: %s", dm->store.state,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (dm->nrecover == cap) {
            cap = cap ? cap * 2 : 64;
            char **g = realloc(dm->recover, cap * sizeof *g);
            if (!g)
                break;
            dm->recover = g;
        }
        if (!(dm->recover[dm->nrecover] = strdup(e->d_name)))
            break;
        dm->nrecover++;
    }
    closedir(d);
    return 0;
}

/* Which of the files in work/ were being processed when the previous
 * daemon died (its running/ notes): their crash counters go up, durably,
 * before anything runs, and they move to the front of the recovery list.
 * The others only waited: they are retried without a count. */
static void find_suspects(struct daemon *dm)
{
    char **names;
    size_t n = store_running_read(&dm->store, &names);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = dm->nsuspects; k < dm->nrecover; k++) {
            if (strcmp(dm->recover[k], names[i]))
                continue;
            char *t = dm->recover[dm->nsuspects];
            dm->recover[dm->nsuspects] = dm->recover[k];
            dm->recover[k] = t;
            store_set_crashes(&dm->store, names[i],
                              store_crashes(&dm->store, names[i]) + 1);
            dm->nsuspects++;
            break;
        }
        free(names[i]);
    }
    free(names);
    if (dm->nrecover)
        log_notice("found %zu files in %s/work from a run that did not stop "
                   "cleanly, %zu of them being processed when it stopped; "
                   "retrying them first", dm->nrecover, dm->store.state,
                   dm->nsuspects);
}

/* ---- start and stop --------------------------------------------------- */

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
    while (dm->waiting_flush.head) {
        struct job *j = dm->waiting_flush.head;
        list_remove(&dm->waiting_flush, j);
        give_back(j);
        dm->inflight--;
        free_job(j);
    }
    maybe_finished(dm);
}

static unsigned cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* A folder that cannot be set up may be the wrong one: say where the
 * relative inbox paths lead, and why. Returns -1. */
static int folder_failed(const struct config *c, char *err, size_t errlen)
{
    char note[4 * PATH_MAX];
    size_t n = strlen(err);
    paths_note(c->inbox, "inbox.", c->file, note, sizeof note);
    if (n < errlen)
        snprintf(err + n, errlen - n, "%s", note);
    return -1;
}

int daemon_start(struct daemon *dm, uv_loop_t *loop, struct pipeline *p,
                 char *err, size_t errlen)
{
    const struct config *c = &p->cfg;
    memset(dm, 0, sizeof *dm);
    dm->loop = loop;
    dm->p = p;
    dm->max_inflight = (size_t)config_int(c, "service", "max_inflight");
    dm->workers = (unsigned)config_int(c, "service", "workers");
    if (!dm->workers)
        dm->workers = cpu_count();
    dm->max_attempts = (unsigned)config_int(c, "inbox", "max_attempts");
    dm->max_bytes = (size_t)config_int(c, "inbox", "max_bytes");
    dm->delete_done = !strcmp(config_str(c, "inbox", "on_success"), "delete");
    dm->sync = p->durable != DURABLE_NONE;
    dm->retry_min = config_int(c, "service", "retry_min");
    dm->retry_max = config_int(c, "service", "retry_max");
    dm->stop_timeout_ms = config_int(c, "service", "stop_timeout");
    dm->slot_busy = calloc(dm->workers, 1);
    if (!dm->slot_busy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    /* The pool is sized once, by the first uv_queue_work: the workers and
     * a thread for group commits. */
    char nworkers[16];
    snprintf(nworkers, sizeof nworkers, "%u", dm->workers + 1);
    setenv("UV_THREADPOOL_SIZE", nworkers, 1);

    const char *path = config_str(c, "inbox", "path");
    const char *state = config_str(c, "inbox", "state");
    int rc = mkdir_p(path);
    struct stat st;
    if (rc < 0 || stat(path, &st) < 0) {
        snprintf(err, errlen, "cannot create the inbox %s: %s", path,
                 strerror(rc < 0 ? -rc : errno));
        free(dm->slot_busy);
        return folder_failed(c, err, errlen);
    }
    char serr[1024];
    if (store_open(&dm->store, state, (uint64_t)st.st_dev, dm->sync, serr,
                   sizeof serr) < 0) {
        snprintf(err, errlen, "%s", serr);
        free(dm->slot_busy);
        return folder_failed(c, err, errlen);
    }
    if (list_work(dm, err, errlen) < 0) {
        store_close(&dm->store);
        free(dm->slot_busy);
        return folder_failed(c, err, errlen);
    }
    find_suspects(dm);
    rc = store_running_open(&dm->store, dm->workers);
    if (rc < 0) {
        snprintf(err, errlen, "cannot write in %s/running: %s", state,
                 strerror(-rc));
        for (size_t i = 0; i < dm->nrecover; i++)
            free(dm->recover[i]);
        free(dm->recover);
        store_close(&dm->store);
        free(dm->slot_busy);
        return folder_failed(c, err, errlen);
    }

    const char *watch = config_str(c, "inbox", "watch");
    const char *const *ignore;
    size_t nignore = config_list(c, "inbox", "ignore", &ignore);
    struct inbox_settings set = {
        .path = path,
        .settle_ms = config_int(c, "inbox", "settle"),
        .settle_slow_ms = config_int(c, "inbox", "settle_slow"),
        .rescan_ms = config_int(c, "inbox", "rescan"),
        .poll_ms = config_int(c, "inbox", "poll_interval"),
        .watch = !strcmp(watch, "poll") ? INBOX_WATCH_POLL
                 : !strcmp(watch, "inotify") ? INBOX_WATCH_INOTIFY
                                             : INBOX_WATCH_AUTO,
        .ignore = ignore,
        .nignore = nignore,
        /* Enough names to keep every worker busy through a settle period,
         * few enough that a huge backlog costs no memory. */
        .max_candidates = dm->max_inflight * 4 > 4096 ? dm->max_inflight * 4
                                                      : 4096,
    };
    if (inbox_start(&dm->inbox, loop, &set, on_ready, dm, serr, sizeof serr) < 0) {
        snprintf(err, errlen, "%s", serr);
        for (size_t i = 0; i < dm->nrecover; i++)
            free(dm->recover[i]);
        free(dm->recover);
        store_close(&dm->store);
        free(dm->slot_busy);
        return folder_failed(c, err, errlen);
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
    log_info("running: inbox %s, state %s, %u workers, at most %zu documents "
             "in flight, durable: %s, %zu pipeline steps",
             path_shown(path, shown_path, sizeof shown_path),
             path_shown(state, shown_state, sizeof shown_state),
             dm->workers, dm->max_inflight,
             config_str(c, "service", "durable"), p->n);
    pump(dm);
    return 0;
}

static void handle_closed(uv_handle_t *h)
{
    struct daemon *dm = h->data;
    dm->nclosing--;
}

static void inbox_closed(struct inbox *in)
{
    (void)in;
}

/* Close every handle and let go of the folders: uv_run then returns
 * once nothing else is pending. */
static void close_all(struct daemon *dm)
{
    dm->closed = 1;
    dm->nclosing = 4;
    uv_close((uv_handle_t *)&dm->flush_timer, handle_closed);
    uv_close((uv_handle_t *)&dm->stop_timer, handle_closed);
    uv_close((uv_handle_t *)&dm->sigterm, handle_closed);
    uv_close((uv_handle_t *)&dm->sigint, handle_closed);
    inbox_close(&dm->inbox, inbox_closed);
    for (size_t i = dm->recover_next; i < dm->nrecover; i++)
        free(dm->recover[i]);
    free(dm->recover);
    dm->recover = NULL;
    log_info("stopped: %llu done, %llu failed, %llu retried, %llu returned "
             "to the inbox", (unsigned long long)dm->n.done,
             (unsigned long long)dm->n.failed,
             (unsigned long long)dm->n.retried,
             (unsigned long long)dm->n.returned);
}

/* Once nothing is in flight after a stop, close every handle: uv_run then
 * returns. */
static void maybe_finished(struct daemon *dm)
{
    if (!dm->stopping || dm->inflight || dm->flush_running || dm->closed)
        return;
    close_all(dm);
    store_close(&dm->store);
    free(dm->slot_busy);
    dm->slot_busy = NULL;
}

/* service.stop_timeout has passed and documents are still in a step (a
 * sink that hangs, a plugin that does not return): their files go back to
 * the inbox, so nothing waits on them but the threads themselves, and the
 * loop ends; the caller exits without joining those threads. Exports they
 * may still make are of documents now back in the inbox: processed again
 * at the next start, idempotently. */
static void stop_timed_out(uv_timer_t *t)
{
    struct daemon *dm = t->data;
    if (dm->closed)
        return;
    log_error("stop_timeout (%lld ms) has passed with %zu documents still "
              "in a step and %zu in a group commit; their files go back to "
              "the inbox and newsdesk exits without waiting for them",
              (long long)dm->stop_timeout_ms, dm->on_pool.n,
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
    while (dm->waiting_flush.head) {
        struct job *j = dm->waiting_flush.head;
        list_remove(&dm->waiting_flush, j);
        give_back(j);
        dm->inflight--;
        free_job(j);
    }
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
    /* Files not started yet, or waiting on a retry, go back to the inbox
     * rather than hold up the stop (a backoff may last minutes). */
    while (dm->runnable.head) {
        struct job *j = dm->runnable.head;
        list_remove(&dm->runnable, j);
        give_back(j);
        dm->inflight--;
        free_job(j);
    }
    while (dm->waiting_retry.head) {
        struct job *j = dm->waiting_retry.head;
        list_remove(&dm->waiting_retry, j);
        uv_timer_stop(&j->timer);
        give_back(j);
        dm->inflight--;
        free_job(j);
    }
    /* Exports waiting on a failed group commit get one more try now. */
    if (uv_is_active((uv_handle_t *)&dm->flush_timer)) {
        uv_timer_stop(&dm->flush_timer);
        kick_flush(dm);
    }
    maybe_finished(dm);
    if (!dm->closed && dm->stop_timeout_ms > 0)
        uv_timer_start(&dm->stop_timer, stop_timed_out,
                       (uint64_t)dm->stop_timeout_ms, 0);
}

void daemon_reload(struct daemon *dm, struct pipeline *np)
{
    struct pipeline *old = dm->p;
    if (dm->p_jobs) {
        struct retired_chain *r = calloc(1, sizeof *r);
        if (!r) {
            /* Without a record the old chain could not be freed in time:
             * keep it, and refuse the new one. Nothing of the running
             * daemon points into np: the inbox and the store own their
             * settings. */
            log_error("reload: out of memory; keeping the running pipeline");
            pipeline_free(np);
            return;
        }
        r->p = old;
        r->jobs = dm->p_jobs;
        r->next = dm->retired;
        dm->retired = r;
        log_info("reload: %zu documents finish on the previous pipeline",
                 dm->p_jobs);
        dm->switching = 1;
    }
    /* The counts go on across the switch; what the old chain still does
     * is moved over once it has drained (chain_unref). */
    pipeline_move_metrics(np, old);
    if (!dm->p_jobs)
        pipeline_free(old);
    dm->p = np;
    dm->p_jobs = 0;
    const struct config *c = &np->cfg;
    dm->max_inflight = (size_t)config_int(c, "service", "max_inflight");
    dm->retry_min = config_int(c, "service", "retry_min");
    dm->retry_max = config_int(c, "service", "retry_max");
    dm->stop_timeout_ms = config_int(c, "service", "stop_timeout");
    kick_flush(dm);
    pump(dm);
}

size_t daemon_pending(const struct daemon *dm, int *known)
{
    return inbox_pending(&dm->inbox, known);
}
