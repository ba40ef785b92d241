/* ner-driver: runs libnewsdesk-nlp's entity recogniser over documents
 * for bench/eval-ner. Input (a file): documents separated by a line
 * holding only a form feed. Output: one line per mention,
 * "doc<TAB>start<TAB>end<TAB>TYPE" with code-point offsets. With
 * "--repeat N" it prints nothing but the speed of N passes as one JSON
 * line: words, seconds, words_per_second. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/grow.h"
#include "base/io.h"
#include "nlp/nlp.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The entities of one document, against a fixed document date. Returns
 * its word count, or -1 when out of memory. */
static long entities(const char *text, size_t len, nlp_entities_t *e)
{
    const int64_t date = 1757462400; /* 2025-09-10, any fixed day */
    nlp_doc_t d;
    if (nlp_doc_parse(&d, text, len) < 0)
        return -1;
    int rc = nlp_entities_find(&d, date, e);
    long words = (long)d.words;
    nlp_doc_free(&d);
    return rc < 0 ? -1 : words;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: ner-driver FILE [--repeat N]\n");
        return 2;
    }
    int repeat = argc >= 4 && !strcmp(argv[2], "--repeat") ? atoi(argv[3]) : 0;
    uint8_t *raw = NULL;
    size_t len;
    int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
    int rc = fd < 0 ? -errno : read_all(fd, SIZE_MAX - 1, &raw, &len);
    if (fd >= 0)
        close(fd);
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", argv[1], strerror(-rc));
        return 1;
    }
    char *all = (char *)raw;
    /* Split in place at "\n\f\n". */
    struct span {
        char *p;
        size_t n;
    } *docs = NULL;
    size_t ndocs = 0, cap = 0;
    char *p = all, *end = all + len;
    while (p < end) {
        char *sep = strstr(p, "\n\f\n");
        char *stop = sep ? sep : end;
        struct span *g = array_grow(docs, &cap, ndocs + 1, sizeof *g, 64);
        if (!g)
            return 1;
        docs = g;
        docs[ndocs++] = (struct span){p, (size_t)(stop - p)};
        *stop = '\0';
        p = sep ? sep + 3 : end;
    }
    if (repeat > 0) {
        size_t words = 0;
        double t0 = now();
        for (int r = 0; r < repeat; r++) {
            for (size_t i = 0; i < ndocs; i++) {
                nlp_entities_t e;
                long w = entities(docs[i].p, docs[i].n, &e);
                if (w < 0)
                    return 1;
                words += (size_t)w;
                nlp_entities_free(&e);
            }
        }
        double dt = now() - t0;
        printf("{\"words\": %zu, \"seconds\": %.6f, \"words_per_second\": %.0f}\n",
               words, dt, (double)words / dt);
        return 0;
    }
    for (size_t i = 0; i < ndocs; i++) {
        nlp_entities_t e;
        if (entities(docs[i].p, docs[i].n, &e) < 0)
            return 1;
        for (size_t m = 0; m < e.nmen; m++)
            printf("%zu\t%u\t%u\t%s\n", i, e.men[m].cstart, e.men[m].cend,
                   nlp_etype_name(e.ent[e.men[m].entity].type));
        nlp_entities_free(&e);
    }
    free(docs);
    free(all);
    return 0;
}
