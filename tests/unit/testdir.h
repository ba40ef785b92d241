/* Temporary folders and files for the unit tests. Header-only, included
 * after <cmocka.h> by the tests that need it (like expo.h). */
#ifndef ND_TEST_TESTDIR_H
#define ND_TEST_TESTDIR_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

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

#endif
