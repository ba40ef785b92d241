/* The function table the host hands to plugins, and the host's own use of
 * the same logging paths. */
#ifndef ND_HOSTAPI_H
#define ND_HOSTAPI_H

#include <newsdesk/plugin.h>

/* Log a line about a document: names its id, file and current step. */
void host_doc_log(const nd_doc_t *d, nd_log_level_t level, const char *fmt,
                  ...) __attribute__((format(printf, 3, 4)));

#endif
