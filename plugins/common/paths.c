/* Creating the folders that exporters and indexes write into. */
#include "paths.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int paths_make_parents(const char *path)
{
    char *p = strdup(path);
    if (!p)
        return -1;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        int rc = mkdir(p, 0755);
        *s = '/';
        if (rc < 0 && errno != EEXIST) {
            int e = errno;
            free(p);
            errno = e;
            return -1;
        }
    }
    free(p);
    return 0;
}

int paths_make_dir(const char *dir)
{
    if (paths_make_parents(dir) < 0)
        return -1;
    return mkdir(dir, 0755) < 0 && errno != EEXIST ? -1 : 0;
}
