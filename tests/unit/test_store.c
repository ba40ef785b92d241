/* store.c: claims, outcomes that never overwrite, error records, crash
 * counters. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "testdir.h"

struct fixture {
    char root[PATH_MAX], inbox[PATH_MAX + 8], state[PATH_MAX + 8];
    struct store s;
};

static void put(const char *dir, const char *name, const char *text)
{
    char p[PATH_MAX * 2];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *slurp(const char *dir, const char *sub, const char *name)
{
    char p[PATH_MAX * 2];
    snprintf(p, sizeof p, "%s/%s/%s", dir, sub, name);
    FILE *f = fopen(p, "r");
    if (!f)
        return NULL;
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->root, sizeof f->root, "/tmp/newsdesk-store-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    snprintf(f->inbox, sizeof f->inbox, "%s/inbox", f->root);
    snprintf(f->state, sizeof f->state, "%s/var", f->root);
    assert_int_equal(mkdir(f->inbox, 0755), 0);
    struct stat st;
    assert_int_equal(stat(f->inbox, &st), 0);
    char err[512];
    assert_int_equal(store_open(&f->s, f->state, (uint64_t)st.st_dev, 0, err,
                                sizeof err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_close(&f->s);
    assert_int_equal(testdir_remove(f->root), 0);
    free(f);
    return 0;
}

static int claim(struct fixture *f, const char *name)
{
    char p[PATH_MAX * 2];
    snprintf(p, sizeof p, "%s/%s", f->inbox, name);
    return store_claim(&f->s, p, name);
}

static void test_claim_never_replaces(void **state)
{
    struct fixture *f = *state;
    put(f->inbox, "a.txt", "first");
    assert_int_equal(claim(f, "a.txt"), 0);
    put(f->inbox, "a.txt", "second");
    assert_int_equal(claim(f, "a.txt"), -EEXIST);
    assert_string_equal(slurp(f->state, "work", "a.txt"), "first");
    assert_string_equal(slurp(f->root, "inbox", "a.txt"), "second");
    assert_int_equal(claim(f, "missing.txt"), -ENOENT);
}

static void test_done_names_never_collide(void **state)
{
    struct fixture *f = *state;
    const char *texts[] = {"one", "two", "three"};
    const char *want[] = {"story.txt", "story.2.txt", "story.3.txt"};
    for (int i = 0; i < 3; i++) {
        char final[NAME_MAX + 1];
        put(f->inbox, "story.txt", texts[i]);
        assert_int_equal(claim(f, "story.txt"), 0);
        assert_int_equal(store_done(&f->s, "story.txt", 0, final, sizeof final), 0);
        assert_string_equal(final, want[i]);
        assert_string_equal(slurp(f->state, "done", want[i]), texts[i]);
    }
    /* No extension, and a leading dot is not one. */
    char final[NAME_MAX + 1];
    put(f->inbox, "README", "x");
    assert_int_equal(claim(f, "README"), 0);
    assert_int_equal(store_done(&f->s, "README", 0, final, sizeof final), 0);
    put(f->inbox, "README", "y");
    assert_int_equal(claim(f, "README"), 0);
    assert_int_equal(store_done(&f->s, "README", 0, final, sizeof final), 0);
    assert_string_equal(final, "README.2");
}

static void test_done_delete(void **state)
{
    struct fixture *f = *state;
    put(f->inbox, "gone.txt", "x");
    assert_int_equal(claim(f, "gone.txt"), 0);
    assert_int_equal(store_done(&f->s, "gone.txt", 1, NULL, 0), 0);
    assert_null(slurp(f->state, "work", "gone.txt"));
    assert_null(slurp(f->state, "done", "gone.txt"));
}

static void test_fail_writes_a_record(void **state)
{
    struct fixture *f = *state;
    put(f->inbox, "bad.txt", "");
    assert_int_equal(claim(f, "bad.txt"), 0);
    struct failure fl = {.file = "bad.txt", .id = "e3b0", .stage = "text",
                         .plugin = "text", .message = "empty file",
                         .attempts = 2};
    char final[NAME_MAX + 1];
    assert_int_equal(store_fail(&f->s, "bad.txt", &fl, final, sizeof final), 0);
    assert_string_equal(final, "bad.txt");
    json_error_t je;
    json_t *o = json_loads(slurp(f->state, "failed", "bad.txt.error.json"), 0, &je);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "stage")), "text");
    assert_string_equal(json_string_value(json_object_get(o, "plugin")), "text");
    assert_string_equal(json_string_value(json_object_get(o, "message")), "empty file");
    assert_int_equal(json_integer_value(json_object_get(o, "attempts")), 2);
    assert_non_null(json_string_value(json_object_get(o, "time")));
    json_decref(o);

    /* A second failure under the same name keeps the first. */
    put(f->inbox, "bad.txt", "again");
    assert_int_equal(claim(f, "bad.txt"), 0);
    fl.plugin = NULL;
    assert_int_equal(store_fail(&f->s, "bad.txt", &fl, final, sizeof final), 0);
    assert_string_equal(final, "bad.2.txt");
    assert_string_equal(slurp(f->state, "failed", "bad.2.txt"), "again");
    o = json_loads(slurp(f->state, "failed", "bad.2.txt.error.json"), 0, &je);
    assert_non_null(o);
    assert_true(json_is_null(json_object_get(o, "plugin")));
    json_decref(o);
    assert_string_equal(slurp(f->state, "failed", "bad.txt"), "");
}

/* Names in `sub`, hidden ones included, other than . and .. */
static int count_entries(const char *dir, const char *sub)
{
    char cmd[PATH_MAX * 2 + 64];
    snprintf(cmd, sizeof cmd, "ls -A '%s/%s' | wc -l", dir, sub);
    FILE *p = popen(cmd, "r");
    int n = -1;
    assert_non_null(p);
    assert_int_equal(fscanf(p, "%d", &n), 1);
    pclose(p);
    return n;
}

/* The record cannot be written (here: a file size limit, as a full disk
 * would): the file stays in work/, and failed/ holds neither it nor a
 * record, so "the file stays in work/" is true. */
static void test_fail_keeps_the_file_in_work_when_the_record_cannot_be_written(void **state)
{
    struct fixture *f = *state;
    put(f->inbox, "bad.txt", "some bytes");
    assert_int_equal(claim(f, "bad.txt"), 0);
    struct failure fl = {.file = "bad.txt", .stage = "text",
                         .message = "a reason long enough for a record",
                         .attempts = 1};
    struct rlimit old, tiny = {8, 8};
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_IGN);
    tiny.rlim_max = old.rlim_max;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &tiny), 0);
    char final[NAME_MAX + 1];
    int rc = store_fail(&f->s, "bad.txt", &fl, final, sizeof final);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    assert_true(rc < 0);
    assert_string_equal(slurp(f->state, "work", "bad.txt"), "some bytes");
    assert_int_equal(count_entries(f->state, "failed"), 0);

    /* With room again, both arrive together. */
    assert_int_equal(store_fail(&f->s, "bad.txt", &fl, final, sizeof final), 0);
    assert_null(slurp(f->state, "work", "bad.txt"));
    assert_string_equal(slurp(f->state, "failed", "bad.txt"), "some bytes");
    assert_non_null(slurp(f->state, "failed", "bad.txt.error.json"));
    assert_int_equal(count_entries(f->state, "failed"), 2);
}

/* What the workers noted is read back once, each name once, and a fresh
 * start clears it. */
static void test_running_notes(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(store_running_open(&f->s, 3), 0);
    store_running_note(&f->s, 0, "a-rather-long-name.txt");
    store_running_note(&f->s, 0, "b.txt"); /* shorter over longer */
    store_running_note(&f->s, 2, "c.txt");
    store_running_note(&f->s, 1, "c.txt");
    store_running_note(&f->s, 1, "");
    char **names;
    size_t n = store_running_read(&f->s, &names);
    assert_int_equal(n, 2);
    int b = !strcmp(names[0], "b.txt") || !strcmp(names[1], "b.txt");
    int c = !strcmp(names[0], "c.txt") || !strcmp(names[1], "c.txt");
    assert_true(b && c);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    assert_int_equal(store_running_open(&f->s, 2), 0);
    assert_int_equal(store_running_read(&f->s, &names), 0);
    free(names);
}

static void test_fail_bytes_for_a_child(void **state)
{
    struct fixture *f = *state;
    struct failure fl = {.file = "box.zip/a.txt", .stage = "text",
                         .message = "empty"};
    char final[NAME_MAX + 1];
    assert_int_equal(store_fail_bytes(&f->s, "box.zip/a.txt", "raw", 3, &fl,
                                      final, sizeof final), 0);
    assert_string_equal(final, "box.zip_a.txt");
    assert_string_equal(slurp(f->state, "failed", "box.zip_a.txt"), "raw");
    assert_non_null(slurp(f->state, "failed", "box.zip_a.txt.error.json"));
}

static void test_long_names_leave_room_for_the_record(void **state)
{
    struct fixture *f = *state;
    char name[NAME_MAX + 1];
    memset(name, 'x', NAME_MAX - 4);
    strcpy(name + NAME_MAX - 4, ".txt");
    put(f->inbox, name, "long");
    assert_int_equal(claim(f, name), 0);
    struct failure fl = {.file = name, .stage = "read", .message = "m"};
    char final[NAME_MAX + 1];
    assert_int_equal(store_fail(&f->s, name, &fl, final, sizeof final), 0);
    assert_true(strlen(final) + strlen(".error.json") <= NAME_MAX);
    assert_string_equal(final + strlen(final) - 4, ".txt");
    char rec[NAME_MAX + 16];
    snprintf(rec, sizeof rec, "%s.error.json", final);
    assert_non_null(slurp(f->state, "failed", rec));
}

static void test_crash_counters(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(store_crashes(&f->s, "p.txt"), 0);
    assert_int_equal(store_set_crashes(&f->s, "p.txt", 2), 0);
    assert_int_equal(store_crashes(&f->s, "p.txt"), 2);
    store_clear_crashes(&f->s, "p.txt");
    assert_int_equal(store_crashes(&f->s, "p.txt"), 0);
}

static void test_unclaim(void **state)
{
    struct fixture *f = *state;
    put(f->inbox, "back.txt", "mine");
    assert_int_equal(claim(f, "back.txt"), 0);
    put(f->inbox, "back.txt", "newer");
    char final[NAME_MAX + 1];
    assert_int_equal(store_unclaim(&f->s, f->inbox, "back.txt", final, sizeof final), 0);
    assert_string_equal(final, "back.2.txt");
    assert_string_equal(slurp(f->root, "inbox", "back.2.txt"), "mine");
    assert_string_equal(slurp(f->root, "inbox", "back.txt"), "newer");
}

static void test_other_file_system_refused(void **state)
{
    (void)state;
    struct store s;
    char err[512] = "";
    char dir[] = "/tmp/newsdesk-store-fs-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct stat tst;
    assert_int_equal(stat(dir, &tst), 0);
    int rc = store_open(&s, dir, (uint64_t)tst.st_dev + 1, 0, err, sizeof err);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err, "another file system"));
    assert_int_equal(testdir_remove(dir), 0);
}

/* A file failed the way the daemon fails one: claimed, then filed. */
static void fail_one(struct fixture *f, const char *name, const char *text)
{
    put(f->inbox, name, text);
    assert_int_equal(claim(f, name), 0);
    struct failure fl = {.file = name, .stage = "read",
                         .message = "unsupported media type"};
    char final[NAME_MAX + 1];
    assert_int_equal(store_fail(&f->s, name, &fl, final, sizeof final), 0);
    assert_string_equal(final, name);
}

static int exists(const char *dir, const char *sub, const char *name)
{
    char p[PATH_MAX * 2];
    snprintf(p, sizeof p, "%s/%s/%s", dir, sub, name);
    return access(p, F_OK) == 0;
}

static void test_retry_takes_a_free_name_and_keeps_the_record(void **state)
{
    struct fixture *f = *state;
    fail_one(f, "r.txt", "failed once");
    char rec[4096];
    snprintf(rec, sizeof rec, "%s", slurp(f->state, "failed", "r.txt.error.json"));
    put(f->inbox, "r.txt", "another file");
    struct retried r;
    char err[1024] = "";
    assert_int_equal(store_retry(&f->s, f->inbox, "r.txt", &r, err, sizeof err), 0);
    assert_string_equal(r.name, "r.txt");
    assert_string_equal(r.inbox, "r.2.txt");
    assert_string_equal(r.record, "r.txt.error.json");
    assert_string_equal(slurp(f->root, "inbox", "r.2.txt"), "failed once");
    assert_string_equal(slurp(f->root, "inbox", "r.txt"), "another file");
    assert_false(exists(f->state, "failed", "r.txt"));
    assert_false(exists(f->state, "failed", "r.txt.error.json"));
    assert_string_equal(slurp(f->state, "retried", "r.txt.error.json"), rec);

    /* Failed again and retried by its record's name: both records kept. */
    fail_one(f, "r.txt", "failed twice");
    assert_int_equal(store_retry(&f->s, f->inbox, "r.txt.error.json", &r, err,
                                 sizeof err), 0);
    assert_string_equal(r.name, "r.txt");
    assert_string_equal(r.inbox, "r.txt"); /* fail_one took the other */
    assert_string_equal(r.record, "r.txt.error.2.json");
    assert_string_equal(slurp(f->state, "retried", "r.txt.error.json"), rec);
    assert_non_null(slurp(f->state, "retried", "r.txt.error.2.json"));
}

static void test_retry_of_a_missing_file_keeps_the_record(void **state)
{
    struct fixture *f = *state;
    char dir[PATH_MAX * 2];
    snprintf(dir, sizeof dir, "%s/failed", f->state);
    put(dir, "ghost.txt.error.json", "{}");
    struct retried r;
    char err[1024] = "";
    assert_int_equal(store_retry(&f->s, f->inbox, "ghost.txt", &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "ghost.txt: not in "));
    assert_int_equal(store_retry(&f->s, f->inbox, "ghost.txt.error.json", &r,
                                 err, sizeof err), -1);
    assert_non_null(strstr(err, "an error record"));
    assert_string_equal(r.inbox, "");
    assert_string_equal(slurp(f->state, "failed", "ghost.txt.error.json"), "{}");
    assert_false(exists(f->root, "var", "retried"));
}

static void test_retry_into_a_missing_inbox_moves_nothing(void **state)
{
    struct fixture *f = *state;
    fail_one(f, "stays.txt", "x");
    char gone[PATH_MAX * 2];
    snprintf(gone, sizeof gone, "%s/no-such-inbox", f->root);
    struct retried r;
    char err[1024] = "";
    assert_int_equal(store_retry(&f->s, gone, "stays.txt", &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot open the inbox"));
    assert_string_equal(r.inbox, "");
    assert_string_equal(slurp(f->state, "failed", "stays.txt"), "x");
    assert_non_null(slurp(f->state, "failed", "stays.txt.error.json"));
}

static void test_retry_takes_paths_into_failed_only(void **state)
{
    struct fixture *f = *state;
    fail_one(f, "p.txt", "x");
    char path[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/p.txt", f->inbox);
    put(f->inbox, "p.txt", "not the failed one");
    struct retried r;
    char err[1024] = "";
    assert_int_equal(store_retry(&f->s, f->inbox, path, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "not in "));
    snprintf(path, sizeof path, "%s/failed/.tmp-1-1", f->state);
    assert_int_equal(store_retry(&f->s, f->inbox, path, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "hidden"));
    snprintf(path, sizeof path, "%s/../var/failed/p.txt", f->state);
    assert_int_equal(store_retry(&f->s, f->inbox, path, &r, err, sizeof err), 0);
    assert_string_equal(r.inbox, "p.2.txt");
}

static void test_failed_lists_documents_only(void **state)
{
    struct fixture *f = *state;
    fail_one(f, "b.txt", "x");
    struct failure fl = {.file = "box/a", .stage = "text", .message = "m"};
    assert_int_equal(store_fail_bytes(&f->s, "box/a", "raw", 3, &fl, NULL, 0), 0);
    char dir[PATH_MAX * 2];
    snprintf(dir, sizeof dir, "%s/failed", f->state);
    put(dir, ".tmp-1-1", "being written");
    put(dir, "stray.ERROR.JSON", "{}");
    snprintf(dir, sizeof dir, "%s/failed/sub", f->state);
    assert_int_equal(mkdir(dir, 0755), 0);
    char **names;
    size_t n;
    assert_int_equal(store_failed(&f->s, &names, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "b.txt");
    assert_string_equal(names[1], "box_a");
    store_free_names(names, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_claim_never_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_done_names_never_collide, setup, teardown),
        cmocka_unit_test_setup_teardown(test_done_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fail_writes_a_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fail_keeps_the_file_in_work_when_the_record_cannot_be_written, setup, teardown),
        cmocka_unit_test_setup_teardown(test_running_notes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fail_bytes_for_a_child, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_names_leave_room_for_the_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_counters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unclaim, setup, teardown),
        cmocka_unit_test(test_other_file_system_refused),
        cmocka_unit_test_setup_teardown(test_retry_takes_a_free_name_and_keeps_the_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_of_a_missing_file_keeps_the_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_into_a_missing_inbox_moves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_takes_paths_into_failed_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_lists_documents_only, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
