/* Hashing for hash tables and fingerprints: 64-bit FNV-1a, and a
 * finaliser that spreads its bits when the low ones pick a slot.
 * Inline, as they run in the inner loops of the extraction steps. */
#ifndef ND_BASE_HASH_H
#define ND_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV1A_SEED 1469598103934665603ULL
#define HASH_FNV1A_PRIME 1099511628211ULL

/* FNV-1a of s[0..n), continuing from h (HASH_FNV1A_SEED to start), so
 * that several pieces hash as one. */
static inline uint64_t hash_fnv1a(const void *s, size_t n, uint64_t h)
{
    const unsigned char *p = s;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * HASH_FNV1A_PRIME;
    return h;
}

/* FNV-1a of a NUL-terminated string. */
static inline uint64_t hash_fnv1a_str(const char *s)
{
    uint64_t h = HASH_FNV1A_SEED;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * HASH_FNV1A_PRIME;
    return h;
}

/* The MurmurHash3 64-bit finaliser: every bit of h affects every bit of
 * the result. */
static inline uint64_t hash_mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

#endif
