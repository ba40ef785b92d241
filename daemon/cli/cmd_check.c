/* `newsdesk check`: read the configuration and the plugins it names, report
 * every problem (not just the first), and print the resolved pipeline,
 * with the absolute path beside each relative one (taken from the current
 * directory, as the daemon takes it). It starts nothing: no plugin's init
 * runs, no folder is created. Secrets in the values it prints are
 * redacted (redact.h): its output ends up in tickets and chat. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "options.h"
#include "paths.h"
#include "chain.h"
#include "redact.h"

static const char usage[] =
    "usage: newsdesk check [-c FILE]\n"
    "\n"
    "Read the configuration and the plugins it names, report every problem as\n"
    "file:line:column: message, and print the resolved pipeline with each\n"
    "option's value (secrets redacted) and the absolute path beside each\n"
    "relative one. Nothing is started.\n"
    "\n"
    HELP_CONFIG
    HELP_HELP
    "\n"
    "Exit status: 0 valid, 2 usage error, 78 configuration error.\n";

static void print_redacted(const nd_option_t *opt, const char *value)
{
    char *shown = redact_dup(opt, value);
    printf("%s", shown ? shown : REDACTED);
    free(shown);
}

static void print_value(const nd_option_t *opt, const struct opt_value *v)
{
    if (opt->type == ND_OPT_STRLIST) {
        printf("[");
        for (size_t i = 0; i < v->nlist; i++) {
            printf("%s\"", i ? ", " : "");
            print_redacted(opt, v->list[i]);
            printf("\"");
        }
        printf("]");
    } else {
        print_redacted(opt, v->str);
    }
}

/* After a path setting with a relative path in it: "  -> " and the
 * absolute path (or list of them) that it leads to. */
static void print_resolved(const nd_opts_t *o, size_t i)
{
    const struct opt_value *v = &o->v[i];
    if (!opt_is_path(o, i))
        return;
    int list = o->table[i].type == ND_OPT_STRLIST;
    int relative = list ? 0 : path_is_relative(v->str);
    for (size_t k = 0; list && k < v->nlist; k++)
        relative |= path_is_relative(v->list[k]);
    if (!relative)
        return;
    char abs[PATH_MAX];
    printf("  -> ");
    if (!list) {
        printf("%s", path_absolute(v->str, abs, sizeof abs) ? abs : "?");
        return;
    }
    printf("[");
    for (size_t k = 0; k < v->nlist; k++)
        printf("%s\"%s\"", k ? ", " : "",
               path_absolute(v->list[k], abs, sizeof abs) ? abs : "?");
    printf("]");
}

/* Every option when `all`, else those the user set and the paths (a
 * default path is where a step writes, and worth seeing). */
static void print_options(const nd_opts_t *o, const char *indent, int all)
{
    for (size_t i = 0; i < o->n; i++) {
        if (!o->v[i].set || (!all && !o->v[i].user_set && !opt_is_path(o, i)))
            continue;
        printf("%s%s: ", indent, o->table[i].name);
        print_value(&o->table[i], &o->v[i]);
        printf("%s", o->v[i].user_set ? "" : "  (default)");
        print_resolved(o, i);
        printf("\n");
    }
}

/* Are relative paths shown, so that the folder they lead from is worth
 * a line? */
static int any_relative(const struct chain *p)
{
    int any = opts_have_relative_path(chain_config(p)->inbox) ||
              opts_have_relative_path(chain_config(p)->service);
    for (size_t i = 0; i < chain_length(p) && !any; i++)
        any = opts_have_relative_path(chain_step(p, i)->opts);
    return any;
}

int cmd_check(int argc, char **argv)
{
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(usage, stdout);
            return 0;
        }
        if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc) {
            config = argv[++i];
        } else {
            fputs(usage, stderr);
            return EXIT_USAGE;
        }
    }
    const char *file = config_find(config);
    struct errlist errs = {0}, warns = {0};
    struct chain *p;
    int rc = chain_load(&p, file, &errs, &warns);
    print_errors(&warns, "warning: ");
    /* Plugins that failed to load but are not used are worth a warning. */
    for (size_t i = 0; i < registry_nerrors(chain_registry(p)); i++) {
        const struct load_error *e = registry_error(chain_registry(p), i);
        int used = 0;
        for (size_t s = 0; s < chain_length(p); s++)
            used |= e->name && !strcmp(chain_step(p, s)->plugin, e->name);
        if (!used)
            fprintf(stderr, "warning: %s: %s\n", e->path, e->reason);
    }
    if (rc < 0)
        return config_refused(file, &errs, &warns, p);
    printf("configuration: %s\n", file ? file : "(built-in defaults)");
    char cwd[PATH_MAX];
    if (any_relative(p))
        printf("relative paths: from the current directory, %s\n",
               getcwd(cwd, sizeof cwd) ? cwd : "(which cannot be read)");
    printf("inbox:\n");
    print_options(chain_config(p)->inbox, "  ", 1);
    printf("service:\n");
    print_options(chain_config(p)->service, "  ", 1);
    if (chain_config(p)->has_stream) {
        printf("stream:\n");
        print_options(chain_config(p)->stream, "  ", 1);
    }
    printf("pipeline%s:\n", chain_config(p)->default_chain ? " (the default chain)" : "");
    for (size_t i = 0; i < chain_length(p); i++) {
        const struct step_config *s = chain_step(p, i);
        const nd_plugin_t *d = &s->p->desc;
        printf("  %zu. %s", i + 1, s->name);
        if (strcmp(s->name, s->plugin))
            printf(" (plugin %s)", s->plugin);
        printf("  [%s, %s %s, %s]", plugin_role_name(d->role), d->name,
               d->version ? d->version : "", s->p->path);
        if (s->from_default)
            printf("  (from \"default\", line %d)", s->line);
        printf("\n");
        if (s->when) {
            printf("       when: ");
            print_redacted(NULL, s->when);
            printf("\n");
        }
        if (s->on_error_skip)
            printf("       on_error: skip\n");
        print_options(s->opts, "       ", 0);
    }
    printf("ok\n");
    errs_free(&errs);
    errs_free(&warns);
    chain_free(p);
    return 0;
}
