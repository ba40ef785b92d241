/* model: labels documents with a classifier trained by `newsdesk train`.
 *
 * The model file is mapped read-only at init and shared by every worker
 * thread; each document's text is featurized and scored as in training
 * (lib/classify), and the most probable labels go to the document's
 * "labels" list as {id: label, score: probability}. */
#include <newsdesk/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/classify.h"

struct model_step {
    ncl_model_t *m;
    int64_t top;
    double threshold;
};

static int model_init(nd_instance_t *self, const nd_opts_t *opts,
                      void **state, char *err, size_t errlen)
{
    struct model_step *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->m = ncl_model_load(nd_opt_str(opts, "path"), err, errlen);
    if (!s->m) {
        free(s);
        return -1;
    }
    s->top = nd_opt_int(opts, "top");
    s->threshold = nd_opt_double(opts, "threshold");
    nd_log(self, ND_LOG_INFO, "model %s: %zu labels, 2^%u features",
           nd_opt_str(opts, "path"), ncl_model_nlabels(s->m),
           ncl_model_bits(s->m));
    *state = s;
    return 0;
}

static nd_status_t model_process(void *state, nd_doc_t *doc)
{
    struct model_step *s = state;
    size_t len, n = ncl_model_nlabels(s->m);
    const char *text = nd_doc_text(doc, &len);
    if (!text || !len)
        return ND_SKIP;
    double *probs = malloc(n * sizeof *probs);
    size_t *order = malloc(n * sizeof *order);
    ncl_vec_t scratch = {0};
    if (!probs || !order || ncl_predict_text(s->m, text, len, &scratch, probs) < 0) {
        free(probs);
        free(order);
        ncl_vec_free(&scratch);
        nd_doc_error(doc, "out of memory");
        return ND_RETRY;
    }
    ncl_vec_free(&scratch);
    /* Partial selection sort: `top` is small next to the label count. */
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    size_t want = (size_t)s->top < n ? (size_t)s->top : n;
    for (size_t i = 0; i < want; i++) {
        size_t best = i;
        for (size_t j = i + 1; j < n; j++)
            if (probs[order[j]] > probs[order[best]])
                best = j;
        size_t t = order[i];
        order[i] = order[best];
        order[best] = t;
        if (probs[order[i]] < s->threshold)
            break;
        if (nd_doc_add_topic(doc, "labels", ncl_model_label(s->m, order[i]),
                             NULL, probs[order[i]]) < 0) {
            free(probs);
            free(order);
            nd_doc_error(doc, "out of memory");
            return ND_RETRY;
        }
    }
    free(probs);
    free(order);
    return ND_OK;
}

static void model_fini(void *state)
{
    struct model_step *s = state;
    ncl_model_free(s->m);
    free(s);
}

static const nd_option_t options[] = {
    {"path", ND_OPT_PATH, NULL, ND_OPT_REQUIRED, 0, 0, NULL,
     "model file written by `newsdesk train`"},
    {"top", ND_OPT_INT, "3", ND_OPT_RANGE, 1, 4096, NULL,
     "at most this many labels, most probable first"},
    {"threshold", ND_OPT_DOUBLE, "0.0", ND_OPT_RANGE, 0, 1, NULL,
     "leave out labels less probable than this"},
    {0},
};

static const nd_plugin_t model_plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "model",
    .version = "1.0.0",
    .description = "labels documents with a model trained by newsdesk train",
    .role = ND_ROLE_PROCESSOR,
    .options = options,
    .init = model_init,
    .process = model_process,
    .fini = model_fini,
};

ND_PLUGIN(model_plugin)
