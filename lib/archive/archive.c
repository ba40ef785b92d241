/* archive: the schema's migrations, the exporter's statements and the
 * SQL function that folds entity names as the text index folds words. */
#include "archive.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <utf8proc.h>

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
    /* 2: the row an exporter's flush updates (the sqlite exporter: to
     * sync the WAL with one small commit). */
    "CREATE TABLE newsdesk_flush ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1), flushed TEXT);"
    "INSERT INTO newsdesk_flush VALUES (1, NULL);",
    /* 3: the index stems English words (porter: "flood" finds "floods"),
     * rebuilt from the documents; entities get their folded name, for
     * filters that ignore case and accents as the index does. */
    "DROP TABLE documents_fts;"
    "CREATE VIRTUAL TABLE documents_fts USING fts5("
    "  title, text, content='documents', content_rowid='rid',"
    "  tokenize='porter unicode61 remove_diacritics 2');"
    "INSERT INTO documents_fts(documents_fts) VALUES ('rebuild');"
    "ALTER TABLE entities ADD COLUMN folded TEXT;"
    "UPDATE entities SET folded = newsdesk_fold(text);"
    "CREATE INDEX entities_folded ON entities(folded, type);",
};
_Static_assert(sizeof migrations / sizeof migrations[0] == ARCHIVE_SCHEMA_VERSION,
               "a migration per schema version");

static const char *const statements[ARCHIVE_NSTMT] = {
    [ARCHIVE_HEAD] = "SELECT json_remove(?1, '$.text')",
    [ARCHIVE_TEXT] = "SELECT json_extract(?1, '$.text')",
    [ARCHIVE_UPSERT] =
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
    [ARCHIVE_DEL_ENT] = "DELETE FROM entities WHERE doc = ?2",
    [ARCHIVE_DEL_TOP] = "DELETE FROM topics WHERE doc = ?2",
    /* A normalised value keeps its JSON type: text, a number, or JSON text
     * for an object (an amount and currency). */
    [ARCHIVE_ENT] = "INSERT INTO entities (doc, type, text, count, value, folded) "
               "SELECT ?2, json_extract(e.value, '$.type'), "
               "  json_extract(e.value, '$.text'), json_extract(e.value, '$.count'), "
               "  json_extract(e.value, '$.value'), "
               "  newsdesk_fold(json_extract(e.value, '$.text')) "
               "FROM json_each(?3, '$.entities') e "
               "WHERE json_type(e.value, '$.type') = 'text' "
               "  AND json_type(e.value, '$.text') = 'text'",
    [ARCHIVE_TOP] = "INSERT INTO topics (doc, list, topic, label, score) "
               "SELECT ?2, l.list, json_extract(t.value, '$.id'), "
               "  json_extract(t.value, '$.label'), json_extract(t.value, '$.score') "
               "FROM (SELECT 'topics' AS list UNION ALL SELECT 'labels') l, "
               "  json_each(?3, '$.' || l.list) t "
               "WHERE json_type(t.value, '$.id') = 'text'",
    [ARCHIVE_MARK] = "UPDATE newsdesk_flush SET flushed = "
                     "strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
                     "WHERE id = 1",
    /* entities and topics go by ON DELETE CASCADE, the index by trigger */
    [ARCHIVE_WITHDRAW] = "DELETE FROM documents WHERE id = ?1",
};

/* newsdesk_fold(text): case folded, accents and other marks dropped,
 * compatibility forms unified ("Sánchez" and "SANCHEZ" are "sanchez"), as
 * the index's unicode61 tokenizer with remove_diacritics 2 sees words.
 * NULL for NULL. */
static void fold_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const unsigned char *s = sqlite3_value_text(argv[0]);
    if (!s) {
        sqlite3_result_null(ctx);
        return;
    }
    utf8proc_uint8_t *out = NULL;
    utf8proc_ssize_t n = utf8proc_map(s, sqlite3_value_bytes(argv[0]), &out,
                                      UTF8PROC_STABLE | UTF8PROC_COMPAT |
                                      UTF8PROC_COMPOSE | UTF8PROC_STRIPMARK |
                                      UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);
    if (n < 0) /* not valid UTF-8: as it is */
        sqlite3_result_value(ctx, argv[0]);
    else
        sqlite3_result_text(ctx, (const char *)out, (int)n, free);
    if (n < 0)
        free(out);
}

int archive_functions(sqlite3 *db)
{
    int rc = sqlite3_create_function_v2(db, "newsdesk_fold", 1,
                                        SQLITE_UTF8 | SQLITE_DETERMINISTIC |
                                            SQLITE_INNOCUOUS,
                                        NULL, fold_fn, NULL, NULL, NULL);
    /* SQLITE_BUSY: registered already, and in use by a statement. */
    return rc == SQLITE_OK || rc == SQLITE_BUSY ? 0 : -EIO;
}

int archive_version(sqlite3 *db)
{
    sqlite3_stmt *q;
    int version = -EIO;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        version = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return version;
}

int archive_exec(sqlite3 *db, const char *path, const char *sql, char *err,
                 size_t errlen)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        snprintf(err, errlen, "%s: %s", path, msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return rc == SQLITE_OK ? 0 : -EIO;
}

int archive_migrate(sqlite3 *db, const char *path, int *from, char *err,
                    size_t errlen)
{
    *from = archive_version(db);
    if (archive_functions(db) < 0) {
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
        return -EIO;
    }
    for (int version = *from;; version = archive_version(db)) {
        if (version < 0) {
            snprintf(err, errlen, "%s: cannot read the schema version: %s",
                     path, sqlite3_errmsg(db));
            return version;
        }
        if (version > ARCHIVE_SCHEMA_VERSION) {
            snprintf(err, errlen, "%s: the archive has schema version %d, newer "
                     "than this newsdesk knows (%d); upgrade newsdesk", path,
                     version, ARCHIVE_SCHEMA_VERSION);
            return -EPROTO;
        }
        if (version == ARCHIVE_SCHEMA_VERSION)
            return 0;
        char set[64];
        snprintf(set, sizeof set, "PRAGMA user_version = %d;", version + 1);
        int rc = archive_exec(db, path, "BEGIN IMMEDIATE", err, errlen);
        if (rc < 0)
            return rc;
        if ((rc = archive_exec(db, path, migrations[version], err, errlen)) < 0 ||
            (rc = archive_exec(db, path, set, err, errlen)) < 0 ||
            (rc = archive_exec(db, path, "COMMIT", err, errlen)) < 0) {
            char ignored[64];
            archive_exec(db, path, "ROLLBACK", ignored, sizeof ignored);
            return rc;
        }
    }
}

int archive_prepare(sqlite3 *db, const char *path,
                    sqlite3_stmt *st[ARCHIVE_NSTMT], char *err, size_t errlen)
{
    if (archive_functions(db) < 0) {
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
        return -EIO;
    }
    for (int i = 0; i < ARCHIVE_NSTMT; i++) {
        if (sqlite3_prepare_v3(db, statements[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &st[i], NULL) != SQLITE_OK) {
            snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
            return -EIO;
        }
    }
    return 0;
}
