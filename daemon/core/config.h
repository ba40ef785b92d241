/* The configuration file (YAML): finding it, expanding ${VAR}, checking
 * every key against the core's and the plugins' option tables, and the
 * built-in defaults. Errors are collected, each as file:line:column. */
#ifndef ND_CONFIG_H
#define ND_CONFIG_H

#include <newsdesk/plugin.h>
#include <stddef.h>

#include "loader.h"

struct errlist {
    char **msgs;
    size_t n, cap;
};

void errs_add(struct errlist *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void errs_free(struct errlist *e);

struct cond;

struct step_config {
    char *plugin;           /* plugin name */
    char *name;             /* instance name */
    char *when;             /* condition as written, or NULL */
    struct cond *cond;      /* compiled `when`, or NULL */
    int on_error_skip;      /* on_error: skip */
    const struct plugin *p; /* resolved in the registry */
    nd_opts_t *opts;        /* checked and parsed options */
    int line, col;          /* where the step starts (1-based; 0: default) */
    int from_default;       /* one of the steps a `- default` item stands for */
};

enum durable_mode { DURABLE_BATCH = 0, DURABLE_ALWAYS, DURABLE_NONE };

struct config {
    char *file;           /* NULL: built-in defaults, no file */
    nd_opts_t *inbox;     /* checked against config_inbox_options */
    nd_opts_t *service;   /* checked against config_service_options */
    nd_opts_t *stream;    /* config_stream_options; defaults without one */
    int has_stream;       /* the file has a `stream` section */
    struct step_config *steps;
    size_t nsteps, steps_cap;
    int default_chain;    /* no `pipeline` key: the built-in chain (a
                           * `- default` item adds its steps but this stays 0) */
    int empty;            /* the file holds nothing (or only comments) */
};

extern const nd_option_t config_inbox_options[];
extern const nd_option_t config_service_options[];
extern const nd_option_t config_stream_options[];

/* The config file to use: `explicit` (-c), else $NEWSDESK_CONFIG, else
 * ./newsdesk.yaml, else /etc/newsdesk/newsdesk.yaml if they exist; NULL for
 * the built-in defaults. The result is borrowed (explicit or a static). */
const char *config_find(const char *explicit);

/* Read and check `file` (NULL: built-in defaults), loading the plugins it
 * needs into `reg` (plugin_path first, then the built-in directory): every
 * plugin of those folders, or, when `reg` is on demand
 * (registry_on_demand), the plugins the pipeline names.
 * Returns 0, or -1 with every problem found in `errs` (warnings, such as
 * deprecated options, go to `warns`). `c` must be released with
 * config_free either way. */
int config_load(struct config *c, const char *file, struct registry *reg,
                struct errlist *errs, struct errlist *warns);
void config_free(struct config *c);

/* Shorthands for the core's settings. */
const char *config_str(const struct config *c, const char *section,
                       const char *key);
int64_t config_int(const struct config *c, const char *section,
                   const char *key);
size_t config_list(const struct config *c, const char *section,
                   const char *key, const char *const **items);

#endif
