/* Whether anyone but root and the daemon's own user could change the code
 * at a path: the rules sshd's StrictModes applies to authorized_keys,
 * adapted to a loader of plugins (see safepath.c). */
#ifndef ND_SAFEPATH_H
#define ND_SAFEPATH_H

#include <stddef.h>

/* Check `path`, a plugin file or a folder plugins are loaded from, its
 * folder and every folder above it up to /, after resolving symbolic
 * links. Returns 0 when only root and the effective user could change
 * what would be loaded, else -1 with the reason (naming the path at fault
 * and the command that would put it right) in err. */
int safepath_check(const char *path, char *err, size_t errlen);

#endif
