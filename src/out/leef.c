/* leef.c - IBM QRadar Log Event Extended Format 2.0 with a tab delimiter (declared as x09).
 * LEEF defines no escape for the delimiter inside a value, so tabs and line breaks in
 * values become spaces; header fields escape | and \ with a backslash. */
#include "core/xtime.h"
#include "out/format.h"

#include <inttypes.h>
#include <stdio.h>

xa_rc xa_out_leef_header_escape(const char *s, struct xa_buf *out)
{
    xa_rc rc = XA_OK;
    for (const char *p = s ? s : ""; *p && !rc; p++) {
        if (*p == '\\' || *p == '|')
            rc = xa_buf_putc(out, '\\');
        if (!rc)
            rc = xa_buf_putc(out, (*p == '\r' || *p == '\n' || *p == '\t') ? ' ' : *p);
    }
    return rc;
}

xa_rc xa_out_leef_value(const char *s, struct xa_buf *out)
{
    xa_rc rc = XA_OK;
    for (const char *p = s ? s : ""; *p && !rc; p++)
        rc = xa_buf_putc(out, (*p == '\r' || *p == '\n' || *p == '\t') ? ' ' : *p);
    return rc;
}

struct attrs {
    struct xa_buf *b;
    xa_rc rc;
    bool first;
};

static void attr(struct attrs *a, const char *key, const char *v)
{
    if (a->rc || !v || !*v)
        return;
    if (!a->first)
        a->rc = xa_buf_putc(a->b, '\t');
    a->first = false;
    if (!a->rc)
        a->rc = xa_buf_printf(a->b, "%s=", key);
    if (!a->rc)
        a->rc = xa_out_leef_value(v, a->b);
}

static void attr_int(struct attrs *a, const char *key, int64_t v)
{
    char n[24];
    snprintf(n, sizeof(n), "%" PRId64, v);
    attr(a, key, n);
}

xa_rc xa_out_leef(const struct xa_out_item *it, struct xa_buf *out)
{
    const char *evid = it->kind == XA_OUT_EVENT
                           ? (it->ev->operation ? it->ev->operation : "unknown")
                           : (it->al->rule_id ? it->al->rule_id : "alert");
    xa_rc rc = xa_buf_puts(out, "LEEF:2.0|exoaudit|exoaudit|");
    if (!rc)
        rc = xa_out_leef_header_escape(XA_VERSION, out);
    if (!rc)
        rc = xa_buf_putc(out, '|');
    if (!rc)
        rc = xa_out_leef_header_escape(evid, out);
    if (!rc)
        rc = xa_buf_puts(out, "|x09|");
    if (rc)
        return rc;
    struct attrs a = {.b = out, .rc = XA_OK, .first = true};
    int64_t t = xa_out_item_time(it);
    if (t != XA_TIME_NONE) {
        attr(&a, "devTimeFormat", "epoch-ms"); /* documented: devTime in milliseconds */
        attr_int(&a, "devTime", t / 1000);
    }
    static const int sev10[] = {1, 3, 5, 8, 10};
    int s = xa_out_item_severity(it);
    attr_int(&a, "sev", sev10[s >= 0 && s <= 4 ? s : 1]);
    if (it->kind == XA_OUT_EVENT) {
        const struct xa_event *ev = it->ev;
        attr(&a, "cat", xa_category_name(ev->category));
        attr(&a, "usrName", ev->actor);
        attr(&a, "src", ev->client_ip);
        if (ev->client_port > 0)
            attr_int(&a, "srcPort", ev->client_port);
        attr(&a, "resource", ev->mailbox);
        attr(&a, "recordId", ev->record_id);
        attr(&a, "tenantId", ev->tenant_id);
        attr(&a, "workload", ev->workload);
        attr(&a, "operation", ev->operation);
        attr(&a, "result", ev->result == XA_RESULT_UNKNOWN ? NULL : xa_result_name(ev->result));
        attr(&a, "logonType", xa_logon_name(ev->logon_type));
        attr(&a, "object", ev->object);
        attr(&a, "grantee", ev->grantee);
        attr(&a, "rights", ev->rights);
        attr(&a, "clientInfo", ev->client_info);
        if (ev->seq > 0)
            attr_int(&a, "seq", ev->seq);
    } else {
        const struct xa_alert *al = it->al;
        attr(&a, "cat", "alert");
        attr(&a, "alertUid", al->uid);
        attr_int(&a, "alertId", al->id);
        attr(&a, "ruleId", al->rule_id);
        attr(&a, "ruleTitle", al->rule_title);
        attr(&a, "tenantId", al->tenant_id);
        attr(&a, "summary", al->summary);
        attr(&a, "groupKey", al->group_key);
        attr(&a, "tags", al->tags);
        attr_int(&a, "eventCount", al->count);
    }
    return a.rc;
}
