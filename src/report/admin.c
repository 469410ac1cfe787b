/* admin.c - report admin-changes ("watch the watchers"): every Exchange admin cmdlet
 * (RecordType 1) by actor, with its parameters and target; Microsoft back-end
 * accounts excluded unless asked; external-access operations flagged. */
#include "report/map.h"
#include "report/report.h"
#include "report/util.h"

#include "core/buf.h"
#include "core/str.h"
#include "core/xtime.h"

#include <stdlib.h>
#include <string.h>

struct agg {
    const char *name;
    size_t count, external, failed;
    int64_t first, last;
    struct xa_tally what;
};

struct ctx {
    struct xa_rdoc *doc;
    struct xa_arena *a;
    int sec;
    size_t max, rows, events, external;
    struct xa_smap actor_ix, cmd_ix;
    struct agg *actors, *cmds;
    size_t nactors, ncmds, cap_actors, cap_cmds;
    struct xa_buf b;
};

static struct agg *agg(struct ctx *c, struct xa_smap *ix, struct agg **arr, size_t *n, size_t *cap,
                       const char *name)
{
    bool created;
    size_t *v = xa_smap_get(ix, name ? name : "", true, *n, &created);
    if (!v)
        return NULL;
    if (created) {
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 32;
            struct agg *na = realloc(*arr, nc * sizeof(*na));
            if (!na)
                return NULL;
            *arr = na;
            *cap = nc;
        }
        memset(&(*arr)[*n], 0, sizeof(struct agg));
        (*arr)[*n].name = xa_arena_strdup(c->a, name ? name : "");
        (*arr)[*n].first = XA_TIME_NONE;
        (*n)++;
    }
    return &(*arr)[*v];
}

static void count(struct agg *g, const struct xa_event *ev)
{
    g->count++;
    if (ev->external_access == 1)
        g->external++;
    if (ev->result == XA_RESULT_FAILURE)
        g->failed++;
    if (g->first == XA_TIME_NONE)
        g->first = ev->occurred_at;
    g->last = ev->occurred_at;
}

static bool has_param(const struct xa_event *ev, const char *name)
{
    for (size_t i = 0; i < ev->n_params; i++)
        if (xa_str_ieq(ev->params[i].name, name))
            return true;
    return false;
}

static const char *flags(const struct xa_event *ev)
{
    if (ev->external_access == 1)
        return ev->category == XA_CAT_AUDIT_CONFIG ? "external access; audit configuration"
                                                    : "external access";
    if (ev->category == XA_CAT_AUDIT_CONFIG)
        return "audit configuration";
    if (has_param(ev, "ForwardingSmtpAddress") || has_param(ev, "ForwardingAddress") ||
        has_param(ev, "ForwardTo") || has_param(ev, "RedirectTo") ||
        has_param(ev, "ForwardAsAttachmentTo"))
        return "forwarding";
    if (ev->category == XA_CAT_MAILBOX_PERMISSION)
        return "permission";
    return NULL;
}

static const char *target(const struct xa_event *ev)
{
    if (ev->mailbox)
        return ev->mailbox;
    for (size_t i = 0; i < ev->n_params; i++)
        if (xa_str_ieq(ev->params[i].name, "Identity") && ev->params[i].value)
            return ev->params[i].value;
    return ev->object;
}

static xa_rc on_event(void *ud, const struct xa_event *ev)
{
    struct ctx *c = ud;
    c->events++;
    if (ev->external_access == 1)
        c->external++;
    struct agg *g = agg(c, &c->actor_ix, &c->actors, &c->nactors, &c->cap_actors, ev->actor);
    if (!g)
        return XA_ERR_NOMEM;
    count(g, ev);
    xa_rc rc = xa_tally_add(&g->what, c->a, ev->operation, 1);
    struct agg *k = agg(c, &c->cmd_ix, &c->cmds, &c->ncmds, &c->cap_cmds, ev->operation);
    if (!k)
        return XA_ERR_NOMEM;
    count(k, ev);
    if (!rc)
        rc = xa_tally_add(&k->what, c->a, ev->actor, 1);
    if (rc || c->rows >= c->max)
        return rc;
    xa_buf_reset(&c->b);
    for (size_t i = 0; i < ev->n_params && !rc; i++)
        rc = xa_buf_printf(&c->b, "%s-%s %s", i ? " " : "", ev->params[i].name ? ev->params[i].name : "",
                           ev->params[i].value ? ev->params[i].value : "");
    if (rc)
        return rc;
    const char *cells[] = {xa_rtime(c->a, ev->occurred_at),
                           ev->actor,
                           ev->operation,
                           target(ev),
                           c->b.len ? c->b.data : "",
                           xa_result_name(ev->result),
                           ev->external_access == 1 ? "yes" : "no",
                           flags(ev),
                           ev->client_ip};
    c->rows++;
    return xa_rdoc_row(c->doc, c->sec, cells);
}

static int by_count(const void *x, const void *y)
{
    const struct agg *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->name, b->name);
}

xa_rc xa_report_admin(const struct xa_report_opts *o, struct xa_rdoc *doc, struct xa_diag *d)
{
    struct ctx c;
    memset(&c, 0, sizeof(c));
    c.doc = doc;
    c.a = xa_rdoc_arena(doc);
    c.max = xa_rmax(o);
    xa_smap_init(&c.actor_ix, c.a);
    xa_smap_init(&c.cmd_ix, c.a);
    xa_buf_init(&c.b, 1 << 20);
    struct xa_query q;
    xa_rquery(o, &q);
    static const int admin_rt[] = {1};
    if (!q.n_record_types) {
        q.record_types = admin_rt;
        q.n_record_types = 1;
    }
    struct xa_arena *a = c.a;
    xa_rc rc = xa_rparams_period(doc, o);
    static const char *const ccols[] = {"time:Time", "actor:Actor", "cmdlet:Cmdlet", "target:Target",
                                        "parameters:Parameters", "result:Result",
                                        "external_access:External access", "flags:Flags", "ip:IP"};
    /* the detail section is filled while reading; summaries are added in front later */
    int sa = -1, sk = -1;
    static const char *const acols[] = {"actor:Actor", "#operations:Operations", "cmdlets:Cmdlets",
                                        "#external:External access", "#failed:Failed",
                                        "first:First", "last:Last"};
    static const char *const kcols[] = {"cmdlet:Cmdlet", "#operations:Operations", "actors:Actors",
                                        "#external:External access"};
    if (!rc) {
        sa = xa_rdoc_section(doc, "actors", "Admin operations by actor", NULL, acols, 7);
        sk = xa_rdoc_section(doc, "cmdlets", "Admin operations by cmdlet", NULL, kcols, 4);
        c.sec = xa_rdoc_section(doc, "changes", "Every admin operation, oldest first",
                                "Parameters as logged (-Name value). External access marks "
                                "operations run by Microsoft datacenter or partner accounts.",
                                ccols, 9);
        if (sa < 0 || sk < 0 || c.sec < 0)
            rc = XA_ERR_NOMEM;
    }
    if (!rc)
        rc = o->st->ops->search(o->st->ctx, &q, on_event, &c, NULL, d);
    if (rc)
        goto out;
    if (c.nactors)
        qsort(c.actors, c.nactors, sizeof(*c.actors), by_count);
    for (size_t i = 0; i < c.nactors && !rc; i++) {
        struct agg *g = &c.actors[i];
        const char *cells[] = {g->name, xa_rnum(a, (long long)g->count), xa_tally_join(&g->what, a, true),
                               xa_rnum(a, (long long)g->external), xa_rnum(a, (long long)g->failed),
                               xa_rtime(a, g->first), xa_rtime(a, g->last)};
        rc = xa_rdoc_row(doc, sa, cells);
    }
    if (!rc)
        rc = xa_rdoc_chart(doc, sa, XA_CHART_BARS, "Admin operations per actor", 0, 1, 25);
    if (c.ncmds)
        qsort(c.cmds, c.ncmds, sizeof(*c.cmds), by_count);
    for (size_t i = 0; i < c.ncmds && !rc; i++) {
        struct agg *g = &c.cmds[i];
        const char *cells[] = {g->name, xa_rnum(a, (long long)g->count), xa_tally_join(&g->what, a, true),
                               xa_rnum(a, (long long)g->external)};
        rc = xa_rdoc_row(doc, sk, cells);
    }
    if (!rc)
        rc = xa_rdoc_summary(doc, "admin operations", (int64_t)c.events);
    if (!rc)
        rc = xa_rdoc_summary(doc, "actors", (int64_t)c.nactors);
    if (!rc)
        rc = xa_rdoc_summary(doc, "external-access operations", (int64_t)c.external);
    if (!rc && c.rows < c.events)
        rc = xa_rdoc_param(doc, "truncated", "the changes section is cut at --max-rows");
out:
    xa_smap_release(&c.actor_ix);
    xa_smap_release(&c.cmd_ix);
    free(c.actors);
    free(c.cmds);
    xa_buf_release(&c.b);
    return rc;
}
