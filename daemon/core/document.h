/* The document: what flows through the pipeline, and its JSON form. */
#ifndef ND_DOCUMENT_H
#define ND_DOCUMENT_H

#include <jansson.h>
#include <newsdesk/plugin.h>
#include <stdint.h>

typedef enum doc_state {
    DOC_PENDING = 0, /* not run yet, or waiting to be retried */
    DOC_DONE,        /* went through the whole chain */
    DOC_FAILED,      /* a step failed for good */
} doc_state_t;

struct nd_doc {
    char id[65];
    uint8_t *raw;
    size_t raw_len;
    char *name, *path, *media_type, *parent_id;
    struct nd_doc *parent;  /* the container, for a spawned document */
    int64_t received;

    char *text;
    size_t text_len;
    json_t *fields; /* named fields, in insertion order */
    json_t *timings;
    int read;       /* a reader has set the text */
    int depth;      /* 0 for a file, 1 for its spawned documents */

    /* pipeline progress */
    doc_state_t state;
    size_t next_step;       /* first step still to run */
    const char *step;       /* the step running now, for logs (borrowed) */
    const char *plugin;     /* its plugin */
    unsigned attempts;      /* runs so far that ended in RETRY */
    char *stopped;          /* why a step ended the chain early (nd_doc_stop) */
    nd_status_t last;       /* what the last run returned */
    char *error;            /* why it failed or must be retried */
    char *error_step, *error_plugin;
    size_t *kept;           /* steps whose process accepted the document
                               and that can take it back (withdraw), in
                               the order they ran; taken back, last first,
                               when the document fails */
    size_t nkept;
    char *withdraw_error;   /* why taking it back must be retried */
    const char *withdraw_step; /* by which step (borrowed from the chain) */

    struct nd_doc **children; /* NULL once done and let go (doc_release_child) */
    size_t nchildren, children_cap;
    int64_t children_us;    /* time this step spent running children handed
                               over by the reader (nd_doc_spawn_done) */
    int child_waits;        /* a child asked to be retried: no more of
                               them run until the container runs again */
    size_t max_children;    /* spawn limit */

    char *json;             /* cached serialisation */
    size_t json_len;
};

/* A new document owning a copy of nothing: `raw` (malloc'd) passes to the
 * document. name and path are copied; media_type may be NULL. */
nd_doc_t *doc_new(uint8_t *raw, size_t len, const char *name,
                  const char *path, const char *media_type);
void doc_free(nd_doc_t *d);

/* The pipeline has finished with child i of `parent` (done, or failed for
 * good): keep only what the container still needs of it. A done child is
 * freed and its slot set to NULL; a failed one keeps its id, name, bytes,
 * attempts and error (what failed/ needs) and loses its text, fields and
 * JSON. A pending child (to be retried) is left as it is. */
void doc_release_child(nd_doc_t *parent, size_t i);

/* Record the failure reason for the current step (format as printf). */
void doc_set_error(nd_doc_t *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void doc_set_errorv(nd_doc_t *d, const char *fmt, va_list ap);
void doc_clear_error(nd_doc_t *d);

/* Append {"step": name, "us": us} to the document's timings. */
void doc_add_timing(nd_doc_t *d, const char *step, int64_t us);

/* The document as one line of newsdesk/1 JSON (no newline), cached until
 * the document changes. Borrowed. NULL when out of memory. */
const char *doc_to_json(nd_doc_t *d, size_t *len);

/* Host API functions (see include/newsdesk/plugin.h). */
const uint8_t *doc_raw(const nd_doc_t *d, size_t *len);
const char *doc_source(const nd_doc_t *d, const char *key);
const char *doc_id(const nd_doc_t *d);
int64_t doc_received(const nd_doc_t *d);
const char *doc_text(const nd_doc_t *d, size_t *len);
int doc_set_text(nd_doc_t *d, const char *text, size_t len);
int doc_set(nd_doc_t *d, const char *name, nd_val_t *v);
const nd_val_t *doc_get(const nd_doc_t *d, const char *name);
int doc_add_entity(nd_doc_t *d, const nd_entity_t *e);
int doc_add_topic(nd_doc_t *d, const char *list, const char *id,
                  const char *label, double score);
nd_doc_t *doc_spawn(nd_doc_t *parent, const void *raw, size_t len,
                    const char *media_type, const char *name);
const char *doc_json(nd_doc_t *d, size_t *len);
int doc_stop(nd_doc_t *d, const char *reason);

/* Set up the digest on the calling (main) thread before any worker
 * computes an id. Calling it is optional but keeps OpenSSL's per-thread
 * state off the worker threads. */
void doc_library_init(void);

/* SHA-256 of data as 64 hex digits and a NUL. Thread-safe. */
void sha256_hex(const void *data, size_t len, char out[65]);

/* Format t (seconds since the epoch) as 2026-11-28T16:40:00Z. */
void format_utc(int64_t t, char out[32]);

#endif
