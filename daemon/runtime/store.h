/* Where a claimed file lives and where it ends: the work/, done/ and
 * failed/ folders under the state directory, the <name>.error.json record
 * beside each failed file (kept in retried/ once the file is retried), and
 * the crash counters that catch poison documents. Plain file operations on
 * directory descriptors: safe to call from worker threads, since every
 * move is an atomic rename that never replaces anything (RENAME_NOREPLACE). */
#ifndef ND_STORE_H
#define ND_STORE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "failure.h"

struct store {
    char *state;       /* the state directory, as configured */
    int workfd, donefd, failedfd, attemptsfd, runningfd;
    int *slots;        /* running/slot-<n>, one per worker */
    unsigned nslots;
    int sync;          /* fsync error records and counters */
};

/* Create state/{work,done,failed,attempts,running} as needed and open them. Refuses
 * (-1, with the reason in err) when any of them is on another file system
 * than `inbox_dev`, since moves between them must be atomic renames.
 * `sync`: make error records and counters durable. */
int store_open(struct store *s, const char *state, uint64_t inbox_dev,
               int sync, char *err, size_t errlen);
void store_close(struct store *s);

/* Claim the file at `path` by moving it into work/ as `name`. Returns 0,
 * -EEXIST when work/ already holds that name, or another -errno (-ENOENT:
 * it is gone; -EXDEV: another file system). */
int store_claim(struct store *s, const char *path, const char *name);

/* Move work/`name` into done/ under a free name (`name`, else
 * "stem.2.ext", "stem.3.ext", ...), or delete it when `delete` is set.
 * The name used goes to `final` (may be NULL). Returns 0 or -errno. */
int store_done(struct store *s, const char *name, int delete, char *final,
               size_t flen);

/* Write the record <that name>.error.json from `f` into failed/, then
 * move work/`name` beside it, under the first name for which both are
 * free. Never one without the other: on an error (-errno) the file is
 * still in work/ and no record was left. */
int store_fail(struct store *s, const char *name, const struct failure *f,
               char *final, size_t flen);

/* Write `raw` as a new file in failed/ (a document split out of a
 * container, which has no file of its own) with its error record, the
 * record first as store_fail does. Returns 0, or -errno with neither
 * written. */
int store_fail_bytes(struct store *s, const char *name, const void *raw,
                     size_t len, const struct failure *f, char *final,
                     size_t flen);

/* Give work/`name` back to the folder `inbox` (on shutdown), under a free
 * name. Returns 0 or -errno. */
int store_unclaim(struct store *s, const char *inbox, const char *name,
                  char *final, size_t flen);

/* Crash counters, one per name in work/: how many times the daemon died
 * while that file was in flight. 0 when there is none. */
unsigned store_crashes(struct store *s, const char *name);
int store_set_crashes(struct store *s, const char *name, unsigned n);
void store_clear_crashes(struct store *s, const char *name);

/* What the workers were processing when the previous daemon died: the
 * names noted in running/, each once, into *names (malloc'd, as are the
 * names). Read before store_running_open. */
size_t store_running_read(struct store *s, char ***names);

/* Start afresh with `nslots` empty notes, one per worker. Returns 0 or
 * -errno. */
int store_running_open(struct store *s, unsigned nslots);

/* Note that worker `slot` is processing work/`name` ("" when it is idle).
 * Thread-safe for distinct slots. */
void store_running_note(struct store *s, unsigned slot, const char *name);

/* What store_retry did with a failed file. */
struct retried {
    char name[NAME_MAX + 1];   /* the document's name in failed/ */
    char inbox[NAME_MAX + 1];  /* its name in the inbox; "" if it stayed */
    char record[NAME_MAX + 1]; /* its error record's name in retried/; ""
                                  when it had none or the record stayed */
};

/* Give a failed file back to the folder `inbox` for another try. `name` is
 * its name in failed/ or a path to it there, or the same for its error
 * record (meaning the document). The file moves into the inbox under a free
 * name, never replacing one, and only then does its <name>.error.json move
 * to state/retried/ (created if need be), kept under a free name
 * ("x.txt.error.json", then "x.txt.error.2.json", ...): a folder apart, so
 * that no scan of failed/ or the inbox ever takes a record for a document.
 * Returns 0, or -1 with the reason in err (naming the file): when the file
 * could not move, nothing changed; when only its record could not, the file
 * is in the inbox (r->inbox says where) and the record still in failed/. */
int store_retry(struct store *s, const char *inbox, const char *name,
                struct retried *r, char *err, size_t errlen);

/* The failed documents: regular files in failed/ other than error records
 * and hidden temporaries, sorted by name, as *n malloc'd strings in
 * *names (free them with store_free_names). Returns 0 or -errno. */
int store_failed(struct store *s, char ***names, size_t *n);
void store_free_names(char **names, size_t n);

#endif
