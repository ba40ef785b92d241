/* libnewsdesk-nlp's language identification: short and long texts (read
 * in stages up to the prefix), scripts, mixed scripts, the Cyrillic
 * letters that settle close calls, and what the confidence says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlp/nlp.h"

struct answer {
    char code[8];
    double confidence;
};

static struct answer identify(const char *text, size_t len, size_t prefix)
{
    struct answer a;
    char err[256];
    assert_int_equal(nlp_langid(text, len, prefix, a.code, &a.confidence, err, sizeof err), 0);
    assert_true(a.confidence >= 0 && a.confidence <= 1);
    return a;
}

static struct answer identify_str(const char *text)
{
    return identify(text, strlen(text), 4096);
}

/* `text` repeated until it fills `len` bytes (NUL-terminated). */
static char *repeated(const char *text, size_t len)
{
    char *s = malloc(len + 1);
    assert_non_null(s);
    size_t n = strlen(text);
    for (size_t o = 0; o < len; o += n)
        memcpy(s + o, text, len - o < n ? len - o : n);
    s[len] = '\0';
    return s;
}

static void short_texts(void **state)
{
    (void)state;
    struct answer a = identify_str("The government announced on Monday that it would raise "
                                   "taxes on large companies to pay for new hospitals.");
    assert_string_equal(a.code, "en");
    assert_true(a.confidence > 0.5);
    a = identify_str("El gobierno anunció el lunes que subirá los impuestos a las "
                     "grandes empresas para pagar nuevos hospitales.");
    assert_string_equal(a.code, "es");
    a = identify_str("Die Regierung kündigte am Montag an, die Steuern für große "
                     "Unternehmen zu erhöhen, um neue Krankenhäuser zu bezahlen.");
    assert_string_equal(a.code, "de");
    /* Too few letters to tell, or none at all. */
    a = identify_str("ok");
    assert_string_equal(a.code, "und");
    assert_true(a.confidence == 0);
    a = identify_str("12 345 678 -- 90");
    assert_string_equal(a.code, "und");
    a = identify("", 0, 4096);
    assert_string_equal(a.code, "und");
}

/* Texts longer than the first stage, and than the prefix: the answer and
 * its confidence stay those of a clear text, however much is read. */
static void long_texts(void **state)
{
    (void)state;
    char *fr = repeated("Le conseil municipal a voté mardi soir la construction d'une "
                        "nouvelle piscine, malgré les critiques de l'opposition sur le "
                        "coût du projet et sur l'emplacement choisi près de la gare. ",
                        20000);
    struct answer a = identify(fr, strlen(fr), 4096);
    assert_string_equal(a.code, "fr");
    assert_true(a.confidence >= 0.8);
    a = identify(fr, strlen(fr), 64);
    assert_string_equal(a.code, "fr");
    a = identify(fr, strlen(fr), 1 << 20);
    assert_string_equal(a.code, "fr");
    /* Only `len` bytes are read: no NUL needed after them, and a prefix
     * cut inside a character is cut back to its start. */
    char *pl = repeated("Władze miasta ogłosiły, że żółty autobus będzie kursował częściej. ",
                        3000);
    for (size_t prefix = 100; prefix < 110; prefix++)
        assert_string_equal(identify(pl, strlen(pl), prefix).code, "pl");
    free(pl);
    free(fr);
}

static void scripts(void **state)
{
    (void)state;
    struct answer a = identify_str("政府は月曜日、新しい病院の費用を賄うために大企業への税金を引き上げると発表した。");
    assert_string_equal(a.code, "ja");
    a = identify_str("政府周一宣布，将提高对大企业的税收，以支付新医院的费用。");
    assert_string_equal(a.code, "zh");
    a = identify_str("정부는 월요일 새 병원 비용을 마련하기 위해 대기업 세금을 올리겠다고 발표했다.");
    assert_string_equal(a.code, "ko");
    a = identify_str("Η κυβέρνηση ανακοίνωσε τη Δευτέρα ότι θα αυξήσει τους φόρους στις "
                     "μεγάλες εταιρείες.");
    assert_string_equal(a.code, "el");
    a = identify_str("Правительство объявило в понедельник, что повысит налоги для "
                     "крупных компаний, чтобы оплатить новые больницы.");
    assert_string_equal(a.code, "ru");
    a = identify_str("أعلنت الحكومة يوم الاثنين أنها سترفع الضرائب على الشركات الكبرى "
                     "لتمويل مستشفيات جديدة.");
    assert_string_equal(a.code, "ar");
}

/* Mixed scripts: a Han character is weighed as a word, so names in Latin
 * letters do not outvote the Chinese around them, and a few Chinese
 * names do not make an English text Chinese. */
static void mixed_scripts(void **state)
{
    (void)state;
    struct answer a = identify_str("维斯特兰德 (Vestrand Harbour Authority) 位于半岛北部，"
                                   "面朝卡尔森海 (Carlsen Sea)。");
    assert_string_equal(a.code, "zh");
    a = identify_str("The delegation met officials of 北京 and 上海 on Tuesday to discuss "
                     "new rules for shipping companies and their ports.");
    assert_string_equal(a.code, "en");
    a = identify_str("Компания Nordvik Energy и банк Harwell Capital подписали соглашение "
                     "о строительстве новой электростанции на севере страны.");
    assert_string_equal(a.code, "ru");
}

/* Letters only Ukrainian writes settle a close call with Russian, and
 * letters it lacks the other way. */
static void cyrillic_letters(void **state)
{
    (void)state;
    struct answer a = identify_str("Міська рада вирішила збудувати нову школу, і батьки "
                                   "їхніх учнів підтримали це рішення.");
    assert_string_equal(a.code, "uk");
    assert_true(a.confidence >= 0.9);
    a = identify_str("Городской совет решил построить новую школу, и родители учеников "
                     "поддержали это решение.");
    assert_string_equal(a.code, "ru");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(short_texts),
        cmocka_unit_test(long_texts),
        cmocka_unit_test(scripts),
        cmocka_unit_test(mixed_scripts),
        cmocka_unit_test(cyrillic_letters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
