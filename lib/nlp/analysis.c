/* One analysis of a text: its tokens and sentences, made once, and its
 * entities, found on first need. The extraction steps share it through
 * the document (nlpstep.h attaches it), so a document is tokenised once
 * and its entities found once whatever steps the chain has. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "nlp.h"

struct nlp_analysis {
    char *text;     /* a copy: a holder may keep the analysis past the text */
    nlp_doc_t doc;  /* of text */
    pthread_mutex_t lock; /* guards the three below */
    int found;      /* ents holds the entities read against `now` */
    int64_t now;
    nlp_entities_t ents;
};

static atomic_uint_fast64_t n_analyses, n_entity_runs;

int nlp_analysis_new(nlp_analysis_t **out, const char *text, size_t len)
{
    *out = NULL;
    nlp_analysis_t *a = calloc(1, sizeof *a);
    if (!a || !(a->text = malloc(len + 1))) {
        free(a);
        return -ENOMEM;
    }
    memcpy(a->text, text, len);
    a->text[len] = '\0';
    int rc = nlp_doc_parse(&a->doc, a->text, len);
    if (rc < 0) {
        free(a->text);
        free(a);
        return rc;
    }
    pthread_mutex_init(&a->lock, NULL);
    atomic_fetch_add(&n_analyses, 1);
    *out = a;
    return 0;
}

const nlp_doc_t *nlp_analysis_doc(const nlp_analysis_t *a) { return &a->doc; }

int nlp_analysis_entities(nlp_analysis_t *a, int64_t now,
                          const nlp_entities_t **out)
{
    int rc = 0;
    pthread_mutex_lock(&a->lock);
    if (!a->found) {
        rc = nlp_entities_find(&a->doc, now, &a->ents);
        a->found = rc == 0;
        a->now = now;
        atomic_fetch_add(&n_entity_runs, 1);
    } else if (a->now != now) {
        rc = -ESTALE;
    }
    pthread_mutex_unlock(&a->lock);
    *out = rc == 0 ? &a->ents : NULL;
    return rc;
}

void nlp_analysis_free(void *analysis)
{
    nlp_analysis_t *a = analysis;
    if (!a)
        return;
    if (a->found)
        nlp_entities_free(&a->ents);
    nlp_doc_free(&a->doc);
    pthread_mutex_destroy(&a->lock);
    free(a->text);
    free(a);
}

void nlp_analysis_counts(struct nlp_analysis_counts *out)
{
    out->analyses = atomic_load(&n_analyses);
    out->entity_runs = atomic_load(&n_entity_runs);
}
