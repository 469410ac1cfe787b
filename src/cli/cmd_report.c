/* cmd_report.c - exoaudit report NAME: the built-in reports over the archive. */
#include "cli/common.h"
#include "cli/filters.h"
#include "cli/selfaudit.h"
#include "core/xtime.h"
#include "report/report.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void xa_help_report(FILE *out)
{
    fprintf(out, "usage: exoaudit report NAME [FILTERS] [--format text|csv|json|html] [-o FILE]\n\n"
                 "Reports:\n");
    for (const struct xa_report_def *r = xa_reports; r->name; r++)
        fprintf(out, "  %-17s %s\n", r->name, r->summary);
    fprintf(out,
            "\nThe report reads every event that matches the filters, oldest first. Microsoft\n"
            "back-end activity is hidden unless --include-system.\n\n");
    xa_filters_help(out);
    fprintf(out,
            "  --format F              text (default), csv, json, html (one self-contained page)\n"
            "  -o, --output FILE       write the report to FILE instead of stdout\n"
            "  --max-rows N            detail rows per section (default 10000)\n\n"
            "permissions:\n"
            "  --snapshot FILE         exports of Get-MailboxPermission, Get-RecipientPermission,\n"
            "                          Get-Mailbox (JSON or CSV, scripts/export-exo-audit-config.ps1)\n"
            "                          anchoring the state, including grants older than the archive\n"
            "                          (repeatable)\n"
            "  --snapshot-at T         when the snapshot was taken (default: --until or end of data)\n"
            "  --at T                  show who held which permission at T (default: end of period)\n"
            "timeline: needs --actor (one person; repeat for their other account names, e.g.\n"
            "  DOMAIN\\user) or --mailbox (everything done to one mailbox)\n"
            "coverage:\n"
            "  --mailboxes FILE        Get-Mailbox export listing every mailbox that should produce\n"
            "                          audit events (else the mailboxes seen in the archive)\n");
}

#define MAXFILES 32

int xa_cmd_report(struct xa_cli *cli, int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') {
        xa_help_report(stderr);
        return XA_EXIT_USAGE;
    }
    const struct xa_report_def *def = xa_report_find(argv[1]);
    if (!def) {
        fprintf(stderr, "exoaudit report: no such report '%s'\n", argv[1]);
        xa_help_report(stderr);
        return XA_EXIT_USAGE;
    }
    struct xa_report_opts ro;
    xa_report_opts_init(&ro);
    struct xa_filters f;
    xa_filters_init(&f);
    int64_t now = xa_time_now();
    enum xa_rfmt fmt = XA_RFMT_TEXT;
    const char *output = NULL;
    const char *snaps[MAXFILES], *mfiles[MAXFILES];
    size_t nsnaps = 0, nmfiles = 0;
    struct option opts[XA_FILTER_NOPTS + 8] = {
        [XA_FILTER_NOPTS] = {"format", required_argument, NULL, 'f'},
        [XA_FILTER_NOPTS + 1] = {"output", required_argument, NULL, 'o'},
        [XA_FILTER_NOPTS + 2] = {"snapshot", required_argument, NULL, 'n'},
        [XA_FILTER_NOPTS + 3] = {"snapshot-at", required_argument, NULL, 'N'},
        [XA_FILTER_NOPTS + 4] = {"at", required_argument, NULL, 'A'},
        [XA_FILTER_NOPTS + 5] = {"mailboxes", required_argument, NULL, 'M'},
        [XA_FILTER_NOPTS + 6] = {"max-rows", required_argument, NULL, 'X'},
        [XA_FILTER_NOPTS + 7] = {NULL, 0, NULL, 0}};
    xa_filters_options(opts);
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "q:o:", opts, NULL)) != -1) {
        int hr = xa_filters_handle(&f, c, optarg, now, "report");
        if (hr < 0)
            return XA_EXIT_USAGE;
        if (hr > 0)
            continue;
        switch (c) {
        case 'f': {
            int v = xa_rfmt_parse(optarg);
            if (v < 0) {
                fprintf(stderr, "exoaudit report: --format: expected text, csv, json or html\n");
                return XA_EXIT_USAGE;
            }
            fmt = (enum xa_rfmt)v;
            break;
        }
        case 'o': output = optarg; break;
        case 'n':
        case 'M':
            if ((c == 'n' ? nsnaps : nmfiles) == MAXFILES) {
                fprintf(stderr, "exoaudit report: too many files (max %d)\n", MAXFILES);
                return XA_EXIT_USAGE;
            }
            if (c == 'n')
                snaps[nsnaps++] = optarg;
            else
                mfiles[nmfiles++] = optarg;
            break;
        case 'N':
        case 'A': {
            int64_t t;
            if (xa_time_parse_arg(optarg, now, &t)) {
                fprintf(stderr, "exoaudit report: --%s: not a time: '%s'\n",
                        c == 'N' ? "snapshot-at" : "at", optarg);
                return XA_EXIT_USAGE;
            }
            if (c == 'N')
                ro.snapshot_at = t;
            else
                ro.at = t;
            break;
        }
        case 'X': {
            char *end;
            long long v = strtoll(optarg, &end, 10);
            if (*end || end == optarg || v < 1) {
                fprintf(stderr, "exoaudit report: --max-rows: expected a number >= 1\n");
                return XA_EXIT_USAGE;
            }
            ro.max_rows = (size_t)v;
            break;
        }
        default: xa_help_report(stderr); return XA_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "exoaudit report: unexpected argument '%s'\n", argv[optind]);
        return XA_EXIT_USAGE;
    }
    if (xa_filters_check(&f, "report"))
        return XA_EXIT_USAGE;
    if (def->run == xa_report_timeline && !f.a.actors.n && !f.a.mailboxes.n) {
        fprintf(stderr, "exoaudit report timeline: give --actor WHO or --mailbox MBX\n");
        return XA_EXIT_USAGE;
    }
    xa_filters_apply(&f, &ro.q);
    int cats[XA_CAT__COUNT];
    xa_cli_hide_self_audit(&ro.q, cats); /* exoaudit's own events only with --category self_audit */
    ro.snapshots = snaps;
    ro.n_snapshots = nsnaps;
    ro.mailbox_files = mfiles;
    ro.n_mailbox_files = nmfiles;

    struct xa_store st;
    int ec = xa_cli_open_store(cli, true, &st);
    if (ec)
        return ec;
    ro.st = &st;
    struct xa_diag d;
    xa_diag_clear(&d);
    struct xa_rdoc *doc = NULL;
    xa_rc rc = xa_report_build(def, &ro, &doc, &d);
    xa_store_close(&st);
    if (rc) {
        xa_cli_error(&d, rc);
        return xa_cli_exit_code(rc);
    }
    FILE *fp = stdout;
    if (output && strcmp(output, "-") != 0 && !(fp = fopen(output, "w"))) {
        fprintf(stderr, "exoaudit report: cannot write %s\n", output);
        xa_rdoc_free(doc);
        return XA_EXIT_FAIL;
    }
    rc = xa_rdoc_render(doc, fmt, fp, &d);
    if (fp != stdout && fclose(fp) != 0 && !rc)
        rc = xa_diag_set(&d, XA_ERR_IO, "cannot write %s", output);
    xa_rdoc_free(doc);
    if (rc) {
        xa_cli_error(&d, rc);
        return xa_cli_exit_code(rc);
    }
    xa_cli_self_audit_argv(cli, "ExoauditReport", argc, argv); /* after the report, never fatal */
    return XA_EXIT_OK;
}
