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
 * schema (lib/archive, which `newsdesk search` reads by too) is versioned
 * (PRAGMA user_version) and migrated at start-up.
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

#include "archive/archive.h"
#include "base/io.h"
#include "export/replay.h"

struct archive {
    nd_instance_t *self;
    char *path;
    sqlite3 *db;
    sqlite3_stmt *st[ARCHIVE_NSTMT];
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

static void archive_free(struct archive *a)
{
    for (int i = 0; i < ARCHIVE_NSTMT; i++)
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
    int from;
    if (archive_exec(a->db, a->path, pragmas, err, errlen) < 0 ||
        archive_migrate(a->db, a->path, &from, err, errlen) < 0 ||
        archive_prepare(a->db, a->path, a->st, err, errlen) < 0)
        goto fail;
    /* One line, however many migrations it took. */
    if (!from)
        nd_log(self, ND_LOG_INFO, "%s: new archive, schema version %d",
               a->path, ARCHIVE_SCHEMA_VERSION);
    else if (from < ARCHIVE_SCHEMA_VERSION)
        nd_log(self, ND_LOG_INFO, "%s: schema migrated from version %d to %d",
               a->path, from, ARCHIVE_SCHEMA_VERSION);
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
    int rc = json_part(a, ARCHIVE_HEAD, json, len, &head, &hlen);
    if (rc == SQLITE_OK && !text)
        rc = json_part(a, ARCHIVE_TEXT, json, len, &own, &tlen);
    if (rc == SQLITE_OK && !head)
        rc = SQLITE_MISMATCH; /* not a JSON object */
    if (rc != SQLITE_OK) {
        free(head);
        free(own);
        return rc;
    }
    if (!text)
        text = own;
    sqlite3_stmt *s = a->st[ARCHIVE_UPSERT];
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
    for (int i = ARCHIVE_DEL_ENT; i <= ARCHIVE_TOP && rc == SQLITE_OK; i++) {
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
        rc = noted(a, step_done(a->st[ARCHIVE_MARK]));
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
        sqlite3_bind_text(a->st[ARCHIVE_WITHDRAW], 1, id, -1, SQLITE_STATIC);
        rc = noted(a, step_done(a->st[ARCHIVE_WITHDRAW]));
        sqlite3_clear_bindings(a->st[ARCHIVE_WITHDRAW]);
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
