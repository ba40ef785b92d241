/* Lookup in the generated word lists, through the open-addressing tables
 * generated with them (lexicon.h). */
#include "lexicon.h"

#include <string.h>

#include "base/hash.h"

/* Longer than any key: not looked up. */
#define MAX_KEY 80

static const struct lex_entry *find(const struct lex_slot *sl, size_t mask,
                                    const char *s, size_t n)
{
    if (n == 0 || n > MAX_KEY)
        return NULL;
    uint64_t full = hash_fnv1a(s, n, HASH_FNV1A_SEED);
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

const struct lex_entry *lex_find(const char *s, size_t n)
{
    return find(lex_slots, lex_slots_mask, s, n);
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
