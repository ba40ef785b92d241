/* entities: people, organisations, places, nationalities, dates, times,
 * money, percentages and quantities, one entry per distinct entity in its
 * fullest form with its mentions' code-point spans and, for values, a
 * normalised value (SPEC section 7). Relative dates are read against the
 * document's "published" date, else the time it was received. The
 * sentence count in "stats" is replaced by this step's splitter's. */
#include <newsdesk/plugin.h>
#include <math.h>
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


static nd_val_t *amount_val(double x)
{
    if (x == floor(x) && fabs(x) < 9e15)
        return nd_val_int((int64_t)x);
    return nd_val_num(x);
}

static nd_val_t *value_of(int type, const nlp_value_t *v)
{
    switch (v->kind) {
    case 1:
        return nd_val_str(v->iso);
    case 2:
        return nd_val_num(v->amount);
    case 3: {
        nd_val_t *o = nd_val_obj();
        if (!o)
            return NULL;
        nd_val_put(o, "amount", amount_val(v->amount));
        nd_val_put(o, type == NLP_MONEY ? "currency" : "unit", nd_val_str(v->unit));
        return o;
    }
    default:
        return NULL;
    }
}

/* Replace stats.sentences, keeping the reader's other figures. */
static int set_sentences(nd_doc_t *doc, size_t sentences)
{
    const nd_val_t *old = nd_doc_get(doc, "stats");
    nd_val_t *stats = nd_val_obj();
    if (!stats)
        return -1;
    const nd_val_t *item;
    const char *key;
    for (size_t i = 0; old && (key = nd_val_key_at(old, i, &item)); i++) {
        if (!strcmp(key, "sentences"))
            continue;
        nd_val_t *copy = nd_val_type(item) == ND_VAL_INT ? nd_val_int(nd_val_as_int(item))
                         : nd_val_type(item) == ND_VAL_NUM ? nd_val_num(nd_val_as_num(item))
                                                           : NULL;
        if (copy && nd_val_put(stats, key, copy) < 0)
            return -1;
    }
    if (nd_val_put(stats, "sentences", nd_val_int((int64_t)sentences)) < 0)
        return -1;
    return nd_doc_set(doc, "stats", stats);
}

static nd_status_t entities_process(void *state, nd_doc_t *doc)
{
    size_t len, full;
    const char *text = langgate_text(state, doc, &len, &full);
    if (!text)
        return ND_SKIP;
    if (len < full)
        nd_doc_log(doc, ND_LOG_INFO, "text of %zu bytes: only the first %zu are analysed "
                   "(max_text)", full, len);
    const nlp_entities_t *ents;
    nlp_analysis_t *a = nlpstep_analysis(doc, text, len, &ents);
    if (!a)
        goto oom;
    uint32_t (*spans)[2] = malloc((ents->nmen ? ents->nmen : 1) * sizeof *spans);
    int failed = !spans;
    for (size_t e = 0; e < ents->nent && !failed; e++) {
        const nlp_entity_t *en = &ents->ent[e];
        size_t ns = 0;
        for (size_t m = 0; m < ents->nmen; m++) {
            if (ents->men[m].entity != e)
                continue;
            spans[ns][0] = ents->men[m].cstart;
            spans[ns][1] = ents->men[m].cend;
            ns++;
        }
        nd_entity_t out = {
            .type = nlp_etype_name(en->type),
            .text = en->text,
            .count = en->count,
            .spans = (const uint32_t(*)[2])spans,
            .nspans = ns,
            .value = value_of(en->type, &en->value),
        };
        failed = nd_doc_add_entity(doc, &out) < 0;
    }
    size_t sentences = nlp_analysis_doc(a)->nsent;
    free(spans);
    nlpstep_analysis_done(doc, a);
    /* The sentence count is only this step's when it read all the text. */
    if (failed || (len == full && set_sentences(doc, sentences) < 0))
        goto oom;
    return ND_OK;
oom:
    nd_doc_error(doc, "out of memory");
    return ND_FAIL;
}

static const nd_plugin_t entities_plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "entities",
    .version = "1.0.0",
    .description = "named entities with normalised dates, money and percentages",
    .role = ND_ROLE_PROCESSOR,
    .options = options,
    .init = langgate_init,
    .fini = langgate_fini,
    .process = entities_process,
};

ND_PLUGIN(entities_plugin)
