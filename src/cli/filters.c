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
    xa_qargs_init(&f->a);
}

void xa_filters_options(struct option *out)
{
    memcpy(out, filter_opts, sizeof(filter_opts));
}

/* getopt value -> the filter's name in store/qargs.h */
static const char *filter_name(int c)
{
    for (size_t i = 0; i < XA_FILTER_NOPTS; i++)
        if (filter_opts[i].val == c)
            return filter_opts[i].name;
    return NULL;
}

int xa_filters_handle(struct xa_filters *f, int c, char *arg, int64_t now, const char *cmd)
{
    const char *name = filter_name(c);
    if (!name)
        return 0;
    const char *why = NULL;
    static char yes[] = "yes"; /* --include-system is a flag; the shared filter takes yes/no */
    int r = xa_qargs_set(&f->a, name, c == O_SYSTEM ? yes : arg, now, &why);
    if (r < 0)
        fprintf(stderr, "exoaudit %s: --%s: %s%s%s%s\n", cmd, name, why, arg ? " ('" : "",
                arg ? arg : "", arg ? "')" : "");
    return r;
}

int xa_filters_check(const struct xa_filters *f, const char *cmd)
{
    const char *why = NULL;
    if (xa_qargs_check(&f->a, &why)) {
        fprintf(stderr, "exoaudit %s: --%s\n", cmd, why);
        return -1;
    }
    return 0;
}

void xa_filters_apply(const struct xa_filters *f, struct xa_query *q)
{
    xa_qargs_apply(&f->a, q);
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
