/* A test processor that turns "@" lines of the text into the fields that
 * the extraction and classification plugins fill, so the exporters' tables
 * and columns can be tested with documents that have them:
 *   @lang en
 *   @published 2026-03-01
 *   @url https://example.org/a
 *   @entity PERSON Ada Lovelace
 *   @topic medtop:04000000 0.7 economy, business and finance
 * Each @ line is a paragraph of its own (blank lines around it); the @
 * lines are then removed from the text. A document without such lines
 * gets nothing. */
#include <newsdesk/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void annotate_line(nd_doc_t *doc, const char *line, size_t n)
{
    char buf[512];
    if (n >= sizeof buf)
        return;
    memcpy(buf, line, n);
    buf[n] = '\0';
    char *arg = strchr(buf, ' ');
    if (!arg)
        return;
    *arg++ = '\0';
    if (!strcmp(buf, "@lang")) {
        nd_val_t *o = nd_val_obj();
        nd_val_put(o, "code", nd_val_str(arg));
        nd_val_put(o, "confidence", nd_val_num(1.0));
        nd_doc_set(doc, "language", o);
    } else if (!strcmp(buf, "@published") || !strcmp(buf, "@url")) {
        nd_doc_set_str(doc, buf + 1, arg);
    } else if (!strcmp(buf, "@entity")) {
        char *text = strchr(arg, ' ');
        if (!text)
            return;
        *text++ = '\0';
        nd_entity_t e = {.type = arg, .text = text, .count = 1};
        nd_doc_add_entity(doc, &e);
    } else if (!strcmp(buf, "@topic")) {
        char *score = strchr(arg, ' ');
        if (!score)
            return;
        *score++ = '\0';
        char *label = strchr(score, ' ');
        if (label)
            *label++ = '\0';
        nd_doc_add_topic(doc, "topics", arg, label, strtod(score, NULL));
    }
}

static nd_status_t annotate_process(void *st, nd_doc_t *doc)
{
    (void)st;
    size_t len;
    const char *t = nd_doc_text(doc, &len);
    if (!t)
        return ND_SKIP;
    const char *end = t + len;
    char *kept = malloc(len + 1);
    size_t k = 0;
    int found = 0;
    if (!kept) {
        nd_doc_error(doc, "out of memory");
        return ND_FAIL;
    }
    while (t < end) {
        const char *nl = memchr(t, '\n', (size_t)(end - t));
        size_t n = nl ? (size_t)(nl - t) : (size_t)(end - t);
        if (n && *t == '@') {
            annotate_line(doc, t, n);
            found = 1;
        } else {
            memcpy(kept + k, t, n);
            k += n;
            if (nl)
                kept[k++] = '\n';
        }
        t += n + 1;
    }
    while (k && kept[k - 1] == '\n')
        k--;
    if (found)
        nd_doc_set_text(doc, kept, k);
    free(kept);
    return ND_OK;
}

static const nd_plugin_t plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "annotate",
    .version = "1.0",
    .description = "a test plugin: @lang/@entity/@topic lines become fields",
    .role = ND_ROLE_PROCESSOR,
    .process = annotate_process,
};

ND_PLUGIN(plugin)
