/* memo: a bounded, thread-safe memo of short byte strings, key -> value,
 * for results that cost much more to compute than to look up and depend
 * on the key alone (a word's stem). Two-way set-associative: a key takes
 * one of the two slots its hash picks, replacing the one put longer ago,
 * so the memory is fixed at creation and nothing is ever evicted by
 * hand. Workers share it without locks: a lookup never waits and writes
 * nothing shared (one that meets a put in progress on its set is a miss).
 * Keys and values longer than MEMO_MAX bytes are not kept. */
#ifndef ND_BASE_MEMO_H
#define ND_BASE_MEMO_H

#include <stddef.h>

#define MEMO_MAX 27

struct memo;

/* A memo of `slots` entries (rounded up to a power of two), each about
 * 64 bytes. NULL when out of memory. */
struct memo *memo_new(size_t slots);
void memo_free(struct memo *m);

/* Copy the value kept for key[0..n) into out (room for MEMO_MAX bytes)
 * and return its length, or -1 when the memo does not have it. */
int memo_get(struct memo *m, const void *key, size_t n, void *out);

/* Keep val[0..vn) for key[0..n) (nothing when either is too long, or
 * when another thread's put is writing the same set at that moment: a
 * memo may forget, never answer wrong). */
void memo_put(struct memo *m, const void *key, size_t n, const void *val,
              size_t vn);

#endif
