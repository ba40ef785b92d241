/* Tests on eight bytes at once, for scans that look for a few rare bytes
 * in kilobytes of text (the bytes a JSON string escapes, the marks of
 * Markdown): a block without any is passed over in a few instructions
 * instead of eight rounds of a byte loop. The tricks are hasless and
 * haszero of "Bit Twiddling Hacks"; each answer is exact as a yes or
 * no, not as to which byte it was. */
#ifndef ND_BASE_BYTES8_H
#define ND_BASE_BYTES8_H

#include <stdint.h>
#include <string.h>

#define BYTES8_ONES 0x0101010101010101ULL
#define BYTES8_HIGHS 0x8080808080808080ULL

/* The eight bytes at p, whatever their alignment. */
static inline uint64_t bytes8_load(const void *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

/* Nonzero when a byte of w is below c (c at most 128). */
static inline uint64_t bytes8_below(uint64_t w, unsigned char c)
{
    return (w - BYTES8_ONES * c) & ~w & BYTES8_HIGHS;
}

/* Nonzero when a byte of w is c. */
static inline uint64_t bytes8_has(uint64_t w, unsigned char c)
{
    uint64_t x = w ^ (BYTES8_ONES * c);
    return (x - BYTES8_ONES) & ~x & BYTES8_HIGHS;
}

#endif
