/* The exporter contract, driven through the chain as the daemon drives
 * it (chain_run, then chain_flush): the sqlite exporter makes a
 * batch durable at the flush, holds no lock between documents, commits
 * each document in `always` mode, turns a database locked by someone else
 * into a RETRY that resumes at its own step and writes the document once,
 * and answers a failed flush (the file size limit stands in for a full
 * disk) by writing the batch again at the next one. The json exporter's
 * flush runs beside documents being exported (ND_PLUGIN_CONCURRENT_FLUSH)
 * and loses none of them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
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

/* Group commits one after another on a thread of their own, as the
 * daemon's, while documents go through text + json. */
struct flusher {
    struct chain *p;
    atomic_int stop;
    int rounds, failed;
};

static void *flush_loop(void *arg)
{
    struct flusher *f = arg;
    char err[256];
    while (!atomic_load(&f->stop)) {
        if (chain_flush(f->p, 1, err, sizeof err) != ND_OK)
            f->failed++;
        f->rounds++;
    }
    return NULL;
}

/* A document of the test below: every tenth held back by a step after
 * the exporter (a sink that is down), every tenth but three refused by
 * it after the exporter accepted it. */
static nd_doc_t *bulletin(int i)
{
    char text[160];
    int n = snprintf(text, sizeof text, "Tide table %d\n\nHigh water at noon%s.\n",
                     i, i % 10 == 3 ? ", HOLD" : i % 10 == 7 ? ", REFUSE" : "");
    uint8_t *raw = malloc((size_t)n);
    memcpy(raw, text, (size_t)n);
    return doc_new(raw, (size_t)n, "tide.txt", NULL, "text/plain");
}

/* Whether <out>/<id>.json exists, whole. */
static int exported(const char *out, const char *id)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%.64s.json", out, id);
    FILE *j = fopen(path, "r");
    if (!j)
        return 0;
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, j);
    fclose(j);
    buf[n] = '\0';
    assert_true(n > 2 && buf[0] == '{' && !strcmp(buf + n - 2, "}\n"));
    assert_non_null(strstr(buf, id));
    return 1;
}

static int files_in(const char *out, int *tmp)
{
    DIR *dp = opendir(out);
    assert_non_null(dp);
    struct dirent *e;
    int files = 0;
    *tmp = 0;
    while ((e = readdir(dp)))
        if (strstr(e->d_name, ".tmp"))
            (*tmp)++;
        else if (e->d_name[0] != '.')
            files++;
    closedir(dp);
    return files;
}

static void json_flush_beside_the_workers_loses_nothing(void **st)
{
    (void)st;
    enum { N = 300 };
    const char *build = getenv("NEWSDESK_BUILD");
    const char *tplugins = getenv("NEWSDESK_TEST_PLUGINS");
    assert_non_null(tplugins);
    char out[128], down[128];
    snprintf(out, sizeof out, "%s/outbox", dir);
    snprintf(down, sizeof down, "%s/sink-down", dir);
    FILE *cf = fopen(down, "w");
    assert_non_null(cf);
    fclose(cf);
    cf = fopen(cfgpath, "w");
    assert_non_null(cf);
    fprintf(cf,
            "service:\n"
            "  durable: batch\n"
            "  plugin_path: [\"%s/plugins/text\", \"%s/plugins/json\", \"%s\"]\n"
            "pipeline:\n"
            "  - plugin: text\n"
            "  - plugin: json\n"
            "    dir: %s\n"
            "  - plugin: faulty\n"
            "    retry_while: %s\n"
            "    retry_on: HOLD\n"
            "    fail_on: REFUSE\n", build, build, tplugins, out, down);
    fclose(cf);
    struct chain *p = testchain_start(cfgpath);
    struct flusher f = {.p = p};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, flush_loop, &f), 0);
    static char ids[N][65];
    static nd_doc_t *held_back[N];
    static struct chain_run runs[N];
    for (int i = 0; i < N; i++) {
        nd_doc_t *d = bulletin(i);
        nd_status_t want = i % 10 == 3 ? ND_RETRY : i % 10 == 7 ? ND_FAIL : ND_OK;
        assert_int_equal(chain_run(p, d, &runs[i]), want);
        memcpy(ids[i], d->id, 65);
        if (want == ND_RETRY) {
            held_back[i] = d;
            continue;
        }
        run_free(&runs[i]);
        doc_free(d);
    }
    atomic_store(&f.stop, 1);
    pthread_join(t, NULL);
    char err[256];
    /* What the last concurrent flush did not take, this one does. */
    assert_int_equal(chain_flush(p, 1, err, sizeof err), ND_OK);
    assert_int_equal(f.failed, 0);
    assert_true(f.rounds > 0);
    /* Accepted documents under their final names, whole; refused ones
     * nowhere; held-back ones not yet (their temporary files wait). */
    int tmp;
    for (int i = 0; i < N; i++)
        if (exported(out, ids[i]) != (i % 10 != 3 && i % 10 != 7))
            fail_msg("document %d: %s", i, exported(out, ids[i]) ? "exported" : "not exported");
    assert_int_equal(files_in(out, &tmp), N - N / 5);
    assert_int_equal(tmp, N / 10);
    /* The sink is back: the held-back documents go on from that step. */
    assert_int_equal(unlink(down), 0);
    for (int i = 3; i < N; i += 10) {
        assert_int_equal(chain_run(p, held_back[i], &runs[i]), ND_OK);
        run_free(&runs[i]);
        doc_free(held_back[i]);
    }
    assert_int_equal(chain_flush(p, 1, err, sizeof err), ND_OK);
    for (int i = 3; i < N; i += 10)
        assert_true(exported(out, ids[i]));
    assert_int_equal(files_in(out, &tmp), N - N / 10);
    assert_int_equal(tmp, 0);
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
        cmocka_unit_test(json_flush_beside_the_workers_loses_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
