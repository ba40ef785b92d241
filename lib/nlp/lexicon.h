/* The word lists of libnewsdesk-nlp: one table, generated at build time by
 * gen_lexicon.py from iso-codes, WordNet, Faker's name lists, GeoNames and
 * the lists in data/, looked up by exact string. Each word has flags
 * (LX_*: what it names) and word classes (LW_*: what the entity
 * recogniser's rules look for). Private to the library. */
#ifndef NEWSDESK_NLP_LEXICON_H
#define NEWSDESK_NLP_LEXICON_H

#include <stddef.h>
#include <stdint.h>

enum {
    LX_COMMON = 1u << 0,     /* a lower-case English word (WordNet lemma) */
    LX_STOP = 1u << 1,       /* a function word */
    LX_LOC = 1u << 2,        /* a place */
    LX_COUNTRY = 1u << 3,    /* a country (ISO 3166-1) */
    LX_PERSON = 1u << 4,     /* a person's name */
    LX_FIRST = 1u << 5,      /* a first name */
    LX_ORG = 1u << 6,        /* an organisation */
    LX_NORP = 1u << 7,       /* a nationality or group adjective */
    LX_TITLE = 1u << 8,      /* a role before a name */
    LX_ORGHEAD = 1u << 9,    /* last word of an organisation's name */
    LX_ORGPRE = 1u << 10,    /* first word taking "of ..." */
    LX_LOCHEAD = 1u << 11,   /* last word of a place's name */
    LX_LOCPRE = 1u << 12,    /* first word of a place's name */
    LX_ABBR = 1u << 13,      /* abbreviation taking a period */
    LX_ABBR_NOEND = 1u << 14,/* ... that never ends a sentence */
    LX_CURRENCY = 1u << 15,  /* currency word or symbol; code set */
    LX_UNIT = 1u << 16,      /* unit of measure */
    LX_CURCODE = 1u << 17,   /* ISO 4217 code; code set */
    LX_HAND = 1u << 18,      /* type given by data/names.txt */
    LX_SURNAME = 1u << 19,   /* a family name */
    LX_VALUE = 1u << 20,     /* may start a date, time or amount */
    LX_EVENT = 1u << 21,     /* last word of an event's or award's name */
    LX_NOUNADJ = 1u << 22,   /* a noun lemma (WordNet); participles that are
                                also adjectives stay verb forms */
    LX_VERB = 1u << 23,      /* a verb lemma (WordNet) */
    LX_VERBFORM = 1u << 24,  /* an irregular verb form ("told", "won") */
    LX_GEONAMES = 1u << 25,  /* a place known only to GeoNames (with LX_LOC) */
    LX_ROLE = 1u << 26,      /* a noun for a person ("keyboardist", WordNet) */
};

/* The word classes of the entity recogniser's rules, from
 * data/nerwords.txt (which says what each is for); the bits follow
 * gen_lexicon.py's WORD_CLASSES. */
enum {
    LW_MONTHDAY = 1u << 0,    /* a month or weekday */
    LW_PARTICLE = 1u << 1,    /* "van", "de": inside names */
    LW_SAID = 1u << 2,        /* a speech verb */
    LW_PLACEMOD = 1u << 3,    /* "Central", "Greater": before a place */
    LW_HYPHENJOIN = 1u << 4,  /* "en", "upon": in hyphenated places */
    LW_LOCATIVE = 1u << 5,    /* "in", "near": before a place */
    LW_PLACEPREP = 1u << 6,   /* "in", "from": before a one-word place */
    LW_LOCNOUN = 1u << 7,     /* "village", "town" */
    LW_OFPLACE = 1u << 8,     /* "mayor", "residents": "... of X" */
    LW_ORGNOUN = 1u << 9,     /* "company", "band" */
    LW_ORGNOUNS = 1u << 10,   /* their plurals */
    LW_PERNOUN = 1u << 11,    /* "singer", "politician" */
    LW_DEFORG = 1u << 12,     /* "founded", "headquartered" */
    LW_DEFLOC = 1u << 13,     /* "located", "situated" */
    LW_ORGCUE = 1u << 14,     /* "joined", "signed with": before an org */
    LW_OWNED = 1u << 15,      /* "shares", "CEO": what orgs own */
    LW_MATCHAFTER = 1u << 16, /* "beat", "drew": after a club */
    LW_MATCHBEFORE = 1u << 17,/* "against", "lost to": before a club */
    LW_SPORT = 1u << 18,      /* "striker", "league" */
    LW_CLUBTOWN = 1u << 19,   /* "City", "County", "Town" */
    LW_UNITHEAD = 1u << 20,   /* "Division", "Fleet" */
    LW_LEGAL = 1u << 21,      /* "Inc.", "plc" */
};

struct lex_entry {
    uint32_t key;     /* its word: lex_keys + key, NUL-terminated */
    uint32_t flags;
    uint32_t words;   /* LW_* */
    char code[4];     /* ISO 4217 for currencies, else "" */
};

extern const struct lex_entry lex_entries[];
extern const size_t lex_nentries;
extern const char lex_keys[];

/* The tables lookups go through, generated with the entries (so that
 * nothing is built or written at run time): open addressing over
 * mask + 1 slots, a key's slot found from the low bits of its FNV-1a
 * hash, then linear probing. lex_slots has every entry; lex_stop_slots
 * the function words alone, a few hundred, asked about for every token,
 * small enough to stay in the cache. */
struct lex_slot {
    uint32_t entry; /* index in lex_entries + 1; 0: empty */
    uint32_t hash;  /* the high 32 bits of the key's hash */
};

extern const struct lex_slot lex_slots[];
extern const size_t lex_slots_mask;
extern const struct lex_slot lex_stop_slots[];
extern const size_t lex_stop_slots_mask;

/* The entry for the n bytes at s, or NULL. Thread-safe. */
const struct lex_entry *lex_find(const char *s, size_t n);

/* Flags of the n bytes at s (0 when absent). */
uint32_t lex_flags(const char *s, size_t n);

/* Is the n bytes at s a function word (LX_STOP)? As lex_flags(s, n) &
 * LX_STOP, from a table of those words alone. */
int lex_is_stop(const char *s, size_t n);

/* Word classes (LW_*) of the n bytes at s (0 when absent). */
uint32_t lex_words(const char *s, size_t n);

#endif
