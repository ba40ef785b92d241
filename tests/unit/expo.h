/* A strict reader of the Prometheus text exposition format (0.0.4) for
 * tests: every line is a HELP, a TYPE or a sample; each family is typed
 * before its samples and contiguous; names and labels are well formed;
 * values are floats; series are unique; counters end in _total; no name
 * holds its type (x_counter_total, as promtool's linter says); each
 * histogram has cumulative buckets ending at +Inf equal to its _count and
 * a _sum. Header-only: included by the tests that need it. */
#ifndef ND_TEST_EXPO_H
#define ND_TEST_EXPO_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPO_MAX 4096

struct expo_sample {
    char name[128];
    char labels[512]; /* as written between the braces, le removed */
    char le[32];      /* histogram buckets */
    double value;
};

struct expo {
    struct expo_sample s[EXPO_MAX];
    size_t n;
    char err[768]; /* room for a series' name, labels and le */
};

static int expo__name_ok(const char *s, size_t n, int colon)
{
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 c == '_' || (colon && c == ':') || (i && c >= '0' && c <= '9');
        if (!ok)
            return 0;
    }
    return 1;
}

static int expo__value(const char *s, double *v)
{
    if (!strcmp(s, "+Inf")) { *v = INFINITY; return 0; }
    if (!strcmp(s, "-Inf")) { *v = -INFINITY; return 0; }
    if (!strcmp(s, "NaN")) { *v = NAN; return 0; }
    char *end;
    *v = strtod(s, &end);
    return *s && !*end && strcmp(s, "inf") && strcmp(s, "nan") ? 0 : -1;
}

#define EXPO_FAIL(...) do { snprintf(e->err, sizeof e->err, "line %d: ", \
    lineno); snprintf(e->err + strlen(e->err), sizeof e->err - \
    strlen(e->err), __VA_ARGS__); return -1; } while (0)

/* Parse and check `text`. Returns 0, or -1 with the reason in e->err. */
static int expo_parse(struct expo *e, const char *text)
{
    char fam[128] = "", type[16] = "", done[64][128];
    size_t ndone = 0;
    int lineno = 0;
    e->n = 0;
    e->err[0] = '\0';
    size_t tl = strlen(text);
    if (!tl || text[tl - 1] != '\n') {
        snprintf(e->err, sizeof e->err, "the text must end with a newline");
        return -1;
    }
    for (const char *p = text; *p; ) {
        const char *nl = strchr(p, '\n');
        char line[1024];
        size_t len = (size_t)(nl - p);
        lineno++;
        if (len >= sizeof line)
            EXPO_FAIL("too long");
        memcpy(line, p, len);
        line[len] = '\0';
        p = nl + 1;
        if (!len)
            EXPO_FAIL("empty line");
        if (line[0] == '#') {
            char kw[8], name[128];
            int off = 0;
            if (sscanf(line, "# %7s %127s %n", kw, name, &off) < 2 || !off)
                EXPO_FAIL("comment is neither HELP nor TYPE: %s", line);
            if (!expo__name_ok(name, strlen(name), 1))
                EXPO_FAIL("bad metric name %s", name);
            if (!strcmp(kw, "HELP")) {
                if (!line[off])
                    EXPO_FAIL("HELP without text");
                continue;
            }
            if (strcmp(kw, "TYPE"))
                EXPO_FAIL("unknown keyword %s", kw);
            const char *t = line + off;
            if (strcmp(t, "counter") && strcmp(t, "gauge") &&
                strcmp(t, "histogram") && strcmp(t, "summary") &&
                strcmp(t, "untyped"))
                EXPO_FAIL("unknown type %s", t);
            for (size_t i = 0; i < ndone; i++)
                if (!strcmp(done[i], name))
                    EXPO_FAIL("family %s typed twice or not contiguous", name);
            if (!strcmp(t, "counter") &&
                (strlen(name) < 6 || strcmp(name + strlen(name) - 6, "_total")))
                EXPO_FAIL("counter %s does not end in _total", name);
            char typed[48];
            snprintf(typed, sizeof typed, "_%s", t);
            const char *in = strstr(name, typed);
            if (strcmp(t, "untyped") && in &&
                (in[strlen(typed)] == '_' || !in[strlen(typed)]))
                EXPO_FAIL("name %s should not include its type %s", name, t);
            if (ndone == 64)
                EXPO_FAIL("too many families for this checker");
            strcpy(done[ndone++], name);
            strcpy(fam, name);
            snprintf(type, sizeof type, "%s", t);
            continue;
        }
        /* sample: name [{labels}] SP value */
        if (e->n == EXPO_MAX)
            EXPO_FAIL("too many samples for this checker");
        struct expo_sample *s = &e->s[e->n];
        memset(s, 0, sizeof *s);
        size_t i = 0;
        while (line[i] && line[i] != '{' && line[i] != ' ')
            i++;
        if (!expo__name_ok(line, i, 1) || i >= sizeof s->name)
            EXPO_FAIL("bad sample name in %s", line);
        memcpy(s->name, line, i);
        if (!fam[0])
            EXPO_FAIL("sample %s before any TYPE", s->name);
        size_t fl = strlen(fam);
        const char *suffix = strncmp(s->name, fam, fl) ? NULL : s->name + fl;
        int is_hist = !strcmp(type, "histogram");
        if (!suffix || (*suffix && !(is_hist && (!strcmp(suffix, "_bucket") ||
                                                 !strcmp(suffix, "_sum") ||
                                                 !strcmp(suffix, "_count")))))
            EXPO_FAIL("sample %s is not of family %s (%s)", s->name, fam, type);
        if (is_hist && !*suffix)
            EXPO_FAIL("histogram sample %s without a suffix", s->name);
        size_t lo = 0;
        if (line[i] == '{') {
            i++;
            for (int first = 1; line[i] != '}'; first = 0) {
                if (!first) {
                    if (line[i] != ',')
                        EXPO_FAIL("expected , or } in %s", line);
                    i++;
                }
                size_t ns = i;
                while (line[i] && line[i] != '=')
                    i++;
                if (!expo__name_ok(line + ns, i - ns, 0) || line[i] != '=' ||
                    line[i + 1] != '"')
                    EXPO_FAIL("bad label in %s", line);
                char lname[64] = "";
                if (i - ns < sizeof lname)
                    memcpy(lname, line + ns, i - ns);
                i += 2;
                char val[256];
                size_t vo = 0;
                for (; line[i] != '"'; i++) {
                    if (!line[i])
                        EXPO_FAIL("unterminated label value in %s", line);
                    if (line[i] == '\\') {
                        i++;
                        if (line[i] != '\\' && line[i] != '"' && line[i] != 'n')
                            EXPO_FAIL("bad escape in %s", line);
                    }
                    if (vo < sizeof val - 1)
                        val[vo++] = line[i];
                }
                val[vo] = '\0';
                i++;
                if (!strcmp(lname, "le")) {
                    snprintf(s->le, sizeof s->le, "%.31s", val);
                } else {
                    lo += (size_t)snprintf(s->labels + lo,
                                           sizeof s->labels - lo, "%s%.*s",
                                           lo ? "," : "", (int)(i - ns),
                                           line + ns);
                }
            }
            i++;
        }
        if (line[i] != ' ' || !line[i + 1] || strchr(line + i + 1, ' '))
            EXPO_FAIL("expected one value after the labels in %s", line);
        if (expo__value(line + i + 1, &s->value) < 0)
            EXPO_FAIL("bad value in %s", line);
        if (is_hist && !strcmp(suffix, "_bucket") != !!s->le[0])
            EXPO_FAIL("le belongs on buckets only: %s", line);
        for (size_t k = 0; k < e->n; k++)
            if (!strcmp(e->s[k].name, s->name) &&
                !strcmp(e->s[k].labels, s->labels) &&
                !strcmp(e->s[k].le, s->le))
                EXPO_FAIL("duplicate series %s", line);
        e->n++;
    }
    /* Histograms: buckets ascending and cumulative up to +Inf == _count. */
    for (size_t k = 0; k < e->n; k++) {
        const struct expo_sample *c = &e->s[k];
        size_t nl = strlen(c->name);
        if (nl < 6 || strcmp(c->name + nl - 6, "_count"))
            continue;
        char base[128], bucket[140], sum[140];
        snprintf(base, sizeof base, "%.*s", (int)(nl - 6), c->name);
        snprintf(bucket, sizeof bucket, "%s_bucket", base);
        snprintf(sum, sizeof sum, "%s_sum", base);
        double last_le = -INFINITY, last_v = 0;
        int nb = 0, has_sum = 0, inf = 0;
        for (size_t m = 0; m < e->n; m++) {
            const struct expo_sample *b = &e->s[m];
            if (strcmp(b->labels, c->labels))
                continue;
            if (!strcmp(b->name, sum))
                has_sum = 1;
            if (strcmp(b->name, bucket))
                continue;
            double le;
            if (expo__value(b->le, &le) < 0 || le <= last_le || b->value < last_v) {
                snprintf(e->err, sizeof e->err, "%s{%s}: buckets not ascending "
                         "and cumulative at le=%s", base, c->labels, b->le);
                return -1;
            }
            last_le = le, last_v = b->value, nb++;
            inf = isinf(le);
        }
        if (!nb || !inf || last_v != c->value || !has_sum) {
            snprintf(e->err, sizeof e->err, "%s{%s}: needs buckets up to "
                     "+Inf equal to _count, and _sum", base, c->labels);
            return -1;
        }
    }
    return 0;
}

/* The value of the series `name` with exactly `labels` (as written, le
 * excluded) and bucket `le` ("" if none); NAN when absent. */
static double expo_get(const struct expo *e, const char *name,
                       const char *labels, const char *le)
{
    for (size_t k = 0; k < e->n; k++)
        if (!strcmp(e->s[k].name, name) && !strcmp(e->s[k].labels, labels) &&
            !strcmp(e->s[k].le, le))
            return e->s[k].value;
    return NAN;
}

#endif
