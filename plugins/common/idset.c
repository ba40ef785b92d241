/* idset: open addressing over the ids' own bytes (they are SHA-256
 * digests, so their first bytes are already a good hash). */
#include "idset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int unhex(const char *hex, unsigned char out[32])
{
    for (size_t i = 0; i < 64; i++) {
        char c = hex[i];
        int v = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (v < 0)
            return -1;
        if (i % 2)
            out[i / 2] = (unsigned char)(out[i / 2] | v);
        else
            out[i / 2] = (unsigned char)(v << 4);
    }
    return hex[64] == '\0' || hex[64] == '"' || hex[64] == ',' ? 0 : -1;
}

static const unsigned char zero[32];

static size_t slot_of(const struct idset *s, const unsigned char id[32])
{
    uint64_t h;
    memcpy(&h, id, sizeof h);
    size_t i = (size_t)h & (s->cap - 1);
    while (memcmp(s->slots[i], zero, 32) && memcmp(s->slots[i], id, 32))
        i = (i + 1) & (s->cap - 1);
    return i;
}

static int grow(struct idset *s)
{
    struct idset bigger = {calloc(s->cap ? s->cap * 2 : 1024, 32), 0,
                           s->cap ? s->cap * 2 : 1024};
    if (!bigger.slots)
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (memcmp(s->slots[i], zero, 32))
            memcpy(bigger.slots[slot_of(&bigger, s->slots[i])], s->slots[i], 32);
    bigger.n = s->n;
    free(s->slots);
    *s = bigger;
    return 0;
}

int idset_add(struct idset *s, const char *hex)
{
    unsigned char id[32];
    /* The all-zero digest marks empty slots; no real input hashes to it. */
    if (unhex(hex, id) < 0 || !memcmp(id, zero, 32))
        return -1;
    if ((s->n + 1) * 4 > s->cap * 3 && grow(s) < 0)
        return -1;
    size_t i = slot_of(s, id);
    if (!memcmp(s->slots[i], id, 32))
        return 0;
    memcpy(s->slots[i], id, 32);
    s->n++;
    return 1;
}

int idset_has(const struct idset *s, const char *hex)
{
    unsigned char id[32];
    if (!s->cap || unhex(hex, id) < 0)
        return 0;
    return !memcmp(s->slots[slot_of(s, id)], id, 32);
}

void idset_clear(struct idset *s)
{
    if (s->slots)
        memset(s->slots, 0, s->cap * 32);
    s->n = 0;
}

void idset_free(struct idset *s)
{
    free(s->slots);
    s->slots = NULL;
    s->n = s->cap = 0;
}
