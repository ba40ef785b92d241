/* text: the reader for plain text and Markdown articles.
 *
 * The bytes are converted to NFC UTF-8 first (BOMs, UTF-16, legacy 8-bit
 * charsets; see lib/text/charset.c). The first non-empty line is the
 * title (without Markdown heading marks) unless a container or front
 * matter already gave one; the rest is the body. Paragraphs are blocks
 * separated by blank lines, or, in files without blank lines (common in
 * wire copy), single lines. Lines inside a paragraph are joined with a
 * space.
 *
 * Markdown (media type text/markdown, or `markdown: always`) is reduced to
 * plain text: heading marks, emphasis, code fences, list bullets, quote
 * marks, tables and rules go; links and images keep their text; YAML or
 * TOML front matter fills title, byline, published, url and description.
 *
 * Everything works line by line over one converted copy of the input, so
 * a 100 MB file costs the converted text plus the body, never a table
 * per line. */
#include <newsdesk/plugin.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "text/charset.h"
#include "text/dates.h"
#include "text/docstats.h"

/* A title longer than this (a file that is one giant line) is cut at a
 * word boundary. */
#define TITLE_MAX 300

/* Front matter longer than this many lines is not front matter. */
#define FRONT_MATTER_MAX_LINES 200

enum md_mode { MD_AUTO, MD_ALWAYS, MD_NEVER };

struct text_state {
    const char *charset, *fallback;
    enum md_mode markdown;
};

struct line {
    const char *s;
    size_t n;
};

static int is_space(char c) { return c == ' ' || c == '\t'; }

static struct line trim(const char *s, size_t n)
{
    while (n && is_space(*s))
        s++, n--;
    while (n && is_space(s[n - 1]))
        n--;
    return (struct line){s, n};
}

/* The line starting at *pos of text[0..n); *pos moves past it. */
static struct line next_line(const char *text, size_t n, size_t *pos)
{
    const char *s = text + *pos;
    const char *eol = memchr(s, '\n', n - *pos);
    size_t len = eol ? (size_t)(eol - s) : n - *pos;
    *pos += len + (eol != NULL);
    return (struct line){s, len};
}

/* "===" or "---" under a line makes it a Markdown (setext) heading. */
static int setext_rule(struct line l)
{
    if (l.n < 2 || (l.s[0] != '=' && l.s[0] != '-'))
        return 0;
    for (size_t i = 0; i < l.n; i++)
        if (l.s[i] != l.s[0])
            return 0;
    return 1;
}

/* "***", "- - -", "___": a Markdown thematic break. */
static int thematic_break(struct line l)
{
    size_t marks = 0;
    char m = l.n ? l.s[0] : 0;
    if (m != '*' && m != '-' && m != '_')
        return 0;
    for (size_t i = 0; i < l.n; i++) {
        if (l.s[i] == m)
            marks++;
        else if (!is_space(l.s[i]))
            return 0;
    }
    return marks >= 3;
}

/* Strip "# " marks and a closing run of #. */
static struct line heading_text(struct line l, int *is_heading)
{
    size_t h = 0;
    while (h < l.n && h < 6 && l.s[h] == '#')
        h++;
    *is_heading = 0;
    if (h && (h == l.n || is_space(l.s[h]))) {
        *is_heading = 1;
        l = trim(l.s + h, l.n - h);
        while (l.n && l.s[l.n - 1] == '#')
            l.n--;
        l = trim(l.s, l.n);
    }
    return l;
}

static struct line cut_title(struct line t)
{
    if (t.n <= TITLE_MAX)
        return t;
    size_t cut = TITLE_MAX;
    while (cut > TITLE_MAX / 2 && !is_space(t.s[cut]))
        cut--;
    if (cut <= TITLE_MAX / 2) {
        cut = TITLE_MAX;
        while (cut && ((unsigned char)t.s[cut] & 0xC0) == 0x80)
            cut--; /* never split a UTF-8 sequence */
    }
    return trim(t.s, cut);
}

/* ---- Markdown ------------------------------------------------------------- */

static int is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
           (c >= 'a' && c <= 'z') || (unsigned char)c >= 0x80;
}

/* How far inline markup looks for its closing bracket, backtick run or
 * angle bracket. Links and code spans are short; without a bound, a line
 * of a million "[" would be read a million times. */
#define INLINE_REACH 2048

/* Where the next `close` byte at or after i is, remembered across calls
 * on one line: positions only move forward, so finding them costs one
 * pass over the line however many brackets open. */
struct next_byte {
    size_t at; /* SIZE_MAX: none before the end of the line */
    int valid;
};

static size_t next_of(struct next_byte *nb, const char *s, size_t n, size_t i, char c)
{
    if (!nb->valid || (nb->at != SIZE_MAX && nb->at < i)) {
        const char *p = memchr(s + i, c, n - i);
        nb->at = p ? (size_t)(p - s) : SIZE_MAX;
        nb->valid = 1;
    }
    return nb->at;
}

/* The end of a bracketed run starting at s[i] == open, or 0. Links do not
 * nest deeper than a few levels; a run of opening brackets gives up
 * early. */
static size_t match_close(const char *s, size_t n, size_t i, char open, char close,
                          struct next_byte *nb)
{
    size_t first = next_of(nb, s, n, i, close);
    if (first == SIZE_MAX || first - i > INLINE_REACH)
        return 0;
    int depth = 0;
    for (size_t j = i; j < n && j - i <= INLINE_REACH; j++) {
        if (s[j] == '\\') {
            j++;
            continue;
        }
        if (s[j] == open) {
            if (++depth > 8)
                return 0;
        } else if (s[j] == close && --depth == 0) {
            return j;
        }
    }
    return 0;
}

/* Append the plain text of one line of Markdown inline markup: code
 * spans keep their content, links and images their text, emphasis marks
 * go (only where they flank a word, so "5 * 3" and snake_case stay),
 * backslash escapes are resolved. Nesting inside link text is bounded by
 * the line, and each byte is looked at a bounded number of times. */
static int md_inline(struct buf *out, const char *s, size_t n, int depth)
{
    size_t i = 0;
    struct next_byte square = {0, 0}, paren = {0, 0};
    while (i < n) {
        char c = s[i];
        if (c == '\\' && i + 1 < n && strchr("\\`*_{}[]()#+-.!|~<>", s[i + 1])) {
            if (buf_putc(out, s[i + 1]) < 0)
                return -1;
            i += 2;
            continue;
        }
        if (c == '`') {
            size_t run = 0;
            while (i + run < n && s[i + run] == '`')
                run++;
            /* The matching run of as many backticks closes the span. */
            size_t j = i + run, end = 0;
            size_t reach = n - j > INLINE_REACH ? j + INLINE_REACH : n;
            while (j < reach) {
                if (s[j] == '`') {
                    size_t r = 0;
                    while (j + r < n && s[j + r] == '`')
                        r++;
                    if (r == run) {
                        end = j;
                        break;
                    }
                    j += r;
                } else {
                    j++;
                }
            }
            if (end) {
                struct line code = trim(s + i + run, end - i - run);
                if (buf_put(out, code.s, code.n) < 0)
                    return -1;
                i = end + run;
            } else {
                if (buf_put(out, s + i, run) < 0)
                    return -1;
                i += run;
            }
            continue;
        }
        if ((c == '[' || (c == '!' && i + 1 < n && s[i + 1] == '[')) && depth < 4) {
            size_t open = c == '!' ? i + 1 : i;
            size_t close = match_close(s, n, open, '[', ']', &square);
            if (close) {
                size_t after = close + 1;
                size_t end = 0;
                if (after < n && s[after] == '(')
                    end = match_close(s, n, after, '(', ')', &paren);
                else if (after < n && s[after] == '[')
                    end = match_close(s, n, after, '[', ']', &square);
                if (end || (after < n && s[after] != ':') || after == n) {
                    if (md_inline(out, s + open + 1, close - open - 1, depth + 1) < 0)
                        return -1;
                    i = end ? end + 1 : after;
                    continue;
                }
            }
        }
        if (c == '<' && i + 1 < n) {
            /* <https://...> autolinks keep the address. */
            int link = (n - i > 8 && !strncasecmp(s + i + 1, "http://", 7)) ||
                       (n - i > 9 && !strncasecmp(s + i + 1, "https://", 8)) ||
                       (n - i > 8 && !strncasecmp(s + i + 1, "mailto:", 7));
            const char *gt = link ? memchr(s + i, '>', n - i > INLINE_REACH ? INLINE_REACH
                                                                              : n - i)
                                  : NULL;
            if (gt) {
                if (buf_put(out, s + i + 1, (size_t)(gt - s) - i - 1) < 0)
                    return -1;
                i = (size_t)(gt - s) + 1;
                continue;
            }
        }
        if (c == '*' || c == '_' || c == '~') {
            size_t run = 0;
            while (i + run < n && s[i + run] == c)
                run++;
            char prev = i ? s[i - 1] : ' ';
            char next = i + run < n ? s[i + run] : ' ';
            int left = !is_space(next) && !(c == '_' && is_alnum(prev));
            int right = !is_space(prev) && i > 0 && !(c == '_' && is_alnum(next));
            if ((c == '~' && run != 2) || (!left && !right)) {
                if (buf_put(out, s + i, run) < 0)
                    return -1;
            }
            i += run;
            continue;
        }
        size_t j = i + 1;
        while (j < n && !strchr("\\`[!<*_~", s[j]))
            j++;
        if (buf_put(out, s + i, j - i) < 0)
            return -1;
        i = j;
    }
    return 0;
}

/* A list bullet ("- ", "* ", "+ ", "1. ", "1) "): its length, or 0. */
static size_t list_marker(struct line l)
{
    if (l.n >= 2 && strchr("-*+", l.s[0]) && is_space(l.s[1]))
        return 2;
    size_t d = 0;
    while (d < l.n && d < 9 && l.s[d] >= '0' && l.s[d] <= '9')
        d++;
    if (d && d + 1 < l.n && (l.s[d] == '.' || l.s[d] == ')') && is_space(l.s[d + 1]))
        return d + 2;
    return 0;
}

/* "|---|:--:|": the rule under a table header. */
static int table_rule(struct line l)
{
    if (!l.n || (l.s[0] != '|' && l.s[0] != ':' && l.s[0] != '-'))
        return 0;
    int dash = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (l.s[i] == '-')
            dash = 1;
        else if (!strchr("|: \t", l.s[i]))
            return 0;
    }
    return dash && memchr(l.s, '|', l.n) != NULL;
}

/* ---- front matter ----------------------------------------------------------- */

static const struct {
    const char *key, *field;
} front_keys[] = {
    {"title", "title"},         {"headline", "title"},
    {"author", "byline"},       {"authors", "byline"},
    {"byline", "byline"},       {"creator", "byline"},
    {"date", "published"},      {"published", "published"},
    {"publishdate", "published"}, {"pubdate", "published"},
    {"published_at", "published"}, {"datepublished", "published"},
    {"url", "url"},             {"canonical", "url"},
    {"canonical_url", "url"},   {"permalink", "url"},
    {"description", "description"}, {"summary", "description"},
    {"excerpt", "description"},
};

static const char *front_field(const char *key, size_t n)
{
    for (size_t i = 0; i < sizeof front_keys / sizeof *front_keys; i++)
        if (strlen(front_keys[i].key) == n && !strncasecmp(key, front_keys[i].key, n))
            return front_keys[i].field;
    return NULL;
}

static struct line unquote(struct line v)
{
    v = trim(v.s, v.n);
    if (v.n >= 2 && (v.s[0] == '"' || v.s[0] == '\'') && v.s[v.n - 1] == v.s[0])
        v = (struct line){v.s + 1, v.n - 2};
    return v;
}

/* Set a front-matter field on the document unless a container already
 * set it. Dates are normalised; one that cannot be read is left out. */
static void set_front(nd_doc_t *doc, const char *field, struct line v)
{
    if (!v.n || nd_doc_get(doc, field))
        return;
    if (!strcmp(field, "published")) {
        char iso[32];
        if (date_to_iso(v.s, v.n, iso) == 0)
            nd_doc_set_str(doc, field, iso);
        else
            nd_doc_log(doc, ND_LOG_INFO, "front matter date \"%.*s\" is not a "
                       "date newsdesk can read; left out", (int)(v.n > 64 ? 64 : v.n), v.s);
        return;
    }
    nd_doc_set(doc, field, nd_val_strn(v.s, v.n));
}

/* YAML ("---") or TOML ("+++") front matter at text[0]: read the keys we
 * know and return the offset just past it, or 0 when there is none. Only
 * flat `key: value` lines and `- item` lists (several authors) are read;
 * that is what article front matter holds. */
static size_t front_matter(nd_doc_t *doc, const char *text, size_t n)
{
    const char *fence = n >= 3 && !strncmp(text, "---", 3)   ? "---"
                        : n >= 3 && !strncmp(text, "+++", 3) ? "+++"
                                                             : NULL;
    if (!fence)
        return 0;
    size_t pos = 0;
    struct line first = next_line(text, n, &pos);
    if (trim(first.s, first.n).n != 3)
        return 0;
    size_t start = pos, end = 0, after = 0;
    for (size_t lines = 0; pos < n && lines < FRONT_MATTER_MAX_LINES; lines++) {
        size_t at = pos;
        struct line l = next_line(text, n, &pos);
        l = trim(l.s, l.n);
        if (l.n == 3 && (!strncmp(l.s, fence, 3) ||
                         (fence[0] == '-' && !strncmp(l.s, "...", 3)))) {
            end = at;
            after = pos;
            break;
        }
    }
    if (!after)
        return 0;
    char sep = fence[0] == '-' ? ':' : '=';
    const char *list_field = NULL;
    struct buf list = {0};
    for (size_t p = start; p < end;) {
        struct line raw = next_line(text, end, &p);
        struct line l = trim(raw.s, raw.n);
        if (list_field && l.n > 2 && l.s[0] == '-' && is_space(l.s[1])) {
            struct line item = unquote((struct line){l.s + 2, l.n - 2});
            if (list.n)
                buf_put(&list, ", ", 2);
            buf_put(&list, item.s, item.n);
            continue;
        }
        if (list_field) {
            set_front(doc, list_field, (struct line){list.p, list.n});
            list_field = NULL;
            list.n = 0;
        }
        const char *colon = memchr(l.s, sep, l.n);
        if (!colon || raw.n != l.n + (size_t)(l.s - raw.s) || is_space(raw.s[0]))
            continue; /* nested keys belong to something else */
        struct line key = trim(l.s, (size_t)(colon - l.s));
        const char *field = front_field(key.s, key.n);
        if (!field)
            continue;
        struct line v = unquote((struct line){colon + 1, l.n - (size_t)(colon + 1 - l.s)});
        if (v.n && v.s[0] == '[' && v.s[v.n - 1] == ']') {
            /* authors: ["A", "B"] */
            struct line in = {v.s + 1, v.n - 2};
            list.n = 0;
            for (size_t k = 0; k < in.n;) {
                const char *comma = memchr(in.s + k, ',', in.n - k);
                size_t len = comma ? (size_t)(comma - (in.s + k)) : in.n - k;
                struct line item = unquote((struct line){in.s + k, len});
                if (item.n) {
                    if (list.n)
                        buf_put(&list, ", ", 2);
                    buf_put(&list, item.s, item.n);
                }
                k += len + 1;
            }
            set_front(doc, field, (struct line){list.p, list.n});
            list.n = 0;
        } else if (v.n) {
            set_front(doc, field, v);
        } else {
            list_field = field;
        }
    }
    if (list_field)
        set_front(doc, list_field, (struct line){list.p, list.n});
    buf_free(&list);
    return after;
}

/* ---- the body ----------------------------------------------------------------- */

enum block { B_NONE, B_PARA, B_LIST, B_CODE, B_TABLE };

struct body {
    struct buf out;
    enum block block;
    int markdown;
    int blocks;       /* blank lines separate paragraphs */
    int failed;
};

static void body_put(struct body *b, const char *s, size_t n)
{
    if (!b->failed && buf_put(&b->out, s, n) < 0)
        b->failed = 1;
}

/* Start a block of kind k, or continue the current one with `joiner`. */
static void body_begin(struct body *b, enum block k, const char *joiner)
{
    if (b->block == k && b->blocks) {
        body_put(b, joiner, strlen(joiner));
        return;
    }
    if (b->out.n)
        body_put(b, "\n\n", 2);
    b->block = b->blocks ? k : B_NONE;
}

static void body_text(struct body *b, struct line l)
{
    if (!b->markdown) {
        body_put(b, l.s, l.n);
    } else if (!b->failed && md_inline(&b->out, l.s, l.n, 0) < 0) {
        b->failed = 1;
    }
}

static void body_line(struct body *b, struct line raw)
{
    struct line l = trim(raw.s, raw.n);
    if (b->block == B_CODE) {
        if (l.n >= 3 && (!strncmp(l.s, "```", 3) || !strncmp(l.s, "~~~", 3))) {
            b->block = B_NONE;
            return;
        }
        if (!l.n)
            return; /* a blank line would end the paragraph */
        if (b->out.n && b->out.p[b->out.n - 1] != '\n')
            body_put(b, "\n", 1);
        while (raw.n && is_space(raw.s[raw.n - 1]))
            raw.n--;
        body_put(b, raw.s, raw.n);
        return;
    }
    if (!l.n) {
        b->block = B_NONE;
        return;
    }
    if (!b->markdown) {
        body_begin(b, B_PARA, " ");
        body_put(b, l.s, l.n);
        return;
    }
    while (l.n && l.s[0] == '>') /* block quotes: drop the marks */
        l = trim(l.s + 1, l.n - 1);
    if (!l.n)
        return;
    if (l.n >= 3 && (!strncmp(l.s, "```", 3) || !strncmp(l.s, "~~~", 3))) {
        if (b->out.n)
            body_put(b, "\n\n", 2);
        b->block = B_CODE;
        return;
    }
    if (b->block == B_PARA && setext_rule(l))
        return; /* the line above was a heading */
    if (table_rule(l) && b->block == B_TABLE)
        return;
    if (thematic_break(l) || table_rule(l)) {
        b->block = B_NONE;
        return;
    }
    if (l.s[0] == '[' && l.n > 4) {
        /* [ref]: https://... defines a link target; it is not text. */
        const char *rb = memchr(l.s, ']', l.n);
        if (rb && (size_t)(rb - l.s) + 1 < l.n && rb[1] == ':')
            return;
    }
    int heading;
    struct line h = heading_text(l, &heading);
    if (heading) {
        if (b->out.n)
            body_put(b, "\n\n", 2);
        b->block = B_NONE;
        body_text(b, h);
        return;
    }
    size_t marker = list_marker(l);
    if (marker) {
        body_begin(b, B_LIST, "\n");
        body_text(b, trim(l.s + marker, l.n - marker));
        return;
    }
    if (l.s[0] == '|' || (b->block == B_TABLE && memchr(l.s, '|', l.n))) {
        /* A table row: its cells, separated by spaces, one row a line. */
        body_begin(b, B_TABLE, "\n");
        size_t k = l.s[0] == '|' ? 1 : 0;
        int first = 1;
        while (k < l.n) {
            const char *bar = memchr(l.s + k, '|', l.n - k);
            size_t len = bar ? (size_t)(bar - (l.s + k)) : l.n - k;
            struct line cell = trim(l.s + k, len);
            if (cell.n) {
                if (!first)
                    body_put(b, " ", 1);
                body_text(b, cell);
                first = 0;
            }
            k += len + 1;
        }
        return;
    }
    body_begin(b, b->block == B_LIST ? B_LIST : B_PARA, " ");
    body_text(b, l);
}

/* Is there a blank line in text[pos..n)? Decides how paragraphs split. */
static int has_blank_line(const char *text, size_t n, size_t pos)
{
    int seen_text = 0;
    while (pos < n) {
        struct line l = next_line(text, n, &pos);
        l = trim(l.s, l.n);
        if (l.n)
            seen_text = 1;
        else if (seen_text && pos < n)
            return 1;
    }
    return 0;
}

static nd_status_t text_process(void *state, nd_doc_t *doc)
{
    struct text_state *st = state;
    size_t rawlen;
    const uint8_t *raw = nd_doc_raw(doc, &rawlen);
    char *text;
    size_t n;
    const char *used;
    char err[256];
    if (cs_to_utf8(raw, rawlen, st->charset, st->fallback, &text, &n, &used,
                   err, sizeof err) < 0) {
        nd_doc_error(doc, "cannot convert the text to UTF-8: %s", err);
        return ND_FAIL;
    }
    const char *mt = nd_doc_source(doc, "media_type");
    int markdown = st->markdown == MD_ALWAYS ||
                   (st->markdown == MD_AUTO && mt && !strcmp(mt, "text/markdown"));

    size_t pos = markdown ? front_matter(doc, text, n) : 0;
    int have_title = nd_doc_get_str(doc, "title") != NULL;
    struct line title = {0};
    if (!have_title) {
        /* The first non-empty line; a "===" or "---" under it is its rule. */
        while (pos < n && !title.n) {
            struct line l = next_line(text, n, &pos);
            l = trim(l.s, l.n);
            int heading;
            title = heading_text(l, &heading);
        }
        if (title.n) {
            size_t at = pos;
            struct line l = next_line(text, n, &at);
            if (at > pos && setext_rule(trim(l.s, l.n)))
                pos = at;
        }
    }
    if (have_title) {
        /* A body that opens by repeating the title given by front matter
         * or a container does not say it twice. */
        const char *given = nd_doc_get_str(doc, "title");
        size_t at = pos;
        struct line l = {0};
        while (at < n && !l.n) {
            l = next_line(text, n, &at);
            l = trim(l.s, l.n);
        }
        int heading;
        struct line h = heading_text(l, &heading);
        if (h.n && h.n == strlen(given) && !memcmp(h.s, given, h.n))
            pos = at;
    }
    struct body b = {.markdown = markdown};
    b.blocks = has_blank_line(text, n, pos);
    while (pos < n)
        body_line(&b, next_line(text, n, &pos));
    if (b.failed)
        goto oom;
    while (b.out.n && (b.out.p[b.out.n - 1] == '\n' || b.out.p[b.out.n - 1] == ' '))
        b.out.n--;

    if (!have_title && !title.n) {
        free(text);
        buf_free(&b.out);
        nd_doc_error(doc, rawlen ? "no text: the file holds only white space "
                                   "or control characters"
                                 : "empty file: there is no text to read");
        return ND_FAIL;
    }
    if (title.n) {
        struct buf t = {0};
        struct line whole = title;
        title = cut_title(title);
        if (markdown ? md_inline(&t, title.s, title.n, 0) < 0
                     : buf_put(&t, title.s, title.n) < 0) {
            buf_free(&t);
            goto oom;
        }
        int rc = nd_doc_set(doc, "title", nd_val_strn(t.p, t.n));
        if (!b.out.n && rc == 0) {
            /* A one-paragraph note: its only line is both title and text;
             * the text keeps all of it, however long. */
            rc = markdown ? md_inline(&b.out, whole.s, whole.n, 0)
                          : buf_put(&b.out, whole.s, whole.n);
        }
        buf_free(&t);
        if (rc < 0)
            goto oom;
    }
    if (!b.out.n) {
        free(text);
        buf_free(&b.out);
        nd_doc_error(doc, "no text: the document has a title but no body");
        return ND_FAIL;
    }
    free(text);
    text = NULL;
    if (nd_doc_set_text(doc, b.out.p ? b.out.p : "", b.out.n) < 0)
        goto oom;
    buf_free(&b.out);
    if (strcmp(used, "UTF-8"))
        nd_doc_set_str(doc, "charset", used);
    return text_set_stats(doc) < 0 ? ND_FAIL : ND_OK;
oom:
    free(text);
    buf_free(&b.out);
    nd_doc_error(doc, "out of memory");
    return ND_FAIL;
}

static int text_init(nd_instance_t *self, const nd_opts_t *opts, void **state,
                     char *err, size_t errlen)
{
    (void)self, (void)err, (void)errlen;
    struct text_state *st = calloc(1, sizeof *st);
    if (!st)
        return -1;
    st->charset = nd_opt_str(opts, "charset");
    st->fallback = nd_opt_str(opts, "fallback_charset");
    const char *md = nd_opt_str(opts, "markdown");
    st->markdown = md && !strcmp(md, "always") ? MD_ALWAYS
                   : md && !strcmp(md, "never") ? MD_NEVER
                                                : MD_AUTO;
    /* Check the charset names now, not on the first document. */
    const char *names[2] = {st->charset, st->fallback};
    for (int i = 0; i < 2; i++) {
        char *out;
        size_t outlen;
        if (names[i] && strcasecmp(names[i], "auto") &&
            cs_to_utf8((const uint8_t *)"a", 1, names[i], NULL, &out, &outlen,
                       NULL, err, errlen) < 0) {
            free(st);
            return -1;
        }
        if (names[i] && strcasecmp(names[i], "auto"))
            free(out);
    }
    *state = st;
    return 0;
}

static void text_fini(void *state)
{
    free(state);
}

static const char *const markdown_choices[] = {"auto", "always", "never", NULL};

static const nd_option_t text_options[] = {
    {"charset", ND_OPT_STRING, "auto", 0, 0, 0, NULL,
     "charset of the input: auto (BOM, UTF-16, UTF-8, else fallback_charset) "
     "or any name iconv knows"},
    {"fallback_charset", ND_OPT_STRING, "windows-1252", 0, 0, 0, NULL,
     "charset of text that is not UTF-8 (e.g. iso-8859-15, koi8-r)"},
    {"markdown", ND_OPT_ENUM, "auto", 0, 0, 0, markdown_choices,
     "reduce Markdown to plain text: auto (text/markdown only), always, never"},
    {0},
};

static const char *const media_types[] = {"text/plain", "text/markdown", NULL};

static const nd_plugin_t text_plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "text",
    .version = "2.0.0",
    .description = "reads plain text and Markdown in any charset: title, "
                   "front matter, paragraphs, stats",
    .role = ND_ROLE_READER,
    .media_types = media_types,
    .options = text_options,
    .init = text_init,
    .process = text_process,
    .fini = text_fini,
};

ND_PLUGIN(text_plugin)
