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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(migrates_a_new_archive),
        cmocka_unit_test(refuses_a_newer_archive),
        cmocka_unit_test(searches_with_filters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
