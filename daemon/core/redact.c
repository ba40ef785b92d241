/* redact.c: secrets hidden from configured values before they are shown.
 *
 * Two kinds of knowledge meet here: what an option is (a plugin declares
 * a secret one with ND_OPT_SECRET), and the shapes secrets take inside
 * values that also hold what a person checking a configuration needs to
 * see: a URL's host and path, a conninfo's host and dbname. The rules are
 * in redact.h. Over-redacting a little is the better error: the output
 * exists to show the chain, and the configuration file is at hand. */
#include "redact.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Where the result goes: like snprintf, count everything, store what
 * fits. */
struct out {
    char *buf;
    size_t len, pos;
};

static void put(struct out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++, o->pos++)
        if (o->pos + 1 < o->len)
            o->buf[o->pos] = s[i];
}

static void put_str(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

/* Whether a key or header name looks like it holds a secret: compared
 * lower-case, without '-' and '_' (X-Api-Key, api_key, APIKEY). */
static int secret_name(const char *s, size_t n)
{
    static const char *const words[] = {"pass",       "pwd",       "secret",
                                        "token",      "auth",      "cookie",
                                        "credential", "apikey",    "accesskey",
                                        "privatekey", "signature", NULL};
    char norm[65];
    size_t k = 0;
    for (size_t i = 0; i < n && k < sizeof norm - 1; i++)
        if (s[i] != '-' && s[i] != '_')
            norm[k++] = (char)tolower((unsigned char)s[i]);
    norm[k] = '\0';
    for (size_t i = 0; words[i]; i++)
        if (strstr(norm, words[i]))
            return 1;
    return 0;
}

static int scheme_char(char c)
{
    return isalnum((unsigned char)c) || c == '+' || c == '-' || c == '.';
}

/* The length of the scheme of a URL starting at s ("https" of
 * "https://"), or 0 when no URL starts there. */
static size_t url_scheme(const char *s)
{
    if (!isalpha((unsigned char)*s))
        return 0;
    size_t n = 1;
    while (scheme_char(s[n]))
        n++;
    return strncmp(s + n, "://", 3) ? 0 : n;
}

static int url_end(char c)
{
    return !c || isspace((unsigned char)c) || c == '"' || c == '\'' ||
           c == '<' || c == '>';
}

/* The query after '?' (from s up to end) with every parameter's value
 * redacted, its names kept; stops at a fragment. Returns the length
 * read. */
static size_t put_query(struct out *o, const char *s, size_t end)
{
    size_t i = 0;
    while (i < end && s[i] != '#') {
        size_t p = i;
        while (p < end && s[p] != '&' && s[p] != ';' && s[p] != '#')
            p++;
        const char *eq = memchr(s + i, '=', p - i);
        if (eq) {
            put(o, s + i, (size_t)(eq - s) - i + 1);
            if (eq + 1 < s + p)
                put_str(o, REDACTED);
        } else if (p > i) {
            put_str(o, REDACTED); /* a bare value: ?<token> */
        }
        i = p;
        if (i < end && s[i] != '#')
            put(o, s + i++, 1);
    }
    return i;
}

/* The URL at s, whose scheme is `scheme` bytes long, redacted. Returns
 * its length in s. */
static size_t put_url(struct out *o, const char *s, size_t scheme)
{
    size_t i = scheme + 3, end = i;
    put(o, s, i);
    while (!url_end(s[end]))
        end++;
    size_t host = i;
    while (host < end && !strchr("/?#", s[host]))
        host++;
    const char *at = NULL; /* the last '@' of the authority */
    for (size_t k = i; k < host; k++)
        if (s[k] == '@')
            at = s + k;
    if (at) {
        const char *colon = memchr(s + i, ':', (size_t)(at - s) - i);
        put(o, s + i, (size_t)((colon ? colon : at) - s) - i);
        if (colon)
            put_str(o, ":" REDACTED);
        put(o, "@", 1);
        i = (size_t)(at - s) + 1;
    }
    size_t path_end = i;
    while (path_end < end && s[path_end] != '?' && s[path_end] != '#')
        path_end++;
    put(o, s + i, path_end - i);
    i = path_end;
    if (i < end && s[i] == '?') {
        put(o, "?", 1);
        i++;
        i += put_query(o, s + i, end - i);
    }
    if (i < end && s[i] == '#') {
        put(o, "#", 1);
        if (i + 1 < end)
            put_str(o, REDACTED);
    }
    return end;
}

/* A key=value pair at s whose key looks secret (conninfo's password=,
 * with the value unquoted or 'single quoted'): writes it redacted and
 * returns its length, or returns 0 and writes nothing. */
static size_t put_secret_pair(struct out *o, const char *s)
{
    size_t k = 0;
    while (isalnum((unsigned char)s[k]) || s[k] == '_' || s[k] == '-' ||
           s[k] == '.')
        k++;
    size_t eq = k;
    while (s[eq] == ' ' || s[eq] == '\t')
        eq++;
    if (!k || s[eq] != '=' || !secret_name(s, k))
        return 0;
    size_t v = eq + 1;
    while (s[v] == ' ' || s[v] == '\t')
        v++;
    size_t e = v;
    if (s[v] == '\'') {
        for (e = v + 1; s[e] && s[e] != '\''; e++)
            if (s[e] == '\\' && s[e + 1])
                e++;
        if (s[e])
            e++;
    } else {
        while (s[e] && !isspace((unsigned char)s[e]))
            e++;
    }
    put(o, s, v);
    if (e > v)
        put_str(o, REDACTED);
    return e;
}

/* A whole value "Name: value" whose name looks secret (Authorization:
 * Bearer ...): writes it redacted and returns 1, or returns 0. */
static int put_secret_header(struct out *o, const char *s)
{
    size_t n = 0;
    while (isalnum((unsigned char)s[n]) || s[n] == '-' || s[n] == '_')
        n++;
    if (!n || s[n] != ':' || !secret_name(s, n))
        return 0;
    size_t v = n + 1;
    while (s[v] == ' ' || s[v] == '\t')
        v++;
    put(o, s, v);
    if (s[v])
        put_str(o, REDACTED);
    return 1;
}

size_t redact(char *out, size_t len, const nd_option_t *opt, const char *value)
{
    struct out o = {out, len, 0};
    const char *s = value ? value : "";
    if (opt && (opt->flags & ND_OPT_SECRET)) {
        if (*s)
            put_str(&o, REDACTED);
    } else if (!put_secret_header(&o, s)) {
        size_t i = 0, n;
        while (s[i]) {
            int word_start = i == 0 || isspace((unsigned char)s[i - 1]) ||
                             strchr(";,&", s[i - 1]);
            if ((i == 0 || !scheme_char(s[i - 1])) && (n = url_scheme(s + i)))
                i += put_url(&o, s + i, n);
            else if (word_start && (n = put_secret_pair(&o, s + i)))
                i += n;
            else
                put(&o, s + i++, 1);
        }
    }
    if (len)
        out[o.pos < len ? o.pos : len - 1] = '\0';
    return o.pos;
}

char *redact_dup(const nd_option_t *opt, const char *value)
{
    size_t n = redact(NULL, 0, opt, value);
    char *s = malloc(n + 1);
    if (s)
        redact(s, n + 1, opt, value);
    return s;
}
