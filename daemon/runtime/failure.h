/* Why a document failed: what its error record says, wherever its source
 * keeps it (failed/<name>.error.json for the inbox). */
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

#endif
