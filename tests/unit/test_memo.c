/* lib/base/memo: a bounded, thread-safe memo of short strings. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/memo.h"

static void keeps_what_it_is_given(void **st)
{
    (void)st;
    struct memo *m = memo_new(1000);
    assert_non_null(m);
    char out[MEMO_MAX];
    assert_int_equal(memo_get(m, "talks", 5, out), -1);
    memo_put(m, "talks", 5, "talk", 4);
    assert_int_equal(memo_get(m, "talks", 5, out), 4);
    assert_memory_equal(out, "talk", 4);
    /* Keys are bytes: neither a prefix nor another case matches. */
    assert_int_equal(memo_get(m, "talk", 4, out), -1);
    assert_int_equal(memo_get(m, "Talks", 5, out), -1);
    /* An empty value and a value with a NUL are values. */
    memo_put(m, "a", 1, "", 0);
    assert_int_equal(memo_get(m, "a", 1, out), 0);
    memo_put(m, "n", 1, "x\0y", 3);
    assert_int_equal(memo_get(m, "n", 1, out), 3);
    assert_memory_equal(out, "x\0y", 3);
    /* Putting again replaces. */
    memo_put(m, "talks", 5, "TALK", 4);
    assert_int_equal(memo_get(m, "talks", 5, out), 4);
    assert_memory_equal(out, "TALK", 4);
    /* Too long to keep: nothing is kept, nothing breaks. */
    char longkey[MEMO_MAX + 1];
    memset(longkey, 'k', sizeof longkey);
    memo_put(m, longkey, sizeof longkey, "v", 1);
    assert_int_equal(memo_get(m, longkey, sizeof longkey, out), -1);
    memo_put(m, "k", 1, longkey, sizeof longkey);
    assert_int_equal(memo_get(m, "k", 1, out), -1);
    memo_put(m, longkey, MEMO_MAX, longkey, MEMO_MAX);
    assert_int_equal(memo_get(m, longkey, MEMO_MAX, out), MEMO_MAX);
    memo_free(m);
    memo_free(NULL);
}

/* More keys than slots: each lookup finds its own value or nothing,
 * never another key's. */
static void bounded_and_never_wrong(void **st)
{
    (void)st;
    struct memo *m = memo_new(64);
    char key[16], val[16], out[MEMO_MAX];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof key, "w%d", i), vn = snprintf(val, sizeof val, "v%d", i);
        memo_put(m, key, (size_t)n, val, (size_t)vn);
    }
    int found = 0;
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof key, "w%d", i), vn = snprintf(val, sizeof val, "v%d", i);
        int got = memo_get(m, key, (size_t)n, out);
        if (got < 0)
            continue;
        found++;
        assert_int_equal(got, vn);
        assert_memory_equal(out, val, (size_t)vn);
    }
    assert_true(found > 0 && found <= 64);
    memo_free(m);
}

static void *hammer(void *arg)
{
    struct memo *m = arg;
    char key[16], val[16], out[MEMO_MAX];
    for (int r = 0; r < 20000; r++) {
        int i = r % 700;
        int n = snprintf(key, sizeof key, "word%d", i), vn = snprintf(val, sizeof val, "stem%d", i);
        int got = memo_get(m, key, (size_t)n, out);
        if (got < 0)
            memo_put(m, key, (size_t)n, val, (size_t)vn);
        else if (got != vn || memcmp(out, val, (size_t)vn))
            return (void *)1;
    }
    return NULL;
}

static void shared_by_threads(void **st)
{
    (void)st;
    struct memo *m = memo_new(256);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer, m), 0);
    for (int i = 0; i < 4; i++) {
        void *bad;
        pthread_join(t[i], &bad);
        assert_null(bad);
    }
    memo_free(m);
}

/* Values as long as a slot takes, each byte telling its key apart, and
 * few sets for many keys: puts rewrite the sets the other threads are
 * reading all the time. A lookup may miss; what it returns must be the
 * whole value of its own key, never half of another's. */
struct crowd {
    struct memo *m;
    int id;
    long hits;
};

static void crowd_value(int k, char *val)
{
    for (int b = 0; b < MEMO_MAX; b++)
        val[b] = (char)('A' + (k * 7 + b * 3) % 53);
}

static void *crowd_run(void *arg)
{
    struct crowd *c = arg;
    char key[16], val[MEMO_MAX], out[MEMO_MAX];
    unsigned x = 12345u + (unsigned)c->id;
    for (int r = 0; r < 600000; r++) {
        x = x * 1103515245u + 12345u;
        int k = (int)((x >> 8) % 300);
        int n = snprintf(key, sizeof key, "k%d", k);
        crowd_value(k, val);
        int got = memo_get(c->m, key, (size_t)n, out);
        if (got < 0) {
            memo_put(c->m, key, (size_t)n, val, MEMO_MAX);
            continue;
        }
        if (got != MEMO_MAX || memcmp(out, val, MEMO_MAX))
            return (void *)1;
        c->hits++;
    }
    return NULL;
}

static void never_torn_by_concurrent_puts(void **st)
{
    (void)st;
    struct memo *m = memo_new(64);
    pthread_t t[4];
    struct crowd c[4];
    for (int i = 0; i < 4; i++) {
        c[i] = (struct crowd){m, i, 0};
        assert_int_equal(pthread_create(&t[i], NULL, crowd_run, &c[i]), 0);
    }
    long hits = 0;
    for (int i = 0; i < 4; i++) {
        void *bad;
        pthread_join(t[i], &bad);
        assert_null(bad);
        hits += c[i].hits;
    }
    /* It still remembers: 64 slots for 300 keys hit about one in five. */
    assert_true(hits > 4 * 600000 / 50);
    memo_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keeps_what_it_is_given),
        cmocka_unit_test(bounded_and_never_wrong),
        cmocka_unit_test(shared_by_threads),
        cmocka_unit_test(never_torn_by_concurrent_puts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
