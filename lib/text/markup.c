/* Removing markup from short metadata values: a feed title of type html,
 * a WordPress "rendered" title, an excerpt. Whole pages go through the
 * html reader instead. */
#include "markup.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "stats.h"

static const struct {
    const char *name;
    uint32_t cp;
} entities[] = {
    {"amp", '&'},      {"lt", '<'},        {"gt", '>'},        {"quot", '"'},
    {"apos", '\''},    {"nbsp", 0xA0},     {"ndash", 0x2013},  {"mdash", 0x2014},
    {"lsquo", 0x2018}, {"rsquo", 0x2019},  {"ldquo", 0x201C},  {"rdquo", 0x201D},
    {"hellip", 0x2026}, {"euro", 0x20AC},  {"pound", 0xA3},    {"copy", 0xA9},
    {"eacute", 0xE9},  {"egrave", 0xE8},   {"aacute", 0xE1},   {"agrave", 0xE0},
    {"oacute", 0xF3},  {"uacute", 0xFA},   {"iacute", 0xED},   {"ntilde", 0xF1},
    {"ccedil", 0xE7},  {"uuml", 0xFC},     {"ouml", 0xF6},     {"auml", 0xE4},
    {"szlig", 0xDF},   {"laquo", 0xAB},    {"raquo", 0xBB},    {"middot", 0xB7},
};

/* The entity at s[0] == '&': its code point and length, or 0. */
static size_t entity(const char *s, size_t n, uint32_t *cp)
{
    const char *semi = memchr(s, ';', n < 12 ? n : 12);
    if (!semi)
        return 0;
    size_t len = (size_t)(semi - s) + 1;
    if (len > 3 && s[1] == '#') {
        uint32_t v = 0;
        int hex = s[2] == 'x' || s[2] == 'X';
        for (size_t i = hex ? 3 : 2; i < len - 1; i++) {
            char c = s[i];
            int d = c >= '0' && c <= '9'             ? c - '0'
                    : hex && c >= 'a' && c <= 'f'   ? c - 'a' + 10
                    : hex && c >= 'A' && c <= 'F'   ? c - 'A' + 10
                                                     : -1;
            if (d < 0 || v > 0x10FFFF)
                return 0;
            v = v * (hex ? 16 : 10) + (uint32_t)d;
        }
        if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
            v = 0xFFFD;
        *cp = v;
        return len;
    }
    for (size_t i = 0; i < sizeof entities / sizeof *entities; i++)
        if (strlen(entities[i].name) == len - 2 && !memcmp(s + 1, entities[i].name, len - 2)) {
            *cp = entities[i].cp;
            return len;
        }
    return 0;
}

size_t strip_markup(char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] == '<') {
            const char *gt = memchr(s + i, '>', n - i);
            if (gt) {
                i = (size_t)(gt - s) + 1;
                s[o++] = ' ';
                continue;
            }
        }
        uint32_t cp;
        size_t len;
        if (s[i] == '&' && (len = entity(s + i, n - i, &cp)) > 0) {
            /* An entity is never shorter than the UTF-8 it stands for. */
            o += utf8_encode(s + o, cp);
            i += len;
            continue;
        }
        s[o++] = s[i++];
    }
    return squeeze_space(s, o);
}
