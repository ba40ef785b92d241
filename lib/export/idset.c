/* idset: a circular buffer of the ids in the order they were added, and an
 * open-addressing table (linear probing) of their places in it. The ids
 * are SHA-256 digests, so their first bytes are already a good hash.
 * Forgetting the oldest id deletes its slot by shifting the slots after it
 * back (no tombstones), so the table never fills with dead entries. */
#include "idset.h"

#include <errno.h>
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
            return -EINVAL;
        if (i % 2)
            out[i / 2] = (unsigned char)(out[i / 2] | v);
        else
            out[i / 2] = (unsigned char)(v << 4);
    }
    return hex[64] == '\0' || hex[64] == '"' || hex[64] == ',' ? 0 : -1;
}

static const unsigned char zero[32];

static size_t limit(const struct idset *s)
{
    return s->max ? s->max : IDSET_DEFAULT_MAX;
}

static size_t home(const struct idset *s, const unsigned char id[32])
{
    uint64_t h;
    memcpy(&h, id, sizeof h);
    return (size_t)h & (s->cap - 1);
}

/* The slot holding id, or the empty slot where it would go. */
static size_t find(const struct idset *s, const unsigned char id[32])
{
    size_t i = home(s, id);
    while (s->slots[i] && memcmp(s->ring[s->slots[i] - 1], id, 32))
        i = (i + 1) & (s->cap - 1);
    return i;
}

/* Empty slot i, moving back the slots after it that probing would no
 * longer reach. */
static void delete_slot(struct idset *s, size_t i)
{
    size_t mask = s->cap - 1;
    for (size_t j = (i + 1) & mask; s->slots[j]; j = (j + 1) & mask) {
        size_t k = home(s, s->ring[s->slots[j] - 1]);
        /* slots[j] stays unless its home lies cyclically in (i, j]. */
        int stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (!stays) {
            s->slots[i] = s->slots[j];
            i = j;
        }
    }
    s->slots[i] = 0;
}

/* Room for one more id: a larger ring while the set is below its bound,
 * a table kept at most half full. Returns 0 or -ENOMEM. */
static int grow(struct idset *s)
{
    size_t max = limit(s);
    if (s->n == s->ring_cap && s->ring_cap < max) {
        size_t cap = s->ring_cap ? s->ring_cap * 2 : 512;
        if (cap > max)
            cap = max;
        unsigned char(*r)[32] = realloc(s->ring, cap * 32);
        if (!r)
            return -ENOMEM;
        s->ring = r;
        s->ring_cap = cap;
    }
    if ((s->n + 1) * 2 <= s->cap)
        return 0;
    size_t cap = s->cap ? s->cap * 2 : 1024;
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -ENOMEM;
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    for (size_t k = 0; k < s->n; k++) {
        size_t at = (s->head + k) % s->ring_cap;
        s->slots[find(s, s->ring[at])] = (uint32_t)(at + 1);
    }
    return 0;
}

void idset_init(struct idset *s, size_t max)
{
    memset(s, 0, sizeof *s);
    s->max = max ? max : 1;
}

int idset_add(struct idset *s, const char *hex)
{
    unsigned char id[32];
    if (unhex(hex, id) < 0 || !memcmp(id, zero, 32))
        return -EINVAL;
    if (s->cap && s->slots[find(s, id)])
        return 0;
    if (s->n < limit(s) && grow(s) < 0)
        return -ENOMEM;
    size_t at;
    if (s->n == limit(s)) {
        /* Full: the newest takes the oldest's place in the ring. */
        at = s->head;
        delete_slot(s, find(s, s->ring[at]));
        s->head = (s->head + 1) % s->ring_cap;
    } else {
        at = (s->head + s->n) % s->ring_cap;
        s->n++;
    }
    memcpy(s->ring[at], id, 32);
    s->slots[find(s, id)] = (uint32_t)(at + 1);
    return 1;
}

int idset_has(const struct idset *s, const char *hex)
{
    unsigned char id[32];
    if (!s->cap || unhex(hex, id) < 0)
        return 0;
    return s->slots[find(s, id)] != 0;
}

void idset_clear(struct idset *s)
{
    if (s->slots)
        memset(s->slots, 0, s->cap * sizeof *s->slots);
    s->n = s->head = 0;
}

void idset_free(struct idset *s)
{
    free(s->ring);
    free(s->slots);
    size_t max = s->max;
    memset(s, 0, sizeof *s);
    s->max = max;
}
