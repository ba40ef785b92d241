/* A child's answer about one document (answer.h). */
#include "answer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Fields the host writes itself: a child can neither set nor remove them.
 * The text can be replaced (set "text" to a string) but not removed. */
static const char *const reserved[] = {"schema", "id", "source", "pipeline", NULL};

static int is_reserved(const char *name)
{
    for (size_t i = 0; reserved[i]; i++)
        if (!strcmp(reserved[i], name))
            return 1;
    return 0;
}

/* The reason a verdict carries: a non-empty string (skip may say true). */
static int reason(const nd_val_t *v, const char *key, const char **why,
                  char *err, size_t errlen)
{
    size_t n = 0;
    if (nd_val_type(v) == ND_VAL_STR && (*why = nd_val_as_str(v, &n)) && n)
        return 0;
    if (!strcmp(key, "skip") && nd_val_type(v) == ND_VAL_BOOL && nd_val_as_bool(v)) {
        *why = NULL;
        return 0;
    }
    snprintf(err, errlen, "\"%s\" must be a message (a non-empty string)%s",
             key, strcmp(key, "skip") ? "" : " or true");
    return -EINVAL;
}

static int check_set(const nd_val_t *set, char *err, size_t errlen)
{
    if (nd_val_type(set) != ND_VAL_OBJ) {
        snprintf(err, errlen, "\"set\" must be an object of fields and their "
                 "values");
        return -EINVAL;
    }
    for (size_t i = 0; i < nd_val_len(set); i++) {
        const nd_val_t *v;
        const char *name = nd_val_key_at(set, i, &v);
        if (!*name || is_reserved(name)) {
            snprintf(err, errlen, "it sets \"%s\", which %s", name,
                     *name ? "newsdesk writes itself (schema, id, source and "
                             "pipeline cannot be set)" : "is not a field name");
            return -EINVAL;
        }
        if (!strcmp(name, "text") && nd_val_type(v) != ND_VAL_STR) {
            snprintf(err, errlen, "it sets \"text\" to something that is not "
                     "a string");
            return -EINVAL;
        }
    }
    return 0;
}

static int check_remove(const nd_val_t *remove, char *err, size_t errlen)
{
    if (nd_val_type(remove) != ND_VAL_LIST) {
        snprintf(err, errlen, "\"remove\" must be a list of field names");
        return -EINVAL;
    }
    for (size_t i = 0; i < nd_val_len(remove); i++) {
        const nd_val_t *v = nd_val_at(remove, i);
        const char *name = nd_val_type(v) == ND_VAL_STR ? nd_val_as_str(v, NULL) : NULL;
        if (!name || !*name) {
            snprintf(err, errlen, "\"remove\" must be a list of field names");
            return -EINVAL;
        }
        if (is_reserved(name) || !strcmp(name, "text")) {
            snprintf(err, errlen, "it removes \"%s\", which newsdesk keeps "
                     "(schema, id, source, pipeline and text cannot be "
                     "removed)", name);
            return -EINVAL;
        }
    }
    return 0;
}

int answer_parse(struct answer *a, const char *line, size_t len, char *err,
                 size_t errlen)
{
    memset(a, 0, sizeof *a);
    char perr[160] = "";
    nd_val_t *v = nd_val_parse_json(line, len, perr, sizeof perr);
    if (nd_val_type(v) != ND_VAL_OBJ) {
        snprintf(err, errlen, "answered \"%.80s%s\", which is not a JSON "
                 "object%s%s", line, len > 80 ? "..." : "", v ? "" : ": ",
                 v ? "" : perr);
        if (v)
            nd_val_free(v);
        return -EBADMSG;
    }
    a->val = v;
    a->status = ND_OK;
    const char *verdict = NULL; /* skip, retry or fail: each goes alone */
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < nd_val_len(v); i++) {
        const nd_val_t *item;
        const char *key = nd_val_key_at(v, i, &item);
        if (!strcmp(key, "set")) {
            a->set = item;
            rc = check_set(item, err, errlen);
        } else if (!strcmp(key, "remove")) {
            a->remove = item;
            rc = check_remove(item, err, errlen);
        } else if (!strcmp(key, "stop")) {
            a->stop = 1;
            rc = reason(item, key, &a->why, err, errlen);
        } else if (!strcmp(key, "skip") || !strcmp(key, "retry") ||
                   !strcmp(key, "fail")) {
            if (verdict || a->stop) {
                snprintf(err, errlen, "it says both \"%s\" and \"%s\"",
                         verdict ? verdict : "stop", key);
                rc = -EINVAL;
                break;
            }
            verdict = key;
            a->status = key[0] == 's' ? ND_SKIP : key[0] == 'r' ? ND_RETRY : ND_FAIL;
            rc = reason(item, key, &a->why, err, errlen);
        } else {
            snprintf(err, errlen, "unknown key \"%s\" (an answer has set, "
                     "remove, skip, stop, retry or fail)", key);
            rc = -EINVAL;
        }
    }
    if (rc == 0 && verdict && a->stop) {
        snprintf(err, errlen, "it says both \"stop\" and \"%s\"", verdict);
        rc = -EINVAL;
    }
    if (rc == 0 && verdict && (a->set || a->remove)) {
        snprintf(err, errlen, "\"%s\" goes alone: with it the document is not "
                 "changed, so it cannot have \"set\" or \"remove\"", verdict);
        rc = -EINVAL;
    }
    if (rc < 0)
        answer_free(a);
    return rc;
}

/* A copy of v that the caller owns, or NULL when out of memory. */
static nd_val_t *val_copy(const nd_val_t *v)
{
    nd_val_t *out = NULL;
    size_t n;
    switch (nd_val_type(v)) {
    case ND_VAL_NULL: return nd_val_null();
    case ND_VAL_BOOL: return nd_val_bool(nd_val_as_bool(v));
    case ND_VAL_INT: return nd_val_int(nd_val_as_int(v));
    case ND_VAL_NUM: return nd_val_num(nd_val_as_num(v));
    case ND_VAL_STR: {
        const char *s = nd_val_as_str(v, &n);
        return nd_val_strn(s, n);
    }
    case ND_VAL_LIST:
        out = nd_val_list();
        for (size_t i = 0; out && i < nd_val_len(v); i++)
            if (nd_val_push(out, val_copy(nd_val_at(v, i))) < 0) {
                nd_val_free(out);
                out = NULL;
            }
        return out;
    case ND_VAL_OBJ:
        out = nd_val_obj();
        for (size_t i = 0; out && i < nd_val_len(v); i++) {
            const nd_val_t *item;
            const char *key = nd_val_key_at(v, i, &item);
            if (nd_val_put(out, key, val_copy(item)) < 0) {
                nd_val_free(out);
                out = NULL;
            }
        }
        return out;
    }
    return NULL;
}

nd_status_t answer_apply(const struct answer *a, nd_doc_t *doc)
{
    int rc = 0;
    for (size_t i = 0; a->remove && i < nd_val_len(a->remove); i++)
        rc |= nd_doc_set(doc, nd_val_as_str(nd_val_at(a->remove, i), NULL), NULL);
    for (size_t i = 0; a->set && i < nd_val_len(a->set); i++) {
        const nd_val_t *v;
        const char *name = nd_val_key_at(a->set, i, &v);
        if (!strcmp(name, "text")) {
            size_t n;
            const char *s = nd_val_as_str(v, &n);
            rc |= nd_doc_set_text(doc, s, n);
        } else {
            rc |= nd_doc_set(doc, name, val_copy(v));
        }
    }
    if (rc) {
        nd_doc_error(doc, "out of memory");
        return ND_RETRY;
    }
    if (a->stop && nd_doc_stop(doc, a->why) < 0) {
        nd_doc_error(doc, "the child said stop (\"%s\"), which this newsdesk "
                     "cannot do (plugin ABI 1.1 or later)", a->why);
        return ND_FAIL;
    }
    switch (a->status) {
    case ND_SKIP:
        if (a->why)
            nd_doc_log(doc, ND_LOG_DEBUG, "skipped: %s", a->why);
        break;
    case ND_RETRY:
    case ND_FAIL:
        nd_doc_error(doc, "%s", a->why);
        break;
    default:
        break;
    }
    return a->status;
}

void answer_free(struct answer *a)
{
    if (a->val)
        nd_val_free(a->val);
    memset(a, 0, sizeof *a);
}
