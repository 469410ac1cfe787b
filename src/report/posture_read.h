/* posture_read.h - reading exported Exchange Online settings: the files written by
 * ConvertTo-Json (an object or an array of objects; PowerShell 5 and 7 shapes) or
 * Export-Csv (with or without the #TYPE line; UTF-8 or UTF-16) of Get-AdminAuditLogConfig,
 * Get-OrganizationConfig, Get-Mailbox, Get-MailboxAuditBypassAssociation,
 * Get-MailboxPermission and Get-RecipientPermission.
 *
 * Every record becomes a list of name -> value pairs (names case-insensitive). A JSON
 * array value becomes its items joined by XA_PREC_SEP; a TimeSpan object its
 * "d.hh:mm:ss" text; booleans "True"/"False". Memory lives in the arena given.
 * Not thread-safe. */
#ifndef XA_REPORT_POSTURE_READ_H
#define XA_REPORT_POSTURE_READ_H

#include "core/arena.h"
#include "core/rc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XA_PREC_SEP '\x1e'
#define XA_PREC_MAX_FILE (64u << 20)

enum xa_prec_kind {
    XA_PREC_UNKNOWN = 0,
    XA_PREC_ADMIN_AUDIT,   /* Get-AdminAuditLogConfig */
    XA_PREC_ORG,           /* Get-OrganizationConfig */
    XA_PREC_MAILBOX,       /* Get-Mailbox */
    XA_PREC_BYPASS,        /* Get-MailboxAuditBypassAssociation */
    XA_PREC_MBX_PERM,      /* Get-MailboxPermission */
    XA_PREC_RECIP_PERM     /* Get-RecipientPermission */
};

struct xa_prec {
    enum xa_prec_kind kind;
    const char *file;
    long long line;        /* CSV line or 0 */
    size_t n;
    const char **names;
    const char **values;   /* NULL = null / absent */
};

struct xa_prec_set {
    struct xa_prec *v;
    size_t n, cap;
};

/* Read every record of path and append them to set. XA_ERR_PARSE / XA_ERR_IO /
 * XA_ERR_LIMIT with the file named in diag. */
xa_rc xa_prec_read(const char *path, struct xa_arena *a, struct xa_prec_set *set,
                   struct xa_diag *diag);
void xa_prec_set_release(struct xa_prec_set *set);

/* Value of a field (case-insensitive name), NULL when absent or null. */
const char *xa_prec_get(const struct xa_prec *r, const char *name);
/* Boolean field: 1 true, 0 false, -1 absent or not a boolean. */
int xa_prec_bool(const struct xa_prec *r, const char *name);
/* Split a multi-valued field into items (trimmed, empty ones dropped) in the arena.
 * Items are separated by XA_PREC_SEP, ',' or ';' (and white space when words).
 * Returns the number of items (0 when absent); *out receives the array. */
size_t xa_prec_list(const struct xa_prec *r, const char *name, bool words, struct xa_arena *a,
                    const char ***out);
/* Days of a TimeSpan field ("90.00:00:00", "90", "1.00:00:00"); -1 when absent/bad. */
double xa_prec_days(const struct xa_prec *r, const char *name);
/* Time of a date field (ISO 8601, "/Date(ms)/", US culture form); XA_TIME_NONE if bad. */
int64_t xa_prec_time(const struct xa_prec *r, const char *name);
/* The mailbox address of a record: PrimarySmtpAddress, UserPrincipalName, WindowsEmailAddress,
 * then Identity / Name. NULL when none. */
const char *xa_prec_mailbox(const struct xa_prec *r);
const char *xa_prec_kind_name(enum xa_prec_kind k);

#endif
