/* The plugin loader: finds plugin shared objects, checks them (ABI, entry
 * symbol, descriptor, option table, file permissions, unique names) and
 * keeps them loaded for the life of the registry. */
#include "loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/grow.h"
#include "build_config.h"
#include "options.h"
#include "paths.h"
#include "safepath.h"

void registry_init(struct registry *r, const nd_host_api_t *api)
{
    memset(r, 0, sizeof *r);
    r->api = api;
}

void registry_free(struct registry *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->plugins[i].path);
        /* Plugins are not unloaded: a plugin may have started threads or
         * registered atexit handlers that outlive fini. */
    }
    for (size_t i = 0; i < r->nerrors; i++) {
        free(r->errors[i].path);
        free(r->errors[i].name);
        free(r->errors[i].reason);
    }
    for (size_t i = 0; i < r->ndirs; i++)
        free(r->dirs[i]);
    free(r->dirs);
    free(r->plugins);
    free(r->errors);
    memset(r, 0, sizeof *r);
}

static char *stem_of(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char *s = strdup(base);
    char *dot = s ? strrchr(s, '.') : NULL;
    if (dot)
        *dot = '\0';
    return s;
}

static void record(struct registry *r, const char *path, const char *name,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void record(struct registry *r, const char *path, const char *name,
                   const char *fmt, ...)
{
    struct load_error *g = array_grow(r->errors, &r->errors_cap,
                                      r->nerrors + 1, sizeof *g, 8);
    if (!g)
        return;
    r->errors = g;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    struct load_error *e = &r->errors[r->nerrors++];
    e->path = strdup(path);
    e->name = name ? strdup(name) : stem_of(path);
    e->reason = strdup(buf);
}

/* Refuse code that another user could have replaced (safepath.c). */
static int check_trusted(struct registry *r, const char *path, const char *real)
{
    struct stat st;
    if (stat(real, &st) < 0) {
        record(r, real, NULL, "cannot read it: %s", strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        record(r, real, NULL, "not a regular file");
        return -1;
    }
    char why[1024];
    if (safepath_check(path, why, sizeof why) < 0) {
        record(r, real, NULL, "%s; refusing to load it", why);
        return -1;
    }
    return 0;
}

static int valid_name(const char *s)
{
    if (!s || !*s || strlen(s) > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* registry_load_file, or the refusal of a file whose folder was refused
 * already (`refusal`, the reason). */
static int load_file(struct registry *r, const char *path, const char *refusal)
{
    char real[PATH_MAX];
    if (!realpath(path, real))
        snprintf(real, sizeof real, "%s", path);
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->plugins[i].path, real))
            return 1; /* the same file, reached twice */
    for (size_t i = 0; i < r->nerrors; i++)
        if (!strcmp(r->errors[i].path, real))
            return -1; /* refused already, and said why */
    if (refusal) {
        record(r, real, NULL, "%s; refusing to load it", refusal);
        return -1;
    }
    if (check_trusted(r, path, real) < 0)
        return -1;

    void *h = dlopen(real, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        record(r, real, NULL, "cannot load it: %s", dlerror());
        return -1;
    }
    nd_plugin_entry_fn entry;
    *(void **)&entry = dlsym(h, ND_PLUGIN_ENTRY_NAME);
    if (!entry) {
        /* Say which ABI it was built for, if it names one. */
        for (int major = 0; major < 100; major++) {
            char sym[64];
            snprintf(sym, sizeof sym, "nd_plugin_entry_v%d", major);
            if (major != ND_ABI_MAJOR && dlsym(h, sym)) {
                record(r, real, NULL,
                       "built for plugin ABI %d, but this newsdesk speaks "
                       "ABI %d (rebuild it against this SDK)", major,
                       ND_ABI_MAJOR);
                dlclose(h);
                return -1;
            }
        }
        record(r, real, NULL,
               "not a newsdesk plugin: it has no %s symbol (define it with "
               "ND_PLUGIN())", ND_PLUGIN_ENTRY_NAME);
        dlclose(h);
        return -1;
    }
    const nd_plugin_t *d = entry(r->api);
    if (!d) {
        record(r, real, NULL, "its %s returned no descriptor",
               ND_PLUGIN_ENTRY_NAME);
        dlclose(h);
        return -1;
    }
    if (d->abi_major != ND_ABI_MAJOR) {
        record(r, real, NULL,
               "its descriptor says plugin ABI %u.%u, but this newsdesk "
               "speaks ABI %d.%d", d->abi_major, d->abi_minor, ND_ABI_MAJOR,
               ND_ABI_MINOR);
        dlclose(h);
        return -1;
    }
    size_t minimal = offsetof(nd_plugin_t, process) + sizeof d->process;
    if (d->struct_size < minimal) {
        record(r, real, NULL,
               "its descriptor is %u bytes, too small to hold process()",
               d->struct_size);
        dlclose(h);
        return -1;
    }
    struct plugin p = {0};
    memcpy(&p.desc, d,
           d->struct_size < sizeof p.desc ? d->struct_size : sizeof p.desc);

    char err[512];
    const char *claimed = valid_name(p.desc.name) ? p.desc.name : NULL;
    if (!claimed) {
        record(r, real, NULL,
               "its name \"%s\" is not valid (1 to 64 of a-z, 0-9, _ and -)",
               p.desc.name ? p.desc.name : "");
    } else if (p.desc.role < ND_ROLE_READER || p.desc.role > ND_ROLE_EXPORTER) {
        record(r, real, claimed, "its role %d is not a known one",
               (int)p.desc.role);
    } else if (!p.desc.process) {
        record(r, real, claimed, "it has no process function");
    } else if (p.desc.options &&
               opts_check_table(p.desc.options, err, sizeof err) < 0) {
        record(r, real, claimed, "its option table is wrong: %s", err);
    } else if (registry_find(r, claimed)) {
        record(r, real, claimed,
               "a plugin named \"%s\" is already loaded from %s", claimed,
               registry_find(r, claimed)->path);
    } else {
        struct plugin *np = array_grow(r->plugins, &r->cap, r->n + 1,
                                       sizeof *np, 16);
        if (!np) {
            record(r, real, claimed, "out of memory");
            dlclose(h);
            return -1;
        }
        r->plugins = np;
        p.path = strdup(real);
        p.handle = h;
        r->plugins[r->n++] = p;
        return 0;
    }
    dlclose(h);
    return -1;
}

int registry_load_file(struct registry *r, const char *path)
{
    return load_file(r, path, NULL);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether others could change folder `dir`: then each of its plugins is
 * refused, by name, so that a configuration using one says why it is
 * missing. The reason (in why) names the folder by its absolute path: "."
 * in a world-writable /tmp says nothing of which folder that was. */
static int dir_refused(const char *dir, char *why, size_t whylen)
{
    if (safepath_check(dir, why, whylen) == 0)
        return 0;
    if (path_is_relative(dir)) {
        size_t o = strlen(why);
        snprintf(why + o, whylen - o, " (\"%s\" is %s)", dir,
                 !strcmp(dir, ".") || !strcmp(dir, "./")
                     ? "the current directory"
                     : "taken from the current directory");
    }
    return 1;
}

size_t registry_load_dir(struct registry *r, const char *dir)
{
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
        return 0;
    char why[1024];
    int refused = dir_refused(dir, why, sizeof why);
    DIR *dp = opendir(dir);
    if (!dp)
        return 0;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(dp))) {
        size_t len = strlen(e->d_name);
        /* Plugins are named <name>.so; lib*.so are libraries that
         * plugins link (the build tree holds them beside the plugins). */
        if (len < 4 || strcmp(e->d_name + len - 3, ".so") ||
            e->d_name[0] == '.' || !strncmp(e->d_name, "lib", 3))
            continue;
        char **nn = array_grow(names, &cap, n + 1, sizeof *nn, 32);
        if (!nn)
            break;
        names = nn;
        names[n++] = strdup(e->d_name);
    }
    closedir(dp);
    /* A fixed order makes "already loaded from" reproducible. A folder
     * may hold no plugins at all. */
    if (n)
        qsort(names, n, sizeof *names, by_name);
    char abs[PATH_MAX];
    if (refused && !n)
        record(r, path_absolute(dir, abs, sizeof abs) ? abs : dir, "",
               "%s; refusing to load plugins from it", why);
    size_t loaded = 0;
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        loaded += load_file(r, path, refused ? why : NULL) == 0;
        free(names[i]);
    }
    free(names);
    return loaded;
}

void registry_on_demand(struct registry *r) { r->on_demand = 1; }

void registry_add_dir(struct registry *r, const char *dir)
{
    char **grown = r->on_demand ? array_grow(r->dirs, &r->dirs_cap,
                                             r->ndirs + 1, sizeof *grown, 8)
                                : NULL;
    char *copy = grown ? strdup(dir) : NULL;
    if (!copy) { /* not on demand, or out of memory: load it now */
        registry_load_dir(r, dir);
        return;
    }
    r->dirs = grown;
    r->dirs[r->ndirs++] = copy;
}

void registry_load_all(struct registry *r)
{
    if (!r->on_demand || r->all_loaded)
        return;
    r->all_loaded = 1;
    for (size_t i = 0; i < r->ndirs; i++)
        registry_load_dir(r, r->dirs[i]);
}

/* Open <dir>/<name>.so in every folder that has one, in folder order, as
 * registry_load_dir would have met them: a second file of that name is
 * refused as a twin there too. */
static void load_by_file_name(struct registry *r, const char *name)
{
    for (size_t i = 0; i < r->ndirs; i++) {
        char path[PATH_MAX];
        struct stat st;
        if ((size_t)snprintf(path, sizeof path, "%s/%s.so", r->dirs[i],
                             name) >= sizeof path ||
            stat(path, &st) < 0)
            continue;
        char why[1024];
        int refused = dir_refused(r->dirs[i], why, sizeof why);
        load_file(r, path, refused ? why : NULL);
    }
}

void registry_want(struct registry *r, const char *name)
{
    if (!r->on_demand || r->all_loaded)
        return;
    /* lib*.so are libraries, never plugins (registry_load_dir). */
    if (valid_name(name) && strncmp(name, "lib", 3))
        load_by_file_name(r, name);
    /* A plugin whose file is named otherwise, or a name nothing answers
     * to: only every plugin tells, and an error lists them all. */
    if (!registry_find(r, name) && !registry_error_for(r, name))
        registry_load_all(r);
}

size_t registry_count(const struct registry *r) { return r->n; }
size_t registry_nerrors(const struct registry *r) { return r->nerrors; }

const struct plugin *registry_plugin(const struct registry *r, size_t i)
{
    return i < r->n ? &r->plugins[i] : NULL;
}

const struct load_error *registry_error(const struct registry *r, size_t i)
{
    return i < r->nerrors ? &r->errors[i] : NULL;
}

const struct plugin *registry_find(const struct registry *r, const char *name)
{
    for (size_t i = 0; name && i < r->n; i++)
        if (!strcmp(r->plugins[i].desc.name, name))
            return &r->plugins[i];
    return NULL;
}

const struct load_error *registry_error_for(const struct registry *r,
                                            const char *name)
{
    for (size_t i = 0; name && i < r->nerrors; i++)
        if (r->errors[i].name && !strcmp(r->errors[i].name, name))
            return &r->errors[i];
    return NULL;
}

const char *registry_names(const struct registry *r, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r->n; i++)
        o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s",
                              i ? ", " : "", r->plugins[i].desc.name);
    return buf;
}

int running_from_build_tree(void)
{
    char self[PATH_MAX], built[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return 0;
    self[n] = '\0';
    return realpath(ND_BUILD_EXE, built) && !strcmp(built, self);
}

void registry_builtin_dirs(void (*fn)(const char *dir, void *ctx), void *ctx)
{
    if (running_from_build_tree()) {
        /* Running from the build tree: each plugin is in its own
         * folder under build/plugins. */
        DIR *dp = opendir(ND_BUILD_PLUGIN_DIR);
        struct dirent *e;
        char **dirs = NULL;
        size_t nd = 0;
        while (dp && (e = readdir(dp))) {
            if (e->d_name[0] == '.')
                continue;
            char **grown = realloc(dirs, (nd + 1) * sizeof *dirs);
            if (!grown)
                break;
            dirs = grown;
            size_t len = strlen(ND_BUILD_PLUGIN_DIR) + strlen(e->d_name) + 2;
            dirs[nd] = malloc(len);
            snprintf(dirs[nd++], len, "%s/%s", ND_BUILD_PLUGIN_DIR, e->d_name);
        }
        if (dp)
            closedir(dp);
        qsort(dirs, nd, sizeof *dirs, by_name);
        for (size_t i = 0; i < nd; i++) {
            fn(dirs[i], ctx);
            free(dirs[i]);
        }
        free(dirs);
        return;
    }
    fn(ND_PLUGIN_DIR, ctx);
}

const char *plugin_role_name(nd_role_t r)
{
    switch (r) {
    case ND_ROLE_READER: return "reader";
    case ND_ROLE_PROCESSOR: return "processor";
    case ND_ROLE_EXPORTER: return "exporter";
    }
    return "?";
}
