/* dedupe: near-duplicate detection against the documents seen recently.
 *
 * Each document gets a 64-bit SimHash (Charikar) of its word shingles: a
 * rewritten lead or a changed dateline flips only a few bits, so two
 * versions of one wire story lie within a small Hamming distance while
 * unrelated texts differ in about half the bits. A document within
 * `distance` bits of one in the index gets `duplicate_of`, the earlier
 * document's id; with `drop: true` the chain also ends there (the file
 * still goes to done/, marked, and nothing is deleted).
 *
 * The index is bounded in entries and age and lives in a file that
 * survives restarts: a header, then fixed-size records appended as
 * documents arrive (synced at flush, before their inputs count as done),
 * rewritten compactly when it has grown to twice its bound. A record cut
 * short by a crash is dropped when the file is read.
 *
 * A document that fails after this step is withdrawn: its fingerprint
 * leaves the index at once (no later article is marked a duplicate of a
 * document that is in no sink), and the file is rewritten without it at
 * the next flush (one rewrite per batch, however many failed). */
#include <errno.h>
#include <fcntl.h>
#include <newsdesk/plugin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/hash.h"
#include "base/io.h"

#define MAGIC "NDDEDUP1"
#define MAX_WORD 64
#define MAX_SHINGLE 8

struct record {
    uint64_t hash;
    int64_t time; /* seconds since the epoch, when it was indexed */
    char id[64];  /* hex SHA-256, not NUL-terminated */
};

struct dedupe {
    nd_instance_t *self;
    char *path;
    int fd;
    int64_t distance, shingle, max_entries, max_age_s, min_words;
    int drop;
    pthread_mutex_t lock;
    struct record *ring; /* max_entries slots, oldest at head */
    size_t head, n;
    size_t file_records; /* records in the file, live or not */
    int dirty;           /* appended since the last sync */
    int withdrawn;       /* the file holds records taken out of the ring */
};

/* ---- SimHash ------------------------------------------------------------- */

static int word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c >= 0x80;
}

/* The SimHash of the k-word shingles of text (words lower-cased); *words
 * gets the word count. */
static uint64_t simhash(const char *text, size_t len, size_t k, size_t *words)
{
    int32_t v[64] = {0};
    uint64_t win[MAX_SHINGLE] = {0};
    size_t nw = 0, i = 0;
    while (i < len) {
        while (i < len && !word_byte((unsigned char)text[i]))
            i++;
        char w[MAX_WORD];
        size_t n = 0;
        while (i < len && word_byte((unsigned char)text[i])) {
            unsigned char c = (unsigned char)text[i++];
            if (n < MAX_WORD)
                w[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        if (!n)
            continue;
        win[nw % k] = hash_fnv1a(w, n, HASH_FNV1A_SEED);
        nw++;
        if (nw < k)
            continue;
        uint64_t h = 0x9E3779B97F4A7C15ULL;
        for (size_t j = nw - k; j < nw; j++)
            h = hash_mix(h ^ win[j % k]) + j - (nw - k);
        for (int b = 0; b < 64; b++)
            v[b] += (h >> b) & 1 ? 1 : -1;
    }
    *words = nw;
    uint64_t out = 0;
    for (int b = 0; b < 64; b++)
        if (v[b] > 0)
            out |= (uint64_t)1 << b;
    return out;
}

/* ---- the index ------------------------------------------------------------ */

static struct record *at(struct dedupe *d, size_t i)
{
    return &d->ring[(d->head + i) % (size_t)d->max_entries];
}

static void push(struct dedupe *d, const struct record *r)
{
    if (d->n == (size_t)d->max_entries) {
        d->head = (d->head + 1) % (size_t)d->max_entries;
        d->n--;
    }
    *at(d, d->n++) = *r;
}

static void expire(struct dedupe *d, int64_t now)
{
    while (d->n && at(d, 0)->time < now - d->max_age_s) {
        d->head = (d->head + 1) % (size_t)d->max_entries;
        d->n--;
    }
}

/* Replace the file with the live records (a new file renamed over it). */
static int rewrite(struct dedupe *d, char *err, size_t errlen)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", d->path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = fd < 0 ? -errno : write_all(fd, MAGIC, 8);
    for (size_t i = 0; rc == 0 && i < d->n; i++)
        rc = write_all(fd, at(d, i), sizeof(struct record));
    if (rc == 0 && fsync(fd) < 0)
        rc = -errno;
    if (fd >= 0 && close(fd) < 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, d->path) < 0)
        rc = -errno;
    if (rc < 0) {
        unlink(tmp);
        snprintf(err, errlen, "cannot write the index %s: %s", d->path, strerror(-rc));
        return -1;
    }
    int nfd = open(d->path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (nfd < 0) {
        snprintf(err, errlen, "cannot open the index %s: %s", d->path, strerror(errno));
        return -1;
    }
    if (d->fd >= 0)
        close(d->fd);
    d->fd = nfd;
    d->file_records = d->n;
    d->dirty = 0;
    return 0;
}

static int valid_id(const char *id)
{
    for (int i = 0; i < 64; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return 0;
    return 1;
}

/* Read the index file, keep what is within the bounds, and start a fresh
 * compact file. A missing file is an empty index. */
static int load(struct dedupe *d, char *err, size_t errlen)
{
    int rc = mkdir_parents(d->path);
    if (rc < 0) {
        snprintf(err, errlen, "cannot create the folder for the index %s: %s",
                 d->path, strerror(-rc));
        return -1;
    }
    int fd = open(d->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno != ENOENT) {
        snprintf(err, errlen, "cannot open the index %s: %s", d->path, strerror(errno));
        return -1;
    }
    if (fd >= 0) {
        char magic[8];
        ssize_t got = read(fd, magic, 8);
        if (got != 8 || memcmp(magic, MAGIC, 8)) {
            close(fd);
            snprintf(err, errlen, "%s is not a dedupe index (wrong header); "
                     "move it away or set another index path", d->path);
            return -1;
        }
        struct record r;
        ssize_t n;
        while ((n = read(fd, &r, sizeof r)) == (ssize_t)sizeof r)
            if (valid_id(r.id))
                push(d, &r);
        close(fd);
        if (n < 0) {
            snprintf(err, errlen, "cannot read the index %s: %s", d->path,
                     strerror(errno));
            return -1;
        }
        if (n > 0)
            nd_log(d->self, ND_LOG_WARNING, "index %s: dropped a record cut "
                   "short (the daemon stopped while writing it)", d->path);
    }
    expire(d, (int64_t)time(NULL));
    return rewrite(d, err, errlen);
}

static int dedupe_init(nd_instance_t *self, const nd_opts_t *opts,
                       void **state, char *err, size_t errlen)
{
    struct dedupe *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    d->self = self;
    d->fd = -1;
    d->path = strdup(nd_opt_str(opts, "index"));
    d->distance = nd_opt_int(opts, "distance");
    d->shingle = nd_opt_int(opts, "shingle");
    d->max_entries = nd_opt_int(opts, "max_entries");
    d->max_age_s = nd_opt_int(opts, "max_age") / 1000;
    d->min_words = nd_opt_int(opts, "min_words");
    d->drop = nd_opt_bool(opts, "drop");
    d->ring = calloc((size_t)d->max_entries, sizeof *d->ring);
    pthread_mutex_init(&d->lock, NULL);
    if (!d->path || !d->ring) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (load(d, err, errlen) < 0)
        goto fail;
    nd_log(self, ND_LOG_INFO, "index %s: %zu recent documents", d->path, d->n);
    *state = d;
    return 0;
fail:
    pthread_mutex_destroy(&d->lock);
    free(d->ring);
    free(d->path);
    free(d);
    return -1;
}

static nd_status_t dedupe_process(void *state, nd_doc_t *doc)
{
    struct dedupe *d = state;
    size_t len, words;
    const char *text = nd_doc_text(doc, &len);
    if (!text)
        return ND_SKIP;
    uint64_t h = simhash(text, len, (size_t)d->shingle, &words);
    if ((int64_t)words < d->min_words)
        return ND_SKIP; /* too short for a reliable fingerprint */
    const char *id = nd_doc_id(doc);
    struct record r = {.hash = h, .time = (int64_t)time(NULL)};
    memcpy(r.id, id, 64);

    pthread_mutex_lock(&d->lock);
    expire(d, r.time);
    const struct record *best = NULL;
    int best_dist = 65, seen = 0;
    for (size_t i = 0; i < d->n; i++) {
        const struct record *e = at(d, i);
        if (!memcmp(e->id, id, 64)) {
            seen = 1; /* the same bytes again: the same document */
            continue;
        }
        int dist = __builtin_popcountll(e->hash ^ h);
        if (dist <= d->distance && dist < best_dist)
            best = e, best_dist = dist;
    }
    char earlier[65] = "";
    if (best)
        memcpy(earlier, best->id, 64);
    nd_status_t rc = ND_OK;
    if (!best && !seen) {
        /* Only originals go in: a chain of small edits still points at
         * the first version. */
        int w = d->fd < 0 ? -EBADF : write_all(d->fd, &r, sizeof r);
        if (w < 0) {
            int e = -w;
            nd_doc_error(doc, "cannot append to the index %s: %s", d->path,
                         strerror(e));
            rc = e == ENOSPC || e == EIO || e == EDQUOT ? ND_RETRY : ND_FAIL;
        } else {
            push(d, &r);
            d->file_records++;
            d->dirty = 1;
        }
    }
    if (rc == ND_OK && d->file_records >= 2 * (size_t)d->max_entries) {
        char err[512];
        if (rewrite(d, err, sizeof err) < 0)
            nd_doc_log(doc, ND_LOG_WARNING, "%s", err);
    }
    pthread_mutex_unlock(&d->lock);
    if (rc != ND_OK || !best)
        return rc;

    nd_counter_add(d->self, "duplicates", 1);
    if (nd_doc_set_str(doc, "duplicate_of", earlier) < 0) {
        nd_doc_error(doc, "out of memory");
        return ND_RETRY;
    }
    nd_doc_log(doc, ND_LOG_INFO, "near-duplicate of %.16s (%d of 64 bits differ)",
               earlier, best_dist);
    if (d->drop) {
        char why[160];
        snprintf(why, sizeof why, "near-duplicate of %.16s, not exported "
                 "(dedupe drop: true)", earlier);
        if (nd_doc_stop(doc, why) < 0) {
            nd_doc_error(doc, "this newsdesk cannot end a chain early (it "
                         "predates plugin ABI 1.1); drop: true needs it");
            return ND_FAIL;
        }
    }
    return ND_OK;
}

static nd_status_t dedupe_withdraw(void *state, nd_doc_t *doc)
{
    struct dedupe *d = state;
    const char *id = nd_doc_id(doc);
    pthread_mutex_lock(&d->lock);
    size_t kept = 0;
    for (size_t i = 0; i < d->n; i++) {
        struct record *r = at(d, i);
        if (!memcmp(r->id, id, 64)) {
            d->withdrawn = 1;
            continue;
        }
        *at(d, kept++) = *r;
    }
    d->n = kept;
    pthread_mutex_unlock(&d->lock);
    return ND_OK;
}

static nd_status_t dedupe_flush(void *state, int sync, char *err, size_t errlen)
{
    struct dedupe *d = state;
    nd_status_t rc = ND_OK;
    pthread_mutex_lock(&d->lock);
    if (d->withdrawn) {
        if (rewrite(d, err, errlen) < 0)
            rc = ND_RETRY;
        else
            d->withdrawn = 0;
    }
    if (rc == ND_OK && sync && d->dirty && d->fd >= 0) {
        if (fdatasync(d->fd) < 0) {
            snprintf(err, errlen, "cannot sync the index %s: %s", d->path,
                     strerror(errno));
            rc = ND_RETRY;
        } else {
            d->dirty = 0;
        }
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

static void dedupe_fini(void *state)
{
    struct dedupe *d = state;
    char err[512];
    if (d->withdrawn && rewrite(d, err, sizeof err) < 0)
        nd_log(d->self, ND_LOG_WARNING, "%s", err);
    if (d->fd >= 0) {
        fdatasync(d->fd);
        close(d->fd);
    }
    pthread_mutex_destroy(&d->lock);
    free(d->ring);
    free(d->path);
    free(d);
}

static const nd_option_t options[] = {
    {"index", ND_OPT_PATH, "./var/dedupe.index", 0, 0, 0, NULL,
     "file holding the fingerprints of recent documents across restarts"},
    {"distance", ND_OPT_INT, "8", ND_OPT_RANGE, 0, 32, NULL,
     "most SimHash bits (of 64) in which a near-duplicate may differ"},
    {"shingle", ND_OPT_INT, "3", ND_OPT_RANGE, 1, MAX_SHINGLE, NULL,
     "words per shingle"},
    {"max_entries", ND_OPT_INT, "100000", ND_OPT_RANGE, 1, 10000000, NULL,
     "documents remembered; the oldest are forgotten first"},
    {"max_age", ND_OPT_DURATION, "72h", ND_OPT_RANGE, 1000, 31536000000.0, NULL,
     "documents older than this are forgotten"},
    {"min_words", ND_OPT_INT, "8", ND_OPT_RANGE, 1, 100000, NULL,
     "shorter documents are neither checked nor remembered"},
    {"drop", ND_OPT_BOOL, "false", 0, 0, 0, NULL,
     "end the chain at a duplicate: later steps (exporters) skip it; it "
     "still goes to done/, with duplicate_of set"},
    {0},
};

static const nd_plugin_t dedupe_plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "dedupe",
    .version = "1.0.0",
    .description = "marks near-duplicates of recent documents (SimHash over "
                   "word shingles, persistent index)",
    .role = ND_ROLE_PROCESSOR,
    .options = options,
    .init = dedupe_init,
    .process = dedupe_process,
    .flush = dedupe_flush,
    .fini = dedupe_fini,
    .withdraw = dedupe_withdraw,
};

ND_PLUGIN(dedupe_plugin)
