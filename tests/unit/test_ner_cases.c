/* The entity recogniser's rules, one cmocka test per rule named after
 * it, each reading its case file: tests/nlp/passes/<pass>.txt for the
 * passes over the document (lib/nlp/ner_passes.c, table `passes`) and
 * tests/nlp/rules/<rule>.txt for the rules that type a run of
 * capitalised words (lib/nlp/ner_runs.c, table `run_rules`). Every rule
 * of those tables must have its file, and every file its rule.
 *
 * A case file holds cases: a line "text: ..." and below it what the
 * entities of that text must be, "+ TYPE name" (there is such an
 * entity; "+ TYPE name = N": with N mentions) or "- TYPE name" (there is
 * none). Lines starting with '#' are comments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlp/nlp.h"

/* Wednesday 2025-09-10, 12:00 UTC */
#define DOC_DATE 1757505600
#define MAX_RULES 64

struct rule {
    char name[64];
    char path[512]; /* its case file */
};

static const char *source(void)
{
    const char *s = getenv("NEWSDESK_SOURCE");
    return s ? s : ".";
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *s = NULL;
    size_t n = 0, cap = 0, got;
    char buf[4096];
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        if (n + got + 1 > cap) {
            cap = (n + got + 1) * 2;
            char *g = realloc(s, cap);
            assert_non_null(g);
            s = g;
        }
        memcpy(s + n, buf, got);
        n += got;
    }
    fclose(f);
    if (s)
        s[n] = '\0';
    return s;
}

/* The names of the table entries `marker`NAME) that start lines of the
 * source file `file`. */
static size_t table_names(const char *file, const char *marker, char names[][64], size_t max)
{
    char path[512];
    snprintf(path, sizeof path, "%s/lib/nlp/%s", source(), file);
    char *text = read_text(path);
    assert_non_null(text);
    size_t n = 0, ml = strlen(marker);
    for (const char *p = text; (p = strstr(p, marker)) && n < max; p += ml) {
        /* A table entry starts its line. */
        const char *q = p;
        while (q > text && q[-1] == ' ')
            q--;
        if (q > text && q[-1] != '\n')
            continue;
        const char *a = p + ml, *b = a;
        while (*b == '_' || (*b >= 'a' && *b <= 'z'))
            b++;
        if (*b != ')' || b == a)
            continue; /* not a table entry */
        snprintf(names[n++], 64, "%.*s", (int)(b - a), a);
    }
    free(text);
    return n;
}

static int has_entity(const nlp_entities_t *e, const char *type, const char *text,
                      int count)
{
    for (size_t i = 0; i < e->nent; i++)
        if (!strcmp(nlp_etype_name(e->ent[i].type), type) && !strcmp(e->ent[i].text, text))
            return count < 0 || (int)e->ent[i].count == count;
    return 0;
}

static void print_entities(const nlp_entities_t *e)
{
    for (size_t i = 0; i < e->nent; i++)
        print_error("    %s \"%s\" = %u\n", nlp_etype_name(e->ent[i].type), e->ent[i].text,
                    e->ent[i].count);
}

/* Check one expectation line ("+ TYPE name [= N]" or "- TYPE name")
 * against the entities of the case; returns 1 when it holds. */
static int expectation(const char *line, const nlp_entities_t *e, const char *where)
{
    char type[16], text[256];
    int count = -1;
    char want = line[0];
    if (sscanf(line + 1, " %15s %255[^\n]", type, text) != 2) {
        print_error("%s: cannot read \"%s\"\n", where, line);
        return 0;
    }
    char *eq = strstr(text, " = ");
    if (eq) {
        count = atoi(eq + 3);
        *eq = '\0';
    }
    if (has_entity(e, type, text, count) == (want == '+'))
        return 1;
    print_error("%s: expected %s %s \"%s\"%s%.0d; the entities are:\n", where,
                want == '+' ? "an entity" : "no entity", type, text,
                count >= 0 ? " with mentions: " : "", count >= 0 ? count : 0);
    print_entities(e);
    return 0;
}

static void run_cases(void **state)
{
    const struct rule *r = *state;
    char *text = read_text(r->path);
    if (!text)
        fail_msg("%s: no case file for the rule %s", r->path, r->name);
    int cases = 0, failed = 0, lineno = 0;
    nlp_doc_t d = {0};
    nlp_entities_t e = {0};
    int open = 0;
    /* Line by line, blank ones counted, so that `where` is the file's line. */
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        char where[600];
        snprintf(where, sizeof where, "rule %s (%s:%d)", r->name, r->path, lineno);
        if (!strncmp(line, "text: ", 6)) {
            if (open) {
                nlp_entities_free(&e);
                nlp_doc_free(&d);
            }
            /* The case's text lives in `text`, which outlives d. */
            assert_int_equal(nlp_doc_parse(&d, line + 6, strlen(line + 6)), 0);
            assert_int_equal(nlp_entities_find(&d, DOC_DATE, &e), 0);
            open = 1, cases++;
        } else if (line[0] == '+' || line[0] == '-') {
            if (!open)
                fail_msg("%s: an expectation before any text", where);
            failed += !expectation(line, &e, where);
        }
    }
    if (open) {
        nlp_entities_free(&e);
        nlp_doc_free(&d);
    }
    free(text);
    if (!cases)
        fail_msg("%s: no cases", r->path);
    if (failed)
        fail_msg("rule %s: %d expectation(s) failed", r->name, failed);
}

/* Every case file names a rule of the tables. */
static void no_stray_files(void **state)
{
    const struct rule *rules = *state;
    static const char *const dirs[] = {"tests/nlp/passes", "tests/nlp/rules"};
    for (size_t i = 0; i < 2; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", source(), dirs[i]);
        DIR *dir = opendir(path);
        assert_non_null(dir);
        struct dirent *de;
        while ((de = readdir(dir))) {
            size_t n = strlen(de->d_name);
            if (n < 5 || strcmp(de->d_name + n - 4, ".txt"))
                continue;
            int known = 0;
            for (const struct rule *r = rules; r->name[0]; r++) {
                char want[sizeof path + sizeof de->d_name];
                snprintf(want, sizeof want, "%s/%s", path, de->d_name);
                known |= !strcmp(r->path, want);
            }
            if (!known)
                fail_msg("%s/%s names no rule of the recogniser", dirs[i], de->d_name);
        }
        closedir(dir);
    }
}

int main(void)
{
    static struct rule rules[MAX_RULES + 1];
    static struct CMUnitTest tests[MAX_RULES + 1];
    char names[MAX_RULES][64];
    size_t n = 0;
    static const struct {
        const char *file, *marker, *dir;
    } tables[] = {
        {"ner_passes.c", "PASS(", "tests/nlp/passes"},
        {"ner_runs.c", "RULE(", "tests/nlp/rules"},
    };
    for (size_t t = 0; t < 2; t++) {
        size_t got = table_names(tables[t].file, tables[t].marker, names, MAX_RULES - n);
        for (size_t i = 0; i < got; i++, n++) {
            snprintf(rules[n].name, sizeof rules[n].name, "%.63s", names[i]);
            snprintf(rules[n].path, sizeof rules[n].path, "%.300s/%s/%.63s.txt", source(),
                     tables[t].dir, names[i]);
            tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate(run_cases, &rules[n]);
            tests[n].name = rules[n].name;
        }
    }
    if (n < 2) {
        fprintf(stderr, "test_ner_cases: no rule tables found under %s/lib/nlp\n", source());
        return 1;
    }
    tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate(no_stray_files, rules);
    return _cmocka_run_group_tests("ner_cases", tests, n + 1, NULL, NULL);
}
