/* The words around a mention that say what it names: speech verbs,
 * nouns for places, organisations and people, what organisations do and
 * own, match results, definitions, acronyms. The words themselves are
 * word classes of the lexicon (data/nerwords.txt). */
#include "ner_int.h"

/* Word classes of tokens k and k + 1 read as two words ("signed with"). */
static uint32_t pair_words(const struct ner_doc *d, size_t k)
{
    char buf[64];
    size_t a = tk_n(d, k), b = tk_n(d, k + 1);
    if (a + b + 1 > sizeof buf)
        return 0;
    memcpy(buf, tk_s(d, k), a);
    buf[a] = ' ';
    memcpy(buf + a + 1, tk_s(d, k + 1), b);
    return lex_words(buf, a + 1 + b);
}

int said_word(const struct ner_doc *d, size_t k)
{
    return k < d->ntok && (d->lw[k] & LW_SAID);
}

/* Does "<place noun> of" stand before token p: "the town of X", "the
 * mayor of X", "the outskirts of X"? */
int place_of(const struct ner_doc *d, size_t p)
{
    return p >= 2 && tk_eq(d, p - 1, "of") && (d->lw[p - 2] & (LW_LOCNOUN | LW_OFPLACE));
}

/* Is token k an organisation noun, in the plural or capitalised too
 * ("the company", "Insurers", "carmakers")? */
int org_noun(const struct ner_doc *d, size_t k)
{
    const char *s = tk_s(d, k);
    size_t n = tk_n(d, k);
    char low[LOWER_MAX];
    if (n >= sizeof low)
        return 0;
    for (size_t i = 0; i < n; i++)
        low[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
    return (lex_words(low, n) & (LW_ORGNOUN | LW_ORGNOUNS)) != 0;
}

/* Words before a name that say it is an organisation: people sign
 * with, play for, join and speak for organisations ("signed with
 * Nordvik", "a spokeswoman for Kvarn", "shares of Orsvik"). */
int org_cue(const struct ner_doc *d, size_t p)
{
    return p >= 2 && ((d->lw[p - 1] & LW_ORGCUE) || (pair_words(d, p - 2) & LW_ORGCUE));
}

/* Is the name ending before token e the owner of what only
 * organisations have: "Nordvik's shares", "Kvarn's CEO"? */
int org_owner(const struct ner_doc *d, size_t e)
{
    return e + 1 < d->ntok && (d->tok[e].flags & NLP_POSS) && (d->lw[e + 1] & LW_OWNED);
}

/* Does the name [p, e) stand in a match result: "Leeds beat Sheffield",
 * "Lyon drew with", "a win against Lyon", "lost to Lyon"? */
int match_cue(const struct ner_doc *d, size_t p, size_t e)
{
    return (e < d->ntok && (d->lw[e] & LW_MATCHAFTER)) ||
           (p > 0 && (d->lw[p - 1] & LW_MATCHBEFORE)) ||
           (p >= 2 && (pair_words(d, p - 2) & LW_MATCHBEFORE));
}

/* Is the document a sports report: at least three of its words are
 * ones only sports reports use often? */
int sports_report(const struct ner_doc *d)
{
    int hits = 0;
    for (size_t k = 0; k < d->ntok && hits < 3; k++)
        hits += d->tok[k].kind == NLP_WORD && (d->tok[k].flags & NLP_LOWER) &&
                (d->lw[k] & LW_SPORT);
    return hits >= 3;
}

/* The type a definition gives the mention ending at token e: "X is a
 * small village in ...", "X, a German company", "X was an American
 * singer", "X, headquartered in", "X is located". Returns UNKNOWN when
 * there is none. */
int defined_type(const struct ner_doc *d, size_t e)
{
    size_t k = e;
    if (tk_eq(d, k, ",") || tk_eq(d, k, "is") || tk_eq(d, k, "was") || tk_eq(d, k, "became"))
        k++;
    else
        return UNKNOWN;
    if (k < d->ntok && (tk_eq(d, k, "is") || tk_eq(d, k, "was")) && tk_eq(d, k - 1, ","))
        k++;
    if (k < d->ntok && (d->lw[k] & LW_DEFORG))
        return NLP_ORG;
    if (k < d->ntok && (d->lw[k] & LW_DEFLOC))
        return NLP_LOC;
    if (!(tk_eq(d, k, "a") || tk_eq(d, k, "an") || tk_eq(d, k, "the")))
        return UNKNOWN;
    k++;
    /* Up to four modifiers: "a small rural village", "an American rock band". */
    for (size_t m = 0; m < 5 && k < d->ntok; m++, k++) {
        if (d->tok[k].kind != NLP_WORD && d->tok[k].kind != NLP_NUMBER &&
            !tk_eq(d, k, "-"))
            return UNKNOWN;
        if (d->lw[k] & LW_LOCNOUN)
            return NLP_LOC;
        if (d->lw[k] & LW_ORGNOUN)
            return NLP_ORG;
        if (d->lw[k] & LW_PERNOUN)
            return NLP_PERSON;
    }
    return UNKNOWN;
}

/* Is token k, an acronym in capitals, made of the initials of the
 * capitalised words of [a, b), in order ("WHO" of "World Health
 * Organization", "FAO" of "Food and Agriculture Organization")? Function
 * words may lend their initial or not ("DoD", "BoE" are not capitals and
 * are left out). */
int acronym_of(const struct ner_doc *d, size_t k, size_t a, size_t b)
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

/* Is token k a number as units are numbered: "65", "82nd", "102d"? */
int military_number(const struct ner_doc *d, size_t k)
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
