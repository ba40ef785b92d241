/* `newsdesk search`: full-text search of the SQLite archive written by the
 * `sqlite` exporter. FTS5 query, ranked by bm25 (title weighs more than
 * text), with highlighted snippets, and filters by topic, entity, language
 * and date range; a table for people or JSON Lines for programs.
 *
 * The archive is the `path` of the configuration's first `sqlite` step,
 * or --db PATH. A relative `path` is taken from the current directory, as
 * the daemon takes it from its own: messages say where it leads. It is
 * opened read-only, so searching never blocks the daemon that writes it
 * (WAL mode). */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "options.h"
#include "paths.h"
#include "chain.h"

#define MAX_FILTERS 16
#define ARCHIVE_SCHEMA 2 /* the newest schema version this reader knows */

static const char search_usage[] =
    "usage: newsdesk search [-c FILE | --db PATH] [--topic T] [--entity [TYPE:]TEXT]\n"
    "                       [--lang CODE] [--since DATE] [--until DATE]\n"
    "                       [--limit N] [--json] QUERY...\n";

struct search {
    const char *config, *db;
    char *query;
    const char *topics[MAX_FILTERS];
    size_t ntopics;
    const char *entities[MAX_FILTERS];
    size_t nentities;
    const char *lang, *since, *until;
    long limit;
    int json;
};

/* YYYY, YYYY-MM, YYYY-MM-DD, optionally THH:MM[:SS][Z]: the prefixes of
 * the ISO 8601 dates the archive stores, compared as text. */
static int valid_date(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    size_t n = strlen(s);
    if (n < 4 || n > sizeof shape - 1)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
            return 0;
    }
    return n == 4 || n == 7 || n == 10 || n == 16 || n == 19 || n == 20;
}

static int parse_args(struct search *s, int argc, char **argv)
{
    size_t qlen = 0;
    s->limit = 10;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = !strcmp(a, "-c") || !strcmp(a, "--config") || !strcmp(a, "--db") ||
                    !strcmp(a, "--topic") || !strcmp(a, "--entity") ||
                    !strcmp(a, "--lang") || !strcmp(a, "--since") ||
                    !strcmp(a, "--until") || !strcmp(a, "--limit");
        if (takes && !val) {
            fprintf(stderr, "newsdesk search: %s needs a value\n%s", a, search_usage);
            return -1;
        }
        if (!strcmp(a, "-c") || !strcmp(a, "--config")) {
            s->config = val;
        } else if (!strcmp(a, "--db")) {
            s->db = val;
        } else if (!strcmp(a, "--topic") || !strcmp(a, "--entity")) {
            int topic = a[2] == 't';
            size_t *n = topic ? &s->ntopics : &s->nentities;
            if (*n == MAX_FILTERS) {
                fprintf(stderr, "newsdesk search: at most %d %s filters\n",
                        MAX_FILTERS, a + 2);
                return -1;
            }
            (topic ? s->topics : s->entities)[(*n)++] = val;
        } else if (!strcmp(a, "--lang")) {
            s->lang = val;
        } else if (!strcmp(a, "--since") || !strcmp(a, "--until")) {
            if (!valid_date(val)) {
                fprintf(stderr, "newsdesk search: %s \"%s\": expected a date such "
                        "as 2026-11-28 (or 2026-11, 2026-11-28T16:40)\n", a, val);
                return -1;
            }
            *(a[2] == 's' ? &s->since : &s->until) = val;
        } else if (!strcmp(a, "--limit")) {
            char *end;
            errno = 0;
            s->limit = strtol(val, &end, 10);
            if (errno || *end || s->limit < 1 || s->limit > 100000) {
                fprintf(stderr, "newsdesk search: --limit \"%s\": expected a "
                        "number from 1 to 100000\n", val);
                return -1;
            }
        } else if (!strcmp(a, "--json")) {
            s->json = 1;
            continue;
        } else if (a[0] == '-' && a[1] && strcmp(a, "--")) {
            fprintf(stderr, "newsdesk search: unknown option %s\n%s", a, search_usage);
            return -1;
        } else {
            if (!strcmp(a, "--") && ++i >= argc)
                break;
            a = argv[i];
            size_t n = strlen(a);
            char *q = realloc(s->query, qlen + n + 2);
            if (!q)
                return -1;
            s->query = q;
            if (qlen)
                q[qlen++] = ' ';
            memcpy(q + qlen, a, n + 1);
            qlen += n;
            continue;
        }
        i++;
    }
    if (!s->query || !*s->query) {
        fprintf(stderr, "newsdesk search: give a query\n%s", search_usage);
        return -1;
    }
    return 0;
}

/* The archive's path from the configuration's first `sqlite` step, and
 * the configuration file it is from (borrowed from config_find). */
static int archive_from_config(struct search *s, char **out,
                               const char **from)
{
    struct errlist errs = {0}, warns = {0};
    struct chain *p;
    const char *file = config_find(s->config);
    *from = file;
    int rc = chain_load(&p, file, &errs, &warns);
    if (rc < 0) {
        print_errors(&errs, "newsdesk: ");
        rc = EXIT_CONFIG;
    } else {
        rc = EXIT_CONFIG;
        for (size_t i = 0; i < chain_length(p); i++) {
            const struct step_config *st = chain_step(p, i);
            int idx = strcmp(st->plugin, "sqlite") ? -1 : opts_find(st->opts, "path");
            if (idx >= 0 && st->opts->v[idx].str) {
                *out = strdup(st->opts->v[idx].str);
                rc = 0;
                break;
            }
        }
        if (rc)
            fprintf(stderr, "newsdesk search: %s has no `sqlite` step, so there "
                    "is no archive to search; add one or give --db PATH\n",
                    file ? file : "the built-in configuration");
    }
    chain_free(p);
    errs_free(&errs);
    errs_free(&warns);
    return rc;
}

static int append(char **sql, size_t *len, const char *s)
{
    size_t n = strlen(s);
    char *p = realloc(*sql, *len + n + 1);
    if (!p)
        return -1;
    memcpy(p + *len, s, n + 1);
    *sql = p;
    *len += n;
    return 0;
}

/* The SQL for the query and filters; parameters are bound in the same
 * order by bind_all. */
static char *build_sql(const struct search *s, int hl_start)
{
    char *sql = NULL;
    size_t len = 0;
    int ok = append(&sql, &len,
        "SELECT d.id, d.title, coalesce(d.published, d.received), d.language, "
        "  bm25(documents_fts, 10.0, 1.0) AS score, ") == 0;
    ok = ok && append(&sql, &len, hl_start
        ? "  snippet(documents_fts, -1, char(27)||'[1m', char(27)||'[0m', '…', 16), "
        : "  snippet(documents_fts, -1, '[', ']', '…', 16), ") == 0;
    ok = ok && append(&sql, &len,
        "  (SELECT group_concat(coalesce(t.label, t.topic), '; ') FROM topics t "
        "     WHERE t.doc = d.rid AND t.list = 'topics'), d.name "
        "FROM documents_fts JOIN documents d ON d.rid = documents_fts.rowid "
        "WHERE documents_fts MATCH ?") == 0;
    if (s->lang)
        ok = ok && append(&sql, &len, " AND d.language = ?") == 0;
    if (s->since)
        ok = ok && append(&sql, &len, " AND coalesce(d.published, d.received) >= ?") == 0;
    if (s->until)
        /* Up to the end of the given day (or month, minute, ...). */
        ok = ok && append(&sql, &len,
            " AND substr(coalesce(d.published, d.received), 1, length(:until)) <= :until") == 0;
    for (size_t i = 0; i < s->ntopics; i++)
        ok = ok && append(&sql, &len,
            " AND EXISTS (SELECT 1 FROM topics t WHERE t.doc = d.rid AND "
            "(t.topic = ? OR substr(lower(t.label), 1, length(?)) = lower(?)))") == 0;
    for (size_t i = 0; i < s->nentities; i++)
        ok = ok && append(&sql, &len,
            " AND EXISTS (SELECT 1 FROM entities e WHERE e.doc = d.rid AND "
            "e.text = ? COLLATE NOCASE AND (? IS NULL OR e.type = ?))") == 0;
    ok = ok && append(&sql, &len, " ORDER BY score LIMIT ?") == 0;
    if (!ok) {
        free(sql);
        return NULL;
    }
    return sql;
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

static void bind_all(sqlite3_stmt *st, const struct search *s)
{
    int i = 1;
    sqlite3_bind_text(st, i++, s->query, -1, SQLITE_STATIC);
    if (s->lang)
        sqlite3_bind_text(st, i++, s->lang, -1, SQLITE_STATIC);
    if (s->since)
        sqlite3_bind_text(st, i++, s->since, -1, SQLITE_STATIC);
    if (s->until)
        sqlite3_bind_text(st, i++, s->until, -1, SQLITE_STATIC);
    for (size_t k = 0; k < s->ntopics; k++) {
        for (int r = 0; r < 3; r++)
            sqlite3_bind_text(st, i++, s->topics[k], -1, SQLITE_STATIC);
    }
    for (size_t k = 0; k < s->nentities; k++) {
        char type[32];
        const char *text;
        split_entity(s->entities[k], type, sizeof type, &text);
        sqlite3_bind_text(st, i++, text, -1, SQLITE_STATIC);
        if (*type) {
            sqlite3_bind_text(st, i++, type, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, i++, type, -1, SQLITE_TRANSIENT);
        } else {
            sqlite3_bind_null(st, i++);
            sqlite3_bind_null(st, i++);
        }
    }
    sqlite3_bind_int64(st, i, s->limit);
}

static const char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

/* Snippets come with the text's paragraph breaks; a table row wants one
 * line. */
static void print_flat(const char *s)
{
    for (; *s; s++)
        putchar(*s == '\n' || *s == '\t' ? ' ' : *s);
}

/* Print s cut to at most `width` code points, with … when cut. */
static void print_clipped(const char *s, int width)
{
    const char *p = s;
    int n = 0;
    while (*p && n < width) {
        p++;
        while ((*p & 0xC0) == 0x80)
            p++;
        n++;
    }
    if (!*p) {
        fputs(s, stdout);
        return;
    }
    /* Too long: keep width - 1 code points and the ellipsis. */
    const char *q = s;
    for (int k = 0; k < width - 1; k++) {
        q++;
        while ((*q & 0xC0) == 0x80)
            q++;
    }
    fwrite(s, 1, (size_t)(q - s), stdout);
    fputs("…", stdout);
}

static void print_row_json(sqlite3_stmt *st, int rank)
{
    json_t *o = json_object();
    json_object_set_new(o, "rank", json_integer(rank));
    json_object_set_new(o, "id", json_string(col(st, 0)));
    json_object_set_new(o, "title", sqlite3_column_type(st, 1) == SQLITE_NULL
                                        ? json_null() : json_string(col(st, 1)));
    json_object_set_new(o, "date", json_string(col(st, 2)));
    json_object_set_new(o, "language", sqlite3_column_type(st, 3) == SQLITE_NULL
                                           ? json_null() : json_string(col(st, 3)));
    json_object_set_new(o, "score", json_real(-sqlite3_column_double(st, 4)));
    json_object_set_new(o, "snippet", json_string(col(st, 5)));
    json_t *topics = json_array();
    char *t = strdup(col(st, 6));
    for (char *save, *tok = t ? strtok_r(t, ";", &save) : NULL; tok;
         tok = strtok_r(NULL, ";", &save))
        json_array_append_new(topics, json_string(tok + (*tok == ' ')));
    free(t);
    json_object_set_new(o, "topics", topics);
    json_object_set_new(o, "name", json_string(col(st, 7)));
    char *line = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
    if (line)
        puts(line);
    free(line);
    json_decref(o);
}

static void print_row_table(sqlite3_stmt *st, int rank)
{
    char date[11];
    snprintf(date, sizeof date, "%s", col(st, 2));
    if (rank == 1)
        printf("  #    score  date        lang title\n");
    printf("%3d  %7.2f  %-10s  %-3.3s ", rank, -sqlite3_column_double(st, 4), date,
           col(st, 3));
    print_clipped(*col(st, 1) ? col(st, 1) : col(st, 7), 60);
    printf("\n                ");
    print_flat(col(st, 5));
    if (*col(st, 6))
        printf("\n                topics: %s", col(st, 6));
    printf("\n                id %.16s…  %s\n", col(st, 0), col(st, 7));
}

/* A clear word about an archive that is missing or not ours. */
static int check_archive(sqlite3 *db, const char *path)
{
    sqlite3_stmt *q;
    int version = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        version = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    if (version < 0) {
        fprintf(stderr, "newsdesk search: %s: not an SQLite database: %s\n", path,
                sqlite3_errmsg(db));
        return -1;
    }
    if (version == 0) {
        fprintf(stderr, "newsdesk search: %s is not a newsdesk archive (no "
                "schema); the sqlite exporter creates it\n", path);
        return -1;
    }
    if (version > ARCHIVE_SCHEMA) {
        fprintf(stderr, "newsdesk search: %s has schema version %d, newer than "
                "this newsdesk reads (%d)\n", path, version, ARCHIVE_SCHEMA);
        return -1;
    }
    return 0;
}

int cmd_search(int argc, char **argv)
{
    struct search s = {0};
    if (parse_args(&s, argc, argv) < 0) {
        free(s.query);
        return EXIT_USAGE;
    }
    char *path = NULL;
    const char *config = NULL;
    int rc = 0;
    if (s.db)
        path = strdup(s.db);
    else
        rc = archive_from_config(&s, &path, &config);
    if (rc || !path) {
        free(s.query);
        return rc ? rc : EXIT_CONFIG;
    }
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char *sql = NULL;
    /* A path from the configuration, in messages: where a relative one
     * leads, and why. */
    char shown[3 * PATH_MAX];
    if (config)
        path_explained(path, config, shown, sizeof shown);
    else
        snprintf(shown, sizeof shown, "%s", path);
    if (access(path, F_OK) < 0) {
        if (errno != ENOENT)
            fprintf(stderr, "newsdesk search: cannot open %s: %s\n", shown,
                    strerror(errno));
        else if (!config)
            fprintf(stderr, "newsdesk search: no archive at %s: no such "
                    "file\n", shown);
        else
            fprintf(stderr, "newsdesk search: no archive at %s: the sqlite "
                    "step creates it with its first export%s\n", shown,
                    path_is_relative(path)
                        ? "; if the daemon runs in another folder, search "
                          "from that folder or make the path absolute"
                        : "");
        rc = EXIT_CONFIG;
        goto out;
    }
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "newsdesk search: cannot open %s: %s\n", shown,
                db ? sqlite3_errmsg(db) : "out of memory");
        rc = EXIT_CONFIG;
        goto out;
    }
    sqlite3_busy_timeout(db, 5000);
    if (check_archive(db, shown) < 0) {
        rc = EXIT_CONFIG;
        goto out;
    }
    int color = !s.json && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    sql = build_sql(&s, color);
    if (!sql || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "newsdesk search: %s: %s\n", shown, sqlite3_errmsg(db));
        rc = EXIT_CONFIG;
        goto out;
    }
    bind_all(st, &s);
    int rank = 0, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        rank++;
        if (s.json)
            print_row_json(st, rank);
        else
            print_row_table(st, rank);
    }
    if (step != SQLITE_DONE) {
        const char *msg = sqlite3_errmsg(db);
        if (strstr(msg, "fts5") || strstr(msg, "no such column"))
            fprintf(stderr, "newsdesk search: the query \"%s\" is not valid FTS5 "
                    "syntax (%s); put words with punctuation in double quotes, "
                    "as in '\"US-China\" talks'\n", s.query, msg);
        else
            fprintf(stderr, "newsdesk search: %s: %s\n", shown, msg);
        rc = strstr(msg, "fts5") || strstr(msg, "no such column") ? EXIT_USAGE
                                                                  : EXIT_CONFIG;
        goto out;
    }
    if (!s.json && rank == s.limit)
        printf("first %d matches (--limit %ld); there may be more\n", rank, s.limit);
    else if (!s.json)
        printf(rank ? "%d match%s\n" : "no matches\n", rank, rank == 1 ? "" : "es");
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(sql);
    free(path);
    free(s.query);
    return rc;
}
