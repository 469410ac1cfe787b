/* api_events.c - event search (every filter, cursor paging), facets and activity over
 * time, one event, timelines, archive totals, quarantine. */
#include "core/xtime.h"
#include "store/qargs.h"
#include "web/web_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PAGE_MAX 1000
#define FACET_SAMPLE 5000

struct xa_web_filters {
    struct xa_qargs a;   /* the search filters: the same parser as the command line */
    char *copies[XA_WEB_MAX_ARGS];
    size_t n_copies;
    char cursor[XA_CURSOR_MAX];
};

struct xa_web_filters *xa_web_filters_new(void)
{
    return calloc(1, sizeof(struct xa_web_filters));
}

void xa_web_filters_free(struct xa_web_filters *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n_copies; i++)
        free(f->copies[i]);
    free(f);
}

static char *copy(struct xa_web_filters *f, const char *s)
{
    if (f->n_copies == XA_WEB_MAX_ARGS)
        return NULL;
    char *r = strdup(s);
    if (r)
        f->copies[f->n_copies++] = r;
    return r;
}

static bool bad(struct xa_web_call *c, const char *param, const char *why)
{
    xa_web_error(c, 400, "bad_parameter", "parameter %s: %s", param, why);
    return false;
}

bool xa_web_parse_query(struct xa_web_call *c, struct xa_web_filters *f, struct xa_query *q)
{
    xa_query_init(q);
    q->limit = 50;
    xa_qargs_init(&f->a);
    int64_t now = xa_time_now();
    for (size_t i = 0; i < c->req->n_args; i++) {
        const char *k = c->req->args[i].name, *v = c->req->args[i].value;
        if (!strcmp(k, "limit")) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || end == v || n < 1 || n > PAGE_MAX)
                return bad(c, k, "expected a number from 1 to 1000");
            q->limit = (size_t)n;
        } else if (!strcmp(k, "cursor")) {
            if (!*v)
                continue;
            if (strlen(v) >= XA_CURSOR_MAX)
                return bad(c, k, "not a cursor of this archive");
            snprintf(f->cursor, sizeof(f->cursor), "%s", v);
            q->cursor = f->cursor;
        } else if (!strcmp(k, "order")) {
            if (!strcmp(v, "oldest"))
                q->oldest_first = true;
            else if (strcmp(v, "newest"))
                return bad(c, k, "expected newest or oldest");
        } else if (!strcmp(k, "format") || !strcmp(k, "download") || !strcmp(k, "_")) {
            /* handled by the caller */
        } else if (*v) { /* a search filter (store/qargs.h); empty form fields mean "any" */
            char *val = copy(f, v); /* the parser splits lists in place */
            const char *why = "too many parameters";
            int r = val ? xa_qargs_set(&f->a, k, val, now, &why) : -1;
            if (r < 0)
                return bad(c, k, why);
            if (r == 0)
                return bad(c, k, "unknown parameter");
        } else if (!xa_qargs_is_filter(k)) {
            return bad(c, k, "unknown parameter");
        }
    }
    const char *why = NULL;
    if (xa_qargs_check(&f->a, &why))
        return bad(c, "since", why);
    xa_qargs_apply(&f->a, q);
    /* what was asked goes into the self-audit event */
    char qs[512] = "";
    size_t o = 0;
    for (size_t i = 0; i < c->req->n_args && o < sizeof(qs) - 1; i++)
        o += (size_t)snprintf(qs + o, sizeof(qs) - o, "%s%s=%s", i ? "&" : "",
                              c->req->args[i].name, c->req->args[i].value);
    if (qs[0])
        xa_web_audit_param(c, "Query", qs);
    return true;
}

/* ---- search ---- */

struct page {
    struct xa_buf *b;
    size_t n;
    bool full; /* with raw and parameters */
};

static xa_rc page_cb(void *ud, const struct xa_event *ev)
{
    struct page *p = ud;
    if (p->n++)
        xa_buf_putc(p->b, ',');
    return xa_event_to_json(ev, p->b);
}

static void run_search(struct xa_web_call *c, bool timeline)
{
    struct xa_web_filters *f = xa_web_filters_new();
    struct xa_query q;
    if (!f) {
        xa_web_error(c, 500, "internal", "out of memory");
        return;
    }
    if (!xa_web_parse_query(c, f, &q))
        goto out;
    if (timeline) {
        if (!q.n_actors && !q.n_mailboxes) {
            xa_web_error(c, 400, "bad_parameter", "a timeline needs actor or mailbox");
            goto out;
        }
        if (!xa_web_arg(c->req, "order"))
            q.oldest_first = true;
    }
    struct xa_store *st = xa_web_store(c);
    if (!st)
        goto out;
    xa_web_json_begin(c, 200);
    struct xa_buf *b = &c->resp->body;
    xa_buf_puts(b, "{\"events\":[");
    struct page p = {.b = b};
    char next[XA_CURSOR_MAX] = "";
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = st->ops->search(st->ctx, &q, page_cb, &p, next, &d);
    if (rc) {
        xa_web_rc_error(c, rc, &d);
        goto out;
    }
    xa_buf_printf(b, "],\"count\":%zu,\"next_cursor\":", p.n);
    xa_buf_json_str(b, next[0] ? next : NULL, (size_t)-1);
    if (xa_buf_puts(b, "}")) {
        xa_web_error(c, 500, "internal", "out of memory");
        goto out;
    }
out:
    xa_web_filters_free(f);
}

void xa_api_events_search(struct xa_web_call *c)
{
    run_search(c, false);
}

void xa_api_timeline(struct xa_web_call *c)
{
    run_search(c, true);
}

/* ---- facets and activity over time ---- */

#define FKEYS 512

struct facet {
    char *key[FKEYS];
    size_t cnt[FKEYS];
    size_t n, other;
};

struct facets {
    struct facet op, actor, mbx, logon, result;
    int64_t bucket_us;
    int64_t t0, t1;
    size_t n;
    int64_t *at; /* occurred_at of each sampled event */
};

static void fadd(struct facet *f, const char *k)
{
    if (!k)
        k = "";
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->key[i], k) == 0) {
            f->cnt[i]++;
            return;
        }
    if (f->n == FKEYS || !(f->key[f->n] = strdup(k))) {
        f->other++;
        return;
    }
    f->cnt[f->n++] = 1;
}

static void ffree(struct facet *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->key[i]);
}

static xa_rc facet_cb(void *ud, const struct xa_event *ev)
{
    struct facets *fs = ud;
    fadd(&fs->op, ev->operation);
    fadd(&fs->actor, ev->actor);
    fadd(&fs->mbx, ev->mailbox);
    fadd(&fs->logon, xa_logon_name(ev->logon_type));
    fadd(&fs->result, xa_result_name(ev->result));
    fs->at[fs->n++] = ev->occurred_at;
    return XA_OK;
}

static void fjson(struct xa_buf *b, const char *name, struct facet *f)
{
    xa_buf_printf(b, "\"%s\":[", name);
    /* top 10 by count */
    bool used[FKEYS] = {false};
    for (int k = 0; k < 10; k++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < f->n; i++)
            if (!used[i] && (best == SIZE_MAX || f->cnt[i] > f->cnt[best]))
                best = i;
        if (best == SIZE_MAX)
            break;
        used[best] = true;
        xa_buf_puts(b, k ? ",{\"value\":" : "{\"value\":");
        xa_buf_json_str(b, f->key[best], (size_t)-1);
        xa_buf_printf(b, ",\"count\":%zu}", f->cnt[best]);
    }
    xa_buf_puts(b, "]");
}

void xa_api_events_facets(struct xa_web_call *c)
{
    struct xa_web_filters *f = xa_web_filters_new();
    struct facets *fs = calloc(1, sizeof(*fs));
    int64_t *at = calloc(FACET_SAMPLE, sizeof(int64_t));
    struct xa_query q;
    if (!f || !fs || !at) {
        xa_web_error(c, 500, "internal", "out of memory");
        goto out;
    }
    fs->at = at;
    if (!xa_web_parse_query(c, f, &q))
        goto out;
    q.limit = FACET_SAMPLE;
    q.cursor = NULL;
    struct xa_store *st = xa_web_store(c);
    if (!st)
        goto out;
    char next[XA_CURSOR_MAX] = "";
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = st->ops->search(st->ctx, &q, facet_cb, fs, next, &d);
    if (rc) {
        xa_web_rc_error(c, rc, &d);
        goto out;
    }
    xa_web_json_begin(c, 200);
    struct xa_buf *b = &c->resp->body;
    xa_buf_printf(b, "{\"sampled\":%zu,\"complete\":%s,\"facets\":{", fs->n,
                  next[0] ? "false" : "true");
    fjson(b, "operation", &fs->op);
    xa_buf_putc(b, ',');
    fjson(b, "actor", &fs->actor);
    xa_buf_putc(b, ',');
    fjson(b, "mailbox", &fs->mbx);
    xa_buf_putc(b, ',');
    fjson(b, "logon_type", &fs->logon);
    xa_buf_putc(b, ',');
    fjson(b, "result", &fs->result);
    xa_buf_puts(b, "},\"histogram\":{");
    /* activity over time: up to 60 buckets of a round width over the sample's span */
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < fs->n; i++) {
        if (at[i] == XA_TIME_NONE)
            continue;
        lo = at[i] < lo ? at[i] : lo;
        hi = at[i] > hi ? at[i] : hi;
    }
    if (lo <= hi) {
        static const int64_t widths[] = {60, 300, 900, 3600, 3 * 3600, 6 * 3600, 86400,
                                         7 * 86400, 30 * 86400};
        int64_t w = 30 * 86400;
        for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++)
            if ((hi - lo) / (widths[i] * 1000000) < 60) {
                w = widths[i];
                break;
            }
        int64_t wu = w * 1000000, start = lo / wu * wu;
        size_t nb = (size_t)((hi - start) / wu) + 1;
        if (nb > 400)
            nb = 400;
        size_t cnt[400] = {0};
        for (size_t i = 0; i < fs->n; i++)
            if (at[i] != XA_TIME_NONE) {
                size_t k = (size_t)((at[i] - start) / wu);
                cnt[k < nb ? k : nb - 1]++;
            }
        char ts[32];
        xa_buf_printf(b, "\"bucket_seconds\":%lld,\"start\":\"%s\",\"counts\":[", (long long)w,
                      xa_time_format(start, ts));
        for (size_t i = 0; i < nb; i++)
            xa_buf_printf(b, "%s%zu", i ? "," : "", cnt[i]);
        xa_buf_puts(b, "]");
    }
    if (xa_buf_puts(b, "}}"))
        xa_web_error(c, 500, "internal", "out of memory");
out:
    if (fs) {
        ffree(&fs->op);
        ffree(&fs->actor);
        ffree(&fs->mbx);
        ffree(&fs->logon);
        ffree(&fs->result);
    }
    free(fs);
    free(at);
    xa_web_filters_free(f);
}

/* ---- one event ---- */

void xa_api_event_get(struct xa_web_call *c)
{
    const char *id = c->seg[0];
    xa_web_audit_param(c, "Id", id);
    if (strlen(id) > 200) {
        xa_web_error(c, 400, "bad_parameter", "id too long");
        return;
    }
    struct xa_store *st = xa_web_store(c);
    if (!st)
        return;
    xa_web_json_begin(c, 200);
    struct xa_buf *b = &c->resp->body;
    xa_buf_puts(b, "{\"events\":[");
    struct page p = {.b = b};
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = st->ops->get(st->ctx, id, page_cb, &p, &d);
    if (rc) {
        xa_web_rc_error(c, rc, &d);
        return;
    }
    xa_buf_printf(b, "],\"count\":%zu}", p.n);
}

/* ---- totals, quarantine ---- */

void xa_api_stats(struct xa_web_call *c)
{
    struct xa_store *st = xa_web_store(c);
    if (!st)
        return;
    struct xa_store_stats s;
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = st->ops->stats(st->ctx, &s, &d);
    if (rc) {
        xa_web_rc_error(c, rc, &d);
        return;
    }
    char a[32], z[32];
    xa_web_json_begin(c, 200);
    struct xa_buf *b = &c->resp->body;
    xa_buf_printf(b,
                  "{\"events\":%lld,\"duplicates\":%lld,\"quarantined\":%lld,\"max_seq\":%lld,"
                  "\"bytes\":%lld,\"oldest\":",
                  (long long)s.events, (long long)s.duplicates, (long long)s.quarantined,
                  (long long)s.max_seq, (long long)s.bytes);
    xa_buf_json_str(b, s.oldest == XA_TIME_NONE ? NULL : xa_time_format(s.oldest, a), (size_t)-1);
    xa_buf_puts(b, ",\"newest\":");
    xa_buf_json_str(b, s.newest == XA_TIME_NONE ? NULL : xa_time_format(s.newest, z), (size_t)-1);
    xa_buf_puts(b, "}");
}

static xa_rc q_cb(void *ud, const struct xa_quarantine_item *q)
{
    struct page *p = ud;
    struct xa_buf *b = p->b;
    char ts[32];
    xa_buf_puts(b, p->n++ ? ",{\"id\":" : "{\"id\":");
    xa_buf_printf(b, "%lld,\"at\":", (long long)q->id);
    xa_buf_json_str(b, xa_time_format(q->at, ts), (size_t)-1);
    xa_buf_puts(b, ",\"source\":");
    xa_buf_json_str(b, q->source_name, (size_t)-1);
    xa_buf_printf(b, ",\"line\":%lld,\"offset\":%lld,\"reason\":", q->line, q->offset);
    xa_buf_json_str(b, q->reason, (size_t)-1);
    xa_buf_puts(b, ",\"sample\":");
    xa_buf_json_str(b, q->data, q->data ? (q->data_len > 512 ? 512 : q->data_len) : 0);
    return xa_buf_puts(b, "}");
}

void xa_api_quarantine(struct xa_web_call *c)
{
    struct xa_store *st = xa_web_store(c);
    if (!st)
        return;
    xa_web_json_begin(c, 200);
    struct xa_buf *b = &c->resp->body;
    xa_buf_puts(b, "{\"items\":[");
    struct page p = {.b = b};
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = st->ops->quarantine_list(st->ctx, 200, q_cb, &p, &d);
    if (rc) {
        xa_web_rc_error(c, rc, &d);
        return;
    }
    xa_buf_puts(b, "]}");
}
