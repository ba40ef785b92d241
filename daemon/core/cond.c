/* `when` conditions on pipeline steps: a small recursive-descent parser
 * into a tree, and its evaluation against a document's fields. */
#include "cond.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "document.h"
#include "value.h"

enum tok_kind {
    T_END, T_STR, T_NUM, T_IDENT, T_LPAREN, T_RPAREN, T_LBRACK, T_RBRACK,
    T_COMMA, T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_ERR
};

struct tok {
    enum tok_kind kind;
    int col;
    char *text; /* T_STR, T_IDENT (malloc'd) */
    double num;
};

enum node_kind { N_AND, N_OR, N_NOT, N_CMP, N_EXISTS, N_TRUTH };
enum cmp_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN, OP_CONTAINS };

struct cond {
    enum node_kind kind;
    struct cond *a, *b;  /* N_AND, N_OR, N_NOT */
    char *path;          /* N_CMP, N_EXISTS, N_TRUTH: the field */
    enum cmp_op op;
    json_t *value;       /* literal operand (a list for `in`) */
    char *rpath;         /* or a field on the right */
};

struct parser {
    const char *src, *p;
    struct tok t;
    char *err;
    size_t errlen;
    int errcol;
    int failed;
};

static void fail(struct parser *ps, int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(struct parser *ps, int col, const char *fmt, ...)
{
    if (ps->failed)
        return;
    ps->failed = 1;
    ps->errcol = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err, ps->errlen, fmt, ap);
    va_end(ap);
}

static int is_ident_char(int c)
{
    return isalnum(c) || c == '_' || c == '.' || c == '[' || c == ']' ||
           c == ':' || c == '-';
}

static void next(struct parser *ps)
{
    free(ps->t.text);
    memset(&ps->t, 0, sizeof ps->t);
    while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n')
        ps->p++;
    ps->t.col = (int)(ps->p - ps->src);
    const char *p = ps->p;
    switch (*p) {
    case '\0': ps->t.kind = T_END; return;
    case '(': ps->t.kind = T_LPAREN; ps->p++; return;
    case ')': ps->t.kind = T_RPAREN; ps->p++; return;
    case '[': ps->t.kind = T_LBRACK; ps->p++; return;
    case ']': ps->t.kind = T_RBRACK; ps->p++; return;
    case ',': ps->t.kind = T_COMMA; ps->p++; return;
    case '=':
        if (p[1] == '=') {
            ps->t.kind = T_EQ;
            ps->p += 2;
            return;
        }
        break;
    case '!':
        if (p[1] == '=') {
            ps->t.kind = T_NE;
            ps->p += 2;
            return;
        }
        break;
    case '<':
        ps->t.kind = p[1] == '=' ? T_LE : T_LT;
        ps->p += p[1] == '=' ? 2 : 1;
        return;
    case '>':
        ps->t.kind = p[1] == '=' ? T_GE : T_GT;
        ps->p += p[1] == '=' ? 2 : 1;
        return;
    case '"':
    case '\'': {
        char q = *p++;
        size_t cap = strlen(p) + 1, o = 0;
        char *s = malloc(cap);
        while (*p && *p != q) {
            if (*p == '\\' && p[1])
                p++;
            s[o++] = *p++;
        }
        s[o] = '\0';
        if (*p != q) {
            free(s);
            ps->t.kind = T_ERR;
            fail(ps, ps->t.col, "unterminated string");
            return;
        }
        ps->p = p + 1;
        ps->t.kind = T_STR;
        ps->t.text = s;
        return;
    }
    default:
        break;
    }
    if (isdigit((unsigned char)*p) || (*p == '-' && isdigit((unsigned char)p[1]))) {
        char *end;
        ps->t.num = strtod(p, &end);
        ps->t.kind = T_NUM;
        ps->p = end;
        return;
    }
    if (isalpha((unsigned char)*p) || *p == '_') {
        const char *s = p;
        while (is_ident_char((unsigned char)*p))
            p++;
        ps->t.kind = T_IDENT;
        ps->t.text = strndup(s, (size_t)(p - s));
        ps->p = p;
        return;
    }
    ps->t.kind = T_ERR;
    fail(ps, ps->t.col, "unexpected character '%c'", *p);
}

static int is_word(const struct parser *ps, const char *w)
{
    return ps->t.kind == T_IDENT && !strcmp(ps->t.text, w);
}

static struct cond *parse_or(struct parser *ps);

static struct cond *new_node(enum node_kind k)
{
    struct cond *c = calloc(1, sizeof *c);
    if (c)
        c->kind = k;
    return c;
}

/* A literal: string, number, true, false, null, or a [list]. */
static json_t *parse_literal(struct parser *ps)
{
    json_t *v = NULL;
    if (ps->t.kind == T_STR)
        v = json_string(ps->t.text);
    else if (ps->t.kind == T_NUM)
        v = json_real(ps->t.num);
    else if (is_word(ps, "true"))
        v = json_true();
    else if (is_word(ps, "false"))
        v = json_false();
    else if (is_word(ps, "null"))
        v = json_null();
    else if (ps->t.kind == T_LBRACK) {
        v = json_array();
        next(ps);
        while (!ps->failed && ps->t.kind != T_RBRACK) {
            json_t *item = parse_literal(ps);
            if (!item)
                break;
            json_array_append_new(v, item);
            if (ps->t.kind == T_COMMA)
                next(ps);
            else if (ps->t.kind != T_RBRACK)
                fail(ps, ps->t.col, "expected , or ] in the list");
        }
        if (ps->failed) {
            json_decref(v);
            return NULL;
        }
    } else {
        fail(ps, ps->t.col, "expected a value (a \"string\", a number, "
             "true, false, null or a [list])");
        return NULL;
    }
    if (!v) {
        fail(ps, ps->t.col, "string is not valid UTF-8");
        return NULL;
    }
    next(ps);
    return v;
}

static int is_path(const struct parser *ps)
{
    static const char *const words[] = {"and", "or", "not", "in", "contains",
                                        "exists", "true", "false", "null", NULL};
    if (ps->t.kind != T_IDENT)
        return 0;
    for (size_t i = 0; words[i]; i++)
        if (!strcmp(ps->t.text, words[i]))
            return 0;
    return 1;
}

/* `"medtop:15000000" in topics`: a literal, then `in`, then a field; the
 * same test as `topics contains "medtop:15000000"`. */
static struct cond *parse_member(struct parser *ps)
{
    json_t *lit = parse_literal(ps);
    if (!lit)
        return NULL;
    if (!is_word(ps, "in")) {
        fail(ps, ps->t.col, "expected in after a value on the left (a value "
             "can only be tested for membership of a field)");
        json_decref(lit);
        return NULL;
    }
    next(ps);
    if (!is_path(ps)) {
        fail(ps, ps->t.col, "expected a field name after in");
        json_decref(lit);
        return NULL;
    }
    struct cond *c = new_node(N_CMP);
    c->path = strdup(ps->t.text);
    c->op = OP_CONTAINS;
    c->value = lit;
    next(ps);
    return c;
}

static struct cond *parse_primary(struct parser *ps)
{
    if (ps->t.kind == T_LPAREN) {
        int col = ps->t.col;
        next(ps);
        struct cond *c = parse_or(ps);
        if (c && ps->t.kind != T_RPAREN) {
            fail(ps, ps->t.col, "expected ) to close the ( at column %d", col + 1);
            cond_free(c);
            return NULL;
        }
        next(ps);
        return c;
    }
    if (is_word(ps, "not")) {
        next(ps);
        struct cond *inner = parse_primary(ps);
        if (!inner)
            return NULL;
        struct cond *c = new_node(N_NOT);
        c->a = inner;
        return c;
    }
    if (is_word(ps, "exists")) {
        next(ps);
        int paren = ps->t.kind == T_LPAREN;
        if (paren)
            next(ps);
        if (!is_path(ps)) {
            fail(ps, ps->t.col, "expected a field name after exists");
            return NULL;
        }
        struct cond *c = new_node(N_EXISTS);
        c->path = strdup(ps->t.text);
        next(ps);
        if (paren) {
            if (ps->t.kind != T_RPAREN) {
                fail(ps, ps->t.col, "expected )");
                cond_free(c);
                return NULL;
            }
            next(ps);
        }
        return c;
    }
    if (ps->t.kind == T_STR || ps->t.kind == T_NUM)
        return parse_member(ps);
    if (!is_path(ps)) {
        fail(ps, ps->t.col, "expected a field name, (, not or exists");
        return NULL;
    }
    struct cond *c = new_node(N_CMP);
    c->path = strdup(ps->t.text);
    next(ps);
    switch (ps->t.kind) {
    case T_EQ: c->op = OP_EQ; break;
    case T_NE: c->op = OP_NE; break;
    case T_LT: c->op = OP_LT; break;
    case T_LE: c->op = OP_LE; break;
    case T_GT: c->op = OP_GT; break;
    case T_GE: c->op = OP_GE; break;
    default:
        if (is_word(ps, "in"))
            c->op = OP_IN;
        else if (is_word(ps, "contains"))
            c->op = OP_CONTAINS;
        else if (is_word(ps, "exists")) {
            c->kind = N_EXISTS;
            next(ps);
            return c;
        } else {
            /* A bare field: true when present and truthy. */
            c->kind = N_TRUTH;
            return c;
        }
    }
    next(ps);
    if (is_path(ps)) {
        c->rpath = strdup(ps->t.text);
        next(ps);
    } else {
        int col = ps->t.col;
        c->value = parse_literal(ps);
        if (!c->value) {
            cond_free(c);
            return NULL;
        }
        if (c->op == OP_IN && !json_is_array(c->value)) {
            fail(ps, col, "expected a [list] after in");
            cond_free(c);
            return NULL;
        }
    }
    return c;
}

static struct cond *parse_and(struct parser *ps)
{
    struct cond *l = parse_primary(ps);
    while (l && is_word(ps, "and")) {
        next(ps);
        struct cond *r = parse_primary(ps);
        if (!r) {
            cond_free(l);
            return NULL;
        }
        struct cond *n = new_node(N_AND);
        n->a = l, n->b = r;
        l = n;
    }
    return l;
}

static struct cond *parse_or(struct parser *ps)
{
    struct cond *l = parse_and(ps);
    while (l && is_word(ps, "or")) {
        next(ps);
        struct cond *r = parse_and(ps);
        if (!r) {
            cond_free(l);
            return NULL;
        }
        struct cond *n = new_node(N_OR);
        n->a = l, n->b = r;
        l = n;
    }
    return l;
}

struct cond *cond_parse(const char *src, char *err, size_t errlen, int *col)
{
    struct parser ps = {.src = src, .p = src, .err = err, .errlen = errlen};
    next(&ps);
    struct cond *c = ps.failed ? NULL : parse_or(&ps);
    if (c && !ps.failed && ps.t.kind != T_END) {
        fail(&ps, ps.t.col, "unexpected %s after the condition; join "
             "conditions with and / or", ps.t.text ? ps.t.text : "token");
    }
    if (c && !ps.failed && ps.t.kind == T_END && c->kind == N_TRUTH &&
        !c->path)
        fail(&ps, 0, "empty condition");
    free(ps.t.text);
    if (ps.failed) {
        cond_free(c);
        if (col)
            *col = ps.errcol;
        return NULL;
    }
    return c;
}

void cond_free(struct cond *c)
{
    if (!c)
        return;
    cond_free(c->a);
    cond_free(c->b);
    free(c->path);
    free(c->rpath);
    json_decref(c->value);
    free(c);
}

/* ---- evaluation ------------------------------------------------------- */

/* The value at `path` in the document; *tmp holds a new reference when one
 * had to be made (the caller decrefs it). */
static json_t *resolve(const nd_doc_t *d, const char *path, json_t **tmp)
{
    *tmp = NULL;
    char head[128];
    size_t n = strcspn(path, ".[");
    if (n >= sizeof head)
        return NULL;
    memcpy(head, path, n);
    head[n] = '\0';
    const char *rest = path + n;
    json_t *v;
    if (!strcmp(head, "id")) {
        v = *tmp = json_string(d->id);
    } else if (!strcmp(head, "text")) {
        v = d->text ? (*tmp = json_stringn_nocheck(d->text, d->text_len)) : NULL;
    } else if (!strcmp(head, "source")) {
        v = *tmp = json_pack("{s:s?, s:s?, s:s?, s:I}", "name", d->name,
                             "media_type", d->media_type, "path", d->path,
                             "bytes", (json_int_t)d->raw_len);
    } else {
        v = VAL(doc_get(d, head));
    }
    while (v && *rest) {
        if (*rest == '.') {
            rest++;
            size_t k = strcspn(rest, ".[");
            char key[256];
            if (k >= sizeof key)
                return NULL;
            memcpy(key, rest, k);
            key[k] = '\0';
            rest += k;
            if (json_is_object(v)) {
                v = json_object_get(v, key);
            } else if (json_is_array(v)) {
                /* entities.PERSON: the texts of the entities of that type */
                json_t *list = json_array();
                size_t i;
                json_t *e;
                json_array_foreach(v, i, e)
                {
                    json_t *type = json_object_get(e, "type");
                    if (json_is_string(type) && !strcmp(json_string_value(type), key))
                        json_array_append(list, json_object_get(e, "text"));
                }
                /* The list holds its own references: the tree it came
                 * from may go. */
                json_t *old = *tmp;
                *tmp = list;
                v = list;
                json_decref(old);
            } else {
                return NULL;
            }
        } else if (*rest == '[') {
            char *end;
            long idx = strtol(rest + 1, &end, 10);
            if (*end != ']')
                return NULL;
            rest = end + 1;
            v = idx >= 0 ? json_array_get(v, (size_t)idx) : NULL;
        } else {
            return NULL;
        }
    }
    return v;
}

static int equal(json_t *a, json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    if (json_is_string(a) && json_is_string(b))
        return !strcmp(json_string_value(a), json_string_value(b));
    /* A topic, label or entity equals its id, label or text. */
    if (json_is_object(a) && json_is_string(b)) {
        static const char *const keys[] = {"id", "label", "text", NULL};
        for (size_t i = 0; keys[i]; i++)
            if (equal(json_object_get(a, keys[i]), b))
                return 1;
        return 0;
    }
    return json_equal(a, b);
}

static int order(json_t *a, json_t *b, int *cmp)
{
    if (json_is_number(a) && json_is_number(b)) {
        double x = json_number_value(a), y = json_number_value(b);
        *cmp = x < y ? -1 : x > y;
        return 0;
    }
    if (json_is_string(a) && json_is_string(b)) {
        *cmp = strcmp(json_string_value(a), json_string_value(b));
        return 0;
    }
    return -1;
}

static int truthy(json_t *v)
{
    if (!v || json_is_null(v) || json_is_false(v))
        return 0;
    if (json_is_string(v) || json_is_array(v) || json_is_object(v))
        return json_string_length(v) > 0 || json_array_size(v) > 0 ||
               json_object_size(v) > 0;
    if (json_is_number(v))
        return json_number_value(v) != 0;
    return 1;
}

static int compare(const struct cond *c, json_t *l, json_t *r)
{
    int cmp;
    switch (c->op) {
    case OP_EQ: return l && r && equal(l, r);
    case OP_NE: return !(l && r && equal(l, r));
    case OP_LT: return l && r && order(l, r, &cmp) == 0 && cmp < 0;
    case OP_LE: return l && r && order(l, r, &cmp) == 0 && cmp <= 0;
    case OP_GT: return l && r && order(l, r, &cmp) == 0 && cmp > 0;
    case OP_GE: return l && r && order(l, r, &cmp) == 0 && cmp >= 0;
    case OP_IN: {
        size_t i;
        json_t *e;
        if (!l || !json_is_array(r))
            return 0;
        json_array_foreach(r, i, e) if (equal(l, e) || equal(e, l)) return 1;
        return 0;
    }
    case OP_CONTAINS: {
        if (!l || !r)
            return 0;
        if (json_is_string(l) && json_is_string(r))
            return strstr(json_string_value(l), json_string_value(r)) != NULL;
        if (json_is_array(l)) {
            size_t i;
            json_t *e;
            json_array_foreach(l, i, e) if (equal(e, r)) return 1;
        }
        return 0;
    }
    }
    return 0;
}

int cond_eval(const struct cond *c, const nd_doc_t *d)
{
    json_t *tl, *tr = NULL;
    int res;
    switch (c->kind) {
    case N_AND: return cond_eval(c->a, d) && cond_eval(c->b, d);
    case N_OR: return cond_eval(c->a, d) || cond_eval(c->b, d);
    case N_NOT: return !cond_eval(c->a, d);
    case N_EXISTS: {
        json_t *v = resolve(d, c->path, &tl);
        res = v && !json_is_null(v);
        json_decref(tl);
        return res;
    }
    case N_TRUTH: {
        json_t *v = resolve(d, c->path, &tl);
        res = truthy(v);
        json_decref(tl);
        return res;
    }
    case N_CMP: {
        json_t *l = resolve(d, c->path, &tl);
        json_t *r = c->rpath ? resolve(d, c->rpath, &tr) : c->value;
        res = compare(c, l, r);
        json_decref(tl);
        json_decref(tr);
        return res;
    }
    }
    return 0;
}
