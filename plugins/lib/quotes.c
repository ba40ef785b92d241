/* Direct quotations and who said them: quotation marks pair up (curly
 * marks by shape, straight ones by alternation), and the speaker is the
 * person mention next to a speech verb just before or after the quote. */
#include <stdlib.h>

#include "ner_int.h"

/* Quotations shorter than this many words are scare quotes or titles,
 * unless they read as a sentence of their own (a capital, then a full
 * stop or comma before the closing mark): "Now we rest." */
#define MIN_WORDS 4
/* How far from the quote the speaker and verb are looked for, in tokens. */
#define WINDOW 8

static int speech_verb(const nlp_doc_t *d, size_t k)
{
    static const char *const v[] = {
        "said", "says", "told", "added", "asked", "explained", "insisted",
        "warned", "noted", "argued", "stated", "declared", "wrote", "replied",
        "according", "tweeted", "recalled", "admitted", "acknowledged",
        "continued", "cautioned", "stressed", "urged", "announced", "say", "tells",
        "called", "describing", "described"};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        if (tk_ieq(d, k, v[i]))
            return 1;
    return 0;
}

static int pronoun(const nlp_doc_t *d, size_t k)
{
    return tk_ieq(d, k, "he") || tk_ieq(d, k, "she");
}

static int open_mark(const nlp_doc_t *d, size_t k, int *straight)
{
    *straight = tk_eq(d, k, "\"");
    return *straight || tk_eq(d, k, "\xE2\x80\x9C") || tk_eq(d, k, "\xC2\xAB");
}

static int close_mark(const nlp_doc_t *d, size_t k, int straight)
{
    return straight ? tk_eq(d, k, "\"")
                    : tk_eq(d, k, "\xE2\x80\x9D") || tk_eq(d, k, "\xC2\xBB");
}

/* The PERSON entity of a mention covering token k, or -1. */
static int person_at(const nlp_entities_t *e, size_t k)
{
    for (size_t i = 0; i < e->nmen; i++)
        if (e->men[i].first <= k && k < e->men[i].last &&
            e->ent[e->men[i].entity].type == NLP_PERSON)
            return (int)e->men[i].entity;
    return -1;
}

/* The last PERSON mentioned before token k. */
static int last_person_before(const nlp_entities_t *e, size_t k)
{
    int who = -1;
    for (size_t i = 0; i < e->nmen && e->men[i].last <= k; i++)
        if (e->ent[e->men[i].entity].type == NLP_PERSON)
            who = (int)e->men[i].entity;
    return who;
}

static int find_speaker(const nlp_doc_t *d, const nlp_entities_t *e, size_t open,
                        size_t close)
{
    /* After: "...," Lindqvist said. / "...," said Lindqvist. / "...," he said. */
    int verb = 0, who = -1;
    size_t lim = close + 1 + WINDOW < d->ntok ? close + 1 + WINDOW : d->ntok;
    for (size_t k = close + 1; k < lim; k++) {
        int st;
        if (open_mark(d, k, &st) || tk_eq(d, k, ".") || tk_eq(d, k, "!") || tk_eq(d, k, "?"))
            break;
        verb |= speech_verb(d, k);
        if (who < 0) {
            who = person_at(e, k);
            if (who < 0 && pronoun(d, k))
                who = last_person_before(e, open);
        }
        if (verb && who >= 0)
            return who;
    }
    /* Before: Lindqvist said: "..." / According to Lindqvist, "..." */
    verb = 0, who = -1;
    size_t from = open > WINDOW ? open - WINDOW : 0;
    for (size_t k = open; k-- > from;) {
        if (tk_eq(d, k, ".") || tk_eq(d, k, "!") || tk_eq(d, k, "?") ||
            close_mark(d, k, 0) || close_mark(d, k, 1))
            break;
        verb |= speech_verb(d, k);
        if (who < 0) {
            who = person_at(e, k);
            if (who < 0 && pronoun(d, k))
                who = last_person_before(e, k);
        }
        if (verb && who >= 0)
            return who;
    }
    return -1;
}

static int same_paragraph(const nlp_doc_t *d, size_t a, size_t b)
{
    for (size_t k = a + 1; k <= b && k < d->ntok; k++)
        if (d->tok[k].flags & NLP_LINE_BEFORE)
            return 0;
    return 1;
}

int nlp_quotes_find(const nlp_doc_t *d, const nlp_entities_t *e,
                    nlp_quote_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0, prev_close = 0;
    for (size_t k = 0; k < d->ntok; k++) {
        int straight;
        if (!open_mark(d, k, &straight))
            continue;
        size_t c = k + 1, words = 0;
        while (c < d->ntok && !close_mark(d, c, straight)) {
            int st;
            /* A new opening curly mark or a paragraph break means this
             * one was never closed. */
            if ((!straight && open_mark(d, c, &st) && !st) ||
                (d->tok[c].flags & NLP_LINE_BEFORE))
                break;
            words += d->tok[c].kind == NLP_WORD || d->tok[c].kind == NLP_NUMBER;
            c++;
        }
        if (c >= d->ntok || !close_mark(d, c, straight)) {
            continue;
        }
        int sentence = words >= 2 && (d->tok[k + 1].flags & NLP_CAP) &&
                       (tk_eq(d, c - 1, ".") || tk_eq(d, c - 1, ",") ||
                        tk_eq(d, c - 1, "!") || tk_eq(d, c - 1, "?"));
        if (words >= MIN_WORDS || sentence) {
            if (*n == cap) {
                cap = cap ? cap * 2 : 8;
                nlp_quote_t *g = realloc(*out, cap * sizeof *g);
                if (!g) {
                    free(*out);
                    *out = NULL, *n = 0;
                    return -1;
                }
                *out = g;
            }
            nlp_quote_t *q = &(*out)[(*n)++];
            size_t last = c - 1;
            /* The comma before the closing mark is the sentence's, not
             * the speaker's words. */
            if (last > k + 1 && tk_eq(d, last, ","))
                last--;
            q->start = d->tok[k + 1].start;
            q->end = d->tok[last].end;
            q->speaker = find_speaker(d, e, k, c);
            /* A quotation that runs on after its attribution ("...," X
             * said. "...") in the same paragraph is the same speaker's. */
            if (q->speaker < 0 && *n > 1 && same_paragraph(d, prev_close, k))
                q->speaker = (*out)[*n - 2].speaker;
            prev_close = c;
        }
        k = c;
    }
    return 0;
}
