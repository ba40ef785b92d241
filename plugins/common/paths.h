/* Creating the folders that exporters and indexes write into. Compiled
 * into the plugins that need it (see plugin_paths_src in
 * plugins/meson.build). */
#ifndef ND_COMMON_PATHS_H
#define ND_COMMON_PATHS_H

/* Create the folders above `path` (not `path` itself), mode 0755 for new
 * ones. Returns 0, or -1 with errno set. */
int paths_make_parents(const char *path);

/* Create the folder `dir` and the folders above it. Returns 0, or -1 with
 * errno set. */
int paths_make_dir(const char *dir);

#endif
