/* langid-driver: libnewsdesk-nlp's language identification over lines of
 * text for bench/eval-langid: reads one text per line on stdin, writes
 * "code<TAB>confidence" per line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlp/nlp.h"

int main(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        char code[8], err[512];
        double conf;
        if (nlp_langid(line, (size_t)n, 4096, code, &conf, err, sizeof err) < 0) {
            fprintf(stderr, "langid-driver: %s\n", err);
            return 1;
        }
        printf("%s\t%.3f\n", code, conf);
    }
    free(line);
    return 0;
}
