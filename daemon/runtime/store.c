/* Where a claimed file lives and where it ends: work/, done/, failed/, the
 * crash counters and the notes of what the workers are processing, under
 * the state directory. */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/grow.h"
#include "base/io.h"
#include "document.h"

#define ERROR_SUFFIX ".error.json"

static int open_sub(const char *state, const char *sub, uint64_t dev,
                    char *err, size_t errlen)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", state, sub);
    int rc = mkdir_p(path);
    if (rc < 0) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(-rc));
        return -1;
    }
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if ((uint64_t)st.st_dev != dev) {
        snprintf(err, errlen, "%s is on another file system than the inbox; "
                 "files move between them by rename, which only works "
                 "within one file system: put inbox.state on the inbox's "
                 "file system", path);
        close(fd);
        return -1;
    }
    return fd;
}

/* Nonzero when the temporary file `name` (.tmp-<pid>-<n>) belongs to a
 * process that is gone: a daemon and a `newsdesk retry` may share the
 * folders, and one must not take the other's file in the making. */
static int stale_tmp(const char *name)
{
    char *end;
    long pid = strtol(name + 5, &end, 10);
    if (end == name + 5 || *end != '-' || pid <= 0)
        return 0;
    return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* Remove the hidden temporary files that a process killed half-way
 * through writing a record or a counter left in `dirfd`. */
static void sweep_tmp(int dirfd)
{
    int fd = dup(dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    rewinddir(d); /* a dup shares the offset of the folder's descriptor */
    struct dirent *e;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, ".tmp-", 5) && stale_tmp(e->d_name))
            unlinkat(dirfd, e->d_name, 0);
    closedir(d);
}

int store_open(struct store *s, const char *state, uint64_t inbox_dev,
               int sync, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->workfd = s->donefd = s->failedfd = s->attemptsfd = s->runningfd = -1;
    s->sync = sync;
    s->state = strdup(state);
    if (!s->state ||
        (s->workfd = open_sub(state, "work", inbox_dev, err, errlen)) < 0 ||
        (s->donefd = open_sub(state, "done", inbox_dev, err, errlen)) < 0 ||
        (s->failedfd = open_sub(state, "failed", inbox_dev, err, errlen)) < 0 ||
        (s->attemptsfd = open_sub(state, "attempts", inbox_dev, err, errlen)) < 0 ||
        (s->runningfd = open_sub(state, "running", inbox_dev, err, errlen)) < 0) {
        store_close(s);
        return -1;
    }
    sweep_tmp(s->failedfd);
    sweep_tmp(s->attemptsfd);
    return 0;
}

static void close_slots(struct store *s)
{
    for (unsigned i = 0; i < s->nslots; i++)
        if (s->slots[i] >= 0)
            close(s->slots[i]);
    free(s->slots);
    s->slots = NULL;
    s->nslots = 0;
}

void store_close(struct store *s)
{
    int *fds[] = {&s->workfd, &s->donefd, &s->failedfd, &s->attemptsfd,
                  &s->runningfd};
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
    close_slots(s);
    free(s->state);
    s->state = NULL;
}

/* Rename without ever replacing a file. File systems without
 * RENAME_NOREPLACE get link + unlink, which is just as safe. */
static int move_noreplace(int from, const char *a, int to, const char *b)
{
    if (renameat2(from, a, to, b, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -errno;
    if (linkat(from, a, to, b, 0) < 0)
        return -errno;
    unlinkat(from, a, 0);
    return 0;
}

/* The n-th name to try for `name` (n = 1: the name itself, then
 * "stem.n.ext"), short enough that `reserve` more bytes still make a valid
 * file name. Returns 0, or -1 when n is past any sensible limit. */
static int nth_name(const char *name, unsigned n, size_t reserve, char *out,
                    size_t outlen)
{
    size_t max = NAME_MAX - reserve;
    size_t len = strlen(name);
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name || strlen(dot) > 16)
        dot = name + len;
    char num[16] = "";
    if (n > 1)
        snprintf(num, sizeof num, ".%u", n);
    size_t ext = strlen(dot), stem = (size_t)(dot - name);
    if (stem + strlen(num) + ext > max) {
        if (strlen(num) + ext + 1 > max)
            return -1;
        stem = max - strlen(num) - ext;
        while (stem && ((unsigned char)name[stem] & 0xC0) == 0x80)
            stem--; /* never cut a UTF-8 sequence */
    }
    if (stem + strlen(num) + ext + 1 > outlen)
        return -1;
    snprintf(out, outlen, "%.*s%s%s", (int)stem, name, num, dot);
    return 0;
}

/* Move `name` from `from` into `to` under the first free name (and, with
 * `reserve`, one whose error record is free too). */
static int move_unique(int from, const char *name, int to, int reserve,
                       char *final, size_t flen)
{
    char cand[NAME_MAX + 1], rec[NAME_MAX + 16];
    for (unsigned n = 1; n < 100000; n++) {
        if (nth_name(name, n, reserve ? strlen(ERROR_SUFFIX) : 0, cand,
                     sizeof cand) < 0)
            return -ENAMETOOLONG;
        if (reserve) {
            snprintf(rec, sizeof rec, "%s" ERROR_SUFFIX, cand);
            if (faccessat(to, rec, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                continue;
        }
        int rc = move_noreplace(from, name, to, cand);
        if (rc == -EEXIST || rc == -ENOTEMPTY)
            continue;
        if (rc == 0 && final)
            snprintf(final, flen, "%s", cand);
        return rc;
    }
    return -EEXIST;
}

int store_claim(struct store *s, const char *path, const char *name)
{
    return move_noreplace(AT_FDCWD, path, s->workfd, name);
}

int store_done(struct store *s, const char *name, int delete, char *final,
               size_t flen)
{
    if (delete) {
        if (final)
            snprintf(final, flen, "%s", name);
        return unlinkat(s->workfd, name, 0) < 0 ? -errno : 0;
    }
    return move_unique(s->workfd, name, s->donefd, 0, final, flen);
}

static atomic_uint tmp_seq;

/* Write `data` to a hidden temporary file in `dirfd`; its name goes to
 * tmp. Returns 0 or -errno. */
static int write_tmp(int dirfd, const void *data, size_t len, int sync,
                     char tmp[64])
{
    snprintf(tmp, 64, ".tmp-%ld-%u", (long)getpid(),
             atomic_fetch_add(&tmp_seq, 1));
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    int rc = write_all(fd, data, len);
    if (rc == 0 && sync && fdatasync(fd) < 0)
        rc = -errno;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    if (rc < 0)
        unlinkat(dirfd, tmp, 0);
    return rc;
}

/* File a failure in failed/: the record `<name>.error.json` first, then
 * the document (`put` moves or writes it under the name it is given),
 * each without replacing anything, under the first name for which
 * both are free. So a document in failed/ always has its record beside
 * it: when the record cannot be written (a full disk), nothing has moved
 * and the caller can truthfully say where the document still is. */
static int file_failure(struct store *s, const char *name,
                        const struct failure *f,
                        int (*put)(struct store *s, const char *as, void *ctx),
                        void *ctx, char *final, size_t flen)
{
    char *text = failure_record(f);
    if (!text)
        return -ENOMEM;
    size_t len = strlen(text);
    text[len] = '\n';
    char tmp[64];
    int rc = write_tmp(s->failedfd, text, len + 1, s->sync, tmp);
    free(text);
    if (rc < 0)
        return rc;
    char cand[NAME_MAX + 1], rec[NAME_MAX + 16];
    rc = -EEXIST;
    for (unsigned n = 1; rc == -EEXIST && n < 100000; n++) {
        if (nth_name(name, n, strlen(ERROR_SUFFIX), cand, sizeof cand) < 0) {
            rc = -ENAMETOOLONG;
            break;
        }
        if (faccessat(s->failedfd, cand, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
            continue;
        snprintf(rec, sizeof rec, "%s" ERROR_SUFFIX, cand);
        /* link, not rename: the temporary record stays for the next
         * candidate should this one be taken */
        if (linkat(s->failedfd, tmp, s->failedfd, rec, 0) < 0) {
            rc = -errno;
            continue; /* EEXIST: a record of that name is kept there */
        }
        rc = put(s, cand, ctx);
        if (rc < 0)
            unlinkat(s->failedfd, rec, 0);
    }
    unlinkat(s->failedfd, tmp, 0);
    if (rc < 0)
        return rc;
    if (final)
        snprintf(final, flen, "%s", cand);
    if (s->sync)
        fsync(s->failedfd);
    return 0;
}

static int put_moved(struct store *s, const char *as, void *ctx)
{
    return move_noreplace(s->workfd, ctx, s->failedfd, as);
}

int store_fail(struct store *s, const char *name, const struct failure *f,
               char *final, size_t flen)
{
    return file_failure(s, name, f, put_moved, (void *)name, final, flen);
}

struct bytes {
    const void *raw;
    size_t len;
};

static int put_written(struct store *s, const char *as, void *ctx)
{
    const struct bytes *b = ctx;
    char tmp[64];
    int rc = write_tmp(s->failedfd, b->raw, b->len, s->sync, tmp);
    if (rc < 0)
        return rc;
    rc = move_noreplace(s->failedfd, tmp, s->failedfd, as);
    if (rc < 0)
        unlinkat(s->failedfd, tmp, 0);
    return rc;
}

int store_fail_bytes(struct store *s, const char *name, const void *raw,
                     size_t len, const struct failure *f, char *final,
                     size_t flen)
{
    /* Spawned names may hold a '/' ("archive.zip/a.txt" style): flatten,
     * and never make a hidden file. */
    char flat[NAME_MAX + 1];
    snprintf(flat, sizeof flat, "%s", name && *name ? name : "document");
    for (char *p = flat; *p; p++)
        if (*p == '/')
            *p = '_';
    if (flat[0] == '.')
        flat[0] = '_';
    struct bytes b = {raw, len};
    return file_failure(s, flat, f, put_written, &b, final, flen);
}

int store_unclaim(struct store *s, const char *inbox, const char *name,
                  char *final, size_t flen)
{
    int fd = open(inbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = move_unique(s->workfd, name, fd, 0, final, flen);
    close(fd);
    return rc;
}

unsigned store_crashes(struct store *s, const char *name)
{
    int fd = openat(s->attemptsfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char buf[32];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return (unsigned)strtoul(buf, NULL, 10);
}

int store_set_crashes(struct store *s, const char *name, unsigned n)
{
    char text[32], tmp[64];
    int len = snprintf(text, sizeof text, "%u\n", n);
    int rc = write_tmp(s->attemptsfd, text, (size_t)len, 1, tmp);
    if (rc < 0)
        return rc;
    if (renameat(s->attemptsfd, tmp, s->attemptsfd, name) < 0) {
        rc = -errno;
        unlinkat(s->attemptsfd, tmp, 0);
        return rc;
    }
    /* The counter must outlive the next crash, power cuts included. */
    fsync(s->attemptsfd);
    return 0;
}

void store_clear_crashes(struct store *s, const char *name)
{
    unlinkat(s->attemptsfd, name, 0);
}

/* ---- what the workers are processing ------------------------------------
 * One small file per worker, running/slot-<n>, holds the name of the file
 * that worker is processing, NUL-terminated, or an empty string. A note is
 * one pwrite into the page cache: it outlives the daemon's process (kill
 * -9, a crash in a plugin), which is all it has to, so it costs no fsync.
 * After a power cut a note may be missing: a crash then goes uncounted,
 * never counted against the wrong document. */

size_t store_running_read(struct store *s, char ***names)
{
    *names = NULL;
    int fd = dup(s->runningfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    rewinddir(d); /* a dup shares the offset of the folder's descriptor */
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "slot-", 5))
            continue;
        char buf[NAME_MAX + 1];
        int sfd = openat(s->runningfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        ssize_t got = sfd >= 0 ? pread(sfd, buf, sizeof buf - 1, 0) : -1;
        if (sfd >= 0)
            close(sfd);
        if (got <= 0)
            continue;
        buf[got] = '\0';
        if (!buf[0] || strchr(buf, '/'))
            continue;
        int seen = 0;
        for (size_t i = 0; i < n && !seen; i++)
            seen = !strcmp((*names)[i], buf);
        if (seen)
            continue;
        char **g = array_grow(*names, &cap, n + 1, sizeof *g, 8);
        if (!g)
            break;
        *names = g;
        if (!((*names)[n] = strdup(buf)))
            break;
        n++;
    }
    closedir(d);
    return n;
}

int store_running_open(struct store *s, unsigned nslots)
{
    close_slots(s);
    /* Slots of an earlier run with more workers go: they were read. */
    int fd = dup(s->runningfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d) {
        rewinddir(d); /* a dup shares the offset of the folder's descriptor */
        struct dirent *e;
        while ((e = readdir(d)))
            if (!strncmp(e->d_name, "slot-", 5))
                unlinkat(s->runningfd, e->d_name, 0);
        closedir(d);
    } else if (fd >= 0) {
        close(fd);
    }
    s->slots = malloc(nslots * sizeof *s->slots);
    if (!s->slots)
        return -ENOMEM;
    for (s->nslots = 0; s->nslots < nslots; s->nslots++) {
        char name[32];
        snprintf(name, sizeof name, "slot-%u", s->nslots);
        int sfd = openat(s->runningfd, name,
                         O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (sfd < 0)
            return -errno;
        s->slots[s->nslots] = sfd;
        /* Its block, allocated now: later notes overwrite it in place,
         * so a full disk does not refuse them. */
        static const char zeros[NAME_MAX + 1];
        (void)!pwrite(sfd, zeros, sizeof zeros, 0);
    }
    return 0;
}

void store_running_note(struct store *s, unsigned slot, const char *name)
{
    if (slot < s->nslots)
        (void)!pwrite(s->slots[slot], name, strlen(name) + 1, 0);
}

/* ---- retrying failed files -------------------------------------------- */

static int is_record(const char *name)
{
    size_t len = strlen(name), sl = strlen(ERROR_SUFFIX);
    return len > sl && strcasecmp(name + len - sl, ERROR_SUFFIX) == 0;
}

/* Whether the folder `dir` is failed/ itself (a path may spell it in
 * many ways). */
static int is_failed_dir(struct store *s, const char *dir)
{
    struct stat a, b;
    return stat(dir, &a) == 0 && fstat(s->failedfd, &b) == 0 &&
           a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* The document in failed/ that `arg` names (a name or a path, of the
 * document or of its error record) into doc. Returns 0, or -1 with the
 * reason in err. */
static int failed_doc(struct store *s, const char *arg, char *doc,
                      size_t dlen, char *err, size_t errlen)
{
    const char *base = strrchr(arg, '/');
    if (base) {
        char dir[PATH_MAX];
        base++;
        snprintf(dir, sizeof dir, "%.*s", (int)(base - arg - 1), arg);
        if (!*base) {
            snprintf(err, errlen, "%s: a folder, not a failed file", arg);
            return -1;
        }
        if (!is_failed_dir(s, *dir ? dir : "/")) {
            snprintf(err, errlen, "%s: not in %s/failed", arg, s->state);
            return -1;
        }
    } else {
        base = arg;
    }
    if (base[0] == '.') {
        snprintf(err, errlen, "%s: a hidden or temporary file, not a failed "
                 "document", arg);
        return -1;
    }
    size_t len = strlen(base);
    if (is_record(base))
        len -= strlen(ERROR_SUFFIX);
    if (len >= dlen) {
        snprintf(err, errlen, "%s: not in %s/failed", arg, s->state);
        return -1;
    }
    snprintf(doc, dlen, "%.*s", (int)len, base);
    struct stat st;
    if (fstatat(s->failedfd, doc, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno != ENOENT)
            snprintf(err, errlen, "%s: %s", arg, strerror(errno));
        else if (is_record(base))
            snprintf(err, errlen, "%s: an error record, and its document "
                     "\"%s\" is not in %s/failed", arg, doc, s->state);
        else
            snprintf(err, errlen, "%s: not in %s/failed", arg, s->state);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file, not a failed document",
                 arg);
        return -1;
    }
    return 0;
}

/* Move failed/`rec` into state/retried/ (created if need be) under a
 * free name, into `final`. Returns 0 or -errno. */
static int set_record_aside(struct store *s, const char *rec, char *final,
                            size_t flen)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/retried", s->state);
    int rc = mkdir_p(path);
    if (rc < 0)
        return rc;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    rc = move_unique(s->failedfd, rec, fd, 0, final, flen);
    if (rc == 0 && s->sync)
        fsync(fd);
    close(fd);
    return rc;
}

int store_retry(struct store *s, const char *inbox, const char *name,
                struct retried *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    if (failed_doc(s, name, r->name, sizeof r->name, err, errlen) < 0)
        return -1;
    int fd = open(inbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open the inbox %s: %s", r->name,
                 inbox, strerror(errno));
        return -1;
    }
    int rc = move_unique(s->failedfd, r->name, fd, 0, r->inbox,
                         sizeof r->inbox);
    if (rc == 0 && s->sync)
        fsync(fd);
    close(fd);
    if (rc < 0) {
        snprintf(err, errlen, "%s: cannot move it into the inbox %s: %s%s",
                 r->name, inbox, strerror(-rc),
                 rc == -EXDEV ? " (the inbox and the state folder must be "
                                "on one file system)" : "");
        r->inbox[0] = '\0';
        return -1;
    }
    /* Only now that the file is safe in the inbox does its record go. */
    char rec[NAME_MAX + 16];
    snprintf(rec, sizeof rec, "%s" ERROR_SUFFIX, r->name);
    if (faccessat(s->failedfd, rec, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
        return 0;
    rc = set_record_aside(s, rec, r->record, sizeof r->record);
    if (rc < 0) {
        snprintf(err, errlen, "%s: back in the inbox, but its error record "
                 "stays in %s/failed: cannot move it into %s/retried: %s",
                 r->name, s->state, s->state, strerror(-rc));
        r->record[0] = '\0';
        return -1;
    }
    if (s->sync)
        fsync(s->failedfd);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int store_failed(struct store *s, char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    int fd = openat(s->failedfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return -e;
    }
    char **v = NULL;
    size_t cap = 0, len = 0;
    int rc = 0;
    struct dirent *de;
    struct stat st;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || is_record(de->d_name) ||
            fstatat(s->failedfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISREG(st.st_mode))
            continue;
        char **g = array_grow(v, &cap, len + 1, sizeof *v, 16);
        if (!g) {
            rc = -ENOMEM;
            break;
        }
        v = g;
        if (!(v[len] = strdup(de->d_name))) {
            rc = -ENOMEM;
            break;
        }
        len++;
    }
    closedir(d);
    if (rc < 0) {
        store_free_names(v, len);
        return rc;
    }
    if (len)
        qsort(v, len, sizeof *v, cmp_names);
    *names = v;
    *n = len;
    return 0;
}

void store_free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
