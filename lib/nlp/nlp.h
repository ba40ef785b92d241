/* libnewsdesk-nlp: the text analysis the built-in extraction plugins share
 * (tokens, sentences, language identification, named entities with
 * normalised values, and one analysis of a document holding them, made
 * once and reused by every step). Private to newsdesk's own plugins: it is
 * not part of the plugin SDK and its interface may change with newsdesk.
 *
 * Offsets: every token carries byte offsets into the text it was cut from
 * and Unicode code-point offsets (what SPEC section 7 calls spans). */
#ifndef NEWSDESK_NLP_H
#define NEWSDESK_NLP_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define NLP_API __attribute__((visibility("default")))
#else
#define NLP_API
#endif

/* ---- tokens and sentences ------------------------------------------------ */

enum nlp_kind {
    NLP_WORD = 1,   /* letters (with inner ' - . and digits) */
    NLP_NUMBER = 2, /* digits with inner , . : ("3.5", "1,000", "10:30") */
    NLP_PUNCT = 3,  /* one punctuation mark; "..." is one token */
    NLP_SYMBOL = 4  /* currency signs, %, & and other symbols */
};

enum nlp_flag {
    NLP_CAP = 1u << 0,        /* first letter upper-case */
    NLP_ALLCAPS = 1u << 1,    /* two or more letters, all upper-case */
    NLP_LOWER = 1u << 2,      /* first letter lower-case */
    NLP_SENT_START = 1u << 3, /* first word of a sentence or of a quotation
                                 opening one */
    NLP_SPACE_BEFORE = 1u << 4,
    NLP_LINE_BEFORE = 1u << 5, /* a line break since the previous token */
    NLP_ABBR = 1u << 6,       /* ends in a period that is not a full stop
                                 ("Mr.", "U.S.", initials) */
    NLP_POSS = 1u << 7,       /* the possessive "'s" split off a word */
    NLP_MIXED = 1u << 8       /* an upper-case letter after a lower-case
                                 one ("TikTok", "iPhone") */
};

typedef struct nlp_token {
    uint32_t start, end;   /* bytes [start, end) */
    uint32_t cstart, cend; /* code points [cstart, cend) */
    uint16_t kind;         /* enum nlp_kind */
    uint16_t flags;        /* enum nlp_flag */
    uint32_t sent;         /* index of its sentence */
} nlp_token_t;

typedef struct nlp_sentence {
    uint32_t first, last; /* tokens [first, last) */
    uint32_t start, end;  /* bytes [start, end) */
} nlp_sentence_t;

typedef struct nlp_doc {
    const char *text; /* borrowed: must outlive the nlp_doc */
    size_t len;
    nlp_token_t *tok;
    size_t ntok;
    nlp_sentence_t *sent;
    size_t nsent;
    size_t words; /* tokens of kind NLP_WORD or NLP_NUMBER */
} nlp_doc_t;

/* Cut `text` (UTF-8, `len` bytes) into tokens and sentences. Sentence ends
 * survive abbreviations ("Mr.", "U.S.", "No. 10"), decimals, initials,
 * ellipses and closing quotation marks; a line break always ends one.
 * Returns 0, -EFBIG for a text of 4 GiB or more, or -ENOMEM (d is then
 * empty). Free with nlp_doc_free. */
NLP_API int nlp_doc_parse(nlp_doc_t *d, const char *text, size_t len);
NLP_API void nlp_doc_free(nlp_doc_t *d);

/* How much of a text of `len` bytes to analyse when at most `max` bytes
 * may be: all of it when it fits, else up to the last line break (or
 * space, or character boundary) before `max`, so analysis of a huge
 * document stays bounded in time and memory. */
NLP_API size_t nlp_bounded_len(const char *text, size_t len, size_t max);

/* The next code point of s[*i..n), advancing *i; invalid bytes read as
 * U+FFFD, one byte each. */
NLP_API uint32_t nlp_utf8_next(const char *s, size_t n, size_t *i);
/* Code-point classes for the scripts news is written in. */
NLP_API int nlp_cp_letter(uint32_t c);
NLP_API int nlp_cp_upper(uint32_t c);
/* Lower-case ASCII and Latin-1/Latin Extended-A/Greek/Cyrillic letters. */
NLP_API uint32_t nlp_cp_lower(uint32_t c);

/* Function words of English (lower-case, n bytes). */
NLP_API int nlp_is_stopword(const char *s, size_t n);

/* Is the lower-case English word a verb form that is not also a noun
 * ("scored", "settled", "told"; not "talks", "meeting")? From WordNet's
 * word lists and its irregular forms. */
NLP_API int nlp_is_verb_form(const char *s, size_t n);

/* Is the lower-case English word an irregular verb form, noun or not
 * ("rose", "fell", "won", "led")? Right after a name it is the verb. */
NLP_API int nlp_is_irregular_verb(const char *s, size_t n);

/* ---- language ------------------------------------------------------------- */

/* Identify the language of text (at most `prefix` bytes of it are read,
 * cut at a character boundary). Writes an ISO 639-1 code ("und" when
 * unsure or when the text has too few letters) into code (room for 8) and
 * a confidence in [0,1]. Returns 0, or -ENOMEM with a reason in err.
 * Thread-safe. */
NLP_API int nlp_langid(const char *text, size_t len, size_t prefix,
                       char code[8], double *confidence, char *err,
                       size_t errlen);

/* ---- entities -------------------------------------------------------------- */

enum nlp_etype {
    NLP_PERSON = 0, NLP_ORG, NLP_LOC, NLP_NORP, NLP_DATE, NLP_TIME,
    NLP_MONEY, NLP_PERCENT, NLP_QUANTITY, NLP_NTYPES
};
NLP_API const char *nlp_etype_name(int type);

/* A normalised value: DATE/TIME as an ISO 8601 string (a date, a month, a
 * year, an interval "a/b" or a time), MONEY as amount and ISO 4217 code,
 * PERCENT as a number, QUANTITY as amount and unit. */
typedef struct nlp_value {
    int kind; /* 0 none, 1 string (iso), 2 number (amount), 3 amount+unit */
    char iso[48];
    double amount;
    char unit[24]; /* currency code or unit of measure */
} nlp_value_t;

typedef struct nlp_mention {
    uint32_t first, last;  /* tokens [first, last) */
    uint32_t entity;       /* index into nlp_entities.ent */
    uint32_t cstart, cend; /* code points [cstart, cend): the tokens', or
                              part of one ("China" in "US-China") */
} nlp_mention_t;

typedef struct nlp_entity {
    int type;                  /* enum nlp_etype */
    uint32_t first, last;      /* tokens of its fullest mention */
    char *text;                /* fullest form, owned */
    uint32_t count;            /* mentions */
    nlp_value_t value;
} nlp_entity_t;

typedef struct nlp_entities {
    nlp_entity_t *ent;
    size_t nent;
    nlp_mention_t *men; /* in text order */
    size_t nmen;
} nlp_entities_t;

/* Find the entities of a parsed document. `now` (seconds since the epoch,
 * UTC) anchors relative dates ("Tuesday", "next week"). Returns 0 or
 * -ENOMEM. Free with nlp_entities_free. */
NLP_API int nlp_entities_find(const nlp_doc_t *d, int64_t now,
                              nlp_entities_t *out);
NLP_API void nlp_entities_free(nlp_entities_t *e);

/* ---- quotations ------------------------------------------------------------ */

typedef struct nlp_quote {
    uint32_t start, end; /* bytes of the quoted words, without the marks */
    int speaker;         /* index of a PERSON in the entities, or -1 */
} nlp_quote_t;

/* Direct quotations (four words or more, or a short sentence), in text order, each with its
 * speaker when the sentence around it names one ("..., X said", "X said:
 * ...", "according to X"), a pronoun standing for the last person named.
 * *out is malloc'ed (free it); returns 0 or -ENOMEM. */
NLP_API int nlp_quotes_find(const nlp_doc_t *d, const nlp_entities_t *e,
                            nlp_quote_t **out, size_t *n);

/* ---- one analysis per document --------------------------------------------
 * What the extraction steps share: a text tokenised and split into
 * sentences once, and its entities found once, on first need. nlpstep.h
 * attaches it to the document (docs/plugins.md, "Data shared between
 * steps") under NLP_ANALYSIS_NAME with type NLP_ANALYSIS_TYPE. */

typedef struct nlp_analysis nlp_analysis_t;

#define NLP_ANALYSIS_NAME "nlp/analysis"
#define NLP_ANALYSIS_TYPE "nlp_analysis/1"

/* Analyse text[0..len) (copied: the analysis needs nothing of the caller
 * afterwards): tokens and sentences as nlp_doc_parse makes them. Returns
 * 0 with *out set, -EFBIG or -ENOMEM. Free with nlp_analysis_free. */
NLP_API int nlp_analysis_new(nlp_analysis_t **out, const char *text,
                             size_t len);
/* The tokens and sentences; borrowed for the analysis's life. */
NLP_API const nlp_doc_t *nlp_analysis_doc(const nlp_analysis_t *a);
/* The entities, with relative dates read against `now`: found by the first
 * call and kept, so *out is borrowed for the analysis's life. Returns 0,
 * -ENOMEM, or -ESTALE when they were found against another date (make a
 * new analysis for that date). Thread-safe. */
NLP_API int nlp_analysis_entities(nlp_analysis_t *a, int64_t now,
                                  const nlp_entities_t **out);
/* Free an analysis (NULL is fine); a `void *` so that it can be the
 * destructor of an attachment. */
NLP_API void nlp_analysis_free(void *a);

/* How many analyses this process has made and how many times it has
 * found their entities, for the tests and benchmarks that check that a
 * document is analysed once. Thread-safe. */
struct nlp_analysis_counts {
    uint64_t analyses, entity_runs;
};
NLP_API void nlp_analysis_counts(struct nlp_analysis_counts *out);

/* Parse an ISO 8601 date or date-time ("2025-09-10", "2025-09-10T08:00:00Z")
 * into seconds since the epoch at its start (UTC). Returns 0 or -EINVAL. */
NLP_API int nlp_parse_iso_date(const char *s, int64_t *out);

#endif
