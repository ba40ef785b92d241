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
 * An append-file exporter (lib/export/appendfile.h), like jsonl: rows are
 * whole or absent, a row is written at the flush that follows its
 * document's confirmation, and when `id` is a column, the ids already in
 * the file are read at start-up and a document among the last
 * `recent_ids` written is not appended again. This file supplies the
 * format: the header every file starts with, the rows, and the ids read
 * back from the `id` column. */
#include <errno.h>
#include <newsdesk/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/appendfile.h"
#include "export/valjson.h"

struct csv_format {
    char **columns;
    size_t ncolumns;
    int id_column;     /* index of the `id` column, or -1 */
    const char *join;  /* borrowed from the options */
};

/* ---- reading back: complete records and the ids in them ---------------- */

static size_t csv_scan(void *fmt, const char *data, size_t len,
                       struct idset *ids)
{
    const struct csv_format *c = fmt;
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
                idset_add(ids, id);
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

/* A value as people read it: a string as it is, null as nothing, anything
 * else as JSON (true, 42, 0.5, [...], {...}). */
static int put_value(struct buf *b, const nd_val_t *v)
{
    size_t n;
    switch (nd_val_type(v)) {
    case ND_VAL_NULL:
        return 0;
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
static int follow(const struct csv_format *c, const nd_val_t *v, const char *path,
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
static int column_value(const struct csv_format *c, nd_doc_t *doc, const char *path,
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

/* ---- the plugin --------------------------------------------------------- */

static int csv_record(void *fmt, nd_doc_t *doc, struct buf *row)
{
    const struct csv_format *c = fmt;
    struct buf cell = {0};
    int rc = 0;
    for (size_t i = 0; i < c->ncolumns && rc == 0; i++) {
        buf_clear(&cell);
        rc = column_value(c, doc, c->columns[i], &cell);
        if (rc == 0 && i)
            rc = buf_puts(row, ",");
        if (rc == 0)
            rc = put_field(row, cell.p ? cell.p : "", cell.n);
    }
    if (rc == 0)
        rc = buf_puts(row, "\r\n");
    buf_free(&cell);
    return rc < 0 ? -ENOMEM : 0;
}

static int csv_header(void *fmt, struct buf *row)
{
    const struct csv_format *c = fmt;
    for (size_t i = 0; i < c->ncolumns; i++)
        if ((i && buf_puts(row, ",") < 0) ||
            put_field(row, c->columns[i], strlen(c->columns[i])) < 0)
            return -ENOMEM;
    return buf_puts(row, "\r\n");
}

static void csv_free(void *fmt)
{
    struct csv_format *c = fmt;
    for (size_t i = 0; i < c->ncolumns; i++)
        free(c->columns[i]);
    free(c->columns);
    free(c);
}

static const struct appendfile_format csv_format = {
    .record = csv_record,
    .scan = csv_scan,
    .header = csv_header,
    .free = csv_free,
};

static int csv_init(nd_instance_t *self, const nd_opts_t *opts, void **state,
                    char *err, size_t errlen)
{
    struct csv_format *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    c->id_column = -1;
    c->join = nd_opt_str(opts, "join");
    const char *const *cols;
    size_t n = nd_opt_list(opts, "columns", &cols);
    if (!n) {
        snprintf(err, errlen, "columns: give at least one field path");
        csv_free(c);
        return -EINVAL;
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
            return -EINVAL;
        }
        c->columns[c->ncolumns++] = strdup(p);
        if (!strcmp(p, "id"))
            c->id_column = (int)i;
    }
    return appendfile_init(self, opts, &csv_format, c, state, err, errlen);
}

static const nd_option_t options[] = {
    {"path", ND_OPT_PATH, NULL, ND_OPT_REQUIRED, 0, 0, NULL,
     "file that receives one row per document"},
    {"columns", ND_OPT_STRLIST, "id, title, published, language.code, url", 0,
     0, 0, NULL,
     "field paths, one per column: title, topics[0].id, entities.PERSON, ..."},
    {"join", ND_OPT_STRING, "; ", 0, 0, 0, NULL,
     "separator between several values in one cell"},
    APPENDFILE_OPTIONS,
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
    .process = appendfile_process,
    .flush = appendfile_flush,
    .fini = appendfile_fini,
    .withdraw = appendfile_withdraw,
    .confirm = appendfile_confirm,
};

ND_PLUGIN(csv_plugin)
