/* The daemon's settings as plain values (settings.h). */
#include "settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The consumer's name: stream.consumer, else host name and process id
 * (unique among the daemons alive; a restarted worker is a new consumer,
 * and the entries the old one held are taken over after claim_idle). */
static char *consumer_name(const char *configured)
{
    if (*configured)
        return strdup(configured);
    char host[256] = "", *name;
    if (gethostname(host, sizeof host - 1) < 0)
        snprintf(host, sizeof host, "newsdesk");
    if (asprintf(&name, "%s-%ld", host, (long)getpid()) < 0)
        return NULL;
    return name;
}

static int stream_from_config(struct stream_settings *s, const struct config *c)
{
    if (!c->has_stream)
        return 0;
    s->role = !strcmp(config_str(c, "stream", "role"), "forward")
                  ? STREAM_FORWARD : STREAM_WORK;
    s->url = strdup(config_str(c, "stream", "url"));
    s->key = strdup(config_str(c, "stream", "key"));
    s->group = strdup(config_str(c, "stream", "group"));
    s->consumer = consumer_name(config_str(c, "stream", "consumer"));
    s->claim_idle_ms = config_int(c, "stream", "claim_idle");
    s->timeout_ms = config_int(c, "stream", "timeout");
    s->max_backlog = (uint64_t)config_int(c, "stream", "max_backlog");
    return s->url && s->key && s->group && s->consumer ? 0 : -1;
}

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
    if (nomem || stream_from_config(&s->stream, c) < 0) {
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
    free(s->stream.url);
    free(s->stream.key);
    free(s->stream.group);
    free(s->stream.consumer);
    memset(s, 0, sizeof *s);
}
