/* The exporter contract, driven through the chain as the daemon drives
 * it (chain_run, then chain_flush): the sqlite exporter makes a
 * batch durable at the flush, holds no lock between documents, commits
 * each document in `always` mode, turns a database locked by someone else
 * into a RETRY that resumes at its own step and writes the document once,
 * and answers a failed flush (the file size limit stands in for a full
 * disk) by writing the batch again at the next one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "chain.h"
#include "testchain.h"
#include "testdir.h"

static char dir[64], cfgpath[128], dbpath[128];

static int setup(void **st)
{
    (void)st;
    snprintf(dir, sizeof dir, "/tmp/nd-exporters-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(cfgpath, sizeof cfgpath, "%s/nd.yaml", dir);
    snprintf(dbpath, sizeof dbpath, "%s/archive.db", dir);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    return testdir_remove(dir);
}

static struct chain *start(const char *durable)
{
    const char *build = getenv("NEWSDESK_BUILD");
    assert_non_null(build);
    remove(dbpath);
    FILE *f = fopen(cfgpath, "w");
    assert_non_null(f);
    fprintf(f,
            "service:\n"
            "  durable: %s\n"
            "  plugin_path: [\"%s/plugins/text\", \"%s/plugins/sqlite\"]\n"
            "pipeline:\n"
            "  - plugin: text\n"
            "  - plugin: sqlite\n"
            "    path: %s\n"
            "    busy_timeout: 20ms\n",
            durable, build, build, dbpath);
    fclose(f);
    return testchain_start(cfgpath); /* exporters run unless told not to */
}

/* Each document's run, kept beside it as a daemon's job keeps it. */
static struct held {
    nd_doc_t *d;
    struct chain_run run;
} held[16];

static struct chain_run *run_of(nd_doc_t *d)
{
    size_t i = 0;
    while (i < 16 && held[i].d && held[i].d != d)
        i++;
    assert_true(i < 16);
    held[i].d = d;
    return &held[i].run;
}

static nd_status_t run(struct chain *p, nd_doc_t *d)
{
    return chain_run(p, d, run_of(d));
}

static void drop(nd_doc_t *d)
{
    struct chain_run *r = run_of(d);
    run_free(r);
    struct held *h = (struct held *)((char *)r - offsetof(struct held, run));
    h->d = NULL;
    doc_free(d);
}

static nd_doc_t *story(int i)
{
    char text[128];
    int n = snprintf(text, sizeof text, "Ferry timetable %d\n\nThe ferry runs again.\n", i);
    uint8_t *raw = malloc((size_t)n);
    memcpy(raw, text, (size_t)n);
    return doc_new(raw, (size_t)n, "ferry.txt", NULL, "text/plain");
}

/* Rows as another connection sees them. */
static int rows(void)
{
    sqlite3 *db;
    sqlite3_stmt *q;
    int n = -1;
    assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM documents", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        n = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

/* The time of the last flush's durable commit, or "" before any. */
static void last_flush(char *out, size_t len)
{
    sqlite3 *db;
    sqlite3_stmt *q;
    *out = '\0';
    assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    if (sqlite3_prepare_v2(db, "SELECT flushed FROM newsdesk_flush", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
        snprintf(out, len, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    sqlite3_close(db);
}

static void batch_is_made_durable_at_the_flush(void **st)
{
    (void)st;
    struct chain *p = start("batch");
    nd_doc_t *d[3];
    for (int i = 0; i < 3; i++) {
        d[i] = story(i);
        assert_int_equal(run(p, d[i]), ND_OK);
    }
    char when[64];
    last_flush(when, sizeof when);
    assert_string_equal(when, "");
    char err[256];
    assert_int_equal(chain_flush(p, 1, err, sizeof err), ND_OK);
    assert_int_equal(rows(), 3);
    last_flush(when, sizeof when);
    assert_true(strlen(when) > 10);
    /* The same documents again (a retry, a re-run after a crash):
     * replaced, not added. */
    for (int i = 0; i < 3; i++) {
        run_free(run_of(d[i]));
        d[i]->read = 0;
        assert_int_equal(run(p, d[i]), ND_OK);
    }
    assert_int_equal(chain_flush(p, 1, err, sizeof err), ND_OK);
    assert_int_equal(rows(), 3);
    for (int i = 0; i < 3; i++)
        drop(d[i]);
    chain_free(p);
}

static void no_lock_is_held_between_documents(void **st)
{
    (void)st;
    struct chain *p = start("batch");
    nd_doc_t *d = story(5);
    assert_int_equal(run(p, d), ND_OK);
    /* Before the flush, another writer gets the database at once. */
    sqlite3 *other;
    assert_int_equal(sqlite3_open(dbpath, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE; ROLLBACK", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(other);
    char err[256];
    assert_int_equal(chain_flush(p, 1, err, sizeof err), ND_OK);
    drop(d);
    chain_free(p);
}

static void always_commits_each_document(void **st)
{
    (void)st;
    struct chain *p = start("always");
    nd_doc_t *d = story(7);
    assert_int_equal(run(p, d), ND_OK);
    assert_int_equal(rows(), 1);
    drop(d);
    chain_free(p);
}

static void locked_database_is_a_retry_at_that_step(void **st)
{
    (void)st;
    struct chain *p = start("batch");
    sqlite3 *other;
    assert_int_equal(sqlite3_open(dbpath, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
    nd_doc_t *d = story(9);
    assert_int_equal(run(p, d), ND_RETRY);
    assert_non_null(run_of(d)->error.message);
    assert_non_null(strstr(run_of(d)->error.message, "locked"));
    assert_int_equal(run_of(d)->next_step, 1); /* resumes at sqlite, not at text */
    assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    assert_int_equal(run(p, d), ND_OK);
    char err[256];
    assert_int_equal(chain_flush(p, 1, err, sizeof err), ND_OK);
    assert_int_equal(rows(), 1);
    drop(d);
    chain_free(p);
}

static void failed_flush_writes_the_batch_again(void **st)
{
    (void)st;
    struct chain *p = start("batch");
    char err[256];
    nd_doc_t *first = story(20);
    assert_int_equal(run(p, first), ND_OK);
    assert_int_equal(chain_flush(p, 1, err, sizeof err), ND_OK);

    nd_doc_t *d[3];
    for (int i = 0; i < 3; i++) {
        d[i] = story(21 + i);
        assert_int_equal(run(p, d[i]), ND_OK);
    }
    /* A full disk: move the WAL into the database and truncate it, then
     * let no file grow. The flush's commit cannot go in. (Limiting files to
     * their current size is not enough: after a checkpoint SQLite writes
     * the WAL again from its start, within its old size.) */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL,
                                  NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", dbpath);
    struct stat sb;
    assert_int_equal(stat(wal, &sb), 0);
    assert_int_equal(sb.st_size, 0);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 0;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    nd_status_t fs = chain_flush(p, 1, err, sizeof err);
    /* A document that arrives meanwhile cannot be written either. */
    nd_doc_t *late = story(30);
    nd_status_t ls = run(p, late);
    setrlimit(RLIMIT_FSIZE, &old);
    assert_int_equal(fs, ND_RETRY);
    assert_non_null(strstr(err, "cannot make 3 documents durable"));
    assert_int_equal(ls, ND_RETRY);
    /* The host tries the flush again: the three are written again and
     * synced; the late one goes in on its retry. */
    assert_int_equal(chain_flush(p, 1, err, sizeof err), ND_OK);
    assert_int_equal(rows(), 4);
    assert_int_equal(run(p, late), ND_OK);
    assert_int_equal(chain_flush(p, 1, err, sizeof err), ND_OK);
    assert_int_equal(rows(), 5);
    drop(late);
    for (int i = 0; i < 3; i++)
        drop(d[i]);
    drop(first);
    chain_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batch_is_made_durable_at_the_flush),
        cmocka_unit_test(no_lock_is_held_between_documents),
        cmocka_unit_test(always_commits_each_document),
        cmocka_unit_test(locked_database_is_a_retry_at_that_step),
        cmocka_unit_test(failed_flush_writes_the_batch_again),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
