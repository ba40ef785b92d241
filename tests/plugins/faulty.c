/* A test processor that misbehaves on request, for the daemon's tests:
 * asks for retries while a file exists (of every document, or of those
 * holding a word), kills the daemon on a marker word, fails documents
 * holding another, and can be slow (on every document, or on those holding
 * a word). */
#include <newsdesk/plugin.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct faulty {
    const char *retry_while, *retry_on, *crash_on, *fail_on, *delay_on;
    int64_t delay_ms;
};

static struct faulty cfg;

static int faulty_init(nd_instance_t *self, const nd_opts_t *opts,
                       void **state, char *err, size_t errlen)
{
    (void)self, (void)err, (void)errlen;
    cfg.retry_while = nd_opt_isset(opts, "retry_while") ? nd_opt_str(opts, "retry_while") : NULL;
    cfg.retry_on = nd_opt_isset(opts, "retry_on") ? nd_opt_str(opts, "retry_on") : NULL;
    cfg.crash_on = nd_opt_isset(opts, "crash_on") ? nd_opt_str(opts, "crash_on") : NULL;
    cfg.fail_on = nd_opt_isset(opts, "fail_on") ? nd_opt_str(opts, "fail_on") : NULL;
    cfg.delay_on = nd_opt_isset(opts, "delay_on") ? nd_opt_str(opts, "delay_on") : NULL;
    cfg.delay_ms = nd_opt_int(opts, "delay");
    *state = &cfg;
    return 0;
}

static nd_status_t faulty_process(void *st, nd_doc_t *doc)
{
    struct faulty *f = st;
    size_t len;
    const char *text = nd_doc_text(doc, &len);
    if (f->delay_ms && (!f->delay_on || (text && strstr(text, f->delay_on)))) {
        struct timespec ts = {f->delay_ms / 1000, (f->delay_ms % 1000) * 1000000};
        nanosleep(&ts, NULL);
    }
    if (f->crash_on && text && strstr(text, f->crash_on))
        raise(SIGKILL);
    if (f->fail_on && text && strstr(text, f->fail_on)) {
        nd_doc_error(doc, "the test step refuses this document");
        return ND_FAIL;
    }
    if (f->retry_while && access(f->retry_while, F_OK) == 0 &&
        (!f->retry_on || (text && strstr(text, f->retry_on)))) {
        nd_doc_error(doc, "the test sink is down");
        return ND_RETRY;
    }
    return ND_OK;
}

static const nd_option_t options[] = {
    {"retry_while", ND_OPT_PATH, NULL, 0, 0, 0, NULL, "retry while this file exists"},
    {"retry_on", ND_OPT_STRING, NULL, 0, 0, 0, NULL,
     "with retry_while: retry only documents whose text holds this"},
    {"crash_on", ND_OPT_STRING, NULL, 0, 0, 0, NULL, "kill the process on this text"},
    {"fail_on", ND_OPT_STRING, NULL, 0, 0, 0, NULL, "fail documents holding this text"},
    {"delay", ND_OPT_DURATION, "0ms", 0, 0, 0, NULL, "sleep per document"},
    {"delay_on", ND_OPT_STRING, NULL, 0, 0, 0, NULL,
     "with delay: sleep only on documents whose text holds this"},
    {0},
};

static const nd_plugin_t plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "faulty",
    .role = ND_ROLE_PROCESSOR,
    .options = options,
    .init = faulty_init,
    .process = faulty_process,
};

ND_PLUGIN(plugin)
