/* libndtext, the readers' shared helpers: charset conversion, NFC, dates,
 * statistics. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text/charset.h"
#include "text/dates.h"
#include "text/stats.h"

static char *conv(const char *raw, size_t n, const char *cs, const char **used)
{
    char *out = NULL, err[128];
    size_t len;
    assert_int_equal(cs_to_utf8((const uint8_t *)raw, n, cs, NULL, &out, &len,
                                used, err, sizeof err), 0);
    assert_int_equal(strlen(out), len);
    return out;
}

static void utf8_passes(void **state)
{
    (void)state;
    const char *used;
    char *s = conv("\xEF\xBB\xBF" "caf\xC3\xA9\r\nline\rend", 18, NULL, &used);
    assert_string_equal(s, "caf\xC3\xA9\nline\nend");
    assert_string_equal(used, "UTF-8");
    free(s);
}

static void legacy_8bit(void **state)
{
    (void)state;
    const char *used;
    char *s = conv("caf\xE9 \x80" "5 \x93q\x94", 11, NULL, &used);
    assert_string_equal(s, "caf\xC3\xA9 \xE2\x82\xAC" "5 \xE2\x80\x9Cq\xE2\x80\x9D");
    assert_string_equal(used, "windows-1252");
    free(s);
    /* A UTF-8 file with one damaged byte stays UTF-8. */
    s = conv("caf\xC3\xA9 na\xC3\xAFve \xFF ok", 18, NULL, &used);
    assert_string_equal(used, "UTF-8");
    assert_non_null(strstr(s, "\xEF\xBF\xBD"));
    free(s);
    /* A named charset goes through iconv: ISO-8859-15 has the euro at A4. */
    s = conv("\xA4 10", 4, "iso-8859-15", &used);
    assert_string_equal(s, "\xE2\x82\xAC 10");
    free(s);
}

static void utf16(void **state)
{
    (void)state;
    const char *used;
    char *s = conv("\xFF\xFE" "c\0a\0f\0\xE9\0\r\0\n\0=\xD8\0\xDE", 18, NULL, &used);
    assert_string_equal(s, "caf\xC3\xA9\n\xF0\x9F\x98\x80");
    assert_string_equal(used, "UTF-16LE");
    free(s);
    /* Truncated: an odd last byte becomes U+FFFD, not an error. */
    s = conv("\xFE\xFF\0H\0i\0", 7, NULL, &used);
    assert_string_equal(s, "Hi\xEF\xBF\xBD");
    free(s);
    /* A lone surrogate too. */
    s = conv("\xFF\xFE\x00\xD8x\0", 6, NULL, &used);
    assert_string_equal(s, "\xEF\xBF\xBDx");
    free(s);
}

static void nfc_and_controls(void **state)
{
    (void)state;
    /* e + combining acute -> U+00E9; controls other than tab go. */
    char *s = conv("cafe\xCC\x81\x01\x02\tx\x7F\xC2\x85y", 14, NULL, NULL);
    assert_string_equal(s, "caf\xC3\xA9\tx" "y");
    free(s);
}

static void unknown_charset(void **state)
{
    (void)state;
    char *out = NULL, err[128];
    size_t len;
    assert_int_equal(cs_to_utf8((const uint8_t *)"x", 1, "no-such-charset", NULL,
                                &out, &len, NULL, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "no-such-charset"));
}

static void dates(void **state)
{
    (void)state;
    char out[32];
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"2026-11-28", "2026-11-28"},
        {"2026-11-28T16:40:00Z", "2026-11-28T16:40:00Z"},
        {"2026-11-28T17:40:00.250+01:00", "2026-11-28T16:40:00Z"},
        {"2026-11-28 11:40:00 -0500", "2026-11-28T16:40:00Z"},
        {"Sat, 28 Nov 2026 16:40:00 GMT", "2026-11-28T16:40:00Z"},
        {"Sat, 28 Nov 2026 11:40:00 EST", "2026-11-28T16:40:00Z"},
        {"28 Nov 26 16:40 +0000", "2026-11-28T16:40:00Z"},
        {"November 28, 2026", "2026-11-28"},
        {"November 28, 2026 4:40 PM", "2026-11-28T16:40:00Z"},
        {"28th November 2026", "2026-11-28"},
        {"1795884000", "2026-11-28T16:40:00Z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_int_equal(date_to_iso(cases[i].in, strlen(cases[i].in), out), 0);
        assert_string_equal(out, cases[i].want);
    }
    static const char *const bad[] = {"", "yesterday", "2026-13-01", "2026-02-30",
                                      "Nov 2026", "not a date at all 12"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(date_to_iso(bad[i], strlen(bad[i]), out), -EINVAL);
}

static void stats(void **state)
{
    (void)state;
    const char *t = "One two. Three four!\n\nDr J. Smith's well-known dog.";
    struct text_stats st = text_stats(t, strlen(t));
    assert_int_equal(st.paragraphs, 2);
    assert_int_equal(st.words, 9);
    assert_int_equal(st.sentences, 3);
    char sq[] = "  a \n\t b\xC2\xA0 c  ";
    size_t n = squeeze_space(sq, strlen(sq));
    assert_int_equal(n, 5);
    assert_string_equal(sq, "a b c");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf8_passes),
        cmocka_unit_test(legacy_8bit),
        cmocka_unit_test(utf16),
        cmocka_unit_test(nfc_and_controls),
        cmocka_unit_test(unknown_charset),
        cmocka_unit_test(dates),
        cmocka_unit_test(stats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
