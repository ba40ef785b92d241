/* Media type sniffing (lib/text/sniff.c): content first, name second. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "text/sniff.h"

static const char *sniff(const char *s, const char *name)
{
    return sniff_media_type((const uint8_t *)s, strlen(s), name);
}

static void html_by_content(void **state)
{
    (void)state;
    assert_string_equal(sniff("<!DOCTYPE html><html><body><p>x</p>", "page.txt"),
                        "text/html");
    assert_string_equal(sniff("\n  <html lang=en><head><title>t</title>", NULL),
                        "text/html");
    assert_string_equal(sniff("<div class=a><p>Hello</p></div>", "a.dat"), "text/html");
}

static void feeds(void **state)
{
    (void)state;
    assert_string_equal(sniff("<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel>",
                              "x.xml"),
                        "application/rss+xml");
    assert_string_equal(sniff("<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">",
                              NULL),
                        "application/atom+xml");
    /* A page whose script mentions "<rss" is still a page. */
    assert_string_equal(sniff("<html><script>var s='<rss version=2>';</script>", NULL),
                        "text/html");
}

static void json(void **state)
{
    (void)state;
    assert_string_equal(sniff("{\"title\": \"x\"}", "a.txt"), "application/json");
    assert_string_equal(sniff("[{\"title\": \"x\"}]", NULL), "application/json");
    assert_string_equal(sniff("{\"a\":1}\n{\"a\":2}\n", NULL), "application/x-ndjson");
    assert_string_equal(sniff("{\"a\":1}", "items.jsonl"), "application/x-ndjson");
}

static void binary_and_documents(void **state)
{
    (void)state;
    static const uint8_t pdf[] = "%PDF-1.7\n%\xE2\xE3\xCF\xD3";
    assert_string_equal(sniff_media_type(pdf, sizeof pdf - 1, "a.txt"), "application/pdf");
    static const uint8_t png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    assert_string_equal(sniff_media_type(png, sizeof png - 1, "a.html"), "image/png");
    static const uint8_t bin[] = {0x00, 0x01, 0x02, 0x03, 0x10, 0x11, 0x12, 0x13};
    assert_string_equal(sniff_media_type(bin, sizeof bin, "story.html"),
                        "application/octet-stream");
}

static void text_and_markdown(void **state)
{
    (void)state;
    assert_string_equal(sniff("Plain headline\n\nA plain body.\n", "a.txt"), "text/plain");
    assert_string_equal(sniff("Caf\xe9 au lait\n", NULL), "text/plain");
    assert_string_equal(sniff("anything", "notes.md"), "text/markdown");
    assert_string_equal(sniff("---\ntitle: x\n---\nbody\n", NULL), "text/markdown");
    assert_string_equal(sniff("# Headline\n\nSee [the report](https://example.org).\n",
                              "a.txt"),
                        "text/markdown");
    /* One bullet is not enough to call wire copy Markdown. */
    assert_string_equal(sniff("MADRID (Wire) - Talks resumed.\n- one point\n", NULL),
                        "text/plain");
}

static void utf16(void **state)
{
    (void)state;
    static const uint8_t le[] = "\xFF\xFEH\0i\0\n\0";
    assert_string_equal(sniff_media_type(le, sizeof le - 1, NULL), "text/plain");
    static const uint8_t html[] = "\xFE\xFF\0<\0h\0t\0m\0l\0>\0<\0p\0>\0x";
    assert_string_equal(sniff_media_type(html, sizeof html - 1, NULL), "text/html");
    /* No BOM, but the NULs of UTF-16LE ASCII: text, not binary. */
    static const uint8_t nobom[] = "T\0i\0t\0l\0e\0\n\0B\0o\0d\0y\0.\0";
    assert_string_equal(sniff_media_type(nobom, sizeof nobom - 1, NULL), "text/plain");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(html_by_content),
        cmocka_unit_test(feeds),
        cmocka_unit_test(json),
        cmocka_unit_test(binary_and_documents),
        cmocka_unit_test(text_and_markdown),
        cmocka_unit_test(utf16),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
