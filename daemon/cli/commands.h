/* The subcommands of the newsdesk executable. Each returns the process
 * exit status: 0 ok, 1 a document failed, 2 usage error, 78 config error. */
#ifndef ND_COMMANDS_H
#define ND_COMMANDS_H

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

/* Print errs to stderr, one per line, prefixed "newsdesk: ". */
struct errlist;
void print_errors(const struct errlist *errs, const char *prefix);

#endif
