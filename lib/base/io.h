/* File helpers: reading and writing whole buffers, creating folders, and
 * making names durable. Every function returns 0 or a negative errno and
 * leaves errno alone as a result; none of them logs. */
#ifndef ND_BASE_IO_H
#define ND_BASE_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/uio.h>

/* Read all of fd into a new buffer (*out, malloc'd, NUL-terminated past
 * *len). Returns 0, -EFBIG when there is more than `max` bytes (nothing is
 * kept), or another negative errno. */
int read_all(int fd, size_t max, uint8_t **out, size_t *len);

/* read_all of a file the caller has already fstat'ed into *st (NULL: its
 * size is not known). */
int read_all_stat(int fd, const struct stat *st, size_t max, uint8_t **out,
                  size_t *len);

/* Write all of buf to fd, retrying short writes and EINTR. Returns 0 or
 * -errno; after a failure an unknown part of buf may have been written. */
int write_all(int fd, const void *buf, size_t len);

/* Write the n buffers of iov to fd in as few writev calls as it takes
 * (one, but for short writes and EINTR). iov is used up in the process.
 * Returns 0 or -errno, as write_all. */
int writev_all(int fd, struct iovec *iov, int n);

/* fsync a directory by path. Returns 0 or -errno. */
int fsync_dir(const char *path);

/* fsync the directory holding `path` (".": the current one), so that a
 * file created or renamed there survives a power cut. Returns 0 or
 * -errno. */
int fsync_parent(const char *path);

/* Create a directory and its parents (mode 0755 for new ones). Returns 0,
 * -ENOTDIR when `path` exists and is not a directory, or another -errno. */
int mkdir_p(const char *path);

/* Create the directories above `path`, not `path` itself (mode 0755 for
 * new ones): the folder of a file about to be created. Returns 0 or
 * -errno. */
int mkdir_parents(const char *path);

#endif
