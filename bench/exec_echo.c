/* exec-echo: the cheapest child an exec step can have, for bench/exec.
 * It speaks version 1 of the exec protocol (docs/plugins.md, "Plugins in
 * any language") without reading JSON: it answers the hello, then each
 * document line with `{}`; with --echo, with the whole line back as a
 * field, `{"set": {"echo": <the line>}}`; with --same, with every field it
 * was sent set back as it came, `{"set": {"title": ..., "text": ...}}`
 * (all but schema, id, source and pipeline, which newsdesk writes first
 * and last). It exits when its input ends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* Past the object or string at p, brackets inside strings skipped. */
static const char *skip(const char *p)
{
    int depth = 0;
    do {
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++)
                if (*p == '\\' && p[1])
                    p++;
        } else if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            depth--;
        }
    } while (*p && *p++ && depth > 0);
    return p;
}

/* The fields between "source" and "pipeline", without the commas around. */
static void same(const char *line)
{
    const char *src = strstr(line, ",\"source\":");
    const char *end = NULL;
    for (const char *q = line; (q = strstr(q, ",\"pipeline\":")); q++)
        end = q;
    const char *from = src ? skip(src + 10) : NULL;
    if (!from || !end || from >= end) {
        fputs("{}\n", stdout);
        return;
    }
    printf("{\"set\": {%.*s}}\n", (int)(end - from - 1), from + 1);
}

int main(int argc, char **argv)
{
    int echo = argc > 1 && !strcmp(argv[1], "--echo");
    int keep = argc > 1 && !strcmp(argv[1], "--same");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int hello = 1;
    /* A document is about 10 KB: read it in one go, not 4 KB at a time,
     * and write an answer of that size in one go too (stdio would write
     * a pipe 4 KB at a time, and newsdesk wakes for each piece). glibc
     * keeps its own 4 KB for a pipe unless it is given the buffer. */
    static char in[1 << 16], out[1 << 16];
    setvbuf(stdin, in, _IOFBF, sizeof in);
    setvbuf(stdout, out, _IOFBF, sizeof out);
    while ((n = getline(&line, &cap, stdin)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        if (hello)
            fputs("{\"newsdesk_exec\": 1}\n", stdout);
        else if (echo)
            printf("{\"set\": {\"echo\": %s}}\n", line);
        else if (keep)
            same(line);
        else
            fputs("{}\n", stdout);
        hello = 0;
        if (fflush(stdout) != 0)
            break;
    }
    free(line);
    return 0;
}
