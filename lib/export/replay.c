/* replay: what a database exporter writes again after a failed flush. */
#include "replay.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "docjson.h"

int replay_keep(struct replay *r, const char *json, size_t len)
{
    char **g = array_grow(r->json, &r->cap, r->n + 1, sizeof *g, 64);
    if (!g)
        return -ENOMEM;
    r->json = g;
    char *copy = malloc(len + 1);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, json, len);
    copy[len] = '\0';
    r->json[r->n++] = copy;
    return 0;
}

void replay_forget(struct replay *r, const char *id)
{
    size_t kept = 0;
    for (size_t i = 0; i < r->n; i++) {
        /* the id and the quote closing it are all that need reading */
        const char *j = r->json[i], *at = docjson_id(j, strnlen(j, 128));
        if (at && !strncmp(at, id, 64)) {
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
