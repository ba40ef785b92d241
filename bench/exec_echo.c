/* exec-echo: the cheapest child an exec step can have, for bench/exec.
 * It speaks version 1 of the exec protocol (docs/plugins.md, "Plugins in
 * any language") without reading JSON: it answers the hello, then each
 * document line with `{}` or, with --echo, with the whole line back as a
 * field, `{"set": {"echo": <the line>}}`. It exits when its input ends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

int main(int argc, char **argv)
{
    int echo = argc > 1 && !strcmp(argv[1], "--echo");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int hello = 1;
    /* A document is about 10 KB: read it in one go, not 4 KB at a time. */
    setvbuf(stdin, NULL, _IOFBF, 1 << 16);
    while ((n = getline(&line, &cap, stdin)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        if (hello)
            fputs("{\"newsdesk_exec\": 1}\n", stdout);
        else if (echo)
            printf("{\"set\": {\"echo\": %s}}\n", line);
        else
            fputs("{}\n", stdout);
        hello = 0;
        if (fflush(stdout) != 0)
            break;
    }
    free(line);
    return 0;
}
