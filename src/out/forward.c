/* forward.c - the forwarder: per destination, fill the spool from the archive and deliver
 * it in order, with back-off after failures (see out.h for the two steps). */
#include "core/log.h"
#include "core/xtime.h"
#include "out/out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILL_CHUNK 1000 /* events or alerts read per fill transaction */

struct dest {
    const struct xa_out_dest_cfg *cfg;
    const struct xa_out_dest_ops *ops;
    void *conn;
    int64_t due;        /* next try (us); 0 = now */
};

struct xa_forwarder {
    struct xa_store *st;
    struct dest *d;
    size_t n;
    struct xa_arena arena;
    struct xa_buf payload, inner;
    uint32_t rng;
};

/* A copy of a destination's state with owned strings. */
struct state {
    struct xa_fwd_state s;
    char dest[128];
    char err[512];
};

static xa_rc copy_state(void *ud, const struct xa_fwd_state *s)
{
    struct state *o = ud;
    o->s = *s;
    snprintf(o->dest, sizeof(o->dest), "%s", s->dest ? s->dest : "");
    o->s.dest = o->dest;
    if (s->last_error) {
        snprintf(o->err, sizeof(o->err), "%s", s->last_error);
        o->s.last_error = o->err;
    }
    return XA_OK;
}

static xa_rc load_state(struct xa_forwarder *fw, const char *name, struct state *out,
                        struct xa_diag *diag)
{
    memset(out, 0, sizeof(*out));
    return fw->st->ops->fwd->state_get(fw->st->ctx, name, copy_state, out, diag);
}

static const struct xa_out_dest_ops *ops_for(enum xa_out_type t)
{
    switch (t) {
    case XA_OUT_SYSLOG: return &xa_out_syslog_ops;
    case XA_OUT_SMTP: return &xa_out_smtp_ops;
    default: return &xa_out_http_ops;
    }
}

xa_rc xa_forwarder_new(struct xa_store *st, const struct xa_out_dest_cfg *cfgs, size_t n,
                       struct xa_forwarder **out, struct xa_diag *diag)
{
    if (!st->ops->fwd)
        return xa_diag_set(diag, XA_ERR_UNSUPPORTED, "this archive backend cannot forward");
    if (n && !st->ops->alerts)
        for (size_t i = 0; i < n; i++)
            if (cfgs[i].what == XA_OUTW_ALERTS)
                return xa_diag_set(diag, XA_ERR_UNSUPPORTED,
                                   "forward.destinations.%s: this archive has no alerts",
                                   cfgs[i].name);
    struct xa_forwarder *fw = calloc(1, sizeof(*fw));
    if (!fw || !(fw->d = calloc(n ? n : 1, sizeof(*fw->d)))) {
        free(fw);
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    }
    fw->st = st;
    fw->n = n;
    xa_arena_init(&fw->arena, 64 * 1024);
    xa_buf_init(&fw->payload, 0);
    xa_buf_init(&fw->inner, 0);
    fw->rng = (uint32_t)xa_time_mono() ^ 0x9e3779b9u;
    xa_rc rc = XA_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        fw->d[i].cfg = &cfgs[i];
        fw->d[i].ops = ops_for(cfgs[i].type);
        rc = fw->d[i].ops->open(&cfgs[i], &fw->d[i].conn, diag);
        if (!rc) {
            struct state s;
            rc = load_state(fw, cfgs[i].name, &s, diag);
            if (!rc)
                fw->d[i].due = s.s.next_try_at;
        }
    }
    if (rc) {
        xa_forwarder_free(fw);
        return rc;
    }
    *out = fw;
    return XA_OK;
}

void xa_forwarder_free(struct xa_forwarder *fw)
{
    if (!fw)
        return;
    for (size_t i = 0; i < fw->n; i++)
        if (fw->d[i].conn)
            fw->d[i].ops->close(fw->d[i].conn);
    free(fw->d);
    xa_arena_release(&fw->arena);
    xa_buf_release(&fw->payload);
    xa_buf_release(&fw->inner);
    free(fw);
}

int64_t xa_forwarder_due(const struct xa_forwarder *fw, size_t i)
{
    return i < fw->n ? fw->d[i].due : 0;
}

xa_rc xa_out_format_item(const struct xa_out_dest_cfg *c, const struct xa_out_item *it0,
                         struct xa_arena *a, struct xa_buf *out)
{
    struct xa_out_item it;
    struct xa_event ev;
    struct xa_alert al;
    xa_rc rc = xa_out_redact_item(&c->redact, it0, &it, &ev, &al, a);
    if (rc)
        return rc;
    if (c->type != XA_OUT_SYSLOG) {
        if (c->type == XA_OUT_SMTP) {
            /* first line: the subject; then the body */
            rc = xa_out_text(&it, out);
            if (!rc)
                rc = xa_buf_puts(out, "\n\n");
            if (!rc)
                rc = xa_out_text(&it, out);
            if (!rc)
                rc = xa_buf_puts(out, "\n\n");
            if (!rc)
                rc = xa_out_json(&it, false, out);
            return rc ? rc : xa_buf_putc(out, '\n');
        }
        if (c->type == XA_OUT_HEC) {
            int64_t t = xa_out_item_time(&it);
            rc = xa_buf_puts(out, "{");
            if (!rc && t != XA_TIME_NONE)
                rc = xa_buf_printf(out, "\"time\":%lld.%06lld,", (long long)(t / 1000000),
                                   (long long)(t % 1000000 < 0 ? -(t % 1000000) : t % 1000000));
            if (!rc)
                rc = xa_buf_puts(out, "\"source\":\"exoaudit\",\"sourcetype\":");
            if (!rc)
                rc = xa_buf_json_str(out, c->sourcetype ? c->sourcetype
                                          : it.kind == XA_OUT_EVENT ? "exoaudit:event"
                                                                    : "exoaudit:alert",
                                     (size_t)-1);
            if (!rc && c->index) {
                rc = xa_buf_puts(out, ",\"index\":");
                if (!rc)
                    rc = xa_buf_json_str(out, c->index, (size_t)-1);
            }
            if (!rc)
                rc = xa_buf_puts(out, ",\"event\":");
            if (!rc)
                rc = xa_out_json(&it, true, out);
            return rc ? rc : xa_buf_putc(out, '}');
        }
        return xa_out_json(&it, true, out);
    }
    struct xa_buf inner;
    xa_buf_init(&inner, 0);
    switch (c->format) {
    case XA_OUTF_CEF: rc = xa_out_cef(&it, &inner); break;
    case XA_OUTF_LEEF: rc = xa_out_leef(&it, &inner); break;
    case XA_OUTF_JSON: rc = xa_out_json(&it, true, &inner); break;
    case XA_OUTF_RFC5424: rc = xa_out_text(&it, &inner); break;
    }
    if (!rc)
        rc = xa_out_syslog_item(&it, c->facility, c->hostname, inner.data ? inner.data : "",
                                inner.len, out);
    xa_buf_release(&inner);
    return rc;
}

/* ---- fill ---- */

struct fill {
    struct xa_forwarder *fw;
    struct dest *d;
    struct state *s;
    size_t added, seen;
    int64_t start_pos; /* alerts: the highest id sent before this fill */
    struct xa_diag *diag;
};

static xa_rc spool_item(struct fill *f, const struct xa_out_item *it, enum xa_fwd_stream stream,
                        int64_t pos)
{
    struct xa_forwarder *fw = f->fw;
    xa_buf_reset(&fw->payload);
    xa_arena_reset(&fw->arena);
    xa_rc rc = xa_out_format_item(f->d->cfg, it, &fw->arena, &fw->payload);
    if (rc)
        return xa_diag_set(f->diag, rc, "forward %s: cannot format %s %s", f->d->cfg->name,
                           stream == XA_FWD_EVENTS ? "event" : "alert", xa_out_item_key(it));
    struct xa_fwd_msg m = {.stream = stream, .pos = pos, .key = xa_out_item_key(it),
                           .data = fw->payload.data, .len = fw->payload.len,
                           .spooled_at = xa_time_now()};
    rc = fw->st->ops->fwd->spool_add(fw->st->ctx, f->d->cfg->name, &m, f->diag);
    if (!rc)
        f->added++;
    return rc;
}

static xa_rc fill_event(void *ud, const struct xa_event *ev)
{
    struct fill *f = ud;
    f->seen++;
    f->s->s.event_seq = ev->seq;
    if (f->d->cfg->what == XA_OUTW_SEARCH && !xa_out_match(f->d->cfg->filter, ev))
        return XA_OK;
    struct xa_out_item it = {.kind = XA_OUT_EVENT, .ev = ev};
    return spool_item(f, &it, XA_FWD_EVENTS, ev->seq);
}

/* Alerts are listed by change number (rev), so an old alert that changed recently comes
 * after newer ones: "already sent" is judged against the highest id sent before this fill
 * (start_pos). New alerts always get ids above every existing one, and every fill lists
 * every change after the cursor, so id > start_pos means "not sent yet". */
static xa_rc fill_alert(void *ud, const struct xa_alert *al)
{
    struct fill *f = ud;
    f->seen++;
    if (al->rev > f->s->s.alert_rev)
        f->s->s.alert_rev = al->rev;
    if (al->id <= f->start_pos)
        return XA_OK; /* a change of an alert already sent: each alert is sent once */
    if (al->id > f->s->s.alert_pos)
        f->s->s.alert_pos = al->id;
    struct xa_out_item it = {.kind = XA_OUT_ALERT, .al = al};
    return spool_item(f, &it, XA_FWD_ALERTS, al->id);
}

static xa_rc newest_alert(void *ud, const struct xa_alert *al)
{
    struct state *s = ud;
    if (al->rev > s->s.alert_rev)
        s->s.alert_rev = al->rev;
    if (al->id > s->s.alert_pos)
        s->s.alert_pos = al->id;
    return XA_OK;
}

/* One fill transaction: up to FILL_CHUNK source rows. *more: the chunk was full. */
static xa_rc fill_chunk(struct xa_forwarder *fw, struct dest *d, size_t room, size_t *added,
                        bool *more, struct xa_diag *diag)
{
    struct xa_store *st = fw->st;
    *added = 0;
    *more = false;
    xa_rc rc = st->ops->begin(st->ctx, diag);
    if (rc)
        return rc;
    struct state s;
    rc = load_state(fw, d->cfg->name, &s, diag);
    bool fresh = !rc && s.s.event_seq == 0 && s.s.alert_pos == 0 && s.s.alert_rev == 0 &&
                 s.s.sent == 0 && s.s.spooled == 0;
    if (!rc && fresh && d->cfg->start_now) {
        struct xa_store_stats ss;
        rc = st->ops->stats(st->ctx, &ss, diag);
        if (!rc)
            s.s.event_seq = ss.max_seq;
        if (!rc && st->ops->alerts) {
            /* skip every existing alert: the most recent change is the cursor */
            struct xa_alert_query q = {.status = -1, .since = XA_TIME_NONE,
                                       .until = XA_TIME_NONE};
            rc = st->ops->alerts->list(st->ctx, &q, newest_alert, &s, diag);
        }
    }
    size_t limit = room < FILL_CHUNK ? room : FILL_CHUNK;
    struct fill f = {.fw = fw, .d = d, .s = &s, .diag = diag};
    if (!rc && limit) {
        if (d->cfg->what == XA_OUTW_ALERTS) {
            /* every change after the cursor in one listing (see fill_alert); alerts are
             * few, so this step is not cut into chunks and may exceed spool_max */
            struct xa_alert_query q = {.status = -1, .since = XA_TIME_NONE, .until = XA_TIME_NONE,
                                       .after_rev = s.s.alert_rev, .oldest_first = true};
            f.start_pos = s.s.alert_pos;
            rc = st->ops->alerts->list(st->ctx, &q, fill_alert, &f, diag);
        } else {
            rc = st->ops->scan(st->ctx, s.s.event_seq, limit, fill_event, &f, diag);
        }
    }
    if (!rc && (f.seen || fresh))
        rc = st->ops->fwd->state_put(st->ctx, &s.s, diag);
    if (!rc)
        rc = st->ops->commit(st->ctx, diag);
    if (rc) {
        st->ops->rollback(st->ctx);
        return rc;
    }
    *added = f.added;
    *more = limit && f.seen == limit && d->cfg->what != XA_OUTW_ALERTS;
    return XA_OK;
}

/* ---- deliver ---- */

struct batch {
    struct xa_out_msg *m;
    int64_t *ids;
    size_t n, cap;
    struct xa_buf data; /* every payload back to back (offsets in m[i].data until done) */
    struct xa_buf keys;
    size_t *koff, *doff;
};

static xa_rc batch_add(void *ud, const struct xa_fwd_msg *m)
{
    struct batch *b = ud;
    if (b->n == b->cap)
        return XA_ERR_INTERNAL;
    b->ids[b->n] = m->id;
    b->doff[b->n] = b->data.len;
    b->m[b->n].len = m->len;
    xa_rc rc = xa_buf_append(&b->data, m->data, m->len);
    b->koff[b->n] = b->keys.len;
    if (!rc)
        rc = xa_buf_puts(&b->keys, m->key ? m->key : "");
    if (!rc)
        rc = xa_buf_putc(&b->keys, '\0');
    if (!rc)
        b->n++;
    return rc;
}

static void batch_release(struct batch *b)
{
    free(b->m);
    free(b->ids);
    free(b->koff);
    free(b->doff);
    xa_buf_release(&b->data);
    xa_buf_release(&b->keys);
}

static xa_rc record_failure(struct xa_forwarder *fw, struct dest *d, const char *why,
                            struct xa_diag *diag)
{
    struct state s;
    xa_rc rc = load_state(fw, d->cfg->name, &s, diag);
    if (rc)
        return rc;
    s.s.failures++;
    s.s.last_fail_at = xa_time_now();
    fw->rng = fw->rng * 1664525u + 1013904223u;
    int64_t wait = xa_out_backoff(s.s.failures, d->cfg->backoff_min_us, d->cfg->backoff_max_us,
                                  fw->rng >> 8);
    s.s.next_try_at = s.s.last_fail_at + wait;
    s.s.last_error = why;
    d->due = s.s.next_try_at;
    xa_log_warn("forward %s: %s; %lld message(s) wait; next try in %.1f s (failure %lld)",
                d->cfg->name, why, (long long)s.s.spooled, (double)wait / 1e6,
                (long long)s.s.failures);
    return fw->st->ops->fwd->state_put(fw->st->ctx, &s.s, diag);
}

static xa_rc record_success(struct xa_forwarder *fw, struct dest *d, int64_t upto, size_t n,
                            struct xa_diag *diag)
{
    struct xa_store *st = fw->st;
    xa_rc rc = st->ops->begin(st->ctx, diag);
    if (rc)
        return rc;
    struct state s;
    rc = st->ops->fwd->spool_remove(st->ctx, d->cfg->name, upto, diag);
    if (!rc)
        rc = load_state(fw, d->cfg->name, &s, diag);
    if (!rc) {
        bool recovered = s.s.failures > 0;
        s.s.sent += (int64_t)n;
        s.s.failures = 0;
        s.s.next_try_at = 0;
        s.s.last_ok_at = xa_time_now();
        if (recovered)
            xa_log_info("forward %s: delivering again", d->cfg->name);
        rc = st->ops->fwd->state_put(st->ctx, &s.s, diag);
    }
    if (!rc)
        rc = st->ops->commit(st->ctx, diag);
    if (rc)
        st->ops->rollback(st->ctx);
    else
        d->due = 0;
    return rc;
}

/* Send one batch from the spool. *sent: confirmed; *failed: the send failed; *empty: the
 * spool had nothing. */
static xa_rc deliver_batch(struct xa_forwarder *fw, struct dest *d, size_t *sent, bool *failed,
                           bool *empty, struct xa_diag *diag)
{
    *sent = 0;
    *failed = false;
    *empty = false;
    struct batch b;
    memset(&b, 0, sizeof(b));
    b.cap = d->cfg->batch;
    b.m = calloc(b.cap, sizeof(*b.m));
    b.ids = calloc(b.cap, sizeof(*b.ids));
    b.koff = calloc(b.cap, sizeof(*b.koff));
    b.doff = calloc(b.cap, sizeof(*b.doff));
    xa_buf_init(&b.data, 0);
    xa_buf_init(&b.keys, 0);
    xa_rc rc = b.m && b.ids && b.koff && b.doff ? XA_OK : XA_ERR_NOMEM;
    if (!rc)
        rc = fw->st->ops->fwd->spool_read(fw->st->ctx, d->cfg->name, b.cap, batch_add, &b, diag);
    if (!rc && b.n == 0)
        *empty = true;
    if (!rc && b.n) {
        for (size_t i = 0; i < b.n; i++) {
            b.m[i].data = b.data.data + b.doff[i];
            b.m[i].key = b.keys.data + b.koff[i];
        }
        size_t ok = 0;
        struct xa_diag sd;
        xa_diag_clear(&sd);
        xa_rc src = d->ops->send(d->conn, b.m, b.n, &ok, &sd);
        if (ok > b.n)
            ok = b.n;
        if (ok)
            rc = record_success(fw, d, b.ids[ok - 1], ok, diag);
        *sent = ok;
        if (!rc && (src || ok < b.n)) {
            *failed = true;
            rc = record_failure(fw, d, sd.msg[0] ? sd.msg : xa_rc_str(src ? src : XA_ERR_NET),
                                diag);
        }
    }
    batch_release(&b);
    return rc;
}

xa_rc xa_forwarder_pass(struct xa_forwarder *fw, size_t i, bool force, struct xa_out_pass *res,
                        struct xa_diag *diag)
{
    memset(res, 0, sizeof(*res));
    if (i >= fw->n)
        return xa_diag_set(diag, XA_ERR_INTERNAL, "no destination %zu", i);
    struct dest *d = &fw->d[i];
    if (!force && d->due && xa_time_now() < d->due)
        return XA_OK;
    xa_rc rc = XA_OK;
    for (;;) {
        /* fill while there is room */
        struct state s;
        rc = load_state(fw, d->cfg->name, &s, diag);
        if (rc)
            break;
        size_t room = s.s.spooled >= (int64_t)d->cfg->spool_max
                          ? 0 : d->cfg->spool_max - (size_t)s.s.spooled;
        bool more = room > 0;
        while (more && room) {
            size_t added = 0;
            rc = fill_chunk(fw, d, room, &added, &more, diag);
            if (rc)
                break;
            res->spooled += added;
            room = added >= room ? 0 : room - added;
            if (added) /* deliver a chunk before reading the next */
                break;
        }
        if (rc)
            break;
        size_t sent = 0;
        bool failed = false, empty = false;
        rc = deliver_batch(fw, d, &sent, &failed, &empty, diag);
        if (rc)
            break;
        res->sent += sent;
        if (failed) {
            res->failed = true;
            break;
        }
        if (empty && !more)
            break;
    }
    res->idle = !res->failed && res->sent == 0 && res->spooled == 0;
    return rc;
}
