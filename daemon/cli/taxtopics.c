/* The ids and labels of a taxonomy's topics (taxtopics.h). */
#include "taxtopics.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "base/grow.h"
#include "build_config.h"
#include "chain.h"
#include "loader.h"
#include "options.h"

#define MAX_DEPTH 8 /* includes within includes */

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
                                            : NULL;
}

static const char *field(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
         p < map->data.mapping.pairs.top; p++) {
        const char *k = scalar(yaml_document_get_node(doc, p->key));
        if (k && !strcmp(k, key))
            return scalar(yaml_document_get_node(doc, p->value));
    }
    return NULL;
}

static yaml_node_t *value(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
         p < map->data.mapping.pairs.top; p++) {
        const char *k = scalar(yaml_document_get_node(doc, p->key));
        if (k && !strcmp(k, key))
            return yaml_document_get_node(doc, p->value);
    }
    return NULL;
}

static int add(struct taxtopics *t, const char *id, const char *label)
{
    size_t cap = t->cap;
    char **ids = array_grow(t->ids, &cap, t->n + 1, sizeof *ids, 64);
    if (!ids)
        return -1;
    t->ids = ids;
    cap = t->cap;
    char **labels = array_grow(t->labels, &cap, t->n + 1, sizeof *labels, 64);
    if (!labels)
        return -1;
    t->labels = labels;
    t->cap = cap;
    t->ids[t->n] = strdup(id);
    t->labels[t->n] = label ? strdup(label) : NULL;
    if (!t->ids[t->n])
        return -1;
    t->n++;
    return 0;
}

static int load(struct taxtopics *t, const char *file, int depth, char *err,
                size_t errlen);

static int load_include(struct taxtopics *t, const char *from,
                        const char *name, int depth, char *err, size_t errlen)
{
    char dir[PATH_MAX], path[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", from);
    if (name[0] == '/')
        snprintf(path, sizeof path, "%s", name);
    else
        snprintf(path, sizeof path, "%s/%s", dirname(dir), name);
    return load(t, path, depth + 1, err, errlen);
}

static int load(struct taxtopics *t, const char *file, int depth, char *err,
                size_t errlen)
{
    if (depth > MAX_DEPTH) {
        snprintf(err, errlen, "%s: includes go more than %d deep", file, MAX_DEPTH);
        return -1;
    }
    FILE *f = fopen(file, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot be read", file);
        return -1;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    int ok = yaml_parser_load(&parser, &doc);
    yaml_parser_delete(&parser);
    fclose(f);
    if (!ok) {
        snprintf(err, errlen, "%s: not a YAML file", file);
        return -1;
    }
    int rc = 0;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    yaml_node_t *topics = value(&doc, root, "topics");
    for (yaml_node_item_t *it = topics && topics->type == YAML_SEQUENCE_NODE
                                    ? topics->data.sequence.items.start : NULL;
         it && it < topics->data.sequence.items.top && rc == 0; it++) {
        yaml_node_t *topic = yaml_document_get_node(&doc, *it);
        const char *id = field(&doc, topic, "id");
        if (id && add(t, id, field(&doc, topic, "label")) < 0) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }
    }
    yaml_node_t *inc = value(&doc, root, "include");
    if (rc == 0 && scalar(inc)) {
        rc = load_include(t, file, scalar(inc), depth, err, errlen);
    } else if (rc == 0 && inc && inc->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *it = inc->data.sequence.items.start;
             it < inc->data.sequence.items.top && rc == 0; it++) {
            const char *name = scalar(yaml_document_get_node(&doc, *it));
            if (name)
                rc = load_include(t, file, name, depth, err, errlen);
        }
    }
    yaml_document_delete(&doc);
    return rc;
}

int taxtopics_load(struct taxtopics *t, const char *file, char *err,
                   size_t errlen)
{
    memset(t, 0, sizeof *t);
    return load(t, file, 0, err, errlen);
}

void taxtopics_free(struct taxtopics *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->ids[i]);
        free(t->labels[i]);
    }
    free(t->ids);
    free(t->labels);
    memset(t, 0, sizeof *t);
}

int taxtopics_has(const struct taxtopics *t, const char *arg)
{
    size_t n = strlen(arg);
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->ids[i], arg) ||
            (t->labels[i] && n && !strncasecmp(t->labels[i], arg, n)))
            return 1;
    return 0;
}

const char *taxtopics_file(const struct chain *p)
{
    for (size_t i = 0; i < chain_length(p); i++) {
        const struct step_config *st = chain_step(p, i);
        if (strcmp(st->plugin, "topics"))
            continue;
        int idx = opts_find(st->opts, "taxonomy");
        if (idx >= 0 && st->opts->v[idx].set && st->opts->v[idx].str)
            return st->opts->v[idx].str;
        return running_from_build_tree() ? ND_SOURCE_TAXONOMY
                                         : ND_SYSCONFDIR "/newsdesk/taxonomy/iptc-top.yaml";
    }
    return NULL;
}
