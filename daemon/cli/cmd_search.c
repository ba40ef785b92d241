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

#include "archive/archive.h"
#include "commands.h"
#include "options.h"
#include "paths.h"
#include "chain.h"
#include "taxtopics.h"

#define MAX_FILTERS 16

static const char search_usage[] =
    "usage: newsdesk search [-c FILE | --db PATH] [--topic T] [--entity [TYPE:]TEXT]\n"
    "                       [--lang CODE] [--since DATE] [--until DATE]\n"
    "                       [--limit N] [--json] [QUERY...]\n";

static const char search_help[] =
    "\n"
    "Full-text search of the SQLite archive that the sqlite exporter writes.\n"
    "QUERY is FTS5 syntax: words (all must match), OR, NOT, \"exact phrase\",\n"
    "prefix*, title: word; English words match their other forms (flood finds\n"
    "floods, flooding), case and accents are ignored. Matches are ranked by\n"
    "bm25, a match in the title weighing more than one in the text. Every\n"
    "filter given must hold; with filters and no QUERY, the documents they\n"
    "keep come newest first.\n"
    "\n"
    HELP_CONFIG
    "      --db PATH       the archive, instead of the path of the\n"
    "                      configuration's first sqlite step\n"
    "      --topic T       a topic id, or the start of its label (economy),\n"
    "                      of the taxonomy of the configuration's topics\n"
    "                      step; up to 16\n"
    "      --entity [TYPE:]TEXT\n"
    "                      an entity's text, any case, accents or not,\n"
    "                      optionally with its type (PERSON:\"Xi Jinping\",\n"
    "                      LOC:rotterdam); up to 16\n"
    "      --lang CODE     the language code (en)\n"
    "      --since DATE    published (else received) on or after DATE: 2026,\n"
    "                      2026-03, 2026-03-10 or 2026-03-10T14:00\n"
    "      --until DATE    published (else received) on or before DATE\n"
    "      --limit N       at most N matches, 1 to 100000 (default 10)\n"
    "      --json          one JSON object per match\n"
    HELP_HELP
    "\n"
    "Exit status: 0 ok (with or without matches), 2 usage error, a query that\n"
    "is not valid FTS5 or a topic the taxonomy does not have, 78 no archive,\n"
    "or a configuration error.\n";

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

/* The two digits at s as a number. */
static int two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* YYYY, YYYY-MM, YYYY-MM-DD, optionally THH:MM[:SS][Z]: the prefixes of
 * the ISO 8601 dates the archive stores, compared as text; each part in
 * its range (no month 13, no 31 April, no hour 24). */
static int valid_date(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    size_t n = strlen(s);
    if (n < 4 || n > sizeof shape - 1)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
            return 0;
    }
    if (n != 4 && n != 7 && n != 10 && n != 16 && n != 19 && n != 20)
        return 0;
    int year = atoi(s), month = n >= 7 ? two(s + 5) : 1, day = n >= 10 ? two(s + 8) : 1;
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month < 1 || month > 12 || day < 1 || day > days[month - 1] ||
        (month == 2 && day == 29 && !leap))
        return 0;
    return n < 16 || (two(s + 11) < 24 && two(s + 14) < 60 &&
                      (n < 19 || two(s + 17) < 60));
}

static int parse_args(struct search *s, int argc, char **argv)
{
    size_t qlen = 0;
    s->limit = 10;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (is_help(a))
            return 1;
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
    if ((!s->query || !*s->query) && !s->ntopics && !s->nentities && !s->lang &&
        !s->since && !s->until) {
        fprintf(stderr, "newsdesk search: give a query, a filter or both\n%s",
                search_usage);
        return -1;
    }
    return 0;
}

/* Every --topic must name a topic of the taxonomy the configuration's
 * topics step files documents under (a misspelt one would find nothing,
 * silently). Without a topics step, or when its taxonomy cannot be read,
 * nothing is checked (a warning says why for the latter). Returns 0 or -1
 * after saying which topic is unknown. */
static int check_topics(const struct search *s)
{
    if (!s->ntopics)
        return 0;
    struct errlist errs = {0}, warns = {0};
    struct chain *p;
    int rc = 0;
    if (chain_load(&p, config_find(s->config), &errs, &warns) == 0) {
        const char *file = taxtopics_file(p);
        struct taxtopics t = {0};
        char err[PATH_MAX + 128];
        if (file && taxtopics_load(&t, file, err, sizeof err) < 0) {
            fprintf(stderr, "newsdesk search: warning: --topic is not checked: "
                    "%s\n", err);
        } else if (file) {
            for (size_t i = 0; i < s->ntopics; i++) {
                if (taxtopics_has(&t, s->topics[i]))
                    continue;
                fprintf(stderr, "newsdesk search: --topic \"%s\": no topic of %s "
                        "has that id or a label starting with it (ids such as "
                        "%s, labels such as \"%s\")\n", s->topics[i], file,
                        t.n ? t.ids[0] : "?",
                        t.n && t.labels[0] ? t.labels[0] : "?");
                rc = -1;
            }
        }
        taxtopics_free(&t);
    }
    chain_free(p);
    errs_free(&errs);
    errs_free(&warns);
    return rc;
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

/* A column as JSON text, or null for SQL NULL. */
static json_t *json_col(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? json_null()
                                                    : json_string(col(st, i));
}

static void print_row_json(sqlite3_stmt *st, int rank)
{
    json_t *o = json_object();
    json_object_set_new(o, "rank", json_integer(rank));
    json_object_set_new(o, "id", json_string(col(st, ARCHIVE_COL_ID)));
    json_object_set_new(o, "title", json_col(st, ARCHIVE_COL_TITLE));
    json_object_set_new(o, "date", json_string(col(st, ARCHIVE_COL_DATE)));
    json_object_set_new(o, "language", json_col(st, ARCHIVE_COL_LANG));
    json_object_set_new(o, "score",
                        json_real(-sqlite3_column_double(st, ARCHIVE_COL_SCORE)));
    json_object_set_new(o, "snippet", json_string(col(st, ARCHIVE_COL_SNIPPET)));
    json_t *topics = json_array();
    char *t = strdup(col(st, ARCHIVE_COL_TOPICS));
    for (char *save, *tok = t ? strtok_r(t, ";", &save) : NULL; tok;
         tok = strtok_r(NULL, ";", &save))
        json_array_append_new(topics, json_string(tok + (*tok == ' ')));
    free(t);
    json_object_set_new(o, "topics", topics);
    json_object_set_new(o, "name", json_string(col(st, ARCHIVE_COL_NAME)));
    char *line = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
    if (line)
        puts(line);
    free(line);
    json_decref(o);
}

static void print_row_table(sqlite3_stmt *st, int rank)
{
    const char *title = col(st, ARCHIVE_COL_TITLE), *name = col(st, ARCHIVE_COL_NAME);
    const char *topics = col(st, ARCHIVE_COL_TOPICS);
    char date[11];
    snprintf(date, sizeof date, "%s", col(st, ARCHIVE_COL_DATE));
    if (rank == 1)
        printf("  #    score  date        lang title\n");
    printf("%3d  %7.2f  %-10s  %-3.3s ", rank,
           -sqlite3_column_double(st, ARCHIVE_COL_SCORE), date,
           col(st, ARCHIVE_COL_LANG));
    print_clipped(*title ? title : name, 60);
    printf("\n                ");
    print_flat(col(st, ARCHIVE_COL_SNIPPET));
    if (*topics)
        printf("\n                topics: %s", topics);
    printf("\n                id %.16s…  %s\n", col(st, ARCHIVE_COL_ID), name);
}

/* A clear word about an archive that is missing or not ours. */
static int check_archive(sqlite3 *db, const char *path)
{
    int version = archive_version(db);
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
    if (version > ARCHIVE_SCHEMA_VERSION) {
        fprintf(stderr, "newsdesk search: %s has schema version %d, newer than "
                "this newsdesk reads (%d)\n", path, version, ARCHIVE_SCHEMA_VERSION);
        return -1;
    }
    return 0;
}

int cmd_search(int argc, char **argv)
{
    struct search s = {0};
    int parsed = parse_args(&s, argc, argv);
    if (parsed != 0) {
        free(s.query);
        if (parsed < 0)
            return EXIT_USAGE;
        printf("%s%s", search_usage, search_help);
        return 0;
    }
    if (check_topics(&s) < 0) {
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
    struct archive_query q = {
        .match = s.query && *s.query ? s.query : NULL,
        .topics = s.topics, .ntopics = s.ntopics,
        .entities = s.entities, .nentities = s.nentities,
        .lang = s.lang, .since = s.since, .until = s.until,
        .limit = s.limit,
        .highlight = color,
    };
    char why[512];
    if (archive_search(db, &q, &st, why, sizeof why) < 0) {
        fprintf(stderr, "newsdesk search: %s: %s\n", shown, why);
        rc = EXIT_CONFIG;
        goto out;
    }
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
    free(path);
    free(s.query);
    return rc;
}
