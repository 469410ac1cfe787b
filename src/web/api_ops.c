/* api_ops.c - alerts, rules, collector status and coverage, integrity verification and
 * exports: each calls its module when it is part of the build and answers 501 naming the
 * missing piece otherwise (never a made-up result). */
#include "core/xtime.h"
#include "parse/json.h"
#include "web/web_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void xa_api_alerts_list(struct xa_web_call *c)
{
    xa_web_not_available(c, "alert listing (store alert ops)");
}

void xa_api_alert_ack(struct xa_web_call *c)
{
    xa_web_audit_param(c, "Alert", c->seg[0]);
    xa_web_not_available(c, "alert acknowledgement (store alert ops)");
}

void xa_api_alert_comment(struct xa_web_call *c)
{
    xa_web_audit_param(c, "Alert", c->seg[0]);
    xa_web_not_available(c, "alert comments (store alert ops)");
}

void xa_api_rules_list(struct xa_web_call *c)
{
    xa_web_not_available(c, "rule listing (src/rules rule set loader with a configured rules path)");
}

void xa_api_rules_reload(struct xa_web_call *c)
{
    xa_web_not_available(c, "rule reload (src/rules engine entry point)");
}

void xa_api_collector_status(struct xa_web_call *c)
{
    xa_web_not_available(c, "collector status (src/collect status API)");
}

void xa_api_collector_coverage(struct xa_web_call *c)
{
    xa_web_not_available(c, "collector coverage (src/collect coverage API)");
}

struct vctx {
    struct xa_buf *b;
    size_t n;
};

static xa_rc verify_cb(void *ud, const struct xa_verify_problem *p)
{
    struct vctx *v = ud;
    if (v->n++ >= 1000)
        return XA_OK;
    struct xa_buf *b = v->b;
    xa_buf_printf(b, "%s{\"kind\":%d,\"seq_from\":%lld,\"seq_to\":%lld,\"record_id\":",
                  v->n > 1 ? "," : "", (int)p->kind, (long long)p->seq_from,
                  (long long)p->seq_to);
    xa_buf_json_str(b, p->record_id, (size_t)-1);
    xa_buf_printf(b, ",\"checkpoint\":%lld,\"message\":", (long long)p->checkpoint);
    xa_buf_json_str(b, p->message, (size_t)-1);
    return xa_buf_puts(b, "}");
}

void xa_api_integrity_verify(struct xa_web_call *c)
{
    struct xa_store *st = xa_web_store(c);
    if (!st)
        return;
    if (!st->ops->verify) {
        xa_web_not_available(c, "integrity verification (store verify op)");
        return;
    }
    struct xa_verify_opts o = {.since = XA_TIME_NONE};
    struct xa_verify_summary s;
    memset(&s, 0, sizeof(s));
    xa_web_json_begin(c, 200);
    struct xa_buf *b = &c->resp->body;
    xa_buf_puts(b, "{\"problems\":[");
    struct vctx v = {.b = b};
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = st->ops->verify(st->ctx, &o, verify_cb, &v, &s, &d);
    if (rc) {
        xa_web_rc_error(c, rc, &d);
        return;
    }
    xa_buf_printf(b,
                  "],\"summary\":{\"records\":%lld,\"blocks\":%lld,\"checkpoints\":%lld,"
                  "\"signed_checkpoints\":%lld,\"purges\":%lld,\"first_seq\":%lld,"
                  "\"last_seq\":%lld,\"problems\":%lld,\"warnings\":%lld,\"key_fingerprint\":",
                  (long long)s.records, (long long)s.blocks, (long long)s.checkpoints,
                  (long long)s.signed_checkpoints, (long long)s.purges, (long long)s.first_seq,
                  (long long)s.last_seq, (long long)s.problems, (long long)s.warnings);
    xa_buf_json_str(b, s.key_fpr[0] ? s.key_fpr : NULL, (size_t)-1);
    xa_buf_printf(b, ",\"ok\":%s}}", s.problems == 0 ? "true" : "false");
    char pr[32];
    snprintf(pr, sizeof(pr), "%lld", (long long)s.problems);
    xa_web_audit_param(c, "Problems", pr);
}

void xa_api_export(struct xa_web_call *c)
{
    xa_web_not_available(c, "evidence export over the API (export module entry point)");
}
