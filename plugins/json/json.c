/* json: the exporter that writes each document to <dir>/<id>.json.
 *
 * Nobody reading `dir` ever sees a partial file: a document is written to a
 * hidden temporary file and renamed into place. How it is made durable
 * follows the host's `durable` setting:
 *   always  fsync the file, rename, fsync the folder, per document;
 *   batch   write now; at flush, one syncfs() for all the files written
 *           since the last flush, then the renames and one folder fsync
 *           (group commit: about one disk flush per batch, not per file),
 *           of the documents confirmed when the flush began
 *           (nd_plugin_t.confirm: they went through the whole chain).
 *           Documents keep being written while the flush waits on the
 *           disk (ND_PLUGIN_CONCURRENT_FLUSH): they go with the next one;
 *   none    rename at once and leave syncing to the kernel.
 * The id is the file name, so a document exported twice replaces itself.
 *
 * A document that fails after this step is withdrawn: its temporary file
 * is removed (batch), or its <id>.json (always, none). The
 * temporary files of documents not flushed when the instance ends (a
 * stop that gave them back to the inbox, a reload) are removed too: those
 * documents are exported again when they come back. */
#include <errno.h>
#include <fcntl.h>
#include <newsdesk/plugin.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/grow.h"
#include "base/io.h"
#include "export/transient.h"

struct json_out {
    nd_instance_t *self;
    char *dir;
    int dirfd;
    enum { SYNC_ALWAYS, SYNC_BATCH, SYNC_NONE } sync;
    long pid;            /* in temporary names */
    pthread_mutex_t lock; /* pending, and dirfd when it is replaced */
    struct pending {
        char id[65];
        char confirmed;  /* the document went through the whole chain */
        char flushing;   /* confirmed when the running flush began */
    } *pending;          /* written but not renamed yet (batch) */
    size_t npending, cap;
};

/* Temporary files left by a run that stopped before its flush belong to
 * documents that were never reported done: they will be exported again.
 * Those of this process are not stale: after a reload the previous
 * instance still has files waiting for its flush. Temporary names carry
 * the process id to tell them apart. */
static void remove_stale(struct json_out *j)
{
    int fd = dup(j->dirfd);
    DIR *dp = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dp) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(dp))) {
        size_t len = strlen(e->d_name);
        char mine[32];
        int mlen = snprintf(mine, sizeof mine, ".%ld.json.tmp", j->pid);
        if (e->d_name[0] == '.' && len > 9 &&
            !strcmp(e->d_name + len - 9, ".json.tmp") &&
            (len < (size_t)mlen || strcmp(e->d_name + len - (size_t)mlen, mine)))
            unlinkat(j->dirfd, e->d_name, 0);
    }
    closedir(dp);
}

static int json_init(nd_instance_t *self, const nd_opts_t *opts, void **state,
                     char *err, size_t errlen)
{
    struct json_out *j = calloc(1, sizeof *j);
    if (!j) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    j->self = self;
    j->pid = j->pid;
    j->dir = strdup(nd_opt_str(opts, "dir"));
    const char *d = nd_durable(self);
    j->sync = !strcmp(d, "always") ? SYNC_ALWAYS : !strcmp(d, "none") ? SYNC_NONE
                                                                     : SYNC_BATCH;
    pthread_mutex_init(&j->lock, NULL);
    int rc = j->dir ? mkdir_p(j->dir) : -ENOMEM;
    if (rc < 0) {
        snprintf(err, errlen, "cannot create the folder %s: %s", j->dir,
                 strerror(-rc));
        goto fail;
    }
    j->dirfd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (j->dirfd < 0) {
        snprintf(err, errlen, "cannot open the folder %s: %s", j->dir,
                 strerror(errno));
        goto fail;
    }
    remove_stale(j);
    *state = j;
    return 0;
fail:
    pthread_mutex_destroy(&j->lock);
    free(j->dir);
    free(j);
    return -1;
}

/* Errors a sink recovers from by itself (space freed, disk back). */
static nd_status_t classify(int e)
{
    return export_transient(e) ? ND_RETRY : ND_FAIL;
}

static nd_status_t json_process(void *state, nd_doc_t *doc)
{
    struct json_out *j = state;
    const char *id = nd_doc_id(doc);
    size_t len;
    const char *json = nd_doc_json(doc, &len);
    if (!json) {
        nd_doc_error(doc, "out of memory");
        return ND_RETRY;
    }
    char tmp[128], final[128];
    snprintf(tmp, sizeof tmp, ".%s.%ld.json.tmp", id, j->pid);
    snprintf(final, sizeof final, "%s.json", id);
    int fd = openat(j->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 && errno == ENOENT) {
        /* The folder was removed under us: make it again, once. */
        mkdir_p(j->dir);
        int nfd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (nfd >= 0) {
            pthread_mutex_lock(&j->lock);
            dup2(nfd, j->dirfd);
            pthread_mutex_unlock(&j->lock);
            close(nfd);
        }
        fd = openat(j->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    }
    if (fd < 0) {
        int e = errno;
        nd_doc_error(doc, "cannot create %s/%s: %s", j->dir, tmp, strerror(e));
        return classify(e);
    }
    struct iovec line[2] = {{(void *)json, len}, {"\n", 1}};
    int rc = writev_all(fd, line, 2);
    if (rc == 0 && j->sync == SYNC_ALWAYS && fdatasync(fd) < 0)
        rc = -errno;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    if (rc < 0) {
        unlinkat(j->dirfd, tmp, 0);
        nd_doc_error(doc, "cannot write %s/%s: %s", j->dir, tmp, strerror(-rc));
        return classify(-rc);
    }
    if (j->sync == SYNC_BATCH) {
        pthread_mutex_lock(&j->lock);
        struct pending *g = array_grow(j->pending, &j->cap, j->npending + 1,
                                       sizeof *g, 64);
        if (!g) {
            pthread_mutex_unlock(&j->lock);
            unlinkat(j->dirfd, tmp, 0);
            nd_doc_error(doc, "out of memory");
            return ND_RETRY;
        }
        j->pending = g;
        memcpy(j->pending[j->npending].id, id, 65);
        /* not in a flush that began before it was written */
        j->pending[j->npending].flushing = 0;
        /* a host older than ABI 1.2 never confirms: rename at the flush */
        j->pending[j->npending++].confirmed = nd_host_abi_minor() < 2;
        pthread_mutex_unlock(&j->lock);
        nd_counter_add(j->self, "written", 1);
        return ND_OK;
    }
    if (renameat(j->dirfd, tmp, j->dirfd, final) < 0) {
        int e = errno;
        unlinkat(j->dirfd, tmp, 0);
        nd_doc_error(doc, "cannot rename into %s/%s: %s", j->dir, final, strerror(e));
        return classify(e);
    }
    if (j->sync == SYNC_ALWAYS && fsync(j->dirfd) < 0) {
        int e = errno;
        nd_doc_error(doc, "cannot sync the folder %s: %s", j->dir, strerror(e));
        return classify(e);
    }
    nd_counter_add(j->self, "written", 1);
    return ND_OK;
}

static nd_status_t json_flush(void *state, int sync, char *err, size_t errlen)
{
    struct json_out *j = state;
    /* What this flush makes visible: the files confirmed by now. Workers
     * go on writing and confirming while it waits on the disk. */
    size_t taken = 0;
    pthread_mutex_lock(&j->lock);
    for (size_t i = 0; i < j->npending; i++) {
        j->pending[i].flushing = j->pending[i].confirmed;
        taken += j->pending[i].confirmed;
    }
    int dirfd = j->dirfd;
    pthread_mutex_unlock(&j->lock);
    if (!taken)
        return ND_OK;
    /* One syncfs makes every file written since the last flush durable
     * before any of them becomes visible under its final name. */
    if (sync && syncfs(dirfd) < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot sync %s: %s", j->dir, strerror(e));
        return classify(e);
    }
    /* The renames under the lock: a document withdrawn meanwhile has left
     * the list (and its temporary file is gone), one withdrawn later finds
     * its final name. */
    size_t kept = 0;
    int failed = 0, e = 0;
    pthread_mutex_lock(&j->lock);
    for (size_t i = 0; i < j->npending; i++) {
        char tmp[128], final[128];
        if (!j->pending[i].flushing) {
            /* still in the chain, or confirmed after the flush began */
            j->pending[kept++] = j->pending[i];
            continue;
        }
        snprintf(tmp, sizeof tmp, ".%s.%ld.json.tmp", j->pending[i].id, j->pid);
        snprintf(final, sizeof final, "%s.json", j->pending[i].id);
        if (renameat(j->dirfd, tmp, j->dirfd, final) < 0 && errno != ENOENT) {
            if (!failed)
                e = errno;
            failed = 1;
            j->pending[kept++] = j->pending[i];
        }
    }
    j->npending = kept;
    pthread_mutex_unlock(&j->lock);
    if (failed) {
        snprintf(err, errlen, "cannot rename files into %s: %s", j->dir, strerror(e));
        return classify(e);
    }
    if (sync && fsync(dirfd) < 0) {
        e = errno;
        snprintf(err, errlen, "cannot sync the folder %s: %s", j->dir,
                 strerror(e));
        return classify(e);
    }
    return ND_OK;
}

/* Forget `id` from the files waiting for the flush. Returns 1 when it
 * was there (its temporary file is then this instance's to remove). */
static int forget_pending(struct json_out *j, const char *id)
{
    int found = 0;
    pthread_mutex_lock(&j->lock);
    for (size_t i = 0; i < j->npending; i++)
        if (!memcmp(j->pending[i].id, id, 65)) {
            memmove(&j->pending[i], &j->pending[i + 1],
                    (j->npending - i - 1) * sizeof *j->pending);
            j->npending--;
            found = 1;
            break;
        }
    pthread_mutex_unlock(&j->lock);
    return found;
}

static nd_status_t json_withdraw(void *state, nd_doc_t *doc)
{
    struct json_out *j = state;
    const char *id = nd_doc_id(doc);
    char name[128];
    if (forget_pending(j, id))
        snprintf(name, sizeof name, ".%s.%ld.json.tmp", id, j->pid);
    else
        snprintf(name, sizeof name, "%s.json", id);
    if (unlinkat(j->dirfd, name, 0) < 0 && errno != ENOENT) {
        int e = errno;
        nd_doc_error(doc, "cannot remove %s/%s: %s", j->dir, name, strerror(e));
        return classify(e);
    }
    if (j->sync != SYNC_NONE && fsync(j->dirfd) < 0) {
        int e = errno;
        nd_doc_error(doc, "cannot sync the folder %s: %s", j->dir, strerror(e));
        return classify(e);
    }
    nd_counter_add(j->self, "withdrawn", 1);
    return ND_OK;
}

static void json_confirm(void *state, nd_doc_t *doc)
{
    struct json_out *j = state;
    const char *id = nd_doc_id(doc);
    pthread_mutex_lock(&j->lock);
    for (size_t i = 0; i < j->npending; i++)
        if (!j->pending[i].confirmed && !memcmp(j->pending[i].id, id, 65)) {
            j->pending[i].confirmed = 1;
            break;
        }
    pthread_mutex_unlock(&j->lock);
}

static void json_fini(void *state)
{
    struct json_out *j = state;
    for (size_t i = 0; i < j->npending; i++) {
        char tmp[128];
        snprintf(tmp, sizeof tmp, ".%s.%ld.json.tmp", j->pending[i].id,
                 j->pid);
        unlinkat(j->dirfd, tmp, 0);
    }
    close(j->dirfd);
    pthread_mutex_destroy(&j->lock);
    free(j->pending);
    free(j->dir);
    free(j);
}

static const nd_option_t options[] = {
    {"dir", ND_OPT_PATH, "./outbox", 0, 0, 0, NULL,
     "folder that receives one <id>.json file per document"},
    {0},
};

static const nd_plugin_t json_plugin = {
    .abi_major = ND_ABI_MAJOR,
    .abi_minor = ND_ABI_MINOR,
    .struct_size = sizeof(nd_plugin_t),
    .name = "json",
    .version = "1.0.0",
    .description = "writes each document to <dir>/<id>.json, atomically",
    .role = ND_ROLE_EXPORTER,
    .flags = ND_PLUGIN_CONCURRENT_FLUSH,
    .options = options,
    .init = json_init,
    .process = json_process,
    .flush = json_flush,
    .fini = json_fini,
    .withdraw = json_withdraw,
    .confirm = json_confirm,
};

ND_PLUGIN(json_plugin)
