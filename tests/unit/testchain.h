/* Starting a chain from a configuration file in the unit tests that run
 * documents through the chain. Header-only, included after <cmocka.h>
 * and "chain.h". */
#ifndef ND_TEST_TESTCHAIN_H
#define ND_TEST_TESTCHAIN_H

#include <stdio.h>

/* Load and start the chain of the configuration file `path`; the test
 * fails, the errors printed, when it does not start. */
static inline struct chain *testchain_start(const char *path)
{
    struct chain *p;
    struct errlist errs = {0}, warns = {0};
    int rc = chain_load(&p, path, &errs, &warns);
    if (rc == 0)
        rc = chain_start(p, &errs);
    for (size_t i = 0; i < errs.n; i++)
        fprintf(stderr, "%s\n", errs.msgs[i]);
    assert_int_equal(rc, 0);
    errs_free(&errs);
    errs_free(&warns);
    return p;
}

#endif
