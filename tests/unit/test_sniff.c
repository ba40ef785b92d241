/* sniff.c: media types from content first, names second. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "sniff.h"

static const char *sniff(const char *s, const char *name)
{
    return sniff_media_type((const uint8_t *)s, strlen(s), name);
}

static void content_wins_over_names(void **st)
{
    (void)st;
    assert_string_equal(sniff("<!DOCTYPE html><html><body><p>Hi</p>", "page.txt"), "text/html");
    assert_string_equal(sniff("  \n<html lang=en>", NULL), "text/html");
    assert_string_equal(sniff("%PDF-1.4 ...", "story.txt"), "application/pdf");
    assert_string_equal(sniff("\x89PNG\r\n\x1a\n....", "x.html"), "image/png");
    assert_string_equal(sniff("Just words.\n", "story.html"), "text/plain");
}

static void feeds_and_json(void **st)
{
    (void)st;
    assert_string_equal(sniff("<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel>", NULL),
                        "application/rss+xml");
    assert_string_equal(sniff("<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">", NULL),
                        "application/atom+xml");
    assert_string_equal(sniff("{\"title\": \"x\"}", "a.txt"), "application/json");
    assert_string_equal(sniff("[{\"title\": \"x\"}]", NULL), "application/json");
    assert_string_equal(sniff("{\"a\":1}\n{\"a\":2}\n", NULL), "application/x-ndjson");
    assert_string_equal(sniff("{\"a\":1}", "x.jsonl"), "application/x-ndjson");
}

static void text_and_binary(void **st)
{
    (void)st;
    assert_string_equal(sniff("# Heading\n\nBody", "notes.md"), "text/markdown");
    assert_string_equal(sniff("---\ntitle: x\n---\nBody", NULL), "text/markdown");
    assert_string_equal(sniff("Caf\xe9 in Latin-1\n", NULL), "text/plain");
    const uint8_t bin[] = {1, 2, 3, 0, 5, 6};
    assert_string_equal(sniff_media_type(bin, sizeof bin, "a.html"), "application/octet-stream");
    const uint8_t utf16[] = {0xFF, 0xFE, 'h', 0, 'i', 0};
    assert_string_equal(sniff_media_type(utf16, sizeof utf16, NULL), "text/plain");
    assert_string_equal(sniff_media_type(NULL, 0, "empty.txt"), "text/plain");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_wins_over_names),
        cmocka_unit_test(feeds_and_json),
        cmocka_unit_test(text_and_binary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
