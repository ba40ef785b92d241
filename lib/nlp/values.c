/* Value entities: dates (normalised to ISO 8601 against the document's
 * date), times, money (amount and ISO 4217 code), percentages and
 * quantities, recognised by patterns over tokens. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "lexicon.h"
#include "ner_int.h"

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 ? 28 + leap : dm[m - 1];
}

/* ---- numbers ---------------------------------------------------------- */

static const struct {
    const char *w;
    double v;
} number_words[] = {
    {"one", 1}, {"two", 2}, {"three", 3}, {"four", 4}, {"five", 5},
    {"six", 6}, {"seven", 7}, {"eight", 8}, {"nine", 9}, {"ten", 10},
    {"eleven", 11}, {"twelve", 12}, {"fifteen", 15}, {"twenty", 20},
    {"thirty", 30}, {"forty", 40}, {"fifty", 50}, {"sixty", 60},
    {"seventy", 70}, {"eighty", 80}, {"ninety", 90}, {"hundred", 100},
    {"dozen", 12}, {"a", 1}, {"half", 0.5},
};

static const struct {
    const char *w;
    double v;
} scales[] = {
    {"thousand", 1e3}, {"million", 1e6}, {"billion", 1e9}, {"trillion", 1e12},
    {"mln", 1e6}, {"bln", 1e9}, {"bn", 1e9}, {"m", 1e6}, {"mn", 1e6},
    {"k", 1e3}, {"tn", 1e12}, {"millions", 1e6}, {"billions", 1e9},
};

static double scale_of(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof scales / sizeof *scales; i++)
        if (strlen(scales[i].w) == n && !strncasecmp(s, scales[i].w, n))
            return scales[i].v;
    return 0;
}

/* Parse the number at the start of s[0..n): digits with , separators and
 * a decimal point. *rest is what follows it. Returns 1 if there was one. */
static int parse_digits(const char *s, size_t n, double *out, size_t *rest)
{
    char buf[64];
    size_t b = 0, i = 0;
    if (!n || !isdigit((unsigned char)s[0]))
        return 0;
    for (; i < n && b < sizeof buf - 1; i++) {
        char c = s[i];
        if (isdigit((unsigned char)c))
            buf[b++] = c;
        else if (c == ',' && i + 3 < n + 0 && isdigit((unsigned char)s[i + 1]))
            continue;
        else if (c == ',' && i + 1 < n && isdigit((unsigned char)s[i + 1]))
            continue;
        else if (c == '.' && i + 1 < n && isdigit((unsigned char)s[i + 1]))
            buf[b++] = c;
        else
            break;
    }
    buf[b] = '\0';
    *out = strtod(buf, NULL);
    *rest = i;
    return 1;
}

/* A number starting at token k: "410", "3.5", "two", "a"(+scale), with an
 * optional scale ("million", "bn"), written apart or joined ("5bn").
 * Sets *end and *v; *suffix and *suflen to any letters left on the last token
 * ("5km" -> "km"). */
static int number_at(const nlp_doc_t *d, size_t k, size_t *end, double *v,
                     const char **suffix, size_t *suflen)
{
    *suffix = NULL, *suflen = 0;
    if (k >= d->ntok)
        return 0;
    const char *s = tk_s(d, k);
    size_t n = tk_n(d, k), rest;
    double x;
    if (parse_digits(s, n, &x, &rest)) {
        if (rest < n) {
            if (s[rest] == ':' || (rest + 1 < n && s[rest] == '-' && isdigit((unsigned char)s[rest + 1])))
                return 0; /* times and ranges are not plain numbers */
            double sc = scale_of(s + rest, n - rest);
            if (sc) {
                *v = x * sc, *end = k + 1;
                return 1;
            }
            *suffix = s + rest, *suflen = n - rest;
            *v = x, *end = k + 1;
            return 1;
        }
    } else {
        size_t i;
        for (i = 0; i < sizeof number_words / sizeof *number_words; i++)
            if (tk_ieq(d, k, number_words[i].w))
                break;
        if (i == sizeof number_words / sizeof *number_words)
            return 0;
        x = number_words[i].v;
        /* "a" only counts before a scale ("a billion dollars"). */
        if (!strcmp(number_words[i].w, "a") &&
            !(k + 1 < d->ntok && scale_of(tk_s(d, k + 1), tk_n(d, k + 1)) >= 1e3))
            return 0;
    }
    size_t e = k + 1;
    if (e < d->ntok) {
        double sc = scale_of(tk_s(d, e), tk_n(d, e));
        /* A lone "m" or "k" only scales when written onto the number. */
        if (sc && tk_n(d, e) > 2) {
            x *= sc;
            e++;
        }
    }
    *v = x;
    *end = e;
    return 1;
}

/* ---- money, percent, quantity ------------------------------------------- */

static const struct lex_entry *currency_at(const nlp_doc_t *d, size_t k, size_t *end)
{
    /* Two-word names first: "Swedish crowns", "Hong Kong dollars". */
    for (size_t len = 3; len >= 1; len--) {
        if (k + len > d->ntok)
            continue;
        size_t a = d->tok[k].start, b = d->tok[k + len - 1].end;
        if (b - a > 40)
            continue;
        char buf[48];
        size_t o = 0;
        for (size_t t = k; t < k + len; t++) {
            if (t > k)
                buf[o++] = ' ';
            memcpy(buf + o, tk_s(d, t), tk_n(d, t));
            o += tk_n(d, t);
        }
        const struct lex_entry *e = lex_find(buf, o);
        if (e && (e->flags & LX_CURRENCY)) {
            *end = k + len;
            return e;
        }
    }
    return NULL;
}

static int money_at(const nlp_doc_t *d, size_t k, size_t *end, nlp_value_t *v)
{
    size_t e, ce;
    double x;
    const char *suf;
    size_t sufn;
    const nlp_token_t *t = d->tok;
    /* Symbol first: "$410 million", "US$5bn", "€3". A symbol glued after
     * letters ("US$", "HK$") is one currency. */
    size_t s = k;
    const struct lex_entry *cur = NULL;
    if (t[k].kind == NLP_WORD && k + 1 < d->ntok && t[k + 1].kind == NLP_SYMBOL &&
        t[k + 1].start == t[k].end) {
        char buf[16];
        size_t n = t[k + 1].end - t[k].start;
        if (n < sizeof buf) {
            memcpy(buf, tk_s(d, k), n);
            cur = lex_find(buf, n);
            if (cur && (cur->flags & LX_CURRENCY))
                s = k + 2;
            else
                cur = NULL;
        }
    }
    if (!cur && t[k].kind == NLP_SYMBOL) {
        cur = lex_find(tk_s(d, k), tk_n(d, k));
        if (cur && !(cur->flags & LX_CURRENCY))
            cur = NULL;
        s = k + 1;
    }
    if (!cur && t[k].kind == NLP_WORD && (t[k].flags & NLP_ALLCAPS) && tk_n(d, k) == 3) {
        cur = lex_find(tk_s(d, k), 3);
        if (cur && !(cur->flags & LX_CURCODE))
            cur = NULL;
        s = k + 1;
    }
    if (cur) {
        if (number_at(d, s, &e, &x, &suf, &sufn)) {
            if (suf) {
                double sc = scale_of(suf, sufn);
                if (!sc)
                    return 0;
                x *= sc;
            }
            v->kind = 3, v->amount = x;
            snprintf(v->unit, sizeof v->unit, "%s", cur->code);
            *end = e;
            return 1;
        }
        return 0;
    }
    /* Number first: "100 million euros", "3.5 billion Swedish crowns",
     * "200 million USD". */
    if (!number_at(d, k, &e, &x, &suf, &sufn) || suf)
        return 0;
    cur = currency_at(d, e, &ce);
    if (!cur && e < d->ntok && (t[e].flags & NLP_ALLCAPS) && tk_n(d, e) == 3) {
        cur = lex_find(tk_s(d, e), 3);
        if (cur && !(cur->flags & LX_CURCODE))
            cur = NULL;
        ce = e + 1;
    }
    if (!cur)
        return 0;
    /* "pounds" without a scale is more often a weight. */
    if (!strcmp(cur->code, "GBP") && tk_ieq(d, e, "pounds") && x < 1e5 &&
        e == k + 1)
        return 0;
    v->kind = 3, v->amount = x;
    snprintf(v->unit, sizeof v->unit, "%s", cur->code);
    *end = ce;
    return 1;
}

static int percent_at(const nlp_doc_t *d, size_t k, size_t *end, nlp_value_t *v)
{
    size_t e;
    double x;
    const char *suf;
    size_t sufn;
    if (!number_at(d, k, &e, &x, &suf, &sufn) || suf)
        return 0;
    if (e < d->ntok && (tk_eq(d, e, "%") || tk_ieq(d, e, "percent") ||
                        tk_ieq(d, e, "pct") || tk_ieq(d, e, "percentage"))) {
        e++;
    } else if (tk_ieq(d, e, "per") && tk_ieq(d, e + 1, "cent")) {
        e += 2;
    } else {
        return 0;
    }
    if (tk_ieq(d, e, "points"))
        e++;
    else if (tk_ieq(d, e - 1, "percentage") && (tk_ieq(d, e, "points") || tk_ieq(d, e, "point")))
        e++;
    else if (tk_ieq(d, e, "-") && tk_ieq(d, e + 1, "points"))
        e += 2;
    v->kind = 2, v->amount = x;
    *end = e;
    return 1;
}

static int quantity_at(const nlp_doc_t *d, size_t k, size_t *end, nlp_value_t *v)
{
    size_t e;
    double x;
    const char *suf;
    size_t sufn;
    if (!number_at(d, k, &e, &x, &suf, &sufn))
        return 0;
    const char *u = NULL;
    size_t un = 0;
    if (suf) {
        if (*suf == '-')
            suf++, sufn--;
        if (lex_flags(suf, sufn) & LX_UNIT)
            u = suf, un = sufn;
    } else if (e < d->ntok && (lex_flags(tk_s(d, e), tk_n(d, e)) & LX_UNIT)) {
        u = tk_s(d, e), un = tk_n(d, e);
        e++;
    } else if (e + 1 < d->ntok && tk_ieq(d, e, "square") &&
               (lex_flags(tk_s(d, e + 1), tk_n(d, e + 1)) & LX_UNIT)) {
        u = tk_s(d, e), un = d->tok[e + 1].end - d->tok[e].start;
        e += 2;
    }
    if (!u || un >= sizeof v->unit)
        return 0;
    v->kind = 3, v->amount = x;
    memcpy(v->unit, u, un);
    v->unit[un] = '\0';
    *end = e;
    return 1;
}

/* ---- dates and times ------------------------------------------------------ */

static const char *const months[] = {"january", "february", "march", "april",
                                     "may", "june", "july", "august",
                                     "september", "october", "november",
                                     "december"};
static const char *const weekdays[] = {"monday", "tuesday", "wednesday",
                                       "thursday", "friday", "saturday",
                                       "sunday"};

static int day_of(const nlp_doc_t *d, size_t k);

/* The month named by token k (1-12), full or abbreviated, capitalised. */
static int month_of(const nlp_doc_t *d, size_t k)
{
    if (k >= d->ntok || !(d->tok[k].flags & NLP_CAP))
        return 0;
    const char *s = tk_s(d, k);
    size_t n = tk_n(d, k);
    if (n && s[n - 1] == '.')
        n--;
    if (n < 3)
        return 0;
    for (int m = 0; m < 12; m++) {
        size_t full = strlen(months[m]);
        if (n == full && !strncasecmp(s, months[m], n))
            return m + 1;
        /* "Jan." or "Sept."; without the period only before a day
         * ("Jun 5"), as "Jun" is also a name. */
        if ((n == 3 || (n == 4 && m == 8)) && !strncasecmp(s, months[m], n) &&
            m != 4 && ((d->tok[k].flags & NLP_ABBR) || day_of(d, k + 1)))
            return m + 1;
    }
    return 0;
}

/* "mid-October", "early-March", "late-May" as one token: the month. */
static int part_month_of(const nlp_doc_t *d, size_t k)
{
    static const char *const parts[] = {"mid-", "early-", "late-"};
    const char *s = tk_s(d, k);
    size_t n = tk_n(d, k);
    if (n < 7 || !memchr(s, '-', n))
        return 0;
    for (size_t i = 0; i < 3; i++) {
        size_t pl = strlen(parts[i]);
        if (n <= pl || strncasecmp(s, parts[i], pl))
            continue;
        for (int m = 0; m < 12; m++)
            if (n - pl == strlen(months[m]) && !strncasecmp(s + pl, months[m], n - pl))
                return m + 1;
    }
    return 0;
}

static int weekday_of(const nlp_doc_t *d, size_t k)
{
    if (k >= d->ntok || !(d->tok[k].flags & NLP_CAP))
        return -1;
    for (int w = 0; w < 7; w++)
        if (tk_ieq(d, k, weekdays[w]))
            return w;
    return -1;
}

/* A day of the month ("14", "14th"), or 0. */
static int day_of(const nlp_doc_t *d, size_t k)
{
    if (k >= d->ntok)
        return 0;
    const char *s = tk_s(d, k);
    size_t n = tk_n(d, k);
    if (!n || !isdigit((unsigned char)s[0]))
        return 0;
    int v = 0;
    size_t i = 0;
    while (i < n && isdigit((unsigned char)s[i]) && i < 2)
        v = v * 10 + (s[i++] - '0');
    if (i < n && !(n - i == 2 && (!strncasecmp(s + i, "st", 2) ||
                                  !strncasecmp(s + i, "nd", 2) ||
                                  !strncasecmp(s + i, "rd", 2) ||
                                  !strncasecmp(s + i, "th", 2))))
        return 0;
    return v >= 1 && v <= 31 ? v : 0;
}

static int year_of(const nlp_doc_t *d, size_t k)
{
    if (k >= d->ntok || d->tok[k].kind != NLP_NUMBER || tk_n(d, k) != 4)
        return 0;
    /* Digits by hand: the text need not end in a NUL after the token. */
    const char *s = tk_s(d, k);
    int y = 0;
    for (size_t i = 0; i < 4; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        y = y * 10 + (s[i] - '0');
    }
    return y >= 1000 && y <= 2199 ? y : 0;
}

/* "14-17" written as one token. */
static int day_range_of(const nlp_doc_t *d, size_t k, int *a, int *b)
{
    if (k >= d->ntok)
        return 0;
    const char *s = tk_s(d, k);
    size_t n = tk_n(d, k);
    char buf[16];
    if (n >= sizeof buf)
        return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *dash = strchr(buf, '-');
    if (!dash)
        return 0;
    *dash = '\0';
    char *e1, *e2;
    long x = strtol(buf, &e1, 10), y = strtol(dash + 1, &e2, 10);
    if (*e1 || *e2 || e1 == buf || x < 1 || x > 31 || y < 1 || y > 31 || y <= x)
        return 0;
    *a = (int)x, *b = (int)y;
    return 1;
}

static int is_range_word(const nlp_doc_t *d, size_t k)
{
    return tk_ieq(d, k, "to") || tk_ieq(d, k, "-") || tk_ieq(d, k, "through") ||
           tk_ieq(d, k, "until") || tk_ieq(d, k, "and") ||
           tk_eq(d, k, "\xE2\x80\x93") || tk_eq(d, k, "\xE2\x80\x94");
}

static void iso_day(char *out, size_t n, int y, int m, int dd)
{
    snprintf(out, n, "%04d-%02d-%02d", y, m, dd);
}

static void iso_interval(char *out, size_t n, int64_t a, int64_t b)
{
    int y1, m1, d1, y2, m2, d2;
    civil_from_days(a, &y1, &m1, &d1);
    civil_from_days(b, &y2, &m2, &d2);
    snprintf(out, n, "%04d-%02d-%02d/%04d-%02d-%02d", y1, m1, d1, y2, m2, d2);
}

/* Month-based dates: "September 14", "September 14, 2025", "September 14
 * to 17", "September 14-17", "September 2025", "September", "14
 * September", "14 to 17 September". */
static int month_date_at(const struct ner_ctx *c, size_t k, size_t *end,
                         nlp_value_t *v)
{
    const nlp_doc_t *d = c->d;
    int m = month_of(d, k), dd = 0, d2 = 0, y = 0;
    size_t e = k;
    if (m) {
        e = k + 1;
        int a, b;
        if ((dd = day_of(d, e))) {
            e++;
            if (is_range_word(d, e) && day_of(d, e + 1) > dd) {
                d2 = day_of(d, e + 1);
                e += 2;
            }
        } else if (day_range_of(d, e, &a, &b)) {
            dd = a, d2 = b;
            e++;
        }
        if (tk_eq(d, e, ",") && year_of(d, e + 1))
            e++;
        if ((y = year_of(d, e)))
            e++;
        /* "May" and "March" are also words: a bare one needs a date
         * around it or a preposition before it. */
        if (!dd && !y && (m == 5 || m == 3 || (d->tok[k].flags & NLP_SENT_START))) {
            if (!(k > 0 && (tk_ieq(d, k - 1, "in") || tk_ieq(d, k - 1, "since") ||
                            tk_ieq(d, k - 1, "until") || tk_ieq(d, k - 1, "by") ||
                            tk_ieq(d, k - 1, "early") || tk_ieq(d, k - 1, "late") ||
                            tk_ieq(d, k - 1, "mid") || tk_ieq(d, k - 1, "of") ||
                            tk_ieq(d, k - 1, "last") || tk_ieq(d, k - 1, "next"))))
                return 0;
        }
    } else {
        int a, b;
        if ((dd = day_of(d, k)) && (m = month_of(d, k + 1))) {
            e = k + 2;
        } else if (dd && is_range_word(d, k + 1) && day_of(d, k + 2) > dd &&
                   (m = month_of(d, k + 3))) {
            d2 = day_of(d, k + 2);
            e = k + 4;
        } else if (day_range_of(d, k, &a, &b) && (m = month_of(d, k + 1))) {
            dd = a, d2 = b;
            e = k + 2;
        } else if (dd && tk_eq(d, k + 1, "of") && (m = month_of(d, k + 2))) {
            e = k + 3; /* "the 14th of September" */
        } else if ((m = part_month_of(d, k))) {
            e = k + 1; /* "mid-October" */
            dd = 0;
        } else {
            return 0;
        }
        if ((y = year_of(d, e)))
            e++;
    }
    if (!y)
        y = c->year;
    if (dd > days_in_month(y, m) || d2 > days_in_month(y, m))
        return 0;
    v->kind = 1;
    if (d2)
        iso_interval(v->iso, sizeof v->iso, days_from_civil(y, m, dd),
                     days_from_civil(y, m, d2));
    else if (dd)
        iso_day(v->iso, sizeof v->iso, y, m, dd);
    else
        snprintf(v->iso, sizeof v->iso, "%04d-%02d", y, m);
    *end = e;
    return 1;
}

/* Dates relative to the document's: "today", "Tuesday", "next week",
 * "later this year", "three days ago". */
static int relative_date_at(const struct ner_ctx *c, size_t k, size_t *end,
                            nlp_value_t *v)
{
    const nlp_doc_t *d = c->d;
    int64_t t = c->days;
    int wd = (int)((t % 7 + 7 + 3) % 7); /* 1970-01-01 was a Thursday */
    v->kind = 1;
    if (tk_ieq(d, k, "today") || tk_ieq(d, k, "tonight")) {
        iso_interval(v->iso, sizeof v->iso, t, t);
        v->iso[10] = '\0';
        *end = k + 1;
        return 1;
    }
    if (tk_ieq(d, k, "yesterday") || tk_ieq(d, k, "tomorrow")) {
        int64_t x = t + (tk_ieq(d, k, "yesterday") ? -1 : 1);
        iso_interval(v->iso, sizeof v->iso, x, x);
        v->iso[10] = '\0';
        *end = k + 1;
        return 1;
    }
    size_t s = k;
    int dir = 0; /* -1 last, 0 this, +1 next */
    int part = 0; /* -1 earlier this, +1 later this */
    if (tk_ieq(d, s, "later") && tk_ieq(d, s + 1, "this"))
        part = 1, s += 2;
    else if (tk_ieq(d, s, "earlier") && tk_ieq(d, s + 1, "this"))
        part = -1, s += 2;
    else if (tk_ieq(d, s, "next"))
        dir = 1, s++;
    else if (tk_ieq(d, s, "last") || tk_ieq(d, s, "past") || tk_ieq(d, s, "previous"))
        dir = -1, s++;
    else if (tk_ieq(d, s, "this"))
        s++;
    int w = weekday_of(d, s);
    if (w >= 0) {
        int diff = w - wd;
        if (dir > 0)
            diff = diff <= 0 ? diff + 7 : diff;
        else if (dir < 0 || s == k)
            /* A bare weekday in news is the nearest one, past or future:
             * within three days either way. */
            diff = dir < 0 ? (diff >= 0 ? diff - 7 : diff)
                           : (diff > 3 ? diff - 7 : diff < -3 ? diff + 7 : diff);
        if (part)
            return 0;
        iso_interval(v->iso, sizeof v->iso, t + diff, t + diff);
        v->iso[10] = '\0';
        *end = s + 1;
        return 1;
    }
    if (s == k)
        return 0;
    int y = c->year, m = c->month;
    if (tk_ieq(d, s, "week")) {
        int64_t monday = t - wd;
        if (part)
            return 0;
        monday += 7 * dir;
        iso_interval(v->iso, sizeof v->iso, monday, monday + 6);
    } else if (tk_ieq(d, s, "month")) {
        m += dir;
        if (m < 1)
            m += 12, y--;
        if (m > 12)
            m -= 12, y++;
        if (part > 0)
            iso_interval(v->iso, sizeof v->iso, t, days_from_civil(y, m, days_in_month(y, m)));
        else if (part < 0)
            iso_interval(v->iso, sizeof v->iso, days_from_civil(y, m, 1), t);
        else
            snprintf(v->iso, sizeof v->iso, "%04d-%02d", y, m);
    } else if (tk_ieq(d, s, "year")) {
        y += dir;
        if (part > 0)
            iso_interval(v->iso, sizeof v->iso, t, days_from_civil(y, 12, 31));
        else if (part < 0)
            iso_interval(v->iso, sizeof v->iso, days_from_civil(y, 1, 1), t);
        else
            snprintf(v->iso, sizeof v->iso, "%04d", y);
    } else if (dir && !part && month_of(d, s)) {
        int mm = month_of(d, s);
        int yy = c->year;
        if (dir > 0 && mm <= c->month)
            yy++;
        if (dir < 0 && mm >= c->month)
            yy--;
        snprintf(v->iso, sizeof v->iso, "%04d-%02d", yy, mm);
    } else {
        return 0;
    }
    *end = s + 1;
    return 1;
}

/* "three days ago", "two weeks ago", "5 years ago". */
static int ago_at(const struct ner_ctx *c, size_t k, size_t *end, nlp_value_t *v)
{
    const nlp_doc_t *d = c->d;
    size_t e;
    double x;
    const char *suf;
    size_t sufn;
    /* The range first: converting a huge number to int is undefined. */
    if (!number_at(d, k, &e, &x, &suf, &sufn) || suf || !(x >= 0 && x <= 1000) ||
        x != (int)x)
        return 0;
    if (!tk_ieq(d, e + 1, "ago"))
        return 0;
    int n = (int)x, y = c->year, m = c->month;
    v->kind = 1;
    if (tk_ieq(d, e, "days") || tk_ieq(d, e, "day")) {
        iso_interval(v->iso, sizeof v->iso, c->days - n, c->days - n);
        v->iso[10] = '\0';
    } else if (tk_ieq(d, e, "weeks") || tk_ieq(d, e, "week")) {
        int64_t x0 = c->days - 7 * n;
        iso_interval(v->iso, sizeof v->iso, x0, x0);
        v->iso[10] = '\0';
    } else if (tk_ieq(d, e, "months") || tk_ieq(d, e, "month")) {
        m -= n % 12, y -= n / 12;
        if (m < 1)
            m += 12, y--;
        snprintf(v->iso, sizeof v->iso, "%04d-%02d", y, m);
    } else if (tk_ieq(d, e, "years") || tk_ieq(d, e, "year")) {
        snprintf(v->iso, sizeof v->iso, "%04d", y - n);
    } else {
        return 0;
    }
    *end = e + 2;
    return 1;
}

static int year_date_at(const struct ner_ctx *c, size_t k, size_t *end, nlp_value_t *v)
{
    const nlp_doc_t *d = c->d;
    int y = year_of(d, k);
    if (y) {
        /* Not a year when a unit, currency or scale follows. */
        if (k + 1 < d->ntok) {
            uint32_t lf = lex_flags(tk_s(d, k + 1), tk_n(d, k + 1));
            if (lf & (LX_UNIT | LX_CURRENCY) ||
                scale_of(tk_s(d, k + 1), tk_n(d, k + 1)) ||
                tk_eq(d, k + 1, "%") || tk_ieq(d, k + 1, "percent") ||
                tk_ieq(d, k + 1, "people") || tk_ieq(d, k + 1, "votes"))
                return 0;
        }
        if (k > 0 && d->tok[k - 1].kind == NLP_SYMBOL)
            return 0;
        v->kind = 1;
        snprintf(v->iso, sizeof v->iso, "%04d", y);
        if (is_range_word(d, k + 1) && !tk_ieq(d, k + 1, "and") && year_of(d, k + 2) > y) {
            snprintf(v->iso, sizeof v->iso, "%04d/%04d", y, year_of(d, k + 2));
            *end = k + 3;
            return 1;
        }
        *end = k + 1;
        return 1;
    }
    /* Decades: "the 1990s". */
    const char *s = tk_s(d, k);
    if (tk_n(d, k) == 5 && isdigit((unsigned char)s[0]) && s[3] == '0' && s[4] == 's') {
        int dec = atoi(s);
        if (dec >= 1000 && dec <= 2190) {
            v->kind = 1;
            snprintf(v->iso, sizeof v->iso, "%04d/%04d", dec, dec + 9);
            *end = k + 1;
            return 1;
        }
    }
    return 0;
}

static int time_at(const nlp_doc_t *d, size_t k, size_t *end, nlp_value_t *v)
{
    const char *s = tk_s(d, k);
    size_t n = tk_n(d, k);
    int h = -1, mi = 0;
    size_t e = k + 1;
    if (tk_ieq(d, k, "noon") || tk_ieq(d, k, "midday"))
        h = 12;
    else if (tk_ieq(d, k, "midnight"))
        h = 0;
    if (h >= 0) {
        v->kind = 1;
        snprintf(v->iso, sizeof v->iso, "%02d:00", h);
        *end = e;
        return 1;
    }
    if (!n || !isdigit((unsigned char)s[0]))
        return 0;
    char buf[16];
    if (n >= sizeof buf)
        return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *p;
    long hh = strtol(buf, &p, 10), mm = 0;
    int colon = 0;
    if (*p == ':' || (*p == '.' && k + 1 < d->ntok && (tk_ieq(d, k + 1, "a.m.") || tk_ieq(d, k + 1, "p.m.") || tk_ieq(d, k + 1, "am") || tk_ieq(d, k + 1, "pm")))) {
        char *q;
        mm = strtol(p + 1, &q, 10);
        if (q != p + 3)
            return 0;
        p = q, colon = 1;
    }
    const char *ampm = NULL;
    if (*p) {
        if (!strcasecmp(p, "am") || !strcasecmp(p, "pm") || !strcasecmp(p, "a.m.") || !strcasecmp(p, "p.m."))
            ampm = p;
        else
            return 0;
    } else if (e < d->ntok && (tk_ieq(d, e, "a.m.") || tk_ieq(d, e, "p.m.") ||
                               tk_ieq(d, e, "am") || tk_ieq(d, e, "pm"))) {
        ampm = tk_s(d, e);
        e++;
    }
    if (!ampm && !colon)
        return 0;
    if (hh > 24 || mm > 59 || (ampm && (hh < 1 || hh > 12)))
        return 0;
    if (ampm && (ampm[0] | 0x20) == 'p' && hh < 12)
        hh += 12;
    if (ampm && (ampm[0] | 0x20) == 'a' && hh == 12)
        hh = 0;
    mi = (int)mm;
    v->kind = 1;
    snprintf(v->iso, sizeof v->iso, "%02ld:%02d", hh, mi);
    /* A zone abbreviation after it belongs to it. */
    if (e < d->ntok && (tk_eq(d, e, "GMT") || tk_eq(d, e, "UTC") || tk_eq(d, e, "ET") ||
                        tk_eq(d, e, "EST") || tk_eq(d, e, "EDT") || tk_eq(d, e, "CET") ||
                        tk_eq(d, e, "BST") || tk_eq(d, e, "PT")))
        e++;
    *end = e;
    return 1;
}

int value_at(const struct ner_ctx *c, size_t k, size_t *end, nlp_value_t *v)
{
    const nlp_doc_t *d = c->d;
    uint16_t kind = d->tok[k].kind;
    if (kind == NLP_PUNCT)
        return -1;
    /* Most words start no value: their lexicon flags (c->lx, looked up
     * once per document) rule them out. */
    if (kind == NLP_WORD) {
        const char *s = tk_s(d, k);
        size_t n = tk_n(d, k);
        int glued_symbol = k + 1 < d->ntok && d->tok[k + 1].kind == NLP_SYMBOL &&
                           d->tok[k + 1].start == d->tok[k].end;
        if (!(s[0] >= '0' && s[0] <= '9') && !glued_symbol &&
            !((d->tok[k].flags & NLP_ALLCAPS) && n == 3) &&
            !(c->lx[k] & LX_VALUE) && !part_month_of(d, k))
            return -1;
    }
    memset(v, 0, sizeof *v);
    if (money_at(d, k, end, v))
        return NLP_MONEY;
    memset(v, 0, sizeof *v);
    if (percent_at(d, k, end, v))
        return NLP_PERCENT;
    memset(v, 0, sizeof *v);
    if (month_date_at(c, k, end, v))
        return NLP_DATE;
    memset(v, 0, sizeof *v);
    if (kind == NLP_WORD && relative_date_at(c, k, end, v))
        return NLP_DATE;
    memset(v, 0, sizeof *v);
    if (ago_at(c, k, end, v))
        return NLP_DATE;
    memset(v, 0, sizeof *v);
    if (time_at(d, k, end, v))
        return NLP_TIME;
    memset(v, 0, sizeof *v);
    if (quantity_at(d, k, end, v))
        return NLP_QUANTITY;
    memset(v, 0, sizeof *v);
    if (year_date_at(c, k, end, v))
        return NLP_DATE;
    memset(v, 0, sizeof *v);
    return -1;
}
