/* cef.c - ArcSight Common Event Format (CEF:0), escaping per the CEF specification:
 * in header fields a backslash and a pipe are escaped with a backslash; in extension values
 * a backslash and an equals sign are escaped, CR and LF become \r and \n. */
#include "core/xtime.h"
#include "out/format.h"

#include <inttypes.h>
#include <stdio.h>

xa_rc xa_out_cef_header_escape(const char *s, struct xa_buf *out)
{
    xa_rc rc = XA_OK;
    for (const char *p = s ? s : ""; *p && !rc; p++) {
        if (*p == '\\' || *p == '|')
            rc = xa_buf_putc(out, '\\');
        if (!rc)
            rc = xa_buf_putc(out, (*p == '\r' || *p == '\n') ? ' ' : *p);
    }
    return rc;
}

xa_rc xa_out_cef_ext_escape(const char *s, struct xa_buf *out)
{
    xa_rc rc = XA_OK;
    for (const char *p = s ? s : ""; *p && !rc; p++) {
        switch (*p) {
        case '\\': rc = xa_buf_append(out, "\\\\", 2); break;
        case '=': rc = xa_buf_append(out, "\\=", 2); break;
        case '\r': rc = xa_buf_append(out, "\\r", 2); break;
        case '\n': rc = xa_buf_append(out, "\\n", 2); break;
        default: rc = xa_buf_putc(out, *p); break;
        }
    }
    return rc;
}

struct ext {
    struct xa_buf *b;
    xa_rc rc;
    bool first;
};

static void ext(struct ext *e, const char *key, const char *v)
{
    if (e->rc || !v || !*v)
        return;
    if (!e->first)
        e->rc = xa_buf_putc(e->b, ' ');
    e->first = false;
    if (!e->rc)
        e->rc = xa_buf_printf(e->b, "%s=", key);
    if (!e->rc)
        e->rc = xa_out_cef_ext_escape(v, e->b);
}

static void ext_int(struct ext *e, const char *key, int64_t v)
{
    char n[24];
    snprintf(n, sizeof(n), "%" PRId64, v);
    ext(e, key, n);
}

static void ext_label(struct ext *e, const char *key, const char *label, const char *v)
{
    if (!v || !*v)
        return;
    char k[32];
    snprintf(k, sizeof(k), "%sLabel", key);
    ext(e, k, label);
    ext(e, key, v);
}

/* CEF severity 0..10 for an item severity 0..4. */
static int cef_sev(int s)
{
    static const int map[] = {1, 3, 5, 8, 10};
    return s >= 0 && s <= 4 ? map[s] : 3;
}

xa_rc xa_out_cef(const struct xa_out_item *it, struct xa_buf *out)
{
    const char *sig, *name;
    if (it->kind == XA_OUT_EVENT) {
        sig = it->ev->operation ? it->ev->operation : "unknown";
        name = it->ev->activity ? it->ev->activity : sig;
    } else {
        sig = it->al->rule_id ? it->al->rule_id : "alert";
        name = it->al->rule_title ? it->al->rule_title : sig;
    }
    xa_rc rc = xa_buf_puts(out, "CEF:0|exoaudit|exoaudit|");
    if (!rc)
        rc = xa_out_cef_header_escape(XA_VERSION, out);
    if (!rc)
        rc = xa_buf_putc(out, '|');
    if (!rc)
        rc = xa_out_cef_header_escape(sig, out);
    if (!rc)
        rc = xa_buf_putc(out, '|');
    if (!rc)
        rc = xa_out_cef_header_escape(name, out);
    if (!rc)
        rc = xa_buf_printf(out, "|%d|", cef_sev(xa_out_item_severity(it)));
    if (rc)
        return rc;
    struct ext e = {.b = out, .rc = XA_OK, .first = true};
    int64_t t = xa_out_item_time(it);
    if (t != XA_TIME_NONE)
        ext_int(&e, "rt", t / 1000); /* milliseconds since the epoch */
    if (it->kind == XA_OUT_EVENT) {
        const struct xa_event *ev = it->ev;
        ext(&e, "externalId", ev->record_id);
        ext(&e, "act", ev->operation);
        ext(&e, "cat", xa_category_name(ev->category));
        ext(&e, "suser", ev->actor);
        ext(&e, "duser", ev->mailbox);
        ext(&e, "src", ev->client_ip);
        if (ev->client_port > 0)
            ext_int(&e, "spt", ev->client_port);
        ext(&e, "outcome", ev->result == XA_RESULT_UNKNOWN ? NULL : xa_result_name(ev->result));
        ext(&e, "requestClientApplication", ev->client_info);
        ext(&e, "dvchost", ev->originating_server);
        ext(&e, "fname", ev->object);
        ext_label(&e, "cs1", "tenantId", ev->tenant_id);
        ext_label(&e, "cs2", "workload", ev->workload);
        ext_label(&e, "cs3", "logonType", xa_logon_name(ev->logon_type));
        ext_label(&e, "cs4", "grantee", ev->grantee);
        ext_label(&e, "cs5", "rights", ev->rights);
        ext_label(&e, "cs6", "recordType", xa_record_type_name(ev->record_type));
        if (ev->seq > 0) {
            ext(&e, "cn1Label", "seq");
            ext_int(&e, "cn1", ev->seq);
        }
    } else {
        const struct xa_alert *al = it->al;
        ext(&e, "externalId", al->uid);
        ext(&e, "cat", "alert");
        ext(&e, "msg", al->summary);
        ext_label(&e, "cs1", "tenantId", al->tenant_id);
        ext_label(&e, "cs2", "ruleId", al->rule_id);
        ext_label(&e, "cs3", "tags", al->tags);
        ext_label(&e, "cs4", "groupKey", al->group_key);
        ext(&e, "cn1Label", "alertId");
        ext_int(&e, "cn1", al->id);
        ext(&e, "cn2Label", "eventCount");
        ext_int(&e, "cn2", al->count);
        if (al->first_at != XA_TIME_NONE && al->first_at)
            ext_int(&e, "start", al->first_at / 1000);
        if (al->last_at != XA_TIME_NONE && al->last_at)
            ext_int(&e, "end", al->last_at / 1000);
    }
    return e.rc;
}
