/* Models in memory and on disk: the linear layer both algorithms end as,
 * its file format (see classify.h), loading by mmap, and prediction. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/io.h"
#include "classify_internal.h"

void ncl_model_free(ncl_model_t *m)
{
    if (!m)
        return;
    if (m->map)
        munmap(m->map, m->maplen);
    free(m->owned);
    free(m->labels);
    free(m);
}

size_t ncl_model_nlabels(const ncl_model_t *m) { return m->nlabels; }
const char *ncl_model_label(const ncl_model_t *m, size_t i)
{
    return i < m->nlabels ? m->labels[i] : NULL;
}
unsigned ncl_model_bits(const ncl_model_t *m) { return m->bits; }
enum ncl_algo ncl_model_algo(const ncl_model_t *m) { return m->algo; }

void ncl_predict_vec(const ncl_model_t *m, ncl_vec_t *v, double *probs)
{
    size_t c = m->nlabels;
    if (m->ids)
        ncl_vec_compact(m, v);
    ncl_tfidf(v, m->idf);
    for (size_t k = 0; k < c; k++)
        probs[k] = m->bias[k];
    for (size_t i = 0; i < v->n; i++) {
        const float *w = m->weights + (size_t)v->idx[i] * c;
        double x = v->val[i];
        for (size_t k = 0; k < c; k++)
            probs[k] += x * w[k];
    }
    ncl_softmax(probs, c);
}

int ncl_predict_text(const ncl_model_t *m, const char *text, size_t len,
                     ncl_vec_t *scratch, double *probs)
{
    int rc = ncl_featurize(text, len, m->bits, scratch);
    if (rc < 0)
        return rc;
    ncl_predict_vec(m, scratch, probs);
    return 0;
}

void ncl_softmax(double *s, size_t n)
{
    double max = s[0], sum = 0;
    for (size_t k = 1; k < n; k++)
        if (s[k] > max)
            max = s[k];
    for (size_t k = 0; k < n; k++)
        sum += (s[k] = exp(s[k] - max));
    for (size_t k = 0; k < n; k++)
        s[k] /= sum;
}

static uint64_t align8(uint64_t x) { return (x + 7) & ~(uint64_t)7; }

/* Offsets of the sections for a model of this shape. */
static void layout(struct ncl_header *h, uint64_t labels_len)
{
    uint64_t d = (uint64_t)1 << h->bits;
    h->labels_off = align8(sizeof *h);
    h->labels_len = labels_len;
    h->idf_off = align8(h->labels_off + labels_len);
    h->bias_off = align8(h->idf_off + d * sizeof(float));
    h->weights_off = align8(h->bias_off + h->nlabels * sizeof(float));
    h->file_size = h->weights_off + d * h->nlabels * sizeof(float);
}

static int write_at(int fd, uint64_t *pos, uint64_t off, const void *p,
                    size_t n)
{
    static const char zeros[8];
    int rc = off > *pos ? write_all(fd, zeros, (size_t)(off - *pos)) : 0;
    if (rc == 0)
        rc = write_all(fd, p, n);
    if (rc == 0)
        *pos = off + n;
    return rc;
}

/* Write zero bytes up to `off`. */
static int pad_to(int fd, uint64_t *pos, uint64_t off)
{
    static const char zeros[65536];
    while (*pos < off) {
        size_t n = off - *pos < sizeof zeros ? (size_t)(off - *pos) : sizeof zeros;
        int rc = write_all(fd, zeros, n);
        if (rc < 0)
            return rc;
        *pos += n;
    }
    return 0;
}

/* Write a section of one row of `width` floats per feature (2^bits rows)
 * from a model's rows: dense models as they are, trained ones with zero
 * rows for the features they have none for. */
static int write_rows(int fd, uint64_t *pos, uint64_t off, const ncl_model_t *m,
                      const float *rows, size_t width)
{
    uint64_t d = (uint64_t)1 << m->bits, row = width * sizeof(float);
    int rc = pad_to(fd, pos, off);
    if (rc < 0)
        return rc;
    if (!m->ids)
        return write_at(fd, pos, off, rows, (size_t)(d * row));
    for (size_t k = 0; k < m->nids && rc == 0; k++) {
        rc = pad_to(fd, pos, off + m->ids[k] * row);
        if (rc == 0)
            rc = write_at(fd, pos, *pos, rows + k * width, (size_t)row);
    }
    return rc < 0 ? rc : pad_to(fd, pos, off + d * row);
}

int ncl_model_save(const ncl_model_t *m, const char *path, char *err,
                   size_t errlen)
{
    struct ncl_header h = {0};
    memcpy(h.magic, NCL_MAGIC, 8);
    h.version = NCL_VERSION;
    h.algo = (uint32_t)m->algo;
    h.bits = m->bits;
    h.nlabels = (uint32_t)m->nlabels;
    h.ndocs = m->ndocs;
    uint64_t labels_len = 0;
    for (size_t i = 0; i < m->nlabels; i++)
        labels_len += strlen(m->labels[i]) + 1;
    layout(&h, labels_len);

    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        snprintf(err, errlen, "%s: path too long", path);
        return -ENAMETOOLONG;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int rc = -errno;
        snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(-rc));
        return rc;
    }
    uint64_t pos = 0;
    int rc = write_at(fd, &pos, 0, &h, sizeof h);
    uint64_t off = h.labels_off;
    for (size_t i = 0; rc == 0 && i < m->nlabels; i++) {
        size_t n = strlen(m->labels[i]) + 1;
        rc = write_at(fd, &pos, off, m->labels[i], n);
        off += n;
    }
    if (rc == 0)
        rc = write_rows(fd, &pos, h.idf_off, m, m->idf, 1);
    if (rc == 0)
        rc = write_at(fd, &pos, h.bias_off, m->bias, m->nlabels * sizeof(float));
    if (rc == 0)
        rc = write_rows(fd, &pos, h.weights_off, m, m->weights, m->nlabels);
    if (rc == 0 && fsync(fd) < 0)
        rc = -errno;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    if (rc < 0) {
        unlink(tmp);
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
        return rc;
    }
    return 0;
}

static ncl_model_t *invalid(ncl_model_t *m, const char *path, char *err,
                            size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s: not a valid newsdesk model file (%s)", path, why);
    ncl_model_free(m);
    return NULL;
}

ncl_model_t *ncl_model_load(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open the model %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return NULL;
    }
    ncl_model_t *m = calloc(1, sizeof *m);
    if (!m) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if ((uint64_t)st.st_size < sizeof(struct ncl_header)) {
        close(fd);
        return invalid(m, path, err, errlen, "too short");
    }
    m->maplen = (size_t)st.st_size;
    void *map = mmap(NULL, m->maplen, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        snprintf(err, errlen, "cannot map the model %s: %s", path, strerror(errno));
        free(m);
        return NULL;
    }
    m->map = map;
    const struct ncl_header *h = map;
    if (memcmp(h->magic, NCL_MAGIC, 8))
        return invalid(m, path, err, errlen, "wrong magic number");
    if (h->version != NCL_VERSION) {
        char why[96];
        snprintf(why, sizeof why, "version %u; this newsdesk reads version %d",
                 h->version, NCL_VERSION);
        return invalid(m, path, err, errlen, why);
    }
    if (h->bits < NCL_MIN_BITS || h->bits > NCL_MAX_BITS)
        return invalid(m, path, err, errlen, "feature bits out of range");
    if (h->nlabels < 2 || h->nlabels > NCL_MAX_LABELS)
        return invalid(m, path, err, errlen, "label count out of range");
    struct ncl_header want = *h;
    layout(&want, h->labels_len);
    if (h->labels_len > m->maplen || memcmp(&want, h, sizeof want))
        return invalid(m, path, err, errlen, "inconsistent section offsets");
    if (want.file_size != (uint64_t)m->maplen)
        return invalid(m, path, err, errlen, "truncated or padded");
    m->algo = (enum ncl_algo)h->algo;
    m->bits = h->bits;
    m->nlabels = h->nlabels;
    m->ndocs = h->ndocs;
    m->labels = calloc(m->nlabels, sizeof *m->labels);
    if (!m->labels)
        return invalid(m, path, err, errlen, "out of memory");
    const char *p = (const char *)map + h->labels_off;
    const char *end = p + h->labels_len;
    for (size_t i = 0; i < m->nlabels; i++) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));
        if (!nul || nul == p)
            return invalid(m, path, err, errlen, "bad label table");
        m->labels[i] = p;
        p = nul + 1;
    }
    if (p != end)
        return invalid(m, path, err, errlen, "bad label table");
    m->idf = (const float *)((const char *)map + h->idf_off);
    m->bias = (const float *)((const char *)map + h->bias_off);
    m->weights = (const float *)((const char *)map + h->weights_off);
    return m;
}
