/* exec: a pipeline step run by a long-lived child process, in any
 * language (docs/plugins.md, "Plugins in any language").
 *
 * `init` starts `workers` children and exchanges a hello with each;
 * `process` borrows a child, writes the document's newsdesk/1 JSON as one
 * line to its stdin and reads one line back, the answer (answer.h), within
 * `timeout`; `fini` closes their stdin and waits for them to exit.
 *
 * The pool. Each child is a slot. A child takes one document at a time
 * unless its hello offered a batch: then up to that many are written to
 * it before their answers come back, in the order they were written. A
 * slot hands out tickets in writing order; only one thread writes to a
 * child at a time (`writing`), and the thread whose ticket is the slot's
 * `head` is the one that reads the next answer and drains the child's
 * stderr. Everything in a slot but the child's pipes and answer buffer is
 * under the step's lock; those belong to the writer and the head.
 *
 * Failures. A child that exits, closes its output, misses the deadline,
 * writes a line over `max_line` or a line that is not a JSON object is
 * killed (its process group); every document in flight on it gets a
 * strike and ND_RETRY, and the last thread to leave it reaps it. The
 * next thread that needs it starts it again, 100 ms later; a child that
 * cannot start (exits before its hello, or does not answer it) is tried
 * again after a backoff that doubles up to 10 s. A document with a
 * strike runs alone on its child (nothing is written to that child with
 * it), so a crash is only ever counted against the document that caused
 * it, and a document with `max_failures` strikes fails for good: a
 * poison document cannot loop. The strikes live here, not in the
 * document, because a step cannot see how often the host ran it; they are
 * kept for the last STRIKES_MAX documents that had one. An answer that is
 * a JSON object but breaks the protocol fails its document at once: the
 * child is still in step with us, and would answer the same again. */
#include <errno.h>
#include <limits.h>
#include <newsdesk/plugin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "answer.h"
#include "base/backoff.h"
#include "base/buf.h"
#include "base/monocond.h"
#include "base/program.h"
#include "child.h"
#include "jscan.h"

#define STRIKES_MAX 1024
#define RESTART_MIN_MS 100
#define RESTART_MAX_MS 10000
#define FAILED_START_GRACE_MS 1000

enum slot_state {
    SLOT_DOWN,      /* no child; may start once restart_at has passed */
    SLOT_STARTING,  /* a thread is starting it */
    SLOT_UP,
    SLOT_BROKEN,    /* killed; waits for its documents to leave */
    SLOT_REAPING,
};

struct slot {
    struct child child;
    enum slot_state state;
    unsigned inflight;       /* documents written or being written to it */
    int writing;             /* a thread is writing to its stdin */
    int alone;               /* a document with a strike has it to itself */
    uint64_t next_ticket, head;
    unsigned failures;       /* failed starts in a row: the backoff */
    int64_t restart_at;
    char why[768];           /* why it was killed */
};

struct strike {
    char id[65];
    unsigned n;
    uint64_t used;
};

struct exec {
    struct child_cfg cfg;
    char *step, *cwd;
    char **send;             /* the fields sent, NULL-terminated; NULL: all */
    int64_t timeout_ms, start_timeout_ms, stop_grace_ms;
    unsigned max_failures;
    pthread_mutex_t lock;
    pthread_cond_t cond;     /* on CLOCK_MONOTONIC: a slot changed */
    struct slot *slots;
    unsigned nslots;
    struct strike strikes[STRIKES_MAX];
    size_t nstrikes;
    uint64_t clock;
};

/* A document's claim on a slot. */
struct use {
    struct slot *slot;
    uint64_t ticket;
    int alone;
};

static const char *const levels[] = {"error", "warning", "notice", "info",
                                     "debug", NULL};

static const nd_option_t options[] = {
    {"command", ND_OPT_STRLIST, NULL, ND_OPT_REQUIRED | ND_OPT_PROGRAM, 0, 0,
     NULL, "the program and its arguments, e.g. [python3, desk.py]"},
    {"workers", ND_OPT_INT, "1", ND_OPT_RANGE, 1, 64, NULL,
     "children to run, each working on one document at a time"},
    {"env", ND_OPT_STRLIST, NULL, 0, 0, 0, NULL,
     "NAME=value entries added to the environment the children get"},
    {"cwd", ND_OPT_PATH, NULL, 0, 0, 0, NULL,
     "the children's working folder (default: newsdesk's)"},
    {"timeout", ND_OPT_DURATION, "30s", ND_OPT_RANGE, 1, 86400000, NULL,
     "longest a child may take over one document; then it is killed and "
     "started again"},
    {"start_timeout", ND_OPT_DURATION, "30s", ND_OPT_RANGE, 1, 3600000, NULL,
     "longest a child may take to start and answer the hello"},
    {"stop_grace", ND_OPT_DURATION, "5s", ND_OPT_RANGE, 0, 600000, NULL,
     "how long children may take to exit once their input is closed (at a "
     "stop or a reload) before SIGTERM, and a second later SIGKILL"},
    {"max_line", ND_OPT_SIZE, "16MiB", ND_OPT_RANGE, 1024, 1073741824.0, NULL,
     "longest answer a child may write; a longer line kills it"},
    {"max_failures", ND_OPT_INT, "3", ND_OPT_RANGE, 1, 100, NULL,
     "a document on which children crash, hang or write garbage this many "
     "times fails"},
    {"stderr_level", ND_OPT_ENUM, "info", 0, 0, 0, levels,
     "the log level of what the children write to stderr"},
    {"send", ND_OPT_STRLIST, NULL, 0, 0, 0, NULL,
     "the fields the children get of each document, e.g. [title, byline] "
     "(schema and id always; default: the whole document)"},
    {0},
};

/* ---- strikes (under the lock) --------------------------------------------- */

static struct strike *strike_find(struct exec *x, const char *id)
{
    for (size_t i = 0; i < x->nstrikes; i++)
        if (!strcmp(x->strikes[i].id, id))
            return &x->strikes[i];
    return NULL;
}

static unsigned strikes_of(struct exec *x, const char *id)
{
    struct strike *s = x->nstrikes ? strike_find(x, id) : NULL;
    return s ? s->n : 0;
}

/* One more strike against document `id`; returns its count. When the
 * table is full the strikes of the document least recently struck go. */
static unsigned strike_add(struct exec *x, const char *id)
{
    struct strike *s = strike_find(x, id);
    if (!s) {
        if (x->nstrikes < STRIKES_MAX) {
            s = &x->strikes[x->nstrikes++];
        } else {
            s = &x->strikes[0];
            for (size_t i = 1; i < x->nstrikes; i++)
                if (x->strikes[i].used < s->used)
                    s = &x->strikes[i];
        }
        snprintf(s->id, sizeof s->id, "%s", id);
        s->n = 0;
    }
    s->used = ++x->clock;
    return ++s->n;
}

static void strikes_clear(struct exec *x, const char *id)
{
    struct strike *s = x->nstrikes ? strike_find(x, id) : NULL;
    if (s)
        *s = x->strikes[--x->nstrikes];
}

/* ---- the pool ------------------------------------------------------------ */

static unsigned slot_index(const struct exec *x, const struct slot *s)
{
    return (unsigned)(s - x->slots) + 1;
}

static void wait_until(struct exec *x, int64_t at_ms)
{
    if (at_ms == INT64_MAX) {
        pthread_cond_wait(&x->cond, &x->lock);
        return;
    }
    struct timespec ts = {at_ms / 1000, (long)(at_ms % 1000) * 1000000};
    pthread_cond_timedwait(&x->cond, &x->lock, &ts);
}

/* Start the child of slot s again (the lock is held on entry and exit,
 * and let go meanwhile). Returns 0, or -errno with the reason in err;
 * the slot then waits a longer backoff. */
static int restart(struct exec *x, struct slot *s, char *err, size_t errlen)
{
    unsigned i = slot_index(x, s);
    s->state = SLOT_STARTING;
    pthread_mutex_unlock(&x->lock);
    int rc = child_start(&s->child, &x->cfg, i, err, errlen);
    if (rc == 0) {
        rc = child_hello(&s->child, child_now_ms() + x->start_timeout_ms, err,
                         errlen);
        if (rc < 0)
            child_reap(&s->child);
    }
    pthread_mutex_lock(&x->lock);
    if (rc == 0) {
        s->state = SLOT_UP;
        s->failures = 0;
        s->next_ticket = s->head = 0;
        nd_counter_add(x->cfg.self, "restarts", 1);
        nd_log(x->cfg.self, ND_LOG_INFO, "child %u started again (pid %d)", i,
               (int)s->child.pid);
    } else {
        s->state = SLOT_DOWN;
        s->failures++;
        int64_t wait = backoff_ms(s->failures, RESTART_MIN_MS, RESTART_MAX_MS);
        s->restart_at = child_now_ms() + wait;
        nd_log(x->cfg.self, ND_LOG_WARNING, "cannot start child %u again: %s; "
               "next try in %lld ms", i, err, (long long)wait);
    }
    pthread_cond_broadcast(&x->cond);
    return rc;
}

/* Claim a slot for one document (the lock is held): the child with the
 * fewest documents in flight that has room and no writer, or, for a
 * document with a strike (`alone`), a child it then has to itself, once
 * the documents ahead of it have their answers. A slot whose child is
 * down and due is started by this thread. Waits as long as all children
 * are busy or backing off: that is the step's backpressure. Returns 0,
 * or -errno when a child could not be started (err says why). */
static int borrow(struct exec *x, int alone, struct use *u, char *err,
                  size_t errlen)
{
    for (;;) {
        struct slot *best = NULL, *due = NULL;
        int64_t now = child_now_ms(), wake = INT64_MAX;
        for (unsigned i = 0; i < x->nslots; i++) {
            struct slot *s = &x->slots[i];
            if (s->state == SLOT_UP && !s->writing && !s->alone &&
                s->inflight < s->child.batch &&
                (!best || s->inflight < best->inflight))
                best = s;
            else if (s->state == SLOT_DOWN && s->restart_at <= now && !due)
                due = s;
            else if (s->state == SLOT_DOWN && s->restart_at < wake)
                wake = s->restart_at;
        }
        if (best) {
            best->writing = 1;
            best->inflight++;
            best->alone = alone;
            u->slot = best;
            u->ticket = best->next_ticket++;
            u->alone = alone;
            if (!alone)
                return 0;
            /* Nothing joins it now; the documents ahead go first. */
            while (best->state == SLOT_UP && best->head != u->ticket)
                pthread_cond_wait(&x->cond, &x->lock);
            if (best->state == SLOT_UP)
                return 0;
            best->writing = best->alone = 0;
            best->inflight--;
            pthread_cond_broadcast(&x->cond);
            continue;
        }
        if (due) {
            int rc = restart(x, due, err, errlen);
            if (rc < 0)
                return rc;
            continue;
        }
        wait_until(x, wake);
    }
}

/* Kill the slot's child, unless another thread did: every document in
 * flight on it fails with `why` (the lock is held). */
static void break_slot(struct exec *x, struct slot *s, const char *why)
{
    if (s->state != SLOT_UP)
        return;
    s->state = SLOT_BROKEN;
    snprintf(s->why, sizeof s->why, "%s", why);
    child_kill(&s->child);
    nd_log(x->cfg.self, ND_LOG_NOTICE, "child %u (pid %d) %s; killed, to be "
           "started again", slot_index(x, s), (int)s->child.pid, why);
    pthread_cond_broadcast(&x->cond);
}

/* The document's claim ends (the lock is held). `answered`: its answer
 * was read, so the next ticket may read. The last document to leave a
 * killed child reaps it, and the slot backs off before its restart. The
 * caller wakes the waiters once it has let go of the lock, so that they
 * do not wake only to wait for it. */
static void release(struct exec *x, struct use *u, int answered)
{
    struct slot *s = u->slot;
    if (answered && s->state == SLOT_UP)
        s->head++;
    if (u->alone)
        s->alone = 0;
    s->inflight--;
    if (s->state == SLOT_BROKEN && !s->inflight && !s->writing) {
        s->state = SLOT_REAPING;
        pthread_mutex_unlock(&x->lock);
        child_reap(&s->child);
        pthread_mutex_lock(&x->lock);
        s->state = SLOT_DOWN;
        s->restart_at = child_now_ms() +
                        backoff_ms(1, RESTART_MIN_MS, RESTART_MAX_MS);
    }
}

/* ---- one document ---------------------------------------------------------- */

/* Write the document and read its answer into *a. Returns 0, -EINVAL for
 * an answer the protocol refuses (the child stays), -ECANCELED when
 * another document's failure killed the child, or another -errno of
 * child.h / answer_parse: this child failed, why says how. */
static int exchange(struct exec *x, struct use *u, const struct sent *sent,
                    const nd_doc_t *doc, struct answer *a, char *why,
                    size_t whylen)
{
    const char *line = sent->line;
    size_t len = sent->len;
    struct slot *s = u->slot;
    struct child *c = &s->child;
    int64_t deadline = child_now_ms() + x->timeout_ms;
    pthread_mutex_lock(&x->lock);
    int head = s->head == u->ticket;
    pthread_mutex_unlock(&x->lock);
    int rc = child_send(c, line, len, deadline, head, doc, why, whylen);
    pthread_mutex_lock(&x->lock);
    s->writing = 0;
    /* Another document may be written now only to a child with room for
     * it (a batch); one that takes one at a time is not free until this
     * document leaves it, and waking the threads that wait for a child
     * here would only put them to sleep again. */
    if (s->inflight < s->child.batch)
        pthread_cond_broadcast(&x->cond);
    while (rc == 0 && s->state == SLOT_UP && s->head != u->ticket)
        pthread_cond_wait(&x->cond, &x->lock);
    if (s->state != SLOT_UP)
        rc = -ECANCELED;
    pthread_mutex_unlock(&x->lock);
    if (rc < 0)
        return rc;
    char *ans;
    rc = child_recv(c, deadline, doc, &ans, &len, why, whylen);
    if (rc == 0 && c->batch == 1 && child_has_more(c)) {
        snprintf(why, whylen, "wrote more than one line for one document");
        return -EBADMSG;
    }
    return rc < 0 ? rc : answer_parse(a, ans, len, sent, doc, why, whylen);
}

/* The part of the document's line that `send` names into b: schema, id
 * and the named fields it has, as the line writes them. Returns 0, or
 * -ENOMEM; a line that cannot be read goes whole. */
static int send_part(const struct exec *x, struct docline *line, struct buf *b)
{
    static const char *const head[] = {"schema", "id", NULL};
    if (!docline_find(line, "id", 2))
        return buf_put(b, line->line, line->len);
    int rc = buf_reserve(b, 256);
    char sep = '{';
    for (int pass = 0; pass < 2; pass++) {
        const char *const *names = pass ? (const char *const *)x->send : head;
        for (size_t i = 0; rc == 0 && names[i]; i++) {
            const struct jscan_member *f = docline_find(line, names[i],
                                                        strlen(names[i]));
            if (!f || (pass && (!strcmp(names[i], "schema") ||
                                !strcmp(names[i], "id"))))
                continue;
            rc = buf_putc(b, sep) < 0 || buf_putc(b, '"') < 0 ||
                 buf_put(b, f->key, f->keylen) < 0 || buf_puts(b, "\":") < 0 ||
                 buf_put(b, f->val, f->vallen) < 0 ? -ENOMEM : 0;
            sep = ',';
        }
    }
    return rc < 0 || buf_putc(b, '}') < 0 ? -ENOMEM : 0;
}

/* What a failure of the child on this document says, as a sentence about
 * the child ("exited with status 1; its last stderr line: ..."). */
static void describe(struct exec *x, struct use *u, int rc, char *why,
                     size_t len)
{
    struct slot *s = u->slot;
    switch (rc) {
    case -EPIPE: {
        /* Only the head may read its stderr; in batch=1 it always is. */
        pthread_mutex_lock(&x->lock);
        int head = s->head == u->ticket;
        pthread_mutex_unlock(&x->lock);
        if (head)
            child_describe_end(&s->child, 500, "before answering", why, len);
        nd_counter_add(x->cfg.self, "crashes", 1);
        break;
    }
    case -ETIMEDOUT:
        snprintf(why, len, "did not answer within %lld ms (timeout)",
                 (long long)x->timeout_ms);
        nd_counter_add(x->cfg.self, "timeouts", 1);
        break;
    case -EBADMSG:
    case -EMSGSIZE:
        nd_counter_add(x->cfg.self, "bad_answers", 1);
        break;
    default:
        break;
    }
}

static nd_status_t exec_process(void *state, nd_doc_t *doc)
{
    struct exec *x = state;
    const char *id = nd_doc_id(doc);
    char why[1024] = "";
    size_t len;
    const char *line = nd_doc_json(doc, &len);
    if (!line) {
        nd_doc_error(doc, "out of memory");
        return ND_RETRY;
    }
    /* What was sent, for the answer to be set against; and what of it
     * goes to the child, when `send` names the fields. */
    struct docline whole = {.line = line, .len = len};
    struct buf part = {0};
    if (x->send && send_part(x, &whole, &part) < 0) {
        docline_free(&whole);
        buf_free(&part);
        nd_doc_error(doc, "out of memory");
        return ND_RETRY;
    }
    struct sent sent = {&whole, part.p ? part.p : line, part.p ? part.n : len,
                        (const char *const *)x->send};
    struct use u;
    pthread_mutex_lock(&x->lock);
    int rc = borrow(x, strikes_of(x, id) > 0, &u, why, sizeof why);
    pthread_mutex_unlock(&x->lock);
    if (rc < 0) {
        docline_free(&whole);
        buf_free(&part);
        nd_doc_error(doc, "%s", why);
        return ND_RETRY;
    }
    struct answer a;
    rc = exchange(x, &u, &sent, doc, &a, why, sizeof why);
    docline_free(&whole);
    buf_free(&part);
    if (rc < 0 && rc != -EINVAL && rc != -ECANCELED)
        describe(x, &u, rc, why, sizeof why);
    unsigned child = slot_index(x, u.slot), strikes = 0;
    pthread_mutex_lock(&x->lock);
    if (rc == 0 || rc == -EINVAL) {
        strikes_clear(x, id);
    } else {
        if (rc == -ECANCELED || u.slot->state != SLOT_UP)
            snprintf(why, sizeof why, "%s", u.slot->why);
        break_slot(x, u.slot, why);
        strikes = strike_add(x, id);
    }
    release(x, &u, rc == 0 || rc == -EINVAL);
    pthread_mutex_unlock(&x->lock);
    pthread_cond_broadcast(&x->cond);
    if (rc == 0) {
        nd_status_t st = answer_apply(&a, doc);
        answer_free(&a);
        return st;
    }
    if (rc == -EINVAL) {
        nd_counter_add(x->cfg.self, "refused_answers", 1);
        nd_doc_error(doc, "the answer of child %u breaks the protocol: %s",
                     child, why);
        return ND_FAIL;
    }
    if (strikes >= x->max_failures) {
        nd_doc_error(doc, "child %u %s; children failed on this document %u "
                     "times (max_failures): giving up on it", child, why,
                     strikes);
        return ND_FAIL;
    }
    nd_doc_error(doc, "child %u %s; it is started again and the document "
                 "retried (failure %u of max_failures %u)", child, why,
                 strikes, x->max_failures);
    return ND_RETRY;
}

/* ---- life ------------------------------------------------------------------ */

/* The environment of the children: newsdesk's, less what tells a process
 * it is the service (systemd's notify socket, watchdog, sockets and
 * journal stream are the daemon's, not theirs), plus `env`. */
static int build_env(struct exec *x, const nd_opts_t *opts, char *err,
                     size_t errlen)
{
    extern char **environ;
    static const char *const daemons_own[] = {
        "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS",
        "LISTEN_PID", "LISTEN_FDNAMES", "JOURNAL_STREAM", NULL};
    const char *const *add;
    size_t nadd = nd_opt_list(opts, "env", &add), nenv = 0, o = 0;
    for (size_t i = 0; i < nadd; i++) {
        const char *eq = strchr(add[i], '=');
        if (!eq || eq == add[i]) {
            snprintf(err, errlen, "env: \"%s\" is not NAME=value", add[i]);
            return -EINVAL;
        }
    }
    while (environ && environ[nenv])
        nenv++;
    x->cfg.envp = calloc(nenv + nadd + 1, sizeof *x->cfg.envp);
    if (!x->cfg.envp)
        goto oom;
    for (size_t i = 0; i < nenv + nadd; i++) {
        const char *e = i < nenv ? environ[i] : add[i - nenv];
        size_t nlen = strcspn(e, "=");
        int keep = e[nlen] == '=';
        for (size_t k = 0; keep && i < nenv && daemons_own[k]; k++)
            keep = strlen(daemons_own[k]) != nlen || strncmp(e, daemons_own[k], nlen);
        /* A later entry of the same name wins: `env` over newsdesk's. */
        for (size_t k = i + 1; keep && k < nenv + nadd; k++) {
            const char *later = k < nenv ? environ[k] : add[k - nenv];
            keep = strncmp(later, e, nlen + 1) != 0;
        }
        if (keep && !(x->cfg.envp[o++] = strdup(e)))
            goto oom;
    }
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    return -ENOMEM;
}

static void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static void exec_free(struct exec *x)
{
    for (unsigned i = 0; x->slots && i < x->nslots; i++)
        free(x->slots[i].child.buf);
    free(x->slots);
    strv_free(x->cfg.argv);
    strv_free(x->cfg.envp);
    strv_free(x->send);
    free(x->cfg.program);
    free(x->step);
    free(x->cwd);
    pthread_mutex_destroy(&x->cfg.limit.lock);
    pthread_mutex_destroy(&x->lock);
    pthread_cond_destroy(&x->cond);
    free(x);
}

/* Stop the children that are running, all at once. */
static void stop_children(struct exec *x, int64_t grace_ms)
{
    struct child *cs[64];
    size_t n = 0;
    for (unsigned i = 0; i < x->nslots && n < 64; i++)
        if (x->slots[i].child.pid > 0)
            cs[n++] = &x->slots[i].child;
    child_stop_all(cs, n, grace_ms);
}

/* What the options say, checked and copied into x (option values are
 * only borrowed). */
static int configure(struct exec *x, nd_instance_t *self, const nd_opts_t *opts,
                     char *err, size_t errlen)
{
    const char *name = nd_instance_name(self);
    const char *const *cmd;
    size_t n = nd_opt_list(opts, "command", &cmd);
    char path[PATH_MAX], why[PATH_MAX + 256];
    /* Found again here: newsdesk checked it when it read the
     * configuration, but the file may have gone since. */
    if (!n || program_find(cmd[0], getenv("PATH"), path, sizeof path, why,
                           sizeof why) < 0) {
        snprintf(err, errlen, "command: %s", n ? why : "it is empty");
        return -EINVAL;
    }
    const char *cwd = nd_opt_str(opts, "cwd");
    struct stat st;
    if (cwd && (stat(cwd, &st) < 0 || !S_ISDIR(st.st_mode))) {
        snprintf(err, errlen, "cwd: there is no folder %s", cwd);
        return -ENOENT;
    }
    x->step = strdup(name ? name : "exec");
    x->cwd = cwd ? strdup(cwd) : NULL;
    x->cfg.program = strdup(path);
    x->cfg.argv = calloc(n + 1, sizeof *x->cfg.argv);
    int oom = !x->step || (cwd && !x->cwd) || !x->cfg.program || !x->cfg.argv;
    for (size_t i = 0; !oom && i < n; i++)
        oom = !(x->cfg.argv[i] = strdup(cmd[i]));
    if (oom) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    const char *const *send;
    size_t nsend = nd_opt_list(opts, "send", &send);
    for (size_t i = 0; i < nsend; i++)
        if (!*send[i]) {
            snprintf(err, errlen, "send: a field name cannot be empty");
            return -EINVAL;
        }
    if (nsend && !(x->send = calloc(nsend + 1, sizeof *x->send)))
        oom = 1;
    for (size_t i = 0; !oom && i < nsend; i++)
        oom = !(x->send[i] = strdup(send[i]));
    if (oom) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    x->cfg.self = self;
    x->cfg.step = x->step;
    x->cfg.cwd = x->cwd;
    x->cfg.workers = (unsigned)nd_opt_int(opts, "workers");
    x->cfg.max_line = (size_t)nd_opt_int(opts, "max_line");
    const char *lv = nd_opt_str(opts, "stderr_level");
    x->cfg.stderr_level = ND_LOG_INFO;
    for (int i = 0; levels[i]; i++)
        if (lv && !strcmp(lv, levels[i]))
            x->cfg.stderr_level = (nd_log_level_t)(ND_LOG_ERROR + i);
    x->timeout_ms = nd_opt_int(opts, "timeout");
    x->start_timeout_ms = nd_opt_int(opts, "start_timeout");
    x->stop_grace_ms = nd_opt_int(opts, "stop_grace");
    x->max_failures = (unsigned)nd_opt_int(opts, "max_failures");
    return build_env(x, opts, err, errlen);
}

/* Start every child, then read their hellos: they start side by side. */
static int start_children(struct exec *x, char *err, size_t errlen)
{
    int rc = 0;
    for (unsigned i = 0; rc == 0 && i < x->nslots; i++)
        rc = child_start(&x->slots[i].child, &x->cfg, i + 1, err, errlen);
    int64_t deadline = child_now_ms() + x->start_timeout_ms;
    for (unsigned i = 0; rc == 0 && i < x->nslots; i++)
        rc = child_hello(&x->slots[i].child, deadline, err, errlen);
    if (rc < 0) {
        stop_children(x, FAILED_START_GRACE_MS);
        return rc;
    }
    for (unsigned i = 0; i < x->nslots; i++)
        x->slots[i].state = SLOT_UP;
    return 0;
}

static int exec_init(nd_instance_t *self, const nd_opts_t *opts, void **state,
                     char *err, size_t errlen)
{
    struct exec *x = calloc(1, sizeof *x);
    if (!x) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    monocond_init(&x->cond);
    pthread_mutex_init(&x->lock, NULL);
    pthread_mutex_init(&x->cfg.limit.lock, NULL);
    int rc = configure(x, self, opts, err, errlen);
    if (rc == 0) {
        x->nslots = x->cfg.workers;
        x->slots = calloc(x->nslots, sizeof *x->slots);
        if (!x->slots) {
            snprintf(err, errlen, "out of memory");
            rc = -ENOMEM;
        }
    }
    if (rc == 0)
        rc = start_children(x, err, errlen);
    if (rc < 0) {
        exec_free(x);
        return rc;
    }
    nd_log(self, ND_LOG_INFO, "started %u child%s of %s (first pid %d)",
           x->nslots, x->nslots == 1 ? "" : "ren", x->cfg.program,
           (int)x->slots[0].child.pid);
    *state = x;
    return 0;
}

static void exec_fini(void *state)
{
    struct exec *x = state;
    stop_children(x, x->stop_grace_ms);
    exec_free(x);
}

static const nd_plugin_t plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "exec",
    .version = "1.0",
    .description = "a step run by a long-lived program in any language, one "
                   "JSON line in and one out per document",
    .role = ND_ROLE_PROCESSOR,
    .options = options,
    .init = exec_init,
    .process = exec_process,
    .fini = exec_fini,
};

ND_PLUGIN(plugin)
