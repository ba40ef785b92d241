/* text: the reader for plain text and Markdown articles.
 *
 * The first non-empty line is the title (without Markdown heading marks);
 * the rest is the body. Paragraphs are blocks separated by blank lines, or,
 * in files without blank lines (common in wire copy), single lines. Lines
 * inside a paragraph are joined with a space. */
#include <newsdesk/plugin.h>
#include <stdlib.h>
#include <string.h>

/* A title longer than this (a file that is one giant line) is cut at a
 * word boundary. */
#define TITLE_MAX 300

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

static int blank(struct line l) { return l.n == 0; }

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

/* Strip "# " marks and a closing run of #. */
static struct line heading_text(struct line l)
{
    size_t h = 0;
    while (h < l.n && h < 6 && l.s[h] == '#')
        h++;
    if (h && (h == l.n || is_space(l.s[h]))) {
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

struct buf {
    char *p;
    size_t n, cap;
};

static int put(struct buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = (b->n + n + 1) * 2;
        char *g = realloc(b->p, cap);
        if (!g)
            return -1;
        b->p = g, b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

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
 * paragraph. A rough count for the stats; the extraction plugins split
 * sentences properly. */
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

static nd_status_t text_process(void *state, nd_doc_t *doc)
{
    (void)state;
    size_t rawlen;
    const uint8_t *raw = nd_doc_raw(doc, &rawlen);
    if (rawlen >= 3 && !memcmp(raw, "\xEF\xBB\xBF", 3))
        raw += 3, rawlen -= 3;
    /* The host cleans what it is given: valid UTF-8, no control
     * characters, \n line ends. Work on that. */
    if (nd_doc_set_text(doc, (const char *)raw, rawlen) < 0) {
        nd_doc_error(doc, "out of memory");
        return ND_FAIL;
    }
    size_t n;
    const char *clean = nd_doc_text(doc, &n);
    struct line *lines = NULL;
    char *src = malloc(n + 1);
    if (!src) {
        nd_doc_error(doc, "out of memory");
        return ND_FAIL;
    }
    memcpy(src, clean, n + 1);

    /* Split into trimmed lines. */
    size_t nlines = 0, cap = 64;
    struct buf body = {0};
    lines = malloc(cap * sizeof *lines);
    if (!lines)
        goto oom;
    for (size_t pos = 0; pos < n;) {
        const char *eol = memchr(src + pos, '\n', n - pos);
        size_t len = eol ? (size_t)(eol - (src + pos)) : n - pos;
        if (nlines == cap) {
            struct line *g = realloc(lines, (cap *= 2) * sizeof *lines);
            if (!g)
                goto oom;
            lines = g;
        }
        lines[nlines++] = trim(src + pos, len);
        pos += len + 1;
    }
    size_t i = 0, last = nlines;
    while (i < nlines && blank(lines[i]))
        i++;
    int have_title = i < nlines;
    struct line title = have_title ? heading_text(lines[i++]) : (struct line){0};
    if (i < nlines && setext_rule(lines[i]))
        i++;
    while (i < nlines && blank(lines[i]))
        i++;
    while (last > i && blank(lines[last - 1]))
        last--;
    /* Paragraphs are blocks between blank lines when the body has any;
     * otherwise each line is one. */
    int blocks = 0;
    for (size_t k = i; k < last; k++)
        blocks |= blank(lines[k]);
    size_t paragraphs = 0;
    int in_par = 0;
    for (size_t k = i; k < last; k++) {
        if (blank(lines[k])) {
            in_par = 0;
            continue;
        }
        if (in_par) {
            if (put(&body, " ", 1) < 0)
                goto oom;
        } else {
            if (paragraphs && put(&body, "\n\n", 2) < 0)
                goto oom;
            paragraphs++;
            in_par = blocks;
        }
        if (put(&body, lines[k].s, lines[k].n) < 0)
            goto oom;
    }
    free(lines);
    lines = NULL;
    if (!have_title || title.n == 0) {
        free(src);
        free(body.p);
        nd_doc_error(doc, rawlen ? "no text: the file holds only white space "
                                   "or control characters"
                                 : "empty file: there is no text to read");
        return ND_FAIL;
    }
    struct line whole = title;
    title = cut_title(title);
    if (nd_doc_set(doc, "title", nd_val_strn(title.s, title.n)) < 0)
        goto oom;
    if (!body.n) {
        /* A one-paragraph note: its only line is both title and text. */
        if (put(&body, whole.s, whole.n) < 0)
            goto oom;
        paragraphs = 1;
    }
    free(src);
    src = NULL;
    if (nd_doc_set_text(doc, body.p, body.n) < 0)
        goto oom;
    const char *text = nd_doc_text(doc, &n);
    nd_val_t *stats = nd_val_obj();
    nd_val_put(stats, "words", nd_val_int((int64_t)count_words(text, n)));
    nd_val_put(stats, "sentences", nd_val_int((int64_t)count_sentences(text, n)));
    nd_val_put(stats, "paragraphs", nd_val_int((int64_t)paragraphs));
    free(body.p);
    return nd_doc_set(doc, "stats", stats) < 0 ? ND_FAIL : ND_OK;
oom:
    free(lines);
    free(src);
    free(body.p);
    nd_doc_error(doc, "out of memory");
    return ND_FAIL;
}

static const char *const media_types[] = {"text/plain", "text/markdown", NULL};

static const nd_plugin_t text_plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "text",
    .version = "1.0.0",
    .description = "reads plain text and Markdown: title, paragraphs, stats",
    .role = ND_ROLE_READER,
    .media_types = media_types,
    .process = text_process,
};

ND_PLUGIN(text_plugin)
