/* lib/classify: words, hashed features, folding, training, and model
 * files (round trip and rejection of damaged ones). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify/classify.h"

struct words {
    char out[16][65];
    size_t n;
};

static void collect(const char *w, size_t n, void *ctx)
{
    struct words *ws = ctx;
    if (ws->n < 16) {
        memcpy(ws->out[ws->n], w, n);
        ws->out[ws->n++][n] = '\0';
    }
}

static void words_are_split_and_lowered(void **state)
{
    (void)state;
    struct words ws = {0};
    const char *t = "The Caf\xC3\xA9's 3rd-floor view: a x GREAT\xE2\x80\x94" "deal";
    ncl_words(t, strlen(t), collect, &ws);
    /* The em dash separates; the apostrophe leaves a one-letter "s". */
    const char *want[] = {"the", "caf\xC3\xA9", "3rd", "floor", "view",
                          "great", "deal"};
    assert_int_equal(ws.n, 7);
    for (size_t i = 0; i < 7; i++)
        assert_string_equal(ws.out[i], want[i]);
}

static void features_count_words_and_bigrams(void **state)
{
    (void)state;
    ncl_vec_t v = {0};
    assert_int_equal(ncl_featurize("rain rain rain", 14, 16, &v), 0);
    /* "rain" three times and "rain rain" twice: two features. */
    assert_int_equal(v.n, 2);
    float total = v.val[0] + v.val[1];
    assert_true(total == 5.0f);
    assert_true(v.idx[0] < v.idx[1]);
    assert_int_equal(ncl_featurize("", 0, 16, &v), 0);
    assert_int_equal(v.n, 0);
    ncl_vec_free(&v);
}

static void folding_matches_featurizing_smaller(void **state)
{
    (void)state;
    const char *t = "the council voted on the budget and the budget passed";
    ncl_vec_t big = {0}, small = {0};
    assert_int_equal(ncl_featurize(t, strlen(t), NCL_MAX_BITS, &big), 0);
    assert_int_equal(ncl_featurize(t, strlen(t), 12, &small), 0);
    ncl_vec_fold(&big, 12);
    assert_int_equal(big.n, small.n);
    for (size_t i = 0; i < small.n; i++) {
        assert_int_equal(big.idx[i], small.idx[i]);
        assert_true(big.val[i] == small.val[i]);
    }
    unsigned bits = ncl_auto_bits(&big, 1);
    assert_true(bits >= NCL_AUTO_MIN_BITS && bits <= NCL_AUTO_MAX_BITS);
    ncl_vec_free(&big);
    ncl_vec_free(&small);
}

static const char *const texts[] = {
    "goal striker match league cup", "striker scored a goal in the match",
    "the league match ended with a late goal", "rain wind storm forecast",
    "heavy rain and strong wind tonight", "the forecast says storm and rain",
};
static const int labels[] = {0, 0, 0, 1, 1, 1};
static const char *const names[] = {"sport", "weather"};

static ncl_model_t *train(enum ncl_algo algo)
{
    ncl_vec_t x[6] = {{0}};
    struct ncl_train_opts o;
    ncl_train_defaults(&o);
    o.algo = algo;
    o.bits = 12;
    for (int i = 0; i < 6; i++)
        assert_int_equal(ncl_featurize(texts[i], strlen(texts[i]), 12, &x[i]), 0);
    char err[256];
    ncl_model_t *m = ncl_train(x, labels, 6, names, 2, &o, err, sizeof err);
    for (int i = 0; i < 6; i++)
        ncl_vec_free(&x[i]);
    assert_non_null(m);
    return m;
}

static void both_algorithms_learn(void **state)
{
    (void)state;
    enum ncl_algo algos[] = {NCL_NB, NCL_LOGREG};
    for (int a = 0; a < 2; a++) {
        ncl_model_t *m = train(algos[a]);
        double p[2];
        ncl_vec_t s = {0};
        assert_int_equal(ncl_predict_text(m, "a goal in the cup match", 23, &s, p), 0);
        assert_true(p[0] > p[1]);
        assert_true(p[0] + p[1] > 0.999 && p[0] + p[1] < 1.001);
        const char *w = "storm and rain tonight";
        assert_int_equal(ncl_predict_text(m, w, strlen(w), &s, p), 0);
        assert_true(p[1] > p[0]);
        ncl_vec_free(&s);
        ncl_model_free(m);
    }
}

static void training_refuses_bad_input(void **state)
{
    (void)state;
    struct ncl_train_opts o;
    ncl_train_defaults(&o);
    char err[256];
    ncl_vec_t x[1] = {{0}};
    int y[1] = {0};
    assert_null(ncl_train(x, y, 1, names, 1, &o, err, sizeof err));
    assert_non_null(strstr(err, "need 2"));
    assert_null(ncl_train(x, y, 0, names, 2, &o, err, sizeof err));
    assert_non_null(strstr(err, "no training documents"));
    o.bits = 30;
    assert_null(ncl_train(x, y, 1, names, 2, &o, err, sizeof err));
    assert_non_null(strstr(err, "bits"));
}

static void model_files_round_trip(void **state)
{
    (void)state;
    char path[] = "/tmp/ncl-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[512];
    ncl_model_t *m = train(NCL_NB);
    assert_int_equal(ncl_model_save(m, path, err, sizeof err), 0);
    ncl_model_t *l = ncl_model_load(path, err, sizeof err);
    assert_non_null(l);
    assert_int_equal(ncl_model_nlabels(l), 2);
    assert_string_equal(ncl_model_label(l, 1), "weather");
    assert_null(ncl_model_label(l, 2));
    assert_int_equal(ncl_model_bits(l), 12);
    assert_int_equal(ncl_model_algo(l), NCL_NB);
    double a[2], b[2];
    ncl_vec_t s = {0};
    const char *t = "late goal in the storm";
    ncl_predict_text(m, t, strlen(t), &s, a);
    ncl_predict_text(l, t, strlen(t), &s, b);
    assert_true(a[0] == b[0] && a[1] == b[1]);
    ncl_vec_free(&s);
    ncl_model_free(l);
    ncl_model_free(m);

    /* Damaged copies are refused with a reason. */
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)size);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    struct { long keep; size_t at; char byte; const char *why; } cases[] = {
        {size - 1, 0, 0, "truncated"},
        {size, 0, 'X', "wrong magic"},
        {size, offsetof(struct ncl_header, version), 9, "version 9"},
        {size, offsetof(struct ncl_header, bits), 40, "bits out of range"},
        {size, offsetof(struct ncl_header, nlabels), 1, "label count"},
        {size, offsetof(struct ncl_header, idf_off), 1, "inconsistent"},
        {20, 0, 0, "too short"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *copy = malloc((size_t)size);
        memcpy(copy, buf, (size_t)size);
        if (cases[i].byte)
            copy[cases[i].at] = cases[i].byte;
        f = fopen(path, "wb");
        fwrite(copy, 1, (size_t)cases[i].keep, f);
        fclose(f);
        free(copy);
        assert_null(ncl_model_load(path, err, sizeof err));
        if (!strstr(err, cases[i].why))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, cases[i].why);
    }
    free(buf);
    unlink(path);
    assert_null(ncl_model_load(path, err, sizeof err));
    assert_non_null(strstr(err, "cannot open the model"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(words_are_split_and_lowered),
        cmocka_unit_test(features_count_words_and_bigrams),
        cmocka_unit_test(folding_matches_featurizing_smaller),
        cmocka_unit_test(both_algorithms_learn),
        cmocka_unit_test(training_refuses_bad_input),
        cmocka_unit_test(model_files_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
