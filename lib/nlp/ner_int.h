/* Shared between the parts of the entity recogniser; private. */
#ifndef NEWSDESK_NLP_NER_INT_H
#define NEWSDESK_NLP_NER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "nlp.h"

struct ner_ctx {
    const nlp_doc_t *d;
    int year, month, day; /* the document's date */
    int64_t days;         /* the same, days since 1970-01-01 */
};

static inline const char *tk_s(const nlp_doc_t *d, size_t k)
{
    return d->text + d->tok[k].start;
}
static inline size_t tk_n(const nlp_doc_t *d, size_t k)
{
    return d->tok[k].end - d->tok[k].start;
}

/* Token k equals lit, ASCII case-insensitively. */
int tk_ieq(const nlp_doc_t *d, size_t k, const char *lit);
/* Token k equals lit exactly. */
int tk_eq(const nlp_doc_t *d, size_t k, const char *lit);

/* If a DATE, TIME, MONEY, PERCENT or QUANTITY starts at token k, return
 * its type and set *end (one past its last token) and *v; else -1. */
int value_at(const struct ner_ctx *c, size_t k, size_t *end, nlp_value_t *v);

int64_t days_from_civil(int y, int m, int d);
void civil_from_days(int64_t z, int *y, int *m, int *d);

#endif
