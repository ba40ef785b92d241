/* `newsdesk process`: run the pipeline on files given on the command line
 * and print each document as one line of JSON. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/backoff.h"
#include "base/grow.h"
#include "base/io.h"
#include "chain.h"
#include "commands.h"
#include "log.h"
#include "text/sniff.h"

/* `process` is interactive: a step that keeps asking for retries gives up
 * after this many runs instead of waiting for ever. */
#define PROCESS_MAX_RUNS 5

static const char usage[] =
    "usage: newsdesk process [-c FILE] [--export] FILE...\n"
    "\n"
    "Run the pipeline on each FILE (\"-\" reads stdin) and print each document\n"
    "as one line of JSON (a feed's items each make one). Exporters run only\n"
    "with --export.\n"
    "\n"
    HELP_CONFIG
    "      --export        run the exporters of the pipeline too\n"
    HELP_HELP
    "\n"
    "Exit status: 0 ok, 1 a document failed (the reason is on stderr), 2 usage\n"
    "error, 78 configuration error.\n";

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void report_failure(const char *file, const struct chain_run *run)
{
    const struct run_error *e = &run->error;
    if (e->step && e->plugin && strcmp(e->step, e->plugin))
        fprintf(stderr, "newsdesk: %s: step %s (plugin %s): %s\n", file,
                e->step, e->plugin, e->message);
    else if (e->plugin)
        fprintf(stderr, "newsdesk: %s: plugin %s: %s\n", file, e->plugin,
                e->message);
    else
        fprintf(stderr, "newsdesk: %s: %s\n", file,
                e->message ? e->message : "failed");
}

static int print_doc(nd_doc_t *d)
{
    size_t len;
    const char *json = doc_to_json(d, &len);
    if (!json)
        return -1;
    fwrite(json, 1, len, stdout);
    fputc('\n', stdout);
    return 0;
}

/* A container's documents are printed once it is done (and, with
 * --export, flushed), in their order; but the pipeline lets go of each as
 * soon as it has finished, so their lines wait here, in a temporary file,
 * with where each one is. */
struct spool {
    FILE *f;
    struct spooled {
        off_t at;
        size_t len;
    } *line;                /* by child index; len 0: not kept (no memory,
                               no temporary file) */
    size_t cap;
};

static void spool_child(void *ctx, nd_doc_t *parent,
                        const struct chain_run *run, size_t i)
{
    struct spool *s = ctx;
    nd_doc_t *c = parent->children[i];
    if (run->children[i]->state != RUN_DONE)
        return; /* a failure is reported from the child itself */
    if (i >= s->cap) {
        size_t cap = s->cap;
        struct spooled *l = array_grow(s->line, &cap, i + 1, sizeof *l, 64);
        if (!l)
            return;
        memset(l + s->cap, 0, (cap - s->cap) * sizeof *l);
        s->line = l;
        s->cap = cap;
    }
    size_t len;
    const char *json = doc_to_json(c, &len);
    if (!json || (!s->f && !(s->f = tmpfile())) || fseeko(s->f, 0, SEEK_END) < 0)
        return;
    s->line[i].at = ftello(s->f);
    if (fwrite(json, 1, len, s->f) == len)
        s->line[i].len = len;
}

/* Copy child i's line from the spool to stdout. */
static int spool_print(struct spool *s, size_t i)
{
    if (i >= s->cap || !s->line[i].len || fseeko(s->f, s->line[i].at, SEEK_SET) < 0)
        return -1;
    char buf[65536];
    for (size_t left = s->line[i].len; left;) {
        size_t n = fread(buf, 1, left < sizeof buf ? left : sizeof buf, s->f);
        if (!n)
            return -1;
        fwrite(buf, 1, n, stdout);
        left -= n;
    }
    fputc('\n', stdout);
    return 0;
}

static void spool_free(struct spool *s)
{
    if (s->f)
        fclose(s->f);
    free(s->line);
}

/* Run one document to the end, retrying as the steps ask. A document
 * that keeps asking is given up on: it fails, and what the steps accepted
 * of it is taken back (retried the same way). */
static nd_status_t run_with_retries(struct chain *c, nd_doc_t *d,
                                    struct chain_run *r, const char *file)
{
    int64_t min = config_int(chain_config(c), "service", "retry_min");
    int64_t max = config_int(chain_config(c), "service", "retry_max");
    if (max > 10000)
        max = 10000;
    int giving_up = 0;
    for (unsigned run = 1;; run++) {
        nd_status_t st = giving_up ? chain_give_up(c, d, r, 0) : chain_run(c, d, r);
        if (st != ND_RETRY)
            return giving_up ? ND_FAIL : st;
        const char *step;
        const char *why = chain_retry_reason(r, &step);
        if (!why)
            why = "retry";
        if (run >= PROCESS_MAX_RUNS) {
            if (giving_up) {
                fprintf(stderr, "newsdesk: %s: its export could not be taken "
                        "back: %s\n", file, why);
                return ND_FAIL;
            }
            char msg[1024];
            snprintf(msg, sizeof msg, "still failing after %u attempts: %s",
                     run, why);
            run_set_error(r, "%s", msg);
            giving_up = 1;
            run = 0;
            continue;
        }
        int64_t wait = backoff_ms(run, min, max);
        fprintf(stderr, "newsdesk: %s: %s; retrying in %lld ms\n", file, why,
                (long long)wait);
        sleep_ms(wait);
    }
}

/* Make the exports durable, retrying a sink that asks for it as
 * run_with_retries does. */
static nd_status_t flush_with_retries(struct chain *c, const char *file,
                                      char *err, size_t errlen)
{
    int64_t min = config_int(chain_config(c), "service", "retry_min");
    int64_t max = config_int(chain_config(c), "service", "retry_max");
    if (max > 10000)
        max = 10000;
    for (unsigned run = 1;; run++) {
        char e[1024] = "";
        nd_status_t st = chain_flush(c, chain_sync(c), e, sizeof e);
        if (st != ND_RETRY) {
            snprintf(err, errlen, "%s", e);
            return st;
        }
        if (run >= PROCESS_MAX_RUNS) {
            snprintf(err, errlen, "still failing after %u attempts: %s", run, e);
            return ND_FAIL;
        }
        int64_t wait = backoff_ms(run, min, max);
        fprintf(stderr, "newsdesk: %s: %s; retrying in %lld ms\n", file, e,
                (long long)wait);
        sleep_ms(wait);
    }
}

static int process_one(struct chain *c, const char *path, size_t max_bytes)
{
    int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
    if (fd < 0) {
        fprintf(stderr, "newsdesk: %s: cannot open: %s\n", path, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "newsdesk: %s: is a directory\n", path);
        close(fd);
        return -1;
    }
    uint8_t *raw;
    size_t len;
    int rc = read_all(fd, max_bytes, &raw, &len);
    if (fd != STDIN_FILENO)
        close(fd);
    if (rc == -EFBIG) {
        fprintf(stderr, "newsdesk: %s: larger than inbox.max_bytes (%zu bytes); "
                "not read\n", path, max_bytes);
        return -1;
    }
    if (rc < 0) {
        fprintf(stderr, "newsdesk: %s: cannot read: %s\n", path, strerror(-rc));
        return -1;
    }
    const char *slash = strrchr(path, '/');
    const char *name = !strcmp(path, "-") ? "stdin" : slash ? slash + 1 : path;
    nd_doc_t *d = doc_new(raw, len, name, strcmp(path, "-") ? path : NULL,
                          sniff_media_type(raw, len, name));
    if (!d) {
        fprintf(stderr, "newsdesk: %s: out of memory\n", path);
        return -1;
    }
    int failed = 0;
    struct spool spool = {0};
    struct chain_run run = {0};
    chain_on_child_done(c, spool_child, &spool);
    nd_status_t st = run_with_retries(c, d, &run, path);
    chain_on_child_done(c, NULL, NULL);
    if (st == ND_OK && chain_has_flush(c)) {
        char err[1024];
        nd_status_t fs = flush_with_retries(c, path, err, sizeof err);
        if (fs != ND_OK) {
            fprintf(stderr, "newsdesk: %s: export not completed: %s\n", path, err);
            failed = 1;
            run_set_error(&run, "export not completed: %s", err);
            for (unsigned n = 1; chain_give_up(c, d, &run, 1) == ND_RETRY; n++) {
                if (n >= PROCESS_MAX_RUNS) {
                    const char *step, *why = chain_retry_reason(&run, &step);
                    fprintf(stderr, "newsdesk: %s: its export could not be "
                            "taken back: %s\n", path, why ? why : "retry");
                    break;
                }
                sleep_ms(backoff_ms(n, 100, 2000));
            }
        }
    }
    if (st == ND_FAIL) {
        report_failure(path, &run);
        failed = 1;
    } else if (!failed && d->nchildren) {
        for (size_t i = 0; i < d->nchildren; i++) {
            nd_doc_t *ch = d->children[i];
            const struct chain_run *cr = i < run.nchildren ? run.children[i] : NULL;
            if (ch && cr && cr->state != RUN_DONE) {
                report_failure(ch->name, cr);
                failed = 1;
            } else if (spool_print(&spool, i) < 0) {
                fprintf(stderr, "newsdesk: %s#%zu: its output was lost (cannot "
                        "write a temporary file)\n", path, i + 1);
                failed = 1;
            }
        }
    } else if (!failed) {
        print_doc(d);
    }
    run_free(&run);
    spool_free(&spool);
    doc_free(d);
    return failed ? -1 : 0;
}

int cmd_process(int argc, char **argv)
{
    const char *config = NULL;
    int export = 0, nfiles = 0;
    char **files = calloc((size_t)argc, sizeof *files);
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(usage, stdout);
            free(files);
            return 0;
        }
        if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) {
            if (++i >= argc) {
                fprintf(stderr, "newsdesk process: -c needs a file\n\n%s", usage);
                free(files);
                return EXIT_USAGE;
            }
            config = argv[i];
        } else if (!strcmp(argv[i], "--export")) {
            export = 1;
        } else if (!strcmp(argv[i], "--")) {
            while (++i < argc)
                files[nfiles++] = argv[i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "newsdesk process: unknown option %s\n\n%s", argv[i],
                    usage);
            free(files);
            return EXIT_USAGE;
        } else {
            files[nfiles++] = argv[i];
        }
    }
    if (!nfiles) {
        fputs(usage, stderr);
        free(files);
        return EXIT_USAGE;
    }
    /* Quieter than the daemon: the documents go to stdout, and only
     * warnings and errors to stderr. */
    struct chain *c = start_chain(config_find(config),
                                  export ? STEPS_ALL : STEPS_NO_EXPORTERS,
                                  ND_LOG_WARNING);
    if (!c) {
        free(files);
        return EXIT_CONFIG;
    }
    size_t max_bytes = (size_t)config_int(chain_config(c), "inbox", "max_bytes");
    int any_failed = 0;
    for (int i = 0; i < nfiles; i++)
        any_failed |= process_one(c, files[i], max_bytes) < 0;
    fflush(stdout);
    chain_free(c);
    free(files);
    return any_failed ? EXIT_DOC_FAILED : 0;
}
