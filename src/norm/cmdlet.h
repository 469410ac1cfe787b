/* cmdlet.h - the Exchange cmdlet audit shapes -> struct xa_event:
 *   - admin audit log entries: the XML report of New-AdminAuditLogSearch (reference 3.3)
 *     and Search-AdminAuditLog output (3.5) saved with Export-Csv or ConvertTo-Json;
 *   - mailbox audit log entries: SearchResult.xml of New-MailboxAuditLogSearch (3.4) and
 *     Search-MailboxAuditLog output (3.6).
 * An entry is rewritten as the equivalent Management Activity API record (RecordType 1
 * ExchangeAdmin or 2 ExchangeItem) and normalised by norm.c, so on-premises and cloud
 * records of the same action get the same category, mailbox, grantee and rights.
 *
 * Identity: the entry's Identity field when it has one (Search-*AuditLog output);
 * otherwise a SHA-256 based UUID-like string (windows.h xa_norm_hash_id) over the
 * canonical fields (admin: caller, cmdlet, object, run date in UTC, succeeded,
 * parameters; mailbox: mailbox GUID, operation, time, logon SID, result, folder,
 * client IP, item subjects), so importing the same report twice stores nothing new. */
#ifndef XA_NORM_CMDLET_H
#define XA_NORM_CMDLET_H

#include "core/arena.h"
#include "core/rc.h"
#include "event/event.h"

enum xa_cmdlet_kind { XA_CMDLET_NONE = 0, XA_CMDLET_ADMIN, XA_CMDLET_MAILBOX };

struct xa_cmdlet_rec {
    const struct xa_kv *f;         /* scalar fields: attributes, columns or members */
    size_t n;
    const struct xa_kv *params;    /* CmdletParameters (admin) */
    size_t n_params;
    const struct xa_modprop *mods; /* ModifiedProperties (admin) */
    size_t n_mods;
    const struct xa_kv *items;     /* SourceItems: name = Subject, value = FolderPathName */
    size_t n_items;
};

struct xa_cmdlet_opts {
    const char *tenant_id;         /* NULL -> "" */
    enum xa_source source;
    const struct xa_kv *domains;   /* identity.domains */
    size_t n_domains;
};

/* Which shape a set of field names has (case-insensitive): admin when it has Caller or
 * CmdletName/Cmdlet with RunDate; mailbox when it has LastAccessed with Operation or
 * MailboxGuid. */
enum xa_cmdlet_kind xa_cmdlet_kind_of(const char *const *names, size_t n);

/* Normalise one entry. Every string of ev is in a; ev->raw is left NULL (the caller
 * sets the original bytes). XA_ERR_INVALID (reason in diag) when the entry has no
 * usable time or no cmdlet / operation. Thread-safe. */
xa_rc xa_norm_cmdlet(enum xa_cmdlet_kind kind, const struct xa_cmdlet_rec *r,
                     const struct xa_cmdlet_opts *o, struct xa_arena *a, struct xa_event *ev,
                     struct xa_diag *diag);

/* Parse a PowerShell/.NET time: ISO 8601 (offset honoured), US culture "M/d/yyyy h:mm:ss
 * AM" (UTC), or ConvertTo-Json's "/Date(ms)/" and "\/Date(ms+0200)\/". */
xa_rc xa_norm_ps_time(const char *s, int64_t *out);

#endif
