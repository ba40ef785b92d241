/* notify.c against a fake service manager: a datagram socket bound where
 * $NOTIFY_SOCKET points (a path or an abstract name). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"

struct fake {
    int fd;
    char name[108];
    char dir[64];
};

/* Bind a datagram socket and point $NOTIFY_SOCKET at it. */
static void fake_bind(struct fake *f, int abstract)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    socklen_t len;
    f->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(f->fd >= 0);
    f->dir[0] = '\0';
    if (abstract) {
        snprintf(f->name, sizeof f->name, "@newsdesk-test-notify-%d",
                 (int)getpid());
        memcpy(a.sun_path, f->name, strlen(f->name));
        a.sun_path[0] = '\0';
        len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
                          strlen(f->name));
    } else {
        strcpy(f->dir, "/tmp/newsdesk-notify-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->name, sizeof f->name, "%s/notify", f->dir);
        strcpy(a.sun_path, f->name);
        len = sizeof a;
    }
    assert_int_equal(bind(f->fd, (struct sockaddr *)&a, len), 0);
    setenv("NOTIFY_SOCKET", f->name, 1);
}

static void fake_free(struct fake *f)
{
    close(f->fd);
    if (f->dir[0]) {
        unlink(f->name);
        rmdir(f->dir);
    }
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
}

/* The next datagram, or "" when none is waiting. */
static const char *fake_recv(struct fake *f)
{
    static char buf[512];
    ssize_t n = recv(f->fd, buf, sizeof buf - 1, MSG_DONTWAIT);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

static void sequence(int abstract)
{
    struct fake f;
    struct notifier n;
    char err[256] = "";
    fake_bind(&f, abstract);
    assert_int_equal(notify_init(&n, err, sizeof err), 0);
    assert_true(notify_enabled(&n));
    assert_int_equal(notify_ready(&n), 0);
    assert_int_equal(notify_status(&n, "3 pending, 1 in flight"), 0);
    assert_int_equal(notify_status(&n, "3 pending, 1 in flight"), 0);
    assert_int_equal(notify_status(&n, "0 pending, 0 in flight"), 0);
    assert_int_equal(notify_stopping(&n), 0);
    assert_string_equal(fake_recv(&f), "READY=1");
    assert_string_equal(fake_recv(&f), "STATUS=3 pending, 1 in flight");
    /* The repeat was not sent. */
    assert_string_equal(fake_recv(&f), "STATUS=0 pending, 0 in flight");
    assert_string_equal(fake_recv(&f), "STOPPING=1");
    assert_string_equal(fake_recv(&f), "");
    notify_close(&n);
    fake_free(&f);
}

static void path_socket(void **s) { (void)s; sequence(0); }
static void abstract_socket(void **s) { (void)s; sequence(1); }

static void reloading_carries_monotonic_time(void **s)
{
    (void)s;
    struct fake f;
    struct notifier n;
    char err[256];
    fake_bind(&f, 1);
    assert_int_equal(notify_init(&n, err, sizeof err), 0);
    notify_status(&n, "idle");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(notify_reloading(&n), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    notify_status(&n, "idle"); /* sent again after a reload */
    assert_string_equal(fake_recv(&f), "STATUS=idle");
    unsigned long long usec;
    const char *m = fake_recv(&f);
    assert_int_equal(sscanf(m, "RELOADING=1\nMONOTONIC_USEC=%llu", &usec), 1);
    unsigned long long lo = (unsigned long long)t0.tv_sec * 1000000u +
                            (unsigned long long)t0.tv_nsec / 1000u;
    unsigned long long hi = (unsigned long long)t1.tv_sec * 1000000u +
                            (unsigned long long)t1.tv_nsec / 1000u;
    assert_in_range(usec, lo, hi);
    assert_string_equal(fake_recv(&f), "STATUS=idle");
    notify_close(&n);
    fake_free(&f);
}

/* A notifier made from the environment as it is: its watchdog interval,
 * and what a ping sends (nothing when the watchdog is off). */
static void expect_watchdog(struct fake *f, uint64_t interval_ms, const char *sent)
{
    struct notifier n;
    char err[256];
    assert_int_equal(notify_init(&n, err, sizeof err), 0);
    assert_int_equal(notify_watchdog_interval_ms(&n), interval_ms);
    assert_int_equal(notify_watchdog(&n), 0);
    assert_string_equal(fake_recv(f), sent);
    notify_close(&n);
}

static void watchdog(void **s)
{
    (void)s;
    struct fake f;
    struct notifier n;
    char err[256];
    fake_bind(&f, 1);
    /* No WATCHDOG_USEC: nothing to send. */
    expect_watchdog(&f, 0, "");
    setenv("WATCHDOG_USEC", "30000000", 1);
    expect_watchdog(&f, 15000, "WATCHDOG=1");
    /* Meant for another process. */
    setenv("WATCHDOG_PID", "1", 1);
    expect_watchdog(&f, 0, "");
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    setenv("WATCHDOG_PID", pid, 1);
    expect_watchdog(&f, 15000, "WATCHDOG=1");

    setenv("WATCHDOG_USEC", "soon", 1);
    assert_int_equal(notify_init(&n, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "WATCHDOG_USEC=\"soon\""));
    notify_close(&n);
    fake_free(&f);
}

static void without_socket_nothing_happens(void **s)
{
    (void)s;
    struct notifier n;
    char err[256];
    unsetenv("NOTIFY_SOCKET");
    assert_int_equal(notify_init(&n, err, sizeof err), 0);
    assert_false(notify_enabled(&n));
    assert_int_equal(notify_ready(&n), 0);
    assert_int_equal(notify_status(&n, "x"), 0);
    assert_int_equal(notify_stopping(&n), 0);
    notify_close(&n);
}

static void bad_addresses_are_refused(void **s)
{
    (void)s;
    struct notifier n;
    char err[256];
    setenv("NOTIFY_SOCKET", "relative/notify", 1);
    assert_int_equal(notify_init(&n, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "absolute path or @abstract-name"));
    char longname[200];
    memset(longname, 'x', sizeof longname - 1);
    longname[0] = '/';
    longname[sizeof longname - 1] = '\0';
    setenv("NOTIFY_SOCKET", longname, 1);
    assert_int_equal(notify_init(&n, err, sizeof err), -ENAMETOOLONG);
    /* A socket nobody listens on: the error comes back, nothing crashes. */
    setenv("NOTIFY_SOCKET", "/nonexistent/newsdesk/notify", 1);
    assert_int_equal(notify_init(&n, err, sizeof err), 0);
    assert_int_equal(notify_ready(&n), -ENOENT);
    notify_close(&n);
    unsetenv("NOTIFY_SOCKET");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(path_socket),
        cmocka_unit_test(abstract_socket),
        cmocka_unit_test(reloading_carries_monotonic_time),
        cmocka_unit_test(watchdog),
        cmocka_unit_test(without_socket_nothing_happens),
        cmocka_unit_test(bad_addresses_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
