/* cmd_collect.c - exoaudit collect: the Office 365 Management Activity API collector. */
#include "cli/common.h"
#include "collect/collector.h"
#include "core/log.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

void xa_help_collect(FILE *out)
{
    fprintf(out,
            "usage: exoaudit collect [--once] [--summary text|json]\n\n"
            "Collects the audit trail of the tenants in the configuration (collect.tenants) from\n"
            "the Office 365 Management Activity API into the archive, exactly once: a blob's\n"
            "records, its ledger entry and the stream cursor commit in one transaction, so a\n"
            "collector killed at any moment loses and repeats nothing. Blobs that cannot be\n"
            "fetched go to the gap ledger and are retried until they expire; an expiry is a\n"
            "health event (search --category collector). See docs/COLLECTOR.md.\n\n"
            "  --once              one complete pass over every tenant, then exit\n"
            "  --summary json      print the pass summary as JSON on stdout\n\n"
            "Without --once it runs until SIGINT/SIGTERM (a pass every collect.poll_seconds).\n"
            "Exit: 0 every tenant completed its pass, 1 a tenant failed (the message says what\n"
            "to do), 2 usage or configuration error.\n");
}

int xa_cmd_collect(struct xa_cli *cli, int argc, char **argv)
{
    bool once = false, json = false;
    static const struct option opts[] = {{"once", no_argument, NULL, 'o'},
                                         {"summary", required_argument, NULL, 's'},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'o': once = true; break;
        case 's':
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "text") != 0) {
                xa_help_collect(stderr);
                return XA_EXIT_USAGE;
            }
            break;
        default: xa_help_collect(stderr); return XA_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        xa_help_collect(stderr);
        return XA_EXIT_USAGE;
    }
    struct xa_diag d;
    xa_diag_clear(&d);
    struct xa_collect_cfg *cfg = NULL;
    xa_rc rc = xa_collect_cfg_load(cli->cfg, &cfg, &d);
    if (rc) {
        xa_cli_error(&d, rc);
        return XA_EXIT_USAGE;
    }
    cfg->once = once;
    struct xa_store st;
    int ec = xa_cli_open_store(cli, false, &st);
    if (ec) {
        xa_collect_cfg_free(cfg);
        return ec;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    xa_log_info("collecting %zu tenant(s)%s", cfg->ntenants, once ? " (one pass)" : "");
    struct xa_collect_summary s;
    xa_diag_clear(&d);
    rc = xa_collect_run(&st, cfg, &stop_flag, &s, &d);
    xa_store_close(&st);
    xa_collect_cfg_free(cfg);
    if (json)
        printf("{\"blobs_fetched\":%llu,\"blobs_failed\":%llu,\"blobs_expired\":%llu,"
               "\"records\":%llu,\"duplicates\":%llu,\"quarantined\":%llu,\"requests\":%llu,"
               "\"throttled\":%llu,\"gaps_open\":%llu,\"tenants_failed\":%d}\n",
               (unsigned long long)s.blobs_fetched, (unsigned long long)s.blobs_failed,
               (unsigned long long)s.blobs_expired, (unsigned long long)s.records,
               (unsigned long long)s.duplicates, (unsigned long long)s.quarantined,
               (unsigned long long)s.requests, (unsigned long long)s.throttled,
               (unsigned long long)s.gaps_open, s.tenants_failed);
    else if (!cli->quiet)
        fprintf(stderr,
                "collect: %llu blobs stored, %llu records new, %llu duplicates, %llu quarantined, "
                "%llu blobs in the gap ledger, %llu expired, %llu requests (%llu throttled)\n",
                (unsigned long long)s.blobs_fetched, (unsigned long long)s.records,
                (unsigned long long)s.duplicates, (unsigned long long)s.quarantined,
                (unsigned long long)s.blobs_failed, (unsigned long long)s.blobs_expired,
                (unsigned long long)s.requests, (unsigned long long)s.throttled);
    if (rc) {
        xa_cli_error(&d, rc);
        return XA_EXIT_FAIL;
    }
    return XA_EXIT_OK;
}
