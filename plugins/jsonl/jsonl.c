/* jsonl: the exporter that appends each document as one line of JSON to a
 * file (JSON Lines), with rotation by size and age and an fsync policy.
 *
 * An append-file exporter (lib/export/appendfile.h): every complete line
 * in the file is a whole document, a line is written at the flush that
 * follows its document's confirmation, and a document whose id is among
 * the last `recent_ids` written to the current file is not written again
 * (a retry after a failed flush, or a re-run after a crash). A document
 * written again after more than `recent_ids` others, or after its file
 * was rotated away, is appended again; readers of the files dedupe by
 * `id`. This file supplies the format: the document's JSON and a line
 * end, and the ids read back from the lines. */
#include <errno.h>
#include <newsdesk/plugin.h>
#include <string.h>

#include "export/appendfile.h"
#include "export/docjson.h"

static int jsonl_record(void *fmt, nd_doc_t *doc, struct buf *out)
{
    (void)fmt;
    size_t len;
    const char *json = nd_doc_json(doc, &len);
    if (!json || buf_put(out, json, len) < 0 || buf_putc(out, '\n') < 0)
        return -ENOMEM;
    return 0;
}

/* Every line is a document's JSON, its id at a fixed place (docjson.h),
 * so no JSON parsing is needed to collect it. */
static size_t jsonl_scan(void *fmt, const char *data, size_t len,
                         struct idset *ids)
{
    (void)fmt;
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

static const struct appendfile_format jsonl_format = {
    .record = jsonl_record,
    .scan = jsonl_scan,
};

static int jsonl_init(nd_instance_t *self, const nd_opts_t *opts, void **state,
                      char *err, size_t errlen)
{
    return appendfile_init(self, opts, &jsonl_format, NULL, state, err, errlen);
}

static const nd_option_t options[] = {
    {"path", ND_OPT_PATH, NULL, ND_OPT_REQUIRED, 0, 0, NULL,
     "file that receives one line per document"},
    APPENDFILE_OPTIONS,
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
    .process = appendfile_process,
    .flush = appendfile_flush,
    .fini = appendfile_fini,
    .withdraw = appendfile_withdraw,
    .confirm = appendfile_confirm,
};

ND_PLUGIN(jsonl_plugin)
