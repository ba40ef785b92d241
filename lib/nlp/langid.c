/* Language identification: the script decides where it is unambiguous
 * (Hangul, kana, Han, Greek); otherwise libexttextcat's character n-gram
 * fingerprints are compared with the text's, keeping only the languages
 * that have an ISO 639-1 code (the output's code space), and the gap
 * between the two best scores gives the confidence. */
#include <errno.h>
#include <fingerprint.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <textcat.h>

#include "base/grow.h"
#include "nlp.h"

#ifndef NLP_TEXTCAT_DIR
#define NLP_TEXTCAT_DIR "/usr/share/libexttextcat"
#endif

/* Fewer letters than this (a headline-sized fragment) and the n-grams
 * cannot tell. */
#define MIN_LETTERS 20
/* n-grams per fingerprint, as libexttextcat's own classifier uses. */
#define NGRAMS 400
#define MIN_CONFIDENCE 0.05

struct lang {
    char code[8];
    void *fp;
};

static struct lang *langs;
static size_t nlangs;
static char load_err[1024];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
    char conf[512];
    snprintf(conf, sizeof conf, "%.400s/fpdb.conf", NLP_TEXTCAT_DIR);
    FILE *f = fopen(conf, "r");
    if (!f) {
        snprintf(load_err, sizeof load_err,
                 "cannot read the language fingerprints %s (install "
                 "libexttextcat-data)", conf);
        return;
    }
    char line[512];
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        char file[256], name[64];
        if (line[0] == '#' || sscanf(line, "%255s %63s", file, name) != 2)
            continue;
        /* name is language-country-encoding; keep two-letter languages
         * and Chinese in either script. */
        char code[8] = "";
        if (!strncmp(name, "zh-", 3))
            strcpy(code, "zh");
        else if (strlen(name) > 2 && name[2] == '-' && name[0] >= 'a' &&
                 name[0] <= 'z' && name[1] >= 'a' && name[1] <= 'z')
            memcpy(code, name, 2);
        else
            continue;
        char path[800];
        snprintf(path, sizeof path, "%s/%s", NLP_TEXTCAT_DIR, file);
        void *fp = fp_Init(code);
        if (!fp)
            continue;
        if (fp_Read(fp, path, NGRAMS) == 0) {
            fp_Done(fp);
            continue;
        }
        struct lang *g = array_grow(langs, &cap, nlangs + 1, sizeof *g, 64);
        if (!g) {
            fp_Done(fp);
            break;
        }
        langs = g;
        memcpy(langs[nlangs].code, code, sizeof code);
        langs[nlangs++].fp = fp;
    }
    fclose(f);
    if (!nlangs)
        snprintf(load_err, sizeof load_err,
                 "no usable language fingerprints listed in %s", conf);
}

struct script_counts {
    size_t letters, latin, hangul, kana, han, greek, uk_only, ru_only;
};

static struct script_counts count_scripts(const char *s, size_t n)
{
    struct script_counts k = {0};
    for (size_t i = 0; i < n;) {
        uint32_t c = nlp_utf8_next(s, n, &i);
        if (!nlp_cp_letter(c))
            continue;
        k.letters++;
        if (c < 0x250)
            k.latin++;
        else if (c >= 0xAC00 && c <= 0xD7AF)
            k.hangul++;
        else if (c >= 0x3040 && c <= 0x30FF)
            k.kana++;
        else if ((c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF))
            k.han++;
        else if (c >= 0x370 && c <= 0x3FF)
            k.greek++;
        if (c == 0x456 || c == 0x457 || c == 0x454 || c == 0x491 || c == 0x406 ||
            c == 0x407 || c == 0x404 || c == 0x490)
            k.uk_only++;
        else if (c == 0x44B || c == 0x44D || c == 0x44A || c == 0x451 ||
                 c == 0x42B || c == 0x42D || c == 0x401)
            k.ru_only++;
    }
    return k;
}

/* The fingerprint index of language `code`, or `fallback`. */
static size_t find_lang(const char *code, size_t fallback)
{
    for (size_t i = 0; i < nlangs; i++)
        if (!strcmp(langs[i].code, code))
            return i;
    return fallback;
}

int nlp_langid(const char *text, size_t len, size_t prefix, char code[8],
               double *confidence, char *err, size_t errlen)
{
    pthread_once(&once, load);
    strcpy(code, "und");
    *confidence = 0;
    if (!nlangs) {
        snprintf(err, errlen, "%s", load_err);
        return -ENOENT;
    }
    if (len > prefix) {
        len = prefix;
        while (len && ((unsigned char)text[len] & 0xC0) == 0x80)
            len--;
    }
    struct script_counts k = count_scripts(text, len);
    if (k.letters < MIN_LETTERS && k.han + k.kana + k.hangul < 4)
        return 0;
    /* Scripts used by one language of the fingerprint set. */
    double cjk = (double)(k.hangul + k.kana + k.han);
    if (k.hangul * 2 > k.letters) {
        strcpy(code, "ko"), *confidence = 0.99;
        return 0;
    }
    if (cjk * 2 > (double)k.letters) {
        if (k.kana * 20 > k.han + k.kana)
            strcpy(code, "ja");
        else
            strcpy(code, "zh");
        *confidence = 0.97;
        return 0;
    }
    if (k.greek * 2 > k.letters) {
        strcpy(code, "el"), *confidence = 0.99;
        return 0;
    }
    void *unknown = fp_Init(NULL);
    if (!unknown) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    fp_SetProperty(unknown, TCPROP_UTF8AWARE, TC_TRUE);
    fp_SetProperty(unknown, TCPROP_MINIMUM_DOCUMENT_SIZE, 1);
    if (fp_Create(unknown, text, (uint4)len, NGRAMS) == 0) {
        fp_Done(unknown);
        return 0;
    }
    long best = -1, second = -1;
    size_t bi = 0;
    for (size_t i = 0; i < nlangs; i++) {
        long sc = fp_Compare(langs[i].fp, unknown, INT32_MAX);
        if (best < 0 || sc < best) {
            /* Two fingerprints of one language (zh) do not compete. */
            if (best >= 0 && strcmp(langs[bi].code, langs[i].code))
                second = best;
            best = sc, bi = i;
        } else if ((second < 0 || sc < second) && strcmp(langs[bi].code, langs[i].code)) {
            second = sc;
        }
    }
    fp_Done(unknown);
    if (best <= 0 || second <= 0)
        return 0;
    double gap = (double)(second - best) / (double)best;
    /* A gap of 3% is libexttextcat's own line between a clear answer and
     * a tie; map it to 0.5 and let wider gaps approach 1. Below
     * MIN_CONFIDENCE (a gap under about 0.2%) it is a tie: und. */
    double conf = 1.0 - exp(-gap * 23.1);
    /* Letters only one of Ukrainian and Russian writes settle a close
     * call between them. */
    if (!strcmp(langs[bi].code, "ru") && k.uk_only && !k.ru_only)
        bi = find_lang("uk", bi), conf = conf > 0.9 ? conf : 0.9;
    else if (!strcmp(langs[bi].code, "uk") && k.ru_only && !k.uk_only)
        bi = find_lang("ru", bi), conf = conf > 0.9 ? conf : 0.9;
    if (conf < MIN_CONFIDENCE)
        return 0;
    strcpy(code, langs[bi].code);
    *confidence = conf;
    return 0;
}
