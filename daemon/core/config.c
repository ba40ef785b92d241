/* The configuration file (YAML): finding it, expanding ${VAR}, checking
 * every key against the core's and the plugins' option tables, and the
 * built-in defaults. Errors are collected, each as file:line:column. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "build_config.h"
#include "cond.h"
#include "addr.h"
#include "options.h"
#include "redact.h"
#include "base/buf.h"
#include "redis/redis.h"
#include "base/grow.h"
#include "paths.h"

/* ---- errors ----------------------------------------------------------- */

void errs_add(struct errlist *e, const char *fmt, ...)
{
    char **m = array_grow(e->msgs, &e->cap, e->n + 1, sizeof *m, 8);
    if (!m)
        return;
    e->msgs = m;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&e->msgs[e->n], fmt, ap) >= 0)
        e->n++;
    va_end(ap);
}

void errs_free(struct errlist *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->msgs[i]);
    free(e->msgs);
    memset(e, 0, sizeof *e);
}

/* ---- the core's own options ------------------------------------------- */

static const char *const on_success_choices[] = {"keep", "delete", NULL};
static const char *const watch_choices[] = {"auto", "inotify", "poll", NULL};
static const char *const durable_choices[] = {"batch", "always", "none", NULL};
static const char *const level_choices[] = {"error", "warning", "notice",
                                            "info", "debug", NULL};
static const char *const role_choices[] = {"forward", "work", NULL};

const nd_option_t config_inbox_options[] = {
    {"path", ND_OPT_PATH, "./inbox", 0, 0, 0, NULL,
     "the watched folder where articles are dropped"},
    {"state", ND_OPT_PATH, "./var", 0, 0, 0, NULL,
     "holds work/, done/, failed/ and the daemon's state; must be on the "
     "inbox's file system"},
    {"on_success", ND_OPT_ENUM, "keep", 0, 0, 0, on_success_choices,
     "what happens to a file once exported: moved to done/ or deleted"},
    {"settle", ND_OPT_DURATION, "250ms", ND_OPT_RANGE, 0, 3600000, NULL,
     "quiet time after a close-after-write before a file is taken"},
    {"settle_slow", ND_OPT_DURATION, "2s", ND_OPT_RANGE, 0, 3600000, NULL,
     "gap between the two size/mtime checks for files found by a scan"},
    {"rescan", ND_OPT_DURATION, "5m", ND_OPT_RANGE, 1000, 86400000, NULL,
     "period of the safety-net scan of the inbox"},
    {"max_bytes", ND_OPT_SIZE, "32MiB", ND_OPT_RANGE, 1, 1099511627776.0, NULL,
     "larger files go to failed/ unread"},
    {"ignore", ND_OPT_STRLIST, NULL, 0, 0, 0, NULL,
     "more name globs to leave alone, added to the built-in ones"},
    {"watch", ND_OPT_ENUM, "auto", 0, 0, 0, watch_choices,
     "inotify, periodic scanning (poll), or auto: scanning on network and "
     "FUSE file systems"},
    {"poll_interval", ND_OPT_DURATION, "1s", ND_OPT_RANGE, 50, 3600000, NULL,
     "how often the inbox is scanned when watched by polling"},
    {"max_attempts", ND_OPT_INT, "3", ND_OPT_RANGE, 1, 1000, NULL,
     "runs that crashed the daemon before a file is failed as poison"},
    {0},
};

const nd_option_t config_service_options[] = {
    {"workers", ND_OPT_INT, "0", ND_OPT_RANGE, 0, 1024, NULL,
     "worker threads; 0 means the number of CPUs"},
    {"max_inflight", ND_OPT_INT, "256", ND_OPT_RANGE, 1, 1000000, NULL,
     "documents in memory at once; past it the inbox is the queue"},
    {"durable", ND_OPT_ENUM, "batch", 0, 0, 0, durable_choices,
     "batch: group commit; always: sync every document; none: leave it to "
     "the kernel"},
    {"plugin_path", ND_OPT_STRLIST, NULL, 0, 0, 0, NULL,
     "folders searched for plugins before the built-in one"},
    {"log_level", ND_OPT_ENUM, "info", 0, 0, 0, level_choices,
     "least severe log lines written"},
    {"http", ND_OPT_STRING, "127.0.0.1:9321", 0, 0, 0, NULL,
     "IP:PORT serving /metrics, /health and /status; \"\" turns it off"},
    {"retry_min", ND_OPT_DURATION, "1s", ND_OPT_RANGE, 1, 3600000, NULL,
     "first wait before a step that asked for a retry runs again"},
    {"retry_max", ND_OPT_DURATION, "5m", ND_OPT_RANGE, 1, 86400000, NULL,
     "longest wait between retries (the wait doubles, with jitter)"},
    {"stop_timeout", ND_OPT_DURATION, "20s", ND_OPT_RANGE, 0, 3600000, NULL,
     "on SIGTERM, how long documents in a step may take to finish before "
     "their files go back to the inbox and the daemon exits anyway (keep "
     "it below the unit's TimeoutStopSec)"},
    {0},
};

/* Present only when the file has a `stream` section: the daemon is then
 * one of many sharing work through a Redis stream (docs/scale-out.md). */
const nd_option_t config_stream_options[] = {
    {"role", ND_OPT_ENUM, NULL, ND_OPT_REQUIRED, 0, 0, role_choices,
     "forward: claim inbox files and add each to the stream; work: take "
     "entries from the stream and run the pipeline"},
    {"url", ND_OPT_STRING, "redis://127.0.0.1:6379/0", 0, 0, 0, NULL,
     "the Redis server: redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or "
     "unix:///PATH[?db=N&password=P]; the password is never shown"},
    {"key", ND_OPT_STRING, "newsdesk:articles", 0, 0, 0, NULL,
     "the stream of articles; dead letters go to <key>:failed"},
    {"group", ND_OPT_STRING, "newsdesk", 0, 0, 0, NULL,
     "the consumer group the workers share (created if missing)"},
    {"consumer", ND_OPT_STRING, "", 0, 0, 0, NULL,
     "this worker's name in the group; \"\": host name and process id"},
    {"claim_idle", ND_OPT_DURATION, "60s", ND_OPT_RANGE, 1000, 86400000, NULL,
     "a worker takes over another's entries once they have been idle this "
     "long (that worker died)"},
    {"max_backlog", ND_OPT_INT, "100000", ND_OPT_RANGE, 1, 1e12, NULL,
     "a forwarder stops claiming while the group has more entries than "
     "this not yet acknowledged (undelivered plus pending)"},
    {"timeout", ND_OPT_DURATION, "5s", ND_OPT_RANGE, 100, 600000, NULL,
     "longest wait for Redis to connect or answer before the connection "
     "counts as lost (and is made again, with backoff)"},
    {0},
};

/* ---- the built-in chain ----------------------------------------------- */

struct default_step {
    const char *plugin;
    const char *key, *value; /* one option, or NULL */
};

static const struct default_step default_chain[] = {
    {"text", NULL, NULL},
    {"html", NULL, NULL},
    {"json-reader", NULL, NULL},
    {"feed", NULL, NULL},
    {"language", NULL, NULL},
    {"entities", NULL, NULL},
    {"keywords", NULL, NULL},
    {"quotes", NULL, NULL},
    {"summary", NULL, NULL},
    {"topics", NULL, NULL},
    {"json", "dir", "./outbox"},
    {NULL, NULL, NULL},
};

/* ---- finding the file ------------------------------------------------- */

const char *config_find(const char *explicit)
{
    if (explicit)
        return explicit;
    const char *env = getenv("NEWSDESK_CONFIG");
    if (env && *env)
        return env;
    if (access("newsdesk.yaml", F_OK) == 0)
        return "newsdesk.yaml";
    if (access(ND_SYSCONFDIR "/newsdesk/newsdesk.yaml", F_OK) == 0)
        return ND_SYSCONFDIR "/newsdesk/newsdesk.yaml";
    return NULL;
}

/* ---- reading ---------------------------------------------------------- */

struct reader {
    const char *file;
    yaml_document_t doc;
    struct errlist *errs, *warns;
};

#define AT(r, node) (r)->file, (int)(node)->start_mark.line + 1, \
                    (int)(node)->start_mark.column + 1

static const char *node_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE: return "a scalar";
    case YAML_SEQUENCE_NODE: return "a list";
    case YAML_MAPPING_NODE: return "a mapping";
    default: return "nothing";
    }
}

/* A scalar's text with ${VAR} and ${VAR:-default} expanded; malloc'd, or
 * NULL after recording an error. */
static char *expand(struct reader *r, yaml_node_t *n)
{
    const char *s = (const char *)n->data.scalar.value;
    struct buf out = {0};
    if (buf_put(&out, "", 0) < 0)
        return NULL;
    while (*s) {
        const char *piece = s;
        size_t plen = 1;
        char *owned = NULL;
        if (s[0] == '$' && s[1] == '$' && s[2] == '{') {
            piece = "${", plen = 2, s += 3; /* $${ is a literal ${ */
        } else if (s[0] == '$' && s[1] == '{') {
            const char *end = strchr(s + 2, '}');
            if (!end) {
                char shown[256];
                redact(shown, sizeof shown, NULL,
                       (const char *)n->data.scalar.value);
                errs_add(r->errs, "%s:%d:%d: unterminated ${ in \"%s\": "
                         "expected ${NAME} or ${NAME:-default}", AT(r, n),
                         shown);
                buf_free(&out);
                return NULL;
            }
            char *var = strndup(s + 2, (size_t)(end - s - 2));
            char *def = strstr(var, ":-");
            if (def)
                *def = '\0', def += 2;
            const char *val = getenv(var);
            if ((!val || !*val) && def)
                val = def;
            if (!val) {
                errs_add(r->errs, "%s:%d:%d: environment variable %s is not "
                         "set (write ${%s:-default} to give a default)",
                         AT(r, n), var, var);
                free(var);
                buf_free(&out);
                return NULL;
            }
            owned = strdup(val);
            free(var);
            piece = owned, plen = strlen(owned);
            s = end + 1;
        } else {
            s++;
        }
        int rc = buf_put(&out, piece, plen);
        free(owned);
        if (rc < 0) {
            buf_free(&out);
            return NULL;
        }
    }
    return out.p;
}

static yaml_node_t *node(struct reader *r, int id)
{
    return yaml_document_get_node(&r->doc, id);
}

/* Mapping keys must be scalars and appear once. Returns the key text or
 * NULL (after an error). */
static const char *key_of(struct reader *r, yaml_node_pair_t *pair,
                          yaml_node_t *map)
{
    yaml_node_t *k = node(r, pair->key);
    if (!k || k->type != YAML_SCALAR_NODE) {
        errs_add(r->errs, "%s:%d:%d: expected a key name, got %s", AT(r, k),
                 k ? node_kind(k) : "nothing");
        return NULL;
    }
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < pair; p++) {
        yaml_node_t *pk = node(r, p->key);
        if (pk && pk->type == YAML_SCALAR_NODE &&
            !strcmp((char *)pk->data.scalar.value, (char *)k->data.scalar.value)) {
            errs_add(r->errs, "%s:%d:%d: duplicate key \"%s\" (first given at "
                     "line %d)", AT(r, k), (char *)k->data.scalar.value,
                     (int)pk->start_mark.line + 1);
            return NULL;
        }
    }
    return (const char *)k->data.scalar.value;
}

/* Set one option from a YAML value node. `what` prefixes messages
 * ("inbox", "plugin json"). */
static void set_option(struct reader *r, nd_opts_t *o, int idx,
                       yaml_node_t *v, const char *what)
{
    char err[1024];
    const nd_option_t *opt = &o->table[idx];
    int rc = -1;
    if (opt->flags & ND_OPT_DEPRECATED)
        errs_add(r->warns, "%s:%d:%d: %s: option %s is deprecated (%s)",
                 AT(r, v), what, opt->name, opt->desc ? opt->desc : "");
    if (v->type == YAML_SCALAR_NODE) {
        char *text = expand(r, v);
        if (!text)
            return;
        /* An empty plain scalar is YAML's null: an empty list for lists. */
        if (opt->type == ND_OPT_STRLIST && !*text &&
            v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
            rc = opts_set_list(o, (size_t)idx, NULL, 0, err, sizeof err);
        else
            rc = opts_set_scalar(o, (size_t)idx, text, err, sizeof err);
        free(text);
    } else if (v->type == YAML_SEQUENCE_NODE) {
        size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
        char **items = calloc(n + 1, sizeof *items);
        size_t got = 0;
        int bad = !items;
        for (yaml_node_item_t *it = v->data.sequence.items.start;
             !bad && it < v->data.sequence.items.top; it++) {
            yaml_node_t *item = node(r, *it);
            if (!item || item->type != YAML_SCALAR_NODE) {
                errs_add(r->errs, "%s:%d:%d: %s: %s: expected a string in the "
                         "list, got %s", AT(r, item ? item : v), what,
                         opt->name, item ? node_kind(item) : "nothing");
                bad = 1;
            } else if (!(items[got] = expand(r, item))) {
                bad = 1;
            } else {
                got++;
            }
        }
        if (!bad)
            rc = opts_set_list(o, (size_t)idx, (const char *const *)items, got,
                               err, sizeof err);
        for (size_t i = 0; i < got; i++)
            free(items[i]);
        free(items);
        if (bad)
            return;
    } else {
        snprintf(err, sizeof err, "%s: expected %s %s, got a mapping",
                 opt->name, opt->type == ND_OPT_ENUM ? "one" : "a",
                 opt_type_name(opt->type));
    }
    /* The listen address is checked here, where its position is known,
     * so that `newsdesk check` reports it. */
    struct sockaddr_storage ss;
    char why[512];
    if (rc == 0 && o->table == config_service_options &&
        !strcmp(opt->name, "http") && *o->v[idx].str &&
        addr_parse(o->v[idx].str, &ss, why, sizeof why) < 0) {
        snprintf(err, sizeof err, "%s: %s, or \"\" to turn it off",
                 opt->name, why);
        rc = -1;
    }
    struct redis_url url;
    if (rc == 0 && o->table == config_stream_options &&
        !strcmp(opt->name, "url") &&
        redis_url_parse(o->v[idx].str, &url, why, sizeof why) < 0) {
        char shown[400];
        redact(shown, sizeof shown, NULL, o->v[idx].str);
        snprintf(err, sizeof err, "url: \"%s\": %.500s", shown, why);
        rc = -1;
    }
    /* So is the program an option names: check finds it missing, not the
     * start of the step. */
    if (rc == 0 && (opt->flags & ND_OPT_PROGRAM) &&
        opts_check_program(opt, &o->v[idx], err, sizeof err) < 0)
        rc = -1;
    if (rc < 0)
        errs_add(r->errs, "%s:%d:%d: %s: %s", AT(r, v), what, err);
    else
        o->v[idx].user_set = 1;
}

/* Check a mapping of options against `o`'s table. Keys in `reserved` are
 * left to the caller. */
static void read_options(struct reader *r, yaml_node_t *map, nd_opts_t *o,
                         const char *what, const char *const *reserved)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
         p < map->data.mapping.pairs.top; p++) {
        const char *key = key_of(r, p, map);
        if (!key)
            continue;
        int skip = 0;
        for (size_t i = 0; reserved && reserved[i]; i++)
            skip |= !strcmp(reserved[i], key);
        if (skip)
            continue;
        int idx = opts_find(o, key);
        yaml_node_t *v = node(r, p->value);
        if (idx < 0) {
            char names[2048];
            errs_add(r->errs, "%s:%d:%d: %s: unknown key \"%s\"; valid keys "
                     "are: %s", AT(r, node(r, p->key)), what, key,
                     opts_names(o->table, reserved, names, sizeof names));
            continue;
        }
        set_option(r, o, idx, v, what);
    }
}

static void check_required(struct reader *r, yaml_node_t *at, nd_opts_t *o,
                           const char *what)
{
    for (size_t i = 0; i < o->n; i++)
        if ((o->table[i].flags & ND_OPT_REQUIRED) && !o->v[i].set)
            errs_add(r->errs, "%s:%d:%d: %s: missing required option \"%s\" "
                     "(%s)", AT(r, at), what, o->table[i].name,
                     o->table[i].desc ? o->table[i].desc : "");
}

static void add_builtin_dir(const char *dir, void *ctx)
{
    registry_add_dir(ctx, dir);
}

/* A plugin_path folder that is not there is worth a warning: the plugins
 * it was meant to hold are "unknown" otherwise, with no word of where
 * they were looked for. */
static void load_plugins(struct config *c, struct registry *reg,
                         struct errlist *warns)
{
    const char *const *dirs;
    size_t n = config_list(c, "service", "plugin_path", &dirs);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        char shown[3 * PATH_MAX];
        if (stat(dirs[i], &st) < 0 || !S_ISDIR(st.st_mode))
            errs_add(warns, "%s: service: plugin_path: there is no folder %s",
                     c->file ? c->file : "the built-in configuration",
                     path_explained(dirs[i], c->file, shown, sizeof shown));
        registry_add_dir(reg, dirs[i]);
    }
    registry_builtin_dirs(add_builtin_dir, reg);
}

/* Resolve a plugin name, or say why it cannot be used. */
static const struct plugin *resolve(struct reader *r, struct registry *reg,
                                    const char *name, yaml_node_t *at)
{
    registry_want(reg, name);
    const struct plugin *p = registry_find(reg, name);
    const struct load_error *le = registry_error_for(reg, name);
    if (p && le) {
        errs_add(r->errs, "%s:%d:%d: plugin \"%s\" is ambiguous: %s: %s",
                 AT(r, at), name, le->path, le->reason);
        return NULL;
    }
    if (p)
        return p;
    if (le) {
        errs_add(r->errs, "%s:%d:%d: plugin \"%s\" cannot be used: %s: %s",
                 AT(r, at), name, le->path, le->reason);
        return NULL;
    }
    /* A refused folder may be the one meant to hold it. */
    char names[2048], refused[2048] = "";
    size_t o = 0;
    for (size_t i = 0; i < reg->nerrors && o < sizeof refused; i++)
        if (reg->errors[i].name && !*reg->errors[i].name)
            o += (size_t)snprintf(refused + o, sizeof refused - o,
                                  "; not searched: %s: %s",
                                  reg->errors[i].path, reg->errors[i].reason);
    errs_add(r->errs, "%s:%d:%d: unknown plugin \"%s\"; plugins found: %s%s",
             AT(r, at), name, registry_names(reg, names, sizeof names),
             refused);
    return NULL;
}

static const char *const step_reserved[] = {"plugin", "name", "when",
                                            "on_error", NULL};

static void read_step(struct reader *r, struct config *c,
                      struct registry *reg, yaml_node_t *n)
{
    if (n->type != YAML_MAPPING_NODE) {
        errs_add(r->errs, "%s:%d:%d: pipeline: expected a step (a mapping "
                 "with a \"plugin\" key), got %s", AT(r, n), node_kind(n));
        return;
    }
    struct step_config s = {0};
    s.line = (int)n->start_mark.line + 1;
    s.col = (int)n->start_mark.column + 1;
    yaml_node_t *plugin_node = NULL, *name_node = NULL, *when_node = NULL,
                *on_error_node = NULL;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(r, p->key);
        if (!k || k->type != YAML_SCALAR_NODE)
            continue;
        const char *key = (const char *)k->data.scalar.value;
        yaml_node_t *v = node(r, p->value);
        yaml_node_t **slot = !strcmp(key, "plugin") ? &plugin_node
                             : !strcmp(key, "name") ? &name_node
                             : !strcmp(key, "when") ? &when_node
                             : !strcmp(key, "on_error") ? &on_error_node
                                                        : NULL;
        if (!slot)
            continue;
        if (v->type != YAML_SCALAR_NODE) {
            errs_add(r->errs, "%s:%d:%d: pipeline: %s: expected a string, got "
                     "%s", AT(r, v), key, node_kind(v));
            continue;
        }
        *slot = v;
    }
    if (!plugin_node) {
        errs_add(r->errs, "%s:%d:%d: pipeline: this step has no \"plugin\" "
                 "key; a step names the plugin it runs", AT(r, n));
        return;
    }
    s.plugin = expand(r, plugin_node);
    if (!s.plugin)
        return;
    s.name = name_node ? expand(r, name_node) : strdup(s.plugin);
    if (!s.name) {
        free(s.plugin);
        return;
    }
    for (size_t i = 0; i < c->nsteps; i++)
        if (!strcmp(c->steps[i].name, s.name))
            errs_add(r->errs, "%s:%d:%d: pipeline: duplicate step name \"%s\" "
                     "(also the step at line %d); give one a different "
                     "\"name\"", AT(r, name_node ? name_node : plugin_node),
                     s.name, c->steps[i].line);
    if (on_error_node) {
        const char *v = (const char *)on_error_node->data.scalar.value;
        if (!strcmp(v, "skip"))
            s.on_error_skip = 1;
        else if (strcmp(v, "fail"))
            errs_add(r->errs, "%s:%d:%d: pipeline: on_error: expected fail or "
                     "skip, got \"%s\"", AT(r, on_error_node), v);
    }
    if (when_node) {
        char err[512];
        int col = 0;
        s.when = expand(r, when_node);
        if (s.when && !(s.cond = cond_parse(s.when, err, sizeof err, &col))) {
            /* Columns inside the expression count from the scalar's start
             * (plain and single-line scalars keep them exact). */
            int qc = when_node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? 0 : 1;
            errs_add(r->errs, "%s:%d:%d: when: %s", r->file,
                     (int)when_node->start_mark.line + 1,
                     (int)when_node->start_mark.column + 1 + qc + col, err);
        }
    }
    s.p = resolve(r, reg, s.plugin, plugin_node);
    char what[256];
    snprintf(what, sizeof what, "plugin %s", s.plugin);
    if (s.p) {
        s.opts = opts_new(s.p->desc.options);
        read_options(r, n, s.opts, what, step_reserved);
        check_required(r, n, s.opts, what);
    }
    struct step_config *grown = array_grow(c->steps, &c->steps_cap,
                                           c->nsteps + 1, sizeof *grown, 16);
    if (!grown) {
        errs_add(r->errs, "%s: out of memory", r->file);
        return;
    }
    c->steps = grown;
    c->steps[c->nsteps++] = s;
}

/* Append the steps of the built-in chain, its exporter too when
 * `with_exporter`. `at` is the `- default` item that asked for them (NULL
 * for a configuration with no pipeline): its position becomes theirs, and
 * a name already in the chain is an error there. */
static void add_default_steps(struct config *c, struct registry *reg,
                              struct errlist *errs, struct reader *r,
                              yaml_node_t *at, int with_exporter)
{
    for (const struct default_step *d = default_chain; at && d->plugin; d++)
        for (size_t i = 0; i < c->nsteps; i++)
            if (!strcmp(c->steps[i].name, d->plugin)) {
                errs_add(errs, "%s:%d:%d: pipeline: \"default\" holds a step "
                         "named \"%s\", and the step at line %d has that "
                         "name already; give that one another \"name\", or "
                         "write \"default\" once", AT(r, at), d->plugin,
                         c->steps[i].line);
                return;
            }
    for (const struct default_step *d = default_chain; d->plugin; d++) {
        if (!d[1].plugin && !with_exporter)
            break; /* the last step is the exporter */
        struct step_config s = {0};
        if (at) {
            s.line = (int)at->start_mark.line + 1;
            s.col = (int)at->start_mark.column + 1;
            s.from_default = 1;
        }
        s.plugin = strdup(d->plugin);
        s.name = strdup(d->plugin);
        registry_want(reg, d->plugin);
        s.p = registry_find(reg, d->plugin);
        if (!s.p) {
            const struct load_error *le = registry_error_for(reg, d->plugin);
            errs_add(errs, "the default pipeline needs the built-in plugin "
                     "\"%s\", which %s%s%s", d->plugin,
                     le ? "cannot be used: " : "is not installed",
                     le ? le->path : "", le ? le->reason : "");
        } else {
            s.opts = opts_new(s.p->desc.options);
            if (d->key) {
                char err[256];
                int idx = opts_find(s.opts, d->key);
                if (idx >= 0 &&
                    opts_set_scalar(s.opts, (size_t)idx, d->value, err, sizeof err) == 0)
                    s.opts->v[idx].user_set = 1;
            }
        }
        struct step_config *grown = array_grow(c->steps, &c->steps_cap,
                                               c->nsteps + 1, sizeof *grown, 16);
        if (!grown) {
            free(s.plugin);
            free(s.name);
            opts_free(s.opts);
            return;
        }
        c->steps = grown;
        c->steps[c->nsteps++] = s;
    }
}

/* A worker has no inbox, and a forwarder runs no pipeline: say so of the
 * options that would then do nothing (warnings, so that one file may
 * still serve several roles). Of the inbox, a worker keeps max_attempts
 * and max_bytes. */
static void stream_role_warnings(struct reader *r, const struct config *c,
                                 yaml_node_t *inbox, yaml_node_t *pipeline)
{
    int role = opts_find(c->stream, "role");
    if (!c->has_stream || role < 0 || !c->stream->v[role].set)
        return;
    int work = !strcmp(c->stream->v[role].str, "work");
    if (work && inbox && inbox->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *p = inbox->data.mapping.pairs.start;
             p < inbox->data.mapping.pairs.top; p++) {
            yaml_node_t *k = node(r, p->key);
            if (!k || k->type != YAML_SCALAR_NODE)
                continue;
            const char *name = (const char *)k->data.scalar.value;
            if (!strcmp(name, "max_attempts") || !strcmp(name, "max_bytes"))
                continue;
            errs_add(r->warns, "%s:%d:%d: inbox: %s does nothing here: a "
                     "stream worker (stream.role: work) has no inbox; of "
                     "the inbox options only max_attempts and max_bytes "
                     "apply to it", AT(r, k), name);
        }
    }
    if (!work && pipeline && pipeline->type == YAML_SEQUENCE_NODE)
        errs_add(r->warns, "%s:%d:%d: pipeline: a forwarder (stream.role: "
                 "forward) runs no pipeline; the workers run theirs",
                 AT(r, pipeline));
}

static void use_default_chain(struct config *c, struct registry *reg,
                              struct errlist *errs)
{
    c->default_chain = 1;
    add_default_steps(c, reg, errs, NULL, NULL, 1);
}

/* A pipeline item: `- default` (the built-in chain but its exporter), or
 * a step. */
static void read_item(struct reader *r, struct config *c,
                      struct registry *reg, yaml_node_t *n)
{
    if (n->type == YAML_SCALAR_NODE &&
        !strcmp((const char *)n->data.scalar.value, "default")) {
        add_default_steps(c, reg, r->errs, r, n, 0);
        return;
    }
    if (n->type == YAML_SCALAR_NODE) {
        errs_add(r->errs, "%s:%d:%d: pipeline: expected a step (a mapping "
                 "with a \"plugin\" key) or \"default\", got \"%s\"",
                 AT(r, n), (const char *)n->data.scalar.value);
        return;
    }
    read_step(r, c, reg, n);
}

int config_load(struct config *c, const char *file, struct registry *reg,
                struct errlist *errs, struct errlist *warns)
{
    memset(c, 0, sizeof *c);
    c->inbox = opts_new(config_inbox_options);
    c->service = opts_new(config_service_options);
    c->stream = opts_new(config_stream_options);
    size_t before = errs->n;
    if (!file) {
        load_plugins(c, reg, warns);
        use_default_chain(c, reg, errs);
        return errs->n > before ? -1 : 0;
    }
    c->file = strdup(file);
    struct reader r = {.file = file, .errs = errs, .warns = warns};
    FILE *f = fopen(file, "rb");
    if (!f) {
        errs_add(errs, "%s: cannot open the configuration file: %s", file,
                 strerror(errno));
        return -1;
    }
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &r.doc)) {
        errs_add(errs, "%s:%d:%d: YAML syntax error: %s%s%s", file,
                 (int)parser.problem_mark.line + 1,
                 (int)parser.problem_mark.column + 1,
                 parser.problem ? parser.problem : "malformed",
                 parser.context ? " " : "",
                 parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        fclose(f);
        return -1;
    }
    yaml_parser_delete(&parser);
    fclose(f);

    yaml_node_t *root = yaml_document_get_root_node(&r.doc);
    yaml_node_t *pipeline = NULL, *stream_at = NULL, *inbox_at = NULL;
    if (!root || (root->type == YAML_SCALAR_NODE &&
                  !*(char *)root->data.scalar.value)) {
        root = NULL; /* an empty file: all defaults */
        c->empty = 1;
    }
    if (root && root->type != YAML_MAPPING_NODE) {
        errs_add(errs, "%s:%d:%d: expected a mapping with the keys inbox, "
                 "service and pipeline, got %s", AT(&r, root), node_kind(root));
        root = NULL;
    }
    for (yaml_node_pair_t *p = root ? root->data.mapping.pairs.start : NULL;
         p && p < root->data.mapping.pairs.top; p++) {
        const char *key = key_of(&r, p, root);
        yaml_node_t *v = node(&r, p->value);
        if (!key)
            continue;
        if (!strcmp(key, "pipeline")) {
            pipeline = v;
            continue;
        }
        nd_opts_t *o = !strcmp(key, "inbox") ? c->inbox
                       : !strcmp(key, "service") ? c->service
                       : !strcmp(key, "stream") ? c->stream : NULL;
        if (!o) {
            errs_add(errs, "%s:%d:%d: unknown key \"%s\"; valid keys are: "
                     "inbox, service, stream, pipeline",
                     AT(&r, node(&r, p->key)), key);
            continue;
        }
        if (o == c->stream) {
            c->has_stream = 1;
            stream_at = v;
        } else if (o == c->inbox) {
            inbox_at = v;
        }
        if (v->type == YAML_SCALAR_NODE && !*(char *)v->data.scalar.value)
            continue; /* "inbox:" with nothing: defaults */
        if (v->type != YAML_MAPPING_NODE) {
            errs_add(errs, "%s:%d:%d: %s: expected a mapping of options, got "
                     "%s", AT(&r, v), key, node_kind(v));
            continue;
        }
        read_options(&r, v, o, key, NULL);
    }
    if (stream_at)
        check_required(&r, stream_at, c->stream, "stream");
    stream_role_warnings(&r, c, inbox_at, pipeline);

    load_plugins(c, reg, warns);
    if (!pipeline || (pipeline->type == YAML_SCALAR_NODE &&
                      !*(char *)pipeline->data.scalar.value)) {
        use_default_chain(c, reg, errs);
    } else if (pipeline->type != YAML_SEQUENCE_NODE) {
        errs_add(errs, "%s:%d:%d: pipeline: expected a list of steps, got %s",
                 AT(&r, pipeline), node_kind(pipeline));
    } else {
        for (yaml_node_item_t *it = pipeline->data.sequence.items.start;
             it < pipeline->data.sequence.items.top; it++)
            read_item(&r, c, reg, node(&r, *it));
        if (c->nsteps == 0 && errs->n == before)
            errs_add(errs, "%s:%d:%d: pipeline: the list is empty; leave the "
                     "key out for the default chain", AT(&r, pipeline));
    }
    yaml_document_delete(&r.doc);
    return errs->n > before ? -1 : 0;
}

void config_free(struct config *c)
{
    for (size_t i = 0; i < c->nsteps; i++) {
        struct step_config *s = &c->steps[i];
        free(s->plugin);
        free(s->name);
        free(s->when);
        cond_free(s->cond);
        opts_free(s->opts);
    }
    free(c->steps);
    opts_free(c->inbox);
    opts_free(c->service);
    opts_free(c->stream);
    free(c->file);
    memset(c, 0, sizeof *c);
}

static const nd_opts_t *section(const struct config *c, const char *name)
{
    return !strcmp(name, "inbox") ? c->inbox
           : !strcmp(name, "stream") ? c->stream : c->service;
}

const char *config_str(const struct config *c, const char *sec,
                       const char *key)
{
    return opt_str(section(c, sec), key);
}

int64_t config_int(const struct config *c, const char *sec, const char *key)
{
    return opt_int(section(c, sec), key);
}

size_t config_list(const struct config *c, const char *sec, const char *key,
                   const char *const **items)
{
    return opt_list(section(c, sec), key, items);
}
