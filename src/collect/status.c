/* status.c - the collector's status from the archive (stream state and gap ledger), as
 * text tables or JSON. */
#include "collect/status.h"
#include "core/xtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gapcount {
    char tenant[64];
    char ct[40];
    int64_t open;
};

struct sctx {
    struct xa_buf *out;
    bool json;
    bool first;
    struct gapcount *gc;
    size_t ngc, capgc;
    bool all_gaps;
    int64_t now;
};

static const char *gstatus(enum xa_gap_status s)
{
    return s == XA_GAP_OPEN ? "open" : s == XA_GAP_CLOSED ? "closed" : "expired";
}

static xa_rc count_gap(void *ud, const struct xa_gap *g)
{
    struct sctx *c = ud;
    if (g->status != XA_GAP_OPEN)
        return XA_OK;
    for (size_t i = 0; i < c->ngc; i++)
        if (strcmp(c->gc[i].tenant, g->tenant_id) == 0 && strcmp(c->gc[i].ct, g->content_type) == 0) {
            c->gc[i].open++;
            return XA_OK;
        }
    if (c->ngc == c->capgc) {
        size_t cap = c->capgc ? c->capgc * 2 : 16;
        struct gapcount *p = realloc(c->gc, cap * sizeof(*p));
        if (!p)
            return XA_ERR_NOMEM;
        c->gc = p;
        c->capgc = cap;
    }
    struct gapcount *x = &c->gc[c->ngc++];
    snprintf(x->tenant, sizeof(x->tenant), "%s", g->tenant_id);
    snprintf(x->ct, sizeof(x->ct), "%s", g->content_type);
    x->open = 1;
    return XA_OK;
}

static int64_t open_gaps(const struct sctx *c, const char *t, const char *ct)
{
    for (size_t i = 0; i < c->ngc; i++)
        if (strcmp(c->gc[i].tenant, t) == 0 && strcmp(c->gc[i].ct, ct) == 0)
            return c->gc[i].open;
    return 0;
}

static void jtime(struct xa_buf *b, const char *name, int64_t t)
{
    char ts[32];
    if (t == XA_TIME_NONE)
        xa_buf_printf(b, ",\"%s\":null", name);
    else
        xa_buf_printf(b, ",\"%s\":\"%s\"", name, xa_time_format(t, ts));
}

static xa_rc emit_stream(void *ud, const struct xa_stream_state *s)
{
    struct sctx *c = ud;
    struct xa_buf *b = c->out;
    int64_t ref = s->server_now != XA_TIME_NONE ? s->server_now : c->now;
    int64_t lag = s->listed_until == XA_TIME_NONE ? -1 : (ref - s->listed_until) / 1000000;
    int64_t og = open_gaps(c, s->tenant_id, s->content_type);
    if (c->json) {
        xa_buf_puts(b, c->first ? "\n  {" : ",\n  {");
        c->first = false;
        xa_buf_puts(b, "\"tenant_id\":");
        xa_buf_json_str(b, s->tenant_id, (size_t)-1);
        xa_buf_puts(b, ",\"content_type\":");
        xa_buf_json_str(b, s->content_type, (size_t)-1);
        jtime(b, "window_start", s->window_start);
        jtime(b, "listed_until", s->listed_until);
        jtime(b, "api_now", s->server_now);
        if (lag >= 0)
            xa_buf_printf(b, ",\"lag_seconds\":%lld", (long long)lag);
        else
            xa_buf_puts(b, ",\"lag_seconds\":null");
        xa_buf_printf(b,
                      ",\"blobs_listed\":%lld,\"blobs_fetched\":%lld,\"blobs_failed\":%lld,"
                      "\"blobs_expired\":%lld,\"records\":%lld,\"duplicates\":%lld,\"open_gaps\":%lld",
                      (long long)s->blobs_listed, (long long)s->blobs_fetched,
                      (long long)s->blobs_failed, (long long)s->blobs_expired, (long long)s->records,
                      (long long)s->duplicates, (long long)og);
        xa_buf_puts(b, ",\"last_error\":");
        xa_buf_json_str(b, s->last_error, (size_t)-1);
        jtime(b, "last_error_at", s->last_error_at);
        xa_buf_putc(b, '}');
    } else {
        char w[32] = "-";
        if (s->listed_until != XA_TIME_NONE)
            xa_time_format(s->listed_until, w);
        char lagb[32] = "-";
        if (lag >= 0)
            snprintf(lagb, sizeof(lagb), "%lldm", (long long)(lag / 60));
        xa_buf_printf(b, "%-36s %-26s %-20s %7s %7lld %7lld %6lld %7lld %9lld %6lld %5lld  %s\n",
                      s->tenant_id, s->content_type, w, lagb, (long long)s->blobs_listed,
                      (long long)s->blobs_fetched, (long long)s->blobs_failed,
                      (long long)s->blobs_expired, (long long)s->records, (long long)s->duplicates,
                      (long long)og, s->last_error ? s->last_error : "");
    }
    return XA_OK;
}

static xa_rc emit_gap(void *ud, const struct xa_gap *g)
{
    struct sctx *c = ud;
    struct xa_buf *b = c->out;
    if (!c->all_gaps && g->status != XA_GAP_OPEN && g->status != XA_GAP_EXPIRED)
        return XA_OK;
    if (c->json) {
        xa_buf_puts(b, c->first ? "\n  {" : ",\n  {");
        c->first = false;
        xa_buf_puts(b, "\"tenant_id\":");
        xa_buf_json_str(b, g->tenant_id, (size_t)-1);
        xa_buf_puts(b, ",\"content_type\":");
        xa_buf_json_str(b, g->content_type, (size_t)-1);
        xa_buf_puts(b, ",\"kind\":");
        xa_buf_puts(b, g->content_id && *g->content_id ? "\"blob\"" : "\"window\"");
        xa_buf_puts(b, ",\"content_id\":");
        xa_buf_json_str(b, g->content_id && *g->content_id ? g->content_id : NULL, (size_t)-1);
        jtime(b, "start", g->start);
        jtime(b, "end", g->end);
        xa_buf_puts(b, ",\"reason\":");
        xa_buf_json_str(b, g->reason, (size_t)-1);
        jtime(b, "deadline", g->deadline);
        xa_buf_printf(b, ",\"tries\":%lld,\"status\":\"%s\"", (long long)g->tries, gstatus(g->status));
        jtime(b, "updated_at", g->updated_at);
        xa_buf_putc(b, '}');
    } else {
        char dl[32];
        xa_buf_printf(b, "%-8s %-36s %-26s %-20s %4lld  %s  %s\n", gstatus(g->status), g->tenant_id,
                      g->content_type, xa_time_format(g->deadline, dl), (long long)g->tries,
                      g->content_id && *g->content_id ? g->content_id : "(window)",
                      g->reason ? g->reason : "");
    }
    return XA_OK;
}

xa_rc xa_collect_status_write(struct xa_store *st, const struct xa_collect_status_opts *o,
                              struct xa_buf *out, struct xa_diag *diag)
{
    struct sctx x;
    memset(&x, 0, sizeof(x));
    x.out = out;
    x.json = o->json;
    x.all_gaps = o->all_gaps;
    x.now = o->now;
    size_t len0 = out->len;
    xa_rc rc = XA_OK;
    if (!st->ops->stream_list || !st->ops->gap_list)
        rc = xa_diag_set(diag, XA_ERR_UNSUPPORTED, "this archive backend keeps no collector state");
    if (!rc)
        rc = st->ops->gap_list(st->ctx, o->tenant, true, count_gap, &x, diag);
    if (!rc) {
        x.first = true;
        if (x.json)
            rc = xa_buf_puts(out, "{\"streams\":[");
        else
            rc = xa_buf_printf(out, "%-36s %-26s %-20s %7s %7s %7s %6s %7s %9s %6s %5s  %s\n",
                               "TENANT", "CONTENT TYPE", "LISTED UNTIL", "LAG", "LISTED", "FETCHED",
                               "FAILED", "EXPIRED", "RECORDS", "DUPS", "GAPS", "LAST ERROR");
    }
    if (!rc)
        rc = st->ops->stream_list(st->ctx, o->tenant, emit_stream, &x, diag);
    if (!rc) {
        x.first = true;
        if (x.json)
            rc = xa_buf_puts(out, "\n],\"gaps\":[");
        else
            rc = xa_buf_printf(out, "\n%-8s %-36s %-26s %-20s %4s  %s  %s\n", "GAP", "TENANT",
                               "CONTENT TYPE", "DEADLINE", "TRY", "CONTENT / WINDOW", "REASON");
    }
    /* open and expired gaps (the losses); closed ones too with all_gaps */
    if (!rc)
        rc = st->ops->gap_list(st->ctx, o->tenant, false, emit_gap, &x, diag);
    if (!rc && x.json)
        rc = xa_buf_puts(out, "\n]}\n");
    if (rc == XA_ERR_LIMIT || rc == XA_ERR_NOMEM)
        xa_diag_set(diag, rc, "collector status: %s", xa_rc_str(rc));
    free(x.gc);
    if (rc)
        out->len = len0;
    return rc;
}
