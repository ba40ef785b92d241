/* The daemon's settings as plain values (settings.h). */
#include "settings.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

int settings_from_config(struct daemon_settings *s, const struct config *c)
{
    memset(s, 0, sizeof *s);
    s->inbox_path = strdup(config_str(c, "inbox", "path"));
    s->state = strdup(config_str(c, "inbox", "state"));
    const char *const *ignore;
    size_t nignore = config_list(c, "inbox", "ignore", &ignore);
    s->ignore = calloc(nignore + 1, sizeof *s->ignore);
    int nomem = !s->inbox_path || !s->state || !s->ignore;
    for (size_t i = 0; !nomem && i < nignore; i++)
        nomem = !(s->ignore[i] = strdup(ignore[i]));
    if (nomem) {
        settings_free(s);
        return -1;
    }
    s->max_bytes = (size_t)config_int(c, "inbox", "max_bytes");
    s->max_attempts = (unsigned)config_int(c, "inbox", "max_attempts");
    s->delete_done = !strcmp(config_str(c, "inbox", "on_success"), "delete");
    s->workers = (unsigned)config_int(c, "service", "workers");
    if (!s->workers)
        s->workers = cpu_count();
    enum durable_mode d = (enum durable_mode)config_int(c, "service", "durable");
    static const char *const durable[] = {"batch", "always", "none"};
    s->durable = durable[d];
    s->sync = d != DURABLE_NONE;
    s->max_inflight = (size_t)config_int(c, "service", "max_inflight");
    s->retry_min = config_int(c, "service", "retry_min");
    s->retry_max = config_int(c, "service", "retry_max");
    s->stop_timeout_ms = config_int(c, "service", "stop_timeout");
    const char *watch = config_str(c, "inbox", "watch");
    s->inbox = (struct inbox_settings){
        .path = s->inbox_path,
        .settle_ms = config_int(c, "inbox", "settle"),
        .settle_slow_ms = config_int(c, "inbox", "settle_slow"),
        .rescan_ms = config_int(c, "inbox", "rescan"),
        .poll_ms = config_int(c, "inbox", "poll_interval"),
        .watch = !strcmp(watch, "poll") ? INBOX_WATCH_POLL
                 : !strcmp(watch, "inotify") ? INBOX_WATCH_INOTIFY
                                             : INBOX_WATCH_AUTO,
        .ignore = (const char *const *)s->ignore,
        .nignore = nignore,
        /* Enough names to keep every worker busy through a settle period,
         * few enough that a huge backlog costs no memory. */
        .max_candidates = s->max_inflight * 4 > 4096 ? s->max_inflight * 4 : 4096,
    };
    return 0;
}

void settings_free(struct daemon_settings *s)
{
    for (size_t i = 0; s->ignore && s->ignore[i]; i++)
        free(s->ignore[i]);
    free(s->ignore);
    free(s->inbox_path);
    free(s->state);
    memset(s, 0, sizeof *s);
}
