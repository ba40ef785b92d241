/* postgres: the exporter that keeps documents in PostgreSQL (libpq), with
 * the data model of the SQLite archive: `documents` (with the full JSON as
 * jsonb and a weighted tsvector over title and text), `entities` and
 * `topics`.
 *
 * Each document is one statement, hence one transaction: an upsert by id
 * whose data-modifying CTEs also replace the document's entities and
 * topics, all taken apart on the server from the document's JSON. A
 * document exported again replaces itself; nothing is ever half written.
 *
 * Durability follows the host's `durable`:
 *   always  every commit waits for the server's WAL flush
 *           (synchronous_commit = on);
 *   batch   commits do not wait (synchronous_commit = off); the host's
 *           flush commits one small transaction with synchronous_commit =
 *           on, and since the WAL is flushed in order, its wait covers
 *           every commit before it: one disk flush per batch;
 *   none    commits do not wait, flush does nothing.
 * The connection is re-established when the server went away; meanwhile
 * documents are retried (RETRY). Data errors fail the document.
 *
 * In batch mode the JSON of each document committed since the last
 * confirmed flush is kept: if the connection broke before the
 * confirmation, the server may have lost those commits (a crash), so the
 * flush writes them again before confirming. The host retries a failed
 * flush, not the documents, so the exporter must be able to.
 *
 * A document that fails after this step is withdrawn: its rows are
 * deleted by id (entities and topics by cascade) in a commit that waits
 * for the WAL flush unless durable is none; a server that is away makes
 * that a RETRY like any other write. */
#include <newsdesk/plugin.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/replay.h"

/* Migration n (1-based) takes the schema from version n-1 to n. */
static const char *const migrations[] = {
    "CREATE TABLE documents ("
    "  id text PRIMARY KEY,"
    "  name text, media_type text, bytes bigint,"
    "  received timestamptz NOT NULL,"
    "  published text, title text, byline text, url text,"
    "  language text, text text,"
    "  doc jsonb NOT NULL,"
    "  exported timestamptz NOT NULL DEFAULT now(),"
    "  tsv tsvector GENERATED ALWAYS AS ("
    "    setweight(to_tsvector('simple', coalesce(title, '')), 'A') ||"
    "    setweight(to_tsvector('simple', coalesce(text, '')), 'B')) STORED);"
    "CREATE INDEX documents_tsv ON documents USING gin (tsv);"
    "CREATE INDEX documents_language ON documents (language);"
    "CREATE TABLE entities ("
    "  doc_id text NOT NULL REFERENCES documents (id) ON DELETE CASCADE,"
    "  type text NOT NULL, text text NOT NULL, count integer, value jsonb);"
    "CREATE INDEX entities_doc ON entities (doc_id);"
    "CREATE INDEX entities_text ON entities (lower(text), type);"
    "CREATE TABLE topics ("
    "  doc_id text NOT NULL REFERENCES documents (id) ON DELETE CASCADE,"
    "  list text NOT NULL, topic text NOT NULL, label text,"
    "  score double precision);"
    "CREATE INDEX topics_doc ON topics (doc_id);"
    "CREATE INDEX topics_topic ON topics (topic);",
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

/* $1 is the document's JSON. The CTEs all see the table as it was before
 * the statement, so the old entities and topics are deleted while the new
 * ones go in. */
static const char upsert_sql[] =
    "WITH d AS (SELECT $1::jsonb AS j), "
    "doc AS ("
    "  INSERT INTO documents (id, name, media_type, bytes, received, published,"
    "    title, byline, url, language, text, doc)"
    "  SELECT j->>'id', j->'source'->>'name', j->'source'->>'media_type',"
    "    (j->'source'->>'bytes')::bigint,"
    "    (j->'source'->>'received')::timestamptz,"
    "    j->>'published', j->>'title', j->>'byline', j->>'url',"
    "    CASE jsonb_typeof(j->'language') WHEN 'object' THEN j->'language'->>'code'"
    "      WHEN 'string' THEN j->>'language' END,"
    "    j->>'text', j FROM d"
    "  ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
    "    media_type = excluded.media_type, bytes = excluded.bytes,"
    "    received = excluded.received, published = excluded.published,"
    "    title = excluded.title, byline = excluded.byline, url = excluded.url,"
    "    language = excluded.language, text = excluded.text,"
    "    doc = excluded.doc, exported = now()"
    "  RETURNING id), "
    "old_e AS (DELETE FROM entities WHERE doc_id = (SELECT id FROM doc)), "
    "old_t AS (DELETE FROM topics WHERE doc_id = (SELECT id FROM doc)), "
    "new_e AS ("
    "  INSERT INTO entities (doc_id, type, text, count, value)"
    "  SELECT (SELECT id FROM doc), e->>'type', e->>'text',"
    "    (e->>'count')::integer, e->'value'"
    "  FROM d, jsonb_array_elements(CASE jsonb_typeof(j->'entities')"
    "    WHEN 'array' THEN j->'entities' ELSE '[]' END) e"
    "  WHERE e->>'type' IS NOT NULL AND e->>'text' IS NOT NULL) "
    "INSERT INTO topics (doc_id, list, topic, label, score)"
    "  SELECT (SELECT id FROM doc), l.list, t->>'id', t->>'label',"
    "    (t->>'score')::double precision"
    "  FROM d, (VALUES ('topics'), ('labels')) AS l(list),"
    "    jsonb_array_elements(CASE jsonb_typeof(j->l.list)"
    "      WHEN 'array' THEN j->l.list ELSE '[]' END) t"
    "  WHERE t->>'id' IS NOT NULL";

struct pg {
    nd_instance_t *self;
    char *conninfo;
    PGconn *conn;
    enum { MODE_BATCH, MODE_ALWAYS, MODE_NONE } mode;
    struct replay pending; /* batch: the commits not yet confirmed */
    int lost;       /* the connection went with such commits unconfirmed */
};

static void drop_connection(struct pg *p)
{
    PQfinish(p->conn);
    p->conn = NULL;
    if (p->pending.n)
        p->lost = 1;
}

static void drop_pending(struct pg *p)
{
    replay_clear(&p->pending);
    p->lost = 0;
}

static void rollback(PGconn *c)
{
    PQclear(PQexec(c, "ROLLBACK"));
}

/* Connection trouble, the server shutting down, too many clients,
 * serialization failures, deadlocks, lock timeouts, out of resources: the
 * same document will go in later. */
static int transient_state(const char *sqlstate)
{
    if (!sqlstate)
        return 1; /* no answer at all: the connection went */
    static const char *const classes[] = {"08", "40", "53", "57", "58", NULL};
    for (size_t i = 0; classes[i]; i++)
        if (!strncmp(sqlstate, classes[i], 2))
            return 1;
    return !strcmp(sqlstate, "55P03") || !strcmp(sqlstate, "55006");
}

/* The server's message on one line. */
static void one_line(char *dst, size_t len, const char *msg)
{
    snprintf(dst, len, "%s", msg && *msg ? msg : "no answer from the server");
    for (char *p = dst; *p; p++)
        if (*p == '\n')
            *p = (p[1] ? ' ' : '\0');
}

static int exec_ok(PGconn *c, const char *sql, char *err, size_t errlen)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        one_line(err, errlen, PQresultErrorMessage(r));
    PQclear(r);
    return ok ? 0 : -1;
}

/* Create or update the schema. An advisory lock keeps two newsdesk
 * processes starting at once from migrating together. */
static int migrate(struct pg *p, char *err, size_t errlen)
{
    char e[512];
    if (exec_ok(p->conn, "BEGIN; SELECT pg_advisory_xact_lock(7366421903);"
                "CREATE TABLE IF NOT EXISTS newsdesk_schema ("
                "  version integer NOT NULL, flushed timestamptz);"
                "INSERT INTO newsdesk_schema (version) SELECT 0"
                "  WHERE NOT EXISTS (SELECT 1 FROM newsdesk_schema);",
                e, sizeof e) < 0)
        goto fail;
    PGresult *r = PQexec(p->conn, "SELECT version FROM newsdesk_schema");
    int version = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
                      ? atoi(PQgetvalue(r, 0, 0)) : -1;
    if (version < 0)
        one_line(e, sizeof e, PQresultErrorMessage(r));
    PQclear(r);
    if (version < 0)
        goto fail;
    if (version > SCHEMA_VERSION) {
        snprintf(err, errlen, "the database has newsdesk schema version %d, "
                 "newer than this newsdesk knows (%d); upgrade newsdesk",
                 version, SCHEMA_VERSION);
        exec_ok(p->conn, "ROLLBACK", e, sizeof e);
        return -1;
    }
    for (; version < SCHEMA_VERSION; version++) {
        char set[96];
        snprintf(set, sizeof set, "UPDATE newsdesk_schema SET version = %d",
                 version + 1);
        if (exec_ok(p->conn, migrations[version], e, sizeof e) < 0 ||
            exec_ok(p->conn, set, e, sizeof e) < 0)
            goto fail;
    }
    if (exec_ok(p->conn, "COMMIT", e, sizeof e) < 0)
        goto fail;
    return 0;
fail:
    snprintf(err, errlen, "cannot set up the tables: %s", e);
    rollback(p->conn);
    return -1;
}

/* Connect, set the session up and prepare the upsert. */
static int connect_db(struct pg *p, char *err, size_t errlen)
{
    if (p->conn)
        drop_connection(p);
    const char *keys[] = {"dbname", "application_name", NULL};
    const char *vals[] = {p->conninfo, "newsdesk", NULL};
    p->conn = PQconnectdbParams(keys, vals, 1);
    if (!p->conn || PQstatus(p->conn) != CONNECTION_OK) {
        char e[512];
        one_line(e, sizeof e, p->conn ? PQerrorMessage(p->conn) : "out of memory");
        snprintf(err, errlen, "cannot connect to PostgreSQL: %s", e);
        PQfinish(p->conn);
        p->conn = NULL;
        return -1;
    }
    char e[512];
    const char *session = p->mode == MODE_ALWAYS
                              ? "SET synchronous_commit = on"
                              : "SET synchronous_commit = off";
    if (exec_ok(p->conn, session, e, sizeof e) < 0 || migrate(p, err, errlen) < 0) {
        if (*e && !*err)
            snprintf(err, errlen, "%s", e);
        PQfinish(p->conn);
        p->conn = NULL;
        return -1;
    }
    PGresult *r = PQprepare(p->conn, "nd_upsert", upsert_sql, 1, NULL);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) {
        one_line(e, sizeof e, PQresultErrorMessage(r));
        snprintf(err, errlen, "cannot prepare the upsert: %s", e);
    }
    PQclear(r);
    if (!ok) {
        PQfinish(p->conn);
        p->conn = NULL;
        return -1;
    }
    return 0;
}

static int pg_init(nd_instance_t *self, const nd_opts_t *opts, void **state,
                   char *err, size_t errlen)
{
    struct pg *p = calloc(1, sizeof *p);
    if (!p || !(p->conninfo = strdup(nd_opt_str(opts, "conninfo")))) {
        free(p);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    p->self = self;
    char *perr = NULL;
    PQconninfoOption *parsed = PQconninfoParse(p->conninfo, &perr);
    if (!parsed) {
        char e[256];
        one_line(e, sizeof e, perr ? perr : "out of memory");
        snprintf(err, errlen, "conninfo: %s", e);
        PQfreemem(perr);
        free(p->conninfo);
        free(p);
        return -1;
    }
    PQconninfoFree(parsed);
    const char *d = nd_durable(self);
    p->mode = !strcmp(d, "always") ? MODE_ALWAYS : !strcmp(d, "none") ? MODE_NONE
                                                                     : MODE_BATCH;
    /* A server that is down at start-up is not a configuration error: the
     * documents wait (RETRY) until it is back. Anything else is. */
    *err = '\0';
    if (connect_db(p, err, errlen) < 0) {
        if (p->conn || strncmp(err, "cannot connect", 14)) {
            free(p->conninfo);
            free(p);
            return -1;
        }
        nd_log(self, ND_LOG_WARNING, "%s; documents wait until it answers", err);
    }
    *state = p;
    return 0;
}

static nd_status_t pg_process(void *state, nd_doc_t *doc)
{
    struct pg *p = state;
    char err[600] = "";
    if ((!p->conn || PQstatus(p->conn) != CONNECTION_OK) &&
        connect_db(p, err, sizeof err) < 0) {
        nd_doc_error(doc, "%s", err);
        return ND_RETRY;
    }
    size_t len;
    const char *json = nd_doc_json(doc, &len);
    if (!json) {
        nd_doc_error(doc, "out of memory");
        return ND_RETRY;
    }
    const char *params[] = {json};
    PGresult *r = PQexecPrepared(p->conn, "nd_upsert", 1, params, NULL, NULL, 0);
    if (PQresultStatus(r) == PGRES_COMMAND_OK) {
        PQclear(r);
        if (p->mode == MODE_BATCH && replay_keep(&p->pending, json, len) < 0) {
            /* Committed, but it could not be replayed after a crash:
             * confirm it now rather than leave it to the flush. */
            char e[512];
            if (exec_ok(p->conn, "BEGIN; SET LOCAL synchronous_commit = on;"
                        "UPDATE newsdesk_schema SET flushed = now(); COMMIT;",
                        e, sizeof e) < 0) {
                nd_doc_error(doc, "out of memory, and cannot confirm the "
                             "commit: %s", e);
                return ND_RETRY;
            }
        }
        nd_counter_add(p->self, "written", 1);
        return ND_OK;
    }
    const char *sqlstate = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    int transient = transient_state(sqlstate) || PQstatus(p->conn) != CONNECTION_OK;
    one_line(err, sizeof err, PQresultErrorMessage(r));
    if (!*err || !strcmp(err, "no answer from the server"))
        one_line(err, sizeof err, PQerrorMessage(p->conn));
    nd_doc_error(doc, "PostgreSQL%s%s: %s", sqlstate ? " " : "",
                 sqlstate ? sqlstate : "", err);
    PQclear(r);
    if (PQstatus(p->conn) != CONNECTION_OK)
        drop_connection(p);
    return transient ? ND_RETRY : ND_FAIL;
}

static nd_status_t pg_flush(void *state, int sync, char *err, size_t errlen)
{
    struct pg *p = state;
    if (p->mode != MODE_BATCH || !p->pending.n || (!sync && !p->lost))
        return ND_OK;
    if (p->conn && PQstatus(p->conn) != CONNECTION_OK)
        drop_connection(p);
    if (!p->conn && connect_db(p, err, errlen) < 0)
        return ND_RETRY;
    char e[512];
    if (p->lost) {
        /* Those commits may have gone with a server crash: write them
         * again (the upsert makes that harmless) before confirming. */
        for (size_t i = 0; i < p->pending.n; i++) {
            const char *params[] = {p->pending.json[i]};
            PGresult *r = PQexecPrepared(p->conn, "nd_upsert", 1, params, NULL,
                                         NULL, 0);
            int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
            if (!ok)
                one_line(e, sizeof e, PQresultErrorMessage(r));
            PQclear(r);
            if (!ok) {
                snprintf(err, errlen, "cannot write again %zu documents whose "
                         "commits were not confirmed: %s", p->pending.n, e);
                if (PQstatus(p->conn) != CONNECTION_OK)
                    drop_connection(p);
                return ND_RETRY;
            }
        }
        nd_log(p->self, ND_LOG_NOTICE, "wrote again %zu documents whose commits "
               "were not confirmed when the connection broke", p->pending.n);
        p->lost = 0;
    }
    /* The WAL is flushed in order: waiting for this commit waits for
     * every earlier one. */
    if (exec_ok(p->conn, "BEGIN; SET LOCAL synchronous_commit = on;"
                "UPDATE newsdesk_schema SET flushed = now(); COMMIT;",
                e, sizeof e) < 0) {
        snprintf(err, errlen, "cannot confirm %zu commits are durable: %s",
                 p->pending.n, e);
        if (PQstatus(p->conn) != CONNECTION_OK)
            drop_connection(p);
        else
            rollback(p->conn);
        return ND_RETRY;
    }
    drop_pending(p);
    return ND_OK;
}

static nd_status_t pg_withdraw(void *state, nd_doc_t *doc)
{
    struct pg *p = state;
    const char *id = nd_doc_id(doc);
    replay_forget(&p->pending, id);
    char err[600] = "";
    if ((!p->conn || PQstatus(p->conn) != CONNECTION_OK) &&
        connect_db(p, err, sizeof err) < 0) {
        nd_doc_error(doc, "%s", err);
        return ND_RETRY;
    }
    char e[512] = "";
    const char *params[] = {id};
    int ok = exec_ok(p->conn, p->mode == MODE_NONE
                                  ? "BEGIN"
                                  : "BEGIN; SET LOCAL synchronous_commit = on",
                     e, sizeof e) == 0;
    if (ok) {
        PGresult *r = PQexecParams(p->conn, "DELETE FROM documents WHERE id = $1",
                                   1, NULL, params, NULL, NULL, 0);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
            one_line(e, sizeof e, PQresultErrorMessage(r));
        PQclear(r);
    }
    if (ok)
        ok = exec_ok(p->conn, "COMMIT", e, sizeof e) == 0;
    if (!ok) {
        nd_doc_error(doc, "PostgreSQL: cannot delete the failed document: %s", e);
        if (PQstatus(p->conn) != CONNECTION_OK)
            drop_connection(p);
        else
            rollback(p->conn);
        return ND_RETRY;
    }
    nd_counter_add(p->self, "withdrawn", 1);
    return ND_OK;
}

static void pg_fini(void *state)
{
    struct pg *p = state;
    if (p->conn)
        PQfinish(p->conn);
    replay_free(&p->pending);
    free(p->conninfo);
    free(p);
}

static const nd_option_t options[] = {
    {"conninfo", ND_OPT_STRING, NULL, ND_OPT_REQUIRED, 0, 0, NULL,
     "libpq connection string or URI (keep passwords in PGPASSWORD or "
     "~/.pgpass)"},
    {0},
};

static const nd_plugin_t pg_plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "postgres",
    .version = "1.0.0",
    .description = "keeps documents, entities and topics in PostgreSQL, "
                   "upserted by id",
    .role = ND_ROLE_EXPORTER,
    .flags = ND_PLUGIN_SERIAL,
    .options = options,
    .init = pg_init,
    .process = pg_process,
    .flush = pg_flush,
    .fini = pg_fini,
    .withdraw = pg_withdraw,
};

ND_PLUGIN(pg_plugin)
