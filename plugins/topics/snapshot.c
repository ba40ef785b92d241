/* Using the compiled-in taxonomy when the one asked for is the same. */
#include "snapshot.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/hash.h"
#include "base/io.h"
#include "base/memo.h"

/* Whether the file at path has the size and hash given. */
static int same_file(const char *path, const struct snapshot_file *f)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    uint8_t *data;
    size_t len;
    int rc = read_all(fd, f->size, &data, &len);
    close(fd);
    if (rc < 0)
        return 0;
    int same = len == f->size && hash_fnv1a(data, len, HASH_FNV1A_SEED) == f->hash;
    free(data);
    return same;
}

int snapshot_load(struct taxonomy *t, const char *path, char *err, size_t errlen)
{
    char dir[PATH_MAX], full[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    const char *folder = dirname(dir);
    for (size_t i = 0; i < snapshot_nfiles; i++) {
        const struct snapshot_file *f = &snapshot_files[i];
        int len = i == 0 ? snprintf(full, sizeof full, "%s", path)
                  : f->relative ? snprintf(full, sizeof full, "%s/%s", folder, f->path)
                  : snprintf(full, sizeof full, "%s", f->path);
        if (len < 0 || (size_t)len >= sizeof full || !same_file(full, f))
            return 0;
    }
    *t = snapshot_taxonomy;
    t->compiled_in = 1;
    if (!(t->symbols = memo_new(TAXONOMY_SYMBOL_MEMO))) {
        memset(t, 0, sizeof *t);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 1;
}
