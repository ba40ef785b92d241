/* libndexport: the append log (whole records, repair of
 * a torn tail, rotation, fsync policy parsing) and the id set. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export/appendlog.h"
#include "export/idset.h"
#include "testdir.h"

static char dir[64];

static int setup(void **st)
{
    (void)st;
    snprintf(dir, sizeof dir, "/tmp/nd-appendlog-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    return testdir_remove(dir);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 65536);
    *len = fread(buf, 1, 65535, f);
    fclose(f);
    return buf;
}

/* Complete records are lines; counts them. */
static size_t scan_lines(const char *data, size_t len, void *ctx)
{
    size_t good = 0;
    for (size_t i = 0; i < len; i++)
        if (data[i] == '\n') {
            good = i + 1;
            (*(int *)ctx)++;
        }
    return good;
}

static void open_log(struct appendlog *l, const char *name, int *count)
{
    char path[128], err[256] = "";
    snprintf(path, sizeof path, "%s/%s", dir, name);
    memset(l, 0, sizeof *l);
    l->path = strdup(path);
    l->fd = -1;
    l->sync = APPENDLOG_SYNC_FLUSH;
    l->scan = scan_lines;
    l->scan_ctx = count;
    assert_int_equal(appendlog_open(l, err, sizeof err), 0);
}

static void test_torn_tail_is_cut(void **st)
{
    (void)st;
    struct appendlog l;
    int count = 0;
    open_log(&l, "sub/folder/log.jsonl", &count);
    assert_true(appendlog_empty(&l));
    assert_int_equal(appendlog_write(&l, "one\n", 4), 0);
    assert_int_equal(appendlog_write(&l, "two\n", 4), 0);
    assert_int_equal(write(l.fd, "thr", 3), 3); /* a crash mid-record */
    assert_int_equal(appendlog_flush(&l, 1), 0);
    char *path = strdup(l.path);
    appendlog_close(&l);

    count = 0;
    open_log(&l, "sub/folder/log.jsonl", &count);
    assert_int_equal(count, 2);
    assert_int_equal((int)l.size, 8);
    assert_int_equal((int)l.cut, 3);
    assert_int_equal(appendlog_write(&l, "three\n", 6), 0);
    appendlog_close(&l);
    size_t len;
    char *data = slurp(path, &len);
    assert_int_equal(len, 14);
    assert_memory_equal(data, "one\ntwo\nthree\n", 14);
    free(data);
    free(path);
}

static void test_rotation_by_size(void **st)
{
    (void)st;
    struct appendlog l;
    int count = 0;
    open_log(&l, "rot.csv", &count);
    l.rotate_bytes = 10;
    int rotated = 0;
    for (int i = 0; i < 5; i++) {
        int rc = appendlog_rotate_if_due(&l, 6);
        assert_true(rc >= 0);
        rotated += rc;
        assert_int_equal(appendlog_write(&l, "abcde\n", 6), 0);
    }
    appendlog_close(&l);
    assert_int_equal(rotated, 4);
    DIR *d = opendir(dir);
    struct dirent *e;
    int files = 0, named = 0;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, "rot", 3)) {
            files++;
            /* rot-20261128T172300Z[-n].csv keeps the extension. */
            named += !strncmp(e->d_name, "rot-2", 5) &&
                     !strcmp(e->d_name + strlen(e->d_name) - 4, ".csv");
        }
    closedir(d);
    assert_int_equal(files, 5);
    assert_int_equal(named, 4);
}

static void test_parse_sync(void **st)
{
    (void)st;
    enum appendlog_sync s;
    int64_t ms;
    assert_int_equal(appendlog_parse_sync("auto", "batch", &s, &ms), 0);
    assert_int_equal(s, APPENDLOG_SYNC_FLUSH);
    assert_int_equal(appendlog_parse_sync("auto", "always", &s, &ms), 0);
    assert_int_equal(s, APPENDLOG_SYNC_ALWAYS);
    assert_int_equal(appendlog_parse_sync("auto", "none", &s, &ms), 0);
    assert_int_equal(s, APPENDLOG_SYNC_NEVER);
    assert_int_equal(appendlog_parse_sync("1.5s", "batch", &s, &ms), 0);
    assert_int_equal(s, APPENDLOG_SYNC_INTERVAL);
    assert_int_equal(ms, 1500);
    assert_int_equal(appendlog_parse_sync("2m", "batch", &s, &ms), 0);
    assert_int_equal(ms, 120000);
    assert_int_equal(appendlog_parse_sync("sometimes", "batch", &s, &ms), -EINVAL);
    assert_int_equal(appendlog_parse_sync("-1s", "batch", &s, &ms), -EINVAL);
    assert_int_equal(appendlog_parse_sync("5 parsecs", "batch", &s, &ms), -EINVAL);
}

static void hex_id(unsigned n, char out[65])
{
    for (int i = 0; i < 8; i++)
        snprintf(out + i * 8, 9, "%08x", n * 2654435761u + (unsigned)i);
}

static void test_idset(void **st)
{
    (void)st;
    struct idset s = {0};
    char id[65];
    for (unsigned i = 1; i <= 5000; i++) {
        hex_id(i, id);
        assert_int_equal(idset_add(&s, id), 1);
    }
    assert_int_equal(s.n, 5000);
    for (unsigned i = 1; i <= 5000; i++) {
        hex_id(i, id);
        assert_true(idset_has(&s, id));
        assert_int_equal(idset_add(&s, id), 0);
    }
    hex_id(6000, id);
    assert_false(idset_has(&s, id));
    /* Upper-case hex is the same id; anything else is not an id. */
    hex_id(7, id);
    for (char *p = id; *p; p++)
        if (*p >= 'a')
            *p = (char)(*p - 32);
    assert_true(idset_has(&s, id));
    assert_int_equal(idset_add(&s, "not an id"), -EINVAL);
    assert_int_equal(idset_add(&s, "0000000000000000000000000000000000000000000000000000000000000000"), -EINVAL);
    idset_clear(&s);
    hex_id(1, id);
    assert_false(idset_has(&s, id));
    idset_free(&s);
    assert_false(idset_has(&s, id));
}

/* Ids whose first 8 bytes (the hash) are all the same or fall into a few
 * values: long probe chains, for the evictions to shift. */
static void clustered_id(unsigned n, char out[65])
{
    hex_id(n, out);
    memcpy(out, n % 3 ? "00000000000000a1" : "00000000000003ff", 16);
}

/* Bounded: the set remembers the last `max` ids added, exactly, through
 * evictions that shift the hash table's slots back; checked against a
 * plain list of the most recent ids. */
static void keeps_the_most_recent(void (*make)(unsigned, char[65]))
{
    enum { MAX = 37, IDS = 300, ADDS = 20000 };
    struct idset s;
    idset_init(&s, MAX);
    unsigned recent[MAX]; /* what the set should hold, oldest first */
    size_t nrecent = 0;
    unsigned seed = 12345;
    char id[65];
    for (unsigned op = 0; op < ADDS; op++) {
        seed = seed * 1103515245u + 12345u;
        unsigned k = (seed >> 8) % IDS + 1;
        make(k, id);
        int there = 0;
        for (size_t i = 0; i < nrecent; i++)
            there |= recent[i] == k;
        assert_int_equal(idset_has(&s, id), there);
        assert_int_equal(idset_add(&s, id), there ? 0 : 1);
        if (!there) {
            if (nrecent == MAX)
                memmove(recent, recent + 1, --nrecent * sizeof *recent);
            recent[nrecent++] = k;
        }
        assert_int_equal(s.n, nrecent);
    }
    for (unsigned k = 1; k <= IDS; k++) {
        int there = 0;
        for (size_t i = 0; i < nrecent; i++)
            there |= recent[i] == k;
        make(k, id);
        assert_int_equal(idset_has(&s, id), there);
    }
    /* Never more than the bound, whatever is added. */
    for (unsigned k = 100000; k < 150000; k++) {
        make(k, id);
        assert_int_equal(idset_add(&s, id), 1);
    }
    assert_int_equal(s.n, MAX);
    assert_true(s.ring_cap <= MAX);
    assert_int_equal(s.cap, 1024); /* its first size: it never grew */
    make(149999, id);
    assert_true(idset_has(&s, id));
    make(149999 - MAX, id);
    assert_false(idset_has(&s, id));
    idset_clear(&s);
    assert_false(idset_has(&s, id));
    idset_free(&s);
    assert_int_equal(s.max, MAX);
}

static void test_idset_keeps_the_most_recent(void **st)
{
    (void)st;
    keeps_the_most_recent(hex_id);
    keeps_the_most_recent(clustered_id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_torn_tail_is_cut),
        cmocka_unit_test(test_rotation_by_size),
        cmocka_unit_test(test_parse_sync),
        cmocka_unit_test(test_idset),
        cmocka_unit_test(test_idset_keeps_the_most_recent),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
