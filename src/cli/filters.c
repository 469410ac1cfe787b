/* filters.c - the search filters shared by search and report. */
#include "cli/filters.h"

#include "core/xtime.h"
#include "event/event.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    O_SINCE = XA_FILTER_OPT_BASE,
    O_UNTIL,
    O_OPERATION,
    O_ACTOR,
    O_MAILBOX,
    O_OBJECT,
    O_PARAM,
    O_EXTERNAL,
    O_RESULT,
    O_LOGON,
    O_RECTYPE,
    O_WORKLOAD,
    O_IP,
    O_CATEGORY,
    O_SYSTEM,
    O_TENANT,
};

static const struct option filter_opts[XA_FILTER_NOPTS] = {
    {"since", required_argument, NULL, O_SINCE},
    {"until", required_argument, NULL, O_UNTIL},
    {"operation", required_argument, NULL, O_OPERATION},
    {"actor", required_argument, NULL, O_ACTOR},
    {"mailbox", required_argument, NULL, O_MAILBOX},
    {"object", required_argument, NULL, O_OBJECT},
    {"param", required_argument, NULL, O_PARAM},
    {"external", required_argument, NULL, O_EXTERNAL},
    {"result", required_argument, NULL, O_RESULT},
    {"logon-type", required_argument, NULL, O_LOGON},
    {"record-type", required_argument, NULL, O_RECTYPE},
    {"workload", required_argument, NULL, O_WORKLOAD},
    {"ip", required_argument, NULL, O_IP},
    {"category", required_argument, NULL, O_CATEGORY},
    {"text", required_argument, NULL, 'q'},
    {"include-system", no_argument, NULL, O_SYSTEM},
    {"tenant", required_argument, NULL, O_TENANT},
};

void xa_filters_init(struct xa_filters *f)
{
    memset(f, 0, sizeof(*f));
    f->since = XA_TIME_NONE;
    f->until = XA_TIME_NONE;
    f->result = -1;
    f->external = -1;
}

void xa_filters_options(struct option *out)
{
    memcpy(out, filter_opts, sizeof(filter_opts));
}

static int push(struct xa_filter_list *l, char *arg, const char *opt, const char *cmd)
{
    /* comma-separated lists are allowed, like the cmdlets' string arrays */
    for (char *save = NULL, *tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        if (!*tok)
            continue;
        if (l->n == XA_FILTER_MAX) {
            fprintf(stderr, "exoaudit %s: too many values for %s (max %d)\n", cmd, opt,
                    XA_FILTER_MAX);
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

int xa_filters_handle(struct xa_filters *f, int c, char *arg, int64_t now, const char *cmd)
{
    switch (c) {
    case O_SINCE:
    case O_UNTIL: {
        int64_t t;
        if (xa_time_parse_arg(arg, now, &t)) {
            fprintf(stderr, "exoaudit %s: --%s: not a time: '%s' (use RFC 3339 or 7d, 12h, ...)\n",
                    cmd, c == O_SINCE ? "since" : "until", arg);
            return -1;
        }
        if (c == O_SINCE)
            f->since = t;
        else
            f->until = t;
        return 1;
    }
    case O_OPERATION: return push(&f->ops, arg, "--operation", cmd) ? -1 : 1;
    case O_ACTOR: return push(&f->actors, arg, "--actor", cmd) ? -1 : 1;
    case O_MAILBOX: return push(&f->mailboxes, arg, "--mailbox", cmd) ? -1 : 1;
    case O_OBJECT: return push(&f->objects, arg, "--object", cmd) ? -1 : 1;
    case O_WORKLOAD: return push(&f->workloads, arg, "--workload", cmd) ? -1 : 1;
    case O_IP: return push(&f->ips, arg, "--ip", cmd) ? -1 : 1;
    case O_PARAM: {
        if (f->n_params == XA_FILTER_MAX || !*arg || *arg == '=') {
            fprintf(stderr, "exoaudit %s: --param: expected NAME or NAME=VALUE\n", cmd);
            return -1;
        }
        char *eq = strchr(arg, '=');
        if (eq)
            *eq = '\0';
        f->params[f->n_params].name = arg;
        f->params[f->n_params].value = eq ? eq + 1 : NULL;
        f->n_params++;
        return 1;
    }
    case O_EXTERNAL:
        if ((f->external = yesno(arg)) < 0) {
            fprintf(stderr, "exoaudit %s: --external: expected yes or no\n", cmd);
            return -1;
        }
        return 1;
    case O_RESULT:
        f->result = xa_result_parse(arg);
        if (f->result != XA_RESULT_SUCCESS && f->result != XA_RESULT_FAILURE) {
            fprintf(stderr, "exoaudit %s: --result: expected success or failure\n", cmd);
            return -1;
        }
        return 1;
    case O_LOGON: {
        int v = xa_logon_parse(arg);
        if (v < 0 && !strcasecmp(arg, "delegated"))
            v = XA_LOGON_DELEGATE;
        if (v <= 0 || f->n_logon_types == XA_FILTER_MAX) {
            fprintf(stderr, "exoaudit %s: --logon-type: expected owner, admin, delegate, "
                            "delegated_admin, transport or system\n", cmd);
            return -1;
        }
        f->logon_types[f->n_logon_types++] = v;
        return 1;
    }
    case O_RECTYPE: {
        char *end;
        long v = strtol(arg, &end, 10);
        if (*end || end == arg)
            v = xa_record_type_parse(arg);
        if (v < 0 || v > 100000 || f->n_record_types == XA_FILTER_MAX) {
            fprintf(stderr, "exoaudit %s: --record-type: unknown record type '%s'\n", cmd, arg);
            return -1;
        }
        f->record_types[f->n_record_types++] = (int)v;
        return 1;
    }
    case O_CATEGORY: {
        int v = xa_category_parse(arg);
        if (v < 0 || f->n_categories == XA_FILTER_MAX) {
            fprintf(stderr, "exoaudit %s: --category: unknown category '%s'\n", cmd, arg);
            return -1;
        }
        f->categories[f->n_categories++] = v;
        return 1;
    }
    case 'q': f->text = arg; return 1;
    case O_SYSTEM:
        f->include_system = true;
        f->include_system_set = true;
        return 1;
    case O_TENANT: f->tenant = arg; return 1;
    default: return 0;
    }
}

int xa_filters_check(const struct xa_filters *f, const char *cmd)
{
    if (f->since != XA_TIME_NONE && f->until != XA_TIME_NONE && f->since >= f->until) {
        fprintf(stderr, "exoaudit %s: --since must be before --until\n", cmd);
        return -1;
    }
    return 0;
}

void xa_filters_apply(const struct xa_filters *f, struct xa_query *q)
{
    q->since = f->since;
    q->until = f->until;
    q->operations = f->ops.v;
    q->n_operations = f->ops.n;
    q->actors = f->actors.v;
    q->n_actors = f->actors.n;
    q->mailboxes = f->mailboxes.v;
    q->n_mailboxes = f->mailboxes.n;
    q->objects = f->objects.v;
    q->n_objects = f->objects.n;
    q->workloads = f->workloads.v;
    q->n_workloads = f->workloads.n;
    q->ips = f->ips.v;
    q->n_ips = f->ips.n;
    q->params = f->params;
    q->n_params = f->n_params;
    q->record_types = f->record_types;
    q->n_record_types = f->n_record_types;
    q->categories = f->categories;
    q->n_categories = f->n_categories;
    q->logon_types = f->logon_types;
    q->n_logon_types = f->n_logon_types;
    q->result = f->result;
    q->external = f->external;
    q->text = f->text;
    if (f->tenant)
        q->tenant_id = f->tenant;
    if (f->include_system_set)
        q->include_system = f->include_system;
}

void xa_filters_help(FILE *out)
{
    fprintf(out,
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
            "  --include-system        include Microsoft back-end activity\n");
}
