/* A child's answer about one document (version 1 of the exec protocol,
 * docs/plugins.md "Plugins in any language"): one JSON object with
 *
 *   set     {"name": value, ...}  fields to set ("text" replaces the text)
 *   remove  ["name", ...]         fields to remove (before `set`)
 *   skip    true or "why"         nothing to do (ND_SKIP); alone
 *   stop    "why"                 end the chain here (nd_doc_stop)
 *   retry   "why"                 try this step again later; alone
 *   fail    "why"                 the document fails; alone
 *
 * `{}` is "done, nothing to change". An answer is checked whole before
 * any of it is applied, so a refused one changes nothing. */
#ifndef ND_EXEC_ANSWER_H
#define ND_EXEC_ANSWER_H

#include <newsdesk/plugin.h>
#include <stddef.h>

struct answer {
    nd_val_t *val;          /* the parsed line, owned */
    const nd_val_t *set;    /* borrowed from val; NULL: none */
    const nd_val_t *remove;
    nd_status_t status;     /* ND_OK (with or without stop), SKIP, RETRY, FAIL */
    const char *why;        /* the reason given with skip, stop, retry, fail */
    int stop;
};

/* Parse and check one line. Returns 0; -EBADMSG when the line is not a
 * JSON object (the child is out of step with us); -EINVAL when it is an
 * object the protocol does not allow (err says what, and what would be
 * right); -ENOMEM. On failure nothing needs freeing. */
int answer_parse(struct answer *a, const char *line, size_t len, char *err,
                 size_t errlen);

/* Apply a parsed answer to `doc` and say what the step returns. Setting a
 * field can fail only when out of memory (then ND_RETRY, with the
 * document's error set). */
nd_status_t answer_apply(const struct answer *a, nd_doc_t *doc);

void answer_free(struct answer *a);

#endif
