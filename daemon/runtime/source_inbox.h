/* The watched inbox as a document source (source.h): files claimed from
 * the inbox folder into work/, filed in done/ or failed/ (store.c), and
 * those a daemon that died left in work/ handed out again first. */
#ifndef ND_SOURCE_INBOX_H
#define ND_SOURCE_INBOX_H

#include <uv.h>

#include "settings.h"
#include "source.h"

/* Open the state folders, find what a previous run left in work/ (and
 * which of it was being processed: their crash counters go up now), and
 * start watching the inbox. `workers` running notes are kept. Returns the
 * source, or NULL with the reason in err. */
struct source *source_inbox_open(uv_loop_t *loop,
                                 const struct daemon_settings *set,
                                 void (*ready)(struct source *s, void *arg),
                                 void *arg, char *err, size_t errlen);

#endif
