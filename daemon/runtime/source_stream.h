/* The article stream as a document source for a worker (source.h):
 * entries the consumer group hands this daemon (XREADGROUP), or takes
 * over from a worker that died (XAUTOCLAIM), acknowledged once done and
 * moved to <key>:failed with their error record once failed. */
#ifndef ND_SOURCE_STREAM_H
#define ND_SOURCE_STREAM_H

#include <uv.h>

#include "settings.h"
#include "source.h"

/* Start reading the stream of set->stream (a worker's); the strings of
 * `set` must outlive the source. Redis need not be up: the source says
 * so in its stats and keeps trying. Returns the source, or NULL with the
 * reason in err. */
struct source *source_stream_open(uv_loop_t *loop,
                                  const struct daemon_settings *set,
                                  void (*ready)(struct source *s, void *arg),
                                  void *arg, char *err, size_t errlen);

#endif
