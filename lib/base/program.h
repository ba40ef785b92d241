/* Finding the program a command names, as the shell would: a name without
 * a slash in the folders of PATH, a name with one as a path. Used by the
 * host to check a configuration (ND_OPT_PROGRAM) and by the exec plugin
 * to start what that configuration names, so that both agree. */
#ifndef ND_BASE_PROGRAM_H
#define ND_BASE_PROGRAM_H

#include <stddef.h>

/* Find the executable regular file `name` names. A name with a slash is a
 * path, relative ones from the current directory; a name without one is
 * looked up in the folders of `path_env` (a PATH value; NULL means
 * "/usr/local/bin:/usr/bin:/bin"), first match wins, empty and relative
 * folders skipped. On success writes the absolute path into out and
 * returns 0. Otherwise returns -ENOENT (no such file, or no folder of
 * PATH holds it), -EACCES (found but not executable, or a folder on the
 * way cannot be searched), -EISDIR (found a folder), -EINVAL (an empty
 * name) or -ENAMETOOLONG, with a sentence in err that names the program
 * and says what would be right. */
int program_find(const char *name, const char *path_env, char *out,
                 size_t outlen, char *err, size_t errlen);

#endif
