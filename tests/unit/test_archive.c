/* lib/archive: migrations to the current schema, refusal of a newer one,
 * the exporter's statements, and the search query with every filter. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "archive/archive.h"

static sqlite3 *fresh(void)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    return db;
}

static void migrates_a_new_archive(void **st)
{
    (void)st;
    sqlite3 *db = fresh();
    char err[256] = "";
    int from = -1;
    assert_int_equal(archive_version(db), 0);
    assert_int_equal(archive_migrate(db, "mem", &from, err, sizeof err), 0);
    assert_int_equal(from, 0);
    assert_int_equal(archive_version(db), ARCHIVE_SCHEMA_VERSION);
    /* Again: nothing to do. */
    assert_int_equal(archive_migrate(db, "mem", &from, err, sizeof err), 0);
    assert_int_equal(from, ARCHIVE_SCHEMA_VERSION);
    sqlite3_stmt *s[ARCHIVE_NSTMT] = {0};
    assert_int_equal(archive_prepare(db, "mem", s, err, sizeof err), 0);
    for (int i = 0; i < ARCHIVE_NSTMT; i++)
        sqlite3_finalize(s[i]);
    sqlite3_close(db);
}

static void refuses_a_newer_archive(void **st)
{
    (void)st;
    sqlite3 *db = fresh();
    char err[256] = "", set[64];
    int from;
    snprintf(set, sizeof set, "PRAGMA user_version = %d", ARCHIVE_SCHEMA_VERSION + 1);
    assert_int_equal(archive_exec(db, "mem", set, err, sizeof err), 0);
    assert_int_equal(archive_migrate(db, "mem", &from, err, sizeof err), -EPROTO);
    assert_int_equal(from, ARCHIVE_SCHEMA_VERSION + 1);
    assert_non_null(strstr(err, "mem: the archive has schema version"));
    assert_int_equal(archive_exec(db, "mem", "NOT SQL", err, sizeof err), -EIO);
    assert_non_null(strstr(err, "mem: "));
    sqlite3_close(db);
}

/* One document written as the exporter writes it, then found by search
 * with each filter. */
static void searches_with_filters(void **st)
{
    (void)st;
    sqlite3 *db = fresh();
    char err[256] = "";
    int from;
    assert_int_equal(archive_exec(db, "mem", "PRAGMA foreign_keys = ON", err, sizeof err), 0);
    assert_int_equal(archive_migrate(db, "mem", &from, err, sizeof err), 0);
    sqlite3_stmt *s[ARCHIVE_NSTMT] = {0};
    assert_int_equal(archive_prepare(db, "mem", s, err, sizeof err), 0);
    const char *json =
        "{\"schema\":\"newsdesk/1\",\"id\":\"" /* 64 hex */
        "00000000000000000000000000000000000000000000000000000000000000ab\","
        "\"source\":{\"name\":\"rates.txt\",\"received\":\"2026-11-28T10:00:00Z\"},"
        "\"title\":\"Central bank cuts rates\",\"language\":{\"code\":\"en\"},"
        "\"text\":\"The central bank cut interest rates on Thursday.\","
        "\"entities\":[{\"type\":\"ORG\",\"text\":\"Central Bank\",\"count\":1}],"
        "\"topics\":[{\"id\":\"medtop:04000000\",\"label\":\"economy\",\"score\":0.9}]}";
    sqlite3_bind_text(s[ARCHIVE_HEAD], 1, json, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s[ARCHIVE_HEAD]), SQLITE_ROW);
    const char *head = (const char *)sqlite3_column_text(s[ARCHIVE_HEAD], 0);
    sqlite3_stmt *up = s[ARCHIVE_UPSERT];
    sqlite3_bind_text(up, 1, json, -1, SQLITE_STATIC);
    sqlite3_bind_text(up, 3, head, -1, SQLITE_STATIC);
    sqlite3_bind_text(up, 4, "The central bank cut interest rates on Thursday.", -1,
                      SQLITE_STATIC);
    assert_int_equal(sqlite3_step(up), SQLITE_ROW);
    sqlite3_int64 rid = sqlite3_column_int64(up, 0);
    sqlite3_reset(up);
    for (int i = ARCHIVE_ENT; i <= ARCHIVE_TOP; i++) {
        sqlite3_bind_text(s[i], 3, head, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s[i], 2, rid);
        assert_int_equal(sqlite3_step(s[i]), SQLITE_DONE);
    }
    static const char *const topics[] = {"econ"}, *const people[] = {"ORG:central bank"},
                             *const nobody[] = {"PERSON:central bank"};
    struct archive_query q = {.match = "rates", .limit = 10};
    const struct {
        struct archive_query q;
        int found;
    } cases[] = {
        {q, 1},
        {(struct archive_query){.match = "rates", .lang = "en", .limit = 10}, 1},
        {(struct archive_query){.match = "rates", .lang = "de", .limit = 10}, 0},
        {(struct archive_query){.match = "rates", .since = "2026-11", .until = "2026-11-28",
                                .limit = 10}, 1},
        {(struct archive_query){.match = "rates", .until = "2026-11-27", .limit = 10}, 0},
        {(struct archive_query){.match = "rates", .topics = topics, .ntopics = 1,
                                .limit = 10}, 1},
        {(struct archive_query){.match = "rates", .entities = people, .nentities = 1,
                                .limit = 10}, 1},
        {(struct archive_query){.match = "rates", .entities = nobody, .nentities = 1,
                                .limit = 10}, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sqlite3_stmt *r;
        assert_int_equal(archive_search(db, &cases[i].q, &r, err, sizeof err), 0);
        int rows = 0;
        while (sqlite3_step(r) == SQLITE_ROW) {
            rows++;
            assert_string_equal((const char *)sqlite3_column_text(r, ARCHIVE_COL_TITLE),
                                "Central bank cuts rates");
            assert_string_equal((const char *)sqlite3_column_text(r, ARCHIVE_COL_TOPICS),
                                "economy");
            assert_string_equal((const char *)sqlite3_column_text(r, ARCHIVE_COL_NAME),
                                "rates.txt");
        }
        assert_int_equal(rows, cases[i].found);
        sqlite3_finalize(r);
    }
    /* Withdrawn: its entities and topics go with it. */
    sqlite3_bind_text(s[ARCHIVE_WITHDRAW], 1,
                      "00000000000000000000000000000000000000000000000000000000000000ab",
                      -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s[ARCHIVE_WITHDRAW]), SQLITE_DONE);
    sqlite3_stmt *c;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM entities) + "
                                            "(SELECT count(*) FROM topics)", -1, &c, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(c), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(c, 0), 0);
    sqlite3_finalize(c);
    for (int i = 0; i < ARCHIVE_NSTMT; i++)
        sqlite3_finalize(s[i]);
    sqlite3_close(db);
}

/* Write one document as the exporter does: its row, entities and topics. */
static void put(sqlite3_stmt *s[ARCHIVE_NSTMT], const char *json, const char *text)
{
    sqlite3_bind_text(s[ARCHIVE_HEAD], 1, json, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s[ARCHIVE_HEAD]), SQLITE_ROW);
    const char *head = (const char *)sqlite3_column_text(s[ARCHIVE_HEAD], 0);
    sqlite3_bind_text(s[ARCHIVE_UPSERT], 1, json, -1, SQLITE_STATIC);
    sqlite3_bind_text(s[ARCHIVE_UPSERT], 3, head, -1, SQLITE_STATIC);
    sqlite3_bind_text(s[ARCHIVE_UPSERT], 4, text, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s[ARCHIVE_UPSERT]), SQLITE_ROW);
    sqlite3_int64 rid = sqlite3_column_int64(s[ARCHIVE_UPSERT], 0);
    sqlite3_reset(s[ARCHIVE_UPSERT]);
    for (int i = ARCHIVE_ENT; i <= ARCHIVE_TOP; i++) {
        sqlite3_bind_text(s[i], 3, head, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s[i], 2, rid);
        assert_int_equal(sqlite3_step(s[i]), SQLITE_DONE);
        sqlite3_reset(s[i]);
    }
    sqlite3_reset(s[ARCHIVE_HEAD]);
}

/* The number of rows q finds, and the title of the first in first_title. */
static int found(sqlite3 *db, const struct archive_query *q, char *first_title,
                 size_t len)
{
    char err[256];
    sqlite3_stmt *r;
    assert_int_equal(archive_search(db, q, &r, err, sizeof err), 0);
    int rows = 0;
    while (sqlite3_step(r) == SQLITE_ROW) {
        if (!rows++ && first_title)
            snprintf(first_title, len, "%s", sqlite3_column_text(r, ARCHIVE_COL_TITLE));
    }
    sqlite3_finalize(r);
    return rows;
}

#define DOC(id, title, date, text, ents)                                      \
    "{\"schema\":\"newsdesk/1\",\"id\":\"" id "\",\"source\":{\"name\":"     \
    "\"x.txt\",\"received\":\"" date "\"},\"title\":\"" title "\","          \
    "\"text\":\"" text "\",\"entities\":[" ents "]}"

static const char floods_text[] =
    "Floods closed the port of Rotterdam, said minister Pedro S\u00e1nchez.";

/* Porter stemming, entity names folded like the index, and filters with
 * no query; then an archive of schema version 2 (unstemmed index, no
 * folded names) migrated: its index rebuilt and its names folded. */
static void stems_folds_and_filters_alone(void **st)
{
    (void)st;
    sqlite3 *db = fresh();
    char err[256] = "", title[128];
    int from;
    assert_int_equal(archive_migrate(db, "mem", &from, err, sizeof err), 0);
    sqlite3_stmt *s[ARCHIVE_NSTMT] = {0};
    assert_int_equal(archive_prepare(db, "mem", s, err, sizeof err), 0);
    put(s, DOC("a1", "Floods in Rotterdam", "2026-02-01T08:00:00Z",
               "Floods closed the port of Rotterdam, said minister Pedro S\\u00e1nchez.",
               "{\"type\":\"LOC\",\"text\":\"Rotterdam\"},"
               "{\"type\":\"PERSON\",\"text\":\"Pedro S\\u00e1nchez\"}"),
        floods_text);
    put(s, DOC("b2", "Dry summer in Rotterdam", "2026-03-01T08:00:00Z",
               "No rain fell in Rotterdam.", "{\"type\":\"LOC\",\"text\":\"Rotterdam\"}"),
        "No rain fell in Rotterdam.");
    for (int i = 0; i < ARCHIVE_NSTMT; i++)
        sqlite3_finalize(s[i]);

    static const char *const loc[] = {"LOC:rotterdam"}, *const pedro[] = {"pedro sanchez"},
                             *const upper[] = {"PERSON:PEDRO SÁNCHEZ"},
                             *const wrong_type[] = {"LOC:pedro sanchez"};
    struct archive_query stem = {.match = "flood", .limit = 10};
    struct archive_query flooding = {.match = "flooding", .limit = 10};
    struct archive_query by_loc = {.entities = loc, .nentities = 1, .limit = 10};
    struct archive_query by_pedro = {.entities = pedro, .nentities = 1, .limit = 10};
    struct archive_query by_upper = {.entities = upper, .nentities = 1, .limit = 10};
    struct archive_query by_type = {.entities = wrong_type, .nentities = 1, .limit = 10};
    struct archive_query since = {.since = "2026-02-15", .limit = 10};
    assert_int_equal(found(db, &stem, title, sizeof title), 1);
    assert_string_equal(title, "Floods in Rotterdam");
    assert_int_equal(found(db, &flooding, NULL, 0), 1);
    /* No query: newest first. */
    assert_int_equal(found(db, &by_loc, title, sizeof title), 2);
    assert_string_equal(title, "Dry summer in Rotterdam");
    assert_int_equal(found(db, &by_pedro, title, sizeof title), 1);
    assert_string_equal(title, "Floods in Rotterdam");
    assert_int_equal(found(db, &by_upper, NULL, 0), 1);
    assert_int_equal(found(db, &by_type, NULL, 0), 0);
    assert_int_equal(found(db, &since, title, sizeof title), 1);
    assert_string_equal(title, "Dry summer in Rotterdam");

    /* Back to version 2: the index as it was, no folded names. */
    assert_int_equal(archive_exec(db, "mem",
        "DROP TABLE documents_fts;"
        "CREATE VIRTUAL TABLE documents_fts USING fts5(title, text, "
        "  content='documents', content_rowid='rid', "
        "  tokenize='unicode61 remove_diacritics 2');"
        "INSERT INTO documents_fts(documents_fts) VALUES ('rebuild');"
        "DROP INDEX entities_folded;"
        "ALTER TABLE entities DROP COLUMN folded;"
        "PRAGMA user_version = 2;", err, sizeof err), 0);
    assert_int_equal(found(db, &stem, NULL, 0), 0); /* unstemmed */
    assert_int_equal(archive_migrate(db, "mem", &from, err, sizeof err), 0);
    assert_int_equal(from, 2);
    assert_int_equal(archive_version(db), ARCHIVE_SCHEMA_VERSION);
    assert_int_equal(found(db, &stem, title, sizeof title), 1);
    assert_string_equal(title, "Floods in Rotterdam");
    assert_int_equal(found(db, &by_pedro, NULL, 0), 1);
    assert_int_equal(found(db, &by_loc, NULL, 0), 2);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(migrates_a_new_archive),
        cmocka_unit_test(refuses_a_newer_archive),
        cmocka_unit_test(searches_with_filters),
        cmocka_unit_test(stems_folds_and_filters_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
