/* config.c: every error found, each at its exact file:line:column, with
 * what was expected; ${VAR} expansion; plugin option checking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "chain.h"
#include "config.h"
#include "options.h"

static char path[256];

static int setup(void **st)
{
    (void)st;
    snprintf(path, sizeof path, "/tmp/newsdesk-config-test-%d.yaml", (int)getpid());
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    unlink(path);
    return 0;
}

/* Load `yaml` (with "@P" replaced by the test plugin folder, "@B" by the
 * build tree, whose plugins/<name> folders hold the built-in plugins); returns the
 * result code; errors and warnings in the lists. */
static int load(const char *yaml, struct config *c, struct registry *reg,
                struct errlist *errs, struct errlist *warns)
{
    const char *plugins = getenv("NEWSDESK_TEST_PLUGINS");
    assert_non_null(plugins);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (const char *p = yaml; *p; p++) {
        if (p[0] == '@' && p[1] == 'P') {
            fputs(plugins, f);
            p++;
        } else if (p[0] == '@' && p[1] == 'B') {
            fputs(getenv("NEWSDESK_BUILD"), f);
            p++;
        } else {
            fputc(*p, f);
        }
    }
    fclose(f);
    registry_init(reg, chain_host());
    memset(errs, 0, sizeof *errs);
    memset(warns, 0, sizeof *warns);
    return config_load(c, path, reg, errs, warns);
}

static void done(struct config *c, struct registry *reg, struct errlist *errs,
                 struct errlist *warns)
{
    config_free(c);
    registry_free(reg);
    errs_free(errs);
    errs_free(warns);
}

/* Assert that some error starts with path:line:col and contains `part`. */
static void has_error(const struct errlist *e, int line, int col,
                      const char *part)
{
    char where[300];
    snprintf(where, sizeof where, "%s:%d:%d: ", path, line, col);
    for (size_t i = 0; i < e->n; i++)
        if (!strncmp(e->msgs[i], where, strlen(where)) && strstr(e->msgs[i], part))
            return;
    for (size_t i = 0; i < e->n; i++)
        fprintf(stderr, "  got: %s\n", e->msgs[i]);
    fail_msg("no error at %d:%d containing \"%s\"", line, col, part);
}

static void misspelt_key_names_line_and_column(void **st)
{
    (void)st;
    struct config c;
    struct registry reg;
    struct errlist errs, warns;
    int rc = load("inbox:\n"
                  "  path: ./in\n"
                  "  setle: 1s\n",
                  &c, &reg, &errs, &warns);
    assert_int_equal(rc, -1);
    has_error(&errs, 3, 3, "unknown key \"setle\"; valid keys are: path, state, "
                           "on_success, settle,");
    done(&c, &reg, &errs, &warns);
}

static void every_error_is_reported(void **st)
{
    (void)st;
    struct config c;
    struct registry reg;
    struct errlist errs, warns;
    int rc = load("inbox:\n"
                  "  max_bytes: lots\n"                  /* 2 */
                  "servce:\n"                            /* 3 */
                  "  workers: 2\n"
                  "service:\n"
                  "  plugin_path: [\"@P\"]\n"
                  "  workers: -1\n"                      /* 7 */
                  "pipeline:\n"
                  "  - plugin: good\n"                   /* 9 */
                  "    fail_every: often\n"              /* 10 */
                  "    ratio: 2\n"                       /* 11 */
                  "    colour: purple\n"                 /* 12 */
                  "    greting: hi\n"                    /* 13 */
                  "  - plugin: good\n"                   /* 14 */
                  "  - plugin: nosuch\n"                 /* 15 */
                  "  - plugin: upper\n"                  /* 16 */
                  "    name: shout\n"
                  "  - name: orphan\n"                   /* 18 */
                  "  - plugin: good\n"
                  "    name: g2\n"
                  "    when: language === \"en\"\n"      /* 21 */
                  "    on_error: ignore\n",              /* 22 */
                  &c, &reg, &errs, &warns);
    assert_int_equal(rc, -1);
    has_error(&errs, 2, 14, "max_bytes: expected a size");
    has_error(&errs, 3, 1, "unknown key \"servce\"; valid keys are: inbox, service, stream, "
                           "pipeline");
    has_error(&errs, 7, 12, "workers: -1 is out of range, expected 0 to 1024");
    has_error(&errs, 10, 17, "plugin good: fail_every: expected an integer, got \"often\"");
    has_error(&errs, 11, 12, "ratio: 2 is out of range, expected 0 to 1");
    has_error(&errs, 12, 13, "colour: expected one of red, green, blue, got \"purple\"");
    has_error(&errs, 13, 5, "unknown key \"greting\"; valid keys are: plugin, name, when, on_error, greeting");
    has_error(&errs, 14, 13, "duplicate step name \"good\"");
    has_error(&errs, 15, 13, "unknown plugin \"nosuch\"; plugins found:");
    has_error(&errs, 16, 5, "plugin upper: missing required option \"target\"");
    has_error(&errs, 18, 5, "this step has no \"plugin\" key");
    /* "language === ...": the third = is where it goes wrong. */
    has_error(&errs, 21, 22, "when: unexpected character");
    has_error(&errs, 22, 15, "on_error: expected fail or skip");
    assert_int_equal(errs.n, 13);
    done(&c, &reg, &errs, &warns);
}

static void good_config_and_expansion(void **st)
{
    (void)st;
    setenv("ND_TEST_INBOX", "/srv/news/in", 1);
    unsetenv("ND_TEST_UNSET");
    struct config c;
    struct registry reg;
    struct errlist errs, warns;
    int rc = load("inbox:\n"
                  "  path: ${ND_TEST_INBOX}\n"
                  "  state: ${ND_TEST_UNSET:-/var/lib/nd}/state\n"
                  "  settle: 1s\n"
                  "  ignore: [\"*.bak\", \"draft-*\"]\n"
                  "service:\n"
                  "  plugin_path: @P\n"
                  "pipeline:\n"
                  "  - plugin: good\n"
                  "    greeting: \"cost $${literal}\"\n"
                  "    limit: 2MiB\n"
                  "    tags: one\n"
                  "    old: x\n"
                  "  - plugin: good\n"
                  "    name: second\n"
                  "    when: exists greeting and not (language == \"de\")\n"
                  "    on_error: skip\n",
                  &c, &reg, &errs, &warns);
    for (size_t i = 0; i < errs.n; i++)
        fprintf(stderr, "%s\n", errs.msgs[i]);
    assert_int_equal(rc, 0);
    assert_string_equal(config_str(&c, "inbox", "path"), "/srv/news/in");
    assert_string_equal(config_str(&c, "inbox", "state"), "/var/lib/nd/state");
    assert_int_equal(config_int(&c, "inbox", "settle"), 1000);
    assert_int_equal(config_int(&c, "inbox", "max_bytes"), 32 * 1024 * 1024);
    const char *const *ignore;
    assert_int_equal(config_list(&c, "inbox", "ignore", &ignore), 2);
    assert_string_equal(ignore[1], "draft-*");
    assert_int_equal(c.nsteps, 2);
    assert_string_equal(c.steps[0].name, "good");
    assert_string_equal(opt_str(c.steps[0].opts, "greeting"), "cost ${literal}");
    assert_int_equal(opt_int(c.steps[0].opts, "limit"), 2 * 1024 * 1024);
    assert_true(opt_isset(c.steps[0].opts, "limit"));
    assert_false(opt_isset(c.steps[0].opts, "ratio"));
    assert_string_equal(c.steps[1].name, "second");
    assert_non_null(c.steps[1].cond);
    assert_int_equal(c.steps[1].on_error_skip, 1);
    /* The deprecated option is accepted with a warning. */
    assert_int_equal(warns.n, 1);
    assert_non_null(strstr(warns.msgs[0], "option old is deprecated"));
    done(&c, &reg, &errs, &warns);
}

static void unset_variable_is_an_error(void **st)
{
    (void)st;
    unsetenv("ND_TEST_UNSET");
    struct config c;
    struct registry reg;
    struct errlist errs, warns;
    int rc = load("inbox:\n  path: ${ND_TEST_UNSET}/in\n", &c, &reg, &errs, &warns);
    assert_int_equal(rc, -1);
    has_error(&errs, 2, 9, "environment variable ND_TEST_UNSET is not set");
    done(&c, &reg, &errs, &warns);
}

static void yaml_syntax_error_has_position(void **st)
{
    (void)st;
    struct config c;
    struct registry reg;
    struct errlist errs, warns;
    int rc = load("inbox:\n  path: [unclosed\nservice: {}\n", &c, &reg, &errs, &warns);
    assert_int_equal(rc, -1);
    assert_int_equal(errs.n, 1);
    assert_non_null(strstr(errs.msgs[0], "YAML syntax error"));
    assert_int_equal(strncmp(errs.msgs[0], path, strlen(path)), 0);
    done(&c, &reg, &errs, &warns);
}

static void wrong_shapes(void **st)
{
    (void)st;
    struct config c;
    struct registry reg;
    struct errlist errs, warns;
    int rc = load("inbox: [1, 2]\n"
                  "service:\n"
                  "  plugin_path: {a: b}\n"
                  "pipeline: {plugin: good}\n",
                  &c, &reg, &errs, &warns);
    assert_int_equal(rc, -1);
    has_error(&errs, 1, 8, "inbox: expected a mapping of options, got a list");
    has_error(&errs, 3, 16, "plugin_path: expected a list of strings, got a mapping");
    has_error(&errs, 4, 11, "pipeline: expected a list of steps, got a mapping");
    done(&c, &reg, &errs, &warns);
}

static void bad_plugins_are_named_with_their_reason(void **st)
{
    (void)st;
    struct config c;
    struct registry reg;
    struct errlist errs, warns;
    int rc = load("service:\n"
                  "  plugin_path: [\"@P\"]\n"
                  "pipeline:\n"
                  "  - plugin: twin\n"
                  "  - plugin: bad_options\n",
                  &c, &reg, &errs, &warns);
    assert_int_equal(rc, -1);
    has_error(&errs, 4, 13, "plugin \"twin\" is ambiguous");
    has_error(&errs, 5, 13, "its option table is wrong");
    done(&c, &reg, &errs, &warns);
}

/* The built-in plugins of the default chain, from the build tree (a unit
 * test is not the installed binary, so they are not found on their own). */
#define BUILTIN_PATH                                                       \
    "  plugin_path: [\"@P\", \"@B/plugins/text\", \"@B/plugins/html\", "  \
    "\"@B/plugins/json-reader\", \"@B/plugins/feed\", "                    \
    "\"@B/plugins/language\", \"@B/plugins/entities\", "                   \
    "\"@B/plugins/keywords\", \"@B/plugins/quotes\", "                     \
    "\"@B/plugins/summary\", \"@B/plugins/topics\", \"@B/plugins/json\"]\n"

static void default_item_is_the_chain_without_its_exporter(void **st)
{
    (void)st;
    static const char *const expected[] = {
        "text", "html", "json-reader", "feed", "language", "entities",
        "keywords", "quotes", "summary", "topics"};
    struct config c;
    struct registry reg;
    struct errlist errs, warns;
    int rc = load("service:\n"
                  BUILTIN_PATH
                  "pipeline:\n"
                  "  - plugin: good\n"
                  "    name: before\n"
                  "  - default\n"                 /* line 6 */
                  "  - plugin: good\n",
                  &c, &reg, &errs, &warns);
    for (size_t i = 0; i < errs.n; i++)
        fprintf(stderr, "  error: %s\n", errs.msgs[i]);
    assert_int_equal(rc, 0);
    assert_int_equal(c.default_chain, 0);
    assert_int_equal(c.nsteps, 12);
    assert_string_equal(c.steps[0].name, "before");
    assert_int_equal(c.steps[0].from_default, 0);
    for (size_t i = 0; i < 10; i++) {
        const struct step_config *s = &c.steps[1 + i];
        assert_string_equal(s->plugin, expected[i]);
        assert_string_equal(s->name, expected[i]);
        assert_non_null(s->p);
        assert_int_equal(s->from_default, 1);
        assert_int_equal(s->line, 6);
        assert_int_equal(s->col, 5);
    }
    assert_string_equal(c.steps[11].name, "good");
    assert_int_equal(c.steps[11].from_default, 0);
    for (size_t i = 0; i < c.nsteps; i++)
        assert_string_not_equal(c.steps[i].plugin, "json");
    done(&c, &reg, &errs, &warns);
}

static void default_item_misused(void **st)
{
    (void)st;
    struct config c;
    struct registry reg;
    struct errlist errs, warns;
    int rc = load("service:\n"
                  BUILTIN_PATH
                  "pipeline:\n"
                  "  - plugin: good\n"
                  "    name: summary\n"          /* line 5 */
                  "  - default\n"                 /* line 6 */
                  "  - defaults\n",               /* line 7 */
                  &c, &reg, &errs, &warns);
    assert_int_equal(rc, -1);
    has_error(&errs, 6, 5, "\"default\" holds a step named \"summary\", and "
                           "the step at line 4 has that name already");
    has_error(&errs, 7, 5, "expected a step (a mapping with a \"plugin\" key) "
                           "or \"default\", got \"defaults\"");
    done(&c, &reg, &errs, &warns);
}

static void stream_section_values_and_defaults(void **st)
{
    (void)st;
    struct config c;
    struct registry reg;
    struct errlist errs, warns;
    int rc = load("service:\n"
                  "  plugin_path: [\"@P\"]\n"
                  "stream:\n"
                  "  role: work\n"
                  "  url: \"unix:///run/redis/redis.sock?db=3\"\n"
                  "  claim_idle: 90s\n"
                  "  max_backlog: 5000\n"
                  "pipeline:\n"
                  "  - plugin: good\n",
                  &c, &reg, &errs, &warns);
    for (size_t i = 0; i < errs.n; i++)
        fprintf(stderr, "%s\n", errs.msgs[i]);
    assert_int_equal(rc, 0);
    assert_int_equal(c.has_stream, 1);
    assert_string_equal(config_str(&c, "stream", "role"), "work");
    assert_string_equal(config_str(&c, "stream", "url"),
                        "unix:///run/redis/redis.sock?db=3");
    assert_string_equal(config_str(&c, "stream", "key"), "newsdesk:articles");
    assert_string_equal(config_str(&c, "stream", "group"), "newsdesk");
    assert_int_equal(config_int(&c, "stream", "claim_idle"), 90000);
    assert_int_equal(config_int(&c, "stream", "max_backlog"), 5000);
    assert_int_equal(config_int(&c, "stream", "timeout"), 5000);
    /* A worker with a pipeline and no inbox: nothing to say. */
    assert_int_equal(warns.n, 0);
    done(&c, &reg, &errs, &warns);

    /* No stream section: a daemon alone. */
    rc = load("service:\n  plugin_path: [\"@P\"]\n"
              "pipeline:\n  - plugin: good\n", &c, &reg, &errs, &warns);
    assert_int_equal(rc, 0);
    assert_int_equal(c.has_stream, 0);
    done(&c, &reg, &errs, &warns);
}

static void stream_section_errors_hide_the_password(void **st)
{
    (void)st;
    struct config c;
    struct registry reg;
    struct errlist errs, warns;
    int rc = load("stream:\n"
                  "  url: \"redis://ops:hunter2@cache:99999/0\"\n"  /* 2 */
                  "  claim_idle: 10ms\n"                             /* 3 */
                  "  max_backlog: 0\n"                               /* 4 */
                  "  role: both\n"                                   /* 5 */
                  "  groop: x\n",                                    /* 6 */
                  &c, &reg, &errs, &warns);
    assert_int_equal(rc, -1);
    has_error(&errs, 2, 8, "the port is not a number from 1 to 65535");
    has_error(&errs, 3, 15, "claim_idle");
    has_error(&errs, 4, 16, "max_backlog");
    has_error(&errs, 5, 9, "expected one of forward, work");
    has_error(&errs, 6, 3, "unknown key \"groop\"");
    for (size_t i = 0; i < errs.n; i++)
        assert_null(strstr(errs.msgs[i], "hunter2"));
    done(&c, &reg, &errs, &warns);

    rc = load("stream:\n  key: a:b\n", &c, &reg, &errs, &warns);
    assert_int_equal(rc, -1);
    has_error(&errs, 2, 3, "missing required option \"role\"");
    done(&c, &reg, &errs, &warns);
}

static void stream_roles_warn_of_ignored_options(void **st)
{
    (void)st;
    struct config c;
    struct registry reg;
    struct errlist errs, warns;
    int rc = load("inbox:\n"
                  "  path: ./in\n"                                   /* 2 */
                  "  max_attempts: 5\n"
                  "service:\n"
                  "  plugin_path: [\"@P\"]\n"
                  "stream:\n"
                  "  role: work\n"
                  "pipeline:\n"
                  "  - plugin: good\n",
                  &c, &reg, &errs, &warns);
    assert_int_equal(rc, 0);
    /* path does nothing for a worker; max_attempts applies. */
    has_error(&warns, 2, 3, "inbox: path does nothing here");
    assert_int_equal(warns.n, 1);
    done(&c, &reg, &errs, &warns);

    rc = load("service:\n"
              "  plugin_path: [\"@P\"]\n"
              "stream:\n"
              "  role: forward\n"
              "pipeline:\n"
              "  - plugin: good\n",                                  /* 6 */
              &c, &reg, &errs, &warns);
    assert_int_equal(rc, 0);
    has_error(&warns, 6, 3, "a forwarder (stream.role: forward) runs no "
                            "pipeline");
    assert_int_equal(warns.n, 1);
    done(&c, &reg, &errs, &warns);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(misspelt_key_names_line_and_column),
        cmocka_unit_test(every_error_is_reported),
        cmocka_unit_test(good_config_and_expansion),
        cmocka_unit_test(unset_variable_is_an_error),
        cmocka_unit_test(yaml_syntax_error_has_position),
        cmocka_unit_test(wrong_shapes),
        cmocka_unit_test(bad_plugins_are_named_with_their_reason),
        cmocka_unit_test(stream_section_values_and_defaults),
        cmocka_unit_test(stream_section_errors_hide_the_password),
        cmocka_unit_test(stream_roles_warn_of_ignored_options),
        cmocka_unit_test(default_item_is_the_chain_without_its_exporter),
        cmocka_unit_test(default_item_misused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
