/* archive: the SQLite archive's schema, known here once. The `sqlite`
 * exporter writes archives with it and `newsdesk search` reads them.
 *
 * Tables: `documents` (a row per document id, with its full JSON and the
 * fields searched on), `entities` and `topics` (rows per document,
 * deleted with it: ON DELETE CASCADE, so a connection that writes needs
 * PRAGMA foreign_keys = ON), the FTS5 index `documents_fts` over title
 * and text (kept by triggers; English words stemmed by the porter
 * tokenizer, case and accents folded), and `newsdesk_flush` (the row an
 * exporter's flush updates). The schema is versioned by PRAGMA
 * user_version and migrated forward, never back.
 *
 * Errors: 0 or a negative errno (-EIO when SQLite refused, -EPROTO for an
 * archive newer than this newsdesk), with a reason in err. */
#ifndef ND_ARCHIVE_ARCHIVE_H
#define ND_ARCHIVE_ARCHIVE_H

#include <sqlite3.h>
#include <stddef.h>

/* The newest schema version; archive_migrate brings an archive to it. */
#define ARCHIVE_SCHEMA_VERSION 3

/* Register on db the SQL function the schema's statements use:
 * newsdesk_fold(text), an entity name folded as the text index folds
 * words (case, accents). archive_migrate, archive_prepare and
 * archive_search do it themselves. Returns 0 or -EIO. */
int archive_functions(sqlite3 *db);

/* The schema version of db: 0 for a database no newsdesk wrote, or -EIO
 * when it cannot be read (not an SQLite database, say). */
int archive_version(sqlite3 *db);

/* Run `sql` (one or more statements) on db. Returns 0, or -EIO with
 * "<path>: <SQLite's reason>" in err. */
int archive_exec(sqlite3 *db, const char *path, const char *sql, char *err,
                 size_t errlen);

/* Bring db's schema to ARCHIVE_SCHEMA_VERSION, each migration in its own
 * transaction, and put the version it found in *from (0: a new archive;
 * ARCHIVE_SCHEMA_VERSION: nothing to do). `path` names the archive in
 * messages. Returns 0, -EPROTO when the archive is newer than
 * ARCHIVE_SCHEMA_VERSION, or -EIO; a reason in err. */
int archive_migrate(sqlite3 *db, const char *path, int *from, char *err,
                    size_t errlen);

/* ---- writing ------------------------------------------------------------- */

/* The statements an exporter runs, prepared by archive_prepare. Every row
 * is taken from the document's JSON by SQL, so its JSON alone is enough
 * to write a document again. Parameters: ?1 the document's JSON; ?2 its
 * row id, which ARCHIVE_UPSERT returns; ?3 the JSON without its text
 * (ARCHIVE_HEAD makes it), which every field but the text is taken from
 * (SQLite copies a JSON argument for each json_extract in a statement:
 * on the whole document, a 30 MiB text would be copied a dozen times);
 * ?4 the text (ARCHIVE_TEXT takes it from the JSON). */
enum archive_stmt {
    ARCHIVE_HEAD,     /* ?1 → the JSON without $.text */
    ARCHIVE_TEXT,     /* ?1 → $.text */
    ARCHIVE_UPSERT,   /* ?1 ?3 ?4 → the row id (insert or replace by id) */
    ARCHIVE_DEL_ENT,  /* ?2: the document's entities go */
    ARCHIVE_DEL_TOP,  /* ?2: its topics and labels go */
    ARCHIVE_ENT,      /* ?2 ?3: its entities, from $.entities */
    ARCHIVE_TOP,      /* ?2 ?3: its topics and labels, from $.topics, $.labels */
    ARCHIVE_MARK,     /* newsdesk_flush records a flush */
    ARCHIVE_WITHDRAW, /* ?1 the id: the document and, by cascade, its rows */
    ARCHIVE_NSTMT
};

/* Prepare every statement of enum archive_stmt into st[], persistent.
 * Returns 0 or -EIO with a reason in err (st[] then holds what was
 * prepared: finalize it). */
int archive_prepare(sqlite3 *db, const char *path,
                    sqlite3_stmt *st[ARCHIVE_NSTMT], char *err, size_t errlen);

/* ---- searching ----------------------------------------------------------- */

/* A full-text search with filters, every one optional. With no `match`
 * the documents the filters keep come newest first. */
struct archive_query {
    const char *match;                /* an FTS5 query over title and text,
                                         or NULL */
    const char *const *topics;        /* a topic id or a label's prefix each */
    size_t ntopics;
    const char *const *entities;      /* "[TYPE:]TEXT" each, TEXT in any
                                         case, with or without accents */
    size_t nentities;
    const char *lang;                 /* a language code */
    const char *since, *until;        /* ISO 8601 prefixes, inclusive */
    long limit;
    int highlight;                    /* snippets mark matches with ANSI
                                         bold, else with [ ] */
};

/* The columns of a search's rows, best match first. */
enum archive_col {
    ARCHIVE_COL_ID,
    ARCHIVE_COL_TITLE,   /* NULL when the document has none */
    ARCHIVE_COL_DATE,    /* published, else received */
    ARCHIVE_COL_LANG,    /* NULL when unknown */
    ARCHIVE_COL_SCORE,   /* bm25, title weighing more: lower is better;
                            0 with no `match` */
    ARCHIVE_COL_SNIPPET, /* with no `match`: the text's first words */
    ARCHIVE_COL_TOPICS,  /* labels (or ids) joined by "; " */
    ARCHIVE_COL_NAME     /* the file it came from */
};

/* Prepare the search q on db with its parameters bound (q's strings must
 * outlive the statement); step it for the rows. Returns 0, -ENOMEM, or
 * -EIO with SQLite's reason in err. */
int archive_search(sqlite3 *db, const struct archive_query *q,
                   sqlite3_stmt **out, char *err, size_t errlen);

#endif
