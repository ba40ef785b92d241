/* hello: an example newsdesk plugin, built outside the newsdesk tree
 * against the installed SDK (see Makefile and docs/plugins.md).
 *
 * It adds the field "hello" to every document: an object with a greeting
 * and the number of words in the text, and counts the documents it greeted.
 * It keeps no mutable state, so `process` is thread-safe and the host may
 * run it on several documents at once. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <ctype.h>
#include <newsdesk/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hello {
    nd_instance_t *self;
    char *greeting; /* our copy: option strings are only borrowed */
    int shout;
};

static int hello_init(nd_instance_t *self, const nd_opts_t *opts,
                      void **state, char *err, size_t errlen)
{
    struct hello *h = calloc(1, sizeof *h);
    if (!h || !(h->greeting = strdup(nd_opt_str(opts, "greeting")))) {
        free(h);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    h->self = self;
    h->shout = nd_opt_bool(opts, "shout");
    if (h->shout)
        for (char *c = h->greeting; *c; c++)
            *c = (char)toupper((unsigned char)*c);
    *state = h;
    return 0;
}

static nd_status_t hello_process(void *state, nd_doc_t *doc)
{
    struct hello *h = state;
    size_t len;
    const char *text = nd_doc_text(doc, &len);
    if (!text) {
        /* No reader took this document: nothing to greet. */
        return ND_SKIP;
    }
    int64_t words = 0;
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)text[i]) &&
            (i == 0 || isspace((unsigned char)text[i - 1])))
            words++;

    nd_val_t *v = nd_val_obj();
    if (!v || nd_val_put(v, "greeting", nd_val_str(h->greeting)) < 0 ||
        nd_val_put(v, "words", nd_val_int(words)) < 0 ||
        nd_doc_set(doc, "hello", v) < 0) {
        nd_doc_error(doc, "out of memory");
        return ND_RETRY;
    }
    nd_counter_add(h->self, "greeted", 1);
    nd_doc_log(doc, ND_LOG_DEBUG, "greeted a text of %lld words",
               (long long)words);
    return ND_OK;
}

static void hello_fini(void *state)
{
    struct hello *h = state;
    free(h->greeting);
    free(h);
}

static const nd_option_t options[] = {
    {"greeting", ND_OPT_STRING, "hello", ND_OPT_RANGE, 1, 200, NULL,
     "what to say to each document"},
    {"shout", ND_OPT_BOOL, "false", 0, 0, 0, NULL,
     "say it in capitals"},
    {0},
};

static const nd_plugin_t plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "hello",
    .version = "1.0",
    .description = "example: greets each document and counts its words",
    .role = ND_ROLE_PROCESSOR,
    .options = options,
    .init = hello_init,
    .process = hello_process,
    .fini = hello_fini,
};

ND_PLUGIN(plugin)
