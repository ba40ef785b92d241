/* `newsdesk train`: read labelled articles (a folder per label, TSV/CSV of
 * label and text, or JSON Lines), evaluate a classifier on held-out data
 * or by k-fold cross-validation, and write the model the `model` plugin
 * loads. The featurizing and learning live in lib/classify. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/grow.h"
#include "base/io.h"
#include "classify/classify.h"
#include "commands.h"

#define MAX_TRAIN_INPUT ((size_t)1 << 30)

static const char train_usage[] =
    "usage: newsdesk train [OPTIONS] -o MODEL INPUT...\n"
    "\n"
    "INPUT is a folder holding one subfolder of articles per label, or a\n"
    "file: .tsv or .csv (label then text; a header row naming the columns\n"
    "label/category and text is recognised) or .jsonl ({\"label\", \"text\"}\n"
    "per line).\n"
    "\n"
    "  -o, --output MODEL     the model file to write\n"
    "  -a, --algo nb|logreg   naive Bayes (default) or logistic regression\n"
    "  -t, --test FILE        evaluate on FILE (same formats) instead of by\n"
    "                         cross-validation\n"
    "  -k, --folds K          k-fold cross-validation (default 5; 0: none)\n"
    "      --bits N           2^N hashed features (10-24; default: from the\n"
    "                         data, 16 slots per distinct feature, 14-20)\n"
    "      --epochs N         logistic regression passes (default 20)\n"
    "      --alpha X          naive Bayes smoothing (default 0.01)\n"
    "      --lambda X         logistic regression L2 penalty (default 1e-5)\n"
    "      --rate X           logistic regression first step size (default 20)\n"
    "      --seed N           shuffling seed (default 1)\n"
    "      --json             print the evaluation as one JSON object\n"
    "  -h, --help             print this help and exit\n"
    "\n"
    "Exit status: 0 model written, 1 it could not be (the reason is on\n"
    "stderr), 2 usage error.\n";

struct corpus {
    char **texts;
    int *labels;
    size_t n, cap;
    char **names; /* labels, in order of first appearance */
    size_t nnames;
};

static void corpus_free(struct corpus *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->texts[i]);
    for (size_t i = 0; i < c->nnames; i++)
        free(c->names[i]);
    free(c->texts);
    free(c->labels);
    free(c->names);
    memset(c, 0, sizeof *c);
}

/* The index of label `name`, added when new; -1 when out of memory. */
static int label_index(struct corpus *c, const char *name, size_t len)
{
    for (size_t i = 0; i < c->nnames; i++)
        if (strlen(c->names[i]) == len && !memcmp(c->names[i], name, len))
            return (int)i;
    char **g = realloc(c->names, (c->nnames + 1) * sizeof *g);
    if (!g)
        return -1;
    c->names = g;
    if (!(c->names[c->nnames] = strndup(name, len)))
        return -1;
    return (int)c->nnames++;
}

/* Add one example; takes `text`. Returns 0 or -1. */
static int corpus_add(struct corpus *c, const char *label, size_t llen,
                      char *text)
{
    while (llen && (label[llen - 1] == ' ' || label[llen - 1] == '\r'))
        llen--;
    while (llen && *label == ' ')
        label++, llen--;
    int k = llen ? label_index(c, label, llen) : -1;
    if (k >= 0 && c->n == c->cap) {
        size_t cap = c->cap; /* texts and labels grow together */
        char **t = array_grow(c->texts, &cap, c->n + 1, sizeof *t, 256);
        if (t)
            c->texts = t;
        cap = c->cap;
        int *l = t ? array_grow(c->labels, &cap, c->n + 1, sizeof *l, 256) : NULL;
        if (l)
            c->labels = l, c->cap = cap;
        else
            k = -1;
    }
    if (k < 0) {
        free(text);
        return -1;
    }
    c->texts[c->n] = text;
    c->labels[c->n++] = k;
    return 0;
}

static int read_file(const char *path, char **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    uint8_t *buf;
    int rc = read_all(fd, MAX_TRAIN_INPUT, &buf, len);
    close(fd);
    *out = (char *)buf;
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the entries of `dir` that are not hidden. */
static char **list_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    *n = 0;
    if (!d)
        return NULL;
    char **names = NULL;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char **g = array_grow(names, &cap, *n + 1, sizeof *g, 32);
        if (!g)
            break;
        names = g;
        names[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    if (*n)
        qsort(names, *n, sizeof *names, cmp_str);
    return names;
}

static void free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* A folder per label, each file one article. */
static int load_dir(struct corpus *c, const char *dir)
{
    size_t nlab;
    char **labs = list_dir(dir, &nlab);
    int rc = 0;
    size_t found = 0;
    for (size_t i = 0; rc == 0 && i < nlab; i++) {
        char sub[4096];
        struct stat st;
        if (snprintf(sub, sizeof sub, "%s/%s", dir, labs[i]) >= (int)sizeof sub ||
            stat(sub, &st) < 0 || !S_ISDIR(st.st_mode))
            continue;
        size_t nf;
        char **files = list_dir(sub, &nf);
        for (size_t j = 0; rc == 0 && j < nf; j++) {
            char path[4096];
            if (snprintf(path, sizeof path, "%s/%s", sub, files[j]) >= (int)sizeof path ||
                stat(path, &st) < 0 || !S_ISREG(st.st_mode))
                continue;
            char *text;
            size_t len;
            int e = read_file(path, &text, &len);
            if (e < 0) {
                fprintf(stderr, "newsdesk train: %s: cannot read: %s\n", path,
                        strerror(-e));
                rc = -1;
            } else if (corpus_add(c, labs[i], strlen(labs[i]), text) < 0) {
                rc = -1;
            } else {
                found++;
            }
        }
        free_list(files, nf);
    }
    free_list(labs, nlab);
    if (rc == 0 && !found) {
        fprintf(stderr, "newsdesk train: %s: no articles found; expected one "
                "subfolder of files per label\n", dir);
        rc = -1;
    }
    return rc;
}

/* Split one record of delimited text into fields, in place. CSV follows
 * RFC 4180 (quoted fields may hold the separator, "" and newlines); TSV
 * has no quoting. *p advances past the record. Returns the field count. */
static size_t split_record(char **p, char sep, int quoted, char **fields,
                           size_t max)
{
    size_t n = 0;
    char *s = *p;
    for (;;) {
        char *start = s, *o = s;
        if (quoted && *s == '"') {
            s++;
            for (;;) {
                if (!*s)
                    break;
                if (*s == '"' && s[1] == '"') {
                    *o++ = '"';
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    *o++ = *s++;
                }
            }
            while (*s && *s != sep && *s != '\n')
                s++;
        } else {
            while (*s && *s != sep && *s != '\n')
                s++;
            o = s;
        }
        char end = *s;
        if (o > start && o[-1] == '\r' && end != sep)
            o--;
        if (n < max)
            fields[n++] = start;
        *o = '\0';
        if (end == sep) {
            s++;
            continue;
        }
        *p = end ? s + 1 : s;
        return n;
    }
}

static int is_name(const char *s, const char *const *names)
{
    for (size_t i = 0; names[i]; i++)
        if (!strcasecmp(s, names[i]))
            return 1;
    return 0;
}

static int load_delimited(struct corpus *c, const char *path, char *buf,
                          char sep)
{
    static const char *const label_names[] = {"label", "category", "class",
                                              "topic", NULL};
    static const char *const text_names[] = {"text", "body", "content",
                                             "sentence", NULL};
    char *fields[64], *p = buf;
    int quoted = sep == ',';
    int lcol = 0, tcol = -1, line = 0;
    if (!strncmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    while (*p) {
        line++;
        char *rec = p;
        size_t n = split_record(&p, sep, quoted, fields, 64);
        if (n == 1 && !*fields[0])
            continue;
        if (line == 1) {
            int l = -1, t = -1;
            for (size_t i = 0; i < n; i++) {
                if (l < 0 && is_name(fields[i], label_names))
                    l = (int)i;
                else if (t < 0 && is_name(fields[i], text_names))
                    t = (int)i;
            }
            if (l >= 0 && t >= 0) {
                lcol = l, tcol = t;
                continue;
            }
        }
        int tc = tcol >= 0 ? tcol : (int)n - 1;
        if (n < 2 || tc >= (int)n || lcol >= (int)n) {
            fprintf(stderr, "newsdesk train: %s:%d: expected a label and a "
                    "text separated by %s\n", path, line,
                    sep == ',' ? "a comma" : "a tab");
            return -1;
        }
        (void)rec;
        char *text = strdup(fields[tc]);
        if (!text || corpus_add(c, fields[lcol], strlen(fields[lcol]), text) < 0) {
            fprintf(stderr, "newsdesk train: %s:%d: empty label or out of "
                    "memory\n", path, line);
            return -1;
        }
    }
    return 0;
}

static int load_jsonl(struct corpus *c, const char *path, char *buf)
{
    int line = 0;
    for (char *p = buf; *p;) {
        char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        line++;
        char *rec = p;
        p = nl ? nl + 1 : p + len;
        size_t k = 0;
        while (k < len && (rec[k] == ' ' || rec[k] == '\t' || rec[k] == '\r'))
            k++;
        if (k == len)
            continue;
        json_error_t je;
        json_t *o = json_loadb(rec, len, 0, &je);
        json_t *l = json_object_get(o, "label");
        if (!l)
            l = json_object_get(o, "category");
        json_t *t = json_object_get(o, "text");
        if (!o || !json_is_string(l) || !json_is_string(t)) {
            fprintf(stderr, "newsdesk train: %s:%d: expected an object with "
                    "string \"label\" and \"text\"%s%s\n", path, line,
                    o ? "" : ": ", o ? "" : je.text);
            json_decref(o);
            return -1;
        }
        char *text = strdup(json_string_value(t));
        int rc = text ? corpus_add(c, json_string_value(l),
                                   json_string_length(l), text) : -1;
        json_decref(o);
        if (rc < 0) {
            fprintf(stderr, "newsdesk train: %s:%d: empty label\n", path, line);
            return -1;
        }
    }
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcasecmp(s + n - m, suffix);
}

static int load_input(struct corpus *c, const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        fprintf(stderr, "newsdesk train: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return load_dir(c, path);
    char sep = ends_with(path, ".tsv") || ends_with(path, ".tab") ? '\t'
               : ends_with(path, ".csv")                         ? ','
                                                                 : 0;
    int jsonl = ends_with(path, ".jsonl") || ends_with(path, ".ndjson");
    if (!sep && !jsonl) {
        fprintf(stderr, "newsdesk train: %s: unknown format; expected a "
                "folder, .tsv, .csv or .jsonl\n", path);
        return -1;
    }
    char *buf;
    size_t len;
    int e = read_file(path, &buf, &len);
    if (e < 0) {
        fprintf(stderr, "newsdesk train: %s: cannot read: %s\n", path, strerror(-e));
        return -1;
    }
    if (memchr(buf, '\0', len)) {
        fprintf(stderr, "newsdesk train: %s: binary data (a NUL byte)\n", path);
        free(buf);
        return -1;
    }
    int rc = jsonl ? load_jsonl(c, path, buf) : load_delimited(c, path, buf, sep);
    free(buf);
    return rc;
}

/* ---- evaluation ------------------------------------------------------- */

/* CPU time of the process (user and system): on a shared machine it
 * measures the work done rather than the wait for a processor. */
static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct eval {
    size_t nlabels;
    size_t *confusion; /* [true * nlabels + predicted] */
    size_t n, correct;
    double train_ms, predict_ms;
    size_t train_docs;
};

static int featurize_all(const struct corpus *c, unsigned bits, ncl_vec_t *x)
{
    for (size_t i = 0; i < c->n; i++)
        if (ncl_featurize(c->texts[i], strlen(c->texts[i]), bits, &x[i]) < 0)
            return -1;
    return 0;
}

static int argmax(const double *p, size_t n)
{
    size_t best = 0;
    for (size_t k = 1; k < n; k++)
        if (p[k] > p[best])
            best = k;
    return (int)best;
}

/* Predict `x[i]` for the i in `which` (or all when NULL) and count. The
 * vectors are reweighted in place: callers pass copies they can spare. */
static void score(const ncl_model_t *m, ncl_vec_t *x, const int *y,
                  const size_t *which, size_t n, struct eval *ev)
{
    double probs[NCL_MAX_LABELS];
    for (size_t j = 0; j < n; j++) {
        size_t i = which ? which[j] : j;
        ncl_predict_vec(m, &x[i], probs);
        int p = argmax(probs, ncl_model_nlabels(m));
        ev->confusion[(size_t)y[i] * ev->nlabels + (size_t)p]++;
        ev->correct += p == y[i];
        ev->n++;
    }
}

static double macro_f1(const struct eval *ev, double *f1)
{
    double sum = 0;
    size_t L = ev->nlabels, used = 0;
    for (size_t k = 0; k < L; k++) {
        size_t tp = ev->confusion[k * L + k], pred = 0, truth = 0;
        for (size_t j = 0; j < L; j++) {
            pred += ev->confusion[j * L + k];
            truth += ev->confusion[k * L + j];
        }
        double p = pred ? (double)tp / (double)pred : 0;
        double r = truth ? (double)tp / (double)truth : 0;
        f1[k] = p + r > 0 ? 2 * p * r / (p + r) : 0;
        if (truth || pred) {
            sum += f1[k];
            used++;
        }
    }
    return used ? sum / (double)used : 0;
}

static void print_report(const struct eval *ev, char **names, const char *how,
                         const struct ncl_train_opts *o, int as_json)
{
    size_t L = ev->nlabels;
    double *f1 = calloc(L, sizeof *f1);
    if (!f1)
        return;
    double acc = ev->n ? (double)ev->correct / (double)ev->n : 0;
    double mf1 = macro_f1(ev, f1);
    const char *algo = o->algo == NCL_NB ? "nb" : "logreg";
    if (as_json) {
        json_t *conf = json_array(), *labs = json_array(), *f = json_object();
        for (size_t k = 0; k < L; k++) {
            json_t *row = json_array();
            for (size_t j = 0; j < L; j++)
                json_array_append_new(row, json_integer((json_int_t)ev->confusion[k * L + j]));
            json_array_append_new(conf, row);
            json_array_append_new(labs, json_string(names[k]));
            json_object_set_new(f, names[k], json_real(f1[k]));
        }
        json_t *out = json_pack("{s:s, s:s, s:i, s:I, s:I, s:f, s:f, s:f, s:f, s:o, s:o, s:o}",
                                "algo", algo, "evaluation", how, "bits", (int)o->bits,
                                "train_docs", (json_int_t)ev->train_docs,
                                "test_docs", (json_int_t)ev->n, "accuracy", acc,
                                "macro_f1", mf1, "train_ms", ev->train_ms,
                                "predict_ms", ev->predict_ms, "labels", labs,
                                "confusion", conf, "f1", f);
        char *s = json_dumps(out, JSON_COMPACT);
        if (s)
            puts(s);
        free(s);
        json_decref(out);
        free(f1);
        return;
    }
    printf("%s, %s, 2^%u features: %zu documents evaluated\n", how, algo,
           o->bits, ev->n);
    printf("accuracy %.3f  macro-F1 %.3f\n", acc, mf1);
    printf("confusion matrix (rows: true label, columns: predicted)\n");
    size_t w = 5;
    for (size_t k = 0; k < L; k++)
        if (strlen(names[k]) > w)
            w = strlen(names[k]);
    printf("%*s", (int)w, "");
    for (size_t k = 0; k < L; k++)
        printf(" %5.5s", names[k]);
    printf("     F1\n");
    for (size_t k = 0; k < L; k++) {
        printf("%-*s", (int)w, names[k]);
        for (size_t j = 0; j < L; j++)
            printf(" %5zu", ev->confusion[k * L + j]);
        printf("  %.3f\n", f1[k]);
    }
    printf("CPU time: train %.1f ms (%zu documents), predict %.1f ms (%zu "
           "documents)\n",
           ev->train_ms, ev->train_docs, ev->predict_ms, ev->n);
    free(f1);
}

static int copy_vec(ncl_vec_t *dst, const ncl_vec_t *src)
{
    if (dst->cap < src->n) {
        uint32_t *i = realloc(dst->idx, src->n * sizeof *i);
        if (!i)
            return -1;
        dst->idx = i;
        float *v = realloc(dst->val, src->n * sizeof *v);
        if (!v)
            return -1;
        dst->val = v;
        dst->cap = src->n;
    }
    if (src->n) {
        memcpy(dst->idx, src->idx, src->n * sizeof *src->idx);
        memcpy(dst->val, src->val, src->n * sizeof *src->val);
    }
    dst->n = src->n;
    return 0;
}

/* Stratified k-fold cross-validation, shuffled by the seed. Times are the
 * sums over folds. */
static int cross_validate(const struct corpus *c, const ncl_vec_t *x,
                          unsigned k, const struct ncl_train_opts *o,
                          struct eval *ev)
{
    size_t n = c->n;
    size_t *perm = malloc(n * sizeof *perm), *tr = malloc(n * sizeof *tr),
           *te = malloc(n * sizeof *te);
    ncl_vec_t *xs = calloc(n, sizeof *xs);
    int *ys = malloc(n * sizeof *ys);
    int rc = -1;
    if (!perm || !tr || !te || !xs || !ys)
        goto out;
    uint64_t s = o->seed ? o->seed : 1;
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n; i > 1; i--) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        size_t j = (size_t)(s % i), t = perm[i - 1];
        perm[i - 1] = perm[j], perm[j] = t;
    }
    /* Stratify: group the shuffled documents by label, then deal them to
     * the folds in turn, so every fold holds each label's share. */
    size_t at = 0;
    for (size_t lab = 0; lab < c->nnames; lab++)
        for (size_t i = 0; i < n; i++)
            if ((size_t)c->labels[perm[i]] == lab)
                tr[at++] = perm[i];
    memcpy(perm, tr, n * sizeof *perm);
    for (unsigned f = 0; f < k; f++) {
        size_t ntr = 0, nte = 0;
        for (size_t i = 0; i < n; i++) {
            if (i % k == f)
                te[nte++] = perm[i];
            else
                tr[ntr++] = perm[i];
        }
        for (size_t i = 0; i < ntr; i++) {
            if (copy_vec(&xs[i], &x[tr[i]]) < 0)
                goto out;
            ys[i] = c->labels[tr[i]];
        }
        char err[256];
        double t0 = now_ms();
        ncl_model_t *m = ncl_train(xs, ys, ntr, (const char *const *)c->names,
                                   c->nnames, o, err, sizeof err);
        double t1 = now_ms();
        if (!m) {
            fprintf(stderr, "newsdesk train: %s\n", err);
            goto out;
        }
        for (size_t i = 0; i < nte; i++)
            if (copy_vec(&xs[i], &x[te[i]]) < 0) {
                ncl_model_free(m);
                goto out;
            }
        int *yt = ys;
        for (size_t i = 0; i < nte; i++)
            yt[i] = c->labels[te[i]];
        score(m, xs, yt, NULL, nte, ev);
        ev->train_ms += t1 - t0;
        ev->predict_ms += now_ms() - t1;
        ev->train_docs += ntr;
        ncl_model_free(m);
    }
    ev->train_docs /= k;
    rc = 0;
out:
    for (size_t i = 0; xs && i < n; i++)
        ncl_vec_free(&xs[i]);
    free(xs);
    free(ys);
    free(perm);
    free(tr);
    free(te);
    return rc;
}

static int parse_num(const char *s, double lo, double hi, double *out,
                     const char *what)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "newsdesk train: %s: expected a number from %g to %g, "
                "got \"%s\"\n", what, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

int cmd_train(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"algo", required_argument, NULL, 'a'},
        {"test", required_argument, NULL, 't'},
        {"folds", required_argument, NULL, 'k'},
        {"bits", required_argument, NULL, 'b'},
        {"epochs", required_argument, NULL, 'e'},
        {"alpha", required_argument, NULL, 'A'},
        {"lambda", required_argument, NULL, 'L'},
        {"seed", required_argument, NULL, 's'},
        {"rate", required_argument, NULL, 'r'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct ncl_train_opts o;
    ncl_train_defaults(&o);
    const char *output = NULL, *test = NULL;
    double folds = 5, v;
    int as_json = 0, c, auto_bits = 1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:a:t:k:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case 't': test = optarg; break;
        case 'j': as_json = 1; break;
        case 'a':
            if (!strcmp(optarg, "nb"))
                o.algo = NCL_NB;
            else if (!strcmp(optarg, "logreg"))
                o.algo = NCL_LOGREG;
            else {
                fprintf(stderr, "newsdesk train: --algo: expected nb or logreg, "
                        "got \"%s\"\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'k':
            if (parse_num(optarg, 0, 100, &folds, "--folds") < 0 || folds == 1)
                return fprintf(stderr, "newsdesk train: --folds: 0 or 2 to 100\n"),
                       EXIT_USAGE;
            break;
        case 'b':
            if (parse_num(optarg, NCL_MIN_BITS, NCL_MAX_BITS, &v, "--bits") < 0)
                return EXIT_USAGE;
            o.bits = (unsigned)v;
            auto_bits = 0;
            break;
        case 'e':
            if (parse_num(optarg, 1, 1000, &v, "--epochs") < 0)
                return EXIT_USAGE;
            o.epochs = (unsigned)v;
            break;
        case 'A':
            if (parse_num(optarg, 1e-9, 100, &o.alpha, "--alpha") < 0)
                return EXIT_USAGE;
            break;
        case 'L':
            if (parse_num(optarg, 0, 1, &o.lambda, "--lambda") < 0)
                return EXIT_USAGE;
            break;
        case 'r':
            if (parse_num(optarg, 1e-6, 1000, &o.eta0, "--rate") < 0)
                return EXIT_USAGE;
            break;
        case 's':
            if (parse_num(optarg, 0, 1e18, &v, "--seed") < 0)
                return EXIT_USAGE;
            o.seed = (uint64_t)v;
            break;
        case 'h': fputs(train_usage, stdout); return 0;
        default: fputs(train_usage, stderr); return EXIT_USAGE;
        }
    }
    if (!output || optind >= argc) {
        fprintf(stderr, "newsdesk train: %s\n\n%s",
                !output ? "-o MODEL is required" : "no INPUT given", train_usage);
        return EXIT_USAGE;
    }

    struct corpus corp = {0}, held = {0};
    int rc = 1;
    ncl_vec_t *x = NULL, *hx = NULL;
    ncl_model_t *m = NULL;
    struct eval ev = {0};
    for (int i = optind; i < argc; i++)
        if (load_input(&corp, argv[i]) < 0)
            goto out;
    if (corp.nnames < 2) {
        fprintf(stderr, "newsdesk train: need articles of at least two labels, "
                "found %zu\n", corp.nnames);
        goto out;
    }
    if (test) {
        /* Labels of the test set map onto the training ones; a label the
         * training data lacks still counts (as an error every time). */
        held.names = corp.names, held.nnames = corp.nnames;
        if (load_input(&held, test) < 0) {
            corp.names = held.names, corp.nnames = held.nnames;
            held.names = NULL, held.nnames = 0;
            goto out;
        }
        corp.names = held.names, corp.nnames = held.nnames;
        held.names = NULL, held.nnames = 0;
    }
    ev.nlabels = corp.nnames;
    ev.confusion = calloc(ev.nlabels * ev.nlabels, sizeof *ev.confusion);
    x = calloc(corp.n, sizeof *x);
    if (!ev.confusion || !x) {
        fprintf(stderr, "newsdesk train: out of memory\n");
        goto out;
    }
    char err[512];
    double t0 = now_ms();
    if (featurize_all(&corp, auto_bits ? NCL_MAX_BITS : o.bits, x) < 0) {
        fprintf(stderr, "newsdesk train: out of memory\n");
        goto out;
    }
    if (auto_bits) {
        o.bits = ncl_auto_bits(x, corp.n);
        for (size_t i = 0; i < corp.n; i++)
            ncl_vec_fold(&x[i], o.bits);
    }
    double t_feat = now_ms() - t0;
    if (!test && folds >= 2) {
        if ((size_t)folds > corp.n) {
            fprintf(stderr, "newsdesk train: %zu documents are too few for %g "
                    "folds\n", corp.n, folds);
            goto out;
        }
        if (cross_validate(&corp, x, (unsigned)folds, &o, &ev) < 0)
            goto out;
    }
    t0 = now_ms();
    m = ncl_train(x, corp.labels, corp.n, (const char *const *)corp.names,
                  corp.nnames, &o, err, sizeof err);
    double t_train = now_ms() - t0 + t_feat;
    if (!m) {
        fprintf(stderr, "newsdesk train: %s\n", err);
        goto out;
    }
    char how[600];
    if (test) {
        hx = calloc(held.n ? held.n : 1, sizeof *hx);
        if (!hx)
            goto out;
        t0 = now_ms();
        if (featurize_all(&held, o.bits, hx) < 0)
            goto out;
        score(m, hx, held.labels, NULL, held.n, &ev);
        ev.predict_ms = now_ms() - t0;
        ev.train_ms = t_train;
        ev.train_docs = corp.n;
        snprintf(how, sizeof how, "held-out test %s", test);
    } else {
        snprintf(how, sizeof how, "%g-fold cross-validation", folds);
    }
    if (test || folds >= 2)
        print_report(&ev, corp.names, how, &o, as_json);
    if (ncl_model_save(m, output, err, sizeof err) < 0) {
        fprintf(stderr, "newsdesk train: %s\n", err);
        goto out;
    }
    if (!as_json)
        printf("wrote %s: %zu labels, trained on %zu documents\n", output,
               corp.nnames, corp.n);
    rc = 0;
out:
    for (size_t i = 0; x && i < corp.n; i++)
        ncl_vec_free(&x[i]);
    for (size_t i = 0; hx && i < held.n; i++)
        ncl_vec_free(&hx[i]);
    free(x);
    free(hx);
    free(ev.confusion);
    ncl_model_free(m);
    corpus_free(&corp);
    corpus_free(&held);
    return rc;
}
