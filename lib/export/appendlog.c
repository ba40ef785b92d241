/* appendlog: whole-record appends, rotation, fsync policy. */
#include "appendlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/grow.h"
#include "base/io.h"

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int appendlog_parse_sync(const char *opt, const char *durable,
                         enum appendlog_sync *sync, int64_t *interval_ms)
{
    *interval_ms = 0;
    if (!opt || !strcmp(opt, "auto")) {
        *sync = !strcmp(durable, "always") ? APPENDLOG_SYNC_ALWAYS
                : !strcmp(durable, "none") ? APPENDLOG_SYNC_NEVER
                                           : APPENDLOG_SYNC_FLUSH;
        return 0;
    }
    if (!strcmp(opt, "flush") || !strcmp(opt, "batch")) {
        *sync = APPENDLOG_SYNC_FLUSH;
        return 0;
    }
    if (!strcmp(opt, "always")) {
        *sync = APPENDLOG_SYNC_ALWAYS;
        return 0;
    }
    if (!strcmp(opt, "never") || !strcmp(opt, "none")) {
        *sync = APPENDLOG_SYNC_NEVER;
        return 0;
    }
    char *end;
    errno = 0;
    double v = strtod(opt, &end);
    if (errno || end == opt || v <= 0)
        return -EINVAL;
    double mult = !strcmp(end, "ms") ? 1 : !strcmp(end, "s") ? 1000
                  : !strcmp(end, "m") ? 60000 : !strcmp(end, "h") ? 3600000 : -1;
    if (mult < 0)
        return -EINVAL;
    *sync = APPENDLOG_SYNC_INTERVAL;
    *interval_ms = (int64_t)(v * mult);
    return *interval_ms > 0 ? 0 : -EINVAL;
}

/* Cut off whatever follows the last complete record. */
static int repair(struct appendlog *l, char *err, size_t errlen)
{
    struct stat sb;
    if (fstat(l->fd, &sb) < 0) {
        int rc = -errno;
        snprintf(err, errlen, "cannot read %s: %s", l->path, strerror(-rc));
        return rc;
    }
    l->size = sb.st_size;
    if (!sb.st_size || !l->scan)
        return 0;
    void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, l->fd, 0);
    if (m == MAP_FAILED) {
        int rc = -errno;
        snprintf(err, errlen, "cannot read %s: %s", l->path, strerror(-rc));
        return rc;
    }
    size_t good = l->scan(m, (size_t)sb.st_size, l->scan_ctx);
    munmap(m, (size_t)sb.st_size);
    if (good < (size_t)sb.st_size) {
        if (ftruncate(l->fd, (off_t)good) < 0) {
            int rc = -errno;
            snprintf(err, errlen, "cannot cut the partial record at the end "
                     "of %s: %s", l->path, strerror(-rc));
            return rc;
        }
        l->cut = (size_t)sb.st_size - good;
        l->size = (off_t)good;
    }
    return 0;
}

int appendlog_open(struct appendlog *l, char *err, size_t errlen)
{
    int rc = mkdir_parents(l->path);
    if (rc < 0) {
        snprintf(err, errlen, "cannot create the folder of %s: %s", l->path,
                 strerror(-rc));
        return rc;
    }
    l->cut = 0;
    l->fd = open(l->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
                 0644);
    if (l->fd < 0) {
        rc = -errno;
        snprintf(err, errlen, "cannot open %s: %s", l->path, strerror(-rc));
        return rc;
    }
    rc = repair(l, err, errlen);
    if (rc < 0) {
        close(l->fd);
        l->fd = -1;
        return rc;
    }
    struct stat sb;
    /* A file carried over from an earlier run keeps its age for rotation. */
    l->opened_ms = fstat(l->fd, &sb) == 0 && l->size
                       ? (int64_t)sb.st_ctim.tv_sec * 1000 + sb.st_ctim.tv_nsec / 1000000
                       : wall_ms();
    l->synced_ms = wall_ms();
    l->synced_size = l->size;
    l->sync_failed = 0;
    l->dirty = 0;
    /* The file may be new: its name must last as long as its records. */
    if (l->sync != APPENDLOG_SYNC_NEVER && (rc = fsync_parent(l->path)) < 0) {
        snprintf(err, errlen, "cannot sync the folder of %s: %s", l->path,
                 strerror(-rc));
        close(l->fd);
        l->fd = -1;
        return rc;
    }
    return 0;
}

int appendlog_empty(const struct appendlog *l) { return l->size == 0; }

/* news.csv → news-20261128T172300Z.csv; a clash adds -1, -2, ...
 * Returns 0 or a negative errno. */
static int rotated_name(const struct appendlog *l, char *out, size_t len)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    const char *slash = strrchr(l->path, '/');
    const char *base = slash ? slash + 1 : l->path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        dot = base + strlen(base);
    int stem = (int)(dot - l->path);
    for (int i = 0; i < 1000; i++) {
        char suffix[16] = "";
        if (i)
            snprintf(suffix, sizeof suffix, "-%d", i);
        if (snprintf(out, len, "%.*s-%s%s%s", stem, l->path, stamp, suffix, dot) >= (int)len)
            return -ENAMETOOLONG;
        if (access(out, F_OK) < 0 && errno == ENOENT)
            return 0;
    }
    return -EEXIST;
}

/* After a failed fdatasync the kernel may have marked the unwritten pages
 * clean, and a second fdatasync would then report success for data that
 * never reached the disk. Writing the unsynced part again from the page
 * cache makes it dirty, so the next fdatasync really writes it. Returns 0
 * or a negative errno. */
static int sync_data(struct appendlog *l)
{
    if (l->sync_failed) {
        size_t n = (size_t)(l->size - l->synced_size);
        char *buf = n ? malloc(n) : NULL;
        if (n && !buf)
            return -ENOMEM;
        errno = 0;
        if (n && (pread(l->fd, buf, n, l->synced_size) != (ssize_t)n ||
                  pwrite(l->fd, buf, n, l->synced_size) != (ssize_t)n)) {
            int rc = errno ? -errno : -EIO;
            free(buf);
            return rc;
        }
        free(buf);
    }
    if (fdatasync(l->fd) < 0) {
        l->sync_failed = 1;
        return -errno;
    }
    l->sync_failed = 0;
    l->synced_size = l->size;
    l->dirty = 0;
    l->synced_ms = wall_ms();
    return 0;
}

int appendlog_rotate_if_due(struct appendlog *l, size_t len)
{
    if (!l->size)
        return 0;
    int by_size = l->rotate_bytes && l->size + (off_t)len > l->rotate_bytes;
    int by_age = l->rotate_ms && wall_ms() - l->opened_ms >= l->rotate_ms;
    if (!by_size && !by_age)
        return 0;
    size_t len_name = strlen(l->path) + 64;
    char *name = malloc(len_name);
    if (!name)
        return -ENOMEM;
    int rc = rotated_name(l, name, len_name);
    /* The finished file is complete and synced before it gets its final
     * name, so whoever picks rotated files up can take them as they are. */
    if (rc == 0 && l->sync != APPENDLOG_SYNC_NEVER && l->dirty)
        rc = sync_data(l);
    if (rc == 0 && rename(l->path, name) < 0)
        rc = -errno;
    free(name);
    if (rc < 0)
        return rc;
    int fd = open(l->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -errno;
    close(l->fd);
    l->fd = fd;
    l->size = l->synced_size = 0;
    l->sync_failed = 0;
    l->opened_ms = wall_ms();
    l->dirty = 0;
    if (l->sync != APPENDLOG_SYNC_NEVER && (rc = fsync_parent(l->path)) < 0)
        return rc;
    return 1;
}

int appendlog_write(struct appendlog *l, const char *rec, size_t len)
{
    ssize_t w = write(l->fd, rec, len);
    if (w == (ssize_t)len) {
        l->size += (off_t)len;
        l->dirty = 1;
        int rc = l->sync == APPENDLOG_SYNC_ALWAYS ? sync_data(l) : 0;
        if (rc < 0) {
            /* Not durable: take the record back, so that the retry that
             * follows appends it once. */
            l->size -= (off_t)len;
            if (ftruncate(l->fd, l->size) == 0 && l->synced_size > l->size)
                l->synced_size = l->size;
        }
        return rc;
    }
    int rc = w < 0 ? -errno : -ENOSPC;
    /* Never leave half a record behind. */
    if (w > 0 && ftruncate(l->fd, l->size) < 0)
        rc = -errno;
    return rc;
}

int appendlog_flush(struct appendlog *l, int sync)
{
    if (!sync || !l->dirty || l->sync == APPENDLOG_SYNC_NEVER)
        return 0;
    int64_t now = wall_ms();
    if (l->sync == APPENDLOG_SYNC_INTERVAL && now - l->synced_ms < l->sync_interval_ms)
        return 0;
    return sync_data(l);
}

int appendlog_stage(struct appendlog *l, const char *id, char *rec,
                    size_t len)
{
    struct appendlog_rec *g = array_grow(l->staged, &l->staged_cap,
                                         l->nstaged + 1, sizeof *g, 16);
    if (!g)
        return -ENOMEM;
    l->staged = g;
    struct appendlog_rec *r = &l->staged[l->nstaged++];
    snprintf(r->id, sizeof r->id, "%s", id);
    r->confirmed = 0;
    r->len = len;
    r->rec = rec;
    return 0;
}

static struct appendlog_rec *find_staged(const struct appendlog *l,
                                         const char *id, int confirmed)
{
    for (size_t i = 0; i < l->nstaged; i++)
        if (l->staged[i].confirmed == confirmed && !strcmp(l->staged[i].id, id))
            return &l->staged[i];
    return NULL;
}

int appendlog_unstage(struct appendlog *l, const char *id)
{
    struct appendlog_rec *r = find_staged(l, id, 0);
    if (!r)
        r = find_staged(l, id, 1);
    if (!r)
        return 0;
    free(r->rec);
    size_t i = (size_t)(r - l->staged);
    memmove(r, r + 1, (l->nstaged - i - 1) * sizeof *r);
    l->nstaged--;
    return 1;
}

void appendlog_confirm(struct appendlog *l, const char *id)
{
    struct appendlog_rec *r = find_staged(l, id, 0);
    if (r)
        r->confirmed = 1;
}

int appendlog_staged(const struct appendlog *l, const char *id)
{
    return find_staged(l, id, 0) || find_staged(l, id, 1);
}

long appendlog_commit(struct appendlog *l, const struct appendlog_hooks *h)
{
    size_t kept = 0;
    long written = 0;
    int failed = 0;
    for (size_t i = 0; i < l->nstaged; i++) {
        struct appendlog_rec *r = &l->staged[i];
        if (failed || !r->confirmed) {
            l->staged[kept++] = *r;
            continue;
        }
        int rc = appendlog_rotate_if_due(l, r->len);
        if (rc >= 0 && h->start && appendlog_empty(l)) {
            int started = h->start(l, rc, h->ctx);
            rc = started < 0 ? started : rc;
        }
        if (rc >= 0)
            rc = appendlog_write(l, r->rec, r->len);
        if (rc < 0) {
            failed = rc;
            l->staged[kept++] = *r;
            continue;
        }
        if (h->wrote)
            h->wrote(r->id, h->ctx);
        free(r->rec);
        written++;
    }
    l->nstaged = kept;
    return failed ? failed : written;
}

void appendlog_close(struct appendlog *l)
{
    for (size_t i = 0; i < l->nstaged; i++)
        free(l->staged[i].rec);
    free(l->staged);
    l->staged = NULL;
    l->nstaged = l->staged_cap = 0;
    if (l->fd >= 0) {
        if (l->sync != APPENDLOG_SYNC_NEVER && l->dirty)
            fdatasync(l->fd);
        close(l->fd);
    }
    l->fd = -1;
    free(l->path);
    l->path = NULL;
}
