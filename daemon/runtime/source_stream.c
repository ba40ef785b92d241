/* The article stream as a document source, for a worker (source.h): its
 * items are entries the consumer group gave this daemon. A fetcher thread
 * talks to Redis for the loop, which must never wait on it:
 *
 *   - it reads new entries (XREADGROUP ... BLOCK), and first those the
 *     group gave this consumer before (a worker restarted under a fixed
 *     `stream.consumer`), a few per worker thread ahead (room_locked);
 *   - every claim_idle/2 it takes over entries other consumers have held
 *     longer than claim_idle (XAUTOCLAIM: a worker that died), one at a
 *     time, and reads nothing else while such a suspect is out (below);
 *   - every claim_idle/4 it resets the idle time of the entries this
 *     daemon holds (XCLAIM ... JUSTID), so that an entry waiting on a
 *     retry's backoff is not taken over by another worker;
 *   - every claim_idle/4 it records that this consumer is alive
 *     (<key>:consumers), first before it reads anything;
 *   - every second it reads the figures (/metrics, /status), and every
 *     ten it trims what every group has acknowledged and deletes the
 *     consumers that hold nothing and have not said they are alive for
 *     claim_idle (workers that died or stopped);
 *   - when Redis cannot be reached it says why (/health) and tries again
 *     with backoff.
 *
 * Outcomes are recorded on the worker threads that report them: done is
 * XACK, failed moves the entry to <key>:failed with its error record and
 * acknowledges it (one script), give_back (shutdown) puts it back at the
 * end of the stream. Crashes are the group's delivery counts: an entry
 * delivered n times has been handed out n - 1 times before without an
 * outcome, so the loop sees crashes = n - 1 and fails it as poison once
 * that reaches max_attempts. An entry taken over from another consumer
 * is a suspect: it runs alone. */
#include "source_stream.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/backoff.h"
#include "base/monocond.h"
#include "log.h"

#define FIGURES_EVERY_MS 1000
#define TRIM_EVERY_MS 10000
#define BLOCK_MS 500
#define IDLE_WAIT_MS 200
#define BACKOFF_MIN_MS 200
#define BACKOFF_MAX_MS 5000
#define READ_AHEAD_PER_WORKER 8

/* An entry handed out to the loop, until its outcome. */
struct held {
    uint64_t ref;
    int suspect;              /* delivered before: it runs alone */
    char sid[STREAM_ID_MAX];
    uint8_t *raw;             /* until read */
    size_t len;
};

struct stream_source {
    struct source base;
    struct stream *st;
    struct stream_settings set; /* the strings borrowed from the daemon's */
    size_t limit;             /* entries in hand at most (read ahead) */
    uv_async_t async;         /* the fetcher has news for the loop */
    pthread_t thread;
    int thread_started;
    void (*closed)(struct source *s);

    pthread_mutex_t lock;     /* guards everything below */
    pthread_cond_t wake;      /* room for more, or stopping */
    int stopping;
    struct stream_entry *ready; /* read, not yet taken: [head, tail) */
    size_t head, tail;
    struct held *held;        /* `limit` of them at most */
    size_t nheld;
    uint64_t next_ref;
    size_t suspects;          /* read or held entries delivered before */
    int down;                 /* Redis cannot be reached */
    char trouble[768];
    struct source_stream shared; /* the figures, for stats */

    /* the loop thread's copy, handed out by stats */
    struct source_stream view;
    char view_trouble[768];
};

#define SS(s) ((struct stream_source *)(s))

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the fetcher thread ------------------------------------------------- */

/* Wait on `wake` for up to ms (or until woken). Called locked. */
static void wait_locked(struct stream_source *ss, int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000)
        ts.tv_sec++, ts.tv_nsec -= 1000000000;
    pthread_cond_timedwait(&ss->wake, &ss->lock, &ts);
}

/* How many entries to read now. Entries in hand (read or held) are
 * pending for this consumer and nobody else's to take, so a worker keeps
 * only a few per worker thread (`limit`), and reads again once half of
 * them are done: enough to keep its threads busy, few enough that the
 * others get the rest, with one XREADGROUP per several entries. None
 * while a suspect is read or held: the loop runs it alone, and whatever
 * this consumer reads meanwhile would have its delivery count raised
 * again, without having run, should the suspect kill the daemon. Called
 * locked. */
static size_t room_locked(const struct stream_source *ss)
{
    if (ss->suspects)
        return 0;
    size_t used = ss->nheld + (ss->tail - ss->head);
    size_t room = used < ss->limit ? ss->limit - used : 0;
    return room * 2 >= ss->limit ? room : 0;
}

/* Hand entries to the loop (they pass to it); `reclaimed`: taken over. */
static void push(struct stream_source *ss, struct stream_entry *e, size_t n,
                 int reclaimed)
{
    if (!n)
        return;
    pthread_mutex_lock(&ss->lock);
    if (ss->head) {
        memmove(ss->ready, ss->ready + ss->head,
                (ss->tail - ss->head) * sizeof *ss->ready);
        ss->tail -= ss->head;
        ss->head = 0;
    }
    memcpy(ss->ready + ss->tail, e, n * sizeof *e);
    ss->tail += n;
    for (size_t i = 0; i < n; i++)
        ss->suspects += e[i].deliveries > 1;
    if (reclaimed)
        ss->shared.reclaimed += n;
    pthread_mutex_unlock(&ss->lock);
    uv_async_send(&ss->async);
}

/* Redis answered again, or stopped answering (`rc` < 0, why in err). */
static void set_health(struct stream_source *ss, int rc, const char *err)
{
    pthread_mutex_lock(&ss->lock);
    int was = ss->down;
    ss->down = rc < 0;
    if (rc < 0)
        snprintf(ss->trouble, sizeof ss->trouble, "the stream cannot be "
                 "read: %s; trying again", err);
    pthread_mutex_unlock(&ss->lock);
    if (rc < 0 && !was)
        log_warning("stream: %s; the entries this worker holds stay pending, "
                    "and it tries again with backoff", err);
    else if (rc == 0 && was)
        log_notice("stream: Redis (%s) answers again", stream_shown_url(ss->st));
    if (was != ss->down)
        uv_async_send(&ss->async);
}

/* Reset the idle time of what this daemon holds or has read. */
static int touch_held(struct stream_source *ss, char *err, size_t errlen)
{
    pthread_mutex_lock(&ss->lock);
    size_t n = ss->nheld + (ss->tail - ss->head), k = 0;
    char (*sids)[STREAM_ID_MAX] = n ? malloc(n * STREAM_ID_MAX) : NULL;
    for (size_t i = 0; sids && i < ss->nheld; i++)
        memcpy(sids[k++], ss->held[i].sid, STREAM_ID_MAX);
    for (size_t i = ss->head; sids && i < ss->tail; i++)
        memcpy(sids[k++], ss->ready[i].sid, STREAM_ID_MAX);
    pthread_mutex_unlock(&ss->lock);
    int rc = stream_touch(ss->st, (const char (*)[STREAM_ID_MAX])sids, k, err,
                          errlen);
    free(sids);
    return rc;
}

static int read_figures(struct stream_source *ss, char *err, size_t errlen)
{
    struct stream_figures *fig = malloc(sizeof *fig);
    if (!fig)
        return 0;
    int rc = stream_read_figures(ss->st, fig, err, errlen);
    if (rc == 0) {
        pthread_mutex_lock(&ss->lock);
        ss->shared.fig = *fig;
        pthread_mutex_unlock(&ss->lock);
    }
    free(fig);
    return rc;
}

/* Trim what every group has acknowledged, and delete the consumers that
 * hold nothing and have not said they are alive for claim_idle: workers
 * that died (their entries taken over) or stopped, which would otherwise
 * stay in the group, /status and /metrics for good. */
static int tidy(struct stream_source *ss, char *err, size_t errlen)
{
    size_t n = 0;
    int rc = stream_trim(ss->st, err, errlen);
    if (rc == 0)
        rc = stream_forget_consumers(ss->st, ss->set.claim_idle_ms, NULL, &n,
                                     err, errlen);
    if (n)
        log_info("stream: deleted %zu consumer%s from the group: %s no "
                 "entries and had not been heard of for %lld ms", n,
                 n == 1 ? "" : "s", n == 1 ? "it held" : "they held",
                 (long long)ss->set.claim_idle_ms);
    return rc;
}

/* What the fetcher does next, by the clock. */
struct fetch_state {
    int prepared, own_read;
    char cursor[STREAM_ID_MAX];
    int64_t last_reclaim, last_touch, last_beat, last_figures, last_trim;
};

/* One turn: the periodic work that is due, then one read of entries.
 * Returns 0, or -errno with why in err. */
static int fetch_turn(struct stream_source *ss, struct fetch_state *fs,
                      struct stream_entry *batch, char *err, size_t errlen)
{
    int64_t now = mono_ms(), idle = ss->set.claim_idle_ms;
    int rc = 0;
    if (!fs->prepared && (rc = stream_prepare(ss->st, err, errlen)) == 0)
        fs->prepared = 1;
    if (rc == 0 && (!fs->last_beat || now - fs->last_beat >= idle / 4) &&
        (rc = stream_beat(ss->st, err, errlen)) == 0)
        fs->last_beat = now;
    if (rc == 0 && now - fs->last_figures >= FIGURES_EVERY_MS &&
        (rc = read_figures(ss, err, errlen)) == 0)
        fs->last_figures = now;
    if (rc == 0 && now - fs->last_touch >= idle / 4 &&
        (rc = touch_held(ss, err, errlen)) == 0)
        fs->last_touch = now;
    if (rc == 0 && now - fs->last_trim >= TRIM_EVERY_MS &&
        (rc = tidy(ss, err, errlen)) == 0)
        fs->last_trim = now;
    if (rc < 0)
        return rc;

    pthread_mutex_lock(&ss->lock);
    size_t want = room_locked(ss);
    if (!want && !ss->stopping)
        wait_locked(ss, IDLE_WAIT_MS);
    pthread_mutex_unlock(&ss->lock);
    if (!want)
        return 0;
    size_t n = 0;
    int block = (int)(ss->set.timeout_ms / 2 < BLOCK_MS ? ss->set.timeout_ms / 2
                                                        : BLOCK_MS);
    /* Entries delivered before are suspects, taken one at a time. */
    if (!fs->own_read) {
        rc = stream_read(ss->st, 1, 1, 0, batch, &n, err, errlen);
        fs->own_read = rc == 0 && !n;
        push(ss, batch, n, 0);
    } else if (now - fs->last_reclaim >= idle / 2 || strcmp(fs->cursor, "0-0")) {
        rc = stream_reclaim(ss->st, fs->cursor, 1, batch, &n, err, errlen);
        if (rc == 0)
            fs->last_reclaim = now;
        push(ss, batch, n, 1);
        if (n)
            log_info("stream: took over entry %s, which another worker held "
                     "for more than %lld ms", batch[0].sid, (long long)idle);
    } else {
        rc = stream_read(ss->st, 0, want, block, batch, &n, err, errlen);
        push(ss, batch, n, 0);
    }
    return rc;
}

static void *fetcher(void *arg)
{
    struct stream_source *ss = arg;
    struct fetch_state fs = {.cursor = "0-0"};
    struct stream_entry *batch = calloc(ss->limit, sizeof *batch);
    unsigned failures = 0;
    char err[768];
    fs.last_reclaim = fs.last_touch = mono_ms();
    for (;;) {
        pthread_mutex_lock(&ss->lock);
        int stop = ss->stopping;
        pthread_mutex_unlock(&ss->lock);
        if (stop || !batch)
            break;
        int rc = fetch_turn(ss, &fs, batch, err, sizeof err);
        if (rc == 0) {
            failures = 0;
            set_health(ss, 0, NULL);
            continue;
        }
        /* The group may be gone with a Redis that lost its data: make it
         * again once Redis answers. */
        fs.prepared = 0;
        fs.own_read = 0;
        fs.last_beat = 0;
        set_health(ss, rc, err);
        pthread_mutex_lock(&ss->lock);
        if (!ss->stopping)
            wait_locked(ss, backoff_ms(++failures, BACKOFF_MIN_MS,
                                       BACKOFF_MAX_MS));
        pthread_mutex_unlock(&ss->lock);
    }
    free(batch);
    return NULL;
}

/* ---- the source (loop thread: take, give_back, stats, close) -------------- */

/* The held entry `ref`, or NULL. Called locked. */
static struct held *find_locked(struct stream_source *ss, uint64_t ref)
{
    for (size_t i = 0; i < ss->nheld; i++)
        if (ss->held[i].ref == ref)
            return &ss->held[i];
    return NULL;
}

/* Let go of held entry `ref` (its outcome is recorded). */
static void forget(struct stream_source *ss, uint64_t ref)
{
    pthread_mutex_lock(&ss->lock);
    struct held *h = find_locked(ss, ref);
    if (h) {
        free(h->raw);
        ss->suspects -= h->suspect;
        *h = ss->held[--ss->nheld];
        pthread_cond_signal(&ss->wake);
    }
    pthread_mutex_unlock(&ss->lock);
}

/* The sid of held entry `ref` into sid; -ENOENT when it is not held. */
static int sid_of(struct stream_source *ss, uint64_t ref,
                  char sid[STREAM_ID_MAX])
{
    pthread_mutex_lock(&ss->lock);
    struct held *h = find_locked(ss, ref);
    if (h)
        memcpy(sid, h->sid, STREAM_ID_MAX);
    pthread_mutex_unlock(&ss->lock);
    return h ? 0 : -ENOENT;
}

static int stream_take(struct source *s, struct source_item *it)
{
    struct stream_source *ss = SS(s);
    memset(it, 0, sizeof *it);
    pthread_mutex_lock(&ss->lock);
    if (ss->head == ss->tail || ss->nheld >= ss->limit) {
        pthread_mutex_unlock(&ss->lock);
        return 0;
    }
    struct stream_entry *e = &ss->ready[ss->head++];
    struct held *h = &ss->held[ss->nheld++];
    h->ref = ++ss->next_ref;
    h->suspect = e->deliveries > 1;
    memcpy(h->sid, e->sid, sizeof h->sid);
    h->raw = e->raw;
    h->len = e->len;
    if (e->name[0])
        snprintf(it->name, sizeof it->name, "%s", e->name);
    else
        snprintf(it->name, sizeof it->name, "entry %s", e->sid);
    it->crashes = e->deliveries > 1 ? e->deliveries - 1 : 0;
    it->recovered = it->suspect = e->deliveries > 1;
    it->received = e->received;
    it->ref = h->ref;
    if (!h->raw)
        h->len = SIZE_MAX; /* no bytes field: read says so */
    memset(e, 0, sizeof *e);
    pthread_mutex_unlock(&ss->lock);
    return 1;
}

static int stream_give_back(struct source *s, const struct source_item *it,
                            char *where, size_t wlen)
{
    struct stream_source *ss = SS(s);
    char sid[STREAM_ID_MAX], err[768];
    if (sid_of(ss, it->ref, sid) < 0)
        return -ENOENT;
    int rc = stream_requeue(ss->st, sid, err, sizeof err);
    if (rc < 0 && rc != -ENOENT) {
        log_warning("stream: cannot put entry %s back: %s; it stays pending "
                    "and another worker takes it over after claim_idle",
                    sid, err);
        return rc;
    }
    forget(ss, it->ref);
    if (rc < 0)
        return rc;
    snprintf(where, wlen, "the end of the stream %s", ss->set.key);
    return 0;
}

static void stream_stats(const struct source *s, struct source_stats *st)
{
    struct stream_source *ss = (struct stream_source *)s;
    memset(st, 0, sizeof *st);
    pthread_mutex_lock(&ss->lock);
    ss->view = ss->shared;
    st->lost = ss->down;
    memcpy(ss->view_trouble, ss->trouble, sizeof ss->view_trouble);
    pthread_mutex_unlock(&ss->lock);
    st->pending = ss->view.fig.lag;
    st->pending_known = ss->view.fig.known;
    st->watch = "redis stream";
    st->trouble = st->lost ? ss->view_trouble : NULL;
    st->stream = &ss->view;
}

static void async_closed(uv_handle_t *h)
{
    struct stream_source *ss = h->data;
    for (size_t i = ss->head; i < ss->tail; i++)
        stream_entry_clear(&ss->ready[i]);
    for (size_t i = 0; i < ss->nheld; i++)
        free(ss->held[i].raw);
    free(ss->ready);
    free(ss->held);
    stream_free(ss->st);
    pthread_cond_destroy(&ss->wake);
    pthread_mutex_destroy(&ss->lock);
    if (ss->closed)
        ss->closed(&ss->base);
    else
        free(ss);
}

/* At shutdown, once the fetcher has stopped: put the entries it read and
 * the loop did not take back at the end of the stream (delivered afresh
 * at once, rather than taken over after claim_idle), then delete this
 * consumer from the group if it holds nothing any more. Nothing while
 * Redis is known to be away (each try could wait `timeout`), and it stops
 * at the first lost connection: the others take over after claim_idle. */
static void leave_group(struct stream_source *ss)
{
    char err[768];
    int rc = 0;
    if (ss->down)
        return;
    while (ss->head < ss->tail && rc != -EIO) {
        struct stream_entry *e = &ss->ready[ss->head];
        rc = stream_requeue(ss->st, e->sid, err, sizeof err);
        if (rc < 0 && rc != -ENOENT)
            log_warning("stream: cannot put entry %s back: %s; it stays "
                        "pending and another worker takes it over after "
                        "claim_idle", e->sid, err);
        stream_entry_clear(e);
        ss->head++;
    }
    if (rc != -EIO && stream_forget_consumers(ss->st, -1, ss->set.consumer,
                                              NULL, err, sizeof err) < 0)
        log_warning("stream: cannot leave the group: %s", err);
}

/* Joining waits for the fetcher's read in progress (at most BLOCK_MS, or
 * the timeout when Redis hangs): only at shutdown. Entries it has read
 * and the loop has not taken are then put back (leave_group). */
static void stream_close_source(struct source *s,
                                void (*closed)(struct source *s))
{
    struct stream_source *ss = SS(s);
    ss->closed = closed;
    pthread_mutex_lock(&ss->lock);
    ss->stopping = 1;
    pthread_cond_broadcast(&ss->wake);
    pthread_mutex_unlock(&ss->lock);
    if (ss->thread_started)
        pthread_join(ss->thread, NULL);
    leave_group(ss);
    uv_close((uv_handle_t *)&ss->async, async_closed);
}

/* ---- the source (worker threads: read, running, outcomes) ------------------ */

static int stream_read_item(struct source *s, const struct source_item *it,
                            size_t max, uint8_t **raw, size_t *len,
                            char **path, const char **stage, char *err,
                            size_t errlen)
{
    struct stream_source *ss = SS(s);
    *path = NULL;
    *stage = "read";
    pthread_mutex_lock(&ss->lock);
    struct held *h = find_locked(ss, it->ref);
    uint8_t *got = h ? h->raw : NULL;
    size_t n = h ? h->len : 0;
    if (h && n <= max)
        h->raw = NULL; /* it passes to the document */
    pthread_mutex_unlock(&ss->lock);
    if (!h || (!got && n != SIZE_MAX)) {
        snprintf(err, errlen, "the entry is no longer this worker's");
        return -ENOENT;
    }
    if (!got) {
        snprintf(err, errlen, "the stream entry has no \"bytes\" field: not "
                 "an article a forwarder added");
        return -EINVAL;
    }
    if (n > max) {
        snprintf(err, errlen, "%zu bytes, larger than inbox.max_bytes (%zu "
                 "bytes); not read", n, max);
        return -EFBIG;
    }
    *raw = got;
    *len = n;
    return 0;
}

/* Delivery counts already tell which entries were being processed when a
 * worker died: nothing to note. */
static void stream_running(struct source *s, unsigned slot,
                           const struct source_item *it)
{
    (void)s, (void)slot, (void)it;
}

static int stream_done(struct source *s, const struct source_item *it,
                       char *where, size_t wlen, char *err, size_t errlen)
{
    struct stream_source *ss = SS(s);
    char sid[STREAM_ID_MAX];
    int rc = sid_of(ss, it->ref, sid);
    if (rc < 0) {
        snprintf(err, errlen, "the entry is no longer this worker's");
        return rc;
    }
    rc = stream_ack(ss->st, sid, err, errlen);
    if (rc < 0)
        return rc;
    forget(ss, it->ref);
    snprintf(where, wlen, "acknowledged %s", sid);
    return 0;
}

static int stream_failed(struct source *s, const struct source_item *it,
                         const struct failure *f, char *where, size_t wlen,
                         char *err, size_t errlen)
{
    struct stream_source *ss = SS(s);
    char sid[STREAM_ID_MAX];
    int rc = sid_of(ss, it->ref, sid);
    if (rc < 0) {
        snprintf(err, errlen, "the entry is no longer this worker's");
        return rc;
    }
    rc = stream_dead_letter(ss->st, sid, f, err, errlen);
    if (rc < 0)
        return rc;
    forget(ss, it->ref);
    pthread_mutex_lock(&ss->lock);
    ss->shared.dead_lettered++;
    pthread_mutex_unlock(&ss->lock);
    snprintf(where, wlen, "%s:failed (entry %s)", ss->set.key, sid);
    return 0;
}

static int stream_failed_part(struct source *s, const struct source_item *it,
                              const char *name, const void *raw, size_t len,
                              const struct failure *f, char *err,
                              size_t errlen)
{
    (void)it;
    struct stream_source *ss = SS(s);
    int rc = stream_dead_letter_bytes(ss->st, name, raw, len, f, err, errlen);
    if (rc == 0) {
        pthread_mutex_lock(&ss->lock);
        ss->shared.dead_lettered++;
        pthread_mutex_unlock(&ss->lock);
    }
    return rc;
}

static const struct source_ops stream_ops = {
    .take = stream_take,
    .read = stream_read_item,
    .running = stream_running,
    .done = stream_done,
    .failed = stream_failed,
    .failed_part = stream_failed_part,
    .give_back = stream_give_back,
    .stats = stream_stats,
    .close = stream_close_source,
};

static void on_async(uv_async_t *a)
{
    struct stream_source *ss = a->data;
    ss->base.ready(&ss->base, ss->base.ready_arg);
}

struct source *source_stream_open(uv_loop_t *loop,
                                  const struct daemon_settings *set,
                                  void (*ready)(struct source *s, void *arg),
                                  void *arg, char *err, size_t errlen)
{
    struct stream_source *ss = calloc(1, sizeof *ss);
    if (!ss) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ss->base.ops = &stream_ops;
    ss->base.ready = ready;
    ss->base.ready_arg = arg;
    ss->set = set->stream;
    ss->limit = (size_t)set->workers * READ_AHEAD_PER_WORKER;
    if (ss->limit > set->max_inflight)
        ss->limit = set->max_inflight;
    if (ss->limit < 2)
        ss->limit = 2;
    ss->st = stream_new(&ss->set);
    ss->ready = calloc(ss->limit, sizeof *ss->ready);
    ss->held = calloc(ss->limit, sizeof *ss->held);
    if (!ss->st || !ss->ready || !ss->held) {
        snprintf(err, errlen, "out of memory");
        stream_free(ss->st);
        free(ss->ready);
        free(ss->held);
        free(ss);
        return NULL;
    }
    ss->shared = (struct source_stream){
        .role = STREAM_WORK, .url = stream_shown_url(ss->st),
        .key = ss->set.key, .group = ss->set.group,
        .consumer = ss->set.consumer,
    };
    pthread_mutex_init(&ss->lock, NULL);
    monocond_init(&ss->wake);
    uv_async_init(loop, &ss->async, on_async);
    ss->async.data = ss;
    if (pthread_create(&ss->thread, NULL, fetcher, ss) != 0) {
        snprintf(err, errlen, "cannot start the stream's thread");
        /* freed once the loop has closed the handle (closed is NULL) */
        uv_close((uv_handle_t *)&ss->async, async_closed);
        return NULL;
    }
    ss->thread_started = 1;
    return &ss->base;
}
