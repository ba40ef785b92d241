/* appendfile: the exporter skeleton behind csv and jsonl, plugins that
 * append one record per document to a file.
 *
 * The skeleton does what they have in common: the options below, the
 * file (appendlog.h: whole records, a torn tail cut off at start-up,
 * rotation, the fsync policy), not writing a document twice (an id set
 * of the last `recent_ids` ids in the current file, read back from it at
 * start-up), and the two-step write of ABI 1.2: a record is staged when
 * its document passes the step, dropped if the document is withdrawn,
 * and written at the flush after its document is confirmed. A plugin
 * supplies only the format: how a document becomes a record, how the
 * records of an existing file are recognised, and what a new file starts
 * with. Calls the SDK, so it works only inside a plugin. */
#ifndef ND_EXPORT_APPENDFILE_H
#define ND_EXPORT_APPENDFILE_H

#include <newsdesk/plugin.h>
#include <stddef.h>

#include "base/buf.h"
#include "idset.h"

/* What a plugin supplies; `fmt` is its own data (columns, say). */
struct appendfile_format {
    /* Append the record of `doc`, line end included, to out. Returns 0 or
     * -ENOMEM. */
    int (*record)(void *fmt, nd_doc_t *doc, struct buf *out);
    /* The complete records at the start of data[0..len), an existing
     * file's content: add the id of each one's document to ids, and
     * return the length of the complete records (what follows is cut
     * off). */
    size_t (*scan)(void *fmt, const char *data, size_t len, struct idset *ids);
    /* Append what every file starts with (a header row) to out; NULL when
     * nothing. Returns 0 or -ENOMEM. */
    int (*header)(void *fmt, struct buf *out);
    /* Free fmt; NULL when there is nothing to free. */
    void (*free)(void *fmt);
};

/* The options of every append-file exporter, for the end of its option
 * table, after `path` and its own. */
#define APPENDFILE_OPTIONS                                                   \
    {"rotate_size", ND_OPT_SIZE, "0", 0, 0, 0, NULL,                         \
     "start a new file before this size is passed (0: never)"},              \
    {"rotate_interval", ND_OPT_DURATION, "0", 0, 0, 0, NULL,                 \
     "start a new file when the current one is this old (0: never)"},        \
    {"fsync", ND_OPT_STRING, "auto", 0, 0, 0, NULL,                          \
     "auto (follow service.durable), flush, always, never, or an interval "  \
     "such as 1s"},                                                          \
    IDSET_OPTION

/* The plugin's init, once it has made fmt from its own options: opens
 * the file at the `path` option (creating it and its folders) and reads
 * back the ids in it. On success *state is the instance's state, to be
 * passed to the functions below, and owns fmt. Returns 0, or a negative
 * errno with a reason in err (fmt is freed then too). */
int appendfile_init(nd_instance_t *self, const nd_opts_t *opts,
                    const struct appendfile_format *format, void *fmt,
                    void **state, char *err, size_t errlen);

/* The plugin descriptor's process, confirm, withdraw, flush and fini. */
nd_status_t appendfile_process(void *state, nd_doc_t *doc);
void appendfile_confirm(void *state, nd_doc_t *doc);
nd_status_t appendfile_withdraw(void *state, nd_doc_t *doc);
nd_status_t appendfile_flush(void *state, int sync, char *err, size_t errlen);
void appendfile_fini(void *state);

#endif
