/* loader.c: good plugins load; a wrong ABI major, a missing entry symbol,
 * a bad option table, a duplicate name, and code that someone other than
 * root and the effective user could change (files or folders writable by
 * others or by a foreign group, below a folder others can write, or owned
 * by another user) are refused, each naming the file and the reason. On
 * demand, only the plugins asked for are opened. */
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "chain.h"
#include "loader.h"
#include "testdir.h"

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
    registry_init(&r, chain_host());
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

static void refuses_what_others_can_write(void **st)
{
    (void)st;
    char tmp[] = "/tmp/newsdesk-loader-XXXXXX";
    assert_non_null(mkdtemp(tmp));
    chmod(tmp, 0755);
    char src[512], dst[512];
    snprintf(src, sizeof src, "%s/good.so", dir());
    snprintf(dst, sizeof dst, "%s/good.so", tmp);
    testdir_copy(src, dst);

    struct registry r;
    chmod(dst, 0666);
    registry_init(&r, chain_host());
    assert_int_equal(registry_load_file(&r, dst), -1);
    assert_int_equal(r.nerrors, 1);
    assert_non_null(strstr(r.errors[0].reason, "writable by others"));
    assert_non_null(strstr(r.errors[0].path, "good.so"));
    registry_free(&r);

    chmod(dst, 0644);
    chmod(tmp, 0777);
    registry_init(&r, chain_host());
    assert_int_equal(registry_load_dir(&r, tmp), 0);
    assert_int_equal(r.nerrors, 1);
    assert_non_null(strstr(r.errors[0].reason, "the plugin directory"));
    assert_non_null(strstr(r.errors[0].reason, "is writable by others"));
    assert_non_null(strstr(r.errors[0].reason, "chmod o-w"));
    registry_free(&r);

    chmod(tmp, 0755);
    registry_init(&r, chain_host());
    assert_int_equal(registry_load_dir(&r, tmp), 1);
    assert_non_null(registry_find(&r, "good"));
    registry_free(&r);

    unlink(dst);
    rmdir(tmp);
}

/* A folder of its own in /tmp with good.so copied into <tmp>/sub/plugins:
 * tmp, sub and plugins are ours, mode 0755. */
struct tree {
    char tmp[64], sub[96], plugins[128], so[160];
};

static void make_tree(struct tree *t)
{
    snprintf(t->tmp, sizeof t->tmp, "/tmp/newsdesk-loader-XXXXXX");
    assert_non_null(mkdtemp(t->tmp));
    chmod(t->tmp, 0755);
    snprintf(t->sub, sizeof t->sub, "%s/sub", t->tmp);
    snprintf(t->plugins, sizeof t->plugins, "%s/plugins", t->sub);
    snprintf(t->so, sizeof t->so, "%s/good.so", t->plugins);
    assert_int_equal(mkdir(t->sub, 0755), 0);
    assert_int_equal(mkdir(t->plugins, 0755), 0);
    char src[512];
    snprintf(src, sizeof src, "%s/good.so", dir());
    testdir_copy(src, t->so);
    chmod(t->so, 0644);
}

static void remove_tree(struct tree *t)
{
    unlink(t->so);
    rmdir(t->plugins);
    rmdir(t->sub);
    rmdir(t->tmp);
}

/* Loads <tmp>/sub/plugins and returns the number loaded; the reason of
 * the one refusal, if any, goes to why. */
static size_t load_tree(const struct tree *t, char *why, size_t len)
{
    struct registry r;
    registry_init(&r, chain_host());
    size_t n = registry_load_dir(&r, t->plugins);
    assert_int_equal(n + r.nerrors, 1);
    snprintf(why, len, "%s", r.nerrors ? r.errors[0].reason : "");
    registry_free(&r);
    return n;
}

/* A folder above the plugin folder that anyone can write lets anyone
 * rename the plugin folder away and put their own in its place, unless
 * the sticky bit stops them (as in /tmp itself). */
static void refuses_folders_above_that_others_can_write(void **st)
{
    (void)st;
    struct tree t;
    make_tree(&t);
    char why[1024];

    chmod(t.sub, 0777);
    assert_int_equal(load_tree(&t, why, sizeof why), 0);
    assert_non_null(strstr(why, t.sub));
    assert_non_null(strstr(why, "writable by others and not sticky"));
    assert_non_null(strstr(why, "could replace"));
    assert_non_null(strstr(why, "chmod o-w"));
    struct registry r;
    registry_init(&r, chain_host());
    assert_int_equal(registry_load_file(&r, t.so), -1);
    assert_non_null(strstr(r.errors[0].reason, "not sticky"));
    registry_free(&r);

    chmod(t.sub, 01777);
    assert_int_equal(load_tree(&t, why, sizeof why), 1);

    /* Sticky or not, a plugin folder anyone can write takes anyone's
     * plugin. */
    chmod(t.sub, 0755);
    chmod(t.plugins, 01777);
    assert_int_equal(load_tree(&t, why, sizeof why), 0);
    assert_non_null(strstr(why, "the plugin directory"));
    chmod(t.plugins, 0755);

    /* Reached through a symbolic link, the real folders are checked, and
     * the message says where the link leads. */
    char link[160];
    snprintf(link, sizeof link, "%s/link", t.tmp);
    assert_int_equal(symlink(t.plugins, link), 0);
    chmod(t.sub, 0777);
    registry_init(&r, chain_host());
    assert_int_equal(registry_load_dir(&r, link), 0);
    assert_int_equal(r.nerrors, 1);
    assert_non_null(strstr(r.errors[0].reason, "not sticky"));
    assert_non_null(strstr(r.errors[0].reason, "is a symbolic link to"));
    registry_free(&r);
    unlink(link);

    remove_tree(&t);
}

/* The primary group of uid, or (gid_t)-1. */
static gid_t primary_gid(uid_t uid)
{
    struct passwd *pw = getpwuid(uid);
    return pw ? pw->pw_gid : (gid_t)-1;
}

/* A group write bit is refused unless the group is root's or the owner's
 * own. Changing a file's group to one we are not in needs root: without
 * it, only the accepted cases run. */
static void refuses_what_a_foreign_group_can_write(void **st)
{
    (void)st;
    struct tree t;
    make_tree(&t);
    char why[1024];
    const gid_t foreign = 12345;

    chmod(t.so, 0664);
    if (chown(t.so, (uid_t)-1, foreign) == 0) {
        assert_int_equal(load_tree(&t, why, sizeof why), 0);
        assert_non_null(strstr(why, "the plugin file"));
        assert_non_null(strstr(why, "gid 12345"));
        assert_non_null(strstr(why, "chmod g-w"));

        chmod(t.so, 0644); /* the group without its write bit is harmless */
        assert_int_equal(load_tree(&t, why, sizeof why), 1);
        chmod(t.so, 0664);

        assert_int_equal(chown(t.so, (uid_t)-1, 0), 0);
        assert_int_equal(load_tree(&t, why, sizeof why), 1);

        assert_int_equal(chown(t.sub, (uid_t)-1, foreign), 0);
        chmod(t.sub, 0775);
        assert_int_equal(load_tree(&t, why, sizeof why), 0);
        assert_non_null(strstr(why, t.sub));
        assert_non_null(strstr(why, "gid 12345"));
        chmod(t.sub, 0755);
    }
    struct stat sb;
    assert_int_equal(stat(t.so, &sb), 0);
    if (primary_gid(sb.st_uid) != (gid_t)-1 &&
        chown(t.so, (uid_t)-1, primary_gid(sb.st_uid)) == 0)
        assert_int_equal(load_tree(&t, why, sizeof why), 1);
    remove_tree(&t);
}

/* Code owned by another user is that user's to change. */
static void refuses_what_another_user_owns(void **st)
{
    (void)st;
    struct tree t;
    make_tree(&t);
    char why[1024];
    const uid_t other = 12345;
    if (chown(t.sub, other, (gid_t)-1) < 0) {
        remove_tree(&t); /* not root */
        skip();
    }
    assert_int_equal(load_tree(&t, why, sizeof why), 0);
    assert_non_null(strstr(why, t.sub));
    assert_non_null(strstr(why, "belongs to uid 12345"));
    assert_non_null(strstr(why, "chown root"));
    assert_int_equal(chown(t.sub, geteuid(), (gid_t)-1), 0);
    assert_int_equal(chown(t.so, other, (gid_t)-1), 0);
    assert_int_equal(load_tree(&t, why, sizeof why), 0);
    assert_non_null(strstr(why, "the plugin file"));
    remove_tree(&t);
}

/* On demand, a folder is only remembered: asking for "good" opens good.so
 * and nothing else; a name no file is called after ("twin", claimed by
 * dup_a.so and dup_b.so) opens every plugin, as loading the folder does. */
static void on_demand_opens_what_is_named(void **st)
{
    (void)st;
    struct registry r;
    registry_init(&r, chain_host());
    registry_on_demand(&r);
    registry_add_dir(&r, dir());
    assert_int_equal(r.n, 0);
    registry_want(&r, "good");
    assert_int_equal(r.n, 1);
    assert_non_null(registry_find(&r, "good"));
    assert_int_equal(r.nerrors, 0);
    registry_want(&r, "good");
    assert_int_equal(r.n, 1);

    registry_want(&r, "twin");
    assert_non_null(strstr(registry_find(&r, "twin")->path, "dup_a.so"));
    assert_non_null(error_for_file(&r, "dup_b.so"));
    assert_non_null(error_for_file(&r, "wrong_abi.so"));
    assert_int_equal(r.nerrors, 4);
    size_t all = r.n;
    registry_want(&r, "nonesuch");
    assert_int_equal(r.n, all);
    assert_null(registry_find(&r, "nonesuch"));
    registry_free(&r);
}

static void missing_folder_is_no_error(void **st)
{
    (void)st;
    struct registry r;
    registry_init(&r, chain_host());
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
        cmocka_unit_test(refuses_folders_above_that_others_can_write),
        cmocka_unit_test(refuses_what_a_foreign_group_can_write),
        cmocka_unit_test(refuses_what_another_user_owns),
        cmocka_unit_test(on_demand_opens_what_is_named),
        cmocka_unit_test(missing_folder_is_no_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
