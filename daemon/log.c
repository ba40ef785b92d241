/* Logging: one line per event on stderr, with <N> priority prefixes when
 * stderr is the systemd journal, timestamped plain lines otherwise.
 *
 * Each line is formatted into one buffer and written with a single
 * write(2), so lines from worker threads never interleave. */
#include "log.h"

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
    int n = vsnprintf(line + o, sizeof line - o, fmt, ap);
    o = n < 0 ? o : o + (size_t)n;
    if (o > sizeof line - 2)
        o = sizeof line - 2;
    /* A message never spans lines: the journal and grep read one event per
     * line. */
    for (size_t i = 0; i < o; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
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
