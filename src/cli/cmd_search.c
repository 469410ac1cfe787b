/* cmd_search.c - exoaudit search: the filters of Search-AdminAuditLog,
 * Search-MailboxAuditLog and Search-UnifiedAuditLog, and more. */
#include "cli/common.h"
#include "cli/filters.h"
#include "cli/selfaudit.h"
#include "cli/output.h"
#include "core/xtime.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void xa_help_search(FILE *out)
{
    fprintf(out,
            "usage: exoaudit search [FILTERS] [--format table|json|csv] [--limit N] [--cursor C]\n\n"
            "Newest first. Microsoft back-end activity (NT AUTHORITY\\SYSTEM, S-1-5-18, datacenter\n"
            "accounts) is hidden unless --include-system. Repeated filters are ORed; different\n"
            "filters are ANDed. Text filters are case-insensitive and accept * and ? wildcards.\n\n");
    xa_filters_help(out);
    fprintf(out,
            "  --oldest-first          oldest first instead of newest first\n"
            "  --limit N               results per page (default 100; 0 = all)\n"
            "  --cursor C              continue after the page that printed this cursor\n"
            "  --format F              table (default), json (JSON Lines of normalised events), csv\n\n"
            "When more results exist, the cursor of the next page is printed on stderr.\n");
}

int xa_cmd_search(struct xa_cli *cli, int argc, char **argv)
{
    struct xa_query q;
    xa_query_init(&q);
    struct xa_filters f;
    xa_filters_init(&f);
    enum xa_out_format fmt = XA_OUT_TABLE;
    long long limit = 100;
    int64_t now = xa_time_now();
    struct xa_diag d;
    xa_diag_clear(&d);
    bool incl = false;
    if (xa_config_bool(cli->cfg, "search.include_system", false, &incl, &d)) {
        xa_cli_error(&d, XA_ERR_CONFIG);
        return XA_EXIT_USAGE;
    }
    q.include_system = incl;
    uint64_t cl;
    if (xa_config_size(cli->cfg, "search.limit", 100, &cl, &d)) {
        xa_cli_error(&d, XA_ERR_CONFIG);
        return XA_EXIT_USAGE;
    }
    limit = (long long)cl;
    struct option opts[XA_FILTER_NOPTS + 5] = {
        [XA_FILTER_NOPTS] = {"limit", required_argument, NULL, 'L'},
        [XA_FILTER_NOPTS + 1] = {"cursor", required_argument, NULL, 'C'},
        [XA_FILTER_NOPTS + 2] = {"format", required_argument, NULL, 'f'},
        [XA_FILTER_NOPTS + 3] = {"oldest-first", no_argument, NULL, 'F'},
        [XA_FILTER_NOPTS + 4] = {NULL, 0, NULL, 0}};
    xa_filters_options(opts);
    int c;
    while ((c = getopt_long(argc, argv, "q:", opts, NULL)) != -1) {
        int h = xa_filters_handle(&f, c, optarg, now, "search");
        if (h < 0)
            return XA_EXIT_USAGE;
        if (h > 0)
            continue;
        switch (c) {
        case 'L': {
            char *end;
            limit = strtoll(optarg, &end, 10);
            if (*end || end == optarg || limit < 0) {
                fprintf(stderr, "exoaudit search: --limit: expected a number >= 0\n");
                return XA_EXIT_USAGE;
            }
            break;
        }
        case 'C': q.cursor = optarg; break;
        case 'f':
            if (xa_cli_parse_format(optarg, &fmt) || fmt == XA_OUT_TEXT) {
                fprintf(stderr, "exoaudit search: --format: expected table, json or csv\n");
                return XA_EXIT_USAGE;
            }
            break;
        case 'F': q.oldest_first = true; break;
        default: xa_help_search(stderr); return XA_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "exoaudit search: unexpected argument '%s'\n", argv[optind]);
        return XA_EXIT_USAGE;
    }
    if (xa_filters_check(&f, "search"))
        return XA_EXIT_USAGE;
    xa_filters_apply(&f, &q);
    int cats[XA_CAT__COUNT];
    xa_cli_hide_self_audit(&q, cats); /* self_audit events only with --category self_audit */
    q.limit = (size_t)limit;

    struct xa_store st;
    int ec = xa_cli_open_store(cli, true, &st);
    if (ec)
        return ec;
    struct xa_out *out = xa_out_new(fmt, stdout);
    char next[XA_CURSOR_MAX] = "";
    xa_rc rc = out ? st.ops->search(st.ctx, &q, xa_out_event_cb, out, next, &d) : XA_ERR_NOMEM;
    size_t rows = out ? xa_out_rows(out) : 0;
    if (out)
        xa_out_finish(out);
    xa_store_close(&st);
    xa_cli_self_audit_argv(cli, "ExoauditSearch", argc, argv); /* after the search, never fatal */
    if (rc) {
        xa_cli_error(&d, rc);
        return xa_cli_exit_code(rc);
    }
    if (!cli->quiet) {
        if (next[0])
            fprintf(stderr, "-- %zu shown; more results: --cursor %s\n", rows, next);
        else if (fmt == XA_OUT_TABLE)
            fprintf(stderr, "-- %zu event%s\n", rows, rows == 1 ? "" : "s");
    }
    return XA_EXIT_OK;
}
