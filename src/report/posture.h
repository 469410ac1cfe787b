/* posture.h - audit-configuration posture: findings from exported Exchange Online
 * settings (Get-AdminAuditLogConfig, Get-OrganizationConfig, Get-Mailbox audit
 * properties, Get-MailboxAuditBypassAssociation; see posture_read.h), each with a
 * severity, an explanation and the PowerShell command that fixes it; the findings as a
 * report document and the remediation script. Not thread-safe per object. */
#ifndef XA_REPORT_POSTURE_H
#define XA_REPORT_POSTURE_H

#include "core/rc.h"
#include "report/doc.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum xa_severity { XA_SEV_CRITICAL = 0, XA_SEV_HIGH, XA_SEV_MEDIUM, XA_SEV_LOW, XA_SEV_INFO };

struct xa_finding {
    enum xa_severity severity;
    const char *id;          /* stable finding name, e.g. "audit_bypass" */
    const char *object;      /* what it is about (mailbox, account, "organization") */
    const char *setting;     /* property name */
    const char *value;       /* value found (may be NULL) */
    const char *explanation;
    const char *remediation; /* one PowerShell command, NULL when none */
};

struct xa_posture_opts {
    int64_t as_of;        /* reference time for "recently created"; XA_TIME_NONE: newest WhenCreated */
    int recent_days;      /* 0 = 30 */
    int min_age_days;     /* age limits below this are findings; 0 = 365 */
};

struct xa_posture;

/* Read the files and evaluate. *out receives the result (free with xa_posture_free). */
xa_rc xa_posture_eval(const char *const *files, size_t nfiles, const struct xa_posture_opts *o,
                      struct xa_posture **out, struct xa_diag *diag);
void xa_posture_free(struct xa_posture *p);
size_t xa_posture_count(const struct xa_posture *p);
const struct xa_finding *xa_posture_finding(const struct xa_posture *p, size_t i);
const char *xa_severity_name(enum xa_severity s);
/* The findings as a report document (caller frees). */
xa_rc xa_posture_doc(const struct xa_posture *p, struct xa_rdoc **out, struct xa_diag *diag);
/* Write the remediation script: comments, then one command per finding that has one
 * (in finding order). Every value from the exports is quoted for PowerShell. */
xa_rc xa_posture_script(const struct xa_posture *p, FILE *fp, struct xa_diag *diag);
/* Quote s as a PowerShell single-quoted string into the arena (quotes doubled,
 * control characters dropped). */
struct xa_arena;
const char *xa_ps_quote(struct xa_arena *a, const char *s);

#endif
