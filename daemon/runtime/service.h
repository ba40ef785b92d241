/* The daemon as a system service, beside the loop of daemon.c: telling
 * systemd how it is doing (READY, STATUS, WATCHDOG, RELOADING, STOPPING),
 * serving /metrics, /health and /status, and reloading the configuration
 * on SIGHUP. It reads the daemon's state on the loop thread and changes
 * it only through daemon_reload. */
#ifndef ND_SERVICE_H
#define ND_SERVICE_H

#include <uv.h>

#include "daemon.h"
#include "http.h"
#include "metrics.h"
#include "notify.h"
#include "rate.h"

struct service {
    uv_loop_t *loop;
    struct daemon *dm;        /* NULL until service_ready */
    char *config_file;        /* what a reload reads again; NULL: defaults */
    char *directory;          /* the current directory at start; NULL: unknown */
    struct notifier notify;
    struct http_server *http; /* NULL while not listening */
    char *http_addr;          /* service.http, or NULL: off */
    uv_timer_t http_timer;    /* listening again after a failure */
    int http_timer_open;
    struct service_stats stats;
    struct service_view view;
    struct step_stats *steps; /* the view's copy of the chain's counters */
    size_t steps_cap;
    struct rate files_rate, docs_rate; /* finished, sampled every second */
    uv_timer_t status_timer, watchdog_timer;
    uv_signal_t sighup, sigterm, sigint;
    int started;              /* the handles above are initialised */
    int reloading;            /* a new pipeline is being built */
    int reload_again;         /* SIGHUP during a reload */
};

/* Before the daemon starts: open the notification socket and start
 * listening on service.http of the chain's configuration (answering 503 "starting"
 * until service_ready; an address in use is logged and tried again
 * later). Returns 0, or -1 with the reason in err (out of memory). */
int service_init(struct service *sv, uv_loop_t *loop, const char *config_file,
                 const struct chain *chain, char *err, size_t errlen);

/* The daemon has checked its folders and added its watch: send READY=1
 * and start the status and watchdog timers and the signal handlers. */
void service_ready(struct service *sv, struct daemon *dm);

/* After uv_run has returned: close what is left (run the loop once more
 * to finish closing). Safe after a failed service_init. */
void service_close(struct service *sv);

/* Refresh the figures from the daemon (loop thread). */
void service_refresh(struct service *sv);

#endif
