/* The watched inbox: inotify through a uv_poll_t, scans, ignore rules and
 * the readiness rules of SPEC section 4.
 *
 * Every name the inbox knows is a `cand` in one hash table and in exactly
 * one list:
 *   settle   closed after writing; ready after `settle` with no event and
 *            an unchanged size and mtime
 *   slow     created or modified, or found by a scan; ready when two stats
 *            `settle_slow` apart agree
 *   ready    waiting to be taken
 *   ignored  not a regular file (directory, FIFO, symlink, ...), remembered
 *            so that it is reported once, not at every scan
 * The settle and slow lists each have one fixed delay and entries only
 * ever move to the tail, so they stay sorted by deadline and one timer
 * serves both. */
#include "inbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "base/hash.h"
#include "base/io.h"
#include "log.h"

#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY | \
                    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
#define SCAN_CHUNK 512      /* directory entries per loop iteration */
#define MAX_IGNORED 1024    /* non-regular names remembered */
#define REWATCH_MIN_MS 100
#define REWATCH_MAX_MS 5000
#define COMPLETE_MIN 65536  /* dropped complete names remembered, at least */

enum { L_SETTLE, L_SLOW, L_READY, L_IGNORED };

struct cand {
    struct cand *hnext;
    struct cand *prev, *next;
    int list;
    int64_t deadline;       /* loop time, ms */
    off_t size;
    struct timespec mtime;
    char name[];
};

/* Names nobody should process: hidden, temporary and office/OS debris,
 * and the error records the store writes beside failed files: a record
 * moved back into the inbox along with its file must never be read as an
 * article. */
static const char *const default_ignore[] = {
    ".*", "~$*", "*.part", "*.crdownload", "*.tmp", "*.swp", "Thumbs.db",
    "desktop.ini", "*.error.json", NULL,
};

static int ignored_name(const struct inbox *in, const char *name)
{
    for (size_t i = 0; default_ignore[i]; i++)
        if (fnmatch(default_ignore[i], name, FNM_CASEFOLD) == 0)
            return 1;
    for (size_t i = 0; i < in->set.nignore; i++)
        if (fnmatch(in->set.ignore[i], name, 0) == 0)
            return 1;
    return 0;
}

/* ---- the table -------------------------------------------------------- */

static size_t hash(const char *s)
{
    return (size_t)hash_fnv1a_str(s);
}

static struct cand_list *list_of(struct inbox *in, int l)
{
    switch (l) {
    case L_SETTLE: return &in->settle;
    case L_SLOW: return &in->slow;
    case L_READY: return &in->ready;
    default: return &in->ignored;
    }
}

static void unlink_cand(struct inbox *in, struct cand *c)
{
    struct cand_list *l = list_of(in, c->list);
    if (c->prev)
        c->prev->next = c->next;
    else
        l->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        l->tail = c->prev;
    c->prev = c->next = NULL;
    l->n--;
}

static void append(struct inbox *in, struct cand *c, int list)
{
    struct cand_list *l = list_of(in, list);
    c->list = list;
    c->prev = l->tail;
    c->next = NULL;
    if (l->tail)
        l->tail->next = c;
    else
        l->head = c;
    l->tail = c;
    l->n++;
}

static void move_to(struct inbox *in, struct cand *c, int list)
{
    unlink_cand(in, c);
    append(in, c, list);
}

static struct cand *find(struct inbox *in, const char *name)
{
    for (struct cand *c = in->buckets[hash(name) & (in->nbuckets - 1)]; c;
         c = c->hnext)
        if (!strcmp(c->name, name))
            return c;
    return NULL;
}

/* A new entry, or NULL when the table is full (the caller then marks a
 * rescan as due) or memory is short. */
static struct cand *add(struct inbox *in, const char *name, int list)
{
    if (list == L_IGNORED ? in->ignored.n >= MAX_IGNORED
                          : in->ncand - in->ignored.n >= in->set.max_candidates)
        return NULL;
    size_t len = strlen(name);
    struct cand *c = calloc(1, sizeof *c + len + 1);
    if (!c)
        return NULL;
    memcpy(c->name, name, len + 1);
    size_t b = hash(name) & (in->nbuckets - 1);
    c->hnext = in->buckets[b];
    in->buckets[b] = c;
    in->ncand++;
    append(in, c, list);
    return c;
}

static void drop(struct inbox *in, struct cand *c)
{
    struct cand **pp = &in->buckets[hash(c->name) & (in->nbuckets - 1)];
    while (*pp != c)
        pp = &(*pp)->hnext;
    *pp = c->hnext;
    unlink_cand(in, c);
    in->ncand--;
    free(c);
}

static void drop_all(struct inbox *in)
{
    for (size_t b = 0; b < in->nbuckets; b++)
        while (in->buckets[b])
            drop(in, in->buckets[b]);
}

/* ---- readiness -------------------------------------------------------- */

static const char *kind_of(mode_t m)
{
    if (S_ISDIR(m)) return "a directory (subfolders are left alone)";
    if (S_ISLNK(m)) return "a symbolic link (never followed)";
    if (S_ISFIFO(m)) return "a FIFO (never opened)";
    if (S_ISSOCK(m)) return "a socket";
    if (S_ISCHR(m) || S_ISBLK(m)) return "a device";
    return "not a regular file";
}

/* Remember a non-regular name so that it is reported once. */
static void note_ignored(struct inbox *in, const char *name, mode_t mode)
{
    struct cand *c = find(in, name);
    if (c) {
        if (c->list == L_IGNORED)
            return;
        drop(in, c);
    }
    if (in->ignored.n >= MAX_IGNORED) {
        while (in->ignored.head)
            drop(in, in->ignored.head);
    }
    add(in, name, L_IGNORED);
    char q[LOG_QUOTE_MAX];
    log_notice("inbox: ignoring \"%s\": %s", log_quote(name, q), kind_of(mode));
}

/* Stat `name` in the inbox without following links. 0 and *st, or -errno. */
static int stat_name(struct inbox *in, const char *name, struct stat *st)
{
    char path[PATH_MAX];
    if (inbox_file(in, name, path, sizeof path) < 0)
        return -ENOENT;
    return lstat(path, st) < 0 ? -errno : 0;
}

static void record(struct cand *c, const struct stat *st)
{
    c->size = st->st_size;
    c->mtime = st->st_mtim;
}

static int unchanged(const struct cand *c, const struct stat *st)
{
    return c->size == st->st_size && c->mtime.tv_sec == st->st_mtim.tv_sec &&
           c->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* ---- complete names the table had no room for ------------------------ */

/* The hash a dropped name is remembered by: its low bit says whether it
 * was renamed in (L_READY) or closed after writing (L_SETTLE). */
static uint64_t complete_key(const char *name, int list)
{
    return (hash_fnv1a_str(name) & ~(uint64_t)1) | (list == L_READY);
}

static void remember_complete(struct inbox *in, const char *name, int list)
{
    if (list == L_READY || list == L_SETTLE)
        hashset_add(&in->complete, complete_key(name, list));
}

/* Where a name found by a scan starts: as its dropped event said (and the
 * name is forgotten), or L_SLOW. */
static int recall_complete(struct inbox *in, const char *name)
{
    if (!in->complete.n)
        return L_SLOW;
    if (hashset_remove(&in->complete, complete_key(name, L_READY)))
        return L_READY;
    if (hashset_remove(&in->complete, complete_key(name, L_SETTLE)))
        return L_SETTLE;
    return L_SLOW;
}

/* The name is being written again: what was heard of it no longer holds. */
static void forget_complete(struct inbox *in, const char *name)
{
    if (!in->complete.n)
        return;
    hashset_remove(&in->complete, complete_key(name, L_READY));
    hashset_remove(&in->complete, complete_key(name, L_SETTLE));
}

static int64_t realtime_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Start watching `name` for readiness in `list` (settle or slow), or make
 * it ready now. Returns 1 when it became ready, 0 otherwise. */
static int track(struct inbox *in, const char *name, int list)
{
    if (ignored_name(in, name)) {
        char q[LOG_QUOTE_MAX];
        log_debug("inbox: ignoring \"%s\": the name matches an ignore rule",
                  log_quote(name, q));
        return 0;
    }
    struct stat st;
    if (stat_name(in, name, &st) < 0)
        return 0; /* gone already: someone else's business */
    if (!S_ISREG(st.st_mode)) {
        note_ignored(in, name, st.st_mode);
        return 0;
    }
    struct cand *c = find(in, name);
    if (c && c->list == L_IGNORED) {
        drop(in, c);
        c = NULL;
    }
    int fresh = !c;
    if (!c && !(c = add(in, name, list))) {
        in->dropped = 1;
        remember_complete(in, name, list);
        return 0;
    }
    int64_t now = (int64_t)uv_now(in->loop);
    /* A file found by a scan whose inode has not changed for settle_slow
     * already would pass the two-stat test: the ctime says so, and no
     * writer can set it back. This keeps a large backlog from waiting. */
    if (list == L_SLOW && c->list != L_SETTLE &&
        realtime_ms() - ((int64_t)st.st_ctim.tv_sec * 1000 +
                         st.st_ctim.tv_nsec / 1000000) >= in->set.settle_slow_ms)
        list = L_READY;
    if (c->list == L_READY && list == L_READY)
        return fresh;
    record(c, &st);
    c->deadline = now + (list == L_SETTLE ? in->set.settle_ms
                                          : in->set.settle_slow_ms);
    move_to(in, c, list);
    return list == L_READY;
}

static void settle_due(uv_timer_t *t);

static void rearm(struct inbox *in)
{
    int64_t next = INT64_MAX;
    if (in->settle.head)
        next = in->settle.head->deadline;
    if (in->slow.head && in->slow.head->deadline < next)
        next = in->slow.head->deadline;
    if (next == INT64_MAX) {
        uv_timer_stop(&in->settle_timer);
        return;
    }
    int64_t now = (int64_t)uv_now(in->loop);
    uv_timer_start(&in->settle_timer, settle_due,
                   (uint64_t)(next > now ? next - now : 0), 0);
}

/* Check the entries of one list whose deadline has passed. */
static int check_due(struct inbox *in, struct cand_list *l, int64_t delay)
{
    int64_t now = (int64_t)uv_now(in->loop);
    int became_ready = 0;
    while (l->head && l->head->deadline <= now) {
        struct cand *c = l->head;
        struct stat st;
        if (stat_name(in, c->name, &st) < 0) {
            drop(in, c);
            continue;
        }
        if (!S_ISREG(st.st_mode)) {
            char name[NAME_MAX + 1];
            snprintf(name, sizeof name, "%s", c->name);
            drop(in, c);
            note_ignored(in, name, st.st_mode);
            continue;
        }
        if (unchanged(c, &st)) {
            move_to(in, c, L_READY);
            became_ready = 1;
        } else {
            record(c, &st);
            c->deadline = now + delay;
            move_to(in, c, c->list);
        }
    }
    return became_ready;
}

static void settle_due(uv_timer_t *t)
{
    struct inbox *in = t->data;
    int r = check_due(in, &in->settle, in->set.settle_ms);
    r |= check_due(in, &in->slow, in->set.settle_slow_ms);
    rearm(in);
    if (r)
        in->ready_cb(in, in->arg);
}

/* ---- scanning --------------------------------------------------------- */

static void scan_step(uv_idle_t *h);

static int table_full(const struct inbox *in)
{
    return in->ncand - in->ignored.n >= in->set.max_candidates;
}

/* Start a scan; `counted`: a rescan (not a polling pass) for the stats. */
static void start_scan(struct inbox *in, const char *why, int counted)
{
    if (in->closing || in->lost)
        return;
    in->rescans += (uint64_t)counted;
    if (counted)
        log_info("inbox: scanning %s (%s)", in->path, why);
    else
        log_debug("inbox: scanning %s (%s)", in->path, why);
    if (in->scan) {
        in->scan_again = 1;
        return;
    }
    DIR *d = opendir(in->path);
    if (!d) {
        log_error("inbox: cannot scan %s: %s", in->path, strerror(errno));
        return;
    }
    in->scan = d;
    in->scan_again = 0;
    in->dropped = 0;
    uv_idle_start(&in->scan_idle, scan_step);
}

void inbox_rescan(struct inbox *in, const char *why)
{
    start_scan(in, why, 1);
}

static void scan_finish(struct inbox *in)
{
    closedir(in->scan);
    in->scan = NULL;
    uv_idle_stop(&in->scan_idle);
    /* A whole scan with no name dropped met every remembered name still
     * there: the rest were deleted or moved away. */
    if (!in->dropped)
        hashset_free(&in->complete);
    if (in->scan_again || in->dropped)
        start_scan(in, in->scan_again ? "asked for during the last scan"
                                      : "names were dropped while busy", 0);
}

static void scan_step(uv_idle_t *h)
{
    struct inbox *in = h->data;
    if (!in->scan)
        return;
    if (table_full(in)) {
        /* Resumed by inbox_take once names leave the table. */
        uv_idle_stop(&in->scan_idle);
        return;
    }
    int became_ready = 0;
    for (int i = 0; i < SCAN_CHUNK && !table_full(in); i++) {
        errno = 0;
        struct dirent *e = readdir(in->scan);
        if (!e) {
            if (errno)
                log_error("inbox: reading %s: %s", in->path, strerror(errno));
            scan_finish(in);
            break;
        }
        const char *n = e->d_name;
        if (!strcmp(n, ".") || !strcmp(n, ".."))
            continue;
        struct cand *c = find(in, n);
        if (c && (c->list != L_IGNORED || e->d_type != DT_REG))
            continue; /* already known */
        became_ready |= track(in, n, recall_complete(in, n));
    }
    rearm(in);
    if (became_ready)
        in->ready_cb(in, in->arg);
}

static void watch_lost(struct inbox *in, const char *why);

static void rescan_due(uv_timer_t *t)
{
    inbox_rescan(t->data, "periodic safety net");
}

static void poll_due(uv_timer_t *t)
{
    struct inbox *in = t->data;
    /* Without inotify, a deleted and re-created inbox shows only as a
     * different inode at the path. */
    struct stat now;
    if (in->lost)
        return;
    if (stat(in->path, &now) < 0) {
        watch_lost(in, "is gone");
        return;
    }
    if ((uint64_t)now.st_ino != in->ino || (uint64_t)now.st_dev != in->dev) {
        watch_lost(in, "was replaced");
        return;
    }
    /* Polling scans are the watch itself, not rescans: not counted. */
    if (!in->scan)
        start_scan(in, "polling", 0);
}

/* ---- inotify ---------------------------------------------------------- */

static void rewatch_due(uv_timer_t *t);

static void watch_lost(struct inbox *in, const char *why)
{
    if (in->lost)
        return;
    in->lost = 1;
    log_warning("inbox: %s %s; watching for it to come back", in->path, why);
    if (in->wd >= 0)
        inotify_rm_watch(in->ifd, in->wd);
    in->wd = -1;
    if (in->scan) {
        closedir(in->scan);
        in->scan = NULL;
        uv_idle_stop(&in->scan_idle);
    }
    drop_all(in);
    rearm(in);
    in->rewatch_delay = REWATCH_MIN_MS;
    uv_timer_start(&in->rewatch_timer, rewatch_due, REWATCH_MIN_MS, 0);
}

static int add_watch(struct inbox *in)
{
    in->wd = inotify_add_watch(in->ifd, in->path, WATCH_MASK);
    return in->wd < 0 ? -errno : 0;
}

static void rewatch_due(uv_timer_t *t)
{
    struct inbox *in = t->data;
    struct stat st;
    int there = stat(in->path, &st) == 0 && S_ISDIR(st.st_mode);
    int ok = there && (uint64_t)st.st_dev == in->dev;
    if (there && !ok)
        log_error("inbox: %s came back on another file system; it must stay "
                  "on the state directory's", in->path);
    if (ok && !in->polling && add_watch(in) < 0) {
        log_error("inbox: cannot watch %s: %s", in->path, strerror(errno));
        ok = 0;
    }
    if (!ok) {
        in->rewatch_delay *= 2;
        if (in->rewatch_delay > REWATCH_MAX_MS)
            in->rewatch_delay = REWATCH_MAX_MS;
        uv_timer_start(&in->rewatch_timer, rewatch_due,
                       (uint64_t)in->rewatch_delay, 0);
        return;
    }
    in->ino = (uint64_t)st.st_ino;
    in->lost = 0;
    log_notice("inbox: %s is back", in->path);
    inbox_rescan(in, "the inbox was re-created");
}

static void on_events(struct inbox *in, const char *buf, ssize_t len)
{
    int became_ready = 0;
    for (const char *p = buf; p < buf + len;) {
        const struct inotify_event *ev = (const struct inotify_event *)p;
        p += sizeof *ev + ev->len;
        if (ev->mask & IN_Q_OVERFLOW) {
            in->overflows++;
            log_warning("inbox: the kernel's event queue overflowed; "
                        "scanning to catch up");
            inbox_rescan(in, "event queue overflow");
            continue;
        }
        if (ev->wd != in->wd || in->lost)
            continue;
        if (ev->mask & (IN_DELETE_SELF | IN_IGNORED)) {
            watch_lost(in, "was deleted");
            continue;
        }
        if (ev->mask & IN_MOVE_SELF) {
            watch_lost(in, "was moved away");
            continue;
        }
        if (!ev->len || !ev->name[0])
            continue;
        const char *name = ev->name;
        if (ev->mask & IN_ISDIR) {
            note_ignored(in, name, S_IFDIR);
            continue;
        }
        if (ev->mask & IN_MOVED_TO)
            became_ready |= track(in, name, L_READY);
        else if (ev->mask & IN_CLOSE_WRITE)
            became_ready |= track(in, name, L_SETTLE);
        else if (ev->mask & (IN_CREATE | IN_MODIFY)) {
            struct cand *c = find(in, name);
            forget_complete(in, name);
            /* Writes after close (or after a rename in) restart the slow
             * clock; a burst of IN_MODIFY needs no stat each time. */
            if (c && c->list == L_SLOW) {
                c->deadline = (int64_t)uv_now(in->loop) + in->set.settle_slow_ms;
                move_to(in, c, L_SLOW);
            } else {
                became_ready |= track(in, name, L_SLOW);
            }
        }
    }
    rearm(in);
    if (became_ready)
        in->ready_cb(in, in->arg);
}

static void on_inotify(uv_poll_t *h, int status, int events)
{
    struct inbox *in = h->data;
    (void)events;
    if (status < 0) {
        log_error("inbox: inotify: %s", uv_strerror(status));
        return;
    }
    char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (int i = 0; i < 64; i++) {
        ssize_t n = read(in->ifd, buf, sizeof buf);
        if (n <= 0)
            break;
        on_events(in, buf, n);
    }
}

/* ---- file systems ----------------------------------------------------- */

/* Network and FUSE file systems where inotify misses changes made
 * elsewhere. */
static const char *remote_fs(const char *path)
{
    struct statfs sf;
    if (statfs(path, &sf) < 0)
        return NULL;
    switch ((unsigned long)sf.f_type) {
    case 0x6969: return "NFS";
    case 0xFF534D42: return "CIFS";
    case 0xFE534D42: return "SMB2";
    case 0x517B: return "SMB";
    case 0x65735546: return "FUSE";
    case 0x01021997: return "9p";
    case 0x00C36400: return "Ceph";
    default: return NULL;
    }
}

/* ---- life ------------------------------------------------------------- */

static void release(struct inbox *in);

int inbox_start(struct inbox *in, uv_loop_t *loop,
                const struct inbox_settings *set, inbox_ready_cb cb,
                void *arg, char *err, size_t errlen)
{
    memset(in, 0, sizeof *in);
    in->loop = loop;
    in->set = *set;
    in->ready_cb = cb;
    in->arg = arg;
    in->ifd = in->wd = -1;
    in->path = strdup(set->path);
    in->set.path = in->path;
    in->set.ignore = NULL;
    in->set.nignore = 0;
    in->ignore = set->nignore ? calloc(set->nignore, sizeof *in->ignore) : NULL;
    int nomem = set->nignore && !in->ignore;
    for (size_t i = 0; !nomem && i < set->nignore; i++) {
        nomem = !(in->ignore[i] = strdup(set->ignore[i]));
        in->set.nignore += !nomem;
    }
    in->set.ignore = (const char *const *)in->ignore;
    in->nbuckets = 1;
    while (in->nbuckets < (set->max_candidates + MAX_IGNORED) * 2)
        in->nbuckets *= 2;
    in->buckets = calloc(in->nbuckets, sizeof *in->buckets);
    hashset_init(&in->complete, set->max_candidates * 16 > COMPLETE_MIN
                                    ? set->max_candidates * 16 : COMPLETE_MIN);
    if (!in->path || nomem || !in->buckets) {
        snprintf(err, errlen, "out of memory");
        release(in);
        return -1;
    }
    int rc = mkdir_p(in->path);
    if (rc < 0) {
        snprintf(err, errlen, "cannot create the inbox %s: %s", in->path,
                 strerror(-rc));
        release(in);
        return -1;
    }
    struct stat st;
    if (stat(in->path, &st) < 0) {
        snprintf(err, errlen, "cannot open the inbox %s: %s", in->path,
                 strerror(errno));
        release(in);
        return -1;
    }
    in->dev = (uint64_t)st.st_dev;
    in->ino = (uint64_t)st.st_ino;

    const char *remote = remote_fs(in->path);
    if (set->watch == INBOX_WATCH_POLL) {
        in->polling = 1;
        in->poll_reason = "watch: poll";
    } else if (set->watch == INBOX_WATCH_AUTO && remote) {
        in->polling = 1;
        in->poll_reason = remote;
    }
    if (!in->polling) {
        in->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (in->ifd < 0 || add_watch(in) < 0) {
            snprintf(err, errlen, "cannot watch the inbox %s with inotify: %s%s",
                     in->path, strerror(errno),
                     errno == ENOSPC ? " (raise fs.inotify.max_user_watches)"
                                     : "; set inbox.watch: poll to scan it");
            release(in);
            return -1;
        }
    }

    /* No failure past this point: every handle below is closed by
     * inbox_close. */
    uv_timer_init(loop, &in->settle_timer);
    uv_timer_init(loop, &in->rescan_timer);
    uv_timer_init(loop, &in->rewatch_timer);
    uv_timer_init(loop, &in->poll_timer);
    uv_idle_init(loop, &in->scan_idle);
    in->settle_timer.data = in->rescan_timer.data = in->rewatch_timer.data =
        in->poll_timer.data = in->scan_idle.data = in;
    in->nclosing = 5;
    if (!in->polling) {
        uv_poll_init(loop, &in->ipoll, in->ifd);
        in->ipoll.data = in;
        uv_poll_start(&in->ipoll, UV_READABLE, on_inotify);
        in->nclosing++;
        log_info("inbox: watching %s with inotify", in->path);
    } else {
        uv_timer_start(&in->poll_timer, poll_due, (uint64_t)set->poll_ms,
                       (uint64_t)set->poll_ms);
        if (remote && set->watch == INBOX_WATCH_AUTO)
            log_notice("inbox: %s is on %s, where inotify misses changes made "
                       "by other machines: scanning it every %lld ms instead",
                       in->path, remote, (long long)set->poll_ms);
        else
            log_info("inbox: scanning %s every %lld ms (watch: poll)",
                     in->path, (long long)set->poll_ms);
    }
    uv_timer_start(&in->rescan_timer, rescan_due, (uint64_t)set->rescan_ms,
                   (uint64_t)set->rescan_ms);
    inbox_rescan(in, "start-up");
    return 0;
}

int inbox_take(struct inbox *in, char *out)
{
    struct cand *c = in->ready.head;
    if (!c) {
        if (in->scan && !table_full(in))
            uv_idle_start(&in->scan_idle, scan_step);
        else if (!in->scan && in->dropped && !in->lost)
            start_scan(in, "names were dropped while busy", 0);
        return 0;
    }
    snprintf(out, NAME_MAX + 1, "%s", c->name);
    drop(in, c);
    if (in->scan)
        uv_idle_start(&in->scan_idle, scan_step);
    return 1;
}

void inbox_later(struct inbox *in, const char *name)
{
    struct cand *c = find(in, name);
    if (!c && !(c = add(in, name, L_SLOW))) {
        in->dropped = 1;
        return;
    }
    struct stat st;
    if (stat_name(in, name, &st) == 0)
        record(c, &st);
    c->deadline = (int64_t)uv_now(in->loop) + in->set.settle_slow_ms;
    move_to(in, c, L_SLOW);
    rearm(in);
}

int inbox_file(const struct inbox *in, const char *name, char *out,
               size_t outlen)
{
    if (in->lost)
        return -1;
    int n = snprintf(out, outlen, "%s/%s", in->path, name);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

size_t inbox_pending(const struct inbox *in, int *known)
{
    if (known)
        *known = !in->scan && !in->dropped && !in->lost;
    return in->ncand - in->ignored.n;
}

static void release(struct inbox *in)
{
    if (in->buckets)
        drop_all(in);
    free(in->buckets);
    in->buckets = NULL;
    hashset_free(&in->complete);
    if (in->ifd >= 0)
        close(in->ifd);
    free(in->path);
    in->path = NULL;
    for (size_t i = 0; i < in->set.nignore; i++)
        free(in->ignore[i]);
    free(in->ignore);
    in->ignore = NULL;
    in->set.nignore = 0;
    in->set.path = NULL;
    in->ifd = -1;
}

static void on_closed(uv_handle_t *h)
{
    struct inbox *in = h->data;
    if (--in->nclosing > 0)
        return;
    release(in);
    if (in->closed_cb)
        in->closed_cb(in);
}

void inbox_close(struct inbox *in, void (*done)(struct inbox *in))
{
    if (in->closing)
        return;
    in->closing = 1;
    in->closed_cb = done;
    if (in->scan) {
        closedir(in->scan);
        in->scan = NULL;
    }
    if (in->ifd >= 0 && !in->polling)
        uv_close((uv_handle_t *)&in->ipoll, on_closed);
    uv_close((uv_handle_t *)&in->settle_timer, on_closed);
    uv_close((uv_handle_t *)&in->rescan_timer, on_closed);
    uv_close((uv_handle_t *)&in->rewatch_timer, on_closed);
    uv_close((uv_handle_t *)&in->poll_timer, on_closed);
    uv_close((uv_handle_t *)&in->scan_idle, on_closed);
}
