/* safepath.c: the loader's StrictModes.
 *
 * OpenSSH's safe_path() (misc.c) accepts ~/.ssh/authorized_keys only when
 * the file and every directory above it belong to root or to the user and
 * nobody else can write them (no group or other write bit at all). A
 * plugin is code the daemon runs, so the same question applies, with these
 * adaptations:
 *
 * - The trusted owners are root and the effective user: the daemon runs
 *   as root or as its own `newsdesk` user, and either can already change
 *   what it owns.
 * - A group write bit is harmless when the group is root's (gid 0) or the
 *   owner's own primary group; the members of any other group could write.
 * - A directory above the plugin directory may be writable by others when
 *   it is sticky, as /tmp is: the sticky bit leaves renaming or removing
 *   an entry to the entry's owner, the directory's owner and root, and
 *   every entry on the way down is itself required to belong to root or
 *   to the effective user. (sshd refuses such directories; a daemon whose
 *   tests and scratch installs live under /tmp need not.) The directory
 *   the plugins are loaded from gets no such allowance: sticky or not,
 *   whoever can write it can add a plugin.
 *
 * Symbolic links are resolved first (realpath), so the directories checked
 * are those the file really is in; a message names the link on the way,
 * since the directory at fault may not appear in the path as configured. */
#include "safepath.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum role {
    PLUGIN_FILE,   /* the shared object */
    PLUGIN_FOLDER, /* the directory it is in */
    ABOVE          /* a directory above that one, up to / */
};

static int trusted_owner(uid_t uid)
{
    return uid == 0 || uid == geteuid();
}

static int trusted_group(const struct stat *st)
{
    if (st->st_gid == 0)
        return 1;
    struct passwd pw, *found = NULL;
    char buf[4096];
    return getpwuid_r(st->st_uid, &pw, buf, sizeof buf, &found) == 0 && found &&
           pw.pw_gid == st->st_gid;
}

static const char *user_name(uid_t uid, char *out, size_t len)
{
    struct passwd pw, *found = NULL;
    char buf[4096];
    if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found)
        snprintf(out, len, "user %s (uid %u)", pw.pw_name, (unsigned)uid);
    else
        snprintf(out, len, "uid %u", (unsigned)uid);
    return out;
}

static const char *group_name(gid_t gid, char *out, size_t len)
{
    struct group gr, *found = NULL;
    char buf[4096];
    if (getgrgid_r(gid, &gr, buf, sizeof buf, &found) == 0 && found)
        snprintf(out, len, "group %s (gid %u)", gr.gr_name, (unsigned)gid);
    else
        snprintf(out, len, "gid %u", (unsigned)gid);
    return out;
}

/* One step of the walk: `path` with its stat, in the given role; `below`
 * is the entry in it on the way to the plugin (ABOVE only). */
static int check_one(const char *path, const struct stat *st, enum role role,
                     const char *below, char *err, size_t errlen)
{
    static const char *const what[] = {"the plugin file",
                                       "the plugin directory", "the directory"};
    char stake[PATH_MAX + 16];
    if (role == PLUGIN_FILE)
        snprintf(stake, sizeof stake, "change it");
    else if (role == PLUGIN_FOLDER)
        snprintf(stake, sizeof stake, "add a plugin to it");
    else
        snprintf(stake, sizeof stake, "replace %s", below);
    unsigned mode = (unsigned)(st->st_mode & 07777);
    char name[256];

    if (!trusted_owner(st->st_uid)) {
        struct passwd pw, *found = NULL;
        char buf[4096], self[64];
        if (getpwuid_r(geteuid(), &pw, buf, sizeof buf, &found) == 0 && found)
            snprintf(self, sizeof self, "%s", pw.pw_name);
        else
            snprintf(self, sizeof self, "uid %u", (unsigned)geteuid());
        snprintf(err, errlen,
                 "%s %s belongs to %s, who could %s: newsdesk trusts only "
                 "root and the user it runs as (%s) (chown root %s)",
                 what[role], path, user_name(st->st_uid, name, sizeof name),
                 stake, self, path);
        return -1;
    }
    int sticky_above = role == ABOVE && (st->st_mode & S_ISVTX);
    if ((st->st_mode & S_IWOTH) && !sticky_above) {
        snprintf(err, errlen,
                 "%s %s is writable by others%s (mode %04o), so anyone could "
                 "%s (chmod o-w %s%s%s)",
                 what[role], path, role == ABOVE ? " and not sticky" : "", mode,
                 stake, path, role == ABOVE ? ", or chmod +t " : "",
                 role == ABOVE ? path : "");
        return -1;
    }
    if ((st->st_mode & S_IWGRP) && !trusted_group(st) && !sticky_above) {
        snprintf(err, errlen,
                 "%s %s is writable by %s%s (mode %04o), neither root's group "
                 "nor its owner's, so that group's members could %s (chmod "
                 "g-w %s)",
                 what[role], path, group_name(st->st_gid, name, sizeof name),
                 role == ABOVE ? " and not sticky" : "", mode, stake, path);
        return -1;
    }
    return 0;
}

/* The first symbolic link on the way to `path`, as "; LINK is a symbolic
 * link to TARGET" in out, or "" when there is none. */
static void first_link(const char *path, char *out, size_t len)
{
    char abs[PATH_MAX];
    out[0] = '\0';
    if (path[0] == '/')
        snprintf(abs, sizeof abs, "%s", path);
    else if (getcwd(abs, sizeof abs))
        snprintf(abs + strlen(abs), sizeof abs - strlen(abs), "/%s", path);
    else
        return;
    for (char *p = abs + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        struct stat st;
        char target[PATH_MAX];
        if (lstat(abs, &st) == 0 && S_ISLNK(st.st_mode) &&
            realpath(abs, target)) {
            snprintf(out, len, "; %s is a symbolic link to %s", abs, target);
            return;
        }
        *p = c;
        if (!c)
            return;
    }
}

int safepath_check(const char *path, char *err, size_t errlen)
{
    char real[PATH_MAX];
    struct stat st;
    if (!realpath(path, real) || stat(real, &st) < 0) {
        snprintf(err, errlen, "cannot read it: %s", strerror(errno));
        return -1;
    }
    enum role role;
    if (S_ISREG(st.st_mode)) {
        role = PLUGIN_FILE;
    } else if (S_ISDIR(st.st_mode)) {
        role = PLUGIN_FOLDER;
    } else {
        snprintf(err, errlen, "not a regular file");
        return -1;
    }
    int rc = check_one(real, &st, role, NULL, err, errlen);
    char dir[PATH_MAX], below[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", real);
    while (rc == 0 && strcmp(dir, "/")) {
        snprintf(below, sizeof below, "%s", dir);
        char *slash = strrchr(dir, '/');
        if (slash == dir)
            slash[1] = '\0'; /* "/a" -> "/" */
        else
            *slash = '\0';
        if (stat(dir, &st) < 0) {
            snprintf(err, errlen, "cannot read %s: %s", dir, strerror(errno));
            rc = -1;
            break;
        }
        role = role == PLUGIN_FILE ? PLUGIN_FOLDER : ABOVE;
        rc = check_one(dir, &st, role, below, err, errlen);
    }
    if (rc < 0) {
        char link[2 * PATH_MAX + 40];
        first_link(path, link, sizeof link);
        size_t used = strlen(err);
        if (*link && used + 1 < errlen)
            snprintf(err + used, errlen - used, "%s", link);
    }
    return rc;
}
