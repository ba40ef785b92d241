/* program_find: the executable file a command's first word names. */
#include "program.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

/* What `path` is: 0 an executable regular file, else a negative errno. */
static int probe(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return -errno;
    if (S_ISDIR(st.st_mode))
        return -EISDIR;
    if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0)
        return -EACCES;
    return 0;
}

/* `name` made absolute from the current directory into out. */
static int absolute(const char *name, char *out, size_t outlen)
{
    if (name[0] == '/') {
        if (snprintf(out, outlen, "%s", name) >= (int)outlen)
            return -ENAMETOOLONG;
        return 0;
    }
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return -errno;
    const char *rest = strncmp(name, "./", 2) ? name : name + 2;
    if (snprintf(out, outlen, "%s%s%s", cwd, strcmp(cwd, "/") ? "/" : "",
                 rest) >= (int)outlen)
        return -ENAMETOOLONG;
    return 0;
}

static int find_path(const char *name, char *out, size_t outlen, char *err,
                     size_t errlen)
{
    int rc = absolute(name, out, outlen);
    if (rc == 0)
        rc = probe(out);
    switch (rc) {
    case 0:
        return 0;
    case -ENOENT:
        snprintf(err, errlen, "there is no program %s", out);
        break;
    case -EISDIR:
        snprintf(err, errlen, "%s is a folder, not a program", out);
        break;
    case -EACCES:
        snprintf(err, errlen, "%s is not an executable file (chmod +x %s, or "
                 "name the interpreter first: [python3, %s])", out, name, name);
        break;
    case -ENAMETOOLONG:
        snprintf(err, errlen, "the path of program %s is too long", name);
        break;
    default:
        snprintf(err, errlen, "cannot use program %s: %s", out, strerror(-rc));
    }
    return rc;
}

static int find_in_path(const char *name, const char *path_env, char *out,
                        size_t outlen, char *err, size_t errlen)
{
    const char *dirs = path_env ? path_env : DEFAULT_PATH;
    int worst = -ENOENT;
    char denied[PATH_MAX] = "";
    for (const char *p = dirs; *p;) {
        size_t n = strcspn(p, ":");
        if (n && p[0] == '/') {
            if ((size_t)snprintf(out, outlen, "%.*s/%s", (int)n, p, name) >= outlen) {
                snprintf(err, errlen, "the path of program %s is too long", name);
                return -ENAMETOOLONG;
            }
            int rc = probe(out);
            if (rc == 0)
                return 0;
            /* As execvp: a file that cannot be run does not hide one
             * further along, but it is what is reported. */
            if (rc == -EACCES && worst != -EACCES) {
                worst = rc;
                snprintf(denied, sizeof denied, "%s", out);
            }
        }
        p += n;
        if (*p == ':')
            p++;
    }
    if (worst == -EACCES)
        snprintf(err, errlen, "%s is not an executable file (chmod +x %s)",
                 denied, denied);
    else
        snprintf(err, errlen, "there is no program \"%s\" in the folders of "
                 "PATH (%s); give its full path", name, dirs);
    return worst;
}

int program_find(const char *name, const char *path_env, char *out,
                 size_t outlen, char *err, size_t errlen)
{
    if (!name || !*name) {
        snprintf(err, errlen, "the program's name is empty");
        return -EINVAL;
    }
    if (strchr(name, '/'))
        return find_path(name, out, outlen, err, errlen);
    return find_in_path(name, path_env, out, outlen, err, errlen);
}
