/* sqlite: the embedded archive. Each document becomes a row of `documents`
 * (with its full JSON), rows of `entities` and `topics`, and an entry of the
 * FTS5 index `documents_fts` over title and text, which `newsdesk search`
 * queries.
 *
 * The document id is the key: exporting a document again replaces its rows
 * (upsert), so retries never duplicate. The database runs in WAL mode;
 * durability follows the host's `durable`:
 *   batch   documents are written inside one open transaction (a savepoint
 *           each) and committed, with synchronous=FULL, at the host's
 *           flush: one disk sync per batch;
 *   always  one transaction per document, synchronous=FULL;
 *   none    as batch, with synchronous=NORMAL (safe against a crash of
 *           newsdesk, not against a power cut).
 * A busy or locked database, a full disk or an I/O error is a RETRY; the
 * schema is versioned (PRAGMA user_version) and migrated at start-up. */
#include <errno.h>
#include <newsdesk/plugin.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../common/valjson.h"

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
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

enum { ST_UPSERT, ST_DEL_ENT, ST_DEL_TOP, ST_ENT, ST_TOP, ST_N };
static const char *const statements[ST_N] = {
    [ST_UPSERT] =
        "INSERT INTO documents (id, name, media_type, bytes, received, "
        "  published, title, byline, url, language, text, json, exported) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
        "  strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) "
        "ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
        "  media_type = excluded.media_type, bytes = excluded.bytes, "
        "  received = excluded.received, published = excluded.published, "
        "  title = excluded.title, byline = excluded.byline, "
        "  url = excluded.url, language = excluded.language, "
        "  text = excluded.text, json = excluded.json, "
        "  exported = excluded.exported "
        "RETURNING rid",
    [ST_DEL_ENT] = "DELETE FROM entities WHERE doc = ?1",
    [ST_DEL_TOP] = "DELETE FROM topics WHERE doc = ?1",
    [ST_ENT] = "INSERT INTO entities (doc, type, text, count, value) "
               "VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_TOP] = "INSERT INTO topics (doc, list, topic, label, score) "
               "VALUES (?1, ?2, ?3, ?4, ?5)",
};

struct archive {
    nd_instance_t *self;
    char *path;
    sqlite3 *db;
    sqlite3_stmt *st[ST_N];
    enum { MODE_BATCH, MODE_ALWAYS, MODE_NONE } mode;
    int in_batch;   /* a transaction is open, to be committed at flush */
    int batch_lost; /* SQLite rolled the open transaction back on an error:
                       the documents since the last flush are not in it */
    size_t pending; /* documents in the open transaction */
};

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

static int mkdirs_for(const char *path)
{
    char *p = strdup(path);
    if (!p)
        return -1;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    free(p);
    return 0;
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
    if (!a->path || mkdirs_for(a->path) < 0) {
        snprintf(err, errlen, "cannot create the folder of %s: %s",
                 a->path ? a->path : "the archive", strerror(errno));
        goto fail;
    }
    int rc = sqlite3_open_v2(a->path, &a->db,
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
             a->mode == MODE_NONE ? "NORMAL" : "FULL");
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

/* ---- binding fields ----------------------------------------------------- */

static void bind_str(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

/* A field that may be a string or an object with a `code` (language). */
static const char *str_or_code(const nd_val_t *v)
{
    if (nd_val_type(v) == ND_VAL_OBJ)
        v = nd_val_get(v, "code");
    return nd_val_type(v) == ND_VAL_STR ? nd_val_as_str(v, NULL) : NULL;
}

static int step_done(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* Write one document's rows. Returns an SQLite result code. */
static int write_doc(struct archive *a, nd_doc_t *doc)
{
    size_t jlen, tlen;
    const char *json = nd_doc_json(doc, &jlen);
    if (!json)
        return SQLITE_NOMEM;
    char received[32];
    time_t t = (time_t)nd_doc_received(doc);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(received, sizeof received, "%Y-%m-%dT%H:%M:%SZ", &tm);
    const char *text = nd_doc_text(doc, &tlen);
    size_t rawlen;
    nd_doc_raw(doc, &rawlen);

    sqlite3_stmt *s = a->st[ST_UPSERT];
    bind_str(s, 1, nd_doc_id(doc));
    bind_str(s, 2, nd_doc_source(doc, "name"));
    bind_str(s, 3, nd_doc_source(doc, "media_type"));
    sqlite3_bind_int64(s, 4, (sqlite3_int64)rawlen);
    bind_str(s, 5, received);
    bind_str(s, 6, nd_doc_get_str(doc, "published"));
    bind_str(s, 7, nd_doc_get_str(doc, "title"));
    bind_str(s, 8, nd_doc_get_str(doc, "byline"));
    bind_str(s, 9, nd_doc_get_str(doc, "url"));
    bind_str(s, 10, str_or_code(nd_doc_get(doc, "language")));
    if (text)
        sqlite3_bind_text(s, 11, text, (int)tlen, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, 11);
    sqlite3_bind_text(s, 12, json, (int)jlen, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    sqlite3_int64 rid = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    if (rc == SQLITE_ROW)
        rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE)
        return rc;

    sqlite3_bind_int64(a->st[ST_DEL_ENT], 1, rid);
    sqlite3_bind_int64(a->st[ST_DEL_TOP], 1, rid);
    if ((rc = step_done(a->st[ST_DEL_ENT])) != SQLITE_OK ||
        (rc = step_done(a->st[ST_DEL_TOP])) != SQLITE_OK)
        return rc;

    const nd_val_t *ents = nd_doc_get(doc, "entities");
    for (size_t i = 0; i < nd_val_len(ents); i++) {
        const nd_val_t *e = nd_val_at(ents, i);
        const char *type = nd_val_as_str(nd_val_get(e, "type"), NULL);
        const char *etext = nd_val_as_str(nd_val_get(e, "text"), NULL);
        if (!type || !etext)
            continue;
        s = a->st[ST_ENT];
        sqlite3_bind_int64(s, 1, rid);
        bind_str(s, 2, type);
        bind_str(s, 3, etext);
        const nd_val_t *count = nd_val_get(e, "count");
        if (count)
            sqlite3_bind_int64(s, 4, nd_val_as_int(count));
        else
            sqlite3_bind_null(s, 4);
        /* Normalised values (a date range, an amount and currency) are
         * kept as JSON text: SQLite's json functions read them. */
        const nd_val_t *value = nd_val_get(e, "value");
        char *vj = nd_val_type(value) != ND_VAL_NULL ? val_to_json(value) : NULL;
        if (vj)
            sqlite3_bind_text(s, 5, vj, -1, free);
        else
            sqlite3_bind_null(s, 5);
        rc = step_done(s);
        sqlite3_clear_bindings(s);
        if (rc != SQLITE_OK)
            return rc;
    }
    static const char *const lists[] = {"topics", "labels"};
    for (size_t l = 0; l < 2; l++) {
        const nd_val_t *tops = nd_doc_get(doc, lists[l]);
        for (size_t i = 0; i < nd_val_len(tops); i++) {
            const nd_val_t *tp = nd_val_at(tops, i);
            const char *id = nd_val_as_str(nd_val_get(tp, "id"), NULL);
            if (!id)
                continue;
            s = a->st[ST_TOP];
            sqlite3_bind_int64(s, 1, rid);
            bind_str(s, 2, lists[l]);
            bind_str(s, 3, id);
            bind_str(s, 4, nd_val_as_str(nd_val_get(tp, "label"), NULL));
            const nd_val_t *score = nd_val_get(tp, "score");
            if (score)
                sqlite3_bind_double(s, 5, nd_val_as_num(score));
            else
                sqlite3_bind_null(s, 5);
            rc = step_done(s);
            sqlite3_clear_bindings(s);
            if (rc != SQLITE_OK)
                return rc;
        }
    }
    return SQLITE_OK;
}

/* ---- the plugin --------------------------------------------------------- */

static void rollback(struct archive *a)
{
    if (!sqlite3_get_autocommit(a->db))
        sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
    if (a->pending)
        a->batch_lost = 1;
    a->in_batch = 0;
}

static nd_status_t failed(struct archive *a, nd_doc_t *doc, const char *what, int rc)
{
    nd_doc_error(doc, "%s %s: %s", what, a->path, sqlite3_errmsg(a->db));
    /* SQLite undoes the whole transaction on some errors (a full disk, an
     * I/O error): the documents written since the last flush went with
     * it, and the flush says so. */
    if (a->in_batch && sqlite3_get_autocommit(a->db))
        rollback(a);
    return transient(rc) ? ND_RETRY : ND_FAIL;
}

static nd_status_t sqlite_process(void *state, nd_doc_t *doc)
{
    struct archive *a = state;
    int rc;
    if (a->mode == MODE_ALWAYS || !a->in_batch) {
        /* IMMEDIATE takes the write lock now: a locked database shows up
         * here, as a retry, not half-way through a document. */
        rc = sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            return failed(a, doc, "cannot write to", rc);
        a->in_batch = a->mode != MODE_ALWAYS;
    }
    if ((rc = sqlite3_exec(a->db, "SAVEPOINT doc", NULL, NULL, NULL)) != SQLITE_OK)
        return failed(a, doc, "cannot write to", rc);
    rc = write_doc(a, doc);
    if (rc != SQLITE_OK) {
        nd_status_t st = failed(a, doc, "cannot write the document to", rc);
        if (!sqlite3_get_autocommit(a->db)) {
            sqlite3_exec(a->db, "ROLLBACK TO doc; RELEASE doc", NULL, NULL, NULL);
            if (a->mode == MODE_ALWAYS)
                sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
        }
        return st;
    }
    sqlite3_exec(a->db, "RELEASE doc", NULL, NULL, NULL);
    if (a->mode == MODE_ALWAYS) {
        rc = sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            nd_status_t st = failed(a, doc, "cannot commit to", rc);
            if (!sqlite3_get_autocommit(a->db))
                sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
            return st;
        }
    } else {
        a->pending++;
    }
    nd_counter_add(a->self, "written", 1);
    return ND_OK;
}

static nd_status_t sqlite_flush(void *state, int sync, char *err, size_t errlen)
{
    struct archive *a = state;
    (void)sync; /* synchronous= already says how much a commit syncs */
    if (a->batch_lost) {
        a->batch_lost = 0;
        a->pending = 0;
        snprintf(err, errlen, "%s: the open transaction was rolled back after "
                 "an error; its documents must be written again", a->path);
        return ND_RETRY;
    }
    if (!a->in_batch)
        return ND_OK;
    int rc = sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot commit to %s: %s", a->path,
                 sqlite3_errmsg(a->db));
        /* A busy COMMIT leaves the transaction open and can be tried again;
         * anything else is undone and the documents come round again. */
        if ((rc & 0xff) != SQLITE_BUSY) {
            rollback(a);
            a->batch_lost = 0;
            a->pending = 0;
        }
        return transient(rc) ? ND_RETRY : ND_FAIL;
    }
    nd_counter_add(a->self, "commits", 1);
    a->in_batch = 0;
    a->pending = 0;
    return ND_OK;
}

static void sqlite_fini(void *state)
{
    struct archive *a = state;
    /* Documents not yet flushed were never reported done: they will be
     * exported again, so their transaction is dropped, not committed. */
    if (a->db && !sqlite3_get_autocommit(a->db))
        sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
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
};

ND_PLUGIN(sqlite_plugin)
