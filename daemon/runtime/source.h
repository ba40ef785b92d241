/* Where the daemon's documents come from: a document source. The loop
 * (daemon.c) takes items from a source, runs each through the chain and
 * tells the source how it ended; it never knows whether an item was a file
 * in a watched folder (source_inbox.c) or, say, an entry of a stream. A
 * source keeps what it hands out until it hears the outcome, and keeps the
 * outcome durable: an item never told done or failed (a crash) comes back.
 *
 * Threads: `take`, `give_back`, `pending`, `stats` and `close` run on the
 * loop thread; `read`, `running`, `done`, `failed` and `failed_part` on a
 * worker thread, for distinct items at once. Errors are negative errno
 * values, with a reason for a person in `err` where one is asked for. */
#ifndef ND_SOURCE_H
#define ND_SOURCE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "failure.h"
#include "stream.h"

/* What a source that talks to the stream says of it (/metrics, /status). */
struct source_stream {
    enum stream_role role;
    const char *url;         /* the password redacted */
    const char *key, *group, *consumer;
    struct stream_figures fig; /* as last read (fig.known) */
    uint64_t added;          /* entries this daemon added (forwarder) */
    uint64_t reclaimed;      /* entries it took over from dead workers */
    uint64_t dead_lettered;  /* entries it moved to <key>:failed */
};

/* One item a source has handed out. The source fills it in `take`; the
 * loop keeps it until the item is given back or its outcome recorded. */
struct source_item {
    char name[NAME_MAX + 1]; /* names the document in logs and records */
    int recovered;           /* left over by a daemon that died */
    unsigned crashes;        /* times the daemon died while processing it */
    int suspect;             /* it was being processed when the daemon last
                                died: the loop runs it alone, so that a
                                crash then is its own */
    int64_t received;        /* when it arrived (unix seconds), if the
                                source knows; 0: when it is read */
    uint64_t ref;            /* the source's own handle */
};

/* What a source says of itself for /status and /metrics. */
struct source_stats {
    size_t pending;          /* items known to be waiting */
    int pending_known;       /* 0: there may be more than `pending` */
    uint64_t rescans, overflows; /* the inbox's scans, inotify overflows */
    const char *watch;       /* how it notices new items ("inotify", ...) */
    int lost;                /* it cannot see its items now (the folder is
                                gone, the server unreachable) */
    const char *trouble;     /* why, for /health, when lost; borrowed
                                until the next call */
    int paused;              /* it holds items back on purpose (a
                                forwarder over stream.max_backlog) */
    const struct source_stream *stream; /* a stream's account of itself,
                                or NULL; borrowed until the next call */
};

struct source;

struct source_ops {
    /* The next item ready to be processed, into *it. Returns 1, 0 when
     * none is ready now (the source calls its ready callback when there
     * may be more), or -1 on a memory shortage. Items left over from a
     * daemon that died come first, suspects before the rest. */
    int (*take)(struct source *s, struct source_item *it);

    /* The item's bytes: 0 with *raw (malloc'd, NUL-terminated past *len)
     * and *path (where it came from, for the document; malloc'd, may be
     * NULL); or -errno with the stage ("claim" when it is no longer a
     * regular file it can open, "read") and a reason in err. Over `max`
     * bytes is -EFBIG, nothing read. */
    int (*read)(struct source *s, const struct source_item *it, size_t max,
                uint8_t **raw, size_t *len, char **path, const char **stage,
                char *err, size_t errlen);

    /* Worker `slot` starts on `it` (NULL: it is idle again). What the
     * source notes here must outlive the process, so that the next start
     * knows which items were being processed when it died (suspects). */
    void (*running)(struct source *s, unsigned slot, const struct source_item *it);

    /* Outcomes. Each returns 0, or -errno (with a reason in err) when it
     * could not be recorded: the item is then still the loop's, where it
     * was, and the loop tries again later. `where` gets a short account
     * for the log ("done/story.txt", "failed/story.txt"). */
    int (*done)(struct source *s, const struct source_item *it, char *where,
                size_t wlen, char *err, size_t errlen);
    int (*failed)(struct source *s, const struct source_item *it,
                  const struct failure *f, char *where, size_t wlen,
                  char *err, size_t errlen);
    /* A document split out of the item (a feed's entry) failed on its
     * own: keep its bytes with its failure record. */
    int (*failed_part)(struct source *s, const struct source_item *it,
                       const char *name, const void *raw, size_t len,
                       const struct failure *f, char *err, size_t errlen);

    /* Put the item back in the queue, untouched (shutdown). Returns 0 with
     * where it went in `where`, -ENOENT when it is no longer the loop's
     * to give, or another -errno: it then stays where it is and comes
     * back at the next start. */
    int (*give_back)(struct source *s, const struct source_item *it,
                     char *where, size_t wlen);

    void (*stats)(const struct source *s, struct source_stats *st);

    /* Stop handing out items and close; `closed` runs once everything the
     * source holds on the loop is closed (then free it). */
    void (*close)(struct source *s, void (*closed)(struct source *s));
};

struct source {
    const struct source_ops *ops;
    /* Called on the loop thread when items may be ready. */
    void (*ready)(struct source *s, void *arg);
    void *ready_arg;
};

#endif
