/* Declared options: parsing and checking values against an option table
 * (the plugins' and the core's own), and the nd_opt_* host functions. */
#ifndef ND_OPTIONS_H
#define ND_OPTIONS_H

#include <newsdesk/plugin.h>
#include <stddef.h>
#include <stdint.h>

struct opt_value {
    int set;      /* has a value (default or user) */
    int user_set; /* the user gave it */
    char *str;    /* string, enum, path: the text; others: as written */
    int64_t i;    /* int, size (bytes), duration (ms), bool */
    double d;
    char **list;  /* strlist, NULL-terminated */
    size_t nlist;
};

struct nd_opts {
    const nd_option_t *table;
    size_t n;
    struct opt_value *v;
};

/* A value set for `table` holding its defaults. NULL when out of memory;
 * a default that does not parse is an error in the table, reported in err
 * by opts_check_table. */
nd_opts_t *opts_new(const nd_option_t *table);
void opts_free(nd_opts_t *o);

/* Check an option table itself (names, types, defaults, choices). Returns
 * 0 or -1 with the reason in err. */
int opts_check_table(const nd_option_t *table, char *err, size_t errlen);

/* Index of option `name` in the table, or -1. */
int opts_find(const nd_opts_t *o, const char *name);

/* Set option idx from a scalar as written in YAML. Returns 0, or -1 with
 * what was expected in err. */
int opts_set_scalar(nd_opts_t *o, size_t idx, const char *text, char *err,
                    size_t errlen);
/* Set a list option from n strings (copied). */
int opts_set_list(nd_opts_t *o, size_t idx, const char *const *items,
                  size_t n, char *err, size_t errlen);

/* For an ND_OPT_PROGRAM option: does value v name an executable file
 * (program_find, with the PATH of this process)? Returns 0, or -1 with
 * what is wrong in err, prefixed with the option's name. */
int opts_check_program(const nd_option_t *opt, const struct opt_value *v,
                       char *err, size_t errlen);

/* Comma-separated names of all options in the table, for "expected one of"
 * messages. Writes into buf. */
const char *opts_names(const nd_option_t *table, const char *const *extra,
                       char *buf, size_t len);

/* The type as people read it in docs and errors. */
const char *opt_type_name(nd_opt_type_t t);

/* Unit parsers, also used by the config. Return 0 or -1. */
int parse_size(const char *s, int64_t *out);
int parse_duration_ms(const char *s, int64_t *out);
int parse_bool(const char *s, int *out);

/* The host functions. */
const char *opt_str(const nd_opts_t *o, const char *name);
int64_t opt_int(const nd_opts_t *o, const char *name);
double opt_double(const nd_opts_t *o, const char *name);
int opt_bool(const nd_opts_t *o, const char *name);
size_t opt_list(const nd_opts_t *o, const char *name,
                const char *const **items);
int opt_isset(const nd_opts_t *o, const char *name);

#endif
