/* Talking to Redis: URLs, connecting, one command at a time (redis.h). */
#include "redis.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Copy the n bytes at s into out (of size len), decoding %XX. Returns 0,
 * -EINVAL for a % not followed by two hexadecimal digits, -ENAMETOOLONG
 * when it does not fit. */
static int copy_part(char *out, size_t len, const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            int hi = i + 2 < n ? hex_digit(s[i + 1]) : -1;
            int lo = i + 2 < n ? hex_digit(s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return -EINVAL;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (k + 1 >= len)
            return -ENAMETOOLONG;
        out[k++] = c;
    }
    out[k] = '\0';
    return 0;
}

/* Say why a user name or password could not be copied (never itself). */
static void part_error(int rc, const char *what, char *err, size_t errlen)
{
    if (rc == -EINVAL)
        snprintf(err, errlen, "the %s has a %% that is not followed by two "
                 "hexadecimal digits (write %%25 for a %%)", what);
    else
        snprintf(err, errlen, "the %s is too long", what);
}

/* USER:PASSWORD@ at the start of s, if any, into u; *rest gets where the
 * rest starts. Returns 0, or -EINVAL with why in err. */
static int userinfo(const char *s, struct redis_url *u, const char **rest,
                    char *err, size_t errlen)
{
    const char *at = NULL;
    *rest = s;
    for (const char *p = s; *p && *p != '/' && *p != '?'; p++)
        if (*p == '@')
            at = p;
    if (s[0] == '/' || !at)
        return 0;
    const char *colon = memchr(s, ':', (size_t)(at - s));
    const char *user_end = colon ? colon : at;
    int rc = copy_part(u->user, sizeof u->user, s, (size_t)(user_end - s));
    if (rc < 0) {
        part_error(rc, "user name", err, errlen);
        return -EINVAL;
    }
    if (colon) {
        rc = copy_part(u->password, sizeof u->password, colon + 1,
                       (size_t)(at - colon - 1));
        if (rc < 0) {
            part_error(rc, "password", err, errlen);
            return -EINVAL;
        }
    }
    *rest = at + 1;
    return 0;
}

static int parse_db(const char *s, int *db)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || (*end && *end != '&') || v < 0 || v > 1000000)
        return -EINVAL;
    *db = (int)v;
    return 0;
}

/* unix:// queries: db=N and password=P. */
static int unix_query(const char *q, struct redis_url *u, char *err,
                      size_t errlen)
{
    while (q && *q) {
        const char *amp = strchr(q, '&');
        size_t n = amp ? (size_t)(amp - q) : strlen(q);
        if (!strncmp(q, "db=", 3)) {
            if (parse_db(q + 3, &u->db) < 0) {
                snprintf(err, errlen, "db= takes a database number");
                return -EINVAL;
            }
        } else if (!strncmp(q, "password=", 9)) {
            int rc = copy_part(u->password, sizeof u->password, q + 9, n - 9);
            if (rc < 0) {
                part_error(rc, "password", err, errlen);
                return -EINVAL;
            }
        } else {
            snprintf(err, errlen, "unknown parameter (a unix:// URL takes "
                     "db= and password=)");
            return -EINVAL;
        }
        q = amp ? amp + 1 : NULL;
    }
    return 0;
}

/* unix://'s part after the user information: /PATH[?QUERY]. */
static int unix_part(const char *s, struct redis_url *u, char *err,
                     size_t errlen)
{
    const char *q = strchr(s, '?');
    size_t n = q ? (size_t)(q - s) : strlen(s);
    if (s[0] != '/' || n < 2 || n >= sizeof u->path) {
        snprintf(err, errlen, "a unix:// URL names the socket by its "
                 "absolute path (unix:///run/redis/redis.sock), of at "
                 "most %zu bytes", sizeof u->path - 1);
        return -EINVAL;
    }
    memcpy(u->path, s, n);
    u->path[n] = '\0';
    return unix_query(q ? q + 1 : NULL, u, err, errlen);
}

/* redis://'s part after the user information: HOST[:PORT][/DB], the
 * host possibly an IPv6 address in brackets. */
static int tcp_part(const char *s, struct redis_url *u, char *err,
                    size_t errlen)
{
    size_t hn;
    const char *rest;
    if (s[0] == '[') { /* [::1]:6379 */
        const char *close = strchr(s, ']');
        if (!close) {
            snprintf(err, errlen, "an IPv6 address has no closing ]");
            return -EINVAL;
        }
        hn = (size_t)(close - s - 1);
        if (hn >= sizeof u->host)
            hn = 0;
        memcpy(u->host, s + 1, hn);
        rest = close + 1;
    } else {
        hn = strcspn(s, ":/?");
        if (hn >= sizeof u->host)
            hn = 0;
        memcpy(u->host, s, hn);
        rest = s + strcspn(s, ":/?");
    }
    u->host[hn] = '\0';
    if (!hn) {
        snprintf(err, errlen, "there is no host name (redis://HOST:PORT/DB)");
        return -EINVAL;
    }
    if (*rest == ':') {
        char *end;
        long port = strtol(rest + 1, &end, 10);
        if (end == rest + 1 || port < 1 || port > 65535 ||
            (*end && *end != '/')) {
            snprintf(err, errlen, "the port is not a number from 1 to 65535");
            return -EINVAL;
        }
        u->port = (int)port;
        rest = end;
    }
    if (*rest == '/' && rest[1] && parse_db(rest + 1, &u->db) < 0) {
        snprintf(err, errlen, "the path is the database number (/0)");
        return -EINVAL;
    }
    if (*rest == '?') {
        snprintf(err, errlen, "a redis:// URL takes no parameters");
        return -EINVAL;
    }
    return 0;
}

int redis_url_parse(const char *url, struct redis_url *u, char *err,
                    size_t errlen)
{
    memset(u, 0, sizeof *u);
    u->port = 6379;
    const char *s;
    if (!strncasecmp(url, "redis://", 8)) {
        s = url + 8;
    } else if (!strncasecmp(url, "unix://", 7)) {
        s = url + 7;
        u->unix_socket = 1;
    } else {
        snprintf(err, errlen, "expected redis://HOST[:PORT][/DB] or "
                 "unix:///PATH (with an optional [USER]:PASSWORD@ after "
                 "the scheme)");
        return -EINVAL;
    }
    if (userinfo(s, u, &s, err, errlen) < 0)
        return -EINVAL;
    return u->unix_socket ? unix_part(s, u, err, errlen)
                          : tcp_part(s, u, err, errlen);
}

void redis_where(const struct redis_url *u, char *out, size_t len)
{
    if (u->unix_socket)
        snprintf(out, len, "%s", u->path);
    else if (strchr(u->host, ':'))
        snprintf(out, len, "[%s]:%d/%d", u->host, u->port, u->db);
    else
        snprintf(out, len, "%s:%d/%d", u->host, u->port, u->db);
}

int redis_call(redisContext *c, int argc, const char **argv,
               const size_t *lens, redisReply **reply, char *err,
               size_t errlen)
{
    *reply = redisCommandArgv(c, argc, argv, lens);
    if (!*reply) {
        snprintf(err, errlen, "%s", c->err ? c->errstr : "no reply");
        return -EIO;
    }
    if ((*reply)->type == REDIS_REPLY_ERROR) {
        snprintf(err, errlen, "%s", (*reply)->str);
        freeReplyObject(*reply);
        *reply = NULL;
        return -EPROTO;
    }
    return 0;
}

redisContext *redis_connect(const struct redis_url *u, int timeout_ms,
                            char *err, size_t errlen)
{
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    char where[sizeof u->path + 300];
    redis_where(u, where, sizeof where);
    redisContext *c = u->unix_socket ? redisConnectUnixWithTimeout(u->path, tv)
                                     : redisConnectWithTimeout(u->host, u->port, tv);
    if (!c || c->err) {
        snprintf(err, errlen, "cannot connect to %s: %s", where,
                 c ? c->errstr : "out of memory");
        redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, tv);
    char e[256];
    redisReply *r = NULL;
    int rc = 0;
    if (u->password[0]) {
        const char *auth[] = {"AUTH", u->user, u->password};
        rc = u->user[0] ? redis_call(c, 3, auth, NULL, &r, e, sizeof e)
                        : redis_call(c, 2, (const char *[]){"AUTH", u->password},
                                     NULL, &r, e, sizeof e);
        freeReplyObject(r);
    }
    if (rc == 0 && u->db) {
        char db[16];
        snprintf(db, sizeof db, "%d", u->db);
        rc = redis_call(c, 2, (const char *[]){"SELECT", db}, NULL, &r, e,
                        sizeof e);
        freeReplyObject(r);
    }
    if (rc < 0) {
        snprintf(err, errlen, "%s refused the connection: %s", where, e);
        redisFree(c);
        return NULL;
    }
    return c;
}

int redis_error_transient(const char *msg)
{
    static const char *const codes[] = {"LOADING", "BUSY", "READONLY", "OOM",
                                        "TRYAGAIN", "CLUSTERDOWN",
                                        "MASTERDOWN", "NOREPLICAS", NULL};
    for (size_t i = 0; codes[i]; i++) {
        size_t n = strlen(codes[i]);
        if (!strncmp(msg, codes[i], n) && (msg[n] == ' ' || !msg[n]))
            return 1;
    }
    return 0;
}

int64_t redis_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
