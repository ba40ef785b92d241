/* inbox.c on a real libuv loop and a temporary folder: when names become
 * ready, what is ignored, and that a table far smaller than the folder
 * still hands out every file exactly once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "inbox.h"
#include "testdir.h"

struct fixture {
    char root[PATH_MAX], dir[PATH_MAX + 8];
    uv_loop_t loop;
    struct inbox in;
    int started, ready_calls;
};

static void on_ready(struct inbox *in, void *arg)
{
    (void)in;
    ((struct fixture *)arg)->ready_calls++;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->root, sizeof f->root, "/tmp/newsdesk-inbox-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    snprintf(f->dir, sizeof f->dir, "%s/inbox", f->root);
    assert_int_equal(mkdir(f->dir, 0755), 0);
    uv_loop_init(&f->loop);
    *state = f;
    return 0;
}

static void closed(struct inbox *in)
{
    (void)in;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    if (f->started) {
        inbox_close(&f->in, closed);
        uv_run(&f->loop, UV_RUN_DEFAULT);
    }
    uv_loop_close(&f->loop);
    assert_int_equal(testdir_remove(f->root), 0);
    free(f);
    return 0;
}

static const char *const user_ignore[] = {"*.bak"};

static void start_with(struct fixture *f, size_t max_candidates,
                       int64_t settle_ms, int64_t settle_slow_ms)
{
    struct inbox_settings set = {
        .path = f->dir, .settle_ms = settle_ms, .settle_slow_ms = settle_slow_ms,
        .rescan_ms = 3600000, .poll_ms = 100, .watch = INBOX_WATCH_INOTIFY,
        .ignore = user_ignore, .nignore = 1, .max_candidates = max_candidates,
    };
    char err[512];
    assert_int_equal(inbox_start(&f->in, &f->loop, &set, on_ready, f, err,
                                 sizeof err), 0);
    f->started = 1;
}

static void start_settle(struct fixture *f, size_t max_candidates,
                         int64_t settle_ms)
{
    start_with(f, max_candidates, settle_ms, 200);
}

static void start(struct fixture *f, size_t max_candidates)
{
    start_settle(f, max_candidates, 50);
}

static void put(const char *dir, const char *name, const char *text)
{
    char p[PATH_MAX * 2];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void tick(uv_timer_t *t)
{
    (void)t;
}

/* Run the loop for about `ms` milliseconds. A one-shot timer is not
 * enough: when the test has kept the loop's clock waiting that long (a
 * loaded machine, the sanitizers), the timer fires at the start of
 * uv_run's pass, which then blocks in the poll until the next event; with
 * the inbox's hourly rescan timer as the only other one, for an hour. A
 * repeating tick bounds every pass, and the clock decides when to stop. */
static void spin(struct fixture *f, int ms)
{
    uv_timer_t t;
    uv_timer_init(&f->loop, &t);
    uv_update_time(&f->loop);
    uint64_t end = uv_now(&f->loop) + (uint64_t)ms;
    uv_timer_start(&t, tick, 5, 5);
    while (uv_now(&f->loop) < end)
        uv_run(&f->loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(&f->loop, UV_RUN_NOWAIT);
}

static void test_rename_is_ready_at_once(void **state)
{
    struct fixture *f = *state;
    start(f, 64);
    spin(f, 20); /* the start-up scan of an empty folder */
    put(f->root, "a.txt", "story");
    char src[PATH_MAX * 2], dst[PATH_MAX * 2];
    snprintf(src, sizeof src, "%s/a.txt", f->root);
    snprintf(dst, sizeof dst, "%s/a.txt", f->dir);
    assert_int_equal(rename(src, dst), 0);
    char name[NAME_MAX + 1] = "";
    /* Bounded waits: a lost event fails the test instead of hanging it. */
    for (int i = 0; i < 100 && !inbox_take(&f->in, name); i++)
        spin(f, 20);
    assert_string_equal(name, "a.txt");
    assert_true(f->ready_calls > 0);
    assert_int_equal(inbox_take(&f->in, name), 0); /* handed out once */
}

static void test_written_in_place_waits_for_settle(void **state)
{
    struct fixture *f = *state;
    start_settle(f, 64, 1000);
    spin(f, 20);
    put(f->dir, "b.txt", "story");
    /* The events are in; `settle` has not passed. */
    uv_run(&f->loop, UV_RUN_NOWAIT);
    uv_run(&f->loop, UV_RUN_NOWAIT);
    char name[NAME_MAX + 1] = "";
    assert_int_equal(inbox_take(&f->in, name), 0);
    for (int i = 0; i < 100 && !inbox_take(&f->in, name); i++)
        spin(f, 50);
    assert_string_equal(name, "b.txt");
    assert_string_equal(name, "b.txt");
}

static void test_ignored_entries_are_never_handed_out(void **state)
{
    struct fixture *f = *state;
    char p[PATH_MAX * 2];
    put(f->dir, ".hidden", "x");
    put(f->dir, "x.tmp", "x");
    put(f->dir, "y.part", "x");
    put(f->dir, "z.bak", "x");
    put(f->dir, "THUMBS.DB", "x");
    put(f->dir, "real.txt.error.json", "{}");
    snprintf(p, sizeof p, "%s/sub", f->dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/fifo", f->dir);
    assert_int_equal(mkfifo(p, 0644), 0);
    snprintf(p, sizeof p, "%s/link", f->dir);
    assert_int_equal(symlink("/etc/hostname", p), 0);
    put(f->dir, "real.txt", "x");
    start(f, 64);
    char name[NAME_MAX + 1] = "";
    for (int i = 0; i < 100 && !inbox_take(&f->in, name); i++)
        spin(f, 50); /* two stats settle_slow apart */
    assert_string_equal(name, "real.txt");
    assert_int_equal(inbox_take(&f->in, name), 0);
    int known = 0;
    assert_int_equal(inbox_pending(&f->in, &known), 0);
    assert_true(known);
}

/* The inbox keeps its own copy of its settings: the configuration they
 * came from may be freed by a reload while the inbox runs on. */
static void test_settings_are_copied(void **state)
{
    struct fixture *f = *state;
    char *path = strdup(f->dir), *glob = strdup("*.bak");
    const char *ignore[] = {glob};
    struct inbox_settings set = {
        .path = path, .settle_ms = 50, .settle_slow_ms = 200,
        .rescan_ms = 3600000, .poll_ms = 100, .watch = INBOX_WATCH_INOTIFY,
        .ignore = ignore, .nignore = 1, .max_candidates = 64,
    };
    char err[512];
    assert_int_equal(inbox_start(&f->in, &f->loop, &set, on_ready, f, err,
                                 sizeof err), 0);
    f->started = 1;
    /* What the caller lent is gone, and the bytes say something else. */
    memset(path, 'x', strlen(path));
    memcpy(glob, "*.txt", 5);
    free(path);
    free(glob);
    put(f->dir, "kept.bak", "x");
    put(f->dir, "story.txt", "x");
    char name[NAME_MAX + 1] = "";
    for (int i = 0; i < 100 && !inbox_take(&f->in, name); i++)
        spin(f, 50);
    assert_string_equal(name, "story.txt");
    assert_int_equal(inbox_take(&f->in, name), 0);
    char p[PATH_MAX];
    assert_int_equal(inbox_file(&f->in, "story.txt", p, sizeof p), 0);
    assert_true(strncmp(p, f->dir, strlen(f->dir)) == 0);
}

/* Take every ready name (x<number>.txt), each once and numbered at most
 * `last`, and, as the daemon would, move it out of the folder. Returns
 * how many were taken. */
static int take_all(struct fixture *f, int *seen, int last)
{
    char name[NAME_MAX + 1] = "";
    int got = 0;
    while (inbox_take(&f->in, name)) {
        int i = atoi(name + 1);
        assert_in_range(i, 0, last);
        assert_int_equal(seen[i], 0);
        seen[i] = 1;
        got++;
        char p[PATH_MAX * 2];
        snprintf(p, sizeof p, "%s/%s", f->dir, name);
        assert_int_equal(unlink(p), 0);
    }
    return got;
}

static void test_small_table_large_folder(void **state)
{
    struct fixture *f = *state;
    enum { N = 100 };
    for (int i = 0; i < N; i++) {
        char n[32];
        snprintf(n, sizeof n, "f%03d.txt", i);
        put(f->dir, n, "x");
    }
    start(f, 8);
    int seen[N] = {0}, got = 0;
    for (int round = 0; round < 400 && got < N; round++) {
        spin(f, 10);
        got += take_all(f, seen, N - 1);
        assert_true(inbox_pending(&f->in, NULL) <= 8);
    }
    assert_int_equal(got, N);
}

/* Renamed in past a full table: the rescan that finds the dropped names
 * takes them as renames (at once), not as files of unknown history
 * (settle_slow, here a minute); but not a name being written to again
 * after its rename, which waits like any file written in place. */
static void test_burst_past_the_table_is_not_held_back(void **state)
{
    struct fixture *f = *state;
    enum { N = 40 };
    start_with(f, 8, 50, 60000);
    spin(f, 20);
    for (int i = 0; i < N; i++) {
        char src[PATH_MAX * 2], dst[PATH_MAX * 2], n[32];
        snprintf(n, sizeof n, "b%03d.txt", i);
        put(f->root, n, "story");
        snprintf(src, sizeof src, "%s/%s", f->root, n);
        snprintf(dst, sizeof dst, "%s/%s", f->dir, n);
        assert_int_equal(rename(src, dst), 0);
    }
    spin(f, 50); /* the events: 8 names kept, the rest dropped */
    char p[PATH_MAX * 2];
    snprintf(p, sizeof p, "%s/b039.txt", f->dir);
    FILE *fp = fopen(p, "a"); /* written again, still open */
    assert_non_null(fp);
    fputs(" more", fp);
    fflush(fp);
    int seen[N] = {0}, got = 0;
    for (int round = 0; round < 300 && got < N - 1; round++) {
        spin(f, 10);
        got += take_all(f, seen, N - 2);
    }
    assert_int_equal(got, N - 1);
    char name[NAME_MAX + 1] = "";
    spin(f, 200);
    assert_int_equal(inbox_take(&f->in, name), 0);
    /* closed after writing: taken after settle */
    fclose(fp);
    int taken = 0;
    for (int round = 0; round < 100 && !taken; round++) {
        spin(f, 10);
        taken = inbox_take(&f->in, name);
    }
    assert_true(taken);
    assert_string_equal(name, "b039.txt");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rename_is_ready_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_written_in_place_waits_for_settle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ignored_entries_are_never_handed_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_small_table_large_folder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settings_are_copied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_burst_past_the_table_is_not_held_back, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
