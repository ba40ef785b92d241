/* The plugin loader: finds plugin shared objects, checks them (ABI, entry
 * symbol, descriptor, option table, file permissions, unique names) and
 * keeps them loaded for the life of the registry. */
#ifndef ND_LOADER_H
#define ND_LOADER_H

#include <newsdesk/plugin.h>
#include <stddef.h>

struct plugin {
    char *path;
    void *handle;
    nd_plugin_t desc; /* copied: min(struct_size, sizeof) into zeros */
};

struct load_error {
    char *path;
    char *name;   /* the plugin name it claimed, or its file's stem */
    char *reason;
};

struct registry {
    const nd_host_api_t *api; /* handed to every plugin's entry point */
    struct plugin *plugins;
    size_t n, cap;
    struct load_error *errors;
    size_t nerrors, errors_cap;
    int on_demand;  /* folders are remembered, plugins opened by name */
    int all_loaded; /* on demand: every folder has been loaded since */
    char **dirs;    /* on demand: the folders, in search order */
    size_t ndirs, dirs_cap;
};

/* An empty registry whose plugins will be given `api` (borrowed: it must
 * outlive the registry). The loader knows nothing of what the table does:
 * the chain provides it. */
void registry_init(struct registry *r, const nd_host_api_t *api);
void registry_free(struct registry *r);

/* Load every *.so in dir (not recursing). A directory that does not exist
 * is not an error. One that someone other than root and the effective user
 * could change, or that is below such a directory (safepath.h), refuses
 * each of its plugins, or itself when it has none. Problems are recorded
 * in r->errors and loading goes on. Returns the number loaded. */
size_t registry_load_dir(struct registry *r, const char *dir);

/* Load one file, after the same checks of it and the directories above
 * it. Returns 0, 1 when that file is loaded already, or -1 after recording
 * the reason (once per file). */
int registry_load_file(struct registry *r, const char *path);

/* Plugin folders, in search order. By default each is loaded as it is
 * added (registry_load_dir), so that every plugin is known and checked,
 * as `newsdesk check` and `newsdesk plugins` need. After
 * registry_on_demand, a folder is only remembered, and registry_want opens
 * the plugins a configuration names: starting a chain then costs the
 * plugins it runs, not every plugin installed (libcurl, libpq...). Out
 * of memory, a folder is loaded at once. */
void registry_on_demand(struct registry *r);
void registry_add_dir(struct registry *r, const char *dir);

/* On demand: make the plugin called `name` known, if a folder has it. A
 * plugin file is <name>.so, so that file is opened in each folder that
 * holds one (a second is refused as a twin, as in registry_load_dir).
 * When that finds neither the plugin nor a refusal of it, every folder is
 * loaded (registry_load_all), for a plugin whose file is named otherwise
 * and for an error that lists every plugin there is. Does nothing unless
 * on demand; afterwards registry_find and registry_error_for answer. */
void registry_want(struct registry *r, const char *name);

/* On demand: load every remembered folder now (once). */
void registry_load_all(struct registry *r);

/* The plugins loaded, and the files refused with why, by index (in the
 * order they were met). Borrowed until registry_free. */
size_t registry_count(const struct registry *r);
const struct plugin *registry_plugin(const struct registry *r, size_t i);
size_t registry_nerrors(const struct registry *r);
const struct load_error *registry_error(const struct registry *r, size_t i);

/* The plugin named `name`, or NULL. */
const struct plugin *registry_find(const struct registry *r, const char *name);

/* The load error recorded for a plugin called `name`, or NULL. */
const struct load_error *registry_error_for(const struct registry *r,
                                            const char *name);

/* Whether this process is the newsdesk binary of its own build tree (which
 * then uses the build tree's plugins and the source tree's taxonomy). */
int running_from_build_tree(void);

/* The directories the built-in plugins are in: the build tree's plugin
 * folders when this binary runs from its build tree, else the installed
 * libdir/newsdesk/plugins. Calls fn for each. */
void registry_builtin_dirs(void (*fn)(const char *dir, void *ctx), void *ctx);

/* "reader", "processor" or "exporter". */
const char *plugin_role_name(nd_role_t r);

/* Comma-separated names of all loaded plugins (into buf). */
const char *registry_names(const struct registry *r, char *buf, size_t len);

#endif
