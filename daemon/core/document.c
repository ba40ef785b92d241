/* The document: what flows through the pipeline, and its JSON form. */
#include "document.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/grow.h"
#include "base/utf8.h"
#include "text/sniff.h"
#include "value.h"

/* A reader may split one input into at most this many documents. */
#define MAX_CHILDREN 100000

/* The digest is fetched once. The first fetch initialises OpenSSL, which
 * gives the calling thread an error queue that lives as long as the thread:
 * doc_library_init() lets main() do it, so no worker thread holds one. */
static const EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void doc_library_init(void)
{
    pthread_once(&sha256_once, sha256_fetch);
}

void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    static const char hex[] = "0123456789abcdef";
    pthread_once(&sha256_once, sha256_fetch);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || !sha256_md || !EVP_DigestInit_ex(ctx, sha256_md, NULL) ||
        !EVP_DigestUpdate(ctx, data, len) ||
        !EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != 32) {
        /* Only when out of memory: an id of zeros never matches a real
         * document. */
        memset(md, 0, 32);
    }
    EVP_MD_CTX_free(ctx);
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

void format_utc(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static char *clean_dup(const char *s)
{
    return s ? utf8_clean(s, strlen(s), UTF8_KEEP_CONTROLS, NULL) : NULL;
}

nd_doc_t *doc_new(uint8_t *raw, size_t len, const char *name,
                  const char *path, const char *media_type)
{
    nd_doc_t *d = calloc(1, sizeof *d);
    if (!d) {
        free(raw);
        return NULL;
    }
    d->raw = raw;
    d->raw_len = len;
    sha256_hex(raw ? (const void *)raw : "", len, d->id);
    d->name = clean_dup(name);
    d->path = path ? strdup(path) : NULL;
    d->media_type = media_type ? strdup(media_type) : NULL;
    d->received = (int64_t)time(NULL);
    d->fields = json_object();
    d->timings = json_array();
    d->max_children = MAX_CHILDREN;
    if (!d->fields || !d->timings) {
        doc_free(d);
        return NULL;
    }
    return d;
}

void doc_free(nd_doc_t *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nchildren; i++)
        doc_free(d->children[i]);
    free(d->children);
    free(d->raw);
    free(d->name);
    free(d->path);
    free(d->media_type);
    free(d->parent_id);
    free(d->text);
    json_decref(d->fields);
    json_decref(d->timings);
    free(d->json);
    free(d);
}

void doc_release_child(nd_doc_t *parent, size_t i, int done)
{
    nd_doc_t *c = parent->children[i];
    if (!c)
        return;
    if (done) {
        doc_free(c);
        parent->children[i] = NULL;
        return;
    }
    free(c->text);
    free(c->json);
    free(c->path);
    free(c->media_type);
    json_decref(c->fields);
    json_decref(c->timings);
    c->text = c->json = c->path = c->media_type = NULL;
    c->fields = c->timings = NULL;
    c->text_len = c->json_len = 0;
}

static void invalidate(nd_doc_t *d)
{
    free(d->json);
    d->json = NULL;
}

static size_t escape_text(const char *s, size_t n, char *out);

/* Add the entry {"step":...,"us":...} to the cached JSON line, whose
 * last field is the pipeline list ("pipeline":[...]}), as jansson would
 * have written it. A step that changed nothing then does not cost the
 * next reader of the JSON (an exporter) a whole new serialisation: with
 * a step run by a child process, which needs the JSON itself, that was
 * half of what the step cost. Returns 0, or -1 (then the cache is as it
 * was). */
static int patch_timing(nd_doc_t *d, const char *step, int64_t us)
{
    static const char a[] = "{\"step\":\"", b[] = "\",\"us\":";
    size_t n = d->json_len;
    if (n < 3 || memcmp(d->json + n - 2, "]}", 2) != 0)
        return -1;
    int first = d->json[n - 3] == '[';
    size_t sn = strlen(step), en = escape_text(step, sn, NULL);
    char num[24];
    int nn = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, (json_int_t)us);
    size_t add = (first ? 0 : 1) + sizeof a - 1 + en + sizeof b - 1 +
                 (size_t)nn + 1;
    char *j = realloc(d->json, n + add + 1);
    if (!j)
        return -1;
    char *o = j + n - 2;
    if (!first)
        *o++ = ',';
    memcpy(o, a, sizeof a - 1);
    o += sizeof a - 1;
    o += escape_text(step, sn, o);
    memcpy(o, b, sizeof b - 1);
    o += sizeof b - 1;
    memcpy(o, num, (size_t)nn);
    o += nn;
    memcpy(o, "}]}", 4);
    d->json = j;
    d->json_len = n + add;
    return 0;
}

void doc_add_timing(nd_doc_t *d, const char *step, int64_t us)
{
    json_t *t = json_pack("{s:s, s:I}", "step", step, "us", (json_int_t)us);
    /* json_pack refuses a name that is not UTF-8: nothing is added. */
    if (t && json_array_append_new(d->timings, t) == 0 && d->json &&
        patch_timing(d, step, us) == 0)
        return;
    invalidate(d);
}

const uint8_t *doc_raw(const nd_doc_t *d, size_t *len)
{
    if (len)
        *len = d->raw_len;
    return d->raw;
}

const char *doc_source(const nd_doc_t *d, const char *key)
{
    if (!key)
        return NULL;
    if (!strcmp(key, "name"))
        return d->name;
    if (!strcmp(key, "path"))
        return d->path;
    if (!strcmp(key, "media_type"))
        return d->media_type;
    if (!strcmp(key, "parent"))
        return d->parent_id;
    return NULL;
}

const char *doc_id(const nd_doc_t *d) { return d->id; }
int64_t doc_received(const nd_doc_t *d) { return d->received; }

const char *doc_text(const nd_doc_t *d, size_t *len)
{
    if (len)
        *len = d->text ? d->text_len : 0;
    return d->text;
}

int doc_set_text(nd_doc_t *d, const char *text, size_t len)
{
    size_t n;
    char *clean = utf8_clean(text ? text : "", text ? len : 0, UTF8_TEXT, &n);
    if (!clean)
        return -1;
    free(d->text);
    d->text = clean;
    d->text_len = n;
    d->read = 1;
    invalidate(d);
    return 0;
}

int doc_set(nd_doc_t *d, const char *name, nd_val_t *v)
{
    if (!name)
        goto fail;
    invalidate(d);
    if (!v) {
        json_object_del(d->fields, name);
        return 0;
    }
    return json_object_set_new(d->fields, name, VAL(v));
fail:
    json_decref(VAL(v));
    return -1;
}

const nd_val_t *doc_get(const nd_doc_t *d, const char *name)
{
    return NDVAL(json_object_get(d->fields, name));
}

static json_t *field_list(nd_doc_t *d, const char *name)
{
    json_t *l = json_object_get(d->fields, name);
    if (json_is_array(l))
        return l;
    l = json_array();
    if (!l || json_object_set_new(d->fields, name, l) < 0)
        return NULL;
    return l;
}

int doc_add_entity(nd_doc_t *d, const nd_entity_t *e)
{
    json_t *value = VAL(e->value);
    json_t *list = field_list(d, "entities");
    json_t *spans = json_array();
    json_t *obj = json_object();
    if (!list || !spans || !obj || !e->type || !e->text)
        goto fail;
    for (size_t i = 0; i < e->nspans; i++)
        json_array_append_new(spans, json_pack("[I,I]",
                                               (json_int_t)e->spans[i][0],
                                               (json_int_t)e->spans[i][1]));
    json_object_set_new(obj, "type", val_string(e->type, (size_t)-1));
    json_object_set_new(obj, "text", val_string(e->text, (size_t)-1));
    json_object_set_new(obj, "count", json_integer(e->count));
    json_object_set_new(obj, "spans", spans);
    if (value)
        json_object_set_new(obj, "value", value);
    invalidate(d);
    return json_array_append_new(list, obj);
fail:
    json_decref(value);
    json_decref(spans);
    json_decref(obj);
    return -1;
}

int doc_add_topic(nd_doc_t *d, const char *list, const char *id,
                  const char *label, double score)
{
    json_t *l = field_list(d, list ? list : "topics");
    if (!l || !id)
        return -1;
    json_t *obj = json_object();
    if (!obj)
        return -1;
    json_object_set_new(obj, "id", val_string(id, (size_t)-1));
    if (label)
        json_object_set_new(obj, "label", val_string(label, (size_t)-1));
    json_object_set_new(obj, "score", VAL(val_num(score)));
    invalidate(d);
    return json_array_append_new(l, obj);
}

nd_doc_t *doc_spawn(nd_doc_t *parent, const void *raw, size_t len,
                    const char *media_type, const char *name)
{
    if (parent->depth > 0 || parent->nchildren >= parent->max_children)
        return NULL;
    nd_doc_t **grown = array_grow(parent->children, &parent->children_cap,
                                  parent->nchildren + 1, sizeof *grown, 8);
    if (!grown)
        return NULL;
    parent->children = grown;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return NULL;
    memcpy(copy, raw, len);
    char auto_name[512];
    if (!name) {
        snprintf(auto_name, sizeof auto_name, "%s#%zu",
                 parent->name ? parent->name : "-", parent->nchildren + 1);
        name = auto_name;
    }
    nd_doc_t *c = doc_new(copy, len, name, parent->path,
                          media_type ? media_type
                                     : sniff_media_type(copy, len, name));
    if (!c)
        return NULL;
    c->depth = parent->depth + 1;
    c->received = parent->received;
    c->parent_id = strdup(parent->id);
    c->parent = parent;
    parent->children[parent->nchildren++] = c;
    return c;
}

/* Fields in the order newsdesk/1 gives them; others follow as added. */
static const char *const canonical[] = {
    "title", "byline", "published", "url", "description", "language",
    "text", "stats", "entities", "keywords", "summary", "quotes", "topics",
    "labels", "duplicate_of", NULL,
};
/* Present in every document, null when no plugin filled them. */
static const char *const always[] = {"title", "byline", "published", "url",
                                     NULL};

static int is_in(const char *const *list, const char *key)
{
    for (size_t i = 0; list[i]; i++)
        if (!strcmp(list[i], key))
            return 1;
    return 0;
}

/* The JSON string form of text (valid UTF-8), as jansson writes it with
 * JSON_COMPACT: '"' and '\\' escaped, control characters as \b \f \n \r
 * \t or \u00XX, everything else as it is. With out == NULL, only the
 * length. */
static size_t escape_text(const char *s, size_t n, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char e = c == '"' ? '"' : c == '\\' ? '\\' : c == '\b' ? 'b'
                 : c == '\f' ? 'f' : c == '\n' ? 'n' : c == '\r' ? 'r'
                 : c == '\t' ? 't' : 0;
        if (c >= 0x20 && !e) {
            if (out)
                out[o] = (char)c;
            o++;
        } else if (e) {
            if (out)
                out[o] = '\\', out[o + 1] = e;
            o += 2;
        } else {
            if (out)
                memcpy(out + o, "\\u00", 4), out[o + 4] = hex[c >> 4],
                    out[o + 5] = hex[c & 15];
            o += 6;
        }
    }
    return o;
}

/* Join `{head}` and `{tail}` (compact JSON objects, neither empty) with
 * "text": text between them, into one exactly sized string. */
static char *splice_text(const char *head, const char *text, size_t text_len,
                         const char *tail, size_t *len)
{
    static const char key[] = ",\"text\":\"";
    size_t hn = strlen(head) - 1, tn = strlen(tail) - 1; /* less '}', '{' */
    size_t en = text ? escape_text(text, text_len, NULL) : 0;
    size_t n = hn + (text ? sizeof key - 1 + en + 1 : 0) + 1 + tn;
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    memcpy(o, head, hn);
    o += hn;
    if (text) {
        memcpy(o, key, sizeof key - 1);
        o += sizeof key - 1;
        o += escape_text(text, text_len, o);
        *o++ = '"';
    }
    *o++ = ',';
    memcpy(o, tail + 1, tn + 1);
    *len = n;
    return out;
}

/* The fields before "text" go into one object, the rest into another, and
 * the text is written between their serialisations by hand: through
 * jansson it would be copied into a string, escaped into a growing buffer
 * and copied out again, four times the size of a large text at once. */
const char *doc_to_json(nd_doc_t *d, size_t *len)
{
    if (d->json) {
        if (len)
            *len = d->json_len;
        return d->json;
    }
    char received[32];
    format_utc(d->received, received);
    json_t *head = json_object();
    json_t *tail = json_object();
    json_t *src = json_object();
    if (!head || !tail || !src) {
        json_decref(head);
        json_decref(tail);
        json_decref(src);
        return NULL;
    }
    json_object_set_new(head, "schema", json_string("newsdesk/1"));
    json_object_set_new(head, "id", json_string(d->id));
    json_object_set_new(src, "name", val_string(d->name, (size_t)-1));
    json_object_set_new(src, "bytes", json_integer((json_int_t)d->raw_len));
    json_object_set_new(src, "media_type",
                        d->media_type ? json_string(d->media_type) : json_null());
    json_object_set_new(src, "received", json_string(received));
    if (d->parent_id)
        json_object_set_new(src, "parent", json_string(d->parent_id));
    json_object_set_new(head, "source", src);
    json_t *out = head;
    for (size_t i = 0; canonical[i]; i++) {
        const char *k = canonical[i];
        if (!strcmp(k, "text")) {
            out = tail;
            continue;
        }
        json_t *v = json_object_get(d->fields, k);
        if (v)
            json_object_set(out, k, v);
        else if (is_in(always, k))
            json_object_set_new(out, k, json_null());
    }
    const char *k;
    json_t *v;
    json_object_foreach(d->fields, k, v)
    {
        if (!is_in(canonical, k) && strcmp(k, "pipeline") && strcmp(k, "schema") &&
            strcmp(k, "id") && strcmp(k, "source"))
            json_object_set(tail, k, v);
    }
    json_object_set(tail, "pipeline", d->timings);
    size_t flags = JSON_COMPACT | JSON_REAL_PRECISION(12);
    char *h = json_dumps(head, flags), *t = json_dumps(tail, flags);
    json_decref(head);
    json_decref(tail);
    d->json = h && t ? splice_text(h, d->text, d->text_len, t, &d->json_len)
                     : NULL;
    free(h);
    free(t);
    if (!d->json)
        d->json_len = 0;
    if (len)
        *len = d->json_len;
    return d->json;
}

const char *doc_json(nd_doc_t *d, size_t *len) { return doc_to_json(d, len); }

