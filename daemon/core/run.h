/* A document's run through the chain: where it is, why it stopped, what
 * the steps accepted of it. The document holds data only; its run belongs
 * to whoever runs it (a job of the daemon, `newsdesk process`) and is
 * passed to chain_run. Only the chain writes it; the host functions that
 * plugins call on a document (an error, a stop, a log line) reach it
 * through nd_doc.run while the chain runs that document. */
#ifndef ND_RUN_H
#define ND_RUN_H

#include <newsdesk/plugin.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

enum run_state {
    RUN_PENDING = 0, /* not run yet, or waiting to be retried */
    RUN_DONE,        /* went through the whole chain */
    RUN_FAILED,      /* failed for good (what steps accepted may still be
                        waiting to be taken back: nkept) */
};

/* A reason and the step and plugin it came from (NULL: the host's own). */
struct run_error {
    char *message, *step, *plugin;
};

struct chain_run {
    enum run_state state;
    size_t next_step;        /* first step still to run */
    unsigned attempts;       /* runs that ended in RETRY */
    char *stopped;           /* why a step ended the chain early */
    struct run_error error;  /* why it failed, or why it waits for a retry */

    /* Steps whose process accepted the document and want to hear how it
     * ends (withdraw, confirm), in the order they ran: taken back, last
     * first, when it fails; confirmed when it is done. */
    size_t *kept, nkept;
    struct run_error withdraw; /* why taking it back must be retried */

    /* The step running now, for log lines and errors (borrowed from the
     * chain). */
    const char *step, *plugin;

    /* A container's documents' runs, by index; NULL until the first run of
     * that document and again once it is done and let go of. */
    struct chain_run **children;
    size_t nchildren;
    int child_waits;         /* a child asked to be retried: the rest wait */
    int64_t children_us;     /* time the current step spent running
                                children its reader handed over */
};

/* Record the reason for the step running now (printf format): for a
 * failure or a retry. */
void run_set_error(struct chain_run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void run_set_errorv(struct chain_run *r, const char *fmt, va_list ap);
void run_error_clear(struct run_error *e);

/* The run of child i, created (zeroed) on first use. NULL when out of
 * memory. */
struct chain_run *run_child(struct chain_run *r, size_t i);

/* Release what `r` holds (not `r` itself); it reads as zeroed after. */
void run_free(struct chain_run *r);

#endif
