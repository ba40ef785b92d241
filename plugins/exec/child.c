/* One child process of an exec step (child.h).
 *
 * A child runs in a process group of its own, so that a Ctrl-C meant for
 * newsdesk does not reach it before newsdesk has stopped it, and so that
 * killing it kills what it started too; it gets SIGKILL when the thread
 * that forked it dies (PR_SET_PDEATHSIG), which for newsdesk is when the
 * process dies: the threads that start children (the main thread, the
 * daemon's pool) live as long as it does. Every descriptor newsdesk
 * opens is close-on-exec, and the child closes any that is not: it
 * inherits its three pipes and nothing else.
 *
 * Our ends of the pipes are non-blocking, and every wait is a poll with
 * the document's deadline, on the pipe it waits for and, for the one
 * thread that drains it, the child's stderr: a child that fills its
 * stderr pipe while we wait for its answer would otherwise wait for us
 * as we wait for it. */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PIPE_BYTES (1 << 20)    /* asked for; the kernel may give less */
#define BUF_SHRINK (1 << 20)    /* an idle answer buffer above this is freed */
#define DRAIN_MAX (64 << 10)    /* stderr bytes read per wake-up */
#define STDERR_BURST 200.0      /* lines logged at once ... */
#define STDERR_RATE 20.0        /* ... and per second after that */

enum { FAILED_CWD = 1, FAILED_EXEC, FAILED_SETUP };

int64_t child_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- starting ------------------------------------------------------------ */

/* A pipe, close-on-exec, with both ends above 0, 1 and 2 (which the child
 * dup2s into place: an end that already were one would stay
 * close-on-exec). */
static int make_pipe(int fds[2])
{
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -errno;
    for (int i = 0; i < 2; i++) {
        if (fds[i] > 2)
            continue;
        int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
        if (moved < 0) {
            int e = errno;
            close(fds[0]);
            close(fds[1]);
            return -e;
        }
        close(fds[i]);
        fds[i] = moved;
    }
    return 0;
}

static void close_pipe(int fds[2])
{
    for (int i = 0; i < 2; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

/* Tell the parent why the child could not start, and end it. */
static void __attribute__((noreturn)) start_failed(int report, int stage)
{
    int msg[2] = {stage, errno};
    ssize_t w = write(report, msg, sizeof msg);
    (void)w;
    _exit(127);
}

/* In the child, between fork and exec: only async-signal-safe calls, as
 * another thread may have held any lock (malloc's) at the fork. */
static void __attribute__((noreturn))
in_child(const struct child_cfg *cfg, int in, int out, int err, int report,
         pid_t parent)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) /* newsdesk died before the line above */
        _exit(127);
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
        start_failed(report, FAILED_SETUP);
    if (report != 3) {
        if (dup3(report, 3, O_CLOEXEC) < 0)
            start_failed(report, FAILED_SETUP);
        report = 3;
    }
    close_range(4, ~0U, 0);
    /* newsdesk ignores SIGPIPE, and an ignored signal stays ignored
     * across exec; a child expects the default. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (cfg->cwd && chdir(cfg->cwd) < 0)
        start_failed(report, FAILED_CWD);
    execve(cfg->program, cfg->argv, cfg->envp);
    start_failed(report, FAILED_EXEC);
}

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int child_start(struct child *c, const struct child_cfg *cfg, unsigned index,
                char *err, size_t errlen)
{
    free(c->buf);
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    c->index = index;
    c->in = c->out = c->err = -1;
    c->batch = 1;
    int in[2] = {-1, -1}, out[2] = {-1, -1}, ep[2] = {-1, -1}, rep[2] = {-1, -1};
    int rc;
    if ((rc = make_pipe(in)) < 0 || (rc = make_pipe(out)) < 0 ||
        (rc = make_pipe(ep)) < 0 || (rc = make_pipe(rep)) < 0) {
        snprintf(err, errlen, "cannot make the pipes for child %u: %s", index,
                 strerror(-rc));
        goto fail;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0)
        in_child(cfg, in[0], out[1], ep[1], rep[1], parent);
    if (pid < 0) {
        rc = -errno;
        snprintf(err, errlen, "cannot start child %u: fork: %s", index,
                 strerror(errno));
        goto fail;
    }
    /* Also here, so that a kill of the group cannot come before the
     * child's own setpgid (it fails harmlessly once the child has run
     * exec). */
    setpgid(pid, pid);
    close(in[0]), close(out[1]), close(ep[1]), close(rep[1]);
    in[0] = out[1] = ep[1] = rep[1] = -1;
    int msg[2];
    ssize_t r;
    while ((r = read(rep[0], msg, sizeof msg)) < 0 && errno == EINTR)
        ;
    if (r == (ssize_t)sizeof msg) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        rc = -msg[1];
        if (msg[0] == FAILED_CWD)
            snprintf(err, errlen, "cannot start child %u: cannot change to "
                     "the folder %s (cwd): %s", index, cfg->cwd,
                     strerror(msg[1]));
        else
            snprintf(err, errlen, "cannot start child %u: %s %s: %s", index,
                     msg[0] == FAILED_EXEC ? "cannot run" : "cannot set up",
                     cfg->program, strerror(msg[1]));
        goto fail;
    }
    close(rep[0]);
    c->pid = pid;
    c->in = in[1];
    c->out = out[0];
    c->err = ep[0];
    set_nonblock(c->in);
    set_nonblock(c->out);
    set_nonblock(c->err);
    /* Fewer wake-ups for a large document; refused above the system's
     * pipe-max-size, which is harmless. */
    fcntl(c->in, F_SETPIPE_SZ, PIPE_BYTES);
    fcntl(c->out, F_SETPIPE_SZ, PIPE_BYTES);
    return 0;
fail:
    close_pipe(in), close_pipe(out), close_pipe(ep), close_pipe(rep);
    return rc;
}

/* ---- stderr -------------------------------------------------------------- */

/* May one more stderr line be logged? *dropped gets how many were not
 * since the last one that was. */
static int stderr_allowed(struct stderr_limit *l, uint64_t *dropped)
{
    int64_t now = child_now_ms();
    pthread_mutex_lock(&l->lock);
    if (!l->last_ms)
        l->tokens = STDERR_BURST;
    else
        l->tokens += (double)(now - l->last_ms) * STDERR_RATE / 1000.0;
    if (l->tokens > STDERR_BURST)
        l->tokens = STDERR_BURST;
    l->last_ms = now;
    int ok = l->tokens >= 1.0;
    if (ok) {
        l->tokens -= 1.0;
        *dropped = l->dropped;
        l->dropped = 0;
    } else {
        l->dropped++;
    }
    pthread_mutex_unlock(&l->lock);
    return ok;
}

/* Log the stderr line assembled in c->errline. */
static void emit_line(struct child *c, const nd_doc_t *doc)
{
    const struct child_cfg *cfg = c->cfg;
    size_t n = c->errlen;
    int cut = c->errcut;
    c->errlen = 0;
    c->errcut = 0;
    if (n && c->errline[n - 1] == '\r')
        n--;
    c->errline[n] = '\0';
    if (!n)
        return;
    size_t keep = n < sizeof c->last_err ? n : sizeof c->last_err - 1;
    memcpy(c->last_err, c->errline, keep);
    c->last_err[keep] = '\0';
    nd_counter_add(cfg->self, "stderr_lines", 1);
    uint64_t dropped;
    if (!stderr_allowed((struct stderr_limit *)&cfg->limit, &dropped)) {
        nd_counter_add(cfg->self, "stderr_dropped", 1);
        return;
    }
    if (dropped)
        nd_log(cfg->self, ND_LOG_WARNING, "%llu lines the children wrote to "
               "stderr were not logged (more than %.0f a second)",
               (unsigned long long)dropped, STDERR_RATE);
    const char *more = cut ? " [line cut]" : "";
    if (doc)
        nd_doc_log(doc, cfg->stderr_level, "child %u: %s%s", c->index,
                   c->errline, more);
    else
        nd_log(cfg->self, cfg->stderr_level, "child %u (pid %d): %s%s",
               c->index, (int)c->pid, c->errline, more);
}

/* Add stderr bytes to the line being assembled, logging each line ended.
 * A line longer than the buffer is cut (at a character boundary) and the
 * rest of it dropped. */
static void feed_stderr(struct child *c, const nd_doc_t *doc, const char *p,
                        size_t n)
{
    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t part = nl ? (size_t)(nl - p) : n;
        size_t room = sizeof c->errline - 1 - c->errlen;
        if (!c->errcut) {
            size_t take = part < room ? part : room;
            memcpy(c->errline + c->errlen, p, take);
            c->errlen += take;
            if (take < part) {
                /* Not in the middle of a character: back off to its
                 * first byte when the next one continues it. */
                unsigned char next = (unsigned char)p[take];
                while (c->errlen && (next & 0xC0) == 0x80)
                    next = (unsigned char)c->errline[--c->errlen];
                c->errcut = 1;
            }
        }
        if (!nl)
            return;
        emit_line(c, doc);
        p += part + 1;
        n -= part + 1;
    }
}

/* Read what the child has written to stderr (up to DRAIN_MAX, so that a
 * child that never stops writing cannot hold us here). */
static void drain_stderr(struct child *c, const nd_doc_t *doc)
{
    char chunk[4096];
    for (size_t total = 0; c->err >= 0 && !c->err_eof && total < DRAIN_MAX;) {
        ssize_t r = read(c->err, chunk, sizeof chunk);
        if (r > 0) {
            feed_stderr(c, doc, chunk, (size_t)r);
            total += (size_t)r;
        } else if (r == 0) {
            c->err_eof = 1;
            if (c->errlen || c->errcut)
                emit_line(c, doc);
        } else if (errno != EINTR) {
            return;
        }
    }
}

/* ---- lines --------------------------------------------------------------- */

/* Wait until `fd` is ready for `events` or the deadline passes, logging
 * stderr meanwhile when `drain`. Returns 1 when ready, 0 at the deadline,
 * or -errno. */
static int wait_fd(struct child *c, int fd, short events, int64_t deadline,
                   int drain, const nd_doc_t *doc)
{
    for (;;) {
        int64_t left = deadline - child_now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p[2] = {
            {fd, events, 0},
            {drain && !c->err_eof ? c->err : -1, POLLIN, 0},
        };
        int n = poll(p, 2, left > INT_MAX ? INT_MAX : (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (p[1].revents)
            drain_stderr(c, doc);
        if (p[0].revents)
            return 1;
    }
}

static pthread_once_t sigpipe_once = PTHREAD_ONCE_INIT;
static int sigpipe_ignored;

static void look_at_sigpipe(void)
{
    struct sigaction now;
    sigpipe_ignored = sigaction(SIGPIPE, NULL, &now) == 0 &&
                      now.sa_handler == SIG_IGN && !(now.sa_flags & SA_SIGINFO);
}

/* writev without SIGPIPE: a child that has gone must give us EPIPE, not
 * end newsdesk, whatever the host does with the signal. newsdesk ignores
 * it from its start and never takes that back, so the disposition is
 * looked up once, and then a plain writev will do (one system call instead
 * of four); otherwise the signal is blocked in this thread for the call,
 * and one it raised is taken back. */
static ssize_t writev_nosigpipe(int fd, const struct iovec *iov, int n)
{
    pthread_once(&sigpipe_once, look_at_sigpipe);
    if (sigpipe_ignored)
        return writev(fd, iov, n);
    sigset_t pipe_set, old, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    sigpending(&pending);
    int was_pending = sigismember(&pending, SIGPIPE);
    ssize_t w = writev(fd, iov, n);
    int e = errno;
    if (w < 0 && e == EPIPE && !was_pending) {
        struct timespec zero = {0, 0};
        sigtimedwait(&pipe_set, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return w;
}

int child_send(struct child *c, const char *line, size_t len, int64_t deadline,
               int drain, const nd_doc_t *doc, char *err, size_t errlen)
{
    struct iovec iov[2] = {{(void *)line, len}, {"\n", 1}};
    int at = 0;
    while (at < 2) {
        ssize_t w = writev_nosigpipe(c->in, iov + at, 2 - at);
        if (w >= 0) {
            size_t done = (size_t)w;
            while (at < 2 && done >= iov[at].iov_len)
                done -= iov[at++].iov_len;
            if (at < 2) {
                iov[at].iov_base = (char *)iov[at].iov_base + done;
                iov[at].iov_len -= done;
            }
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno == EPIPE) {
            snprintf(err, errlen, "stopped reading its input");
            return -EPIPE;
        }
        if (errno != EAGAIN) {
            int e = errno;
            snprintf(err, errlen, "cannot write to it: %s", strerror(e));
            return -e;
        }
        int rc = wait_fd(c, c->in, POLLOUT, deadline, drain, doc);
        if (rc == 0) {
            snprintf(err, errlen, "did not read its input in time");
            return -ETIMEDOUT;
        }
        if (rc < 0) {
            snprintf(err, errlen, "cannot wait for it: %s", strerror(-rc));
            return rc;
        }
    }
    return 0;
}

/* Room for `more` bytes after what the buffer holds, within max_line and
 * a chunk. */
static int grow(struct child *c)
{
    size_t limit = c->cfg->max_line + 65536;
    if (c->cap - c->len > 4096 || c->cap >= limit)
        return 0;
    size_t ncap = c->cap ? c->cap * 2 : 65536;
    if (ncap > limit)
        ncap = limit;
    char *b = realloc(c->buf, ncap);
    if (!b)
        return -ENOMEM;
    c->buf = b;
    c->cap = ncap;
    return 0;
}

/* Drop the line child_recv returned last; keep what came after it. */
static void take_line(struct child *c)
{
    if (!c->taken)
        return;
    c->len -= c->taken;
    memmove(c->buf, c->buf + c->taken, c->len);
    c->taken = 0;
    c->scan = 0;
    if (!c->len && c->cap > BUF_SHRINK) {
        free(c->buf);
        c->buf = NULL;
        c->cap = 0;
    }
}

int child_recv(struct child *c, int64_t deadline, const nd_doc_t *doc,
               char **line, size_t *len, char *err, size_t errlen)
{
    take_line(c);
    size_t max = c->cfg->max_line;
    /* The pipe is polled before it is read, unless the last read filled
     * the room it was given: after a document is written the answer is
     * seldom there yet, and a read that finds nothing costs a system call
     * for nothing. A poll that found the answer also looked at stderr
     * (and drained it), so the answer needs no read of its own there. */
    int readable = 0, err_seen = 0;
    for (;;) {
        char *nl = c->len > c->scan ? memchr(c->buf + c->scan, '\n', c->len - c->scan)
                                    : NULL;
        size_t n = nl ? (size_t)(nl - c->buf) : c->len;
        if (n > max) {
            snprintf(err, errlen, "wrote a line longer than max_line (%zu "
                     "bytes)", max);
            return -EMSGSIZE;
        }
        if (nl) {
            c->taken = n + 1;
            c->scan = 0;
            if (n && c->buf[n - 1] == '\r')
                n--;
            c->buf[n] = '\0';
            *line = c->buf;
            *len = n;
            /* What it wrote to stderr before answering is about this
             * document: log it with it. */
            if (!err_seen)
                drain_stderr(c, doc);
            return 0;
        }
        c->scan = c->len;
        if (grow(c) < 0) {
            snprintf(err, errlen, "out of memory");
            return -ENOMEM;
        }
        if (!readable) {
            int rc = wait_fd(c, c->out, POLLIN, deadline, 1, doc);
            if (rc == 0) {
                snprintf(err, errlen, "did not answer in time");
                return -ETIMEDOUT;
            }
            if (rc < 0) {
                snprintf(err, errlen, "cannot wait for it: %s", strerror(-rc));
                return rc;
            }
            readable = err_seen = 1;
        }
        size_t room = c->cap - c->len - 1;
        ssize_t r = read(c->out, c->buf + c->len, room);
        if (r > 0) {
            c->len += (size_t)r;
            readable = (size_t)r == room;
            continue;
        }
        if (r == 0) {
            snprintf(err, errlen, "closed its output");
            return -EPIPE;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN) {
            int e = errno;
            snprintf(err, errlen, "cannot read its output: %s", strerror(e));
            return -e;
        }
        readable = 0;
    }
}

int child_has_more(const struct child *c)
{
    return c->len > c->taken;
}

/* ---- the hello ----------------------------------------------------------- */

/* `s` as a JSON string into out (quotes included). */
static void json_quote(const char *s, char *out, size_t len)
{
    size_t o = 0;
    out[o++] = '"';
    for (; *s && o + 8 < len; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            o += (size_t)snprintf(out + o, len - o, "\\%c", ch);
        else if (ch < 0x20)
            o += (size_t)snprintf(out + o, len - o, "\\u%04x", ch);
        else
            out[o++] = (char)ch;
    }
    out[o++] = '"';
    out[o] = '\0';
}

int child_hello(struct child *c, int64_t deadline, char *err, size_t errlen)
{
    const struct child_cfg *cfg = c->cfg;
    char step[512], hello[768], why[512];
    json_quote(cfg->step, step, sizeof step);
    int n = snprintf(hello, sizeof hello, "{\"newsdesk_exec\":%d,\"step\":%s,"
                     "\"worker\":%u,\"workers\":%u}", EXEC_PROTOCOL, step,
                     c->index, cfg->workers);
    char *line;
    size_t len;
    int rc = child_send(c, hello, (size_t)n, deadline, 1, NULL, why, sizeof why);
    if (rc == 0)
        rc = child_recv(c, deadline, NULL, &line, &len, why, sizeof why);
    if (rc == -EPIPE) {
        child_describe_end(c, 1000, "before its hello", why, sizeof why);
        snprintf(err, errlen, "child %u %s", c->index, why);
        return rc;
    }
    if (rc == -ETIMEDOUT) {
        snprintf(err, errlen, "child %u did not answer the hello within "
                 "start_timeout (its first line must be {\"newsdesk_exec\": "
                 "%d}: see \"Plugins in any language\" in docs/plugins.md)",
                 c->index, EXEC_PROTOCOL);
        return rc;
    }
    if (rc < 0) {
        snprintf(err, errlen, "child %u %s", c->index, why);
        return rc;
    }
    char perr[128] = "";
    nd_val_t *v = nd_val_parse_json(line, len, perr, sizeof perr);
    const nd_val_t *proto = nd_val_get(v, "newsdesk_exec");
    const nd_val_t *batch = nd_val_get(v, "batch");
    rc = 0;
    if (nd_val_type(v) != ND_VAL_OBJ || nd_val_type(proto) != ND_VAL_INT) {
        snprintf(err, errlen, "child %u answered the hello with \"%.80s%s\", "
                 "not {\"newsdesk_exec\": %d}", c->index, line,
                 len > 80 ? "..." : "", EXEC_PROTOCOL);
        rc = -EPROTO;
    } else if (nd_val_as_int(proto) != EXEC_PROTOCOL) {
        snprintf(err, errlen, "child %u speaks version %lld of the protocol; "
                 "this newsdesk speaks version %d", c->index,
                 (long long)nd_val_as_int(proto), EXEC_PROTOCOL);
        rc = -EPROTO;
    } else if (batch && (nd_val_type(batch) != ND_VAL_INT ||
                         nd_val_as_int(batch) < 1 ||
                         nd_val_as_int(batch) > 1024)) {
        snprintf(err, errlen, "child %u: the hello's batch must be a whole "
                 "number from 1 to 1024", c->index);
        rc = -EPROTO;
    } else if (batch) {
        c->batch = (unsigned)nd_val_as_int(batch);
    }
    nd_val_free(v);
    return rc;
}

/* ---- ending -------------------------------------------------------------- */

/* Has the child exited? Looks without reaping it, so that its pid (and
 * process group) stays ours until child_reap. */
static int exited(struct child *c)
{
    if (c->exited)
        return 1;
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 ||
        si.si_pid != c->pid)
        return 0;
    c->exited = 1;
    c->status = si.si_code == CLD_EXITED ? si.si_status : -si.si_status;
    return 1;
}

void child_describe_end(struct child *c, int64_t wait_ms, const char *when,
                        char *why, size_t len)
{
    int64_t deadline = child_now_ms() + wait_ms;
    /* Its last words first: they are usually the reason. */
    while (!exited(c) || !c->err_eof) {
        if (child_now_ms() >= deadline)
            break;
        struct pollfd p = {c->err_eof ? -1 : c->err, POLLIN, 0};
        if (poll(&p, 1, 10) > 0)
            drain_stderr(c, NULL);
    }
    char last[sizeof c->last_err + 40] = "";
    if (c->last_err[0])
        snprintf(last, sizeof last, "; its last stderr line: \"%s\"", c->last_err);
    if (!c->exited)
        snprintf(why, len, "closed its output %s, without exiting%s", when, last);
    else if (c->status >= 0)
        snprintf(why, len, "exited with status %d %s%s", c->status, when, last);
    else
        snprintf(why, len, "was killed by signal %d (%s) %s%s", -c->status,
                 sigdescr_np(-c->status) ? sigdescr_np(-c->status) : "?", when,
                 last);
}

void child_kill(struct child *c)
{
    if (c->pid > 0)
        kill(-c->pid, SIGKILL);
}

void child_reap(struct child *c)
{
    if (c->pid > 0) {
        /* The leader is not reaped yet, so its group id is still ours:
         * what it started goes too. */
        kill(-c->pid, SIGKILL);
        while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        drain_stderr(c, NULL);
    }
    if (c->in >= 0)
        close(c->in);
    if (c->out >= 0)
        close(c->out);
    if (c->err >= 0)
        close(c->err);
    c->in = c->out = c->err = -1;
    c->pid = 0;
    free(c->buf);
    c->buf = NULL;
    c->len = c->cap = c->scan = c->taken = 0;
}

/* Wait until every child in cs has exited or the deadline passes,
 * logging their stderr and discarding what they still write to stdout. */
static void wait_exits(struct child *const *cs, size_t n, int64_t deadline)
{
    for (;;) {
        struct pollfd p[2 * 64];
        size_t np = 0, running = 0;
        for (size_t i = 0; i < n; i++) {
            struct child *c = cs[i];
            if (c->pid <= 0 || exited(c))
                continue;
            running++;
            if (np + 2 <= sizeof p / sizeof p[0]) {
                p[np++] = (struct pollfd){c->err_eof ? -1 : c->err, POLLIN, 0};
                p[np++] = (struct pollfd){c->out, POLLIN, 0};
            }
        }
        int64_t left = deadline - child_now_ms();
        if (!running || left <= 0)
            return;
        /* A child's exit ends its pipes, which wakes the poll; the short
         * cap covers one whose output is held open by what it started. */
        poll(p, np, left < 50 ? (int)left : 50);
        for (size_t i = 0; i < n; i++) {
            struct child *c = cs[i];
            if (c->pid <= 0)
                continue;
            drain_stderr(c, NULL);
            char sink[4096];
            while (c->out >= 0 && read(c->out, sink, sizeof sink) > 0)
                ;
        }
    }
}

void child_stop_all(struct child *const *cs, size_t n, int64_t grace_ms)
{
    for (size_t i = 0; i < n; i++)
        if (cs[i]->in >= 0) {
            close(cs[i]->in);
            cs[i]->in = -1;
        }
    wait_exits(cs, n, child_now_ms() + grace_ms);
    int term = 0;
    for (size_t i = 0; i < n; i++) {
        struct child *c = cs[i];
        if (c->pid <= 0 || exited(c))
            continue;
        nd_log(c->cfg->self, ND_LOG_WARNING, "child %u (pid %d) did not exit "
               "within stop_grace (%lld ms) after its input closed; sending "
               "it SIGTERM", c->index, (int)c->pid, (long long)grace_ms);
        kill(-c->pid, SIGTERM);
        term = 1;
    }
    if (term)
        wait_exits(cs, n, child_now_ms() + 1000);
    for (size_t i = 0; i < n; i++) {
        struct child *c = cs[i];
        if (c->pid > 0 && !exited(c))
            nd_log(c->cfg->self, ND_LOG_WARNING, "child %u (pid %d) did not "
                   "exit on SIGTERM; killing it", c->index, (int)c->pid);
        child_reap(c);
    }
}
