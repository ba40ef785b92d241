/* Logging: one line per event on stderr, with <N> priority prefixes when
 * stderr is the systemd journal, timestamped plain lines otherwise. */
#ifndef ND_LOG_H
#define ND_LOG_H

#include <newsdesk/plugin.h>
#include <stdarg.h>

/* Decide the line format from $JOURNAL_STREAM and stderr, once, at start. */
void log_init(void);
/* Lines above `level` (less severe) are dropped. Thread-safe. */
void log_set_level(nd_log_level_t level);
nd_log_level_t log_get_level(void);
/* Parse "error", "warning", "notice", "info", "debug". Returns 0 or -1. */
int log_parse_level(const char *s, nd_log_level_t *out);

void log_msg(nd_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_vmsg(nd_log_level_t level, const char *fmt, va_list ap);

/* Room for any file name (NAME_MAX bytes) quoted by log_quote. */
#define LOG_QUOTE_MAX (255 * 4 + 1)

/* `s` made safe to write between double quotes in a log line, into out:
 * control characters, DEL and invalid UTF-8 as \xNN (\n, \r, \t, \e by
 * name), \ and " as \\ and \". Longer values are cut. Returns out; NULL
 * reads as "-". Every file name in a log line goes through it. */
const char *log_quote(const char *s, char out[LOG_QUOTE_MAX]);

#define log_error(...) log_msg(ND_LOG_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(ND_LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(ND_LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(ND_LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(ND_LOG_DEBUG, __VA_ARGS__)

#endif
