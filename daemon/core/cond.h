/* `when` conditions on pipeline steps: parsed once when the config loads,
 * evaluated per document.
 *
 *   language == "en"                 stats.words > 300
 *   source.media_type in ["text/html", "text/plain"]
 *   topics contains "medtop:15000000"   (a topic's id or label)
 *   labels contains "sport"          title contains "election"
 *   "sport" in labels                (the same as labels contains "sport")
 *   exists byline                    not (language == "en" or x < 3)
 *
 * Operators: == != < <= > >= in contains exists, and or not, parentheses.
 * Paths: a field name, then .key or [index] ("topics[0].id"); "id", "text"
 * and "source.<name|media_type|bytes|path>" name the document's own. */
#ifndef ND_COND_H
#define ND_COND_H

#include <newsdesk/plugin.h>
#include <stddef.h>

struct cond;

/* Parse `src`. NULL on error, with the reason in err and the 0-based
 * column of the offending token in *col. */
struct cond *cond_parse(const char *src, char *err, size_t errlen, int *col);

/* Nonzero when the condition holds for the document. Thread-safe. */
int cond_eval(const struct cond *c, const nd_doc_t *d);

void cond_free(struct cond *c);

#endif
