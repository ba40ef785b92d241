/* The service manager's notification protocol (sd_notify): datagrams to
 * $NOTIFY_SOCKET. See notify.h. */
#include "notify.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int notify_init(struct notifier *n, char *err, size_t errlen)
{
    memset(n, 0, sizeof *n);
    n->fd = -1;
    const char *sock = getenv("NOTIFY_SOCKET");
    if (!sock || !*sock)
        return 0;
    size_t len = strlen(sock);
    if (sock[0] != '/' && sock[0] != '@') {
        snprintf(err, errlen, "NOTIFY_SOCKET=\"%s\": expected an absolute "
                 "path or @abstract-name", sock);
        return -EINVAL;
    }
    if (len >= sizeof n->addr.sun_path) {
        snprintf(err, errlen, "NOTIFY_SOCKET is %zu bytes long; at most %zu "
                 "fit in a socket address", len, sizeof n->addr.sun_path - 1);
        return -ENAMETOOLONG;
    }
    n->addr.sun_family = AF_UNIX;
    memcpy(n->addr.sun_path, sock, len);
    /* An abstract name starts with a NUL byte and has no terminating one:
     * its length is part of the name. */
    if (sock[0] == '@')
        n->addr.sun_path[0] = '\0';
    n->addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
                             (sock[0] == '/'));

    const char *usec = getenv("WATCHDOG_USEC");
    const char *pid = getenv("WATCHDOG_PID");
    if (usec && *usec && (!pid || !*pid || atol(pid) == (long)getpid())) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(usec, &end, 10);
        if (errno || *end || v == 0 || usec[0] == '-') {
            snprintf(err, errlen, "WATCHDOG_USEC=\"%s\": expected a positive "
                     "number of microseconds", usec);
            return -EINVAL;
        }
        n->watchdog_usec = v;
    }

    n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (n->fd < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot make a socket for NOTIFY_SOCKET: %s",
                 strerror(e));
        return -e;
    }
    return 0;
}

void notify_close(struct notifier *n)
{
    if (n->fd >= 0)
        close(n->fd);
    n->fd = -1;
}

int notify_enabled(const struct notifier *n) { return n->fd >= 0; }

int notify_send(struct notifier *n, const char *msg)
{
    if (n->fd < 0)
        return 0;
    ssize_t w = sendto(n->fd, msg, strlen(msg), MSG_NOSIGNAL,
                       (const struct sockaddr *)&n->addr, n->addrlen);
    return w < 0 ? -errno : 0;
}

int notify_ready(struct notifier *n) { return notify_send(n, "READY=1"); }

int notify_status(struct notifier *n, const char *text)
{
    if (n->fd < 0 || !strcmp(text, n->last_status))
        return 0;
    char msg[sizeof n->last_status + 8];
    snprintf(msg, sizeof msg, "STATUS=%s", text);
    int rc = notify_send(n, msg);
    if (rc == 0)
        snprintf(n->last_status, sizeof n->last_status, "%s", text);
    return rc;
}

int notify_watchdog(struct notifier *n)
{
    return n->watchdog_usec ? notify_send(n, "WATCHDOG=1") : 0;
}

int notify_reloading(struct notifier *n)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    char msg[64];
    snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
             (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
    /* After a reload the status is worth sending again even if unchanged. */
    n->last_status[0] = '\0';
    return notify_send(n, msg);
}

int notify_stopping(struct notifier *n) { return notify_send(n, "STOPPING=1"); }

uint64_t notify_watchdog_interval_ms(const struct notifier *n)
{
    if (!n->watchdog_usec)
        return 0;
    uint64_t ms = n->watchdog_usec / 2000u;
    return ms ? ms : 1;
}
