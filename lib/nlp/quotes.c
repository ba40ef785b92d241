/* Direct quotations and who said them: quotation marks pair up (curly
 * marks by shape, straight ones by alternation), and the speaker is the
 * person mention next to a speech verb just before or after the quote. */
#include <errno.h>
#include <stdlib.h>

#include "base/grow.h"
#include "ner_int.h"

/* Quotations shorter than this many words are scare quotes or titles,
 * unless they read as a sentence of their own (a capital, then a full
 * stop or comma before the closing mark): "Now we rest." */
#define MIN_WORDS 4
/* How far from the quote the speaker and verb are looked for, in tokens. */
#define WINDOW 8
/* ... and how far back a reported-speech verb is, within the sentence. */
#define REPORTED 30

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

/* Quotation marks: kind 0 is “…” or «…», kind 1 straight "…", kind 2
 * single ‘…’ (British style; a ‘ opens only after a space, as the closing
 * ’ is also an apostrophe). */
static int open_mark(const nlp_doc_t *d, size_t k, int *kind)
{
    if (tk_eq(d, k, "\""))
        return *kind = 1, 1;
    if (tk_eq(d, k, "\xE2\x80\x9C") || tk_eq(d, k, "\xC2\xAB"))
        return *kind = 0, 1;
    if (tk_eq(d, k, "\xE2\x80\x98") &&
        (k == 0 || (d->tok[k].flags & (NLP_SPACE_BEFORE | NLP_LINE_BEFORE))))
        return *kind = 2, 1;
    return 0;
}

static int close_mark(const nlp_doc_t *d, size_t k, int kind)
{
    if (kind == 1)
        return tk_eq(d, k, "\"");
    if (kind == 2)
        return tk_eq(d, k, "\xE2\x80\x99");
    return tk_eq(d, k, "\xE2\x80\x9D") || tk_eq(d, k, "\xC2\xBB");
}

/* Per token: the PERSON entity whose mention covers it (`at`) and the
 * last PERSON mentioned before it (`before`), -1 for none; built once so
 * that every look-up is O(1). */
struct people {
    int *at, *before;
};

static int people_index(const nlp_doc_t *d, const nlp_entities_t *e, struct people *p)
{
    size_t n = d->ntok ? d->ntok : 1;
    p->at = malloc(n * sizeof *p->at);
    p->before = malloc(n * sizeof *p->before);
    if (!p->at || !p->before) {
        free(p->at), free(p->before);
        return -1;
    }
    for (size_t k = 0; k < d->ntok; k++)
        p->at[k] = -1;
    for (size_t m = 0; m < e->nmen; m++)
        if (e->ent[e->men[m].entity].type == NLP_PERSON)
            for (size_t k = e->men[m].first; k < e->men[m].last; k++)
                p->at[k] = (int)e->men[m].entity;
    /* before[k]: the person of the last mention ending at or before k. */
    int last = -1;
    size_t m = 0;
    for (size_t k = 0; k < d->ntok; k++) {
        for (; m < e->nmen && e->men[m].last <= k; m++)
            if (e->ent[e->men[m].entity].type == NLP_PERSON)
                last = (int)e->men[m].entity;
        p->before[k] = last;
    }
    return 0;
}

static int find_speaker(const nlp_doc_t *d, const struct people *pp, size_t open,
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
            who = pp->at[k];
            if (who < 0 && pronoun(d, k))
                who = pp->before[open];
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
            who = pp->at[k];
            if (who < 0 && pronoun(d, k))
                who = pp->before[k];
        }
        if (verb && who >= 0)
            return who;
    }
    /* Reported speech, further back in the same sentence: the subject of
     * the speech verb ("Huang told analysts on a call that the company
     * would "..."). */
    size_t first = d->sent[d->tok[open].sent].first;
    from = open > REPORTED ? open - REPORTED : 0;
    if (from < first)
        from = first;
    verb = 0;
    for (size_t k = open; k-- > from;) {
        if (close_mark(d, k, 0) || close_mark(d, k, 1))
            break;
        if (!verb) {
            verb = speech_verb(d, k);
            continue;
        }
        if (pp->at[k] >= 0)
            return pp->at[k];
        if (pronoun(d, k))
            return pp->before[k];
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
    struct people pp;
    if (people_index(d, e, &pp) < 0)
        return -ENOMEM;
    size_t cap = 0, prev_close = 0;
    for (size_t k = 0; k < d->ntok; k++) {
        int kind;
        if (!open_mark(d, k, &kind))
            continue;
        size_t c = k + 1, words = 0;
        while (c < d->ntok && !close_mark(d, c, kind)) {
            int st;
            /* A new opening mark of the same curly kind or a paragraph
             * break means this one was never closed. */
            if ((kind != 1 && open_mark(d, c, &st) && st == kind) ||
                (d->tok[c].flags & NLP_LINE_BEFORE))
                break;
            words += d->tok[c].kind == NLP_WORD || d->tok[c].kind == NLP_NUMBER;
            c++;
        }
        if (c >= d->ntok || !close_mark(d, c, kind)) {
            continue;
        }
        int sentence = words >= 2 && (d->tok[k + 1].flags & NLP_CAP) &&
                       (tk_eq(d, c - 1, ".") || tk_eq(d, c - 1, ",") ||
                        tk_eq(d, c - 1, "!") || tk_eq(d, c - 1, "?"));
        if (words >= MIN_WORDS || sentence) {
            nlp_quote_t *g = array_grow(*out, &cap, *n + 1, sizeof *g, 8);
            if (!g) {
                free(*out);
                free(pp.at), free(pp.before);
                *out = NULL, *n = 0;
                return -ENOMEM;
            }
            *out = g;
            nlp_quote_t *q = &(*out)[(*n)++];
            size_t last = c - 1;
            /* The comma before the closing mark is the sentence's, not
             * the speaker's words. */
            if (last > k + 1 && tk_eq(d, last, ","))
                last--;
            q->start = d->tok[k + 1].start;
            q->end = d->tok[last].end;
            q->speaker = find_speaker(d, &pp, k, c);
            /* A quotation that runs on after its attribution ("...," X
             * said. "...") in the same paragraph is the same speaker's. */
            if (q->speaker < 0 && *n > 1 && same_paragraph(d, prev_close, k))
                q->speaker = (*out)[*n - 2].speaker;
            prev_close = c;
        }
        k = c;
    }
    free(pp.at), free(pp.before);
    return 0;
}
