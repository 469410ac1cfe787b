/* cmd_posture.c - exoaudit posture FILE...: audit-configuration findings from exported
 * settings, and a remediation script for the administrator to review and run. */
#include "cli/common.h"
#include "core/xtime.h"
#include "report/posture.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void xa_help_posture(FILE *out)
{
    fprintf(out,
            "usage: exoaudit posture FILE... [--format text|csv|json|html] [-o FILE]\n"
            "                        [--remediation FILE] [--as-of T] [--recent-days N]\n\n"
            "Reads exports of Get-AdminAuditLogConfig, Get-OrganizationConfig, Get-Mailbox\n"
            "(audit properties) and Get-MailboxAuditBypassAssociation, written by ConvertTo-Json\n"
            "or Export-Csv (scripts/export-exo-audit-config.ps1 writes them all), and reports\n"
            "audit settings that lose evidence: admin audit logging off or scoped down, age\n"
            "limits below 365 days, organisation-wide AuditDisabled, mailboxes with auditing off\n"
            "or actions missing per logon type, audit bypass associations, recently created\n"
            "mailboxes without auditing.\n\n"
            "  --format F           text (default), csv, json, html\n"
            "  -o, --output FILE    write the findings to FILE\n"
            "  --remediation FILE   write a PowerShell script with one command per finding\n"
            "                       ('-' = stdout); review it before running it\n"
            "  --as-of T            reference time for 'recently created' (default: the newest\n"
            "                       WhenCreated in the exports)\n"
            "  --recent-days N      what counts as recently created (default 30)\n"
            "  --min-age-days N     shortest acceptable audit age limit (default 365)\n\n"
            "Exit code 0 when the files were read (whatever the findings).\n");
}

#define MAXFILES 64

int xa_cmd_posture(struct xa_cli *cli, int argc, char **argv)
{
    (void)cli;
    struct xa_posture_opts po = {.as_of = XA_TIME_NONE};
    int fmt = 0;
    const char *output = NULL, *script = NULL;
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},      {"output", required_argument, NULL, 'o'},
        {"remediation", required_argument, NULL, 'r'}, {"as-of", required_argument, NULL, 'a'},
        {"recent-days", required_argument, NULL, 'd'}, {"min-age-days", required_argument, NULL, 'm'},
        {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if ((fmt = xa_rfmt_parse(optarg)) < 0) {
                fprintf(stderr, "exoaudit posture: --format: expected text, csv, json or html\n");
                return XA_EXIT_USAGE;
            }
            break;
        case 'o': output = optarg; break;
        case 'r': script = optarg; break;
        case 'a':
            if (xa_time_parse_arg(optarg, xa_time_now(), &po.as_of)) {
                fprintf(stderr, "exoaudit posture: --as-of: not a time: '%s'\n", optarg);
                return XA_EXIT_USAGE;
            }
            break;
        case 'd':
        case 'm': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 1 || v > 100000) {
                fprintf(stderr, "exoaudit posture: --%s: expected a number of days\n",
                        c == 'd' ? "recent-days" : "min-age-days");
                return XA_EXIT_USAGE;
            }
            if (c == 'd')
                po.recent_days = (int)v;
            else
                po.min_age_days = (int)v;
            break;
        }
        default: xa_help_posture(stderr); return XA_EXIT_USAGE;
        }
    }
    size_t nfiles = (size_t)(argc - optind);
    if (!nfiles || nfiles > MAXFILES) {
        fprintf(stderr, "exoaudit posture: give 1 to %d exported files\n", MAXFILES);
        return XA_EXIT_USAGE;
    }
    struct xa_diag d;
    xa_diag_clear(&d);
    struct xa_posture *p = NULL;
    xa_rc rc = xa_posture_eval((const char *const *)(argv + optind), nfiles, &po, &p, &d);
    if (rc) {
        xa_cli_error(&d, rc);
        return xa_cli_exit_code(rc);
    }
    struct xa_rdoc *doc = NULL;
    rc = xa_posture_doc(p, &doc, &d);
    FILE *fp = stdout;
    if (!rc && output && strcmp(output, "-") != 0 && !(fp = fopen(output, "w")))
        rc = xa_diag_set(&d, XA_ERR_IO, "cannot write %s", output);
    if (!rc) {
        rc = xa_rdoc_render(doc, (enum xa_rfmt)fmt, fp, &d);
        if (fp != stdout && fclose(fp) != 0 && !rc)
            rc = xa_diag_set(&d, XA_ERR_IO, "cannot write %s", output);
    }
    if (!rc && script) {
        FILE *sp = strcmp(script, "-") == 0 ? stdout : fopen(script, "w");
        if (!sp)
            rc = xa_diag_set(&d, XA_ERR_IO, "cannot write %s", script);
        else {
            rc = xa_posture_script(p, sp, &d);
            if (sp != stdout && fclose(sp) != 0 && !rc)
                rc = xa_diag_set(&d, XA_ERR_IO, "cannot write %s", script);
        }
    }
    xa_rdoc_free(doc);
    xa_posture_free(p);
    if (rc) {
        xa_cli_error(&d, rc);
        return xa_cli_exit_code(rc);
    }
    return XA_EXIT_OK;
}
