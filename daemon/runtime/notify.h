/* The service manager's notification protocol (sd_notify): datagrams such
 * as "READY=1" to the socket named by $NOTIFY_SOCKET. Without that
 * variable every call is a no-op, so the daemon calls them unconditionally.
 * Written in-tree: a datagram is all it takes, and libsystemd would be one
 * more dependency for it. */
#ifndef ND_NOTIFY_H
#define ND_NOTIFY_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

struct notifier {
    int fd;                   /* -1: no service manager to tell */
    struct sockaddr_un addr;
    socklen_t addrlen;
    uint64_t watchdog_usec;   /* 0: no watchdog asked for */
    char last_status[256];    /* the STATUS= last sent, to skip repeats */
};

/* Read $NOTIFY_SOCKET ("/path" or "@abstract") and $WATCHDOG_USEC (only
 * when $WATCHDOG_PID is unset or this process). Returns 0, also when there
 * is no socket (n is then inert), or a negative errno with the reason in
 * err when the variable is malformed or the socket cannot be made. */
int notify_init(struct notifier *n, char *err, size_t errlen);
void notify_close(struct notifier *n);

/* Nonzero when a service manager listens. */
int notify_enabled(const struct notifier *n);

/* Send one message (lines "KEY=value" separated by \n). Returns 0 (also
 * when disabled) or a negative errno. */
int notify_send(struct notifier *n, const char *msg);

/* READY=1: config, plugins and folders checked, watch added. */
int notify_ready(struct notifier *n);
/* STATUS=text, unless it is the same text as last time. */
int notify_status(struct notifier *n, const char *text);
/* WATCHDOG=1; a no-op when no watchdog was asked for. */
int notify_watchdog(struct notifier *n);
/* RELOADING=1 with MONOTONIC_USEC=now, as Type=notify-reload expects;
 * follow with notify_ready when the reload is over. */
int notify_reloading(struct notifier *n);
/* STOPPING=1. */
int notify_stopping(struct notifier *n);

/* How often to send WATCHDOG=1: half the manager's timeout, in ms; 0 when
 * no watchdog was asked for. */
uint64_t notify_watchdog_interval_ms(const struct notifier *n);

#endif
