/* Outages, logged once when they start and once when they end. */
#include "outage.h"

#include <stdio.h>
#include <string.h>

static struct outage *find(const struct outages *o, const char *key)
{
    for (size_t i = 0; i < o->n; i++)
        if (!strcmp(o->v[i].key, key))
            return (struct outage *)&o->v[i];
    return NULL;
}

int outage_retry(struct outages *o, const char *key, int64_t now_ms)
{
    struct outage *u = find(o, key);
    if (u) {
        u->retries++;
        return 0;
    }
    if (o->n == MAX_OUTAGES)
        return 1;
    u = &o->v[o->n++];
    snprintf(u->key, sizeof u->key, "%s", key);
    u->since_ms = now_ms;
    u->retries = 1;
    return 1;
}

int outage_end(struct outages *o, const char *key, int64_t now_ms,
               int64_t *lasted_ms, uint64_t *retries)
{
    struct outage *u = find(o, key);
    if (!u)
        return 0;
    *lasted_ms = now_ms - u->since_ms;
    *retries = u->retries;
    *u = o->v[--o->n];
    return 1;
}

int outage_open(const struct outages *o, const char *key)
{
    return find(o, key) != NULL;
}
