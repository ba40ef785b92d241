/* newsdesk plugin SDK: the one header a plugin author needs.
 *
 * A plugin is a shared object that exports one symbol, ND_PLUGIN_ENTRY
 * (nd_plugin_entry_v<major>), returning a descriptor. Everything the host
 * offers reaches the plugin through a function table (nd_host_api_t) that
 * the host hands to that entry point; nothing is linked against. Both the
 * descriptor and the function table start with their own size and only ever
 * grow at their end, so a plugin built against an older minor version keeps
 * loading, and a plugin built against a newer one can tell which host
 * functions exist (the inline wrappers below do that check for you).
 *
 * Define the plugin with ND_PLUGIN(descriptor) in exactly one source file.
 *
 * Threads: the host calls `process` from its worker threads. Unless the
 * descriptor has ND_PLUGIN_SERIAL, several documents may be in `process` of
 * the same instance at once (each document is only ever in one thread).
 * `flush` never runs at the same time as `process` of the same instance,
 * unless the descriptor has ND_PLUGIN_CONCURRENT_FLUSH.
 * `init` and `fini` run on one thread with nothing else in the instance.
 *
 * Strings: every string is UTF-8. Strings handed to the host are copied
 * (invalid bytes become U+FFFD, control characters other than tab and
 * newline are dropped from text); strings returned by the host are borrowed
 * and valid until the document (or value) they came from is changed at that
 * name or destroyed, unless a function says otherwise.
 */
#ifndef NEWSDESK_PLUGIN_H
#define NEWSDESK_PLUGIN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ND_ABI_MAJOR 1
#define ND_ABI_MINOR 4

#define ND__CAT2(a, b) a##b
#define ND__CAT(a, b) ND__CAT2(a, b)
/* The entry symbol carries the ABI major, so a plugin of another major
 * fails cleanly at dlsym instead of misreading the descriptor. */
#define ND_PLUGIN_ENTRY ND__CAT(nd_plugin_entry_v, ND_ABI_MAJOR)
#define ND_PLUGIN_ENTRY_NAME "nd_plugin_entry_v1"

#if defined(__GNUC__)
#define ND__PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ND__EXPORT __attribute__((visibility("default")))
#define ND__HIDDEN __attribute__((visibility("hidden")))
#else
#define ND__PRINTF(f, a)
#define ND__EXPORT
#define ND__HIDDEN
#endif

/* ---- results ------------------------------------------------------------ */

typedef enum nd_status {
    ND_OK = 0,    /* done; go on with the next step */
    ND_SKIP = 1,  /* nothing to do for this document; go on */
    ND_RETRY = 2, /* transient failure (sink down, disk full, database
                     locked): the host retries later with capped, jittered
                     backoff; the document stays claimed */
    ND_FAIL = 3   /* permanent failure: the document goes to failed/ with
                     the message set by nd_doc_error() */
} nd_status_t;

typedef enum nd_role {
    ND_ROLE_READER = 1,    /* turns raw bytes into text and metadata */
    ND_ROLE_PROCESSOR = 2, /* adds fields: extraction, classification */
    ND_ROLE_EXPORTER = 3   /* writes the document somewhere durable */
} nd_role_t;

typedef enum nd_log_level {
    ND_LOG_ERROR = 3,
    ND_LOG_WARNING = 4,
    ND_LOG_NOTICE = 5,
    ND_LOG_INFO = 6,
    ND_LOG_DEBUG = 7
} nd_log_level_t;

/* ---- declared options ----------------------------------------------------
 * A plugin declares its options once, in a table ending with {0}. The host
 * checks every configured key against it (unknown keys, types, ranges,
 * choices, required), parses the values before `init`, and generates
 * `newsdesk plugins NAME` and the configuration reference from it. */

typedef enum nd_opt_type {
    ND_OPT_STRING = 1,
    ND_OPT_INT,      /* 64-bit signed integer */
    ND_OPT_DOUBLE,
    ND_OPT_BOOL,     /* true/false, yes/no, on/off */
    ND_OPT_SIZE,     /* bytes: "512", "64KiB", "32MiB", "1GiB" */
    ND_OPT_DURATION, /* milliseconds: "250ms", "2s", "5m", "1h" */
    ND_OPT_ENUM,     /* one of `choices` */
    ND_OPT_STRLIST,  /* a YAML sequence of strings (a lone string is a list
                        of one) */
    ND_OPT_PATH      /* a file system path; relative paths are kept as given
                        and mean the process's current directory, for the
                        host and the plugin alike */
} nd_opt_type_t;

#define ND_OPT_REQUIRED 0x1u   /* must be set: there is no default */
#define ND_OPT_DEPRECATED 0x2u /* still accepted, with a warning */
#define ND_OPT_RANGE 0x4u      /* `min` and `max` apply (numbers, sizes,
                                  durations; for strings: length) */
#define ND_OPT_SECRET 0x8u     /* a password, key or token: the host shows
                                  <redacted> instead of the value (newsdesk
                                  check, error messages); a host older than
                                  the flag ignores it */
#define ND_OPT_PROGRAM 0x10u   /* a program to run (ND_OPT_STRING or
                                  ND_OPT_PATH, or a ND_OPT_STRLIST whose
                                  first string it is): the host refuses the
                                  configuration (newsdesk check too) unless
                                  it names an executable file, looked up in
                                  PATH when it has no slash; a host older
                                  than the flag ignores it, so check again
                                  in `init` */

typedef struct nd_option {
    const char *name;
    nd_opt_type_t type;
    const char *def;                /* default, written as in YAML; NULL: none */
    unsigned flags;                 /* ND_OPT_* */
    double min, max;                /* with ND_OPT_RANGE, inclusive */
    const char *const *choices;     /* ND_OPT_ENUM: NULL-terminated */
    const char *desc;               /* one line, for people */
} nd_option_t;

/* Parsed option values of one pipeline step; owned by the host, valid from
 * `init` until `fini` returns. */
typedef struct nd_opts nd_opts_t;

/* ---- opaque host objects -------------------------------------------------- */

typedef struct nd_doc nd_doc_t;           /* one document in the pipeline */
typedef struct nd_val nd_val_t;           /* a JSON-like value */
typedef struct nd_instance nd_instance_t; /* one configured pipeline step */
typedef struct nd_hold nd_hold_t;         /* a counted reference to data
                                             attached to a document */

typedef enum nd_val_type {
    ND_VAL_NULL = 0,
    ND_VAL_BOOL,
    ND_VAL_INT,
    ND_VAL_NUM,
    ND_VAL_STR,
    ND_VAL_LIST,
    ND_VAL_OBJ
} nd_val_type_t;

/* An entity as added with nd_doc_add_entity(). `spans` holds `nspans` pairs
 * of Unicode code-point offsets [start, end) into the document's text. */
typedef struct nd_entity {
    const char *type;    /* PERSON, ORG, LOC, NORP, DATE, TIME, MONEY,
                            PERCENT, QUANTITY (or a plugin's own) */
    const char *text;    /* fullest form */
    uint32_t count;      /* all mentions */
    const uint32_t (*spans)[2];
    size_t nspans;
    nd_val_t *value;     /* normalised value or NULL; ownership passes to
                            the host */
} nd_entity_t;

/* ---- the host function table ---------------------------------------------
 * Append only: a new host function is added at the end and the minor
 * version goes up. `size` tells the plugin how much of it the running host
 * has. Plugins call these through the nd_* wrappers further down. */

typedef struct nd_host_api {
    uint32_t size;
    uint16_t abi_major, abi_minor;

    /* options */
    const char *(*opt_str)(const nd_opts_t *, const char *name);
    int64_t (*opt_int)(const nd_opts_t *, const char *name);
    double (*opt_double)(const nd_opts_t *, const char *name);
    int (*opt_bool)(const nd_opts_t *, const char *name);
    size_t (*opt_list)(const nd_opts_t *, const char *name,
                       const char *const **items);
    int (*opt_isset)(const nd_opts_t *, const char *name);

    /* the document: source */
    const uint8_t *(*doc_raw)(const nd_doc_t *, size_t *len);
    const char *(*doc_source)(const nd_doc_t *, const char *key);
    const char *(*doc_id)(const nd_doc_t *);
    int64_t (*doc_received)(const nd_doc_t *);

    /* text */
    const char *(*doc_text)(const nd_doc_t *, size_t *len);
    int (*doc_set_text)(nd_doc_t *, const char *text, size_t len);

    /* typed fields */
    int (*doc_set)(nd_doc_t *, const char *name, nd_val_t *v);
    const nd_val_t *(*doc_get)(const nd_doc_t *, const char *name);

    /* annotations */
    int (*doc_add_entity)(nd_doc_t *, const nd_entity_t *e);
    int (*doc_add_topic)(nd_doc_t *, const char *list, const char *id,
                         const char *label, double score);

    /* one input, several documents */
    nd_doc_t *(*doc_spawn)(nd_doc_t *parent, const void *raw, size_t len,
                           const char *media_type, const char *name);

    /* errors, logs, counters */
    void (*doc_error)(nd_doc_t *, const char *fmt, va_list ap);
    void (*doc_log)(const nd_doc_t *, nd_log_level_t, const char *fmt,
                    va_list ap);
    void (*log)(const nd_instance_t *, nd_log_level_t, const char *fmt,
                va_list ap);
    void (*counter_add)(nd_instance_t *, const char *name, int64_t delta);
    const char *(*instance_name)(const nd_instance_t *);

    /* values */
    nd_val_t *(*val_null)(void);
    nd_val_t *(*val_bool)(int b);
    nd_val_t *(*val_int)(int64_t i);
    nd_val_t *(*val_num)(double d);
    nd_val_t *(*val_str)(const char *s, size_t len);
    nd_val_t *(*val_list)(void);
    nd_val_t *(*val_obj)(void);
    int (*val_push)(nd_val_t *list, nd_val_t *item);
    int (*val_put)(nd_val_t *obj, const char *key, nd_val_t *item);
    void (*val_free)(nd_val_t *v);
    nd_val_type_t (*val_type)(const nd_val_t *v);
    const char *(*val_as_str)(const nd_val_t *v, size_t *len);
    double (*val_as_num)(const nd_val_t *v);
    int64_t (*val_as_int)(const nd_val_t *v);
    int (*val_as_bool)(const nd_val_t *v);
    size_t (*val_len)(const nd_val_t *v);
    const nd_val_t *(*val_at)(const nd_val_t *list, size_t i);
    const nd_val_t *(*val_get)(const nd_val_t *obj, const char *key);
    const char *(*val_key_at)(const nd_val_t *obj, size_t i,
                              const nd_val_t **item);
    nd_val_t *(*val_parse_json)(const char *json, size_t len, char *err,
                                size_t errlen);

    /* serialisation */
    const char *(*doc_json)(nd_doc_t *, size_t *len);
    const char *(*durable)(const nd_instance_t *);

    /* ABI 1.1: ending the chain early */
    int (*doc_stop)(nd_doc_t *, const char *reason);

    /* ABI 1.2: handing spawned documents over one at a time */
    int (*doc_spawn_done)(nd_doc_t *child);

    /* ABI 1.3: data attached to a document */
    int (*doc_attach)(nd_doc_t *, const char *name, const char *type,
                      void *data, void (*free_fn)(void *data));
    void *(*doc_attached)(const nd_doc_t *, const char *name,
                          const char *type);
    void *(*doc_hold)(const nd_doc_t *, const char *name, const char *type,
                      nd_hold_t **hold);
    void (*hold_release)(nd_hold_t *hold);
} nd_host_api_t;

/* ---- the descriptor ------------------------------------------------------- */

#define ND_PLUGIN_SERIAL 0x1u /* `process` is not thread-safe: the host
                                 serialises calls on each instance */
/* `flush` may run while `process`, `withdraw` and `confirm` of the same
 * instance run on other threads: the plugin guards its own state. Its
 * flush then makes durable at least what was confirmed (or, without
 * `confirm`, accepted) before the flush began; what comes in meanwhile
 * may wait for the next one. Worth it for a flush that waits on the disk
 * (a syncfs): without the flag, every worker that reaches the step waits
 * for it. A host that does not know the flag (before ABI 1.4) simply
 * keeps `flush` apart, which is always safe. */
#define ND_PLUGIN_CONCURRENT_FLUSH 0x2u

typedef struct nd_plugin {
    uint16_t abi_major;   /* ND_ABI_MAJOR */
    uint16_t abi_minor;   /* ND_ABI_MINOR */
    uint32_t struct_size; /* sizeof(nd_plugin_t) as the plugin saw it */

    const char *name;        /* unique; what `plugin:` names in the config */
    const char *version;
    const char *description; /* one line */
    nd_role_t role;
    unsigned flags;          /* ND_PLUGIN_* */

    /* Readers: the media types they read, NULL-terminated ("text/plain",
     * "text/html", "application/json"; shell-style globs also match). A
     * reader step runs on a document nobody has read yet whose sniffed
     * media type matches, unless the step has a `when`, which then
     * decides. */
    const char *const *media_types;

    const nd_option_t *options; /* may be NULL */

    /* Set up one instance from its parsed options. Store the instance's
     * state in *state. On failure write a reason into err and return a
     * negative value. `self` stays valid until fini returns. */
    int (*init)(nd_instance_t *self, const nd_opts_t *opts, void **state,
                char *err, size_t errlen);

    /* Work on one document. Return ND_FAIL or ND_RETRY after
     * nd_doc_error(). */
    nd_status_t (*process)(void *state, nd_doc_t *doc);

    /* Optional. Make everything accepted by `process` so far durable
     * (`sync` nonzero) or at least visible (`sync` zero). Documents are
     * only reported done after the flush that follows them returned ND_OK.
     * ND_RETRY: try again later; ND_FAIL: the documents since the last
     * flush fail, with `err`. */
    nd_status_t (*flush)(void *state, int sync, char *err, size_t errlen);

    /* Optional. Release the instance. */
    void (*fini)(void *state);

    /* ABI 1.2. Optional. Take back what `process` did for `doc`: it
     * returned ND_OK for this document, which then failed for good at a
     * later step (or was given up on), and a failed document must leave
     * no trace in any sink. Remove whatever `process` wrote or staged for
     * the document's id (a row, a file, a line waiting for the flush).
     * Called with the same locking as `process`, never during `flush`, at
     * most once per ND_OK (the last step first); possibly after a `flush`
     * that made the document durable, and possibly in a later run than
     * the one in which `process` accepted it (a step in between asked for
     * retries). ND_OK: taken back (or nothing to take back); ND_RETRY
     * after nd_doc_error(): not now (the sink is down), the host tries
     * again later and the document's file stays where it is meanwhile;
     * ND_FAIL after nd_doc_error(): it cannot be taken back, the host
     * logs it as an error and files the document as failed anyway. An
     * exporter without `withdraw` keeps what it was given (say so in its
     * documentation: a webhook's receiver cannot be made to forget). */
    nd_status_t (*withdraw)(void *state, nd_doc_t *doc);

    /* ABI 1.2. Optional. `doc`, which `process` accepted (ND_OK), has gone
     * through the whole chain and will not fail any more: what was held
     * back for it may be written at the next `flush`. With `withdraw`,
     * this gives an exporter that cannot take back what it wrote (an
     * append-only file) a two-step write: stage in `process`, drop in
     * `withdraw`, write at the `flush` after `confirm`. Called on the
     * document's worker thread with the same locking as `process`, once
     * per ND_OK that was not withdrawn, before the flush that is to make
     * the document durable. It cannot fail: keep what it needs ready in
     * `process`. */
    void (*confirm)(void *state, nd_doc_t *doc);
} nd_plugin_t;

typedef const nd_plugin_t *(*nd_plugin_entry_fn)(const nd_host_api_t *api);

/* The host's table, stored by ND_PLUGIN's entry point. One per plugin
 * object (hidden), so plugins never see each other's. */
extern ND__HIDDEN const nd_host_api_t *nd__api;

/* Define the entry point of a plugin whose descriptor is `desc`. */
#define ND_PLUGIN(desc)                                                     \
    ND__HIDDEN const nd_host_api_t *nd__api;                                \
    ND__EXPORT const nd_plugin_t *ND_PLUGIN_ENTRY(const nd_host_api_t *api); \
    ND__EXPORT const nd_plugin_t *ND_PLUGIN_ENTRY(const nd_host_api_t *api) \
    {                                                                       \
        nd__api = api;                                                      \
        return &(desc);                                                     \
    }

/* True when the running host has host function `fn`. */
#define ND_HAS(fn)                                                       \
    (nd__api && nd__api->size >= offsetof(nd_host_api_t, fn) +           \
                                     sizeof(nd__api->fn) && nd__api->fn)

/* The minor ABI version of the running host: what it calls and offers
 * beyond what ND_HAS can test (the descriptor's ABI 1.2 hooks, say). */
static inline unsigned nd_host_abi_minor(void)
{ return nd__api ? nd__api->abi_minor : 0; }

/* ---- wrappers --------------------------------------------------------------
 * Use these, not the table. A function the host lacks returns the failure
 * value given in its comment. */

/* Option values. Strings and lists are borrowed until `fini`. An option not
 * set and without a default reads as NULL / 0 / empty. Durations are in
 * milliseconds, sizes in bytes (both through nd_opt_int). */
static inline const char *nd_opt_str(const nd_opts_t *o, const char *name)
{ return ND_HAS(opt_str) ? nd__api->opt_str(o, name) : NULL; }
static inline int64_t nd_opt_int(const nd_opts_t *o, const char *name)
{ return ND_HAS(opt_int) ? nd__api->opt_int(o, name) : 0; }
static inline double nd_opt_double(const nd_opts_t *o, const char *name)
{ return ND_HAS(opt_double) ? nd__api->opt_double(o, name) : 0.0; }
static inline int nd_opt_bool(const nd_opts_t *o, const char *name)
{ return ND_HAS(opt_bool) ? nd__api->opt_bool(o, name) : 0; }
/* Number of strings in a list option; *items borrowed, may be NULL. */
static inline size_t nd_opt_list(const nd_opts_t *o, const char *name,
                                 const char *const **items)
{ return ND_HAS(opt_list) ? nd__api->opt_list(o, name, items) : 0; }
/* Nonzero when the user set the option (not just the default). */
static inline int nd_opt_isset(const nd_opts_t *o, const char *name)
{ return ND_HAS(opt_isset) ? nd__api->opt_isset(o, name) : 0; }

/* The original bytes, exactly as read; borrowed for the document's life.
 * For a document spawned by a reader, the bytes it was given. */
static inline const uint8_t *nd_doc_raw(const nd_doc_t *d, size_t *len)
{ if (len) *len = 0; return ND_HAS(doc_raw) ? nd__api->doc_raw(d, len) : NULL; }
/* Source metadata: "name" (file name), "path", "media_type", "parent"
 * (the container's id, for spawned documents). Borrowed; NULL if unknown. */
static inline const char *nd_doc_source(const nd_doc_t *d, const char *key)
{ return ND_HAS(doc_source) ? nd__api->doc_source(d, key) : NULL; }
/* The document id: SHA-256 of the original bytes, 64 hex digits. */
static inline const char *nd_doc_id(const nd_doc_t *d)
{ return ND_HAS(doc_id) ? nd__api->doc_id(d) : NULL; }
/* When the input was received, in seconds since the epoch (UTC). */
static inline int64_t nd_doc_received(const nd_doc_t *d)
{ return ND_HAS(doc_received) ? nd__api->doc_received(d) : 0; }

/* The text, NUL-terminated, or NULL before a reader has set it. Borrowed
 * until the next nd_doc_set_text on this document. */
static inline const char *nd_doc_text(const nd_doc_t *d, size_t *len)
{ if (len) *len = 0; return ND_HAS(doc_text) ? nd__api->doc_text(d, len) : NULL; }
/* Replace the text with a cleaned copy of `text` (invalid UTF-8 replaced,
 * control characters but \t and \n removed). Marks the document as read.
 * Returns 0, or -1 when out of memory. */
static inline int nd_doc_set_text(nd_doc_t *d, const char *text, size_t len)
{ return ND_HAS(doc_set_text) ? nd__api->doc_set_text(d, text, len) : -1; }

/* Set field `name` to `v`, replacing any value; takes ownership of `v`
 * even on failure. v == NULL or a null value removes the field: a
 * document never holds a null field. Returns 0 or -1. */
static inline int nd_doc_set(nd_doc_t *d, const char *name, nd_val_t *v)
{ return ND_HAS(doc_set) ? nd__api->doc_set(d, name, v) : -1; }
/* Field `name`, borrowed until it is set again; NULL if absent. */
static inline const nd_val_t *nd_doc_get(const nd_doc_t *d, const char *name)
{ return ND_HAS(doc_get) ? nd__api->doc_get(d, name) : NULL; }

/* Append one entity to the document's "entities" list. The strings are
 * copied; e->value's ownership passes to the host. Returns 0 or -1. */
static inline int nd_doc_add_entity(nd_doc_t *d, const nd_entity_t *e)
{ return ND_HAS(doc_add_entity) ? nd__api->doc_add_entity(d, e) : -1; }
/* Append {id, label, score} to list field `list` ("topics" or "labels";
 * label may be NULL). Returns 0 or -1. */
static inline int nd_doc_add_topic(nd_doc_t *d, const char *list,
                                   const char *id, const char *label,
                                   double score)
{ return ND_HAS(doc_add_topic) ? nd__api->doc_add_topic(d, list, id, label, score) : -1; }

/* Readers only: make a new document from `raw` (copied), e.g. one item of
 * a feed or of a JSON array. The child gets its own id (the SHA-256 of
 * `raw`) and goes through the whole pipeline on its own, from the first
 * step, after the parent's reader step returns; set fields on it (title,
 * url, ...) before returning. `media_type` says how to read it (NULL:
 * sniffed); `name` names it in logs and error records (NULL: the parent's
 * name with its index). The parent is then a container: it is not
 * processed further and counts as done when all its children are.
 * Returns a document borrowed until the reader returns, or NULL. */
static inline nd_doc_t *nd_doc_spawn(nd_doc_t *parent, const void *raw,
                                     size_t len, const char *media_type,
                                     const char *name)
{ return ND_HAS(doc_spawn) ? nd__api->doc_spawn(parent, raw, len, media_type, name) : NULL; }

/* Record why this step fails (ND_FAIL) or must be retried (ND_RETRY). The
 * message goes to the log and to failed/<name>.error.json. */
static inline void nd_doc_error(nd_doc_t *d, const char *fmt, ...) ND__PRINTF(2, 3);
static inline void nd_doc_error(nd_doc_t *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (ND_HAS(doc_error)) nd__api->doc_error(d, fmt, ap);
    va_end(ap);
}
/* Log a line about a document; the host adds its id, file and step. */
static inline void nd_doc_log(const nd_doc_t *d, nd_log_level_t lv, const char *fmt, ...) ND__PRINTF(3, 4);
static inline void nd_doc_log(const nd_doc_t *d, nd_log_level_t lv, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (ND_HAS(doc_log)) nd__api->doc_log(d, lv, fmt, ap);
    va_end(ap);
}
/* Log a line about an instance (from init, flush, fini). */
static inline void nd_log(const nd_instance_t *self, nd_log_level_t lv, const char *fmt, ...) ND__PRINTF(3, 4);
static inline void nd_log(const nd_instance_t *self, nd_log_level_t lv, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (ND_HAS(log)) nd__api->log(self, lv, fmt, ap);
    va_end(ap);
}
/* Add to the instance's counter `name` ([a-z0-9_]+), exported in metrics.
 * Thread-safe. */
static inline void nd_counter_add(nd_instance_t *self, const char *name, int64_t delta)
{ if (ND_HAS(counter_add)) nd__api->counter_add(self, name, delta); }
/* The step's instance name (`name:` in the config, else the plugin's). */
static inline const char *nd_instance_name(const nd_instance_t *self)
{ return ND_HAS(instance_name) ? nd__api->instance_name(self) : NULL; }
/* The durability the host asks of exporters: "batch", "always" or "none". */
static inline const char *nd_durable(const nd_instance_t *self)
{ return ND_HAS(durable) ? nd__api->durable(self) : "batch"; }

/* Values. Constructors return a new value owned by the caller (NULL when
 * out of memory); nd_val_push/nd_val_put take ownership of `item` even on
 * failure and return 0 or -1. Strings are copied and cleaned to UTF-8.
 * Accessors take borrowed values and return borrowed results; a type
 * mismatch reads as NULL / 0. */
static inline nd_val_t *nd_val_null(void) { return nd__api->val_null(); }
static inline nd_val_t *nd_val_bool(int b) { return nd__api->val_bool(b); }
static inline nd_val_t *nd_val_int(int64_t i) { return nd__api->val_int(i); }
static inline nd_val_t *nd_val_num(double x) { return nd__api->val_num(x); }
static inline nd_val_t *nd_val_strn(const char *s, size_t n) { return nd__api->val_str(s, n); }
static inline nd_val_t *nd_val_str(const char *s) { return s ? nd__api->val_str(s, (size_t)-1) : nd__api->val_null(); }
static inline nd_val_t *nd_val_list(void) { return nd__api->val_list(); }
static inline nd_val_t *nd_val_obj(void) { return nd__api->val_obj(); }
static inline int nd_val_push(nd_val_t *l, nd_val_t *it) { return nd__api->val_push(l, it); }
static inline int nd_val_put(nd_val_t *o, const char *k, nd_val_t *it) { return nd__api->val_put(o, k, it); }
static inline void nd_val_free(nd_val_t *v) { nd__api->val_free(v); }
static inline nd_val_type_t nd_val_type(const nd_val_t *v) { return v ? nd__api->val_type(v) : ND_VAL_NULL; }
static inline const char *nd_val_as_str(const nd_val_t *v, size_t *len) { return v ? nd__api->val_as_str(v, len) : NULL; }
static inline double nd_val_as_num(const nd_val_t *v) { return v ? nd__api->val_as_num(v) : 0.0; }
static inline int64_t nd_val_as_int(const nd_val_t *v) { return v ? nd__api->val_as_int(v) : 0; }
static inline int nd_val_as_bool(const nd_val_t *v) { return v ? nd__api->val_as_bool(v) : 0; }
static inline size_t nd_val_len(const nd_val_t *v) { return v ? nd__api->val_len(v) : 0; }
static inline const nd_val_t *nd_val_at(const nd_val_t *l, size_t i) { return l ? nd__api->val_at(l, i) : NULL; }
static inline const nd_val_t *nd_val_get(const nd_val_t *o, const char *k) { return o ? nd__api->val_get(o, k) : NULL; }
/* The i-th key of an object (insertion order) and its value in *item. */
static inline const char *nd_val_key_at(const nd_val_t *o, size_t i, const nd_val_t **item) { return o ? nd__api->val_key_at(o, i, item) : NULL; }
/* Parse JSON text into a new value owned by the caller; NULL with a reason
 * in err on a syntax error or nesting deeper than 2048 levels. */
static inline nd_val_t *nd_val_parse_json(const char *s, size_t n, char *err, size_t errlen)
{ return ND_HAS(val_parse_json) ? nd__api->val_parse_json(s, n, err, errlen) : NULL; }

/* Shorthands for the common field types. */
static inline int nd_doc_set_str(nd_doc_t *d, const char *name, const char *s)
{ return nd_doc_set(d, name, s ? nd_val_str(s) : NULL); }
static inline int nd_doc_set_num(nd_doc_t *d, const char *name, double x)
{ return nd_doc_set(d, name, nd_val_num(x)); }
static inline int nd_doc_set_int(nd_doc_t *d, const char *name, int64_t i)
{ return nd_doc_set(d, name, nd_val_int(i)); }
static inline int nd_doc_set_bool(nd_doc_t *d, const char *name, int b)
{ return nd_doc_set(d, name, nd_val_bool(b)); }
/* The string field `name`, borrowed, or NULL if absent or not a string. */
static inline const char *nd_doc_get_str(const nd_doc_t *d, const char *name)
{
    const nd_val_t *v = nd_doc_get(d, name);
    return v && nd_val_type(v) == ND_VAL_STR ? nd_val_as_str(v, NULL) : NULL;
}

/* The serialised document (schema newsdesk/1, one line, no newline),
 * borrowed until the document changes or is destroyed. For exporters. */
static inline const char *nd_doc_json(nd_doc_t *d, size_t *len)
{ if (len) *len = 0; return ND_HAS(doc_json) ? nd__api->doc_json(d, len) : NULL; }

/* ABI 1.1. End the chain for this document once the current step returns
 * ND_OK or ND_SKIP: the steps after it (exporters included) do not run,
 * and the document counts as done (its file goes to done/, as any other).
 * `reason` (copied) is logged with the document. For filters such as a
 * deduplicator that drops what it has seen; mark the document (a field)
 * so the reason stays visible. Returns 0, or -1 when the host is older
 * than ABI 1.1. */
static inline int nd_doc_stop(nd_doc_t *d, const char *reason)
{ return ND_HAS(doc_stop) ? nd__api->doc_stop(d, reason) : -1; }

/* ABI 1.2. Readers only, optional: the reader has finished with `child`,
 * a document it spawned in this call, and sets nothing more on it. The
 * host may then run the child through the pipeline at once, before the
 * reader returns, and let go of it: do not use `child` after this call.
 * A reader of many items (a feed of 100,000) calls it after each one so
 * that the items are not all in memory at once; children not handed over
 * run after the reader returns, as nd_doc_spawn says. A child that has
 * run this way stays run (exported) even if the reader then fails.
 * Returns 0, or -1 when `child` is not a document spawned by the reader
 * running now or the host is older than ABI 1.2 (nothing is lost: the
 * child then runs after the reader returns). */
static inline int nd_doc_spawn_done(nd_doc_t *child)
{ return ND_HAS(doc_spawn_done) ? nd__api->doc_spawn_done(child) : -1; }

/* ABI 1.3. Data attached to a document: what one step derives from the
 * text and other steps reuse instead of computing it again (the extraction
 * steps share libnewsdesk-nlp's analysis this way), while each plugin stays
 * usable alone and in any order: whoever needs the data first computes and
 * attaches it. docs/plugins.md has the rules; in short:
 *  - `name` says what it is ("nlp/analysis"), `type` its layout and
 *    version ("nlp_analysis/1"): asked for with another type, it reads as
 *    absent, so a plugin built against another layout never misreads it.
 *  - The document drops it when its text changes (nd_doc_set_text), when
 *    the chain has finished running it (done, failed, stopped or waiting
 *    for a retry) and when it is freed; free_fn(data) (unless NULL) runs
 *    once the document and every hold have let go.
 *  - Only the thread running the document attaches and looks up (a
 *    document is only ever in one thread); holds may be released anywhere.
 *
 * Attach `data` under `name`, replacing (and letting go of) what was
 * attached there. Returns 0, or -1 when out of memory, `name` or `type` is
 * missing or empty, or the host is older than ABI 1.3: the data is then
 * still the caller's. */
static inline int nd_doc_attach(nd_doc_t *d, const char *name, const char *type,
                                void *data, void (*free_fn)(void *data))
{ return ND_HAS(doc_attach) ? nd__api->doc_attach(d, name, type, data, free_fn) : -1; }
/* The data attached under `name` if its type is `type`, else NULL (and on
 * an older host). Borrowed until the document drops it or something is
 * attached under `name` again: in a `process` call that does neither,
 * until it returns. */
static inline void *nd_doc_attached(const nd_doc_t *d, const char *name,
                                    const char *type)
{ return ND_HAS(doc_attached) ? nd__api->doc_attached(d, name, type) : NULL; }
/* As nd_doc_attached, and keep it: *hold counts a reference, and the data
 * stays valid whatever happens to the document until
 * nd_hold_release(*hold), which may be called from any thread (free_fn may
 * then run there). For a step that needs the data after the document has
 * moved on (an exporter at its flush). *hold is NULL when nothing is
 * returned. */
static inline void *nd_doc_hold(const nd_doc_t *d, const char *name,
                                const char *type, nd_hold_t **hold)
{
    *hold = NULL;
    return ND_HAS(doc_hold) ? nd__api->doc_hold(d, name, type, hold) : NULL;
}
static inline void nd_hold_release(nd_hold_t *hold)
{ if (hold && ND_HAS(hold_release)) nd__api->hold_release(hold); }

#ifdef __cplusplus
}
#endif
#endif /* NEWSDESK_PLUGIN_H */
