/* Mentions of names: runs of capitalised words (with the particles and
 * "of" phrases names have), each typed by the first of a table of rules
 * that applies (run_rules), or split into the gazetteers' names and
 * pieces typed by their shape and context (gaz_partition,
 * unknown_piece). */
#include "base/grow.h"
#include "ner_int.h"

static int has_digit(const struct ner_doc *d, size_t a, size_t b)
{
    for (size_t k = a; k < b; k++)
        for (size_t i = 0; i < tk_n(d, k); i++)
            if (tk_s(d, k)[i] >= '0' && tk_s(d, k)[i] <= '9')
                return 1;
    return 0;
}

void mention_add(struct mentions *r, size_t first, size_t last, int type, int weak)
{
    if (first >= last)
        return;
    /* No one's name has digits: "F-104 Starfighter", "A1 Grand Prix". */
    if (type == NLP_PERSON && has_digit(r->d, first, last))
        type = UNKNOWN, weak = 1;
    struct cand *g = array_grow(r->c, &r->cap, r->n + 1, sizeof *g, 64);
    if (!g) {
        r->oom = 1;
        return;
    }
    r->c = g;
    struct cand *c = &r->c[r->n++];
    memset(c, 0, sizeof *c);
    c->first = (uint32_t)first, c->last = (uint32_t)last;
    c->type = type, c->weak = weak;
}

static void drop_word(struct mentions *r, size_t k)
{
    uint32_t *g = array_grow(r->dropped, &r->capdropped, r->ndropped + 1,
                             sizeof *g, 32);
    if (!g) {
        r->oom = 1;
        return;
    }
    r->dropped = g;
    r->dropped[r->ndropped++] = (uint32_t)k;
}

/* Like run_end, but also across "of", "for", "and" and "&" when what
 * they join is an organisation's name: "Max Planck Institute for
 * Astronomy", "Disaster and Emergency Management Authority". *org is set
 * when that happened. */
static size_t org_run_end(const struct ner_doc *d, const uint8_t *used, size_t k, int *org)
{
    size_t e = run_end(d, used, k);
    *org = 0;
    while (e + 1 < d->ntok && d->tok[e + 1].sent == d->tok[k].sent &&
           !(d->tok[e + 1].flags & NLP_LINE_BEFORE) && namelike(d, used, e + 1)) {
        int of = tk_eq(d, e, "of") || tk_eq(d, e, "for");
        if (!of && !tk_eq(d, e, "and") && !tk_eq(d, e, "&"))
            break;
        size_t e2 = run_end(d, used, e + 1);
        uint32_t left = d->lx[e - 1];
        uint32_t right = d->lx[e2 - 1];
        /* After "of" has joined, "and" continues the same phrase:
         * "Office of Management and Budget". */
        /* "Shares of Nordvik Energy" is no name: a common word takes an
         * "of" phrase into an organisation's name only as its head. */
        int plain_left = of && e - k == 1 && plain_word(d, k) && !(left & LX_ORGPRE);
        /* "Trevor Lang of Hollis Securities": a person of an organisation. */
        if (tk_eq(d, e, "of") && e - k >= 2 && e - k <= 4 && person_like(d, k, e))
            break;
        /* Two whole names: "Dallas Morning News and Houston Post", "Swiss
         * Super League for FC Basel"; but "Securities and Exchange
         * Commission" is one. */
        if (!tk_eq(d, e, "of") && !tk_eq(d, e, "&") && (left & LX_ORGHEAD) &&
            (right & LX_ORGHEAD) && e2 - (e + 1) >= 2 && !plain_word(d, e + 1))
            break;
        if ((of && (left & (LX_ORGHEAD | LX_ORGPRE)) && !(left & LX_TITLE)) ||
            ((right & LX_ORGHEAD) && !(right & LX_TITLE) && !plain_left) ||
            (*org && tk_eq(d, e, "and"))) {
            e = e2;
            *org = 1;
        } else {
            break;
        }
    }
    return e;
}

static void unknown_piece(struct mentions *r, size_t s, size_t e)
{
    const struct ner_doc *d = r->d;
    size_t len = e - s;
    if (!len)
        return;
    int locative = s > 0 && (d->lw[s - 1] & LW_LOCATIVE);
    if (len == 1) {
        uint16_t f = d->tok[s].flags;
        uint32_t lf = d->tf[s];
        if ((lf & LX_FIRST) && !(lf & LX_COMMON) && tk_n(d, s) < LOWER_MAX &&
            !(d->low[s] & LX_COMMON) &&
            !locative && !(f & NLP_ALLCAPS)) {
            mention_add(r, s, e, NLP_PERSON, 1);
        } else if (places_joined(d, s)) {
            return; /* hyphen_places takes it apart */
        } else if (nationality_compound(d, s)) {
            mention_add(r, s, e, NLP_NORP, 1);
        } else if (hyphenated_place(d, s)) {
            mention_add(r, s, e, NLP_LOC, 1);
        } else if ((f & NLP_MIXED) && tk_n(d, s) > 3) {
            mention_add(r, s, e, NLP_ORG, 1);
        } else if ((f & NLP_ALLCAPS) && tk_n(d, s) <= 5 && !common_token(d, s)) {
            mention_add(r, s, e, NLP_ORG, 1);
        } else if (d->tf[s] & LX_TITLE) {
            return;
        } else {
            mention_add(r, s, e, UNKNOWN, 1);
        }
        return;
    }
    uint32_t lastf = d->tf[e - 1];
    if (len <= 4 && (d->tf[s] & LX_FIRST) && looks_like_name(d, s + 1, e) &&
        !(plain_word(d, s) && plain_word(d, e - 1))) {
        mention_add(r, s, e, NLP_PERSON, 0);
        return;
    }
    if (len <= 3 && (lastf & LX_SURNAME) && !(lastf & (LX_ORGHEAD | LX_LOCHEAD)) &&
        !locative && tk_n(d, s) < LOWER_MAX && !common_token(d, s)) {
        mention_add(r, s, e, NLP_PERSON, 0);
        return;
    }
    if (locative && len <= 3) {
        mention_add(r, s, e, NLP_LOC, 1);
        return;
    }
    if ((s > 0 && said_word(d, s - 1)) || said_word(d, e) ||
        (tk_eq(d, e, ",") && said_word(d, e + 1))) {
        if (len <= 3 && looks_like_name(d, s, e)) { /* not "told Sky Sports" */
            mention_add(r, s, e, NLP_PERSON, 0);
            return;
        }
    }
    if (len <= 3 && tk_n(d, e - 1) < LOWER_MAX && !common_token(d, e - 1) &&
        !(d->tok[e - 1].flags & NLP_ALLCAPS) &&
        !plain_word(d, s)) {
        mention_add(r, s, e, NLP_PERSON, 1);
        return;
    }
    mention_add(r, s, e, UNKNOWN, 1);
}

/* Split [s, e) into gazetteer names (longest first) and unknown pieces. */
static void gaz_partition(struct mentions *r, size_t s, size_t e)
{
    const struct ner_doc *d = r->d;
    size_t u = s;
    for (size_t i = s; i < e;) {
        size_t best = 0;
        int type = UNKNOWN;
        uint32_t bf = 0;
        for (size_t len = e - i < MAX_GAZ ? e - i : MAX_GAZ; len >= 1; len--) {
            uint32_t f = span_flags(d, i, i + len);
            int t = gaz_type(f, len);
            if (t != UNKNOWN) {
                best = len, type = t, bf = f;
                break;
            }
        }
        /* A lone known surname or first name inside an unknown run is more
         * likely part of a new name than a name of its own. */
        if (best == 1 && type == NLP_PERSON && e - s > 1)
            best = 0;
        /* So is a town only GeoNames knows ("Negara", "Victorias"). */
        if (best == 1 && (bf & LX_GEONAMES) && !(bf & LX_HAND) && e - s > 1)
            best = 0;
        if (!best) {
            i++;
            continue;
        }
        /* A common word before a place names a club or company ("Real
         * Madrid", "Sporting Lisbon"), unless it is one that qualifies
         * places ("Central London", "Greater Manchester"). */
        if (type == NLP_LOC && u == s && i == s + 1 && i + best == e &&
            plain_word(d, s) && !(d->lw[s] & LW_PLACEMOD)) {
            mention_add(r, s, e, NLP_ORG, 1);
            return;
        }
        /* ... and with such a word the place is the whole: "Southern
         * California", "Greater Manchester". */
        if (type == NLP_LOC && i == u + 1 && (d->lw[u] & LW_PLACEMOD)) {
            mention_add(r, u, i + best, NLP_LOC, 0);
            i += best;
            u = i;
            continue;
        }
        unknown_piece(r, u, i);
        /* "Connecticut Lottery", "Baltic Wind"; but "Cuban Parents" are
         * people. */
        int rest_ok = (all_plain(d, i + best, e) &&
                       (type == NLP_LOC ||
                        (e - (i + best) == 1 && tk_s(d, e - 1)[tk_n(d, e - 1) - 1] != 's'))) ||
                      (type == NLP_LOC && team_tail(d, i + best, e));
        if ((type == NLP_LOC || type == NLP_NORP) && u == s && i + best < e && rest_ok) {
            mention_add(r, s, e, NLP_ORG, 1);
            return;
        }
        mention_add(r, i, i + best, type, 0);
        if (bf & LX_COUNTRY)
            r->c[r->n - 1].country = 1;
        i += best;
        u = i;
    }
    unknown_piece(r, u, e);
}

/* Emit a leading country, nationality or organisation from [s, t) (the
 * words before a title) and drop the rest, which qualifies the title. */
static void title_prefix(struct mentions *r, size_t s, size_t t)
{
    const struct ner_doc *d = r->d;
    /* "Harris County Sheriff", "Nordvik Energy chairman": a place or an
     * organisation by its head word. */
    if (t - s >= 2 && !(d->tf[s] & LX_TITLE)) {
        uint32_t lf = d->tf[t - 1];
        if ((lf & LX_LOCHEAD) || (lf & LX_ORGHEAD && !(lf & LX_TITLE))) {
            mention_add(r, s, t, lf & LX_LOCHEAD ? NLP_LOC : NLP_ORG, 0);
            return;
        }
    }
    for (size_t len = t - s < MAX_GAZ ? t - s : MAX_GAZ; len >= 1; len--) {
        uint32_t f = span_flags(d, s, s + len);
        int type = gaz_type(f, len);
        if (type == NLP_LOC || type == NLP_ORG ||
            (type == NLP_NORP && !(f & LX_ORGHEAD))) {
            mention_add(r, s, s + len, type, 0);
            if (f & LX_COUNTRY)
                r->c[r->n - 1].country = 1;
            return;
        }
    }
}

/* A run of capitalised words being typed: tokens [s, e) once the words
 * before the name are left out, and what the lexicon says of them. A
 * rule that types it sets `next`, the first token it did not consume. */
struct run {
    const uint8_t *used;
    size_t s, e, len, next;
    uint32_t whole, firstf, lastf; /* flags of [s, e), of s, of e - 1 */
};

/* Leave out of the run [s, e) the words before its name; returns where
 * the name starts (e when there is none). *org is cleared when the "of"
 * that made it an organisation's name went with them. */
static size_t name_start(struct mentions *r, size_t s, size_t e, int *org)
{
    const struct ner_doc *d = r->d;
    size_t s0 = s;
    /* Words capitalised because they start a sentence. */
    while (s < e && (d->tok[s].flags & NLP_SENT_START) && plain_start(d, s)) {
        if (span_flags(d, s, e) & NAME_FLAGS)
            break;
        /* "Will Smith said", "Brown Jones won": a first or last name
         * before another name word starts the name. */
        if ((d->tf[s] & (LX_FIRST | LX_SURNAME)) && s + 1 < e && !plain_word(d, s + 1) &&
            !(d->lx[s] & LX_STOP))
            break;
        /* "Senator Rand Paul said": the title rule handles it. */
        if ((d->tf[s] & LX_TITLE) && s + 1 < e)
            break;
        drop_word(r, s);
        s++;
    }
    /* "Shares of Tarvik Energy rose": with the sentence's first word gone,
     * the "of" that joined it goes too, and the rest is typed afresh. */
    if (s > s0 && s < e && (d->tok[s].flags & NLP_LOWER)) {
        while (s < e && (d->tok[s].flags & NLP_LOWER))
            s++;
        *org = 0;
    }
    while (s < e && tk_eq(d, s, "The") && !(span_flags(d, s, e) & NAME_FLAGS))
        s++;
    /* "Boston-based Cerulean Therapeutics": the place and "-based" qualify
     * the name (hyphen_places finds the place). */
    if (s + 1 < e && places_joined(d, s)) {
        const char *w = tk_s(d, s) + tk_n(d, s);
        while (w > tk_s(d, s) && w[-1] != '-')
            w--;
        if (*w >= 'a' && *w <= 'z')
            s++;
    }
    if (s >= e || *org)
        return s;
    /* A capitalised role word before a first name: "Engineer John
     * Greiner", "Senior Kory Smith". */
    for (size_t k = s + 1; k + 1 < e && k < s + 3; k++) {
        if (!(d->tf[k] & LX_FIRST) || plain_word(d, k))
            continue;
        size_t p = s;
        while (p < k && plain_word(d, p) &&
               !(d->tf[p] & (NAME_FLAGS | LX_ORGHEAD | LX_TITLE | LX_FIRST | LX_SURNAME)))
            p++;
        if (p == k && !(span_flags(d, s, e) & NAME_FLAGS))
            s = k;
        break;
    }
    return s;
}

/* Events, awards and laws are none of our types: "British Open",
 * "Nobel Prize", "Paris Agreement". */
static int rule_event(struct mentions *r, struct run *u)
{
    return u->len >= 2 && !(u->whole & LX_HAND) && event_name(r->d, u->s, u->e);
}

/* The whole run is a gazetteer's name. */
static int rule_gazetteer(struct mentions *r, struct run *u)
{
    int type = gaz_type(u->whole, u->len);
    if (type == UNKNOWN)
        return 0;
    mention_add(r, u->s, u->e, type, 0);
    if (!r->oom && (u->whole & LX_COUNTRY))
        r->c[r->n - 1].country = 1;
    return 1;
}

/* "<Head> of [the] <Name>": "Ministry of Commerce", "Gulf of Mexico",
 * "Department of Health and Human Services"; after a title, the person
 * ("Secretary of State Marco Rubio") or the office's organisation
 * ("Secretary of the New Jersey Department of Public Safety"). */
static int rule_of_phrase(struct mentions *r, struct run *u)
{
    const struct ner_doc *d = r->d;
    size_t s = u->s, e = u->e;
    if (!tk_eq(d, e, "of") || !(u->lastf & (LX_ORGPRE | LX_LOCPRE | LX_TITLE)))
        return 0;
    size_t s2 = e + 1;
    if (tk_eq(d, s2, "the"))
        s2++;
    size_t e2 = s2 < d->ntok && namelike(d, u->used, s2) ? run_end(d, u->used, s2) : s2;
    while (e2 > s2 && tk_eq(d, e2, "and") && e2 + 1 < d->ntok &&
           namelike(d, u->used, e2 + 1))
        e2 = run_end(d, u->used, e2 + 1);
    if (e2 <= s2)
        return 0;
    u->next = e2;
    if (!(u->lastf & LX_TITLE)) {
        mention_add(r, s, e2, u->lastf & LX_ORGPRE ? NLP_ORG : NLP_LOC, 0);
        return 1;
    }
    if (e - 1 > s)
        title_prefix(r, s, e - 1);
    int org2;
    size_t o2 = org_run_end(d, u->used, s2, &org2);
    if (org2 || ((d->tf[o2 - 1] & LX_ORGHEAD) && o2 - s2 >= 2)) {
        mention_add(r, s2, o2, NLP_ORG, 0);
        u->next = o2;
    } else if (e2 - s2 >= 3) {
        mention_add(r, e2 - 2, e2, NLP_PERSON, 0);
    }
    return 1;
}

/* A last word that heads organisations ("Treasury Department", "Nordvik
 * Energy"), or a first one in capitals. */
static int rule_org_head(struct mentions *r, struct run *u)
{
    if (u->len < 2 || !(((u->lastf & LX_ORGHEAD) && !(u->lastf & LX_TITLE)) ||
                        ((u->firstf & LX_ORGHEAD) && (r->d->tok[u->s].flags & NLP_ALLCAPS))))
        return 0;
    mention_add(r, u->s, u->e, NLP_ORG, 0);
    return 1;
}

/* A title: what follows its last word is the person, left out of the
 * name ("Treasury Secretary Scott Bessent"); a place, nationality or
 * organisation before it is its own entity. */
static int rule_title(struct mentions *r, struct run *u)
{
    const struct ner_doc *d = r->d;
    size_t s = u->s, e = u->e, t = e;
    for (size_t k = s; k < e; k++)
        if ((d->tf[k] & LX_TITLE) && !(d->tok[k].flags & NLP_ALLCAPS && tk_n(d, k) > 3))
            t = k;
    if (t == e || (t + 1 < e && !after_title(d, t + 1, e)))
        return 0;
    if (t > s)
        title_prefix(r, s, t);
    if (t + 1 < e && e - (t + 1) <= 4)
        mention_add(r, t + 1, e, NLP_PERSON, 0);
    else if (t + 1 < e)
        gaz_partition(r, t + 1, e);
    return 1;
}

/* "New York Yankees": a place and a team's plural. */
static int rule_team(struct mentions *r, struct run *u)
{
    const struct ner_doc *d = r->d;
    for (size_t m = u->len - 1 < MAX_GAZ ? u->len - 1 : MAX_GAZ; m >= 1; m--) {
        if (gaz_type(span_flags(d, u->s, u->s + m), m) != NLP_LOC)
            continue;
        if (!team_tail(d, u->s + m, u->e))
            return 0;
        mention_add(r, u->s, u->e, NLP_ORG, 1);
        return 1;
    }
    return 0;
}

/* A last word that heads places ("Windsor Castle") or a first one
 * ("Mount Everest"). */
static int rule_place_head(struct mentions *r, struct run *u)
{
    if (u->len < 2 || !((u->lastf & LX_LOCHEAD) || (u->firstf & LX_LOCPRE)))
        return 0;
    mention_add(r, u->s, u->e, NLP_LOC, 0);
    return 1;
}

/* An organisation's head inside the name makes the whole one:
 * "University College London", "Energy Department Fund Review"; not
 * when a first name leads ("Grace Church Smith" is a person). */
static int rule_org_inside(struct mentions *r, struct run *u)
{
    const struct ner_doc *d = r->d;
    if (u->len < 2 || ((u->firstf & LX_FIRST) && !plain_word(d, u->s)))
        return 0;
    for (size_t k = u->s; k + 1 < u->e; k++) {
        uint32_t f = d->tf[k];
        if ((f & LX_ORGHEAD) && !(f & LX_TITLE) && !(d->tok[k].flags & NLP_ALLCAPS)) {
            mention_add(r, u->s, u->e, NLP_ORG, 0);
            return 1;
        }
    }
    return 0;
}

/* A known first name before words that can end a name ("Pedro
 * Sanchez"); not a place with common words ("Orlando Rays" is a team). */
static int rule_first_name(struct mentions *r, struct run *u)
{
    const struct ner_doc *d = r->d;
    size_t s = u->s, e = u->e;
    int place_team = (u->firstf & LX_LOC) && all_plain(d, s + 1, e);
    if (u->len < 2 || u->len > 4 || !(u->firstf & LX_FIRST) || (u->whole & NAME_FLAGS) ||
        place_team || !looks_like_name(d, s + 1, e) || (plain_word(d, s) && plain_word(d, e - 1)))
        return 0;
    mention_add(r, s, e, NLP_PERSON, 0);
    return 1;
}

/* A lower-case role before: "leader Xi Jinping", "keyboardist Butch
 * Taylor" (any of WordNet's nouns for people that is not also an
 * adjective or verb; alone, only a known first or last name: "brother
 * Rodney", not "lender Vaultline" or "patron Deity"). */
static int rule_role_before(struct mentions *r, struct run *u)
{
    const struct ner_doc *d = r->d;
    size_t s = u->s, e = u->e;
    uint32_t role = s > 0 && (d->tok[s - 1].flags & NLP_LOWER) ? d->tf[s - 1] : 0;
    if (!((role & LX_TITLE) ||
          ((role & LX_ROLE) && (u->len >= 2 || (d->tf[s] & (LX_FIRST | LX_SURNAME))))) ||
        u->len > 4 || !looks_like_name(d, s, e))
        return 0;
    /* "fellow Minnesotan Scott LeDoux": the nationality is not the name. */
    if (u->len >= 3 && gaz_type(u->firstf, 1) == NLP_NORP) {
        mention_add(r, s, s + 1, NLP_NORP, 0);
        u->s = ++s;
    }
    for (size_t k = s; k < e; k++)
        if (gaz_type(d->tf[k], 1) == NLP_LOC || gaz_type(d->tf[k], 1) == NLP_ORG)
            return 0; /* the gazetteers split it */
    mention_add(r, s, e, NLP_PERSON, 0);
    return 1;
}

/* The rules that type a run, in order: the first that applies types it;
 * when none does, the gazetteers split it (gaz_partition). RULE(x) runs
 * rule_x, whose case file is tests/nlp/rules/x.txt (the test reads this
 * table to find them). */
#define RULE(x) {#x, rule_##x}
static const struct run_rule {
    const char *name;
    int (*apply)(struct mentions *r, struct run *u);
} run_rules[] = {
    RULE(event),
    RULE(gazetteer),
    RULE(of_phrase),
    RULE(org_head),
    RULE(title),
    RULE(team),
    RULE(place_head),
    RULE(org_inside),
    RULE(first_name),
    RULE(role_before),
};

/* Type the run [s, e) (org: it joined an organisation's "of" phrase),
 * possibly consuming tokens after e; returns the first token not
 * consumed. */
static size_t process_run(struct mentions *r, const uint8_t *used, size_t s, size_t e,
                          int org)
{
    s = name_start(r, s, e, &org);
    if (s >= e)
        return e;
    if (org) {
        mention_add(r, s, e, NLP_ORG, 0);
        return e;
    }
    struct run u = {.used = used, .s = s, .e = e, .len = e - s, .next = e,
                    .whole = span_flags(r->d, s, e), .firstf = r->d->tf[s],
                    .lastf = r->d->tf[e - 1]};
    for (size_t i = 0; i < sizeof run_rules / sizeof *run_rules; i++)
        if (run_rules[i].apply(r, &u))
            return u.next;
    gaz_partition(r, u.s, e);
    return e;
}

/* A gazetteer name starting at k that runs across lower-case words
 * ("Bosnia and Herzegovina", "Isle of Man", "People's Republic of
 * China"): returns its end, or 0. */
static size_t gaz_across(const struct ner_doc *d, const uint8_t *used, size_t k)
{
    size_t lim = k + MAX_GAZ < d->ntok ? k + MAX_GAZ : d->ntok, low = 0;
    for (size_t j = k + 1; j < lim; j++) {
        if (d->tok[j].sent != d->tok[k].sent || used[j])
            break;
        if (tk_eq(d, j, "and") || tk_eq(d, j, "of") || tk_eq(d, j, "the") ||
            tk_eq(d, j, "de") || (d->tok[j].flags & NLP_POSS))
            low = 1;
        else if (!namelike(d, used, j)) {
            lim = j;
            break;
        }
    }
    if (!low)
        return 0;
    for (size_t end = lim; end > k + 2; end--) {
        if (!namelike(d, used, end - 1))
            continue;
        uint32_t f = span_flags(d, k, end);
        if (gaz_type(f, end - k) != UNKNOWN)
            return end;
    }
    return 0;
}
/* A capital "The" inside a sentence belongs to the name it starts
 * ("shares in The Quarnel Group"), when that is an organisation's. */
static void the_in_name(struct mentions *r, size_t k, size_t from)
{
    const struct ner_doc *d = r->d;
    if (!tk_eq(d, k, "The") || (d->tok[k].flags & NLP_SENT_START))
        return;
    for (size_t m = from; m < r->n; m++)
        if (r->c[m].first == k + 1 && r->c[m].type == NLP_ORG)
            r->c[m].first = (uint32_t)k;
}

/* Places named with a river or a district: "Newcastle upon Tyne",
 * "Frankfurt am Main", "Washington, D.C.". Returns the new end of the
 * run (next when nothing follows). */
static size_t place_suffix(struct mentions *r, const uint8_t *used, size_t from,
                           size_t next)
{
    const struct ner_doc *d = r->d;
    if (r->n <= from || r->c[r->n - 1].type != NLP_LOC || r->c[r->n - 1].last != next ||
        next + 1 >= d->ntok)
        return next;
    size_t x = next;
    if (tk_eq(d, x, "upon") || tk_eq(d, x, "am") || tk_eq(d, x, "im"))
        x = namelike(d, used, x + 1) ? run_end(d, used, x + 1) : x;
    else if (tk_eq(d, x, ",") && (tk_eq(d, x + 1, "D.C.") || tk_eq(d, x + 1, "DC")))
        x += 2;
    if (x > next)
        r->c[r->n - 1].last = (uint32_t)x;
    return x;
}

/* Units are numbered: "82nd Airborne Division", "7th Fleet". */
static void unit_number(struct mentions *r, const uint8_t *used, size_t k, size_t from)
{
    const struct ner_doc *d = r->d;
    if (k == 0 || used[k - 1] || !military_number(d, k - 1))
        return;
    for (size_t m = from; m < r->n; m++)
        if (r->c[m].first == k && r->c[m].type == NLP_ORG &&
            (d->lw[r->c[m].last - 1] & LW_UNITHEAD))
            r->c[m].first = (uint32_t)(k - 1);
}

void find_names(struct mentions *r, uint8_t *used)
{
    const struct ner_doc *d = r->d;
    for (size_t k = 0; k < d->ntok && !r->oom;) {
        if (!namelike(d, used, k)) {
            k++;
            continue;
        }
        size_t g = gaz_across(d, used, k);
        if (g) {
            uint32_t f = span_flags(d, k, g);
            mention_add(r, k, g, gaz_type(f, g - k), 0);
            if (!r->oom && (f & LX_COUNTRY))
                r->c[r->n - 1].country = 1;
            memset(used + k, 1, g - k);
            k = g;
            continue;
        }
        int org;
        size_t e = org_run_end(d, used, k, &org);
        size_t before = r->n;
        size_t next = process_run(r, used, k, e, org);
        if (r->oom)
            break;
        the_in_name(r, k, before);
        next = place_suffix(r, used, before, next);
        unit_number(r, used, k, before);
        for (size_t m = k; m < next; m++)
            used[m] = 1;
        k = next > k ? next : k + 1;
    }
}
