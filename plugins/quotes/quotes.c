/* quotes: direct quotations with their speaker, the fullest form of the
 * person entity that said them ("Lindqvist said" -> "Anna Lindqvist"). */
#include <newsdesk/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlp.h"

/* Rules and word lists are English: documents that the language step
 * found to be in a language not listed are skipped. */
static const nd_option_t options[] = {
    {"languages", ND_OPT_STRLIST, "en", 0, 0, 0, NULL,
     "ISO 639-1 codes of the documents to work on (others are skipped; "
     "documents of unknown or uncertain language are processed)"},
    {"max_text", ND_OPT_SIZE, "1MiB", ND_OPT_RANGE, 1024, 1073741824.0, NULL,
     "only this much of the text, from its start, is analysed (cut at a line "
     "break), so huge documents stay cheap"},
    {0},
};

/* Below this confidence the language step's answer does not exclude a
 * document. */
#define SURE_LANGUAGE 0.7

struct langs {
    const char *const *codes;
    size_t n;
    size_t max_text;
};

static int langs_init(nd_instance_t *self, const nd_opts_t *opts, void **state,
                      char *err, size_t errlen)
{
    (void)self;
    struct langs *l = malloc(sizeof *l);
    if (!l || nlp_prepare() < 0) {
        free(l);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    l->n = nd_opt_list(opts, "languages", &l->codes);
    l->max_text = (size_t)nd_opt_int(opts, "max_text");
    *state = l;
    return 0;
}

static int wanted(const struct langs *l, const nd_doc_t *doc)
{
    const nd_val_t *lang = nd_doc_get(doc, "language");
    const char *code = nd_val_as_str(nd_val_get(lang, "code"), NULL);
    /* A short text's language is a guess: work on it unless the guess is
     * a confident one. */
    if (!code || !strcmp(code, "und") ||
        nd_val_as_num(nd_val_get(lang, "confidence")) < SURE_LANGUAGE)
        return 1;
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->codes[i], code))
            return 1;
    return 0;
}

static void langs_fini(void *state) { free(state); }

static int64_t doc_date(const nd_doc_t *doc)
{
    int64_t t;
    const char *pub = nd_doc_get_str(doc, "published");
    if (pub && nlp_parse_iso_date(pub, &t) == 0)
        return t;
    return nd_doc_received(doc);
}

static nd_status_t quotes_process(void *state, nd_doc_t *doc)
{
    if (!wanted(state, doc))
        return ND_SKIP;
    size_t len;
    const char *text = nd_doc_text(doc, &len);
    if (!text)
        return ND_SKIP;
    const struct langs *l = state;
    len = nlp_bounded_len(text, len, l->max_text);
    nlp_doc_t d;
    nlp_entities_t ents;
    nlp_quote_t *q = NULL;
    size_t nq = 0;
    if (nlp_doc_parse(&d, text, len) < 0)
        goto oom;
    /* The same recogniser as the entities step, so speakers match the
     * PERSON entities exactly. */
    if (nlp_entities_find(&d, doc_date(doc), &ents) < 0) {
        nlp_doc_free(&d);
        goto oom;
    }
    int failed = nlp_quotes_find(&d, &ents, &q, &nq) < 0;
    nd_val_t *list = failed ? NULL : nd_val_list();
    failed |= !list;
    for (size_t i = 0; i < nq && !failed; i++) {
        nd_val_t *o = nd_val_obj();
        failed = !o ||
                 nd_val_put(o, "text", nd_val_strn(text + q[i].start, q[i].end - q[i].start)) < 0 ||
                 nd_val_put(o, "speaker", q[i].speaker >= 0
                                              ? nd_val_str(ents.ent[q[i].speaker].text)
                                              : nd_val_null()) < 0 ||
                 nd_val_push(list, o) < 0;
    }
    free(q);
    nlp_entities_free(&ents);
    nlp_doc_free(&d);
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
    .init = langs_init,
    .fini = langs_fini,
    .process = quotes_process,
};

ND_PLUGIN(quotes_plugin)
