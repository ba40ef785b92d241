/* The passes over a document's mentions, once all are found: each
 * settles types or short forms by a rule about the whole document
 * ("Bessent" after "Scott Bessent", "Apple" after "Apple Inc.", "the
 * company Nordvik"), in the order of the table `passes`; then the
 * mentions are gathered into entities. Every pass has a case file,
 * tests/nlp/passes/<name>.txt, that shows what it does. */
#include <errno.h>
#include <stdlib.h>

#include "base/hash.h"
#include "ner_int.h"

/* ---- mentions by their words ------------------------------------------------ */

/* A multimap from 64-bit text hashes to mention indexes, so resolving a
 * document stays linear in its mentions however long it is. */
#define NONE UINT32_MAX
struct hmap {
    uint64_t *key;
    uint32_t *val, *next, *head;
    size_t n, cap, mask;
};

static int hmap_init(struct hmap *m, size_t cap)
{
    size_t buckets = 16;
    while (buckets < cap * 2)
        buckets <<= 1;
    m->key = malloc(cap * sizeof *m->key);
    m->val = malloc(cap * sizeof *m->val);
    m->next = malloc(cap * sizeof *m->next);
    m->head = malloc(buckets * sizeof *m->head);
    m->n = 0, m->cap = cap, m->mask = buckets - 1;
    if (!m->key || !m->val || !m->next || !m->head)
        return -ENOMEM;
    memset(m->head, 0xff, buckets * sizeof *m->head);
    return 0;
}

static void hmap_free(struct hmap *m)
{
    free(m->key), free(m->val), free(m->next), free(m->head);
    memset(m, 0, sizeof *m);
}

static void hmap_add(struct hmap *m, uint64_t key, uint32_t val)
{
    if (m->n == m->cap)
        return; /* sized for every entry up front */
    size_t b = key & m->mask;
    m->key[m->n] = key, m->val[m->n] = val, m->next[m->n] = m->head[b];
    m->head[b] = (uint32_t)m->n++;
}

static uint32_t hmap_first(const struct hmap *m, uint64_t key)
{
    uint32_t e = m->head[key & m->mask];
    while (e != NONE && m->key[e] != key)
        e = m->next[e];
    return e;
}

static uint32_t hmap_next(const struct hmap *m, uint32_t e)
{
    uint64_t key = m->key[e];
    for (e = m->next[e]; e != NONE && m->key[e] != key; e = m->next[e])
        ;
    return e;
}

/* Tokens a..b as one string, each followed by a space. */
static uint64_t text_hash(const struct ner_doc *d, size_t a, size_t b, uint64_t seed)
{
    uint64_t h = HASH_FNV1A_SEED ^ seed;
    for (size_t k = a; k < b; k++) {
        h = hash_fnv1a(tk_s(d, k), tk_n(d, k), h);
        h = hash_fnv1a(" ", 1, h);
    }
    return h;
}

static int same_text(const struct ner_doc *d, size_t a1, size_t b1, size_t a2, size_t b2)
{
    if (b1 - a1 != b2 - a2)
        return 0;
    for (size_t i = 0; i < b1 - a1; i++)
        if (tk_n(d, a1 + i) != tk_n(d, a2 + i) ||
            memcmp(tk_s(d, a1 + i), tk_s(d, a2 + i), tk_n(d, a1 + i)))
            return 0;
    return 1;
}

static int is_value_type(int t) { return t >= NLP_DATE; }

/* ---- the passes ----------------------------------------------------------------- */

/* What the passes share: the mentions, the fullest form each stands for
 * (canon[i], a mention index), and what two passes need. */
struct resolve {
    const struct ner_doc *d;
    struct mentions *m;
    size_t *canon;
    /* The people named in full, by the tails and the first words of
     * their names, as found (person_maps). */
    struct hmap tails, heads;
    int sport; /* is it a sports report: -1 not read yet */
};

static int sport(struct resolve *rs)
{
    if (rs->sport < 0)
        rs->sport = sports_report(rs->d);
    return rs->sport;
}

/* The people of two words or more among the mentions, each full name
 * once (a name repeated thousands of times must not make the lookups
 * quadratic), by their proper tails ("Bessent" of "Scott Bessent") in
 * rs->tails and by their first words in rs->heads. */
static int person_maps(struct resolve *rs)
{
    const struct ner_doc *d = rs->d;
    const struct cand *c = rs->m->c;
    size_t n = rs->m->n, words = 0;
    for (size_t j = 0; j < n; j++)
        if (c[j].type == NLP_PERSON)
            words += c[j].last - c[j].first;
    struct hmap fulls;
    if (hmap_init(&fulls, n + 1) < 0 || hmap_init(&rs->tails, words + 1) < 0 ||
        hmap_init(&rs->heads, words + 1) < 0) {
        hmap_free(&fulls);
        return -ENOMEM;
    }
    for (size_t j = 0; j < n; j++) {
        size_t lj = c[j].last - c[j].first;
        if (c[j].type != NLP_PERSON || lj < 2)
            continue;
        uint64_t hf = text_hash(d, c[j].first, c[j].last, 0);
        int dup = 0;
        for (uint32_t x = hmap_first(&fulls, hf); x != NONE && !dup; x = hmap_next(&fulls, x))
            dup = same_text(d, c[j].first, c[j].last, c[fulls.val[x]].first,
                            c[fulls.val[x]].last);
        if (dup)
            continue;
        hmap_add(&fulls, hf, (uint32_t)j);
        for (size_t li = 1; li < lj; li++)
            hmap_add(&rs->tails, text_hash(d, c[j].last - li, c[j].last, 0), (uint32_t)j);
        hmap_add(&rs->heads, text_hash(d, c[j].first, c[j].first + 1, 0), (uint32_t)j);
    }
    hmap_free(&fulls);
    return 0;
}

/* A mention that is the tail of a longer person's name is that person
 * ("Bessent" → "Scott Bessent", "President Trump" → "Donald Trump"), and
 * so is a lone first name that no other entity claims ("Carter" after
 * "Carter Beauford"); not "the town of Bridgton", nor a country. */
static int pass_person_short_forms(struct resolve *rs)
{
    const struct ner_doc *d = rs->d;
    struct cand *c = rs->m->c;
    const struct hmap *heads = &rs->heads;
    for (size_t i = 0; i < rs->m->n; i++) {
        if (is_value_type(c[i].type) || c[i].country ||
            (c[i].type != NLP_PERSON && place_of(d, c[i].first)))
            continue;
        size_t li = c[i].last - c[i].first, best = SIZE_MAX, bestlen = li;
        uint64_t h = text_hash(d, c[i].first, c[i].last, 0);
        for (uint32_t e = hmap_first(&rs->tails, h); e != NONE; e = hmap_next(&rs->tails, e)) {
            size_t j = rs->tails.val[e], lj = c[j].last - c[j].first;
            if (c[j].weak > c[i].weak + 1 || lj <= bestlen)
                continue;
            if (same_text(d, c[i].first, c[i].last, c[j].last - li, c[j].last))
                best = j, bestlen = lj;
        }
        if (best == SIZE_MAX && li == 1 && (c[i].type == UNKNOWN || c[i].type == NLP_PERSON))
            for (uint32_t e = hmap_first(heads, h); e != NONE && best == SIZE_MAX;
                 e = hmap_next(heads, e))
                if (same_text(d, c[i].first, c[i].last, c[heads->val[e]].first,
                              c[heads->val[e]].first + 1))
                    best = heads->val[e];
        if (best != SIZE_MAX) {
            c[i].type = NLP_PERSON, c[i].weak = 0;
            rs->canon[i] = best;
        }
    }
    return 0;
}

/* "Apple" is "Apple Inc.", "Nordvik" is "Nordvik Energy": an untyped or
 * guessed mention that is an organisation's name without its legal
 * form or head is that organisation. */
static int pass_org_short_forms(struct resolve *rs)
{
    const struct ner_doc *d = rs->d;
    struct cand *c = rs->m->c;
    size_t n = rs->m->n;
    struct hmap bare;
    if (hmap_init(&bare, n + 1) < 0)
        return -ENOMEM;
    for (size_t j = 0; j < n; j++) {
        size_t l = c[j].last - 1;
        if (c[j].type != NLP_ORG || l == c[j].first ||
            !((d->lw[l] & LW_LEGAL) || (d->tf[l] & LX_ORGHEAD)))
            continue;
        uint64_t hb = text_hash(d, c[j].first, l, 0);
        if (hmap_first(&bare, hb) == NONE)
            hmap_add(&bare, hb, (uint32_t)j);
    }
    for (size_t i = 0; i < n && bare.n; i++) {
        if (rs->canon[i] != i || (c[i].type != NLP_ORG && c[i].type != UNKNOWN && !c[i].weak))
            continue;
        uint64_t h = text_hash(d, c[i].first, c[i].last, 0);
        for (uint32_t x = hmap_first(&bare, h); x != NONE; x = hmap_next(&bare, x)) {
            size_t j = bare.val[x];
            if (same_text(d, c[i].first, c[i].last, c[j].first, c[j].last - 1)) {
                c[i].type = NLP_ORG, c[i].weak = 0;
                rs->canon[i] = j;
                break;
            }
        }
    }
    hmap_free(&bare);
    return 0;
}

/* A definition settles an unknown or guessed mention's type:
 * "Bridgton is a small town", "Nordvik, a Norwegian company", "X was an
 * American singer", "X, headquartered in". */
static int pass_definitions(struct resolve *rs)
{
    struct cand *c = rs->m->c;
    for (size_t i = 0; i < rs->m->n; i++) {
        if (rs->canon[i] != i || (!c[i].weak && c[i].type != UNKNOWN) ||
            is_value_type(c[i].type))
            continue;
        int t = defined_type(rs->d, c[i].last);
        if (t != UNKNOWN)
            c[i].type = t, c[i].weak = 0;
    }
    return 0;
}

/* "the World Health Organization (WHO)": the acronym names what it
 * follows, and a name defined by an acronym is an organisation unless
 * something surer typed it. */
static int pass_acronyms(struct resolve *rs)
{
    const struct ner_doc *d = rs->d;
    struct cand *c = rs->m->c;
    for (size_t i = 0; i + 1 < rs->m->n; i++) {
        size_t e = c[i].last, j = i + 1;
        if (is_value_type(c[i].type) || !tk_eq(d, e, "(") || c[j].first != e + 1 ||
            c[j].last != e + 2 || !tk_eq(d, e + 2, ")") ||
            !acronym_of(d, e + 1, c[i].first, c[i].last))
            continue;
        if (c[i].type == UNKNOWN || (c[i].weak && c[i].type != NLP_ORG))
            c[i].type = NLP_ORG, c[i].weak = 0;
        if (c[i].type != NLP_PERSON)
            c[j].type = c[i].type, c[j].weak = 0;
    }
    return 0;
}

/* Unknown and weak mentions take the type the same words have elsewhere
 * in the document, and stand for the same entity. */
static int pass_same_words(struct resolve *rs)
{
    const struct ner_doc *d = rs->d;
    struct cand *c = rs->m->c;
    size_t n = rs->m->n;
    struct hmap strong;
    if (hmap_init(&strong, n + 1) < 0)
        return -ENOMEM;
    for (size_t j = 0; j < n; j++)
        if (!c[j].weak && c[j].type != UNKNOWN)
            hmap_add(&strong, text_hash(d, c[j].first, c[j].last, 0), (uint32_t)j);
    for (size_t i = 0; i < n; i++) {
        if (rs->canon[i] != i || (!c[i].weak && c[i].type != UNKNOWN) ||
            place_of(d, c[i].first))
            continue;
        uint64_t h = text_hash(d, c[i].first, c[i].last, 0);
        for (uint32_t e = hmap_first(&strong, h); e != NONE; e = hmap_next(&strong, e)) {
            size_t j = strong.val[e];
            if (j != i && same_text(d, c[i].first, c[i].last, c[j].first, c[j].last)) {
                c[i].type = c[j].type, c[i].weak = 0;
                rs->canon[i] = rs->canon[j];
                break;
            }
        }
    }
    hmap_free(&strong);
    return 0;
}

/* What no list or rule typed, or only guessed to be a person or place,
 * the words around may make an organisation: an organisation noun just
 * before ("the company Nordvik", "rock band Foo Fighters"), what people
 * do with organisations ("signed with Kvarn") or what organisations own
 * after it ("Nordvik's shares"). */
static int pass_org_context(struct resolve *rs)
{
    const struct ner_doc *d = rs->d;
    struct cand *c = rs->m->c;
    for (size_t i = 0; i < rs->m->n; i++) {
        size_t p = c[i].first;
        if (rs->canon[i] != i || p == 0 || is_value_type(c[i].type) ||
            (c[i].type != UNKNOWN &&
             !(c[i].weak && (c[i].type == NLP_PERSON || c[i].type == NLP_LOC))))
            continue;
        if (org_cue(d, p) || org_owner(d, c[i].last) || org_noun(d, p - 1))
            c[i].type = NLP_ORG, c[i].weak = 1;
    }
    return 0;
}

/* Are mentions a and b next to each other in a list: "a and b", "a, b",
 * "a or b"? */
static int listed(const struct ner_doc *d, const struct cand *a, const struct cand *b)
{
    return b->first == a->last + 1 &&
           (tk_eq(d, a->last, "and") || tk_eq(d, a->last, "or") || tk_eq(d, a->last, ","));
}

/* Lists are of one kind: "Generali and Allianz", "Ann Lee, Bo Tran and
 * Kjell". An untyped name next to an organisation or a person in one
 * takes its type, from the name before it, then from the name after it
 * (places are left to the gazetteers: "Bologna and Juventus" is a
 * match). */
static int pass_lists(struct resolve *rs)
{
    struct cand *c = rs->m->c;
    size_t n = rs->m->n;
    for (size_t i = 1; i < n; i++)
        if (c[i].type == UNKNOWN && listed(rs->d, &c[i - 1], &c[i]) &&
            (c[i - 1].type == NLP_ORG || c[i - 1].type == NLP_PERSON))
            c[i].type = c[i - 1].type, c[i].weak = 1;
    for (size_t i = n > 1 ? n - 1 : 0; i-- > 0;)
        if (c[i].type == UNKNOWN && listed(rs->d, &c[i], &c[i + 1]) &&
            (c[i + 1].type == NLP_ORG || c[i + 1].type == NLP_PERSON))
            c[i].type = c[i + 1].type, c[i].weak = 1;
    return 0;
}

/* A place noun and "of" before an untyped or guessed name ("the town of
 * X", "the mayor of X", "residents of X"), or a comma and a known place
 * that ends the phrase after it ("Bridgton, Maine"), make it a place. */
static int pass_place_context(struct resolve *rs)
{
    const struct ner_doc *d = rs->d;
    struct cand *c = rs->m->c;
    size_t n = rs->m->n;
    for (size_t i = 0; i < n; i++) {
        size_t e = c[i].last;
        if (rs->canon[i] != i || is_value_type(c[i].type) ||
            (c[i].type != UNKNOWN && !(c[i].weak && c[i].type == NLP_PERSON)))
            continue;
        int place = place_of(d, c[i].first);
        if (!place && i + 1 < n && tk_eq(d, e, ",") && c[i + 1].first == e + 1 &&
            c[i + 1].type == NLP_LOC && !c[i + 1].weak &&
            (c[i + 1].last >= d->ntok || d->tok[c[i + 1].last].kind != NLP_WORD ||
             !(d->tok[c[i + 1].last].flags & (NLP_CAP | NLP_ALLCAPS))))
            place = 1;
        if (place)
            c[i].type = NLP_LOC, c[i].weak = 1;
    }
    return 0;
}

/* An untyped one-word name after "in", "near", "from" ... is a place. */
static int pass_locative(struct resolve *rs)
{
    struct cand *c = rs->m->c;
    for (size_t i = 0; i < rs->m->n; i++)
        if (c[i].type == UNKNOWN && c[i].last - c[i].first == 1 && c[i].first > 0 &&
            (rs->d->lw[c[i].first - 1] & LW_PLACEPREP))
            c[i].type = NLP_LOC;
    return 0;
}

/* Clubs are named after their cities: in a sports report, a town that
 * beats, loses to or plays against another ("Leeds beat Sheffield", "a
 * draw against Lyon") and "<town> City", "County" or "Town" are teams.
 * Only then is the document read for sports words. */
static int pass_clubs(struct resolve *rs)
{
    const struct ner_doc *d = rs->d;
    struct cand *c = rs->m->c;
    for (size_t i = 0; i < rs->m->n; i++) {
        size_t p = c[i].first, e = c[i].last;
        if (c[i].type != NLP_LOC || c[i].country || rs->canon[i] != i)
            continue;
        int town_club = e - p >= 2 && (d->lw[e - 1] & LW_CLUBTOWN) && (d->tf[p] & LX_LOC);
        if ((town_club || match_cue(d, p, e)) && sport(rs))
            c[i].type = NLP_ORG, c[i].weak = 0;
    }
    return 0;
}

/* A team goes by its plural alone: "the Yankees" after "New York
 * Yankees"; in a sports report "the Falcons" is a team unannounced. */
static int pass_team_plurals(struct resolve *rs)
{
    const struct ner_doc *d = rs->d;
    struct cand *c = rs->m->c;
    size_t n = rs->m->n;
    struct hmap teams;
    if (hmap_init(&teams, n + 1) < 0)
        return -ENOMEM;
    for (size_t j = 0; j < n; j++)
        if (c[j].type == NLP_ORG && c[j].last - c[j].first >= 2 &&
            team_tail(d, c[j].last - 1, c[j].last))
            hmap_add(&teams, text_hash(d, c[j].last - 1, c[j].last, 0), (uint32_t)j);
    for (size_t i = 0; i < n; i++) {
        size_t p = c[i].first;
        if (c[i].type != UNKNOWN || c[i].last - p != 1 || p == 0 || !tk_ieq(d, p - 1, "the") ||
            !team_tail(d, p, p + 1))
            continue;
        uint64_t h = text_hash(d, p, p + 1, 0);
        for (uint32_t x = hmap_first(&teams, h); x != NONE; x = hmap_next(&teams, x)) {
            size_t j = teams.val[x];
            if (same_text(d, p, p + 1, c[j].last - 1, c[j].last)) {
                c[i].type = NLP_ORG, c[i].weak = 0;
                rs->canon[i] = rs->canon[j];
                break;
            }
        }
        if (c[i].type == UNKNOWN && sport(rs))
            c[i].type = NLP_ORG, c[i].weak = 1;
    }
    hmap_free(&teams);
    return 0;
}

/* A name typed an organisation once is one everywhere in the document
 * ("Leeds" the team, after "Leeds beat Sheffield"); a country stays a
 * place. Untyped mentions take the type that context gave the same
 * words elsewhere ("signed with Kvarn ... Kvarn"). */
static int pass_org_everywhere(struct resolve *rs)
{
    const struct ner_doc *d = rs->d;
    struct cand *c = rs->m->c;
    size_t n = rs->m->n;
    struct hmap typed;
    if (hmap_init(&typed, n + 1) < 0)
        return -ENOMEM;
    for (size_t j = 0; j < n; j++)
        if (c[j].type == NLP_ORG || c[j].type == NLP_LOC)
            hmap_add(&typed, text_hash(d, c[j].first, c[j].last, 0), (uint32_t)j);
    for (size_t i = 0; i < n && typed.n; i++) {
        if ((c[i].type != NLP_LOC || c[i].country) && c[i].type != UNKNOWN)
            continue;
        uint64_t h = text_hash(d, c[i].first, c[i].last, 0);
        for (uint32_t e = hmap_first(&typed, h); e != NONE; e = hmap_next(&typed, e)) {
            size_t j = typed.val[e];
            if (j == i || !same_text(d, c[i].first, c[i].last, c[j].first, c[j].last))
                continue;
            if (c[j].type == NLP_ORG || c[i].type == UNKNOWN) {
                c[i].type = c[j].type;
                if (c[j].type == NLP_ORG)
                    break;
            }
        }
    }
    hmap_free(&typed);
    return 0;
}

/* Sentence-initial words left out of names count when they name an
 * entity found elsewhere: the tail of a person's name ("Trump said"
 * after "Donald Trump") or a typed name of one word. */
static int pass_sentence_starts(struct resolve *rs)
{
    const struct ner_doc *d = rs->d;
    struct mentions *m = rs->m;
    size_t n = m->n;
    struct hmap strong;
    if (hmap_init(&strong, n + 1) < 0)
        return -ENOMEM;
    for (size_t j = 0; j < n; j++)
        if (!m->c[j].weak && m->c[j].type != UNKNOWN)
            hmap_add(&strong, text_hash(d, m->c[j].first, m->c[j].last, 0), (uint32_t)j);
    for (size_t w = 0; w < m->ndropped; w++) {
        const struct cand *c = m->c;
        size_t k = m->dropped[w], found = SIZE_MAX, canon_of = 0;
        uint64_t h = text_hash(d, k, k + 1, 0);
        for (uint32_t e = hmap_first(&rs->tails, h); e != NONE && found == SIZE_MAX;
             e = hmap_next(&rs->tails, e)) {
            size_t j = rs->tails.val[e];
            if (same_text(d, k, k + 1, c[j].last - 1, c[j].last))
                found = j, canon_of = j;
        }
        for (uint32_t e = hmap_first(&strong, h); e != NONE && found == SIZE_MAX;
             e = hmap_next(&strong, e)) {
            size_t j = strong.val[e];
            if (c[j].type != UNKNOWN && !is_value_type(c[j].type) &&
                same_text(d, k, k + 1, c[j].first, c[j].last))
                found = j, canon_of = rs->canon[j];
        }
        if (found == SIZE_MAX)
            continue;
        mention_add(m, k, k + 1, c[found].type, 0);
        if (m->oom)
            break;
        rs->canon[m->n - 1] = canon_of;
    }
    hmap_free(&strong);
    return m->oom ? -ENOMEM : 0;
}

/* The passes, in order. PASS(x) runs pass_x, whose case file is
 * tests/nlp/passes/x.txt (the test reads this table to find them). */
#define PASS(x) {#x, pass_##x}
static const struct ner_pass {
    const char *name;
    int (*run)(struct resolve *rs); /* 0 or -ENOMEM */
} passes[] = {
    PASS(person_short_forms),
    PASS(org_short_forms),
    PASS(definitions),
    PASS(acronyms),
    PASS(same_words),
    PASS(org_context),
    PASS(lists),
    PASS(place_context),
    PASS(locative),
    PASS(clubs),
    PASS(team_plurals),
    PASS(org_everywhere),
    PASS(sentence_starts),
};

/* ---- entities ----------------------------------------------------------------- */

static char *mention_text(const struct ner_doc *d, size_t a, size_t b)
{
    size_t cap = d->tok[b - 1].end - d->tok[a].start + 1;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    size_t o = 0;
    for (size_t k = a; k < b; k++) {
        if (k > a && (d->tok[k].flags & NLP_SPACE_BEFORE))
            s[o++] = ' ';
        memcpy(s + o, tk_s(d, k), tk_n(d, k));
        o += tk_n(d, k);
    }
    s[o] = '\0';
    return s;
}

/* The mentions' indexes in text order (insertion sort: the mentions the
 * passes added are few). */
static void text_order(const struct cand *c, size_t n, size_t *order)
{
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = 1; i < n; i++) {
        size_t x = order[i], j = i;
        while (j > 0 && c[order[j - 1]].first > c[x].first) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = x;
    }
}

/* One entity per canonical text and type, in order of first mention:
 * values group by their own text, names by their fullest form. */
static int gather(struct resolve *rs, nlp_entities_t *out)
{
    const struct ner_doc *d = rs->d;
    const struct cand *c = rs->m->c;
    size_t n = rs->m->n;
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    struct hmap ents = {0};
    out->ent = calloc(n ? n : 1, sizeof *out->ent);
    out->men = calloc(n ? n : 1, sizeof *out->men);
    int rc = -ENOMEM;
    if (!order || !out->ent || !out->men || hmap_init(&ents, n + 1) < 0)
        goto done;
    text_order(c, n, order);
    for (size_t oi = 0; oi < n; oi++) {
        size_t i = order[oi];
        if (c[i].type == UNKNOWN)
            continue;
        size_t ci = is_value_type(c[i].type) ? i : rs->canon[i];
        uint64_t h = text_hash(d, c[ci].first, c[ci].last, (uint64_t)c[i].type + 1);
        size_t e = SIZE_MAX;
        for (uint32_t x = hmap_first(&ents, h); x != NONE && e == SIZE_MAX;
             x = hmap_next(&ents, x)) {
            const nlp_entity_t *en = &out->ent[ents.val[x]];
            if (en->type == c[i].type &&
                same_text(d, en->first, en->last, c[ci].first, c[ci].last))
                e = ents.val[x];
        }
        if (e == SIZE_MAX) {
            e = out->nent++;
            nlp_entity_t *en = &out->ent[e];
            en->type = c[i].type;
            en->first = c[ci].first, en->last = c[ci].last;
            en->value = c[i].value;
            if (!(en->text = mention_text(d, en->first, en->last)))
                goto done;
            hmap_add(&ents, h, (uint32_t)e);
        }
        out->ent[e].count++;
        nlp_mention_t *mn = &out->men[out->nmen++];
        mn->first = c[i].first, mn->last = c[i].last;
        mn->entity = (uint32_t)e;
        mn->cstart = d->tok[c[i].first].cstart;
        mn->cend = d->tok[c[i].last - 1].cend;
    }
    rc = 0;
done:
    free(order);
    hmap_free(&ents);
    return rc;
}

int resolve(struct mentions *m, nlp_entities_t *out)
{
    /* Room for a canonical form of every mention the passes may add. */
    size_t total = m->n + m->ndropped;
    struct resolve rs = {.d = m->d, .m = m, .sport = -1};
    rs.canon = malloc((total ? total : 1) * sizeof *rs.canon);
    if (!rs.canon)
        return -ENOMEM;
    for (size_t i = 0; i < m->n; i++)
        rs.canon[i] = i;
    int rc = person_maps(&rs);
    for (size_t p = 0; p < sizeof passes / sizeof *passes && rc == 0; p++)
        rc = passes[p].run(&rs);
    if (rc == 0)
        rc = gather(&rs, out);
    free(rs.canon);
    hmap_free(&rs.tails);
    hmap_free(&rs.heads);
    return rc;
}
