/* Why a document failed: what its error record says, wherever its source
 * keeps it (failed/<name>.error.json for the inbox, an entry of
 * <key>:failed for a stream). */
#ifndef ND_FAILURE_H
#define ND_FAILURE_H

/* Strings are borrowed; NULL ones are written as null. */
struct failure {
    const char *file;     /* the name it arrived under */
    const char *id;       /* SHA-256 of its bytes, when they were read */
    const char *stage;    /* the step (or "claim", "read", "crash") */
    const char *plugin;
    const char *message;
    unsigned attempts;    /* runs so far, counting crashes */
};

/* The error record of `f` as indented JSON (file, id, stage, plugin,
 * message, attempts and the time now), malloc'd; NULL when out of
 * memory. The same record wherever
 * the failure is kept: failed/ or a stream's dead letters. */
char *failure_record(const struct failure *f);

#endif
