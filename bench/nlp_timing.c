/* nlp-timing: the CPU time of the language and entities steps' library
 * calls per article, for comparing builds (bench/nlp-timing runs it).
 *
 * Usage: nlp-timing [--repeat N] [--only language|entities] FILE...
 *
 * Each file is one article. "language" is nlp_langid over the text with
 * the language step's default prefix (4 KiB); "entities" is what the
 * entities step asks of the library: nlp_doc_parse and nlp_entities_find.
 * Prints one line per file, "file<TAB>words<TAB>language_us<TAB>
 * entities_us", each the median of N runs (default 200) of CPU time
 * (CLOCK_PROCESS_CPUTIME_ID), then their medians over the files. With
 * --repeat 1 under callgrind the instruction counts of one run are
 * what is left to read. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/io.h"
#include "nlp/nlp.h"

#define LANGUAGE_PREFIX 4096
#define DOC_DATE 1757462400 /* 2025-09-10, any fixed day */

static double cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

__attribute__((noinline)) static int language(const char *text, size_t len)
{
    char code[8], err[256];
    double conf;
    int rc = nlp_langid(text, len, LANGUAGE_PREFIX, code, &conf, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "nlp-timing: %s\n", err);
    return rc;
}

/* Returns the article's word count, or -1. */
__attribute__((noinline)) static long entities(const char *text, size_t len)
{
    nlp_doc_t d;
    nlp_entities_t e;
    if (nlp_doc_parse(&d, text, len) < 0)
        return -1;
    int rc = nlp_entities_find(&d, DOC_DATE, &e);
    long words = (long)d.words;
    if (rc == 0)
        nlp_entities_free(&e);
    nlp_doc_free(&d);
    return rc < 0 ? -1 : words;
}

int main(int argc, char **argv)
{
    int repeat = 200, lang = 1, ents = 1, a = 1;
    for (; a < argc && !strncmp(argv[a], "--", 2); a++) {
        if (!strcmp(argv[a], "--repeat") && a + 1 < argc) {
            repeat = atoi(argv[++a]);
        } else if (!strcmp(argv[a], "--only") && a + 1 < argc) {
            a++;
            lang = !strcmp(argv[a], "language");
            ents = !strcmp(argv[a], "entities");
        } else {
            break;
        }
    }
    if (a >= argc || repeat < 1 || !(lang || ents)) {
        fprintf(stderr, "usage: nlp-timing [--repeat N] [--only language|entities] FILE...\n");
        return 2;
    }
    size_t nfiles = (size_t)(argc - a);
    double *runs = calloc((size_t)repeat, sizeof *runs);
    double *lang_med = calloc(nfiles, sizeof *lang_med);
    double *ent_med = calloc(nfiles, sizeof *ent_med);
    if (!runs || !lang_med || !ent_med)
        return 1;
    if (language("", 0) < 0)
        return 1;
    for (size_t f = 0; f < nfiles; f++) {
        const char *path = argv[a + (int)f];
        uint8_t *raw;
        size_t len;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        int rc = fd < 0 ? -errno : read_all(fd, SIZE_MAX - 1, &raw, &len);
        if (fd >= 0)
            close(fd);
        if (rc < 0) {
            fprintf(stderr, "%s: %s\n", path, strerror(-rc));
            return 1;
        }
        const char *text = (const char *)raw;
        long words = 0;
        for (int r = 0; lang && r < repeat; r++) {
            double t0 = cpu_us();
            if (language(text, len) < 0)
                return 1;
            runs[r] = cpu_us() - t0;
        }
        lang_med[f] = lang ? median(runs, (size_t)repeat) : 0;
        for (int r = 0; ents && r < repeat; r++) {
            double t0 = cpu_us();
            if ((words = entities(text, len)) < 0)
                return 1;
            runs[r] = cpu_us() - t0;
        }
        ent_med[f] = ents ? median(runs, (size_t)repeat) : 0;
        printf("%s\t%ld\t%.1f\t%.1f\n", path, words, lang_med[f], ent_med[f]);
        free(raw);
    }
    printf("median of %zu\t-\t%.1f\t%.1f\n", nfiles, median(lang_med, nfiles),
           median(ent_med, nfiles));
    free(runs);
    free(lang_med);
    free(ent_med);
    return 0;
}
