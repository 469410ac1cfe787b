/* format_xml.c - XML inputs: the admin audit log report (New-AdminAuditLogSearch, EAC
 * export), the mailbox audit log report (SearchResult.xml of New-MailboxAuditLogSearch)
 * and Windows event XML (wevtutil qe /f:xml: one Event, an <Events> list, or root-less
 * concatenated events). Every <Event> element is one record; its kind is told by its
 * content (System child, Cmdlet/Caller attributes, Operation/LastAccessed attributes). */
#include "norm/cmdlet.h"
#include "norm/windows.h"
#include "parse/format.h"
#include "parse/utf.h"
#include "parse/xml.h"

#include "core/str.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FIELDS 256
#define MAX_LIST 1024

struct ctx {
    struct xa_xml_reader *r;
    struct xa_format_cfg cfg;
    int kind; /* 0 none yet, 1 events, 2 admin, 3 mailbox */
};

static int probe(const unsigned char *h, size_t n, const char *path)
{
    (void)path;
    char buf[16384];
    size_t k = xa_utf_head(h, n, buf, sizeof(buf));
    size_t i = 0;
    while (i < k && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
        i++;
    if (i >= k || buf[i] != '<')
        return 0;
    const char *s = buf + i;
    if (strstr(s, "<Event ") || strstr(s, "<Event>") || strstr(s, "<Event\n") ||
        strstr(s, "<Event\r") || strstr(s, "<Event/"))
        return 80;
    if (strstr(s, "<SearchResults") || strstr(s, "<AuditReport") || strstr(s, "<Events"))
        return 70;
    if (strncmp(s, "<?xml", 5) == 0 || strncmp(s, "<!DOCTYPE", 9) == 0)
        return 30; /* some other XML: claimed so that the reader says what is wrong */
    return 0;
}

static xa_rc open_(struct xa_input *in, const struct xa_format_cfg *cfg, void **out,
                   struct xa_diag *diag)
{
    struct ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    c->cfg = *cfg;
    xa_rc rc = xa_xml_reader_new(in, "Event", cfg->max_record, &c->r, diag);
    if (rc) {
        free(c);
        return rc;
    }
    *out = c;
    return XA_OK;
}

static void bad(struct xa_item *it, const struct xa_xml_rec *rec, const char *reason)
{
    it->kind = XA_ITEM_BAD;
    it->data = rec->raw;
    it->len = rec->raw_len;
    it->total = rec->total ? rec->total : rec->raw_len;
    it->reason = reason;
}

/* Attributes (and simple child elements) of an entry as fields. */
static size_t fields_of(const struct xa_xml_node *e, struct xa_kv *kv, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < e->n_attrs && n < max; i++) {
        kv[n].name = e->attrs[i].name;
        kv[n].value = e->attrs[i].value;
        n++;
    }
    for (const struct xa_xml_node *c = e->child; c && n < max; c = c->next)
        if (!c->child && !c->n_attrs) {
            kv[n].name = c->name;
            kv[n].value = c->text;
            n++;
        }
    return n;
}

static xa_rc next(void *vctx, struct xa_arena *a, struct xa_item *it, struct xa_diag *diag)
{
    struct ctx *c = vctx;
    struct xa_xml_rec rec;
    xa_rc rc = xa_xml_next(c->r, &rec, diag);
    if (rc)
        return rc;
    it->offset = rec.offset;
    it->line = rec.line;
    it->source = XA_SRC_XML;
    if (rec.reason) {
        bad(it, &rec, rec.reason);
        return XA_OK;
    }
    const struct xa_xml_node *e = rec.root;
    char *raw = xa_arena_strndup(a, rec.raw, rec.raw_len);
    if (!raw)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    struct xa_diag d;
    xa_diag_clear(&d);
    if (xa_xml_child(e, "System")) {
        struct xa_winevt_opts o = {c->cfg.tenant_id, XA_SRC_XML, c->cfg.domains, c->cfg.n_domains};
        rc = xa_norm_winevent(e, raw, rec.raw_len, &o, a, &it->ev, &d);
        if (rc == XA_ERR_NOMEM)
            return xa_diag_set(diag, rc, "out of memory");
        if (rc) {
            bad(it, &rec, xa_arena_strdup(a, d.msg));
            return XA_OK;
        }
        c->kind = c->kind ? c->kind : 1;
        it->kind = XA_ITEM_EVENT;
        return XA_OK;
    }
    struct xa_kv f[MAX_FIELDS];
    struct xa_cmdlet_rec cr;
    memset(&cr, 0, sizeof(cr));
    cr.f = f;
    cr.n = fields_of(e, f, MAX_FIELDS);
    const char *names[MAX_FIELDS];
    for (size_t i = 0; i < cr.n; i++)
        names[i] = f[i].name;
    enum xa_cmdlet_kind kind = xa_cmdlet_kind_of(names, cr.n);
    if (kind == XA_CMDLET_NONE) {
        bad(it, &rec, "unrecognised <Event> element: neither a Windows event (System), an admin "
                      "audit log entry (Cmdlet, Caller, RunDate) nor a mailbox audit log entry "
                      "(Operation, LastAccessed)");
        return XA_OK;
    }
    struct xa_kv *params = xa_arena_alloc(a, MAX_LIST * sizeof(*params));
    struct xa_modprop *mods = xa_arena_alloc(a, MAX_LIST * sizeof(*mods));
    struct xa_kv *items = xa_arena_alloc(a, MAX_LIST * sizeof(*items));
    if (!params || !mods || !items)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    for (const struct xa_xml_node *p = xa_xml_child(xa_xml_child(e, "CmdletParameters"), "Parameter");
         p && cr.n_params < MAX_LIST; p = p->next) {
        if (strcasecmp(p->name, "Parameter") != 0)
            continue;
        params[cr.n_params].name = xa_xml_attr(p, "Name");
        params[cr.n_params].value = xa_xml_attr(p, "Value") ? xa_xml_attr(p, "Value") : p->text;
        cr.n_params++;
    }
    for (const struct xa_xml_node *p = xa_xml_child(xa_xml_child(e, "ModifiedProperties"), "Property");
         p && cr.n_mods < MAX_LIST; p = p->next) {
        if (strcasecmp(p->name, "Property") != 0)
            continue;
        mods[cr.n_mods].name = xa_xml_attr(p, "Name");
        mods[cr.n_mods].old_value = xa_xml_attr(p, "OldValue");
        mods[cr.n_mods].new_value = xa_xml_attr(p, "NewValue");
        cr.n_mods++;
    }
    /* SourceItems / SourceFolders: every child, whatever its element name (reference 3.4) */
    for (const struct xa_xml_node *l = e->child; l; l = l->next) {
        if (strcasecmp(l->name, "SourceItems") != 0 && strcasecmp(l->name, "SourceFolders") != 0)
            continue;
        for (const struct xa_xml_node *s = l->child; s && cr.n_items < MAX_LIST; s = s->next) {
            const char *subj = xa_xml_attr(s, "Subject");
            const char *fp = xa_xml_attr(s, "FolderPathName");
            if (!subj && !fp)
                continue;
            items[cr.n_items].name = subj ? subj : "";
            items[cr.n_items].value = fp;
            cr.n_items++;
        }
    }
    cr.params = params;
    cr.mods = mods;
    cr.items = items;
    struct xa_cmdlet_opts o = {c->cfg.tenant_id, XA_SRC_XML, c->cfg.domains, c->cfg.n_domains};
    rc = xa_norm_cmdlet(kind, &cr, &o, a, &it->ev, &d);
    if (rc == XA_ERR_NOMEM)
        return xa_diag_set(diag, rc, "out of memory");
    if (rc) {
        bad(it, &rec, xa_arena_strdup(a, d.msg));
        return XA_OK;
    }
    it->ev.raw = raw;
    it->ev.raw_len = rec.raw_len;
    c->kind = c->kind ? c->kind : (kind == XA_CMDLET_ADMIN ? 2 : 3);
    it->kind = XA_ITEM_EVENT;
    return XA_OK;
}

static const char *layout(void *vctx)
{
    struct ctx *c = vctx;
    switch (c->kind) {
    case 1: return "xml-windows-events";
    case 2: return "xml-admin-audit-report";
    case 3: return "xml-mailbox-audit-report";
    default: return "xml";
    }
}

static void close_(void *vctx)
{
    struct ctx *c = vctx;
    if (!c)
        return;
    xa_xml_reader_free(c->r);
    free(c);
}

const struct xa_format_ops xa_format_xml = {
    .name = "xml",
    .description = "admin audit log report, mailbox audit log report (SearchResult.xml), Windows "
                   "event XML (wevtutil qe /f:xml)",
    .probe = probe,
    .open = open_,
    .next = next,
    .layout = layout,
    .close = close_,
};
