/* options.c: parsing typed option values against a declared table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "options.h"

static const char *const colours[] = {"red", "green", NULL};

static const nd_option_t table[] = {
    {"name", ND_OPT_STRING, "anon", 0, 0, 0, NULL, "a name"},
    {"count", ND_OPT_INT, "3", ND_OPT_RANGE, 1, 10, NULL, "a count"},
    {"ratio", ND_OPT_DOUBLE, "0.5", ND_OPT_RANGE, 0, 1, NULL, "a ratio"},
    {"on", ND_OPT_BOOL, "no", 0, 0, 0, NULL, "a switch"},
    {"size", ND_OPT_SIZE, "1KiB", 0, 0, 0, NULL, "a size"},
    {"wait", ND_OPT_DURATION, "250ms", 0, 0, 0, NULL, "a duration"},
    {"colour", ND_OPT_ENUM, "red", 0, 0, 0, colours, "a colour"},
    {"tags", ND_OPT_STRLIST, "a, b", 0, 0, 0, NULL, "tags"},
    {"where", ND_OPT_PATH, NULL, ND_OPT_REQUIRED, 0, 0, NULL, "a path"},
    {0},
};

static void defaults_are_parsed(void **st)
{
    (void)st;
    nd_opts_t *o = opts_new(table);
    assert_string_equal(opt_str(o, "name"), "anon");
    assert_int_equal(opt_int(o, "count"), 3);
    assert_true(opt_double(o, "ratio") == 0.5);
    assert_int_equal(opt_bool(o, "on"), 0);
    assert_int_equal(opt_int(o, "size"), 1024);
    assert_int_equal(opt_int(o, "wait"), 250);
    assert_string_equal(opt_str(o, "colour"), "red");
    const char *const *items;
    assert_int_equal(opt_list(o, "tags", &items), 2);
    assert_string_equal(items[0], "a");
    assert_string_equal(items[1], "b");
    assert_null(opt_str(o, "where"));
    assert_false(opt_isset(o, "name"));
    assert_null(opt_str(o, "nonexistent"));
    opts_free(o);
}

static void set(nd_opts_t *o, const char *name, const char *text, int ok,
                const char *errpart)
{
    char err[512] = "";
    int rc = opts_set_scalar(o, (size_t)opts_find(o, name), text, err, sizeof err);
    assert_int_equal(rc, ok ? 0 : -1);
    if (errpart)
        assert_non_null(strstr(err, errpart));
}

static void values_are_checked(void **st)
{
    (void)st;
    nd_opts_t *o = opts_new(table);
    set(o, "count", "7", 1, NULL);
    assert_int_equal(opt_int(o, "count"), 7);
    set(o, "count", "11", 0, "out of range, expected 1 to 10");
    set(o, "count", "seven", 0, "expected an integer");
    set(o, "count", "7x", 0, "expected an integer");
    assert_int_equal(opt_int(o, "count"), 7); /* a bad value changes nothing */
    set(o, "ratio", "1.5", 0, "out of range");
    set(o, "ratio", "nan", 0, "expected a number");
    set(o, "on", "yes", 1, NULL);
    assert_int_equal(opt_bool(o, "on"), 1);
    set(o, "on", "maybe", 0, "expected true or false");
    set(o, "size", "32MiB", 1, NULL);
    assert_int_equal(opt_int(o, "size"), 32 * 1024 * 1024);
    set(o, "size", "1.5GiB", 1, NULL);
    assert_int_equal(opt_int(o, "size"), 1610612736);
    set(o, "size", "-1", 0, "expected a size");
    set(o, "size", "12 parsecs", 0, "expected a size");
    set(o, "wait", "2s", 1, NULL);
    assert_int_equal(opt_int(o, "wait"), 2000);
    set(o, "wait", "5m", 1, NULL);
    assert_int_equal(opt_int(o, "wait"), 300000);
    set(o, "wait", "1h", 1, NULL);
    assert_int_equal(opt_int(o, "wait"), 3600000);
    set(o, "wait", "30", 1, NULL); /* seconds, as systemd reads it */
    assert_int_equal(opt_int(o, "wait"), 30000);
    set(o, "wait", "soon", 0, "expected a duration");
    set(o, "colour", "green", 1, NULL);
    set(o, "colour", "blue", 0, "expected one of red, green");
    set(o, "where", "", 0, "expected a path");
    opts_free(o);
}

static void tables_are_checked(void **st)
{
    (void)st;
    char err[256];
    assert_int_equal(opts_check_table(table, err, sizeof err), 0);
    static const nd_option_t bad_default[] = {
        {"n", ND_OPT_INT, "lots", 0, 0, 0, NULL, ""}, {0}};
    assert_int_equal(opts_check_table(bad_default, err, sizeof err), -1);
    assert_non_null(strstr(err, "default of option n"));
    static const nd_option_t twice[] = {
        {"n", ND_OPT_INT, NULL, 0, 0, 0, NULL, ""},
        {"n", ND_OPT_STRING, NULL, 0, 0, 0, NULL, ""}, {0}};
    assert_int_equal(opts_check_table(twice, err, sizeof err), -1);
    assert_non_null(strstr(err, "declared twice"));
    static const nd_option_t no_choices[] = {
        {"e", ND_OPT_ENUM, NULL, 0, 0, 0, NULL, ""}, {0}};
    assert_int_equal(opts_check_table(no_choices, err, sizeof err), -1);
}

static void programs_are_found_or_refused(void **st)
{
    (void)st;
    static const nd_option_t progs[] = {
        {"command", ND_OPT_STRLIST, NULL, ND_OPT_PROGRAM, 0, 0, NULL, ""},
        {"tool", ND_OPT_PATH, NULL, ND_OPT_PROGRAM, 0, 0, NULL, ""},
        {0}};
    char err[512] = "";
    assert_int_equal(opts_check_table(progs, err, sizeof err), 0);
    nd_opts_t *o = opts_new(progs);
    const char *ok[] = {"sh", "-c", "true"};
    assert_int_equal(opts_set_list(o, 0, ok, 3, err, sizeof err), 0);
    assert_int_equal(opts_check_program(&progs[0], &o->v[0], err, sizeof err), 0);
    const char *missing[] = {"no-such-program-xyz", "x.py"};
    assert_int_equal(opts_set_list(o, 0, missing, 2, err, sizeof err), 0);
    assert_int_equal(opts_check_program(&progs[0], &o->v[0], err, sizeof err), -1);
    assert_non_null(strstr(err, "command: there is no program \"no-such-program-xyz\""));
    assert_int_equal(opts_set_list(o, 0, NULL, 0, err, sizeof err), 0);
    assert_int_equal(opts_check_program(&progs[0], &o->v[0], err, sizeof err), -1);
    assert_non_null(strstr(err, "empty list"));
    assert_int_equal(opts_set_scalar(o, 1, "/etc/passwd", err, sizeof err), 0);
    assert_int_equal(opts_check_program(&progs[1], &o->v[1], err, sizeof err), -1);
    assert_non_null(strstr(err, "tool: /etc/passwd is not an executable file"));
    opts_free(o);
    static const nd_option_t bad[] = {
        {"n", ND_OPT_INT, NULL, ND_OPT_PROGRAM, 0, 0, NULL, ""}, {0}};
    assert_int_equal(opts_check_table(bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "names a program"));
}

static void units(void **st)
{
    (void)st;
    int64_t v;
    assert_int_equal(parse_size("512", &v), 0);
    assert_int_equal(v, 512);
    assert_int_equal(parse_size("64KiB", &v), 0);
    assert_int_equal(v, 65536);
    assert_int_equal(parse_duration_ms("250ms", &v), 0);
    assert_int_equal(v, 250);
    assert_int_equal(parse_duration_ms("", &v), -1);
    int b;
    assert_int_equal(parse_bool("Off", &b), 0);
    assert_int_equal(b, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_are_parsed),
        cmocka_unit_test(values_are_checked),
        cmocka_unit_test(tables_are_checked),
        cmocka_unit_test(programs_are_found_or_refused),
        cmocka_unit_test(units),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
