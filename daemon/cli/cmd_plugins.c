/* `newsdesk plugins`: the plugins found, or one plugin's options, generated
 * from the descriptors' option tables (as text or JSON), and the Markdown
 * configuration reference (docs/configuration.md) from the core's and the
 * built-in plugins' tables. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "options.h"
#include "chain.h"
#include "redact.h"

static const char usage[] =
    "usage: newsdesk plugins [-c FILE] [--json] [NAME]\n"
    "       newsdesk plugins --reference\n"
    "\n"
    "List the plugins found (built-in, and in service.plugin_path of the\n"
    "configuration), with warnings for those refused and why; or, with NAME,\n"
    "one plugin's description and options.\n"
    "\n"
    HELP_CONFIG
    "      --json          the same as JSON\n"
    "      --reference     the configuration reference of the core and the\n"
    "                      built-in plugins, in Markdown (docs/configuration.md)\n"
    HELP_HELP
    "\n"
    "Exit status: 0 ok, 2 usage error or no such plugin, 78 a built-in plugin\n"
    "cannot be loaded (--reference).\n";

static json_t *option_json(const nd_option_t *o)
{
    char *def = o->def ? redact_dup(o, o->def) : NULL;
    json_t *j = json_pack("{s:s, s:s, s:s?, s:b, s:b, s:b, s:b, s:s?}", "name",
                          o->name, "type", opt_type_name(o->type), "default",
                          o->def ? (def ? def : REDACTED) : NULL, "required",
                          (o->flags & ND_OPT_REQUIRED) != 0, "deprecated",
                          (o->flags & ND_OPT_DEPRECATED) != 0, "secret",
                          (o->flags & ND_OPT_SECRET) != 0, "program",
                          (o->flags & ND_OPT_PROGRAM) != 0, "description",
                          o->desc);
    free(def);
    if (o->flags & ND_OPT_RANGE) {
        json_object_set_new(j, "min", json_real(o->min));
        json_object_set_new(j, "max", json_real(o->max));
    }
    if (o->choices) {
        json_t *c = json_array();
        for (size_t i = 0; o->choices[i]; i++)
            json_array_append_new(c, json_string(o->choices[i]));
        json_object_set_new(j, "choices", c);
    }
    return j;
}

static json_t *plugin_json(const struct plugin *p)
{
    const nd_plugin_t *d = &p->desc;
    json_t *j = json_pack("{s:s, s:s?, s:s?, s:s, s:b, s:s}", "name", d->name,
                          "version", d->version, "description", d->description,
                          "role", plugin_role_name(d->role),
                          "thread_safe", !(d->flags & ND_PLUGIN_SERIAL),
                          "path", p->path);
    if (d->media_types) {
        json_t *m = json_array();
        for (size_t i = 0; d->media_types[i]; i++)
            json_array_append_new(m, json_string(d->media_types[i]));
        json_object_set_new(j, "media_types", m);
    }
    json_t *opts = json_array();
    for (size_t i = 0; d->options && d->options[i].name; i++)
        json_array_append_new(opts, option_json(&d->options[i]));
    json_object_set_new(j, "options", opts);
    return j;
}

static void print_option(const nd_option_t *o)
{
    char def[512]; /* as it may be shown (redact.h) */
    redact(def, sizeof def, o, o->def);
    printf("  %-16s %s", o->name, opt_type_name(o->type));
    if (o->choices) {
        printf(" (");
        for (size_t i = 0; o->choices[i]; i++)
            printf("%s%s", i ? "|" : "", o->choices[i]);
        printf(")");
    }
    if (o->flags & ND_OPT_RANGE)
        printf(", %g to %g", o->min, o->max);
    if (o->flags & ND_OPT_REQUIRED)
        printf(", required");
    else if (o->def)
        printf(", default %s", *def ? def : "\"\"");
    if (o->flags & ND_OPT_DEPRECATED)
        printf(", deprecated");
    if (o->flags & ND_OPT_SECRET)
        printf(", secret (never shown)");
    if (o->flags & ND_OPT_PROGRAM)
        printf(", a program (checked: found in PATH, executable)");
    printf("\n  %-16s %s\n", "", o->desc ? o->desc : "");
}

/* ---- the configuration reference (Markdown) ---------------------------- */

/* A size or duration limit as a person writes it in the config. */
static void fmt_limit(char *buf, size_t len, nd_opt_type_t t, double v)
{
    struct unit { const char *unit; double scale; };
    static const struct unit sizes[] = {
        {"GiB", 1073741824.0}, {"MiB", 1048576.0}, {"KiB", 1024.0}},
        durations[] = {{"h", 3600000.0}, {"m", 60000.0}, {"s", 1000.0}};
    const struct unit *u =
        t == ND_OPT_SIZE ? sizes : t == ND_OPT_DURATION ? durations : NULL;
    for (size_t i = 0; u && i < 3; i++) {
        double q = v / u[i].scale;
        if (v >= u[i].scale && q == (double)(int64_t)q) {
            snprintf(buf, len, "%.15g%s", q, u[i].unit);
            return;
        }
    }
    snprintf(buf, len, "%.15g%s", v, t == ND_OPT_DURATION ? "ms" : "");
}

/* Plain text in Markdown, also inside a table cell: <dir> would read as
 * an HTML tag, a | would end the cell. */
static void md_text(const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", stdout); break;
        case '>': fputs("&gt;", stdout); break;
        case '&': fputs("&amp;", stdout); break;
        case '|': fputs("\\|", stdout); break;
        case '\n': putchar(' '); break;
        default: putchar(*s);
        }
    }
}

static void md_options(const nd_option_t *opts)
{
    if (!opts || !opts[0].name) {
        printf("No options.\n\n");
        return;
    }
    printf("| option | type | default | allowed | description |\n"
           "|---|---|---|---|---|\n");
    for (const nd_option_t *o = opts; o->name; o++) {
        char def[512]; /* as it may be shown (redact.h) */
        redact(def, sizeof def, o, o->def);
        printf("| `%s` | %s | ", o->name, opt_type_name(o->type));
        if (o->flags & ND_OPT_REQUIRED)
            printf("*required*");
        else if (o->def)
            printf("`%s`", *def ? def : "\"\"");
        else
            printf("(none)");
        printf(" | ");
        if (o->choices)
            for (size_t i = 0; o->choices[i]; i++)
                printf("%s`%s`", i ? ", " : "", o->choices[i]);
        if (o->flags & ND_OPT_RANGE) {
            char lo[32], hi[32];
            fmt_limit(lo, sizeof lo, o->type, o->min);
            fmt_limit(hi, sizeof hi, o->type, o->max);
            printf("%s to %s%s", lo, hi,
                   o->type == ND_OPT_STRING || o->type == ND_OPT_PATH
                       ? " characters" : "");
        }
        printf(" | ");
        if (o->flags & ND_OPT_DEPRECATED)
            printf("**Deprecated.** ");
        if (o->flags & ND_OPT_SECRET)
            printf("**Secret:** never shown. ");
        md_text(o->desc);
        if (o->flags & ND_OPT_PROGRAM)
            printf("; **checked:** %s an executable file, looked up in PATH "
                   "when it has no slash", o->type == ND_OPT_STRLIST
                   ? "the first string must name" : "must name");
        printf(" |\n");
    }
    printf("\n");
}

static int by_plugin_name(const void *a, const void *b)
{
    const struct plugin *const *x = a, *const *y = b;
    return strcmp((*x)->desc.name, (*y)->desc.name);
}

/* docs/configuration.md: the same bytes for the same option tables, so a
 * test can tell when the committed file is stale. */
static int print_reference(void)
{
    struct errlist errs = {0}, warns = {0};
    struct chain *p;
    /* The built-in plugins only: a user's plugin_path has no place in the
     * shipped reference. */
    chain_load(&p, NULL, &errs, &warns);
    errs_free(&warns);
    int rc = 0;
    if (registry_nerrors(chain_registry(p))) {
        for (size_t i = 0; i < registry_nerrors(chain_registry(p)); i++)
            fprintf(stderr, "newsdesk: %s: %s\n", registry_error(chain_registry(p), i)->path,
                    registry_error(chain_registry(p), i)->reason);
        rc = EXIT_CONFIG;
    }
    print_errors(&errs, "newsdesk: ");
    if (errs.n)
        rc = EXIT_CONFIG;
    errs_free(&errs);

    printf("# Configuration reference\n\n"
           "<!-- Generated by `newsdesk plugins --reference` (run "
           "tools/gen-docs); do not edit. -->\n\n"
           "newsdesk reads one YAML file: `-c FILE`, else `$NEWSDESK_CONFIG`, "
           "else `./newsdesk.yaml`, else `/etc/newsdesk/newsdesk.yaml`. "
           "Every key is optional. Values may use `${VAR}` and "
           "`${VAR:-default}` from the environment; sizes take `KiB`, `MiB`, "
           "`GiB`; durations `ms`, `s`, `m`, `h`. `newsdesk check` validates "
           "a file against the tables below.\n\n"
           "**Relative paths** (`inbox.path`, `inbox.state`, the folders of "
           "`service.plugin_path` and every option of type path below, "
           "defaults included) are taken from the current directory of the "
           "newsdesk process, not from the folder of the configuration "
           "file. That holds for every command (`run`, `process`, `check`, "
           "`search`, `status`, `plugins`) and for a reload. The systemd "
           "unit starts the daemon in `/var/lib/newsdesk` "
           "(`WorkingDirectory=`), so `./inbox` in the installed "
           "configuration is `/var/lib/newsdesk/inbox`: run other commands "
           "on that file from the same folder, or write absolute paths. "
           "`newsdesk check` prints the absolute path beside each relative "
           "one, and messages about a relative path say where it led. The "
           "defaults `./var/newsdesk.db` (sqlite) and `./var/dedupe.index` "
           "(dedupe) are under the current directory too, wherever "
           "`inbox.state` points. Two paths have another base on purpose: "
           "without `taxonomy:`, the topics plugin reads the taxonomy "
           "installed with newsdesk (the source tree's when it runs from "
           "the build tree), and an `include:` inside a taxonomy file is "
           "taken from that file's folder.\n\n");
    printf("## `inbox`\n\nThe watched folder and what happens to files.\n\n");
    md_options(config_inbox_options);
    printf("## `service`\n\nThe daemon itself.\n\n");
    md_options(config_service_options);
    printf("## `stream`\n\n"
           "Scale-out through a Redis stream ([scale-out.md](scale-out.md)). "
           "Without this section the daemon works alone; with it, it is a "
           "forwarder (its inbox feeds the stream, it runs no pipeline) or "
           "a worker (it has no inbox and runs the pipeline on what the "
           "stream gives it). `role` is required. Of the `inbox` options "
           "a worker uses only `max_attempts` and `max_bytes`; `newsdesk "
           "check` warns of the others in a worker's file, and of a "
           "`pipeline` in a forwarder's.\n\n");
    md_options(config_stream_options);
    printf("## `pipeline`\n\n"
           "A list of steps, run in order. Without a `pipeline` key the "
           "built-in chain runs: `text`, `html`, `json-reader`, `feed`, "
           "`language`, `entities`, `keywords`, `quotes`, `summary`, "
           "`topics`, then `json` into `./outbox`. An item written `default` "
           "stands for every step of that chain but its exporter, so "
           "`pipeline: [default, {plugin: sqlite}]` reads every format, "
           "extracts and classifies as the built-in chain does and archives "
           "into SQLite; `newsdesk check` prints the steps it stands for. "
           "Each step takes these reserved keys; every other key is an "
           "option of its plugin (below).\n\n"
           "| key | meaning |\n|---|---|\n"
           "| `plugin` | the plugin to run (required) |\n"
           "| `name` | the instance name, unique in the chain; default the "
           "plugin's name |\n"
           "| `when` | a condition on document fields, e.g. "
           "`language == \"en\"`; the step runs only when it holds |\n"
           "| `on_error` | `fail` (default): the document fails; `skip`: the "
           "step is skipped and the document goes on |\n\n");
    printf("## Plugins\n\n");
    const struct plugin **sorted = calloc(registry_count(chain_registry(p)) + 1, sizeof *sorted);
    for (size_t i = 0; sorted && i < registry_count(chain_registry(p)); i++)
        sorted[i] = registry_plugin(chain_registry(p), i);
    if (sorted)
        qsort(sorted, registry_count(chain_registry(p)), sizeof *sorted, by_plugin_name);
    for (size_t i = 0; sorted && i < registry_count(chain_registry(p)); i++) {
        const nd_plugin_t *d = &sorted[i]->desc;
        printf("### %s\n\n", d->name);
        if (d->description) {
            md_text(d->description);
            printf("\n\n");
        }
        printf("Role: %s. %s.", plugin_role_name(d->role),
               d->flags & ND_PLUGIN_SERIAL
                   ? "Serial: one document at a time per instance"
                   : "Thread-safe: documents run through it in parallel");
        if (d->media_types) {
            printf(" Reads:");
            for (size_t k = 0; d->media_types[k]; k++)
                printf("%s `%s`", k ? "," : "", d->media_types[k]);
            printf(".");
        }
        printf("\n\n");
        md_options(d->options);
    }
    free(sorted);
    chain_free(p);
    return rc;
}

int cmd_plugins(int argc, char **argv)
{
    const char *config = NULL, *name = NULL;
    int as_json = 0;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(usage, stdout);
            return 0;
        }
        if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc)
            config = argv[++i];
        else if (!strcmp(argv[i], "--json"))
            as_json = 1;
        else if (!strcmp(argv[i], "--reference") && argc == 2)
            return print_reference();
        else if (argv[i][0] != '-' && !name)
            name = argv[i];
        else {
            fputs(usage, stderr);
            return EXIT_USAGE;
        }
    }
    /* Only the plugin_path of the configuration matters here; its other
     * problems are `check`'s business. */
    struct errlist errs = {0}, warns = {0};
    struct chain *p;
    chain_load(&p, config_find(config), &errs, &warns);
    errs_free(&errs);
    errs_free(&warns);
    int rc = 0;
    if (name) {
        const struct plugin *pl = registry_find(chain_registry(p), name);
        if (!pl) {
            const struct load_error *le = registry_error_for(chain_registry(p), name);
            char names[2048];
            if (le)
                fprintf(stderr, "newsdesk: plugin %s cannot be used: %s: %s\n",
                        name, le->path, le->reason);
            else
                fprintf(stderr, "newsdesk: no plugin named \"%s\"; plugins "
                        "found: %s\n", name,
                        registry_names(chain_registry(p), names, sizeof names));
            rc = EXIT_USAGE;
        } else if (as_json) {
            json_t *j = plugin_json(pl);
            json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
            putchar('\n');
            json_decref(j);
        } else {
            const nd_plugin_t *d = &pl->desc;
            printf("%s %s (%s%s)\n  %s\n  %s\n", d->name, d->version ? d->version : "",
                   plugin_role_name(d->role),
                   d->flags & ND_PLUGIN_SERIAL ? ", serial" : "",
                   d->description ? d->description : "", pl->path);
            if (d->media_types) {
                printf("reads:");
                for (size_t i = 0; d->media_types[i]; i++)
                    printf(" %s", d->media_types[i]);
                printf("\n");
            }
            printf("options:%s\n", d->options && d->options[0].name ? "" : " none");
            for (size_t i = 0; d->options && d->options[i].name; i++)
                print_option(&d->options[i]);
        }
    } else if (as_json) {
        json_t *all = json_array();
        for (size_t i = 0; i < registry_count(chain_registry(p)); i++)
            json_array_append_new(all, plugin_json(registry_plugin(chain_registry(p), i)));
        json_dumpf(all, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
        putchar('\n');
        json_decref(all);
    } else {
        for (size_t i = 0; i < registry_count(chain_registry(p)); i++) {
            const nd_plugin_t *d = &registry_plugin(chain_registry(p), i)->desc;
            printf("%-12s %-9s %-8s %s\n", d->name, plugin_role_name(d->role),
                   d->version ? d->version : "", d->description ? d->description : "");
        }
        for (size_t i = 0; i < registry_nerrors(chain_registry(p)); i++)
            fprintf(stderr, "warning: %s: %s\n", registry_error(chain_registry(p), i)->path,
                    registry_error(chain_registry(p), i)->reason);
    }
    chain_free(p);
    return rc;
}
