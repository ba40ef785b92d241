/* File helpers: whole reads and writes, folders, durable names. */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

int read_all(int fd, size_t max, uint8_t **out, size_t *len)
{
    struct stat st;
    return read_all_stat(fd, fstat(fd, &st) == 0 ? &st : NULL, max, out, len);
}

int read_all_stat(int fd, const struct stat *st, size_t max, uint8_t **out,
                  size_t *len)
{
    size_t cap = 65536;
    /* A regular file's size is what there is to read: a read that comes
     * back short once that much is in has met the end, and the read that
     * would say so (0) is spared. A file still growing is read to where
     * its end was then, as it would be a moment earlier. */
    size_t size = (size_t)-1;
    if (st && S_ISREG(st->st_mode)) {
        if ((uint64_t)st->st_size > max)
            return -EFBIG;
        size = (size_t)st->st_size;
        cap = size + 1;
    }
    uint8_t *buf = malloc(cap + 1);
    if (!buf)
        return -ENOMEM;
    size_t n = 0;
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                free(buf);
                return -EFBIG;
            }
            size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            uint8_t *g = realloc(buf, ncap + 1);
            if (!g) {
                free(buf);
                return -ENOMEM;
            }
            buf = g, cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            return -e;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > max) {
            free(buf);
            return -EFBIG;
        }
        if (n >= size && n < cap)
            break;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int writev_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t w = writev(fd, iov, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        size_t done = (size_t)w;
        while (n > 0 && done >= iov->iov_len) {
            done -= iov->iov_len;
            iov++, n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + done;
            iov->iov_len -= done;
        }
    }
    return 0;
}

int fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = fsync(fd) < 0 ? -errno : 0;
    close(fd);
    return rc;
}

int fsync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path))
                      : strdup(".");
    if (!dir)
        return -ENOMEM;
    int rc = fsync_dir(dir);
    free(dir);
    return rc;
}

int mkdir_parents(const char *path)
{
    char *p = strdup(path);
    if (!p)
        return -ENOMEM;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        int rc = mkdir(p, 0755) < 0 && errno != EEXIST ? -errno : 0;
        *s = '/';
        if (rc < 0) {
            free(p);
            return rc;
        }
    }
    free(p);
    return 0;
}

int mkdir_p(const char *path)
{
    int rc = mkdir_parents(path);
    if (rc < 0)
        return rc;
    if (mkdir(path, 0755) < 0 && errno != EEXIST)
        return -errno;
    struct stat st;
    if (stat(path, &st) < 0)
        return -errno;
    return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}
