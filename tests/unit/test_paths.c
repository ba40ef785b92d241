/* paths.c: where a relative path from a configuration leads (the current
 * directory), and how messages say so. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "paths.h"

static char dir[PATH_MAX];

static int in_temp_dir(void **st)
{
    (void)st;
    char tmpl[] = "/tmp/newsdesk-paths-XXXXXX";
    if (!mkdtemp(tmpl) || chdir(tmpl) < 0 || !getcwd(dir, sizeof dir))
        return -1;
    return 0;
}

static int leave_temp_dir(void **st)
{
    (void)st;
    if (chdir("/") < 0)
        return -1;
    return rmdir(dir);
}

static void relative_paths_lead_from_the_current_directory(void **st)
{
    (void)st;
    char buf[PATH_MAX], want[PATH_MAX + 64], parent[PATH_MAX];
    snprintf(want, sizeof want, "%s/var/newsdesk.db", dir);
    assert_string_equal(path_absolute("./var/newsdesk.db", buf, sizeof buf), want);
    assert_string_equal(path_absolute("var//./newsdesk.db", buf, sizeof buf), want);
    assert_string_equal(path_absolute(".", buf, sizeof buf), dir);
    assert_string_equal(path_absolute("./", buf, sizeof buf), dir);
    /* A leading ".." is the current directory's parent; a later one is
     * kept, as it may follow a symbolic link. */
    snprintf(parent, sizeof parent, "%s", dir);
    *strrchr(parent, '/') = '\0';
    snprintf(want, sizeof want, "%s/shared/x", parent);
    assert_string_equal(path_absolute("../shared/x", buf, sizeof buf), want);
    snprintf(want, sizeof want, "%s/a/../b", dir);
    assert_string_equal(path_absolute("a/../b", buf, sizeof buf), want);
    assert_string_equal(path_absolute("/srv/in", buf, sizeof buf), "/srv/in");
    assert_null(path_absolute("./inbox", buf, 4));
    assert_true(path_is_relative("inbox"));
    assert_false(path_is_relative("/inbox"));
    assert_false(path_is_relative(""));
}

static void messages_say_where_and_why(void **st)
{
    (void)st;
    char buf[3 * PATH_MAX], want[3 * PATH_MAX];
    snprintf(want, sizeof want, "./inbox (%s/inbox; relative paths in "
             "/x/nd.yaml are taken from the current directory, %s)", dir, dir);
    assert_string_equal(path_explained("./inbox", "/x/nd.yaml", buf, sizeof buf),
                        want);
    snprintf(want, sizeof want, "./inbox (%s/inbox)", dir);
    assert_string_equal(path_shown("./inbox", buf, sizeof buf), want);
    assert_string_equal(path_explained("/srv/in", "/x/nd.yaml", buf, sizeof buf),
                        "/srv/in");
    snprintf(want, sizeof want, "relative paths are taken from the current "
             "directory, %s", dir);
    assert_string_equal(path_rule(NULL, buf, sizeof buf), want);
}

static const nd_option_t table[] = {
    {"dir", ND_OPT_PATH, "./outbox", 0, 0, 0, NULL, "a folder"},
    {"index", ND_OPT_PATH, "/var/lib/x.index", 0, 0, 0, NULL, "a file"},
    {"model", ND_OPT_PATH, NULL, 0, 0, 0, NULL, "unset"},
    {"name", ND_OPT_STRING, "./not-a-path", 0, 0, 0, NULL, "a string"},
    {0},
};

static void notes_name_the_relative_options(void **st)
{
    (void)st;
    nd_opts_t *o = opts_new(table);
    char buf[3 * PATH_MAX], want[3 * PATH_MAX];
    assert_true(opts_have_relative_path(o));
    snprintf(want, sizeof want, " (dir ./outbox is %s/outbox; relative paths "
             "in nd.yaml are taken from the current directory, %s)", dir, dir);
    assert_string_equal(paths_note(o, "", "nd.yaml", buf, sizeof buf), want);
    char err[256];
    assert_int_equal(opts_set_scalar(o, 0, "/srv/out", err, sizeof err), 0);
    assert_false(opts_have_relative_path(o));
    assert_string_equal(paths_note(o, "", "nd.yaml", buf, sizeof buf), "");
    opts_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(relative_paths_lead_from_the_current_directory),
        cmocka_unit_test(messages_say_where_and_why),
        cmocka_unit_test(notes_name_the_relative_options),
    };
    return cmocka_run_group_tests(tests, in_temp_dir, leave_temp_dir);
}
