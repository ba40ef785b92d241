/* document.c and value.c: ids, field order, escaping, entities, spawning,
 * attached data. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "document.h"
#include "value.h"

static nd_doc_t *make(const char *raw)
{
    size_t n = strlen(raw);
    uint8_t *copy = malloc(n + 1);
    memcpy(copy, raw, n + 1);
    nd_doc_t *d = doc_new(copy, n, "story.txt", "/in/story.txt", "text/plain");
    assert_non_null(d);
    return d;
}

static void sha256_standard_vectors(void **st)
{
    (void)st;
    char hex[65];
    sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256_hex(two, strlen(two), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    nd_doc_t *d = make("abc");
    assert_string_equal(doc_id(d), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    doc_free(d);
}

static void output_is_valid_json_and_utf8(void **st)
{
    (void)st;
    nd_doc_t *d = make("x");
    /* Control characters, quotes, backslashes and invalid bytes. */
    const char nasty[] = "a\x01\x1f\"\\\n\tb\xff\xc3(c\xe2\x82";
    doc_set(d, "title", val_str(nasty, sizeof nasty - 1));
    doc_set_text(d, "line\x02one\r\nline two\xfe", 19);
    size_t len;
    const char *json = doc_to_json(d, &len);
    assert_non_null(json);
    assert_int_equal(strlen(json), len);
    assert_null(memchr(json, '\n', len)); /* one line */
    size_t clean_len;
    char *clean = utf8_clean(json, len, UTF8_KEEP_CONTROLS, &clean_len);
    assert_int_equal(clean_len, len);
    assert_memory_equal(clean, json, len); /* already valid UTF-8 */
    free(clean);
    for (size_t i = 0; i < len; i++)
        assert_true((unsigned char)json[i] >= 0x20);
    json_error_t e;
    json_t *j = json_loads(json, 0, &e);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "title")),
                        "a\x01\x1f\"\\\n\tb\xEF\xBF\xBD\xEF\xBF\xBD(c\xEF\xBF\xBD");
    assert_string_equal(json_string_value(json_object_get(j, "text")),
                        "lineone\nline two\xEF\xBF\xBD");
    json_decref(j);
    assert_non_null(strstr(json, "\\u0001"));
    doc_free(d);
}

static void field_order_is_stable(void **st)
{
    (void)st;
    nd_doc_t *d = make("y");
    doc_set(d, "custom", val_int(1));
    doc_set(d, "topics", val_list());
    doc_set(d, "language", val_str("en", 2));
    doc_set_text(d, "t", 1);
    doc_set(d, "title", val_str("T", 1));
    doc_set(d, "url", val_str("u", 1));
    doc_add_timing(d, "text", 12);
    const char *json = doc_to_json(d, NULL);
    const char *order[] = {"\"schema\"", "\"id\"", "\"source\"", "\"title\"",
                           "\"url\"", "\"language\"", "\"text\"", "\"topics\"",
                           "\"custom\"", "\"pipeline\""};
    const char *prev = json;
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        const char *at = strstr(json, order[i]);
        assert_non_null(at);
        assert_true(at >= prev);
        prev = at;
    }
    /* Fields nobody filled are absent, not null. */
    assert_null(strstr(json, "\"byline\""));
    assert_null(strstr(json, "\"published\""));
    assert_null(strstr(json, "null"));
    assert_non_null(strstr(json, "\"pipeline\":[{\"step\":\"text\",\"us\":12}]"));
    /* Nor are fields set to null: that removes them. */
    assert_int_equal(doc_set(d, "url", val_null()), 0);
    assert_int_equal(doc_set(d, "byline", val_null()), 0);
    json = doc_to_json(d, NULL);
    assert_null(strstr(json, "\"url\""));
    assert_null(strstr(json, "\"byline\""));
    assert_null(strstr(json, "null"));
    assert_null(doc_get(d, "url"));
    /* The cache is dropped when the document changes. */
    doc_set(d, "custom", val_int(2));
    assert_non_null(strstr(doc_to_json(d, NULL), "\"custom\":2"));
    doc_free(d);
}

/* A timing added to a document whose JSON is cached is written into the
 * cached line: it must be the line a fresh serialisation gives, for a
 * first entry and a later one, and for names JSON has to escape. */
static void timing_patches_the_cached_line(void **st)
{
    (void)st;
    nd_doc_t *d = make("z");
    doc_set_text(d, "Some text.", 10);
    doc_set(d, "custom", val_str("c", 1));
    static const char *const steps[] = {"text", "a \"quoted\" step\\",
                                        "caf\xc3\xa9\ttab", "last"};
    static const int64_t us[] = {0, 7, 123456789012LL, -3};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        assert_non_null(doc_to_json(d, NULL)); /* cached */
        doc_add_timing(d, steps[i], us[i]);
        size_t len;
        const char *patched = doc_to_json(d, &len);
        assert_non_null(patched);
        assert_int_equal(strlen(patched), len);
        char *kept = strdup(patched);
        /* Setting a field and taking it away drops the cache: the next
         * line is serialised from scratch. */
        doc_set(d, "scratch", val_int(1));
        doc_set(d, "scratch", NULL);
        assert_string_equal(doc_to_json(d, NULL), kept);
        free(kept);
    }
    json_t *j = json_loads(doc_to_json(d, NULL), 0, NULL);
    assert_non_null(j);
    json_t *p = json_object_get(j, "pipeline");
    assert_int_equal(json_array_size(p), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(p, 1),
                                                          "step")),
                        "a \"quoted\" step\\");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(p, 2),
                                                        "us")),
                     123456789012LL);
    json_decref(j);
    /* A name that is not UTF-8 is not added, cached or not. */
    doc_add_timing(d, "bad\xff", 1);
    j = json_loads(doc_to_json(d, NULL), 0, NULL);
    assert_int_equal(json_array_size(json_object_get(j, "pipeline")), 4);
    json_decref(j);
    doc_free(d);
}

/* The text is written into the JSON by document.c, not by jansson: the
 * line must be the very one jansson would write, for every byte the text
 * may hold, with and without text. */
static void text_is_written_as_jansson_writes_it(void **st)
{
    (void)st;
    nd_doc_t *d = make("w");
    char text[160];
    size_t n = 0;
    for (int c = 1; c < 0x80; c++)
        text[n++] = (char)c;
    static const char more[] = "\xc3\xa9\xe2\x80\xa8\xf0\x9f\x93\xb0/\"\\";
    memcpy(text + n, more, sizeof more);
    n += sizeof more - 1;
    free(d->text); /* as the reader left it, control characters included */
    d->text = malloc(n + 1);
    memcpy(d->text, text, n + 1);
    d->text_len = n;
    doc_set(d, "title", val_str("T", 1));
    doc_set(d, "keywords", val_list());
    doc_set(d, "custom", val_str("c", 1));
    doc_add_timing(d, "text", 3);
    for (int with_text = 1; with_text >= 0; with_text--) {
        size_t len;
        const char *json = doc_to_json(d, &len);
        assert_non_null(json);
        assert_int_equal(strlen(json), len);
        json_t *j = json_loads(json, 0, NULL);
        assert_non_null(j);
        char *again = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(12));
        assert_string_equal(json, again);
        if (with_text) {
            size_t tn = json_string_length(json_object_get(j, "text"));
            assert_int_equal(tn, n);
            assert_memory_equal(json_string_value(json_object_get(j, "text")), text, n);
        } else {
            assert_null(json_object_get(j, "text"));
        }
        free(again);
        json_decref(j);
        free(d->text);
        d->text = NULL;
        d->text_len = 0;
        doc_set(d, "custom", val_str("d", 1)); /* drops the cached line */
    }
    doc_free(d);
}

/* The line is written by document.c and value.c, not by jansson: every
 * kind of value must come out as json_dumps writes it. */
static void values_are_written_as_jansson_writes_them(void **st)
{
    (void)st;
    const double reals[] = {0.71, 0.1, 1.0, -0.0, 2.5, 1.0 / 3, 1e-7, 1.5e-300,
                            1e21, -4.25e+100, 123456789012345.0, 0.000123456789};
    const int64_t ints[] = {0, -1, 410000000, INT64_MAX, INT64_MIN};
    nd_val_t *all = val_list();
    for (size_t i = 0; i < sizeof reals / sizeof *reals; i++)
        val_push(all, val_num(reals[i]));
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
        val_push(all, val_int(ints[i]));
    static const char odd[] = "q\"b\\s/\x01\x1f\x7f\b\f\n\r\t \xc3\xa9\xe2\x80\xa8\xf0\x9f\x93\xb0";
    val_push(all, val_str(odd, sizeof odd - 1));
    val_push(all, val_str("", 0));
    val_push(all, val_null());
    val_push(all, val_bool(1));
    val_push(all, val_bool(0));
    val_push(all, val_list());
    val_push(all, val_obj());
    nd_val_t *o = val_obj();
    val_put(o, odd, val_int(1));
    val_put(o, "z", val_list());
    val_put(o, "a", val_obj());
    nd_val_t *spans = val_list(), *span = val_list();
    val_push(span, val_int(24));
    val_push(span, val_int(37));
    val_push(spans, span);
    val_put(o, "spans", spans);
    val_push(all, o);
    for (size_t i = 0; i <= val_len(all); i++) {
        /* each value alone, then the whole list */
        const json_t *v = VAL(i < val_len(all) ? val_at(all, i) : all);
        struct buf b = {0};
        assert_int_equal(val_write_json(&b, v), 0);
        char *want = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(12) | JSON_ENCODE_ANY);
        assert_string_equal(b.p, want);
        assert_int_equal(b.n, strlen(want));
        free(want);
        buf_free(&b);
    }
    /* ... and in a document, whose line jansson would write the same. */
    nd_doc_t *d = make("v");
    d->parent_id = strdup(doc_id(d));
    free(d->media_type);
    d->media_type = NULL;
    doc_set(d, "custom", all);
    doc_set_text(d, "t", 1);
    doc_add_timing(d, "text", 3);
    const char *json = doc_to_json(d, NULL);
    json_t *j = json_loads(json, 0, NULL);
    assert_non_null(j);
    char *again = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(12));
    assert_string_equal(json, again);
    free(again);
    json_decref(j);
    doc_free(d);
}

/* Strings are scanned eight bytes at a time: a byte to escape is found
 * wherever it is in a block, or in the bytes after the last one. */
static void escapes_are_found_anywhere(void **st)
{
    (void)st;
    static const char base[] = "abcdefghijklmnopq\xc3\xa9";
    for (int c = 1; c <= '\\'; c++) {
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        for (size_t at = 0; at < 17; at++) {
            char s[sizeof base];
            memcpy(s, base, sizeof base);
            s[at] = (char)c;
            struct buf b = {0};
            assert_int_equal(val_write_string(&b, s, sizeof s - 1), 0);
            json_t *j = json_stringn(s, sizeof s - 1);
            char *want = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
            assert_string_equal(b.p, want);
            free(want);
            json_decref(j);
            buf_free(&b);
        }
    }
}

static void entities_and_topics(void **st)
{
    (void)st;
    nd_doc_t *d = make("z");
    const uint32_t spans[][2] = {{0, 13}, {40, 47}};
    nd_val_t *value = val_obj();
    val_put(value, "amount", val_int(410000000));
    nd_entity_t e = {"MONEY", "$410 million", 2, spans, 2, value};
    assert_int_equal(doc_add_entity(d, &e), 0);
    assert_int_equal(doc_add_topic(d, "topics", "medtop:04000000", "economy", 0.71), 0);
    json_t *j = json_loads(doc_to_json(d, NULL), 0, NULL);
    json_t *ent = json_array_get(json_object_get(j, "entities"), 0);
    assert_string_equal(json_string_value(json_object_get(ent, "type")), "MONEY");
    assert_int_equal(json_integer_value(json_object_get(ent, "count")), 2);
    assert_int_equal(json_integer_value(json_array_get(json_array_get(json_object_get(ent, "spans"), 1), 0)), 40);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ent, "value"), "amount")), 410000000);
    json_t *top = json_array_get(json_object_get(j, "topics"), 0);
    assert_true(json_real_value(json_object_get(top, "score")) == 0.71);
    assert_non_null(strstr(doc_to_json(d, NULL), "\"score\":0.71"));
    json_decref(j);
    doc_free(d);
}

/* A document with two entities, the first with a text that is not UTF-8
 * and a value, the second without spans. */
static nd_doc_t *two_entities(nd_entity_t *e)
{
    static const uint32_t spans[][2] = {{0, 5}, {9, 14}};
    nd_doc_t *d = make("z");
    *e = (nd_entity_t){"PERSON", "Ann \xff Lee", 2, spans, 2, val_str("x", 1)};
    assert_int_equal(doc_add_entity(d, e), 0);
    e->value = NULL;
    e->nspans = 0;
    assert_int_equal(doc_add_entity(d, e), 0);
    return d;
}

/* Entities are kept as records until the field is read: the line is the
 * same whether it was written from records or from the field, a field
 * read takes later entities, and setting the field replaces them. */
static void entities_read_set_and_added_again(void **st)
{
    (void)st;
    nd_entity_t e;
    nd_doc_t *d = two_entities(&e);
    char *from_records = strdup(doc_to_json(d, NULL));
    doc_free(d);
    d = two_entities(&e);
    const nd_val_t *list = doc_get(d, "entities");
    assert_int_equal(val_len(list), 2);
    assert_string_equal(val_as_str(val_get(val_at(list, 0), "text"), NULL),
                        "Ann \xef\xbf\xbd Lee");
    assert_string_equal(doc_to_json(d, NULL), from_records);
    free(from_records);

    assert_int_equal(doc_add_entity(d, &e), 0);
    assert_int_equal(val_len(doc_get(d, "entities")), 3);

    nd_entity_t bad = {NULL, "x", 1, NULL, 0, NULL};
    doc_set(d, "entities", NULL);
    assert_int_equal(doc_add_entity(d, &e), 0);
    doc_set(d, "entities", val_list());
    assert_int_equal(val_len(doc_get(d, "entities")), 0);
    assert_int_equal(doc_add_entity(d, &bad), -1);
    assert_int_equal(doc_add_entity(d, &e), 0);
    assert_int_equal(val_len(doc_get(d, "entities")), 1);
    doc_free(d);

    d = make("z");
    assert_int_equal(doc_add_entity(d, &bad), -1); /* leaves an empty list */
    assert_non_null(strstr(doc_to_json(d, NULL), "\"entities\":[]"));
    doc_free(d);
}

static void spawned_children(void **st)
{
    (void)st;
    nd_doc_t *d = make("<rss>two items</rss>");
    nd_doc_t *a = doc_spawn(d, "<p>one</p>", 10, "text/html", NULL);
    nd_doc_t *b = doc_spawn(d, "plain two", 9, NULL, "item-two");
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(d->nchildren, 2);
    assert_string_equal(a->name, "story.txt#1");
    assert_string_equal(b->name, "item-two");
    assert_string_equal(a->media_type, "text/html");
    assert_string_equal(b->media_type, "text/plain"); /* sniffed */
    assert_string_equal(doc_source(a, "parent"), doc_id(d));
    char hex[65];
    sha256_hex("<p>one</p>", 10, hex);
    assert_string_equal(doc_id(a), hex);
    /* Children do not spawn grandchildren. */
    assert_null(doc_spawn(a, "x", 1, NULL, NULL));
    doc_free(d);
}

static void values(void **st)
{
    (void)st;
    nd_val_t *o = val_obj();
    val_put(o, "b", val_num(1.5));
    val_put(o, "a", val_bool(1));
    assert_int_equal(val_len(o), 2);
    const nd_val_t *item;
    assert_string_equal(val_key_at(o, 0, &item), "b");
    assert_true(val_as_num(item) == 1.5);
    assert_string_equal(val_key_at(o, 1, &item), "a");
    assert_null(val_key_at(o, 2, &item));
    assert_int_equal(val_type(val_get(o, "a")), ND_VAL_BOOL);
    /* NaN has no JSON form: it becomes null. */
    nd_val_t *nan = val_num(0.0 / 0.0);
    assert_int_equal(val_type(nan), ND_VAL_NULL);
    val_free(nan);
    /* Pushing onto a non-list frees the item and fails. */
    assert_int_equal(val_push(o, val_int(1)), -1);
    val_free(o);
    char err[128];
    assert_null(val_parse_json("{\"a\": [1,", 9, err, sizeof err));
    assert_non_null(strstr(err, "line 1"));
    nd_val_t *p = val_parse_json("[1, \"x\"]", 8, err, sizeof err);
    assert_int_equal(val_len(p), 2);
    val_free(p);
}

/* Attached data: a counter of the times its destructor ran. */
struct probe {
    int freed;
};

static void probe_free(void *data) { ((struct probe *)data)->freed++; }

static void attach_and_look_up(void **st)
{
    (void)st;
    nd_doc_t *d = make("a");
    struct probe p = {0};
    assert_null(doc_attached(d, "nlp/analysis", "t/1"));
    assert_int_equal(doc_attach(d, "nlp/analysis", "t/1", &p, probe_free), 0);
    assert_ptr_equal(doc_attached(d, "nlp/analysis", "t/1"), &p);
    /* Another type reads as absent, and so does another name. */
    assert_null(doc_attached(d, "nlp/analysis", "t/2"));
    assert_null(doc_attached(d, "nlp/other", "t/1"));
    /* Without a name or type nothing is attached, and the data stays the
     * caller's. */
    struct probe q = {0};
    assert_int_equal(doc_attach(d, "", "t/1", &q, probe_free), -1);
    assert_int_equal(doc_attach(d, "x", NULL, &q, probe_free), -1);
    assert_int_equal(q.freed, 0);
    /* Fields do not touch it. */
    doc_set(d, "title", val_str("T", 1));
    assert_ptr_equal(doc_attached(d, "nlp/analysis", "t/1"), &p);
    assert_int_equal(p.freed, 0);
    doc_free(d);
    assert_int_equal(p.freed, 1); /* freed with the document */
}

static void attach_again_replaces(void **st)
{
    (void)st;
    nd_doc_t *d = make("b");
    struct probe p = {0}, q = {0}, r = {0};
    assert_int_equal(doc_attach(d, "n", "t/1", &p, probe_free), 0);
    assert_int_equal(doc_attach(d, "other", "t/1", &r, probe_free), 0);
    assert_int_equal(doc_attach(d, "n", "t/2", &q, probe_free), 0);
    assert_int_equal(p.freed, 1);
    assert_ptr_equal(doc_attached(d, "n", "t/2"), &q);
    assert_null(doc_attached(d, "n", "t/1"));
    assert_ptr_equal(doc_attached(d, "other", "t/1"), &r);
    /* The same data again changes nothing (and frees nothing). */
    assert_int_equal(doc_attach(d, "n", "t/2", &q, probe_free), 0);
    assert_int_equal(q.freed, 0);
    assert_ptr_equal(doc_attached(d, "n", "t/2"), &q);
    doc_free(d);
    assert_int_equal(q.freed, 1);
    assert_int_equal(r.freed, 1);
}

/* What was derived from the text goes when the text changes, and when
 * the chain lets go of the document (doc_detach_all) or of a child. */
static void text_change_and_release_drop_it(void **st)
{
    (void)st;
    nd_doc_t *d = make("c");
    struct probe p = {0}, q = {0}, r = {0};
    doc_set_text(d, "one", 3);
    assert_int_equal(doc_attach(d, "n", "t", &p, probe_free), 0);
    assert_int_equal(doc_set_text(d, "two", 3), 0);
    assert_int_equal(p.freed, 1);
    assert_null(doc_attached(d, "n", "t"));
    assert_int_equal(doc_attach(d, "n", "t", &q, probe_free), 0);
    doc_detach_all(d);
    assert_int_equal(q.freed, 1);
    assert_null(doc_attached(d, "n", "t"));
    /* A child the chain has finished with, failed (kept for failed/). */
    nd_doc_t *c = doc_spawn(d, "item", 4, "text/plain", NULL);
    assert_int_equal(doc_attach(c, "n", "t", &r, probe_free), 0);
    doc_release_child(d, 0, 0);
    assert_int_equal(r.freed, 1);
    doc_free(d);
    assert_int_equal(p.freed + q.freed + r.freed, 3);
}

static void a_hold_outlives_the_document(void **st)
{
    (void)st;
    nd_doc_t *d = make("d");
    struct probe p = {0};
    nd_hold_t *h, *h2;
    assert_null(doc_hold(d, "n", "t", &h));
    assert_null(h);
    assert_int_equal(doc_attach(d, "n", "t", &p, probe_free), 0);
    assert_null(doc_hold(d, "n", "other type", &h));
    assert_null(h);
    assert_ptr_equal(doc_hold(d, "n", "t", &h), &p);
    assert_ptr_equal(doc_hold(d, "n", "t", &h2), &p);
    assert_non_null(h);
    doc_set_text(d, "changed", 7); /* the document lets go */
    assert_null(doc_attached(d, "n", "t"));
    doc_free(d);
    assert_int_equal(p.freed, 0); /* two holds keep it */
    hold_release(h);
    assert_int_equal(p.freed, 0);
    hold_release(h2);
    assert_int_equal(p.freed, 1);
    hold_release(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sha256_standard_vectors),
        cmocka_unit_test(output_is_valid_json_and_utf8),
        cmocka_unit_test(field_order_is_stable),
        cmocka_unit_test(timing_patches_the_cached_line),
        cmocka_unit_test(text_is_written_as_jansson_writes_it),
        cmocka_unit_test(values_are_written_as_jansson_writes_them),
        cmocka_unit_test(escapes_are_found_anywhere),
        cmocka_unit_test(entities_and_topics),
        cmocka_unit_test(entities_read_set_and_added_again),
        cmocka_unit_test(spawned_children),
        cmocka_unit_test(values),
        cmocka_unit_test(attach_and_look_up),
        cmocka_unit_test(attach_again_replaces),
        cmocka_unit_test(text_change_and_release_drop_it),
        cmocka_unit_test(a_hold_outlives_the_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
