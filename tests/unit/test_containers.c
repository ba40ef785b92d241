/* Containers through the pipeline, with the test reader `splitter` (one
 * child per line of a *.batch file): each child is let go of as soon as
 * it has finished (done: freed; failed: only what failed/ needs), a
 * reader may hand children over while it reads (nd_doc_spawn_done), and
 * a child asking to be retried holds the rest until the container runs
 * again. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "chain.h"
#include "testchain.h"
#include "testdir.h"

static char dir[64], cfgpath[128], marker[128];

static int setup(void **st)
{
    (void)st;
    static const char *const names[] = {"splitter.so", "faulty.so"};
    snprintf(dir, sizeof dir, "/tmp/nd-containers-XXXXXX");
    if (testdir_with_plugins(dir, names, 2) < 0)
        return -1;
    snprintf(cfgpath, sizeof cfgpath, "%s/nd.yaml", dir);
    snprintf(marker, sizeof marker, "%s/sink-down", dir);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    return testdir_remove(dir);
}

/* What child_done saw: the index of each finished child, and how many
 * children the container had by then. */
struct seen {
    size_t index[16], spawned[16];
    int state[16];
    size_t n;
};

static void record(void *ctx, nd_doc_t *parent, const struct chain_run *run,
                   size_t i)
{
    struct seen *s = ctx;
    assert_true(s->n < 16);
    s->index[s->n] = i;
    s->spawned[s->n] = parent->nchildren;
    s->state[s->n++] = (int)run->children[i]->state;
}

static struct chain *start(int hand_over, const char *delay, struct seen *seen)
{
    const char *build = getenv("NEWSDESK_BUILD");
    assert_non_null(build);
    FILE *f = fopen(cfgpath, "w");
    assert_non_null(f);
    fprintf(f,
            "service:\n"
            "  plugin_path: [\"%s/plugins\", \"%s/plugins/text\"]\n"
            "pipeline:\n"
            "  - plugin: splitter\n"
            "    hand_over: %s\n"
            "  - plugin: text\n"
            "  - plugin: faulty\n"
            "    retry_while: %s\n"
            "    retry_on: Two\n"
            "    delay: %s\n",
            dir, build, hand_over ? "true" : "false", marker, delay);
    fclose(f);
    struct chain *p = testchain_start(cfgpath);
    chain_on_child_done(p, record, seen);
    return p;
}

static nd_doc_t *batch(const char *lines)
{
    size_t n = strlen(lines);
    uint8_t *raw = malloc(n);
    memcpy(raw, lines, n);
    return doc_new(raw, n, "four.batch", NULL, "text/plain");
}

static void finished_children_are_let_go_of(int hand_over)
{
    struct seen seen = {0};
    struct chain *p = start(hand_over, "0ms", &seen);
    nd_doc_t *d = batch("One line\nTwo line\n \nFour line");
    struct chain_run run = {0};
    assert_int_equal(chain_run(p, d, &run), ND_OK);
    assert_int_equal(d->nchildren, 4);
    assert_int_equal(seen.n, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(seen.index[i], i);
        /* Handed over: run while the reader was still making the rest. */
        assert_int_equal(seen.spawned[i], hand_over ? i + 1 : 4);
    }
    /* Done children are gone; the failed one keeps what failed/ needs. */
    assert_null(d->children[0]);
    assert_null(d->children[1]);
    assert_null(d->children[3]);
    const nd_doc_t *bad = d->children[2];
    const struct chain_run *bad_run = run.children[2];
    assert_non_null(bad);
    assert_int_equal(bad_run->state, RUN_FAILED);
    assert_int_equal(bad->raw_len, 1);
    assert_memory_equal(bad->raw, " ", 1);
    assert_non_null(bad_run->error.message);
    assert_string_equal(bad_run->error.step, "text");
    assert_string_equal(bad->name, "four.batch#3");
    assert_null(bad->text);
    assert_null(bad->fields);
    assert_null(bad->json);
    run_free(&run);
    doc_free(d);
    chain_free(p);
}

static void children_run_after_the_reader(void **st)
{
    (void)st;
    finished_children_are_let_go_of(0);
}

static void children_handed_over_run_at_once(void **st)
{
    (void)st;
    finished_children_are_let_go_of(1);
}

static void retrying_child_holds_the_rest(int hand_over)
{
    struct seen seen = {0};
    struct chain *p = start(hand_over, "0ms", &seen);
    FILE *m = fopen(marker, "w");
    assert_non_null(m);
    fclose(m);
    nd_doc_t *d = batch("One line\nTwo line\nThree line");
    struct chain_run run = {0};
    assert_int_equal(chain_run(p, d, &run), ND_RETRY);
    assert_int_equal(run.state, RUN_PENDING);
    assert_null(d->children[0]);
    nd_doc_t *two = d->children[1];
    const struct chain_run *two_run = run.children[1];
    assert_int_equal(two_run->state, RUN_PENDING);
    assert_non_null(two->text); /* whole, to resume at its step */
    assert_non_null(strstr(two_run->error.message, "sink is down"));
    assert_true(run.nchildren < 3 || !run.children[2]); /* not run at all */
    assert_int_equal(d->children[2]->read, 0);
    assert_int_equal(seen.n, 1);
    /* Still down: nothing more runs. */
    assert_int_equal(chain_run(p, d, &run), ND_RETRY);
    assert_int_equal(d->children[2]->read, 0);
    assert_int_equal(two_run->attempts, 2);
    unlink(marker);
    assert_int_equal(chain_run(p, d, &run), ND_OK);
    assert_int_equal(run.state, RUN_DONE);
    assert_int_equal(seen.n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(seen.index[i], i);
        assert_int_equal(seen.state[i], RUN_DONE);
        assert_null(d->children[i]);
    }
    run_free(&run);
    doc_free(d);
    chain_free(p);
}

static void retry_after_the_reader(void **st)
{
    (void)st;
    retrying_child_holds_the_rest(0);
}

static void retry_while_handed_over(void **st)
{
    (void)st;
    retrying_child_holds_the_rest(1);
}

/* The reader's step time is its own: the children it ran on the way
 * count in their steps. */
static void reader_time_leaves_out_its_children(void **st)
{
    (void)st;
    struct seen seen = {0};
    struct chain *p = start(1, "40ms", &seen);
    nd_doc_t *d = batch("One line\nThree line\nFive line");
    struct chain_run run = {0};
    assert_int_equal(chain_run(p, d, &run), ND_OK);
    assert_int_equal(seen.n, 3);
    json_t *t = json_array_get(d->timings, 0);
    assert_string_equal(json_string_value(json_object_get(t, "step")), "splitter");
    assert_true(json_integer_value(json_object_get(t, "us")) < 40000);
    run_free(&run);
    doc_free(d);
    chain_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(children_run_after_the_reader),
        cmocka_unit_test(children_handed_over_run_at_once),
        cmocka_unit_test(retry_after_the_reader),
        cmocka_unit_test(retry_while_handed_over),
        cmocka_unit_test(reader_time_leaves_out_its_children),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
