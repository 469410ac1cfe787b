/* cmdlet.c - admin / mailbox audit log entries -> API-shaped record -> norm.c
 * (see cmdlet.h). */
#include "norm/cmdlet.h"

#include "core/buf.h"
#include "core/str.h"
#include "core/xtime.h"
#include "norm/norm.h"
#include "norm/windows.h"
#include "parse/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *get(const struct xa_cmdlet_rec *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->f[i].name && strcasecmp(r->f[i].name, name) == 0) {
            const char *v = r->f[i].value;
            if (!v)
                return NULL;
            while (*v == ' ' || *v == '\t')
                v++;
            return *v ? r->f[i].value : NULL;
        }
    return NULL;
}

static int has(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (names[i] && strcasecmp(names[i], name) == 0)
            return 1;
    return 0;
}

enum xa_cmdlet_kind xa_cmdlet_kind_of(const char *const *names, size_t n)
{
    if (has(names, n, "AuditData"))
        return XA_CMDLET_NONE;
    if ((has(names, n, "CmdletName") || has(names, n, "Cmdlet")) &&
        (has(names, n, "Caller") || has(names, n, "RunDate")))
        return XA_CMDLET_ADMIN;
    if (has(names, n, "LastAccessed") && (has(names, n, "Operation") || has(names, n, "MailboxGuid")))
        return XA_CMDLET_MAILBOX;
    return XA_CMDLET_NONE;
}

xa_rc xa_norm_ps_time(const char *s, int64_t *out)
{
    if (!s)
        return XA_ERR_PARSE;
    const char *d = strstr(s, "Date(");
    if (d) {
        char *end;
        long long ms = strtoll(d + 5, &end, 10);
        if (end == d + 5)
            return XA_ERR_PARSE;
        *out = ms * 1000; /* the number is UTC milliseconds; an offset suffix is display only */
        return XA_OK;
    }
    return xa_time_parse(s, (size_t)-1, out);
}

static int truthy(const char *v, int *out)
{
    if (!v)
        return 0;
    if (xa_str_ieq(v, "true") || xa_str_ieq(v, "1") || xa_str_ieq(v, "yes")) {
        *out = 1;
        return 1;
    }
    if (xa_str_ieq(v, "false") || xa_str_ieq(v, "0") || xa_str_ieq(v, "no")) {
        *out = 0;
        return 1;
    }
    return 0;
}

static void jstr(struct xa_buf *b, const char *name, const char *v)
{
    if (!v)
        return;
    xa_buf_putc(b, ',');
    xa_buf_json_str(b, name, (size_t)-1);
    xa_buf_putc(b, ':');
    xa_buf_json_str(b, v, (size_t)-1);
}

static void jcopy(struct xa_buf *b, const struct xa_cmdlet_rec *r, const char *name)
{
    jstr(b, name, get(r, name));
}

static void canon(struct xa_buf *c, const char *v)
{
    xa_buf_puts(c, v ? v : "");
    xa_buf_putc(c, '\x1f');
}

/* Add name=value to ev->params (reallocating the array in a). */
static void add_param(struct xa_event *ev, struct xa_arena *a, const char *name, const char *value)
{
    struct xa_kv *kv = xa_arena_alloc(a, (ev->n_params + 1) * sizeof(*kv));
    if (!kv)
        return;
    if (ev->n_params)
        memcpy(kv, ev->params, ev->n_params * sizeof(*kv));
    kv[ev->n_params].name = name;
    kv[ev->n_params].value = value;
    ev->params = kv;
    ev->n_params++;
}

xa_rc xa_norm_cmdlet(enum xa_cmdlet_kind kind, const struct xa_cmdlet_rec *r,
                     const struct xa_cmdlet_opts *o, struct xa_arena *a, struct xa_event *ev,
                     struct xa_diag *diag)
{
    struct xa_buf b, c;
    xa_buf_init(&b, 0);
    xa_buf_init(&c, 0);
    xa_rc rc = XA_OK;
    char when[32];
    int64_t at;
    const char *actor = NULL, *actor_orig = NULL;
    const char *tn = kind == XA_CMDLET_ADMIN ? "RunDate" : "LastAccessed";
    const char *ts = get(r, tn);
    if (!ts || xa_norm_ps_time(ts, &at)) {
        rc = xa_diag_set(diag, XA_ERR_INVALID, "%s entry without a valid %s%s%s%s",
                         kind == XA_CMDLET_ADMIN ? "admin audit log" : "mailbox audit log", tn,
                         ts ? " ('" : "", ts ? ts : "", ts ? "')" : "");
        goto out;
    }
    xa_time_format(at, when);
    const char *identity = get(r, "Identity");
    if (kind == XA_CMDLET_ADMIN) {
        const char *cmd = get(r, "CmdletName") ? get(r, "CmdletName") : get(r, "Cmdlet");
        if (!cmd) {
            rc = xa_diag_set(diag, XA_ERR_INVALID, "admin audit log entry without a cmdlet name");
            goto out;
        }
        actor_orig = get(r, "Caller");
        canon(&c, "admin");
        canon(&c, actor_orig);
        canon(&c, cmd);
        canon(&c, get(r, "ObjectModified"));
        xa_buf_printf(&c, "%lld\x1f", (long long)at);
        const char *succ = get(r, "Succeeded");
        int ok = 0;
        canon(&c, truthy(succ, &ok) ? (ok ? "true" : "false") : succ);
        for (size_t i = 0; i < r->n_params; i++) {
            xa_buf_printf(&c, "%s=", r->params[i].name ? r->params[i].name : "");
            canon(&c, r->params[i].value);
        }
        xa_buf_puts(&b, "{\"RecordType\":1,\"Workload\":\"Exchange\"");
        jstr(&b, "CreationTime", when);
        jstr(&b, "Operation", cmd);
        jstr(&b, "ObjectId", get(r, "ObjectModified"));
        if (truthy(succ, &ok))
            jstr(&b, "ResultStatus", ok ? "True" : "False");
        jcopy(&b, r, "OriginatingServer");
        jcopy(&b, r, "ClientIP");
        jcopy(&b, r, "SessionId");
        jcopy(&b, r, "AppId");
        jcopy(&b, r, "ClientAppId");
        int ext;
        if (truthy(get(r, "ExternalAccess"), &ext))
            xa_buf_printf(&b, ",\"ExternalAccess\":%s", ext ? "true" : "false");
        xa_buf_puts(&b, ",\"Parameters\":[");
        for (size_t i = 0; i < r->n_params; i++) {
            xa_buf_puts(&b, i ? ",{\"Name\":" : "{\"Name\":");
            xa_buf_json_str(&b, r->params[i].name ? r->params[i].name : "", (size_t)-1);
            xa_buf_puts(&b, ",\"Value\":");
            xa_buf_json_str(&b, r->params[i].value ? r->params[i].value : "", (size_t)-1);
            xa_buf_putc(&b, '}');
        }
        xa_buf_puts(&b, "],\"ModifiedProperties\":[");
        for (size_t i = 0; i < r->n_mods; i++) {
            xa_buf_puts(&b, i ? ",{\"Name\":" : "{\"Name\":");
            xa_buf_json_str(&b, r->mods[i].name ? r->mods[i].name : "", (size_t)-1);
            xa_buf_puts(&b, ",\"OldValue\":");
            xa_buf_json_str(&b, r->mods[i].old_value ? r->mods[i].old_value : "", (size_t)-1);
            xa_buf_puts(&b, ",\"NewValue\":");
            xa_buf_json_str(&b, r->mods[i].new_value ? r->mods[i].new_value : "", (size_t)-1);
            xa_buf_putc(&b, '}');
        }
        xa_buf_putc(&b, ']');
    } else {
        const char *op = get(r, "Operation");
        if (!op) {
            rc = xa_diag_set(diag, XA_ERR_INVALID, "mailbox audit log entry without an Operation");
            goto out;
        }
        const char *lt = get(r, "LogonType");
        const char *owner_upn = get(r, "MailboxOwnerUPN");
        if (lt && xa_str_ieq(lt, "Owner") && owner_upn)
            actor_orig = owner_upn;
        else if (get(r, "LogonUserDisplayName"))
            actor_orig = get(r, "LogonUserDisplayName");
        else if (get(r, "LogonUserDN"))
            actor_orig = get(r, "LogonUserDN");
        else if (get(r, "DelegateUserDisplayName"))
            actor_orig = get(r, "DelegateUserDisplayName");
        else
            actor_orig = get(r, "LogonUserSid");
        canon(&c, "mailbox");
        canon(&c, get(r, "MailboxGuid"));
        canon(&c, op);
        xa_buf_printf(&c, "%lld\x1f", (long long)at);
        canon(&c, get(r, "LogonUserSid"));
        canon(&c, get(r, "OperationResult"));
        canon(&c, get(r, "FolderPathName"));
        canon(&c, get(r, "ClientIPAddress"));
        canon(&c, get(r, "ItemSubject"));
        for (size_t i = 0; i < r->n_items; i++)
            canon(&c, r->items[i].name);
        xa_buf_puts(&b, "{\"RecordType\":2,\"Workload\":\"Exchange\"");
        jstr(&b, "CreationTime", when);
        jstr(&b, "Operation", op);
        jstr(&b, "ResultStatus", get(r, "OperationResult"));
        jstr(&b, "LogonType", lt);
        static const char *const copy[] = {
            "InternalLogonType", "MailboxOwnerUPN", "MailboxOwnerSid", "MailboxGuid",
            "ClientIPAddress", "ClientInfoString", "ClientMachineName", "ClientProcessName",
            "ClientVersion", "LogonUserSid", "OriginatingServer", "SessionId", "AppId",
            "ClientAppId", "DestMailboxOwnerUPN", "DestMailboxGuid"};
        for (size_t i = 0; i < sizeof(copy) / sizeof(copy[0]); i++)
            jcopy(&b, r, copy[i]);
        int x;
        if (truthy(get(r, "ExternalAccess"), &x))
            xa_buf_printf(&b, ",\"ExternalAccess\":%s", x ? "true" : "false");
        if (truthy(get(r, "CrossMailboxOperation"), &x))
            xa_buf_printf(&b, ",\"CrossMailboxOperation\":%s", x ? "true" : "false");
        if (get(r, "FolderPathName") || get(r, "FolderId")) {
            xa_buf_puts(&b, ",\"Folder\":{\"Path\":");
            xa_buf_json_str(&b, get(r, "FolderPathName") ? get(r, "FolderPathName") : "", (size_t)-1);
            if (get(r, "FolderId")) {
                xa_buf_puts(&b, ",\"Id\":");
                xa_buf_json_str(&b, get(r, "FolderId"), (size_t)-1);
            }
            xa_buf_putc(&b, '}');
        }
        if (get(r, "DestFolderPathName")) {
            xa_buf_puts(&b, ",\"DestFolder\":{\"Path\":");
            xa_buf_json_str(&b, get(r, "DestFolderPathName"), (size_t)-1);
            xa_buf_putc(&b, '}');
        }
        if (get(r, "ItemSubject")) {
            xa_buf_puts(&b, ",\"Item\":{\"Subject\":");
            xa_buf_json_str(&b, get(r, "ItemSubject"), (size_t)-1);
            if (get(r, "ItemId")) {
                xa_buf_puts(&b, ",\"Id\":");
                xa_buf_json_str(&b, get(r, "ItemId"), (size_t)-1);
            }
            xa_buf_putc(&b, '}');
        }
        if (r->n_items) {
            xa_buf_puts(&b, ",\"AffectedItems\":[");
            for (size_t i = 0; i < r->n_items; i++) {
                xa_buf_puts(&b, i ? ",{\"Subject\":" : "{\"Subject\":");
                xa_buf_json_str(&b, r->items[i].name ? r->items[i].name : "", (size_t)-1);
                if (r->items[i].value) {
                    xa_buf_puts(&b, ",\"ParentFolder\":{\"Path\":");
                    xa_buf_json_str(&b, r->items[i].value, (size_t)-1);
                    xa_buf_putc(&b, '}');
                }
                xa_buf_putc(&b, '}');
            }
            xa_buf_putc(&b, ']');
        }
    }
    const char *id = identity;
    if (!id) {
        id = c.data ? xa_norm_hash_id(c.data, c.len, a) : NULL;
        if (!id) {
            rc = xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
            goto out;
        }
    }
    jstr(&b, "Id", id);
    actor = o ? xa_norm_account_upn(actor_orig, o->domains, o->n_domains, a) : NULL;
    jstr(&b, "UserId", actor ? actor : actor_orig);
    if (xa_buf_putc(&b, '}')) {
        rc = xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
        goto out;
    }
    struct xa_json *root = NULL;
    if ((rc = xa_json_parse(b.data, b.len, &root, diag)))
        goto out;
    struct xa_norm_opts no = {o && o->tenant_id ? o->tenant_id : "", o ? o->source : XA_SRC_XML,
                              XA_TIME_NONE};
    rc = xa_norm_record(root, NULL, 0, &no, a, ev, diag);
    xa_json_free(root);
    if (rc)
        goto out;
    ev->raw = NULL;
    ev->raw_len = 0;
    if (actor)
        add_param(ev, a, "ActorAccount", xa_arena_strdup(a, actor_orig));
out:
    xa_buf_release(&b);
    xa_buf_release(&c);
    return rc;
}
