/* libFuzzer harness for libnewsdesk-nlp: arbitrary bytes as a document's
 * text through the analysis the extraction steps share (the tokenizer and
 * sentence splitter, the entity finder with its values and aliases),
 * quotation finding and language identification. The host hands these
 * steps cleaned UTF-8, but the library must not crash or leak on any
 * bytes. */
#include <stdint.h>
#include <stdlib.h>

#include "nlp/nlp.h"

/* 2026-11-28T00:00:00Z: relative dates need a document date. */
#define DOC_DATE 1795824000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    nlp_analysis_t *a;
    if (nlp_analysis_new(&a, text, size) < 0)
        return 0;
    const nlp_entities_t *e;
    if (nlp_analysis_entities(a, DOC_DATE, &e) == 0) {
        nlp_quote_t *q;
        size_t n;
        if (nlp_quotes_find(nlp_analysis_doc(a), e, &q, &n) == 0)
            free(q);
    }
    nlp_analysis_free(a);
    char code[8], err[256];
    double confidence;
    nlp_langid(text, size, 4096, code, &confidence, err, sizeof err);
    return 0;
}
