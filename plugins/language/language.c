/* language: which language a document is written in, as an ISO 639-1
 * code and a confidence, from a bounded prefix of its text so long
 * articles cost no more than short ones (and a clear text is decided on
 * its first 512 bytes; see nlp_langid). */
#include <newsdesk/plugin.h>
#include <stdio.h>
#include <stdlib.h>

#include "nlp/nlp.h"

struct language {
    size_t prefix;
};

static const nd_option_t options[] = {
    {"prefix", ND_OPT_SIZE, "4KiB", ND_OPT_RANGE, 64, 1048576, NULL,
     "at most how much of the text (from its start) is read to tell the "
     "language; reading stops earlier once the language is clear"},
    {0},
};

static int language_init(nd_instance_t *self, const nd_opts_t *opts, void **state,
                         char *err, size_t errlen)
{
    (void)self;
    struct language *l = malloc(sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    l->prefix = (size_t)nd_opt_int(opts, "prefix");
    /* Load the fingerprints now, so a missing data package fails the
     * configuration check rather than every document. */
    char code[8];
    double conf;
    if (nlp_langid("", 0, l->prefix, code, &conf, err, errlen) < 0) {
        free(l);
        return -1;
    }
    *state = l;
    return 0;
}

static nd_status_t language_process(void *state, nd_doc_t *doc)
{
    struct language *l = state;
    size_t len;
    const char *text = nd_doc_text(doc, &len);
    if (!text)
        return ND_SKIP;
    char code[8], err[256];
    double conf;
    if (nlp_langid(text, len, l->prefix, code, &conf, err, sizeof err) < 0) {
        nd_doc_error(doc, "%s", err);
        return ND_FAIL;
    }
    nd_val_t *v = nd_val_obj();
    if (!v || nd_val_put(v, "code", nd_val_str(code)) < 0 ||
        nd_val_put(v, "confidence", nd_val_num((double)(int)(conf * 100 + 0.5) / 100)) < 0 ||
        nd_doc_set(doc, "language", v) < 0) {
        nd_doc_error(doc, "out of memory");
        return ND_FAIL;
    }
    return ND_OK;
}

static void language_fini(void *state) { free(state); }

static const nd_plugin_t language_plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "language",
    .version = "1.0.0",
    .description = "identifies the language: ISO 639-1 code and confidence",
    .role = ND_ROLE_PROCESSOR,
    .options = options,
    .init = language_init,
    .process = language_process,
    .fini = language_fini,
};

ND_PLUGIN(language_plugin)
