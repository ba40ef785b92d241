/* A small HTTP/1.1 server on the libuv loop: a strict request parser, one
 * request per connection, and the limits that keep it reachable under
 * load. See http.h. */
#include "http.h"

#include "addr.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

/* ---- the parser --------------------------------------------------------- */

static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* A header value's bytes: visible, space, tab, or obs-text. */
static int is_value_char(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

int http_parse_request(const char *buf, size_t len, struct http_request *req)
{
    memset(req, 0, sizeof *req);
    /* Bare LF and NUL are refused at once rather than waited on. */
    const char *end = NULL, *eol = NULL;
    for (size_t i = 0; i < len && !end; i++) {
        if (buf[i] == '\0' || (buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r')))
            return -400;
        if (buf[i] == '\n') {
            if (!eol)
                eol = buf + i - 1; /* the CRLF ending the request line */
            else if (i >= 3 && buf[i - 2] == '\n')
                end = buf + i - 1; /* the blank line ending the head */
        }
    }
    if (!end) {
        /* A request line that cannot fit is a target too long. */
        if (len >= HTTP_MAX_HEAD)
            return memchr(buf, '\r', len) ? -431 : -414;
        return 0;
    }
    size_t head = (size_t)(end - buf) + 2;
    if (head > HTTP_MAX_HEAD)
        return -431;

    /* request-line = method SP request-target SP HTTP-version CRLF */
    const char *p = buf;
    const char *sp1 = memchr(p, ' ', (size_t)(eol - p));
    if (!sp1 || sp1 == p)
        return -400;
    for (const char *c = p; c < sp1; c++)
        if (!is_tchar((unsigned char)*c))
            return -400;
    size_t mlen = (size_t)(sp1 - p);
    int get = mlen == 3 && !memcmp(p, "GET", 3);
    int headm = mlen == 4 && !memcmp(p, "HEAD", 4);
    if (!get && !headm)
        return -405;
    memcpy(req->method, p, mlen);

    const char *t = sp1 + 1;
    const char *sp2 = memchr(t, ' ', (size_t)(eol - t));
    if (!sp2 || sp2 == t || *t != '/')
        return -400;
    for (const char *c = t; c < sp2; c++)
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
            return -400;
    const char *q = memchr(t, '?', (size_t)(sp2 - t));
    size_t plen = (size_t)((q ? q : sp2) - t);
    size_t qlen = q ? (size_t)(sp2 - q - 1) : 0;
    if (plen >= sizeof req->path || qlen >= sizeof req->query)
        return -414;
    memcpy(req->path, t, plen);
    if (q)
        memcpy(req->query, q + 1, qlen);

    const char *v = sp2 + 1;
    if (eol - v != 8 || memcmp(v, "HTTP/", 5) || v[5] < '0' || v[5] > '9' ||
        v[6] != '.' || v[7] < '0' || v[7] > '9')
        return -400;
    if (v[5] != '1')
        return -505;
    req->minor = v[7] - '0';

    /* header-field = field-name ":" OWS field-value OWS */
    int hosts = 0;
    for (p = eol + 2; p < end; p = eol + 2) {
        eol = memmem(p, (size_t)(end + 2 - p), "\r\n", 2);
        if (*p == ' ' || *p == '\t')
            return -400; /* obs-fold */
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        if (!colon || colon == p)
            return -400;
        for (const char *c = p; c < colon; c++)
            if (!is_tchar((unsigned char)*c))
                return -400; /* also a space before the colon */
        const char *val = colon + 1, *vend = eol;
        for (const char *c = val; c < vend; c++)
            if (!is_value_char((unsigned char)*c))
                return -400;
        while (val < vend && (*val == ' ' || *val == '\t'))
            val++;
        while (vend > val && (vend[-1] == ' ' || vend[-1] == '\t'))
            vend--;
        size_t nlen = (size_t)(colon - p), vlen = (size_t)(vend - val);
        if (nlen == 4 && !strncasecmp(p, "Host", 4)) {
            hosts++;
        } else if (nlen == 17 && !strncasecmp(p, "Transfer-Encoding", 17)) {
            return -501;
        } else if (nlen == 14 && !strncasecmp(p, "Content-Length", 14)) {
            if (vlen == 0)
                return -400;
            for (size_t i = 0; i < vlen; i++)
                if (val[i] < '0' || val[i] > '9')
                    return -400;
            for (size_t i = 0; i < vlen; i++)
                if (val[i] != '0')
                    return -501; /* a body: nothing here takes one */
        }
    }
    /* HTTP/1.1 requires exactly one Host; more is an attack or a bug. */
    if (hosts > 1 || (req->minor >= 1 && hosts == 0))
        return -400;
    req->has_host = hosts == 1;
    return (int)head;
}

const char *http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

/* ---- the server --------------------------------------------------------- */

/* A connection reads until its head is complete, then is answered and
 * closed once the answer is written. Its timer bounds the phase it is in:
 * HTTP_HEAD_TIMEOUT_MS from accept, then HTTP_WRITE_TIMEOUT_MS. */
struct conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    struct http_server *srv;
    struct conn *prev, *next;
    uint64_t accepted; /* loop time in ms */
    int handles;       /* open handles of this connection */
    int answered;
    char *head; /* the head so far when it came in pieces; malloc'd */
    size_t len;
};

struct http_server {
    uv_tcp_t tcp;
    http_handler_fn fn;
    void *ctx;
    /* Every open connection, in the order accepted: the first one not
     * answered is the oldest still reading. */
    struct conn *first, *last;
    int nconns, max_conns;
    int handles; /* the listener's and every connection's */
    int stopping;
    int unref; /* handles do not keep the loop alive */
    /* Where every read lands: libuv hands it to on_read before the next
     * read on this loop, so one buffer serves all connections. */
    char rbuf[HTTP_MAX_HEAD];
};

struct reply {
    uv_write_t req;
    char head[320];
    char *body;
};

static void server_unref(struct http_server *s)
{
    if (--s->handles == 0 && s->stopping)
        free(s);
}

static void conn_closed(uv_handle_t *h)
{
    struct conn *c = h->data;
    if (--c->handles)
        return;
    struct http_server *s = c->srv;
    free(c->head);
    free(c);
    server_unref(s);
}

/* Unlink c and close its handles. Its socket is closed at once (the slot
 * is free); the memory goes when libuv has finished with both handles. */
static void conn_close(struct conn *c)
{
    if (uv_is_closing((uv_handle_t *)&c->tcp))
        return;
    struct http_server *s = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->first = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        s->last = c->prev;
    s->nconns--;
    uv_close((uv_handle_t *)&c->timer, conn_closed);
    uv_close((uv_handle_t *)&c->tcp, conn_closed);
}

/* The status line and headers of an answer with a body of len bytes
 * (ctype NULL: plain text), into buf. Returns its length, or -1 when it
 * does not fit. */
static int format_head(char *buf, size_t size, int status, const char *ctype,
                       size_t len)
{
    int n = snprintf(buf, size,
                     "HTTP/1.1 %d %s\r\n"
                     "Content-Type: %s\r\n"
                     "Content-Length: %zu\r\n"
                     "Cache-Control: no-store\r\n"
                     "%s"
                     "Connection: close\r\n\r\n",
                     status, http_reason(status),
                     ctype ? ctype : "text/plain; charset=utf-8", len,
                     status == 405 ? "Allow: GET, HEAD\r\n" : "");
    return n < 0 || (size_t)n >= size ? -1 : n;
}

static void on_timeout(uv_timer_t *t);

static void written(uv_write_t *w, int status)
{
    (void)status;
    struct reply *r = (struct reply *)w;
    struct conn *c = w->data;
    free(r->body);
    free(r);
    conn_close(c);
}

/* Send res (and free its body), then close. */
static void respond(struct conn *c, const struct http_request *req,
                    struct http_response *res)
{
    c->answered = 1;
    uv_read_stop((uv_stream_t *)&c->tcp);
    struct reply *r = calloc(1, sizeof *r);
    int n = r ? format_head(r->head, sizeof r->head, res->status,
                            res->content_type, res->len)
              : -1;
    if (n < 0) {
        free(r);
        free(res->body);
        conn_close(c);
        return;
    }
    r->body = res->body;
    uv_buf_t bufs[2] = {uv_buf_init(r->head, (unsigned)n),
                        uv_buf_init(res->body, (unsigned)res->len)};
    int nbufs = req && !strcmp(req->method, "HEAD") ? 1 : 2;
    if (!res->body || !res->len)
        nbufs = 1;
    r->req.data = c;
    if (uv_write(&r->req, (uv_stream_t *)&c->tcp, bufs, (unsigned)nbufs,
                 written) < 0) {
        free(r->body);
        free(r);
        conn_close(c);
        return;
    }
    uv_timer_start(&c->timer, on_timeout, HTTP_WRITE_TIMEOUT_MS, 0);
}

static void respond_error(struct conn *c, int status)
{
    struct http_response res = {.status = status};
    res.len = (size_t)asprintf(&res.body, "%d %s\n", status,
                               http_reason(status));
    if ((ssize_t)res.len < 0)
        res.body = NULL, res.len = 0;
    respond(c, NULL, &res);
}

/* Tell a client the server will not wait on (a 408 at its deadline or when
 * it gives way, a 503 past the cap) why, and close at once, which frees
 * its slot now. The answer goes out only as far as the socket takes it
 * without waiting (a fresh socket takes these few bytes); waiting on a
 * client that does not read would hold the slot again. `why`, when not
 * NULL, follows the reason phrase in the body. */
static void refuse(struct conn *c, int status, const char *why)
{
    char msg[512], body[128];
    int blen = snprintf(body, sizeof body, "%d %s%s%s\n", status,
                        http_reason(status), why ? ": " : "", why ? why : "");
    int n = format_head(msg, sizeof msg, status, NULL, (size_t)blen);
    if (n >= 0 && (size_t)n + (size_t)blen <= sizeof msg) {
        memcpy(msg + n, body, (size_t)blen);
        uv_buf_t b = uv_buf_init(msg, (unsigned)(n + blen));
        (void)uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    }
    conn_close(c);
}

/* At the cap: the oldest connection still reading, if it has had
 * HTTP_EVICT_AFTER_MS, gives way with a 408. Returns 1 when one did. A
 * client that sends its request when it connects is answered long before
 * that, so the one pushed out is, nearly always, a slow or idle one. */
static int evict_oldest(struct http_server *s)
{
    uint64_t now = uv_now(s->tcp.loop);
    for (struct conn *c = s->first; c; c = c->next) {
        if (c->answered)
            continue;
        if (now - c->accepted < HTTP_EVICT_AFTER_MS)
            return 0; /* and the ones after it are younger still */
        refuse(c, 408, NULL);
        return 1;
    }
    return 0;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct conn *c = h->data;
    /* No more than a head can hold with what came before. */
    *buf = uv_buf_init(c->srv->rbuf, (unsigned)(HTTP_MAX_HEAD - c->len));
}

/* Append n bytes to the head gathered so far. */
static int keep(struct conn *c, const char *p, size_t n)
{
    char *grown = realloc(c->head, c->len + n);
    if (!grown)
        return -1;
    memcpy(grown + c->len, p, n);
    c->head = grown;
    c->len += n;
    return 0;
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = st->data;
    if (nread < 0) {
        conn_close(c);
        return;
    }
    if (nread == 0 || c->answered)
        return;
    /* A head that comes in one read is parsed where it landed; one that
     * comes in pieces is gathered in c->head. */
    size_t had = c->len;
    if (had && keep(c, buf->base, (size_t)nread) < 0) {
        conn_close(c);
        return;
    }
    const char *head = had ? c->head : buf->base;
    size_t len = had ? c->len : (size_t)nread;
    struct http_request req;
    int rc = http_parse_request(head, len, &req);
    if (rc == 0 && len < HTTP_MAX_HEAD) {
        if (!had && keep(c, buf->base, len) < 0)
            conn_close(c);
        return;
    }
    if (rc == 0)
        rc = -431;
    if (rc < 0) {
        respond_error(c, -rc);
        return;
    }
    struct http_response res = {.status = 200};
    c->srv->fn(c->srv->ctx, &req, &res);
    respond(c, &req, &res);
}

static void on_timeout(uv_timer_t *t)
{
    struct conn *c = t->data;
    if (c->answered)
        conn_close(c); /* the answer did not get out in time */
    else
        refuse(c, 408, NULL);
}

static void on_connection(uv_stream_t *server, int status)
{
    struct http_server *s = server->data;
    if (status < 0 || s->stopping)
        return;
    struct conn *c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->srv = s;
    c->accepted = uv_now(server->loop);
    uv_tcp_init(server->loop, &c->tcp);
    uv_timer_init(server->loop, &c->timer);
    c->tcp.data = c->timer.data = c;
    c->handles = 2;
    s->handles++;
    c->prev = s->last;
    if (s->last)
        s->last->next = c;
    else
        s->first = c;
    s->last = c;
    s->nconns++;
    if (s->unref) {
        uv_unref((uv_handle_t *)&c->tcp);
        uv_unref((uv_handle_t *)&c->timer);
    }
    if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0) {
        conn_close(c);
        return;
    }
    if (s->nconns > s->max_conns && !evict_oldest(s)) {
        refuse(c, 503, "too many connections");
        return;
    }
    uv_timer_start(&c->timer, on_timeout, HTTP_HEAD_TIMEOUT_MS, 0);
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void listener_closed(uv_handle_t *h) { server_unref(h->data); }

int http_conn_cap(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
        return HTTP_MAX_CONNS;
    rlim_t share = rl.rlim_cur / HTTP_NOFILE_SHARE;
    if (share >= HTTP_MAX_CONNS)
        return HTTP_MAX_CONNS;
    return share > 0 ? (int)share : 1;
}

int http_start(struct http_server **out, uv_loop_t *loop, const char *addr,
               http_handler_fn fn, void *ctx, char *err, size_t errlen)
{
    *out = NULL;
    struct sockaddr_storage ss;
    if (addr_parse(addr, &ss, err, errlen) < 0)
        return UV_EINVAL;
    struct http_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return UV_ENOMEM;
    }
    s->fn = fn;
    s->ctx = ctx;
    s->max_conns = http_conn_cap();
    uv_tcp_init(loop, &s->tcp);
    s->tcp.data = s;
    s->handles = 1;
    int rc = uv_tcp_bind(&s->tcp, (const struct sockaddr *)&ss, 0);
    /* The kernel trims the backlog to net.core.somaxconn. */
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&s->tcp, s->max_conns, on_connection);
    if (rc < 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", addr, uv_strerror(rc));
        s->stopping = 1;
        uv_close((uv_handle_t *)&s->tcp, listener_closed);
        return rc;
    }
    *out = s;
    return 0;
}

int http_port(const struct http_server *s)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    if (uv_tcp_getsockname(&s->tcp, (struct sockaddr *)&ss, &len) < 0)
        return -1;
    return ss.ss_family == AF_INET6
               ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
               : ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

const char *http_bound(const struct http_server *s, char *buf, size_t len)
{
    struct sockaddr_storage ss;
    int sl = sizeof ss;
    char ip[INET6_ADDRSTRLEN] = "?";
    if (uv_tcp_getsockname(&s->tcp, (struct sockaddr *)&ss, &sl) < 0)
        ss.ss_family = AF_INET;
    else if (ss.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, ip,
                  sizeof ip);
    else
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip,
                  sizeof ip);
    snprintf(buf, len, ss.ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d", ip,
             http_port(s));
    return buf;
}

void http_unref(struct http_server *s)
{
    s->unref = 1;
    uv_unref((uv_handle_t *)&s->tcp);
    for (struct conn *c = s->first; c; c = c->next) {
        uv_unref((uv_handle_t *)&c->tcp);
        uv_unref((uv_handle_t *)&c->timer);
    }
}

void http_stop(struct http_server *s)
{
    if (!s)
        return;
    s->stopping = 1;
    while (s->first)
        conn_close(s->first);
    uv_close((uv_handle_t *)&s->tcp, listener_closed);
}
