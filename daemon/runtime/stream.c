/* The article stream in Redis (stream.h): a pool of synchronous hiredis
 * connections shared by the threads that use one stream, and the
 * commands and scripts of the scale-out protocol.
 *
 * Why synchronous calls on the threads that need them, rather than
 * hiredis's libuv adapter on the loop: the outcomes (XACK, dead letters)
 * are recorded on worker threads by the source contract, which must
 * return only once they are recorded; a loop-side client would have to
 * hand each back and forth. A connection is used by one thread at a time
 * (taken from the pool, put back after the command), so hiredis's
 * contexts, which are not thread-safe, never meet two threads. */
#include "stream.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "redis/redis.h"

struct conn {
    redisContext *c;
    struct conn *next;
};

struct stream {
    const struct stream_settings *set;
    struct redis_url url;
    char shown[REDIS_URL_MAX];
    char failed_key[512];     /* <key>:failed */
    char alive_key[512];      /* <key>:consumers: when each said it lives */
    pthread_mutex_t lock;
    struct conn *idle;        /* connections no thread is using */
};

/* Dead-letter a pending entry: its fields and the error record go to
 * KEYS[2], it is acknowledged in KEYS[1]. ARGV: group, entry id, record. */
static const char dead_letter_lua[] =
    "local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)\n"
    "if #p == 0 then return 0 end\n"
    "local e = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])\n"
    "local f = {}\n"
    "if #e > 0 then f = e[1][2] end\n"
    "redis.call('XADD', KEYS[2], '*', 'error', ARGV[3], unpack(f))\n"
    "redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])\n"
    "return 1\n";

/* Re-add a pending entry of consumer ARGV[3] at the end of KEYS[1] and
 * acknowledge the old one. ARGV: group, entry id, consumer. */
static const char requeue_lua[] =
    "local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)\n"
    "if #p == 0 or p[1][2] ~= ARGV[3] then return 0 end\n"
    "local e = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])\n"
    "if #e > 0 then redis.call('XADD', KEYS[1], '*', unpack(e[1][2])) end\n"
    "redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])\n"
    "return 1\n";

/* Move dead letter ARGV[1] of KEYS[1] back into KEYS[2] without its
 * `error` field. Returns the new id, or nil. */
static const char dead_retry_lua[] =
    "local e = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])\n"
    "if #e == 0 then return false end\n"
    "local f, out = e[1][2], {}\n"
    "for i = 1, #f, 2 do\n"
    "  if f[i] ~= 'error' then out[#out + 1] = f[i]; out[#out + 1] = f[i + 1] end\n"
    "end\n"
    "local id = redis.call('XADD', KEYS[2], '*', unpack(out))\n"
    "redis.call('XDEL', KEYS[1], ARGV[1])\n"
    "return id\n";

/* Redis's clock in milliseconds, in a script. */
#define LUA_NOW_MS \
    "local t = redis.call('TIME')\n" \
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"

/* Record that consumer ARGV[1] is alive, at Redis's time, in KEYS[1]
 * (<key>:consumers). */
static const char beat_lua[] =
    LUA_NOW_MS
    "redis.call('HSET', KEYS[1], ARGV[1], string.format('%.0f', now))\n"
    "return 1\n";

/* Delete the consumers of group ARGV[1] of KEYS[1] that hold no pending
 * entry and are either named ARGV[3] or have not said they are alive in
 * KEYS[2] for ARGV[2] ms (ARGV[2] < 0: by name only), with their record;
 * records of consumers that are gone expire the same way. In a script,
 * so that no entry can be handed to a consumer between the check and the
 * deletion (deleting a consumer drops its pending entries). Returns how
 * many consumers were deleted. */
static const char forget_lua[] =
    LUA_NOW_MS
    "local n, limit, seen = 0, tonumber(ARGV[2]), {}\n"
    "for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do\n"
    "  local m = {}\n"
    "  for i = 1, #c, 2 do m[c[i]] = c[i + 1] end\n"
    "  local beat = tonumber(redis.call('HGET', KEYS[2], m['name']) or '0')\n"
    "  seen[m['name']] = true\n"
    "  if m['pending'] == 0 and (m['name'] == ARGV[3] or\n"
    "     (limit >= 0 and now - beat >= limit)) then\n"
    "    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], m['name'])\n"
    "    redis.call('HDEL', KEYS[2], m['name'])\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "if limit >= 0 then\n"
    "  local all = redis.call('HGETALL', KEYS[2])\n"
    "  for i = 1, #all, 2 do\n"
    "    if not seen[all[i]] and now - tonumber(all[i + 1]) >= limit then\n"
    "      redis.call('HDEL', KEYS[2], all[i])\n"
    "    end\n"
    "  end\n"
    "end\n"
    "return n\n";

struct stream *stream_new(const struct stream_settings *set)
{
    struct stream *st = calloc(1, sizeof *st);
    char err[256];
    if (!st)
        return NULL;
    if (redis_url_parse(set->url, &st->url, err, sizeof err) < 0) {
        free(st);
        return NULL;
    }
    st->set = set;
    redact(st->shown, sizeof st->shown, NULL, set->url);
    snprintf(st->failed_key, sizeof st->failed_key, "%s:failed", set->key);
    snprintf(st->alive_key, sizeof st->alive_key, "%s:consumers", set->key);
    pthread_mutex_init(&st->lock, NULL);
    return st;
}

void stream_free(struct stream *st)
{
    if (!st)
        return;
    while (st->idle) {
        struct conn *c = st->idle;
        st->idle = c->next;
        redisFree(c->c);
        free(c);
    }
    pthread_mutex_destroy(&st->lock);
    free(st);
}

const char *stream_shown_url(const struct stream *st)
{
    return st->shown;
}

/* ---- the pool ----------------------------------------------------------- */

static struct conn *conn_get(struct stream *st, char *err, size_t errlen)
{
    pthread_mutex_lock(&st->lock);
    struct conn *c = st->idle;
    if (c)
        st->idle = c->next;
    pthread_mutex_unlock(&st->lock);
    if (c)
        return c;
    c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    char why[512];
    c->c = redis_connect(&st->url, (int)st->set->timeout_ms, why, sizeof why);
    if (!c->c) {
        snprintf(err, errlen, "Redis (%s): %s", st->shown, why);
        free(c);
        return NULL;
    }
    return c;
}

/* Back to the pool, or closed when it failed (`rc` -EIO). */
static void conn_put(struct stream *st, struct conn *c, int rc)
{
    if (rc == -EIO) {
        redisFree(c->c);
        free(c);
        return;
    }
    pthread_mutex_lock(&st->lock);
    c->next = st->idle;
    st->idle = c;
    pthread_mutex_unlock(&st->lock);
}

/* One command on a connection of the pool. A connection that has failed
 * is closed; a command is not sent twice (a write may have been made). */
static int call(struct stream *st, int argc, const char **argv,
                const size_t *lens, redisReply **reply, char *err,
                size_t errlen)
{
    *reply = NULL;
    struct conn *c = conn_get(st, err, errlen);
    if (!c)
        return -EIO;
    char why[512];
    int rc = redis_call(c->c, argc, argv, lens, reply, why, sizeof why);
    if (rc == -EIO)
        snprintf(err, errlen, "Redis (%s): %s", st->shown, why);
    else if (rc < 0)
        snprintf(err, errlen, "Redis (%s) refused %s: %s", st->shown, argv[0],
                 why);
    conn_put(st, c, rc);
    return rc;
}

/* A command whose reply only matters as success or failure. */
static int call_simple(struct stream *st, int argc, const char **argv,
                       const size_t *lens, char *err, size_t errlen)
{
    redisReply *r;
    int rc = call(st, argc, argv, lens, &r, err, errlen);
    freeReplyObject(r);
    return rc;
}

static int unexpected(const struct stream *st, const char *what, char *err,
                      size_t errlen)
{
    snprintf(err, errlen, "Redis (%s) answered %s with something else than "
             "expected", st->shown, what);
    return -EPROTO;
}

/* ---- entries -------------------------------------------------------------- */

void stream_entry_clear(struct stream_entry *e)
{
    free(e->raw);
    memset(e, 0, sizeof *e);
}

static int is_field(const redisReply *k, const char *name)
{
    return k->type == REDIS_REPLY_STRING && k->len == strlen(name) &&
           !memcmp(k->str, name, k->len);
}

static void copy_str(char *out, size_t len, const redisReply *v)
{
    size_t n = v->len < len - 1 ? v->len : len - 1;
    memcpy(out, v->str, n);
    out[n] = '\0';
}

/* An entry of a reply ([id, [field, value, ...]]) into e. Returns 0, 1
 * when the entry was deleted (its fields are nil), -ENOMEM or -EPROTO. */
static int parse_entry(const redisReply *r, struct stream_entry *e)
{
    memset(e, 0, sizeof *e);
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING)
        return -EPROTO;
    copy_str(e->sid, sizeof e->sid, r->element[0]);
    const redisReply *f = r->element[1];
    if (f->type == REDIS_REPLY_NIL)
        return 1;
    if (f->type != REDIS_REPLY_ARRAY)
        return -EPROTO;
    e->deliveries = 1;
    for (size_t i = 0; i + 1 < f->elements; i += 2) {
        const redisReply *k = f->element[i], *v = f->element[i + 1];
        if (v->type != REDIS_REPLY_STRING)
            continue;
        if (is_field(k, "name")) {
            copy_str(e->name, sizeof e->name, v);
        } else if (is_field(k, "id")) {
            copy_str(e->id, sizeof e->id, v);
        } else if (is_field(k, "received")) {
            e->received = strtoll(v->str, NULL, 10);
        } else if (is_field(k, "bytes") && !e->raw) {
            e->raw = malloc(v->len + 1);
            if (!e->raw)
                return -ENOMEM;
            memcpy(e->raw, v->str, v->len);
            e->raw[v->len] = '\0';
            e->len = v->len;
        }
    }
    return 0;
}

/* The entries of `list` into out[], up to max; deleted ones go to
 * gone[] (their ids) when it is given. */
static int parse_entries(const redisReply *list, size_t max,
                         struct stream_entry *out, size_t *n,
                         char (*gone)[STREAM_ID_MAX], size_t *ngone)
{
    if (list->type != REDIS_REPLY_ARRAY)
        return -EPROTO;
    for (size_t i = 0; i < list->elements && *n < max; i++) {
        int rc = parse_entry(list->element[i], &out[*n]);
        if (rc < 0) {
            stream_entry_clear(&out[*n]);
            return rc;
        }
        if (rc == 1) {
            if (gone)
                memcpy(gone[(*ngone)++], out[*n].sid, STREAM_ID_MAX);
            memset(&out[*n], 0, sizeof out[*n]);
            continue;
        }
        (*n)++;
    }
    return 0;
}

/* ---- commands -------------------------------------------------------------- */

int stream_prepare(struct stream *st, char *err, size_t errlen)
{
    const struct stream_settings *s = st->set;
    const char *argv[] = {"XGROUP", "CREATE", s->key, s->group, "0",
                          "MKSTREAM"};
    int rc = call_simple(st, 6, argv, NULL, err, errlen);
    if (rc == -EPROTO && strstr(err, "BUSYGROUP"))
        return 0;
    return rc;
}

int stream_add(struct stream *st, const char *name, const char *id,
               int64_t received, const void *raw, size_t len, char *sid,
               char *err, size_t errlen)
{
    char rec[32];
    snprintf(rec, sizeof rec, "%lld", (long long)received);
    const char *argv[] = {"XADD", st->set->key, "*", "name", name, "id", id,
                          "received", rec, "bytes", raw};
    size_t lens[] = {4, strlen(st->set->key), 1, 4, strlen(name), 2,
                     strlen(id), 8, strlen(rec), 5, len};
    redisReply *r;
    int rc = call(st, 11, argv, lens, &r, err, errlen);
    if (rc == 0 && r->type != REDIS_REPLY_STRING)
        rc = unexpected(st, "XADD", err, errlen);
    if (rc == 0 && sid)
        copy_str(sid, STREAM_ID_MAX, r);
    freeReplyObject(r);
    return rc;
}

/* Delivery counts of this consumer's pending entries out[0..n) (XPENDING
 * over their range). */
static int fill_deliveries(struct stream *st, struct stream_entry *out,
                           size_t n, char *err, size_t errlen)
{
    if (!n)
        return 0;
    const struct stream_settings *s = st->set;
    char count[24];
    snprintf(count, sizeof count, "%zu", n * 2 + 16);
    const char *argv[] = {"XPENDING", s->key, s->group, out[0].sid,
                          out[n - 1].sid, count, s->consumer};
    redisReply *r;
    int rc = call(st, 7, argv, NULL, &r, err, errlen);
    if (rc < 0)
        return rc;
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        const redisReply *p = r->element[i];
        if (p->type != REDIS_REPLY_ARRAY || p->elements < 4 ||
            p->element[0]->type != REDIS_REPLY_STRING)
            continue;
        for (size_t k = 0; k < n; k++)
            if (!strcmp(out[k].sid, p->element[0]->str))
                out[k].deliveries = (unsigned)p->element[3]->integer;
    }
    freeReplyObject(r);
    return 0;
}

static void clear_entries(struct stream_entry *out, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        stream_entry_clear(&out[i]);
    *n = 0;
}

int stream_read(struct stream *st, int own, size_t max, int block_ms,
                struct stream_entry *out, size_t *n, char *err, size_t errlen)
{
    const struct stream_settings *s = st->set;
    char count[24], block[24];
    snprintf(count, sizeof count, "%zu", max);
    snprintf(block, sizeof block, "%d", block_ms);
    const char *argv[] = {"XREADGROUP", "GROUP", s->group, s->consumer,
                          "COUNT", count, "BLOCK", block, "STREAMS", s->key,
                          own ? "0" : ">"};
    *n = 0;
    redisReply *r;
    /* No BLOCK for one's own history: it is answered at once. */
    const char *noblock[] = {argv[0], argv[1], argv[2], argv[3], argv[4],
                             argv[5], argv[8], argv[9], argv[10]};
    int rc = own ? call(st, 9, noblock, NULL, &r, err, errlen)
                 : call(st, 11, argv, NULL, &r, err, errlen);
    if (rc < 0)
        return rc;
    char (*gone)[STREAM_ID_MAX] = calloc(max + 1, STREAM_ID_MAX);
    size_t ngone = 0;
    if (!gone)
        rc = -ENOMEM;
    /* [[key, [entries]]], or nil when nothing came within BLOCK. */
    if (rc == 0 && r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
        r->element[0]->type == REDIS_REPLY_ARRAY &&
        r->element[0]->elements == 2)
        rc = parse_entries(r->element[0]->element[1], max, out, n, gone,
                           &ngone);
    else if (rc == 0 && r->type != REDIS_REPLY_NIL)
        rc = unexpected(st, "XREADGROUP", err, errlen);
    freeReplyObject(r);
    if (rc == -ENOMEM)
        snprintf(err, errlen, "out of memory");
    for (size_t i = 0; rc == 0 && i < ngone; i++)
        rc = stream_ack(st, gone[i], err, errlen);
    free(gone);
    if (rc == 0 && own)
        rc = fill_deliveries(st, out, *n, err, errlen);
    if (rc < 0)
        clear_entries(out, n);
    return rc;
}

int stream_reclaim(struct stream *st, char cursor[STREAM_ID_MAX], size_t max,
                   struct stream_entry *out, size_t *n, char *err,
                   size_t errlen)
{
    const struct stream_settings *s = st->set;
    char count[24], idle[24];
    snprintf(count, sizeof count, "%zu", max);
    snprintf(idle, sizeof idle, "%lld", (long long)s->claim_idle_ms);
    const char *argv[] = {"XAUTOCLAIM", s->key, s->group, s->consumer, idle,
                          cursor, "COUNT", count};
    *n = 0;
    redisReply *r;
    int rc = call(st, 8, argv, NULL, &r, err, errlen);
    if (rc < 0)
        return rc;
    /* [next cursor, [entries], [deleted ids]]: Redis itself drops the
     * deleted ones from the pending list. */
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
        r->element[0]->type != REDIS_REPLY_STRING)
        rc = unexpected(st, "XAUTOCLAIM", err, errlen);
    else
        rc = parse_entries(r->element[1], max, out, n, NULL, NULL);
    if (rc == 0)
        copy_str(cursor, STREAM_ID_MAX, r->element[0]);
    else if (rc == -ENOMEM)
        snprintf(err, errlen, "out of memory");
    else if (rc == -EPROTO)
        unexpected(st, "XAUTOCLAIM", err, errlen);
    freeReplyObject(r);
    if (rc == 0)
        rc = fill_deliveries(st, out, *n, err, errlen);
    if (rc < 0)
        clear_entries(out, n);
    return rc;
}

int stream_touch(struct stream *st, const char (*sids)[STREAM_ID_MAX],
                 size_t n, char *err, size_t errlen)
{
    if (!n)
        return 0;
    const struct stream_settings *s = st->set;
    const char **argv = calloc(n + 6, sizeof *argv);
    if (!argv) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    size_t k = 0;
    argv[k++] = "XCLAIM", argv[k++] = s->key, argv[k++] = s->group;
    argv[k++] = s->consumer, argv[k++] = "0";
    for (size_t i = 0; i < n; i++)
        argv[k++] = sids[i];
    argv[k++] = "JUSTID";
    int rc = call_simple(st, (int)k, argv, NULL, err, errlen);
    free(argv);
    return rc;
}

int stream_ack(struct stream *st, const char *sid, char *err, size_t errlen)
{
    const char *argv[] = {"XACK", st->set->key, st->set->group, sid};
    return call_simple(st, 4, argv, NULL, err, errlen);
}

int stream_dead_letter(struct stream *st, const char *sid,
                       const struct failure *f, char *err, size_t errlen)
{
    char *record = failure_record(f);
    if (!record) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    const char *argv[] = {"EVAL", dead_letter_lua, "2", st->set->key,
                          st->failed_key, st->set->group, sid, record};
    int rc = call_simple(st, 8, argv, NULL, err, errlen);
    free(record);
    return rc;
}

int stream_dead_letter_bytes(struct stream *st, const char *name,
                             const void *raw, size_t len,
                             const struct failure *f, char *err,
                             size_t errlen)
{
    char *record = failure_record(f);
    if (!record) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    const char *id = f->id ? f->id : "";
    const char *argv[] = {"XADD", st->failed_key, "*", "error", record,
                          "name", name, "id", id, "bytes", raw};
    size_t lens[] = {4, strlen(st->failed_key), 1, 5, strlen(record), 4,
                     strlen(name), 2, strlen(id), 5, len};
    int rc = call_simple(st, 11, argv, lens, err, errlen);
    free(record);
    return rc;
}

int stream_requeue(struct stream *st, const char *sid, char *err,
                   size_t errlen)
{
    const char *argv[] = {"EVAL", requeue_lua, "1", st->set->key,
                          st->set->group, sid, st->set->consumer};
    redisReply *r;
    int rc = call(st, 7, argv, NULL, &r, err, errlen);
    if (rc == 0 && r->type == REDIS_REPLY_INTEGER && r->integer == 0)
        rc = -ENOENT;
    freeReplyObject(r);
    return rc;
}

int stream_beat(struct stream *st, char *err, size_t errlen)
{
    const char *argv[] = {"EVAL", beat_lua, "1", st->alive_key,
                          st->set->consumer};
    return call_simple(st, 5, argv, NULL, err, errlen);
}

int stream_forget_consumers(struct stream *st, int64_t idle_ms,
                            const char *name, size_t *forgotten, char *err,
                            size_t errlen)
{
    char limit[24];
    snprintf(limit, sizeof limit, "%lld", (long long)idle_ms);
    const char *argv[] = {"EVAL", forget_lua, "2", st->set->key,
                          st->alive_key, st->set->group, limit,
                          name ? name : ""};
    redisReply *r;
    int rc = call(st, 8, argv, NULL, &r, err, errlen);
    if (rc < 0)
        return rc == -EPROTO && (strstr(err, "no such key") ||
                                 strstr(err, "NOGROUP")) ? 0 : rc;
    if (r->type != REDIS_REPLY_INTEGER)
        rc = unexpected(st, "the script that deletes consumers", err, errlen);
    else if (forgotten)
        *forgotten = (size_t)r->integer;
    freeReplyObject(r);
    return rc;
}

/* ---- figures ------------------------------------------------------------------ */

static const redisReply *map_get(const redisReply *m, const char *name)
{
    for (size_t i = 0; m->type == REDIS_REPLY_ARRAY && i + 1 < m->elements;
         i += 2)
        if (is_field(m->element[i], name))
            return m->element[i + 1];
    return NULL;
}

static uint64_t map_int(const redisReply *m, const char *name, int *known)
{
    const redisReply *v = map_get(m, name);
    if (v && v->type == REDIS_REPLY_INTEGER)
        return (uint64_t)v->integer;
    if (known)
        *known = 0;
    return 0;
}

static int read_group(struct stream *st, struct stream_figures *fig,
                      char *err, size_t errlen)
{
    const char *argv[] = {"XINFO", "GROUPS", st->set->key};
    redisReply *r;
    int rc = call(st, 3, argv, NULL, &r, err, errlen);
    if (rc < 0)
        return rc == -EPROTO && strstr(err, "no such key") ? 0 : rc;
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        const redisReply *g = r->element[i];
        const redisReply *name = map_get(g, "name");
        if (!name || name->type != REDIS_REPLY_STRING ||
            strcmp(name->str, st->set->group))
            continue;
        int lag_known = 1;
        fig->pending = map_int(g, "pending", NULL);
        fig->lag = map_int(g, "lag", &lag_known);
        /* Redis cannot tell the lag after some deletions: then every
         * entry in the stream counts, which is never less. */
        if (!lag_known)
            fig->lag = fig->length;
    }
    freeReplyObject(r);
    return 0;
}

static int read_consumers(struct stream *st, struct stream_figures *fig,
                          char *err, size_t errlen)
{
    const char *argv[] = {"XINFO", "CONSUMERS", st->set->key, st->set->group};
    redisReply *r;
    int rc = call(st, 4, argv, NULL, &r, err, errlen);
    if (rc < 0)
        return rc == -EPROTO ? 0 : rc; /* no group yet */
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        const redisReply *c = r->element[i];
        const redisReply *name = map_get(c, "name");
        if (!name || name->type != REDIS_REPLY_STRING)
            continue;
        if (fig->nconsumers < STREAM_MAX_CONSUMERS) {
            struct stream_consumer *sc = &fig->consumers[fig->nconsumers];
            copy_str(sc->name, sizeof sc->name, name);
            sc->pending = map_int(c, "pending", NULL);
            sc->idle_ms = (int64_t)map_int(c, "idle", NULL);
        }
        fig->nconsumers++;
    }
    freeReplyObject(r);
    return 0;
}

static int length_of(struct stream *st, const char *key, uint64_t *len,
                     char *err, size_t errlen)
{
    const char *argv[] = {"XLEN", key};
    redisReply *r;
    int rc = call(st, 2, argv, NULL, &r, err, errlen);
    if (rc == 0)
        *len = r->type == REDIS_REPLY_INTEGER ? (uint64_t)r->integer : 0;
    freeReplyObject(r);
    return rc;
}

int stream_read_figures(struct stream *st, struct stream_figures *fig,
                        char *err, size_t errlen)
{
    memset(fig, 0, sizeof *fig);
    const char *ping[] = {"PING"};
    int64_t t0 = redis_now_us();
    int rc = call_simple(st, 1, ping, NULL, err, errlen);
    fig->rtt_us = redis_now_us() - t0;
    if (rc == 0)
        rc = length_of(st, st->set->key, &fig->length, err, errlen);
    if (rc == 0)
        rc = length_of(st, st->failed_key, &fig->dead_letters, err, errlen);
    if (rc == 0)
        rc = read_group(st, fig, err, errlen);
    if (rc == 0)
        rc = read_consumers(st, fig, err, errlen);
    fig->known = rc == 0;
    return rc;
}

/* ---- trimming ------------------------------------------------------------------ */

/* "<ms>-<seq>" compared as the stream orders them. */
static int sid_cmp(const char *a, const char *b)
{
    unsigned long long am = strtoull(a, NULL, 10), bm = strtoull(b, NULL, 10);
    const char *ad = strchr(a, '-'), *bd = strchr(b, '-');
    unsigned long long as = ad ? strtoull(ad + 1, NULL, 10) : 0;
    unsigned long long bs = bd ? strtoull(bd + 1, NULL, 10) : 0;
    if (am != bm)
        return am < bm ? -1 : 1;
    return as < bs ? -1 : as > bs;
}

/* The oldest entry group `g` (an XINFO GROUPS element) still needs: its
 * oldest pending entry, else the one after the last it was given. */
static int group_floor(struct stream *st, const redisReply *g,
                       char floor[STREAM_ID_MAX], char *err, size_t errlen)
{
    const redisReply *name = map_get(g, "name");
    const redisReply *last = map_get(g, "last-delivered-id");
    if (!name || name->type != REDIS_REPLY_STRING || !last ||
        last->type != REDIS_REPLY_STRING)
        return unexpected(st, "XINFO GROUPS", err, errlen);
    unsigned long long ms = strtoull(last->str, NULL, 10);
    const char *dash = strchr(last->str, '-');
    unsigned long long seq = dash ? strtoull(dash + 1, NULL, 10) : 0;
    snprintf(floor, STREAM_ID_MAX, "%llu-%llu", ms, seq + 1);
    const char *argv[] = {"XPENDING", st->set->key, name->str};
    redisReply *r;
    int rc = call(st, 3, argv, NULL, &r, err, errlen);
    if (rc < 0)
        return rc;
    /* [count, smallest id, greatest id, consumers] */
    if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2 &&
        r->element[0]->type == REDIS_REPLY_INTEGER &&
        r->element[0]->integer > 0 &&
        r->element[1]->type == REDIS_REPLY_STRING &&
        sid_cmp(r->element[1]->str, floor) < 0)
        copy_str(floor, STREAM_ID_MAX, r->element[1]);
    freeReplyObject(r);
    return 0;
}

int stream_trim(struct stream *st, char *err, size_t errlen)
{
    const char *argv[] = {"XINFO", "GROUPS", st->set->key};
    redisReply *r;
    int rc = call(st, 3, argv, NULL, &r, err, errlen);
    if (rc < 0)
        return rc == -EPROTO && strstr(err, "no such key") ? 0 : rc;
    char floor[STREAM_ID_MAX] = "", g[STREAM_ID_MAX];
    for (size_t i = 0; rc == 0 && r->type == REDIS_REPLY_ARRAY &&
                       i < r->elements; i++) {
        rc = group_floor(st, r->element[i], g, err, errlen);
        if (rc == 0 && (!floor[0] || sid_cmp(g, floor) < 0))
            memcpy(floor, g, sizeof floor);
    }
    freeReplyObject(r);
    if (rc < 0 || !floor[0])
        return rc; /* no group: nothing is known to be done */
    const char *trim[] = {"XTRIM", st->set->key, "MINID", "~", floor};
    return call_simple(st, 5, trim, NULL, err, errlen);
}

/* ---- dead letters ----------------------------------------------------------------- */

static void dead_from(const struct stream_entry *e, const redisReply *fields,
                      struct stream_dead *d)
{
    memset(d, 0, sizeof *d);
    memcpy(d->sid, e->sid, sizeof d->sid);
    memcpy(d->name, e->name, sizeof d->name);
    memcpy(d->id, e->id, sizeof d->id);
    const redisReply *rec = map_get(fields, "error");
    const char *stage = rec && rec->type == REDIS_REPLY_STRING
                            ? strstr(rec->str, "\"stage\": \"") : NULL;
    if (stage) {
        stage += strlen("\"stage\": \"");
        size_t n = strcspn(stage, "\"");
        if (n >= sizeof d->stage)
            n = sizeof d->stage - 1;
        memcpy(d->stage, stage, n);
    }
}

int stream_dead_list(struct stream *st, const char *after, size_t max,
                     struct stream_dead *out, size_t *n, char *err,
                     size_t errlen)
{
    char start[STREAM_ID_MAX + 1], count[24];
    snprintf(start, sizeof start, "%s%s", strcmp(after, "-") ? "(" : "", after);
    snprintf(count, sizeof count, "%zu", max);
    const char *argv[] = {"XRANGE", st->failed_key, start, "+", "COUNT", count};
    redisReply *r;
    *n = 0;
    int rc = call(st, 6, argv, NULL, &r, err, errlen);
    if (rc < 0)
        return rc;
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements &&
                       *n < max; i++) {
        struct stream_entry e;
        if (parse_entry(r->element[i], &e) != 0) {
            stream_entry_clear(&e);
            continue;
        }
        dead_from(&e, r->element[i]->element[1], &out[(*n)++]);
        stream_entry_clear(&e);
    }
    freeReplyObject(r);
    return 0;
}

int stream_dead_retry(struct stream *st, const char *sid, char *newsid,
                      char *err, size_t errlen)
{
    const char *argv[] = {"EVAL", dead_retry_lua, "2", st->failed_key,
                          st->set->key, sid};
    redisReply *r;
    int rc = call(st, 6, argv, NULL, &r, err, errlen);
    if (rc < 0)
        return rc;
    if (r->type == REDIS_REPLY_STRING) {
        copy_str(newsid, STREAM_ID_MAX, r);
    } else {
        snprintf(err, errlen, "%s: no such dead letter in %s", sid,
                 st->failed_key);
        rc = -ENOENT;
    }
    freeReplyObject(r);
    return rc;
}
