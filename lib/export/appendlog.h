/* appendlog: an append-only output file for the line-oriented exporters
 * (jsonl, csv): whole records only, rotation by size and age, and the
 * fsync policy.
 *
 * A record is written with one write() and, if that comes up short (disk
 * full), the file is cut back to where the record began, so a reader never
 * meets half a record. A crash in the middle of a write can still leave a
 * partial tail; appendlog_open cuts it off before appending again. */
#ifndef ND_EXPORT_APPENDLOG_H
#define ND_EXPORT_APPENDLOG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum appendlog_sync {
    APPENDLOG_SYNC_FLUSH,    /* fdatasync when the host flushes with sync */
    APPENDLOG_SYNC_ALWAYS,   /* fdatasync after every record */
    APPENDLOG_SYNC_INTERVAL, /* at a flush, but at most once per interval */
    APPENDLOG_SYNC_NEVER     /* leave it to the kernel */
};

/* A record held back until its document is confirmed (it went through
 * the whole chain), then written at the next flush. */
struct appendlog_rec {
    char id[65];
    int confirmed;
    size_t len;
    char *rec;
};

/* Returns the length of the leading part of `data` made of complete
 * records, and sees each of them (to collect ids, say). */
typedef size_t (*appendlog_scan_fn)(const char *data, size_t len, void *ctx);

struct appendlog {
    char *path;
    int fd;
    off_t size;
    int64_t opened_ms;      /* wall clock when the current file was started */
    int64_t synced_ms;      /* last fdatasync */
    int dirty;              /* written since the last fdatasync */
    off_t synced_size;      /* the file's size at the last fdatasync */
    int sync_failed;        /* the last fdatasync failed */
    enum appendlog_sync sync;
    int64_t sync_interval_ms;
    int64_t rotate_bytes;   /* 0: never by size */
    int64_t rotate_ms;      /* 0: never by age */
    appendlog_scan_fn scan;
    void *scan_ctx;
    size_t cut;             /* bytes of a partial record removed at open */
    struct appendlog_rec *staged; /* in the order they were staged */
    size_t nstaged, staged_cap;
};

/* Parse the `fsync` option: "auto" (follow `durable`: batch → flush,
 * always → always, none → never), "flush", "always", "never", or an
 * interval such as "500ms", "2s", "1m". Returns 0 or -EINVAL. */
int appendlog_parse_sync(const char *opt, const char *durable,
                         enum appendlog_sync *sync, int64_t *interval_ms);

/* Open (creating it and its folders) the file at l->path, set up by the
 * caller with every field but fd, size and the sync state. The
 * existing content is passed to l->scan, and whatever follows the last
 * complete record is cut off (l->cut says how much, for the log). Returns
 * 0, or a negative errno with a reason in err. */
int appendlog_open(struct appendlog *l, char *err, size_t errlen);

/* Nonzero when the file has no records yet (for a header line). */
int appendlog_empty(const struct appendlog *l);

/* Rotate first if the file is due by size (with `len` more bytes) or age.
 * Returns 1 when a new file was started, 0 when not, or a negative errno. */
int appendlog_rotate_if_due(struct appendlog *l, size_t len);

/* Append one whole record. Returns 0, or a negative errno; the file is
 * then as it was before the call. */
int appendlog_write(struct appendlog *l, const char *rec, size_t len);

/* What a host flush asks: sync (if `sync` and the policy says so).
 * Returns 0 or a negative errno. */
int appendlog_flush(struct appendlog *l, int sync);

/* Staging: a record is not written when its document is exported but
 * when the document has gone through the whole chain, so that a document
 * that fails at a later step leaves nothing in an append-only file.
 * appendlog_stage takes the record rec[0..len), malloc'd, and frees it
 * once written or dropped (0; -ENOMEM, and rec is still the caller's);
 * appendlog_unstage drops it (1 when it was there);
 * appendlog_confirm marks it ready; appendlog_staged says whether `id`
 * waits. */
int appendlog_stage(struct appendlog *l, const char *id, char *rec,
                    size_t len);
int appendlog_unstage(struct appendlog *l, const char *id);
void appendlog_confirm(struct appendlog *l, const char *id);
int appendlog_staged(const struct appendlog *l, const char *id);

/* What appendlog_commit tells the exporter (each may be NULL). */
struct appendlog_hooks {
    /* A record is about to go into an empty file (a new one, or one just
     * started by a rotation: `rotated`), to write a header, say. Returns 0
     * or a negative errno. */
    int (*start)(struct appendlog *l, int rotated, void *ctx);
    /* The record of document `id` is in the file. */
    void (*wrote)(const char *id, void *ctx);
    void *ctx;
};

/* Write the confirmed records, in the order they were staged, each whole
 * (rotating first when due). Returns the number written, or a negative
 * errno: the records not written stay staged for the next call. */
long appendlog_commit(struct appendlog *l, const struct appendlog_hooks *h);

/* Close the file (syncing it unless the policy is `never`) and free.
 * Records still staged are dropped: their documents were not reported
 * done, and are exported again. */
void appendlog_close(struct appendlog *l);

#endif
