/* A forwarder's source: the inbox source (source_inbox.c) with the
 * article stream behind it. Files are claimed, read and, when unreadable
 * or over max_bytes, filed in failed/ exactly as the inbox does; the
 * daemon runs no chain on them (daemon.c), and `done` is where a file
 * leaves: it is added to the stream (XADD: bytes, name, id, received
 * time), and only once Redis has accepted the entry does the inbox move
 * it to done/. A forwarder killed between the two adds the file again at
 * its next start: the entry is then in the stream twice, and the sinks,
 * idempotent by document id, absorb the second.
 *
 * `done` reads the file from work/ again (the inbox's own `read`, from
 * the page cache) rather than have the loop hand it the document: the
 * source boundary stays the same for every source. An entry added whose
 * move to done/ then failed is remembered by name, so that retrying the
 * filing does not add it again.
 *
 * A monitor thread reads the group's figures every half second. While
 * Redis cannot be reached, or the group's unacknowledged entries (lag
 * plus pending, plus what this forwarder added since) reach max_backlog,
 * `take` hands out nothing: the inbox on disk is the queue. */
#include "source_forward.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/grow.h"
#include "base/monocond.h"
#include "document.h"
#include "log.h"
#include "source_inbox.h"

#define MONITOR_EVERY_MS 500
#define TRIM_EVERY_MS 10000

struct forward_source {
    struct source base;
    struct source *inbox;
    struct stream *st;
    struct stream_settings set; /* the strings borrowed from the daemon's */
    size_t max_bytes;
    uv_async_t async;         /* the monitor has news for the loop */
    pthread_t thread;
    int thread_started;
    void (*closed)(struct source *s);

    pthread_mutex_t lock;     /* guards everything below */
    pthread_cond_t wake;
    int stopping;
    int down;                 /* Redis cannot be reached */
    char trouble[768];
    uint64_t added_since;     /* entries added since the figures were read */
    char (*added)[NAME_MAX + 1]; /* added, not yet filed in done/ */
    size_t nadded, added_cap;
    struct source_stream shared;

    /* the loop thread's */
    int paused;               /* take hands out nothing */
    int over;                 /* because of max_backlog (logged once) */
    struct source_stream view;
    char view_trouble[768];
};

#define FS(s) ((struct forward_source *)(s))

/* ---- the monitor thread ---------------------------------------------------- */

static void wait_ms(struct forward_source *fw, int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000)
        ts.tv_sec++, ts.tv_nsec -= 1000000000;
    pthread_mutex_lock(&fw->lock);
    if (!fw->stopping)
        pthread_cond_timedwait(&fw->wake, &fw->lock, &ts);
    pthread_mutex_unlock(&fw->lock);
}

/* Nonzero while take must hand out nothing. Called locked. */
static int held_back_locked(const struct forward_source *fw)
{
    const struct stream_figures *f = &fw->shared.fig;
    return fw->down || !f->known ||
           f->lag + f->pending + fw->added_since >= fw->set.max_backlog;
}

static void *monitor(void *arg)
{
    struct forward_source *fw = arg;
    struct stream_figures *fig = malloc(sizeof *fig);
    char err[640];
    int prepared = 0;
    int64_t since_trim = 0;
    while (fig) {
        pthread_mutex_lock(&fw->lock);
        int stop = fw->stopping;
        pthread_mutex_unlock(&fw->lock);
        if (stop)
            break;
        int rc = prepared ? 0 : stream_prepare(fw->st, err, sizeof err);
        prepared = rc == 0;
        if (rc == 0)
            rc = stream_read_figures(fw->st, fig, err, sizeof err);
        if (rc == 0 && (since_trim += MONITOR_EVERY_MS) >= TRIM_EVERY_MS) {
            since_trim = 0;
            rc = stream_trim(fw->st, err, sizeof err);
        }
        pthread_mutex_lock(&fw->lock);
        int was_back = held_back_locked(fw), was_down = fw->down;
        fw->down = rc < 0;
        if (rc < 0) {
            snprintf(fw->trouble, sizeof fw->trouble, "the stream cannot "
                     "take entries: %s; not claiming, trying again", err);
            fw->shared.fig.known = 0;
        } else {
            fw->shared.fig = *fig;
            fw->added_since = 0;
        }
        int now_back = held_back_locked(fw);
        pthread_mutex_unlock(&fw->lock);
        if (rc < 0 && !was_down)
            log_warning("stream: %s; files wait in the inbox", err);
        else if (rc == 0 && was_down)
            log_notice("stream: Redis (%s) answers again; claiming",
                       stream_shown_url(fw->st));
        if (rc < 0)
            prepared = 0; /* the group may be gone with the server's data */
        if (was_back != now_back)
            uv_async_send(&fw->async);
        wait_ms(fw, MONITOR_EVERY_MS);
    }
    free(fig);
    return NULL;
}

/* ---- what was added but not yet filed --------------------------------------- */

static int was_added(struct forward_source *fw, const char *name)
{
    pthread_mutex_lock(&fw->lock);
    int found = 0;
    for (size_t i = 0; i < fw->nadded && !found; i++)
        found = !strcmp(fw->added[i], name);
    pthread_mutex_unlock(&fw->lock);
    return found;
}

static void set_added(struct forward_source *fw, const char *name, int on)
{
    pthread_mutex_lock(&fw->lock);
    size_t i = 0;
    while (i < fw->nadded && strcmp(fw->added[i], name))
        i++;
    if (!on && i < fw->nadded) {
        memcpy(fw->added[i], fw->added[--fw->nadded], NAME_MAX + 1);
    } else if (on && i == fw->nadded) {
        char (*g)[NAME_MAX + 1] = array_grow(fw->added, &fw->added_cap,
                                             fw->nadded + 1, NAME_MAX + 1, 16);
        /* Out of memory: a retry of the filing adds it once more, which
         * the sinks absorb. */
        if (g) {
            fw->added = g;
            snprintf(fw->added[fw->nadded++], NAME_MAX + 1, "%s", name);
        }
    }
    pthread_mutex_unlock(&fw->lock);
}

/* ---- the source ----------------------------------------------------------------- */

static int forward_take(struct source *s, struct source_item *it)
{
    struct forward_source *fw = FS(s);
    pthread_mutex_lock(&fw->lock);
    int back = held_back_locked(fw);
    const struct stream_figures *f = &fw->shared.fig;
    uint64_t backlog = f->lag + f->pending + fw->added_since;
    int over = !fw->down && f->known && backlog >= fw->set.max_backlog;
    pthread_mutex_unlock(&fw->lock);
    if (over != fw->over)
        log_msg(over ? ND_LOG_NOTICE : ND_LOG_INFO, over
                ? "stream: %llu entries not yet acknowledged, max_backlog is "
                  "%llu: not claiming until the workers catch up"
                : "stream: the backlog is under max_backlog again (%llu of "
                  "%llu); claiming",
                (unsigned long long)backlog,
                (unsigned long long)fw->set.max_backlog);
    fw->over = over;
    fw->paused = back;
    if (back)
        return 0;
    return fw->inbox->ops->take(fw->inbox, it);
}

static int forward_read(struct source *s, const struct source_item *it,
                        size_t max, uint8_t **raw, size_t *len, char **path,
                        const char **stage, char *err, size_t errlen)
{
    struct source *in = FS(s)->inbox;
    return in->ops->read(in, it, max, raw, len, path, stage, err, errlen);
}

static void forward_running(struct source *s, unsigned slot,
                            const struct source_item *it)
{
    struct source *in = FS(s)->inbox;
    in->ops->running(in, slot, it);
}

/* Add the file of `it` to the stream; `sid` gets the entry's id. */
static int add_entry(struct forward_source *fw, const struct source_item *it,
                     char sid[STREAM_ID_MAX], char *err, size_t errlen)
{
    uint8_t *raw;
    size_t len;
    char *path;
    const char *stage;
    int rc = fw->inbox->ops->read(fw->inbox, it, fw->max_bytes, &raw, &len,
                                  &path, &stage, err, errlen);
    if (rc < 0)
        return rc;
    free(path);
    char id[65];
    sha256_hex(raw, len, id);
    rc = stream_add(fw->st, it->name, id, (int64_t)time(NULL), raw, len, sid,
                    err, errlen);
    free(raw);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&fw->lock);
    fw->added_since++;
    fw->shared.added++;
    pthread_mutex_unlock(&fw->lock);
    return 0;
}

static int forward_done(struct source *s, const struct source_item *it,
                        char *where, size_t wlen, char *err, size_t errlen)
{
    struct forward_source *fw = FS(s);
    char sid[STREAM_ID_MAX] = "", filed[NAME_MAX + 64];
    int rc;
    if (!was_added(fw, it->name)) {
        if ((rc = add_entry(fw, it, sid, err, errlen)) < 0)
            return rc;
        set_added(fw, it->name, 1);
    }
    rc = fw->inbox->ops->done(fw->inbox, it, filed, sizeof filed, err, errlen);
    if (rc < 0)
        return rc;
    set_added(fw, it->name, 0);
    if (sid[0])
        snprintf(where, wlen, "%s entry %s, %s", fw->set.key, sid, filed);
    else
        snprintf(where, wlen, "%s", filed);
    return 0;
}

static int forward_failed(struct source *s, const struct source_item *it,
                          const struct failure *f, char *where, size_t wlen,
                          char *err, size_t errlen)
{
    struct forward_source *fw = FS(s);
    int rc = fw->inbox->ops->failed(fw->inbox, it, f, where, wlen, err, errlen);
    if (rc == 0)
        set_added(fw, it->name, 0);
    return rc;
}

static int forward_failed_part(struct source *s, const struct source_item *it,
                               const char *name, const void *raw, size_t len,
                               const struct failure *f, char *err,
                               size_t errlen)
{
    struct source *in = FS(s)->inbox;
    return in->ops->failed_part(in, it, name, raw, len, f, err, errlen);
}

static int forward_give_back(struct source *s, const struct source_item *it,
                             char *where, size_t wlen)
{
    struct forward_source *fw = FS(s);
    int rc = fw->inbox->ops->give_back(fw->inbox, it, where, wlen);
    if (rc == 0)
        set_added(fw, it->name, 0);
    return rc;
}

static void forward_stats(const struct source *s, struct source_stats *st)
{
    struct forward_source *fw = (struct forward_source *)s;
    fw->inbox->ops->stats(fw->inbox, st);
    pthread_mutex_lock(&fw->lock);
    fw->view = fw->shared;
    int down = fw->down;
    memcpy(fw->view_trouble, fw->trouble, sizeof fw->view_trouble);
    pthread_mutex_unlock(&fw->lock);
    if (down && !st->lost)
        st->trouble = fw->view_trouble;
    st->lost |= down;
    st->paused = fw->paused;
    st->stream = &fw->view;
}

static void async_closed(uv_handle_t *h)
{
    struct forward_source *fw = h->data;
    stream_free(fw->st);
    free(fw->added);
    pthread_cond_destroy(&fw->wake);
    pthread_mutex_destroy(&fw->lock);
    if (fw->closed)
        fw->closed(&fw->base);
    else
        free(fw);
}

static void inbox_closed(struct source *in)
{
    struct forward_source *fw = in->ready_arg;
    free(in);
    uv_close((uv_handle_t *)&fw->async, async_closed);
}

static void forward_close(struct source *s, void (*closed)(struct source *s))
{
    struct forward_source *fw = FS(s);
    fw->closed = closed;
    pthread_mutex_lock(&fw->lock);
    fw->stopping = 1;
    pthread_cond_broadcast(&fw->wake);
    pthread_mutex_unlock(&fw->lock);
    if (fw->thread_started)
        pthread_join(fw->thread, NULL);
    fw->inbox->ops->close(fw->inbox, inbox_closed);
}

static const struct source_ops forward_ops = {
    .take = forward_take,
    .read = forward_read,
    .running = forward_running,
    .done = forward_done,
    .failed = forward_failed,
    .failed_part = forward_failed_part,
    .give_back = forward_give_back,
    .stats = forward_stats,
    .close = forward_close,
};

static void on_inbox_ready(struct source *in, void *arg)
{
    (void)in;
    struct forward_source *fw = arg;
    fw->base.ready(&fw->base, fw->base.ready_arg);
}

static void on_async(uv_async_t *a)
{
    on_inbox_ready(NULL, a->data);
}

struct source *source_forward_open(uv_loop_t *loop,
                                   const struct daemon_settings *set,
                                   void (*ready)(struct source *s, void *arg),
                                   void *arg, char *err, size_t errlen)
{
    struct forward_source *fw = calloc(1, sizeof *fw);
    if (!fw) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    fw->base.ops = &forward_ops;
    fw->base.ready = ready;
    fw->base.ready_arg = arg;
    fw->set = set->stream;
    fw->max_bytes = set->max_bytes;
    fw->st = stream_new(&fw->set);
    if (!fw->st) {
        snprintf(err, errlen, "out of memory");
        free(fw);
        return NULL;
    }
    fw->inbox = source_inbox_open(loop, set, on_inbox_ready, fw, err, errlen);
    if (!fw->inbox) {
        stream_free(fw->st);
        free(fw);
        return NULL;
    }
    fw->shared = (struct source_stream){
        .role = STREAM_FORWARD, .url = stream_shown_url(fw->st),
        .key = fw->set.key, .group = fw->set.group,
        .consumer = fw->set.consumer,
    };
    pthread_mutex_init(&fw->lock, NULL);
    monocond_init(&fw->wake);
    uv_async_init(loop, &fw->async, on_async);
    fw->async.data = fw;
    if (pthread_create(&fw->thread, NULL, monitor, fw) != 0) {
        snprintf(err, errlen, "cannot start the stream's thread");
        fw->inbox->ops->close(fw->inbox, inbox_closed);
        return NULL; /* freed once the loop has closed its handles */
    }
    fw->thread_started = 1;
    return &fw->base;
}
