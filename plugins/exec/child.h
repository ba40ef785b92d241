/* One child process of an exec step: starting it (its own process group,
 * killed with the daemon), the hello that opens the protocol, writing a
 * line to its standard input and reading a line from its standard output
 * against a deadline and a length bound, logging its standard error, and
 * stopping it. It knows nothing of documents beyond naming them in logs,
 * and nothing of the other children: exec.c decides who talks to which
 * child and when (the thread rules are there).
 *
 * Every function that can fail returns 0 (or 1) or a negative errno and
 * writes a sentence into err: -EPIPE the child closed its end (it exited,
 * or closed its output), -ETIMEDOUT the deadline passed, -EMSGSIZE a line
 * longer than max_line, -EPROTO a hello that is not one, -ENOMEM; the
 * start itself fails with the errno of what stood in the way. */
#ifndef ND_EXEC_CHILD_H
#define ND_EXEC_CHILD_H

#include <newsdesk/plugin.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define EXEC_PROTOCOL 1

/* How many lines of the children's stderr may be logged: a burst, then a
 * steady rate; what is over is counted and said once it may log again. */
struct stderr_limit {
    pthread_mutex_t lock;
    double tokens;
    int64_t last_ms;
    uint64_t dropped;
};

/* What the children of one step share; owned by the step, read-only
 * while children run (but the limiter, which has its lock). */
struct child_cfg {
    nd_instance_t *self;
    const char *step;       /* the step's name, for the hello */
    char *program;          /* absolute path */
    char **argv;            /* as configured, NULL-terminated */
    char **envp;            /* NULL-terminated */
    const char *cwd;        /* NULL: newsdesk's own */
    unsigned workers;
    size_t max_line;
    nd_log_level_t stderr_level;
    struct stderr_limit limit;
};

struct child {
    const struct child_cfg *cfg;
    unsigned index;          /* 1..workers, in logs */
    pid_t pid;               /* 0: not running (reaped) */
    int in, out, err;        /* our ends, non-blocking; -1 once closed */
    int err_eof, exited;     /* stderr at its end; exit status known */
    int status;              /* from waitid, when `exited` */
    unsigned batch;          /* documents it takes at once (its hello) */
    char *buf;               /* stdout read so far (answers not taken yet) */
    size_t len, cap, scan, taken;
    char errline[1024];      /* the stderr line being assembled */
    size_t errlen;
    int errcut;              /* that line was too long: the rest is dropped */
    char last_err[256];      /* its last stderr line, for messages */
};

/* The monotonic clock in milliseconds: deadlines are on it. */
int64_t child_now_ms(void);

/* Start the program: fork, its own process group, SIGKILL when the
 * thread that started it dies (the daemon), stdin/stdout/stderr on pipes,
 * nothing else inherited. Returns 0 once the program runs, or -errno with
 * what stood in the way (no such folder, cannot run the program). */
int child_start(struct child *c, const struct child_cfg *cfg, unsigned index,
                char *err, size_t errlen);

/* Send the host's hello and read the child's, before `deadline`. Sets
 * c->batch. Returns 0, or -errno (-EPROTO: it answered something else). */
int child_hello(struct child *c, int64_t deadline, char *err, size_t errlen);

/* Write `line` and a newline to the child's stdin before `deadline`.
 * With `drain`, what the child writes to stderr meanwhile is logged (about
 * `doc`, when not NULL); only one thread at a time may drain. */
int child_send(struct child *c, const char *line, size_t len, int64_t deadline,
               int drain, const nd_doc_t *doc, char *err, size_t errlen);

/* Read the next line the child writes (without its newline, and a \r
 * before it), before `deadline`, logging stderr meanwhile (as
 * child_send). *line points into the child's buffer, NUL-terminated, valid
 * until the next child_recv or child_reap. */
int child_recv(struct child *c, int64_t deadline, const nd_doc_t *doc,
               char **line, size_t *len, char *err, size_t errlen);

/* Nonzero when bytes after the last line read are already waiting: a
 * child that takes one document at a time wrote more than one line. */
int child_has_more(const struct child *c);

/* The child stopped answering (its output ended): wait up to `wait_ms`
 * for it to exit, logging the rest of its stderr, and describe how it
 * ended, `when`, into why ("exited with status 1 before answering; its
 * last stderr line: ..."). It is not reaped. */
void child_describe_end(struct child *c, int64_t wait_ms, const char *when,
                        char *why, size_t len);

/* SIGKILL to the child's process group, now. Safe while other threads
 * wait on the child's pipes (they then see it end); not after
 * child_reap. */
void child_kill(struct child *c);

/* Kill what is left of the child's process group, reap it, log the rest
 * of its stderr and close its pipes. The struct can be started again. */
void child_reap(struct child *c);

/* Stop children at the end: close their stdin (the sign to exit), wait up
 * to `grace_ms` for them to exit, logging their stderr, then SIGTERM
 * their process groups, a second later SIGKILL, and reap them all. */
void child_stop_all(struct child *const *cs, size_t n, int64_t grace_ms);

#endif
