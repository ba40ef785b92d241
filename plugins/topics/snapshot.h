/* The default taxonomy compiled in: gen_snapshot.c loads it when the
 * plugin is built and writes the compiled matcher out as C, so that a
 * process whose taxonomy is, byte for byte, the one it was built with
 * skips reading the YAML, stemming every term and building the automaton
 * (some 150 M instructions). Private to plugins/topics. */
#ifndef ND_TOPICS_SNAPSHOT_H
#define ND_TOPICS_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "topics.h"

/* A file the snapshot was compiled from: its path (for the first, the
 * file named, its name alone; the files it includes relative to its
 * folder unless absolute), its size and the FNV-1a hash of its bytes. */
struct snapshot_file {
    const char *path;
    int relative;
    size_t size;
    uint64_t hash;
};

/* Generated: the taxonomy (files, nfiles and symbols unset) and what it
 * was compiled from. */
extern const struct taxonomy snapshot_taxonomy;
extern const struct snapshot_file snapshot_files[];
extern const size_t snapshot_nfiles;

/* If the taxonomy at path (and every file it includes) is the one the
 * snapshot was compiled from, fill t with the snapshot (taxonomy_free
 * frees it) and return 1; else 0, or -1 when out of memory. */
int snapshot_load(struct taxonomy *t, const char *path, char *err, size_t errlen);

#endif
