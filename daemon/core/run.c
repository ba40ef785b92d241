/* A document's run through the chain (run.h). */
#include "run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "base/utf8.h"

void run_set_errorv(struct chain_run *r, const char *fmt, va_list ap)
{
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    run_error_clear(&r->error);
    r->error.message = utf8_clean(buf, strlen(buf), UTF8_TEXT, NULL);
    r->error.step = r->step ? strdup(r->step) : NULL;
    r->error.plugin = r->plugin ? strdup(r->plugin) : NULL;
}

void run_set_error(struct chain_run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    run_set_errorv(r, fmt, ap);
    va_end(ap);
}

void run_error_clear(struct run_error *e)
{
    free(e->message);
    free(e->step);
    free(e->plugin);
    e->message = e->step = e->plugin = NULL;
}

struct chain_run *run_child(struct chain_run *r, size_t i)
{
    if (i >= r->nchildren) {
        size_t cap = r->nchildren;
        struct chain_run **g = array_grow(r->children, &cap, i + 1, sizeof *g, 8);
        if (!g)
            return NULL;
        memset(g + r->nchildren, 0, (cap - r->nchildren) * sizeof *g);
        r->children = g;
        r->nchildren = cap;
    }
    if (!r->children[i])
        r->children[i] = calloc(1, sizeof *r->children[i]);
    return r->children[i];
}

void run_free(struct chain_run *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nchildren; i++) {
        run_free(r->children[i]);
        free(r->children[i]);
    }
    free(r->children);
    free(r->stopped);
    free(r->kept);
    run_error_clear(&r->error);
    run_error_clear(&r->withdraw);
    memset(r, 0, sizeof *r);
}
