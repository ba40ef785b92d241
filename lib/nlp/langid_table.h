/* The language profiles langid.c compares texts with, generated at build
 * time by gen_langid.py from libexttextcat's fingerprints: each n-gram of
 * every profile once, in an open-addressing table, with its ranks in the
 * profiles that have it. Private to the library. */
#ifndef NEWSDESK_NLP_LANGID_TABLE_H
#define NEWSDESK_NLP_LANGID_TABLE_H

#include <stddef.h>
#include <stdint.h>

/* One n-gram: its bytes are langid_pool[str .. str + len), its ranks
 * langid_post[first .. first + n), each profile << 16 | rank. */
struct langid_gram {
    uint64_t hash; /* FNV-1a of its bytes; 1 for a hash of 0 */
    uint32_t first;
    uint32_t n;
    uint32_t str;
    uint32_t len;
};

/* The ISO 639-1 code of each profile ("zh" twice: simplified and
 * traditional). */
extern const char langid_codes[][8];
extern const size_t langid_nprof;
/* langid_mask + 1 slots, each an index into langid_grams plus one (0: an
 * empty slot), placed by hash_mix(hash) with linear probing. */
extern const uint32_t langid_slots[];
extern const size_t langid_mask;
extern const struct langid_gram langid_grams[];
extern const uint32_t langid_post[];
extern const char langid_pool[];

#endif
