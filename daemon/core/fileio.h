/* Small file helpers shared by the commands and the inbox. */
#ifndef ND_FILEIO_H
#define ND_FILEIO_H

#include <stddef.h>
#include <stdint.h>

/* Read all of fd into a new buffer (*out, malloc'd, NUL-terminated past
 * *len). Returns 0, -EFBIG when there is more than `max` bytes (nothing is
 * kept), or another negative errno. */
int read_all(int fd, size_t max, uint8_t **out, size_t *len);

/* Write all of buf to fd, retrying short writes. Returns 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);

/* fsync a directory by path. Returns 0 or -errno. */
int fsync_dir(const char *path);

/* Create a directory and its parents (mode 0755 for new ones). Returns 0
 * or -errno. */
int mkdir_p(const char *path);

#endif
