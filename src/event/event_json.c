/* event_json.c - canonical JSON rendering of a normalised event. */
#include "core/xtime.h"
#include "event/event.h"

#include <stdio.h>
#include <string.h>

static xa_rc key(struct xa_buf *b, const char *k, int *first)
{
    xa_rc rc = xa_buf_append(b, *first ? "\"" : ",\"", *first ? 1 : 2);
    *first = 0;
    if (!rc)
        rc = xa_buf_puts(b, k);
    return rc ? rc : xa_buf_append(b, "\":", 2);
}

static xa_rc kstr(struct xa_buf *b, const char *k, const char *v, int *first)
{
    xa_rc rc = key(b, k, first);
    return rc ? rc : xa_buf_json_str(b, v, (size_t)-1);
}

static xa_rc ktime(struct xa_buf *b, const char *k, int64_t t, int *first)
{
    char tb[32];
    return kstr(b, k, t == XA_TIME_NONE ? NULL : xa_time_format(t, tb), first);
}

static xa_rc kint(struct xa_buf *b, const char *k, long long v, int *first)
{
    xa_rc rc = key(b, k, first);
    return rc ? rc : xa_buf_printf(b, "%lld", v);
}

static xa_rc kbool(struct xa_buf *b, const char *k, int v, int *first)
{
    xa_rc rc = key(b, k, first);
    return rc ? rc : xa_buf_puts(b, v < 0 ? "null" : v ? "true" : "false");
}

/* Is s[0..n) plausibly one JSON value (object or array)? The raw record of a JSON
 * source always is; other sources (CSV rows, XML elements) are embedded as strings. */
static int looks_json(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    return n >= 2 && ((s[0] == '{' && s[n - 1] == '}') || (s[0] == '[' && s[n - 1] == ']'));
}

xa_rc xa_event_to_json(const struct xa_event *ev, struct xa_buf *b)
{
    int f = 1;
    xa_rc rc = xa_buf_putc(b, '{');
#define CK(x)                                                                                      \
    do {                                                                                           \
        if (!rc)                                                                                   \
            rc = (x);                                                                              \
    } while (0)
    CK(kstr(b, "record_id", ev->record_id, &f));
    CK(kstr(b, "tenant_id", ev->tenant_id, &f));
    if (ev->record_type >= 0)
        CK(kint(b, "record_type", ev->record_type, &f));
    else
        CK(kstr(b, "record_type", NULL, &f));
    CK(kstr(b, "record_type_name", xa_record_type_name(ev->record_type), &f));
    CK(kstr(b, "workload", ev->workload, &f));
    CK(ktime(b, "occurred_at", ev->occurred_at, &f));
    CK(kstr(b, "actor", ev->actor, &f));
    CK(kstr(b, "actor_type", ev->actor_type, &f));
    CK(kbool(b, "is_system", ev->is_system, &f));
    CK(kstr(b, "operation", ev->operation, &f));
    CK(kstr(b, "activity", ev->activity ? ev->activity : ev->operation, &f));
    CK(kstr(b, "category", xa_category_name(ev->category), &f));
    CK(kstr(b, "result", ev->result == XA_RESULT_UNKNOWN ? NULL : xa_result_name(ev->result), &f));
    CK(kstr(b, "logon_type", xa_logon_name(ev->logon_type), &f));
    CK(kstr(b, "mailbox", ev->mailbox, &f));
    CK(kstr(b, "mailbox_guid", ev->mailbox_guid, &f));
    CK(kstr(b, "object", ev->object, &f));
    CK(kstr(b, "grantee", ev->grantee, &f));
    CK(kstr(b, "rights", ev->rights, &f));
    CK(kstr(b, "client_ip", ev->client_ip, &f));
    if (ev->client_port > 0)
        CK(kint(b, "client_port", ev->client_port, &f));
    else
        CK(kstr(b, "client_port", NULL, &f));
    CK(kstr(b, "client_info", ev->client_info, &f));
    CK(kstr(b, "originating_server", ev->originating_server, &f));
    CK(kbool(b, "external_access", ev->external_access, &f));
    CK(key(b, "parameters", &f));
    CK(xa_buf_putc(b, '{'));
    for (size_t i = 0; i < ev->n_params && !rc; i++) {
        if (i)
            CK(xa_buf_putc(b, ','));
        CK(xa_buf_json_str(b, ev->params[i].name ? ev->params[i].name : "", (size_t)-1));
        CK(xa_buf_putc(b, ':'));
        CK(xa_buf_json_str(b, ev->params[i].value, (size_t)-1));
    }
    CK(xa_buf_putc(b, '}'));
    CK(key(b, "raw", &f));
    if (!ev->raw)
        CK(xa_buf_puts(b, "null"));
    else if (ev->source != XA_SRC_CSV && ev->source != XA_SRC_XML && ev->source != XA_SRC_EVTX &&
             looks_json(ev->raw, ev->raw_len))
        CK(xa_buf_append(b, ev->raw, ev->raw_len));
    else
        CK(xa_buf_json_str(b, ev->raw, ev->raw_len));
    /* extra fields */
    CK(kstr(b, "source", xa_source_name(ev->source), &f));
    CK(ktime(b, "collected_at", ev->collected_at, &f));
    CK(kstr(b, "actor_sid", ev->actor_sid, &f));
    CK(kstr(b, "app_id", ev->app_id, &f));
    CK(kstr(b, "client_app_id", ev->client_app_id, &f));
    CK(kstr(b, "session_id", ev->session_id, &f));
    CK(kstr(b, "item", ev->item, &f));
    CK(kstr(b, "folder", ev->folder, &f));
    CK(key(b, "modified_properties", &f));
    CK(xa_buf_putc(b, '{'));
    for (size_t i = 0; i < ev->n_mods && !rc; i++) {
        if (i)
            CK(xa_buf_putc(b, ','));
        CK(xa_buf_json_str(b, ev->mods[i].name ? ev->mods[i].name : "", (size_t)-1));
        CK(xa_buf_puts(b, ":{\"old\":"));
        CK(xa_buf_json_str(b, ev->mods[i].old_value, (size_t)-1));
        CK(xa_buf_puts(b, ",\"new\":"));
        CK(xa_buf_json_str(b, ev->mods[i].new_value, (size_t)-1));
        CK(xa_buf_putc(b, '}'));
    }
    CK(xa_buf_putc(b, '}'));
    if (ev->seq > 0) {
        CK(kint(b, "seq", ev->seq, &f));
        CK(kint(b, "duplicates", ev->duplicates, &f));
    }
    CK(xa_buf_putc(b, '}'));
#undef CK
    return rc;
}
