/* archive: the full-text search that `newsdesk search` runs. */
#include "archive.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

/* The SQL for the query and filters; bind() binds the parameters in the
 * same order. NULL when out of memory. */
static char *search_sql(const struct archive_query *q)
{
    struct buf b = {0};
    int rc = buf_puts(&b,
        "SELECT d.id, d.title, coalesce(d.published, d.received), d.language, ");
    if (q->match) {
        rc |= buf_puts(&b, "  bm25(documents_fts, 10.0, 1.0) AS score, ");
        rc |= buf_puts(&b, q->highlight
            ? "  snippet(documents_fts, -1, char(27)||'[1m', char(27)||'[0m', '…', 16), "
            : "  snippet(documents_fts, -1, '[', ']', '…', 16), ");
    } else {
        /* No words to rank by or to show: the text's start. */
        rc |= buf_puts(&b,
            "  0.0 AS score, CASE WHEN length(d.text) > 100 "
            "    THEN substr(d.text, 1, 100) || '…' ELSE d.text END, ");
    }
    rc |= buf_puts(&b,
        "  (SELECT group_concat(coalesce(t.label, t.topic), '; ') FROM topics t "
        "     WHERE t.doc = d.rid AND t.list = 'topics'), d.name ");
    rc |= buf_puts(&b, q->match
        ? "FROM documents_fts JOIN documents d ON d.rid = documents_fts.rowid "
          "WHERE documents_fts MATCH ?"
        : "FROM documents d WHERE true");
    if (q->lang)
        rc |= buf_puts(&b, " AND d.language = ?");
    if (q->since)
        rc |= buf_puts(&b, " AND coalesce(d.published, d.received) >= ?");
    if (q->until)
        /* Up to the end of the given day (or month, minute, ...). */
        rc |= buf_puts(&b,
            " AND substr(coalesce(d.published, d.received), 1, length(:until)) <= :until");
    for (size_t i = 0; i < q->ntopics; i++)
        rc |= buf_puts(&b,
            " AND EXISTS (SELECT 1 FROM topics t WHERE t.doc = d.rid AND "
            "(t.topic = ? OR substr(lower(t.label), 1, length(?)) = lower(?)))");
    for (size_t i = 0; i < q->nentities; i++)
        rc |= buf_puts(&b,
            " AND EXISTS (SELECT 1 FROM entities e WHERE e.doc = d.rid AND "
            "e.folded = newsdesk_fold(?) AND (? IS NULL OR e.type = ?))");
    rc |= buf_puts(&b, q->match ? " ORDER BY score LIMIT ?"
                                : " ORDER BY coalesce(d.published, d.received) "
                                  "DESC, d.rid DESC LIMIT ?");
    if (rc) {
        buf_free(&b);
        return NULL;
    }
    return b.p;
}

/* "PERSON:Ada Lovelace" → type PERSON; "Ada Lovelace" → any type. */
static void split_entity(const char *arg, char *type, size_t typelen,
                         const char **text)
{
    size_t n = strspn(arg, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");
    *type = '\0';
    *text = arg;
    if (n && arg[n] == ':' && n < typelen) {
        memcpy(type, arg, n);
        type[n] = '\0';
        *text = arg + n + 1;
    }
}

static void bind(sqlite3_stmt *st, const struct archive_query *q)
{
    int i = 1;
    if (q->match)
        sqlite3_bind_text(st, i++, q->match, -1, SQLITE_STATIC);
    if (q->lang)
        sqlite3_bind_text(st, i++, q->lang, -1, SQLITE_STATIC);
    if (q->since)
        sqlite3_bind_text(st, i++, q->since, -1, SQLITE_STATIC);
    if (q->until)
        sqlite3_bind_text(st, i++, q->until, -1, SQLITE_STATIC);
    for (size_t k = 0; k < q->ntopics; k++) {
        for (int r = 0; r < 3; r++)
            sqlite3_bind_text(st, i++, q->topics[k], -1, SQLITE_STATIC);
    }
    for (size_t k = 0; k < q->nentities; k++) {
        char type[32];
        const char *text;
        split_entity(q->entities[k], type, sizeof type, &text);
        sqlite3_bind_text(st, i++, text, -1, SQLITE_STATIC);
        if (*type) {
            sqlite3_bind_text(st, i++, type, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, i++, type, -1, SQLITE_TRANSIENT);
        } else {
            sqlite3_bind_null(st, i++);
            sqlite3_bind_null(st, i++);
        }
    }
    sqlite3_bind_int64(st, i, q->limit);
}

int archive_search(sqlite3 *db, const struct archive_query *q,
                   sqlite3_stmt **out, char *err, size_t errlen)
{
    *out = NULL;
    if (archive_functions(db) < 0) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -EIO;
    }
    char *sql = search_sql(q);
    if (!sql) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    int rc = sqlite3_prepare_v2(db, sql, -1, out, NULL);
    free(sql);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -EIO;
    }
    bind(*out, q);
    return 0;
}
