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
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build(void)
{
    size_t cap = 1;
    while (cap < lex_nentries * 2)
        cap <<= 1;
    slots = calloc(cap, sizeof *slots);
    hashes = calloc(cap, sizeof *hashes);
    if (!slots || !hashes) {
        free(slots);
        free(hashes);
        slots = NULL;
        return;
    }
    mask = cap - 1;
    for (size_t i = 0; i < lex_nentries; i++) {
        const char *k = lex_entries[i].key;
        uint64_t full = hash_fnv1a(k, strlen(k), HASH_FNV1A_SEED);
        size_t h = full & mask;
        while (slots[h])
            h = (h + 1) & mask;
        slots[h] = (uint32_t)i + 1;
        hashes[h] = full;
    }
}

const struct lex_entry *lex_find(const char *s, size_t n)
{
    pthread_once(&once, build);
    if (!slots || n == 0 || n > 80)
        return NULL;
    uint64_t full = hash_fnv1a(s, n, HASH_FNV1A_SEED);
    for (size_t h = full & mask; slots[h]; h = (h + 1) & mask) {
        if (hashes[h] != full)
            continue;
        const struct lex_entry *e = &lex_entries[slots[h] - 1];
        if (!strncmp(e->key, s, n) && e->key[n] == '\0')
            return e;
    }
    return NULL;
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
