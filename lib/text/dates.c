/* Dates as articles and feeds write them, normalised to ISO 8601. */
#include "dates.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const months[] = {
    "jan", "feb", "mar", "apr", "may", "jun",
    "jul", "aug", "sep", "oct", "nov", "dec",
};

static const struct {
    const char *name;
    int minutes;
} zones[] = {
    {"z", 0},       {"ut", 0},      {"utc", 0},     {"gmt", 0},
    {"est", -300},  {"edt", -240},  {"cst", -360},  {"cdt", -300},
    {"mst", -420},  {"mdt", -360},  {"pst", -480},  {"pdt", -420},
    {"bst", 60},    {"cet", 60},    {"cest", 120},  {"eet", 120},
    {"eest", 180},  {"ist", 330},   {"jst", 540},   {"aest", 600},
};

struct parsed {
    int y, mo, d, h, mi, s;
    int has_time, has_zone, zone_min;
};

static int digits(const char *s, size_t n, size_t *i, int max, int *out)
{
    int v = 0, k = 0;
    while (*i < n && k < max && isdigit((unsigned char)s[*i]))
        v = v * 10 + (s[(*i)++] - '0'), k++;
    *out = v;
    return k;
}

/* "+01:00", "-0500", "+01", "Z" at s[*i]; returns 1 when one was read. */
static int offset(const char *s, size_t n, size_t *i, int *minutes)
{
    if (*i < n && (s[*i] == 'Z' || s[*i] == 'z')) {
        (*i)++;
        *minutes = 0;
        return 1;
    }
    if (*i >= n || (s[*i] != '+' && s[*i] != '-'))
        return 0;
    int sign = s[*i] == '-' ? -1 : 1;
    size_t j = *i + 1;
    int hh, mm = 0;
    if (digits(s, n, &j, 2, &hh) != 2)
        return 0;
    if (j < n && s[j] == ':')
        j++;
    size_t before = j;
    if (digits(s, n, &j, 2, &mm) != 2)
        j = before, mm = 0;
    if (hh > 23 || mm > 59)
        return 0;
    *minutes = sign * (hh * 60 + mm);
    *i = j;
    return 1;
}

static int time_of_day(const char *s, size_t n, size_t *i, struct parsed *p)
{
    size_t j = *i;
    int h, m, sec = 0;
    if (!digits(s, n, &j, 2, &h) || j >= n || s[j] != ':')
        return 0;
    j++;
    if (digits(s, n, &j, 2, &m) != 2)
        return 0;
    if (j < n && s[j] == ':') {
        j++;
        if (digits(s, n, &j, 2, &sec) != 2)
            return 0;
        if (j < n && (s[j] == '.' || s[j] == ',')) {
            j++;
            int frac;
            while (digits(s, n, &j, 9, &frac) == 9)
                ;
        }
    }
    if (h > 24 || m > 59 || sec > 60)
        return 0;
    p->h = h, p->mi = m, p->s = sec == 60 ? 59 : sec;
    p->has_time = 1;
    *i = j;
    return 1;
}

/* 2026-11-28, 2026-11-28T16:40:00.123+01:00, 2026/11/28 16:40 */
static int parse_iso(const char *s, size_t n, struct parsed *p)
{
    size_t i = 0;
    if (digits(s, n, &i, 4, &p->y) != 4 || i >= n || (s[i] != '-' && s[i] != '/'))
        return 0;
    char sep = s[i++];
    if (!digits(s, n, &i, 2, &p->mo) || i >= n || s[i++] != sep ||
        !digits(s, n, &i, 2, &p->d))
        return 0;
    if (i < n && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
        size_t j = i + 1;
        if (time_of_day(s, n, &j, p)) {
            i = j;
            while (i < n && s[i] == ' ')
                i++;
            p->has_zone = offset(s, n, &i, &p->zone_min);
        }
    }
    while (i < n && isspace((unsigned char)s[i]))
        i++;
    return i == n;
}

/* Everything else: words in any order, as RFC 822 and people write them. */
static int parse_words(const char *s, size_t n, struct parsed *p)
{
    int have_day = 0, have_month = 0, have_year = 0, pm = -1;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (isspace(c) || c == ',' || c == '.') {
            i++;
            continue;
        }
        if ((c == '+' || c == '-') && have_year && p->has_time) {
            if (!offset(s, n, &i, &p->zone_min))
                return 0;
            p->has_zone = 1;
            continue;
        }
        if (isdigit(c)) {
            if (time_of_day(s, n, &i, p))
                continue;
            int v;
            int k = digits(s, n, &i, 4, &v);
            while (i < n && isalpha((unsigned char)s[i]) && k <= 2)
                i++; /* 1st, 2nd, 28th */
            if (k == 4 && !have_year)
                p->y = v, have_year = 1;
            else if (k <= 2 && !have_day && v >= 1 && v <= 31)
                p->d = v, have_day = 1;
            else if (k == 2 && have_day && have_month && !have_year)
                p->y = v < 50 ? 2000 + v : 1900 + v, have_year = 1;
            else
                return 0;
            continue;
        }
        if (isalpha(c)) {
            size_t j = i;
            while (j < n && isalpha((unsigned char)s[j]))
                j++;
            size_t len = j - i;
            int known = 0;
            for (int m = 0; m < 12 && !known; m++)
                if (len >= 3 && !strncasecmp(s + i, months[m], 3)) {
                    if (have_month)
                        return 0;
                    p->mo = m + 1, have_month = known = 1;
                }
            if (!known && len == 2 && p->has_time &&
                (!strncasecmp(s + i, "am", 2) || !strncasecmp(s + i, "pm", 2)))
                pm = tolower((unsigned char)s[i]) == 'p', known = 1;
            for (size_t z = 0; !known && z < sizeof zones / sizeof *zones; z++)
                if (strlen(zones[z].name) == len &&
                    !strncasecmp(s + i, zones[z].name, len) && p->has_time)
                    p->zone_min = zones[z].minutes, p->has_zone = known = 1;
            static const char *const days[] = {"mon", "tue", "wed", "thu",
                                               "fri", "sat", "sun"};
            for (size_t d = 0; !known && d < 7; d++)
                if (len >= 3 && !strncasecmp(s + i, days[d], 3))
                    known = 1;
            if (!known && len <= 3 && (!strncasecmp(s + i, "at", len) ||
                                       !strncasecmp(s + i, "on", len)))
                known = 1;
            if (!known)
                return 0;
            i = j;
            continue;
        }
        return 0;
    }
    if (pm >= 0 && p->has_time) {
        if (p->h > 12)
            return 0;
        p->h = p->h % 12 + (pm ? 12 : 0);
    }
    return have_day && have_month && have_year;
}

int date_to_iso(const char *s, size_t n, char out[32])
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (!n || n > 64)
        return -EINVAL;
    struct parsed p = {0};
    size_t k = 0;
    while (k < n && isdigit((unsigned char)s[k]))
        k++;
    if (k == n && n >= 9 && n <= 11) {
        /* Unix seconds, as some CMS exports write them. */
        time_t t = 0;
        for (size_t i = 0; i < n; i++)
            t = t * 10 + (s[i] - '0');
        struct tm tm;
        if (!gmtime_r(&t, &tm))
            return -EINVAL;
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
        return 0;
    }
    if (!parse_iso(s, n, &p)) {
        memset(&p, 0, sizeof p);
        if (!parse_words(s, n, &p))
            return -EINVAL;
    }
    if (p.y < 1800 || p.y > 2200 || p.mo < 1 || p.mo > 12 || p.d < 1 || p.d > 31)
        return -EINVAL;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (p.d > mdays[p.mo - 1])
        return -EINVAL;
    if (!p.has_time) {
        snprintf(out, 32, "%04d-%02d-%02d", p.y, p.mo, p.d);
        return 0;
    }
    struct tm tm = {.tm_year = p.y - 1900, .tm_mon = p.mo - 1, .tm_mday = p.d,
                    .tm_hour = p.h, .tm_min = p.mi, .tm_sec = p.s};
    time_t t = timegm(&tm) - (time_t)p.zone_min * 60;
    struct tm u;
    if (!gmtime_r(&t, &u))
        return -EINVAL;
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &u);
    return 0;
}
