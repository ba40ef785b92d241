/* Steps sharing what they computed through data attached to the document
 * (ABI 1.3): two plugins, share_a and share_b, find one tally whichever
 * runs first, and the chain lets go of it when it has finished running
 * the document; the extraction steps analyse a document once (tokens,
 * sentences, entities), whichever of them the chain has. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "chain.h"
#include "nlp/nlp.h"
#include "testchain.h"
#include "testdir.h"
#include "value.h"

static char dir[64], cfgpath[128];

static int setup(void **st)
{
    (void)st;
    static const char *const names[] = {"share_a.so", "share_b.so"};
    snprintf(dir, sizeof dir, "/tmp/nd-sharing-XXXXXX");
    if (testdir_with_plugins(dir, names, 2) < 0)
        return -1;
    snprintf(cfgpath, sizeof cfgpath, "%s/nd.yaml", dir);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    return testdir_remove(dir);
}

/* Start a chain of the text reader and the given processors: the test
 * plugins, or built ones (each in its own folder of the build). */
static struct chain *start(const char *const *steps, size_t n)
{
    const char *build = getenv("NEWSDESK_BUILD");
    assert_non_null(build);
    FILE *f = fopen(cfgpath, "w");
    assert_non_null(f);
    fprintf(f, "service:\n  plugin_path: [\"%s/plugins\", \"%s/plugins/text\"", dir,
            build);
    for (size_t i = 0; i < n; i++)
        if (strncmp(steps[i], "share_", 6))
            fprintf(f, ", \"%s/plugins/%s\"", build, steps[i]);
    fprintf(f, "]\npipeline:\n  - plugin: text\n");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "  - plugin: %s\n", steps[i]);
    fclose(f);
    return testchain_start(cfgpath);
}

static nd_doc_t *article(const char *text)
{
    size_t n = strlen(text);
    uint8_t *raw = malloc(n);
    memcpy(raw, text, n);
    return doc_new(raw, n, "story.txt", NULL, "text/plain");
}

/* The {"made", "seen"} a share step set. */
static void assert_share(const nd_doc_t *d, const char *step, int made, int seen)
{
    const nd_val_t *v = doc_get(d, step);
    assert_non_null(v);
    assert_int_equal(val_as_bool(val_get(v, "made")), made);
    assert_int_equal(val_as_int(val_get(v, "seen")), seen);
}

static void two_plugins_share_one_attachment(void **st)
{
    (void)st;
    const char *const orders[2][2] = {{"share_a", "share_b"},
                                      {"share_b", "share_a"}};
    for (int o = 0; o < 2; o++) {
        struct chain *p = start(orders[o], 2);
        nd_doc_t *d = article("Four ships waited offshore.\n");
        struct chain_run run = {0};
        assert_int_equal(chain_run(p, d, &run), ND_OK);
        /* Whichever runs first makes it; the other finds it. */
        assert_share(d, orders[o][0], 1, 1);
        assert_share(d, orders[o][1], 0, 2);
        /* The run is over: the document holds nothing attached. */
        assert_int_equal(d->natt, 0);
        run_free(&run);
        doc_free(d);
        chain_free(p);
    }
}

static const char story[] =
    "Port talks resume in Oslo\n\n"
    "Harbour Minister Anna Lindqvist met Nordvik Energy in Oslo on Tuesday. "
    "\"We have done everything we can to keep the port open,\" Lindqvist "
    "said after the meeting.\n\n"
    "Shares of Nordvik Energy rose 4% to 310 kroner. The company said the "
    "talks would go on next week.\n";

/* Run the story through a chain of the text reader and `steps`; how many
 * analyses were made of it and how many times its entities were found. */
static struct nlp_analysis_counts analyses_for(const char *const *steps,
                                                size_t n)
{
    struct chain *p = start(steps, n);
    struct nlp_analysis_counts before, after;
    nlp_analysis_counts(&before);
    nd_doc_t *d = article(story);
    struct chain_run run = {0};
    assert_int_equal(chain_run(p, d, &run), ND_OK);
    nlp_analysis_counts(&after);
    assert_int_equal(d->natt, 0); /* dropped with the run */
    run_free(&run);
    doc_free(d);
    chain_free(p);
    return (struct nlp_analysis_counts){after.analyses - before.analyses,
                                        after.entity_runs - before.entity_runs};
}

static void one_analysis_per_document(void **st)
{
    (void)st;
    /* The default chain: four steps tokenise, two find entities. */
    const char *const full[] = {"language", "entities", "keywords", "quotes",
                                "summary", "topics"};
    struct nlp_analysis_counts c = analyses_for(full, 6);
    assert_int_equal(c.analyses, 1);
    assert_int_equal(c.entity_runs, 1);
    /* A step alone makes what it needs, on first need. */
    const char *const quotes[] = {"quotes"}, *const keywords[] = {"keywords"};
    c = analyses_for(quotes, 1);
    assert_int_equal(c.analyses, 1);
    assert_int_equal(c.entity_runs, 1);
    c = analyses_for(keywords, 1);
    assert_int_equal(c.analyses, 1);
    assert_int_equal(c.entity_runs, 0);
    /* In another order the first one makes it. */
    const char *const reordered[] = {"summary", "quotes", "keywords", "entities"};
    c = analyses_for(reordered, 4);
    assert_int_equal(c.analyses, 1);
    assert_int_equal(c.entity_runs, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_plugins_share_one_attachment),
        cmocka_unit_test(one_analysis_per_document),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
