/* coverage.c - report coverage: which mailboxes produced mailbox audit events in the
 * period and which did not (auditing switched off, bypassed, licence gaps), volume per
 * operation and per day, and the collector's gap ledger (collector events). */
#include "report/map.h"
#include "report/posture_read.h"
#include "report/report.h"
#include "report/util.h"

#include "core/str.h"
#include "core/xtime.h"

#include <stdlib.h>
#include <string.h>

struct mbx {
    const char *name;
    size_t events, owner, delegate, admin, sign_ins, after_off;
    int64_t first, last;
    int64_t off_at;             /* auditing switched off (AuditEnabled False), else NONE */
    const char *off_by;
    const char *changes;        /* audit configuration changes, joined */
    int listed;                 /* 1 when from --mailboxes; AuditEnabled there: -1/0/1 */
    int audit_enabled;
};

struct ctx {
    struct xa_arena *a;
    struct xa_smap ix, op_ix, day_ix;
    struct mbx *m;
    size_t n, cap;
    const char **ops;
    size_t *op_counts, nops, capops;
    const char **days;
    size_t *day_mbx, *day_all, ndays, capdays;
    struct xa_rdoc *doc;
    int sec_gaps;
    size_t gaps, total;
    bool listed_only;
};

static struct mbx *mbx(struct ctx *c, const char *name, bool create)
{
    if (!name || !*name)
        return NULL;
    bool created;
    size_t *v = xa_smap_get(&c->ix, name, create, c->n, &created);
    if (!v)
        return NULL;
    if (created) {
        if (c->n == c->cap) {
            size_t nc = c->cap ? c->cap * 2 : 64;
            struct mbx *nm = realloc(c->m, nc * sizeof(*nm));
            if (!nm)
                return NULL;
            c->m = nm;
            c->cap = nc;
        }
        struct mbx *m = &c->m[c->n++];
        memset(m, 0, sizeof(*m));
        m->name = xa_arena_strdup(c->a, name);
        m->first = m->off_at = XA_TIME_NONE;
        m->audit_enabled = -1;
    }
    return &c->m[*v];
}

static bool grow2(const char ***names, size_t **counts, size_t **counts2, size_t n, size_t *cap)
{
    if (n < *cap)
        return true;
    size_t nc = *cap ? *cap * 2 : 64;
    const char **nn = realloc(*names, nc * sizeof(*nn));
    if (!nn)
        return false;
    *names = nn;
    size_t *a = realloc(*counts, nc * sizeof(*a));
    if (!a)
        return false;
    *counts = a;
    if (counts2) {
        size_t *b = realloc(*counts2, nc * sizeof(*b));
        if (!b)
            return false;
        *counts2 = b;
    }
    *cap = nc;
    return true;
}

static xa_rc on_config(void *ud, const struct xa_event *ev)
{
    struct ctx *c = ud;
    const char *op = ev->operation ? ev->operation : "";
    const char *target = ev->mailbox;
    for (size_t i = 0; !target && i < ev->n_params; i++)
        if (xa_str_ieq(ev->params[i].name, "Identity"))
            target = ev->params[i].value;
    if (!target)
        target = ev->object;
    struct mbx *m = mbx(c, target, !c->listed_only);
    if (!m)
        return XA_OK;
    const char *what = NULL;
    for (size_t i = 0; i < ev->n_params; i++) {
        const char *n = ev->params[i].name ? ev->params[i].name : "";
        if (xa_str_ieq(n, "AuditEnabled") || xa_str_ieq(n, "AuditBypassEnabled")) {
            what = xa_arena_printf(c->a, "%s %s %s by %s at %s", op, n, ev->params[i].value ? ev->params[i].value : "",
                                   ev->actor ? ev->actor : "?", xa_rtime(c->a, ev->occurred_at));
            bool off = xa_str_ieq(n, "AuditEnabled") ? xa_str_ieq(ev->params[i].value, "False")
                                                      : xa_str_ieq(ev->params[i].value, "True");
            if (off) {
                m->off_at = ev->occurred_at;
                m->off_by = xa_arena_strdup(c->a, ev->actor);
            } else {
                m->off_at = XA_TIME_NONE;
            }
        }
    }
    if (!what)
        return XA_OK;
    m->changes = m->changes ? xa_arena_printf(c->a, "%s; %s", m->changes, what) : what;
    return m->changes ? XA_OK : XA_ERR_NOMEM;
}

static xa_rc on_event(void *ud, const struct xa_event *ev)
{
    struct ctx *c = ud;
    c->total++;
    const char *day = xa_rday(c->a, ev->occurred_at);
    bool created;
    size_t *dv = xa_smap_get(&c->day_ix, day, true, c->ndays, &created);
    if (!dv)
        return XA_ERR_NOMEM;
    if (created) {
        if (!grow2(&c->days, &c->day_mbx, &c->day_all, c->ndays, &c->capdays))
            return XA_ERR_NOMEM;
        c->days[c->ndays] = xa_arena_strdup(c->a, day);
        c->day_mbx[c->ndays] = c->day_all[c->ndays] = 0;
        c->ndays++;
    }
    c->day_all[*dv]++;
    if (ev->category == XA_CAT_COLLECTOR) {
        c->gaps++;
        char params[512] = "";
        size_t o = 0;
        for (size_t i = 0; i < ev->n_params && o < sizeof(params) - 1; i++)
            o += (size_t)snprintf(params + o, sizeof(params) - o, "%s%s=%s", i ? " " : "",
                                  ev->params[i].name ? ev->params[i].name : "",
                                  ev->params[i].value ? ev->params[i].value : "");
        const char *cells[] = {xa_rtime(c->a, ev->occurred_at), ev->operation, ev->object, params};
        return xa_rdoc_row(c->doc, c->sec_gaps, cells);
    }
    if (ev->category == XA_CAT_SIGN_IN && ev->result != XA_RESULT_FAILURE) {
        struct mbx *m = mbx(c, ev->actor, false);
        if (m)
            m->sign_ins++;
        return XA_OK;
    }
    if (ev->logon_type == XA_LOGON_NONE || !ev->mailbox)
        return XA_OK;
    c->day_mbx[*dv]++;
    struct mbx *m = mbx(c, ev->mailbox, !c->listed_only);
    if (!m) {
        if (!c->listed_only)
            return XA_ERR_NOMEM;
    } else {
        m->events++;
        if (ev->logon_type == XA_LOGON_OWNER)
            m->owner++;
        else if (ev->logon_type == XA_LOGON_DELEGATE)
            m->delegate++;
        else
            m->admin++;
        if (m->first == XA_TIME_NONE)
            m->first = ev->occurred_at;
        m->last = ev->occurred_at;
        if (m->off_at != XA_TIME_NONE && ev->occurred_at > m->off_at)
            m->after_off++;
    }
    size_t *ov = xa_smap_get(&c->op_ix, ev->operation ? ev->operation : "", true, c->nops, &created);
    if (!ov)
        return XA_ERR_NOMEM;
    if (created) {
        if (!grow2(&c->ops, &c->op_counts, NULL, c->nops, &c->capops))
            return XA_ERR_NOMEM;
        c->ops[c->nops] = xa_arena_strdup(c->a, ev->operation ? ev->operation : "");
        c->op_counts[c->nops++] = 0;
    }
    c->op_counts[*ov]++;
    return XA_OK;
}

static int by_name(const void *x, const void *y)
{
    return strcasecmp(((const struct mbx *)x)->name, ((const struct mbx *)y)->name);
}

struct opc {
    const char *op;
    size_t n;
};

static int by_opcount(const void *x, const void *y)
{
    const struct opc *a = x, *b = y;
    if (a->n != b->n)
        return a->n > b->n ? -1 : 1;
    return strcmp(a->op, b->op);
}

static bool looks_like_mailbox(const char *s)
{
    return s && strchr(s, '@') && !strchr(s, ' ') && !strchr(s, '\\');
}

xa_rc xa_report_coverage(const struct xa_report_opts *o, struct xa_rdoc *doc, struct xa_diag *d)
{
    struct ctx c;
    memset(&c, 0, sizeof(c));
    c.a = xa_rdoc_arena(doc);
    c.doc = doc;
    xa_smap_init(&c.ix, c.a);
    xa_smap_init(&c.op_ix, c.a);
    xa_smap_init(&c.day_ix, c.a);
    struct xa_arena *a = c.a;
    struct xa_prec_set set = {0};
    xa_rc rc = xa_rparams_period(doc, o);
    /* the mailboxes that should be audited */
    for (size_t i = 0; i < o->n_mailbox_files && !rc; i++)
        rc = xa_prec_read(o->mailbox_files[i], a, &set, d);
    for (size_t i = 0; i < set.n && !rc; i++) {
        if (set.v[i].kind != XA_PREC_MAILBOX)
            continue;
        struct mbx *m = mbx(&c, xa_prec_mailbox(&set.v[i]), true);
        if (!m) {
            rc = XA_ERR_NOMEM;
            break;
        }
        m->listed = 1;
        m->audit_enabled = xa_prec_bool(&set.v[i], "AuditEnabled");
    }
    xa_prec_set_release(&set);
    c.listed_only = o->n_mailbox_files > 0;
    if (!rc)
        rc = xa_rdoc_param(doc, "mailboxes_from", c.listed_only ? "the --mailboxes export"
                                                                 : "the mailboxes seen in the archive");
    static const char *const gcols[] = {"time:Time", "event:Event", "object:Object", "details:Details"};
    c.sec_gaps = xa_rdoc_section(doc, "gaps", "Collector gaps (gap ledger)",
                                 "Collector events recorded in the archive: windows the collector "
                                 "could not fetch, expired content, restarts.",
                                 gcols, 4);
    if (c.sec_gaps < 0)
        rc = XA_ERR_NOMEM;
    /* audit configuration changes over the whole archive up to the end of the period */
    struct xa_query qc;
    xa_rquery(o, &qc);
    xa_query_init(&qc);
    qc.oldest_first = true;
    qc.tenant_id = o->q.tenant_id;
    qc.until = o->q.until;
    static const int cfg[] = {XA_CAT_AUDIT_CONFIG};
    qc.categories = cfg;
    qc.n_categories = 1;
    qc.include_system = true;
    if (!rc)
        rc = o->st->ops->search(o->st->ctx, &qc, on_config, &c, NULL, d);
    struct xa_query q;
    xa_rquery(o, &q);
    if (!rc)
        rc = o->st->ops->search(o->st->ctx, &q, on_event, &c, NULL, d);
    if (rc)
        goto out;
    if (c.n)
        qsort(c.m, c.n, sizeof(*c.m), by_name);
    static const char *const mcols[] = {"mailbox:Mailbox", "status:Status", "#events:Audit events",
                                        "#owner:Owner", "#delegate:Delegate", "#admin:Admin",
                                        "#sign_ins:Sign-ins", "first:First", "last:Last",
                                        "audit_changes:Audit configuration changes"};
    int s_silent = xa_rdoc_section(doc, "silent", "Mailboxes without mailbox audit events",
                                   "No mailbox audit event in the period: auditing off, an audit "
                                   "bypass, no licence for the default audit set, or no activity.",
                                   mcols, 10);
    int s_aud = xa_rdoc_section(doc, "audited", "Mailboxes with mailbox audit events", NULL, mcols, 10);
    if (s_silent < 0 || s_aud < 0) {
        rc = XA_ERR_NOMEM;
        goto out;
    }
    size_t nsilent = 0, naudited = 0;
    for (size_t i = 0; i < c.n && !rc; i++) {
        struct mbx *m = &c.m[i];
        if (!m->listed && !looks_like_mailbox(m->name))
            continue;
        const char *st;
        if (m->events == 0) {
            if (m->off_at != XA_TIME_NONE)
                st = "auditing switched off";
            else if (m->audit_enabled == 0)
                st = "AuditEnabled is False in the export";
            else if (m->sign_ins)
                st = "signed in but no audit events (licence gap or auditing off)";
            else
                st = "no audit events (inactive, licence gap or auditing off)";
        } else if (m->off_at != XA_TIME_NONE) {
            st = m->after_off ? xa_arena_printf(a, "auditing switched off at %s (%zu events after)",
                                                xa_rtime(a, m->off_at), m->after_off)
                              : xa_arena_printf(a, "auditing switched off at %s", xa_rtime(a, m->off_at));
        } else {
            st = "audited";
        }
        const char *cells[] = {m->name, st, xa_rnum(a, (long long)m->events), xa_rnum(a, (long long)m->owner),
                               xa_rnum(a, (long long)m->delegate), xa_rnum(a, (long long)m->admin),
                               xa_rnum(a, (long long)m->sign_ins), xa_rtime(a, m->first),
                               xa_rtime(a, m->last), m->changes};
        if (m->events == 0)
            nsilent++;
        else
            naudited++;
        rc = xa_rdoc_row(doc, m->events ? s_aud : s_silent, cells);
    }
    static const char *const ocols[] = {"operation:Operation", "#events:Events"};
    int s_ops = xa_rdoc_section(doc, "operations", "Mailbox audit events per operation", NULL, ocols, 2);
    static const char *const dcols[] = {"day:Day", "#mailbox_events:Mailbox audit events",
                                        "#all_events:All events"};
    int s_days = xa_rdoc_section(doc, "days", "Events per day",
                                 "A day with far fewer events than its neighbours can be a "
                                 "collection gap.", dcols, 3);
    if (!rc && (s_ops < 0 || s_days < 0))
        rc = XA_ERR_NOMEM;
    struct opc *oc = rc ? NULL : calloc(c.nops ? c.nops : 1, sizeof(*oc));
    if (!rc && !oc)
        rc = XA_ERR_NOMEM;
    for (size_t i = 0; i < c.nops && !rc; i++)
        oc[i] = (struct opc){c.ops[i], c.op_counts[i]};
    if (oc)
        if (c.nops)
            qsort(oc, c.nops, sizeof(*oc), by_opcount);
    for (size_t i = 0; i < c.nops && !rc; i++) {
        const char *cells[] = {oc[i].op, xa_rnum(a, (long long)oc[i].n)};
        rc = xa_rdoc_row(doc, s_ops, cells);
    }
    free(oc);
    if (!rc)
        rc = xa_rdoc_chart(doc, s_ops, XA_CHART_BARS, "Mailbox audit events per operation", 0, 1, 30);
    for (size_t i = 0; i < c.ndays && !rc; i++) {
        const char *cells[] = {c.days[i], xa_rnum(a, (long long)c.day_mbx[i]), xa_rnum(a, (long long)c.day_all[i])};
        rc = xa_rdoc_row(doc, s_days, cells);
    }
    if (!rc)
        rc = xa_rdoc_chart(doc, s_days, XA_CHART_COLUMNS, "All events per day", 0, 2, 400);
    if (!rc)
        rc = xa_rdoc_summary(doc, "mailboxes with audit events", (int64_t)naudited);
    if (!rc)
        rc = xa_rdoc_summary(doc, "mailboxes without audit events", (int64_t)nsilent);
    if (!rc)
        rc = xa_rdoc_summary(doc, "collector gap events", (int64_t)c.gaps);
    if (!rc)
        rc = xa_rdoc_summary(doc, "events in the period", (int64_t)c.total);
out:
    xa_smap_release(&c.ix);
    xa_smap_release(&c.op_ix);
    xa_smap_release(&c.day_ix);
    free(c.m);
    free(c.ops);
    free(c.op_counts);
    free(c.days);
    free(c.day_mbx);
    free(c.day_all);
    return rc;
}
