/* lib/base/program.c: finding the program a command names. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/program.h"

/* A temporary folder with an executable `run.sh`, plain files `data.txt`
 * and `sh` and a folder `sub`; the current directory while the test
 * runs. */
struct tmp {
    char dir[64];
    char old[PATH_MAX];
};

static int setup(void **st)
{
    struct tmp *t = calloc(1, sizeof *t);
    snprintf(t->dir, sizeof t->dir, "/tmp/newsdesk-program-XXXXXX");
    if (!mkdtemp(t->dir) || !getcwd(t->old, sizeof t->old) || chdir(t->dir) < 0)
        return -1;
    FILE *f = fopen("run.sh", "w");
    fputs("#!/bin/sh\n", f);
    fclose(f);
    chmod("run.sh", 0755);
    fclose(fopen("data.txt", "w"));
    fclose(fopen("sh", "w"));
    mkdir("sub", 0755);
    *st = t;
    return 0;
}

static int teardown(void **st)
{
    struct tmp *t = *st;
    unlink("run.sh");
    unlink("data.txt");
    unlink("sh");
    rmdir("sub");
    if (chdir(t->old) < 0)
        return -1;
    rmdir(t->dir);
    free(t);
    return 0;
}

static void a_name_is_looked_up_in_path(void **st)
{
    struct tmp *t = *st;
    char out[PATH_MAX], err[512] = "", want[PATH_MAX];
    char path[256];
    snprintf(path, sizeof path, "/nonexistent:%s:/bin", t->dir);
    assert_int_equal(program_find("run.sh", path, out, sizeof out, err,
                                  sizeof err), 0);
    snprintf(want, sizeof want, "%s/run.sh", t->dir);
    assert_string_equal(out, want);
    /* The first folder that holds it wins. */
    assert_int_equal(program_find("sh", "/bin:/usr/bin", out, sizeof out, err,
                                  sizeof err), 0);
    assert_string_equal(out, "/bin/sh");
}

static void a_missing_name_says_which_path_was_searched(void **st)
{
    (void)st;
    char out[PATH_MAX], err[512] = "";
    assert_int_equal(program_find("no-such-program-xyz", "/bin:/usr/bin", out,
                                  sizeof out, err, sizeof err), -ENOENT);
    assert_non_null(strstr(err, "\"no-such-program-xyz\""));
    assert_non_null(strstr(err, "/bin:/usr/bin"));
}

static void empty_and_relative_folders_of_path_are_skipped(void **st)
{
    (void)st;
    char out[PATH_MAX], err[512] = "";
    /* run.sh is in the current directory, which "" and "." would mean. */
    assert_int_equal(program_find("run.sh", ":.:/nonexistent", out, sizeof out,
                                  err, sizeof err), -ENOENT);
}

static void a_path_is_taken_from_the_current_directory(void **st)
{
    struct tmp *t = *st;
    char out[PATH_MAX], err[512] = "", want[PATH_MAX];
    snprintf(want, sizeof want, "%s/run.sh", t->dir);
    assert_int_equal(program_find("./run.sh", NULL, out, sizeof out, err,
                                  sizeof err), 0);
    assert_string_equal(out, want);
    assert_int_equal(program_find(want, NULL, out, sizeof out, err,
                                  sizeof err), 0);
    assert_string_equal(out, want);
    assert_int_equal(program_find("sub/../run.sh", NULL, out, sizeof out, err,
                                  sizeof err), 0);
}

static void what_cannot_run_is_refused_with_a_reason(void **st)
{
    (void)st;
    char out[PATH_MAX], err[512] = "";
    assert_int_equal(program_find("./data.txt", NULL, out, sizeof out, err,
                                  sizeof err), -EACCES);
    assert_non_null(strstr(err, "chmod +x"));
    assert_int_equal(program_find("./sub", NULL, out, sizeof out, err,
                                  sizeof err), -EISDIR);
    assert_non_null(strstr(err, "folder"));
    assert_int_equal(program_find("./missing.py", NULL, out, sizeof out, err,
                                  sizeof err), -ENOENT);
    assert_non_null(strstr(err, "missing.py"));
    assert_int_equal(program_find("", NULL, out, sizeof out, err, sizeof err),
                     -EINVAL);
}

static void a_file_in_path_that_cannot_run_does_not_hide_one_further(void **st)
{
    struct tmp *t = *st;
    char out[PATH_MAX], err[512] = "", path[256];
    snprintf(path, sizeof path, "%s:/bin", t->dir);
    assert_int_equal(program_find("sh", path, out, sizeof out, err, sizeof err), 0);
    assert_string_equal(out, "/bin/sh");
    /* ... but is what is reported when there is none. */
    assert_int_equal(program_find("data.txt", path, out, sizeof out, err,
                                  sizeof err), -EACCES);
    assert_non_null(strstr(err, "data.txt is not an executable file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_name_is_looked_up_in_path),
        cmocka_unit_test(a_missing_name_says_which_path_was_searched),
        cmocka_unit_test(empty_and_relative_folders_of_path_are_skipped),
        cmocka_unit_test(a_path_is_taken_from_the_current_directory),
        cmocka_unit_test(what_cannot_run_is_refused_with_a_reason),
        cmocka_unit_test(a_file_in_path_that_cannot_run_does_not_hide_one_further),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
