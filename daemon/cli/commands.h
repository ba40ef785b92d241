/* The subcommands of the newsdesk executable. Each returns the process
 * exit status: 0 ok, 1 a document failed, 2 usage error, 78 config error. */
#ifndef ND_COMMANDS_H
#define ND_COMMANDS_H

#include <newsdesk/plugin.h>

#include "build_config.h"

#define EXIT_DOC_FAILED 1
#define EXIT_USAGE 2
#define EXIT_CONFIG 78 /* EX_CONFIG */

int cmd_process(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_plugins(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_retry(int argc, char **argv);

/* Lines of a command's --help: -c as every command that reads the
 * configuration takes it (config_find), and -h. */
#define HELP_CONFIG \
    "  -c, --config FILE   the configuration file; else $NEWSDESK_CONFIG, else\n" \
    "                      ./newsdesk.yaml, else\n" \
    "                      " ND_SYSCONFDIR "/newsdesk/newsdesk.yaml, else the\n" \
    "                      built-in defaults\n"
#define HELP_HELP "  -h, --help          print this help and exit\n"

/* Whether `arg` asks for a command's help (-h, --help): its usage goes to
 * stdout, and the command exits 0. */
int is_help(const char *arg);

/* Print errs to stderr, one per line, each after `prefix`. */
struct errlist;
void print_errors(const struct errlist *errs, const char *prefix);

/* Which steps start_chain initialises. */
enum chain_steps {
    STEPS_NO_EXPORTERS, /* readers and extraction only (process) */
    STEPS_ALL,          /* every step (process --export) */
    STEPS_FOR_RUN,      /* every step, or none for a forwarder
                           (stream.role: forward), which runs no step */
};

/* Load the configuration `file` (config_find's answer) and start its
 * chain, as run and process do: warnings are printed, the log level is
 * service.log_level but no more verbose than `loudest`, and `steps` says
 * which steps are initialised. Returns the chain (chain_free it), or
 * NULL after printing why: the command then exits with EXIT_CONFIG. */
struct chain;
struct chain *start_chain(const char *file, enum chain_steps steps,
                          nd_log_level_t loudest);

/* For the commands that only read the configuration (check, retry), after
 * chain_load failed: print the errors and how many there are in `file`,
 * free errs, warns and c, and return EXIT_CONFIG. */
int config_refused(const char *file, struct errlist *errs,
                   struct errlist *warns, struct chain *c);

#endif
