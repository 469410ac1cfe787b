/* posture.c - audit-configuration findings and the remediation script. */
#include "report/posture.h"

#include "core/arena.h"
#include "core/str.h"
#include "core/xtime.h"
#include "report/posture_read.h"
#include "report/util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct xa_posture {
    struct xa_arena arena;
    struct xa_prec_set recs;
    struct xa_finding *f;
    size_t n, cap;
    const char *const *files;
    size_t nfiles;
    size_t kinds[7];
    int64_t as_of;
};

const char *xa_severity_name(enum xa_severity s)
{
    static const char *const n[] = {"critical", "high", "medium", "low", "info"};
    return (unsigned)s < 5 ? n[s] : "info";
}

const char *xa_ps_quote(struct xa_arena *a, const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s);
    char *o = xa_arena_alloc(a, n * 2 + 3);
    if (!o)
        return NULL;
    size_t j = 0;
    o[j++] = '\'';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            continue;
        /* ' and the typographic quotes PowerShell also treats as quotes: U+2018..U+201B */
        if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
            (unsigned char)s[i + 2] >= 0x98 && (unsigned char)s[i + 2] <= 0x9B) {
            o[j++] = '\'';
            o[j++] = '\'';
            i += 2;
            continue;
        }
        if (c == '\'')
            o[j++] = '\'';
        o[j++] = (char)c;
    }
    o[j++] = '\'';
    o[j] = '\0';
    return o;
}

static xa_rc add(struct xa_posture *p, enum xa_severity sev, const char *id, const char *object,
                 const char *setting, const char *value, const char *expl, const char *fix)
{
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 32;
        struct xa_finding *nf = realloc(p->f, nc * sizeof(*nf));
        if (!nf)
            return XA_ERR_NOMEM;
        p->f = nf;
        p->cap = nc;
    }
    struct xa_arena *a = &p->arena;
    struct xa_finding *f = &p->f[p->n];
    f->severity = sev;
    f->id = id;
    f->object = xa_arena_strdup(a, object ? object : "");
    f->setting = setting;
    f->value = value ? xa_arena_strdup(a, value) : NULL;
    f->explanation = expl;
    f->remediation = fix;
    if (!f->object || (value && !f->value) || !expl)
        return XA_ERR_NOMEM;
    p->n++;
    return XA_OK;
}

static const char *display(struct xa_arena *a, const char *v)
{
    if (!v)
        return NULL;
    char *s = xa_arena_strdup(a, v);
    for (char *q = s; q && *q; q++)
        if (*q == XA_PREC_SEP)
            *q = ',';
    return s;
}

static bool list_is_all(struct xa_posture *p, const struct xa_prec *r, const char *name)
{
    const char **items;
    size_t n = xa_prec_list(r, name, false, &p->arena, &items);
    return n == 0 || (n == 1 && strcmp(items[0], "*") == 0);
}

static xa_rc eval_admin(struct xa_posture *p, const struct xa_prec *r, int min_age)
{
    struct xa_arena *a = &p->arena;
    const char *obj = "Admin Audit Log Settings";
    xa_rc rc = XA_OK;
    if (xa_prec_bool(r, "AdminAuditLogEnabled") == 0)
        rc = add(p, XA_SEV_HIGH, "admin_audit_log_disabled", obj, "AdminAuditLogEnabled", "False",
                 "Administrator audit logging is off: cmdlets run by administrators are not recorded.",
                 "Set-AdminAuditLogConfig -AdminAuditLogEnabled $true");
    if (!rc && xa_prec_bool(r, "UnifiedAuditLogIngestionEnabled") == 0)
        rc = add(p, XA_SEV_CRITICAL, "unified_audit_log_disabled", obj, "UnifiedAuditLogIngestionEnabled",
                 "False",
                 "Unified audit log ingestion is off: no audit records reach the unified audit log "
                 "or the Management Activity API (read from Exchange Online PowerShell; Security & "
                 "Compliance PowerShell always shows False).",
                 "Set-AdminAuditLogConfig -UnifiedAuditLogIngestionEnabled $true");
    if (!rc && xa_prec_get(r, "AdminAuditLogCmdlets") && !list_is_all(p, r, "AdminAuditLogCmdlets"))
        rc = add(p, XA_SEV_HIGH, "admin_audit_cmdlets_scoped", obj, "AdminAuditLogCmdlets",
                 display(a, xa_prec_get(r, "AdminAuditLogCmdlets")),
                 "Only some cmdlets are audited (the default is *): every other admin change goes "
                 "unrecorded.",
                 "Set-AdminAuditLogConfig -AdminAuditLogCmdlets '*'");
    if (!rc && xa_prec_get(r, "AdminAuditLogParameters") && !list_is_all(p, r, "AdminAuditLogParameters"))
        rc = add(p, XA_SEV_MEDIUM, "admin_audit_parameters_scoped", obj, "AdminAuditLogParameters",
                 display(a, xa_prec_get(r, "AdminAuditLogParameters")),
                 "Only some cmdlet parameters are recorded (the default is *): who was granted what "
                 "may be missing from the records.",
                 "Set-AdminAuditLogConfig -AdminAuditLogParameters '*'");
    const char **ex;
    if (!rc && xa_prec_list(r, "AdminAuditLogExcludedCmdlets", false, a, &ex) > 0)
        rc = add(p, XA_SEV_HIGH, "admin_audit_cmdlets_excluded", obj, "AdminAuditLogExcludedCmdlets",
                 display(a, xa_prec_get(r, "AdminAuditLogExcludedCmdlets")),
                 "These cmdlets are excluded from administrator audit logging: changes made with "
                 "them leave no record.",
                 "Set-AdminAuditLogConfig -AdminAuditLogExcludedCmdlets $null");
    double days = xa_prec_days(r, "AdminAuditLogAgeLimit");
    if (!rc && days >= 0 && days < min_age)
        rc = add(p, XA_SEV_MEDIUM, "admin_audit_age_limit", obj, "AdminAuditLogAgeLimit",
                 xa_prec_get(r, "AdminAuditLogAgeLimit"),
                 xa_arena_printf(a, "Admin audit entries are kept %.0f days, less than %d.", days, min_age),
                 xa_arena_printf(a, "Set-AdminAuditLogConfig -AdminAuditLogAgeLimit %d.00:00:00", min_age));
    return rc;
}

struct actions {
    const char *logon;   /* Admin, Delegate, Owner */
    const char *prop;    /* AuditAdmin, ... */
    const char *const *req;
    size_t nreq;
};

static const char *const req_admin[] = {
    "ApplyRecord", "Copy", "Create", "FolderBind", "HardDelete", "MailItemsAccessed", "Move",
    "MoveToDeletedItems", "Send", "SendAs", "SendOnBehalf", "SoftDelete", "Update",
    "UpdateCalendarDelegation", "UpdateFolderPermissions", "UpdateInboxRules"};
static const char *const req_delegate[] = {
    "ApplyRecord", "Create", "FolderBind", "HardDelete", "MailItemsAccessed", "Move",
    "MoveToDeletedItems", "SendAs", "SendOnBehalf", "SoftDelete", "Update",
    "UpdateFolderPermissions", "UpdateInboxRules"};
static const char *const req_owner[] = {
    "ApplyRecord", "HardDelete", "MailItemsAccessed", "MoveToDeletedItems", "Send", "SoftDelete",
    "Update", "UpdateCalendarDelegation", "UpdateFolderPermissions", "UpdateInboxRules"};

static const struct actions action_sets[] = {
    {"Admin", "AuditAdmin", req_admin, sizeof(req_admin) / sizeof(req_admin[0])},
    {"Delegate", "AuditDelegate", req_delegate, sizeof(req_delegate) / sizeof(req_delegate[0])},
    {"Owner", "AuditOwner", req_owner, sizeof(req_owner) / sizeof(req_owner[0])},
};

static xa_rc eval_mailbox(struct xa_posture *p, const struct xa_prec *r, int min_age, int recent_days)
{
    struct xa_arena *a = &p->arena;
    const char *mbx = xa_prec_mailbox(r);
    if (!mbx)
        return XA_OK;
    const char *q = xa_ps_quote(a, mbx);
    if (!q)
        return XA_ERR_NOMEM;
    xa_rc rc = XA_OK;
    if (xa_prec_bool(r, "AuditEnabled") == 0) {
        int64_t created = xa_prec_time(r, "WhenMailboxCreated");
        if (created == XA_TIME_NONE)
            created = xa_prec_time(r, "WhenCreated");
        bool recent = created != XA_TIME_NONE && p->as_of != XA_TIME_NONE &&
                      p->as_of - created <= (int64_t)recent_days * 86400 * 1000000LL;
        const char *fix = xa_arena_printf(a, "Set-Mailbox -Identity %s -AuditEnabled $true", q);
        if (recent)
            rc = add(p, XA_SEV_HIGH, "new_mailbox_without_audit", mbx, "AuditEnabled", "False",
                     xa_arena_printf(a, "Mailbox created %s, within %d days, with auditing off: "
                                        "a new mailbox should be audited from its first day.",
                                     xa_rtime(a, created), recent_days),
                     fix);
        else
            rc = add(p, XA_SEV_HIGH, "mailbox_audit_disabled", mbx, "AuditEnabled", "False",
                     "Mailbox auditing is off for this mailbox. The organisation default overrides "
                     "it only while AuditDisabled is False; switching it on removes the dependency.",
                     fix);
    }
    double days = xa_prec_days(r, "AuditLogAgeLimit");
    if (!rc && days >= 0 && days < min_age)
        rc = add(p, XA_SEV_MEDIUM, "mailbox_audit_age_limit", mbx, "AuditLogAgeLimit",
                 xa_prec_get(r, "AuditLogAgeLimit"),
                 xa_arena_printf(a, "Mailbox audit entries are kept %.0f days, less than %d.", days, min_age),
                 xa_arena_printf(a, "Set-Mailbox -Identity %s -AuditLogAgeLimit %d.00:00:00", q, min_age));
    for (size_t s = 0; s < 3 && !rc; s++) {
        const struct actions *as = &action_sets[s];
        if (!xa_prec_get(r, as->prop))
            continue; /* not exported: nothing to judge */
        const char **have;
        size_t nh = xa_prec_list(r, as->prop, true, a, &have);
        bool none = nh == 1 && xa_str_ieq(have[0], "None");
        bool message_bind = false;
        for (size_t k = 0; k < nh; k++)
            message_bind |= xa_str_ieq(have[k], "MessageBind");
        char missing[512] = "", add_list[1024] = "";
        size_t nm = 0, o1 = 0, o2 = 0;
        for (size_t i = 0; i < as->nreq; i++) {
            bool found = false;
            for (size_t k = 0; k < nh && !none; k++)
                found |= xa_str_ieq(have[k], as->req[i]);
            /* MessageBind records item reads where MailItemsAccessed is not licensed */
            if (!found && message_bind && !strcmp(as->req[i], "MailItemsAccessed"))
                found = true;
            if (found)
                continue;
            o1 += (size_t)snprintf(missing + o1, sizeof(missing) - o1, "%s%s", nm ? ", " : "", as->req[i]);
            o2 += (size_t)snprintf(add_list + o2, sizeof(add_list) - o2, "%s'%s'", nm ? "," : "", as->req[i]);
            nm++;
        }
        if (!nm)
            continue;
        const char *id = s == 0 ? "mailbox_audit_admin_actions_missing"
                         : s == 1 ? "mailbox_audit_delegate_actions_missing"
                                  : "mailbox_audit_owner_actions_missing";
        rc = add(p, s == 2 ? XA_SEV_LOW : XA_SEV_MEDIUM, id, mbx, as->prop, missing,
                 xa_arena_printf(a, "%s logons: these actions are not audited: %s.%s", as->logon, missing,
                                 strstr(missing, "MailItemsAccessed")
                                     ? " MailItemsAccessed needs E5 / Audit Premium; without it, audit "
                                       "MessageBind (admin) instead."
                                     : ""),
                 xa_arena_printf(a, "Set-Mailbox -Identity %s -%s @{Add=%s}", q, as->prop, add_list));
    }
    return rc;
}

static int by_severity(const void *x, const void *y)
{
    const struct xa_finding *a = x, *b = y;
    if (a->severity != b->severity)
        return a->severity < b->severity ? -1 : 1;
    int r = strcmp(a->id, b->id);
    return r ? r : strcasecmp(a->object, b->object);
}

xa_rc xa_posture_eval(const char *const *files, size_t nfiles, const struct xa_posture_opts *o,
                      struct xa_posture **out, struct xa_diag *diag)
{
    struct xa_posture *p = calloc(1, sizeof(*p));
    if (!p)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    xa_arena_init(&p->arena, 64 * 1024);
    p->files = files;
    p->nfiles = nfiles;
    int min_age = o && o->min_age_days ? o->min_age_days : 365;
    int recent = o && o->recent_days ? o->recent_days : 30;
    xa_rc rc = XA_OK;
    for (size_t i = 0; i < nfiles && !rc; i++) {
        size_t before = p->recs.n;
        rc = xa_prec_read(files[i], &p->arena, &p->recs, diag);
        if (!rc && p->recs.n == before)
            rc = xa_diag_set(diag, XA_ERR_PARSE, "%s: no records", files[i]);
        for (size_t k = before; !rc && k < p->recs.n; k++)
            if (p->recs.v[k].kind == XA_PREC_UNKNOWN)
                rc = xa_diag_set(diag, XA_ERR_PARSE,
                                 "%s: record %zu is not an export of Get-AdminAuditLogConfig, "
                                 "Get-OrganizationConfig, Get-Mailbox or "
                                 "Get-MailboxAuditBypassAssociation",
                                 files[i], k - before + 1);
    }
    p->as_of = o ? o->as_of : XA_TIME_NONE;
    if (p->as_of == XA_TIME_NONE)
        for (size_t i = 0; i < p->recs.n; i++) {
            int64_t t = xa_prec_time(&p->recs.v[i], "WhenCreated");
            if (t != XA_TIME_NONE && (p->as_of == XA_TIME_NONE || t > p->as_of))
                p->as_of = t;
        }
    for (size_t i = 0; i < p->recs.n && !rc; i++) {
        const struct xa_prec *r = &p->recs.v[i];
        p->kinds[r->kind]++;
        switch (r->kind) {
        case XA_PREC_ADMIN_AUDIT: rc = eval_admin(p, r, min_age); break;
        case XA_PREC_ORG:
            if (xa_prec_bool(r, "AuditDisabled") == 1)
                rc = add(p, XA_SEV_CRITICAL, "org_audit_disabled", "organization", "AuditDisabled", "True",
                         "Mailbox auditing is switched off for the whole organisation: no mailbox "
                         "action is audited anywhere, per-mailbox AuditEnabled and bypass "
                         "associations are ignored.",
                         "Set-OrganizationConfig -AuditDisabled $false");
            break;
        case XA_PREC_MAILBOX: rc = eval_mailbox(p, r, min_age, recent); break;
        case XA_PREC_BYPASS:
            if (xa_prec_bool(r, "AuditBypassEnabled") == 1) {
                const char *who = xa_prec_get(r, "Identity");
                if (!who)
                    who = xa_prec_get(r, "Name");
                if (!who)
                    break;
                const char *q = xa_ps_quote(&p->arena, who);
                rc = add(p, XA_SEV_HIGH, "audit_bypass", who, "AuditBypassEnabled", "True",
                         "Nothing this account does in any mailbox is audited (mailbox audit "
                         "bypass association).",
                         q ? xa_arena_printf(&p->arena,
                                             "Set-MailboxAuditBypassAssociation -Identity %s "
                                             "-AuditBypassEnabled $false", q)
                           : NULL);
            }
            break;
        default: break;
        }
    }
    if (!rc && !p->kinds[XA_PREC_ADMIN_AUDIT])
        rc = add(p, XA_SEV_INFO, "not_exported", "Get-AdminAuditLogConfig", NULL, NULL,
                 "No Get-AdminAuditLogConfig export given: admin audit settings not checked.", NULL);
    if (!rc && !p->kinds[XA_PREC_ORG])
        rc = add(p, XA_SEV_INFO, "not_exported", "Get-OrganizationConfig", NULL, NULL,
                 "No Get-OrganizationConfig export given: the organisation-wide AuditDisabled "
                 "switch not checked.", NULL);
    if (!rc && !p->kinds[XA_PREC_MAILBOX])
        rc = add(p, XA_SEV_INFO, "not_exported", "Get-Mailbox", NULL, NULL,
                 "No Get-Mailbox export given: per-mailbox audit settings not checked.", NULL);
    if (!rc && !p->kinds[XA_PREC_BYPASS])
        rc = add(p, XA_SEV_INFO, "not_exported", "Get-MailboxAuditBypassAssociation", NULL, NULL,
                 "No Get-MailboxAuditBypassAssociation export given: bypass associations not "
                 "checked.", NULL);
    if (rc) {
        if (diag && !diag->msg[0])
            xa_diag_set(diag, rc, "posture: %s", xa_rc_str(rc));
        xa_posture_free(p);
        return rc;
    }
    if (p->n)
        qsort(p->f, p->n, sizeof(*p->f), by_severity);
    *out = p;
    return XA_OK;
}

void xa_posture_free(struct xa_posture *p)
{
    if (!p)
        return;
    xa_prec_set_release(&p->recs);
    free(p->f);
    xa_arena_release(&p->arena);
    free(p);
}

size_t xa_posture_count(const struct xa_posture *p) { return p->n; }

const struct xa_finding *xa_posture_finding(const struct xa_posture *p, size_t i)
{
    return i < p->n ? &p->f[i] : NULL;
}

xa_rc xa_posture_doc(const struct xa_posture *p, struct xa_rdoc **out, struct xa_diag *diag)
{
    struct xa_rdoc *doc = xa_rdoc_new("posture", "Audit configuration posture");
    if (!doc)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    struct xa_arena *a = xa_rdoc_arena(doc);
    xa_rc rc = XA_OK;
    for (size_t i = 0; i < p->nfiles && !rc; i++)
        rc = xa_rdoc_param(doc, "file", p->files[i]);
    if (!rc && p->as_of != XA_TIME_NONE)
        rc = xa_rdoc_param(doc, "as_of", xa_rtime(a, p->as_of));
    size_t sev[5] = {0};
    for (size_t i = 0; i < p->n; i++)
        sev[p->f[i].severity]++;
    for (int s = 0; s < 5 && !rc; s++)
        rc = xa_rdoc_summary(doc, xa_severity_name((enum xa_severity)s), (int64_t)sev[s]);
    static const char *const cols[] = {"severity:Severity", "finding:Finding", "object:Object",
                                       "setting:Setting", "value:Value", "explanation:Explanation",
                                       "remediation:Remediation"};
    int sf = rc ? -1 : xa_rdoc_section(doc, "findings", "Findings", NULL, cols, 7);
    if (!rc && sf < 0)
        rc = XA_ERR_NOMEM;
    for (size_t i = 0; i < p->n && !rc; i++) {
        const struct xa_finding *f = &p->f[i];
        const char *cells[] = {xa_severity_name(f->severity), f->id, f->object, f->setting, f->value,
                               f->explanation, f->remediation};
        rc = xa_rdoc_row(doc, sf, cells);
    }
    static const char *const scols[] = {"severity:Severity", "#findings:Findings"};
    int ss = rc ? -1 : xa_rdoc_section(doc, "severities", "Findings per severity", NULL, scols, 2);
    if (!rc && ss < 0)
        rc = XA_ERR_NOMEM;
    for (int s = 0; s < 5 && !rc; s++) {
        const char *cells[] = {xa_severity_name((enum xa_severity)s), xa_rnum(a, (long long)sev[s])};
        rc = xa_rdoc_row(doc, ss, cells);
    }
    if (!rc)
        rc = xa_rdoc_chart(doc, ss, XA_CHART_BARS, "Findings per severity", 0, 1, 5);
    static const char *const icols[] = {"export:Export", "#records:Records"};
    int si = rc ? -1 : xa_rdoc_section(doc, "inputs", "What was read", NULL, icols, 2);
    if (!rc && si < 0)
        rc = XA_ERR_NOMEM;
    for (int k = 1; k < 7 && !rc; k++) {
        const char *cells[] = {xa_prec_kind_name((enum xa_prec_kind)k), xa_rnum(a, (long long)p->kinds[k])};
        rc = xa_rdoc_row(doc, si, cells);
    }
    if (rc) {
        xa_rdoc_free(doc);
        return xa_diag_set(diag, rc, "posture: %s", xa_rc_str(rc));
    }
    *out = doc;
    return XA_OK;
}

/* A comment line must stay one comment line whatever the export contained. */
static void comment(FILE *fp, const char *s)
{
    fputs("# ", fp);
    for (; s && *s; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, fp);
    fputc('\n', fp);
}

xa_rc xa_posture_script(const struct xa_posture *p, FILE *fp, struct xa_diag *diag)
{
    fputs("# exoaudit posture: remediation script.\n"
          "# Review every command before running it in Exchange Online PowerShell\n"
          "# (Connect-ExchangeOnline with an account allowed to change audit settings).\n"
          "# One command per finding; a finding without a command is listed as a comment.\n"
          "#Requires -Modules ExchangeOnlineManagement\n",
          fp);
    size_t cmds = 0;
    for (size_t i = 0; i < p->n; i++) {
        const struct xa_finding *f = &p->f[i];
        if (!f->remediation)
            continue;
        char line[1024];
        snprintf(line, sizeof(line), "[%s] %s: %s", xa_severity_name(f->severity), f->id, f->object);
        fputc('\n', fp);
        comment(fp, line);
        comment(fp, f->explanation);
        /* commands are built only from quoted values: drop control characters anyway */
        for (const char *s = f->remediation; *s; s++)
            if ((unsigned char)*s >= 0x20 && *s != 0x7f)
                fputc(*s, fp);
        fputc('\n', fp);
        cmds++;
    }
    if (!cmds)
        fputs("\n# Nothing to change: no finding needs a command.\n", fp);
    if (fflush(fp) != 0 || ferror(fp))
        return xa_diag_set(diag, XA_ERR_IO, "writing the remediation script failed");
    return XA_OK;
}
