/* format_tools.c - JSON written by cmdlets and collection tools, recognised by shape:
 *   - objects with an AuditData property (a JSON string or an object): ConvertTo-Json of
 *     Search-UnifiedAuditLog output, Microsoft-Extractor-Suite, Hawk and similar tools;
 *     AuditData is handed to the pipeline as the API record;
 *   - ConvertTo-Json of Search-AdminAuditLog (CmdletName, Caller, RunDate, CmdletParameters,
 *     ModifiedProperties) and of Search-MailboxAuditLog (Operation, LastAccessed, ...),
 *     normalised by norm/cmdlet.c with the object's JSON text as the raw record;
 *   - plain API records mixed in are passed through.
 * The stream is split by jsonstream.c (arrays of any size, JSON Lines, concatenated). */
#include "norm/cmdlet.h"
#include "parse/format.h"
#include "parse/json.h"
#include "parse/jsonstream.h"
#include "parse/utf.h"

#include "norm/psparams.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FIELDS 256

struct ctx {
    struct xa_jstream *js;
    struct xa_input *spool; /* UTF-8 copy of a UTF-16 input (Windows PowerShell's '>') */
    struct xa_format_cfg cfg;
    struct xa_json *root;  /* tree of the last record (AuditData strings point into it) */
    char *printed;         /* AuditData object printed */
    int kind;              /* 0 none, 1 AuditData, 2 admin, 3 mailbox */
};

static int probe(const unsigned char *h, size_t n, const char *path)
{
    (void)path;
    char buf[16384];
    size_t k = xa_utf_head(h, n, buf, sizeof(buf));
    size_t i = 0;
    while (i < k && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
        i++;
    if (i >= k || (buf[i] != '[' && buf[i] != '{'))
        return 0;
    const char *s = buf + i;
    if (strstr(s, "\"AuditData\""))
        return 70;
    if (strstr(s, "\"CmdletName\"") && (strstr(s, "\"Caller\"") || strstr(s, "\"RunDate\"")))
        return 70;
    if (strstr(s, "\"LastAccessed\"") && strstr(s, "\"Operation\""))
        return 70;
    return 0;
}

static xa_rc open_(struct xa_input *in, const struct xa_format_cfg *cfg, void **out,
                   struct xa_diag *diag)
{
    struct ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    c->cfg = *cfg;
    xa_rc rc = xa_utf_spool(in, &c->spool, diag);
    if (!rc)
        rc = xa_jstream_new(c->spool ? c->spool : in, cfg->max_record, &c->js, diag);
    if (rc) {
        if (c->spool)
            xa_input_close(c->spool);
        free(c);
        return rc;
    }
    *out = c;
    return XA_OK;
}

static void release(struct ctx *c)
{
    xa_json_free(c->root);
    c->root = NULL;
    free(c->printed);
    c->printed = NULL;
}

static const char *scalar(struct xa_arena *a, const struct xa_json *v)
{
    char nb[40];
    int64_t i;
    double d;
    switch (xa_json_type(v)) {
    case XA_JSON_STRING: return xa_json_str(v);
    case XA_JSON_TRUE: return "True";
    case XA_JSON_FALSE: return "False";
    case XA_JSON_NUMBER:
        if (xa_json_int(v, &i))
            snprintf(nb, sizeof(nb), "%" PRId64, i);
        else if (xa_json_num(v, &d))
            snprintf(nb, sizeof(nb), "%.17g", d);
        else
            return NULL;
        return xa_arena_strdup(a, nb);
    default: return NULL;
    }
}

static xa_rc cmdlet(struct ctx *c, struct xa_arena *a, enum xa_cmdlet_kind kind,
                    const struct xa_json *o, const struct xa_jrec *r, struct xa_item *it,
                    struct xa_diag *diag)
{
    struct xa_kv f[MAX_FIELDS];
    struct xa_cmdlet_rec cr;
    memset(&cr, 0, sizeof(cr));
    for (const struct xa_json *m = xa_json_child(o); m && cr.n < MAX_FIELDS; m = xa_json_next(m)) {
        const char *v = scalar(a, m);
        if (!v)
            continue;
        f[cr.n].name = xa_json_name(m);
        f[cr.n].value = v;
        cr.n++;
    }
    cr.f = f;
    const struct xa_json *p = xa_json_get(o, "CmdletParameters");
    if (xa_json_type(p) == XA_JSON_ARRAY) {
        size_t cap = xa_json_count(p) + 1;
        struct xa_kv *kv = xa_arena_alloc(a, cap * sizeof(*kv));
        for (const struct xa_json *e = xa_json_child(p); kv && e && cr.n_params < cap; e = xa_json_next(e)) {
            const char *name = xa_json_str(xa_json_get(e, "Name"));
            if (!name)
                continue;
            kv[cr.n_params].name = name;
            const char *v = scalar(a, xa_json_get(e, "Value"));
            kv[cr.n_params].value = v ? v : "";
            cr.n_params++;
        }
        cr.params = kv;
    } else if (xa_json_str(p) && xa_json_str(p)[0] == '-') {
        xa_norm_ps_params(xa_json_str(p), a, &cr.params, &cr.n_params);
    }
    const struct xa_json *mp = xa_json_get(o, "ModifiedProperties");
    if (xa_json_type(mp) == XA_JSON_ARRAY) {
        size_t cap = xa_json_count(mp) + 1;
        struct xa_modprop *m = xa_arena_alloc(a, cap * sizeof(*m));
        for (const struct xa_json *e = xa_json_child(mp); m && e && cr.n_mods < cap; e = xa_json_next(e)) {
            const char *name = xa_json_str(xa_json_get(e, "Name"));
            if (!name)
                continue;
            m[cr.n_mods].name = name;
            m[cr.n_mods].old_value = scalar(a, xa_json_get(e, "OldValue"));
            m[cr.n_mods].new_value = scalar(a, xa_json_get(e, "NewValue"));
            cr.n_mods++;
        }
        cr.mods = m;
    }
    const struct xa_json *si = xa_json_get(o, "SourceItems");
    if (xa_json_type(si) == XA_JSON_ARRAY) {
        size_t cap = xa_json_count(si) + 1;
        struct xa_kv *kv = xa_arena_alloc(a, cap * sizeof(*kv));
        for (const struct xa_json *e = xa_json_child(si); kv && e && cr.n_items < cap; e = xa_json_next(e)) {
            const char *s = xa_json_str(xa_json_get(e, "Subject"));
            const char *fp = xa_json_str(xa_json_get(e, "FolderPathName"));
            if (!s && !fp)
                continue;
            kv[cr.n_items].name = s ? s : "";
            kv[cr.n_items].value = fp;
            cr.n_items++;
        }
        cr.items = kv;
    }
    struct xa_cmdlet_opts co = {c->cfg.tenant_id, XA_SRC_JSON, c->cfg.domains, c->cfg.n_domains};
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = xa_norm_cmdlet(kind, &cr, &co, a, &it->ev, &d);
    if (rc == XA_ERR_NOMEM)
        return xa_diag_set(diag, rc, "out of memory");
    if (rc) {
        it->kind = XA_ITEM_BAD;
        it->data = r->data;
        it->len = r->len;
        it->total = r->total;
        it->reason = xa_arena_strdup(a, d.msg);
        return XA_OK;
    }
    char *raw = xa_arena_strndup(a, r->data, r->len);
    if (!raw)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    it->ev.raw = raw;
    it->ev.raw_len = r->len;
    it->kind = XA_ITEM_EVENT;
    if (!c->kind)
        c->kind = kind == XA_CMDLET_ADMIN ? 2 : 3;
    return XA_OK;
}

static xa_rc next(void *vctx, struct xa_arena *a, struct xa_item *it, struct xa_diag *diag)
{
    struct ctx *c = vctx;
    release(c);
    struct xa_jrec r;
    xa_rc rc = xa_jstream_next(c->js, &r, diag);
    if (rc)
        return rc;
    it->offset = r.offset;
    it->line = r.line;
    it->source = XA_SRC_JSON;
    it->data = r.data;
    it->len = r.len;
    it->total = r.total;
    if (r.status != XA_JREC_OK) {
        it->kind = XA_ITEM_BAD;
        it->reason = r.reason;
        return XA_OK;
    }
    struct xa_diag d;
    xa_diag_clear(&d);
    if (xa_json_parse(r.data, r.len, &c->root, &d) != XA_OK) {
        /* let the pipeline report the JSON error with its position */
        it->kind = XA_ITEM_JSON;
        return XA_OK;
    }
    const struct xa_json *o = c->root;
    if (xa_json_type(o) != XA_JSON_OBJECT) {
        it->kind = XA_ITEM_BAD;
        it->reason = "not a JSON object";
        return XA_OK;
    }
    const struct xa_json *ad = xa_json_get(o, "AuditData");
    if (ad) {
        if (xa_json_type(ad) == XA_JSON_STRING) {
            it->data = xa_json_str(ad);
            it->len = strlen(it->data);
        } else if (xa_json_type(ad) == XA_JSON_OBJECT) {
            c->printed = xa_json_print(ad);
            if (!c->printed)
                return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
            it->data = c->printed;
            it->len = strlen(c->printed);
        } else {
            it->kind = XA_ITEM_BAD;
            it->reason = "AuditData is neither a JSON string nor an object";
            return XA_OK;
        }
        it->kind = XA_ITEM_JSON;
        const char *t = xa_json_str(xa_json_get(o, "OrganizationId"));
        it->tenant_hint = t && *t ? t : NULL;
        if (!c->kind)
            c->kind = 1;
        return XA_OK;
    }
    const char *names[MAX_FIELDS];
    size_t n = 0;
    for (const struct xa_json *m = xa_json_child(o); m && n < MAX_FIELDS; m = xa_json_next(m))
        names[n++] = xa_json_name(m);
    enum xa_cmdlet_kind kind = xa_cmdlet_kind_of(names, n);
    if (kind != XA_CMDLET_NONE)
        return cmdlet(c, a, kind, o, &r, it, diag);
    /* an API record among the exports: normalise it as such */
    it->kind = XA_ITEM_JSON;
    return XA_OK;
}

static const char *layout(void *vctx)
{
    struct ctx *c = vctx;
    switch (c->kind) {
    case 1: return "json-auditdata-export";
    case 2: return "json-search-adminauditlog";
    case 3: return "json-search-mailboxauditlog";
    default: return "json-export";
    }
}

static void close_(void *vctx)
{
    struct ctx *c = vctx;
    if (!c)
        return;
    release(c);
    xa_jstream_free(c->js);
    if (c->spool)
        xa_input_close(c->spool);
    free(c);
}

const struct xa_format_ops xa_format_export_json = {
    .name = "export-json",
    .description = "JSON of cmdlets and tools: objects wrapping AuditData (ConvertTo-Json of "
                   "Search-UnifiedAuditLog, Microsoft-Extractor-Suite, Hawk), ConvertTo-Json of "
                   "Search-AdminAuditLog and Search-MailboxAuditLog",
    .probe = probe,
    .open = open_,
    .next = next,
    .layout = layout,
    .close = close_,
};
