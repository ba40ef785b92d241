/* `newsdesk status`: ask the running daemon, over the HTTP interface of
 * its configuration (service.http), for /status and print it for a
 * person (or as it came with --json). */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "addr.h"
#include "http.h"
#include "chain.h"

#define STATUS_TIMEOUT_S 5

static const char usage[] =
    "usage: newsdesk status [-c FILE] [--json]\n"
    "\n"
    "Ask the running daemon how it is doing, over the HTTP interface of the\n"
    "configuration (service.http, GET /status), and print it for a person.\n"
    "\n"
    HELP_CONFIG
    "      --json          print the status document as the daemon sent it\n"
    HELP_HELP
    "\n"
    "Exit status: 0 healthy, 1 not healthy or not reachable, 2 usage error,\n"
    "78 configuration error.\n";

/* GET `path` from addr; the response (malloc'd, NUL-terminated) in *out.
 * Returns 0 or -1 with the reason in err. */
static int http_get(const char *addr, const char *path, char **out, char *err,
                    size_t errlen)
{
    struct sockaddr_storage ss;
    if (addr_parse(addr, &ss, err, errlen) < 0)
        return -1;
    /* A daemon listening on every address is reached on loopback. */
    if (ss.ss_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        if (in->sin_addr.s_addr == htonl(INADDR_ANY))
            in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        if (IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr))
            in6->sin6_addr = in6addr_loopback;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "cannot make a socket: %s", strerror(errno));
        return -1;
    }
    struct timeval tv = {STATUS_TIMEOUT_S, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    socklen_t len = ss.ss_family == AF_INET ? sizeof(struct sockaddr_in)
                                            : sizeof(struct sockaddr_in6);
    if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
        snprintf(err, errlen, "cannot connect to %s: %s (is the daemon "
                 "running, with this configuration?)", addr, strerror(errno));
        close(fd);
        return -1;
    }
    char req[512];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\n"
                     "Connection: close\r\n\r\n", path, addr);
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
        snprintf(err, errlen, "cannot send to %s: %s", addr, strerror(errno));
        close(fd);
        return -1;
    }
    size_t cap = 65536, got = 0;
    char *buf = malloc(cap);
    ssize_t r = 0;
    while (buf && (r = recv(fd, buf + got, cap - got - 1, 0)) > 0) {
        got += (size_t)r;
        if (got + 1 == cap) {
            char *g = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;
            if (!g) {
                free(buf);
                buf = NULL;
                errno = EFBIG;
                break;
            }
            buf = g;
            cap *= 2;
        }
    }
    int e = errno;
    close(fd);
    if (!buf || r < 0) {
        snprintf(err, errlen, "no answer from %s: %s", addr,
                 r < 0 && (e == EAGAIN || e == EWOULDBLOCK) ? "timed out"
                                                            : strerror(e));
        free(buf);
        return -1;
    }
    buf[got] = '\0';
    *out = buf;
    return 0;
}

static long long jint(json_t *o, const char *a, const char *b)
{
    json_t *v = json_object_get(o, a);
    return (long long)json_integer_value(b ? json_object_get(v, b) : v);
}

static const char *jstr(json_t *o, const char *a, const char *b)
{
    json_t *v = json_object_get(o, a);
    const char *s = json_string_value(b ? json_object_get(v, b) : v);
    return s ? s : "";
}

static void print_duration(long long s)
{
    if (s >= 86400)
        printf("%lldd %lldh", s / 86400, s % 86400 / 3600);
    else if (s >= 3600)
        printf("%lldh %lldm", s / 3600, s % 3600 / 60);
    else if (s >= 60)
        printf("%lldm %llds", s / 60, s % 60);
    else
        printf("%llds", s);
}

/* An idle time, short: "350ms", "4.2s", "3m 10s", "2h 5m". */
static const char *short_ms(long long ms, char *out, size_t len)
{
    long long s = ms / 1000;
    if (ms < 1000)
        snprintf(out, len, "%lldms", ms);
    else if (ms < 60000)
        snprintf(out, len, "%.1fs", (double)ms / 1000);
    else if (s < 3600)
        snprintf(out, len, "%lldm %llds", s / 60, s % 60);
    else
        snprintf(out, len, "%lldh %lldm", s / 3600, s % 3600 / 60);
    return out;
}

/* The scale-out part: the stream, the group and its consumers. */
static void print_stream(json_t *s)
{
    printf("stream:     %s %s, group %s on %s, as %s%s\n", jstr(s, "role", NULL),
           jstr(s, "key", NULL), jstr(s, "group", NULL), jstr(s, "url", NULL),
           jstr(s, "consumer", NULL),
           json_is_true(json_object_get(s, "paused")) ? " (not claiming now)"
                                                      : "");
    if (!json_is_true(json_object_get(s, "figures_known"))) {
        printf("            no figures from Redis yet\n");
        return;
    }
    printf("            %lld entries, %lld not delivered yet (lag), %lld "
           "pending, %lld dead letters; round trip %.2f ms\n",
           jint(s, "length", NULL), jint(s, "lag", NULL),
           jint(s, "pending", NULL), jint(s, "dead_letters", NULL),
           json_number_value(json_object_get(s, "rtt_ms")));
    printf("            this daemon: %lld added, %lld taken over, %lld "
           "dead-lettered\n", jint(s, "added", NULL),
           jint(s, "reclaimed", NULL), jint(s, "dead_lettered", NULL));
    json_t *cs = json_object_get(s, "consumers");
    long long total = jint(s, "consumers_total", NULL);
    printf("consumers:  %lld in the group%s\n", total,
           (size_t)total > json_array_size(cs) ? " (the first shown)" : "");
    if (!json_array_size(cs))
        return;
    printf("  %-40s %10s %10s\n", "consumer", "pending", "idle");
    size_t i;
    json_t *c;
    json_array_foreach(cs, i, c) {
        char idle[32];
        printf("  %-40s %10lld %10s\n", jstr(c, "name", NULL),
               jint(c, "pending", NULL),
               short_ms(jint(c, "idle_ms", NULL), idle, sizeof idle));
    }
}

/* "1 rescan", "3 rescans". */
static void print_count(long long n, const char *one, const char *many)
{
    printf("%lld %s", n, n == 1 ? one : many);
}

/* Files and documents finished per second, and the backlog (files
 * waiting or in flight) with how long it will take at that rate. */
static void print_rate(json_t *j)
{
    json_t *rate = json_object_get(j, "rate");
    double window = json_number_value(json_object_get(rate, "window_s"));
    json_t *drain = json_object_get(rate, "drain_s");
    double eta = json_number_value(drain);
    long long backlog = jint(j, "inbox", "pending") + jint(j, "inbox", "inflight");
    if (window > 0) {
        printf("rate:       %.1f files/s, %.1f documents/s over the last ",
               json_number_value(json_object_get(rate, "files_per_s")),
               json_number_value(json_object_get(rate, "documents_per_s")));
        print_duration((long long)(window + 0.5));
    } else {
        printf("rate:       not measured yet");
    }
    printf("\nbacklog:    ");
    print_count(backlog, "file", "files");
    if (!backlog || window <= 0) {
        printf("\n");
    } else if (!json_is_number(drain)) {
        printf(", no estimate: none finished lately\n");
    } else if (eta < 1) {
        printf(", done in under a second at this rate\n");
    } else {
        printf(", done in about ");
        print_duration((long long)(eta + 0.5));
        printf(" at this rate\n");
    }
}

static void print_status(json_t *j)
{
    printf("newsdesk %s, pid %lld: %s since %s (up ", jstr(j, "version", NULL),
           jint(j, "pid", NULL), jstr(j, "state", NULL),
           jstr(j, "started", NULL));
    print_duration(jint(j, "uptime_s", NULL));
    printf(")\n");
    printf("health:     %s\n", jstr(j, "health", "reason"));
    printf("config:     %s\n", json_is_string(json_object_get(j, "config"))
                                   ? jstr(j, "config", NULL)
                                   : "(built-in defaults)");
    if (*jstr(j, "directory", NULL))
        printf("directory:  %s (the daemon's current directory: its "
               "relative paths lead from here)\n", jstr(j, "directory", NULL));
    printf("inbox:      %lld pending, %lld in flight", jint(j, "inbox", "pending"),
           jint(j, "inbox", "inflight"));
    if (*jstr(j, "watch", NULL))
        printf(" (watched by %s)", jstr(j, "watch", NULL));
    printf("\n");
    printf("files:      %lld claimed, %lld done, %lld failed, ",
           jint(j, "files", "claimed"), jint(j, "files", "done"),
           jint(j, "files", "failed"));
    print_count(jint(j, "files", "retried"), "retry", "retries");
    printf("\ndocuments:  %lld done, %lld failed\n",
           jint(j, "documents", "done"), jint(j, "documents", "failed"));
    print_rate(j);
    printf("scans:      ");
    print_count(jint(j, "rescans", NULL), "rescan", "rescans");
    printf(", ");
    print_count(jint(j, "overflows", NULL), "overflow", "overflows");
    printf("\n");
    long long reloads = jint(j, "reload", "count");
    printf("reloads:    %lld", reloads);
    if (reloads)
        printf(" (%lld failed), last at %s", jint(j, "reload", "failures"),
               jstr(j, "reload", "last"));
    printf("\n");
    if (*jstr(j, "reload", "last_error"))
        printf("            the last reload FAILED, the previous configuration "
               "is still running:\n            %s\n",
               jstr(j, "reload", "last_error"));
    if (json_is_object(json_object_get(j, "stream")))
        print_stream(json_object_get(j, "stream"));
    json_t *steps = json_object_get(j, "pipeline");
    if (!json_array_size(steps))
        return;
    printf("pipeline:\n  %-14s %-12s %10s %8s %8s %8s %10s\n", "step", "plugin",
           "ok", "skipped", "failed", "retried", "mean");
    size_t i;
    json_t *s;
    json_array_foreach(steps, i, s) {
        double mean = json_number_value(json_object_get(s, "mean_us"));
        char m[32];
        if (mean >= 10000)
            snprintf(m, sizeof m, "%.1f ms", mean / 1000);
        else
            snprintf(m, sizeof m, "%.0f us", mean);
        printf("  %-14s %-12s %10lld %8lld %8lld %8lld %10s\n",
               jstr(s, "step", NULL), jstr(s, "plugin", NULL),
               jint(s, "ok", NULL), jint(s, "skipped", NULL),
               jint(s, "failed", NULL), jint(s, "retried", NULL), m);
    }
}

int cmd_status(int argc, char **argv)
{
    const char *config = NULL;
    int as_json = 0;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(usage, stdout);
            return 0;
        }
        if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) &&
            i + 1 < argc)
            config = argv[++i];
        else if (!strcmp(argv[i], "--json"))
            as_json = 1;
        else {
            fputs(usage, stderr);
            return EXIT_USAGE;
        }
    }
    /* Only service.http matters here; the rest is `check`'s business. */
    const char *file = config_find(config);
    if (file && access(file, R_OK) < 0) {
        fprintf(stderr, "newsdesk: %s: cannot read the configuration file: "
                "%s\n", file, strerror(errno));
        return EXIT_CONFIG;
    }
    /* A file with errors may well be on disk while the daemon runs the
     * previous one (a failed reload): that is when status matters most. */
    struct errlist errs = {0}, warns = {0};
    struct chain *p;
    chain_load(&p, file, &errs, &warns);
    errs_free(&warns);
    errs_free(&errs);
    char *addr = strdup(chain_config(p)->service ? config_str(chain_config(p), "service", "http")
                                       : "127.0.0.1:9321");
    chain_free(p);
    if (!addr)
        return 1;
    if (!*addr) {
        fprintf(stderr, "newsdesk: the daemon's HTTP interface is off "
                "(service.http is \"\" in %s): there is no status to read\n",
                file ? file : "the built-in defaults");
        free(addr);
        return 1;
    }
    char *resp = NULL, err[512];
    if (http_get(addr, "/status", &resp, err, sizeof err) < 0) {
        fprintf(stderr, "newsdesk: %s\n", err);
        free(addr);
        return 1;
    }
    int code = 0;
    const char *body = strstr(resp, "\r\n\r\n");
    json_t *j = NULL;
    if (sscanf(resp, "HTTP/1.%*d %d", &code) == 1 && code == 200 && body)
        j = json_loads(body + 4, 0, NULL);
    if (!j || !json_is_object(json_object_get(j, "health"))) {
        fprintf(stderr, "newsdesk: %s answered /status with something other "
                "than a newsdesk status (HTTP status %d); is another program "
                "on that port?\n", addr, code);
        json_decref(j);
        free(resp);
        free(addr);
        return 1;
    }
    if (as_json)
        fputs(body + 4, stdout), putchar('\n');
    else
        print_status(j);
    int healthy = json_is_true(json_object_get(json_object_get(j, "health"),
                                               "ok"));
    json_decref(j);
    free(resp);
    free(addr);
    return healthy ? 0 : 1;
}
