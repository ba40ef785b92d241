/* What a token or a span of tokens is, for the entity recogniser: its
 * lexicon flags and word classes (looked up once per document), whether
 * it is a common English word, and the shapes of names. */
#include <errno.h>
#include <stdlib.h>

#include "ner_int.h"

/* The place flags of a word in capitals that the lexicon lacks as
 * written, read capitalised: datelines write places so ("WASHINGTON
 * (Reuters) -"). */
static uint32_t capitals_place(const char *s, size_t n)
{
    char b[32];
    if (n <= 3 || n >= sizeof b)
        return 0;
    b[0] = s[0];
    for (size_t i = 1; i < n; i++)
        b[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
    return lex_flags(b, n) & (LX_LOC | LX_COUNTRY);
}

/* Lexicon flags of token k lower-cased (ASCII letters only change). */
static uint32_t lower_flags(const struct ner_doc *d, size_t k, uint32_t as_written)
{
    const char *s = tk_s(d, k);
    size_t n = tk_n(d, k);
    char low[LOWER_MAX];
    if (n >= sizeof low)
        return 0;
    int changed = 0;
    for (size_t i = 0; i < n; i++) {
        low[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
        changed |= low[i] != s[i];
    }
    return changed ? lex_flags(low, n) : as_written;
}

int ner_doc_init(struct ner_doc *n, const nlp_doc_t *d)
{
    memset(n, 0, sizeof *n);
    n->text = d->text, n->tok = d->tok, n->ntok = d->ntok;
    size_t count = d->ntok ? d->ntok : 1;
    n->lx = malloc(count * 4 * sizeof *n->lx);
    n->common = calloc(count, 1);
    if (!n->lx || !n->common) {
        ner_doc_free(n);
        return -ENOMEM;
    }
    n->tf = n->lx + count, n->lw = n->tf + count, n->low = n->lw + count;
    for (size_t k = 0; k < d->ntok; k++) {
        /* No word in the lexicon is punctuation. */
        if (d->tok[k].kind == NLP_PUNCT) {
            n->lx[k] = n->tf[k] = n->lw[k] = n->low[k] = 0;
            continue;
        }
        const struct lex_entry *e = lex_find(tk_s(d, k), tk_n(d, k));
        n->lx[k] = e ? e->flags : 0;
        n->lw[k] = e ? e->words : 0;
        n->tf[k] = n->lx[k];
        if (!n->lx[k] && (d->tok[k].flags & NLP_ALLCAPS))
            n->tf[k] = capitals_place(tk_s(d, k), tk_n(d, k));
        /* A token with a capital has one of these flags. */
        n->low[k] = d->tok[k].flags & (NLP_CAP | NLP_ALLCAPS | NLP_MIXED)
                        ? lower_flags(n, k, n->lx[k])
                        : n->lx[k];
    }
    return 0;
}

void ner_doc_free(struct ner_doc *n)
{
    free(n->lx);
    free(n->common);
    memset(n, 0, sizeof *n);
}

/* Tokens [a, b) joined by single spaces into buf; returns the length or 0
 * when it does not fit. */
static size_t join(const struct ner_doc *d, size_t a, size_t b, char *buf, size_t cap)
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

uint32_t span_flags(const struct ner_doc *d, size_t a, size_t b)
{
    if (b - a == 1)
        return d->tf[a];
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

/* The entity type a gazetteer entry gives a span of `len` tokens. */
int gaz_type(uint32_t f, size_t len)
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

/* Is the lower-case word w, whose own flags are f, an English word,
 * allowing for inflection ("talks", "hosting", "agreed")? */
static int common_word(const char *w, size_t n, uint32_t f)
{
    if (f & (LX_COMMON | LX_STOP))
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

/* Is token k, lower-cased, an English word allowing for inflection? No
 * for tokens of LOWER_MAX bytes or more. Asked once per token. */
int common_token(const struct ner_doc *d, size_t k)
{
    if (!d->common[k]) {
        const char *s = tk_s(d, k);
        size_t n = tk_n(d, k);
        char low[LOWER_MAX];
        int yes = 0;
        if (n < sizeof low) {
            for (size_t i = 0; i < n; i++)
                low[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
            yes = common_word(low, n, d->low[k]);
        }
        d->common[k] = yes ? 2 : 1;
    }
    return d->common[k] == 2;
}

/* Token k, lower-cased, is an English word ("Red", "Crescent") that no
 * name list knows as a surname. */
int plain_word(const struct ner_doc *d, size_t k)
{
    uint32_t f = d->tf[k];
    if (f & LX_SURNAME)
        return 0;
    /* A first name is plain only as itself ("Red", "Will"), not through
     * a suffix ("Jared" is no "jar"). */
    if (f & LX_FIRST)
        return (d->low[k] & LX_COMMON) != 0;
    return common_token(d, k);
}

/* A sentence-initial word that is capitalised only because it starts the
 * sentence. */
int plain_start(const struct ner_doc *d, size_t k)
{
    if (tk_n(d, k) >= LOWER_MAX || (d->tok[k].flags & (NLP_ALLCAPS | NLP_MIXED)))
        return 0;
    if (d->low[k] & LX_STOP)
        return 1;
    if (d->tf[k] & (NAME_FLAGS | LX_FIRST))
        return 0;
    return common_token(d, k);
}

/* Can token k be part of a name? */
int namelike(const struct ner_doc *d, const uint8_t *used, size_t k)
{
    const nlp_token_t *t = &d->tok[k];
    if (used[k] || t->kind != NLP_WORD || (t->flags & NLP_POSS))
        return 0;
    if (!(t->flags & (NLP_CAP | NLP_ALLCAPS)))
        return 0;
    if ((d->lw[k] & LW_MONTHDAY) || tk_eq(d, k, "I"))
        return 0;
    /* "No.", "Vol.", "Fig." stand before numbers, not in names; "St."
     * starts one ("St. Louis"). */
    if ((t->flags & NLP_ABBR) && t->end - t->start > 2) {
        uint32_t f = lex_flags(tk_s(d, k), tk_n(d, k) - 1);
        if ((f & LX_ABBR_NOEND) && !(d->lx[k] & (LX_TITLE | LX_LOCPRE)))
            return 0;
    }
    return 1;
}

/* The run of name-like tokens starting at k (same sentence), with the
 * lower-case particles inside names ("Ludwig van Beethoven"); returns
 * its end. */
size_t run_end(const struct ner_doc *d, const uint8_t *used, size_t k)
{
    size_t e = k;
    while (e < d->ntok) {
        if (e > k && (d->tok[e].sent != d->tok[k].sent ||
                      (d->tok[e].flags & NLP_LINE_BEFORE)))
            break;
        if (namelike(d, used, e)) {
            e++;
        } else if (e > k && (d->lw[e] & LW_PARTICLE) && e + 1 < d->ntok &&
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
int person_like(const struct ner_doc *d, size_t a, size_t b)
{
    uint32_t last = d->tf[b - 1];
    if (last & (LX_ORGHEAD | LX_ORGPRE | LX_LOCHEAD | LX_LOCPRE | LX_TITLE | LX_EVENT) ||
        plain_word(d, b - 1))
        return 0;
    if (last & LX_SURNAME)
        return 1;
    for (size_t k = a; k + 1 < b; k++)
        if ((d->tf[k] & LX_FIRST) && !plain_word(d, k))
            return 1;
    return 0;
}

/* Could [a, b) be a person's name: not an organisation or place by its
 * last word, and not only common words unless a name list knows one? */
int looks_like_name(const struct ner_doc *d, size_t a, size_t b)
{
    uint32_t lastf = d->tf[b - 1];
    if (lastf & (LX_ORGHEAD | LX_LOCHEAD))
        return 0;
    if (b - a == 1)
        return 1; /* "President Trump", "King Charles" */
    if (b - a == 2 && (d->tf[a] & LX_FIRST))
        return 1; /* "Donald Trump" */
    if (common_token(d, b - 1) && !(lastf & (LX_SURNAME | LX_PERSON)))
        return 0; /* "Webb Space Telescope" */
    for (size_t k = a; k < b; k++)
        if ((d->tf[k] & (LX_FIRST | LX_SURNAME | LX_PERSON)) || !common_token(d, k))
            return 1;
    return 0;
}

/* After a title, anything but an organisation's or place's name, or
 * only common words ("Chief Operating Officer"), is the person's name
 * ("Prof. Wang Yi", "President Trump"). */
int after_title(const struct ner_doc *d, size_t a, size_t b)
{
    if (d->tf[b - 1] & (LX_ORGHEAD | LX_LOCHEAD | LX_EVENT))
        return 0;
    for (size_t k = a; k < b; k++)
        if (!plain_word(d, k) || (d->tf[k] & (LX_FIRST | LX_PERSON)))
            return 1;
    return b - a == 1; /* "King Charles", "President Trump" */
}

/* Are tokens [a, b) capitalised common words or acronyms ("Lottery",
 * "Falcons", "HC"): what follows a place in the name of a team, paper or
 * company? */
int all_plain(const struct ner_doc *d, size_t a, size_t b)
{
    for (size_t k = a; k < b; k++) {
        if (d->tf[k] & (NAME_FLAGS | LX_FIRST | LX_SURNAME | LX_TITLE | LX_LOCHEAD))
            return 0;
        if (!(d->tok[k].flags & NLP_ALLCAPS) && !common_token(d, k))
            return 0;
    }
    return 1;
}

/* Are tokens [a, b) what follows a city in a team's name: capitalised
 * words that name no place or person, the last a plural ("Vancouver
 * Canucks", "Tampa Bay Devil Rays")? */
int team_tail(const struct ner_doc *d, size_t a, size_t b)
{
    if (b <= a || b - a > 2)
        return 0;
    for (size_t k = a; k < b; k++)
        if (d->tok[k].kind != NLP_WORD || !(d->tok[k].flags & NLP_CAP) ||
            (d->tf[k] & (LX_LOC | LX_COUNTRY | LX_FIRST | LX_SURNAME | LX_TITLE |
                         LX_LOCHEAD | LX_EVENT)))
            return 0;
    size_t n = tk_n(d, b - 1);
    return n > 3 && tk_s(d, b - 1)[n - 1] == 's' && tk_s(d, b - 1)[n - 2] != 's';
}

/* Does [s, e) name an event, award or law: its last word heads one
 * ("Nobel Prize"), in the plural too ("Stanley Cups"), or the word before
 * a numeral does ("World War II")? */
int event_name(const struct ner_doc *d, size_t s, size_t e)
{
    size_t k = e - 1;
    if (k > s && (d->tok[k].flags & NLP_ALLCAPS) &&
        strspn(tk_s(d, k), "IVX") >= tk_n(d, k))
        k--;
    if (d->tf[k] & LX_EVENT)
        return 1;
    size_t n = tk_n(d, k);
    return n > 3 && tk_s(d, k)[n - 1] == 's' && (lex_flags(tk_s(d, k), n - 1) & LX_EVENT);
}

/* Is token k nationalities joined by hyphens ("Italian-American",
 * "Chinese-Canadian"): every part but the last a nationality, the last
 * capitalised? */
int nationality_compound(const struct ner_doc *d, size_t k)
{
    const char *s = tk_s(d, k);
    size_t n = tk_n(d, k), a = 0;
    if (!memchr(s, '-', n))
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
int hyphenated_place(const struct ner_doc *d, size_t k)
{
    const char *s = tk_s(d, k);
    size_t n = tk_n(d, k), a = 0, parts = 0;
    int joined = 0;
    if (!memchr(s, '-', n) || s[0] < 'A' || s[0] > 'Z')
        return 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '-')
            continue;
        size_t len = i - a;
        int particle = (lex_words(s + a, len) & LW_HYPHENJOIN) != 0;
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

/* Is token k places joined by hyphens ("US-China", "London-based")? */
int places_joined(const struct ner_doc *d, size_t k)
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
