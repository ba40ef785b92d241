/* plugins/exec/jscan.c: where values end, an object's members, and the
 * fields of a document's line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jscan.h"

/* The length jscan_skip finds for the value at the start of s, or -1. */
static long skipped(const char *s)
{
    const char *e = jscan_skip(s, s + strlen(s));
    return e ? (long)(e - s) : -1;
}

static void values_end_where_json_says(void **st)
{
    (void)st;
    assert_int_equal(skipped("\"a\\\"b\\\\\",1"), 8);
    assert_int_equal(skipped("\"ends with \\\\\\\\\"}"), 16);
    assert_int_equal(skipped("{\"k\":[1,{\"}\":\"]\"}],\"x\":null} ,"), 28);
    assert_int_equal(skipped("-1.5e3,"), 6);
    assert_int_equal(skipped("true}"), 4);
    assert_int_equal(skipped("[1,2"), -1);
    assert_int_equal(skipped("\"open"), -1);
    assert_int_equal(skipped("\"escaped quote at the end\\\""), -1);
}

/* The members of s as "key=value;..." , or "bad" where it is not an
 * object (and "+rest" when something but whitespace follows). */
static char *members(const char *s)
{
    static char out[512];
    struct jscan_obj o;
    struct jscan_member m;
    int rc;
    out[0] = '\0';
    if (jscan_open(&o, s, s + strlen(s)) < 0)
        return strcpy(out, "bad");
    while ((rc = jscan_next(&o, &m)) == 1) {
        size_t n = strlen(out);
        snprintf(out + n, sizeof out - n, "%s%.*s=%.*s;", m.plain ? "" : "~",
                 (int)m.keylen, m.key, (int)m.vallen, m.val);
    }
    if (rc < 0)
        return strcpy(out, "bad");
    if (!jscan_at_end(&o))
        strcat(out, "+rest");
    return out;
}

static void objects_are_walked_strictly(void **st)
{
    (void)st;
    assert_string_equal(members(" { } "), "");
    assert_string_equal(members("{\"a\" : 1 ,\"b\":{\"c\":[2]}}"), "a=1;b={\"c\":[2]};");
    assert_string_equal(members("{\"s\\u0065t\":{}}"), "~s\\u0065t={};");
    assert_string_equal(members("{\"a\":1} x"), "a=1;+rest");
    assert_string_equal(members("{\"a\":1,}"), "bad");
    assert_string_equal(members("{,\"a\":1}"), "bad");
    assert_string_equal(members("{\"a\" 1}"), "bad");
    assert_string_equal(members("{\"a\":1 \"b\":2}"), "bad");
    assert_string_equal(members("{a:1}"), "bad");
    assert_string_equal(members("[1]"), "bad");
    assert_string_equal(members("{\"a\":1"), "bad");
    /* A key must be UTF-8 without control characters, as in JSON. */
    assert_string_equal(members("{\"caf\xE9\":1}"), "bad");
    assert_string_equal(members("{\"a\tb\":1}"), "bad");
}

static void a_line_s_fields_are_found_by_name(void **st)
{
    (void)st;
    const char *line = "{\"schema\":\"newsdesk/1\",\"id\":\"ab\",\"source\":"
                       "{\"name\":\"x\"},\"title\":\"T \\\"q\\\"\",\"pipeline\":[]}";
    struct docline d = {.line = line, .len = strlen(line)};
    const struct jscan_member *f = docline_find(&d, "title", 5);
    assert_non_null(f);
    assert_int_equal(f->vallen, 9);
    assert_memory_equal(f->val, "\"T \\\"q\\\"\"", 9);
    assert_non_null(docline_find(&d, "source", 6));
    assert_null(docline_find(&d, "name", 4)); /* not at the top */
    assert_null(docline_find(&d, "titl", 4));
    docline_free(&d);
    /* More fields than the struct has room for. */
    char many[2048] = "{";
    for (int i = 0; i < 100; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s\"f%d\":%d",
                 i ? "," : "", i, i);
    strcat(many, "}");
    struct docline m = {.line = many, .len = strlen(many)};
    f = docline_find(&m, "f99", 3);
    assert_non_null(f);
    assert_memory_equal(f->val, "99", 2);
    assert_non_null(docline_find(&m, "f0", 2));
    docline_free(&m);
    struct docline bad = {.line = "{\"a\":", .len = 5};
    assert_null(docline_find(&bad, "a", 1));
    docline_free(&bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(values_end_where_json_says),
        cmocka_unit_test(objects_are_walked_strictly),
        cmocka_unit_test(a_line_s_fields_are_found_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
