#include "store/qargs.h"

#include "core/xtime.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void xa_qargs_init(struct xa_qargs *a)
{
    memset(a, 0, sizeof(*a));
    a->since = XA_TIME_NONE;
    a->until = XA_TIME_NONE;
    a->result = -1;
    a->external = -1;
}

/* comma-separated lists are allowed, like the cmdlets' string arrays */
static int push(struct xa_qargs_list *l, char *value, const char **why)
{
    for (char *save = NULL, *tok = strtok_r(value, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        if (!*tok)
            continue;
        if (l->n == XA_QARGS_MAX) {
            *why = "too many values (at most 64)";
            return -1;
        }
        l->v[l->n++] = tok;
    }
    return 1;
}

static int yesno(const char *s)
{
    if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcmp(s, "1"))
        return 1;
    if (!strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcmp(s, "0"))
        return 0;
    return -1;
}

/* Each value of a comma list through parse(); results appended to out. */
static int enums(char *value, int (*parse)(const char *), int min, int *out, size_t *n,
                 const char *bad, const char **why)
{
    struct xa_qargs_list l = {.n = 0};
    if (push(&l, value, why) < 0)
        return -1;
    for (size_t i = 0; i < l.n; i++) {
        int v = parse(l.v[i]);
        if (v < min || *n == XA_QARGS_MAX) {
            *why = bad;
            return -1;
        }
        out[(*n)++] = v;
    }
    return 1;
}

static int logon(const char *s)
{
    int v = xa_logon_parse(s);
    return v < 0 && !strcasecmp(s, "delegated") ? XA_LOGON_DELEGATE : v;
}

static int record_type(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || end == s)
        v = xa_record_type_parse(s);
    return v > 100000 ? -1 : (int)v;
}

static bool is(const char *name, const char *want)
{
    for (; *name && *want; name++, want++) {
        char c = *name == '-' ? '_' : *name;
        if (c != *want)
            return false;
    }
    return *name == *want;
}

int xa_qargs_set(struct xa_qargs *a, const char *name, char *value, int64_t now, const char **why)
{
    if (is(name, "since") || is(name, "until")) {
        int64_t t;
        if (xa_time_parse_arg(value, now, &t)) {
            *why = "not a time (RFC 3339 such as 2025-03-10T08:00:00Z, or 30m, 12h, 7d, 2w)";
            return -1;
        }
        *(name[0] == 's' ? &a->since : &a->until) = t;
        return 1;
    }
    if (is(name, "operation"))
        return push(&a->ops, value, why);
    if (is(name, "actor"))
        return push(&a->actors, value, why);
    if (is(name, "mailbox"))
        return push(&a->mailboxes, value, why);
    if (is(name, "object"))
        return push(&a->objects, value, why);
    if (is(name, "workload"))
        return push(&a->workloads, value, why);
    if (is(name, "ip"))
        return push(&a->ips, value, why);
    if (is(name, "param")) {
        if (a->n_params == XA_QARGS_MAX || !*value || *value == '=') {
            *why = "expected NAME or NAME=VALUE";
            return -1;
        }
        char *eq = strchr(value, '=');
        if (eq)
            *eq = '\0';
        a->params[a->n_params].name = value;
        a->params[a->n_params].value = eq ? eq + 1 : NULL;
        a->n_params++;
        return 1;
    }
    if (is(name, "external")) {
        if ((a->external = yesno(value)) < 0) {
            *why = "expected yes or no";
            return -1;
        }
        return 1;
    }
    if (is(name, "result")) {
        a->result = xa_result_parse(value);
        if (a->result != XA_RESULT_SUCCESS && a->result != XA_RESULT_FAILURE) {
            *why = "expected success or failure";
            return -1;
        }
        return 1;
    }
    if (is(name, "logon_type"))
        return enums(value, logon, 1, a->logon_types, &a->n_logon_types,
                     "expected owner, admin, delegate, delegated_admin, transport or system", why);
    if (is(name, "record_type"))
        return enums(value, record_type, 0, a->record_types, &a->n_record_types,
                     "unknown record type (a number or a name such as ExchangeAdmin)", why);
    if (is(name, "category"))
        return enums(value, xa_category_parse, 0, a->categories, &a->n_categories,
                     "unknown category (admin_op, mailbox_access, mailbox_permission, inbox_rule, "
                     "audit_config, sign_in, file, account, collector, self_audit, other)",
                     why);
    if (is(name, "text") || is(name, "q")) {
        a->text = value;
        return 1;
    }
    if (is(name, "tenant")) {
        a->tenant = value;
        return 1;
    }
    if (is(name, "include_system")) {
        int y = yesno(value);
        if (y < 0) {
            *why = "expected yes or no";
            return -1;
        }
        a->include_system = y;
        a->include_system_set = true;
        return 1;
    }
    return 0;
}

bool xa_qargs_is_filter(const char *name)
{
    static const char *const names[] = {
        "since",      "until",       "operation", "actor", "mailbox", "object",
        "workload",   "ip",          "param",     "external", "result", "logon_type",
        "record_type", "category",   "text",      "q",     "tenant",  "include_system"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (is(name, names[i]))
            return true;
    return false;
}

int xa_qargs_check(const struct xa_qargs *a, const char **why)
{
    if (a->since != XA_TIME_NONE && a->until != XA_TIME_NONE && a->since >= a->until) {
        *why = "since must be before until";
        return -1;
    }
    return 0;
}

void xa_qargs_apply(const struct xa_qargs *a, struct xa_query *q)
{
    q->since = a->since;
    q->until = a->until;
    q->operations = a->ops.v;
    q->n_operations = a->ops.n;
    q->actors = a->actors.v;
    q->n_actors = a->actors.n;
    q->mailboxes = a->mailboxes.v;
    q->n_mailboxes = a->mailboxes.n;
    q->objects = a->objects.v;
    q->n_objects = a->objects.n;
    q->workloads = a->workloads.v;
    q->n_workloads = a->workloads.n;
    q->ips = a->ips.v;
    q->n_ips = a->ips.n;
    q->params = a->params;
    q->n_params = a->n_params;
    q->record_types = a->record_types;
    q->n_record_types = a->n_record_types;
    q->categories = a->categories;
    q->n_categories = a->n_categories;
    q->logon_types = a->logon_types;
    q->n_logon_types = a->n_logon_types;
    q->result = a->result;
    q->external = a->external;
    q->text = a->text;
    if (a->tenant)
        q->tenant_id = a->tenant;
    if (a->include_system_set)
        q->include_system = a->include_system;
}
