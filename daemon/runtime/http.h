/* A small HTTP/1.1 server on the libuv loop, for /metrics, /health and
 * /status: GET and HEAD only, no request bodies, one request per
 * connection (answered with "Connection: close"). The request parser is
 * strict (RFC 9112): anything it does not understand is refused with a
 * 4xx/5xx status rather than guessed at.
 *
 * Under load it stays reachable, with bounded memory:
 * - at most http_conn_cap() connections are open: HTTP_MAX_CONNS, or
 *   fewer when the open-file soft limit is low (a 1/HTTP_NOFILE_SHARE
 *   share of it; the rest is the daemon's);
 * - a request head must be complete HTTP_HEAD_TIMEOUT_MS after the
 *   connection was accepted, however slowly its bytes trickle in; an
 *   answer must be sent within HTTP_WRITE_TIMEOUT_MS; a client that misses
 *   its deadline is told 408 or, while being answered, closed;
 * - at the cap, a new client takes the place of the oldest connection
 *   that has had HTTP_EVICT_AFTER_MS and still not sent a whole head (it
 *   is told 408); when none has, the new client is told 503 "too many
 *   connections" at once, never closed without a word;
 * - a connection costs about half a KiB, plus the part of its head that
 *   came in before the rest (at most HTTP_MAX_HEAD). */
#ifndef ND_HTTP_H
#define ND_HTTP_H

#include <stddef.h>
#include <uv.h>

#define HTTP_MAX_HEAD 8192          /* request line and headers */
#define HTTP_MAX_CONNS 4096         /* open connections, at most */
#define HTTP_NOFILE_SHARE 4         /* ...and at most soft limit / this */
#define HTTP_HEAD_TIMEOUT_MS 5000   /* from accept to the end of the head */
#define HTTP_WRITE_TIMEOUT_MS 10000 /* from the answer to its last byte */
#define HTTP_EVICT_AFTER_MS 1000    /* a head this late may give way */

struct http_request {
    char method[8];     /* "GET" or "HEAD" once parsed */
    char path[1024];    /* the target up to '?', as sent */
    char query[1024];   /* after '?', or "" */
    int minor;          /* HTTP/1.<minor> */
    int has_host;
};

/* Parse the head of a request in buf[0..len). Returns the number of bytes
 * of the head (through the blank line) when complete, 0 when more bytes
 * are needed, or minus the HTTP status to answer with when the request is
 * malformed: -400, -405 (not GET/HEAD), -414 (target too long), -431
 * (head too long), -501 (a body or transfer coding), -505 (not HTTP/1.x). */
int http_parse_request(const char *buf, size_t len, struct http_request *req);

struct http_response {
    int status;               /* 200 by default */
    const char *content_type; /* static; "text/plain; charset=utf-8" default */
    char *body;               /* malloc'd by the handler; freed by the server */
    size_t len;
};

/* Called on the loop thread for each well-formed request. */
typedef void (*http_handler_fn)(void *ctx, const struct http_request *req,
                                struct http_response *res);

struct http_server;

/* Listen on `addr` ("HOST:PORT", "[V6]:PORT"; port 0 picks a free one) and
 * serve with `fn`, taking at most http_conn_cap() connections (as it is
 * now; the listen backlog is as long). Returns 0 and the server in *out,
 * or a negative libuv error with the reason in err. */
int http_start(struct http_server **out, uv_loop_t *loop, const char *addr,
               http_handler_fn fn, void *ctx, char *err, size_t errlen);

/* The connection cap http_start would set now: HTTP_MAX_CONNS, or a
 * 1/HTTP_NOFILE_SHARE share of the open-file soft limit when that is
 * less (at least 1). */
int http_conn_cap(void);

/* The port actually listened on (useful after port 0). */
int http_port(const struct http_server *s);

/* The address listened on as "IP:PORT" or "[IP]:PORT", into buf. */
const char *http_bound(const struct http_server *s, char *buf, size_t len);

/* Let the loop end while the server (and its connections) are open. */
void http_unref(struct http_server *s);

/* Stop listening and drop open connections; the memory is freed once
 * libuv has closed every handle (run the loop until then). */
void http_stop(struct http_server *s);

/* The reason phrase for a status code. */
const char *http_reason(int status);

#endif
