/* timeline.c - report timeline: everything one person did (every source: cloud
 * records and on-premises Windows events; the caller passes each of the person's
 * account names as --actor) or everything done to one mailbox (--mailbox), in time
 * order. */
#include "report/report.h"
#include "report/util.h"

#include "core/buf.h"
#include "core/xtime.h"

#include <stdlib.h>
#include <string.h>

struct ctx {
    struct xa_rdoc *doc;
    struct xa_arena *a;
    int sec;
    size_t max, rows, events;
    struct xa_tally cats, sources;
    struct xa_buf b;
};

static xa_rc on_event(void *ud, const struct xa_event *ev)
{
    struct ctx *c = ud;
    c->events++;
    xa_rc rc = xa_tally_add(&c->cats, c->a, xa_category_name(ev->category), 1);
    if (!rc)
        rc = xa_tally_add(&c->sources, c->a, ev->workload ? ev->workload : xa_source_name(ev->source), 1);
    if (rc || c->rows >= c->max)
        return rc;
    xa_buf_reset(&c->b);
    if (ev->grantee)
        rc = xa_buf_printf(&c->b, "grantee %s %s; ", ev->grantee, ev->rights ? ev->rights : "");
    if (!rc && ev->folder)
        rc = xa_buf_printf(&c->b, "folder %s; ", ev->folder);
    if (!rc && ev->item)
        rc = xa_buf_printf(&c->b, "items %s; ", ev->item);
    for (size_t i = 0; i < ev->n_params && i < 12 && !rc; i++)
        rc = xa_buf_printf(&c->b, "-%s %s ", ev->params[i].name ? ev->params[i].name : "",
                           ev->params[i].value ? ev->params[i].value : "");
    if (rc)
        return rc;
    while (c->b.len && (c->b.data[c->b.len - 1] == ' ' || c->b.data[c->b.len - 1] == ';'))
        c->b.data[--c->b.len] = '\0';
    const char *cells[] = {xa_rtime(c->a, ev->occurred_at),
                           ev->actor,
                           ev->operation,
                           xa_category_name(ev->category),
                           ev->mailbox ? ev->mailbox : ev->object,
                           xa_logon_name(ev->logon_type),
                           ev->workload ? ev->workload : xa_source_name(ev->source),
                           ev->client_ip,
                           ev->client_info,
                           xa_result_name(ev->result),
                           c->b.len ? c->b.data : NULL,
                           ev->record_id};
    c->rows++;
    return xa_rdoc_row(c->doc, c->sec, cells);
}

xa_rc xa_report_timeline(const struct xa_report_opts *o, struct xa_rdoc *doc, struct xa_diag *d)
{
    struct ctx c;
    memset(&c, 0, sizeof(c));
    c.doc = doc;
    c.a = xa_rdoc_arena(doc);
    c.max = xa_rmax(o);
    xa_buf_init(&c.b, 1 << 20);
    struct xa_query q;
    xa_rquery(o, &q);
    xa_rc rc = XA_OK;
    for (size_t i = 0; i < q.n_actors && !rc; i++)
        rc = xa_rdoc_param(doc, "actor", q.actors[i]);
    for (size_t i = 0; i < q.n_mailboxes && !rc; i++)
        rc = xa_rdoc_param(doc, "mailbox", q.mailboxes[i]);
    if (!rc)
        rc = xa_rparams_period(doc, o);
    static const char *const cols[] = {"time:Time", "actor:Actor", "operation:Operation",
                                       "category:Category", "target:Target", "logon_type:Logon",
                                       "source:Source", "ip:IP", "client:Client", "result:Result",
                                       "details:Details", "record_id:Record"};
    static const char *const scols[] = {"kind:Kind", "values:Events"};
    int ss = -1;
    if (!rc) {
        ss = xa_rdoc_section(doc, "mix", "What the timeline contains", NULL, scols, 2);
        c.sec = xa_rdoc_section(doc, "events", "Events in time order", NULL, cols, 12);
        if (ss < 0 || c.sec < 0)
            rc = XA_ERR_NOMEM;
    }
    if (!rc)
        rc = o->st->ops->search(o->st->ctx, &q, on_event, &c, NULL, d);
    if (!rc) {
        const char *r1[] = {"categories", xa_tally_join(&c.cats, c.a, true)};
        const char *r2[] = {"sources", xa_tally_join(&c.sources, c.a, true)};
        rc = xa_rdoc_row(doc, ss, r1);
        if (!rc)
            rc = xa_rdoc_row(doc, ss, r2);
    }
    if (!rc)
        rc = xa_rdoc_summary(doc, "events", (int64_t)c.events);
    if (!rc && c.rows < c.events)
        rc = xa_rdoc_param(doc, "truncated", "the events section is cut at --max-rows");
    xa_buf_release(&c.b);
    return rc;
}
