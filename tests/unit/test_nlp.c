/* libnewsdesk-nlp: tokens and their offsets, sentence ends, values
 * normalised against a fixed document date, names and their aliases,
 * quotations (language identification: test_langid.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlp/nlp.h"

/* Wednesday 2025-09-10, 12:00 UTC */
#define DOC_DATE 1757505600

static size_t sentences(const char *text, char out[][160], size_t max)
{
    nlp_doc_t d;
    assert_int_equal(nlp_doc_parse(&d, text, strlen(text)), 0);
    size_t n = d.nsent < max ? d.nsent : max;
    for (size_t i = 0; i < n; i++)
        snprintf(out[i], 160, "%.*s", (int)(d.sent[i].end - d.sent[i].start),
                 text + d.sent[i].start);
    size_t total = d.nsent;
    nlp_doc_free(&d);
    return total;
}

static void sentence_ends(void **state)
{
    (void)state;
    char s[8][160];
    assert_int_equal(sentences("Mr. Smith met Dr. Jones in the U.S. capital. They talked.", s, 8), 2);
    assert_string_equal(s[0], "Mr. Smith met Dr. Jones in the U.S. capital.");
    assert_int_equal(sentences("Prices rose 3.5 percent in No. 10 Street. Nobody knew why.", s, 8), 2);
    assert_int_equal(sentences("J. R. R. Tolkien wrote it. Then he rested.", s, 8), 2);
    assert_string_equal(s[0], "J. R. R. Tolkien wrote it.");
    assert_int_equal(sentences("He paused... and went on. It ended.", s, 8), 2);
    assert_int_equal(sentences("\"Are we done?\" she asked. \"Yes.\" He left.", s, 8), 3);
    assert_string_equal(s[0], "\"Are we done?\" she asked.");
    assert_string_equal(s[1], "\"Yes.\"");
    assert_int_equal(sentences("The firm moved to the U.S. The move paid off.", s, 8), 2);
    assert_int_equal(sentences("First line without stop\nSecond line.", s, 8), 2);
}

static void tokens_and_offsets(void **state)
{
    (void)state;
    const char *text = "Größe’s “Zürich” café costs €3.50.";
    nlp_doc_t d;
    assert_int_equal(nlp_doc_parse(&d, text, strlen(text)), 0);
    /* Größe | ’s | “ | Zürich | ” | café | costs | € | 3.50 | . */
    assert_int_equal(d.ntok, 10);
    assert_int_equal(d.tok[0].cstart, 0);
    assert_int_equal(d.tok[0].cend, 5);
    assert_true(d.tok[1].flags & NLP_POSS);
    assert_int_equal(d.tok[3].cstart, 9);
    assert_int_equal(d.tok[3].cend, 15);
    assert_true(d.tok[3].flags & NLP_CAP);
    assert_int_equal(d.tok[8].kind, NLP_NUMBER);
    assert_int_equal(d.tok[7].kind, NLP_SYMBOL);
    nlp_doc_free(&d);
}

struct found {
    nlp_doc_t d;
    nlp_entities_t e;
};

static void find(struct found *f, const char *text)
{
    assert_int_equal(nlp_doc_parse(&f->d, text, strlen(text)), 0);
    assert_int_equal(nlp_entities_find(&f->d, DOC_DATE, &f->e), 0);
}

static void release(struct found *f)
{
    nlp_entities_free(&f->e);
    nlp_doc_free(&f->d);
}

static const nlp_entity_t *entity(const struct found *f, int type, const char *text)
{
    for (size_t i = 0; i < f->e.nent; i++)
        if (f->e.ent[i].type == type && !strcmp(f->e.ent[i].text, text))
            return &f->e.ent[i];
    return NULL;
}

static void dates(void **state)
{
    (void)state;
    struct found f;
    find(&f, "The summit ran from September 14 to 17 and resumes on Tuesday. "
             "A review is due next week, another later this year, and the "
             "rules date from April 2020. Talks began in 2019.");
    const nlp_entity_t *e = entity(&f, NLP_DATE, "September 14 to 17");
    assert_non_null(e);
    assert_string_equal(e->value.iso, "2025-09-14/2025-09-17");
    assert_non_null(e = entity(&f, NLP_DATE, "Tuesday"));
    assert_string_equal(e->value.iso, "2025-09-09");
    assert_non_null(e = entity(&f, NLP_DATE, "next week"));
    assert_string_equal(e->value.iso, "2025-09-15/2025-09-21");
    assert_non_null(e = entity(&f, NLP_DATE, "later this year"));
    assert_string_equal(e->value.iso, "2025-09-10/2025-12-31");
    assert_non_null(e = entity(&f, NLP_DATE, "April 2020"));
    assert_string_equal(e->value.iso, "2020-04");
    assert_non_null(e = entity(&f, NLP_DATE, "2019"));
    assert_string_equal(e->value.iso, "2019");
    release(&f);
}

static void money_and_percent(void **state)
{
    (void)state;
    struct found f;
    find(&f, "The group paid $410 million for the stake, valued at 3.5 billion "
             "Swedish crowns, and pledged 100 million euros. Profit rose 12.5 "
             "percent, or 7% a year, and the site covers 40 hectares.");
    const nlp_entity_t *e = entity(&f, NLP_MONEY, "$410 million");
    assert_non_null(e);
    assert_true(e->value.amount == 410e6);
    assert_string_equal(e->value.unit, "USD");
    assert_non_null(e = entity(&f, NLP_MONEY, "3.5 billion Swedish crowns"));
    assert_true(e->value.amount == 3.5e9);
    assert_string_equal(e->value.unit, "SEK");
    assert_non_null(e = entity(&f, NLP_MONEY, "100 million euros"));
    assert_string_equal(e->value.unit, "EUR");
    assert_non_null(e = entity(&f, NLP_PERCENT, "12.5 percent"));
    assert_true(e->value.amount == 12.5);
    assert_non_null(e = entity(&f, NLP_PERCENT, "7%"));
    assert_non_null(e = entity(&f, NLP_QUANTITY, "40 hectares"));
    release(&f);
}

static void names_and_aliases(void **state)
{
    (void)state;
    struct found f;
    find(&f, "Finance Minister Karin Lindqvist met President Trump and "
             "officials of the Ministry of Finance in Stockholm. Later Donald "
             "Trump praised Lindqvist. Lindqvist thanked the Swedish Central "
             "Bank.");
    const nlp_entity_t *e = entity(&f, NLP_PERSON, "Karin Lindqvist");
    assert_non_null(e);
    assert_int_equal(e->count, 3);
    assert_non_null(e = entity(&f, NLP_PERSON, "Donald Trump"));
    assert_int_equal(e->count, 2);
    assert_null(entity(&f, NLP_PERSON, "Finance Minister Karin Lindqvist"));
    assert_null(entity(&f, NLP_PERSON, "Trump"));
    assert_non_null(entity(&f, NLP_ORG, "Ministry of Finance"));
    assert_non_null(entity(&f, NLP_LOC, "Stockholm"));
    assert_non_null(entity(&f, NLP_ORG, "Swedish Central Bank"));
    /* spans are code points: "Karin Lindqvist" starts at 17 */
    for (size_t m = 0; m < f.e.nmen; m++) {
        if (f.e.ent[f.e.men[m].entity].type == NLP_PERSON) {
            assert_int_equal(f.d.tok[f.e.men[m].first].cstart, 17);
            assert_int_equal(f.d.tok[f.e.men[m].last - 1].cend, 32);
            break;
        }
    }
    release(&f);
}

static void organisation_aliases(void **state)
{
    (void)state;
    struct found f;
    find(&f, "Orkla Foods AB cut prices in May. Later Orkla Foods raised them "
             "again, and the Treasury Department of Norway objected.");
    const nlp_entity_t *e = entity(&f, NLP_ORG, "Orkla Foods AB");
    assert_non_null(e);
    assert_int_equal(e->count, 2);
    assert_null(entity(&f, NLP_ORG, "Orkla Foods"));
    release(&f);
}

static void organisation_cues(void **state)
{
    (void)state;
    struct found f;
    /* An acronym defined in the text takes the type of what it follows,
     * and makes an unknown name an organisation. */
    find(&f, "Inspectors from the Kvalsund Tarn Orsvik (KTO) arrived on Friday. "
             "A KTO spokesman declined to comment.");
    const nlp_entity_t *e = entity(&f, NLP_ORG, "Kvalsund Tarn Orsvik");
    assert_non_null(e);
    assert_non_null(e = entity(&f, NLP_ORG, "KTO"));
    assert_int_equal(e->count, 2);
    release(&f);
    /* An organisation's head inside a capitalised name, and an
     * organisation noun before a name nothing else typed. */
    find(&f, "She studied at Bravik University College Tromso before the "
             "rock band Quarnel Vesk signed her.");
    assert_non_null(entity(&f, NLP_ORG, "Bravik University College Tromso"));
    assert_null(entity(&f, NLP_LOC, "Tromso"));
    assert_non_null(entity(&f, NLP_ORG, "Quarnel Vesk"));
    assert_null(entity(&f, NLP_PERSON, "Quarnel Vesk"));
    release(&f);
    /* Context: the words before a name, or the place after it. */
    find(&f, "Floods reached the town of Quessvik on Monday. Crews from "
             "Vestbrook, Maine, helped. The striker signed with Tarnwell.");
    assert_non_null(entity(&f, NLP_LOC, "Quessvik"));
    assert_non_null(entity(&f, NLP_LOC, "Vestbrook"));
    assert_non_null(entity(&f, NLP_LOC, "Maine"));
    assert_non_null(entity(&f, NLP_ORG, "Tarnwell"));
    release(&f);
    /* In a sports report, towns that beat each other are clubs, and a
     * club is one everywhere in the report; elsewhere a town stays. */
    find(&f, "Leeds beat Sheffield 2-0 in the league on Saturday. The club's "
             "striker scored twice and the coach praised the team. Fans in "
             "Leeds celebrated.");
    const nlp_entity_t *club = entity(&f, NLP_ORG, "Leeds");
    assert_non_null(club);
    assert_int_equal(club->count, 2);
    assert_non_null(entity(&f, NLP_ORG, "Sheffield"));
    assert_null(entity(&f, NLP_LOC, "Leeds"));
    release(&f);
    find(&f, "Storms beat Leeds on Saturday and farmers in Leeds counted the cost.");
    assert_non_null(entity(&f, NLP_LOC, "Leeds"));
    assert_null(entity(&f, NLP_ORG, "Leeds"));
    release(&f);
    /* A capital "The" inside a sentence is part of an organisation's
     * name; starting a sentence it is not. */
    find(&f, "He bought shares in The Quarnel Group last year. The Vesk "
             "Foundation paid for it.");
    assert_non_null(entity(&f, NLP_ORG, "The Quarnel Group"));
    assert_non_null(entity(&f, NLP_ORG, "Vesk Foundation"));
    release(&f);
    find(&f, "Reporters at the Kestrel Chronicle praised Harwick Logistics.");
    assert_non_null(entity(&f, NLP_ORG, "Kestrel Chronicle"));
    assert_non_null(entity(&f, NLP_ORG, "Harwick Logistics"));
    release(&f);
    find(&f, "Investors backed Qorvanta, headquartered in Oslo. The mill at "
             "Brennish is located near the coast.");
    assert_non_null(entity(&f, NLP_ORG, "Qorvanta"));
    assert_non_null(entity(&f, NLP_LOC, "Brennish"));
    release(&f);
    find(&f, "Analysts said Qorvanta's shares fell after Brelmund's CEO quit.");
    assert_non_null(entity(&f, NLP_ORG, "Qorvanta"));
    assert_non_null(entity(&f, NLP_ORG, "Brelmund"));
    release(&f);
    find(&f, "OSLO - Shares of Tarvik Holdings rose.");
    assert_non_null(entity(&f, NLP_ORG, "Tarvik Holdings"));
    assert_null(entity(&f, NLP_ORG, "Shares of Tarvik Holdings"));
    release(&f);
    find(&f, "The mayor of Dravnik met residents of Oskelund.");
    assert_non_null(entity(&f, NLP_LOC, "Dravnik"));
    assert_non_null(entity(&f, NLP_LOC, "Oskelund"));
    release(&f);
    /* Context types every mention of the same words. */
    find(&f, "The striker signed with Tarnwell in May. Fans of Tarnwell cheered, "
             "and crews went to the town of Quessvik. Roads near Quessvik shut.");
    const nlp_entity_t *tw = entity(&f, NLP_ORG, "Tarnwell");
    assert_non_null(tw);
    assert_int_equal(tw->count, 2);
    const nlp_entity_t *qv = entity(&f, NLP_LOC, "Quessvik");
    assert_non_null(qv);
    assert_int_equal(qv->count, 2);
    release(&f);
    /* A short form without the head is the same organisation. */
    find(&f, "Shares of Tarvik Energy rose. Analysts expect Tarvik to grow.");
    const nlp_entity_t *te = entity(&f, NLP_ORG, "Tarvik Energy");
    assert_non_null(te);
    assert_int_equal(te->count, 2);
    release(&f);
    /* WordNet's organisations, found through their hypernyms. */
    find(&f, "Lenders such as Freddie Mac raised their rates.");
    assert_non_null(entity(&f, NLP_ORG, "Freddie Mac"));
    assert_null(entity(&f, NLP_PERSON, "Freddie Mac"));
    release(&f);
    /* Rivers and mountains are WordNet's natural objects. */
    find(&f, "Barges on the Danube waited while climbers left Kilimanjaro.");
    assert_non_null(entity(&f, NLP_LOC, "Danube"));
    assert_non_null(entity(&f, NLP_LOC, "Kilimanjaro"));
    release(&f);
}

static void hyphenated_places(void **state)
{
    (void)state;
    struct found f;
    find(&f, "The Russia-Ukraine talks moved to a London-based venue near Russia.");
    const nlp_entity_t *e = entity(&f, NLP_LOC, "Russia");
    assert_non_null(e);
    assert_int_equal(e->count, 2);
    assert_non_null(entity(&f, NLP_LOC, "Ukraine"));
    assert_non_null(entity(&f, NLP_LOC, "London"));
    /* "Ukraine" is code points 11..18 inside the word "Russia-Ukraine". */
    int seen = 0;
    for (size_t m = 0; m < f.e.nmen; m++) {
        if (!strcmp(f.e.ent[f.e.men[m].entity].text, "Ukraine")) {
            assert_int_equal(f.e.men[m].cstart, 11);
            assert_int_equal(f.e.men[m].cend, 18);
            seen = 1;
        }
        if (m > 0)
            assert_true(f.e.men[m - 1].cstart <= f.e.men[m].cstart);
    }
    assert_true(seen);
    release(&f);
}

static void quotes(void **state)
{
    (void)state;
    const char *text = "Coach Maria Alvarez spoke after the game. \"We have done "
                       "everything we can,\" Alvarez said. \"Now we rest.\" "
                       "Fans said the team had \"a great run\" anyway.";
    struct found f;
    find(&f, text);
    nlp_quote_t *q;
    size_t n;
    assert_int_equal(nlp_quotes_find(&f.d, &f.e, &q, &n), 0);
    assert_int_equal(n, 2); /* "a great run" is a phrase, not a quotation */
    assert_int_equal((int)(q[0].end - q[0].start), (int)strlen("We have done everything we can"));
    assert_true(q[0].speaker >= 0);
    assert_string_equal(f.e.ent[q[0].speaker].text, "Maria Alvarez");
    assert_int_equal(q[1].speaker, q[0].speaker);
    free(q);
    release(&f);

    /* British single marks; a plural possessive's ’ closes nothing. */
    find(&f, "The minister, Anna Berg, spoke. \xE2\x80\x98We will rebuild every "
             "school,\xE2\x80\x99 Berg said. The countries\xE2\x80\x99 leaders agreed.");
    assert_int_equal(nlp_quotes_find(&f.d, &f.e, &q, &n), 0);
    assert_int_equal(n, 1);
    assert_true(q[0].speaker >= 0);
    assert_string_equal(f.e.ent[q[0].speaker].text, "Anna Berg");
    free(q);
    release(&f);

    /* Reported speech: the speech verb's subject, far back in the sentence,
     * not the person it was said to. */
    find(&f, "Chief executive Lars Eide told Maja Holm and other analysts on a "
             "late call on Friday evening that the group would \"keep every plant "
             "open next year\" despite costs.");
    assert_int_equal(nlp_quotes_find(&f.d, &f.e, &q, &n), 0);
    assert_int_equal(n, 1);
    assert_true(q[0].speaker >= 0);
    assert_string_equal(f.e.ent[q[0].speaker].text, "Lars Eide");
    free(q);
    release(&f);
}

static void bad_input(void **state)
{
    (void)state;
    /* Invalid UTF-8, NULs and lone marks must not crash or loop. */
    const char text[] = "\xff\xfe A\x00B \xe2\x80 \"unclosed quote and $ and 5 and Mr.";
    struct found f;
    assert_int_equal(nlp_doc_parse(&f.d, text, sizeof text - 1), 0);
    assert_int_equal(nlp_entities_find(&f.d, DOC_DATE, &f.e), 0);
    nlp_quote_t *q;
    size_t n;
    assert_int_equal(nlp_quotes_find(&f.d, &f.e, &q, &n), 0);
    assert_int_equal(n, 0);
    free(q);
    release(&f);
    assert_int_equal(nlp_doc_parse(&f.d, "", 0), 0);
    assert_int_equal(f.d.ntok, 0);
    assert_int_equal(f.d.nsent, 0);
    nlp_doc_free(&f.d);

    /* The text is (pointer, length): a year that ends the buffer is read
     * without a NUL after it (the sanitizer build would see an overread). */
    char *year = malloc(7);
    assert_non_null(year);
    memcpy(year, "In 2019", 7);
    assert_int_equal(nlp_doc_parse(&f.d, year, 7), 0);
    assert_int_equal(nlp_entities_find(&f.d, DOC_DATE, &f.e), 0);
    assert_non_null(entity(&f, NLP_DATE, "2019"));
    release(&f);
    free(year);
    /* A huge count before "days ago" is no date (and no overflow). */
    find(&f, "It happened 24500000000 days ago and 3 days ago.");
    assert_null(entity(&f, NLP_DATE, "24500000000 days ago"));
    assert_non_null(entity(&f, NLP_DATE, "3 days ago"));
    release(&f);
}

/* Names whose type comes from the words around them or inside them. */
static void names_in_context(void **state)
{
    (void)state;
    struct found f;
    find(&f, "The Halvik Rangers lost to the St. Louis Ospreys at Brekke Gym, "
             "near the Tomas Ringvold House in St. Louis. The 41st Coastal "
             "Division returned. The bassist Tarl Ommundsen, a fellow Norwegian "
             "Jakob Selvik and an Italian-American engineer watched. Next "
             "week the Ospreys travel.");
    const nlp_entity_t *e = entity(&f, NLP_ORG, "St. Louis Ospreys");
    assert_non_null(e);
    assert_int_equal(e->count, 2); /* "the Ospreys" is the team */
    assert_non_null(entity(&f, NLP_LOC, "St. Louis"));
    assert_non_null(entity(&f, NLP_LOC, "Brekke Gym"));
    assert_non_null(entity(&f, NLP_LOC, "Tomas Ringvold House"));
    assert_null(entity(&f, NLP_PERSON, "Tomas Ringvold House"));
    assert_non_null(entity(&f, NLP_ORG, "41st Coastal Division"));
    assert_non_null(entity(&f, NLP_PERSON, "Tarl Ommundsen"));
    assert_non_null(entity(&f, NLP_PERSON, "Jakob Selvik"));
    assert_non_null(entity(&f, NLP_NORP, "Norwegian"));
    assert_non_null(entity(&f, NLP_NORP, "Italian-American"));
    assert_null(entity(&f, NLP_ORG, "Italian-American"));
    release(&f);
    /* Two names joined by "and" stay two; one name with "and" stays one. */
    find(&f, "The Varde Tribune and Halsvik Gazette ran the Securities and "
             "Exchange Commission's notice.");
    assert_non_null(entity(&f, NLP_ORG, "Varde Tribune"));
    assert_non_null(entity(&f, NLP_ORG, "Halsvik Gazette"));
    assert_non_null(entity(&f, NLP_ORG, "Securities and Exchange Commission"));
    release(&f);
    /* Ranks and offices before a name, and the place or body they
     * belong to. */
    find(&f, "Harris County Sheriff Ed Marsden said Major Lena Brekk and Count "
             "Aksel Trolle had left.");
    assert_non_null(entity(&f, NLP_LOC, "Harris County"));
    assert_non_null(entity(&f, NLP_PERSON, "Ed Marsden"));
    assert_non_null(entity(&f, NLP_PERSON, "Lena Brekk"));
    assert_non_null(entity(&f, NLP_PERSON, "Aksel Trolle"));
    release(&f);
    /* A one-word name after a noun for firms is a firm's, not a person's. */
    find(&f, "The founder of the lender Kvarnbo was charged, and the operator "
             "Lusterno was sold.");
    assert_non_null(entity(&f, NLP_ORG, "Kvarnbo"));
    assert_non_null(entity(&f, NLP_ORG, "Lusterno"));
    release(&f);
    /* An irregular plural at a sentence's start is a common word, even
     * when a cue made the same word a name elsewhere. */
    find(&f, "The campaign group Women said so. Women hold 19 percent of seats. "
             "Children were safe.");
    const nlp_entity_t *w = entity(&f, NLP_ORG, "Women");
    assert_non_null(w);
    assert_int_equal(w->count, 1);
    assert_null(entity(&f, NLP_ORG, "Children"));
    release(&f);
    /* Organisation nouns in the plural, and lists of one kind. */
    find(&f, "Insurers Varmeli and Kostrand said claims were rising.");
    assert_non_null(entity(&f, NLP_ORG, "Varmeli"));
    assert_non_null(entity(&f, NLP_ORG, "Kostrand"));
    release(&f);
    /* A dateline's place in capitals, of one word or more. */
    find(&f, "SAN FRANCISCO (AP) - Varnek Holding rose. OSLO - Markets shut.");
    assert_non_null(entity(&f, NLP_LOC, "SAN FRANCISCO"));
    assert_non_null(entity(&f, NLP_LOC, "OSLO"));
    assert_non_null(entity(&f, NLP_ORG, "Varnek Holding"));
    release(&f);
    /* After a dateline's dash the story starts: "The" and "A" are no
     * part of the name that follows. Places written with hyphens. */
    find(&f, "LEIDEN (newsdesk) - The Varnek Institute said on Monday that a "
             "team from Aix-en-Provence and Saint-Malo had joined.");
    assert_non_null(entity(&f, NLP_ORG, "Varnek Institute"));
    assert_null(entity(&f, NLP_ORG, "The Varnek Institute"));
    assert_non_null(entity(&f, NLP_LOC, "Aix-en-Provence"));
    assert_non_null(entity(&f, NLP_LOC, "Saint-Malo"));
    release(&f);
    /* A person of an organisation is two names; "-based" qualifies one. */
    find(&f, "Trine Aasen of Halvik Securities said Oslo-based Norvane Capital "
             "would sell.");
    assert_non_null(entity(&f, NLP_PERSON, "Trine Aasen"));
    assert_non_null(entity(&f, NLP_ORG, "Halvik Securities"));
    assert_non_null(entity(&f, NLP_ORG, "Norvane Capital"));
    assert_non_null(entity(&f, NLP_LOC, "Oslo"));
    release(&f);
    /* Places named with their river or district. */
    find(&f, "Flights from Washington, D.C. reach Newcastle upon Tyne and "
             "Frankfurt am Main daily.");
    assert_non_null(entity(&f, NLP_LOC, "Washington, D.C."));
    assert_non_null(entity(&f, NLP_LOC, "Newcastle upon Tyne"));
    assert_non_null(entity(&f, NLP_LOC, "Frankfurt am Main"));
    assert_null(entity(&f, NLP_LOC, "Tyne"));
    release(&f);
    /* "the town of X" is a place, whoever else is called X. */
    find(&f, "Ola Hestvik opened the school. The town of Hestvik paid for it.");
    assert_non_null(entity(&f, NLP_PERSON, "Ola Hestvik"));
    assert_non_null(entity(&f, NLP_LOC, "Hestvik"));
    release(&f);
    /* No one's name has digits. */
    find(&f, "The squadron flew the T-38 Talon before the Q-7 Varg arrived.");
    assert_null(entity(&f, NLP_PERSON, "T-38 Talon"));
    assert_null(entity(&f, NLP_PERSON, "Q-7 Varg"));
    release(&f);
    /* Capitalised ordinary words are not nationalities; real ones are,
     * however common their lower-case twin ("polish"). */
    find(&f, "Tourists crowd the lanes of Old Tbilisi in summer. A Polish crew and a Dutch "
             "skipper sailed.");
    assert_non_null(entity(&f, NLP_LOC, "Old Tbilisi"));
    assert_null(entity(&f, NLP_NORP, "Old"));
    assert_non_null(entity(&f, NLP_NORP, "Polish"));
    assert_non_null(entity(&f, NLP_NORP, "Dutch"));
    release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sentence_ends),
        cmocka_unit_test(tokens_and_offsets),
        cmocka_unit_test(dates),
        cmocka_unit_test(money_and_percent),
        cmocka_unit_test(names_and_aliases),
        cmocka_unit_test(organisation_aliases),
        cmocka_unit_test(organisation_cues),
        cmocka_unit_test(hyphenated_places),
        cmocka_unit_test(names_in_context),
        cmocka_unit_test(quotes),
        cmocka_unit_test(bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
