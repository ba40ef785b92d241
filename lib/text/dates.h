/* Dates as articles and feeds write them, normalised to ISO 8601. */
#ifndef ND_TEXT_DATES_H
#define ND_TEXT_DATES_H

#include <stddef.h>

/* Normalise a date as found in articles and feeds to ISO 8601: ISO 8601
 * itself (with any offset), RFC 822/1123 ("Sat, 28 Nov 2026 16:40:00
 * +0100", zone names such as GMT or EST, two-digit years), "November 28,
 * 2026 4:40 PM", "28 November 2026", and Unix seconds. A date with a time
 * becomes "2026-11-28T15:40:00Z" (UTC); a date alone "2026-11-28".
 * Returns 0 with the result in out, or -EINVAL when s is not a date. */
int date_to_iso(const char *s, size_t n, char out[32]);

#endif
