/* lib/base/io: whole reads and writes. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/io.h"

/* A temporary file holding n bytes of a known pattern; returns its fd
 * (open for reading and writing, the name already removed). */
static int pattern_file(size_t n)
{
    char path[] = "/tmp/newsdesk-test-io-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    for (size_t i = 0; i < n; i++) {
        char c = (char)('a' + i % 26);
        assert_int_equal(write(fd, &c, 1), 1);
    }
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

static void assert_pattern(const uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(buf[i], 'a' + i % 26);
    assert_int_equal(buf[n], '\0');
}

static void reads_a_file_whole(void **st)
{
    (void)st;
    size_t sizes[] = {0, 1, 4475, 65536, 200000};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        int fd = pattern_file(sizes[k]);
        uint8_t *buf;
        size_t len;
        assert_int_equal(read_all(fd, 1 << 20, &buf, &len), 0);
        assert_int_equal(len, sizes[k]);
        assert_pattern(buf, len);
        free(buf);
        close(fd);
    }
}

/* The size the caller stat'ed is a hint: a file that grew or shrank since
 * is still read to its end. */
static void a_stale_size_still_reads_to_the_end(void **st)
{
    (void)st;
    int fd = pattern_file(1000);
    struct stat s;
    assert_int_equal(fstat(fd, &s), 0);
    /* It grows after the stat. */
    assert_int_equal(lseek(fd, 0, SEEK_END), 1000);
    for (size_t i = 1000; i < 3000; i++) {
        char c = (char)('a' + i % 26);
        assert_int_equal(write(fd, &c, 1), 1);
    }
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    uint8_t *buf;
    size_t len;
    assert_int_equal(read_all_stat(fd, &s, 1 << 20, &buf, &len), 0);
    assert_int_equal(len, 3000);
    assert_pattern(buf, len);
    free(buf);
    /* It shrinks after the stat. */
    assert_int_equal(fstat(fd, &s), 0);
    assert_int_equal(ftruncate(fd, 10), 0);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    assert_int_equal(read_all_stat(fd, &s, 1 << 20, &buf, &len), 0);
    assert_int_equal(len, 10);
    assert_pattern(buf, len);
    free(buf);
    close(fd);
}

static void refuses_past_max(void **st)
{
    (void)st;
    int fd = pattern_file(5000);
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(read_all(fd, 4999, &buf, &len), -EFBIG);
    assert_null(buf);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    assert_int_equal(read_all(fd, 5000, &buf, &len), 0);
    assert_int_equal(len, 5000);
    free(buf);
    /* Without a stat, the limit is found by reading. */
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    assert_int_equal(read_all_stat(fd, NULL, 4999, &buf, &len), -EFBIG);
    close(fd);
}

struct drain {
    int fd;
    size_t got;
    int ok;
};

/* Reads a pipe to its end, checking the pattern. */
static void *drainer(void *arg)
{
    struct drain *d = arg;
    char chunk[1000];
    ssize_t r;
    d->ok = 1;
    while ((r = read(d->fd, chunk, sizeof chunk)) > 0) {
        for (ssize_t i = 0; i < r; i++)
            if (chunk[i] != (char)('a' + (d->got + (size_t)i) % 26))
                d->ok = 0;
        d->got += (size_t)r;
        usleep(100); /* slow: the writer meets a full pipe */
    }
    return NULL;
}

/* Buffers larger than the pipe come through whole and in order, the
 * writes that were cut short being taken up where they stopped. */
static void writes_every_buffer_through_short_writes(void **st)
{
    (void)st;
    int p[2];
    assert_int_equal(pipe(p), 0);
    fcntl(p[1], F_SETPIPE_SZ, 4096);
    size_t sizes[] = {3, 70000, 1, 0, 12345};
    char *bufs[5];
    struct iovec iov[5];
    size_t total = 0;
    for (size_t k = 0; k < 5; k++) {
        bufs[k] = malloc(sizes[k] + 1);
        for (size_t i = 0; i < sizes[k]; i++)
            bufs[k][i] = (char)('a' + (total + i) % 26);
        iov[k] = (struct iovec){bufs[k], sizes[k]};
        total += sizes[k];
    }
    struct drain d = {p[0], 0, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, drainer, &d), 0);
    assert_int_equal(writev_all(p[1], iov, 5), 0);
    close(p[1]);
    pthread_join(t, NULL);
    close(p[0]);
    assert_int_equal(d.got, total);
    assert_true(d.ok);
    for (size_t k = 0; k < 5; k++)
        free(bufs[k]);
}

static void a_write_error_is_returned(void **st)
{
    (void)st;
    int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        skip();
    struct iovec iov[2] = {{"line", 4}, {"\n", 1}};
    assert_int_equal(writev_all(fd, iov, 2), -ENOSPC);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_a_file_whole),
        cmocka_unit_test(a_stale_size_still_reads_to_the_end),
        cmocka_unit_test(refuses_past_max),
        cmocka_unit_test(writes_every_buffer_through_short_writes),
        cmocka_unit_test(a_write_error_is_returned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
