/* What a relative path in a configuration means, said in messages and by
 * `newsdesk check`. Every relative path (inbox.path, inbox.state,
 * service.plugin_path, the plugins' path options) is taken from the
 * current directory of the newsdesk process, in every command and on
 * reload; the systemd unit sets that directory with WorkingDirectory=.
 * The paths themselves are used as written: these helpers only say where
 * they lead. */
#ifndef ND_PATHS_H
#define ND_PATHS_H

#include <stddef.h>

#include "options.h"

int path_is_relative(const char *path);

/* The absolute path that `path` names from the current directory, written
 * into buf: `path` itself when absolute; else the current directory, then
 * `path` without "." components and repeated slashes, each leading ".."
 * taking the last component off the directory (later ones are kept: they
 * may follow a symbolic link). Returns buf, or NULL when the current
 * directory cannot be read or buf is too short. */
const char *path_absolute(const char *path, char *buf, size_t len);

/* Why a relative path leads where it does: "relative paths in FILE are
 * taken from the current directory, DIR" (without "in FILE" for the
 * built-in defaults, file NULL). Writes into buf and returns it. */
const char *path_rule(const char *config_file, char *buf, size_t len);

/* `path` for a log line: as written when absolute, "PATH (ABSOLUTE)" when
 * relative. Writes into buf and returns it. */
const char *path_shown(const char *path, char *buf, size_t len);

/* `path` for a message about it: as written when absolute, "PATH
 * (ABSOLUTE; RULE)" when relative. Writes into buf and returns it. */
const char *path_explained(const char *path, const char *config_file,
                           char *buf, size_t len);

/* Does option i of `o` hold a path (an ND_OPT_PATH option) or a list of
 * them (the core's service.plugin_path)? */
int opt_is_path(const nd_opts_t *o, size_t i);

/* Has `o` a path option set to a relative path? */
int opts_have_relative_path(const nd_opts_t *o);

/* For a message about something that failed to start with the options
 * `o`: " (PREFIXNAME PATH is ABSOLUTE, ...; RULE)" for its relative path
 * options, or "" when none is relative. `prefix` goes before each option
 * name ("inbox.", or "" for a plugin's). Writes into buf and returns it. */
const char *paths_note(const nd_opts_t *o, const char *prefix,
                       const char *config_file, char *buf, size_t len);

#endif
