/* Language identification: the script decides where it is unambiguous
 * (Hangul, kana, Han, Greek); otherwise the text's character n-gram
 * profile is compared with the language profiles of libexttextcat's data
 * (Cavnar and Trenkle's out-of-place measure, as libexttextcat computes
 * it), keeping only the languages that have an ISO 639-1 code (the
 * output's code space); the gap between the two best scores gives the
 * confidence.
 *
 * Speed: the profiles are one hash table from n-gram to its ranks in
 * every language, built with the library (gen_langid.py, so that a
 * process pays nothing to load them), and a text's n-gram is looked up
 * once rather than once per language; and the text is read in stages (512
 * bytes, then 1 KiB, 2 KiB, ... up to the caller's prefix), stopping at
 * the first stage whose answer is clear. A news article is decided on its
 * first 512 bytes. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "base/hash.h"
#include "langid_table.h"
#include "nlp.h"

/* Fewer letters than this (a headline-sized fragment) and the n-grams
 * cannot tell. */
#define MIN_LETTERS 20
/* n-grams per profile, as libexttextcat's own classifier uses; an n-gram
 * missing from a language's profile costs it this much. */
#define NGRAMS 400
/* n-grams are 1 to 5 characters; libexttextcat skips longer lines. */
#define MAX_CHARS 5
#define MIN_CONFIDENCE 0.05
/* The first stage, and the confidence at which a stage's answer stands:
 * a gap of about 7 % between the two best languages, over twice
 * libexttextcat's own line for a clear answer. */
#define FIRST_STAGE 512
#define CLEAR_CONFIDENCE 0.8
#define MAX_PROFILES 255

/* ---- the profiles ----------------------------------------------------------- */

/* The profiles' n-gram of the n bytes at s, or NULL when none has it. */
static const struct langid_gram *gram_find(uint64_t hash, const char *s, size_t n)
{
    for (size_t i = hash_mix(hash) & langid_mask;; i = (i + 1) & langid_mask) {
        uint32_t k = langid_slots[i];
        if (!k)
            return NULL;
        const struct langid_gram *g = &langid_grams[k - 1];
        if (g->hash == hash && g->len == n && !memcmp(langid_pool + g->str, s, n))
            return g;
    }
}

/* ---- the text ----------------------------------------------------------------- */

/* Letters by script. A Han, kana or Hangul character stands for a word
 * or a syllable, so in mixed text they are weighed against the words of
 * other scripts ("埃尔斯沃思地 (Ellsworth Land) 位于…" is Chinese). */
struct script_counts {
    size_t letters, greek;
    size_t hangul, kana, han; /* characters */
    size_t words;             /* runs of letters of other scripts */
    int in_word;
    /* Letters Ukrainian writes and Russian, Bulgarian, Macedonian and
     * Serbian do not (і ї є ґ), and those Ukrainian lacks but Russian
     * has (ы э ъ ё). */
    size_t uk_only, ru_only;
};

static void count_char(struct script_counts *k, uint32_t c)
{
    if (!nlp_cp_letter(c)) {
        k->in_word = 0;
        return;
    }
    k->letters++;
    int cjk = 0;
    if (c < 0x370) {
        /* Latin */
    } else if (c >= 0xAC00 && c <= 0xD7AF) {
        k->hangul++, cjk = 1;
    } else if (c >= 0x3040 && c <= 0x30FF) {
        k->kana++, cjk = 1;
    } else if ((c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF)) {
        k->han++, cjk = 1;
    } else if (c <= 0x3FF) {
        k->greek++;
    } else if (c == 0x456 || c == 0x457 || c == 0x454 || c == 0x491 || c == 0x406 ||
               c == 0x407 || c == 0x404 || c == 0x490) {
        k->uk_only++;
    } else if (c == 0x44B || c == 0x44D || c == 0x44A || c == 0x451 || c == 0x42B ||
               c == 0x42D || c == 0x401) {
        k->ru_only++;
    }
    if (!cjk && !k->in_word)
        k->words++;
    k->in_word = !cjk;
}

/* A text n-gram: how often it occurs, and where first (in the prepared
 * text) to compare it with the profiles'. Kept in order of first
 * occurrence, which breaks ties between equal counts. */
struct seen {
    uint32_t count, at;
    uint8_t len;
};

/* The text as libexttextcat reads it: every run of spaces and digits is
 * one '_', and there is one before the first word. prep[0, nprep) is
 * made from text[0, read). */
struct reader {
    const char *text;
    size_t len, read;
    char *prep;
    size_t nprep;
    struct script_counts k;
    /* The n-grams seen: seen[] in order of first occurrence, slot[] an
     * open-addressing index into it (index + 1; 0 empty). */
    struct seen *seen;
    uint64_t *seen_hash;
    uint32_t *slot;
    size_t nseen, cap_seen, slot_mask;
    size_t counted; /* n-grams starting before prep[counted] are counted */
    uint32_t max_count;
    size_t *hist, cap_hist; /* room for counts 0 .. max_count */
};

static int blank(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '0' && c <= '9') || c == '\0';
}

/* Prepare text[r->read, until). */
static void prepare(struct reader *r, size_t until)
{
    const char *s = r->text;
    for (size_t i = r->read; i < until;) {
        unsigned char c = (unsigned char)s[i];
        if (blank(c)) {
            if (r->prep[r->nprep - 1] != '_')
                r->prep[r->nprep++] = '_';
            r->k.in_word = 0;
            i++;
            continue;
        }
        size_t j = i;
        count_char(&r->k, c < 0x80 ? (uint32_t)s[j++] : nlp_utf8_next(s, until, &j));
        while (i < j)
            r->prep[r->nprep++] = s[i++];
    }
    r->read = until;
}

static int grow_seen(struct reader *r)
{
    /* The first stage of an article has about 1,500 distinct n-grams. */
    size_t cap = r->cap_seen ? r->cap_seen * 2 : 4096, slots = cap * 2;
    struct seen *s = realloc(r->seen, cap * sizeof *s);
    if (s)
        r->seen = s;
    uint64_t *h = s ? realloc(r->seen_hash, cap * sizeof *h) : NULL;
    if (h)
        r->seen_hash = h;
    uint32_t *slot = h ? calloc(slots, sizeof *slot) : NULL;
    if (!slot)
        return -1;
    free(r->slot);
    r->slot = slot;
    r->cap_seen = cap, r->slot_mask = slots - 1;
    for (size_t i = 0; i < r->nseen; i++) {
        size_t x = r->seen_hash[i] & r->slot_mask;
        while (r->slot[x])
            x = (x + 1) & r->slot_mask;
        r->slot[x] = (uint32_t)i + 1;
    }
    return 0;
}

/* Count the n-gram prep[at, at + len) with hash h. Within one text the
 * 64-bit hash stands for the n-gram: two of a text's few thousand
 * n-grams share one with odds of about 1 in 10^12, and would then count
 * as one. */
static int count_gram(struct reader *r, uint64_t h, size_t at, size_t len)
{
    size_t x = h & r->slot_mask;
    for (; r->slot[x]; x = (x + 1) & r->slot_mask) {
        struct seen *s = &r->seen[r->slot[x] - 1];
        if (r->seen_hash[r->slot[x] - 1] == h && s->len == len) {
            if (++s->count > r->max_count)
                r->max_count = s->count;
            return 0;
        }
    }
    if (r->nseen * 2 >= r->cap_seen) { /* keep the index at most 1/4 full */
        if (grow_seen(r) < 0)
            return -1;
        return count_gram(r, h, at, len);
    }
    if (!r->max_count)
        r->max_count = 1;
    r->seen[r->nseen] = (struct seen){.count = 1, .at = (uint32_t)at, .len = (uint8_t)len};
    r->seen_hash[r->nseen] = h;
    r->slot[x] = (uint32_t)++r->nseen;
    return 0;
}

static size_t char_len(const char *s, size_t i, size_t n)
{
    size_t j = i + 1;
    while (j < n && ((unsigned char)s[j] & 0xC0) == 0x80)
        j++;
    return j - i;
}

/* Count the n-grams that start in prep[r->counted, until): 1 to 5
 * characters, a '_' only first or last (libexttextcat's n-grams). */
static int count_grams(struct reader *r, size_t until)
{
    const char *p = r->prep;
    size_t at = r->counted;
    while (at < until) {
        uint64_t h = HASH_FNV1A_SEED;
        size_t end = at;
        for (int chars = 0; chars < MAX_CHARS && end < r->nprep; chars++) {
            size_t c = char_len(p, end, r->nprep);
            h = hash_fnv1a(p + end, c, h);
            end += c;
            if (count_gram(r, h ? h : 1, at, end - at) < 0)
                return -1;
            if (chars > 0 && p[end - 1] == '_')
                break;
        }
        at += char_len(p, at, r->nprep);
    }
    r->counted = at;
    return 0;
}

/* Prepare and count the text up to `until` (a character boundary; the
 * whole text read when it is r->len). */
static int read_stage(struct reader *r, size_t until)
{
    prepare(r, until);
    size_t last = r->nprep;
    if (until == r->len) {
        last = r->nprep - 1; /* the final char starts nothing */
    } else {
        /* A word cut at the stage's end is counted in the next stage,
         * whole: count up to the last '_'. */
        while (last > r->counted && r->prep[last - 1] != '_')
            last--;
        if (last > r->counted)
            last--;
    }
    if (count_grams(r, last) < 0)
        return -1;
    size_t *h = array_grow(r->hist, &r->cap_hist, (size_t)r->max_count + 1, sizeof *h, 256);
    if (!h)
        return -1;
    r->hist = h;
    return 0;
}

/* ---- scoring ------------------------------------------------------------------ */

/* The text's top NGRAMS n-grams into top[] (most frequent first; equal
 * counts in order of first occurrence); returns how many. A counting
 * sort: counts are small, and r->hist has room for every count. */
static size_t top_grams(struct reader *r, const struct seen **top)
{
    size_t *hist = r->hist;
    memset(hist, 0, (r->max_count + 1) * sizeof *hist);
    for (size_t i = 0; i < r->nseen; i++)
        hist[r->seen[i].count]++;
    size_t want = r->nseen < NGRAMS ? r->nseen : NGRAMS, above = 0;
    if (!want)
        return 0;
    /* The count of the last n-gram taken: all above it are, and the
     * first (want - above) of those at it. */
    size_t cut = r->max_count;
    while (above + hist[cut] < want)
        above += hist[cut--];
    size_t at_cut = want - above, next = 0;
    for (size_t c = r->max_count; c >= cut; c--) {
        size_t here = hist[c];
        hist[c] = next; /* where the n-grams of count c go */
        next += here;
    }
    for (size_t i = 0; i < r->nseen; i++) {
        uint32_t c = r->seen[i].count;
        if (c > cut || (c == cut && at_cut && at_cut--))
            top[hist[c]++] = &r->seen[i];
    }
    return want;
}

/* Out-of-place distances of the text's profile to every language's:
 * dist[p] for profile p. */
static void distances(const struct reader *r, const struct seen *const *top, size_t n,
                      long *dist)
{
    for (size_t p = 0; p < langid_nprof; p++)
        dist[p] = (long)n * NGRAMS;
    for (size_t i = 0; i < n; i++) {
        const char *s = r->prep + top[i]->at;
        uint64_t h = r->seen_hash[top[i] - r->seen];
        const struct langid_gram *g = gram_find(h, s, top[i]->len);
        for (uint32_t j = 0; g && j < g->n; j++) {
            uint32_t post = langid_post[g->first + j];
            long d = (long)(post & 0xFFFF) - (long)i;
            dist[post >> 16] -= NGRAMS - (d < 0 ? -d : d);
        }
    }
}

/* The best and the second-best language of the text read so far
 * (profiles *best and *second) and the confidence in the best (0 when
 * there is none). */
static double best_language(struct reader *r, size_t *best, size_t *second)
{
    const struct seen *top[NGRAMS];
    long dist[MAX_PROFILES];
    size_t n = top_grams(r, top);
    if (!n)
        return 0;
    distances(r, top, n, dist);
    size_t b = 0, s = SIZE_MAX;
    for (size_t p = 1; p < langid_nprof; p++) {
        if (dist[p] < dist[b]) {
            /* Two profiles of one language (zh) do not compete. */
            if (strcmp(langid_codes[b], langid_codes[p]))
                s = b;
            b = p;
        } else if ((s == SIZE_MAX || dist[p] < dist[s]) &&
                   strcmp(langid_codes[b], langid_codes[p])) {
            s = p;
        }
    }
    if (s == SIZE_MAX || dist[b] <= 0)
        return 0;
    *best = b, *second = s;
    /* A gap of 3% is libexttextcat's own line between a clear answer and
     * a tie; map it to 0.5 and let wider gaps approach 1. Below
     * MIN_CONFIDENCE (a gap under about 0.2%) it is a tie: und. */
    double gap = (double)(dist[s] - dist[b]) / (double)dist[b];
    return 1.0 - exp(-gap * 23.1);
}

/* The profile index of language `code`, or `fallback`. */
static size_t find_profile(const char *code, size_t fallback)
{
    for (size_t i = 0; i < langid_nprof; i++)
        if (!strcmp(langid_codes[i], code))
            return i;
    return fallback;
}

/* A language told by its script alone, or NULL. */
static const char *script_language(const struct script_counts *k, double *confidence)
{
    size_t cjk = k->hangul + k->kana + k->han;
    if (cjk > k->words) {
        *confidence = k->hangul * 2 > cjk ? 0.99 : 0.97;
        if (k->hangul * 2 > cjk)
            return "ko";
        return k->kana * 20 > k->han + k->kana ? "ja" : "zh";
    }
    if (k->greek * 2 > k->letters) {
        *confidence = 0.99;
        return "el";
    }
    return NULL;
}

/* Is profile p one of the languages in list? */
static int one_of(size_t p, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(langid_codes[p], *list))
            return 1;
    return 0;
}

/* Letters settle a close call between Ukrainian and the Cyrillic
 * languages that do not write і ї є ґ, and between Ukrainian and
 * Russian the other way (ы э ъ ё). Returns the profile to answer with,
 * and raises *conf when the letters decided. */
static size_t cyrillic_letters(const struct script_counts *k, size_t best, size_t second,
                               double *conf)
{
    static const char *const not_uk[] = {"ru", "bg", "mk", "sr", NULL};
    static const char *const uk[] = {"uk", NULL}, *const ru[] = {"ru", NULL};
    size_t to = SIZE_MAX;
    if (k->uk_only && !k->ru_only) {
        if (one_of(best, not_uk))
            to = find_profile("uk", best);
        else if (one_of(best, uk) && one_of(second, not_uk))
            to = best;
    } else if (k->ru_only && !k->uk_only) {
        if (one_of(best, uk))
            to = find_profile("ru", best);
        else if (one_of(best, ru) && one_of(second, uk))
            to = best;
    }
    if (to == SIZE_MAX)
        return best;
    if (*conf < 0.9)
        *conf = 0.9;
    return to;
}

/* The end of the next stage after `from`: twice as far, within len, at a
 * character boundary. */
static size_t stage_end(const char *text, size_t len, size_t from)
{
    size_t end = from ? from * 2 : FIRST_STAGE;
    if (end >= len)
        return len;
    while (end > from && ((unsigned char)text[end] & 0xC0) == 0x80)
        end--;
    return end > from ? end : len;
}

static void reader_free(struct reader *r)
{
    free(r->prep);
    free(r->seen);
    free(r->seen_hash);
    free(r->slot);
    free(r->hist);
}

int nlp_langid(const char *text, size_t len, size_t prefix, char code[8],
               double *confidence, char *err, size_t errlen)
{
    strcpy(code, "und");
    *confidence = 0;
    if (len > prefix) {
        len = prefix;
        while (len && ((unsigned char)text[len] & 0xC0) == 0x80)
            len--;
    }
    struct reader r = {.text = text, .len = len};
    /* A byte or a '_' for each byte, and a '_' before them. */
    r.prep = malloc(len + 1);
    if (!r.prep || grow_seen(&r) < 0) {
        reader_free(&r);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    r.prep[r.nprep++] = '_';
    size_t best = 0, second = 0;
    double conf = 0;
    for (size_t end = 0; end < len;) {
        end = stage_end(text, len, end);
        if (read_stage(&r, end) < 0) {
            reader_free(&r);
            snprintf(err, errlen, "out of memory");
            return -ENOMEM;
        }
        if (r.k.letters < MIN_LETTERS && r.k.han + r.k.kana + r.k.hangul < 4)
            continue;
        const char *by_script = script_language(&r.k, &conf);
        if (by_script) {
            strcpy(code, by_script);
            *confidence = conf;
            reader_free(&r);
            return 0;
        }
        conf = best_language(&r, &best, &second);
        if (conf >= CLEAR_CONFIDENCE)
            break;
    }
    struct script_counts k = r.k;
    reader_free(&r);
    if (conf > 0)
        best = cyrillic_letters(&k, best, second, &conf);
    if (conf < MIN_CONFIDENCE)
        return 0;
    strcpy(code, langid_codes[best]);
    *confidence = conf;
    return 0;
}
