/* json.c - items as JSON and as a one-line text; the item accessors of format.h. */
#include "core/xtime.h"
#include "out/format.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *const level_names[] = {"informational", "low", "medium", "high", "critical"};

const char *xa_out_item_key(const struct xa_out_item *it)
{
    const char *k = it->kind == XA_OUT_EVENT ? it->ev->record_id : it->al->uid;
    return k ? k : "";
}

int64_t xa_out_item_time(const struct xa_out_item *it)
{
    if (it->kind == XA_OUT_EVENT)
        return it->ev->occurred_at;
    if (it->al->last_at && it->al->last_at != XA_TIME_NONE)
        return it->al->last_at;
    return it->al->created_at ? it->al->created_at : XA_TIME_NONE;
}

int xa_out_item_severity(const struct xa_out_item *it)
{
    if (it->kind == XA_OUT_ALERT)
        return it->al->severity < 0 ? 0 : it->al->severity > 4 ? 4 : it->al->severity;
    switch (it->ev->category) {
    case XA_CAT_MAILBOX_PERMISSION:
    case XA_CAT_INBOX_RULE:
    case XA_CAT_AUDIT_CONFIG: return 2;
    default: return 1;
    }
}

static xa_rc kv(struct xa_buf *b, bool *first, const char *k)
{
    xa_rc rc = xa_buf_puts(b, *first ? "\"" : ",\"");
    *first = false;
    if (!rc)
        rc = xa_buf_puts(b, k);
    return rc ? rc : xa_buf_puts(b, "\":");
}

static xa_rc kstr(struct xa_buf *b, bool *first, const char *k, const char *v)
{
    xa_rc rc = kv(b, first, k);
    return rc ? rc : xa_buf_json_str(b, v, (size_t)-1);
}

static xa_rc kint(struct xa_buf *b, bool *first, const char *k, int64_t v)
{
    xa_rc rc = kv(b, first, k);
    return rc ? rc : xa_buf_printf(b, "%" PRId64, v);
}

static xa_rc ktime(struct xa_buf *b, bool *first, const char *k, int64_t t)
{
    char tb[32];
    return kstr(b, first, k, (t == XA_TIME_NONE || t == 0) ? NULL : xa_time_format(t, tb));
}

static xa_rc alert_json(const struct xa_alert *al, struct xa_buf *b)
{
    static const char *const st[] = {"open", "acknowledged", "closed"};
    bool f = true;
    int sev = al->severity < 0 ? 0 : al->severity > 4 ? 4 : al->severity;
    xa_rc rc = xa_buf_putc(b, '{');
    if (!rc)
        rc = kstr(b, &f, "type", "alert");
    if (!rc)
        rc = kint(b, &f, "id", al->id);
    if (!rc)
        rc = kstr(b, &f, "uid", al->uid);
    if (!rc)
        rc = kstr(b, &f, "rule_id", al->rule_id);
    if (!rc)
        rc = kstr(b, &f, "rule_title", al->rule_title);
    if (!rc)
        rc = kint(b, &f, "severity", sev);
    if (!rc)
        rc = kstr(b, &f, "level", level_names[sev]);
    if (!rc)
        rc = kstr(b, &f, "tags", al->tags);
    if (!rc)
        rc = kstr(b, &f, "group_key", al->group_key);
    if (!rc)
        rc = kstr(b, &f, "tenant_id", al->tenant_id);
    if (!rc)
        rc = kstr(b, &f, "summary", al->summary);
    if (!rc)
        rc = ktime(b, &f, "first_at", al->first_at);
    if (!rc)
        rc = ktime(b, &f, "last_at", al->last_at);
    if (!rc)
        rc = ktime(b, &f, "created_at", al->created_at);
    if (!rc)
        rc = kstr(b, &f, "status", al->status >= 0 && al->status <= 2 ? st[al->status] : NULL);
    if (!rc)
        rc = kint(b, &f, "count", al->count);
    if (!rc)
        rc = kv(b, &f, "seqs");
    if (!rc)
        rc = xa_buf_putc(b, '[');
    for (size_t i = 0; i < al->n_seqs && !rc; i++)
        rc = xa_buf_printf(b, i ? ",%" PRId64 : "%" PRId64, al->seqs[i]);
    if (!rc)
        rc = xa_buf_puts(b, "]}");
    return rc;
}

xa_rc xa_out_json(const struct xa_out_item *it, bool single_line, struct xa_buf *out)
{
    size_t start = out->len;
    xa_rc rc = it->kind == XA_OUT_EVENT ? xa_event_to_json(it->ev, out) : alert_json(it->al, out);
    if (!rc && single_line) /* valid JSON has raw CR/LF only as whitespace between tokens */
        for (size_t i = start; i < out->len; i++)
            if (out->data[i] == '\n' || out->data[i] == '\r')
                out->data[i] = ' ';
    return rc;
}

static xa_rc clean(struct xa_buf *b, const char *s)
{
    xa_rc rc = XA_OK;
    for (const char *p = s; *p && !rc; p++)
        rc = xa_buf_putc(b, (*p == '\r' || *p == '\n' || *p == '\t') ? ' ' : *p);
    return rc;
}

xa_rc xa_out_text(const struct xa_out_item *it, struct xa_buf *out)
{
    xa_rc rc;
    if (it->kind == XA_OUT_ALERT) {
        const struct xa_alert *al = it->al;
        int sev = al->severity < 0 ? 0 : al->severity > 4 ? 4 : al->severity;
        rc = xa_buf_printf(out, "alert %s: ", level_names[sev]);
        if (!rc)
            rc = clean(out, al->rule_title ? al->rule_title : al->rule_id ? al->rule_id : "");
        if (!rc && al->summary) {
            rc = xa_buf_puts(out, ": ");
            if (!rc)
                rc = clean(out, al->summary);
        }
        return rc;
    }
    const struct xa_event *ev = it->ev;
    rc = clean(out, ev->actor ? ev->actor : "(unknown actor)");
    if (!rc)
        rc = xa_buf_puts(out, " did ");
    if (!rc)
        rc = clean(out, ev->operation ? ev->operation : "(unknown operation)");
    if (!rc && ev->mailbox) {
        rc = xa_buf_puts(out, " on ");
        if (!rc)
            rc = clean(out, ev->mailbox);
    }
    if (!rc && ev->object && (!ev->mailbox || strcmp(ev->object, ev->mailbox) != 0)) {
        rc = xa_buf_puts(out, " object ");
        if (!rc)
            rc = clean(out, ev->object);
    }
    if (!rc && ev->client_ip) {
        rc = xa_buf_puts(out, " from ");
        if (!rc)
            rc = clean(out, ev->client_ip);
    }
    if (!rc && ev->result == XA_RESULT_FAILURE)
        rc = xa_buf_puts(out, " (failed)");
    return rc;
}
