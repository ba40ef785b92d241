/* A child's answer about one document (answer.h). */
#include "answer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"

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

/* The rules for each field `set` names (the values were read already). */
static int check_set(const struct answer *a, char *err, size_t errlen)
{
    for (size_t i = 0; i < a->nset; i++) {
        const char *name = a->set[i].name;
        const nd_val_t *v = a->set[i].val;
        if (!*name || is_reserved(name)) {
            snprintf(err, errlen, "it sets \"%s\", which %s", name,
                     *name ? "newsdesk writes itself (schema, id, source and "
                             "pipeline cannot be set)" : "is not a field name");
            return -EINVAL;
        }
        if (!strcmp(name, "text") && v && nd_val_type(v) != ND_VAL_STR) {
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

/* Does a number read back from the JSON line stand for x? The line
 * writes reals with 12 significant digits, so a child that echoes 0.1234
 * of 0.12340000000001 changes nothing. */
static int same_num(double x, double y)
{
    char a[40], b[40];
    snprintf(a, sizeof a, "%.12g", x);
    snprintf(b, sizeof b, "%.12g", y);
    return x == y || !strcmp(a, b);
}

/* Would the document's JSON line write v where it writes cur? */
static int same_val(const nd_val_t *v, const nd_val_t *cur)
{
    nd_val_type_t t = nd_val_type(v);
    size_t n, m;
    if (!cur || t != nd_val_type(cur))
        return 0;
    switch (t) {
    case ND_VAL_NULL: return 1;
    case ND_VAL_BOOL: return !nd_val_as_bool(v) == !nd_val_as_bool(cur);
    case ND_VAL_INT: return nd_val_as_int(v) == nd_val_as_int(cur);
    case ND_VAL_NUM: return same_num(nd_val_as_num(v), nd_val_as_num(cur));
    case ND_VAL_STR: {
        const char *s = nd_val_as_str(v, &n), *c = nd_val_as_str(cur, &m);
        return n == m && !memcmp(s, c, n);
    }
    case ND_VAL_LIST:
        if (nd_val_len(v) != nd_val_len(cur))
            return 0;
        for (size_t i = 0; i < nd_val_len(v); i++)
            if (!same_val(nd_val_at(v, i), nd_val_at(cur, i)))
                return 0;
        return 1;
    case ND_VAL_OBJ:
        if (nd_val_len(v) != nd_val_len(cur))
            return 0;
        for (size_t i = 0; i < nd_val_len(v); i++) {
            const nd_val_t *a, *b;
            const char *ka = nd_val_key_at(v, i, &a), *kb = nd_val_key_at(cur, i, &b);
            if (!ka || !kb || strcmp(ka, kb) || !same_val(a, b))
                return 0;
        }
        return 1;
    }
    return 0;
}

/* Is field `name` of doc what v says, so that setting it changes nothing? */
static int unchanged(const nd_doc_t *doc, const char *name, const nd_val_t *v)
{
    if (!strcmp(name, "text")) {
        size_t n, m;
        const char *s = nd_val_as_str(v, &n), *t = nd_doc_text(doc, &m);
        return s && t && n == m && !memcmp(s, t, n);
    }
    const nd_val_t *cur = nd_doc_get(doc, name);
    return nd_val_type(v) == ND_VAL_NULL ? !cur : same_val(v, cur);
}

static int removes(const nd_val_t *remove, const char *name)
{
    for (size_t i = 0; i < nd_val_len(remove); i++) {
        const char *r = nd_val_as_str(nd_val_at(remove, i), NULL);
        if (r && !strcmp(r, name))
            return 1;
    }
    return 0;
}

/* A member's key as a string the caller frees; NULL when it is not one
 * (*bad) or out of memory. */
static char *key_of(const struct jscan_member *m, int *bad)
{
    if (m->plain)
        return strndup(m->key, m->keylen);
    nd_val_t *k = nd_val_parse_json(m->key - 1, m->keylen + 2, NULL, 0);
    const char *s = nd_val_type(k) == ND_VAL_STR ? nd_val_as_str(k, NULL) : NULL;
    char *out = s ? strdup(s) : NULL;
    *bad = !s;
    nd_val_free(k);
    return out;
}

/* One field an answer sets, `name` to the value m holds, into a->set
 * unless it changes nothing: either its bytes are the ones newsdesk sent
 * for it (not even parsed), or parsed it equals the field's value.
 * `removed`: the answer removes the field first, so any value is a
 * change. Returns 0, -EBADMSG or -ENOMEM. */
static int take_field(struct answer *a, const char *name,
                      const struct jscan_member *m, struct docline *whole,
                      const nd_doc_t *doc, int removed)
{
    const struct jscan_member *was =
        removed ? NULL : docline_find(whole, name, strlen(name));
    if (was && was->vallen == m->vallen && !memcmp(was->val, m->val, m->vallen) &&
        !is_reserved(name))
        return 0;
    nd_val_t *v = nd_val_parse_json(m->val, m->vallen, NULL, 0);
    if (!v)
        return -EBADMSG;
    if (!removed && !is_reserved(name) && *name && unchanged(doc, name, v)) {
        nd_val_free(v);
        return 0;
    }
    char *own = strdup(name);
    struct answer_field *g = own ? array_grow(a->set, &a->setcap, a->nset + 1,
                                              sizeof *g, 8) : NULL;
    if (!g) {
        free(own);
        nd_val_free(v);
        return -ENOMEM;
    }
    a->set = g;
    a->set[a->nset++] = (struct answer_field){own, v};
    return 0;
}

/* Read the members of `set` (the object at json[0..len)) into a->set:
 * only those that change the document. Returns 0, -EBADMSG or -ENOMEM. */
static int read_set(struct answer *a, const char *json, size_t len,
                    struct docline *whole, const nd_doc_t *doc)
{
    struct jscan_obj o;
    struct jscan_member m;
    int rc, bad = 0;
    if (jscan_open(&o, json, json + len) < 0)
        return -EBADMSG;
    while ((rc = jscan_next(&o, &m)) == 1) {
        char *name = key_of(&m, &bad);
        if (!name)
            return bad ? -EBADMSG : -ENOMEM;
        int err = take_field(a, name, &m, whole,
                             doc, a->remove && removes(a->remove, name));
        free(name);
        if (err < 0)
            return err;
    }
    return rc < 0 ? -EBADMSG : 0;
}

/* Is m, the value an answer in the document's form gives a field that
 * newsdesk writes itself, the value it was sent with? 1 or 0, or -1 when
 * it is not JSON. */
static int as_sent(struct docline *whole, const char *name,
                   const struct jscan_member *m)
{
    const struct jscan_member *was = docline_find(whole, name, strlen(name));
    if (was && was->vallen == m->vallen && !memcmp(was->val, m->val, m->vallen))
        return 1;
    nd_val_t *v = nd_val_parse_json(m->val, m->vallen, NULL, 0);
    if (!v)
        return -1;
    nd_val_t *w = was ? nd_val_parse_json(was->val, was->vallen, NULL, 0) : NULL;
    int same = w && same_val(v, w);
    nd_val_free(v);
    if (w)
        nd_val_free(w);
    return same;
}

/* Did the child get field `name`? */
static int was_given(const struct sent *s, const char *name)
{
    if (!s->fields || !strcmp(name, "schema") || !strcmp(name, "id"))
        return 1;
    for (size_t i = 0; s->fields[i]; i++)
        if (!strcmp(s->fields[i], name))
            return 1;
    return 0;
}

static int named(char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return 1;
    return 0;
}

/* The fields the child got that its answer in the document's form left
 * out, but text and newsdesk's own, into a->remove. Returns 0 or
 * -ENOMEM. */
static int read_left_out(struct answer *a, const struct sent *s,
                         char *const *names, size_t n)
{
    struct docline *whole = s->whole;
    nd_val_t *list = NULL;
    docline_find(whole, "id", 2); /* scans it */
    for (size_t i = 0; whole->scanned == 1 && i < whole->n; i++) {
        int bad = 0;
        char *name = key_of(&whole->f[i], &bad);
        if (!name) {
            if (bad)
                continue; /* newsdesk wrote it: cannot happen */
            goto oom;
        }
        int keep = is_reserved(name) || !strcmp(name, "text") ||
                   !was_given(s, name) || named(names, n, name);
        if (!keep && ((!list && !(list = nd_val_list())) ||
                      nd_val_push(list, nd_val_str(name)) < 0)) {
            free(name);
            goto oom;
        }
        free(name);
    }
    if (!list)
        return 0;
    if (!(a->val = nd_val_obj()) || nd_val_put(a->val, "remove", list) < 0) {
        list = NULL; /* nd_val_put took it */
        goto oom;
    }
    a->remove = nd_val_get(a->val, "remove");
    return 0;
oom:
    if (list)
        nd_val_free(list);
    return -ENOMEM;
}

/* An answer that is the document itself (answer.h): each field it has is
 * set, unless it changes nothing; newsdesk's own must be as they were
 * sent; the fields the child got and left out are removed. Returns 0,
 * -EBADMSG, -EINVAL (err says why) or -ENOMEM. */
static int read_document(struct answer *a, const char *line, size_t len,
                         const struct sent *s, const nd_doc_t *doc, char *err,
                         size_t errlen)
{
    struct jscan_obj o;
    struct jscan_member m;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int more = 0, rc = 0, bad = 0;
    if (jscan_open(&o, line, line + len) < 0)
        return -EBADMSG;
    while (rc == 0 && (more = jscan_next(&o, &m)) == 1) {
        char *name = key_of(&m, &bad);
        char **g = name ? array_grow(names, &cap, n + 1, sizeof *g, 16) : NULL;
        if (!g) {
            free(name);
            rc = bad ? -EBADMSG : -ENOMEM;
            break;
        }
        names = g;
        names[n++] = name;
        if (!is_reserved(name)) {
            rc = take_field(a, name, &m, s->whole, doc, 0);
            continue;
        }
        int same = as_sent(s->whole, name, &m);
        if (same < 0) {
            rc = -EBADMSG;
        } else if (!same) {
            snprintf(err, errlen, "it answers with the document, but with "
                     "another \"%s\" (schema, id, source and pipeline are "
                     "newsdesk's: give them back as they came, or leave them "
                     "out)", name);
            rc = -EINVAL;
        }
    }
    if (rc == 0 && (more < 0 || !jscan_at_end(&o)))
        rc = -EBADMSG;
    if (rc == 0)
        rc = read_left_out(a, s, names, n);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* Read the line's members: all but `set` into a->val, parsed; where the
 * last `set` is, and whether there is one, into *set. Returns 0; 1 at a
 * member "schema": the answer is the document itself (a->val is left for
 * the caller to free); -EBADMSG or -ENOMEM. */
static int read_members(struct answer *a, const char *line, size_t len,
                        struct jscan_member *set, int *has_set)
{
    struct jscan_obj o;
    struct jscan_member m;
    int rc, bad = 0;
    if (jscan_open(&o, line, line + len) < 0)
        return -EBADMSG;
    while ((rc = jscan_next(&o, &m)) == 1) {
        char *key = key_of(&m, &bad);
        if (!key)
            return bad ? -EBADMSG : -ENOMEM;
        if (!strcmp(key, "schema")) {
            free(key);
            return 1;
        }
        nd_val_t *v;
        if (!strcmp(key, "set")) {
            *set = m;
            *has_set = 1;
            /* keeps its place among the others; read_set reads it */
            v = nd_val_obj();
        } else {
            v = nd_val_parse_json(m.val, m.vallen, NULL, 0);
            if (!v) {
                free(key);
                return -EBADMSG;
            }
        }
        if (!a->val && !(a->val = nd_val_obj())) {
            nd_val_free(v);
            rc = -ENOMEM;
        } else {
            rc = nd_val_put(a->val, key, v) < 0 ? -ENOMEM : 0;
        }
        free(key);
        if (rc < 0)
            return rc;
    }
    return rc < 0 || !jscan_at_end(&o) ? -EBADMSG : 0;
}

int answer_parse(struct answer *a, const char *line, size_t len,
                 const struct sent *s, const nd_doc_t *doc, char *err,
                 size_t errlen)
{
    memset(a, 0, sizeof *a);
    a->status = ND_OK;
    /* The line it got, back as it came: a child that echoes. */
    if (len == s->len && !memcmp(line, s->line, len))
        return 0;
    struct jscan_member set = {0};
    int has_set = 0;
    int rc = read_members(a, line, len, &set, &has_set);
    if (rc == 1) {
        answer_free(a);
        a->status = ND_OK;
        rc = read_document(a, line, len, s, doc, err, errlen);
        if (rc == 0)
            rc = check_set(a, err, errlen);
        if (rc == -EINVAL)
            answer_free(a);
        if (rc == 0 || rc == -EINVAL)
            return rc;
    }
    const nd_val_t *setval = has_set ? nd_val_get(a->val, "set") : NULL;
    a->remove = a->val ? nd_val_get(a->val, "remove") : NULL;
    if (rc == 0 && nd_val_type(a->remove) != ND_VAL_LIST)
        a->remove = NULL; /* refused below */
    if (rc == 0 && has_set) {
        if (set.vallen && set.val[0] == '{') {
            rc = read_set(a, set.val, set.vallen, s->whole, doc);
        } else {
            /* not an object: refused below, if it is JSON at all */
            nd_val_t *v = nd_val_parse_json(set.val, set.vallen, NULL, 0);
            rc = v ? nd_val_put((nd_val_t *)a->val, "set", v) : -EBADMSG;
            setval = nd_val_get(a->val, "set");
        }
    }
    if (rc == -EBADMSG) {
        char perr[160] = "";
        nd_val_t *v = nd_val_parse_json(line, len, perr, sizeof perr);
        snprintf(err, errlen, "answered \"%.80s%s\", which is not a JSON "
                 "object%s%s", line, len > 80 ? "..." : "", v ? "" : ": ",
                 v ? "" : perr);
        if (v)
            nd_val_free(v);
    } else if (rc < 0) {
        snprintf(err, errlen, "out of memory");
    }
    if (rc < 0) {
        answer_free(a);
        return rc;
    }
    a->status = ND_OK;
    const char *verdict = NULL; /* skip, retry or fail: each goes alone */
    const nd_val_t *v = a->val;
    for (size_t i = 0; rc == 0 && i < nd_val_len(v); i++) {
        const nd_val_t *item;
        const char *key = nd_val_key_at(v, i, &item);
        if (!strcmp(key, "set")) {
            if (nd_val_type(setval) != ND_VAL_OBJ) {
                snprintf(err, errlen, "\"set\" must be an object of fields "
                         "and their values");
                rc = -EINVAL;
            } else {
                rc = check_set(a, err, errlen);
            }
        } else if (!strcmp(key, "remove")) {
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
    if (rc == 0 && verdict && (has_set || a->remove)) {
        snprintf(err, errlen, "\"%s\" goes alone: with it the document is not "
                 "changed, so it cannot have \"set\" or \"remove\"", verdict);
        rc = -EINVAL;
    }
    if (rc < 0)
        answer_free(a);
    return rc;
}

nd_status_t answer_apply(struct answer *a, nd_doc_t *doc)
{
    int rc = 0;
    for (size_t i = 0; a->remove && i < nd_val_len(a->remove); i++) {
        const char *name = nd_val_as_str(nd_val_at(a->remove, i), NULL);
        if (nd_doc_get(doc, name)) /* removing what is not there changes nothing */
            rc |= nd_doc_set(doc, name, NULL);
    }
    for (size_t i = 0; i < a->nset; i++) {
        struct answer_field *f = &a->set[i];
        if (!strcmp(f->name, "text")) {
            size_t n;
            const char *s = nd_val_as_str(f->val, &n);
            rc |= nd_doc_set_text(doc, s, n);
        } else {
            rc |= nd_doc_set(doc, f->name, f->val);
            f->val = NULL; /* the document's now */
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
    for (size_t i = 0; i < a->nset; i++) {
        free(a->set[i].name);
        if (a->set[i].val)
            nd_val_free(a->set[i].val);
    }
    free(a->set);
    memset(a, 0, sizeof *a);
}
