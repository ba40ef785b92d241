/* The memo (memo.h): slots in one array, in sets of two, each slot with
 * the full hash of its key so that a lookup compares bytes only when the
 * hashes agree. Two ways keep two words of a document whose hashes pick
 * the same set from evicting each other at every use.
 *
 * Lookups take no lock and write nothing shared: each set has a sequence
 * number, odd while a put rewrites the set, and a lookup that saw it odd,
 * or changed by the time it had copied the slot, reports a miss (the
 * caller computes the value, as for any miss). Lookups are the thousands
 * per document; a mutex per lookup, even striped, kept its cache line
 * going back and forth between the cores of the workers that share the
 * memo. Puts are rare once a memo is warm: a put that finds the set
 * being written by another drops its value, which the next miss puts
 * again. The slots are read and written a 64-bit word at a time, as
 * relaxed atomics, so that a lookup racing with a put is a detected
 * retry, not a data race. */
#include "memo.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hash.h"

#define WAYS 2
#define WORDS 8 /* a slot, in 64-bit words */

struct slot {
    uint64_t hash; /* 0: empty */
    uint8_t kn, vn;
    char key[MEMO_MAX], val[MEMO_MAX];
};

_Static_assert(sizeof(struct slot) == WORDS * sizeof(uint64_t),
               "a memo slot is eight 64-bit words");

struct memo {
    _Atomic uint64_t (*slot)[WORDS];
    _Atomic uint32_t *seq; /* one a set */
    size_t mask;           /* of the first slot's index of a set */
    size_t bytes;          /* of the mapping that holds both */
};

/* The slots and sequence numbers are one anonymous mapping, populated
 * when it is made: a megabyte of zeroes from calloc is mapped a page at
 * a time as lookups first touch it, and lookups touch pages at random,
 * so the first documents after a start paid some 250 page faults a memo
 * (in `newsdesk process` on a two-CPU virtual machine, the first
 * document's topics step took 11.8 ms with calloc, 2.5 ms populated). */
static void *table_map(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

struct memo *memo_new(size_t slots)
{
    size_t cap = 64;
    while (cap < slots)
        cap <<= 1;
    struct memo *m = malloc(sizeof *m);
    if (!m)
        return NULL;
    size_t slots_bytes = cap * sizeof *m->slot;
    m->bytes = slots_bytes + cap / WAYS * sizeof *m->seq;
    void *table = table_map(m->bytes);
    if (!table) {
        free(m);
        return NULL;
    }
    m->slot = table;
    m->seq = (_Atomic uint32_t *)((char *)table + slots_bytes);
    m->mask = (cap - 1) & ~(size_t)(WAYS - 1);
    return m;
}

void memo_free(struct memo *m)
{
    if (!m)
        return;
    munmap((void *)m->slot, m->bytes);
    free(m);
}

/* The hash of a key, never 0 (an empty slot): eight bytes at a time, as
 * keys are short words and this runs for every word of a document. */
static uint64_t key_hash(const void *key, size_t n)
{
    const unsigned char *p = key;
    uint64_t h = HASH_FNV1A_SEED ^ n, w;
    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
        h ^= h >> 29;
    }
    for (w = 0; n; n--)
        w = w << 8 | p[n - 1];
    return hash_mix(h ^ w) | 1;
}

static void load_slot(_Atomic uint64_t *from, struct slot *s)
{
    uint64_t w[WORDS];
    for (int i = 0; i < WORDS; i++)
        w[i] = atomic_load_explicit(&from[i], memory_order_relaxed);
    memcpy(s, w, sizeof *s);
}

static void store_slot(_Atomic uint64_t *to, const struct slot *s)
{
    uint64_t w[WORDS];
    memcpy(w, s, sizeof w);
    for (int i = 0; i < WORDS; i++)
        atomic_store_explicit(&to[i], w[i], memory_order_relaxed);
}

static int same_key(const struct slot *s, uint64_t h, const void *key, size_t n)
{
    return s->hash == h && s->kn == n && !memcmp(s->key, key, n);
}

int memo_get(struct memo *m, const void *key, size_t n, void *out)
{
    if (n > MEMO_MAX)
        return -1;
    uint64_t h = key_hash(key, n);
    size_t i = h & m->mask;
    _Atomic uint32_t *seq = &m->seq[i / WAYS];
    uint32_t before = atomic_load_explicit(seq, memory_order_acquire);
    if (before & 1)
        return -1;
    for (int w = 0; w < WAYS; w++) {
        /* The hash word first: most ways are another key's. */
        if (atomic_load_explicit(&m->slot[i + w][0], memory_order_relaxed) != h)
            continue;
        struct slot s;
        load_slot(m->slot[i + w], &s);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(seq, memory_order_relaxed) != before ||
            !same_key(&s, h, key, n))
            return -1;
        memcpy(out, s.val, s.vn);
        return s.vn;
    }
    return -1;
}

/* A key already in the set is replaced where it is; a new one goes
 * first, and the set's last (the least recently put) is dropped. */
void memo_put(struct memo *m, const void *key, size_t n, const void *val,
              size_t vn)
{
    if (n > MEMO_MAX || vn > MEMO_MAX)
        return;
    uint64_t h = key_hash(key, n);
    size_t i = h & m->mask;
    _Atomic uint32_t *seq = &m->seq[i / WAYS];
    uint32_t s = atomic_load_explicit(seq, memory_order_relaxed);
    if ((s & 1) ||
        !atomic_compare_exchange_strong_explicit(seq, &s, s + 1,
                                                 memory_order_acquire,
                                                 memory_order_relaxed))
        return; /* another put is writing this set */
    atomic_thread_fence(memory_order_release);
    struct slot set[WAYS];
    for (int w = 0; w < WAYS; w++)
        load_slot(m->slot[i + w], &set[w]);
    int w = 0;
    while (w < WAYS - 1 && !same_key(&set[w], h, key, n))
        w++;
    if (!same_key(&set[w], h, key, n)) {
        memmove(&set[1], &set[0], (WAYS - 1) * sizeof *set);
        w = 0;
    }
    struct slot *e = &set[w];
    memset(e, 0, sizeof *e);
    e->hash = h;
    e->kn = (uint8_t)n;
    e->vn = (uint8_t)vn;
    memcpy(e->key, key, n);
    memcpy(e->val, val, vn);
    for (int k = 0; k < WAYS; k++)
        store_slot(m->slot[i + k], &set[k]);
    atomic_store_explicit(seq, s + 2, memory_order_release);
}
