/* `newsdesk retry`: give failed files back to the inbox for another try,
 * keeping their error records in <state>/retried/. It works on the folders
 * of the configuration alone, whether or not the daemon runs: every move is
 * a rename within one file system, which a running daemon sees as a file
 * renamed into its inbox. With --stream, the same for the dead letters of
 * the configuration's stream (<key>:failed): each goes back into the
 * stream as a new entry, without its error record, which the workers
 * then read like any other. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/io.h"
#include "commands.h"
#include "chain.h"
#include "settings.h"
#include "store.h"
#include "stream.h"

static const char usage[] =
    "usage: newsdesk retry [-c FILE] NAME...\n"
    "       newsdesk retry [-c FILE] --all\n"
    "       newsdesk retry [-c FILE] --stream [--list | --all | ENTRY...]\n"
    "\n"
    "Move failed files from <state>/failed back into the inbox, each under a\n"
    "name that is free there, and keep their error records in\n"
    "<state>/retried. NAME is a file's name in failed/ (a path to it, or its\n"
    "<name>.error.json, also names it). The daemon may be running or not.\n"
    "\n"
    "--stream works on the dead letters of the configuration's stream\n"
    "(<stream.key>:failed) instead: --list shows them (entry id, name, stage),\n"
    "--all or their ENTRY ids put them back into the stream for the workers.\n"
    "\n"
    HELP_CONFIG
    "      --all           every file in failed/ (with --stream: every dead\n"
    "                      letter)\n"
    "      --stream        the stream's dead letters instead of failed/\n"
    "      --list          with --stream: list the dead letters, move nothing\n"
    HELP_HELP
    "\n"
    "Exit status: 0 all moved, 1 some were not (the reason is on stderr),\n"
    "2 usage error, 78 configuration error.\n";

/* "dir/name" or "dir/sub/name", without doubling a '/' that the
 * configured folder ends with. */
static void print_path(const char *dir, const char *sub, const char *name)
{
    size_t len = strlen(dir);
    const char *sep = len && dir[len - 1] == '/' ? "" : "/";
    if (sub)
        printf("%s%s%s/%s", dir, sep, sub, name);
    else
        printf("%s%s%s", dir, sep, name);
}

static int retry_one(struct store *s, const char *inbox, const char *state,
                     const char *name)
{
    struct retried r;
    char err[PATH_MAX + 1024];
    int rc = store_retry(s, inbox, name, &r, err, sizeof err);
    if (r.inbox[0]) {
        printf("%s -> ", r.name);
        print_path(inbox, NULL, r.inbox);
        if (r.record[0]) {
            printf(" (error record kept as ");
            print_path(state, "retried", r.record);
            printf(")");
        }
        printf("\n");
    }
    if (rc < 0)
        fprintf(stderr, "newsdesk: %s\n", err);
    return rc;
}

/* Open the store of `inbox` and `state`, but never create its failed/: a
 * state folder without one is most likely the wrong folder (relative paths
 * are taken from the current folder), not one where nothing failed. */
static int open_store(struct store *s, const char *inbox, const char *state)
{
    char failed[PATH_MAX], err[PATH_MAX + 512];
    struct stat st;
    snprintf(failed, sizeof failed, "%s/failed", state);
    int e = stat(failed, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
    if (e) {
        fprintf(stderr, "newsdesk: %s: %s: no file has failed there (relative "
                "paths in the configuration are taken from the current "
                "folder)\n", failed, strerror(e));
        return -1;
    }
    /* The daemon creates a missing inbox at start; so does a retry. */
    int rc = mkdir_p(inbox);
    if (rc < 0 || stat(inbox, &st) < 0) {
        fprintf(stderr, "newsdesk: cannot open the inbox %s: %s\n", inbox,
                strerror(rc < 0 ? -rc : errno));
        return -1;
    }
    if (store_open(s, state, (uint64_t)st.st_dev, 1, err, sizeof err) < 0) {
        fprintf(stderr, "newsdesk: %s\n", err);
        return -1;
    }
    return 0;
}

/* How many dead letters are read at a time. */
#define DEAD_BATCH 100

/* Retry (or, with `list`, show) every dead letter. */
static int retry_all_dead(struct stream *st, int list)
{
    struct stream_dead *d = calloc(DEAD_BATCH, sizeof *d);
    char after[STREAM_ID_MAX] = "-", err[1024], sid[STREAM_ID_MAX];
    int failed = 0;
    size_t n;
    for (;;) {
        int rc = d ? stream_dead_list(st, after, DEAD_BATCH, d, &n, err,
                                      sizeof err) : -ENOMEM;
        if (rc < 0) {
            fprintf(stderr, "newsdesk: %s\n", d ? err : "out of memory");
            failed = 1;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            if (list) {
                printf("%s  %s  (stage %s)\n", d[i].sid, d[i].name,
                       d[i].stage[0] ? d[i].stage : "?");
            } else if (stream_dead_retry(st, d[i].sid, sid, err,
                                         sizeof err) < 0) {
                fprintf(stderr, "newsdesk: %s\n", err);
                failed = 1;
            } else {
                printf("%s %s -> entry %s\n", d[i].sid, d[i].name, sid);
            }
        }
        if (n < DEAD_BATCH)
            break;
        memcpy(after, d[n - 1].sid, sizeof after);
    }
    free(d);
    return failed;
}

/* newsdesk retry --stream: the dead letters of the configuration's
 * stream. */
static int retry_stream(const struct config *c, int all, int list,
                        char **ids, int nids)
{
    if (!c->has_stream) {
        fprintf(stderr, "newsdesk: %s has no stream section: there are no "
                "dead letters to retry\n", c->file ? c->file
                                                   : "the configuration");
        return EXIT_CONFIG;
    }
    struct daemon_settings set;
    if (settings_from_config(&set, c) < 0) {
        fprintf(stderr, "newsdesk: out of memory\n");
        return EXIT_DOC_FAILED;
    }
    struct stream *st = stream_new(&set.stream);
    int failed = !st;
    if (!st)
        fprintf(stderr, "newsdesk: out of memory\n");
    else if (all || list)
        failed = retry_all_dead(st, list);
    for (int i = 0; st && i < nids; i++) {
        char sid[STREAM_ID_MAX], err[1024];
        if (stream_dead_retry(st, ids[i], sid, err, sizeof err) < 0) {
            fprintf(stderr, "newsdesk: %s\n", err);
            failed = 1;
        } else {
            printf("%s -> entry %s\n", ids[i], sid);
        }
    }
    stream_free(st);
    settings_free(&set);
    return failed ? EXIT_DOC_FAILED : 0;
}

int cmd_retry(int argc, char **argv)
{
    const char *config = NULL;
    int all = 0, nnames = 0, opts = 1, stream = 0, list = 0;
    for (int i = 1; i < argc; i++) {
        if (opts && is_help(argv[i])) {
            fputs(usage, stdout);
            return 0;
        }
        if (opts && (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) &&
            i + 1 < argc) {
            config = argv[++i];
        } else if (opts && !strcmp(argv[i], "--all")) {
            all = 1;
        } else if (opts && !strcmp(argv[i], "--stream")) {
            stream = 1;
        } else if (opts && !strcmp(argv[i], "--list")) {
            list = 1;
        } else if (opts && !strcmp(argv[i], "--")) {
            opts = 0;
        } else if (opts && argv[i][0] == '-') {
            fprintf(stderr, "newsdesk retry: unknown option \"%s\"\n\n%s",
                    argv[i], usage);
            return EXIT_USAGE;
        } else {
            argv[1 + nnames++] = argv[i]; /* names gather at argv[1] */
        }
    }
    if (list && (!stream || all || nnames)) {
        fprintf(stderr, "newsdesk retry: --list goes with --stream alone\n\n%s",
                usage);
        return EXIT_USAGE;
    }
    if (!list && all == (nnames > 0)) {
        fprintf(stderr, "newsdesk retry: %s\n\n%s",
                all ? "--all or NAMEs, not both" : "which files? NAMEs or --all",
                usage);
        return EXIT_USAGE;
    }

    const char *file = config_find(config);
    struct errlist errs = {0}, warns = {0};
    struct chain *p;
    if (chain_load(&p, file, &errs, &warns) < 0)
        return config_refused(file, &errs, &warns, p);
    errs_free(&warns);
    if (stream) {
        int rc = retry_stream(chain_config(p), all, list, argv + 1, nnames);
        chain_free(p);
        return rc;
    }
    const char *inbox = config_str(chain_config(p), "inbox", "path");
    const char *state = config_str(chain_config(p), "inbox", "state");
    struct store s;
    if (open_store(&s, inbox, state) < 0) {
        chain_free(p);
        return EXIT_DOC_FAILED;
    }

    int failed = 0;
    if (all) {
        char **names;
        size_t n;
        int rc = store_failed(&s, &names, &n);
        if (rc < 0) {
            fprintf(stderr, "newsdesk: cannot list %s/failed: %s\n", state,
                    strerror(-rc));
            failed = 1;
        }
        for (size_t i = 0; rc == 0 && i < n; i++)
            failed |= retry_one(&s, inbox, state, names[i]) < 0;
        if (rc == 0)
            store_free_names(names, n);
    } else {
        for (int i = 0; i < nnames; i++)
            failed |= retry_one(&s, inbox, state, argv[1 + i]) < 0;
    }
    store_close(&s);
    chain_free(p);
    return failed ? EXIT_DOC_FAILED : 0;
}
