/* Shared between the parts of the entity recogniser; private.
 *
 *   values.c      dates, times, money, percentages and quantities
 *   ner_words.c   what a token or a span is: its lexicon flags and word
 *                 classes (looked up once per document), common words,
 *                 the shapes of names
 *   ner_runs.c    mentions: runs of capitalised words, typed by rules
 *   ner_cues.c    the words around a mention that say what it is
 *   ner_passes.c  the passes over the document's mentions that settle
 *                 types and short forms, and the entities they make
 *   ner.c         nlp_entities_find: values, names, passes, entities
 */
#ifndef NEWSDESK_NLP_NER_INT_H
#define NEWSDESK_NLP_NER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "lexicon.h"
#include "nlp.h"

struct ner_ctx {
    const nlp_doc_t *d;
    const uint32_t *lx;   /* lexicon flags of each token (struct ner_doc) */
    int year, month, day; /* the document's date */
    int64_t days;         /* the same, days since 1970-01-01 */
};

/* Token k of d, which is anything with the fields text, tok and ntok: an
 * nlp_doc_t or a struct ner_doc. */
#define tk_s(d, k) ((d)->text + (d)->tok[k].start)
#define tk_n(d, k) ((size_t)((d)->tok[k].end - (d)->tok[k].start))
/* Token k equals lit exactly / ASCII case-insensitively (false past the
 * last token). Inline, so that the literal's length is a constant. */
#define tk_eq(d, k, lit) tok_eq((d)->text, (d)->tok, (d)->ntok, (k), (lit))
#define tk_ieq(d, k, lit) tok_ieq((d)->text, (d)->tok, (d)->ntok, (k), (lit))

static inline int tok_eq(const char *text, const nlp_token_t *tok, size_t ntok, size_t k,
                         const char *lit)
{
    size_t n = strlen(lit);
    return k < ntok && tok[k].end - tok[k].start == n && !memcmp(text + tok[k].start, lit, n);
}

/* ASCII's case, as strncasecmp's in the C locale (newsdesk never changes
 * it), without a call: the recogniser asks this thousands of times per
 * article, mostly of tokens that differ in their first byte. */
static inline int tok_ieq(const char *text, const nlp_token_t *tok, size_t ntok, size_t k,
                          const char *lit)
{
    size_t n = strlen(lit);
    if (k >= ntok || tok[k].end - tok[k].start != n)
        return 0;
    const unsigned char *s = (const unsigned char *)text + tok[k].start;
    for (size_t i = 0; i < n; i++) {
        unsigned char a = s[i], b = (unsigned char)lit[i];
        if ((a >= 'A' && a <= 'Z' ? a + 32 : a) != (b >= 'A' && b <= 'Z' ? b + 32 : b))
            return 0;
    }
    return 1;
}

/* If a DATE, TIME, MONEY, PERCENT or QUANTITY starts at token k, return
 * its type and set *end (one past its last token) and *v; else -1. */
int value_at(const struct ner_ctx *c, size_t k, size_t *end, nlp_value_t *v);

int64_t days_from_civil(int y, int m, int d);
void civil_from_days(int64_t z, int *y, int *m, int *d);

/* ---- names ------------------------------------------------------------------ */

#define UNKNOWN (-1) /* a name of no type yet */
#define NAME_FLAGS (LX_LOC | LX_COUNTRY | LX_PERSON | LX_ORG | LX_NORP | LX_HAND)
#define MAX_GAZ 6 /* longest gazetteer name, in tokens */
#define LOWER_MAX 64 /* longest token looked up lower-cased, in bytes */

/* The document as the recogniser reads it: its tokens, and what the
 * lexicon says of each, looked up once (ner_doc_init) instead of at every
 * rule that asks. */
struct ner_doc {
    const char *text;
    const nlp_token_t *tok;
    size_t ntok;
    uint32_t *lx;  /* lexicon flags (LX_*) of each token as written */
    uint32_t *tf;  /* the same, and for a word in capitals the lexicon
                      lacks, the place flags of it capitalised
                      ("WASHINGTON (Reuters) -") */
    uint32_t *lw;  /* word classes (LW_*) of each token as written */
    uint32_t *low; /* lexicon flags of each token lower-cased (0 when it
                      has LOWER_MAX bytes or more) */
    /* Whether each token, lower-cased, is an English word allowing for
     * inflection (common_word): 0 not asked yet, 1 no, 2 yes. Filled on
     * first use, through the const struct the rules get. */
    uint8_t *common;
};

/* Returns 0 or -ENOMEM. d must outlive n. */
int ner_doc_init(struct ner_doc *n, const nlp_doc_t *d);
void ner_doc_free(struct ner_doc *n);

/* A mention of a name or a value: tokens [first, last). */
struct cand {
    uint32_t first, last;
    int type;      /* enum nlp_etype or UNKNOWN */
    int weak;      /* typed by a guess that the document may overrule */
    int country;   /* a country name: never taken for a surname */
    nlp_value_t value;
};

/* The mentions found in a document, in the order found. */
struct mentions {
    const struct ner_doc *d;
    struct cand *c;
    size_t n, cap;
    uint32_t *dropped; /* sentence-initial words left out of names */
    size_t ndropped, capdropped;
    int oom;
};

/* Add the mention [first, last) (nothing when empty); sets m->oom when
 * out of memory. */
void mention_add(struct mentions *m, size_t first, size_t last, int type, int weak);

/* ner_words.c */
uint32_t span_flags(const struct ner_doc *d, size_t a, size_t b);
int gaz_type(uint32_t f, size_t len);
int common_token(const struct ner_doc *d, size_t k);
int plain_word(const struct ner_doc *d, size_t k);
int plain_start(const struct ner_doc *d, size_t k);
int namelike(const struct ner_doc *d, const uint8_t *used, size_t k);
size_t run_end(const struct ner_doc *d, const uint8_t *used, size_t k);
int person_like(const struct ner_doc *d, size_t a, size_t b);
int looks_like_name(const struct ner_doc *d, size_t a, size_t b);
int after_title(const struct ner_doc *d, size_t a, size_t b);
int all_plain(const struct ner_doc *d, size_t a, size_t b);
int team_tail(const struct ner_doc *d, size_t a, size_t b);
int event_name(const struct ner_doc *d, size_t s, size_t e);
int nationality_compound(const struct ner_doc *d, size_t k);
int hyphenated_place(const struct ner_doc *d, size_t k);
int places_joined(const struct ner_doc *d, size_t k);

/* ner_cues.c */
int said_word(const struct ner_doc *d, size_t k);
int place_of(const struct ner_doc *d, size_t p);
int org_noun(const struct ner_doc *d, size_t k);
int org_cue(const struct ner_doc *d, size_t p);
int org_owner(const struct ner_doc *d, size_t e);
int match_cue(const struct ner_doc *d, size_t p, size_t e);
int sports_report(const struct ner_doc *d);
int defined_type(const struct ner_doc *d, size_t e);
int acronym_of(const struct ner_doc *d, size_t k, size_t a, size_t b);
int military_number(const struct ner_doc *d, size_t k);

/* ner_runs.c: the names of the document, around the values already in
 * m (whose tokens `used` marks; it marks the names' too). */
void find_names(struct mentions *m, uint8_t *used);

/* ner_passes.c: settle the types and short forms of m's mentions
 * (sorted by position) and gather them into out's entities and
 * mentions. Returns 0 or -ENOMEM. */
int resolve(struct mentions *m, nlp_entities_t *out);

#endif
