/* sqlite: the embedded archive. Each document becomes a row of `documents`
 * (with its full JSON), rows of `entities` and `topics`, and an entry of the
 * FTS5 index `documents_fts` over title and text, which `newsdesk search`
 * queries.
 *
 * The document id is the key: exporting a document again replaces its rows
 * (upsert), so retries never duplicate. Each document is its own
 * transaction, so the write lock is never held from one document to the
 * next (other writers and a retrying chain never wait on each other). The
 * database runs in WAL mode; durability follows the host's `durable`:
 *   batch   commits do not sync (synchronous=NORMAL); the host's flush
 *           commits one small transaction with synchronous=FULL, whose
 *           fsync of the WAL covers every commit before it: one disk sync
 *           per batch;
 *   always  every commit syncs (synchronous=FULL);
 *   none    commits do not sync, flush does nothing (safe against a crash
 *           of newsdesk, not against a power cut).
 * A busy or locked database, a full disk or an I/O error is a RETRY; the
 * schema is versioned (PRAGMA user_version) and migrated at start-up.
 *
 * Every row is taken from the document's JSON by SQL (json_extract,
 * json_each), so the JSON alone is enough to write a document again. In
 * batch mode the JSON of each document committed since the last flush is
 * kept until a flush succeeds: after a failed one (the sync may have lost
 * what it was syncing) the next flush writes them again before syncing,
 * because the host retries the flush, not the documents.
 *
 * A document that fails after this step is withdrawn: its rows are
 * deleted (and it is forgotten for the replay), in a transaction synced
 * at once unless durable is none, so that a failed document leaves no
 * row behind, power cuts included. */
#include <errno.h>
#include <newsdesk/plugin.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/io.h"
#include "export/replay.h"

/* Migration n (1-based) takes the schema from version n-1 to n. Append
 * only: an archive written by an older newsdesk is brought up to date. */
static const char *const migrations[] = {
    /* 1: documents, entities, topics, full-text index. */
    "CREATE TABLE documents ("
    "  rid INTEGER PRIMARY KEY,"
    "  id TEXT NOT NULL UNIQUE,"
    "  name TEXT, media_type TEXT, bytes INTEGER,"
    "  received TEXT NOT NULL,"
    "  published TEXT, title TEXT, byline TEXT, url TEXT,"
    "  language TEXT, text TEXT,"
    "  json TEXT NOT NULL,"
    "  exported TEXT NOT NULL);"
    "CREATE INDEX documents_language ON documents(language);"
    "CREATE INDEX documents_date ON documents(coalesce(published, received));"
    "CREATE TABLE entities ("
    "  doc INTEGER NOT NULL REFERENCES documents(rid) ON DELETE CASCADE,"
    "  type TEXT NOT NULL, text TEXT NOT NULL,"
    "  count INTEGER, value TEXT);"
    "CREATE INDEX entities_doc ON entities(doc);"
    "CREATE INDEX entities_text ON entities(text COLLATE NOCASE, type);"
    "CREATE TABLE topics ("
    "  doc INTEGER NOT NULL REFERENCES documents(rid) ON DELETE CASCADE,"
    "  list TEXT NOT NULL, topic TEXT NOT NULL, label TEXT, score REAL);"
    "CREATE INDEX topics_doc ON topics(doc);"
    "CREATE INDEX topics_topic ON topics(topic);"
    "CREATE VIRTUAL TABLE documents_fts USING fts5("
    "  title, text, content='documents', content_rowid='rid',"
    "  tokenize='unicode61 remove_diacritics 2');"
    "CREATE TRIGGER documents_ai AFTER INSERT ON documents BEGIN"
    "  INSERT INTO documents_fts(rowid, title, text)"
    "    VALUES (new.rid, new.title, new.text);"
    "END;"
    "CREATE TRIGGER documents_ad AFTER DELETE ON documents BEGIN"
    "  INSERT INTO documents_fts(documents_fts, rowid, title, text)"
    "    VALUES ('delete', old.rid, old.title, old.text);"
    "END;"
    "CREATE TRIGGER documents_au AFTER UPDATE ON documents BEGIN"
    "  INSERT INTO documents_fts(documents_fts, rowid, title, text)"
    "    VALUES ('delete', old.rid, old.title, old.text);"
    "  INSERT INTO documents_fts(rowid, title, text)"
    "    VALUES (new.rid, new.title, new.text);"
    "END;",
    /* 2: the row a flush updates to sync the WAL (see the top). */
    "CREATE TABLE newsdesk_flush ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1), flushed TEXT);"
    "INSERT INTO newsdesk_flush VALUES (1, NULL);",
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

/* ?1 is the document's JSON; ?2 its row id once the upsert gave it; ?3
 * the JSON without its text, which every field but the text is taken
 * from; ?4 the text. SQLite keeps a copy of a JSON argument for each call
 * site of json_extract in a statement: on the whole document, a 30 MiB
 * text would be copied a dozen times. */
enum { ST_HEAD, ST_TEXT, ST_UPSERT, ST_DEL_ENT, ST_DEL_TOP, ST_ENT, ST_TOP,
       ST_MARK, ST_WITHDRAW, ST_N };
static const char *const statements[ST_N] = {
    [ST_HEAD] = "SELECT json_remove(?1, '$.text')",
    [ST_TEXT] = "SELECT json_extract(?1, '$.text')",
    [ST_UPSERT] =
        "INSERT INTO documents (id, name, media_type, bytes, received, "
        "  published, title, byline, url, language, text, json, exported) "
        "SELECT json_extract(?3, '$.id'), json_extract(?3, '$.source.name'), "
        "  json_extract(?3, '$.source.media_type'), "
        "  json_extract(?3, '$.source.bytes'), "
        "  json_extract(?3, '$.source.received'), "
        "  json_extract(?3, '$.published'), json_extract(?3, '$.title'), "
        "  json_extract(?3, '$.byline'), json_extract(?3, '$.url'), "
        "  CASE json_type(?3, '$.language') "
        "    WHEN 'object' THEN json_extract(?3, '$.language.code') "
        "    WHEN 'text' THEN json_extract(?3, '$.language') END, "
        "  ?4, ?1, "
        "  strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
        "WHERE true " /* tells the parser ON CONFLICT is not a join's ON */
        "ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
        "  media_type = excluded.media_type, bytes = excluded.bytes, "
        "  received = excluded.received, published = excluded.published, "
        "  title = excluded.title, byline = excluded.byline, "
        "  url = excluded.url, language = excluded.language, "
        "  text = excluded.text, json = excluded.json, "
        "  exported = excluded.exported "
        "RETURNING rid",
    [ST_DEL_ENT] = "DELETE FROM entities WHERE doc = ?2",
    [ST_DEL_TOP] = "DELETE FROM topics WHERE doc = ?2",
    /* A normalised value keeps its JSON type: text, a number, or JSON text
     * for an object (an amount and currency). */
    [ST_ENT] = "INSERT INTO entities (doc, type, text, count, value) "
               "SELECT ?2, json_extract(e.value, '$.type'), "
               "  json_extract(e.value, '$.text'), json_extract(e.value, '$.count'), "
               "  json_extract(e.value, '$.value') "
               "FROM json_each(?3, '$.entities') e "
               "WHERE json_type(e.value, '$.type') = 'text' "
               "  AND json_type(e.value, '$.text') = 'text'",
    [ST_TOP] = "INSERT INTO topics (doc, list, topic, label, score) "
               "SELECT ?2, l.list, json_extract(t.value, '$.id'), "
               "  json_extract(t.value, '$.label'), json_extract(t.value, '$.score') "
               "FROM (SELECT 'topics' AS list UNION ALL SELECT 'labels') l, "
               "  json_each(?3, '$.' || l.list) t "
               "WHERE json_type(t.value, '$.id') = 'text'",
    [ST_MARK] = "UPDATE newsdesk_flush "
                "SET flushed = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = 1",
    /* entities and topics go by ON DELETE CASCADE, the index by trigger */
    [ST_WITHDRAW] = "DELETE FROM documents WHERE id = ?1",
};

struct archive {
    nd_instance_t *self;
    char *path;
    sqlite3 *db;
    sqlite3_stmt *st[ST_N];
    enum { MODE_BATCH, MODE_ALWAYS, MODE_NONE } mode;
    int replay;     /* a flush failed: write the pending documents again */
    struct replay pending; /* batch: the documents since the last flush */
    char why[256];  /* SQLite's message for the last failure, taken before
                       a ROLLBACK replaces it */
};

static int noted(struct archive *a, int rc)
{
    if (rc != SQLITE_OK)
        snprintf(a->why, sizeof a->why, "%s", sqlite3_errmsg(a->db));
    return rc;
}

/* Busy, locked, full, I/O trouble: worth another try later. */
static int transient(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_NOMEM:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
        return 1;
    default:
        return 0;
    }
}

static int exec(struct archive *a, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    int rc = sqlite3_exec(a->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        snprintf(err, errlen, "%s: %s", a->path, msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return rc;
}

/* Bring the schema to SCHEMA_VERSION, each step in its own transaction. */
static int migrate(struct archive *a, char *err, size_t errlen)
{
    for (;;) {
        sqlite3_stmt *q;
        int version = -1;
        if (sqlite3_prepare_v2(a->db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK &&
            sqlite3_step(q) == SQLITE_ROW)
            version = sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
        if (version < 0) {
            snprintf(err, errlen, "%s: cannot read the schema version: %s",
                     a->path, sqlite3_errmsg(a->db));
            return -1;
        }
        if (version > SCHEMA_VERSION) {
            snprintf(err, errlen, "%s: the archive has schema version %d, newer "
                     "than this newsdesk knows (%d); upgrade newsdesk", a->path,
                     version, SCHEMA_VERSION);
            return -1;
        }
        if (version == SCHEMA_VERSION)
            return 0;
        char set[64];
        snprintf(set, sizeof set, "PRAGMA user_version = %d;", version + 1);
        if (exec(a, "BEGIN IMMEDIATE", err, errlen) != SQLITE_OK)
            return -1;
        if (exec(a, migrations[version], err, errlen) != SQLITE_OK ||
            exec(a, set, err, errlen) != SQLITE_OK ||
            exec(a, "COMMIT", err, errlen) != SQLITE_OK) {
            char ignored[64];
            exec(a, "ROLLBACK", ignored, sizeof ignored);
            return -1;
        }
        nd_log(a->self, ND_LOG_INFO, "%s: schema migrated to version %d",
               a->path, version + 1);
    }
}

static void archive_free(struct archive *a)
{
    for (int i = 0; i < ST_N; i++)
        sqlite3_finalize(a->st[i]);
    sqlite3_close(a->db);
    free(a->path);
    free(a);
}

static int sqlite_init(nd_instance_t *self, const nd_opts_t *opts, void **state,
                       char *err, size_t errlen)
{
    struct archive *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    a->self = self;
    a->path = strdup(nd_opt_str(opts, "path"));
    const char *d = nd_durable(self);
    a->mode = !strcmp(d, "always") ? MODE_ALWAYS : !strcmp(d, "none") ? MODE_NONE
                                                                     : MODE_BATCH;
    int rc = a->path ? mkdir_parents(a->path) : -ENOMEM;
    if (rc < 0) {
        snprintf(err, errlen, "cannot create the folder of %s: %s",
                 a->path ? a->path : "the archive", strerror(-rc));
        goto fail;
    }
    rc = sqlite3_open_v2(a->path, &a->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                 SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", a->path,
                 a->db ? sqlite3_errmsg(a->db) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_extended_result_codes(a->db, 1);
    sqlite3_busy_timeout(a->db, (int)nd_opt_int(opts, "busy_timeout"));
    char pragmas[256];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; "
             "PRAGMA synchronous = %s;",
             a->mode == MODE_ALWAYS ? "FULL" : "NORMAL");
    if (exec(a, pragmas, err, errlen) != SQLITE_OK || migrate(a, err, errlen) < 0)
        goto fail;
    for (int i = 0; i < ST_N; i++) {
        if (sqlite3_prepare_v3(a->db, statements[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &a->st[i], NULL) != SQLITE_OK) {
            snprintf(err, errlen, "%s: %s", a->path, sqlite3_errmsg(a->db));
            goto fail;
        }
    }
    *state = a;
    return 0;
fail:
    archive_free(a);
    return -1;
}

/* ---- writing ------------------------------------------------------------ */

static int step_done(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* One text value of `st` run on `json`, copied (NULL for SQL NULL), so
 * that the statement, reset, lets go of its copies of the JSON. */
static int json_part(struct archive *a, int st, const char *json, size_t len,
                     char **out, size_t *outlen)
{
    sqlite3_stmt *s = a->st[st];
    sqlite3_bind_text(s, 1, json, (int)len, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    *out = NULL;
    *outlen = 0;
    if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
        const unsigned char *v = sqlite3_column_text(s, 0);
        size_t n = (size_t)sqlite3_column_bytes(s, 0);
        if (v && (*out = malloc(n + 1))) {
            memcpy(*out, v, n + 1);
            *outlen = n;
        } else {
            rc = SQLITE_NOMEM;
        }
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Write one document from its JSON, and its text when the caller has it
 * (NULL: taken from the JSON). Returns an SQLite result code. */
static int write_json(struct archive *a, const char *json, size_t len,
                      const char *text, size_t tlen)
{
    char *head, *own = NULL;
    size_t hlen;
    int rc = json_part(a, ST_HEAD, json, len, &head, &hlen);
    if (rc == SQLITE_OK && !text)
        rc = json_part(a, ST_TEXT, json, len, &own, &tlen);
    if (rc == SQLITE_OK && !head)
        rc = SQLITE_MISMATCH; /* not a JSON object */
    if (rc != SQLITE_OK) {
        free(head);
        free(own);
        return rc;
    }
    if (!text)
        text = own;
    sqlite3_stmt *s = a->st[ST_UPSERT];
    sqlite3_bind_text(s, 1, json, (int)len, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, head, (int)hlen, SQLITE_STATIC);
    if (text)
        sqlite3_bind_text(s, 4, text, (int)tlen, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_int64 rid = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    if (rc == SQLITE_ROW)
        rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    free(own);
    if (rc != SQLITE_DONE) {
        free(head);
        return rc;
    }
    rc = SQLITE_OK;
    for (int i = ST_DEL_ENT; i <= ST_TOP && rc == SQLITE_OK; i++) {
        s = a->st[i];
        if (sqlite3_bind_parameter_index(s, "?3"))
            sqlite3_bind_text(s, 3, head, (int)hlen, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, rid);
        rc = step_done(s);
        sqlite3_clear_bindings(s);
    }
    free(head);
    return rc;
}

static void drop_pending(struct archive *a)
{
    replay_clear(&a->pending);
    a->replay = 0;
}

/* One transaction: BEGIN IMMEDIATE (a locked database shows up here, as a
 * retry, not half-way through), the document, COMMIT; undone on error. */
static int write_one(struct archive *a, const char *json, size_t len,
                     const char *text, size_t tlen)
{
    int rc = noted(a, sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL));
    if (rc != SQLITE_OK)
        return rc;
    rc = noted(a, write_json(a, json, len, text, tlen));
    if (rc == SQLITE_OK)
        rc = noted(a, sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL));
    if (rc != SQLITE_OK && !sqlite3_get_autocommit(a->db))
        sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* ---- the plugin --------------------------------------------------------- */

static nd_status_t failed(struct archive *a, nd_doc_t *doc, const char *what, int rc)
{
    nd_doc_error(doc, "%s %s: %s", what, a->path, a->why);
    return transient(rc) ? ND_RETRY : ND_FAIL;
}

static nd_status_t sqlite_process(void *state, nd_doc_t *doc)
{
    struct archive *a = state;
    size_t len;
    const char *json = nd_doc_json(doc, &len);
    if (!json) {
        nd_doc_error(doc, "out of memory");
        return ND_RETRY;
    }
    size_t tlen;
    const char *text = nd_doc_text(doc, &tlen);
    int rc = write_one(a, json, len, text, tlen);
    if (rc != SQLITE_OK)
        return failed(a, doc, "cannot write the document to", rc);
    if (a->mode == MODE_BATCH && replay_keep(&a->pending, json, len) < 0) {
        /* Committed, but it could not be written again after a failed
         * flush: make it durable now instead. */
        if (sqlite3_wal_checkpoint_v2(a->db, NULL, SQLITE_CHECKPOINT_FULL, NULL,
                                      NULL) != SQLITE_OK) {
            nd_doc_error(doc, "out of memory");
            return ND_RETRY;
        }
    }
    nd_counter_add(a->self, "written", 1);
    return ND_OK;
}

/* Make the commits since the last flush durable: one small commit with
 * synchronous=FULL fsyncs the WAL, which holds them all. After a failed
 * flush the documents are written again first. */
static nd_status_t sqlite_flush(void *state, int sync, char *err, size_t errlen)
{
    struct archive *a = state;
    if (a->mode != MODE_BATCH || !sync || !a->pending.n)
        return ND_OK;
    int rc = noted(a, sqlite3_exec(a->db, "PRAGMA synchronous = FULL; BEGIN IMMEDIATE",
                                   NULL, NULL, NULL));
    for (size_t i = 0; rc == SQLITE_OK && a->replay && i < a->pending.n; i++)
        rc = noted(a, write_json(a, a->pending.json[i],
                                 strlen(a->pending.json[i]), NULL, 0));
    if (rc == SQLITE_OK)
        rc = noted(a, step_done(a->st[ST_MARK]));
    if (rc == SQLITE_OK)
        rc = noted(a, sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL));
    if (rc != SQLITE_OK && !sqlite3_get_autocommit(a->db))
        sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_exec(a->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot make %zu documents durable in %s: %s",
                 a->pending.n, a->path, a->why);
        a->replay = 1;
        return transient(rc) ? ND_RETRY : ND_FAIL;
    }
    if (a->replay)
        nd_log(a->self, ND_LOG_NOTICE, "%s: wrote again %zu documents after a "
               "failed flush", a->path, a->pending.n);
    drop_pending(a);
    nd_counter_add(a->self, "flushes", 1);
    return ND_OK;
}

/* Delete the document's rows, synced unless durable is none. */
static nd_status_t sqlite_withdraw(void *state, nd_doc_t *doc)
{
    struct archive *a = state;
    const char *id = nd_doc_id(doc);
    replay_forget(&a->pending, id);
    int rc = noted(a, sqlite3_exec(a->db, a->mode == MODE_NONE
                                              ? "BEGIN IMMEDIATE"
                                              : "PRAGMA synchronous = FULL; "
                                                "BEGIN IMMEDIATE",
                                   NULL, NULL, NULL));
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(a->st[ST_WITHDRAW], 1, id, -1, SQLITE_STATIC);
        rc = noted(a, step_done(a->st[ST_WITHDRAW]));
        sqlite3_clear_bindings(a->st[ST_WITHDRAW]);
    }
    if (rc == SQLITE_OK)
        rc = noted(a, sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL));
    if (rc != SQLITE_OK && !sqlite3_get_autocommit(a->db))
        sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
    if (a->mode == MODE_BATCH)
        sqlite3_exec(a->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return failed(a, doc, "cannot delete the failed document from", rc);
    nd_counter_add(a->self, "withdrawn", 1);
    return ND_OK;
}

static void sqlite_fini(void *state)
{
    struct archive *a = state;
    if (a->db && !sqlite3_get_autocommit(a->db))
        sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
    replay_free(&a->pending);
    archive_free(a);
}

static const nd_option_t options[] = {
    {"path", ND_OPT_PATH, "./var/newsdesk.db", 0, 0, 0, NULL,
     "the SQLite archive (created with its folders if missing)"},
    {"busy_timeout", ND_OPT_DURATION, "5s", ND_OPT_RANGE, 0, 3600000, NULL,
     "how long to wait for a lock held by another process before a retry"},
    {0},
};

static const nd_plugin_t sqlite_plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "sqlite",
    .version = "1.0.0",
    .description = "archives documents in SQLite: tables, entities, topics, "
                   "full-text search",
    .role = ND_ROLE_EXPORTER,
    .flags = ND_PLUGIN_SERIAL,
    .options = options,
    .init = sqlite_init,
    .process = sqlite_process,
    .flush = sqlite_flush,
    .fini = sqlite_fini,
    .withdraw = sqlite_withdraw,
};

ND_PLUGIN(sqlite_plugin)
