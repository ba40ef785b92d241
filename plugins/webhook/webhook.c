/* webhook: the exporter that POSTs each document's JSON to a URL.
 *
 * A 2xx answer exports the document. Timeouts, connection failures, 5xx,
 * 408 and 429 are transient: the request is tried again `retries` times
 * with capped, jittered backoff, and if the server is still not answering
 * the document goes back to the host as a RETRY (it stays claimed and is
 * tried again later). Any other 4xx is the server refusing this document:
 * it fails with the server's status and the start of its answer, and is
 * not sent again. Each request carries the document id as an
 * Idempotency-Key header so the receiver can drop a repeat.
 *
 * Header values that are secrets come from the environment
 * (secret_headers: ["Authorization: WEBHOOK_TOKEN"]); they are read at
 * start-up and never written to a log or an error message, and neither is
 * the URL's query string or user information. */
#include <curl/curl.h>
#include <errno.h>
#include <newsdesk/plugin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/backoff.h"

#define MAX_IDLE_HANDLES 16

struct webhook {
    nd_instance_t *self;
    char *url;
    char *url_shown;          /* for messages: no query, no user:password */
    struct curl_slist *headers;
    long timeout_ms, connect_timeout_ms;
    int64_t retries, retry_min, retry_max;
    pthread_mutex_t lock;
    CURL *idle[MAX_IDLE_HANDLES]; /* kept for their open connections */
    size_t nidle;
};

/* The answer's first bytes, for the failure message. */
struct answer {
    char text[512];
    size_t n;
};

static size_t keep_answer(char *p, size_t size, size_t nmemb, void *ctx)
{
    struct answer *a = ctx;
    size_t n = size * nmemb;
    size_t room = sizeof a->text - 1 - a->n;
    memcpy(a->text + a->n, p, n < room ? n : room);
    a->n += n < room ? n : room;
    a->text[a->n] = '\0';
    return n;
}

static char *shown_url(const char *url)
{
    const char *scheme = strstr(url, "://");
    const char *host = scheme ? scheme + 3 : url;
    const char *at = strchr(host, '@');
    const char *slash = strchr(host, '/');
    if (at && (!slash || at < slash))
        host = at + 1;
    size_t n = strcspn(host, "?#");
    size_t pre = scheme ? (size_t)(scheme + 3 - url) : 0;
    char *out = malloc(pre + n + 1);
    if (out) {
        memcpy(out, url, pre);
        memcpy(out + pre, host, n);
        out[pre + n] = '\0';
    }
    return out;
}

static int add_header(struct webhook *w, const char *name, size_t nlen,
                      const char *value)
{
    size_t vlen = strlen(value);
    char *h = malloc(nlen + vlen + 3);
    if (!h)
        return -1;
    snprintf(h, nlen + vlen + 3, "%.*s: %s", (int)nlen, name, value);
    struct curl_slist *l = curl_slist_append(w->headers, h);
    free(h);
    if (!l)
        return -1;
    w->headers = l;
    return 0;
}

/* "Name: value" → name length and value; -1 when it is not a header. */
static int split_header(const char *h, size_t *nlen, const char **value)
{
    const char *colon = strchr(h, ':');
    if (!colon || colon == h)
        return -1;
    for (const char *p = h; p < colon; p++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                    "0123456789-_", *p))
            return -1;
    *nlen = (size_t)(colon - h);
    *value = colon + 1;
    while (**value == ' ')
        (*value)++;
    return 0;
}

static void webhook_free(struct webhook *w)
{
    for (size_t i = 0; i < w->nidle; i++)
        curl_easy_cleanup(w->idle[i]);
    curl_slist_free_all(w->headers);
    pthread_mutex_destroy(&w->lock);
    free(w->url);
    free(w->url_shown);
    free(w);
}

static int webhook_init(nd_instance_t *self, const nd_opts_t *opts, void **state,
                        char *err, size_t errlen)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        snprintf(err, errlen, "cannot initialise libcurl");
        return -1;
    }
    struct webhook *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        curl_global_cleanup();
        return -1;
    }
    pthread_mutex_init(&w->lock, NULL);
    w->self = self;
    const char *url = nd_opt_str(opts, "url");
    w->url = strdup(url);
    w->url_shown = shown_url(url);
    w->timeout_ms = (long)nd_opt_int(opts, "timeout");
    w->connect_timeout_ms = (long)nd_opt_int(opts, "connect_timeout");
    w->retries = nd_opt_int(opts, "retries");
    w->retry_min = nd_opt_int(opts, "retry_min");
    w->retry_max = nd_opt_int(opts, "retry_max");
    if (!w->url || !w->url_shown)
        goto oom;
    if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
        snprintf(err, errlen, "url: expected an http:// or https:// URL, got "
                 "\"%s\"", w->url_shown);
        goto fail;
    }
    if (add_header(w, "Content-Type", 12, "application/json") < 0 ||
        add_header(w, "User-Agent", 10, "newsdesk/1") < 0 ||
        /* No "Expect: 100-continue" round trip for large bodies. */
        add_header(w, "Expect", 6, "") < 0)
        goto oom;
    const char *const *items;
    size_t n = nd_opt_list(opts, "headers", &items);
    for (size_t i = 0; i < n; i++) {
        size_t nlen;
        const char *value;
        if (split_header(items[i], &nlen, &value) < 0) {
            snprintf(err, errlen, "headers: \"%s\" is not \"Name: value\"", items[i]);
            goto fail;
        }
        if (add_header(w, items[i], nlen, value) < 0)
            goto oom;
    }
    n = nd_opt_list(opts, "secret_headers", &items);
    for (size_t i = 0; i < n; i++) {
        size_t nlen;
        const char *var;
        if (split_header(items[i], &nlen, &var) < 0 || !*var) {
            snprintf(err, errlen, "secret_headers: \"%s\" is not \"Name: "
                     "ENVIRONMENT_VARIABLE\"", items[i]);
            goto fail;
        }
        const char *value = getenv(var);
        if (!value || !*value) {
            snprintf(err, errlen, "secret_headers: the environment variable %s "
                     "(for the header %.*s) is not set", var, (int)nlen, items[i]);
            goto fail;
        }
        if (add_header(w, items[i], nlen, value) < 0)
            goto oom;
    }
    *state = w;
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    webhook_free(w);
    curl_global_cleanup();
    return -1;
}

static CURL *take_handle(struct webhook *w)
{
    CURL *h = NULL;
    pthread_mutex_lock(&w->lock);
    if (w->nidle)
        h = w->idle[--w->nidle];
    pthread_mutex_unlock(&w->lock);
    return h ? h : curl_easy_init();
}

static void give_handle(struct webhook *w, CURL *h)
{
    pthread_mutex_lock(&w->lock);
    if (w->nidle < MAX_IDLE_HANDLES) {
        w->idle[w->nidle++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&w->lock);
    if (h)
        curl_easy_cleanup(h);
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* Printable start of an answer: one line, no control characters. */
static void tidy(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20)
            *s = ' ';
}

static nd_status_t webhook_process(void *state, nd_doc_t *doc)
{
    struct webhook *w = state;
    size_t len;
    const char *json = nd_doc_json(doc, &len);
    if (!json) {
        nd_doc_error(doc, "out of memory");
        return ND_RETRY;
    }
    /* The shared headers plus this document's id, as the receiver's
     * idempotency key. */
    struct curl_slist *all = NULL, *l = w->headers;
    int ok = 1;
    for (; l && ok; l = l->next)
        ok = (all = curl_slist_append(all, l->data)) != NULL;
    const char *id = nd_doc_id(doc);
    char key[128];
    snprintf(key, sizeof key, "Idempotency-Key: %s", id ? id : "");
    ok = ok && (all = curl_slist_append(all, key)) != NULL;
    snprintf(key, sizeof key, "X-Newsdesk-Id: %s", id ? id : "");
    ok = ok && curl_slist_append(all, key) != NULL;
    CURL *h = ok ? take_handle(w) : NULL;
    if (!h) {
        curl_slist_free_all(all);
        nd_doc_error(doc, "out of memory");
        return ND_RETRY;
    }
    nd_status_t result = ND_RETRY;
    char why[700] = "";
    for (unsigned attempt = 0;; attempt++) {
        struct answer ans = {.n = 0};
        char curl_err[CURL_ERROR_SIZE] = "";
        curl_easy_reset(h);
        curl_easy_setopt(h, CURLOPT_URL, w->url);
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, all);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, w->timeout_ms);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, w->connect_timeout_ms);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep_answer);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &ans);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
        CURLcode rc = curl_easy_perform(h);
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        tidy(ans.text);
        int transient;
        if (rc != CURLE_OK) {
            /* The error buffer may quote the URL; say only what happened. */
            snprintf(why, sizeof why, "POST %s: %s", w->url_shown,
                     curl_easy_strerror(rc));
            transient = rc != CURLE_URL_MALFORMAT && rc != CURLE_UNSUPPORTED_PROTOCOL;
        } else if (status >= 200 && status < 300) {
            result = ND_OK;
            break;
        } else {
            snprintf(why, sizeof why, "POST %s: HTTP %ld%s%.300s", w->url_shown,
                     status, ans.n ? ": " : "", ans.text);
            transient = status >= 500 || status == 408 || status == 429;
        }
        if (!transient) {
            result = ND_FAIL;
            break;
        }
        if ((int64_t)attempt >= w->retries)
            break;
        nd_counter_add(w->self, "retried", 1);
        sleep_ms(backoff_ms(attempt + 1, w->retry_min, w->retry_max));
    }
    curl_slist_free_all(all);
    give_handle(w, h);
    if (result == ND_OK) {
        nd_counter_add(w->self, "sent", 1);
        return ND_OK;
    }
    nd_doc_error(doc, "%s", why);
    return result;
}

static void webhook_fini(void *state)
{
    webhook_free(state);
    curl_global_cleanup();
}

static const nd_option_t options[] = {
    {"url", ND_OPT_STRING, NULL, ND_OPT_REQUIRED, 0, 0, NULL,
     "where each document is POSTed (http:// or https://)"},
    {"headers", ND_OPT_STRLIST, NULL, 0, 0, 0, NULL,
     "extra request headers, \"Name: value\""},
    {"secret_headers", ND_OPT_STRLIST, NULL, 0, 0, 0, NULL,
     "headers whose value is read from an environment variable, \"Name: VAR\"; "
     "never logged"},
    {"timeout", ND_OPT_DURATION, "10s", ND_OPT_RANGE, 1, 600000, NULL,
     "the whole request, answer included"},
    {"connect_timeout", ND_OPT_DURATION, "5s", ND_OPT_RANGE, 1, 600000, NULL,
     "establishing the connection"},
    {"retries", ND_OPT_INT, "3", ND_OPT_RANGE, 0, 100, NULL,
     "tries after the first on timeouts, 5xx, 408 and 429, before the host "
     "takes over"},
    {"retry_min", ND_OPT_DURATION, "200ms", ND_OPT_RANGE, 1, 3600000, NULL,
     "first wait between tries (doubled each time, with jitter)"},
    {"retry_max", ND_OPT_DURATION, "5s", ND_OPT_RANGE, 1, 3600000, NULL,
     "longest wait between tries"},
    {0},
};

static const nd_plugin_t webhook_plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "webhook",
    .version = "1.0.0",
    .description = "POSTs each document's JSON to a URL",
    .role = ND_ROLE_EXPORTER,
    .options = options,
    .init = webhook_init,
    .process = webhook_process,
    .fini = webhook_fini,
};

ND_PLUGIN(webhook_plugin)
