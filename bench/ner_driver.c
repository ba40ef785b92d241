/* ner-driver: runs libnewsdesk-nlp's entity recogniser over documents
 * for bench/eval-ner. Input (a file): documents separated by a line
 * holding only a form feed. Output: one line per mention,
 * "doc<TAB>start<TAB>end<TAB>TYPE" with code-point offsets. With
 * "--repeat N" it prints nothing but the speed of N passes as one JSON
 * line: words, seconds, words_per_second. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nlp/nlp.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (n + 1 == cap) {
            char *g = realloc(buf, cap *= 2);
            if (!g) {
                free(buf);
                buf = NULL;
            }
            buf = g;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    *len = n;
    return buf;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: ner-driver FILE [--repeat N]\n");
        return 2;
    }
    int repeat = argc >= 4 && !strcmp(argv[2], "--repeat") ? atoi(argv[3]) : 0;
    size_t len;
    char *all = slurp(argv[1], &len);
    if (!all) {
        perror(argv[1]);
        return 1;
    }
    /* Split in place at "\n\f\n". */
    size_t ndocs = 0, cap = 64;
    char **docs = malloc(cap * sizeof *docs);
    size_t *lens = malloc(cap * sizeof *lens);
    char *p = all, *end = all + len;
    while (p < end) {
        char *sep = strstr(p, "\n\f\n");
        char *stop = sep ? sep : end;
        if (ndocs == cap) {
            cap *= 2;
            docs = realloc(docs, cap * sizeof *docs);
            lens = realloc(lens, cap * sizeof *lens);
        }
        docs[ndocs] = p;
        lens[ndocs++] = (size_t)(stop - p);
        *stop = '\0';
        p = sep ? sep + 3 : end;
    }
    const int64_t date = 1757462400; /* 2025-09-10, any fixed day */
    if (repeat > 0) {
        size_t words = 0;
        double t0 = now();
        for (int r = 0; r < repeat; r++) {
            for (size_t i = 0; i < ndocs; i++) {
                nlp_doc_t d;
                nlp_entities_t e;
                if (nlp_doc_parse(&d, docs[i], lens[i]) < 0 ||
                    nlp_entities_find(&d, date, &e) < 0)
                    return 1;
                words += d.words;
                nlp_entities_free(&e);
                nlp_doc_free(&d);
            }
        }
        double dt = now() - t0;
        printf("{\"words\": %zu, \"seconds\": %.6f, \"words_per_second\": %.0f}\n",
               words, dt, (double)words / dt);
        return 0;
    }
    for (size_t i = 0; i < ndocs; i++) {
        nlp_doc_t d;
        nlp_entities_t e;
        if (nlp_doc_parse(&d, docs[i], lens[i]) < 0 ||
            nlp_entities_find(&d, date, &e) < 0)
            return 1;
        for (size_t m = 0; m < e.nmen; m++)
            printf("%zu\t%u\t%u\t%s\n", i, e.men[m].cstart, e.men[m].cend,
                   nlp_etype_name(e.ent[e.men[m].entity].type));
        nlp_entities_free(&e);
        nlp_doc_free(&d);
    }
    free(docs);
    free(lens);
    free(all);
    return 0;
}
