/* redis: the exporter that adds each document's JSON to a Redis stream
 * (XADD `key` * id <id> doc <json>), for consumers downstream.
 *
 * Idempotent by document id: a hash beside the stream, <key>:ids, maps
 * each id exported to its entry, and one script checks it, adds the
 * entry and records it, atomically; a document exported again (a worker
 * that died after the export and before its acknowledgement, a file
 * dropped twice) adds nothing. The hash keeps every id ever exported
 * (about 100 bytes each), also those whose entries `maxlen` has trimmed
 * away: it is what makes the output exactly-once in effect. In Redis
 * Cluster give `key` a hash tag ({news}:docs) so both keys share a slot.
 *
 * Durability is the server's: an entry is as safe as Redis's
 * persistence settings make it (appendonly, appendfsync), which is why
 * there is no flush. A server that cannot be reached, or that answers
 * LOADING, BUSY, OOM, READONLY and the like, makes the document wait
 * (RETRY); any other refusal fails it. A document that fails after this
 * step is withdrawn: its entry deleted (XDEL) and its id forgotten. */
#include <newsdesk/plugin.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis/redis.h"

/* KEYS: the stream, its id hash; ARGV: id, JSON, maxlen (0: none).
 * Returns the document's entry id, new or earlier. */
static const char add_lua[] =
    "local old = redis.call('HGET', KEYS[2], ARGV[1])\n"
    "if old then return {old, 0} end\n"
    "local id\n"
    "if tonumber(ARGV[3]) > 0 then\n"
    "  id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*',\n"
    "                  'id', ARGV[1], 'doc', ARGV[2])\n"
    "else\n"
    "  id = redis.call('XADD', KEYS[1], '*', 'id', ARGV[1], 'doc', ARGV[2])\n"
    "end\n"
    "redis.call('HSET', KEYS[2], ARGV[1], id)\n"
    "return {id, 1}\n";

/* KEYS: the stream, its id hash; ARGV: id. */
static const char withdraw_lua[] =
    "local old = redis.call('HGET', KEYS[2], ARGV[1])\n"
    "if old then redis.call('XDEL', KEYS[1], old) end\n"
    "redis.call('HDEL', KEYS[2], ARGV[1])\n"
    "return 1\n";

struct rx {
    nd_instance_t *self;
    struct redis_url url;
    char *key, *ids;          /* the stream and <key>:ids */
    char maxlen[24];
    int timeout_ms;
    redisContext *c;          /* NULL until connected (again) */
};

static const nd_option_t options[] = {
    {"url", ND_OPT_STRING, "redis://127.0.0.1:6379/0", 0, 0, 0, NULL,
     "the Redis server: redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or "
     "unix:///PATH[?db=N&password=P]"},
    {"key", ND_OPT_STRING, "newsdesk:documents", 0, 0, 0, NULL,
     "the output stream; the ids exported are kept in <key>:ids"},
    {"maxlen", ND_OPT_INT, "0", ND_OPT_RANGE, 0, 1e12, NULL,
     "trim the stream to about this many entries (XADD MAXLEN ~); 0 keeps "
     "every entry"},
    {"timeout", ND_OPT_DURATION, "5s", ND_OPT_RANGE, 100, 600000, NULL,
     "longest wait for Redis to connect or answer"},
    {0},
};

/* A connection, made if need be. Returns 0 or -1 with why in err. */
static int connected(struct rx *x, char *err, size_t errlen)
{
    if (x->c)
        return 0;
    x->c = redis_connect(&x->url, x->timeout_ms, err, errlen);
    return x->c ? 0 : -1;
}

/* Run one script; the reply in *reply. Returns ND_OK, or ND_RETRY /
 * ND_FAIL after nd_doc_error (`what` says what was being done). */
static nd_status_t run_script(struct rx *x, nd_doc_t *doc, const char *what,
                              const char *script, int argc, const char **args,
                              const size_t *lens, redisReply **reply)
{
    char err[512];
    *reply = NULL;
    if (connected(x, err, sizeof err) < 0) {
        nd_doc_error(doc, "Redis: %s", err);
        return ND_RETRY;
    }
    const char *argv[8] = {"EVAL", script, "2", x->key, x->ids};
    size_t l[8] = {4, strlen(script), 1, strlen(x->key), strlen(x->ids)};
    for (int i = 0; i < argc; i++)
        argv[5 + i] = args[i], l[5 + i] = lens[i];
    int rc = redis_call(x->c, 5 + argc, argv, l, reply, err, sizeof err);
    if (rc == 0)
        return ND_OK;
    nd_doc_error(doc, "Redis: cannot %s: %s", what, err);
    if (rc == -EIO) {
        redisFree(x->c);
        x->c = NULL;
        return ND_RETRY;
    }
    return redis_error_transient(err) ? ND_RETRY : ND_FAIL;
}

static int rx_init(nd_instance_t *self, const nd_opts_t *opts, void **state,
                   char *err, size_t errlen)
{
    struct rx *x = calloc(1, sizeof *x);
    if (!x) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    x->self = self;
    char why[256];
    if (redis_url_parse(nd_opt_str(opts, "url"), &x->url, why, sizeof why) < 0) {
        snprintf(err, errlen, "url: %s", why);
        free(x);
        return -1;
    }
    const char *key = nd_opt_str(opts, "key");
    x->key = strdup(key);
    if (x->key && asprintf(&x->ids, "%s:ids", key) < 0)
        x->ids = NULL;
    if (!x->key || !x->ids) {
        snprintf(err, errlen, "out of memory");
        free(x->key);
        free(x);
        return -1;
    }
    snprintf(x->maxlen, sizeof x->maxlen, "%lld",
             (long long)nd_opt_int(opts, "maxlen"));
    x->timeout_ms = (int)nd_opt_int(opts, "timeout");
    /* A server that is down at start-up is no configuration error: the
     * documents wait until it answers. */
    if (connected(x, why, sizeof why) < 0)
        nd_log(self, ND_LOG_WARNING, "%s; documents wait until it answers",
               why);
    *state = x;
    return 0;
}

static nd_status_t rx_process(void *state, nd_doc_t *doc)
{
    struct rx *x = state;
    size_t len;
    const char *json = nd_doc_json(doc, &len);
    if (!json) {
        nd_doc_error(doc, "out of memory");
        return ND_RETRY;
    }
    const char *id = nd_doc_id(doc);
    const char *args[] = {id, json, x->maxlen};
    size_t lens[] = {strlen(id), len, strlen(x->maxlen)};
    redisReply *r;
    nd_status_t st = run_script(x, doc, "add the document to the stream",
                                add_lua, 3, args, lens, &r);
    if (st != ND_OK)
        return st;
    int added = r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
                r->element[1]->type == REDIS_REPLY_INTEGER &&
                r->element[1]->integer == 1;
    freeReplyObject(r);
    nd_counter_add(x->self, added ? "added" : "already_there", 1);
    return ND_OK;
}

static nd_status_t rx_withdraw(void *state, nd_doc_t *doc)
{
    struct rx *x = state;
    const char *id = nd_doc_id(doc);
    const char *args[] = {id};
    size_t lens[] = {strlen(id)};
    redisReply *r;
    nd_status_t st = run_script(x, doc, "delete the failed document's entry",
                                withdraw_lua, 1, args, lens, &r);
    freeReplyObject(r);
    if (st == ND_OK)
        nd_counter_add(x->self, "withdrawn", 1);
    return st;
}

static void rx_fini(void *state)
{
    struct rx *x = state;
    redisFree(x->c);
    free(x->key);
    free(x->ids);
    free(x);
}

static const nd_plugin_t rx_plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "redis",
    .version = "1.0.0",
    .description = "adds each document's JSON to a Redis stream, once per "
                   "document id",
    .role = ND_ROLE_EXPORTER,
    .flags = ND_PLUGIN_SERIAL,
    .options = options,
    .init = rx_init,
    .process = rx_process,
    .fini = rx_fini,
    .withdraw = rx_withdraw,
};

ND_PLUGIN(rx_plugin)
