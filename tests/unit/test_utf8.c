/* lib/base/utf8.c: repair of invalid UTF-8, the text-mode cleaning rules,
 * and utf8_valid agreeing with the repair. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/utf8.h"

static void check(const char *in, size_t n, int mode, const char *want)
{
    size_t len;
    char *out = utf8_clean(in, n, mode, &len);
    assert_non_null(out);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    /* utf8_valid says whether the values' cleaning would change it. */
    if (mode == UTF8_KEEP_CONTROLS)
        assert_int_equal(utf8_valid(in, n), len == n && !memcmp(out, in, n));
    free(out);
}

static void valid_text_is_unchanged(void **st)
{
    (void)st;
    const char *s = "caf\xC3\xA9 \xE2\x82\xAC 5 \xF0\x9F\x93\xB0 \xE4\xB8\xAD";
    check(s, strlen(s), UTF8_KEEP_CONTROLS, s);
    check(s, strlen(s), UTF8_TEXT, s);
}

static void invalid_bytes_become_replacement(void **st)
{
    (void)st;
    /* A lone Latin-1 byte, a truncated sequence at the end. */
    check("caf\xE9!", 5, UTF8_TEXT, "caf\xEF\xBF\xBD!");
    check("ab\xE2\x82", 4, UTF8_TEXT, "ab\xEF\xBF\xBD");
    /* Overlong NUL and a UTF-16 surrogate are not UTF-8. */
    check("\xC0\x80x", 3, UTF8_TEXT, "\xEF\xBF\xBD\xEF\xBF\xBDx");
    check("\xED\xA0\x80", 3, UTF8_TEXT, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    /* Beyond U+10FFFF. */
    check("\xF4\x90\x80\x80", 4, UTF8_KEEP_CONTROLS,
          "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

static void text_mode_drops_controls(void **st)
{
    (void)st;
    check("a\x01" "b\tc\x7F" "d\xC2\x85" "e", 10, UTF8_TEXT, "ab\tcde");
    check("one\r\ntwo\rthree\n", 15, UTF8_TEXT, "one\ntwo\nthree\n");
    /* Values keep controls (JSON escapes them) but never NUL. */
    check("a\0b\x01", 4, UTF8_KEEP_CONTROLS, "ab\x01");
}

/* Values keep their control characters but not NUL. */
static void values_keep_controls_but_not_nul(void **st)
{
    (void)st;
    check("a\tb\x01\r\n", 6, UTF8_KEEP_CONTROLS, "a\tb\x01\r\n");
    check("a\0b", 3, UTF8_KEEP_CONTROLS, "ab");
    check("\xC2\x85", 2, UTF8_KEEP_CONTROLS, "\xC2\x85");
    assert_true(utf8_valid("", 0));
}

static void counts_code_points(void **st)
{
    (void)st;
    const char *s = "Mu\xC3\xB1oz \xF0\x9F\x93\xB0";
    assert_int_equal(utf8_count(s, strlen(s)), 7);
}

static void large_input_grows_safely(void **st)
{
    (void)st;
    /* Every byte invalid: the output is three times the input. */
    size_t n = 100000;
    char *in = malloc(n);
    memset(in, 0xFF, n);
    size_t len;
    char *out = utf8_clean(in, n, UTF8_TEXT, &len);
    assert_non_null(out);
    assert_int_equal(len, 3 * n);
    assert_memory_equal(out + len - 3, "\xEF\xBF\xBD", 3);
    free(in);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_text_is_unchanged),
        cmocka_unit_test(invalid_bytes_become_replacement),
        cmocka_unit_test(text_mode_drops_controls),
        cmocka_unit_test(values_keep_controls_but_not_nul),
        cmocka_unit_test(counts_code_points),
        cmocka_unit_test(large_input_grows_safely),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
