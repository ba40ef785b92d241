/* csv: the exporter that appends one row per document to a CSV file
 * (RFC 4180: comma-separated, CRLF line ends, fields quoted when they hold
 * a comma, quote, CR or LF, with quotes doubled).
 *
 * Columns are field paths into the document:
 *   title, language.code      a field, a member of an object
 *   topics[0].id              an element of a list
 *   topics.label              that member of every element, joined
 *   entities.PERSON           the `text` of every element whose `type` is
 *                             PERSON, joined (entities.ORG, ...)
 * Lists and objects left at the end of a path are written as JSON.
 *
 * The header is written once, when a file is started. Rows are whole or
 * absent (lib/export/appendlog.c); when `id` is a column, the ids already in
 * the file are read at start-up and a document among the last
 * `recent_ids` written is not appended again (as in jsonl).
 *
 * A row is written at the flush that follows its document's confirmation
 * (it went through the whole chain): a document that fails at a later
 * step is withdrawn and never gets a row. */
#include <errno.h>
#include <newsdesk/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/appendlog.h"
#include "export/idset.h"
#include "export/transient.h"
#include "export/valjson.h"

struct csv_out {
    nd_instance_t *self;
    struct appendlog log;
    char **columns;
    size_t ncolumns;
    int id_column;     /* index of the `id` column, or -1 */
    const char *join;
    struct idset ids;  /* the documents written last to the current file */
};

/* ---- reading back: complete records and the ids in them ---------------- */

static size_t scan_records(const char *data, size_t len, void *ctx)
{
    struct csv_out *c = ctx;
    size_t good = 0, i = 0, field = 0, field_start = 0;
    int quoted = 0, header = 1;
    while (i < len) {
        char ch = data[i];
        if (quoted) {
            if (ch == '"') {
                if (i + 1 < len && data[i + 1] == '"')
                    i++;
                else
                    quoted = 0;
            }
            i++;
            continue;
        }
        if (ch == '"') {
            quoted = 1;
        } else if (ch == ',' || ch == '\n') {
            if (!header && (int)field == c->id_column && i - field_start >= 64) {
                char id[65];
                memcpy(id, data + field_start, 64);
                id[64] = '\0';
                idset_add(&c->ids, id);
            }
            field++;
            field_start = i + 1;
            if (ch == '\n') {
                good = i + 1;
                field = 0;
                header = 0;
            }
        }
        i++;
    }
    return good;
}

/* ---- field paths ---------------------------------------------------------- */

/* A scalar as people read it; containers as JSON; null as nothing. */
static int put_value(struct buf *b, const nd_val_t *v)
{
    char tmp[64];
    size_t n;
    switch (nd_val_type(v)) {
    case ND_VAL_NULL:
        return 0;
    case ND_VAL_BOOL:
        return buf_puts(b, nd_val_as_bool(v) ? "true" : "false");
    case ND_VAL_INT:
        snprintf(tmp, sizeof tmp, "%lld", (long long)nd_val_as_int(v));
        return buf_puts(b, tmp);
    case ND_VAL_NUM:
        snprintf(tmp, sizeof tmp, "%.12g", nd_val_as_num(v));
        return buf_puts(b, tmp);
    case ND_VAL_STR: {
        const char *s = nd_val_as_str(v, &n);
        return buf_put(b, s, n);
    }
    default:
        return valjson_put(b, v);
    }
}

/* Follow `path` from `v`, appending what it reaches to b (several values
 * joined by c->join). Returns the number of values written, or -1. */
static int follow(const struct csv_out *c, const nd_val_t *v, const char *path,
                  struct buf *b, int written)
{
    if (!v)
        return written;
    if (!*path) {
        if (nd_val_type(v) == ND_VAL_NULL)
            return written;
        if (written && buf_puts(b, c->join) < 0)
            return -1;
        return put_value(b, v) < 0 ? -1 : written + 1;
    }
    if (*path == '.')
        path++;
    if (*path == '[') {
        char *end;
        unsigned long idx = strtoul(path + 1, &end, 10);
        const char *rest = *end == ']' ? end + 1 : end;
        if (nd_val_type(v) != ND_VAL_LIST)
            return written;
        return follow(c, nd_val_at(v, idx), rest, b, written);
    }
    size_t klen = strcspn(path, ".[");
    char key[128];
    if (klen >= sizeof key)
        return written;
    memcpy(key, path, klen);
    key[klen] = '\0';
    const char *rest = path + klen;
    if (nd_val_type(v) == ND_VAL_OBJ)
        return follow(c, nd_val_get(v, key), rest, b, written);
    if (nd_val_type(v) != ND_VAL_LIST)
        return written;
    for (size_t i = 0; i < nd_val_len(v) && written >= 0; i++) {
        const nd_val_t *el = nd_val_at(v, i);
        const nd_val_t *member = nd_val_get(el, key);
        if (member) {
            written = follow(c, member, rest, b, written);
            continue;
        }
        /* entities.PERSON: the elements of that type, by their text. */
        const nd_val_t *type = nd_val_get(el, "type");
        const char *t = nd_val_type(type) == ND_VAL_STR ? nd_val_as_str(type, NULL) : NULL;
        if (t && !strcmp(t, key))
            written = follow(c, *rest ? el : nd_val_get(el, "text"), rest, b, written);
    }
    return written;
}

/* The value a column names in the document. */
static int column_value(const struct csv_out *c, nd_doc_t *doc, const char *path,
                        struct buf *b)
{
    size_t flen = strcspn(path, ".[");
    char field[128];
    if (flen >= sizeof field)
        return 0;
    memcpy(field, path, flen);
    field[flen] = '\0';
    if (!strcmp(field, "id"))
        return buf_puts(b, nd_doc_id(doc));
    if (!strcmp(field, "text")) {
        size_t n;
        const char *t = nd_doc_text(doc, &n);
        return t ? buf_put(b, t, n) : 0;
    }
    if (!strcmp(field, "source")) {
        const char *key = path[flen] == '.' ? path + flen + 1 : "name";
        const char *s = nd_doc_source(doc, key);
        return s ? buf_puts(b, s) : 0;
    }
    return follow(c, nd_doc_get(doc, field), path + flen, b, 0) < 0 ? -1 : 0;
}

/* Append `s` as one RFC 4180 field. */
static int put_field(struct buf *row, const char *s, size_t n)
{
    if (!strpbrk(s, ",\"\r\n"))
        return buf_put(row, s, n);
    if (buf_puts(row, "\"") < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if ((s[i] == '"' && buf_puts(row, "\"") < 0) || buf_put(row, s + i, 1) < 0)
            return -1;
    return buf_puts(row, "\"");
}

static int header_row(const struct csv_out *c, struct buf *row)
{
    for (size_t i = 0; i < c->ncolumns; i++)
        if ((i && buf_puts(row, ",") < 0) ||
            put_field(row, c->columns[i], strlen(c->columns[i])) < 0)
            return -1;
    return buf_puts(row, "\r\n");
}

/* ---- the plugin --------------------------------------------------------- */

static void csv_free(struct csv_out *c)
{
    for (size_t i = 0; i < c->ncolumns; i++)
        free(c->columns[i]);
    free(c->columns);
    idset_free(&c->ids);
    free(c);
}

static int csv_init(nd_instance_t *self, const nd_opts_t *opts, void **state,
                    char *err, size_t errlen)
{
    struct csv_out *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->self = self;
    c->id_column = -1;
    c->join = nd_opt_str(opts, "join");
    const char *const *cols;
    size_t n = nd_opt_list(opts, "columns", &cols);
    if (!n) {
        snprintf(err, errlen, "columns: give at least one field path");
        csv_free(c);
        return -1;
    }
    c->columns = calloc(n, sizeof *c->columns);
    for (size_t i = 0; c->columns && i < n; i++) {
        const char *p = cols[i];
        if (!*p || strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             "0123456789_.[]") != strlen(p) || *p == '.' || *p == '[') {
            snprintf(err, errlen, "columns: \"%s\" is not a field path (expected "
                     "names, .member and [index], as in title, topics[0].id "
                     "or entities.PERSON)", p);
            csv_free(c);
            return -1;
        }
        c->columns[c->ncolumns++] = strdup(p);
        if (!strcmp(p, "id"))
            c->id_column = (int)i;
    }
    idset_init(&c->ids, (size_t)nd_opt_int(opts, "recent_ids"));
    c->log.fd = -1;
    c->log.path = strdup(nd_opt_str(opts, "path"));
    c->log.rotate_bytes = nd_opt_int(opts, "rotate_size");
    c->log.rotate_ms = nd_opt_int(opts, "rotate_interval");
    c->log.scan = scan_records;
    c->log.scan_ctx = c;
    const char *fs = nd_opt_str(opts, "fsync");
    if (appendlog_parse_sync(fs, nd_durable(self), &c->log.sync,
                             &c->log.sync_interval_ms) < 0) {
        snprintf(err, errlen, "fsync: \"%s\" is not auto, flush, always, never "
                 "or an interval such as 500ms or 2s", fs);
        free(c->log.path);
        csv_free(c);
        return -1;
    }
    if (!c->log.path || appendlog_open(&c->log, err, errlen) < 0) {
        free(c->log.path);
        csv_free(c);
        return -1;
    }
    if (c->log.cut)
        nd_log(self, ND_LOG_WARNING, "%s: removed a partial record of %zu bytes "
               "left by an interrupted write", c->log.path, c->log.cut);
    *state = c;
    return 0;
}

static nd_status_t csv_process(void *state, nd_doc_t *doc)
{
    struct csv_out *c = state;
    const char *id = nd_doc_id(doc);
    if (idset_has(&c->ids, id) || appendlog_staged(&c->log, id)) {
        nd_counter_add(c->self, "already_there", 1);
        return ND_SKIP;
    }
    struct buf row = {0}, cell = {0};
    int rc = 0;
    for (size_t i = 0; i < c->ncolumns && rc == 0; i++) {
        buf_clear(&cell);
        rc = column_value(c, doc, c->columns[i], &cell);
        if (rc == 0 && i)
            rc = buf_puts(&row, ",");
        if (rc == 0)
            rc = put_field(&row, cell.p ? cell.p : "", cell.n);
    }
    if (rc == 0)
        rc = buf_puts(&row, "\r\n");
    free(cell.p);
    if (rc < 0) {
        free(row.p);
        nd_doc_error(doc, "out of memory");
        return ND_RETRY;
    }
    if (appendlog_stage(&c->log, id, row.p, row.n) < 0) {
        free(row.p);
        nd_doc_error(doc, "out of memory");
        return ND_RETRY;
    }
    free(row.p);
    if (nd_host_abi_minor() < 2) /* a host that never confirms */
        appendlog_confirm(&c->log, id);
    return ND_OK;
}

static void csv_confirm(void *state, nd_doc_t *doc)
{
    struct csv_out *c = state;
    appendlog_confirm(&c->log, nd_doc_id(doc));
}

static nd_status_t csv_withdraw(void *state, nd_doc_t *doc)
{
    struct csv_out *c = state;
    if (appendlog_unstage(&c->log, nd_doc_id(doc)))
        nd_counter_add(c->self, "withdrawn", 1);
    return ND_OK;
}

/* Every file starts with the header; a new one holds none of the ids of
 * the one rotated away. */
static int start_file(struct appendlog *l, int rotated, void *ctx)
{
    struct csv_out *c = ctx;
    if (rotated)
        idset_clear(&c->ids);
    struct buf head = {0};
    if (header_row(c, &head) < 0)
        return -ENOMEM;
    int rc = appendlog_write(l, head.p, head.n);
    free(head.p);
    return rc;
}

static void wrote(const char *id, void *ctx)
{
    struct csv_out *c = ctx;
    idset_add(&c->ids, id);
    nd_counter_add(c->self, "written", 1);
}

static nd_status_t csv_flush(void *state, int sync, char *err, size_t errlen)
{
    struct csv_out *c = state;
    struct appendlog_hooks h = {start_file, wrote, c};
    long rc = appendlog_commit(&c->log, &h);
    if (rc < 0) {
        snprintf(err, errlen, "cannot append to %s: %s", c->log.path, strerror((int)-rc));
        return export_transient((int)-rc) ? ND_RETRY : ND_FAIL;
    }
    rc = appendlog_flush(&c->log, sync);
    if (rc < 0) {
        snprintf(err, errlen, "cannot sync %s: %s", c->log.path, strerror((int)-rc));
        return export_transient((int)-rc) ? ND_RETRY : ND_FAIL;
    }
    return ND_OK;
}

static void csv_fini(void *state)
{
    struct csv_out *c = state;
    appendlog_close(&c->log);
    csv_free(c);
}

static const nd_option_t options[] = {
    {"path", ND_OPT_PATH, NULL, ND_OPT_REQUIRED, 0, 0, NULL,
     "file that receives one row per document"},
    {"columns", ND_OPT_STRLIST, "id, title, published, language.code, url", 0,
     0, 0, NULL,
     "field paths, one per column: title, topics[0].id, entities.PERSON, ..."},
    {"join", ND_OPT_STRING, "; ", 0, 0, 0, NULL,
     "separator between several values in one cell"},
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

static const nd_plugin_t csv_plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "csv",
    .version = "1.0.0",
    .description = "appends one row per document to a CSV file (RFC 4180)",
    .role = ND_ROLE_EXPORTER,
    .flags = ND_PLUGIN_SERIAL,
    .options = options,
    .init = csv_init,
    .process = csv_process,
    .flush = csv_flush,
    .fini = csv_fini,
    .withdraw = csv_withdraw,
    .confirm = csv_confirm,
};

ND_PLUGIN(csv_plugin)
