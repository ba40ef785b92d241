/* replay: what a database exporter writes again after a failed flush. */
#include "replay.h"

#include <stdlib.h>
#include <string.h>

int replay_keep(struct replay *r, const char *json, size_t len)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        char **g = realloc(r->json, cap * sizeof *g);
        if (!g)
            return -1;
        r->json = g, r->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, json, len);
    copy[len] = '\0';
    r->json[r->n++] = copy;
    return 0;
}

/* Every document's JSON starts {"schema":"newsdesk/1","id":"<64 hex>":
 * the id sits at a fixed place. */
static const char id_prefix[] = "{\"schema\":\"newsdesk/1\",\"id\":\"";

void replay_forget(struct replay *r, const char *id)
{
    size_t pl = sizeof id_prefix - 1, kept = 0;
    for (size_t i = 0; i < r->n; i++) {
        const char *j = r->json[i];
        if (!strncmp(j, id_prefix, pl) && !strncmp(j + pl, id, 64)) {
            free(r->json[i]);
            continue;
        }
        r->json[kept++] = r->json[i];
    }
    r->n = kept;
}

void replay_clear(struct replay *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->json[i]);
    r->n = 0;
}

void replay_free(struct replay *r)
{
    replay_clear(r);
    free(r->json);
    r->json = NULL;
    r->cap = 0;
}
