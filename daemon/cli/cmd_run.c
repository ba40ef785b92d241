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

int cmd_run(int argc, char **argv)
{
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) &&
            i + 1 < argc) {
            config = argv[++i];
        } else {
            fprintf(stderr, "usage: newsdesk run [-c FILE]\n");
            return EXIT_USAGE;
        }
    }
    struct errlist errs = {0}, warns = {0};
    struct chain *chain;
    struct daemon_settings set = {0};
    const char *file = config_find(config);
    int rc = chain_load(&chain, file, &errs, &warns);
    print_errors(&warns, "newsdesk: warning: ");
    if (rc == 0) {
        nd_log_level_t lv;
        if (log_parse_level(config_str(chain_config(chain), "service",
                                       "log_level"), &lv) == 0)
            log_set_level(lv);
        if (settings_from_config(&set, chain_config(chain)) < 0) {
            errs_add(&errs, "out of memory");
            rc = -1;
        }
    }
    if (rc == 0)
        rc = chain_start(chain, &errs);
    if (rc < 0) {
        print_errors(&errs, "newsdesk: ");
        errs_free(&errs);
        errs_free(&warns);
        settings_free(&set);
        chain_free(chain);
        return EXIT_CONFIG;
    }
    errs_free(&errs);
    errs_free(&warns);
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
