/* Text statistics and white-space helpers shared by the readers. */
#include "stats.h"

#include <stdint.h>
#include <string.h>

/* Byte classes for the counts below, so each byte costs one lookup. */
enum { C_WORD = 1, C_JOIN = 2, C_END = 4, C_SPACE = 8, C_NL = 16 };

static const uint8_t *classes(void)
{
    static uint8_t t[256];
    static int ready;
    if (!ready) {
        /* Filled once; every thread writes the same bytes, so a race is
         * harmless. */
        uint8_t c[256] = {0};
        for (int i = 0; i < 256; i++) {
            if ((i >= '0' && i <= '9') || (i >= 'A' && i <= 'Z') ||
                (i >= 'a' && i <= 'z') || i >= 0x80)
                c[i] |= C_WORD;
        }
        c['\''] |= C_JOIN, c['-'] |= C_JOIN, c['.'] |= C_JOIN | C_END;
        c['!'] |= C_END, c['?'] |= C_END;
        c[' '] |= C_SPACE, c['\t'] |= C_SPACE, c['\n'] |= C_NL;
        memcpy(t, c, sizeof t);
        ready = 1;
    }
    return t;
}

/* Words: runs of letters and digits (any non-ASCII counts as a letter),
 * joined by inner apostrophes, hyphens and periods.
 * Sentences: ends of . ! ? (with closing quotes or brackets) followed by
 * a space and an upper-case letter, digit or quote, or by the end of a
 * paragraph; a single capital before the period is an initial.
 * Paragraphs: blocks with text between blank lines. */
struct text_stats text_stats(const char *str, size_t n)
{
    const uint8_t *cls = classes();
    const unsigned char *s = (const unsigned char *)str;
    struct text_stats st = {0, 0, 0};
    int in_word = 0, content = 0, par_content = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        uint8_t k = cls[c];
        if (k & C_WORD) {
            st.words += !in_word;
            in_word = content = par_content = 1;
            continue;
        }
        /* "don't", "well-known", "3.5": inner joiners keep the word. */
        if (in_word && (k & C_JOIN) && i + 1 < n && (cls[s[i + 1]] & C_WORD))
            continue;
        in_word = 0;
        if (!(k & (C_SPACE | C_NL)))
            par_content = 1;
        if (k & C_NL) {
            if (i + 1 < n && s[i + 1] == '\n') {
                st.sentences += content;
                st.paragraphs += par_content;
                content = par_content = 0;
            }
            continue;
        }
        if ((k & C_END) && content) {
            size_t j = i + 1;
            while (j < n && (s[j] == '"' || s[j] == '\'' || s[j] == ')' || s[j] == ']'))
                j++;
            if (j >= n) {
                st.sentences++;
                content = 0;
                i = j;
            } else if (s[j] == ' ' && j + 1 < n &&
                       ((s[j + 1] >= 'A' && s[j + 1] <= 'Z') ||
                        (s[j + 1] >= '0' && s[j + 1] <= '9') || s[j + 1] == '"' ||
                        s[j + 1] >= 0x80)) {
                if (i >= 1 && s[i - 1] >= 'A' && s[i - 1] <= 'Z' &&
                    (i < 2 || !(cls[s[i - 2]] & C_WORD)))
                    continue;
                st.sentences++;
                content = 0;
            }
        }
    }
    st.sentences += content;
    st.paragraphs += par_content;
    return st;
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
