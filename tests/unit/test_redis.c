/* lib/redis: the URLs a configuration may give (redis:// and unix://,
 * with a user, a password and a database), what is refused and why
 * (never with the password in the reason), where a URL leads, which
 * error replies are worth a retry, and a refused connection. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "redis/redis.h"

static void parse_ok(const char *url, struct redis_url *u)
{
    char err[256] = "";
    int rc = redis_url_parse(url, u, err, sizeof err);
    if (rc != 0)
        fail_msg("%s: %s", url, err);
}

/* `url` is refused with a reason containing `part`, and not `secret`. */
static void refused(const char *url, const char *part, const char *secret)
{
    struct redis_url u;
    char err[256] = "";
    assert_int_equal(redis_url_parse(url, &u, err, sizeof err), -EINVAL);
    if (!strstr(err, part))
        fail_msg("%s: \"%s\" does not say \"%s\"", url, err, part);
    if (secret)
        assert_null(strstr(err, secret));
}

static void tcp_urls(void **st)
{
    (void)st;
    struct redis_url u;
    parse_ok("redis://cache", &u);
    assert_false(u.unix_socket);
    assert_string_equal(u.host, "cache");
    assert_int_equal(u.port, 6379);
    assert_int_equal(u.db, 0);
    assert_string_equal(u.password, "");

    parse_ok("redis://127.0.0.1:6380/0", &u);
    assert_string_equal(u.host, "127.0.0.1");
    assert_int_equal(u.port, 6380);

    parse_ok("redis://cache/", &u);
    assert_int_equal(u.db, 0);

    /* A password alone, %-encoded; a user and a password; IPv6. */
    parse_ok("redis://:p%40ss%3Aword@cache:7000/4", &u);
    assert_string_equal(u.user, "");
    assert_string_equal(u.password, "p@ss:word");
    assert_string_equal(u.host, "cache");
    assert_int_equal(u.port, 7000);
    assert_int_equal(u.db, 4);

    parse_ok("REDIS://ops:s3cret@[::1]:6390/15", &u);
    assert_string_equal(u.user, "ops");
    assert_string_equal(u.password, "s3cret");
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 6390);
    assert_int_equal(u.db, 15);
}

static void unix_urls(void **st)
{
    (void)st;
    struct redis_url u;
    parse_ok("unix:///run/redis/redis.sock", &u);
    assert_true(u.unix_socket);
    assert_string_equal(u.path, "/run/redis/redis.sock");
    assert_int_equal(u.db, 0);

    parse_ok("unix:///run/redis/redis.sock?db=3&password=pw%26x", &u);
    assert_string_equal(u.path, "/run/redis/redis.sock");
    assert_int_equal(u.db, 3);
    assert_string_equal(u.password, "pw&x");

    parse_ok("unix://:pw@/tmp/r.sock?db=1", &u);
    assert_string_equal(u.password, "pw");
    assert_string_equal(u.path, "/tmp/r.sock");
    assert_int_equal(u.db, 1);
}

static void bad_urls_are_refused_without_the_password(void **st)
{
    (void)st;
    refused("http://u:hunter2@cache/0", "expected redis://", "hunter2");
    refused("cache:6379", "expected redis://", NULL);
    refused("redis://:hunter2@cache:0/0", "port is not a number", "hunter2");
    refused("redis://:hunter2@cache:70000", "port is not a number", "hunter2");
    refused("redis://:hunter2@cache:63x9/0", "port is not a number", "hunter2");
    refused("redis://:hunter2@cache/zero", "database number", "hunter2");
    refused("redis://:hunter2@cache/-1", "database number", "hunter2");
    refused("redis://cache/0?timeout=1", "database number", NULL);
    refused("redis://cache?db=1", "takes no parameters", NULL);
    refused("redis://:hunter2@", "no host name", "hunter2");
    refused("redis://:hunter2@/0", "no host name", "hunter2");
    refused("redis://[::1:6379/0", "no closing ]", NULL);
    refused("redis://:bad%zzpass@cache/0", "two hexadecimal digits", "bad");
    refused("redis://:trail%4@cache/0", "two hexadecimal digits", "trail");
    refused("redis://us%er:x@cache/0", "the user name has a %", NULL);

    char huge[400] = "redis://:";
    memset(huge + 9, 'p', 300);
    strcpy(huge + 309, "@cache/0");
    refused(huge, "the password is too long", "ppp");
    refused("unix://run/redis.sock", "absolute path", NULL);
    refused("unix:///run/redis.sock?db=x", "db= takes a database number", NULL);
    refused("unix:///run/redis.sock?password=hunter2&tls=1",
            "unknown parameter", "hunter2");

    char longpath[200] = "unix:///";
    memset(longpath + 8, 'a', sizeof longpath - 9);
    longpath[sizeof longpath - 1] = '\0';
    refused(longpath, "at most 107 bytes", NULL);
}

/* %XX takes exactly two hexadecimal digits: no sign, no space. */
static void percent_escapes_are_two_hex_digits(void **st)
{
    (void)st;
    struct redis_url u;
    parse_ok("redis://:%41%2f%2F@cache", &u);
    assert_string_equal(u.password, "A//");
    refused("redis://:%+1@cache", "two hexadecimal digits", NULL);
    refused("redis://:% 1@cache", "two hexadecimal digits", NULL);
    refused("redis://:%-1@cache", "two hexadecimal digits", NULL);
    refused("unix:///r.sock?password=%g0", "two hexadecimal digits", NULL);
}

static void where_a_url_leads(void **st)
{
    (void)st;
    struct redis_url u;
    char where[400];
    parse_ok("redis://:hunter2@cache:6380/2", &u);
    redis_where(&u, where, sizeof where);
    assert_string_equal(where, "cache:6380/2");
    parse_ok("redis://[::1]:7000/1", &u);
    redis_where(&u, where, sizeof where);
    assert_string_equal(where, "[::1]:7000/1");
    parse_ok("unix:///run/redis/redis.sock?password=hunter2", &u);
    redis_where(&u, where, sizeof where);
    assert_string_equal(where, "/run/redis/redis.sock");
}

static void transient_error_replies(void **st)
{
    (void)st;
    assert_true(redis_error_transient("LOADING Redis is loading the dataset "
                                      "in memory"));
    assert_true(redis_error_transient("BUSY Redis is busy running a script"));
    assert_true(redis_error_transient("READONLY You can't write against a "
                                      "read only replica."));
    assert_true(redis_error_transient("OOM command not allowed when used "
                                      "memory > 'maxmemory'."));
    assert_true(redis_error_transient("TRYAGAIN"));
    assert_true(redis_error_transient("CLUSTERDOWN The cluster is down"));
    assert_false(redis_error_transient("ERR unknown command 'XAUTOCLAIM'"));
    assert_false(redis_error_transient("WRONGTYPE Operation against a key "
                                       "holding the wrong kind of value"));
    assert_false(redis_error_transient("NOGROUP No such key"));
    assert_false(redis_error_transient("BUSYGROUP Consumer Group name "
                                       "already exists"));
    assert_false(redis_error_transient("LOADINGX"));
    assert_false(redis_error_transient(""));
}

/* A port nobody listens on: bound, then closed, and not listened on. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static void a_refused_connection_says_where_not_the_password(void **st)
{
    (void)st;
    char url[128], err[512] = "", expect[64];
    int port = closed_port();
    snprintf(url, sizeof url, "redis://ops:hunter2@127.0.0.1:%d/3", port);
    struct redis_url u;
    parse_ok(url, &u);
    assert_null(redis_connect(&u, 2000, err, sizeof err));
    snprintf(expect, sizeof expect, "cannot connect to 127.0.0.1:%d/3", port);
    if (!strstr(err, expect))
        fail_msg("\"%s\" does not say \"%s\"", err, expect);
    assert_null(strstr(err, "hunter2"));

    parse_ok("unix:///nonexistent/newsdesk-test.sock?password=hunter2", &u);
    assert_null(redis_connect(&u, 2000, err, sizeof err));
    assert_non_null(strstr(err, "cannot connect to "
                                "/nonexistent/newsdesk-test.sock"));
    assert_null(strstr(err, "hunter2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tcp_urls),
        cmocka_unit_test(unix_urls),
        cmocka_unit_test(bad_urls_are_refused_without_the_password),
        cmocka_unit_test(percent_escapes_are_two_hex_digits),
        cmocka_unit_test(where_a_url_leads),
        cmocka_unit_test(transient_error_replies),
        cmocka_unit_test(a_refused_connection_says_where_not_the_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
