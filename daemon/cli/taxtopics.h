/* The topics of a taxonomy file and of the files it includes, ids and
 * labels only, for `newsdesk search --topic` to refuse a topic that no
 * taxonomy has. (The terms, and the checks of a taxonomy, are the topics
 * plugin's: a file it refuses is never the one that filed an archive.) */
#ifndef ND_TAXTOPICS_H
#define ND_TAXTOPICS_H

#include <stddef.h>

struct chain;

struct taxtopics {
    char **ids, **labels; /* labels[i] may be NULL */
    size_t n, cap;
};

/* Read the topics of `file`, following its `include:`s (relative to the
 * including file's folder). Returns 0, or -1 with "file: reason" in err;
 * t must be released with taxtopics_free either way. */
int taxtopics_load(struct taxtopics *t, const char *file, char *err,
                   size_t errlen);
void taxtopics_free(struct taxtopics *t);

/* Whether `arg` names a topic as the search filter takes it: its id, or
 * the start of its label in any case ("econ" for "economy, business and
 * finance"). */
int taxtopics_has(const struct taxtopics *t, const char *arg);

/* The taxonomy file of the chain's first `topics` step (its `taxonomy`,
 * else the one installed with newsdesk, or the source tree's when running
 * from the build tree), or NULL when there is no topics step. Borrowed
 * from the chain or static. */
const char *taxtopics_file(const struct chain *p);

#endif
