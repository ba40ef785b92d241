/* The watched inbox as a document source: claiming files into work/,
 * reading them, filing them in done/ or failed/, giving them back, and
 * handing out first what a daemon that died left in work/ (suspects, the
 * files it was processing, before the rest). The folders are store.c's,
 * the watching inbox.c's; this file is what joins them to the loop. */
#include "source_inbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/grow.h"
#include "base/io.h"
#include "inbox.h"
#include "log.h"
#include "store.h"

struct inbox_source {
    struct source base;
    struct inbox inbox;
    struct store store;
    int delete_done;        /* on_success: delete */
    /* Names found in work/ at start-up; the first nsuspects were being
     * processed when the daemon died. */
    char **recover;
    size_t nrecover, next, nsuspects;
    void (*closed)(struct source *s);
};

#define IS(s) ((struct inbox_source *)(s))

/* ---- start-up: what a daemon that died left in work/ ------------------------ */

/* Names in work/. Read whole: it holds at most what was in flight when the
 * daemon stopped. */
static int list_work(struct inbox_source *in, char *err, size_t errlen)
{
    int fd = dup(in->store.workfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        snprintf(err, errlen, "cannot read %s/work: %s", in->store.state,
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
        char **g = array_grow(in->recover, &cap, in->nrecover + 1, sizeof *g, 64);
        if (!g)
            break;
        in->recover = g;
        if (!(in->recover[in->nrecover] = strdup(e->d_name)))
            break;
        in->nrecover++;
    }
    closedir(d);
    return 0;
}

/* Which of the files in work/ were being processed when the previous
 * daemon died (its running/ notes): their crash counters go up, durably,
 * before anything runs, and they move to the front of the list. The others
 * only waited: they are retried without a count. */
static void find_suspects(struct inbox_source *in)
{
    char **names;
    size_t n = store_running_read(&in->store, &names);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = in->nsuspects; k < in->nrecover; k++) {
            if (strcmp(in->recover[k], names[i]))
                continue;
            char *t = in->recover[in->nsuspects];
            in->recover[in->nsuspects] = in->recover[k];
            in->recover[k] = t;
            store_set_crashes(&in->store, names[i],
                              store_crashes(&in->store, names[i]) + 1);
            in->nsuspects++;
            break;
        }
        free(names[i]);
    }
    free(names);
    if (in->nrecover)
        log_notice("found %zu files in %s/work from a run that did not stop "
                   "cleanly, %zu of them being processed when it stopped; "
                   "retrying them first", in->nrecover, in->store.state,
                   in->nsuspects);
}

static void free_recover(struct inbox_source *in)
{
    for (size_t i = in->next; i < in->nrecover; i++)
        free(in->recover[i]);
    free(in->recover);
    in->recover = NULL;
    in->nrecover = in->next = 0;
}

/* ---- taking ------------------------------------------------------------------ */

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

/* Claim the ready name `name` into work/. Returns 1 when claimed, 0 when
 * it was left or set aside for later. */
static int claim(struct inbox_source *in, const char *name)
{
    char path[PATH_MAX], q[LOG_QUOTE_MAX];
    if (inbox_file(&in->inbox, name, path, sizeof path) < 0)
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
        inbox_later(&in->inbox, name);
        return 0;
    }
    int rc = store_claim(&in->store, path, name);
    if (rc == -EEXIST) {
        /* work/ holds a file of that name still in flight. */
        inbox_later(&in->inbox, name);
        return 0;
    }
    if (rc < 0) {
        if (rc != -ENOENT) {
            log_error("inbox: cannot claim \"%s\" (move it into %s/work): %s",
                      q, in->store.state, strerror(-rc));
            inbox_later(&in->inbox, name);
        }
        return 0;
    }
    log_debug("id=- file=\"%s\" plugin=-: claimed", q);
    return 1;
}

static int inbox_take_item(struct source *s, struct source_item *it)
{
    struct inbox_source *in = IS(s);
    memset(it, 0, sizeof *it);
    if (in->next < in->nrecover) {
        char *name = in->recover[in->next];
        it->recovered = 1;
        it->suspect = in->next < in->nsuspects;
        in->recover[in->next++] = NULL;
        snprintf(it->name, sizeof it->name, "%s", name);
        free(name);
        it->crashes = store_crashes(&in->store, it->name);
        return 1;
    }
    char name[NAME_MAX + 1];
    while (inbox_take(&in->inbox, name))
        if (claim(in, name)) {
            snprintf(it->name, sizeof it->name, "%s", name);
            return 1;
        }
    return 0;
}

/* ---- reading (worker threads) ----------------------------------------------- */

static int inbox_read(struct source *s, const struct source_item *it,
                      size_t max, uint8_t **raw, size_t *len, char **path,
                      const char **stage, char *err, size_t errlen)
{
    struct inbox_source *in = IS(s);
    *path = NULL;
    *stage = "claim";
    int fd = openat(in->store.workfd, it->name,
                    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot open it: %s%s", strerror(e),
                 e == ELOOP ? " (a symbolic link: never followed)" : "");
        return -e;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        snprintf(err, errlen, "not a regular file");
        return -EINVAL;
    }
    *stage = "read";
    if ((uint64_t)st.st_size > max) {
        close(fd);
        snprintf(err, errlen, "%lld bytes, larger than inbox.max_bytes (%zu "
                 "bytes); not read", (long long)st.st_size, max);
        return -EFBIG;
    }
    int rc = read_all_stat(fd, &st, max, raw, len);
    close(fd);
    if (rc == -EFBIG)
        snprintf(err, errlen, "larger than inbox.max_bytes (%zu bytes); not "
                 "read", max);
    else if (rc < 0)
        snprintf(err, errlen, "cannot read it: %s", strerror(-rc));
    if (rc < 0)
        return rc;
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", in->inbox.set.path, it->name);
    *path = strdup(p);
    return 0;
}

static void inbox_running(struct source *s, unsigned slot,
                          const struct source_item *it)
{
    store_running_note(&IS(s)->store, slot, it ? it->name : "");
}

/* ---- outcomes (worker threads) ----------------------------------------------- */

static int inbox_done(struct source *s, const struct source_item *it,
                      char *where, size_t wlen, char *err, size_t errlen)
{
    struct inbox_source *in = IS(s);
    char final[NAME_MAX + 1];
    int rc = store_done(&in->store, it->name, in->delete_done, final,
                        sizeof final);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", in->delete_done
                 ? "cannot delete it from work/ (on_success: delete)"
                 : "cannot move it into done/", strerror(-rc));
        return rc;
    }
    if (it->crashes)
        store_clear_crashes(&in->store, it->name);
    if (in->delete_done)
        snprintf(where, wlen, "deleted (on_success: delete)");
    else
        snprintf(where, wlen, "done/%s", final);
    return 0;
}

static int inbox_failed(struct source *s, const struct source_item *it,
                        const struct failure *f, char *where, size_t wlen,
                        char *err, size_t errlen)
{
    struct inbox_source *in = IS(s);
    char final[NAME_MAX + 1];
    int rc = store_fail(&in->store, it->name, f, final, sizeof final);
    if (rc < 0) {
        snprintf(err, errlen, "cannot write its error record into failed/: %s",
                 strerror(-rc));
        return rc;
    }
    if (it->crashes)
        store_clear_crashes(&in->store, it->name);
    snprintf(where, wlen, "failed/%s", final);
    return 0;
}

static int inbox_failed_part(struct source *s, const struct source_item *it,
                             const char *name, const void *raw, size_t len,
                             const struct failure *f, char *err, size_t errlen)
{
    (void)it;
    char got[NAME_MAX + 1], q[LOG_QUOTE_MAX];
    int rc = store_fail_bytes(&IS(s)->store, name, raw, len, f, got, sizeof got);
    if (rc < 0)
        snprintf(err, errlen, "cannot write its failed item \"%s\" into "
                 "failed/: %s", log_quote(name, q), strerror(-rc));
    return rc;
}

/* ---- the loop thread ---------------------------------------------------------- */

static int inbox_give_back(struct source *s, const struct source_item *it,
                           char *where, size_t wlen)
{
    struct inbox_source *in = IS(s);
    char back[NAME_MAX + 1];
    if (in->inbox.lost)
        return -EIO;
    int rc = store_unclaim(&in->store, in->inbox.set.path, it->name, back,
                           sizeof back);
    if (rc < 0)
        return rc;
    if (it->crashes) /* the file is a new arrival when it is claimed again */
        store_clear_crashes(&in->store, it->name);
    snprintf(where, wlen, "%s", back);
    return 0;
}

static void inbox_stats(const struct source *s, struct source_stats *st)
{
    const struct inbox_source *in = (const struct inbox_source *)s;
    memset(st, 0, sizeof *st);
    st->pending = inbox_pending(&in->inbox, &st->pending_known);
    st->rescans = in->inbox.rescans;
    st->overflows = in->inbox.overflows;
    st->watch = in->inbox.polling ? "polling" : "inotify";
    st->lost = in->inbox.lost;
}

static void inbox_closed(struct inbox *ib)
{
    struct inbox_source *in =
        (struct inbox_source *)((char *)ib - offsetof(struct inbox_source, inbox));
    store_close(&in->store);
    if (in->closed)
        in->closed(&in->base);
}

static void inbox_close_source(struct source *s, void (*closed)(struct source *s))
{
    struct inbox_source *in = IS(s);
    in->closed = closed;
    free_recover(in);
    inbox_close(&in->inbox, inbox_closed);
}

static const struct source_ops inbox_ops = {
    .take = inbox_take_item,
    .read = inbox_read,
    .running = inbox_running,
    .done = inbox_done,
    .failed = inbox_failed,
    .failed_part = inbox_failed_part,
    .give_back = inbox_give_back,
    .stats = inbox_stats,
    .close = inbox_close_source,
};

static void on_inbox_ready(struct inbox *ib, void *arg)
{
    (void)ib;
    struct source *s = arg;
    s->ready(s, s->ready_arg);
}

struct source *source_inbox_open(uv_loop_t *loop,
                                 const struct daemon_settings *set,
                                 void (*ready)(struct source *s, void *arg),
                                 void *arg, char *err, size_t errlen)
{
    struct inbox_source *in = calloc(1, sizeof *in);
    if (!in) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    in->base.ops = &inbox_ops;
    in->base.ready = ready;
    in->base.ready_arg = arg;
    in->delete_done = set->delete_done;
    int rc = mkdir_p(set->inbox_path);
    struct stat st;
    if (rc < 0 || stat(set->inbox_path, &st) < 0) {
        snprintf(err, errlen, "cannot create the inbox %s: %s", set->inbox_path,
                 strerror(rc < 0 ? -rc : errno));
        free(in);
        return NULL;
    }
    if (store_open(&in->store, set->state, (uint64_t)st.st_dev, set->sync, err,
                   errlen) < 0) {
        free(in);
        return NULL;
    }
    if (list_work(in, err, errlen) < 0)
        goto fail;
    find_suspects(in);
    rc = store_running_open(&in->store, pool_depth(set));
    if (rc < 0) {
        snprintf(err, errlen, "cannot write in %s/running: %s", set->state,
                 strerror(-rc));
        goto fail;
    }
    if (inbox_start(&in->inbox, loop, &set->inbox, on_inbox_ready, &in->base,
                    err, errlen) < 0)
        goto fail;
    return &in->base;
fail:
    free_recover(in);
    store_close(&in->store);
    free(in);
    return NULL;
}
