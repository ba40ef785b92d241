/* Which failures of a sink go away by themselves, for the exporters that
 * write files: the document then waits (ND_RETRY) instead of failing. */
#ifndef ND_EXPORT_TRANSIENT_H
#define ND_EXPORT_TRANSIENT_H

#include <errno.h>

/* Nonzero for an errno value (positive) that space freed, a disk back or
 * a moment's wait cures: a full disk or quota, an I/O error, a read-only
 * remount, running out of memory or file descriptors. */
static inline int export_transient(int e)
{
    return e == ENOSPC || e == EDQUOT || e == EIO || e == EAGAIN ||
           e == EINTR || e == EROFS || e == ENOMEM || e == EMFILE ||
           e == ENFILE;
}

#endif
