/* Configured values as they may be shown to people (`newsdesk check`,
 * `newsdesk plugins`, configuration errors): secrets replaced by
 * REDACTED, everything else left as written. */
#ifndef ND_REDACT_H
#define ND_REDACT_H

#include <newsdesk/plugin.h>
#include <stddef.h>

#define REDACTED "<redacted>"

/* Write `value` into out (at most len bytes, always terminated when len >
 * 0) with its secrets replaced by REDACTED, and return the length of the
 * whole result, as snprintf does. The whole value is a secret when `opt`
 * (which may be NULL) is declared ND_OPT_SECRET. Otherwise these parts
 * are, wherever they occur in it:
 *
 * - the password of a URL's user information (scheme://user:PASSWORD@);
 *   the user name stays;
 * - the value of every parameter of a URL's query, and its fragment:
 *   signed URLs and webhooks carry keys under any name (token, sig, key,
 *   X-Amz-Signature...), so no name is trusted; the names stay;
 * - the value of a key=value pair whose key looks secret (libpq's
 *   "password=" and "sslpassword=", token=, secret=, ...);
 * - the value of a whole "Name: value" header whose name looks secret
 *   (Authorization, Cookie, X-Api-Key, ...). */
size_t redact(char *out, size_t len, const nd_option_t *opt, const char *value);

/* The same, malloc'd (the caller frees it); NULL when out of memory. */
char *redact_dup(const nd_option_t *opt, const char *value);

#endif
