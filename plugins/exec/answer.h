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
 * `{}` is "done, nothing to change". Or the answer is the document itself
 * (it has "schema"), as the step should leave it: its fields are set, the
 * fields the child got and left out are removed, and schema, id, source
 * and pipeline must be as they were (or left out); the very line the
 * child got is no change, and is not parsed (`cat` is a child). An answer
 * is checked whole before any of it is applied, so a refused one changes
 * nothing.
 *
 * What costs in an answer is `set`: a child that echoes the document
 * sets every field again. So a field set to the value it has is no
 * change, and is not applied: either its bytes are the bytes newsdesk
 * sent for it (nothing is parsed), or parsed it is equal to the field's
 * value (numbers as the JSON line writes them). A document that nothing
 * changed keeps its JSON line, which the exporters after the step use. */
#ifndef ND_EXEC_ANSWER_H
#define ND_EXEC_ANSWER_H

#include <newsdesk/plugin.h>
#include <stddef.h>

#include "jscan.h"

/* A field `set` changes: its name and new value, both owned. */
struct answer_field {
    char *name;
    nd_val_t *val;          /* a JSON null removes the field */
};

struct answer {
    nd_val_t *val;          /* the line's other members (remove, the
                               verdicts), parsed; owned */
    const nd_val_t *remove; /* borrowed from val; NULL: none */
    struct answer_field *set; /* the changes, in the answer's order */
    size_t nset, setcap;
    nd_status_t status;     /* ND_OK (with or without stop), SKIP, RETRY, FAIL */
    const char *why;        /* the reason given with skip, stop, retry, fail */
    int stop;
};

/* What the step sent about one document. */
struct sent {
    struct docline *whole;     /* the document's line, all of it */
    const char *line;          /* what the child got: the whole line, or */
    size_t len;                /* the part `send` names */
    const char *const *fields; /* the fields `send` names; NULL: all */
};

/* Parse and check one line, the answer about `doc`, which was sent as
 * `s`. Returns 0; -EBADMSG when the line is not a JSON object (the child
 * is out of step with us); -EINVAL when it is an object the protocol does
 * not allow (err says what, and what would be right); -ENOMEM. Nothing in
 * *a borrows from the line. On failure nothing needs freeing. */
int answer_parse(struct answer *a, const char *line, size_t len,
                 const struct sent *s, const nd_doc_t *doc, char *err,
                 size_t errlen);

/* Apply a parsed answer to `doc` and say what the step returns; the new
 * values pass to the document. Setting a field can fail only when out of
 * memory (then ND_RETRY, with the document's error set). */
nd_status_t answer_apply(struct answer *a, nd_doc_t *doc);

void answer_free(struct answer *a);

#endif
