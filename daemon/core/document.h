/* The document: what flows through the pipeline, and its JSON form. */
#ifndef ND_DOCUMENT_H
#define ND_DOCUMENT_H

#include <jansson.h>
#include <newsdesk/plugin.h>
#include <stdint.h>

#include "entities.h"

struct chain_run;

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
    /* What doc_add_entity added since the "entities" field was last read
     * or set, as records (entities.h): the field it stands for is absent
     * from `fields` while there are any. */
    struct entity_list entities;
    json_t *timings;
    int read;       /* a reader has set the text */
    int depth;      /* 0 for a file, 1 for its spawned documents */

    /* The run of the chain that is processing it now (borrowed; NULL
     * outside chain_run): where the host functions plugins call on a
     * document (an error, a stop, a log line) record what they say. The
     * document itself holds data only. */
    struct chain_run *run;

    struct nd_doc **children; /* NULL once done and let go (doc_release_child) */
    size_t nchildren, children_cap;
    size_t max_children;    /* spawn limit */

    char *json;             /* cached serialisation */
    size_t json_len;

    /* Data plugins attached (nd_doc_attach), derived from the text: the
     * document's own reference to each, by name. */
    nd_hold_t **att;
    size_t natt, att_cap;
};

/* A new document owning a copy of nothing: `raw` (malloc'd) passes to the
 * document. name and path are copied; media_type may be NULL. */
nd_doc_t *doc_new(uint8_t *raw, size_t len, const char *name,
                  const char *path, const char *media_type);
void doc_free(nd_doc_t *d);

/* The chain has finished with child i of `parent`: keep only what the
 * container still needs of it. A child `done` is freed and its slot set
 * to NULL; a failed one keeps its id, name and bytes (what failed/ needs)
 * and loses its text, fields and JSON. */
void doc_release_child(nd_doc_t *parent, size_t i, int done);

/* The chain has run d to its end and its exports are made: keep only
 * what recording and logging it still need (its id, name, raw_len and
 * children, released as above) and free the rest, bytes included, on the
 * thread that made it (the worker, which has it in its caches and its
 * malloc arena) rather than on the thread that records it. */
void doc_release(nd_doc_t *d);

/* Let go of everything attached to d: what the text was analysed into
 * does not outlive the text, nor the chain's run of the document. The
 * chain calls it once it has finished running d; doc_set_text, doc_free
 * and doc_release_child do too. */
void doc_detach_all(nd_doc_t *d);

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
int doc_attach(nd_doc_t *d, const char *name, const char *type, void *data,
               void (*free_fn)(void *data));
void *doc_attached(const nd_doc_t *d, const char *name, const char *type);
void *doc_hold(const nd_doc_t *d, const char *name, const char *type,
               nd_hold_t **hold);
void hold_release(nd_hold_t *hold);

/* Set up the digest on the calling (main) thread before any worker
 * computes an id. Calling it is optional but keeps OpenSSL's per-thread
 * state off the worker threads. */
void doc_library_init(void);

/* SHA-256 of data as 64 hex digits and a NUL. Thread-safe. */
void sha256_hex(const void *data, size_t len, char out[65]);

/* Format t (seconds since the epoch) as 2026-11-28T16:40:00Z. */
void format_utc(int64_t t, char out[32]);

#endif
