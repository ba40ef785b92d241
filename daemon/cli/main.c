/* The newsdesk executable: global options, the subcommand dispatch, and
 * what several commands do alike (commands.h). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "build_config.h"
#include "commands.h"
#include "config.h"
#include "document.h"
#include "log.h"
#include "chain.h"

static const char usage[] =
    "usage: newsdesk COMMAND [OPTIONS]\n"
    "\n"
    "  run     [-c FILE]                   the daemon, in the foreground: watch\n"
    "                                      the inbox and process what arrives\n"
    "  process [-c FILE] [--export] FILE...\n"
    "                                      run the pipeline on files (\"-\" reads\n"
    "                                      stdin) and print JSON Lines; exporters\n"
    "                                      run only with --export\n"
    "  check   [-c FILE]                   check the configuration and plugins,\n"
    "                                      print the resolved pipeline\n"
    "  plugins [-c FILE] [NAME] [--json]   list plugins, or one plugin's options\n"
    "  plugins --reference                 the configuration reference (Markdown)\n"
    "  status  [-c FILE] [--json]          ask the running daemon how it is doing\n"
    "  retry   [-c FILE] NAME... | --all   move failed files back into the inbox\n"
    "                                      (their error records are kept)\n"
    "  retry   [-c FILE] --stream [--list | --all | ENTRY...]\n"
    "                                      list dead letters of the stream, or\n"
    "                                      put them back into it\n"
    "  train   [OPTIONS] -o MODEL INPUT... train a classifier on labelled\n"
    "                                      articles for the model plugin\n"
    "  search  [-c FILE | --db PATH] [--topic T] [--entity [TYPE:]TEXT]\n"
    "          [--lang CODE] [--since DATE] [--until DATE] [--limit N] [--json]\n"
    "          [QUERY...]                  full-text search of the SQLite archive\n"
    "  --version                           print the version and plugin ABI\n"
    "  --help                              print this help\n"
    "\n"
    "newsdesk COMMAND --help prints a command's options.\n"
    "The configuration is -c FILE, else $NEWSDESK_CONFIG, else ./newsdesk.yaml,\n"
    "else " ND_SYSCONFDIR "/newsdesk/newsdesk.yaml, else built-in defaults.\n"
    "Exit status: 0 ok, 1 a document failed, 2 usage error, 78 configuration\n"
    "error.\n";

int is_help(const char *arg)
{
    return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

void print_errors(const struct errlist *errs, const char *prefix)
{
    for (size_t i = 0; i < errs->n; i++)
        fprintf(stderr, "%s%s\n", prefix, errs->msgs[i]);
}

struct chain *start_chain(const char *file, enum chain_steps steps,
                          nd_log_level_t loudest)
{
    struct errlist errs = {0}, warns = {0};
    struct chain *c;
    int rc = chain_load_named(&c, file, &errs, &warns);
    print_errors(&warns, "newsdesk: warning: ");
    if (rc == 0) {
        const struct config *cfg = chain_config(c);
        int forwarder = steps == STEPS_FOR_RUN && cfg->has_stream &&
                        !strcmp(config_str(cfg, "stream", "role"), "forward");
        if (steps == STEPS_NO_EXPORTERS)
            chain_skip_exporters(c);
        nd_log_level_t lv;
        if (log_parse_level(config_str(chain_config(c), "service", "log_level"),
                            &lv) == 0)
            log_set_level(lv < loudest ? lv : loudest);
        if (!forwarder)
            rc = chain_start(c, &errs);
    }
    if (rc < 0)
        print_errors(&errs, "newsdesk: ");
    errs_free(&errs);
    errs_free(&warns);
    if (rc < 0) {
        chain_free(c);
        return NULL;
    }
    return c;
}

int config_refused(const char *file, struct errlist *errs,
                   struct errlist *warns, struct chain *c)
{
    print_errors(errs, "");
    fprintf(stderr, "%zu error%s in %s\n", errs->n, errs->n == 1 ? "" : "s",
            file ? file : "the built-in configuration");
    errs_free(errs);
    errs_free(warns);
    chain_free(c);
    return EXIT_CONFIG;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    log_init();
    doc_library_init();
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("newsdesk %s (plugin ABI %d.%d)\n", ND_VERSION, ND_ABI_MAJOR,
               ND_ABI_MINOR);
        return 0;
    }
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "process"))
        return cmd_process(argc - 1, argv + 1);
    if (!strcmp(cmd, "check"))
        return cmd_check(argc - 1, argv + 1);
    if (!strcmp(cmd, "plugins"))
        return cmd_plugins(argc - 1, argv + 1);
    if (!strcmp(cmd, "train"))
        return cmd_train(argc - 1, argv + 1);
    if (!strcmp(cmd, "status"))
        return cmd_status(argc - 1, argv + 1);
    if (!strcmp(cmd, "search"))
        return cmd_search(argc - 1, argv + 1);
    if (!strcmp(cmd, "retry"))
        return cmd_retry(argc - 1, argv + 1);
    fprintf(stderr, "newsdesk: unknown command \"%s\"\n\n%s", cmd, usage);
    return EXIT_USAGE;
}
