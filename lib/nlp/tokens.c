/* Tokens and sentences: a single left-to-right pass over UTF-8 text that
 * keeps byte and code-point offsets, then sentence ends decided from the
 * tokens around each candidate full stop. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "lexicon.h"
#include "nlp.h"

uint32_t nlp_utf8_next(const char *s, size_t n, size_t *i)
{
    const unsigned char *p = (const unsigned char *)s + *i;
    size_t left = n - *i;
    uint32_t c = p[0];
    int len = 1;
    if (c < 0x80) {
        *i += 1;
        return c;
    } else if ((c & 0xE0) == 0xC0 && left >= 2 && (p[1] & 0xC0) == 0x80) {
        c = ((c & 0x1F) << 6) | (p[1] & 0x3F), len = 2;
        if (c < 0x80)
            c = 0xFFFD, len = 1;
    } else if ((c & 0xF0) == 0xE0 && left >= 3 && (p[1] & 0xC0) == 0x80 &&
               (p[2] & 0xC0) == 0x80) {
        c = ((c & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
        len = 3;
        if (c < 0x800)
            c = 0xFFFD, len = 1;
    } else if ((c & 0xF8) == 0xF0 && left >= 4 && (p[1] & 0xC0) == 0x80 &&
               (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80) {
        c = ((c & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
            ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
        len = 4;
        if (c < 0x10000 || c > 0x10FFFF)
            c = 0xFFFD, len = 1;
    } else {
        c = 0xFFFD;
    }
    *i += (size_t)len;
    return c;
}

/* Letters of the scripts in common use, by block: close enough for
 * tokenising, and no locale involved (plugins run in a daemon whose locale
 * is not ours to set). */
int nlp_cp_letter(uint32_t c)
{
    if (c < 0x80)
        return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    if (c < 0xC0)
        return c == 0xAA || c == 0xB5 || c == 0xBA;
    if (c <= 0x24F)
        return c != 0xD7 && c != 0xF7;
    if (c >= 0x250 && c <= 0x2AF)
        return 1;
    if (c >= 0x300 && c <= 0x36F)
        return 1; /* combining marks stay inside words */
    if (c >= 0x370 && c <= 0x58F)
        return c != 0x37E && c != 0x387;
    if (c >= 0x5D0 && c <= 0x5F2)
        return 1;
    if (c >= 0x610 && c <= 0x6FF)
        return c != 0x61B && c != 0x61F && !(c >= 0x660 && c <= 0x66D) &&
               c != 0x6D4;
    if (c >= 0x900 && c <= 0xDFF)
        return c != 0x964 && c != 0x965;
    if (c >= 0xE00 && c <= 0xFFF)
        return 1;
    if (c >= 0x10A0 && c <= 0x11FF)
        return 1;
    if (c >= 0x1E00 && c <= 0x1FFF)
        return 1;
    if (c >= 0x3040 && c <= 0x30FF)
        return c != 0x30FB;
    if (c >= 0x3400 && c <= 0x9FFF)
        return 1;
    if (c >= 0xAC00 && c <= 0xD7AF)
        return 1;
    if (c >= 0xF900 && c <= 0xFAFF)
        return 1;
    if (c >= 0xFF21 && c <= 0xFF5A)
        return !(c >= 0xFF3B && c <= 0xFF40);
    return c >= 0x20000 && c <= 0x3FFFF;
}

int nlp_cp_upper(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z';
    if (c >= 0xC0 && c <= 0xDE)
        return c != 0xD7;
    if (c >= 0x100 && c <= 0x17F)
        return (c & 1) == (c >= 0x139 && c <= 0x148 ? 1u : c >= 0x179 ? 1u : 0u);
    if (c >= 0x391 && c <= 0x3AB)
        return 1;
    if (c >= 0x400 && c <= 0x42F)
        return 1;
    return 0;
}

uint32_t nlp_cp_lower(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        return c + 32;
    if (c >= 0x100 && c <= 0x17F && nlp_cp_upper(c))
        return c + 1;
    if (c >= 0x391 && c <= 0x3AB)
        return c + 32;
    if (c >= 0x410 && c <= 0x42F)
        return c + 32;
    if (c >= 0x400 && c <= 0x40F)
        return c + 80;
    return c;
}

/* The tokenizer's inner loops: ASCII (most of any news text) without a
 * call, the rest through the functions above. */
static inline uint32_t next_cp(const char *s, size_t n, size_t *i)
{
    unsigned char c = (unsigned char)s[*i];
    if (c < 0x80) {
        *i += 1;
        return c;
    }
    return nlp_utf8_next(s, n, i);
}

static inline int cp_letter(uint32_t c)
{
    return c < 0x80 ? (c | 0x20) >= 'a' && (c | 0x20) <= 'z' : nlp_cp_letter(c);
}

static int cp_digit(uint32_t c) { return c >= '0' && c <= '9'; }

static int cp_space(uint32_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xA0 ||
           (c >= 0x2000 && c <= 0x200B) || c == 0x202F || c == 0x3000 ||
           c == 0xFEFF;
}

static int cp_apostrophe(uint32_t c) { return c == '\'' || c == 0x2019; }

static int cp_hyphen(uint32_t c) { return c == '-' || c == 0x2010 || c == 0x2011; }

static int cp_symbol(uint32_t c)
{
    return c == '$' || c == '%' || c == '&' || c == '#' || c == '@' ||
           c == '+' || c == '=' || c == '<' || c == '>' || c == 0xA3 ||
           c == 0xA5 || c == 0xB0 || c == 0x20AC || (c >= 0x20A0 && c <= 0x20CF);
}

struct tokbuf {
    nlp_token_t *t;
    size_t n, cap;
};

static nlp_token_t *push(struct tokbuf *b)
{
    if (b->n == b->cap) {
        nlp_token_t *g = array_grow(b->t, &b->cap, b->n + 1, sizeof *g, 256);
        if (!g)
            return NULL;
        b->t = g;
    }
    nlp_token_t *t = &b->t[b->n++];
    memset(t, 0, sizeof *t);
    return t;
}

static uint32_t peek(const char *s, size_t n, size_t i)
{
    return i < n ? next_cp(s, n, &i) : 0;
}

/* Scan a word or number from s[*i]; *cp counts code points. Returns the
 * kind. Inner apostrophes and hyphens join letters, inner periods join
 * short letter groups ("U.S", "e.g"), and , . : join digits. */
static int scan_word(const char *s, size_t n, size_t *i, uint32_t *cp)
{
    int digits_only = 1, seg = 0;
    while (*i < n) {
        size_t j = *i;
        uint32_t c = next_cp(s, n, &j);
        if (cp_letter(c) || cp_digit(c)) {
            if (!cp_digit(c))
                digits_only = 0;
            seg++;
            *i = j, (*cp)++;
            continue;
        }
        uint32_t d = peek(s, n, j);
        if ((cp_apostrophe(c) || cp_hyphen(c)) && (cp_letter(d) || cp_digit(d))) {
            if (cp_hyphen(c))
                digits_only = 0;
            seg = 0;
        } else if (c == '.' && cp_letter(d) && !digits_only && seg <= 2) {
            /* "U.S", "a.m": only short groups, so "end.Next" splits. */
            size_t k = j;
            next_cp(s, n, &k);
            uint32_t e = peek(s, n, k);
            if (cp_letter(e) && seg > 1)
                break;
            seg = 0;
        } else if ((c == '.' || c == ',' || c == ':') && digits_only && cp_digit(d)) {
            seg = 0;
        } else {
            break;
        }
        *i = j, (*cp)++;
    }
    return digits_only ? NLP_NUMBER : NLP_WORD;
}

static uint16_t case_flags(const char *s, size_t n)
{
    size_t i = 0;
    int letters = 0, upper = 0, lower_seen = 0, mixed = 0, first = -1;
    /* ASCII letters first, then (from the first other byte on) any. */
    for (; i < n && (unsigned char)s[i] < 0x80; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') {
            letters++, upper++;
            if (first < 0)
                first = 1;
            if (lower_seen)
                mixed = 1;
        } else if (c >= 'a' && c <= 'z') {
            letters++;
            if (first < 0)
                first = 0;
            lower_seen = 1;
        }
    }
    while (i < n) {
        uint32_t c = nlp_utf8_next(s, n, &i);
        if (!nlp_cp_letter(c))
            continue;
        letters++;
        int up = nlp_cp_upper(c);
        if (first < 0)
            first = up;
        if (up) {
            upper++;
            if (lower_seen)
                mixed = 1;
        } else if (nlp_cp_lower(c) != c || (c >= 'a' && c <= 'z') ||
                   (c >= 0xDF && c <= 0xFF) || (c >= 0x430 && c <= 0x45F) ||
                   (c >= 0x3AC && c <= 0x3CE)) {
            lower_seen = 1;
        }
    }
    uint16_t f = 0;
    if (first == 1)
        f |= NLP_CAP;
    else if (first == 0 && lower_seen)
        f |= NLP_LOWER;
    if (letters >= 2 && upper == letters)
        f |= NLP_ALLCAPS;
    if (mixed)
        f |= NLP_MIXED;
    return f;
}

static int tokenize(struct tokbuf *b, const char *s, size_t n)
{
    size_t i = 0;
    uint32_t cpos = 0;
    uint16_t pending = 0;
    while (i < n) {
        size_t j = i;
        uint32_t c = next_cp(s, n, &j);
        if (cp_space(c)) {
            pending |= NLP_SPACE_BEFORE;
            if (c == '\n')
                pending |= NLP_LINE_BEFORE;
            i = j, cpos++;
            continue;
        }
        nlp_token_t *t = push(b);
        if (!t)
            return -1;
        t->start = (uint32_t)i;
        t->cstart = cpos;
        t->flags = pending;
        pending = 0;
        if (cp_letter(c) || cp_digit(c)) {
            uint32_t cp = 0;
            t->kind = (uint16_t)scan_word(s, n, &i, &cp);
            cpos += cp;
            /* Split a possessive 's off: "Bessent's" -> "Bessent" "'s". */
            if (t->kind == NLP_WORD && i - t->start > 3) {
                size_t e = i;
                if (s[e - 1] == 's' && s[e - 2] == '\'')
                    e -= 2;
                else if (s[e - 1] == 's' && e - t->start > 4 &&
                         !memcmp(s + e - 4, "\xE2\x80\x99", 3))
                    e -= 4;
                if (e != i) {
                    uint32_t plen = 2; /* ' or U+2019, then s */
                    t->end = (uint32_t)e;
                    t->cend = cpos - plen;
                    t->flags |= case_flags(s + t->start, e - t->start);
                    nlp_token_t *p = push(b);
                    if (!p)
                        return -1;
                    t = &b->t[b->n - 2];
                    p->start = (uint32_t)e, p->end = (uint32_t)i;
                    p->cstart = cpos - plen, p->cend = cpos;
                    p->kind = NLP_WORD;
                    p->flags = NLP_POSS | NLP_LOWER;
                    continue;
                }
            }
            /* A period after an abbreviation, an initial or "U.S" belongs
             * to the word. */
            if (t->kind == NLP_WORD && i < n && s[i] == '.') {
                size_t wl = i - t->start;
                const char *w = s + t->start;
                int initial = wl == 1 && w[0] >= 'A' && w[0] <= 'Z';
                int dotted = memchr(w, '.', wl) != NULL;
                uint32_t lf = lex_flags(w, wl);
                if (initial || dotted || (lf & LX_ABBR)) {
                    i++, cpos++;
                    t->flags |= NLP_ABBR;
                }
            }
            t->end = (uint32_t)i;
            t->cend = cpos;
            if (t->kind == NLP_WORD)
                t->flags |= case_flags(s + t->start, t->end - t->start);
            continue;
        }
        i = j, cpos++;
        if (c == '.' && i + 1 < n && s[i] == '.' && s[i + 1] == '.') {
            i += 2, cpos += 2;
        }
        t->kind = cp_symbol(c) ? NLP_SYMBOL : NLP_PUNCT;
        t->end = (uint32_t)i;
        t->cend = cpos;
    }
    return 0;
}

static int tok_is(const char *s, const nlp_token_t *t, const char *lit)
{
    size_t n = strlen(lit);
    return t->end - t->start == n && !memcmp(s + t->start, lit, n);
}

static int is_terminal(const char *s, const nlp_token_t *t)
{
    return t->kind == NLP_PUNCT &&
           (tok_is(s, t, ".") || tok_is(s, t, "!") || tok_is(s, t, "?") ||
            tok_is(s, t, "...") || tok_is(s, t, "\xE2\x80\xA6"));
}

static int is_closer(const char *s, const nlp_token_t *t)
{
    return t->kind == NLP_PUNCT &&
           (tok_is(s, t, "\xE2\x80\x9D") || tok_is(s, t, "\xE2\x80\x99") ||
            tok_is(s, t, ")") || tok_is(s, t, "]") ||
            tok_is(s, t, "\xC2\xBB") ||
            ((tok_is(s, t, "\"") || tok_is(s, t, "'")) &&
             !(t->flags & NLP_SPACE_BEFORE)));
}

static int is_opener(const char *s, const nlp_token_t *t)
{
    return t->kind == NLP_PUNCT &&
           (tok_is(s, t, "\xE2\x80\x9C") || tok_is(s, t, "\xE2\x80\x98") ||
            tok_is(s, t, "(") || tok_is(s, t, "[") || tok_is(s, t, "\"") ||
            tok_is(s, t, "'") || tok_is(s, t, "\xC2\xAB"));
}

int nlp_is_stopword(const char *s, size_t n)
{
    return lex_is_stop(s, n);
}

int nlp_is_irregular_verb(const char *s, size_t n)
{
    return (lex_flags(s, n) & LX_VERBFORM) != 0;
}

int nlp_is_verb_form(const char *s, size_t n)
{
    uint32_t f = lex_flags(s, n);
    if (f & LX_NOUNADJ)
        return 0;
    if (f & (LX_VERBFORM | LX_VERB))
        return 1;
    /* Regular inflections of a verb: -ed, -d, -ing (with a dropped e or
     * a doubled consonant). */
    char b[64];
    if (n < 4 || n >= sizeof b)
        return 0;
    static const struct { const char *suf, *rep; } rules[] = {
        {"ed", ""}, {"ed", "e"}, {"ing", ""}, {"ing", "e"}, {"ied", "y"}};
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
        size_t sl = strlen(rules[i].suf), rl = strlen(rules[i].rep);
        if (n <= sl + 1 || memcmp(s + n - sl, rules[i].suf, sl))
            continue;
        size_t m = n - sl;
        memcpy(b, s, m);
        memcpy(b + m, rules[i].rep, rl);
        if (lex_flags(b, m + rl) & LX_VERB)
            return 1;
        if (!rl && m > 2 && b[m - 1] == b[m - 2] && (lex_flags(b, m - 1) & LX_VERB))
            return 1;
    }
    return 0;
}

/* Is token t a capitalised function word ("The", "He", "But")? Those
 * start sentences after an abbreviation that may end one ("U.S."). */
static int cap_stopword(const char *s, const nlp_token_t *t)
{
    if (!(t->flags & NLP_CAP) || t->end - t->start > 15)
        return 0;
    char low[16];
    size_t n = t->end - t->start;
    for (size_t k = 0; k < n; k++) {
        char c = s[t->start + k];
        low[k] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    return nlp_is_stopword(low, n);
}

/* Decide whether a sentence ends after token k; *resume is the first
 * token of the next sentence. */
static int ends_after(const char *s, const nlp_token_t *t, size_t n, size_t k,
                      size_t *resume)
{
    size_t j = k + 1;
    if (is_terminal(s, &t[k])) {
        while (j < n && (is_closer(s, &t[j]) || is_terminal(s, &t[j])) &&
               !(t[j].flags & NLP_LINE_BEFORE))
            j++;
        *resume = j;
        if (j >= n || (t[j].flags & NLP_LINE_BEFORE))
            return 1;
        const nlp_token_t *nx = &t[j];
        if (nx->flags & NLP_LOWER)
            return 0;
        int ellipsis = !tok_is(s, &t[k], ".") && !tok_is(s, &t[k], "!") &&
                       !tok_is(s, &t[k], "?");
        if (ellipsis && !(nx->flags & NLP_CAP))
            return 0;
        /* "?" or "!" inside a quotation followed by a lower-case verb has
         * been handled; anything capitalised, a number or an opening mark
         * starts a new sentence. */
        return (nx->flags & NLP_CAP) || nx->kind == NLP_NUMBER ||
               is_opener(s, nx) || nx->kind == NLP_SYMBOL ||
               !(nx->flags & NLP_LOWER);
    }
    if ((t[k].flags & NLP_ABBR) && j < n && !(t[j].flags & NLP_LINE_BEFORE)) {
        size_t wl = t[k].end - t[k].start - 1;
        uint32_t lf = lex_flags(s + t[k].start, wl);
        int initial = wl == 1;
        *resume = j;
        if (initial || (lf & LX_ABBR_NOEND))
            return 0;
        return cap_stopword(s, &t[j]);
    }
    *resume = j;
    return j >= n || (t[j].flags & NLP_LINE_BEFORE);
}

static int split_sentences(nlp_doc_t *d)
{
    size_t cap = 16;
    d->sent = malloc(cap * sizeof *d->sent);
    if (!d->sent)
        return -1;
    size_t first = 0;
    for (size_t k = 0; k < d->ntok;) {
        size_t resume;
        if (ends_after(d->text, d->tok, d->ntok, k, &resume)) {
            nlp_sentence_t *g = array_grow(d->sent, &cap, d->nsent + 1,
                                           sizeof *g, 16);
            if (!g)
                return -1;
            d->sent = g;
            nlp_sentence_t *st = &d->sent[d->nsent];
            st->first = (uint32_t)first;
            st->last = (uint32_t)resume;
            st->start = d->tok[first].start;
            st->end = d->tok[resume - 1].end;
            for (size_t m = first; m < resume; m++)
                d->tok[m].sent = (uint32_t)d->nsent;
            d->nsent++;
            first = resume;
        }
        k = resume;
    }
    /* Mark the first word of each sentence and of each quotation that
     * opens with a capital: both are capitalised whatever they are. */
    for (size_t si = 0; si < d->nsent; si++) {
        for (size_t m = d->sent[si].first; m < d->sent[si].last; m++) {
            if (d->tok[m].kind == NLP_WORD || d->tok[m].kind == NLP_NUMBER) {
                d->tok[m].flags |= NLP_SENT_START;
                break;
            }
        }
    }
    for (size_t m = 1; m < d->ntok; m++)
        if (is_opener(d->text, &d->tok[m - 1]) && (d->tok[m].flags & NLP_CAP) &&
            !tok_is(d->text, &d->tok[m - 1], "("))
            d->tok[m].flags |= NLP_SENT_START;
    /* A dateline's dash starts the story: "OSLO (Reuters) - The ...". */
    for (size_t m = 0; m < d->ntok; m++) {
        if (!(m == 0 || (d->tok[m].flags & NLP_LINE_BEFORE)) ||
            !(d->tok[m].flags & NLP_ALLCAPS))
            continue;
        for (size_t k = m + 1; k + 1 < d->ntok && k < m + 12; k++) {
            if (d->tok[k].flags & NLP_LINE_BEFORE)
                break;
            if (tok_is(d->text, &d->tok[k], "-") || tok_is(d->text, &d->tok[k], "\xE2\x80\x93") ||
                tok_is(d->text, &d->tok[k], "\xE2\x80\x94")) {
                if (d->tok[k + 1].kind == NLP_WORD && (d->tok[k + 1].flags & NLP_CAP))
                    d->tok[k + 1].flags |= NLP_SENT_START;
                break;
            }
        }
    }
    return 0;
}

int nlp_doc_parse(nlp_doc_t *d, const char *text, size_t len)
{
    memset(d, 0, sizeof *d);
    d->text = text;
    d->len = len;
    struct tokbuf b = {0};
    if (len > UINT32_MAX - 8) /* offsets are 32-bit */
        return -EFBIG;
    if (tokenize(&b, text, len) < 0) {
        free(b.t);
        return -ENOMEM;
    }
    d->tok = b.t;
    d->ntok = b.n;
    for (size_t k = 0; k < b.n; k++)
        d->words += (b.t[k].kind == NLP_WORD && !(b.t[k].flags & NLP_POSS)) ||
                    b.t[k].kind == NLP_NUMBER;
    if (split_sentences(d) < 0) {
        nlp_doc_free(d);
        return -ENOMEM;
    }
    return 0;
}

void nlp_doc_free(nlp_doc_t *d)
{
    free(d->tok);
    free(d->sent);
    memset(d, 0, sizeof *d);
}

size_t nlp_bounded_len(const char *text, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t cut = max;
    while (cut > max / 2 && text[cut] != '\n')
        cut--;
    if (cut <= max / 2) {
        cut = max;
        while (cut > max / 2 && text[cut] != ' ')
            cut--;
    }
    if (cut <= max / 2)
        cut = max;
    while (cut && ((unsigned char)text[cut] & 0xC0) == 0x80)
        cut--;
    return cut;
}
