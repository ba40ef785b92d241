/* `when` conditions: parsing (and where errors point) and evaluation
 * against documents built here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "document.h"
#include "value.h"

static nd_doc_t *make_doc(void)
{
    const char *raw = "Cup final\nThe home side won the cup final.\n";
    nd_doc_t *d = doc_new((uint8_t *)strdup(raw), strlen(raw), "final.txt",
                          "/in/final.txt", "text/plain");
    assert_non_null(d);
    const char *text = "The home side won the cup final.";
    assert_int_equal(doc_set_text(d, text, strlen(text)), 0);
    assert_int_equal(doc_set(d, "title", val_str("Cup final", (size_t)-1)), 0);
    assert_int_equal(doc_set(d, "language",
                             NDVAL(json_pack("{s:s, s:f}", "code", "en",
                                             "confidence", 0.97))), 0);
    assert_int_equal(doc_set(d, "stats",
                             NDVAL(json_pack("{s:i, s:i}", "words", 420,
                                             "sentences", 18))), 0);
    assert_int_equal(doc_add_topic(d, "topics", "medtop:15000000", "sport", 0.8), 0);
    assert_int_equal(doc_add_topic(d, "topics", "medtop:04000000",
                                   "economy, business and finance", 0.2), 0);
    assert_int_equal(doc_add_topic(d, "labels", "football", NULL, 0.9), 0);
    return d;
}

/* Parse `src`, which must be valid, and evaluate it on `d`. */
static int eval(const char *src, nd_doc_t *d)
{
    char err[256] = "";
    int col = -1;
    struct cond *c = cond_parse(src, err, sizeof err, &col);
    if (!c)
        fail_msg("\"%s\" did not parse: %s (column %d)", src, err, col);
    int r = cond_eval(c, d);
    cond_free(c);
    return r;
}

static void comparisons(void **state)
{
    (void)state;
    nd_doc_t *d = make_doc();
    assert_true(eval("language.code == \"en\"", d));
    assert_false(eval("language.code == \"fr\"", d));
    assert_true(eval("language.code != 'fr'", d));
    assert_true(eval("stats.words > 300", d));
    assert_false(eval("stats.words > 420", d));
    assert_true(eval("stats.words >= 420", d));
    assert_true(eval("stats.words <= 420", d));
    assert_false(eval("stats.words < 420", d));
    assert_true(eval("stats.sentences < stats.words", d));
    assert_true(eval("language.confidence > 0.9", d));
    assert_true(eval("title < \"Dz\"", d));
    /* Absent fields: no ordering holds, and != does. */
    assert_false(eval("byline == \"x\"", d));
    assert_true(eval("byline != \"x\"", d));
    assert_false(eval("missing.deep > 1", d));
    assert_false(eval("missing.deep < 1", d));
    /* A number never equals a string. */
    assert_false(eval("stats.words == \"420\"", d));
    doc_free(d);
}

static void membership(void **state)
{
    (void)state;
    nd_doc_t *d = make_doc();
    assert_true(eval("topics contains \"medtop:15000000\"", d));
    assert_true(eval("topics contains \"sport\"", d));
    assert_false(eval("topics contains \"medtop:11000000\"", d));
    assert_true(eval("labels contains \"football\"", d));
    assert_false(eval("labels contains \"sport\"", d));
    assert_true(eval("\"football\" in labels", d));
    assert_false(eval("\"tennis\" in labels", d));
    assert_true(eval("topics[0].id == \"medtop:15000000\"", d));
    assert_true(eval("topics[1].score < 0.5", d));
    assert_false(eval("topics[5].id == \"medtop:15000000\"", d));
    assert_true(eval("language.code in [\"de\", \"en\"]", d));
    assert_false(eval("language.code in [\"de\", \"fr\"]", d));
    assert_true(eval("stats.words in [1, 420]", d));
    assert_true(eval("title contains \"final\"", d));
    assert_false(eval("title contains \"Final\"", d));
    assert_true(eval("text contains \"home side\"", d));
    assert_true(eval("source.media_type == \"text/plain\"", d));
    assert_true(eval("source.name in [\"final.txt\"]", d));
    doc_free(d);
}

static void exists_and_logic(void **state)
{
    (void)state;
    nd_doc_t *d = make_doc();
    assert_true(eval("exists title", d));
    assert_true(eval("exists(title)", d));
    assert_true(eval("title exists", d));
    assert_false(eval("exists duplicate_of", d));
    assert_true(eval("not exists duplicate_of", d));
    assert_int_equal(doc_set(d, "duplicate_of", val_str("ab12", (size_t)-1)), 0);
    assert_true(eval("exists duplicate_of", d));
    assert_false(eval("not exists duplicate_of", d));
    /* A null field does not exist. */
    assert_int_equal(doc_set(d, "byline", val_null()), 0);
    assert_false(eval("exists byline", d));
    /* and binds tighter than or; not applies to one primary. */
    assert_true(eval("stats.words > 1000 and title exists or labels contains \"football\"", d));
    assert_false(eval("stats.words > 1000 and (title exists or labels contains \"football\")", d));
    assert_true(eval("not stats.words > 1000 and exists title", d));
    assert_false(eval("not (language.code == \"en\" or stats.words < 3)", d));
    assert_true(eval("not not exists title", d));
    /* A bare field is true when present and not empty, zero or false. */
    assert_true(eval("title", d));
    assert_false(eval("byline", d));
    assert_true(eval("topics and labels", d));
    doc_free(d);
}

/* The error message and the 0-based column where the parser stopped. */
static void expect_error(const char *src, int col, const char *needle)
{
    char err[256] = "";
    int got = -1;
    struct cond *c = cond_parse(src, err, sizeof err, &got);
    if (c) {
        cond_free(c);
        fail_msg("\"%s\" parsed, but should not have", src);
    }
    if (!strstr(err, needle))
        fail_msg("\"%s\": message \"%s\" lacks \"%s\"", src, err, needle);
    if (got != col)
        fail_msg("\"%s\": column %d, expected %d (%s)", src, got, col, err);
}

static void parse_errors(void **state)
{
    (void)state;
    expect_error("", 0, "expected a field name");
    expect_error("language ==", 11, "expected a value");
    expect_error("language == \"en", 12, "unterminated string");
    expect_error("(a == 1", 7, "expected ) to close the ( at column 1");
    expect_error("a == 1 b == 2", 7, "join conditions with and / or");
    expect_error("a in \"x\"", 5, "expected a [list] after in");
    expect_error("a == [1, 2", 10, "expected , or ]");
    expect_error("a == [1 2]", 8, "expected , or ]");
    expect_error("a == 1 and", 10, "expected a field name");
    expect_error("a @ 1", 2, "unexpected character '@'");
    expect_error("exists 3", 7, "expected a field name after exists");
    expect_error("exists (title", 13, "expected )");
    expect_error("\"x\" == labels", 4, "expected in");
    expect_error("\"x\" in 3", 7, "expected a field name after in");
    expect_error("a = 1", 2, "unexpected character '='");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(comparisons),
        cmocka_unit_test(membership),
        cmocka_unit_test(exists_and_logic),
        cmocka_unit_test(parse_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
