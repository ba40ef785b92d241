/* Named entities: value patterns first (values.c), then runs of
 * capitalised words typed by gazetteers (lexicon.c), titles, organisation
 * and place heads, first names and context (ner_runs.c), and last the
 * passes over the whole document that resolve short forms ("Bessent") to
 * the fullest form ("Scott Bessent"), settle types by context and gather
 * mentions into entities (ner_passes.c). ner_int.h lists the parts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/grow.h"
#include "ner_int.h"

const char *nlp_etype_name(int type)
{
    static const char *const names[] = {"PERSON", "ORG", "LOC", "NORP", "DATE",
                                        "TIME", "MONEY", "PERCENT", "QUANTITY"};
    return type >= 0 && type < NLP_NTYPES ? names[type] : "UNKNOWN";
}

/* The values of the document (dates, times, amounts), whose tokens
 * `used` marks. */
static void find_values(struct mentions *m, const struct ner_ctx *ctx, uint8_t *used)
{
    for (size_t k = 0; k < m->d->ntok && !m->oom;) {
        size_t end;
        nlp_value_t v;
        int type = value_at(ctx, k, &end, &v);
        if (type < 0 || end <= k) {
            k++;
            continue;
        }
        mention_add(m, k, end, type, 0);
        if (!m->oom)
            m->c[m->n - 1].value = v;
        memset(used + k, 1, end - k);
        k = end;
    }
}

static int by_position(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    return x->first < y->first ? -1 : x->first > y->first;
}

/* Places inside hyphenated words that no mention covers: "US-China
 * talks", "Russia-Ukraine", "London-based". Every capitalised part must
 * be a place; a lower-case last part ("based", "born") is left out. */
static int by_cstart(const void *a, const void *b)
{
    const nlp_mention_t *x = a, *y = b;
    return x->cstart < y->cstart ? -1 : x->cstart > y->cstart;
}

static int hyphen_places(const struct ner_doc *d, const uint8_t *covered, nlp_entities_t *out)
{
    size_t cap_ent = out->nent, cap_men = out->nmen, added = 0;
    for (size_t k = 0; k < d->ntok; k++) {
        const nlp_token_t *t = &d->tok[k];
        if (covered[k] || t->kind != NLP_WORD || !(t->flags & NLP_CAP))
            continue;
        const char *s = tk_s(d, k);
        size_t n = tk_n(d, k);
        if (!memchr(s, '-', n))
            continue;
        /* Split at hyphens: at most 4 parts. */
        size_t ps[4], pe[4], np = 0, a = 0;
        for (size_t i = 0; i <= n && np < 4; i++) {
            if (i == n || s[i] == '-') {
                ps[np] = a, pe[np] = i, np++;
                a = i + 1;
            }
        }
        if (np < 2 || a <= n)
            continue; /* more than 4 parts */
        if (s[ps[np - 1]] >= 'a' && s[ps[np - 1]] <= 'z')
            np--; /* "London-based" */
        int all = np >= 1;
        for (size_t p = 0; p < np && all; p++) {
            uint32_t f = lex_flags(s + ps[p], pe[p] - ps[p]);
            all = pe[p] - ps[p] >= 2 && gaz_type(f, 1) == NLP_LOC;
        }
        if (!all)
            continue;
        for (size_t p = 0; p < np; p++) {
            size_t e;
            for (e = 0; e < out->nent; e++)
                if (out->ent[e].type == NLP_LOC &&
                    strlen(out->ent[e].text) == pe[p] - ps[p] &&
                    !memcmp(out->ent[e].text, s + ps[p], pe[p] - ps[p]))
                    break;
            if (e == out->nent) {
                nlp_entity_t *g = array_grow(out->ent, &cap_ent, out->nent + 1,
                                             sizeof *g, 8);
                if (!g)
                    return -1;
                out->ent = g;
                nlp_entity_t *en = &out->ent[out->nent];
                memset(en, 0, sizeof *en);
                en->type = NLP_LOC;
                en->first = (uint32_t)k, en->last = (uint32_t)k + 1;
                en->text = strndup(s + ps[p], pe[p] - ps[p]);
                if (!en->text)
                    return -1;
                out->nent++;
            }
            nlp_mention_t *g = array_grow(out->men, &cap_men, out->nmen + 1,
                                          sizeof *g, 8);
            if (!g)
                return -1;
            out->men = g;
            /* Code points before the part, within the token. */
            size_t before = 0;
            for (size_t i = 0; i < ps[p];)
                nlp_utf8_next(s, ps[p], &i), before++;
            size_t len = 0;
            for (size_t i = ps[p]; i < pe[p];)
                nlp_utf8_next(s, pe[p], &i), len++;
            nlp_mention_t *m = &out->men[out->nmen++];
            m->first = (uint32_t)k, m->last = (uint32_t)k + 1;
            m->entity = (uint32_t)e;
            m->cstart = t->cstart + (uint32_t)before;
            m->cend = m->cstart + (uint32_t)len;
            out->ent[e].count++;
            added++;
        }
    }
    if (added)
        qsort(out->men, out->nmen, sizeof *out->men, by_cstart);
    return 0;
}

/* The mentions of the document, sorted by position. Returns 0 or
 * -ENOMEM. */
static int find_mentions(struct mentions *m, const struct ner_ctx *ctx)
{
    uint8_t *used = calloc(m->d->ntok ? m->d->ntok : 1, 1);
    if (!used)
        return -ENOMEM;
    find_values(m, ctx, used);
    if (!m->oom)
        find_names(m, used);
    free(used);
    if (m->oom)
        return -ENOMEM;
    if (m->n)
        qsort(m->c, m->n, sizeof *m->c, by_position);
    return 0;
}

/* Add the places inside hyphenated words that no mention covers. */
static int add_hyphen_places(const struct ner_doc *d, nlp_entities_t *out)
{
    uint8_t *covered = calloc(d->ntok ? d->ntok : 1, 1);
    if (!covered)
        return -ENOMEM;
    for (size_t m = 0; m < out->nmen; m++)
        memset(covered + out->men[m].first, 1, out->men[m].last - out->men[m].first);
    int rc = hyphen_places(d, covered, out);
    free(covered);
    return rc < 0 ? -ENOMEM : 0;
}

int nlp_entities_find(const nlp_doc_t *d, int64_t now, nlp_entities_t *out)
{
    memset(out, 0, sizeof *out);
    struct ner_doc nd;
    if (ner_doc_init(&nd, d) < 0)
        return -ENOMEM;
    struct ner_ctx ctx = {.d = d, .lx = nd.lx};
    int64_t days = now >= 0 ? now / 86400 : -((-now + 86399) / 86400);
    ctx.days = days;
    civil_from_days(days, &ctx.year, &ctx.month, &ctx.day);
    struct mentions m = {.d = &nd};
    int rc = find_mentions(&m, &ctx);
    if (rc == 0)
        rc = resolve(&m, out);
    if (rc == 0)
        rc = add_hyphen_places(&nd, out);
    free(m.c);
    free(m.dropped);
    ner_doc_free(&nd);
    if (rc < 0) {
        nlp_entities_free(out);
        return -ENOMEM;
    }
    return 0;
}

void nlp_entities_free(nlp_entities_t *e)
{
    for (size_t i = 0; i < e->nent; i++)
        free(e->ent[i].text);
    free(e->ent);
    free(e->men);
    memset(e, 0, sizeof *e);
}

int nlp_parse_iso_date(const char *s, int64_t *out)
{
    int y, m, dd, hh = 0, mi = 0, ss = 0;
    if (!s || sscanf(s, "%4d-%2d-%2d", &y, &m, &dd) != 3)
        return -EINVAL;
    if (m < 1 || m > 12 || dd < 1 || dd > 31)
        return -EINVAL;
    if (s[10] == 'T' || s[10] == ' ')
        sscanf(s + 11, "%2d:%2d:%2d", &hh, &mi, &ss);
    *out = days_from_civil(y, m, dd) * 86400 + hh * 3600 + mi * 60 + ss;
    return 0;
}
