/* lib/nlp/lexicon: lookups through each thread's cache give what the
 * tables give, for every word of the lexicon and words not in it, first
 * asked (a miss) and asked again (a hit), by several threads at once. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "nlp/lexicon.h"

/* Every entry found as itself, and the word with a letter added not
 * found, over `rounds` passes (each pass evicts what the last cached).
 * Returns the number of wrong answers. */
static size_t sweep(int rounds)
{
    size_t wrong = 0;
    char buf[128];
    for (int r = 0; r < rounds; r++)
        for (size_t i = 0; i < lex_nentries; i++) {
            const char *k = lex_keys + lex_entries[i].key;
            size_t n = strlen(k);
            for (int again = 0; again < 2; again++) {
                const struct lex_entry *e = lex_find(k, n);
                /* Duplicate keys do not exist: the entry is this one. */
                wrong += e != &lex_entries[i];
                wrong += lex_flags(k, n) != lex_entries[i].flags;
            }
            if (n + 2 > sizeof buf)
                continue;
            memcpy(buf, k, n);
            buf[n] = '\x01'; /* no word has it */
            wrong += lex_find(buf, n + 1) != NULL;
            wrong += lex_find(buf, n + 1) != NULL;
        }
    return wrong;
}

static void every_word_twice(void **st)
{
    (void)st;
    assert_true(lex_nentries > 1000);
    assert_int_equal(sweep(1), 0);
    /* Prefixes of a cached word are other words, not it. */
    const char *k = lex_keys + lex_entries[0].key;
    size_t n = strlen(k);
    assert_non_null(lex_find(k, n));
    for (size_t m = 1; m < n; m++) {
        const struct lex_entry *e = lex_find(k, m);
        assert_true(e == NULL || strlen(lex_keys + e->key) == m);
    }
    assert_null(lex_find("", 0));
}

static void *sweeper(void *arg)
{
    (void)arg;
    return (void *)(uintptr_t)sweep(2);
}

static void threads_each_their_own(void **st)
{
    (void)st;
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&t[i], NULL, sweeper, NULL), 0);
    for (int i = 0; i < 3; i++) {
        void *wrong;
        pthread_join(t[i], &wrong);
        assert_int_equal((uintptr_t)wrong, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_word_twice),
        cmocka_unit_test(threads_each_their_own),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
