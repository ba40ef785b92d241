/* loader.c: good plugins load; a wrong ABI major, a missing entry symbol,
 * a bad option table, a duplicate name and files or folders writable by
 * others are refused, each naming the file and the reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "loader.h"

static const char *dir(void)
{
    const char *d = getenv("NEWSDESK_TEST_PLUGINS");
    assert_non_null(d);
    return d;
}

static const struct load_error *error_for_file(const struct registry *r,
                                               const char *file)
{
    for (size_t i = 0; i < r->nerrors; i++) {
        const char *slash = strrchr(r->errors[i].path, '/');
        if (slash && !strcmp(slash + 1, file))
            return &r->errors[i];
    }
    return NULL;
}

static void loads_the_good_and_names_the_bad(void **st)
{
    (void)st;
    struct registry r;
    registry_init(&r);
    size_t n = registry_load_dir(&r, dir());
    /* good, upper, the first twin, and the valid plugins other tests use */
    assert_int_equal(n, r.n);
    assert_true(n >= 3);
    for (size_t i = 0; i < r.n; i++)
        assert_null(strstr(r.plugins[i].path, "wrong_abi"));

    const struct plugin *good = registry_find(&r, "good");
    assert_non_null(good);
    assert_int_equal(good->desc.role, ND_ROLE_PROCESSOR);
    assert_string_equal(good->desc.options[0].name, "greeting");
    assert_non_null(registry_find(&r, "upper"));
    assert_true(registry_find(&r, "upper")->desc.flags & ND_PLUGIN_SERIAL);

    const struct load_error *e = error_for_file(&r, "wrong_abi.so");
    assert_non_null(e);
    assert_non_null(strstr(e->reason, "built for plugin ABI 2"));
    assert_non_null(strstr(e->path, "wrong_abi.so"));

    e = error_for_file(&r, "no_entry.so");
    assert_non_null(e);
    assert_non_null(strstr(e->reason, "no nd_plugin_entry_v1 symbol"));

    e = error_for_file(&r, "bad_options.so");
    assert_non_null(e);
    assert_non_null(strstr(e->reason, "default of option count does not parse"));

    /* dup_a.so and dup_b.so both claim "twin": the first wins, the second
     * is refused and names the first. */
    assert_non_null(strstr(registry_find(&r, "twin")->path, "dup_a.so"));
    e = error_for_file(&r, "dup_b.so");
    assert_non_null(e);
    assert_non_null(strstr(e->reason, "already loaded from"));
    assert_non_null(strstr(e->reason, "dup_a.so"));
    assert_string_equal(e->name, "twin");
    assert_int_equal(r.nerrors, 4);

    /* Loading the same folder again adds nothing and complains of nothing
     * new for files it already has. */
    assert_int_equal(registry_load_dir(&r, dir()), 0);
    registry_free(&r);
}

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, out);
    fclose(in);
    fclose(out);
}

static void refuses_what_others_can_write(void **st)
{
    (void)st;
    char tmp[] = "/tmp/newsdesk-loader-XXXXXX";
    assert_non_null(mkdtemp(tmp));
    chmod(tmp, 0755);
    char src[512], dst[512];
    snprintf(src, sizeof src, "%s/good.so", dir());
    snprintf(dst, sizeof dst, "%s/good.so", tmp);
    copy_file(src, dst);

    struct registry r;
    chmod(dst, 0666);
    registry_init(&r);
    assert_int_equal(registry_load_file(&r, dst), -1);
    assert_int_equal(r.nerrors, 1);
    assert_non_null(strstr(r.errors[0].reason, "writable by others"));
    assert_non_null(strstr(r.errors[0].path, "good.so"));
    registry_free(&r);

    chmod(dst, 0644);
    chmod(tmp, 0777);
    registry_init(&r);
    assert_int_equal(registry_load_dir(&r, tmp), 0);
    assert_int_equal(r.nerrors, 1);
    assert_non_null(strstr(r.errors[0].reason, "plugin directory is writable by others"));
    registry_free(&r);

    chmod(tmp, 0755);
    registry_init(&r);
    assert_int_equal(registry_load_dir(&r, tmp), 1);
    assert_non_null(registry_find(&r, "good"));
    registry_free(&r);

    unlink(dst);
    rmdir(tmp);
}

static void missing_folder_is_no_error(void **st)
{
    (void)st;
    struct registry r;
    registry_init(&r);
    assert_int_equal(registry_load_dir(&r, "/nonexistent/newsdesk/plugins"), 0);
    assert_int_equal(r.nerrors, 0);
    assert_int_equal(registry_load_file(&r, "/nonexistent/x.so"), -1);
    assert_int_equal(r.nerrors, 1);
    registry_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loads_the_good_and_names_the_bad),
        cmocka_unit_test(refuses_what_others_can_write),
        cmocka_unit_test(missing_folder_is_no_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
