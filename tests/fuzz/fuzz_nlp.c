/* libFuzzer harness for libnewsdesk-nlp: arbitrary bytes as a document's
 * text through the tokenizer and sentence splitter, the entity finder
 * (with its values and aliases), quotation finding and language
 * identification. The host hands these steps cleaned UTF-8, but the
 * library must not crash or leak on any bytes. */
#include <stdint.h>
#include <stdlib.h>

#include "nlp/nlp.h"

/* 2026-11-28T00:00:00Z: relative dates need a document date. */
#define DOC_DATE 1795824000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    nlp_doc_t d;
    if (nlp_doc_parse(&d, text, size) < 0)
        return 0;
    nlp_entities_t e;
    if (nlp_entities_find(&d, DOC_DATE, &e) == 0) {
        nlp_quote_t *q;
        size_t n;
        if (nlp_quotes_find(&d, &e, &q, &n) == 0)
            free(q);
        nlp_entities_free(&e);
    }
    nlp_doc_free(&d);
    char code[8], err[256];
    double confidence;
    nlp_langid(text, size, 4096, code, &confidence, err, sizeof err);
    return 0;
}
