/* What a relative path in a configuration means (the current directory is
 * its base), for messages and `newsdesk check`. */
#include "paths.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int path_is_relative(const char *path)
{
    return path && *path && *path != '/';
}

const char *path_absolute(const char *path, char *buf, size_t len)
{
    if (!path_is_relative(path)) {
        int n = snprintf(buf, len, "%s", path ? path : "");
        return n >= 0 && (size_t)n < len ? buf : NULL;
    }
    if (!getcwd(buf, len))
        return NULL;
    size_t n = strlen(buf);
    int leading = 1;
    for (const char *s = path; *s;) {
        size_t k = strcspn(s, "/");
        if (k == 0 || (k == 1 && s[0] == '.')) {
            /* an empty or "." component names the same folder */
        } else if (leading && k == 2 && s[0] == '.' && s[1] == '.') {
            /* getcwd's result has no symbolic links: ".." is its parent */
            char *slash = strrchr(buf, '/');
            n = slash && slash != buf ? (size_t)(slash - buf) : 1;
            buf[n] = '\0';
        } else {
            leading = 0;
            int root = n == 1 && buf[0] == '/';
            if (n + !root + k + 1 > len)
                return NULL;
            if (!root)
                buf[n++] = '/';
            memcpy(buf + n, s, k);
            n += k;
            buf[n] = '\0';
        }
        s += k + (s[k] == '/');
    }
    return buf;
}

const char *path_rule(const char *config_file, char *buf, size_t len)
{
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        snprintf(cwd, sizeof cwd, "(which cannot be read: %s)", strerror(errno));
    snprintf(buf, len, "relative paths%s%s are taken from the current "
             "directory, %s", config_file ? " in " : "",
             config_file ? config_file : "", cwd);
    return buf;
}

const char *path_shown(const char *path, char *buf, size_t len)
{
    char abs[PATH_MAX];
    if (path_is_relative(path) && path_absolute(path, abs, sizeof abs))
        snprintf(buf, len, "%s (%s)", path, abs);
    else
        snprintf(buf, len, "%s", path ? path : "");
    return buf;
}

const char *path_explained(const char *path, const char *config_file,
                           char *buf, size_t len)
{
    char abs[PATH_MAX], rule[PATH_MAX + 256];
    if (!path_is_relative(path))
        snprintf(buf, len, "%s", path ? path : "");
    else if (!path_absolute(path, abs, sizeof abs))
        snprintf(buf, len, "%s (%s)", path,
                 path_rule(config_file, rule, sizeof rule));
    else
        snprintf(buf, len, "%s (%s; %s)", path, abs,
                 path_rule(config_file, rule, sizeof rule));
    return buf;
}

int opt_is_path(const nd_opts_t *o, size_t i)
{
    const nd_option_t *opt = &o->table[i];
    return opt->type == ND_OPT_PATH ||
           (o->table == config_service_options &&
            !strcmp(opt->name, "plugin_path"));
}

/* Calls fn for each relative path among the options of `o` that are
 * set; stops at, and returns, the first nonzero result. */
static int each_relative(const nd_opts_t *o,
                         int (*fn)(const char *name, const char *path,
                                   void *ctx),
                         void *ctx)
{
    for (size_t i = 0; o && i < o->n; i++) {
        const struct opt_value *v = &o->v[i];
        if (!v->set || !opt_is_path(o, i))
            continue;
        size_t n = o->table[i].type == ND_OPT_PATH ? 1 : v->nlist;
        for (size_t k = 0; k < n; k++) {
            const char *p = o->table[i].type == ND_OPT_PATH ? v->str : v->list[k];
            int rc = path_is_relative(p) ? fn(o->table[i].name, p, ctx) : 0;
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int found(const char *name, const char *path, void *ctx)
{
    (void)name, (void)path, (void)ctx;
    return 1;
}

int opts_have_relative_path(const nd_opts_t *o)
{
    return each_relative(o, found, NULL);
}

struct note {
    const char *prefix;
    char *buf;
    size_t len, o;
};

static int add_to_note(const char *name, const char *path, void *ctx)
{
    struct note *n = ctx;
    char abs[PATH_MAX];
    if (n->o >= n->len)
        return 1;
    int w = snprintf(n->buf + n->o, n->len - n->o, "%s%s%s %s is %s",
                     n->o ? ", " : " (", n->prefix, name, path,
                     path_absolute(path, abs, sizeof abs) ? abs : "?");
    n->o += w > 0 ? (size_t)w : 0;
    return 0;
}

const char *paths_note(const nd_opts_t *o, const char *prefix,
                       const char *config_file, char *buf, size_t len)
{
    struct note n = {prefix, buf, len, 0};
    char rule[PATH_MAX + 256];
    buf[0] = '\0';
    each_relative(o, add_to_note, &n);
    if (n.o && n.o < len)
        snprintf(buf + n.o, len - n.o, "; %s)",
                 path_rule(config_file, rule, sizeof rule));
    return buf;
}
