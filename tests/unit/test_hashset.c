/* lib/base/hashset: a bounded set of 64-bit hashes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "base/hashset.h"

static void adds_finds_and_removes(void **st)
{
    (void)st;
    struct hashset s;
    hashset_init(&s, 100);
    assert_false(hashset_has(&s, 42));
    assert_int_equal(hashset_remove(&s, 42), 0);
    assert_int_equal(hashset_add(&s, 42), 1);
    assert_int_equal(hashset_add(&s, 42), 0);
    assert_true(hashset_has(&s, 42));
    /* 0 is a hash like any other */
    assert_int_equal(hashset_add(&s, 0), 1);
    assert_true(hashset_has(&s, 0));
    assert_int_equal(s.n, 2);
    assert_int_equal(hashset_remove(&s, 42), 1);
    assert_false(hashset_has(&s, 42));
    assert_true(hashset_has(&s, 0));
    assert_int_equal(s.n, 1);
    hashset_free(&s);
    assert_false(hashset_has(&s, 0));
    assert_int_equal(hashset_add(&s, 7), 1);
    hashset_free(&s);
}

static void refuses_past_its_bound(void **st)
{
    (void)st;
    struct hashset s;
    hashset_init(&s, 3);
    for (uint64_t h = 1; h <= 3; h++)
        assert_int_equal(hashset_add(&s, h), 1);
    assert_int_equal(hashset_add(&s, 4), -1);
    assert_false(hashset_has(&s, 4));
    assert_int_equal(hashset_add(&s, 2), 0); /* there already: not refused */
    assert_int_equal(hashset_remove(&s, 1), 1);
    assert_int_equal(hashset_add(&s, 4), 1);
    hashset_free(&s);
}

/* Against a plain array as the model, through growth and many removals
 * from crowded runs of slots: what is there is found, what left is not. */
static void agrees_with_a_model(void **st)
{
    (void)st;
    enum { N = 5000 };
    static uint64_t keys[N];
    static char in[N];
    struct hashset s;
    hashset_init(&s, N);
    srand(7);
    for (size_t i = 0; i < N; i++)
        /* few distinct high bits: many keys share home slots */
        keys[i] = ((uint64_t)(rand() % 64) << 40) | (uint64_t)i;
    size_t n = 0;
    for (int round = 0; round < 20000; round++) {
        size_t i = (size_t)rand() % N;
        if (rand() % 3) {
            assert_int_equal(hashset_add(&s, keys[i]), in[i] ? 0 : 1);
            n += !in[i];
            in[i] = 1;
        } else {
            assert_int_equal(hashset_remove(&s, keys[i]), in[i]);
            n -= in[i];
            in[i] = 0;
        }
        if (round % 1000 == 0)
            for (size_t k = 0; k < N; k++)
                assert_int_equal(!!hashset_has(&s, keys[k]), in[k]);
    }
    assert_int_equal(s.n, n);
    for (size_t k = 0; k < N; k++)
        assert_int_equal(!!hashset_has(&s, keys[k]), in[k]);
    hashset_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(adds_finds_and_removes),
        cmocka_unit_test(refuses_past_its_bound),
        cmocka_unit_test(agrees_with_a_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
