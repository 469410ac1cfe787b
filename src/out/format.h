/* format.h - what a forwarder sends: an event or an alert rendered as RFC 5424 syslog,
 * CEF, LEEF, JSON or a one-line text, with optional field redaction.
 *
 * The renderers are pure functions of their input (no clock, no globals): the same item
 * always gives the same bytes, which is what makes a re-sent message recognisable.
 * Implemented in rfc5424.c, cef.c, leef.c, json.c and redact.c. Thread-safe. */
#ifndef XA_OUT_FORMAT_H
#define XA_OUT_FORMAT_H

#include "core/arena.h"
#include "core/buf.h"
#include "core/rc.h"
#include "event/event.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One thing to forward: an archived event or an alert. Borrowed pointers. */
enum xa_out_kind { XA_OUT_EVENT = 0, XA_OUT_ALERT = 1 };
struct xa_out_item {
    enum xa_out_kind kind;
    const struct xa_event *ev; /* XA_OUT_EVENT */
    const struct xa_alert *al; /* XA_OUT_ALERT */
};

/* The stable id of an item: the event's record id, the alert's uid. Never NULL. */
const char *xa_out_item_key(const struct xa_out_item *it);
/* When it happened (event: occurred_at; alert: last_at, else created_at). */
int64_t xa_out_item_time(const struct xa_out_item *it);
/* 0 (informational) .. 4 (critical): an alert's rule severity; for an event 1, or 2 for the
 * categories that change who can do what (permissions, inbox rules, audit settings). */
int xa_out_item_severity(const struct xa_out_item *it);

/* ---- redaction (redact.c) ---- */

#define XA_REDACTED "[redacted]"
#define XA_OUT_REDACT_MAX 64

/* Field names to hide: normalised event field names (actor, actor_sid, mailbox, client_ip,
 * grantee, object, item, folder, client_info, session_id, parameters, modified_properties,
 * raw, ...), "parameters.<Name>" for one parameter, and the alert fields summary,
 * group_key, tenant_id. A redacted string becomes "[redacted]". Any redaction also drops
 * the raw record, which repeats every field. */
struct xa_out_redact {
    const char *fields[XA_OUT_REDACT_MAX];
    size_t n;
};

/* Check that every name is one that can be redacted; diag names the first bad one. */
xa_rc xa_out_redact_check(const struct xa_out_redact *r, struct xa_diag *diag);
/* Copy *in to *out with the fields of r replaced; memory for copied lists comes from a.
 * With r NULL or empty, out is a plain copy. The result borrows in's strings. */
xa_rc xa_out_redact_item(const struct xa_out_redact *r, const struct xa_out_item *in,
                         struct xa_out_item *out, struct xa_event *ev_store,
                         struct xa_alert *al_store, struct xa_arena *a);

/* ---- RFC 5424 (rfc5424.c) ---- */

struct xa_rfc5424 {
    int facility;            /* 0..23 */
    int severity;            /* 0..7 */
    int64_t time;            /* us; XA_TIME_NONE -> "-" */
    const char *hostname;    /* NULL -> "-" */
    const char *app_name;    /* NULL -> "-" */
    const char *procid;      /* NULL -> "-" */
    const char *msgid;       /* NULL -> "-" */
    const char *sd_id;       /* one SD element, e.g. "exoaudit@32473"; NULL = no SD */
    const char *const *sd_names; /* its parameters */
    const char *const *sd_values;
    size_t n_sd;
};

/* Append one RFC 5424 message: header, structured data (values escaped: \ " ]), a space
 * and msg. Header fields are cut to their RFC lengths and non-printable characters
 * become '_'. */
xa_rc xa_out_rfc5424(const struct xa_rfc5424 *h, const char *msg, size_t len,
                     struct xa_buf *out);
/* Append msg with RFC 6587 octet-counting framing: "LEN SP MSG". */
xa_rc xa_out_octet_frame(const char *msg, size_t len, struct xa_buf *out);
/* Append s escaped as an SD-PARAM value (without the quotes). */
xa_rc xa_out_sd_escape(const char *s, struct xa_buf *out);
/* Syslog severity for an item severity (critical 2, high 3, medium 4, low 5, info 6). */
int xa_out_syslog_severity(int item_severity);

/* The identity fields every syslog message carries in its structured data. */
xa_rc xa_out_syslog_item(const struct xa_out_item *it, int facility, const char *hostname,
                         const char *payload, size_t len, struct xa_buf *out);

/* ---- CEF (cef.c) ---- */

/* Append s escaped for a CEF header field (\ -> \\, | -> \|, newlines -> space). */
xa_rc xa_out_cef_header_escape(const char *s, struct xa_buf *out);
/* Append s escaped for a CEF extension value (\ -> \\, = -> \=, CR -> \r, LF -> \n). */
xa_rc xa_out_cef_ext_escape(const char *s, struct xa_buf *out);
/* CEF:0|exoaudit|exoaudit|VERSION|signature|name|severity|extensions (one line). */
xa_rc xa_out_cef(const struct xa_out_item *it, struct xa_buf *out);

/* ---- LEEF 2.0 (leef.c) ---- */

/* Append s for a LEEF header field (| and \ escaped with \, newlines -> space). */
xa_rc xa_out_leef_header_escape(const char *s, struct xa_buf *out);
/* Append s for a LEEF attribute value (tab, CR, LF -> space: LEEF has no escape for the
 * delimiter). */
xa_rc xa_out_leef_value(const char *s, struct xa_buf *out);
/* LEEF:2.0|exoaudit|exoaudit|VERSION|EventID|x09|key=value<TAB>... (one line). */
xa_rc xa_out_leef(const struct xa_out_item *it, struct xa_buf *out);

/* ---- JSON and text (json.c) ---- */

/* The event's canonical JSON (xa_event_to_json) or the alert as a JSON object with id,
 * uid, rule_id, rule_title, severity, level, tags, group_key, tenant_id, summary,
 * first_at, last_at, created_at, status, count, seqs. One line when single_line (raw
 * newlines outside strings become spaces; JSON strings never hold raw newlines). */
xa_rc xa_out_json(const struct xa_out_item *it, bool single_line, struct xa_buf *out);
/* A human-readable line: "actor did operation on mailbox from ip" / "alert: title: summary". */
xa_rc xa_out_text(const struct xa_out_item *it, struct xa_buf *out);

#endif
