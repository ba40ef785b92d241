/* Talking to Redis (hiredis, synchronously): the URL a configuration
 * names, connecting with a timeout (authenticating and selecting the
 * database), sending a command from argument vectors and telling a lost
 * connection from a refusal. For the daemon's stream and the `redis`
 * exporter.
 *
 * A redisContext is not thread-safe: each belongs to one thread at a
 * time. Nothing here logs; errors are negative errno values with a
 * sentence in the caller's `err`, and never contain the password. */
#ifndef ND_REDIS_H
#define ND_REDIS_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#define REDIS_URL_MAX 1024

struct redis_url {
    int unix_socket;        /* unix:///path: `path`; else host and port */
    char host[256];
    int port;
    char path[108];         /* sun_path's size */
    char user[128];         /* "" for the default user */
    char password[256];     /* "" for none */
    int db;
};

/* Parse `url`:
 *   redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]   (PORT 6379, DB 0)
 *   unix://[[USER]:PASSWORD@]/PATH[?db=N][&password=P]
 * Returns 0, or -EINVAL with what is wrong in err (never the password). */
int redis_url_parse(const char *url, struct redis_url *u, char *err,
                    size_t errlen);

/* Connect, AUTH when there is a password, SELECT the database; commands
 * time out after `timeout_ms`. Returns the context, or NULL with why in
 * err ("cannot connect to 127.0.0.1:6379: Connection refused"). */
redisContext *redis_connect(const struct redis_url *u, int timeout_ms,
                            char *err, size_t errlen);

/* Where `u` leads, for messages: "127.0.0.1:6379/0", "/run/redis.sock". */
void redis_where(const struct redis_url *u, char *out, size_t len);

/* Send one command (argv, with lengths; NULL lengths: strlen) and wait
 * for its reply into *reply (free it with freeReplyObject). Returns 0;
 * -EIO when the connection failed (c is no use any more: free it), with
 * the reason in err; -EPROTO when Redis answered with an error, its text
 * in err (*reply is then NULL). */
int redis_call(redisContext *c, int argc, const char **argv,
               const size_t *lens, redisReply **reply, char *err,
               size_t errlen);

/* Nonzero when a Redis error reply (its text) is worth a retry: the
 * server is loading, busy with a script, read-only (a replica being
 * promoted), out of memory, or its cluster is reconfiguring. */
int redis_error_transient(const char *msg);

/* Monotonic microseconds, for measuring round trips. */
int64_t redis_now_us(void);

#endif
