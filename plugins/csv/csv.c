/* csv: the exporter that appends one row per document to a CSV file
 * (RFC 4180: comma-separated, CRLF line ends, fields quoted when they hold
 * the delimiter, a quote, CR or LF, with quotes doubled). For spreadsheets:
 * another delimiter (`;` where the comma is the decimal mark), a UTF-8
 * byte order mark (`bom`, without which Excel reads the file in the
 * local code page), a header of labels instead of field paths, and the
 * dates of `published` and `source.received` in one format.
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
#include <time.h>

#include "export/appendfile.h"
#include "export/valjson.h"

enum csv_dates { DATES_ISO, DATES_SPREADSHEET, DATES_DAY };

struct csv_format {
    char **columns;
    size_t ncolumns;
    int id_column;     /* index of the `id` column, or -1 */
    const char *join;  /* borrowed from the options */
    char delimiter;
    int bom;           /* the file starts with a UTF-8 byte order mark */
    int labels;        /* the header names columns by label, not by path */
    enum csv_dates dates;
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
        } else if (ch == c->delimiter || ch == '\n') {
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
    if (!strcmp(path, "source.received")) {
        time_t t = (time_t)nd_doc_received(doc);
        struct tm tm;
        char when[32];
        if (!t || !gmtime_r(&t, &tm))
            return 0;
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        return buf_puts(b, when);
    }
    if (!strcmp(field, "source")) {
        const char *key = path[flen] == '.' ? path + flen + 1 : "name";
        const char *s = nd_doc_source(doc, key);
        return s ? buf_puts(b, s) : 0;
    }
    return follow(c, nd_doc_get(doc, field), path + flen, b, 0) < 0 ? -1 : 0;
}

/* Is this column a date (of the document, or of its file's arrival)? */
static int is_date_column(const char *path)
{
    return !strcmp(path, "published") || !strcmp(path, "source.received");
}

/* A date as the `dates` option writes it, from ISO 8601 as documents hold
 * it: 2026-11-28T15:40:00Z, or 2026-11-28 for a day alone (midnight UTC
 * where a time is wanted). Anything else is left as it is. */
static int put_date(const struct csv_format *c, const char *s, size_t n,
                    struct buf *b)
{
    char out[32];
    int day = n == 10, full = n == 20 && s[10] == 'T' && s[19] == 'Z';
    if (!day && !full)
        return buf_put(b, s, n);
    switch (c->dates) {
    case DATES_DAY:
        return buf_put(b, s, 10);
    case DATES_SPREADSHEET:
        snprintf(out, sizeof out, "%.10s %.8s", s, full ? s + 11 : "00:00:00");
        return buf_puts(b, out);
    default:
        snprintf(out, sizeof out, "%.10sT%.8sZ", s, full ? s + 11 : "00:00:00");
        return buf_puts(b, out);
    }
}

/* Append `s` as one RFC 4180 field. */
static int put_field(const struct csv_format *c, struct buf *row, const char *s,
                     size_t n)
{
    if (!memchr(s, c->delimiter, n) && !strpbrk(s, "\"\r\n"))
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
    struct buf date = {0};
    for (size_t i = 0; i < c->ncolumns && rc == 0; i++) {
        buf_clear(&cell);
        rc = column_value(c, doc, c->columns[i], &cell);
        if (rc == 0 && cell.n && is_date_column(c->columns[i])) {
            buf_clear(&date);
            rc = put_date(c, cell.p, cell.n, &date);
            buf_clear(&cell);
            if (rc == 0)
                rc = buf_put(&cell, date.p, date.n);
        }
        if (rc == 0 && i)
            rc = buf_put(row, &c->delimiter, 1);
        if (rc == 0)
            rc = put_field(c, row, cell.p ? cell.p : "", cell.n);
    }
    buf_free(&date);
    if (rc == 0)
        rc = buf_puts(row, "\r\n");
    buf_free(&cell);
    return rc < 0 ? -ENOMEM : 0;
}

/* Labels for the columns people use most; other paths get theirs from
 * label_of. */
static const struct {
    const char *path, *label;
} known_labels[] = {
    {"id", "ID"},
    {"url", "URL"},
    {"language", "Language"},
    {"language.code", "Language"},
    {"source", "File"},
    {"source.name", "File"},
    {"source.received", "Received"},
    {"source.media_type", "Media type"},
    {"topics.label", "Topics"},
    {"topics.id", "Topic IDs"},
    {"topics[0].label", "Topic"},
    {"topics[0].id", "Topic ID"},
    {"labels.label", "Labels"},
    {"entities.PERSON", "People"},
    {"entities.ORG", "Organisations"},
    {"entities.LOC", "Places"},
    {"entities.DATE", "Dates"},
    {"entities.MONEY", "Amounts"},
    {"quotes.text", "Quotes"},
    {"stats.words", "Words"},
};

/* A column's label: from known_labels, else its path in words with a
 * capital ("byline" → "Byline", "topics[1].label" → "Topics 2 label"). */
static int label_of(const char *path, struct buf *b)
{
    for (size_t i = 0; i < sizeof known_labels / sizeof *known_labels; i++)
        if (!strcmp(path, known_labels[i].path))
            return buf_puts(b, known_labels[i].label);
    for (const char *p = path; *p; p++) {
        char ch = *p;
        if (ch == '[') { /* counted from 1 for people */
            char num[24], *end;
            snprintf(num, sizeof num, " %lu", strtoul(p + 1, &end, 10) + 1);
            if (buf_puts(b, num) < 0)
                return -1;
            p = *end == ']' ? end : end - 1;
            continue;
        }
        if (ch == '.' || ch == '_')
            ch = ' ';
        else if (p == path && ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        if (buf_put(b, &ch, 1) < 0)
            return -1;
    }
    return 0;
}

static int csv_header(void *fmt, struct buf *row)
{
    const struct csv_format *c = fmt;
    struct buf name = {0};
    int rc = c->bom ? buf_puts(row, "\xEF\xBB\xBF") : 0;
    for (size_t i = 0; i < c->ncolumns && rc == 0; i++) {
        buf_clear(&name);
        rc = c->labels ? label_of(c->columns[i], &name)
                       : buf_puts(&name, c->columns[i]);
        if (rc == 0 && i)
            rc = buf_put(row, &c->delimiter, 1);
        if (rc == 0)
            rc = put_field(c, row, name.p ? name.p : "", name.n);
    }
    buf_free(&name);
    if (rc == 0)
        rc = buf_puts(row, "\r\n");
    return rc < 0 ? -ENOMEM : 0;
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
    const char *delim = nd_opt_str(opts, "delimiter");
    if (!strcmp(delim, "tab"))
        delim = "\t";
    if (strlen(delim) != 1 || strchr("\"\r\n", *delim)) {
        snprintf(err, errlen, "delimiter: \"%s\" is not one character other "
                 "than a quote or a line break (write \",\", \";\", \"|\" or "
                 "tab)", delim);
        csv_free(c);
        return -EINVAL;
    }
    c->delimiter = *delim;
    c->bom = nd_opt_bool(opts, "bom");
    c->labels = !strcmp(nd_opt_str(opts, "header"), "labels");
    const char *dates = nd_opt_str(opts, "dates");
    c->dates = !strcmp(dates, "day")           ? DATES_DAY
               : !strcmp(dates, "spreadsheet") ? DATES_SPREADSHEET
                                               : DATES_ISO;
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

static const char *const header_choices[] = {"paths", "labels", NULL};
static const char *const dates_choices[] = {"iso", "spreadsheet", "day", NULL};

static const nd_option_t options[] = {
    {"path", ND_OPT_PATH, NULL, ND_OPT_REQUIRED, 0, 0, NULL,
     "file that receives one row per document"},
    {"columns", ND_OPT_STRLIST, "id, title, published, language.code, url", 0,
     0, 0, NULL,
     "field paths, one per column: title, topics[0].id, entities.PERSON, ..."},
    {"join", ND_OPT_STRING, "; ", 0, 0, 0, NULL,
     "separator between several values in one cell"},
    {"delimiter", ND_OPT_STRING, ",", 0, 0, 0, NULL,
     "separator between cells: one character (\";\" where the comma is the "
     "decimal mark, \"|\", or tab)"},
    {"bom", ND_OPT_BOOL, "false", 0, 0, 0, NULL,
     "start a new file with a UTF-8 byte order mark, so that Excel reads "
     "it as UTF-8"},
    {"header", ND_OPT_ENUM, "paths", 0, 0, 0, header_choices,
     "the header row: the columns' field paths (entities.PERSON), or labels "
     "for people (People)"},
    {"dates", ND_OPT_ENUM, "iso", 0, 0, 0, dates_choices,
     "published and source.received, always in one format: iso "
     "(2026-11-28T15:40:00Z), spreadsheet (2026-11-28 15:40:00, UTC) or day "
     "(2026-11-28); a date alone is midnight UTC where a time is written"},
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
