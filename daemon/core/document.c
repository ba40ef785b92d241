/* The document: what flows through the pipeline, and its JSON form. */
#include "document.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
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

/* Free what a document holds beyond its id, name, bytes and children. */
static void drop_content(nd_doc_t *d)
{
    doc_detach_all(d);
    free(d->text);
    free(d->json);
    free(d->path);
    free(d->media_type);
    json_decref(d->fields);
    entity_list_clear(&d->entities);
    json_decref(d->timings);
    d->text = d->json = d->path = d->media_type = NULL;
    d->fields = d->timings = NULL;
    d->text_len = d->json_len = 0;
}

void doc_free(nd_doc_t *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nchildren; i++)
        doc_free(d->children[i]);
    free(d->children);
    drop_content(d);
    free(d->raw);
    free(d->name);
    free(d->parent_id);
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
    drop_content(c);
}

void doc_release(nd_doc_t *d)
{
    drop_content(d);
    free(d->raw);
    d->raw = NULL;
}

static void invalidate(nd_doc_t *d)
{
    free(d->json);
    d->json = NULL;
}

/* Add the entry {"step":...,"us":...} to the cached JSON line, whose
 * last field is the pipeline list ("pipeline":[...]}), as the writer
 * below would have written it. A step that changed nothing then does not
 * cost the next reader of the JSON (an exporter) a whole new
 * serialisation: with a step run by a child process, which needs the JSON
 * itself, that was half of what the step cost. Returns 0, or -1 (then the
 * cache may be cut short: the caller drops it). */
static int patch_timing(nd_doc_t *d, const char *step, int64_t us)
{
    size_t n = d->json_len;
    if (n < 3 || memcmp(d->json + n - 2, "]}", 2) != 0)
        return -1;
    int first = d->json[n - 3] == '[';
    /* the line was written by a struct buf: at least n + 1 bytes */
    struct buf b = {.p = d->json, .n = n - 2, .cap = n + 1};
    char num[24];
    snprintf(num, sizeof num, "%" PRId64, us);
    int rc = (!first && buf_putc(&b, ',') < 0) ||
             buf_puts(&b, "{\"step\":") < 0 ||
             val_write_string(&b, step, strlen(step)) < 0 ||
             buf_puts(&b, ",\"us\":") < 0 || buf_puts(&b, num) < 0 ||
             buf_puts(&b, "}]}") < 0 ? -1 : 0;
    d->json = b.p;
    d->json_len = b.n;
    return rc;
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
    doc_detach_all(d);
    free(d->text);
    d->text = clean;
    d->text_len = n;
    d->read = 1;
    invalidate(d);
    return 0;
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

/* Make the entity records the "entities" field (appended to the list
 * there, if there is one). Returns 0, or -1 when out of memory: then
 * records may be lost. */
static int flush_entities(nd_doc_t *d)
{
    json_t *list = field_list(d, "entities");
    if (!list) {
        entity_list_clear(&d->entities);
        return -1;
    }
    return entity_list_move_to(&d->entities, list) < 0 ? -1 : 0;
}

int doc_set(nd_doc_t *d, const char *name, nd_val_t *v)
{
    if (!name)
        goto fail;
    invalidate(d);
    if (!strcmp(name, "entities"))
        entity_list_clear(&d->entities); /* the list set replaces them */
    /* A field set to null is the same as one nobody set: absent, so that
     * no document carries a null field (nd_val_str(NULL) is a null). */
    if (!v || json_is_null(VAL(v))) {
        json_decref(VAL(v));
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
    /* Entities read become the field they stand for; the document holds
     * the same data after, in another form, hence the cast. */
    if (name && d->entities.n && !strcmp(name, "entities"))
        flush_entities((nd_doc_t *)d);
    return NDVAL(json_object_get(d->fields, name));
}

int doc_add_entity(nd_doc_t *d, const nd_entity_t *e)
{
    int rc = entity_list_add(&d->entities, e);
    if (rc == -ENOMEM)
        return -1;
    /* A list someone read or set takes the entity at once. One without
     * a type or text is refused, but leaves the list there all the same. */
    if (rc < 0 || json_object_get(d->fields, "entities")) {
        if (flush_entities(d) < 0)
            return -1;
    }
    if (rc < 0)
        return -1;
    invalidate(d);
    return 0;
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

/* ---- attached data -------------------------------------------------------
 * An attachment is one allocation: the reference count, the data and its
 * destructor, the type and the name. The document keeps one reference to
 * each; nd_doc_hold adds more. Only the thread running the document
 * touches its array; the count is atomic because a hold may be released
 * anywhere. */

struct nd_hold {
    atomic_uint refs;
    void *data;
    void (*free_fn)(void *data);
    const char *type; /* points into name[] */
    char name[];
};

void hold_release(nd_hold_t *h)
{
    if (!h || atomic_fetch_sub(&h->refs, 1) != 1)
        return;
    if (h->free_fn)
        h->free_fn(h->data);
    free(h);
}

void doc_detach_all(nd_doc_t *d)
{
    for (size_t i = 0; i < d->natt; i++)
        hold_release(d->att[i]);
    free(d->att);
    d->att = NULL;
    d->natt = d->att_cap = 0;
}

static size_t attachment_at(const nd_doc_t *d, const char *name)
{
    size_t i = 0;
    while (i < d->natt && strcmp(d->att[i]->name, name))
        i++;
    return i;
}

int doc_attach(nd_doc_t *d, const char *name, const char *type, void *data,
               void (*free_fn)(void *data))
{
    if (!name || !*name || !type || !*type)
        return -1;
    size_t nn = strlen(name) + 1, tn = strlen(type) + 1;
    nd_hold_t *h = malloc(sizeof *h + nn + tn);
    if (!h)
        return -1;
    atomic_init(&h->refs, 1);
    h->data = data;
    h->free_fn = free_fn;
    memcpy(h->name, name, nn);
    memcpy(h->name + nn, type, tn);
    h->type = h->name + nn;
    size_t i = attachment_at(d, name);
    if (i < d->natt && d->att[i]->data == data) {
        free(h); /* attached already: letting go of it would free it */
        return 0;
    }
    if (i == d->natt) {
        nd_hold_t **g = array_grow(d->att, &d->att_cap, d->natt + 1,
                                   sizeof *g, 4);
        if (!g) {
            free(h);
            return -1;
        }
        d->att = g;
        d->natt++;
    } else {
        hold_release(d->att[i]);
    }
    d->att[i] = h;
    return 0;
}

void *doc_attached(const nd_doc_t *d, const char *name, const char *type)
{
    if (!name || !type)
        return NULL;
    size_t i = attachment_at(d, name);
    return i < d->natt && !strcmp(d->att[i]->type, type) ? d->att[i]->data
                                                          : NULL;
}

void *doc_hold(const nd_doc_t *d, const char *name, const char *type,
               nd_hold_t **hold)
{
    *hold = NULL;
    if (!name || !type)
        return NULL;
    size_t i = attachment_at(d, name);
    if (i == d->natt || strcmp(d->att[i]->type, type))
        return NULL;
    atomic_fetch_add(&d->att[i]->refs, 1);
    *hold = d->att[i];
    return d->att[i]->data;
}

/* Fields in the order newsdesk/1 gives them; others follow as added. */
static const char *const canonical[] = {
    "title", "byline", "published", "url", "description", "language",
    "text", "stats", "entities", "keywords", "summary", "quotes", "topics",
    "labels", "duplicate_of", NULL,
};
static int is_in(const char *const *list, const char *key)
{
    for (size_t i = 0; list[i]; i++)
        if (!strcmp(list[i], key))
            return 1;
    return 0;
}

/* ,"key":value */
static int put_field(struct buf *b, const char *key, const json_t *v)
{
    if (buf_putc(b, ',') < 0 || val_write_string(b, key, strlen(key)) < 0 ||
        buf_putc(b, ':') < 0)
        return -ENOMEM;
    return v ? val_write_json(b, v) : buf_put(b, "null", 4);
}

/* The line, written field by field into one buffer sized for the text:
 * the head, the fields in newsdesk/1's order with the text in its place,
 * the plugins' own fields as added, and the timings last. */
static int write_json(const nd_doc_t *d, struct buf *b)
{
    char received[32];
    format_utc(d->received, received);
    if (buf_reserve(b, d->text_len + d->text_len / 8 + 4096) < 0 ||
        buf_puts(b, "{\"schema\":\"newsdesk/1\",\"id\":\"") < 0 ||
        buf_puts(b, d->id) < 0 || buf_puts(b, "\",\"source\":{\"name\":") < 0 ||
        (d->name ? val_write_string(b, d->name, strlen(d->name))
                 : buf_put(b, "null", 4)) < 0 ||
        buf_puts(b, ",\"bytes\":") < 0)
        return -ENOMEM;
    char num[32];
    snprintf(num, sizeof num, "%zu", d->raw_len);
    if (buf_puts(b, num) < 0 ||
        /* a field nobody filled is absent, never null */
        (d->media_type && (buf_puts(b, ",\"media_type\":") < 0 ||
                           val_write_string(b, d->media_type,
                                            strlen(d->media_type)) < 0)) ||
        buf_puts(b, ",\"received\":\"") < 0 || buf_puts(b, received) < 0 ||
        buf_putc(b, '"') < 0 ||
        (d->parent_id && (buf_puts(b, ",\"parent\":\"") < 0 ||
                          buf_puts(b, d->parent_id) < 0 || buf_putc(b, '"') < 0)) ||
        buf_putc(b, '}') < 0)
        return -ENOMEM;
    for (size_t i = 0; canonical[i]; i++) {
        const char *k = canonical[i];
        const json_t *v = json_object_get(d->fields, k);
        int rc = 0;
        if (!strcmp(k, "text")) {
            if (d->text && (buf_puts(b, ",\"text\":") < 0 ||
                            val_write_string(b, d->text, d->text_len) < 0))
                rc = -ENOMEM;
        } else if (!strcmp(k, "entities") && d->entities.n) {
            if (buf_puts(b, ",\"entities\":") < 0 ||
                entity_list_write_json(b, &d->entities) < 0)
                rc = -ENOMEM;
        } else if (v) {
            rc = put_field(b, k, v);
        }
        if (rc < 0)
            return rc;
    }
    const char *k;
    json_t *v;
    json_object_foreach(d->fields, k, v)
    {
        if (!is_in(canonical, k) && strcmp(k, "pipeline") && strcmp(k, "schema") &&
            strcmp(k, "id") && strcmp(k, "source") && put_field(b, k, v) < 0)
            return -ENOMEM;
    }
    if ((d->timings && put_field(b, "pipeline", d->timings) < 0) ||
        buf_putc(b, '}') < 0)
        return -ENOMEM;
    return 0;
}

const char *doc_to_json(nd_doc_t *d, size_t *len)
{
    if (!d->json) {
        struct buf b = {0};
        if (write_json(d, &b) < 0) {
            buf_free(&b);
        } else {
            d->json = b.p;
            d->json_len = b.n;
        }
    }
    if (len)
        *len = d->json ? d->json_len : 0;
    return d->json;
}

const char *doc_json(nd_doc_t *d, size_t *len) { return doc_to_json(d, len); }

