/* Logging: one line per event on stderr, with <N> priority prefixes when
 * stderr is the systemd journal, timestamped plain lines otherwise.
 *
 * Each line is formatted into one buffer and written with a single
 * write(2), so lines from worker threads never interleave. No byte of a
 * line is taken on trust: file names and plugin messages reach it, and a
 * name holding ESC, a newline or a quote must not be able to forge a
 * line, a field or a terminal sequence (see log_quote). */
#include "log.h"

#include "base/utf8.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static atomic_int level = ND_LOG_INFO;
static int journal;

static const char *const names[] = {
    [ND_LOG_ERROR] = "error", [ND_LOG_WARNING] = "warning",
    [ND_LOG_NOTICE] = "notice", [ND_LOG_INFO] = "info",
    [ND_LOG_DEBUG] = "debug",
};

void log_init(void)
{
    /* $JOURNAL_STREAM is "device:inode" of the journal's socket; it only
     * means stderr when stderr is that very file. */
    const char *js = getenv("JOURNAL_STREAM");
    struct stat st;
    unsigned long long dev, ino;
    journal = js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
              fstat(STDERR_FILENO, &st) == 0 &&
              (unsigned long long)st.st_dev == dev &&
              (unsigned long long)st.st_ino == ino;
}

void log_set_level(nd_log_level_t l) { atomic_store(&level, (int)l); }
nd_log_level_t log_get_level(void) { return (nd_log_level_t)atomic_load(&level); }

int log_parse_level(const char *s, nd_log_level_t *out)
{
    for (int l = ND_LOG_ERROR; l <= ND_LOG_DEBUG; l++)
        if (!strcasecmp(s, names[l])) {
            *out = (nd_log_level_t)l;
            return 0;
        }
    return -1;
}

/* Copy s[0..n) into out (at most outlen - 1 bytes, NUL-terminated),
 * writing control characters, DEL and bytes that are not valid UTF-8 as
 * \xNN (\n, \r, \t, \e by name), and with `quoted` also \ and " as \\
 * and \": a value written between quotes then cannot close them. A
 * newline in a message becomes a space rather than \n, as it always
 * has. Never cuts an escape or a UTF-8 sequence. Returns the length. */
static size_t escape(const char *s, size_t n, int quoted, char *out,
                     size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        const char *put = esc;
        size_t plen;
        uint32_t cp;
        size_t u = c >= 0x80 ? utf8_decode((const uint8_t *)s + i, n - i, &cp) : 0;
        if (u > 1) {
            put = s + i;
            plen = u;
        } else if (c >= 0x20 && c < 0x7f && !(quoted && (c == '"' || c == '\\'))) {
            put = s + i;
            plen = 1;
        } else if (!quoted && (c == '\n' || c == '\r')) {
            esc[0] = ' ';
            plen = 1;
        } else if (c == '"' || c == '\\') {
            esc[0] = '\\', esc[1] = (char)c;
            plen = 2;
        } else {
            const char *named = c == '\n' ? "\\n" : c == '\r' ? "\\r"
                                : c == '\t' ? "\\t" : c == 0x1b ? "\\e" : NULL;
            plen = named ? 2 : 4;
            if (named)
                memcpy(esc, named, 2);
            else
                snprintf(esc, sizeof esc, "\\x%02X", c);
        }
        if (o + plen >= outlen)
            break;
        memcpy(out + o, put, plen);
        o += plen;
        i += u > 1 ? u : 1;
    }
    out[o] = '\0';
    return o;
}

const char *log_quote(const char *s, char out[LOG_QUOTE_MAX])
{
    escape(s ? s : "-", s ? strlen(s) : 1, 1, out, LOG_QUOTE_MAX);
    return out;
}

void log_vmsg(nd_log_level_t l, const char *fmt, va_list ap)
{
    if ((int)l > atomic_load(&level))
        return;
    char line[4096];
    size_t o;
    if (journal) {
        o = (size_t)snprintf(line, sizeof line, "<%d>", (int)l);
    } else {
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        o = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
        o += (size_t)snprintf(line + o, sizeof line - o, ".%03ldZ %s: ",
                              ts.tv_nsec / 1000000, names[l]);
    }
    char msg[4096];
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1;
    /* A message never spans lines (the journal and grep read one event per
     * line) and holds no raw control character or invalid UTF-8. */
    o += escape(msg, len, 0, line + o, sizeof line - o - 1);
    line[o++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, o);
    (void)w;
}

void log_msg(nd_log_level_t l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(l, fmt, ap);
    va_end(ap);
}
