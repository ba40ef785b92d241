/* A forwarder's source (source.h): the inbox, whose files are not
 * processed here but added to the article stream for the workers. */
#ifndef ND_SOURCE_FORWARD_H
#define ND_SOURCE_FORWARD_H

#include <uv.h>

#include "settings.h"
#include "source.h"

/* Open the inbox as source_inbox_open does and put the stream of
 * set->stream behind it; the strings of `set` must outlive the source.
 * Returns the source, or NULL with the reason in err. */
struct source *source_forward_open(uv_loop_t *loop,
                                   const struct daemon_settings *set,
                                   void (*ready)(struct source *s, void *arg),
                                   void *arg, char *err, size_t errlen);

#endif
