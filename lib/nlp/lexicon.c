/* Lookup in the generated word lists: an open-addressing hash table over
 * lex_entries, built once on first use. */
#include "lexicon.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"

static uint32_t *slots; /* entry index + 1; 0 = empty */
static uint64_t *hashes; /* the full hash of each slot's key */
static size_t mask;
/* The same for the function words alone: a few hundred, asked about
 * for every token, in a table small enough to stay in the cache. */
static uint32_t *stop_slots;
static uint64_t *stop_hashes;
static size_t stop_mask;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Put entry i, whose key hashes to full, into a table of mask + 1 slots. */
static void put(uint32_t *sl, uint64_t *hs, size_t m, size_t i, uint64_t full)
{
    size_t h = full & m;
    while (sl[h])
        h = (h + 1) & m;
    sl[h] = (uint32_t)i + 1;
    hs[h] = full;
}

static const struct lex_entry *find(const uint32_t *sl, const uint64_t *hs,
                                    size_t m, const char *s, size_t n)
{
    uint64_t full = hash_fnv1a(s, n, HASH_FNV1A_SEED);
    for (size_t h = full & m; sl[h]; h = (h + 1) & m) {
        if (hs[h] != full)
            continue;
        const struct lex_entry *e = &lex_entries[sl[h] - 1];
        if (!strncmp(e->key, s, n) && e->key[n] == '\0')
            return e;
    }
    return NULL;
}

static void build(void)
{
    size_t cap = 1, nstop = 0;
    while (cap < lex_nentries * 2)
        cap <<= 1;
    for (size_t i = 0; i < lex_nentries; i++)
        nstop += (lex_entries[i].flags & LX_STOP) != 0;
    size_t stop_cap = 1;
    while (stop_cap < nstop * 2)
        stop_cap <<= 1;
    slots = calloc(cap, sizeof *slots);
    hashes = calloc(cap, sizeof *hashes);
    stop_slots = calloc(stop_cap, sizeof *stop_slots);
    stop_hashes = calloc(stop_cap, sizeof *stop_hashes);
    if (!slots || !hashes || !stop_slots || !stop_hashes) {
        free(slots);
        free(hashes);
        free(stop_slots);
        free(stop_hashes);
        slots = NULL;
        return;
    }
    mask = cap - 1;
    stop_mask = stop_cap - 1;
    for (size_t i = 0; i < lex_nentries; i++) {
        const char *k = lex_entries[i].key;
        uint64_t full = hash_fnv1a(k, strlen(k), HASH_FNV1A_SEED);
        put(slots, hashes, mask, i, full);
        if (lex_entries[i].flags & LX_STOP)
            put(stop_slots, stop_hashes, stop_mask, i, full);
    }
}

const struct lex_entry *lex_find(const char *s, size_t n)
{
    pthread_once(&once, build);
    if (!slots || n == 0 || n > 80)
        return NULL;
    return find(slots, hashes, mask, s, n);
}

int lex_is_stop(const char *s, size_t n)
{
    pthread_once(&once, build);
    return slots && n && n <= 80 && find(stop_slots, stop_hashes, stop_mask, s, n);
}

uint32_t lex_flags(const char *s, size_t n)
{
    const struct lex_entry *e = lex_find(s, n);
    return e ? e->flags : 0;
}

uint32_t lex_words(const char *s, size_t n)
{
    const struct lex_entry *e = lex_find(s, n);
    return e ? e->words : 0;
}

int lex_prepare(void)
{
    pthread_once(&once, build);
    return slots ? 0 : -1;
}
