/* log.c: <N> priority prefixes when $JOURNAL_STREAM names stderr, plain
 * timestamped lines otherwise, levels, one event per line. stderr is
 * pointed at a temporary file for each test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static char path[] = "/tmp/newsdesk-log-XXXXXX";
static int saved_stderr = -1;

static int redirect(void **s)
{
    (void)s;
    strcpy(path, "/tmp/newsdesk-log-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    saved_stderr = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
    log_set_level(ND_LOG_INFO);
    return 0;
}

static int restore(void **s)
{
    (void)s;
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    unlink(path);
    unsetenv("JOURNAL_STREAM");
    return 0;
}

/* What was written to stderr so far. */
static const char *written(void)
{
    static char buf[8192];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    return buf;
}

static void set_journal_stream(int fd)
{
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    char v[64];
    snprintf(v, sizeof v, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    setenv("JOURNAL_STREAM", v, 1);
}

static void journal_gets_priority_prefixes(void **s)
{
    (void)s;
    set_journal_stream(STDERR_FILENO);
    log_init();
    log_error("disk full on %s", "/srv/out");
    log_warning("slow");
    log_notice("reloaded");
    log_info("claimed a.txt");
    log_debug("not shown at info");
    assert_string_equal(written(), "<3>disk full on /srv/out\n<4>slow\n"
                                   "<5>reloaded\n<6>claimed a.txt\n");
}

static void match(const char *text, const char *re)
{
    regex_t r;
    assert_int_equal(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
    int rc = regexec(&r, text, 0, NULL, 0);
    regfree(&r);
    if (rc)
        fail_msg("\"%s\" does not match /%s/", text, re);
}

static void plain_lines_are_timestamped(void **s)
{
    (void)s;
    unsetenv("JOURNAL_STREAM");
    log_init();
    log_warning("plugin %s is slow", "entities");
    match(written(), "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:"
                     "[0-9]{2}\\.[0-9]{3}Z warning: plugin entities is "
                     "slow\n$");
}

static void another_files_stream_is_not_the_journal(void **s)
{
    (void)s;
    /* $JOURNAL_STREAM inherited from a parent whose stderr was the
     * journal, while ours is a file: no prefixes. */
    set_journal_stream(saved_stderr);
    struct stat a, b;
    fstat(saved_stderr, &a);
    fstat(STDERR_FILENO, &b);
    if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        skip();
    log_init();
    log_info("hello");
    match(written(), "^[0-9-]{10}T[0-9:.]{12}Z info: hello\n$");
    setenv("JOURNAL_STREAM", "garbage", 1);
    log_init();
    log_info("again");
    match(written(), "Z info: again\n$");
}

static void levels_and_one_event_per_line(void **s)
{
    (void)s;
    set_journal_stream(STDERR_FILENO);
    log_init();
    nd_log_level_t lv;
    assert_int_equal(log_parse_level("warning", &lv), 0);
    assert_int_equal(lv, ND_LOG_WARNING);
    assert_int_equal(log_parse_level("DEBUG", &lv), 0);
    assert_int_equal(lv, ND_LOG_DEBUG);
    assert_int_equal(log_parse_level("loud", &lv), -1);
    log_set_level(ND_LOG_WARNING);
    assert_int_equal(log_get_level(), ND_LOG_WARNING);
    log_info("dropped");
    log_notice("dropped too");
    log_error("two\nlines\rhere");
    log_set_level(ND_LOG_DEBUG);
    log_debug("now shown");
    assert_string_equal(written(), "<3>two lines here\n<7>now shown\n");
}

static void long_lines_are_cut_not_split(void **s)
{
    (void)s;
    set_journal_stream(STDERR_FILENO);
    log_init();
    char big[10000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    log_info("%s", big);
    const char *w = written();
    assert_int_equal(strchr(w, '\n') - w + 1, (long)strlen(w));
    assert_true(strlen(w) > 1000);
}

static void no_raw_control_bytes_or_forged_fields(void **s)
{
    (void)s;
    set_journal_stream(STDERR_FILENO);
    log_init();
    log_set_level(ND_LOG_DEBUG);
    const char *name = "a\"b\\c\x1b[2J\r\n\x07\xff\xc3\xa9.txt";
    char q[LOG_QUOTE_MAX];
    assert_string_equal(log_quote(name, q),
                        "a\\\"b\\\\c\\e[2J\\r\\n\\x07\\xFF\xc3\xa9.txt");
    log_info("file=\"%s\" plugin=x", q);
    char dash[LOG_QUOTE_MAX];
    assert_string_equal(log_quote(NULL, dash), "-");
    /* A message is checked as a whole too: what a plugin writes cannot
     * reach the terminal or the journal raw. */
    log_info("plugin says \x1b]0;title\x07 and \xfe");
    assert_string_equal(written(),
        "<6>file=\"a\\\"b\\\\c\\e[2J\\r\\n\\x07\\xFF\xc3\xa9.txt\" plugin=x\n"
        "<6>plugin says \\e]0;title\\x07 and \\xFE\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(journal_gets_priority_prefixes,
                                        redirect, restore),
        cmocka_unit_test_setup_teardown(plain_lines_are_timestamped,
                                        redirect, restore),
        cmocka_unit_test_setup_teardown(another_files_stream_is_not_the_journal,
                                        redirect, restore),
        cmocka_unit_test_setup_teardown(levels_and_one_event_per_line,
                                        redirect, restore),
        cmocka_unit_test_setup_teardown(long_lines_are_cut_not_split,
                                        redirect, restore),
        cmocka_unit_test_setup_teardown(no_raw_control_bytes_or_forged_fields,
                                        redirect, restore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
