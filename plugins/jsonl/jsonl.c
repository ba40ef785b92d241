/* jsonl: the exporter that appends each document as one line of JSON to a
 * file (JSON Lines), with rotation by size and age and an fsync policy.
 *
 * Every complete line in the file is a whole document: a short write is cut
 * back, and a partial last line left by a crash is removed when the file is
 * opened again (lib/export/appendlog.c). The file is an append log, so
 * idempotency comes from the ids it already holds: they are read when the
 * file is opened and a document whose id is among the last `recent_ids`
 * written to the current file is not written again (a retry after a failed
 * flush, or a re-run after a crash). The set is bounded so that a file
 * never rotated does not make it grow for ever: a document written again
 * after more than `recent_ids` others, or after its file was rotated away,
 * is appended again; readers of the files dedupe by `id`.
 *
 * A line is written at the flush that follows its document's confirmation
 * (the document went through the whole chain), not when the document
 * passes this step: a document that fails at a later step is withdrawn
 * and never appears in the file. Rotation is decided as lines are
 * written. */
#include <errno.h>
#include <newsdesk/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/appendlog.h"
#include "export/docjson.h"
#include "export/idset.h"
#include "export/transient.h"

struct jsonl {
    nd_instance_t *self;
    struct appendlog log;
    struct idset ids; /* the documents written last to the current file */
};

/* Every line is a document's JSON, its id at a fixed place (docjson.h),
 * so no JSON parsing is needed to collect it. */
static size_t scan_lines(const char *data, size_t len, void *ctx)
{
    struct idset *ids = ctx;
    size_t good = 0;
    while (good < len) {
        const char *nl = memchr(data + good, '\n', len - good);
        if (!nl)
            break;
        size_t n = (size_t)(nl - (data + good));
        const char *at = docjson_id(data + good, n);
        if (at) {
            char id[65];
            memcpy(id, at, 64);
            id[64] = '\0';
            idset_add(ids, id);
        }
        good += n + 1;
    }
    return good;
}

static int jsonl_init(nd_instance_t *self, const nd_opts_t *opts, void **state,
                      char *err, size_t errlen)
{
    struct jsonl *j = calloc(1, sizeof *j);
    if (!j) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    j->self = self;
    idset_init(&j->ids, (size_t)nd_opt_int(opts, "recent_ids"));
    j->log.fd = -1;
    j->log.path = strdup(nd_opt_str(opts, "path"));
    j->log.rotate_bytes = nd_opt_int(opts, "rotate_size");
    j->log.rotate_ms = nd_opt_int(opts, "rotate_interval");
    j->log.scan = scan_lines;
    j->log.scan_ctx = &j->ids;
    const char *fs = nd_opt_str(opts, "fsync");
    if (appendlog_parse_sync(fs, nd_durable(self), &j->log.sync,
                             &j->log.sync_interval_ms) < 0) {
        snprintf(err, errlen, "fsync: \"%s\" is not auto, flush, always, never "
                 "or an interval such as 500ms or 2s", fs);
        goto fail;
    }
    if (!j->log.path || appendlog_open(&j->log, err, errlen) < 0)
        goto fail;
    if (j->log.cut)
        nd_log(self, ND_LOG_WARNING, "%s: removed a partial record of %zu bytes "
               "left by an interrupted write", j->log.path, j->log.cut);
    *state = j;
    return 0;
fail:
    idset_free(&j->ids);
    free(j->log.path);
    free(j);
    return -1;
}

static nd_status_t jsonl_process(void *state, nd_doc_t *doc)
{
    struct jsonl *j = state;
    const char *id = nd_doc_id(doc);
    if (idset_has(&j->ids, id) || appendlog_staged(&j->log, id)) {
        nd_counter_add(j->self, "already_there", 1);
        return ND_SKIP;
    }
    size_t len;
    const char *json = nd_doc_json(doc, &len);
    char *line = json ? malloc(len + 1) : NULL;
    if (!line || (memcpy(line, json, len), line[len] = '\n',
                  appendlog_stage(&j->log, id, line, len + 1) < 0)) {
        free(line);
        nd_doc_error(doc, "out of memory");
        return ND_RETRY;
    }
    free(line);
    if (nd_host_abi_minor() < 2) /* a host that never confirms */
        appendlog_confirm(&j->log, id);
    return ND_OK;
}

static void jsonl_confirm(void *state, nd_doc_t *doc)
{
    struct jsonl *j = state;
    appendlog_confirm(&j->log, nd_doc_id(doc));
}

static nd_status_t jsonl_withdraw(void *state, nd_doc_t *doc)
{
    struct jsonl *j = state;
    if (appendlog_unstage(&j->log, nd_doc_id(doc)))
        nd_counter_add(j->self, "withdrawn", 1);
    return ND_OK;
}

/* A new file holds none of the ids of the one rotated away. */
static int start_file(struct appendlog *l, int rotated, void *ctx)
{
    struct jsonl *j = ctx;
    (void)l;
    if (rotated)
        idset_clear(&j->ids);
    return 0;
}

static void wrote(const char *id, void *ctx)
{
    struct jsonl *j = ctx;
    if (idset_add(&j->ids, id) < 0)
        nd_log(j->self, ND_LOG_WARNING, "out of memory: document %.16s may "
               "be appended again if it is exported again", id);
    nd_counter_add(j->self, "written", 1);
}

static nd_status_t jsonl_flush(void *state, int sync, char *err, size_t errlen)
{
    struct jsonl *j = state;
    struct appendlog_hooks h = {start_file, wrote, j};
    long rc = appendlog_commit(&j->log, &h);
    if (rc < 0) {
        snprintf(err, errlen, "cannot append to %s: %s", j->log.path, strerror((int)-rc));
        return export_transient((int)-rc) ? ND_RETRY : ND_FAIL;
    }
    rc = appendlog_flush(&j->log, sync);
    if (rc < 0) {
        snprintf(err, errlen, "cannot sync %s: %s", j->log.path, strerror((int)-rc));
        return export_transient((int)-rc) ? ND_RETRY : ND_FAIL;
    }
    return ND_OK;
}

static void jsonl_fini(void *state)
{
    struct jsonl *j = state;
    appendlog_close(&j->log);
    idset_free(&j->ids);
    free(j);
}

static const nd_option_t options[] = {
    {"path", ND_OPT_PATH, NULL, ND_OPT_REQUIRED, 0, 0, NULL,
     "file that receives one line per document"},
    {"rotate_size", ND_OPT_SIZE, "0", 0, 0, 0, NULL,
     "start a new file before this size is passed (0: never)"},
    {"rotate_interval", ND_OPT_DURATION, "0", 0, 0, 0, NULL,
     "start a new file when the current one is this old (0: never)"},
    {"fsync", ND_OPT_STRING, "auto", 0, 0, 0, NULL,
     "auto (follow service.durable), flush, always, never, or an interval "
     "such as 1s"},
    IDSET_OPTION,
    {0},
};

static const nd_plugin_t jsonl_plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "jsonl",
    .version = "1.0.0",
    .description = "appends each document as one line to a JSON Lines file",
    .role = ND_ROLE_EXPORTER,
    .flags = ND_PLUGIN_SERIAL,
    .options = options,
    .init = jsonl_init,
    .process = jsonl_process,
    .flush = jsonl_flush,
    .fini = jsonl_fini,
    .withdraw = jsonl_withdraw,
    .confirm = jsonl_confirm,
};

ND_PLUGIN(jsonl_plugin)
