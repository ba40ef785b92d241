/* nlpstep.h: what the extraction steps share on the SDK side: which
 * documents the steps with English rules (entities, keywords, quotes) work
 * on and how much of their text, the date relative dates are read
 * against, and the document's one analysis (tokens, sentences, entities),
 * attached to it by whichever step needs it first.
 *
 * Header-only on purpose: it calls the SDK, whose host table is private to
 * each plugin object, so libnewsdesk-nlp itself cannot. Written once here,
 * compiled into each step. */
#ifndef NLP_NLPSTEP_H
#define NLP_NLPSTEP_H

#include <errno.h>
#include <newsdesk/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlp.h"

/* How much text every extraction step analyses at most, one option with
 * one default for all of them. The steps hold about 25 bytes per byte
 * analysed while they run (tokens, candidate spans, the entity list), so
 * 128 KiB costs a few MB per document in flight; a news article, even a
 * long read, is well under it. */
#define MAX_TEXT_OPTION                                                      \
    {"max_text", ND_OPT_SIZE, "128KiB", ND_OPT_RANGE, 1024, 1073741824.0,    \
     NULL, "only this much of the text, from its start, is analysed (cut "   \
     "at a line break), so huge documents stay cheap"}

/* The two options every gated step declares; `note` (a string literal,
 * may be "") goes into the description of `languages`. */
#define LANGGATE_OPTIONS(note)                                               \
    {"languages", ND_OPT_STRLIST, "en", 0, 0, 0, NULL,                       \
     "ISO 639-1 codes of the documents to work on (" note "others are "      \
     "skipped; documents of unknown or uncertain language are processed)"},  \
    MAX_TEXT_OPTION

/* Below this confidence the language step's answer does not exclude a
 * document: a short text's language is a guess. */
#define LANGGATE_SURE 0.7

struct langgate {
    const char *const *codes; /* borrowed from the options until fini */
    size_t n;
    size_t max_text;
};

static inline void langgate_read(struct langgate *g, const nd_opts_t *opts)
{
    g->n = nd_opt_list(opts, "languages", &g->codes);
    g->max_text = (size_t)nd_opt_int(opts, "max_text");
}

/* Nonzero unless the language step is sure the document is in a language
 * not listed. */
static inline int langgate_wanted(const struct langgate *g, const nd_doc_t *doc)
{
    const nd_val_t *lang = nd_doc_get(doc, "language");
    const char *code = nd_val_as_str(nd_val_get(lang, "code"), NULL);
    if (!code || !strcmp(code, "und") ||
        nd_val_as_num(nd_val_get(lang, "confidence")) < LANGGATE_SURE)
        return 1;
    for (size_t i = 0; i < g->n; i++)
        if (!strcmp(g->codes[i], code))
            return 1;
    return 0;
}

/* The text a gated step analyses: NULL when the step skips the document
 * (its language is not wanted, or it has no text); else its text, with
 * *len cut to the first max_text bytes (at a line break) and *full the
 * whole length. Borrowed from the document. */
static inline const char *langgate_text(const struct langgate *g,
                                        const nd_doc_t *doc, size_t *len,
                                        size_t *full)
{
    if (!langgate_wanted(g, doc))
        return NULL;
    const char *text = nd_doc_text(doc, full);
    if (text)
        *len = nlp_bounded_len(text, *full, g->max_text);
    return text;
}

/* init/fini for a step whose whole state is its gate. */
static inline int langgate_init(nd_instance_t *self, const nd_opts_t *opts,
                                void **state, char *err, size_t errlen)
{
    (void)self;
    struct langgate *g = malloc(sizeof *g);
    if (!g) {
        free(g);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    langgate_read(g, opts);
    *state = g;
    return 0;
}

static inline void langgate_fini(void *state) { free(state); }

/* The document's date in seconds since the epoch: its "published" field
 * when that is an ISO 8601 date, else when it was received. */
static inline int64_t nlpstep_doc_date(const nd_doc_t *doc)
{
    int64_t t;
    const char *pub = nd_doc_get_str(doc, "published");
    if (pub && nlp_parse_iso_date(pub, &t) == 0)
        return t;
    return nd_doc_received(doc);
}

/* The analysis a step works on: text[0..len) (the document's text, cut to
 * the step's max_text) in tokens and sentences, and with ents != NULL its
 * entities (relative dates read against the document's date) in *ents.
 * The one an earlier step attached to the document when it covers the
 * same text and date; else a new one, attached for the steps after (so a
 * step alone, or first, computes it, and the rest reuse it). Borrowed
 * until nlpstep_analysis_done. NULL when out of memory. */
static inline nlp_analysis_t *nlpstep_analysis(nd_doc_t *doc, const char *text,
                                               size_t len,
                                               const nlp_entities_t **ents)
{
    int64_t now = ents ? nlpstep_doc_date(doc) : 0;
    nlp_analysis_t *a = nd_doc_attached(doc, NLP_ANALYSIS_NAME, NLP_ANALYSIS_TYPE);
    if (a && nlp_analysis_doc(a)->len == len) {
        int rc = ents ? nlp_analysis_entities(a, now, ents) : 0;
        if (rc == 0)
            return a;
        if (rc != -ESTALE)
            return NULL;
    }
    if (nlp_analysis_new(&a, text, len) < 0)
        return NULL;
    if (ents && nlp_analysis_entities(a, now, ents) < 0) {
        nlp_analysis_free(a);
        return NULL;
    }
    /* On a host older than ABI 1.3 (or out of memory) it stays the
     * step's own, for nlpstep_analysis_done to free. */
    nd_doc_attach(doc, NLP_ANALYSIS_NAME, NLP_ANALYSIS_TYPE, a, nlp_analysis_free);
    return a;
}

/* The step has finished with the analysis: free it unless the document
 * keeps it. */
static inline void nlpstep_analysis_done(nd_doc_t *doc, nlp_analysis_t *a)
{
    if (a != nd_doc_attached(doc, NLP_ANALYSIS_NAME, NLP_ANALYSIS_TYPE))
        nlp_analysis_free(a);
}

#endif
