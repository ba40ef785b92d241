/* Text statistics and white-space helpers shared by the readers. */
#include "reader.h"

#include <string.h>

static int is_word_byte(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
           (c >= 'a' && c <= 'z') || c >= 0x80;
}

/* Words: runs of letters and digits (any non-ASCII counts as a letter),
 * joined by inner apostrophes, hyphens and periods. */
static size_t count_words(const char *s, size_t n)
{
    size_t words = 0;
    int in = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_word_byte(c)) {
            words += !in;
            in = 1;
        } else if (in && (c == '\'' || c == '-' || c == '.') && i + 1 < n &&
                   is_word_byte((unsigned char)s[i + 1])) {
            continue;
        } else {
            in = 0;
        }
    }
    return words;
}

/* Sentences: ends of . ! ? (with closing quotes or brackets) followed by
 * a space and an upper-case letter, digit or quote, or by the end of a
 * paragraph. */
static size_t count_sentences(const char *s, size_t n)
{
    size_t count = 0;
    int content = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (is_word_byte((unsigned char)c))
            content = 1;
        if (c == '\n' && i + 1 < n && s[i + 1] == '\n') {
            count += content;
            content = 0;
            continue;
        }
        if ((c == '.' || c == '!' || c == '?') && content) {
            size_t j = i + 1;
            while (j < n && strchr("\"')]", s[j]))
                j++;
            if (j >= n) {
                count++;
                content = 0;
                i = j;
            } else if (s[j] == ' ' && j + 1 < n &&
                       ((s[j + 1] >= 'A' && s[j + 1] <= 'Z') ||
                        (s[j + 1] >= '0' && s[j + 1] <= '9') || s[j + 1] == '"' ||
                        (unsigned char)s[j + 1] >= 0x80)) {
                /* A single capital before the period is an initial. */
                if (i >= 1 && s[i - 1] >= 'A' && s[i - 1] <= 'Z' &&
                    (i < 2 || !is_word_byte((unsigned char)s[i - 2])))
                    continue;
                count++;
                content = 0;
            }
        }
    }
    return count + content;
}

static size_t count_paragraphs(const char *s, size_t n)
{
    size_t count = 0;
    int content = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n' && i + 1 < n && s[i + 1] == '\n') {
            count += content;
            content = 0;
        } else if (s[i] != '\n' && s[i] != ' ' && s[i] != '\t') {
            content = 1;
        }
    }
    return count + content;
}

struct text_stats text_stats(const char *s, size_t n)
{
    return (struct text_stats){count_words(s, n), count_sentences(s, n),
                               count_paragraphs(s, n)};
}

size_t squeeze_space(char *s, size_t n)
{
    size_t o = 0;
    int space = 1; /* drops leading white space */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int ws = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
                 c == '\v';
        if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0)
            ws = 1, i++;
        if (ws) {
            if (!space)
                s[o++] = ' ';
            space = 1;
        } else {
            s[o++] = (char)c;
            space = 0;
        }
    }
    if (o && s[o - 1] == ' ')
        o--;
    if (o < n)
        s[o] = '\0';
    return o;
}
