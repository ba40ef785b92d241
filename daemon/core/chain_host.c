/* The function table the host hands to plugins (nd_host_api_t). Most
 * entries are the document, value and option functions themselves; the
 * ones here add what only the chain knows: the run a document is in (its
 * errors, stops and log lines), instance names, counters. */
#include "chain_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "document.h"
#include "log.h"
#include "options.h"
#include "value.h"

static void vdoc_log(const nd_doc_t *d, const struct chain_run *run,
                     nd_log_level_t lv, const char *fmt, va_list ap)
{
    char msg[2048], name[LOG_QUOTE_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    log_quote(d->name, name);
    const char *step = run ? run->step : NULL, *plugin = run ? run->plugin : NULL;
    if (!step && run) /* name the step that failed or asked to retry */
        step = run->error.step, plugin = run->error.plugin;
    if (step && plugin && strcmp(step, plugin))
        log_msg(lv, "id=%.16s file=\"%s\" step=%s plugin=%s: %s", d->id,
                name, step, plugin, msg);
    else
        log_msg(lv, "id=%.16s file=\"%s\" plugin=%s: %s", d->id, name,
                plugin ? plugin : "-", msg);
}

void chain_doc_log(const nd_doc_t *d, const struct chain_run *run,
                   nd_log_level_t lv, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdoc_log(d, run, lv, fmt, ap);
    va_end(ap);
}

static void api_doc_log(const nd_doc_t *d, nd_log_level_t lv, const char *fmt,
                        va_list ap)
{
    vdoc_log(d, d->run, lv, fmt, ap);
}

/* Outside a run (a harness calling a plugin directly) there is nowhere to
 * keep a reason: it is logged. */
static void api_doc_error(nd_doc_t *d, const char *fmt, va_list ap)
{
    if (d->run)
        run_set_errorv(d->run, fmt, ap);
    else
        vdoc_log(d, NULL, ND_LOG_DEBUG, fmt, ap);
}

static int api_doc_stop(nd_doc_t *d, const char *reason)
{
    char *r = strdup(reason && *reason ? reason : "no reason given");
    if (!r || !d->run) {
        free(r);
        return -1;
    }
    free(d->run->stopped);
    d->run->stopped = r;
    return 0;
}

static void api_log(const nd_instance_t *self, nd_log_level_t lv,
                    const char *fmt, va_list ap)
{
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (self && strcmp(self->cfg->name, self->cfg->plugin))
        log_msg(lv, "step=%s plugin=%s: %s", self->cfg->name,
                self->cfg->plugin, msg);
    else
        log_msg(lv, "plugin=%s: %s", self ? self->cfg->plugin : "-", msg);
}

static int valid_counter(const char *name)
{
    if (!name || !*name || strlen(name) >= sizeof ((struct user_counter *)0)->name)
        return 0;
    for (; *name; name++)
        if (!((*name >= 'a' && *name <= 'z') || (*name >= '0' && *name <= '9') ||
              *name == '_'))
            return 0;
    return 1;
}

void chain_counter_add(nd_instance_t *self, const char *name, int64_t delta)
{
    if (!self || !valid_counter(name))
        return;
    int n = atomic_load(&self->ncounters);
    for (int i = 0; i < n; i++)
        if (!strcmp(self->counters[i].name, name)) {
            atomic_fetch_add(&self->counters[i].value, delta);
            return;
        }
    pthread_mutex_lock(&self->counters_lock);
    n = atomic_load(&self->ncounters);
    int i;
    for (i = 0; i < n; i++)
        if (!strcmp(self->counters[i].name, name))
            break;
    if (i == n && n < MAX_USER_COUNTERS) {
        snprintf(self->counters[i].name, sizeof self->counters[i].name, "%s", name);
        atomic_store(&self->counters[i].value, 0);
        atomic_store(&self->ncounters, n + 1);
    }
    if (i < MAX_USER_COUNTERS)
        atomic_fetch_add(&self->counters[i].value, delta);
    pthread_mutex_unlock(&self->counters_lock);
}

static const char *api_instance_name(const nd_instance_t *self)
{
    return self ? self->cfg->name : NULL;
}

static const char *api_durable(const nd_instance_t *self)
{
    return self && self->durable ? self->durable : "batch";
}

const nd_host_api_t chain_host_api = {
    .size = sizeof(nd_host_api_t),
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .opt_str = opt_str,
    .opt_int = opt_int,
    .opt_double = opt_double,
    .opt_bool = opt_bool,
    .opt_list = opt_list,
    .opt_isset = opt_isset,
    .doc_raw = doc_raw,
    .doc_source = doc_source,
    .doc_id = doc_id,
    .doc_received = doc_received,
    .doc_text = doc_text,
    .doc_set_text = doc_set_text,
    .doc_set = doc_set,
    .doc_get = doc_get,
    .doc_add_entity = doc_add_entity,
    .doc_add_topic = doc_add_topic,
    .doc_spawn = doc_spawn,
    .doc_error = api_doc_error,
    .doc_log = api_doc_log,
    .log = api_log,
    .counter_add = chain_counter_add,
    .instance_name = api_instance_name,
    .val_null = val_null,
    .val_bool = val_bool,
    .val_int = val_int,
    .val_num = val_num,
    .val_str = val_str,
    .val_list = val_list,
    .val_obj = val_obj,
    .val_push = val_push,
    .val_put = val_put,
    .val_free = val_free,
    .val_type = val_type,
    .val_as_str = val_as_str,
    .val_as_num = val_as_num,
    .val_as_int = val_as_int,
    .val_as_bool = val_as_bool,
    .val_len = val_len,
    .val_at = val_at,
    .val_get = val_get,
    .val_key_at = val_key_at,
    .val_parse_json = val_parse_json,
    .doc_json = doc_json,
    .durable = api_durable,
    .doc_stop = api_doc_stop,
    .doc_spawn_done = chain_spawn_done,
    .doc_attach = doc_attach,
    .doc_attached = doc_attached,
    .doc_hold = doc_hold,
    .hold_release = hold_release,
};
