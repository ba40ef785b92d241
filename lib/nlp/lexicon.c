/* Lookup in the generated word lists, through the open-addressing tables
 * generated with them (lexicon.h), and a small cache in front of the large
 * one.
 *
 * The cache. lex_slots, the entries and their words take some 5 MB, far
 * more than a core's cache, and a lookup that finds its word touches
 * three places in them (its slot, its entry, its word): three misses,
 * the first two even for a word that is not there. An article asks about
 * some 90 words per 1,000 bytes, most of them several times, and most
 * articles use the same few thousand. So each thread keeps the answers
 * for the last words it asked about in a direct-mapped table of
 * CACHE_SLOTS entries (128 KiB, which stays in its core's cache), each
 * with its word, so that a hit is one access and exact. */
#include "lexicon.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"

/* Longer than any key: not looked up. */
#define MAX_KEY 80

#define CACHE_SLOTS 4096
#define CACHE_KEY 19 /* longer words go to the table each time */

struct cached {
    uint64_t hash; /* the word's FNV-1a; 0 with n == 0: empty */
    uint32_t entry; /* index in lex_entries + 1; 0: not in the lexicon */
    uint8_t n;
    char key[CACHE_KEY];
};

static _Thread_local struct cached *cache;
static _Thread_local int cache_failed;
static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static int cache_key_ok;

static void cache_key_make(void)
{
    cache_key_ok = pthread_key_create(&cache_key, free) == 0;
}

/* This thread's cache, made on its first lookup (NULL when out of
 * memory: lookups then go to the table). The thread's exit frees it. */
static struct cached *thread_cache(void)
{
    if (cache || cache_failed)
        return cache;
    pthread_once(&cache_once, cache_key_make);
    cache = cache_key_ok ? calloc(CACHE_SLOTS, sizeof *cache) : NULL;
    if (!cache || pthread_setspecific(cache_key, cache) != 0) {
        free(cache);
        cache = NULL;
        cache_failed = 1;
    }
    return cache;
}

static const struct lex_entry *probe(const struct lex_slot *sl, size_t mask,
                                     const char *s, size_t n, uint64_t full)
{
    uint32_t high = (uint32_t)(full >> 32);
    for (size_t h = full & mask; sl[h].entry; h = (h + 1) & mask) {
        if (sl[h].hash != high)
            continue;
        const struct lex_entry *e = &lex_entries[sl[h].entry - 1];
        const char *key = lex_keys + e->key;
        if (!strncmp(key, s, n) && key[n] == '\0')
            return e;
    }
    return NULL;
}

static const struct lex_entry *find(const struct lex_slot *sl, size_t mask,
                                    const char *s, size_t n)
{
    if (n == 0 || n > MAX_KEY)
        return NULL;
    return probe(sl, mask, s, n, hash_fnv1a(s, n, HASH_FNV1A_SEED));
}

const struct lex_entry *lex_find(const char *s, size_t n)
{
    if (n == 0 || n > MAX_KEY)
        return NULL;
    uint64_t full = hash_fnv1a(s, n, HASH_FNV1A_SEED);
    struct cached *c = n <= CACHE_KEY ? thread_cache() : NULL;
    if (!c)
        return probe(lex_slots, lex_slots_mask, s, n, full);
    c += full & (CACHE_SLOTS - 1);
    if (c->hash == full && c->n == n && !memcmp(c->key, s, n))
        return c->entry ? &lex_entries[c->entry - 1] : NULL;
    const struct lex_entry *e = probe(lex_slots, lex_slots_mask, s, n, full);
    c->hash = full;
    c->n = (uint8_t)n;
    memcpy(c->key, s, n);
    c->entry = e ? (uint32_t)(e - lex_entries) + 1 : 0;
    return e;
}

int lex_is_stop(const char *s, size_t n)
{
    return find(lex_stop_slots, lex_stop_slots_mask, s, n) != NULL;
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
