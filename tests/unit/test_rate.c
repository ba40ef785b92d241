/* rate.c: files finished per second over the last minute, and the time
 * the backlog will take. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "rate.h"

static void no_rate_before_two_samples(void **state)
{
    (void)state;
    struct rate r;
    memset(&r, 0, sizeof r);
    double span = -1;
    assert_float_equal(rate_per_s(&r, &span), 0, 0);
    assert_float_equal(span, 0, 0);
    rate_sample(&r, 1000, 50);
    assert_float_equal(rate_per_s(&r, &span), 0, 0);
    assert_float_equal(span, 0, 0);
    rate_sample(&r, 3000, 70);
    assert_float_equal(rate_per_s(&r, &span), 10, 1e-9);
    assert_float_equal(span, 2, 1e-9);
}

/* After a minute the oldest samples go: a burst long ago no longer
 * counts, and the rate is that of the last minute. */
static void the_window_slides(void **state)
{
    (void)state;
    struct rate r;
    memset(&r, 0, sizeof r);
    double span;
    uint64_t total = 0;
    rate_sample(&r, 0, total);
    total += 6000; /* a burst in the first second */
    for (int s = 1; s <= 60; s++)
        rate_sample(&r, s * 1000, total += (s > 1 ? 5 : 0));
    assert_float_equal(rate_per_s(&r, &span), (6000 + 59 * 5) / 60.0, 1e-9);
    assert_float_equal(span, 60, 1e-9);
    rate_sample(&r, 61000, total += 5);
    assert_float_equal(rate_per_s(&r, &span), 5, 1e-9);
    assert_float_equal(span, 60, 1e-9);
    /* Samples that came late (a busy loop) are weighed by their times. */
    rate_sample(&r, 64000, total += 5);
    assert_float_equal(rate_per_s(&r, &span), 300 / 62.0, 1e-9);
    assert_float_equal(span, 62, 1e-9);
}

static void the_backlog_takes(void **state)
{
    (void)state;
    assert_float_equal(rate_eta_s(0, 0), 0, 0);
    assert_float_equal(rate_eta_s(0, 12.5), 0, 0);
    assert_float_equal(rate_eta_s(100, 12.5), 8, 1e-9);
    assert_float_equal(rate_eta_s(100, 0), -1, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_rate_before_two_samples),
        cmocka_unit_test(the_window_slides),
        cmocka_unit_test(the_backlog_takes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
