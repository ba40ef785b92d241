/* Named entities: value patterns first (values.c), then runs of
 * capitalised words typed by gazetteers (lexicon.c), titles, organisation
 * and place heads, first names and context, and last a pass over the whole
 * document that resolves short forms ("Bessent") to the fullest form
 * ("Scott Bessent") and gathers mentions into entities. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "base/grow.h"
#include "base/hash.h"
#include "lexicon.h"
#include "ner_int.h"

#define NAME_FLAGS (LX_LOC | LX_COUNTRY | LX_PERSON | LX_ORG | LX_NORP | LX_HAND)
#define MAX_GAZ 6 /* longest gazetteer name, in tokens */
#define UNKNOWN (-1)

const char *nlp_etype_name(int type)
{
    static const char *const names[] = {"PERSON", "ORG", "LOC", "NORP", "DATE",
                                        "TIME", "MONEY", "PERCENT", "QUANTITY"};
    return type >= 0 && type < NLP_NTYPES ? names[type] : "UNKNOWN";
}

struct cand {
    uint32_t first, last;
    int type;
    int weak;      /* typed by a guess that the document may overrule */
    int country;   /* a country name: never taken for a surname */
    nlp_value_t value;
};

struct run_ctx {
    const nlp_doc_t *d;
    struct cand *c;
    size_t n, cap;
    uint32_t *dropped; /* sentence-initial words left out of names */
    size_t ndropped, capdropped;
    int oom;
};

static int has_digit(const nlp_doc_t *d, size_t a, size_t b)
{
    for (size_t k = a; k < b; k++)
        for (size_t i = 0; i < tk_n(d, k); i++)
            if (tk_s(d, k)[i] >= '0' && tk_s(d, k)[i] <= '9')
                return 1;
    return 0;
}

static void emit(struct run_ctx *r, size_t first, size_t last, int type, int weak)
{
    if (first >= last)
        return;
    /* No one's name has digits: "F-104 Starfighter", "A1 Grand Prix". */
    if (type == NLP_PERSON && has_digit(r->d, first, last))
        type = UNKNOWN, weak = 1;
    struct cand *g = array_grow(r->c, &r->cap, r->n + 1, sizeof *g, 64);
    if (!g) {
        r->oom = 1;
        return;
    }
    r->c = g;
    struct cand *c = &r->c[r->n++];
    memset(c, 0, sizeof *c);
    c->first = (uint32_t)first, c->last = (uint32_t)last;
    c->type = type, c->weak = weak;
}

static void drop_word(struct run_ctx *r, size_t k)
{
    uint32_t *g = array_grow(r->dropped, &r->capdropped, r->ndropped + 1,
                             sizeof *g, 32);
    if (!g) {
        r->oom = 1;
        return;
    }
    r->dropped = g;
    r->dropped[r->ndropped++] = (uint32_t)k;
}

/* Tokens [a, b) joined by single spaces into buf; returns the length or 0
 * when it does not fit. */
static size_t join(const nlp_doc_t *d, size_t a, size_t b, char *buf, size_t cap)
{
    size_t o = 0;
    for (size_t k = a; k < b; k++) {
        size_t n = tk_n(d, k);
        if (o + n + 1 >= cap)
            return 0;
        if (k > a && (d->tok[k].flags & NLP_SPACE_BEFORE))
            buf[o++] = ' ';
        memcpy(buf + o, tk_s(d, k), n);
        o += n;
    }
    buf[o] = '\0';
    return o;
}

static uint32_t tflags(const nlp_doc_t *d, size_t k);

static uint32_t span_flags(const nlp_doc_t *d, size_t a, size_t b)
{
    if (b - a == 1)
        return tflags(d, a);
    char buf[128];
    size_t n = join(d, a, b, buf, sizeof buf);
    if (!n)
        return 0;
    uint32_t f = lex_flags(buf, n);
    /* "SAN FRANCISCO (AP) -": a dateline's place in capitals. */
    if (!f && (d->tok[a].flags & NLP_ALLCAPS) && (d->tok[b - 1].flags & NLP_ALLCAPS)) {
        for (size_t i = 1; i < n; i++)
            if (buf[i] >= 'A' && buf[i] <= 'Z' && buf[i - 1] != ' ' && buf[i - 1] != '-')
                buf[i] = (char)(buf[i] + 32);
        f = lex_flags(buf, n) & (LX_LOC | LX_COUNTRY);
    }
    return f;
}

static uint32_t tflags(const nlp_doc_t *d, size_t k)
{
    uint32_t f = lex_flags(tk_s(d, k), tk_n(d, k));
    /* "WASHINGTON (Reuters) -": a place in capitals, as datelines write
     * it, is the place. */
    if (!f && (d->tok[k].flags & NLP_ALLCAPS) && tk_n(d, k) > 3 && tk_n(d, k) < 32) {
        char b[32];
        const char *s = tk_s(d, k);
        size_t n = tk_n(d, k);
        b[0] = s[0];
        for (size_t i = 1; i < n; i++)
            b[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
        f = lex_flags(b, n) & (LX_LOC | LX_COUNTRY);
    }
    return f;
}

/* The entity type a gazetteer entry gives a span of `len` tokens. */
static int gaz_type(uint32_t f, size_t len)
{
    if (f & LX_HAND) {
        if (f & LX_PERSON) return NLP_PERSON;
        if (f & LX_ORG) return NLP_ORG;
        if (f & LX_NORP) return NLP_NORP;
        return NLP_LOC;
    }
    if (f & (LX_COUNTRY | LX_LOC))
        return NLP_LOC;
    if (f & LX_ORG)
        return NLP_ORG;
    if ((f & LX_NORP) && !(f & LX_TITLE && len == 1))
        return NLP_NORP;
    /* One word that names a famous person ("Born", "Mars") is more often
     * something else; the document's fuller mentions decide. */
    if ((f & LX_PERSON) && len > 1)
        return NLP_PERSON;
    return UNKNOWN;
}

/* Lower-case copy of token k into buf (ASCII letters only change). */
static size_t lower(const nlp_doc_t *d, size_t k, char *buf, size_t cap)
{
    size_t n = tk_n(d, k);
    if (n >= cap)
        return 0;
    const char *s = tk_s(d, k);
    for (size_t i = 0; i < n; i++)
        buf[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
    buf[n] = '\0';
    return n;
}

/* Is the lower-case word w an English word, allowing for inflection
 * ("talks", "hosting", "agreed")? */
static int common_word(const char *w, size_t n)
{
    if (lex_flags(w, n) & (LX_COMMON | LX_STOP))
        return 1;
    char b[64];
    if (n < 4 || n >= sizeof b)
        return 0;
    memcpy(b, w, n);
    static const struct { const char *suf; const char *rep; } rules[] = {
        {"ies", "y"}, {"es", ""}, {"s", ""}, {"ing", ""}, {"ing", "e"},
        {"ed", ""}, {"ed", "e"}, {"ly", ""}, {"ers", ""}, {"er", ""},
        {"iest", "y"}, {"est", ""}, {"men", "man"},
    };
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
        size_t sl = strlen(rules[i].suf), rl = strlen(rules[i].rep);
        if (n < sl + (rl ? 2 : 3) || memcmp(w + n - sl, rules[i].suf, sl))
            continue;
        size_t m = n - sl;
        memcpy(b, w, m);
        memcpy(b + m, rules[i].rep, rl);
        if (lex_flags(b, m + rl) & LX_COMMON)
            return 1;
        /* doubled consonant: "planned", "shipping" */
        if (!rl && m > 2 && b[m - 1] == b[m - 2] && (lex_flags(b, m - 1) & LX_COMMON))
            return 1;
    }
    return 0;
}

/* Token k, lower-cased, is an English word ("Red", "Crescent") that no
 * name list knows as a surname. */
static int plain_word(const nlp_doc_t *d, size_t k)
{
    char low[64];
    size_t n = lower(d, k, low, sizeof low);
    uint32_t f = tflags(d, k);
    if (f & LX_SURNAME)
        return 0;
    /* A first name is plain only as itself ("Red", "Will"), not through
     * a suffix ("Jared" is no "jar"). */
    if (f & LX_FIRST)
        return n && (lex_flags(low, n) & LX_COMMON);
    return n && common_word(low, n);
}

/* A sentence-initial word that is capitalised only because it starts the
 * sentence. */
static int plain_start(const nlp_doc_t *d, size_t k)
{
    char low[64];
    size_t n = lower(d, k, low, sizeof low);
    if (!n)
        return 0;
    if (d->tok[k].flags & (NLP_ALLCAPS | NLP_MIXED))
        return 0;
    if (lex_flags(low, n) & LX_STOP)
        return 1;
    if (tflags(d, k) & (NAME_FLAGS | LX_FIRST))
        return 0;
    return common_word(low, n);
}

static int is_month_or_day(const nlp_doc_t *d, size_t k)
{
    static const char *const w[] = {
        "January", "February", "March", "April", "May", "June", "July",
        "August", "September", "October", "November", "December", "Monday",
        "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
        "Jan.", "Feb.", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."};
    for (size_t i = 0; i < sizeof w / sizeof *w; i++)
        if (tk_eq(d, k, w[i]))
            return 1;
    return 0;
}

/* Can token k be part of a name? */
static int namelike(const nlp_doc_t *d, const uint8_t *used, size_t k)
{
    const nlp_token_t *t = &d->tok[k];
    if (used[k] || t->kind != NLP_WORD || (t->flags & NLP_POSS))
        return 0;
    if (!(t->flags & (NLP_CAP | NLP_ALLCAPS)))
        return 0;
    if (tk_eq(d, k, "I") || is_month_or_day(d, k))
        return 0;
    /* "No.", "Vol.", "Fig." stand before numbers, not in names; "St."
     * starts one ("St. Louis"). */
    if ((t->flags & NLP_ABBR) && t->end - t->start > 2) {
        uint32_t f = lex_flags(tk_s(d, k), tk_n(d, k) - 1);
        if ((f & LX_ABBR_NOEND) &&
            !(lex_flags(tk_s(d, k), tk_n(d, k)) & (LX_TITLE | LX_LOCPRE)))
            return 0;
    }
    return 1;
}

/* Lower-case particles inside names: "Ludwig van Beethoven". */
static int particle(const nlp_doc_t *d, size_t k)
{
    static const char *const p[] = {"de", "van", "von", "der", "den", "bin",
                                    "al", "da", "del", "di", "du", "la", "le",
                                    "dos", "das", "ibn", "y", "el"};
    for (size_t i = 0; i < sizeof p / sizeof *p; i++)
        if (tk_eq(d, k, p[i]))
            return 1;
    return 0;
}

static int said_word(const nlp_doc_t *d, size_t k)
{
    return tk_ieq(d, k, "said") || tk_ieq(d, k, "says") || tk_ieq(d, k, "told") ||
           tk_ieq(d, k, "added") || tk_ieq(d, k, "explained") ||
           tk_ieq(d, k, "wrote") || tk_ieq(d, k, "asked") || tk_ieq(d, k, "replied");
}

/* The run of name-like tokens starting at k (same sentence); returns its
 * end. */
static size_t run_end(const nlp_doc_t *d, const uint8_t *used, size_t k)
{
    size_t e = k;
    while (e < d->ntok) {
        if (e > k && (d->tok[e].sent != d->tok[k].sent ||
                      (d->tok[e].flags & NLP_LINE_BEFORE)))
            break;
        if (namelike(d, used, e)) {
            e++;
        } else if (e > k && particle(d, e) && e + 1 < d->ntok &&
                   namelike(d, used, e + 1) && d->tok[e + 1].sent == d->tok[k].sent) {
            e++;
        } else {
            break;
        }
    }
    return e;
}

/* Do the capitalised words [a, b) end in a person's name: a first name
 * then a last word that heads nothing ("Analyst Maria Aasen", "Trevor
 * Lang")? */
static int person_like(const nlp_doc_t *d, size_t a, size_t b)
{
    uint32_t last = tflags(d, b - 1);
    if (last & (LX_ORGHEAD | LX_ORGPRE | LX_LOCHEAD | LX_LOCPRE | LX_TITLE | LX_EVENT) ||
        plain_word(d, b - 1))
        return 0;
    if (last & LX_SURNAME)
        return 1;
    for (size_t k = a; k + 1 < b; k++)
        if ((tflags(d, k) & LX_FIRST) && !plain_word(d, k))
            return 1;
    return 0;
}

/* Like run_end, but also across "of", "for", "and" and "&" when what
 * they join is an organisation's name: "Max Planck Institute for
 * Astronomy", "Disaster and Emergency Management Authority". *org is set
 * when that happened. */
static size_t org_run_end(const nlp_doc_t *d, const uint8_t *used, size_t k, int *org)
{
    size_t e = run_end(d, used, k);
    *org = 0;
    while (e + 1 < d->ntok && d->tok[e + 1].sent == d->tok[k].sent &&
           !(d->tok[e + 1].flags & NLP_LINE_BEFORE) && namelike(d, used, e + 1)) {
        int of = tk_eq(d, e, "of") || tk_eq(d, e, "for");
        if (!of && !tk_eq(d, e, "and") && !tk_eq(d, e, "&"))
            break;
        size_t e2 = run_end(d, used, e + 1);
        uint32_t left = lex_flags(tk_s(d, e - 1), tk_n(d, e - 1));
        uint32_t right = lex_flags(tk_s(d, e2 - 1), tk_n(d, e2 - 1));
        /* After "of" has joined, "and" continues the same phrase:
         * "Office of Management and Budget". */
        /* "Shares of Nordvik Energy" is no name: a common word takes an
         * "of" phrase into an organisation's name only as its head. */
        int plain_left = of && e - k == 1 && plain_word(d, k) && !(left & LX_ORGPRE);
        /* "Trevor Lang of Hollis Securities": a person of an organisation. */
        if (tk_eq(d, e, "of") && e - k >= 2 && e - k <= 4 && person_like(d, k, e))
            break;
        /* Two whole names: "Dallas Morning News and Houston Post", "Swiss
         * Super League for FC Basel"; but "Securities and Exchange
         * Commission" is one. */
        if (!tk_eq(d, e, "of") && !tk_eq(d, e, "&") && (left & LX_ORGHEAD) &&
            (right & LX_ORGHEAD) && e2 - (e + 1) >= 2 && !plain_word(d, e + 1))
            break;
        if ((of && (left & (LX_ORGHEAD | LX_ORGPRE)) && !(left & LX_TITLE)) ||
            ((right & LX_ORGHEAD) && !(right & LX_TITLE) && !plain_left) ||
            (*org && tk_eq(d, e, "and"))) {
            e = e2;
            *org = 1;
        } else {
            break;
        }
    }
    return e;
}

static int looks_like_name(const nlp_doc_t *d, size_t a, size_t b);
static int places_joined(const nlp_doc_t *d, size_t k);

/* Is token k nationalities joined by hyphens ("Italian-American",
 * "Chinese-Canadian"): every part but the last a nationality, the last
 * capitalised? */
static int nationality_compound(const nlp_doc_t *d, size_t k)
{
    const char *s = tk_s(d, k);
    size_t n = tk_n(d, k), a = 0;
    const char *h = memchr(s, '-', n);
    if (!h)
        return 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '-')
            continue;
        if (i - a < 3 || s[a] < 'A' || s[a] > 'Z')
            return 0;
        if (i < n && !(lex_flags(s + a, i - a) & LX_NORP))
            return 0;
        a = i + 1;
    }
    return 1;
}

/* Is token k a place's name written with hyphens: "Aix-en-Provence",
 * "Stratford-upon-Avon", "Saint-Denis" (capitalised parts joined by the
 * particles place names use, or a saint's)? */
static int hyphenated_place(const nlp_doc_t *d, size_t k)
{
    static const char *const joins[] = {"en", "sur", "sous", "le", "la", "les", "de", "du",
                                        "des", "upon", "on", "am", "im", "an", "der",
                                        "by", "under", "in", NULL};
    const char *s = tk_s(d, k);
    size_t n = tk_n(d, k), a = 0, parts = 0;
    int joined = 0;
    if (!memchr(s, '-', n) || s[0] < 'A' || s[0] > 'Z')
        return 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '-')
            continue;
        size_t len = i - a;
        int particle = 0;
        for (size_t j = 0; joins[j] && !particle; j++)
            particle = strlen(joins[j]) == len && !memcmp(joins[j], s + a, len);
        if (!len || (!particle && (s[a] < 'A' || s[a] > 'Z')))
            return 0;
        if (!parts && ((len == 5 && !memcmp(s, "Saint", 5)) ||
                       (len == 6 && !memcmp(s, "Sainte", 6))))
            joined = 1;
        joined |= particle && parts > 0 && i < n;
        parts++;
        a = i + 1;
    }
    return joined && parts >= 2;
}

static void unknown_piece(struct run_ctx *r, size_t s, size_t e)
{
    const nlp_doc_t *d = r->d;
    size_t len = e - s;
    if (!len)
        return;
    int locative = s > 0 && (tk_eq(d, s - 1, "in") || tk_eq(d, s - 1, "near") ||
                             tk_eq(d, s - 1, "outside") ||
                             tk_eq(d, s - 1, "across") || tk_eq(d, s - 1, "throughout"));
    if (len == 1) {
        uint16_t f = d->tok[s].flags;
        char low[64];
        size_t n = lower(d, s, low, sizeof low);
        uint32_t lf = tflags(d, s);
        if ((lf & LX_FIRST) && !(lf & LX_COMMON) && n && !(lex_flags(low, n) & LX_COMMON) &&
            !locative && !(f & NLP_ALLCAPS)) {
            emit(r, s, e, NLP_PERSON, 1);
        } else if (places_joined(d, s)) {
            return; /* hyphen_places takes it apart */
        } else if (nationality_compound(d, s)) {
            emit(r, s, e, NLP_NORP, 1);
        } else if (hyphenated_place(d, s)) {
            emit(r, s, e, NLP_LOC, 1);
        } else if ((f & NLP_MIXED) && tk_n(d, s) > 3) {
            emit(r, s, e, NLP_ORG, 1);
        } else if ((f & NLP_ALLCAPS) && tk_n(d, s) <= 5 && n && !common_word(low, n)) {
            emit(r, s, e, NLP_ORG, 1);
        } else if (tflags(d, s) & LX_TITLE) {
            return;
        } else {
            emit(r, s, e, UNKNOWN, 1);
        }
        return;
    }
    uint32_t lastf = tflags(d, e - 1);
    if (len <= 4 && (tflags(d, s) & LX_FIRST) && looks_like_name(d, s + 1, e) &&
        !(plain_word(d, s) && plain_word(d, e - 1))) {
        emit(r, s, e, NLP_PERSON, 0);
        return;
    }
    char low0[64];
    size_t n0 = lower(d, s, low0, sizeof low0);
    if (len <= 3 && (lastf & LX_SURNAME) && !(lastf & (LX_ORGHEAD | LX_LOCHEAD)) &&
        !locative && n0 && !common_word(low0, n0)) {
        emit(r, s, e, NLP_PERSON, 0);
        return;
    }
    if (locative && len <= 3) {
        emit(r, s, e, NLP_LOC, 1);
        return;
    }
    if ((s > 0 && said_word(d, s - 1)) || said_word(d, e) ||
        (tk_eq(d, e, ",") && said_word(d, e + 1))) {
        if (len <= 3 && looks_like_name(d, s, e)) { /* not "told Sky Sports" */
            emit(r, s, e, NLP_PERSON, 0);
            return;
        }
    }
    char low[64];
    size_t n = lower(d, e - 1, low, sizeof low);
    if (len <= 3 && n && !common_word(low, n) && !(d->tok[e - 1].flags & NLP_ALLCAPS) &&
        !plain_word(d, s)) {
        emit(r, s, e, NLP_PERSON, 1);
        return;
    }
    emit(r, s, e, UNKNOWN, 1);
}

/* Are tokens [a, b) capitalised common words or acronyms ("Lottery",
 * "Falcons", "HC"): what follows a place in the name of a team, paper or
 * company? */
static int all_plain(const nlp_doc_t *d, size_t a, size_t b)
{
    for (size_t k = a; k < b; k++) {
        char low[64];
        size_t n = lower(d, k, low, sizeof low);
        if (tflags(d, k) & (NAME_FLAGS | LX_FIRST | LX_SURNAME | LX_TITLE | LX_LOCHEAD))
            return 0;
        if (!(d->tok[k].flags & NLP_ALLCAPS) && !(n && common_word(low, n)))
            return 0;
    }
    return 1;
}

/* Are tokens [a, b) what follows a city in a team's name: capitalised
 * words that name no place or person, the last a plural ("Vancouver
 * Canucks", "Tampa Bay Devil Rays")? */
static int team_tail(const nlp_doc_t *d, size_t a, size_t b)
{
    if (b <= a || b - a > 2)
        return 0;
    for (size_t k = a; k < b; k++)
        if (d->tok[k].kind != NLP_WORD || !(d->tok[k].flags & NLP_CAP) ||
            (tflags(d, k) & (LX_LOC | LX_COUNTRY | LX_FIRST | LX_SURNAME | LX_TITLE |
                             LX_LOCHEAD | LX_EVENT)))
            return 0;
    size_t n = tk_n(d, b - 1);
    return n > 3 && tk_s(d, b - 1)[n - 1] == 's' && tk_s(d, b - 1)[n - 2] != 's';
}

/* Words that qualify a place and keep it a place: "Central London",
 * "Southern California", "Old Delhi". */
static int place_modifier(const nlp_doc_t *d, size_t k)
{
    static const char *const w[] = {
        "Greater", "Central", "Southern", "Northern", "Eastern", "Western",
        "North", "South", "East", "West", "Upper", "Lower", "Inner", "Outer",
        "Old", "New", "Downtown", "Metropolitan", "Rural", "Coastal", "Mid",
        "Middle", "Far", "Near", "Little", "Great", "Greater", "Lake", "Mount",
        "Port", "Fort", "Cape", "Saint", "Historic", "Occupied", "Mainland",
        NULL};
    for (size_t i = 0; w[i]; i++)
        if (tk_eq(d, k, w[i]))
            return 1;
    return 0;
}

/* Split [s, e) into gazetteer names (longest first) and unknown pieces. */
static void gaz_partition(struct run_ctx *r, size_t s, size_t e)
{
    const nlp_doc_t *d = r->d;
    size_t u = s;
    for (size_t i = s; i < e;) {
        size_t best = 0;
        int type = UNKNOWN;
        uint32_t bf = 0;
        for (size_t len = e - i < MAX_GAZ ? e - i : MAX_GAZ; len >= 1; len--) {
            uint32_t f = span_flags(d, i, i + len);
            int t = gaz_type(f, len);
            if (t != UNKNOWN) {
                best = len, type = t, bf = f;
                break;
            }
        }
        /* A lone known surname or first name inside an unknown run is more
         * likely part of a new name than a name of its own. */
        if (best == 1 && type == NLP_PERSON && e - s > 1)
            best = 0;
        /* So is a town only GeoNames knows ("Negara", "Victorias"). */
        if (best == 1 && (bf & LX_GEONAMES) && !(bf & LX_HAND) && e - s > 1)
            best = 0;
        if (!best) {
            i++;
            continue;
        }
        /* A common word before a place names a club or company ("Real
         * Madrid", "Sporting Lisbon"), unless it is one that qualifies
         * places ("Central London", "Greater Manchester"). */
        if (type == NLP_LOC && u == s && i == s + 1 && i + best == e &&
            plain_word(d, s) && !place_modifier(d, s)) {
            emit(r, s, e, NLP_ORG, 1);
            return;
        }
        /* ... and with such a word the place is the whole: "Southern
         * California", "Greater Manchester". */
        if (type == NLP_LOC && i == u + 1 && place_modifier(d, u)) {
            emit(r, u, i + best, NLP_LOC, 0);
            i += best;
            u = i;
            continue;
        }
        unknown_piece(r, u, i);
        /* "Connecticut Lottery", "Baltic Wind"; but "Cuban Parents" are
         * people. */
        int rest_ok = (all_plain(d, i + best, e) &&
                       (type == NLP_LOC ||
                        (e - (i + best) == 1 && tk_s(d, e - 1)[tk_n(d, e - 1) - 1] != 's'))) ||
                      (type == NLP_LOC && team_tail(d, i + best, e));
        if ((type == NLP_LOC || type == NLP_NORP) && u == s && i + best < e && rest_ok) {
            emit(r, s, e, NLP_ORG, 1);
            return;
        }
        emit(r, i, i + best, type, 0);
        if (bf & LX_COUNTRY)
            r->c[r->n - 1].country = 1;
        i += best;
        u = i;
    }
    unknown_piece(r, u, e);
}

/* Could [a, b) be a person's name: not an organisation or place by its
 * last word, and not only common words unless a name list knows one? */
static int looks_like_name(const nlp_doc_t *d, size_t a, size_t b)
{
    uint32_t lastf = tflags(d, b - 1);
    if (lastf & (LX_ORGHEAD | LX_LOCHEAD))
        return 0;
    if (b - a == 1)
        return 1; /* "President Trump", "King Charles" */
    char lw[64];
    size_t ln = lower(d, b - 1, lw, sizeof lw);
    if (b - a == 2 && (tflags(d, a) & LX_FIRST))
        return 1; /* "Donald Trump" */
    if (ln && common_word(lw, ln) && !(lastf & (LX_SURNAME | LX_PERSON)))
        return 0; /* "Webb Space Telescope" */
    for (size_t k = a; k < b; k++) {
        char low[64];
        size_t n = lower(d, k, low, sizeof low);
        if ((tflags(d, k) & (LX_FIRST | LX_SURNAME | LX_PERSON)) || !n ||
            !common_word(low, n))
            return 1;
    }
    return 0;
}

/* After a title, anything but an organisation's or place's name, or
 * only common words ("Chief Operating Officer"), is the person's name
 * ("Prof. Wang Yi", "President Trump"). */
static int after_title(const nlp_doc_t *d, size_t a, size_t b)
{
    if (tflags(d, b - 1) & (LX_ORGHEAD | LX_LOCHEAD | LX_EVENT))
        return 0;
    for (size_t k = a; k < b; k++)
        if (!plain_word(d, k) || (tflags(d, k) & (LX_FIRST | LX_PERSON)))
            return 1;
    return b - a == 1; /* "King Charles", "President Trump" */
}

/* Emit a leading country, nationality or organisation from [s, t) (the
 * words before a title) and drop the rest, which qualifies the title. */
static void title_prefix(struct run_ctx *r, size_t s, size_t t)
{
    const nlp_doc_t *d = r->d;
    /* "Harris County Sheriff", "Nordvik Energy chairman": a place or an
     * organisation by its head word. */
    if (t - s >= 2 && !(tflags(d, s) & LX_TITLE)) {
        uint32_t lf = tflags(d, t - 1);
        if ((lf & LX_LOCHEAD) || (lf & LX_ORGHEAD && !(lf & LX_TITLE))) {
            emit(r, s, t, lf & LX_LOCHEAD ? NLP_LOC : NLP_ORG, 0);
            return;
        }
    }
    for (size_t len = t - s < MAX_GAZ ? t - s : MAX_GAZ; len >= 1; len--) {
        uint32_t f = span_flags(d, s, s + len);
        int type = gaz_type(f, len);
        if (type == NLP_LOC || type == NLP_ORG ||
            (type == NLP_NORP && !(f & LX_ORGHEAD))) {
            emit(r, s, s + len, type, 0);
            if (f & LX_COUNTRY)
                r->c[r->n - 1].country = 1;
            return;
        }
    }
}

/* Does [s, e) name an event, award or law: its last word heads one
 * ("Nobel Prize"), in the plural too ("Stanley Cups"), or the word before
 * a numeral does ("World War II")? */
static int event_name(const nlp_doc_t *d, size_t s, size_t e)
{
    size_t k = e - 1;
    if (k > s && (d->tok[k].flags & NLP_ALLCAPS) &&
        strspn(tk_s(d, k), "IVX") >= tk_n(d, k))
        k--;
    if (tflags(d, k) & LX_EVENT)
        return 1;
    size_t n = tk_n(d, k);
    return n > 3 && tk_s(d, k)[n - 1] == 's' && (lex_flags(tk_s(d, k), n - 1) & LX_EVENT);
}

/* Name runs: type [s, e), possibly consuming tokens after e (an "of"
 * phrase); returns the first token not consumed. */
static size_t process_run(struct run_ctx *r, const uint8_t *used, size_t s, size_t e,
                          int org)
{
    const nlp_doc_t *d = r->d;
    size_t s0 = s;
    /* Words capitalised because they start a sentence. */
    while (s < e && (d->tok[s].flags & NLP_SENT_START) && plain_start(d, s)) {
        if (span_flags(d, s, e) & NAME_FLAGS)
            break;
        /* "Will Smith said", "Brown Jones won": a first or last name
         * before another name word starts the name. */
        if ((tflags(d, s) & (LX_FIRST | LX_SURNAME)) && s + 1 < e && !plain_word(d, s + 1) &&
            !(lex_flags(tk_s(d, s), tk_n(d, s)) & LX_STOP))
            break;
        /* "Senator Rand Paul said": the title logic below handles it. */
        if ((tflags(d, s) & LX_TITLE) && s + 1 < e)
            break;
        drop_word(r, s);
        s++;
    }
    /* "Shares of Tarvik Energy rose": with the sentence's first word gone,
     * the "of" that joined it goes too, and the rest is typed afresh. */
    if (s > s0 && s < e && (d->tok[s].flags & NLP_LOWER)) {
        while (s < e && (d->tok[s].flags & NLP_LOWER))
            s++;
        org = 0;
    }
    while (s < e && tk_eq(d, s, "The") && !(span_flags(d, s, e) & NAME_FLAGS))
        s++;
    /* "Boston-based Cerulean Therapeutics": the place and "-based" qualify
     * the name (hyphen_places finds the place). */
    if (s + 1 < e && places_joined(d, s)) {
        const char *w = tk_s(d, s) + tk_n(d, s);
        while (w > tk_s(d, s) && w[-1] != '-')
            w--;
        if (*w >= 'a' && *w <= 'z')
            s++;
    }
    if (s >= e)
        return e;
    if (org) {
        emit(r, s, e, NLP_ORG, 0);
        return e;
    }
    /* A capitalised role word before a first name: "Engineer John
     * Greiner", "Senior Kory Smith". */
    for (size_t k = s + 1; k + 1 < e && k < s + 3; k++) {
        if (!(tflags(d, k) & LX_FIRST) || plain_word(d, k))
            continue;
        size_t p = s;
        while (p < k && plain_word(d, p) &&
               !(tflags(d, p) & (NAME_FLAGS | LX_ORGHEAD | LX_TITLE | LX_FIRST | LX_SURNAME)))
            p++;
        if (p == k && !(span_flags(d, s, e) & NAME_FLAGS))
            s = k;
        break;
    }
    size_t len = e - s;
    uint32_t whole = span_flags(d, s, e);
    uint32_t lastf = tflags(d, e - 1), firstf = tflags(d, s);
    /* Events, awards and laws are none of our types: "British Open",
     * "Nobel Prize", "Paris Agreement". */
    if (len >= 2 && !(whole & LX_HAND) && event_name(d, s, e))
        return e;
    if (gaz_type(whole, len) != UNKNOWN) {
        emit(r, s, e, gaz_type(whole, len), 0);
        if (whole & LX_COUNTRY)
            r->c[r->n - 1].country = 1;
        return e;
    }
    /* "<Head> of [the] <Name>": "Ministry of Commerce", "Gulf of Mexico",
     * "Secretary of State Marco Rubio". */
    if (tk_eq(d, e, "of") && (lastf & (LX_ORGPRE | LX_LOCPRE | LX_TITLE))) {
        size_t s2 = e + 1;
        if (tk_eq(d, s2, "the"))
            s2++;
        size_t e2 = s2 < d->ntok && namelike(d, used, s2) ? run_end(d, used, s2) : s2;
        /* "Department of Health and Human Services" */
        while (e2 > s2 && tk_eq(d, e2, "and") && e2 + 1 < d->ntok &&
               namelike(d, used, e2 + 1))
            e2 = run_end(d, used, e2 + 1);
        if (e2 > s2) {
            if (lastf & LX_TITLE) {
                size_t t = e - 1;
                if (t > s)
                    title_prefix(r, s, t);
                /* "Secretary of the New Jersey Department of Public
                 * Safety": the office's organisation, no person. */
                int org2;
                size_t o2 = org_run_end(d, used, s2, &org2);
                uint32_t l2 = tflags(d, o2 - 1);
                if (org2 || ((l2 & LX_ORGHEAD) && o2 - s2 >= 2)) {
                    emit(r, s2, o2, NLP_ORG, 0);
                    return o2;
                }
                if (e2 - s2 >= 3)
                    emit(r, e2 - 2, e2, NLP_PERSON, 0);
                return e2;
            }
            emit(r, s, e2, lastf & LX_ORGPRE ? NLP_ORG : NLP_LOC, 0);
            return e2;
        }
    }
    if (len >= 2 && (((lastf & LX_ORGHEAD) && !(lastf & LX_TITLE)) ||
                     ((firstf & LX_ORGHEAD) && (d->tok[s].flags & NLP_ALLCAPS)))) {
        emit(r, s, e, NLP_ORG, 0);
        return e;
    }
    /* The last title word: what follows is the person. */
    size_t t = e;
    for (size_t k = s; k < e; k++)
        if ((tflags(d, k) & LX_TITLE) && !(d->tok[k].flags & NLP_ALLCAPS && tk_n(d, k) > 3))
            t = k;
    if (t < e && t + 1 < e && !after_title(d, t + 1, e))
        t = e;
    if (t < e) {
        if (t > s)
            title_prefix(r, s, t);
        if (t + 1 < e) {
            size_t p = t + 1;
            if (e - p <= 4)
                emit(r, p, e, NLP_PERSON, 0);
            else
                gaz_partition(r, p, e);
        }
        return e;
    }
    /* "New York Yankees": a place and a team's plural. */
    for (size_t m = len - 1 < MAX_GAZ ? len - 1 : MAX_GAZ; m >= 1; m--) {
        if (gaz_type(span_flags(d, s, s + m), m) == NLP_LOC) {
            if (team_tail(d, s + m, e)) {
                emit(r, s, e, NLP_ORG, 1);
                return e;
            }
            break;
        }
    }
    if (len >= 2 && ((lastf & LX_LOCHEAD) || (firstf & LX_LOCPRE))) {
        emit(r, s, e, NLP_LOC, 0);
        return e;
    }
    /* An organisation's head inside the name makes the whole one:
     * "University College London", "Energy Department Fund Review";
     * not when a first name leads ("Grace Church Smith" is a person). */
    if (len >= 2 && !((firstf & LX_FIRST) && !plain_word(d, s))) {
        for (size_t k = s; k + 1 < e; k++) {
            uint32_t f = tflags(d, k);
            if ((f & LX_ORGHEAD) && !(f & LX_TITLE) && !(d->tok[k].flags & NLP_ALLCAPS)) {
                emit(r, s, e, NLP_ORG, 0);
                return e;
            }
        }
    }
    /* "Orlando Rays": a place's name and common words make a team. */
    int place_team = (firstf & LX_LOC) && all_plain(d, s + 1, e);
    if (len >= 2 && len <= 4 && (firstf & LX_FIRST) && !(whole & NAME_FLAGS) && !place_team &&
        looks_like_name(d, s + 1, e) && !(plain_word(d, s) && plain_word(d, e - 1))) {
        emit(r, s, e, NLP_PERSON, 0);
        return e;
    }
    /* A lower-case role before: "leader Xi Jinping", "keyboardist Butch
     * Taylor" (any of WordNet's nouns for people that is not also an
     * adjective or verb; alone, only a known first or last name: "brother
     * Rodney", not "lender Vaultline" or "patron Deity"). */
    uint32_t role = s > 0 && (d->tok[s - 1].flags & NLP_LOWER) ? tflags(d, s - 1) : 0;
    if (((role & LX_TITLE) ||
         ((role & LX_ROLE) && (len >= 2 || (tflags(d, s) & (LX_FIRST | LX_SURNAME))))) &&
        len <= 4 && looks_like_name(d, s, e)) {
        /* "fellow Minnesotan Scott LeDoux": the nationality is not the name. */
        if (len >= 3 && gaz_type(firstf, 1) == NLP_NORP) {
            emit(r, s, s + 1, NLP_NORP, 0);
            s++;
        }
        int known = 0;
        for (size_t k = s; k < e; k++)
            known |= gaz_type(tflags(d, k), 1) == NLP_LOC ||
                     gaz_type(tflags(d, k), 1) == NLP_ORG;
        if (!known) {
            emit(r, s, e, NLP_PERSON, 0);
            return e;
        }
    }
    gaz_partition(r, s, e);
    return e;
}

/* A gazetteer name starting at k that runs across lower-case words
 * ("Bosnia and Herzegovina", "Isle of Man", "People's Republic of
 * China"): returns its end, or 0. */
static size_t gaz_across(const nlp_doc_t *d, const uint8_t *used, size_t k)
{
    size_t lim = k + MAX_GAZ < d->ntok ? k + MAX_GAZ : d->ntok, low = 0;
    for (size_t j = k + 1; j < lim; j++) {
        if (d->tok[j].sent != d->tok[k].sent || used[j])
            break;
        if (tk_eq(d, j, "and") || tk_eq(d, j, "of") || tk_eq(d, j, "the") ||
            tk_eq(d, j, "de") || (d->tok[j].flags & NLP_POSS))
            low = 1;
        else if (!namelike(d, used, j)) {
            lim = j;
            break;
        }
    }
    if (!low)
        return 0;
    for (size_t end = lim; end > k + 2; end--) {
        if (!namelike(d, used, end - 1))
            continue;
        uint32_t f = span_flags(d, k, end);
        if (gaz_type(f, end - k) != UNKNOWN)
            return end;
    }
    return 0;
}

/* ---- the document -------------------------------------------------------- */

static char *mention_text(const nlp_doc_t *d, size_t a, size_t b)
{
    size_t cap = d->tok[b - 1].end - d->tok[a].start + 1;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    size_t o = 0;
    for (size_t k = a; k < b; k++) {
        if (k > a && (d->tok[k].flags & NLP_SPACE_BEFORE))
            s[o++] = ' ';
        memcpy(s + o, tk_s(d, k), tk_n(d, k));
        o += tk_n(d, k);
    }
    s[o] = '\0';
    return s;
}

static int same_text(const nlp_doc_t *d, size_t a1, size_t b1, size_t a2, size_t b2)
{
    if (b1 - a1 != b2 - a2)
        return 0;
    for (size_t i = 0; i < b1 - a1; i++)
        if (tk_n(d, a1 + i) != tk_n(d, a2 + i) ||
            memcmp(tk_s(d, a1 + i), tk_s(d, a2 + i), tk_n(d, a1 + i)))
            return 0;
    return 1;
}

static int by_position(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    return x->first < y->first ? -1 : x->first > y->first;
}

static int is_value_type(int t) { return t >= NLP_DATE; }

/* A multimap from 64-bit text hashes to mention indexes, so resolving a
 * document stays linear in its mentions however long it is. */
#define NONE UINT32_MAX
struct hmap {
    uint64_t *key;
    uint32_t *val, *next, *head;
    size_t n, cap, mask;
};

static int hmap_init(struct hmap *m, size_t cap)
{
    size_t buckets = 16;
    while (buckets < cap * 2)
        buckets <<= 1;
    m->key = malloc(cap * sizeof *m->key);
    m->val = malloc(cap * sizeof *m->val);
    m->next = malloc(cap * sizeof *m->next);
    m->head = malloc(buckets * sizeof *m->head);
    m->n = 0, m->cap = cap, m->mask = buckets - 1;
    if (!m->key || !m->val || !m->next || !m->head)
        return -1;
    memset(m->head, 0xff, buckets * sizeof *m->head);
    return 0;
}

static void hmap_free(struct hmap *m)
{
    free(m->key), free(m->val), free(m->next), free(m->head);
}

static void hmap_add(struct hmap *m, uint64_t key, uint32_t val)
{
    if (m->n == m->cap)
        return; /* sized for every entry up front */
    size_t b = key & m->mask;
    m->key[m->n] = key, m->val[m->n] = val, m->next[m->n] = m->head[b];
    m->head[b] = (uint32_t)m->n++;
}

static uint32_t hmap_first(const struct hmap *m, uint64_t key)
{
    uint32_t e = m->head[key & m->mask];
    while (e != NONE && m->key[e] != key)
        e = m->next[e];
    return e;
}

static uint32_t hmap_next(const struct hmap *m, uint32_t e)
{
    uint64_t key = m->key[e];
    for (e = m->next[e]; e != NONE && m->key[e] != key; e = m->next[e])
        ;
    return e;
}

/* Tokens a..b as one string, each followed by a space. */
static uint64_t text_hash(const nlp_doc_t *d, size_t a, size_t b, uint64_t seed)
{
    uint64_t h = HASH_FNV1A_SEED ^ seed;
    for (size_t k = a; k < b; k++) {
        h = hash_fnv1a(tk_s(d, k), tk_n(d, k), h);
        h = hash_fnv1a(" ", 1, h);
    }
    return h;
}

/* Common nouns for places: "X is a small village", "the town of X". */
static const char *const loc_nouns[] = {
    "village", "town", "city", "hamlet", "parish", "municipality",
    "suburb", "district", "county", "province", "region", "state",
    "river", "lake", "island", "mountain", "country", "capital", "port",
    "neighbourhood", "neighborhood", "borough", "commune", "settlement",
    "peninsula", "valley", "archipelago", NULL};

/* Does "<place noun> of" stand before token p: "the town of X", "the
 * mayor of X", "the outskirts of X"? */
static int place_of(const nlp_doc_t *d, size_t p)
{
    static const char *const of_place[] = {
        "mayor", "governor", "outskirts", "suburbs", "residents", "capital",
        "streets", "inhabitants", "coast", "north", "south", "east", "west", NULL};
    if (p < 2 || !tk_eq(d, p - 1, "of"))
        return 0;
    for (size_t x = 0; loc_nouns[x]; x++)
        if (tk_eq(d, p - 2, loc_nouns[x]))
            return 1;
    for (size_t x = 0; of_place[x]; x++)
        if (tk_eq(d, p - 2, of_place[x]))
            return 1;
    return 0;
}

/* Common nouns for organisations: "X, a German company", "the
 * company X", "rock band X". */
static const char *const org_nouns[] = {
    "company", "band", "club", "team", "newspaper", "corporation",
    "manufacturer", "firm", "group", "party", "organisation",
    "organization", "agency", "university", "school", "college",
    "retailer", "bank", "airline", "startup", "charity", "label",
    "publisher", "broadcaster", "network", "brand", "chain", "union",
    "association", "federation", "league", "ministry", "institute",
    "magazine", "carrier", "insurer", "regulator", "supplier", "lender",
    "operator", "provider", "developer", "distributor", "maker", "carmaker",
    "automaker", "chipmaker", "drugmaker", "conglomerate", "exchange",
    "platform", "outlet", "broker", "utility", "miner", "producer", NULL};

/* Is token k an organisation noun, in the plural or capitalised too
 * ("the company", "Insurers", "carmakers")? */
static int org_noun(const nlp_doc_t *d, size_t k)
{
    char low[64];
    size_t n = lower(d, k, low, sizeof low);
    for (size_t x = 0; n && org_nouns[x]; x++) {
        size_t m = strlen(org_nouns[x]);
        if ((m == n || (m + 1 == n && low[m] == 's')) && !memcmp(org_nouns[x], low, m))
            return 1;
        if (m + 2 == n && org_nouns[x][m - 1] == 'y' && !memcmp(low + m - 1, "ies", 3) &&
            !memcmp(org_nouns[x], low, m - 1))
            return 1; /* "companies" */
    }
    return 0;
}

/* Words before a name that say it is an organisation: people sign
 * with, play for, join and speak for organisations ("signed with
 * Nordvik", "a spokeswoman for Kvarn", "shares of Orsvik"). */
static int org_cue(const nlp_doc_t *d, size_t p)
{
    static const char *const pairs[][2] = {
        {"signed", "with"}, {"signed", "for"}, {"signed", "to"}, {"signs", "with"},
        {"played", "for"}, {"plays", "for"}, {"playing", "for"},
        {"member", "of"}, {"members", "of"}, {"shares", "of"}, {"shares", "in"},
        {"stake", "in"}, {"subsidiary", "of"}, {"spokesman", "for"},
        {"spokeswoman", "for"}, {"spokesperson", "for"}, {"executive", "of"},
        {"chairman", "of"}, {"chairwoman", "of"}, {"founder", "of"},
        {"co-founder", "of"}, {"employees", "of"}, {"division", "of"},
        {"merged", "with"}, {"merger", "with"}, {"takeover", "of"},
        {"acquisition", "of"}, {"acquired", "by"}, {"released", "by"},
        {"sponsored", "by"}, {"funded", "by"}, {NULL, NULL}};
    if (p < 2)
        return 0;
    if (tk_eq(d, p - 1, "joined") || tk_eq(d, p - 1, "joining") || tk_eq(d, p - 1, "rejoined"))
        return 1;
    for (size_t i = 0; pairs[i][0]; i++)
        if (tk_eq(d, p - 1, pairs[i][1]) && tk_eq(d, p - 2, pairs[i][0]))
            return 1;
    return 0;
}

/* Does the name [p, e) stand in a match result: "Leeds beat Sheffield",
 * "Lyon drew with", "a win against Lyon", "lost to Lyon"? */
static int match_cue(const nlp_doc_t *d, size_t p, size_t e)
{
    static const char *const after[] = {"beat", "beats", "defeated", "drew", "thrashed",
                                        "edged", "routed", "overcame", "play", "plays",
                                        "face", "faces", "host", "hosts", "visit", NULL};
    static const char *const before[] = {"beat", "beats", "defeated", "against", "thrashed",
                                         "edged", "routed", "overcame", "vs", "vs.", "v",
                                         "play", "face", "host", "hosted", "visit",
                                         "beaten", NULL};
    for (size_t i = 0; e < d->ntok && after[i]; i++)
        if (tk_eq(d, e, after[i]))
            return 1;
    for (size_t i = 0; p > 0 && before[i]; i++)
        if (tk_eq(d, p - 1, before[i]))
            return 1;
    return p >= 2 && tk_eq(d, p - 1, "to") && (tk_eq(d, p - 2, "lost") || tk_eq(d, p - 2, "losing"));
}

/* Is the document a sports report: at least three of its words are
 * ones only sports reports use often? */
static int sports_report(const nlp_doc_t *d)
{
    static const char *const w[] = {
        "match", "season", "league", "goal", "goals", "scored", "striker",
        "midfielder", "defender", "goalkeeper", "coach", "manager", "club",
        "cup", "championship", "playoff", "playoffs", "fixture", "stadium",
        "tournament", "squad", "innings", "wicket", "touchdown", "quarterback",
        "penalty", "kick-off", "half-time", "halftime", "points", "team", NULL};
    int hits = 0;
    for (size_t k = 0; k < d->ntok && hits < 3; k++) {
        if (d->tok[k].kind != NLP_WORD || !(d->tok[k].flags & NLP_LOWER))
            continue;
        for (size_t i = 0; w[i]; i++)
            if (tk_eq(d, k, w[i])) {
                hits++;
                break;
            }
    }
    return hits >= 3;
}

/* Is the name ending before token e the owner of what only
 * organisations have: "Nordvik's shares", "Kvarn's CEO"? */
static int org_owner(const nlp_doc_t *d, size_t e)
{
    static const char *const w[] = {
        "shares", "stock", "headquarters", "shareholders", "subsidiary",
        "subsidiaries", "CEO", "board", "profits", "profit", "revenue",
        "revenues", "earnings", "stake", "takeover", NULL};
    if (e + 1 >= d->ntok || !(d->tok[e].flags & NLP_POSS))
        return 0;
    for (size_t i = 0; w[i]; i++)
        if (tk_eq(d, e + 1, w[i]))
            return 1;
    return 0;
}

/* The type a definition gives the mention ending at token e: "X is a
 * small village in ...", "X, a German company", "X was an American
 * singer". Returns UNKNOWN when there is none. */
static int defined_type(const nlp_doc_t *d, size_t e)
{
    static const char *const per[] = {
        "singer", "actor", "actress", "politician", "writer", "author",
        "player", "footballer", "musician", "artist", "painter", "poet",
        "novelist", "composer", "journalist", "businessman",
        "businesswoman", "scientist", "economist", "lawyer", "historian",
        "philosopher", "architect", "engineer", "director", "producer",
        "drummer", "guitarist", "rapper", "coach", "officer", "soldier",
        "general", "minister", "president", "senator", "mayor", "judge",
        "priest", "bishop", "man", "woman", "boy", "girl", "athlete",
        "cyclist", "swimmer", "boxer", "wrestler", "diplomat", "activist",
        "entrepreneur", "inventor", "physician", "surgeon", "professor",
        "teacher", "designer", "photographer", "chef", "spokesman",
        "spokeswoman", NULL};
    size_t k = e;
    if (tk_eq(d, k, ","))
        k++;
    else if (tk_eq(d, k, "is") || tk_eq(d, k, "was") || tk_eq(d, k, "became"))
        k++;
    else
        return UNKNOWN;
    /* "X, headquartered in", "X was founded in 1998", "X is located". */
    if (k < d->ntok && (tk_eq(d, k, "is") || tk_eq(d, k, "was")) && tk_eq(d, k - 1, ","))
        k++;
    if (k < d->ntok) {
        if (tk_eq(d, k, "headquartered") || tk_eq(d, k, "founded") ||
            tk_eq(d, k, "incorporated") || tk_eq(d, k, "co-founded"))
            return NLP_ORG;
        if (tk_eq(d, k, "located") || tk_eq(d, k, "situated"))
            return NLP_LOC;
    }
    if (!(tk_eq(d, k, "a") || tk_eq(d, k, "an") || tk_eq(d, k, "the")))
        return UNKNOWN;
    k++;
    /* Up to four modifiers: "a small rural village", "an American rock band". */
    for (size_t m = 0; m < 5 && k < d->ntok; m++, k++) {
        if (d->tok[k].kind != NLP_WORD && d->tok[k].kind != NLP_NUMBER &&
            !tk_eq(d, k, "-"))
            return UNKNOWN;
        for (size_t i = 0; loc_nouns[i]; i++)
            if (tk_eq(d, k, loc_nouns[i]))
                return NLP_LOC;
        for (size_t i = 0; org_nouns[i]; i++)
            if (tk_eq(d, k, org_nouns[i]))
                return NLP_ORG;
        for (size_t i = 0; per[i]; i++)
            if (tk_eq(d, k, per[i]))
                return NLP_PERSON;
    }
    return UNKNOWN;
}

/* Is token k a number as units are numbered: "65", "82nd", "102d"? */
static int military_number(const nlp_doc_t *d, size_t k)
{
    const char *s = tk_s(d, k);
    size_t n = tk_n(d, k), i = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    if (!i || i > 4)
        return 0;
    const char *suf = s + i;
    size_t m = n - i;
    return m == 0 || (m == 1 && *suf == 'd') ||
           (m == 2 && (!memcmp(suf, "st", 2) || !memcmp(suf, "nd", 2) ||
                       !memcmp(suf, "rd", 2) || !memcmp(suf, "th", 2)));
}

/* Is token k the last word of an armed force's unit ("Division",
 * "Fleet", "Squadron")? */
static int unit_head(const nlp_doc_t *d, size_t k)
{
    static const char *const w[] = {
        "Division", "Divisions", "Force", "Army", "Corps", "Squadron", "Regiment",
        "Battalion", "Brigade", "Fleet", "Wing", "Infantry", "Cavalry",
        "Artillery", "Flotilla", "Group", "Command", NULL};
    for (size_t i = 0; w[i]; i++)
        if (tk_eq(d, k, w[i]))
            return 1;
    return 0;
}

/* Is token k a company's legal form ("Inc.", "Ltd", "plc")? */
static int legal_form(const nlp_doc_t *d, size_t k)
{
    static const char *const forms[] = {
        "Inc.", "Inc", "Corp.", "Corp", "Ltd.", "Ltd", "Co.", "LLC", "plc",
        "PLC", "AG", "SA", "S.A.", "GmbH", "NV", "N.V.", "SE", "AB", "ASA",
        "Oyj", "SpA", "S.p.A.", "Holdings", "Group", NULL};
    for (size_t i = 0; forms[i]; i++)
        if (tk_eq(d, k, forms[i]))
            return 1;
    return 0;
}

/* Is token k, an acronym in capitals, made of the initials of the
 * capitalised words of [a, b), in order ("WHO" of "World Health
 * Organization", "FAO" of "Food and Agriculture Organization")? Function
 * words may lend their initial or not ("DoD", "BoE" are not capitals and
 * are left out). */
static int acronym_of(const nlp_doc_t *d, size_t k, size_t a, size_t b)
{
    const char *s = tk_s(d, k);
    size_t n = tk_n(d, k), i = 0, words = 0;
    if (n < 2 || n > 8 || !(d->tok[k].flags & NLP_ALLCAPS) || b - a < 2)
        return 0;
    for (size_t w = a; w < b && i <= n; w++) {
        char c = tk_s(d, w)[0];
        if (d->tok[w].kind != NLP_WORD)
            continue;
        int cap = c >= 'A' && c <= 'Z';
        if (i < n && s[i] == c)
            i++, words++;
        else if (cap)
            return 0;
    }
    return i == n && words >= 2;
}

/* Are mentions a and b next to each other in a list: "a and b", "a, b",
 * "a or b"? */
static int listed(const nlp_doc_t *d, const struct cand *a, const struct cand *b)
{
    return b->first == a->last + 1 &&
           (tk_eq(d, a->last, "and") || tk_eq(d, a->last, "or") || tk_eq(d, a->last, ","));
}

/* Resolve short forms and unknowns against the document's other mentions,
 * then gather mentions into entities. */
static int resolve(const nlp_doc_t *d, struct run_ctx *r, nlp_entities_t *out)
{
    size_t n = r->n, total = n + r->ndropped;
    size_t *canon = malloc((total ? total : 1) * sizeof *canon);
    size_t *order = malloc((total ? total : 1) * sizeof *order);
    struct hmap tails = {0}, heads = {0}, fulls = {0}, bare = {0}, strong = {0}, ents = {0},
                teams = {0};
    size_t ntails = 0;
    for (size_t j = 0; j < n; j++)
        if (r->c[j].type == NLP_PERSON)
            ntails += r->c[j].last - r->c[j].first;
    int rc = -1;
    if (!canon || !order || hmap_init(&tails, ntails + 1) < 0 ||
        hmap_init(&heads, ntails + 1) < 0 || hmap_init(&bare, total + 1) < 0 ||
        hmap_init(&fulls, total + 1) < 0 ||
        hmap_init(&strong, total + 1) < 0 || hmap_init(&ents, total + 1) < 0 ||
        hmap_init(&teams, total + 1) < 0)
        goto done;
    struct cand *c = r->c;
    for (size_t i = 0; i < n; i++)
        canon[i] = i;
    /* Every proper tail of a multi-word person ("Bessent" of "Scott
     * Bessent") stands for that person in shorter mentions. */
    for (size_t j = 0; j < n; j++) {
        size_t lj = c[j].last - c[j].first;
        if (c[j].type != NLP_PERSON || lj < 2)
            continue;
        /* Each distinct full name once, so a name repeated thousands of
         * times does not make the lookups below quadratic. */
        uint64_t hf = text_hash(d, c[j].first, c[j].last, 0);
        int dup = 0;
        for (uint32_t x = hmap_first(&fulls, hf); x != NONE && !dup; x = hmap_next(&fulls, x))
            dup = same_text(d, c[j].first, c[j].last, c[fulls.val[x]].first, c[fulls.val[x]].last);
        if (dup)
            continue;
        hmap_add(&fulls, hf, (uint32_t)j);
        for (size_t li = 1; li < lj; li++)
            hmap_add(&tails, text_hash(d, c[j].last - li, c[j].last, 0), (uint32_t)j);
        /* The first name alone stands for the person too ("Carter" after
         * "Carter Beauford"), when nothing else claims it. */
        hmap_add(&heads, text_hash(d, c[j].first, c[j].first + 1, 0), (uint32_t)j);
    }
    for (size_t i = 0; i < n; i++) {
        if (is_value_type(c[i].type) || c[i].country)
            continue;
        /* "the town of Bridgton" is no Mr Bridgton. */
        if (c[i].type != NLP_PERSON && place_of(d, c[i].first))
            continue;
        size_t li = c[i].last - c[i].first, best = SIZE_MAX, bestlen = li;
        uint64_t h = text_hash(d, c[i].first, c[i].last, 0);
        for (uint32_t e = hmap_first(&tails, h); e != NONE; e = hmap_next(&tails, e)) {
            size_t j = tails.val[e], lj = c[j].last - c[j].first;
            if (c[j].weak > c[i].weak + 1 || lj <= bestlen)
                continue;
            if (same_text(d, c[i].first, c[i].last, c[j].last - li, c[j].last))
                best = j, bestlen = lj;
        }
        if (best == SIZE_MAX && li == 1 && (c[i].type == UNKNOWN || c[i].type == NLP_PERSON)) {
            for (uint32_t e = hmap_first(&heads, h); e != NONE; e = hmap_next(&heads, e)) {
                size_t j = heads.val[e];
                if (same_text(d, c[i].first, c[i].last, c[j].first, c[j].first + 1)) {
                    best = j;
                    break;
                }
            }
        }
        if (best != SIZE_MAX) {
            c[i].type = NLP_PERSON;
            c[i].weak = 0;
            canon[i] = best;
        }
    }
    /* "Apple" is "Apple Inc.", "Nordvik" is "Nordvik Energy":
     * organisations are also named without their legal form or head. */
    for (size_t j = 0; j < n; j++) {
        if (c[j].type != NLP_ORG || c[j].last - c[j].first < 2 ||
            (!legal_form(d, c[j].last - 1) && !(tflags(d, c[j].last - 1) & LX_ORGHEAD)))
            continue;
        uint64_t hb = text_hash(d, c[j].first, c[j].last - 1, 0);
        if (hmap_first(&bare, hb) == NONE)
            hmap_add(&bare, hb, (uint32_t)j);
    }
    for (size_t i = 0; i < n && bare.n; i++) {
        if (canon[i] != i || (c[i].type != NLP_ORG && c[i].type != UNKNOWN && !c[i].weak))
            continue;
        uint64_t h = text_hash(d, c[i].first, c[i].last, 0);
        for (uint32_t x = hmap_first(&bare, h); x != NONE; x = hmap_next(&bare, x)) {
            size_t j = bare.val[x];
            if (same_text(d, c[i].first, c[i].last, c[j].first, c[j].last - 1)) {
                c[i].type = NLP_ORG, c[i].weak = 0;
                canon[i] = j;
                break;
            }
        }
    }
    /* A definition settles an unknown or guessed mention's type. */
    for (size_t i = 0; i < n; i++) {
        if (canon[i] != i || (!c[i].weak && c[i].type != UNKNOWN) ||
            is_value_type(c[i].type))
            continue;
        int t = defined_type(d, c[i].last);
        if (t != UNKNOWN)
            c[i].type = t, c[i].weak = 0;
    }
    /* "the World Health Organization (WHO)": the acronym names what it
     * follows, and a name defined by an acronym is an organisation
     * unless something surer typed it. */
    for (size_t i = 0; i + 1 < n; i++) {
        size_t e = c[i].last, j = i + 1;
        if (is_value_type(c[i].type) || !tk_eq(d, e, "(") || c[j].first != e + 1 ||
            c[j].last != e + 2 || !tk_eq(d, e + 2, ")") ||
            !acronym_of(d, e + 1, c[i].first, c[i].last))
            continue;
        if (c[i].type == UNKNOWN || (c[i].weak && c[i].type != NLP_ORG))
            c[i].type = NLP_ORG, c[i].weak = 0;
        if (c[i].type == NLP_PERSON)
            continue;
        c[j].type = c[i].type, c[j].weak = 0;
    }
    /* Unknown and weak mentions take the type the same words have
     * elsewhere in the document. */
    for (size_t j = 0; j < n; j++)
        if (!c[j].weak && c[j].type != UNKNOWN)
            hmap_add(&strong, text_hash(d, c[j].first, c[j].last, 0), (uint32_t)j);
    for (size_t i = 0; i < n; i++) {
        if (canon[i] != i || (!c[i].weak && c[i].type != UNKNOWN) || place_of(d, c[i].first))
            continue;
        uint64_t h = text_hash(d, c[i].first, c[i].last, 0);
        for (uint32_t e = hmap_first(&strong, h); e != NONE; e = hmap_next(&strong, e)) {
            size_t j = strong.val[e];
            if (j != i && same_text(d, c[i].first, c[i].last, c[j].first, c[j].last)) {
                c[i].type = c[j].type, c[i].weak = 0;
                canon[i] = canon[j];
                break;
            }
        }
    }
    /* What no list or rule typed, or only guessed to be a person, an
     * organisation noun just before may: "the company Nordvik", "rock
     * band Foo Fighters". */
    for (size_t i = 0; i < n; i++) {
        size_t p = c[i].first;
        if (canon[i] != i || p == 0 || is_value_type(c[i].type) ||
            (c[i].type != UNKNOWN &&
             !(c[i].weak && (c[i].type == NLP_PERSON || c[i].type == NLP_LOC))))
            continue;
        if (org_cue(d, p) || org_owner(d, c[i].last) || org_noun(d, p - 1))
            c[i].type = NLP_ORG, c[i].weak = 1;
    }
    /* Lists are of one kind: "Generali and Allianz", "Ann Lee, Bo Tran
     * and Kjell". An untyped name next to an organisation or a person in
     * one takes its type (places are left to the gazetteers: "Bologna and
     * Juventus" is a match). */
    for (size_t i = 1; i < n; i++) /* from the name before it */
        if (c[i].type == UNKNOWN && listed(d, &c[i - 1], &c[i]) &&
            (c[i - 1].type == NLP_ORG || c[i - 1].type == NLP_PERSON))
            c[i].type = c[i - 1].type, c[i].weak = 1;
    for (size_t i = n > 1 ? n - 1 : 0; i-- > 0;) /* from the name after it */
        if (c[i].type == UNKNOWN && listed(d, &c[i], &c[i + 1]) &&
            (c[i + 1].type == NLP_ORG || c[i + 1].type == NLP_PERSON))
            c[i].type = c[i + 1].type, c[i].weak = 1;
    /* ... and places: "the town of Bridgton", "Bridgton, Maine" (a name,
     * a comma and a known place that ends the phrase). */
    for (size_t i = 0; i < n; i++) {
        size_t p = c[i].first, e = c[i].last;
        if (canon[i] != i || is_value_type(c[i].type) ||
            (c[i].type != UNKNOWN && !(c[i].weak && c[i].type == NLP_PERSON)))
            continue;
        int locn = place_of(d, p);
        if (!locn && i + 1 < n && tk_eq(d, e, ",") && c[i + 1].first == e + 1 &&
            c[i + 1].type == NLP_LOC && !c[i + 1].weak &&
            (c[i + 1].last >= d->ntok || d->tok[c[i + 1].last].kind != NLP_WORD ||
             !(d->tok[c[i + 1].last].flags & (NLP_CAP | NLP_ALLCAPS))))
            locn = 1;
        if (locn)
            c[i].type = NLP_LOC, c[i].weak = 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (c[i].type != UNKNOWN || c[i].last - c[i].first != 1)
            continue;
        size_t p = c[i].first;
        if (p > 0 && (tk_eq(d, p - 1, "in") || tk_eq(d, p - 1, "near") ||
                      tk_eq(d, p - 1, "across") || tk_eq(d, p - 1, "outside") ||
                      tk_eq(d, p - 1, "from")))
            c[i].type = NLP_LOC;
    }
    /* Clubs are named after their cities: in a sports report, a town
     * that beats, loses to or plays against another ("Leeds beat
     * Sheffield", "a draw against Lyon") and "<town> City" or "County"
     * are teams. Only then is the document read for sports words. */
    int sport = -1;
    for (size_t i = 0; i < n; i++) {
        if (c[i].type != NLP_LOC || c[i].country || canon[i] != i)
            continue;
        size_t p = c[i].first, e = c[i].last;
        if (!(e - p >= 2 && (tk_eq(d, e - 1, "City") || tk_eq(d, e - 1, "County") ||
                             tk_eq(d, e - 1, "Town")) &&
              (tflags(d, p) & LX_LOC)) &&
            !match_cue(d, p, e))
            continue;
        if (sport < 0)
            sport = sports_report(d);
        if (sport)
            c[i].type = NLP_ORG, c[i].weak = 0;
    }
    /* A team goes by its plural alone: "the Yankees" after "New York
     * Yankees"; in a sports report "the Falcons" is a team unannounced. */
    for (size_t j = 0; j < n; j++)
        if (c[j].type == NLP_ORG && c[j].last - c[j].first >= 2 &&
            team_tail(d, c[j].last - 1, c[j].last))
            hmap_add(&teams, text_hash(d, c[j].last - 1, c[j].last, 0), (uint32_t)j);
    for (size_t i = 0; i < n; i++) {
        size_t p = c[i].first;
        if (c[i].type != UNKNOWN || c[i].last - p != 1 || p == 0 || !tk_ieq(d, p - 1, "the") ||
            !team_tail(d, p, p + 1))
            continue;
        uint64_t h = text_hash(d, p, p + 1, 0);
        for (uint32_t x = hmap_first(&teams, h); x != NONE; x = hmap_next(&teams, x)) {
            size_t j = teams.val[x];
            if (same_text(d, p, p + 1, c[j].last - 1, c[j].last)) {
                c[i].type = NLP_ORG, c[i].weak = 0;
                canon[i] = canon[j];
                break;
            }
        }
        if (c[i].type == UNKNOWN) {
            if (sport < 0)
                sport = sports_report(d);
            if (sport)
                c[i].type = NLP_ORG, c[i].weak = 1;
        }
    }
    /* A name typed an organisation once is one everywhere in the
     * document ("Leeds" the team, after "Leeds beat Sheffield"); a country
     * stays a place. Untyped mentions take the type that context gave
     * the same words elsewhere ("signed with Kvarn ... Kvarn"). */
    hmap_free(&strong);
    if (hmap_init(&strong, total + 1) < 0)
        goto done;
    for (size_t j = 0; j < n; j++)
        if (c[j].type == NLP_ORG || c[j].type == NLP_LOC)
            hmap_add(&strong, text_hash(d, c[j].first, c[j].last, 0), (uint32_t)j);
    for (size_t i = 0; i < n && strong.n; i++) {
        if ((c[i].type != NLP_LOC || c[i].country) && c[i].type != UNKNOWN)
            continue;
        uint64_t h = text_hash(d, c[i].first, c[i].last, 0);
        for (uint32_t e = hmap_first(&strong, h); e != NONE; e = hmap_next(&strong, e)) {
            size_t j = strong.val[e];
            if (j == i || !same_text(d, c[i].first, c[i].last, c[j].first, c[j].last))
                continue;
            if (c[j].type == NLP_ORG || c[i].type == UNKNOWN) {
                c[i].type = c[j].type;
                if (c[j].type == NLP_ORG)
                    break;
            }
        }
    }
    hmap_free(&strong);
    if (hmap_init(&strong, total + 1) < 0)
        goto done;
    for (size_t j = 0; j < n; j++)
        if (!c[j].weak && c[j].type != UNKNOWN)
            hmap_add(&strong, text_hash(d, c[j].first, c[j].last, 0), (uint32_t)j);
    /* Sentence-initial words left out: they count when they name an
     * entity found elsewhere ("Trump said" after "Donald Trump"). */
    for (size_t w = 0; w < r->ndropped; w++) {
        size_t k = r->dropped[w], found = SIZE_MAX, canon_of = 0;
        uint64_t h = text_hash(d, k, k + 1, 0);
        for (uint32_t e = hmap_first(&tails, h); e != NONE && found == SIZE_MAX;
             e = hmap_next(&tails, e)) {
            size_t j = tails.val[e];
            if (same_text(d, k, k + 1, c[j].last - 1, c[j].last))
                found = j, canon_of = j;
        }
        for (uint32_t e = hmap_first(&strong, h); e != NONE && found == SIZE_MAX;
             e = hmap_next(&strong, e)) {
            size_t j = strong.val[e];
            if (c[j].type != UNKNOWN && !is_value_type(c[j].type) &&
                same_text(d, k, k + 1, c[j].first, c[j].last))
                found = j, canon_of = canon[j];
        }
        if (found == SIZE_MAX)
            continue;
        int type = c[found].type;
        emit(r, k, k + 1, type, 0);
        if (r->oom)
            goto done;
        c = r->c;
        canon[r->n - 1] = canon_of;
    }
    n = r->n;
    /* Gather: one entity per canonical text and type, in order of first
     * mention. */
    out->ent = calloc(n ? n : 1, sizeof *out->ent);
    out->men = calloc(n ? n : 1, sizeof *out->men);
    if (!out->ent || !out->men)
        goto done;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = 1; i < n; i++) { /* insertion sort: nearly sorted */
        size_t x = order[i], j = i;
        while (j > 0 && c[order[j - 1]].first > c[x].first) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = x;
    }
    for (size_t oi = 0; oi < n; oi++) {
        size_t i = order[oi];
        if (c[i].type == UNKNOWN)
            continue;
        /* Values group by their own text, names by their fullest form. */
        size_t ci = is_value_type(c[i].type) ? i : canon[i];
        uint64_t h = text_hash(d, c[ci].first, c[ci].last, (uint64_t)c[i].type + 1);
        size_t e = SIZE_MAX;
        for (uint32_t x = hmap_first(&ents, h); x != NONE; x = hmap_next(&ents, x)) {
            nlp_entity_t *en = &out->ent[ents.val[x]];
            if (en->type == c[i].type &&
                same_text(d, en->first, en->last, c[ci].first, c[ci].last)) {
                e = ents.val[x];
                break;
            }
        }
        if (e == SIZE_MAX) {
            e = out->nent++;
            nlp_entity_t *en = &out->ent[e];
            en->type = c[i].type;
            en->first = c[ci].first, en->last = c[ci].last;
            en->value = c[i].value;
            if (!(en->text = mention_text(d, en->first, en->last)))
                goto done;
            hmap_add(&ents, h, (uint32_t)e);
        }
        out->ent[e].count++;
        out->men[out->nmen].first = c[i].first;
        out->men[out->nmen].last = c[i].last;
        out->men[out->nmen].entity = (uint32_t)e;
        out->men[out->nmen].cstart = d->tok[c[i].first].cstart;
        out->men[out->nmen].cend = d->tok[c[i].last - 1].cend;
        out->nmen++;
    }
    rc = 0;
done:
    free(canon);
    free(order);
    hmap_free(&tails);
    hmap_free(&heads);
    hmap_free(&fulls);
    hmap_free(&bare);
    hmap_free(&strong);
    hmap_free(&ents);
    hmap_free(&teams);
    return rc;
}

/* Is token k places joined by hyphens ("US-China", "London-based")? */
static int places_joined(const nlp_doc_t *d, size_t k)
{
    const char *s = tk_s(d, k);
    size_t n = tk_n(d, k), a = 0, parts = 0;
    if (!memchr(s, '-', n))
        return 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '-')
            continue;
        if (s[a] >= 'a' && s[a] <= 'z' && i == n && parts)
            return 1; /* a lower-case last part: "-based" */
        if (i - a < 2 || gaz_type(lex_flags(s + a, i - a), 1) != NLP_LOC)
            return 0;
        parts++;
        a = i + 1;
    }
    return parts >= 2;
}

/* Places inside hyphenated words that no mention covers: "US-China
 * talks", "Russia-Ukraine", "London-based". Every capitalised part must
 * be a place; a lower-case last part ("based", "born") is left out. */
static int by_cstart(const void *a, const void *b)
{
    const nlp_mention_t *x = a, *y = b;
    return x->cstart < y->cstart ? -1 : x->cstart > y->cstart;
}

static int hyphen_places(const nlp_doc_t *d, const uint8_t *covered, nlp_entities_t *out)
{
    size_t cap_ent = out->nent, cap_men = out->nmen, added = 0;
    for (size_t k = 0; k < d->ntok; k++) {
        const nlp_token_t *t = &d->tok[k];
        if (covered[k] || t->kind != NLP_WORD || !(t->flags & NLP_CAP))
            continue;
        const char *s = tk_s(d, k);
        size_t n = tk_n(d, k);
        if (!memchr(s, '-', n))
            continue;
        /* Split at hyphens: at most 4 parts. */
        size_t ps[4], pe[4], np = 0, a = 0;
        for (size_t i = 0; i <= n && np < 4; i++) {
            if (i == n || s[i] == '-') {
                ps[np] = a, pe[np] = i, np++;
                a = i + 1;
            }
        }
        if (np < 2 || a <= n)
            continue; /* more than 4 parts */
        if (s[ps[np - 1]] >= 'a' && s[ps[np - 1]] <= 'z')
            np--; /* "London-based" */
        int all = np >= 1;
        for (size_t p = 0; p < np && all; p++) {
            uint32_t f = lex_flags(s + ps[p], pe[p] - ps[p]);
            all = pe[p] - ps[p] >= 2 && gaz_type(f, 1) == NLP_LOC;
        }
        if (!all)
            continue;
        for (size_t p = 0; p < np; p++) {
            size_t e;
            for (e = 0; e < out->nent; e++)
                if (out->ent[e].type == NLP_LOC &&
                    strlen(out->ent[e].text) == pe[p] - ps[p] &&
                    !memcmp(out->ent[e].text, s + ps[p], pe[p] - ps[p]))
                    break;
            if (e == out->nent) {
                nlp_entity_t *g = array_grow(out->ent, &cap_ent, out->nent + 1,
                                             sizeof *g, 8);
                if (!g)
                    return -1;
                out->ent = g;
                nlp_entity_t *en = &out->ent[out->nent];
                memset(en, 0, sizeof *en);
                en->type = NLP_LOC;
                en->first = (uint32_t)k, en->last = (uint32_t)k + 1;
                en->text = strndup(s + ps[p], pe[p] - ps[p]);
                if (!en->text)
                    return -1;
                out->nent++;
            }
            nlp_mention_t *g = array_grow(out->men, &cap_men, out->nmen + 1,
                                          sizeof *g, 8);
            if (!g)
                return -1;
            out->men = g;
            /* Code points before the part, within the token. */
            size_t before = 0;
            for (size_t i = 0; i < ps[p];)
                nlp_utf8_next(s, ps[p], &i), before++;
            size_t len = 0;
            for (size_t i = ps[p]; i < pe[p];)
                nlp_utf8_next(s, pe[p], &i), len++;
            nlp_mention_t *m = &out->men[out->nmen++];
            m->first = (uint32_t)k, m->last = (uint32_t)k + 1;
            m->entity = (uint32_t)e;
            m->cstart = t->cstart + (uint32_t)before;
            m->cend = m->cstart + (uint32_t)len;
            out->ent[e].count++;
            added++;
        }
    }
    if (added)
        qsort(out->men, out->nmen, sizeof *out->men, by_cstart);
    return 0;
}

int nlp_entities_find(const nlp_doc_t *d, int64_t now, nlp_entities_t *out)
{
    memset(out, 0, sizeof *out);
    struct ner_ctx ctx = {.d = d};
    int64_t days = now >= 0 ? now / 86400 : -((-now + 86399) / 86400);
    ctx.days = days;
    civil_from_days(days, &ctx.year, &ctx.month, &ctx.day);
    uint8_t *used = calloc(d->ntok ? d->ntok : 1, 1);
    if (!used)
        return -ENOMEM;
    struct run_ctx r = {.d = d};
    for (size_t k = 0; k < d->ntok && !r.oom;) {
        size_t end;
        nlp_value_t v;
        int type = value_at(&ctx, k, &end, &v);
        if (type >= 0 && end > k) {
            emit(&r, k, end, type, 0);
            if (!r.oom)
                r.c[r.n - 1].value = v;
            memset(used + k, 1, end - k);
            k = end;
        } else {
            k++;
        }
    }
    for (size_t k = 0; k < d->ntok && !r.oom;) {
        if (!namelike(d, used, k)) {
            k++;
            continue;
        }
        size_t g = gaz_across(d, used, k);
        if (g) {
            uint32_t f = span_flags(d, k, g);
            emit(&r, k, g, gaz_type(f, g - k), 0);
            if (!r.oom && (f & LX_COUNTRY))
                r.c[r.n - 1].country = 1;
            memset(used + k, 1, g - k);
            k = g;
            continue;
        }
        int org;
        size_t e = org_run_end(d, used, k, &org);
        size_t before = r.n;
        size_t next = process_run(&r, used, k, e, org);
        /* A capital "The" inside a sentence belongs to the name it starts
         * ("shares in The Quarnel Group"), when that is an organisation. */
        if (tk_eq(d, k, "The") && !(d->tok[k].flags & NLP_SENT_START))
            for (size_t m = before; m < r.n; m++)
                if (r.c[m].first == k + 1 && r.c[m].type == NLP_ORG)
                    r.c[m].first = (uint32_t)k;
        /* Places named with a river or a district: "Newcastle upon Tyne",
         * "Frankfurt am Main", "Washington, D.C.". */
        if (r.n > before && r.c[r.n - 1].type == NLP_LOC && r.c[r.n - 1].last == next &&
            next + 1 < d->ntok) {
            size_t x = next;
            if (tk_eq(d, x, "upon") || tk_eq(d, x, "am") || tk_eq(d, x, "im"))
                x = namelike(d, used, x + 1) ? run_end(d, used, x + 1) : x;
            else if (tk_eq(d, x, ",") && (tk_eq(d, x + 1, "D.C.") || tk_eq(d, x + 1, "DC")))
                x += 2;
            if (x > next) {
                r.c[r.n - 1].last = (uint32_t)x;
                next = x;
            }
        }
        /* Units are numbered: "82nd Airborne Division", "7th Fleet". */
        if (k > 0 && !used[k - 1] && military_number(d, k - 1))
            for (size_t m = before; m < r.n; m++)
                if (r.c[m].first == k && r.c[m].type == NLP_ORG &&
                    unit_head(d, r.c[m].last - 1))
                    r.c[m].first = (uint32_t)(k - 1);
        for (size_t m = k; m < next; m++)
            used[m] = 1;
        k = next > k ? next : k + 1;
    }
    free(used);
    if (r.oom) {
        free(r.c);
        free(r.dropped);
        return -ENOMEM;
    }
    if (r.n)
        qsort(r.c, r.n, sizeof *r.c, by_position);
    int rc = resolve(d, &r, out);
    free(r.c);
    free(r.dropped);
    if (rc == 0) {
        uint8_t *covered = calloc(d->ntok ? d->ntok : 1, 1);
        if (!covered) {
            rc = -1;
        } else {
            for (size_t m = 0; m < out->nmen; m++)
                memset(covered + out->men[m].first, 1, out->men[m].last - out->men[m].first);
            rc = hyphen_places(d, covered, out);
            free(covered);
        }
    }
    if (rc < 0) {
        nlp_entities_free(out);
        return -ENOMEM; /* what resolve and hyphen_places fail on */
    }
    return 0;
}

void nlp_entities_free(nlp_entities_t *e)
{
    for (size_t i = 0; i < e->nent; i++)
        free(e->ent[i].text);
    free(e->ent);
    free(e->men);
    memset(e, 0, sizeof *e);
}

int nlp_parse_iso_date(const char *s, int64_t *out)
{
    int y, m, dd, hh = 0, mi = 0, ss = 0;
    if (!s || sscanf(s, "%4d-%2d-%2d", &y, &m, &dd) != 3)
        return -EINVAL;
    if (m < 1 || m > 12 || dd < 1 || dd > 31)
        return -EINVAL;
    if (s[10] == 'T' || s[10] == ' ')
        sscanf(s + 11, "%2d:%2d:%2d", &hh, &mi, &ss);
    *out = days_from_civil(y, m, dd) * 86400 + hh * 3600 + mi * 60 + ss;
    return 0;
}
