/* cmd_search.c - exoaudit search: the filters of Search-AdminAuditLog,
 * Search-MailboxAuditLog and Search-UnifiedAuditLog, and more. */
#include "cli/common.h"
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
            "filters are ANDed. Text filters are case-insensitive and accept * and ? wildcards.\n\n"
            "  --since T, --until T    RFC 3339 time (2025-03-10T08:00:00Z, 2025-03-10) or relative\n"
            "                          (30m, 12h, 7d, 2w); --until is exclusive\n"
            "  --operation OP          cmdlet or mailbox action, e.g. Add-MailboxPermission, Set-*,\n"
            "                          MailItemsAccessed (repeatable; comma-separated lists too)\n"
            "  --actor WHO             who did it (UPN, account; wildcards)\n"
            "  --mailbox MBX           mailbox acted on (owner UPN)\n"
            "  --object OBJ            object / cmdlet identity (substring without wildcards)\n"
            "  --param NAME[=VALUE]    cmdlet parameter present (with that value)\n"
            "  --external yes|no       ExternalAccess (Microsoft datacenter / partner access)\n"
            "  --result success|failure\n"
            "  --logon-type T          owner, admin, delegate, delegated_admin, transport, system\n"
            "  --record-type T         number or name (1, ExchangeAdmin, ExchangeItem, 50, ...)\n"
            "  --workload W            Exchange, AzureActiveDirectory, SharePoint, ...\n"
            "  --ip IP                 client IP or CIDR (203.0.113.0/24, 2001:db8::/32)\n"
            "  --category C            admin_op, mailbox_access, mailbox_permission, inbox_rule,\n"
            "                          audit_config, sign_in, file, account, collector, self_audit, other\n"
            "  -q, --text TEXT         full text over actor, object, mailbox, subjects, folders,\n"
            "                          parameter values\n"
            "  --tenant ID             one tenant only\n"
            "  --include-system        include Microsoft back-end activity\n"
            "  --oldest-first          oldest first instead of newest first\n"
            "  --limit N               results per page (default 100; 0 = all)\n"
            "  --cursor C              continue after the page that printed this cursor\n"
            "  --format F              table (default), json (JSON Lines of normalised events), csv\n\n"
            "When more results exist, the cursor of the next page is printed on stderr.\n");
}

#define MAXF 64

struct list {
    const char *v[MAXF];
    size_t n;
};

static int push(struct list *l, char *arg, const char *opt)
{
    /* comma-separated lists are allowed, like the cmdlets' string arrays */
    for (char *save = NULL, *tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        if (!*tok)
            continue;
        if (l->n == MAXF) {
            fprintf(stderr, "exoaudit search: too many values for %s (max %d)\n", opt, MAXF);
            return -1;
        }
        l->v[l->n++] = tok;
    }
    return 0;
}

static int yesno(const char *s)
{
    if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcmp(s, "1"))
        return 1;
    if (!strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcmp(s, "0"))
        return 0;
    return -1;
}

int xa_cmd_search(struct xa_cli *cli, int argc, char **argv)
{
    struct xa_query q;
    xa_query_init(&q);
    struct list ops = {0}, actors = {0}, mbx = {0}, objs = {0}, wl = {0}, ips = {0};
    struct xa_param_filter params[MAXF];
    size_t n_params = 0;
    int rtypes[MAXF], cats[MAXF], logons[MAXF];
    size_t n_rt = 0, n_cat = 0, n_lt = 0;
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
    static const struct option opts[] = {
        {"since", required_argument, NULL, 's'},       {"until", required_argument, NULL, 'u'},
        {"operation", required_argument, NULL, 'o'},   {"actor", required_argument, NULL, 'a'},
        {"mailbox", required_argument, NULL, 'm'},     {"object", required_argument, NULL, 'O'},
        {"param", required_argument, NULL, 'p'},       {"external", required_argument, NULL, 'e'},
        {"result", required_argument, NULL, 'r'},      {"logon-type", required_argument, NULL, 'l'},
        {"record-type", required_argument, NULL, 'R'}, {"workload", required_argument, NULL, 'w'},
        {"ip", required_argument, NULL, 'i'},          {"category", required_argument, NULL, 'c'},
        {"text", required_argument, NULL, 'q'},        {"include-system", no_argument, NULL, 'S'},
        {"tenant", required_argument, NULL, 'T'},      {"limit", required_argument, NULL, 'L'},
        {"cursor", required_argument, NULL, 'C'},      {"format", required_argument, NULL, 'f'},
        {"oldest-first", no_argument, NULL, 'F'},      {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "q:", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 's':
        case 'u': {
            int64_t t;
            if (xa_time_parse_arg(optarg, now, &t)) {
                fprintf(stderr, "exoaudit search: --%s: not a time: '%s' (use RFC 3339 or 7d, 12h, ...)\n",
                        c == 's' ? "since" : "until", optarg);
                return XA_EXIT_USAGE;
            }
            if (c == 's')
                q.since = t;
            else
                q.until = t;
            break;
        }
        case 'o': bad = push(&ops, optarg, "--operation"); break;
        case 'a': bad = push(&actors, optarg, "--actor"); break;
        case 'm': bad = push(&mbx, optarg, "--mailbox"); break;
        case 'O': bad = push(&objs, optarg, "--object"); break;
        case 'w': bad = push(&wl, optarg, "--workload"); break;
        case 'i': bad = push(&ips, optarg, "--ip"); break;
        case 'p': {
            if (n_params == MAXF || !*optarg || *optarg == '=') {
                fprintf(stderr, "exoaudit search: --param: expected NAME or NAME=VALUE\n");
                return XA_EXIT_USAGE;
            }
            char *eq = strchr(optarg, '=');
            if (eq)
                *eq = '\0';
            params[n_params].name = optarg;
            params[n_params].value = eq ? eq + 1 : NULL;
            n_params++;
            break;
        }
        case 'e':
            if ((q.external = yesno(optarg)) < 0) {
                fprintf(stderr, "exoaudit search: --external: expected yes or no\n");
                return XA_EXIT_USAGE;
            }
            break;
        case 'r':
            q.result = xa_result_parse(optarg);
            if (q.result != XA_RESULT_SUCCESS && q.result != XA_RESULT_FAILURE) {
                fprintf(stderr, "exoaudit search: --result: expected success or failure\n");
                return XA_EXIT_USAGE;
            }
            break;
        case 'l': {
            int v = xa_logon_parse(optarg);
            if (v < 0 && !strcasecmp(optarg, "delegated"))
                v = XA_LOGON_DELEGATE;
            if (v <= 0 || n_lt == MAXF) {
                fprintf(stderr, "exoaudit search: --logon-type: expected owner, admin, delegate, "
                                "delegated_admin, transport or system\n");
                return XA_EXIT_USAGE;
            }
            logons[n_lt++] = v;
            break;
        }
        case 'R': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg)
                v = xa_record_type_parse(optarg);
            if (v < 0 || v > 100000 || n_rt == MAXF) {
                fprintf(stderr, "exoaudit search: --record-type: unknown record type '%s'\n", optarg);
                return XA_EXIT_USAGE;
            }
            rtypes[n_rt++] = (int)v;
            break;
        }
        case 'c': {
            int v = xa_category_parse(optarg);
            if (v < 0 || n_cat == MAXF) {
                fprintf(stderr, "exoaudit search: --category: unknown category '%s'\n", optarg);
                return XA_EXIT_USAGE;
            }
            cats[n_cat++] = v;
            break;
        }
        case 'q': q.text = optarg; break;
        case 'S': q.include_system = true; break;
        case 'T': q.tenant_id = optarg; break;
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
        if (bad)
            return XA_EXIT_USAGE;
    }
    if (optind < argc) {
        fprintf(stderr, "exoaudit search: unexpected argument '%s'\n", argv[optind]);
        return XA_EXIT_USAGE;
    }
    if (q.since != XA_TIME_NONE && q.until != XA_TIME_NONE && q.since >= q.until) {
        fprintf(stderr, "exoaudit search: --since must be before --until\n");
        return XA_EXIT_USAGE;
    }
    q.operations = ops.v;
    q.n_operations = ops.n;
    q.actors = actors.v;
    q.n_actors = actors.n;
    q.mailboxes = mbx.v;
    q.n_mailboxes = mbx.n;
    q.objects = objs.v;
    q.n_objects = objs.n;
    q.workloads = wl.v;
    q.n_workloads = wl.n;
    q.ips = ips.v;
    q.n_ips = ips.n;
    q.params = params;
    q.n_params = n_params;
    q.record_types = rtypes;
    q.n_record_types = n_rt;
    q.categories = cats;
    q.n_categories = n_cat;
    q.logon_types = logons;
    q.n_logon_types = n_lt;
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
