/* format_csv.c - CSV exports, detected by their header row:
 *   - audit log search exports whose AuditData column holds the API record: the Purview
 *     portal (classic "CreationDate,UserIds,Operations,AuditData" and new "RecordId,
 *     CreationDate,RecordType,Operation,UserId,AuditData,..."), Search-UnifiedAuditLog |
 *     Export-Csv, and the CSVs of collection tools (Microsoft-Extractor-Suite, Hawk, ...)
 *     that keep an AuditData column. AuditData is handed to the pipeline as an API record.
 *   - Search-AdminAuditLog | Export-Csv (CmdletName, Caller, RunDate, ...) and
 *     Search-MailboxAuditLog | Export-Csv (Operation, LastAccessed, ...), normalised by
 *     norm/cmdlet.c with the row as the raw record. */
#include "norm/cmdlet.h"
#include "parse/csv.h"
#include "parse/format.h"
#include "parse/utf.h"

#include "core/str.h"
#include "norm/psparams.h"
#include "parse/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_COLS 512

enum layout { L_CLASSIC = 0, L_PURVIEW, L_POWERSHELL, L_TOOL, L_ADMIN, L_MAILBOX };

static const char *const layout_names[] = {
    "csv-purview-classic", "csv-purview", "csv-search-unifiedauditlog", "csv-auditdata",
    "csv-search-adminauditlog", "csv-search-mailboxauditlog",
};

struct ctx {
    struct xa_csv *csv;
    struct xa_format_cfg cfg;
    enum layout layout;
    size_t ncols;
    char *names[MAX_COLS];
    int audit_col;   /* AuditData column */
    int tenant_col;  /* OrganizationId / TenantId column of tool CSVs, -1 when none */
    char why[600];
};

static int col(char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(names[i], name) == 0)
            return (int)i;
    return -1;
}

static int probe(const unsigned char *h, size_t n, const char *path)
{
    (void)path;
    char buf[16384], nb[8192];
    const char *names[MAX_COLS];
    size_t k = xa_utf_head(h, n, buf, sizeof(buf));
    size_t m = xa_csv_header(buf, k, nb, sizeof(nb), names, MAX_COLS);
    if (m < 2)
        return 0;
    for (size_t i = 0; i < m; i++)
        if (strcasecmp(names[i], "AuditData") == 0)
            return 80;
    if (xa_cmdlet_kind_of(names, m) != XA_CMDLET_NONE)
        return 80;
    return 0;
}

static void close_(void *vctx)
{
    struct ctx *c = vctx;
    if (!c)
        return;
    for (size_t i = 0; i < c->ncols; i++)
        free(c->names[i]);
    xa_csv_free(c->csv);
    free(c);
}

static xa_rc open_(struct xa_input *in, const struct xa_format_cfg *cfg, void **out,
                   struct xa_diag *diag)
{
    struct ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    c->cfg = *cfg;
    xa_rc rc = xa_csv_new(in, cfg->max_record, &c->csv, diag);
    if (rc) {
        free(c);
        return rc;
    }
    struct xa_csv_row row;
    rc = xa_csv_next(c->csv, &row, diag);
    if (rc == XA_ERR_EOF)
        rc = xa_diag_set(diag, XA_ERR_UNSUPPORTED, "%s: empty CSV file (no header row)",
                         xa_input_name(in));
    else if (!rc && row.reason)
        rc = xa_diag_set(diag, XA_ERR_PARSE, "%s: line %lld: bad CSV header row: %s",
                         xa_input_name(in), row.line, row.reason);
    if (rc) {
        close_(c);
        return rc;
    }
    for (size_t i = 0; i < row.n && i < MAX_COLS; i++) {
        const char *s = row.f[i];
        size_t l = row.len[i];
        xa_str_trim(&s, &l);
        c->names[i] = strndup(s, l);
        if (!c->names[i]) {
            close_(c);
            return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
        }
        c->ncols++;
    }
    c->audit_col = col(c->names, c->ncols, "AuditData");
    c->tenant_col = col(c->names, c->ncols, "OrganizationId");
    if (c->tenant_col < 0)
        c->tenant_col = col(c->names, c->ncols, "TenantId");
    if (c->audit_col >= 0) {
        if (c->ncols == 4 && col(c->names, 4, "CreationDate") == 0 && col(c->names, 4, "UserIds") == 1)
            c->layout = L_CLASSIC;
        else if (col(c->names, c->ncols, "RecordId") == 0)
            c->layout = L_PURVIEW;
        else if (col(c->names, c->ncols, "UserIds") >= 0 && col(c->names, c->ncols, "Operations") >= 0)
            c->layout = L_POWERSHELL;
        else
            c->layout = L_TOOL;
    } else {
        enum xa_cmdlet_kind k = xa_cmdlet_kind_of((const char *const *)c->names, c->ncols);
        if (k == XA_CMDLET_NONE) {
            rc = xa_diag_set(diag, XA_ERR_UNSUPPORTED,
                             "%s: CSV without an AuditData column and not a Search-AdminAuditLog "
                             "or Search-MailboxAuditLog export (header starts with \"%s\")",
                             xa_input_name(in), c->ncols ? c->names[0] : "");
            close_(c);
            return rc;
        }
        c->layout = k == XA_CMDLET_ADMIN ? L_ADMIN : L_MAILBOX;
    }
    *out = c;
    return XA_OK;
}

static void bad(struct xa_item *it, const struct xa_csv_row *row, const char *reason)
{
    it->kind = XA_ITEM_BAD;
    it->data = row->raw;
    it->len = row->raw_len;
    it->total = row->total;
    it->reason = reason;
}

/* CmdletParameters / ModifiedProperties of an Export-Csv row: JSON (tools that serialise
 * them) or a PowerShell parameter string; .NET type names ("System.Collections...") carry
 * nothing. */
static void cmdlet_lists(struct xa_arena *a, const char *ptext, const char *mtext,
                         struct xa_cmdlet_rec *cr)
{
    if (ptext) {
        while (*ptext == ' ')
            ptext++;
        struct xa_json *j = NULL;
        if ((*ptext == '[' || *ptext == '{') &&
            xa_json_parse(ptext, strlen(ptext), &j, NULL) == XA_OK) {
            size_t cap = xa_json_count(j) + 1;
            struct xa_kv *kv = xa_arena_alloc(a, cap * sizeof(*kv));
            size_t n = 0;
            for (const struct xa_json *e = xa_json_child(j); kv && e && n < cap; e = xa_json_next(e)) {
                const char *name = xa_json_str(xa_json_get(e, "Name"));
                if (!name)
                    continue;
                kv[n].name = xa_arena_strdup(a, name);
                const char *v = xa_json_str(xa_json_get(e, "Value"));
                kv[n].value = xa_arena_strdup(a, v ? v : "");
                n++;
            }
            cr->params = kv;
            cr->n_params = kv ? n : 0;
            xa_json_free(j);
        } else if (*ptext == '-') {
            xa_norm_ps_params(ptext, a, &cr->params, &cr->n_params);
        }
    }
    if (mtext) {
        while (*mtext == ' ')
            mtext++;
        struct xa_json *j = NULL;
        if (*mtext == '[' && xa_json_parse(mtext, strlen(mtext), &j, NULL) == XA_OK) {
            size_t cap = xa_json_count(j) + 1;
            struct xa_modprop *m = xa_arena_alloc(a, cap * sizeof(*m));
            size_t n = 0;
            for (const struct xa_json *e = xa_json_child(j); m && e && n < cap; e = xa_json_next(e)) {
                const char *name = xa_json_str(xa_json_get(e, "Name"));
                if (!name)
                    continue;
                m[n].name = xa_arena_strdup(a, name);
                m[n].old_value = xa_arena_strdup(a, xa_json_str(xa_json_get(e, "OldValue")));
                m[n].new_value = xa_arena_strdup(a, xa_json_str(xa_json_get(e, "NewValue")));
                n++;
            }
            cr->mods = m;
            cr->n_mods = m ? n : 0;
            xa_json_free(j);
        }
    }
}

static xa_rc next(void *vctx, struct xa_arena *a, struct xa_item *it, struct xa_diag *diag)
{
    struct ctx *c = vctx;
    struct xa_csv_row row;
    xa_rc rc = xa_csv_next(c->csv, &row, diag);
    if (rc)
        return rc;
    it->offset = row.offset;
    it->line = row.line;
    it->source = XA_SRC_CSV;
    if (row.reason) {
        bad(it, &row, row.reason);
        return XA_OK;
    }
    if (c->audit_col >= 0) {
        if (row.n <= (size_t)c->audit_col) {
            snprintf(c->why, sizeof(c->why), "row has %zu fields, the AuditData column is number %d",
                     row.n, c->audit_col + 1);
            bad(it, &row, c->why);
            return XA_OK;
        }
        const char *s = row.f[c->audit_col];
        size_t l = row.len[c->audit_col];
        xa_str_trim(&s, &l);
        if (!l) {
            bad(it, &row, "empty AuditData column");
            return XA_OK;
        }
        it->kind = XA_ITEM_JSON;
        it->data = s;
        it->len = l;
        if (c->tenant_col >= 0 && row.n > (size_t)c->tenant_col && row.len[c->tenant_col])
            it->tenant_hint = row.f[c->tenant_col];
        return XA_OK;
    }
    struct xa_kv f[MAX_COLS];
    struct xa_cmdlet_rec cr;
    memset(&cr, 0, sizeof(cr));
    size_t n = row.n < c->ncols ? row.n : c->ncols;
    for (size_t i = 0; i < n; i++) {
        f[i].name = c->names[i];
        f[i].value = row.f[i];
    }
    cr.f = f;
    cr.n = n;
    int pc = col(c->names, n, "CmdletParameters"), mc = col(c->names, n, "ModifiedProperties");
    cmdlet_lists(a, pc >= 0 ? row.f[pc] : NULL, mc >= 0 ? row.f[mc] : NULL, &cr);
    struct xa_cmdlet_opts o = {c->cfg.tenant_id, XA_SRC_CSV, c->cfg.domains, c->cfg.n_domains};
    struct xa_diag d;
    xa_diag_clear(&d);
    rc = xa_norm_cmdlet(c->layout == L_ADMIN ? XA_CMDLET_ADMIN : XA_CMDLET_MAILBOX, &cr, &o, a,
                        &it->ev, &d);
    if (rc == XA_ERR_NOMEM)
        return xa_diag_set(diag, rc, "out of memory");
    if (rc) {
        snprintf(c->why, sizeof(c->why), "%.500s", d.msg);
        bad(it, &row, c->why);
        return XA_OK;
    }
    char *raw = xa_arena_strndup(a, row.raw, row.raw_len);
    if (!raw)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    it->ev.raw = raw;
    it->ev.raw_len = row.raw_len;
    it->kind = XA_ITEM_EVENT;
    return XA_OK;
}

static const char *layout(void *vctx)
{
    struct ctx *c = vctx;
    return layout_names[c->layout];
}

const struct xa_format_ops xa_format_csv = {
    .name = "csv",
    .description = "audit log search CSV exports (Purview portal, Search-UnifiedAuditLog, tools "
                   "with an AuditData column), Search-AdminAuditLog and Search-MailboxAuditLog "
                   "Export-Csv",
    .probe = probe,
    .open = open_,
    .next = next,
    .layout = layout,
    .close = close_,
};
