/* The shared part of the reader fuzz harnesses (see fuzz_harness.h). The
 * plugins are loaded from the build tree through a generated config's
 * plugin_path, so the harness runs the same code, loader and host API as
 * `newsdesk process`. */
#include "fuzz_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build_config.h"
#include "log.h"
#include "chain.h"

static struct chain *chain;

/* Each child is serialised as it finishes, before the chain lets go of
 * it. */
static void serialise_child(void *ctx, nd_doc_t *parent,
                            const struct chain_run *run, size_t i)
{
    (void)ctx, (void)run;
    doc_to_json(parent->children[i], NULL);
}

static void setup(void)
{
    char path[] = "/tmp/newsdesk-fuzz-XXXXXX.yaml";
    int fd = mkstemps(path, 5);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f)
        abort();
    static const char *const readers[] = {"text", "html", "json-reader", "feed", NULL};
    fprintf(f, "service:\n  log_level: error\n  plugin_path:\n");
    for (size_t i = 0; readers[i]; i++)
        fprintf(f, "    - %s/%s\n", ND_BUILD_PLUGIN_DIR, readers[i]);
    fprintf(f, "pipeline:\n");
    for (size_t i = 0; readers[i]; i++)
        fprintf(f, "  - plugin: %s\n", readers[i]);
    fclose(f);
    struct errlist errs = {0}, warns = {0};
    int rc = chain_load(&chain, path, &errs, &warns);
    unlink(path);
    if (rc == 0)
        rc = chain_start(chain, &errs);
    if (rc < 0) {
        for (size_t i = 0; i < errs.n; i++)
            fprintf(stderr, "fuzz: %s\n", errs.msgs[i]);
        abort();
    }
    errs_free(&errs);
    errs_free(&warns);
    chain_on_child_done(chain, serialise_child, NULL);
    log_set_level(ND_LOG_ERROR);
}

void fuzz_read(const uint8_t *data, size_t size, const char *media_type,
               const char *name)
{
    if (!chain)
        setup();
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return;
    memcpy(copy, data, size);
    nd_doc_t *d = doc_new(copy, size, name, NULL, media_type);
    if (!d)
        return;
    struct chain_run run = {0};
    chain_run(chain, d, &run);
    doc_to_json(d, NULL);
    run_free(&run);
    doc_free(d);
}
