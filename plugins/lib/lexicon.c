/* Lookup in the generated word lists: an open-addressing hash table over
 * lex_entries, built once on first use. */
#include "lexicon.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static uint32_t *slots; /* entry index + 1; 0 = empty */
static size_t mask;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static void build(void)
{
    size_t cap = 1;
    while (cap < lex_nentries * 2)
        cap <<= 1;
    slots = calloc(cap, sizeof *slots);
    if (!slots)
        return;
    mask = cap - 1;
    for (size_t i = 0; i < lex_nentries; i++) {
        const char *k = lex_entries[i].key;
        size_t h = hash(k, strlen(k)) & mask;
        while (slots[h])
            h = (h + 1) & mask;
        slots[h] = (uint32_t)i + 1;
    }
}

const struct lex_entry *lex_find(const char *s, size_t n)
{
    pthread_once(&once, build);
    if (!slots || n == 0 || n > 80)
        return NULL;
    for (size_t h = hash(s, n) & mask; slots[h]; h = (h + 1) & mask) {
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
