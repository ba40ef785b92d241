/* http.c and metrics.c: the strict request parser, the server on a real
 * loopback socket (also under many slow connections and at its cap), and
 * /metrics, /health and /status read back strictly (tests/unit/expo.h
 * parses the exposition format). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "expo.h"
#include "addr.h"
#include "http.h"
#include "metrics.h"

/* ---- the parser ---------------------------------------------------------- */

static int parse(const char *s, struct http_request *r)
{
    return http_parse_request(s, strlen(s), r);
}

static void parser_accepts_good_requests(void **st)
{
    (void)st;
    struct http_request r;
    const char *s = "GET /metrics?x=1 HTTP/1.1\r\nHost: localhost:9321\r\n"
                    "User-Agent: test\r\nAccept:*/*\r\n\r\n";
    assert_int_equal(parse(s, &r), (int)strlen(s));
    assert_string_equal(r.method, "GET");
    assert_string_equal(r.path, "/metrics");
    assert_string_equal(r.query, "x=1");
    assert_int_equal(r.minor, 1);
    assert_true(r.has_host);
    /* HTTP/1.0 needs no Host; HEAD is served; an empty body is fine. */
    assert_true(parse("HEAD / HTTP/1.0\r\n\r\n", &r) > 0);
    assert_string_equal(r.method, "HEAD");
    assert_true(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n"
                      "\r\n", &r) > 0);
    /* Bytes after the head are not part of it. */
    assert_int_equal(parse("GET / HTTP/1.0\r\n\r\nXYZ", &r), 18);
}

static void parser_waits_for_the_whole_head(void **st)
{
    (void)st;
    struct http_request r;
    assert_int_equal(parse("", &r), 0);
    assert_int_equal(parse("GET /metrics HT", &r), 0);
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\n", &r), 0);
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\n\r", &r), 0);
}

static void parser_refuses_bad_requests(void **st)
{
    (void)st;
    struct http_request r;
    static const struct { const char *req; int status; } cases[] = {
        {"POST /metrics HTTP/1.1\r\nHost: a\r\n\r\n", -405},
        {"DELETE / HTTP/1.1\r\nHost: a\r\n\r\n", -405},
        {"get / HTTP/1.1\r\nHost: a\r\n\r\n", -405},
        {"G@T / HTTP/1.1\r\nHost: a\r\n\r\n", -400},
        {"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", -400},
        {"GET metrics HTTP/1.1\r\nHost: a\r\n\r\n", -400},
        {"GET http://a/metrics HTTP/1.1\r\nHost: a\r\n\r\n", -400},
        {"GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", -400},
        {"GET / HTTP/1.1 \r\nHost: a\r\n\r\n", -400},
        {"GET / HTTP/1\r\nHost: a\r\n\r\n", -400},
        {"GET / http/1.1\r\nHost: a\r\n\r\n", -400},
        {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", -505},
        {"GET / HTTP/1.1\r\n\r\n", -400},                       /* no Host */
        {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", -400},
        {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", -400},
        {"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", -400},
        {"GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", -400},
        {"GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n", -400},
        {"GET / HTTP/1.1\nHost: a\r\n\r\n", -400},              /* bare LF */
        {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", -501},
        {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", -400},
        {"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
         -501},
        {"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", -400},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = parse(cases[i].req, &r);
        if (rc != cases[i].status)
            fail_msg("case %zu \"%s\": %d, expected %d", i, cases[i].req, rc,
                     cases[i].status);
    }
    /* A NUL inside the head. */
    assert_int_equal(http_parse_request("GET /\0 HTTP/1.1\r\n\r\n", 20, &r),
                     -400);
    /* Too long: a target past the limit, a head past the limit. */
    char big[HTTP_MAX_HEAD + 64];
    memset(big, 'a', sizeof big);
    memcpy(big, "GET /", 5);
    assert_int_equal(http_parse_request(big, sizeof big, &r), -414);
    snprintf(big, sizeof big, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
    size_t o = strlen(big);
    memset(big + o, 'b', sizeof big - o);
    assert_int_equal(http_parse_request(big, sizeof big, &r), -431);
    char path[1100] = "GET /";
    memset(path + 5, 'p', 1050);
    strcpy(path + 1055, " HTTP/1.0\r\n\r\n");
    assert_int_equal(parse(path, &r), -414);
}

static void addresses(void **st)
{
    (void)st;
    struct sockaddr_storage ss;
    char err[256];
    assert_int_equal(addr_parse("127.0.0.1:9321", &ss, err, sizeof err), 0);
    assert_int_equal(ss.ss_family, AF_INET);
    assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9321);
    assert_int_equal(addr_parse("[::1]:80", &ss, err, sizeof err), 0);
    assert_int_equal(ss.ss_family, AF_INET6);
    assert_int_equal(addr_parse("0.0.0.0:0", &ss, err, sizeof err), 0);
    static const char *const bad[] = {"localhost:9321", "127.0.0.1",
                                      "127.0.0.1:", "127.0.0.1:70000",
                                      "127.0.0.1:12ab", "::1:80", "[::1]80",
                                      ":9321", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (addr_parse(bad[i], &ss, err, sizeof err) != -1)
            fail_msg("\"%s\" was accepted", bad[i]);
        assert_non_null(strstr(err, "expected IP:PORT"));
    }
}

/* ---- a fake running daemon ------------------------------------------------ */

struct fake {
    struct step_stats steps[2];
    size_t nsteps;
    struct service_stats st;
};

static void fake_init(struct fake *f)
{
    memset(f, 0, sizeof *f);
    f->steps[0].name = "text";
    f->steps[1].name = "out \"main\"\\json"; /* labels must escape this */
    f->steps[0].plugin = "text";
    f->steps[1].plugin = "json";
    f->nsteps = 2;
    f->steps[0].ok = 7;
    f->steps[0].fail = 2;
    f->steps[1].ok = 6;
    f->steps[1].retry = 1;
    /* text: 5 calls of 40 us, 4 of 3 ms; json: 7 of 800 us */
    f->steps[0].latency[2] = 5;
    f->steps[0].latency[8] = 4;
    f->steps[0].latency_sum_us = 5 * 40 + 4 * 3000;
    f->steps[1].latency[6] = 7;
    f->steps[1].latency_sum_us = 7 * 800;
    strcpy(f->steps[1].counters[0].name, "files_written");
    f->steps[1].counters[0].value = 6;
    f->steps[1].ncounters = 1;
    f->st = (struct service_stats){
        .inbox_pending = 12, .inflight = 3, .claimed = 10, .done = 6,
        .failed = 1, .docs_done = 9, .docs_failed = 2, .retried = 1, .rescans = 2, .overflows = 1,
        .reloads = 3, .reload_failures = 1, .started = 1700000000,
        .ready = 1, .watch = "inotify", .config_file = "/etc/newsdesk.yaml",
    };
    strcpy(f->st.last_reload_error, "newsdesk.yaml:4:5: unknown plugin \"nope\"");
}

static struct service_view view_of(struct fake *f)
{
    return (struct service_view){f->steps, f->nsteps, &f->st};
}

static char *render(struct fake *f)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    struct service_view v = view_of(f);
    metrics_write(out, &v);
    fclose(out);
    return buf;
}

static void metrics_are_strict_exposition(void **state)
{
    (void)state;
    static struct fake f;
    static struct expo e;
    fake_init(&f);
    char *text = render(&f);
    if (expo_parse(&e, text) < 0)
        fail_msg("%s\n%s", e.err, text);
    assert_true(expo_get(&e, "newsdesk_inbox_pending", "", "") == 12);
    assert_true(expo_get(&e, "newsdesk_inflight_documents", "", "") == 3);
    assert_true(expo_get(&e, "newsdesk_inbox_rescans_total", "", "") == 2);
    assert_true(expo_get(&e, "newsdesk_inbox_overflows_total", "", "") == 1);
    assert_true(expo_get(&e, "newsdesk_reloads_total", "result=\"ok\"", "") == 2);
    assert_true(expo_get(&e, "newsdesk_reloads_total", "result=\"failed\"", "") == 1);
    /* Files, and documents: a feed of 4 items is one file and 4
     * documents. */
    assert_true(expo_get(&e, "newsdesk_files_total", "outcome=\"done\"", "") == 6);
    assert_true(expo_get(&e, "newsdesk_files_total", "outcome=\"failed\"", "") == 1);
    assert_true(expo_get(&e, "newsdesk_documents_total", "outcome=\"done\"", "") == 9);
    assert_true(expo_get(&e, "newsdesk_documents_total", "outcome=\"failed\"", "") == 2);
    assert_true(expo_get(&e, "newsdesk_files_claimed_total", "", "") == 10);
    assert_true(expo_get(&e, "newsdesk_documents_claimed_total", "", "") == 10);
    const char *text_step = "step=\"text\",plugin=\"text\"";
    const char *json_step = "step=\"out \\\"main\\\"\\\\json\",plugin=\"json\"";
    char l[256];
    snprintf(l, sizeof l, "%s,outcome=\"failed\"", text_step);
    assert_true(expo_get(&e, "newsdesk_step_documents_total", l, "") == 2);
    snprintf(l, sizeof l, "%s,outcome=\"retried\"", json_step);
    assert_true(expo_get(&e, "newsdesk_step_documents_total", l, "") == 1);
    /* Buckets are cumulative, in seconds. */
    assert_true(expo_get(&e, "newsdesk_step_latency_seconds_bucket", text_step,
                         "5e-05") == 5);
    assert_true(expo_get(&e, "newsdesk_step_latency_seconds_bucket", text_step,
                         "0.001") == 5);
    assert_true(expo_get(&e, "newsdesk_step_latency_seconds_bucket", text_step,
                         "0.005") == 9);
    assert_true(expo_get(&e, "newsdesk_step_latency_seconds_bucket", text_step,
                         "+Inf") == 9);
    assert_true(expo_get(&e, "newsdesk_step_latency_seconds_count", text_step,
                         "") == 9);
    assert_float_equal(expo_get(&e, "newsdesk_step_latency_seconds_sum",
                                text_step, ""), 0.0122, 1e-9);
    snprintf(l, sizeof l, "%s,counter=\"files_written\"", json_step);
    assert_true(expo_get(&e, "newsdesk_plugin_events_total", l, "") == 6);
    free(text);

    /* Counters move. */
    f.steps[0].ok += 5;
    f.steps[0].latency[0] += 5;
    f.st.docs_done += 4;
    text = render(&f);
    assert_int_equal(expo_parse(&e, text), 0);
    snprintf(l, sizeof l, "%s,outcome=\"ok\"", text_step);
    assert_true(expo_get(&e, "newsdesk_step_documents_total", l, "") == 12);
    assert_true(expo_get(&e, "newsdesk_step_latency_seconds_count", text_step,
                         "") == 14);
    assert_true(expo_get(&e, "newsdesk_documents_total", "outcome=\"done\"", "") == 13);
    free(text);

    /* Without a pipeline (not started yet) the daemon's own figures stay. */
    f.nsteps = 0;
    text = render(&f);
    assert_int_equal(expo_parse(&e, text), 0);
    assert_null(strstr(text, "newsdesk_step_"));
    assert_non_null(strstr(text, "newsdesk_ready 1\n"));
    free(text);
}

/* The checker must be able to fail, or the test above proves nothing. */
static void the_checker_is_strict(void **state)
{
    (void)state;
    static struct expo e;
    static const char *const bad[] = {
        "x 1\n",                                         /* untyped sample */
        "# TYPE x_total counter\nx_total 1",             /* no final newline */
        "# TYPE x counter\nx 1\n",                       /* counter name */
        "# TYPE x_counter_total counter\nx_counter_total 1\n", /* type */
        "# TYPE x_gauge gauge\nx_gauge 1\n",             /* type */
        "# TYPE x gauge\ny 1\n",                         /* wrong family */
        "# TYPE x gauge\nx 1\nx 2\n",                    /* duplicate */
        "# TYPE x gauge\nx{a=\"1\"} one\n",              /* value */
        "# TYPE x gauge\nx{a=1} 1\n",                    /* unquoted */
        "# TYPE x gauge\nx{a=\"\\t\"} 1\n",              /* escape */
        "# TYPE x gauge\nx{a=\"1\",} 1\n",               /* trailing comma */
        "# TYPE x gauge\nx 1 2 3\n",                     /* extra field */
        "# TYPE x gauge\n\nx 1\n",                       /* empty line */
        "# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\n# TYPE x gauge\nx 2\n",
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
        "h_sum 1\nh_count 1\n",                          /* not cumulative */
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 2\n",
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",
        "# TYPE h histogram\nh 1\n",
        "# FOO x gauge\n",
        "# TYPE 1x gauge\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (expo_parse(&e, bad[i]) == 0)
            fail_msg("accepted bad exposition %zu: %s", i, bad[i]);
    assert_int_equal(expo_parse(&e, "# HELP h a histogram\n# TYPE h histogram\n"
                                    "h_bucket{le=\"0.5\"} 1\n"
                                    "h_bucket{le=\"+Inf\"} 2\nh_sum 1.5\n"
                                    "h_count 2\n"), 0);
}

static void health_reasons(void **state)
{
    (void)state;
    struct service_stats st = {0};
    char why[128];
    assert_int_equal(health_check(&st, why, sizeof why), 503);
    assert_non_null(strstr(why, "starting"));
    st.ready = 1;
    assert_int_equal(health_check(&st, why, sizeof why), 200);
    assert_string_equal(why, "ok");
    st.watch_lost = 1;
    assert_int_equal(health_check(&st, why, sizeof why), 503);
    assert_non_null(strstr(why, "watch"));
    st.stopping = 1;
    assert_int_equal(health_check(&st, why, sizeof why), 503);
    assert_string_equal(why, "stopping");
}

/* ---- the server on a real socket ------------------------------------------ */

struct session {
    int port;
    const char *const *requests; /* each may hold \x01 to split the send */
    size_t n;
    char **responses;
    void (*script)(struct session *); /* run instead of `requests` */
    void *arg;
    uv_async_t done;
    struct http_server *srv;
};

/* A connected socket whose reads give up after 10 s, or -1. */
static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Everything the server sends until it closes (or 10 s pass). */
static char *answer_of(int fd)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    ssize_t r;
    while ((r = recv(fd, buf + len, cap - len - 1, 0)) > 0)
        len += (size_t)r;
    buf[len] = '\0';
    return buf;
}

static char *exchange(int port, const char *req)
{
    int fd = dial(port);
    if (fd < 0)
        return strdup("connect failed");
    /* \x01 splits the request into separate sends, to show the server
     * waits for the rest. */
    for (const char *p = req; *p;) {
        const char *cut = strchr(p, '\x01');
        size_t len = cut ? (size_t)(cut - p) : strlen(p);
        ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
        (void)w;
        p += len + (cut != NULL);
        if (cut)
            usleep(20000);
    }
    char *buf = answer_of(fd);
    close(fd);
    return buf;
}

static void *client(void *arg)
{
    struct session *s = arg;
    if (s->script)
        s->script(s);
    for (size_t i = 0; i < s->n; i++)
        s->responses[i] = exchange(s->port, s->requests[i]);
    uv_async_send(&s->done);
    return NULL;
}

static void session_done(uv_async_t *a)
{
    struct session *s = a->data;
    http_stop(s->srv);
    uv_close((uv_handle_t *)a, NULL);
}

/* Serve with the handler of the daemon while a thread runs the session's
 * client side; returns when the client is done and the server closed. */
static void serve_session(struct service_view *view, struct session *s)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    char err[256];
    assert_int_equal(http_start(&s->srv, &loop, "127.0.0.1:0",
                                service_http_handler, view, err, sizeof err), 0);
    s->port = http_port(s->srv);
    assert_true(s->port > 0);
    uv_async_init(&loop, &s->done, session_done);
    s->done.data = s;
    pthread_t t;
    pthread_create(&t, NULL, client, s);
    uv_run(&loop, UV_RUN_DEFAULT);
    pthread_join(t, NULL);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void serve(struct service_view *view, const char *const *requests,
                  size_t n, char **responses)
{
    struct session s = {.requests = requests, .n = n, .responses = responses};
    serve_session(view, &s);
}

static const char *body_of(const char *resp)
{
    const char *b = strstr(resp, "\r\n\r\n");
    return b ? b + 4 : "";
}

static void server_answers(void **state)
{
    (void)state;
    static struct fake f;
    static struct expo e;
    fake_init(&f);
    struct service_view view = view_of(&f);
    static const char *const reqs[] = {
        "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "HEAD /health HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "GET /status HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
        "GET /metrics HTTP/1.1\r\n\r\n",
        "GE\x01T /hea\x01lth HTTP/1.1\r\nHo\x01st: x\r\n\x01\r\n",
        "hello\r\n\r\n",
    };
    enum { N = sizeof reqs / sizeof reqs[0] };
    char *res[N] = {0};
    serve(&view, reqs, N, res);

    assert_non_null(strstr(res[0], "HTTP/1.1 200 OK\r\n"));
    assert_non_null(strstr(res[0], "Content-Type: text/plain; version=0.0.4; "
                                   "charset=utf-8\r\n"));
    assert_non_null(strstr(res[0], "Connection: close\r\n"));
    if (expo_parse(&e, body_of(res[0])) < 0)
        fail_msg("%s", e.err);
    char cl[64];
    snprintf(cl, sizeof cl, "Content-Length: %zu\r\n", strlen(body_of(res[0])));
    assert_non_null(strstr(res[0], cl));

    /* HEAD: the headers of the GET, no body. */
    assert_non_null(strstr(res[1], "HTTP/1.1 200 OK\r\n"));
    assert_non_null(strstr(res[1], "Content-Length: 3\r\n"));
    assert_string_equal(body_of(res[1]), "");

    assert_non_null(strstr(res[2], "Content-Type: application/json\r\n"));
    json_error_t jerr;
    json_t *j = json_loads(body_of(res[2]), 0, &jerr);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "state")), "running");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(j, "inbox"), "pending")), 12);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(j, "reload"), "last_error")),
                        "newsdesk.yaml:4:5: unknown plugin \"nope\"");
    json_t *steps = json_object_get(j, "pipeline");
    assert_int_equal(json_array_size(steps), 2);
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(steps, 0), "failed")), 2);
    assert_true(json_is_true(json_object_get(json_object_get(j, "health"), "ok")));
    json_decref(j);

    assert_non_null(strstr(res[3], "HTTP/1.1 404 Not Found\r\n"));
    assert_non_null(strstr(res[4], "HTTP/1.1 405 Method Not Allowed\r\n"));
    assert_non_null(strstr(res[4], "Allow: GET, HEAD\r\n"));
    assert_non_null(strstr(res[5], "HTTP/1.1 400 Bad Request\r\n"));
    assert_non_null(strstr(res[6], "HTTP/1.1 200 OK\r\n"));
    assert_string_equal(body_of(res[6]), "ok\n");
    assert_non_null(strstr(res[7], "HTTP/1.1 400 Bad Request\r\n"));
    for (int i = 0; i < N; i++)
        free(res[i]);
}

static void server_reports_unhealthy(void **state)
{
    (void)state;
    static struct fake f;
    fake_init(&f);
    f.st.ready = 0;
    struct service_view view = view_of(&f);
    static const char *const reqs[] = {
        "GET /health HTTP/1.0\r\n\r\n",
    };
    char *res[1] = {0};
    serve(&view, reqs, 1, res);
    assert_non_null(strstr(res[0], "HTTP/1.1 503 Service Unavailable\r\n"));
    assert_string_equal(body_of(res[0]), "starting: not watching the inbox yet\n");
    free(res[0]);
}

/* A head longer than HTTP_MAX_HEAD, arriving over many reads, is refused
 * with 431 once the limit is reached. */
static void server_refuses_a_long_head_sent_in_pieces(void **state)
{
    (void)state;
    static struct fake f;
    fake_init(&f);
    struct service_view view = view_of(&f);
    static char req[HTTP_MAX_HEAD + 1024];
    strcpy(req, "GET /health HTTP/1.1\r\nHost: x\r\nX: ");
    size_t o = strlen(req);
    for (; o + 600 < sizeof req; o += 512) {
        memset(req + o, 'b', 511);
        req[o + 511] = '\x01';
    }
    strcpy(req + o, "\r\n\r\n");
    const char *const reqs[] = {req};
    char *res[1] = {0};
    serve(&view, reqs, 1, res);
    assert_non_null(strstr(res[0], "HTTP/1.1 431 Request Header Fields Too "
                                   "Large\r\n"));
    free(res[0]);
}

/* ---- the server under many connections ---------------------------------- */

#define CROWD_MAX 256

/* Clients that connect and then send part of a request head (or nothing)
 * and wait: slowloris. */
struct crowd {
    int n;       /* connections to open */
    int wait_ms; /* before the probes */
    int fds[CROWD_MAX];
    char *probes[4];       /* the answers to GET /health, GET /metrics, ... */
    double probe_after_ms; /* from the first connect to the last answer */
    int oldest_answered;   /* the first connection was answered and closed */
    char *oldest;          /* what it was told */
    int second_open;       /* the second one is still waiting */
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void crowd_script(struct session *s)
{
    struct crowd *cr = s->arg;
    double t0 = now_ms();
    for (int i = 0; i < cr->n; i++) {
        cr->fds[i] = dial(s->port);
        /* Half send the start of a head, half say nothing at all. */
        if (cr->fds[i] >= 0 && i % 2 == 0)
            (void)!send(cr->fds[i], "GET /health HTTP/1.1\r\nHo", 24,
                        MSG_NOSIGNAL);
    }
    if (cr->wait_ms)
        usleep((useconds_t)cr->wait_ms * 1000);
    static const char *const probes[] = {
        "GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
        "HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /health HTTP/1.0\r\n\r\n",
    };
    for (int j = 0; j < 4; j++)
        cr->probes[j] = exchange(s->port, probes[j]);
    cr->probe_after_ms = now_ms() - t0;
    struct pollfd pf[2] = {{.fd = cr->fds[0], .events = POLLIN},
                           {.fd = cr->fds[1], .events = POLLIN}};
    cr->oldest_answered = poll(&pf[0], 1, 0) == 1;
    if (cr->oldest_answered)
        cr->oldest = answer_of(cr->fds[0]);
    cr->second_open = poll(&pf[1], 1, 0) == 0;
    for (int i = 0; i < cr->n; i++)
        if (cr->fds[i] >= 0)
            close(cr->fds[i]);
}

static void crowd_serve(struct crowd *cr)
{
    static struct fake f;
    fake_init(&f);
    struct service_view view = view_of(&f);
    struct session s = {.script = crowd_script, .arg = cr};
    serve_session(&view, &s);
    for (int i = 0; i < cr->n; i++)
        if (cr->fds[i] < 0)
            fail_msg("connection %d of %d failed", i, cr->n);
}

static void crowd_free(struct crowd *cr)
{
    for (int j = 0; j < 4; j++)
        free(cr->probes[j]);
    free(cr->oldest);
}

/* 200 slow clients (more than the old cap of 64) leave room for the
 * probes: /health and /metrics answer. */
static void slow_clients_do_not_lock_out_health(void **state)
{
    (void)state;
    static struct crowd cr = {.n = 200};
    crowd_serve(&cr);
    for (int j = 0; j < 4; j++)
        if (!strstr(cr.probes[j], "HTTP/1.1 200 OK\r\n"))
            fail_msg("probe %d got \"%.60s\"", j, cr.probes[j]);
    assert_non_null(strstr(cr.probes[1], "# TYPE newsdesk_ready gauge"));
    /* Nobody was pushed out: there was room for all. */
    assert_false(cr.oldest_answered);
    crowd_free(&cr);
}

/* Run `test` with the open-file soft limit lowered so that the server's
 * cap is `cap` connections. */
static void with_cap(int cap, void (*test)(int cap))
{
    struct rlimit old, low;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = (rlim_t)cap * HTTP_NOFILE_SHARE;
    if (old.rlim_max != RLIM_INFINITY && low.rlim_cur > old.rlim_max)
        skip();
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    test(cap);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
}

/* At the cap, a new client takes the place of the oldest connection that
 * has had HTTP_EVICT_AFTER_MS to send its request and has not: that one
 * is told 408, the newcomer is served, the others keep waiting. */
static void oldest_slow_client_gives_way(int cap)
{
    static struct crowd cr;
    memset(&cr, 0, sizeof cr);
    cr.n = cap;
    cr.wait_ms = HTTP_EVICT_AFTER_MS + 300;
    crowd_serve(&cr);
    for (int j = 0; j < 4; j++)
        if (!strstr(cr.probes[j], "HTTP/1.1 200 OK\r\n"))
            fail_msg("probe %d got \"%.60s\"", j, cr.probes[j]);
    assert_true(cr.oldest_answered);
    assert_non_null(strstr(cr.oldest, "HTTP/1.1 408 Request Timeout\r\n"));
    assert_true(cr.second_open);
    crowd_free(&cr);
}

static void at_the_cap_the_oldest_slow_client_gives_way(void **state)
{
    (void)state;
    with_cap(32, oldest_slow_client_gives_way);
}

/* At the cap with every connection still within HTTP_EVICT_AFTER_MS, a
 * newcomer is answered 503 at once rather than closed without a word. */
static void newcomer_is_told_busy(int cap)
{
    static struct crowd cr;
    memset(&cr, 0, sizeof cr);
    cr.n = cap;
    crowd_serve(&cr);
    /* A machine so busy that the grace ran out proves nothing here. */
    if (cr.probe_after_ms >= HTTP_EVICT_AFTER_MS)
        skip();
    for (int j = 0; j < 4; j++) {
        if (!strstr(cr.probes[j], "HTTP/1.1 503 Service Unavailable\r\n"))
            fail_msg("probe %d got \"%.60s\"", j, cr.probes[j]);
        assert_non_null(strstr(cr.probes[j], "Connection: close\r\n"));
    }
    assert_non_null(strstr(cr.probes[0], "too many connections"));
    assert_false(cr.oldest_answered);
    crowd_free(&cr);
}

static void past_the_cap_a_newcomer_is_told_busy(void **state)
{
    (void)state;
    with_cap(32, newcomer_is_told_busy);
}

static void listen_errors(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct http_server *a, *b;
    char err[256];
    assert_int_equal(http_start(&a, &loop, "127.0.0.1:0", service_http_handler,
                                NULL, err, sizeof err), 0);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", http_port(a));
    assert_int_equal(http_start(&b, &loop, addr, service_http_handler, NULL,
                                err, sizeof err), UV_EADDRINUSE);
    assert_null(b);
    assert_non_null(strstr(err, "cannot listen on 127.0.0.1:"));
    assert_int_equal(http_start(&b, &loop, "localhost:80", service_http_handler,
                                NULL, err, sizeof err), UV_EINVAL);
    http_stop(a);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parser_accepts_good_requests),
        cmocka_unit_test(parser_waits_for_the_whole_head),
        cmocka_unit_test(parser_refuses_bad_requests),
        cmocka_unit_test(addresses),
        cmocka_unit_test(metrics_are_strict_exposition),
        cmocka_unit_test(the_checker_is_strict),
        cmocka_unit_test(health_reasons),
        cmocka_unit_test(server_answers),
        cmocka_unit_test(server_reports_unhealthy),
        cmocka_unit_test(server_refuses_a_long_head_sent_in_pieces),
        cmocka_unit_test(slow_clients_do_not_lock_out_health),
        cmocka_unit_test(at_the_cap_the_oldest_slow_client_gives_way),
        cmocka_unit_test(past_the_cap_a_newcomer_is_told_busy),
        cmocka_unit_test(listen_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
