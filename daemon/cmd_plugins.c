/* `newsdesk plugins`: the plugins found, or one plugin's options, generated
 * from the descriptors' option tables (as text or JSON). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "options.h"
#include "pipeline.h"

static json_t *option_json(const nd_option_t *o)
{
    json_t *j = json_pack("{s:s, s:s, s:s?, s:b, s:b, s:s?}", "name", o->name,
                          "type", opt_type_name(o->type), "default", o->def,
                          "required", (o->flags & ND_OPT_REQUIRED) != 0,
                          "deprecated", (o->flags & ND_OPT_DEPRECATED) != 0,
                          "description", o->desc);
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
        printf(", default %s", *o->def ? o->def : "\"\"");
    if (o->flags & ND_OPT_DEPRECATED)
        printf(", deprecated");
    printf("\n  %-16s %s\n", "", o->desc ? o->desc : "");
}

int cmd_plugins(int argc, char **argv)
{
    const char *config = NULL, *name = NULL;
    int as_json = 0;
    for (int i = 1; i < argc; i++) {
        if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc)
            config = argv[++i];
        else if (!strcmp(argv[i], "--json"))
            as_json = 1;
        else if (argv[i][0] != '-' && !name)
            name = argv[i];
        else {
            fprintf(stderr, "usage: newsdesk plugins [-c FILE] [NAME] [--json]\n");
            return EXIT_USAGE;
        }
    }
    /* Only the plugin_path of the configuration matters here; its other
     * problems are `check`'s business. */
    struct errlist errs = {0}, warns = {0};
    struct pipeline *p;
    pipeline_load(&p, config_find(config), &errs, &warns);
    errs_free(&errs);
    errs_free(&warns);
    int rc = 0;
    if (name) {
        const struct plugin *pl = registry_find(&p->reg, name);
        if (!pl) {
            const struct load_error *le = registry_error_for(&p->reg, name);
            char names[2048];
            if (le)
                fprintf(stderr, "newsdesk: plugin %s cannot be used: %s: %s\n",
                        name, le->path, le->reason);
            else
                fprintf(stderr, "newsdesk: no plugin named \"%s\"; plugins "
                        "found: %s\n", name,
                        registry_names(&p->reg, names, sizeof names));
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
        for (size_t i = 0; i < p->reg.n; i++)
            json_array_append_new(all, plugin_json(&p->reg.plugins[i]));
        json_dumpf(all, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
        putchar('\n');
        json_decref(all);
    } else {
        for (size_t i = 0; i < p->reg.n; i++) {
            const nd_plugin_t *d = &p->reg.plugins[i].desc;
            printf("%-12s %-9s %-8s %s\n", d->name, plugin_role_name(d->role),
                   d->version ? d->version : "", d->description ? d->description : "");
        }
        for (size_t i = 0; i < p->reg.nerrors; i++)
            fprintf(stderr, "warning: %s: %s\n", p->reg.errors[i].path,
                    p->reg.errors[i].reason);
    }
    pipeline_free(p);
    return rc;
}
