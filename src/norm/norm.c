/* norm.c - one parsed Office 365 audit record -> struct xa_event (see norm.h).
 *
 * Shape of the work, per record:
 *   1. one pass over the top-level members, each known (case-insensitive) name dropped
 *      into a slot (first occurrence wins) - no repeated member scans;
 *   2. refuse what cannot be archived (not an object, Id, CreationTime, RecordType);
 *   3. common schema for every record: identity, actor, result, where;
 *   4. Exchange specifics wherever the fields are present: admin cmdlet parameters and
 *      targets, mailbox owner, logon type, items and folders, permission grants;
 *   5. category, activity and is_system from the collected facts.
 * Every string stored in ev is copied into the arena or is a static constant (enum and
 * table names, "True"/"False", "SendOnBehalf", "Exchange", ""), never borrowed from rec:
 * the caller frees the JSON tree right after this returns. Only ev->raw points to the
 * caller's buffer.
 *
 * Decisions (documented here because they shape the archive):
 *   - client_ip: the first of ClientIP, ClientIPAddress, ActorIP, ActorIpAddress that
 *     holds a valid IP address (xa_norm_client_ip), port taken from the same field.
 *     ClientIP is the common-schema field present on every workload; ClientIPAddress is
 *     the mailbox-audit duplicate (equal in practice); ActorIP is newer and rare. A
 *     host name or "localhost" in ClientIP falls through to the next field.
 *   - result: True/Succeeded/Success/PartiallySucceeded -> success (the action took
 *     effect, at least partly); False/Failed/Failure -> failure; absent or anything else
 *     -> null.
 *   - parameters: admin Parameters, then OperationProperties (mailbox), then
 *     ExtendedProperties (Entra), in that order, as one name -> value list.
 *   - mailbox: mailbox records use MailboxOwnerUPN (SendAs/SendOnBehalf: the address
 *     whose identity was used, SendAsUserSmtp / SendOnBehalfOfUserSmtp). Admin cmdlets
 *     that target a mailbox use -Mailbox, else -Identity, else ObjectId; *-InboxRule
 *     without -Mailbox/-Identity acts on the caller's own mailbox (UserId). Cmdlets
 *     that do not target a mailbox leave it null (ObjectId is in object).
 *   - category, first match wins:
 *       audit_config: Set-AdminAuditLogConfig, Set-MailboxAuditBypassAssociation,
 *         Set-OrganizationConfig -AuditDisabled, Set-Mailbox with any Audit* parameter or
 *         -DefaultAuditSet (wins over a grant in the same Set-Mailbox: tampering first);
 *       mailbox_permission: Add/Remove-MailboxPermission, Add/Remove-RecipientPermission,
 *         Add/Set/Remove-MailboxFolderPermission, Set-Mailbox -GrantSendOnBehalfTo,
 *         Add/Modify/Remove/UpdateFolderPermissions, UpdateCalendarDelegation;
 *       inbox_rule: New/Set/Remove/Enable/Disable-InboxRule, UpdateInboxRules;
 *       sign_in: UserLoggedIn, UserLoginFailed, RecordType 9 and 15 (directory sign-ins
 *         only: MailboxLogin is a mailbox audit event, so mailbox_access);
 *       mailbox_access: RecordType 2, 3, 19, 50, records with LogonType/MailboxOwnerUPN,
 *         Exchange mailbox audit operations under another/absent RecordType;
 *       account: Entra (RecordType 8) operations on users, groups, members, roles,
 *         passwords, licences (not service principals / applications);
 *       file: RecordType 6 and 14, File* / Folder* operations of SharePoint/OneDrive;
 *       admin_op: other RecordType 1 (or an Exchange cmdlet with no RecordType);
 *       other: everything else.
 *   - is_system: UserId/UserKey "NT AUTHORITY\..." (any spacing/case), S-1-5-18/19/20,
 *     *.prod.outlook.com service accounts, UserType DCAdmin/System/SystemPolicy,
 *     LogonType Transport/SystemService/BestAccess. ExternalAccess alone is not enough
 *     (it is also true for partner delegated admins); a tenant admin (UserType 2) is
 *     never system by type alone.
 *   - item/folder: distinct subjects / folder paths joined with "; " (at most 64, then
 *     "; ..."); folder lists the source folder(s) first, then DestFolder. */
#include "norm/norm.h"

#include "core/str.h"
#include "core/xtime.h"
#include "norm/activity.h"
#include "norm/psparams.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ fields */

/* Slots for the top-level members we read. Order = fields[] order (sorted by
 * lower-case name for the binary search). */
enum fk {
    F_ACTOR_IP,
    F_ACTOR_IP_ADDRESS,
    F_AFFECTED_ITEMS,
    F_APP_ACCESS_CONTEXT,
    F_APP_ID,
    F_APPLICATION_ID,
    F_CLIENT_APP_ID,
    F_CLIENT_INFO_STRING,
    F_CLIENT_IP,
    F_CLIENT_IPADDRESS,
    F_CREATION_TIME,
    F_DEST_FOLDER,
    F_EXTENDED_PROPERTIES,
    F_EXTERNAL_ACCESS,
    F_FOLDER,
    F_FOLDERS,
    F_ID,
    F_ITEM,
    F_LOGON_TYPE,
    F_LOGON_USER_SID,
    F_MAILBOX_GUID,
    F_MAILBOX_OWNER_UPN,
    F_MODIFIED_PROPERTIES,
    F_OBJECT_ID,
    F_OPERATION,
    F_OPERATION_PROPERTIES,
    F_ORGANIZATION_ID,
    F_ORIGINATING_SERVER,
    F_PARAMETERS,
    F_RECORD_TYPE,
    F_RESULT_STATUS,
    F_SEND_AS_USER_MAILBOX_GUID,
    F_SEND_AS_USER_SMTP,
    F_SEND_ON_BEHALF_OF_USER_MAILBOX_GUID,
    F_SEND_ON_BEHALF_OF_USER_SMTP,
    F_SESSION_ID,
    F_SOURCE_FILE_NAME,
    F_SOURCE_RELATIVE_URL,
    F_USER_AGENT,
    F_USER_ID,
    F_USER_KEY,
    F_USER_TYPE,
    F_WORKLOAD,
    F__COUNT
};

static const char *const field_names[F__COUNT] = {
    "ActorIP",
    "ActorIpAddress",
    "AffectedItems",
    "AppAccessContext",
    "AppId",
    "ApplicationId",
    "ClientAppId",
    "ClientInfoString",
    "ClientIP",
    "ClientIPAddress",
    "CreationTime",
    "DestFolder",
    "ExtendedProperties",
    "ExternalAccess",
    "Folder",
    "Folders",
    "Id",
    "Item",
    "LogonType",
    "LogonUserSid",
    "MailboxGuid",
    "MailboxOwnerUPN",
    "ModifiedProperties",
    "ObjectId",
    "Operation",
    "OperationProperties",
    "OrganizationId",
    "OriginatingServer",
    "Parameters",
    "RecordType",
    "ResultStatus",
    "SendAsUserMailboxGuid",
    "SendAsUserSmtp",
    "SendOnBehalfOfUserMailboxGuid",
    "SendOnBehalfOfUserSmtp",
    "SessionId",
    "SourceFileName",
    "SourceRelativeUrl",
    "UserAgent",
    "UserId",
    "UserKey",
    "UserType",
    "Workload",
};

static int field_lookup(const char *name)
{
    if (!name)
        return -1;
    int lo = 0, hi = F__COUNT;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strcasecmp(name, field_names[mid]);
        if (c == 0)
            return mid;
        if (c > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* ------------------------------------------------------------------ context */

struct ctx {
    struct xa_arena *a;
    int nomem;
    const struct xa_json *f[F__COUNT];
};

static const char *dupn(struct ctx *c, const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *d = xa_arena_strndup(c->a, s, n);
    if (!d)
        c->nomem = 1;
    return d;
}

static const char *dup(struct ctx *c, const char *s)
{
    return s ? dupn(c, s, strlen(s)) : NULL;
}

static int is_blank(const char *s)
{
    if (!s)
        return 1;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return 0;
    return 1;
}

/* Text of a scalar: strings as they are, numbers in integer form when integral,
 * booleans as "True"/"False" (the Name/Value convention). keep_empty: return "" for
 * blank strings instead of NULL. Objects/arrays (keep_empty only) are printed as
 * compact JSON; otherwise NULL. Result is an arena copy. */
static const char *text_of(struct ctx *c, const struct xa_json *v, int keep_empty)
{
    char nb[40];
    switch (xa_json_type(v)) {
    case XA_JSON_STRING: {
        const char *s = xa_json_str(v);
        if (!keep_empty && is_blank(s))
            return NULL;
        return dup(c, s);
    }
    case XA_JSON_NUMBER: {
        double d = 0;
        int64_t i;
        if (xa_json_int(v, &i))
            snprintf(nb, sizeof(nb), "%" PRId64, i);
        else if (xa_json_num(v, &d))
            snprintf(nb, sizeof(nb), "%.17g", d);
        else
            return NULL;
        return dup(c, nb);
    }
    case XA_JSON_TRUE: return "True";
    case XA_JSON_FALSE: return "False";
    case XA_JSON_ARRAY:
    case XA_JSON_OBJECT:
        if (keep_empty) {
            char *p = xa_json_print(v);
            const char *r = p ? dup(c, p) : NULL;
            free(p);
            return r;
        }
        return NULL;
    default: return NULL;
    }
}

/* Optional string field: blank -> NULL. */
static const char *fstr(struct ctx *c, enum fk k)
{
    return text_of(c, c->f[k], 0);
}

/* Borrowed (not copied) non-blank string member of an object, for lookups only. */
static const char *peek(const struct xa_json *obj, const char *name)
{
    const char *s = xa_json_str(xa_json_get(obj, name));
    return is_blank(s) ? NULL : s;
}

static const char *param(const struct xa_kv *kv, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (kv[i].name && strcasecmp(kv[i].name, name) == 0)
            return is_blank(kv[i].value) ? NULL : kv[i].value;
    return NULL;
}

/* ------------------------------------------------------------------ lists */

struct kvlist {
    const struct xa_kv *kv;
    size_t n;
};

/* A Name/Value collection: an array of {Name, Value} objects, an object used as a map,
 * a JSON-encoded string of either, or (allow_ps) a PowerShell parameter string. */
static void nv_list(struct ctx *c, const struct xa_json *v, int allow_ps, int depth,
                    struct kvlist *out)
{
    out->kv = NULL;
    out->n = 0;
    enum xa_json_type t = xa_json_type(v);
    if (t == XA_JSON_STRING) {
        const char *s = xa_json_str(v);
        while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
            s++;
        if ((*s == '[' || *s == '{') && depth == 0) {
            struct xa_json *sub = NULL;
            if (xa_json_parse(s, strlen(s), &sub, NULL) == XA_OK) {
                nv_list(c, sub, 0, depth + 1, out);
                xa_json_free(sub);
                return;
            }
        }
        if (allow_ps && xa_norm_ps_params(s, c->a, &out->kv, &out->n) != XA_OK)
            c->nomem = 1;
        return;
    }
    if (t != XA_JSON_ARRAY && t != XA_JSON_OBJECT)
        return;
    size_t cap = xa_json_count(v);
    if (!cap)
        return;
    struct xa_kv *kv = xa_arena_alloc(c->a, cap * sizeof(*kv));
    if (!kv) {
        c->nomem = 1;
        return;
    }
    size_t n = 0;
    for (const struct xa_json *e = xa_json_child(v); e && n < cap; e = xa_json_next(e)) {
        const char *name;
        const struct xa_json *val;
        if (t == XA_JSON_OBJECT) {
            name = xa_json_name(e);
            val = e;
        } else {
            if (xa_json_type(e) != XA_JSON_OBJECT)
                continue;
            name = xa_json_str(xa_json_get(e, "Name"));
            val = xa_json_get(e, "Value");
        }
        if (!name)
            continue;
        kv[n].name = dup(c, name);
        kv[n].value = text_of(c, val, 1);
        n++;
    }
    out->kv = n ? kv : NULL;
    out->n = n;
}

/* ModifiedProperties: admin/Entra {Name, OldValue, NewValue} objects, or mailbox
 * records' list of property names (name only). Also a JSON-encoded string. */
static void mod_list(struct ctx *c, const struct xa_json *v, int depth,
                     const struct xa_modprop **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (xa_json_type(v) == XA_JSON_STRING) {
        const char *s = xa_json_str(v);
        while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
            s++;
        struct xa_json *sub = NULL;
        if (*s == '[' && depth == 0 && xa_json_parse(s, strlen(s), &sub, NULL) == XA_OK) {
            mod_list(c, sub, depth + 1, out, nout);
            xa_json_free(sub);
        }
        return;
    }
    if (xa_json_type(v) != XA_JSON_ARRAY)
        return;
    size_t cap = xa_json_count(v);
    if (!cap)
        return;
    struct xa_modprop *m = xa_arena_alloc(c->a, cap * sizeof(*m));
    if (!m) {
        c->nomem = 1;
        return;
    }
    size_t n = 0;
    for (const struct xa_json *e = xa_json_child(v); e && n < cap; e = xa_json_next(e)) {
        if (xa_json_type(e) == XA_JSON_STRING) {
            if (is_blank(xa_json_str(e)))
                continue;
            m[n].name = dup(c, xa_json_str(e));
            m[n].old_value = m[n].new_value = NULL;
            n++;
        } else if (xa_json_type(e) == XA_JSON_OBJECT) {
            const char *name = xa_json_str(xa_json_get(e, "Name"));
            if (!name)
                continue;
            m[n].name = dup(c, name);
            m[n].old_value = text_of(c, xa_json_get(e, "OldValue"), 1);
            m[n].new_value = text_of(c, xa_json_get(e, "NewValue"), 1);
            n++;
        }
    }
    *out = n ? m : NULL;
    *nout = n;
}

/* Distinct strings joined with "; " (bounded). Entries are borrowed from the JSON tree
 * until join_str copies them into the arena. */
#define JOIN_MAX 64
struct join {
    const char *v[JOIN_MAX];
    size_t n;
    int more;
};

static void join_add(struct join *j, const char *s)
{
    if (is_blank(s) || j->more)
        return;
    for (size_t i = 0; i < j->n; i++)
        if (strcmp(j->v[i], s) == 0)
            return;
    if (j->n == JOIN_MAX) {
        j->more = 1;
        return;
    }
    j->v[j->n++] = s;
}

static const char *join_str(struct ctx *c, const struct join *j)
{
    if (j->n == 0)
        return NULL;
    if (j->n == 1 && !j->more)
        return dup(c, j->v[0]);
    size_t len = 0;
    for (size_t i = 0; i < j->n; i++)
        len += strlen(j->v[i]) + 2;
    if (j->more)
        len += 3;
    char *p = xa_arena_alloc(c->a, len + 1);
    if (!p) {
        c->nomem = 1;
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < j->n; i++) {
        if (i) {
            memcpy(p + k, "; ", 2);
            k += 2;
        }
        size_t l = strlen(j->v[i]);
        memcpy(p + k, j->v[i], l);
        k += l;
    }
    if (j->more) {
        memcpy(p + k, "; ...", 5);
        k += 5;
    }
    p[k] = '\0';
    return p;
}

/* Item subjects and folder paths of mailbox records (RecordType 2: Item; 3: Folder,
 * Folders, AffectedItems, DestFolder; 50: Folders[].FolderItems). */
static void items_folders(struct ctx *c, struct xa_event *ev)
{
    struct join items = {0}, folders = {0};
    const struct xa_json *it = c->f[F_ITEM];
    join_add(&folders, peek(c->f[F_FOLDER], "Path"));
    for (const struct xa_json *fo = xa_json_child(c->f[F_FOLDERS]); fo; fo = xa_json_next(fo)) {
        join_add(&folders, peek(fo, "Path"));
        for (const struct xa_json *fi = xa_json_child(xa_json_get(fo, "FolderItems")); fi;
             fi = xa_json_next(fi)) {
            if (items.more)
                break;
            join_add(&items, peek(fi, "Subject"));
        }
    }
    if (xa_json_type(it) == XA_JSON_OBJECT) {
        join_add(&items, peek(it, "Subject"));
        join_add(&folders, peek(xa_json_get(it, "ParentFolder"), "Path"));
    }
    for (const struct xa_json *ai = xa_json_child(c->f[F_AFFECTED_ITEMS]); ai;
         ai = xa_json_next(ai)) {
        if (items.more && folders.more)
            break;
        join_add(&items, peek(ai, "Subject"));
        join_add(&folders, peek(xa_json_get(ai, "ParentFolder"), "Path"));
    }
    join_add(&folders, peek(c->f[F_DEST_FOLDER], "Path"));
    /* SharePoint / OneDrive file operations */
    if (!items.n)
        join_add(&items, xa_json_str(c->f[F_SOURCE_FILE_NAME]));
    if (!folders.n)
        join_add(&folders, xa_json_str(c->f[F_SOURCE_RELATIVE_URL]));
    ev->item = join_str(c, &items);
    ev->folder = join_str(c, &folders);
}

/* ------------------------------------------------------------------ enums */

static const char *const user_types[] = {
    "Regular",     "Reserved",         "Admin",        "DCAdmin",      "System",
    "Application", "ServicePrincipal", "CustomPolicy", "SystemPolicy", "PartnerTechnician",
    "Guest",
};
#define N_USER_TYPES ((int)(sizeof(user_types) / sizeof(user_types[0])))

/* UserType -> name (static or arena) and code (-1 unknown). */
static const char *user_type(struct ctx *c, const struct xa_json *v, int *code)
{
    int64_t n;
    *code = -1;
    if (xa_json_int(v, &n)) {
        if (n >= 0 && n < N_USER_TYPES) {
            *code = (int)n;
            return user_types[n];
        }
        return text_of(c, v, 0); /* unknown number: keep it as text */
    }
    const char *s = xa_json_str(v);
    if (is_blank(s))
        return NULL;
    for (int i = 0; i < N_USER_TYPES; i++)
        if (strcasecmp(s, user_types[i]) == 0) { /* also "DcAdmin" */
            *code = i;
            return user_types[i];
        }
    return dup(c, s);
}

static enum xa_logon logon_type(const struct xa_json *v)
{
    int64_t n;
    if (xa_json_int(v, &n)) {
        switch (n) {
        case 0: return XA_LOGON_OWNER;
        case 1: return XA_LOGON_ADMIN;
        case 2: return XA_LOGON_DELEGATE;
        case 3: return XA_LOGON_TRANSPORT;
        case 4: return XA_LOGON_SYSTEM; /* SystemService */
        case 5: return XA_LOGON_SYSTEM; /* BestAccess (internal) */
        case 6: return XA_LOGON_DELEGATED_ADMIN;
        default: return XA_LOGON_NONE;
        }
    }
    const char *s = xa_json_str(v);
    if (!s)
        return XA_LOGON_NONE;
    static const struct {
        const char *name;
        enum xa_logon l;
    } names[] = {
        {"Owner", XA_LOGON_OWNER},
        {"Admin", XA_LOGON_ADMIN},
        {"Delegate", XA_LOGON_DELEGATE},
        {"Delegated", XA_LOGON_DELEGATE},
        {"DelegatedAdmin", XA_LOGON_DELEGATED_ADMIN},
        {"Transport", XA_LOGON_TRANSPORT},
        {"SystemService", XA_LOGON_SYSTEM},
        {"BestAccess", XA_LOGON_SYSTEM},
        {"System", XA_LOGON_SYSTEM},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcasecmp(s, names[i].name) == 0)
            return names[i].l;
    return XA_LOGON_NONE;
}

static enum xa_result result_status(const struct xa_json *v)
{
    bool b;
    if (xa_json_type(v) == XA_JSON_TRUE || xa_json_type(v) == XA_JSON_FALSE) {
        xa_json_bool(v, &b);
        return b ? XA_RESULT_SUCCESS : XA_RESULT_FAILURE;
    }
    const char *s = xa_json_str(v);
    if (!s)
        return XA_RESULT_UNKNOWN;
    while (*s == ' ')
        s++;
    static const char *const ok[] = {"True", "Succeeded", "Success", "PartiallySucceeded",
                                     "Successful"};
    static const char *const bad[] = {"False", "Failed", "Failure", "Fail"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (strcasecmp(s, ok[i]) == 0)
            return XA_RESULT_SUCCESS;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (strcasecmp(s, bad[i]) == 0)
            return XA_RESULT_FAILURE;
    return XA_RESULT_UNKNOWN;
}

/* ------------------------------------------------------------------ system */

/* "NT AUTHORITY\..." with any spacing/case, well-known service SIDs, Exchange Online
 * datacenter accounts (Administrator@apcprd03.prod.outlook.com, ...). */
static int system_identity(const char *u)
{
    if (!u)
        return 0;
    static const char nt[] = "ntauthority\\";
    size_t k = 0;
    for (const char *p = u; *p && k < sizeof(nt) - 1; p++) {
        char ch = *p;
        if (ch == ' ' || ch == '\t')
            continue;
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if (ch != nt[k])
            break;
        k++;
    }
    if (k == sizeof(nt) - 1)
        return 1;
    const char *s = u;
    size_t n = strlen(s);
    xa_str_trim(&s, &n);
    if (xa_str_ieqn(s, n, "S-1-5-18") || xa_str_ieqn(s, n, "S-1-5-19") ||
        xa_str_ieqn(s, n, "S-1-5-20"))
        return 1;
    return n > 17 && strncasecmp(s + n - 17, ".prod.outlook.com", 17) == 0;
}

/* ------------------------------------------------------------------ cmdlets */

static int op_is(const char *op, const char *name)
{
    return op && strcasecmp(op, name) == 0;
}

static int op_in(const char *op, const char *const *list, size_t n)
{
    if (!op)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(op, list[i]) == 0)
            return 1;
    return 0;
}
#define OP_IN(op, list) op_in((op), (list), sizeof(list) / sizeof((list)[0]))

/* Noun of a Verb-Noun cmdlet, NULL when op is not of that shape. */
static const char *cmdlet_noun(const char *op)
{
    if (!op)
        return NULL;
    const char *d = strchr(op, '-');
    if (!d || d == op || !d[1] || strchr(d + 1, ' '))
        return NULL;
    return d + 1;
}

/* Cmdlet nouns whose -Identity is a mailbox (or a recipient with a mailbox). */
static const char *const mailbox_nouns[] = {
    "Mailbox",
    "CASMailbox",
    "MailboxPermission",
    "RecipientPermission",
    "MailboxAutoReplyConfiguration",
    "MailboxCalendarConfiguration",
    "MailboxJunkEmailConfiguration",
    "MailboxMessageConfiguration",
    "MailboxRegionalConfiguration",
    "MailboxSpellingConfiguration",
    "MailboxSentItemsConfiguration",
    "CalendarProcessing",
    "Clutter",
    "FocusedInbox",
};

static const char *const folder_perm_cmdlets[] = {
    "Add-MailboxFolderPermission", "Set-MailboxFolderPermission", "Remove-MailboxFolderPermission"};
static const char *const folder_perm_events[] = {"AddFolderPermissions", "ModifyFolderPermissions",
                                                 "RemoveFolderPermissions",
                                                 "UpdateFolderPermissions"};
static const char *const inbox_rule_ops[] = {"New-InboxRule",     "Set-InboxRule",
                                             "Remove-InboxRule",  "Enable-InboxRule",
                                             "Disable-InboxRule", "UpdateInboxRules"};
/* Exchange mailbox audit operations (reference 2.6.5, 2.8) for records whose
 * RecordType is not one of the mailbox types (unknown / absent). */
static const char *const mailbox_ops[] = {
    "AddFolderPermissions",
    "ApplyRecord",
    "ApplyRecordLabel",
    "AttachmentAccess",
    "Copy",
    "Create",
    "FolderBind",
    "HardDelete",
    "MailboxLogin",
    "MailItemsAccessed",
    "MessageBind",
    "ModifyFolderPermissions",
    "Move",
    "MoveToDeletedItems",
    "RecordDelete",
    "RemoveFolderPermissions",
    "SearchQueryInitiatedExchange",
    "Send",
    "SendAs",
    "SendOnBehalf",
    "SoftDelete",
    "Update",
    "UpdateCalendarDelegation",
    "UpdateComplianceTag",
    "UpdateFolderPermissions",
    "UpdateInboxRules",
};

/* Admin cmdlet targets and grants from the parameters. */
static void cmdlet_targets(struct ctx *c, struct xa_event *ev, const char *op,
                           const struct xa_kv *kv, size_t n, int *perm, int *audit)
{
    const char *noun = cmdlet_noun(op);
    const char *identity = param(kv, n, "Identity");
    const char *mbx = param(kv, n, "Mailbox");

    if (op_is(op, "Add-MailboxPermission") || op_is(op, "Remove-MailboxPermission")) {
        ev->grantee = dup(c, param(kv, n, "User"));
        ev->rights = dup(c, param(kv, n, "AccessRights"));
        *perm = 1;
    } else if (op_is(op, "Add-RecipientPermission") || op_is(op, "Remove-RecipientPermission")) {
        ev->grantee = dup(c, param(kv, n, "Trustee"));
        ev->rights = dup(c, param(kv, n, "AccessRights"));
        *perm = 1;
    } else if (OP_IN(op, folder_perm_cmdlets)) {
        ev->grantee = dup(c, param(kv, n, "User"));
        ev->rights = dup(c, param(kv, n, "AccessRights"));
        *perm = 1;
        /* Identity "mailbox:\Folder\Sub" */
        const char *sep = identity ? strstr(identity, ":\\") : NULL;
        if (sep) {
            ev->mailbox = dupn(c, identity, (size_t)(sep - identity));
            ev->folder = dup(c, sep + 1);
        } else {
            ev->mailbox = dup(c, identity);
        }
    } else if (op_is(op, "Set-Mailbox")) {
        for (size_t i = 0; i < n; i++) {
            if (!kv[i].name)
                continue;
            if (strcasecmp(kv[i].name, "GrantSendOnBehalfTo") == 0) {
                ev->grantee = dup(c, is_blank(kv[i].value) ? NULL : kv[i].value);
                ev->rights = "SendOnBehalf";
                *perm = 1;
            } else if (xa_str_istarts(kv[i].name, "Audit") ||
                       strcasecmp(kv[i].name, "DefaultAuditSet") == 0) {
                *audit = 1;
            }
        }
    } else if (op_is(op, "Set-OrganizationConfig")) {
        if (param(kv, n, "AuditDisabled"))
            *audit = 1;
    } else if (op_is(op, "Set-AdminAuditLogConfig") ||
               op_is(op, "Set-MailboxAuditBypassAssociation")) {
        *audit = 1;
    }

    if (ev->mailbox)
        return;
    if (noun && strcasecmp(noun, "InboxRule") == 0) {
        /* -Mailbox, else the mailbox part of "mailbox\rule" identities, else the
         * caller's own mailbox */
        const char *bs = identity ? strrchr(identity, '\\') : NULL;
        if (mbx)
            ev->mailbox = dup(c, mbx);
        else if (bs && bs != identity)
            ev->mailbox = dupn(c, identity, (size_t)(bs - identity));
        else if (ev->actor && strchr(ev->actor, '@') && !ev->is_system)
            ev->mailbox = ev->actor;
    } else if (noun && OP_IN(noun, mailbox_nouns)) {
        if (identity)
            ev->mailbox = dup(c, identity);
        else if (mbx)
            ev->mailbox = dup(c, mbx);
        else
            ev->mailbox = ev->object;
    } else if (mbx) {
        ev->mailbox = dup(c, mbx); /* e.g. New-MailboxExportRequest -Mailbox */
    }
}

/* Folder-permission mailbox events: the member is on Item.ParentFolder, Item or Folder. */
static void folder_member(struct ctx *c, struct xa_event *ev)
{
    const struct xa_json *it = c->f[F_ITEM];
    const struct xa_json *cand[3] = {xa_json_get(it, "ParentFolder"), it, c->f[F_FOLDER]};
    for (int i = 0; i < 3; i++) {
        const char *who = peek(cand[i], "MemberUpn");
        if (!who)
            who = peek(cand[i], "MemberSid");
        if (who) {
            ev->grantee = dup(c, who);
            ev->rights = dup(c, peek(cand[i], "MemberRights"));
            return;
        }
    }
}

/* ------------------------------------------------------------------ category */

static int workload_is(const char *w, const char *name)
{
    return w && strcasecmp(w, name) == 0;
}

static enum xa_category classify(const struct xa_event *ev, int rt, int perm, int audit,
                                 int mailbox_shape)
{
    const char *op = ev->operation;
    const char *w = ev->workload;
    if (audit)
        return XA_CAT_AUDIT_CONFIG;
    if (perm)
        return XA_CAT_MAILBOX_PERMISSION;
    if (OP_IN(op, inbox_rule_ops))
        return XA_CAT_INBOX_RULE;
    if (rt == 9 || rt == 15 || op_is(op, "UserLoggedIn") || op_is(op, "UserLoginFailed"))
        return XA_CAT_SIGN_IN;
    if (rt == 2 || rt == 3 || rt == 19 || rt == 50 || mailbox_shape ||
        ((!w || workload_is(w, "Exchange")) && OP_IN(op, mailbox_ops)))
        return XA_CAT_MAILBOX_ACCESS;
    if (op && (rt == 8 || workload_is(w, "AzureActiveDirectory"))) {
        static const char *const kw[] = {"user", "group", "member", "role", "password", "license"};
        int hit = 0;
        for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]) && !hit; i++)
            hit = xa_str_icontains(op, kw[i]) != NULL;
        if (hit && !xa_str_icontains(op, "service principal") &&
            !xa_str_icontains(op, "application"))
            return XA_CAT_ACCOUNT;
    }
    if (rt == 6 || rt == 14 ||
        ((rt == 4 || rt == 7 || workload_is(w, "SharePoint") || workload_is(w, "OneDrive")) && op &&
         (xa_str_istarts(op, "File") || xa_str_istarts(op, "Folder"))))
        return XA_CAT_FILE;
    if (rt == 1 || (rt < 0 && workload_is(w, "Exchange") && cmdlet_noun(op)))
        return XA_CAT_ADMIN_OP;
    return XA_CAT_OTHER;
}

/* ------------------------------------------------------------------ main */

static xa_rc refuse(struct xa_diag *diag, const char *id, const char *why)
{
    if (id)
        return xa_diag_set(diag, XA_ERR_INVALID, "record %.80s: %s", id, why);
    return xa_diag_set(diag, XA_ERR_INVALID, "%s", why);
}

xa_rc xa_norm_record(const struct xa_json *rec, const char *raw, size_t raw_len,
                     const struct xa_norm_opts *opts, struct xa_arena *a, struct xa_event *ev,
                     struct xa_diag *diag)
{
    struct ctx cx;
    struct ctx *c = &cx;
    memset(c, 0, sizeof(*c));
    c->a = a;

    if (xa_json_type(rec) != XA_JSON_OBJECT)
        return refuse(diag, NULL, "record is not a JSON object");
    for (const struct xa_json *m = xa_json_child(rec); m; m = xa_json_next(m)) {
        int k = field_lookup(xa_json_name(m));
        if (k >= 0 && !c->f[k])
            c->f[k] = m;
    }

    /* --- refusals */
    const char *id = xa_json_str(c->f[F_ID]);
    if (!c->f[F_ID] || xa_json_type(c->f[F_ID]) == XA_JSON_NULL)
        return refuse(diag, NULL, "record has no Id");
    if (is_blank(id))
        return refuse(diag, NULL, "Id is not a non-empty string");
    if (!c->f[F_CREATION_TIME] || xa_json_type(c->f[F_CREATION_TIME]) == XA_JSON_NULL)
        return refuse(diag, id, "record has no CreationTime");
    const char *ct = xa_json_str(c->f[F_CREATION_TIME]);
    int64_t when;
    if (!ct)
        return refuse(diag, id, "CreationTime is not a string");
    if (xa_time_parse(ct, (size_t)-1, &when) != XA_OK) {
        xa_diag_set(diag, XA_ERR_INVALID, "record %.80s: unparsable CreationTime \"%.64s\"", id,
                    ct);
        return XA_ERR_INVALID;
    }
    int rt = -1;
    const struct xa_json *rtv = c->f[F_RECORD_TYPE];
    if (rtv && xa_json_type(rtv) != XA_JSON_NULL) {
        int64_t n;
        if (xa_json_int(rtv, &n)) {
            if (n < 0 || n > INT32_MAX)
                return refuse(diag, id, "RecordType is out of range");
            rt = (int)n;
        } else {
            const char *s = xa_json_str(rtv);
            if (s) {
                size_t sl = strlen(s);
                xa_str_trim(&s, &sl);
                char nb[64];
                if (sl && sl < sizeof(nb)) {
                    memcpy(nb, s, sl);
                    nb[sl] = '\0';
                    char *end;
                    long v = strtol(nb, &end, 10);
                    if (end != nb && *end == '\0')
                        rt = (v >= 0 && v <= INT32_MAX) ? (int)v : -1;
                    else
                        rt = xa_record_type_parse(nb);
                }
            }
            if (rt < 0)
                return refuse(diag, id, "RecordType is neither an integer nor a known name");
        }
    }

    /* --- common schema */
    struct xa_event e;
    xa_event_init(&e);
    e.source = opts ? opts->source : XA_SRC_API;
    e.collected_at = opts ? opts->collected_at : XA_TIME_NONE;
    e.raw = raw;
    e.raw_len = raw_len;
    e.record_id = dup(c, id);
    e.occurred_at = when;
    e.record_type = rt;
    e.tenant_id = fstr(c, F_ORGANIZATION_ID);
    if (!e.tenant_id)
        e.tenant_id = (opts && opts->tenant_id) ? dup(c, opts->tenant_id) : "";
    e.workload = fstr(c, F_WORKLOAD);
    if (!e.workload && (rt == 1 || rt == 2 || rt == 3 || rt == 19 || rt == 50))
        e.workload = "Exchange";
    e.operation = fstr(c, F_OPERATION);
    e.actor = fstr(c, F_USER_ID);
    if (!e.actor)
        e.actor = fstr(c, F_USER_KEY);
    int ut = -1;
    e.actor_type = user_type(c, c->f[F_USER_TYPE], &ut);
    e.actor_sid = fstr(c, F_LOGON_USER_SID);
    e.result = result_status(c->f[F_RESULT_STATUS]);
    e.object = fstr(c, F_OBJECT_ID);

    /* app / session, with AppAccessContext as the fallback */
    const struct xa_json *acx = c->f[F_APP_ACCESS_CONTEXT];
    if (xa_json_type(acx) == XA_JSON_ARRAY)
        acx = xa_json_child(acx);
    if (xa_json_type(acx) != XA_JSON_OBJECT)
        acx = NULL;
    e.app_id = fstr(c, F_APP_ID);
    if (!e.app_id)
        e.app_id = fstr(c, F_APPLICATION_ID);
    e.client_app_id = fstr(c, F_CLIENT_APP_ID);
    if (!e.client_app_id)
        e.client_app_id = dup(c, peek(acx, "ClientAppId"));
    e.session_id = fstr(c, F_SESSION_ID);
    if (!e.session_id)
        e.session_id = dup(c, peek(acx, "AADSessionId"));

    /* where */
    static const enum fk ip_fields[] = {F_CLIENT_IP, F_CLIENT_IPADDRESS, F_ACTOR_IP,
                                        F_ACTOR_IP_ADDRESS};
    for (size_t i = 0; i < sizeof(ip_fields) / sizeof(ip_fields[0]) && !e.client_ip; i++) {
        const char *s = xa_json_str(c->f[ip_fields[i]]);
        if (s)
            xa_norm_client_ip(s, a, &e.client_ip, &e.client_port);
    }
    e.client_info = fstr(c, F_CLIENT_INFO_STRING);
    if (!e.client_info)
        e.client_info = fstr(c, F_USER_AGENT);
    const char *os = xa_json_str(c->f[F_ORIGINATING_SERVER]);
    if (!is_blank(os)) {
        size_t ol = strlen(os);
        xa_str_trim(&os, &ol);
        e.originating_server = dupn(c, os, ol);
    }
    bool xb;
    if (xa_json_bool(c->f[F_EXTERNAL_ACCESS], &xb))
        e.external_access = xb ? 1 : 0;

    /* detail: parameters = Parameters + OperationProperties + ExtendedProperties */
    struct kvlist pl, ol, xl;
    nv_list(c, c->f[F_PARAMETERS], 1, 0, &pl);
    nv_list(c, c->f[F_OPERATION_PROPERTIES], 0, 0, &ol);
    nv_list(c, c->f[F_EXTENDED_PROPERTIES], 0, 0, &xl);
    size_t np = pl.n + ol.n + xl.n;
    if (np == pl.n) {
        e.params = pl.kv;
    } else {
        struct xa_kv *all = xa_arena_alloc(a, np * sizeof(*all));
        if (!all) {
            c->nomem = 1;
            np = 0;
        } else {
            if (pl.n)
                memcpy(all, pl.kv, pl.n * sizeof(*all));
            if (ol.n)
                memcpy(all + pl.n, ol.kv, ol.n * sizeof(*all));
            if (xl.n)
                memcpy(all + pl.n + ol.n, xl.kv, xl.n * sizeof(*all));
            e.params = all;
        }
    }
    e.n_params = np;
    mod_list(c, c->f[F_MODIFIED_PROPERTIES], 0, &e.mods, &e.n_mods);

    /* --- mailbox records */
    int mailbox_shape = (c->f[F_LOGON_TYPE] && xa_json_type(c->f[F_LOGON_TYPE]) != XA_JSON_NULL) ||
                        xa_json_str(c->f[F_MAILBOX_OWNER_UPN]) != NULL;
    if (c->f[F_LOGON_TYPE])
        e.logon_type = logon_type(c->f[F_LOGON_TYPE]);
    e.mailbox_guid = fstr(c, F_MAILBOX_GUID);
    e.mailbox = fstr(c, F_MAILBOX_OWNER_UPN);
    if (op_is(e.operation, "SendAs") && xa_json_str(c->f[F_SEND_AS_USER_SMTP])) {
        const char *m = fstr(c, F_SEND_AS_USER_SMTP);
        const char *g = fstr(c, F_SEND_AS_USER_MAILBOX_GUID);
        e.mailbox = m ? m : e.mailbox;
        e.mailbox_guid = g ? g : e.mailbox_guid;
    } else if (op_is(e.operation, "SendOnBehalf") &&
               xa_json_str(c->f[F_SEND_ON_BEHALF_OF_USER_SMTP])) {
        const char *m = fstr(c, F_SEND_ON_BEHALF_OF_USER_SMTP);
        const char *g = fstr(c, F_SEND_ON_BEHALF_OF_USER_MAILBOX_GUID);
        e.mailbox = m ? m : e.mailbox;
        e.mailbox_guid = g ? g : e.mailbox_guid;
    }
    items_folders(c, &e);

    /* --- system actor (before cmdlet targets: *-InboxRule falls back to the actor) */
    const char *ukey = xa_json_str(c->f[F_USER_KEY]);
    e.is_system = system_identity(e.actor) || system_identity(ukey) || ut == 3 || ut == 4 ||
                  ut == 8 || e.logon_type == XA_LOGON_TRANSPORT || e.logon_type == XA_LOGON_SYSTEM;

    /* --- grants, targets, category */
    int perm = 0, audit = 0;
    if (OP_IN(e.operation, folder_perm_events)) {
        folder_member(c, &e);
        perm = 1;
    } else if (op_is(e.operation, "UpdateCalendarDelegation")) {
        folder_member(c, &e); /* the delegate, when the record names one */
        perm = 1;
    }
    if (!mailbox_shape && cmdlet_noun(e.operation)) {
        const char *fold = e.folder;
        e.folder = NULL;
        cmdlet_targets(c, &e, e.operation, pl.kv, pl.n, &perm, &audit);
        if (!e.folder)
            e.folder = fold;
        if (!e.object)
            e.object = dup(c, param(pl.kv, pl.n, "Identity"));
    }
    e.category = classify(&e, rt, perm, audit, mailbox_shape);
    const char *fa = xa_norm_activity(e.operation);
    e.activity = fa ? fa : e.operation;

    if (c->nomem)
        return xa_diag_set(diag, XA_ERR_NOMEM, "record %.80s: out of memory while normalising", id);
    *ev = e;
    return XA_OK;
}
