/* rfc5424.c - RFC 5424 syslog messages and RFC 6587 octet-counting framing. */
#include "core/xtime.h"
#include "out/format.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Header field: printable US-ASCII (33..126) only, at most max characters; "-" when empty. */
static xa_rc hdr_field(const char *s, size_t max, struct xa_buf *out)
{
    if (!s || !*s)
        return xa_buf_putc(out, '-');
    size_t n = 0;
    xa_rc rc = XA_OK;
    for (const unsigned char *p = (const unsigned char *)s; *p && n < max && !rc; p++, n++)
        rc = xa_buf_putc(out, (*p >= 33 && *p <= 126) ? (char)*p : '_');
    return rc;
}

xa_rc xa_out_sd_escape(const char *s, struct xa_buf *out)
{
    xa_rc rc = XA_OK;
    for (const char *p = s ? s : ""; *p && !rc; p++) {
        if (*p == '\\' || *p == '"' || *p == ']')
            rc = xa_buf_putc(out, '\\');
        if (!rc)
            rc = xa_buf_putc(out, *p);
    }
    return rc;
}

/* SD-NAME: printable US-ASCII except = SP ] " , at most 32. */
static xa_rc sd_name(const char *s, struct xa_buf *out)
{
    size_t n = 0;
    xa_rc rc = XA_OK;
    for (const unsigned char *p = (const unsigned char *)s; *p && n < 32 && !rc; p++, n++) {
        unsigned char c = *p;
        bool ok = c >= 33 && c <= 126 && c != '=' && c != ']' && c != '"';
        rc = xa_buf_putc(out, ok ? (char)c : '_');
    }
    return rc;
}

xa_rc xa_out_rfc5424(const struct xa_rfc5424 *h, const char *msg, size_t len, struct xa_buf *out)
{
    int fac = h->facility < 0 || h->facility > 23 ? 13 : h->facility;
    int sev = h->severity < 0 || h->severity > 7 ? 6 : h->severity;
    xa_rc rc = xa_buf_printf(out, "<%d>1 ", fac * 8 + sev);
    if (!rc) {
        if (h->time == XA_TIME_NONE) {
            rc = xa_buf_putc(out, '-');
        } else {
            /* always with microseconds: TIME-SECFRAC is allowed up to 6 digits */
            char tb[32];
            xa_time_format(h->time - (h->time % 1000000 + 1000000) % 1000000, tb);
            size_t tl = strlen(tb);
            if (tl && tb[tl - 1] == 'Z')
                tb[--tl] = '\0';
            rc = xa_buf_printf(out, "%s.%06dZ", tb, (int)((h->time % 1000000 + 1000000) % 1000000));
        }
    }
    if (!rc)
        rc = xa_buf_putc(out, ' ');
    if (!rc)
        rc = hdr_field(h->hostname, 255, out);
    if (!rc)
        rc = xa_buf_putc(out, ' ');
    if (!rc)
        rc = hdr_field(h->app_name, 48, out);
    if (!rc)
        rc = xa_buf_putc(out, ' ');
    if (!rc)
        rc = hdr_field(h->procid, 128, out);
    if (!rc)
        rc = xa_buf_putc(out, ' ');
    if (!rc)
        rc = hdr_field(h->msgid, 32, out);
    if (!rc)
        rc = xa_buf_putc(out, ' ');
    if (!rc) {
        if (!h->sd_id) {
            rc = xa_buf_putc(out, '-');
        } else {
            rc = xa_buf_putc(out, '[');
            if (!rc)
                rc = sd_name(h->sd_id, out);
            for (size_t i = 0; i < h->n_sd && !rc; i++) {
                if (!h->sd_values[i])
                    continue;
                rc = xa_buf_putc(out, ' ');
                if (!rc)
                    rc = sd_name(h->sd_names[i], out);
                if (!rc)
                    rc = xa_buf_append(out, "=\"", 2);
                if (!rc)
                    rc = xa_out_sd_escape(h->sd_values[i], out);
                if (!rc)
                    rc = xa_buf_putc(out, '"');
            }
            if (!rc)
                rc = xa_buf_putc(out, ']');
        }
    }
    if (!rc && msg && len) {
        rc = xa_buf_putc(out, ' ');
        if (!rc)
            rc = xa_buf_append(out, msg, len);
    }
    return rc;
}

xa_rc xa_out_octet_frame(const char *msg, size_t len, struct xa_buf *out)
{
    xa_rc rc = xa_buf_printf(out, "%zu ", len);
    return rc ? rc : xa_buf_append(out, msg, len);
}

int xa_out_syslog_severity(int s)
{
    switch (s) {
    case 4: return 2; /* critical */
    case 3: return 3; /* error: high */
    case 2: return 4; /* warning: medium */
    case 1: return 5; /* notice: low */
    default: return 6;
    }
}

xa_rc xa_out_syslog_item(const struct xa_out_item *it, int facility, const char *hostname,
                         const char *payload, size_t len, struct xa_buf *out)
{
    char seq[24] = "", cnt[24] = "";
    const char *names[6], *values[6];
    size_t n = 0;
    names[n] = "id";
    values[n++] = xa_out_item_key(it);
    if (it->kind == XA_OUT_EVENT) {
        snprintf(seq, sizeof(seq), "%" PRId64, it->ev->seq);
        names[n] = "seq";
        values[n++] = seq;
        names[n] = "tenant";
        values[n++] = it->ev->tenant_id;
    } else {
        snprintf(seq, sizeof(seq), "%" PRId64, it->al->id);
        snprintf(cnt, sizeof(cnt), "%" PRId64, it->al->count);
        names[n] = "alert";
        values[n++] = seq;
        names[n] = "rule";
        values[n++] = it->al->rule_id;
        names[n] = "count";
        values[n++] = cnt;
    }
    struct xa_rfc5424 h = {
        .facility = facility,
        .severity = xa_out_syslog_severity(xa_out_item_severity(it)),
        .time = xa_out_item_time(it),
        .hostname = hostname,
        .app_name = "exoaudit",
        .procid = NULL,
        .msgid = it->kind == XA_OUT_EVENT ? "audit" : "alert",
        .sd_id = "exoaudit@32473",
        .sd_names = names,
        .sd_values = values,
        .n_sd = n,
    };
    return xa_out_rfc5424(&h, payload, len, out);
}
