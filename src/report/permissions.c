/* permissions.c - report permissions: the history of mailbox permissions (FullAccess,
 * SendAs, SendOnBehalf, folder permissions, forwarding, inbox rules) reconstructed by
 * replaying the admin and mailbox events of the whole archive, optionally anchored by a
 * snapshot of the permissions; for each grant who granted what to whom and when, what
 * the grantee then did in that mailbox, and when and by whom it was revoked. */
#include "report/map.h"
#include "report/posture_read.h"
#include "report/report.h"
#include "report/util.h"

#include "core/str.h"
#include "core/xtime.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NONE SIZE_MAX

struct grant {
    const char *mailbox, *grantee, *right, *detail;
    int64_t granted_at; /* XA_TIME_NONE: before the archive */
    const char *granted_by, *grant_op, *grant_ip;
    int64_t revoked_at; /* XA_TIME_NONE: still held */
    const char *revoked_by, *revoke_op;
    const char *origin;
    const char *snapshot;
    size_t n_access;
    struct xa_tally ops;
    int64_t first_access, last_access;
    size_t next_pair;
};

struct ctx {
    struct xa_arena *a;
    struct grant *g;
    size_t n, cap;
    struct xa_smap open;  /* mailbox|grantee|right -> grant index (NONE when closed) */
    struct xa_smap pairs; /* mailbox|grantee -> first grant index of the pair */
    int64_t last_time;
    /* pass 2 */
    struct xa_rdoc *doc;
    int sec_act;
    size_t rows_act, max;
    int64_t since, until;
    struct xa_smap unexp_ix;
    struct unexp {
        const char *mailbox, *actor;
        size_t n;
        int64_t first, last;
        struct xa_tally ops;
    } *ux;
    size_t nux, capux;
};

static bool is_rule(const char *right) { return xa_str_istarts(right, "InboxRule"); }

static size_t *open_slot(struct ctx *c, const char *mailbox, const char *grantee, const char *right,
                         bool create)
{
    const char *k = xa_smap_key(c->a, mailbox, is_rule(right) ? "" : grantee, right);
    return k ? xa_smap_get(&c->open, k, create, NONE, NULL) : NULL;
}

static void close_grant(struct ctx *c, size_t i, const struct xa_event *ev, const char *how)
{
    struct grant *g = &c->g[i];
    g->revoked_at = ev->occurred_at;
    g->revoked_by = xa_arena_strdup(c->a, ev->actor);
    g->revoke_op = how ? how : xa_arena_strdup(c->a, ev->operation);
}

static size_t new_grant(struct ctx *c, const char *mailbox, const char *grantee, const char *right,
                        const char *detail)
{
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 64;
        struct grant *ng = realloc(c->g, nc * sizeof(*ng));
        if (!ng)
            return NONE;
        c->g = ng;
        c->cap = nc;
    }
    struct grant *g = &c->g[c->n];
    memset(g, 0, sizeof(*g));
    g->mailbox = xa_arena_strdup(c->a, mailbox ? mailbox : "");
    g->grantee = xa_arena_strdup(c->a, grantee ? grantee : "");
    g->right = xa_arena_strdup(c->a, right);
    g->detail = detail ? xa_arena_strdup(c->a, detail) : NULL;
    g->granted_at = XA_TIME_NONE;
    g->revoked_at = XA_TIME_NONE;
    g->first_access = XA_TIME_NONE;
    g->last_access = XA_TIME_NONE;
    g->origin = "archive";
    if (!g->mailbox || !g->grantee || !g->right)
        return NONE;
    const char *pk = xa_smap_key(c->a, g->mailbox, g->grantee, NULL);
    bool created;
    size_t *head = pk ? xa_smap_get(&c->pairs, pk, true, NONE, &created) : NULL;
    if (!head)
        return NONE;
    g->next_pair = *head;
    *head = c->n;
    return c->n++;
}

/* A grant of right to grantee on mailbox by ev; replaces an open grant of the same key. */
static xa_rc grant(struct ctx *c, const struct xa_event *ev, const char *mailbox, const char *grantee,
                   const char *right, const char *detail, bool replace)
{
    size_t *slot = open_slot(c, mailbox, grantee, right, true);
    if (!slot)
        return XA_ERR_NOMEM;
    if (*slot != NONE) {
        struct grant *old = &c->g[*slot];
        bool same = xa_str_ieq(old->detail ? old->detail : "", detail ? detail : "") &&
                    xa_str_ieq(old->grantee, grantee ? grantee : "");
        if (same || !replace)
            return XA_OK; /* granted again: the permission was already held */
        close_grant(c, *slot, ev, "replaced");
    }
    size_t i = new_grant(c, mailbox, grantee, right, detail);
    if (i == NONE)
        return XA_ERR_NOMEM;
    slot = open_slot(c, mailbox, grantee, right, true);
    if (!slot)
        return XA_ERR_NOMEM;
    *slot = i;
    struct grant *g = &c->g[i];
    g->granted_at = ev->occurred_at;
    g->granted_by = xa_arena_strdup(c->a, ev->actor);
    g->grant_op = xa_arena_strdup(c->a, ev->operation);
    g->grant_ip = ev->client_ip ? xa_arena_strdup(c->a, ev->client_ip) : NULL;
    return XA_OK;
}

static xa_rc revoke(struct ctx *c, const struct xa_event *ev, const char *mailbox, const char *grantee,
                    const char *right)
{
    size_t *slot = open_slot(c, mailbox, grantee, right, true);
    if (!slot)
        return XA_ERR_NOMEM;
    if (*slot != NONE) {
        close_grant(c, *slot, ev, NULL);
        *slot = NONE;
        return XA_OK;
    }
    /* revoked, but the grant is older than the archive */
    size_t i = new_grant(c, mailbox, grantee, right, NULL);
    if (i == NONE)
        return XA_ERR_NOMEM;
    c->g[i].origin = "revocation only (grant older than the archive)";
    close_grant(c, i, ev, NULL);
    return XA_OK;
}

static const char *param(const struct xa_event *ev, const char *name, bool *present)
{
    for (size_t i = 0; i < ev->n_params; i++)
        if (xa_str_ieq(ev->params[i].name, name)) {
            if (present)
                *present = true;
            return ev->params[i].value;
        }
    if (present)
        *present = false;
    return NULL;
}

static bool empty_value(const char *v)
{
    return !v || !*v || xa_str_ieq(v, "$null") || xa_str_ieq(v, "null") || xa_str_ieq(v, "\"\"");
}

/* Split a list value ("a, b", "a;b") into the arena; returns count. */
static size_t split(struct xa_arena *a, const char *v, const char **out, size_t max)
{
    size_t n = 0;
    char *s = xa_arena_strdup(a, v ? v : "");
    for (char *save = NULL, *t = s ? strtok_r(s, ",;", &save) : NULL; t && n < max;
         t = strtok_r(NULL, ",;", &save)) {
        const char *p = t;
        size_t l = strlen(t);
        xa_str_trim(&p, &l);
        if (!l)
            continue;
        ((char *)p)[l] = '\0';
        out[n++] = p;
    }
    return n;
}

static const char *strip_smtp(const char *v)
{
    return xa_str_istarts(v, "smtp:") ? v + 5 : v;
}

static const char *folder_of(struct xa_arena *a, const struct xa_event *ev)
{
    const char *o = ev->object;
    if (o) {
        const char *colon = strstr(o, ":\\");
        if (colon)
            return xa_arena_printf(a, "Folder %s", colon + 1);
    }
    if (ev->folder) {
        const char *semi = strchr(ev->folder, ';');
        return semi ? xa_arena_printf(a, "Folder %.*s", (int)(semi - ev->folder), ev->folder)
                    : xa_arena_printf(a, "Folder %s", ev->folder);
    }
    return "Folder";
}

static xa_rc rights_each(struct ctx *c, const struct xa_event *ev, bool add)
{
    const char *items[32];
    size_t n = split(c->a, ev->rights, items, 32);
    xa_rc rc = XA_OK;
    for (size_t i = 0; i < n && !rc; i++)
        rc = add ? grant(c, ev, ev->mailbox, ev->grantee, items[i], NULL, false)
                 : revoke(c, ev, ev->mailbox, ev->grantee, items[i]);
    return rc;
}

static const char *rule_name(struct xa_arena *a, const struct xa_event *ev)
{
    const char *n = param(ev, "Name", NULL);
    if (!n) {
        const char *id = param(ev, "Identity", NULL);
        if (!id)
            id = ev->object;
        if (id) {
            const char *bs = strrchr(id, '\\');
            n = bs ? bs + 1 : id;
        }
    }
    return xa_arena_printf(a, "InboxRule %s", n ? n : "?");
}

static xa_rc on_admin(void *ud, const struct xa_event *ev)
{
    struct ctx *c = ud;
    const char *op = ev->operation ? ev->operation : "";
    if (ev->occurred_at > c->last_time)
        c->last_time = ev->occurred_at;
    if (ev->result == XA_RESULT_FAILURE)
        return XA_OK;
    if (!ev->mailbox)
        return XA_OK;
    if (xa_str_ieq(op, "Add-MailboxPermission") || xa_str_ieq(op, "Add-RecipientPermission") ||
        xa_str_ieq(op, "Add-ADPermission"))
        return ev->grantee ? rights_each(c, ev, true) : XA_OK;
    if (xa_str_ieq(op, "Remove-MailboxPermission") || xa_str_ieq(op, "Remove-RecipientPermission") ||
        xa_str_ieq(op, "Remove-ADPermission"))
        return ev->grantee ? rights_each(c, ev, false) : XA_OK;
    if (xa_str_ieq(op, "Add-MailboxFolderPermission") || xa_str_ieq(op, "Set-MailboxFolderPermission") ||
        xa_str_ieq(op, "AddFolderPermissions") || xa_str_ieq(op, "ModifyFolderPermissions") ||
        xa_str_ieq(op, "UpdateFolderPermissions"))
        return ev->grantee ? grant(c, ev, ev->mailbox, ev->grantee, folder_of(c->a, ev), ev->rights, true)
                           : XA_OK;
    if (xa_str_ieq(op, "Remove-MailboxFolderPermission") || xa_str_ieq(op, "RemoveFolderPermissions"))
        return ev->grantee ? revoke(c, ev, ev->mailbox, ev->grantee, folder_of(c->a, ev)) : XA_OK;
    if (xa_str_ieq(op, "Set-Mailbox")) {
        xa_rc rc = XA_OK;
        bool p;
        const char *v = param(ev, "GrantSendOnBehalfTo", &p);
        if (p) {
            const char *items[64];
            if (v && strstr(v, "Remove=")) {
                size_t n = split(c->a, strstr(v, "Remove=") + 7, items, 64);
                for (size_t i = 0; i < n && !rc; i++)
                    rc = revoke(c, ev, ev->mailbox, strip_smtp(items[i]), "SendOnBehalf");
            } else if (v && strstr(v, "Add=")) {
                size_t n = split(c->a, strstr(v, "Add=") + 4, items, 64);
                for (size_t i = 0; i < n && !rc; i++)
                    rc = grant(c, ev, ev->mailbox, strip_smtp(items[i]), "SendOnBehalf", NULL, false);
            } else {
                /* the list is the new complete set */
                size_t n = empty_value(v) ? 0 : split(c->a, v, items, 64);
                for (size_t i = 0; i < c->n && !rc; i++) {
                    struct grant *g = &c->g[i];
                    if (g->revoked_at != XA_TIME_NONE || !xa_str_ieq(g->right, "SendOnBehalf") ||
                        !xa_str_ieq(g->mailbox, ev->mailbox))
                        continue;
                    bool keep = false;
                    for (size_t k = 0; k < n; k++)
                        keep |= xa_str_ieq(strip_smtp(items[k]), g->grantee);
                    if (!keep)
                        rc = revoke(c, ev, g->mailbox, g->grantee, "SendOnBehalf");
                }
                for (size_t k = 0; k < n && !rc; k++)
                    rc = grant(c, ev, ev->mailbox, strip_smtp(items[k]), "SendOnBehalf", NULL, false);
            }
        }
        static const char *const fwd[] = {"ForwardingSmtpAddress", "ForwardingAddress"};
        for (size_t f = 0; f < 2 && !rc; f++) {
            v = param(ev, fwd[f], &p);
            if (!p)
                continue;
            const char *dfw = param(ev, "DeliverToMailboxAndForward", NULL);
            const char *detail = xa_arena_printf(c->a, "%s%s", fwd[f],
                                                 dfw && xa_str_ieq(dfw, "True") ? ", keeps a copy" : "");
            /* one forward per mailbox: key it without the target */
            size_t *slot = open_slot(c, ev->mailbox, "", "Forwarding", true);
            if (!slot)
                return XA_ERR_NOMEM;
            if (*slot != NONE) {
                close_grant(c, *slot, ev, empty_value(v) ? NULL : "replaced");
                *slot = NONE;
            }
            if (!empty_value(v)) {
                size_t i = new_grant(c, ev->mailbox, strip_smtp(v), "Forwarding", detail);
                if (i == NONE || !(slot = open_slot(c, ev->mailbox, "", "Forwarding", true)))
                    return XA_ERR_NOMEM;
                *slot = i;
                c->g[i].granted_at = ev->occurred_at;
                c->g[i].granted_by = xa_arena_strdup(c->a, ev->actor);
                c->g[i].grant_op = "Set-Mailbox";
                c->g[i].grant_ip = ev->client_ip ? xa_arena_strdup(c->a, ev->client_ip) : NULL;
            }
        }
        return rc;
    }
    if (xa_str_ieq(op, "New-InboxRule") || xa_str_ieq(op, "Set-InboxRule") ||
        xa_str_ieq(op, "Enable-InboxRule")) {
        const char *to = param(ev, "ForwardTo", NULL);
        const char *kind = "ForwardTo";
        if (!to && (to = param(ev, "RedirectTo", NULL)))
            kind = "RedirectTo";
        if (!to && (to = param(ev, "ForwardAsAttachmentTo", NULL)))
            kind = "ForwardAsAttachmentTo";
        const char *detail = to ? xa_arena_printf(c->a, "%s", kind) : "no forwarding";
        const char *words = param(ev, "SubjectOrBodyContainsWords", NULL);
        const char *move = param(ev, "MoveToFolder", NULL);
        if (words || move)
            detail = xa_arena_printf(c->a, "%s%s%s%s%s", detail, words ? "; words " : "",
                                     words ? words : "", move ? "; moves to " : "", move ? move : "");
        if (xa_str_ieq(op, "Enable-InboxRule")) {
            size_t *slot = open_slot(c, ev->mailbox, "", rule_name(c->a, ev), false);
            if (slot && *slot != NONE)
                return XA_OK;
        }
        return grant(c, ev, ev->mailbox, to, rule_name(c->a, ev), detail, true);
    }
    if (xa_str_ieq(op, "Remove-InboxRule") || xa_str_ieq(op, "Disable-InboxRule")) {
        const char *r = rule_name(c->a, ev);
        size_t *slot = open_slot(c, ev->mailbox, "", r, true);
        if (!slot)
            return XA_ERR_NOMEM;
        if (*slot != NONE) {
            close_grant(c, *slot, ev, NULL);
            *slot = NONE;
            return XA_OK;
        }
        return revoke(c, ev, ev->mailbox, "", r);
    }
    return XA_OK;
}

/* ---- pass 2: what the grantees did ---- */

static const char *rights_at(struct ctx *c, size_t head, int64_t t, size_t *matched)
{
    struct xa_tally held = {0};
    *matched = 0;
    for (size_t i = head; i != NONE; i = c->g[i].next_pair) {
        struct grant *g = &c->g[i];
        if ((g->granted_at == XA_TIME_NONE || g->granted_at <= t) &&
            (g->revoked_at == XA_TIME_NONE || t < g->revoked_at)) {
            (*matched)++;
            if (xa_tally_add(&held, c->a, g->right, 1))
                return NULL;
        }
    }
    return xa_tally_join(&held, c->a, false);
}

static xa_rc on_access(void *ud, const struct xa_event *ev)
{
    struct ctx *c = ud;
    if (ev->logon_type == XA_LOGON_NONE || ev->logon_type == XA_LOGON_OWNER || !ev->mailbox ||
        !ev->actor)
        return XA_OK;
    const char *pk = xa_smap_key(c->a, ev->mailbox, ev->actor, NULL);
    size_t *head = pk ? xa_smap_get(&c->pairs, pk, false, NONE, NULL) : NULL;
    if (!head) {
        bool created;
        size_t *ui = xa_smap_get(&c->unexp_ix, pk, true, c->nux, &created);
        if (!ui)
            return XA_ERR_NOMEM;
        if (created) {
            if (c->nux == c->capux) {
                size_t nc = c->capux ? c->capux * 2 : 32;
                struct unexp *nu = realloc(c->ux, nc * sizeof(*nu));
                if (!nu)
                    return XA_ERR_NOMEM;
                c->ux = nu;
                c->capux = nc;
            }
            struct unexp *u = &c->ux[c->nux++];
            memset(u, 0, sizeof(*u));
            u->mailbox = xa_arena_strdup(c->a, ev->mailbox);
            u->actor = xa_arena_strdup(c->a, ev->actor);
            u->first = ev->occurred_at;
        }
        struct unexp *u = &c->ux[*ui];
        u->n++;
        u->last = ev->occurred_at;
        return xa_tally_add(&u->ops, c->a, ev->operation, 1);
    }
    size_t matched = 0;
    const char *held = rights_at(c, *head, ev->occurred_at, &matched);
    if (!held)
        return XA_ERR_NOMEM;
    for (size_t i = *head; i != NONE; i = c->g[i].next_pair) {
        struct grant *g = &c->g[i];
        if ((g->granted_at == XA_TIME_NONE || g->granted_at <= ev->occurred_at) &&
            (g->revoked_at == XA_TIME_NONE || ev->occurred_at < g->revoked_at)) {
            g->n_access++;
            if (g->first_access == XA_TIME_NONE)
                g->first_access = ev->occurred_at;
            g->last_access = ev->occurred_at;
            if (xa_tally_add(&g->ops, c->a, ev->operation, 1))
                return XA_ERR_NOMEM;
        }
    }
    if (c->rows_act >= c->max)
        return XA_OK;
    c->rows_act++;
    const char *cells[] = {xa_rtime(c->a, ev->occurred_at), ev->mailbox, ev->actor, ev->operation,
                           xa_logon_name(ev->logon_type), ev->folder, ev->item, ev->client_ip,
                           ev->client_info, matched ? held : "none (outside every grant)"};
    return xa_rdoc_row(c->doc, c->sec_act, cells);
}

/* ---- snapshot ---- */

static xa_rc snap_entry(struct ctx *c, const char *mailbox, const char *grantee, const char *right,
                        const char *detail, int64_t at)
{
    if (!mailbox || !grantee || !*grantee)
        return XA_OK;
    const char *pk = xa_smap_key(c->a, mailbox, grantee, NULL);
    size_t *head = pk ? xa_smap_get(&c->pairs, pk, false, NONE, NULL) : NULL;
    bool forwarding = xa_str_ieq(right, "Forwarding");
    for (size_t i = head ? *head : NONE; i != NONE; i = c->g[i].next_pair) {
        struct grant *g = &c->g[i];
        if (!xa_str_ieq(g->right, right))
            continue;
        if ((g->granted_at == XA_TIME_NONE || g->granted_at <= at) &&
            (g->revoked_at == XA_TIME_NONE || at < g->revoked_at)) {
            g->snapshot = "confirmed";
            return XA_OK;
        }
    }
    size_t i = new_grant(c, mailbox, grantee, right, detail);
    if (i == NONE)
        return XA_ERR_NOMEM;
    c->g[i].origin = "snapshot (granted before the archive, or without an audit record)";
    c->g[i].snapshot = "present";
    (void)forwarding;
    return XA_OK;
}

static xa_rc load_snapshots(struct ctx *c, const struct xa_report_opts *o, int64_t at,
                            bool covered[3], struct xa_diag *d)
{
    struct xa_prec_set set = {0};
    xa_rc rc = XA_OK;
    for (size_t i = 0; i < o->n_snapshots && !rc; i++)
        rc = xa_prec_read(o->snapshots[i], c->a, &set, d);
    for (size_t i = 0; i < set.n && !rc; i++) {
        const struct xa_prec *r = &set.v[i];
        const char **items;
        size_t n;
        switch (r->kind) {
        case XA_PREC_MBX_PERM: {
            covered[0] = true;
            const char *user = xa_prec_get(r, "User");
            if (xa_prec_bool(r, "IsInherited") == 1 || xa_prec_bool(r, "Deny") == 1 || !user ||
                xa_str_istarts(user, "NT AUTHORITY\\") || xa_str_istarts(user, "S-1-5-"))
                break;
            n = xa_prec_list(r, "AccessRights", false, c->a, &items);
            for (size_t k = 0; k < n && !rc; k++)
                rc = snap_entry(c, xa_prec_get(r, "Identity"), user, items[k], NULL, at);
            break;
        }
        case XA_PREC_RECIP_PERM: {
            covered[1] = true;
            const char *user = xa_prec_get(r, "Trustee");
            if (!user || xa_str_istarts(user, "NT AUTHORITY\\") || xa_str_istarts(user, "S-1-5-"))
                break;
            n = xa_prec_list(r, "AccessRights", false, c->a, &items);
            for (size_t k = 0; k < n && !rc; k++)
                rc = snap_entry(c, xa_prec_get(r, "Identity"), user, items[k], NULL, at);
            break;
        }
        case XA_PREC_MAILBOX: {
            covered[2] = true;
            const char *mbx = xa_prec_mailbox(r);
            n = xa_prec_list(r, "GrantSendOnBehalfTo", false, c->a, &items);
            for (size_t k = 0; k < n && !rc; k++)
                rc = snap_entry(c, mbx, strip_smtp(items[k]), "SendOnBehalf", NULL, at);
            const char *fw = xa_prec_get(r, "ForwardingSmtpAddress");
            if (!fw)
                fw = xa_prec_get(r, "ForwardingAddress");
            if (!rc && fw)
                rc = snap_entry(c, mbx, strip_smtp(fw), "Forwarding", NULL, at);
            break;
        }
        default: break;
        }
    }
    /* grants the replay says were held at the snapshot but the snapshot does not list */
    for (size_t i = 0; i < c->n && !rc; i++) {
        struct grant *g = &c->g[i];
        if (g->snapshot || !((g->granted_at == XA_TIME_NONE || g->granted_at <= at) &&
                             (g->revoked_at == XA_TIME_NONE || at < g->revoked_at)))
            continue;
        bool mp = xa_str_ieq(g->right, "FullAccess") || xa_str_ieq(g->right, "ReadPermission") ||
                  xa_str_ieq(g->right, "ChangePermission") || xa_str_ieq(g->right, "ChangeOwner") ||
                  xa_str_ieq(g->right, "DeleteItem") || xa_str_ieq(g->right, "ExternalAccount");
        bool rp = xa_str_ieq(g->right, "SendAs");
        bool mb = xa_str_ieq(g->right, "SendOnBehalf") || xa_str_ieq(g->right, "Forwarding");
        if ((mp && covered[0]) || (rp && covered[1]) || (mb && covered[2]))
            g->snapshot = "missing from snapshot (removed without an audit record?)";
    }
    xa_prec_set_release(&set);
    return rc;
}

static int by_mailbox_time(const void *x, const void *y)
{
    const struct grant *a = x, *b = y;
    int r = strcasecmp(a->mailbox, b->mailbox);
    if (r)
        return r;
    if (a->granted_at != b->granted_at)
        return a->granted_at < b->granted_at ? -1 : 1;
    if ((r = strcmp(a->right, b->right)))
        return r;
    return strcmp(a->grantee, b->grantee);
}

static const char *status(const struct grant *g)
{
    if (g->revoked_at == XA_TIME_NONE)
        return "held";
    return g->revoke_op && !strcmp(g->revoke_op, "replaced") ? "replaced" : "revoked";
}

xa_rc xa_report_permissions(const struct xa_report_opts *o, struct xa_rdoc *doc, struct xa_diag *d)
{
    struct ctx c;
    memset(&c, 0, sizeof(c));
    c.a = xa_rdoc_arena(doc);
    c.doc = doc;
    c.max = xa_rmax(o);
    c.last_time = XA_TIME_NONE;
    xa_smap_init(&c.open, c.a);
    xa_smap_init(&c.pairs, c.a);
    xa_smap_init(&c.unexp_ix, c.a);
    struct xa_arena *a = c.a;
    /* pass 1: replay every permission event from the start of the archive */
    static const char *const ops[] = {
        "Add-MailboxPermission", "Remove-MailboxPermission", "Add-RecipientPermission",
        "Remove-RecipientPermission", "Add-ADPermission", "Remove-ADPermission", "Set-Mailbox",
        "Add-MailboxFolderPermission", "Set-MailboxFolderPermission",
        "Remove-MailboxFolderPermission", "AddFolderPermissions", "ModifyFolderPermissions",
        "UpdateFolderPermissions", "RemoveFolderPermissions", "New-InboxRule", "Set-InboxRule",
        "Enable-InboxRule", "Disable-InboxRule", "Remove-InboxRule"};
    struct xa_query q1;
    xa_rquery(o, &q1);
    q1.since = XA_TIME_NONE;
    q1.operations = ops;
    q1.n_operations = sizeof(ops) / sizeof(ops[0]);
    xa_rc rc = xa_rparams_period(doc, o);
    if (!rc)
        rc = o->st->ops->search(o->st->ctx, &q1, on_admin, &c, NULL, d);
    if (rc)
        goto out;
    int64_t end = o->q.until != XA_TIME_NONE ? o->q.until : c.last_time;
    bool covered[3] = {false, false, false};
    if (o->n_snapshots) {
        int64_t sat = o->snapshot_at != XA_TIME_NONE ? o->snapshot_at : end;
        if ((rc = xa_rdoc_param(doc, "snapshot_at", xa_rtime(a, sat))))
            goto out;
        if ((rc = load_snapshots(&c, o, sat, covered, d)))
            goto out;
    }
    /* pass 2: what the grantees did (non-owner mailbox access in the period) */
    static const char *const acols[] = {"time:Time", "mailbox:Mailbox", "user:User",
                                        "operation:Operation", "logon_type:Logon", "folder:Folders",
                                        "items:Items", "ip:IP", "client:Client",
                                        "held:Rights held at the time"};
    static const char *const gcols[] = {"mailbox:Mailbox", "right:Right", "detail:Detail",
                                        "grantee:Granted to", "granted_at:Granted",
                                        "granted_by:Granted by", "grant_ip:Grantor IP",
                                        "revoked_at:Revoked", "revoked_by:Revoked by",
                                        "revoke_op:Revoked with", "status:Status",
                                        "#accesses:Accesses while held",
                                        "operations:Grantee's operations", "first_access:First access",
                                        "last_access:Last access", "origin:Origin", "snapshot:Snapshot"};
    int sg = xa_rdoc_section(doc, "grants", "Grants and revocations, by mailbox",
                             "Reconstructed by replaying the admin and mailbox events of the whole "
                             "archive. Granted '-' means before the archive (or only known from the "
                             "snapshot).",
                             gcols, 17);
    static const char *const scols[] = {"mailbox:Mailbox", "right:Right", "detail:Detail",
                                        "grantee:Held by", "since:Since", "granted_by:Granted by"};
    int64_t at = o->at != XA_TIME_NONE ? o->at : end;
    int ss = xa_rdoc_section(doc, "state", "Who held what at the end of the period", NULL, scols, 6);
    c.sec_act = xa_rdoc_section(doc, "activity",
                                "What the grantees did in the mailboxes (non-owner access)", NULL,
                                acols, 10);
    static const char *const ucols[] = {"mailbox:Mailbox", "user:User", "#events:Events",
                                        "operations:Operations", "first:First", "last:Last"};
    int su = xa_rdoc_section(doc, "unexplained",
                             "Non-owner access without any recorded grant",
                             "The permission predates the archive: add a snapshot "
                             "(--snapshot) to anchor it.",
                             ucols, 6);
    static const char *const mcols[] = {"mailbox:Mailbox", "#grants:Grants", "#held:Held now",
                                        "#accesses:Grantee accesses"};
    int sm = xa_rdoc_section(doc, "mailboxes", "Grants per mailbox", NULL, mcols, 4);
    if (sg < 0 || ss < 0 || c.sec_act < 0 || su < 0 || sm < 0) {
        rc = XA_ERR_NOMEM;
        goto out;
    }
    if ((rc = xa_rdoc_param(doc, "state_at", at == XA_TIME_NONE ? "end of archive" : xa_rtime(a, at))))
        goto out;
    struct xa_query q2;
    xa_rquery(o, &q2);
    q2.operations = NULL;
    q2.n_operations = 0;
    q2.actors = NULL;
    q2.n_actors = 0;
    q2.params = NULL;
    q2.n_params = 0;
    q2.categories = NULL;
    q2.n_categories = 0;
    static const int non_owner[] = {XA_LOGON_ADMIN, XA_LOGON_DELEGATE, XA_LOGON_DELEGATED_ADMIN};
    q2.logon_types = non_owner;
    q2.n_logon_types = 3;
    if ((rc = o->st->ops->search(o->st->ctx, &q2, on_access, &c, NULL, d)))
        goto out;

    /* rows: grants that overlap the period */
    if (c.n)
        qsort(c.g, c.n, sizeof(*c.g), by_mailbox_time);
    size_t held_total = 0, shown = 0, revoked = 0;
    struct xa_smap mix;
    xa_smap_init(&mix, a);
    struct mrow {
        const char *mailbox;
        size_t grants, held, accesses;
    } *mr = calloc(c.n ? c.n : 1, sizeof(*mr));
    size_t nmr = 0;
    if (!mr) {
        rc = XA_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < c.n && !rc; i++) {
        struct grant *g = &c.g[i];
        if (o->q.until != XA_TIME_NONE && g->granted_at != XA_TIME_NONE && g->granted_at >= o->q.until)
            continue;
        if (o->q.since != XA_TIME_NONE && g->revoked_at != XA_TIME_NONE && g->revoked_at < o->q.since)
            continue;
        bool held_at = (g->granted_at == XA_TIME_NONE || at == XA_TIME_NONE || g->granted_at <= at) &&
                       (g->revoked_at == XA_TIME_NONE || (at != XA_TIME_NONE && at < g->revoked_at));
        shown++;
        if (g->revoked_at != XA_TIME_NONE)
            revoked++;
        if (shown <= c.max) {
            const char *cells[] = {g->mailbox, g->right, g->detail, g->grantee[0] ? g->grantee : NULL,
                                   xa_rtime(a, g->granted_at), g->granted_by, g->grant_ip,
                                   xa_rtime(a, g->revoked_at), g->revoked_by, g->revoke_op, status(g),
                                   xa_rnum(a, (long long)g->n_access), xa_tally_join(&g->ops, a, true),
                                   xa_rtime(a, g->first_access), xa_rtime(a, g->last_access), g->origin,
                                   g->snapshot};
            rc = xa_rdoc_row(doc, sg, cells);
        }
        if (!rc && held_at) {
            held_total++;
            const char *cells[] = {g->mailbox, g->right, g->detail, g->grantee[0] ? g->grantee : NULL,
                                   g->granted_at == XA_TIME_NONE ? "before the archive"
                                                                 : xa_rtime(a, g->granted_at),
                                   g->granted_by};
            rc = xa_rdoc_row(doc, ss, cells);
        }
        bool created;
        size_t *mi = xa_smap_get(&mix, g->mailbox, true, nmr, &created);
        if (!mi) {
            rc = XA_ERR_NOMEM;
            break;
        }
        if (created)
            mr[nmr++].mailbox = g->mailbox;
        mr[*mi].grants++;
        mr[*mi].held += held_at;
        mr[*mi].accesses += g->n_access;
    }
    for (size_t i = 0; i < nmr && !rc; i++) {
        const char *cells[] = {mr[i].mailbox, xa_rnum(a, (long long)mr[i].grants),
                               xa_rnum(a, (long long)mr[i].held), xa_rnum(a, (long long)mr[i].accesses)};
        rc = xa_rdoc_row(doc, sm, cells);
    }
    free(mr);
    xa_smap_release(&mix);
    if (!rc)
        rc = xa_rdoc_chart(doc, sm, XA_CHART_BARS, "Grants per mailbox", 0, 1, 30);
    for (size_t i = 0; i < c.nux && !rc; i++) {
        struct unexp *u = &c.ux[i];
        const char *cells[] = {u->mailbox, u->actor, xa_rnum(a, (long long)u->n),
                               xa_tally_join(&u->ops, a, true), xa_rtime(a, u->first),
                               xa_rtime(a, u->last)};
        rc = xa_rdoc_row(doc, su, cells);
    }
    if (!rc)
        rc = xa_rdoc_summary(doc, "grants", (int64_t)shown);
    if (!rc)
        rc = xa_rdoc_summary(doc, "revoked or replaced", (int64_t)revoked);
    if (!rc)
        rc = xa_rdoc_summary(doc, "held at the end", (int64_t)held_total);
out:
    xa_smap_release(&c.open);
    xa_smap_release(&c.pairs);
    xa_smap_release(&c.unexp_ix);
    free(c.g);
    free(c.ux);
    return rc;
}
