/* quotes: direct quotations with their speaker, the fullest form of the
 * person entity that said them ("Lindqvist said" -> "Anna Lindqvist"). */
#include <newsdesk/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlp/nlp.h"
#include "nlp/nlpstep.h"

/* Rules and word lists are English: documents that the language step
 * found to be in a language not listed are skipped. */
static const nd_option_t options[] = {
    LANGGATE_OPTIONS(""),
    {0},
};


static nd_status_t quotes_process(void *state, nd_doc_t *doc)
{
    size_t len, full;
    const char *text = langgate_text(state, doc, &len, &full);
    if (!text)
        return ND_SKIP;
    const nlp_entities_t *ents;
    nlp_quote_t *q = NULL;
    size_t nq = 0;
    /* The entities step's analysis when it ran (else the same recogniser
     * run here), so speakers match the PERSON entities exactly. */
    nlp_analysis_t *a = nlpstep_analysis(doc, text, len, &ents);
    if (!a)
        goto oom;
    int failed = nlp_quotes_find(nlp_analysis_doc(a), ents, &q, &nq) < 0;
    nd_val_t *list = failed ? NULL : nd_val_list();
    failed |= !list;
    for (size_t i = 0; i < nq && !failed; i++) {
        nd_val_t *o = nd_val_obj();
        failed = !o ||
                 nd_val_put(o, "text", nd_val_strn(text + q[i].start, q[i].end - q[i].start)) < 0 ||
                 nd_val_put(o, "speaker", q[i].speaker >= 0
                                              ? nd_val_str(ents->ent[q[i].speaker].text)
                                              : nd_val_null()) < 0 ||
                 nd_val_push(list, o) < 0;
    }
    free(q);
    nlpstep_analysis_done(doc, a);
    if (failed) {
        if (list)
            nd_val_free(list);
        goto oom;
    }
    if (nd_doc_set(doc, "quotes", list) < 0)
        goto oom;
    return ND_OK;
oom:
    nd_doc_error(doc, "out of memory");
    return ND_FAIL;
}

static const nd_plugin_t quotes_plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "quotes",
    .version = "1.0.0",
    .description = "direct quotations with their speakers",
    .role = ND_ROLE_PROCESSOR,
    .options = options,
    .init = langgate_init,
    .fini = langgate_fini,
    .process = quotes_process,
};

ND_PLUGIN(quotes_plugin)
