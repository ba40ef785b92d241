/* `newsdesk run`: the daemon, in the foreground. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "commands.h"
#include "chain.h"
#include "daemon.h"
#include "log.h"
#include "service.h"

static const char usage[] =
    "usage: newsdesk run [-c FILE]\n"
    "\n"
    "Run the daemon in the foreground (what systemd runs): watch the inbox,\n"
    "process every file that arrives, serve /metrics, /health and /status on\n"
    "service.http. SIGHUP reloads the configuration; SIGTERM or SIGINT stops\n"
    "claiming, finishes or returns the files in flight, and exits.\n"
    "\n"
    HELP_CONFIG
    HELP_HELP
    "\n"
    "Exit status: 0 stopped, 2 usage error, 78 configuration error.\n";

int cmd_run(int argc, char **argv)
{
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(usage, stdout);
            return 0;
        }
        if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) &&
            i + 1 < argc) {
            config = argv[++i];
        } else {
            fputs(usage, stderr);
            return EXIT_USAGE;
        }
    }
    const char *file = config_find(config);
    struct chain *chain = start_chain(file, STEPS_FOR_RUN, ND_LOG_DEBUG);
    struct daemon_settings set = {0};
    if (chain && settings_from_config(&set, chain_config(chain)) < 0) {
        fprintf(stderr, "newsdesk: out of memory\n");
        chain_free(chain);
        chain = NULL;
    }
    if (!chain)
        return EXIT_CONFIG;
    log_info("newsdesk starting with %s", file ? file : "the built-in defaults");

    uv_loop_t loop;
    uv_loop_init(&loop);
    struct daemon dm;
    struct service sv;
    char err[2048];
    int status = 0;
    if (service_init(&sv, &loop, file, chain, err, sizeof err) < 0) {
        log_error("cannot start: %s", err);
        settings_free(&set);
        status = EXIT_CONFIG;
    } else if (daemon_start(&dm, &loop, chain, &set, err, sizeof err) < 0) {
        log_error("cannot start: %s", err);
        status = EXIT_CONFIG;
    } else {
        /* Folders checked, watch added: now systemd may call it started. */
        service_ready(&sv, &dm);
        uv_run(&loop, UV_RUN_DEFAULT);
        if (dm.abandoned) {
            /* stop_timeout: worker threads are still in steps of the
             * chain, so nothing they use may be freed, nor may they be
             * joined. Their files are back in the inbox. */
            service_close(&sv);
            _exit(0);
        }
        /* A reload may have replaced the chain this function loaded. */
        chain = dm.chain;
    }
    service_close(&sv);
    /* Handles from a failed start, and the service's, are closed by this
     * last run. */
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    chain_free(chain);
    /* Join the worker threads now, so that what libraries keep per
     * thread (OpenSSL's digest state) is released before exit. */
    uv_library_shutdown();
    return status;
}
