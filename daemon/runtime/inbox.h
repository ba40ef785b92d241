/* The watched inbox: raw inotify on the folder through a uv_poll_t (or
 * periodic scans where inotify cannot see changes), the ignore rules, and
 * deciding when a file is complete (SPEC section 4). It hands out names of
 * files that are ready to claim; it knows nothing of claiming, plugins or
 * outcomes.
 *
 * Memory is bounded: the inbox remembers at most `max_candidates` names.
 * Past that it drops what it hears and scans the folder again once there is
 * room, so a backlog of any size waits on disk, not in RAM. Of a name it
 * drops after hearing that the file is complete it keeps a 64-bit hash, so
 * that a burst larger than the table does not wait settle_slow. */
#ifndef ND_INBOX_H
#define ND_INBOX_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "base/hashset.h"

enum inbox_watch { INBOX_WATCH_AUTO, INBOX_WATCH_INOTIFY, INBOX_WATCH_POLL };

/* What inbox_start is given; it keeps its own copy of everything. */
struct inbox_settings {
    const char *path;
    int64_t settle_ms;       /* quiet time after a close-after-write */
    int64_t settle_slow_ms;  /* gap between two stats for other files */
    int64_t rescan_ms;       /* safety-net scan period */
    int64_t poll_ms;         /* scan period when watching by polling */
    enum inbox_watch watch;
    const char *const *ignore; /* user globs */
    size_t nignore;
    size_t max_candidates;
};

struct inbox;
typedef void (*inbox_ready_cb)(struct inbox *in, void *arg);

struct cand;
struct cand_list {
    struct cand *head, *tail;
    size_t n;
};

struct inbox {
    uv_loop_t *loop;
    struct inbox_settings set; /* its strings point into path and ignore */
    char *path;             /* owned */
    char **ignore;          /* owned copies of the user globs */
    uint64_t dev;           /* its file system, fixed at start */
    uint64_t ino;           /* the folder itself, to notice a new one */
    int polling;            /* scanning instead of inotify */
    const char *poll_reason;

    int ifd, wd;            /* inotify instance and the inbox's watch */
    uv_poll_t ipoll;
    uv_timer_t settle_timer, rescan_timer, rewatch_timer, poll_timer;
    uv_idle_t scan_idle;
    int64_t rewatch_delay;
    int lost;               /* the folder is gone: waiting for it */

    void *scan;             /* DIR * of the scan in progress, or NULL */
    int scan_again;         /* a rescan was asked for during a scan */
    int dropped;            /* names were dropped: a rescan is due */
    /* Hashes of names dropped after an event said they were complete (a
     * rename in, or a close after writing; the low bit tells which), so
     * that the rescan finding them takes them as the event would have,
     * not after settle_slow: 16 bytes a name, for at most
     * max(16 x max_candidates, 65536) names. */
    struct hashset complete;

    struct cand **buckets;
    size_t nbuckets, ncand;
    struct cand_list settle, slow, ready, ignored;

    uint64_t rescans, overflows;
    inbox_ready_cb ready_cb;
    void *arg;
    int closing, nclosing;
    void (*closed_cb)(struct inbox *in);
};

/* Open the folder (creating it if missing), add the watch (or decide to
 * poll, and log why), and start the first scan. `cb` is called on the loop
 * thread whenever names become ready. Returns 0, or -1 with the reason in
 * err. */
int inbox_start(struct inbox *in, uv_loop_t *loop,
                const struct inbox_settings *set, inbox_ready_cb cb,
                void *arg, char *err, size_t errlen);

/* Take the oldest ready name into out (NAME_MAX + 1 bytes). Returns 1, or
 * 0 when none is ready. The name is forgotten: if it cannot be claimed
 * now, give it back with inbox_later. */
int inbox_take(struct inbox *in, char *out);

/* Look at `name` again after settle_slow (it was busy, or work/ holds a
 * file of that name). */
void inbox_later(struct inbox *in, const char *name);

/* The path of `name` in the inbox, into out. Returns 0, or -1 while the
 * folder is gone (or the path is too long). The inbox holds no descriptor
 * of its folder: one would keep the kernel from reporting its deletion. */
int inbox_file(const struct inbox *in, const char *name, char *out,
               size_t outlen);

/* Names known to be waiting; *known is 0 while a scan is under way or
 * names were dropped, when the folder may hold more. */
size_t inbox_pending(const struct inbox *in, int *known);

/* Scan the folder again (e.g. after the daemon dropped its own view). */
void inbox_rescan(struct inbox *in, const char *why);

/* Stop watching and close every handle; `done` runs once they are all
 * closed, after which the memory may be released. */
void inbox_close(struct inbox *in, void (*done)(struct inbox *in));

#endif
