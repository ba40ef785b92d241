/* The topics plugin's parts: a taxonomy (topics with weighted terms, read
 * from YAML) compiled into a word-level Aho-Corasick matcher, and scoring.
 * Private to plugins/topics. */
#ifndef ND_TOPICS_H
#define ND_TOPICS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

struct memo;
struct sb_stemmer;

/* Words whose symbols a taxonomy keeps (about 64 bytes each): a news
 * vocabulary's common words, and every word of a long article. */
#define TAXONOMY_SYMBOL_MEMO 16384

struct topic {
    char *id, *label;
    int parent; /* index of the parent topic, or -1 */
};

/* One way a pattern counts for a topic. */
struct hit {
    uint32_t topic;
    float weight;
    char *term; /* as written in the taxonomy (for `explain`) */
};

struct pattern {
    struct hit *hits;
    size_t nhits;
};

struct edge {
    int32_t sym;
    uint32_t to;
};

struct ac_node {
    uint32_t first_edge, nedges; /* sorted by sym, in taxonomy.edges */
    uint32_t fail;
    int32_t pattern; /* the pattern ending here, or -1 */
    int32_t dict;    /* nearest node down the fail chain with a pattern, or -1 */
};

/* A word vocabulary: open addressing, strings owned. */
struct vocab {
    char **keys;
    int32_t *ids;
    size_t cap, n;
};

struct taxonomy {
    struct topic *topics;
    size_t ntopics;
    struct pattern *patterns;
    size_t npatterns;
    struct vocab stems;  /* stem of a lower-cased word -> symbol */
    struct vocab exact;  /* a case-sensitive word -> pattern */
    struct ac_node *nodes;
    size_t nnodes;
    struct edge *edges;
    size_t nedges;
    int32_t *root; /* by symbol: the root's edge to it, or -1 (most words
                    * of a text leave the root, which has the most edges) */
    struct memo *symbols; /* a text word -> its stem's symbol (int32_t),
                           * shared by the worker threads */
    char **files;  /* the files read, the one named first */
    size_t nfiles;
    int compiled_in; /* all but symbols is the snapshot's (snapshot.h),
                      * which taxonomy_free leaves alone */
};

/* Read and compile the taxonomy at `path`, stemming with `st`. Returns 0,
 * or -1 with "path:line:col: reason" in err. */
int taxonomy_load(struct taxonomy *t, const char *path, struct sb_stemmer *st,
                  char *err, size_t errlen);

void taxonomy_free(struct taxonomy *t);

/* What one document matched: counts[p] (how often pattern p was found)
 * and lead[p] (whether the lead has it), zero but for the patterns in
 * found[0..nfound), the list of those found, so that scoring and
 * clearing touch them alone, not every pattern of the taxonomy. */
struct tally {
    uint32_t *counts, *lead, *found; /* npatterns each */
    size_t nfound;
};

/* A tally for t, all zero (NULL members when out of memory). */
int tally_init(struct tally *y, const struct taxonomy *t);
/* Zero what a document left in it, for the next one. */
void tally_clear(struct tally *y);
void tally_free(struct tally *y);

/* Count the patterns found in `text` into y (shared by the calls for one
 * document). `times` counts every occurrence that many times (a title
 * weighs more). y->lead[p] is set for the patterns found within the
 * first `lead_words` words (SIZE_MAX: all of them). */
void taxonomy_count(const struct taxonomy *t, struct sb_stemmer *st,
                    const char *text, size_t len, unsigned times,
                    struct tally *y, size_t lead_words);

/* Sort y->found, so that the scores add up in pattern order, as they
 * would over every pattern. */
void tally_sort(struct tally *y);

/* How much a pattern found `count` times weighs, times its weight:
 * 1 + ln count, and 1 + lead_boost times that when the lead has it. */
static inline double taxonomy_factor(uint32_t count, int in_lead, double lead_boost)
{
    return (1.0 + log((double)count)) * (in_lead ? 1.0 + lead_boost : 1.0);
}

/* Turn a sorted tally into per-topic raw scores (parents include their
 * subtopics' evidence); a pattern in the lead weighs 1 + lead_boost
 * times. */
void taxonomy_score(const struct taxonomy *t, const struct tally *y, double lead_boost,
                    double *raw);

#endif
