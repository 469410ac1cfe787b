/* cmd_import.c - exoaudit import */
#include "cli/common.h"
#include "core/log.h"
#include "parse/format.h"
#include "pipeline/import.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void xa_help_import(FILE *out)
{
    fprintf(out,
            "usage: exoaudit import [--tenant ID] [--dry-run] [--format NAME] [--summary text|json]\n"
            "                       [--progress|--no-progress] [--max-record BYTES] FILE... (or - for stdin)\n\n"
            "Imports Office 365 audit records. The layout is detected by content: a Management\n"
            "Activity API content blob (one JSON array, any size), JSON Lines, a single record,\n"
            "concatenated records; audit log search CSV exports (Purview, Search-UnifiedAuditLog,\n"
            "tools), Search-AdminAuditLog / Search-MailboxAuditLog CSV or JSON, the admin and\n"
            "mailbox audit log XML reports, Windows event XML (wevtutil) and EVTX files; each\n"
            "optionally gzip or zstd compressed. See docs/FORMATS.md.\n"
            "Every record is stored once per (tenant, record Id); a record seen again only\n"
            "increments its duplicate counter. Bad input (broken JSON, no Id or CreationTime,\n"
            "wrong types, over the size limit) is quarantined with its position and reason\n"
            "(see 'exoaudit quarantine list'); nothing is dropped silently.\n\n"
            "  --tenant ID         tenant for records without OrganizationId\n"
            "  --dry-run           parse and normalise only; report what would be stored\n"
            "  --format NAME       force the input format instead of detecting it by content\n"
            "                      (json, export-json, csv, xml, evtx)\n"
            "  --summary json      print the summary as JSON on stdout\n"
            "  --max-record BYTES  largest record accepted (default 4 MiB, config import.max_record_bytes)\n"
            "  --progress          force the progress line on stderr (default: when stderr is a terminal)\n\n"
            "Exit: 0 all stored, 3 finished but some input was quarantined, 1 failure, 2 usage.\n");
}

int xa_cmd_import(struct xa_cli *cli, int argc, char **argv)
{
    struct xa_import_opts o;
    xa_import_opts_init(&o);
    struct xa_diag d;
    xa_diag_clear(&d);
    uint64_t v;
    if (xa_config_size(cli->cfg, "import.max_record_bytes", o.max_record, &v, &d) == XA_OK)
        o.max_record = (size_t)v;
    else {
        xa_cli_error(&d, XA_ERR_CONFIG);
        return XA_EXIT_USAGE;
    }
    if (xa_config_size(cli->cfg, "import.batch_records", o.batch, &v, &d) == XA_OK && v > 0 &&
        v <= 100000)
        o.batch = (size_t)v;
    else {
        fprintf(stderr, "exoaudit: import.batch_records: expected 1 to 100000\n");
        return XA_EXIT_USAGE;
    }
    /* identity.domains.<NETBIOS>: <dns.domain> maps DOMAIN\\user of Windows events to UPNs */
    const char *dk[64], *dv[64];
    size_t nd = xa_config_prefixed(cli->cfg, "identity.domains.", dk, dv, 64);
    struct xa_kv domains[64];
    for (size_t i = 0; i < nd; i++) {
        domains[i].name = dk[i];
        domains[i].value = dv[i];
    }
    o.domains = nd ? domains : NULL;
    o.n_domains = nd;
    int progress = -1;
    bool json = false;
    static const struct option opts[] = {
        {"tenant", required_argument, NULL, 't'},     {"dry-run", no_argument, NULL, 'n'},
        {"summary", required_argument, NULL, 'f'},     {"max-record", required_argument, NULL, 'm'},
        {"progress", no_argument, NULL, 'p'},         {"no-progress", no_argument, NULL, 'P'},
        {"format", required_argument, NULL, 'i'},
        {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 't': o.tenant_id = optarg; break;
        case 'n': o.dry_run = true; break;
        case 'f':
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "text") != 0) {
                fprintf(stderr, "exoaudit import: --summary: expected text or json\n");
                return XA_EXIT_USAGE;
            }
            break;
        case 'i':
            if (!xa_format_find(optarg)) {
                fprintf(stderr, "exoaudit import: --format: unknown format '%s'; known:", optarg);
                for (const struct xa_format_ops *const *f = xa_formats(); *f; f++)
                    fprintf(stderr, " %s", (*f)->name);
                fprintf(stderr, "\n");
                return XA_EXIT_USAGE;
            }
            o.format = optarg;
            break;
        case 'm': {
            char *end;
            unsigned long long m = strtoull(optarg, &end, 10);
            if (*end || m < 1024 || m > (1ull << 30)) {
                fprintf(stderr, "exoaudit import: --max-record: expected 1024 to 1073741824 bytes\n");
                return XA_EXIT_USAGE;
            }
            o.max_record = (size_t)m;
            break;
        }
        case 'p': progress = 1; break;
        case 'P': progress = 0; break;
        default: xa_help_import(stderr); return XA_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "exoaudit import: no input files (use - for stdin)\n");
        return XA_EXIT_USAGE;
    }
    o.progress = progress < 0 ? (isatty(STDERR_FILENO) && !cli->quiet) : progress;
    struct xa_store st = {0};
    if (!o.dry_run) {
        int ec = xa_cli_open_store(cli, false, &st);
        if (ec)
            return ec;
    }
    struct xa_import_stats total = {0};
    int failed = 0;
    for (int i = optind; i < argc; i++) {
        const char *name = argv[i];
        struct xa_import_stats s = {0};
        xa_diag_clear(&d);
        xa_rc rc = xa_import_file(o.dry_run ? NULL : &st, argv[i], &o, &s, &d);
        if (rc) {
            xa_cli_error(&d, rc);
            failed = 1;
            if (rc == XA_ERR_DB || rc == XA_ERR_NOMEM)
                i = argc; /* the archive itself failed: stop */
        }
        if (!json && !cli->quiet)
            fprintf(stderr, "%s: %s: read %llu, %s %llu, duplicates %llu, quarantined %llu\n",
                    name, s.format ? s.format : "?",
                    (unsigned long long)s.read, o.dry_run ? "would store" : "stored",
                    (unsigned long long)s.stored, (unsigned long long)s.duplicates,
                    (unsigned long long)s.quarantined);
        total.read += s.read;
        total.stored += s.stored;
        total.duplicates += s.duplicates;
        total.quarantined += s.quarantined;
        total.bytes += s.bytes;
    }
    if (json)
        printf("{\"read\":%llu,\"stored\":%llu,\"duplicates\":%llu,\"quarantined\":%llu,\"bytes\":%llu,"
               "\"dry_run\":%s}\n",
               (unsigned long long)total.read, (unsigned long long)total.stored,
               (unsigned long long)total.duplicates, (unsigned long long)total.quarantined,
               (unsigned long long)total.bytes, o.dry_run ? "true" : "false");
    else
        printf("read %llu, %s %llu, duplicates %llu, quarantined %llu\n",
               (unsigned long long)total.read, o.dry_run ? "would store" : "stored",
               (unsigned long long)total.stored, (unsigned long long)total.duplicates,
               (unsigned long long)total.quarantined);
    if (total.quarantined && !cli->quiet)
        fprintf(stderr, "exoaudit: %llu input record(s) quarantined: see 'exoaudit quarantine list'\n",
                (unsigned long long)total.quarantined);
    if (!o.dry_run && !failed && xa_cli_detect_after_import(cli, &st))
        failed = 1;
    if (!o.dry_run)
        xa_store_close(&st);
    if (failed)
        return XA_EXIT_FAIL;
    return total.quarantined ? XA_EXIT_QUARANTINED : XA_EXIT_OK;
}
