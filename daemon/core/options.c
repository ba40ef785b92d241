/* Declared options: parsing and checking values against an option table
 * (the plugins' and the core's own), and the nd_opt_* host functions. */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/program.h"
#include "redact.h"

const char *opt_type_name(nd_opt_type_t t)
{
    switch (t) {
    case ND_OPT_STRING: return "string";
    case ND_OPT_INT: return "integer";
    case ND_OPT_DOUBLE: return "number";
    case ND_OPT_BOOL: return "boolean";
    case ND_OPT_SIZE: return "size";
    case ND_OPT_DURATION: return "duration";
    case ND_OPT_ENUM: return "enum";
    case ND_OPT_STRLIST: return "list of strings";
    case ND_OPT_PATH: return "path";
    }
    return "?";
}

int parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1", NULL};
    static const char *const no[] = {"false", "no", "off", "0", NULL};
    for (size_t i = 0; yes[i]; i++) {
        if (!strcasecmp(s, yes[i])) {
            *out = 1;
            return 0;
        }
        if (!strcasecmp(s, no[i])) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

static int parse_int(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || isspace((unsigned char)*s))
        return -1;
    *out = v;
    return 0;
}

/* A number followed by an optional unit from `units`; *out = n * factor. */
struct unit {
    const char *name;
    double factor;
};

static int parse_units(const char *s, const struct unit *units, int64_t *out)
{
    char *end;
    errno = 0;
    if (!*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
        return -1;
    double v = strtod(s, &end);
    if (errno || end == s || !isfinite(v))
        return -1;
    while (*end == ' ')
        end++;
    for (size_t i = 0; units[i].name; i++) {
        if (!strcmp(end, units[i].name)) {
            double r = v * units[i].factor;
            if (r > 9.2e18)
                return -1;
            *out = (int64_t)llround(r);
            return 0;
        }
    }
    return -1;
}

int parse_size(const char *s, int64_t *out)
{
    static const struct unit units[] = {
        {"", 1}, {"B", 1}, {"KiB", 1024.0}, {"MiB", 1048576.0},
        {"GiB", 1073741824.0}, {"TiB", 1099511627776.0},
        {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
        {"k", 1024.0}, {"K", 1024.0}, {"M", 1048576.0}, {"G", 1073741824.0},
        {NULL, 0},
    };
    return parse_units(s, units, out);
}

int parse_duration_ms(const char *s, int64_t *out)
{
    static const struct unit units[] = {
        {"ms", 1}, {"s", 1000}, {"m", 60000}, {"min", 60000},
        {"h", 3600000}, {"d", 86400000}, {NULL, 0},
    };
    /* A bare number is taken as seconds, as in systemd units. */
    int64_t v;
    if (parse_int(s, &v) == 0) {
        if (v < 0 || v > INT64_MAX / 1000)
            return -1;
        *out = v * 1000;
        return 0;
    }
    return parse_units(s, units, out);
}

static size_t table_len(const nd_option_t *t)
{
    size_t n = 0;
    while (t && t[n].name)
        n++;
    return n;
}

int opts_find(const nd_opts_t *o, const char *name)
{
    for (size_t i = 0; i < o->n; i++)
        if (!strcmp(o->table[i].name, name))
            return (int)i;
    return -1;
}

static void clear_value(struct opt_value *v)
{
    free(v->str);
    if (v->list)
        for (size_t i = 0; i < v->nlist; i++)
            free(v->list[i]);
    free(v->list);
    memset(v, 0, sizeof *v);
}

static int in_range(const nd_option_t *opt, double x, char *err, size_t errlen)
{
    if (!(opt->flags & ND_OPT_RANGE) || (x >= opt->min && x <= opt->max))
        return 0;
    if (opt->flags & ND_OPT_SECRET)
        snprintf(err, errlen, "%s: out of range, expected %g to %g",
                 opt->name, opt->min, opt->max);
    else
        snprintf(err, errlen, "%s: %g is out of range, expected %g to %g",
                 opt->name, x, opt->min, opt->max);
    return -1;
}

static char *choices_text(const nd_option_t *opt, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; opt->choices && opt->choices[i]; i++)
        o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s",
                              i ? ", " : "", opt->choices[i]);
    return buf;
}

int opts_set_scalar(nd_opts_t *o, size_t idx, const char *text, char *err,
                    size_t errlen)
{
    const nd_option_t *opt = &o->table[idx];
    struct opt_value nv = {0};
    char buf[512], shown[256]; /* the text as error messages may show it */
    redact(shown, sizeof shown, opt, text);
    switch (opt->type) {
    case ND_OPT_STRING:
    case ND_OPT_PATH:
        if ((opt->flags & ND_OPT_RANGE) &&
            in_range(opt, (double)strlen(text), err, errlen) < 0)
            return -1;
        if (opt->type == ND_OPT_PATH && !*text) {
            snprintf(err, errlen, "%s: expected a path, got an empty string",
                     opt->name);
            return -1;
        }
        break;
    case ND_OPT_INT:
        if (parse_int(text, &nv.i) < 0) {
            snprintf(err, errlen, "%s: expected an integer, got \"%s\"",
                     opt->name, shown);
            return -1;
        }
        if (in_range(opt, (double)nv.i, err, errlen) < 0)
            return -1;
        nv.d = (double)nv.i;
        break;
    case ND_OPT_DOUBLE: {
        char *end;
        errno = 0;
        nv.d = strtod(text, &end);
        if (errno || end == text || *end || !isfinite(nv.d)) {
            snprintf(err, errlen, "%s: expected a number, got \"%s\"",
                     opt->name, shown);
            return -1;
        }
        if (in_range(opt, nv.d, err, errlen) < 0)
            return -1;
        nv.i = (int64_t)nv.d;
        break;
    }
    case ND_OPT_BOOL: {
        int b;
        if (parse_bool(text, &b) < 0) {
            snprintf(err, errlen,
                     "%s: expected true or false, got \"%s\"", opt->name, shown);
            return -1;
        }
        nv.i = b;
        nv.d = b;
        break;
    }
    case ND_OPT_SIZE:
        if (parse_size(text, &nv.i) < 0) {
            snprintf(err, errlen,
                     "%s: expected a size such as 512, 64KiB, 32MiB or 1GiB, "
                     "got \"%s\"", opt->name, shown);
            return -1;
        }
        if (in_range(opt, (double)nv.i, err, errlen) < 0)
            return -1;
        nv.d = (double)nv.i;
        break;
    case ND_OPT_DURATION:
        if (parse_duration_ms(text, &nv.i) < 0) {
            snprintf(err, errlen,
                     "%s: expected a duration such as 250ms, 2s, 5m or 1h, "
                     "got \"%s\"", opt->name, shown);
            return -1;
        }
        if ((opt->flags & ND_OPT_RANGE) &&
            (nv.i < opt->min || nv.i > opt->max)) {
            snprintf(err, errlen,
                     "%s: %s is out of range, expected %gms to %gms",
                     opt->name, shown, opt->min, opt->max);
            return -1;
        }
        nv.d = (double)nv.i;
        break;
    case ND_OPT_ENUM: {
        int ok = 0;
        for (size_t i = 0; opt->choices && opt->choices[i]; i++)
            if (!strcmp(opt->choices[i], text))
                ok = 1, nv.i = (int64_t)i;
        if (!ok) {
            snprintf(err, errlen, "%s: expected one of %s, got \"%s\"",
                     opt->name, choices_text(opt, buf, sizeof buf), shown);
            return -1;
        }
        break;
    }
    case ND_OPT_STRLIST: {
        const char *one[] = {text};
        return opts_set_list(o, idx, one, 1, err, errlen);
    }
    }
    nv.str = strdup(text);
    if (!nv.str) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    nv.set = 1;
    clear_value(&o->v[idx]);
    o->v[idx] = nv;
    return 0;
}

int opts_set_list(nd_opts_t *o, size_t idx, const char *const *items,
                  size_t n, char *err, size_t errlen)
{
    const nd_option_t *opt = &o->table[idx];
    if (opt->type != ND_OPT_STRLIST) {
        snprintf(err, errlen, "%s: expected a single %s, got a list",
                 opt->name, opt_type_name(opt->type));
        return -1;
    }
    struct opt_value nv = {0};
    nv.list = calloc(n + 1, sizeof *nv.list);
    if (!nv.list)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        if (!(nv.list[i] = strdup(items[i])))
            goto oom;
        nv.nlist++;
    }
    nv.set = 1;
    nv.i = (int64_t)n;
    clear_value(&o->v[idx]);
    o->v[idx] = nv;
    return 0;
oom:
    clear_value(&nv);
    snprintf(err, errlen, "out of memory");
    return -1;
}

int opts_check_program(const nd_option_t *opt, const struct opt_value *v,
                       char *err, size_t errlen)
{
    const char *name = opt->type == ND_OPT_STRLIST ? (v->nlist ? v->list[0] : NULL)
                                                   : v->str;
    if (!name) {
        snprintf(err, errlen, "%s: expected a program and its arguments, got "
                 "an empty list", opt->name);
        return -1;
    }
    char path[PATH_MAX], why[PATH_MAX + 256];
    if (program_find(name, getenv("PATH"), path, sizeof path, why, sizeof why) < 0) {
        snprintf(err, errlen, "%s: %s", opt->name, why);
        return -1;
    }
    return 0;
}

int opts_check_table(const nd_option_t *table, char *err, size_t errlen)
{
    nd_opts_t *o = opts_new(NULL);
    if (!o) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t n = table_len(table);
    o->table = table;
    o->n = n;
    o->v = calloc(n ? n : 1, sizeof *o->v);
    int rc = o->v ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const nd_option_t *opt = &table[i];
        char e[512];
        if (!*opt->name || opt->type < ND_OPT_STRING || opt->type > ND_OPT_PATH) {
            snprintf(err, errlen, "option %zu (\"%s\") has no valid name or type",
                     i, opt->name);
            rc = -1;
        } else if ((opt->flags & ND_OPT_PROGRAM) && opt->type != ND_OPT_STRING &&
                   opt->type != ND_OPT_PATH && opt->type != ND_OPT_STRLIST) {
            snprintf(err, errlen, "option %s names a program but is a %s, not "
                     "a string, path or list of strings", opt->name,
                     opt_type_name(opt->type));
            rc = -1;
        } else if (opt->type == ND_OPT_ENUM && (!opt->choices || !opt->choices[0])) {
            snprintf(err, errlen, "option %s is an enum without choices", opt->name);
            rc = -1;
        } else if (opt->def && opt->type != ND_OPT_STRLIST &&
                   opts_set_scalar(o, i, opt->def, e, sizeof e) < 0) {
            snprintf(err, errlen, "default of option %s does not parse: %s",
                     opt->name, e);
            rc = -1;
        }
        for (size_t j = 0; rc == 0 && j < i; j++)
            if (!strcmp(table[j].name, opt->name)) {
                snprintf(err, errlen, "option %s is declared twice", opt->name);
                rc = -1;
            }
    }
    opts_free(o);
    return rc;
}

nd_opts_t *opts_new(const nd_option_t *table)
{
    nd_opts_t *o = calloc(1, sizeof *o);
    if (!o || !table)
        return o;
    o->table = table;
    o->n = table_len(table);
    o->v = calloc(o->n ? o->n : 1, sizeof *o->v);
    if (!o->v) {
        free(o);
        return NULL;
    }
    for (size_t i = 0; i < o->n; i++) {
        const nd_option_t *opt = &table[i];
        char e[256];
        if (!opt->def)
            continue;
        if (opt->type == ND_OPT_STRLIST) {
            /* A list default is written as a comma-separated string. */
            char *copy = strdup(opt->def);
            const char *items[64];
            size_t n = 0;
            for (char *save, *t = strtok_r(copy, ",", &save); t && n < 64;
                 t = strtok_r(NULL, ",", &save)) {
                while (*t == ' ')
                    t++;
                items[n++] = t;
            }
            opts_set_list(o, i, items, n, e, sizeof e);
            free(copy);
        } else {
            opts_set_scalar(o, i, opt->def, e, sizeof e);
        }
    }
    return o;
}

void opts_free(nd_opts_t *o)
{
    if (!o)
        return;
    for (size_t i = 0; o->v && i < o->n; i++)
        clear_value(&o->v[i]);
    free(o->v);
    free(o);
}

const char *opts_names(const nd_option_t *table, const char *const *extra,
                       char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; extra && extra[i]; i++)
        o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s",
                              o ? ", " : "", extra[i]);
    for (size_t i = 0; table && table[i].name; i++)
        o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s",
                              o ? ", " : "", table[i].name);
    return buf;
}

static const struct opt_value *lookup(const nd_opts_t *o, const char *name)
{
    if (!o || !name)
        return NULL;
    int i = opts_find(o, name);
    return i >= 0 && o->v[i].set ? &o->v[i] : NULL;
}

const char *opt_str(const nd_opts_t *o, const char *name)
{
    const struct opt_value *v = lookup(o, name);
    return v ? v->str : NULL;
}

int64_t opt_int(const nd_opts_t *o, const char *name)
{
    const struct opt_value *v = lookup(o, name);
    return v ? v->i : 0;
}

double opt_double(const nd_opts_t *o, const char *name)
{
    const struct opt_value *v = lookup(o, name);
    return v ? v->d : 0.0;
}

int opt_bool(const nd_opts_t *o, const char *name)
{
    const struct opt_value *v = lookup(o, name);
    return v ? (int)v->i : 0;
}

size_t opt_list(const nd_opts_t *o, const char *name,
                const char *const **items)
{
    const struct opt_value *v = lookup(o, name);
    if (items)
        *items = v ? (const char *const *)v->list : NULL;
    return v ? v->nlist : 0;
}

int opt_isset(const nd_opts_t *o, const char *name)
{
    if (!o || !name)
        return 0;
    int i = opts_find(o, name);
    return i >= 0 && o->v[i].user_set;
}
