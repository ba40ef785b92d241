/* Temporary folders and files for the unit tests. Header-only, included
 * after <cmocka.h> by the tests that need it (like expo.h). */
#ifndef ND_TEST_TESTDIR_H
#define ND_TEST_TESTDIR_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* Remove `dir` and everything in it. Returns 0 or -1. */
static inline int testdir_remove(const char *dir)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Copy the file `from` to `to`, failing the test when it cannot. */
static inline void testdir_copy(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

/* Make a fresh folder from `tmpl` (ending in XXXXXX, as mkdtemp wants)
 * with a plugins/ folder holding copies of the test plugins `names`
 * (from $NEWSDESK_TEST_PLUGINS). For a setup function: returns 0, or -1
 * when the folder cannot be made. */
static inline int testdir_with_plugins(char *tmpl, const char *const *names,
                                       size_t n)
{
    const char *tp = getenv("NEWSDESK_TEST_PLUGINS");
    char from[PATH_MAX], to[PATH_MAX];
    if (!mkdtemp(tmpl) || !tp)
        return -1;
    snprintf(to, sizeof to, "%s/plugins", tmpl);
    if (mkdir(to, 0755) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        snprintf(from, sizeof from, "%s/%s", tp, names[i]);
        snprintf(to, sizeof to, "%s/plugins/%s", tmpl, names[i]);
        testdir_copy(from, to);
    }
    return 0;
}

#endif
