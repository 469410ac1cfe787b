/* nonowner.c - report non-owner-access: every mailbox access whose logon type is not
 * the owner's (delegate, admin, delegated admin; transport and system only with the
 * Microsoft back-end), grouped by mailbox, by mailbox and accessing user, by user. */
#include "report/map.h"
#include "report/report.h"
#include "report/util.h"

#include "core/xtime.h"

#include <stdlib.h>
#include <string.h>

struct grp {
    const char *mailbox, *actor;
    size_t count;
    int64_t first, last;
    struct xa_tally logons, ops, clients, ips, mailboxes, actors;
};

struct ctx {
    struct xa_arena *a;
    struct xa_smap pair_ix, mbx_ix, user_ix, day_ix;
    struct grp *pairs, *mbxs, *users;
    size_t npairs, nmbxs, nusers, cap_pairs, cap_mbxs, cap_users;
    const char **day_names;
    size_t *day_counts;
    size_t ndays, cap_days;
    size_t events;
};

static struct grp *group(struct ctx *c, struct xa_smap *ix, struct grp **arr, size_t *n, size_t *cap,
                         const char *key)
{
    bool created;
    size_t *v = xa_smap_get(ix, key, true, *n, &created);
    if (!v)
        return NULL;
    if (created) {
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 64;
            struct grp *na = realloc(*arr, nc * sizeof(*na));
            if (!na)
                return NULL;
            *arr = na;
            *cap = nc;
        }
        memset(&(*arr)[*n], 0, sizeof(struct grp));
        (*arr)[*n].first = XA_TIME_NONE;
        (*n)++;
    }
    return &(*arr)[*v];
}

static xa_rc note(struct ctx *c, struct grp *g, const struct xa_event *ev)
{
    if (!g->mailbox) {
        g->mailbox = xa_arena_strdup(c->a, ev->mailbox ? ev->mailbox : "");
        g->actor = xa_arena_strdup(c->a, ev->actor ? ev->actor : "");
        if (!g->mailbox || !g->actor)
            return XA_ERR_NOMEM;
    }
    g->count++;
    if (g->first == XA_TIME_NONE || ev->occurred_at < g->first)
        g->first = ev->occurred_at;
    if (ev->occurred_at > g->last)
        g->last = ev->occurred_at;
    xa_rc rc = xa_tally_add(&g->logons, c->a, xa_logon_name(ev->logon_type), 1);
    if (!rc)
        rc = xa_tally_add(&g->ops, c->a, ev->operation, 1);
    if (!rc)
        rc = xa_tally_add(&g->clients, c->a, ev->client_info, 1);
    if (!rc)
        rc = xa_tally_add(&g->ips, c->a, ev->client_ip, 1);
    if (!rc)
        rc = xa_tally_add(&g->mailboxes, c->a, ev->mailbox, 1);
    if (!rc)
        rc = xa_tally_add(&g->actors, c->a, ev->actor, 1);
    return rc;
}

static xa_rc on_event(void *ud, const struct xa_event *ev)
{
    struct ctx *c = ud;
    if (ev->logon_type == XA_LOGON_NONE || ev->logon_type == XA_LOGON_OWNER)
        return XA_OK;
    c->events++;
    const char *key = xa_smap_key(c->a, ev->mailbox, ev->actor, NULL);
    if (!key)
        return XA_ERR_NOMEM;
    struct grp *g = group(c, &c->pair_ix, &c->pairs, &c->npairs, &c->cap_pairs, key);
    if (!g || note(c, g, ev))
        return XA_ERR_NOMEM;
    g = group(c, &c->mbx_ix, &c->mbxs, &c->nmbxs, &c->cap_mbxs, ev->mailbox ? ev->mailbox : "");
    if (!g || note(c, g, ev))
        return XA_ERR_NOMEM;
    g = group(c, &c->user_ix, &c->users, &c->nusers, &c->cap_users, ev->actor ? ev->actor : "");
    if (!g || note(c, g, ev))
        return XA_ERR_NOMEM;
    const char *day = xa_rday(c->a, ev->occurred_at);
    bool created;
    size_t *dv = xa_smap_get(&c->day_ix, day, true, c->ndays, &created);
    if (!dv)
        return XA_ERR_NOMEM;
    if (created) {
        if (c->ndays == c->cap_days) {
            size_t nc = c->cap_days ? c->cap_days * 2 : 64;
            const char **nn = realloc(c->day_names, nc * sizeof(*nn));
            if (!nn)
                return XA_ERR_NOMEM;
            c->day_names = nn;
            size_t *ncnt = realloc(c->day_counts, nc * sizeof(*ncnt));
            if (!ncnt)
                return XA_ERR_NOMEM;
            c->day_counts = ncnt;
            c->cap_days = nc;
        }
        c->day_names[c->ndays] = xa_arena_strdup(c->a, day);
        c->day_counts[c->ndays++] = 0;
    }
    c->day_counts[*dv]++;
    return XA_OK;
}

static int by_count_mailbox(const void *x, const void *y)
{
    const struct grp *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    int r = strcmp(a->mailbox, b->mailbox);
    return r ? r : strcmp(a->actor, b->actor);
}

static int by_mailbox_count(const void *x, const void *y)
{
    const struct grp *a = x, *b = y;
    int r = strcmp(a->mailbox, b->mailbox);
    if (r)
        return r;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->actor, b->actor);
}

static int by_actor_count(const void *x, const void *y)
{
    const struct grp *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->actor, b->actor);
}

xa_rc xa_report_nonowner(const struct xa_report_opts *o, struct xa_rdoc *doc, struct xa_diag *d)
{
    struct ctx c;
    memset(&c, 0, sizeof(c));
    c.a = xa_rdoc_arena(doc);
    xa_smap_init(&c.pair_ix, c.a);
    xa_smap_init(&c.mbx_ix, c.a);
    xa_smap_init(&c.user_ix, c.a);
    xa_smap_init(&c.day_ix, c.a);
    struct xa_query q;
    xa_rquery(o, &q);
    static const int non_owner[] = {XA_LOGON_ADMIN, XA_LOGON_DELEGATE, XA_LOGON_DELEGATED_ADMIN,
                                    XA_LOGON_TRANSPORT, XA_LOGON_SYSTEM};
    if (!q.n_logon_types) {
        q.logon_types = non_owner;
        q.n_logon_types = q.include_system ? 5 : 3;
    }
    xa_rc rc = xa_rparams_period(doc, o);
    if (!rc)
        rc = o->st->ops->search(o->st->ctx, &q, on_event, &c, NULL, d);
    if (rc)
        goto out;
    struct xa_arena *a = c.a;
    rc = xa_rdoc_summary(doc, "non-owner accesses", (int64_t)c.events);
    if (!rc)
        rc = xa_rdoc_summary(doc, "mailboxes accessed by non-owners", (int64_t)c.nmbxs);
    if (!rc)
        rc = xa_rdoc_summary(doc, "accessing users", (int64_t)c.nusers);
    if (rc)
        goto out;

    static const char *const mcols[] = {"mailbox:Mailbox", "#users:Users", "#events:Events",
                                        "accessed_by:Accessed by", "operations:Operations",
                                        "first:First", "last:Last"};
    int s1 = xa_rdoc_section(doc, "mailboxes", "Mailboxes accessed by non-owners",
                             "Mailbox audit events whose logon type is not the owner's "
                             "(delegate, admin, delegated admin).",
                             mcols, 7);
    if (s1 < 0) {
        rc = XA_ERR_NOMEM;
        goto out;
    }
    if (c.nmbxs)
        qsort(c.mbxs, c.nmbxs, sizeof(*c.mbxs), by_count_mailbox);
    for (size_t i = 0; i < c.nmbxs && !rc; i++) {
        struct grp *g = &c.mbxs[i];
        const struct xa_tally users = g->actors;
        const char *cells[] = {g->mailbox, xa_rnum(a, (long long)users.len + (long long)users.other),
                               xa_rnum(a, (long long)g->count), xa_tally_join(&users, a, true),
                               xa_tally_join(&g->ops, a, true), xa_rtime(a, g->first),
                               xa_rtime(a, g->last)};
        if (!rc)
            rc = xa_rdoc_row(doc, s1, cells);
    }
    if (!rc)
        rc = xa_rdoc_chart(doc, s1, XA_CHART_BARS, "Non-owner events per mailbox", 0, 2, 25);
    if (rc)
        goto out;

    static const char *const pcols[] = {"mailbox:Mailbox", "user:Accessed by", "logon_types:Logon types",
                                        "operations:Operations", "clients:Clients", "ips:IP addresses",
                                        "first:First", "last:Last", "#events:Events"};
    int s2 = xa_rdoc_section(doc, "access", "Non-owner access by mailbox and user", NULL, pcols, 9);
    if (s2 < 0) {
        rc = XA_ERR_NOMEM;
        goto out;
    }
    if (c.npairs)
        qsort(c.pairs, c.npairs, sizeof(*c.pairs), by_mailbox_count);
    for (size_t i = 0; i < c.npairs && i < xa_rmax(o) && !rc; i++) {
        struct grp *g = &c.pairs[i];
        const char *cells[] = {g->mailbox, g->actor, xa_tally_join(&g->logons, a, false),
                               xa_tally_join(&g->ops, a, true), xa_tally_join(&g->clients, a, false),
                               xa_tally_join(&g->ips, a, false), xa_rtime(a, g->first),
                               xa_rtime(a, g->last), xa_rnum(a, (long long)g->count)};
        rc = xa_rdoc_row(doc, s2, cells);
    }
    if (rc)
        goto out;

    static const char *const ucols[] = {"user:User", "#mailboxes:Mailboxes", "mailbox_list:Mailboxes accessed",
                                        "logon_types:Logon types", "ips:IP addresses",
                                        "first:First", "last:Last", "#events:Events"};
    int s3 = xa_rdoc_section(doc, "users", "Non-owner access by accessing user", NULL, ucols, 8);
    if (s3 < 0) {
        rc = XA_ERR_NOMEM;
        goto out;
    }
    if (c.nusers)
        qsort(c.users, c.nusers, sizeof(*c.users), by_actor_count);
    for (size_t i = 0; i < c.nusers && i < xa_rmax(o) && !rc; i++) {
        struct grp *g = &c.users[i];
        const char *cells[] = {g->actor, xa_rnum(a, (long long)(g->mailboxes.len + g->mailboxes.other)),
                               xa_tally_join(&g->mailboxes, a, true), xa_tally_join(&g->logons, a, false),
                               xa_tally_join(&g->ips, a, false), xa_rtime(a, g->first),
                               xa_rtime(a, g->last), xa_rnum(a, (long long)g->count)};
        rc = xa_rdoc_row(doc, s3, cells);
    }
    if (rc)
        goto out;

    static const char *const dcols[] = {"day:Day", "#events:Events"};
    int s4 = xa_rdoc_section(doc, "days", "Non-owner events per day", NULL, dcols, 2);
    if (s4 < 0) {
        rc = XA_ERR_NOMEM;
        goto out;
    }
    /* events arrive oldest first, so days are already in order */
    for (size_t i = 0; i < c.ndays && !rc; i++) {
        const char *cells[] = {c.day_names[i], xa_rnum(a, (long long)c.day_counts[i])};
        rc = xa_rdoc_row(doc, s4, cells);
    }
    if (!rc)
        rc = xa_rdoc_chart(doc, s4, XA_CHART_COLUMNS, "Non-owner events per day", 0, 1, 400);
out:
    xa_smap_release(&c.pair_ix);
    xa_smap_release(&c.mbx_ix);
    xa_smap_release(&c.user_ix);
    xa_smap_release(&c.day_ix);
    free(c.pairs);
    free(c.mbxs);
    free(c.users);
    free(c.day_names);
    free(c.day_counts);
    return rc;
}
