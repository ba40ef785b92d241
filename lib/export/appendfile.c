/* appendfile: the append-file exporter skeleton (csv, jsonl). */
#include "appendfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appendlog.h"
#include "transient.h"

struct appendfile {
    nd_instance_t *self;
    struct appendlog log;
    struct idset ids; /* the documents written last to the current file */
    const struct appendfile_format *format;
    void *fmt;
};

static void appendfile_free(struct appendfile *af)
{
    appendlog_close(&af->log);
    idset_free(&af->ids);
    if (af->format->free)
        af->format->free(af->fmt);
    free(af);
}

static size_t scan(const char *data, size_t len, void *ctx)
{
    struct appendfile *af = ctx;
    return af->format->scan(af->fmt, data, len, &af->ids);
}

int appendfile_init(nd_instance_t *self, const nd_opts_t *opts,
                    const struct appendfile_format *format, void *fmt,
                    void **state, char *err, size_t errlen)
{
    struct appendfile *af = calloc(1, sizeof *af);
    if (!af) {
        if (format->free)
            format->free(fmt);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    af->self = self;
    af->format = format;
    af->fmt = fmt;
    idset_init(&af->ids, (size_t)nd_opt_int(opts, "recent_ids"));
    af->log.fd = -1;
    af->log.path = strdup(nd_opt_str(opts, "path"));
    af->log.rotate_bytes = nd_opt_int(opts, "rotate_size");
    af->log.rotate_ms = nd_opt_int(opts, "rotate_interval");
    af->log.scan = scan;
    af->log.scan_ctx = af;
    const char *fs = nd_opt_str(opts, "fsync");
    int rc = appendlog_parse_sync(fs, nd_durable(self), &af->log.sync,
                                  &af->log.sync_interval_ms);
    if (rc < 0) {
        snprintf(err, errlen, "fsync: \"%s\" is not auto, flush, always, never "
                 "or an interval such as 500ms or 2s", fs);
    } else if (!af->log.path) {
        rc = -ENOMEM;
        snprintf(err, errlen, "out of memory");
    } else {
        rc = appendlog_open(&af->log, err, errlen);
    }
    if (rc < 0) {
        appendfile_free(af);
        return rc;
    }
    if (af->log.cut)
        nd_log(self, ND_LOG_WARNING, "%s: removed a partial record of %zu bytes "
               "left by an interrupted write", af->log.path, af->log.cut);
    *state = af;
    return 0;
}

nd_status_t appendfile_process(void *state, nd_doc_t *doc)
{
    struct appendfile *af = state;
    const char *id = nd_doc_id(doc);
    if (idset_has(&af->ids, id) || appendlog_staged(&af->log, id)) {
        nd_counter_add(af->self, "already_there", 1);
        return ND_SKIP;
    }
    struct buf rec = {0};
    if (af->format->record(af->fmt, doc, &rec) < 0) {
        buf_free(&rec);
        nd_doc_error(doc, "out of memory");
        return ND_RETRY;
    }
    /* Staged records may wait for a whole batch: keep them no larger
     * than they are. */
    char *fit = realloc(rec.p, rec.n + 1);
    if (fit)
        rec.p = fit;
    if (appendlog_stage(&af->log, id, rec.p, rec.n) < 0) {
        buf_free(&rec);
        nd_doc_error(doc, "out of memory");
        return ND_RETRY;
    }
    if (nd_host_abi_minor() < 2) /* a host that never confirms */
        appendlog_confirm(&af->log, id);
    return ND_OK;
}

void appendfile_confirm(void *state, nd_doc_t *doc)
{
    struct appendfile *af = state;
    appendlog_confirm(&af->log, nd_doc_id(doc));
}

nd_status_t appendfile_withdraw(void *state, nd_doc_t *doc)
{
    struct appendfile *af = state;
    if (appendlog_unstage(&af->log, nd_doc_id(doc)))
        nd_counter_add(af->self, "withdrawn", 1);
    return ND_OK;
}

/* A new file holds none of the ids of the one rotated away, and starts
 * with the format's header. */
static int start_file(struct appendlog *l, int rotated, void *ctx)
{
    struct appendfile *af = ctx;
    if (rotated)
        idset_clear(&af->ids);
    if (!af->format->header)
        return 0;
    struct buf head = {0};
    int rc = af->format->header(af->fmt, &head);
    if (rc == 0)
        rc = appendlog_write(l, head.p, head.n);
    buf_free(&head);
    return rc;
}

static void wrote(const char *id, void *ctx)
{
    struct appendfile *af = ctx;
    if (idset_add(&af->ids, id) < 0)
        nd_log(af->self, ND_LOG_WARNING, "out of memory: document %.16s may "
               "be appended again if it is exported again", id);
    nd_counter_add(af->self, "written", 1);
}

nd_status_t appendfile_flush(void *state, int sync, char *err, size_t errlen)
{
    struct appendfile *af = state;
    struct appendlog_hooks h = {start_file, wrote, af};
    long rc = appendlog_commit(&af->log, &h);
    if (rc < 0) {
        snprintf(err, errlen, "cannot append to %s: %s", af->log.path,
                 strerror((int)-rc));
        return export_transient((int)-rc) ? ND_RETRY : ND_FAIL;
    }
    rc = appendlog_flush(&af->log, sync);
    if (rc < 0) {
        snprintf(err, errlen, "cannot sync %s: %s", af->log.path,
                 strerror((int)-rc));
        return export_transient((int)-rc) ? ND_RETRY : ND_FAIL;
    }
    return ND_OK;
}

void appendfile_fini(void *state)
{
    appendfile_free(state);
}
