/* api_ops.c - alerts, rules, component status, collector status and coverage, integrity
 * verification and evidence exports. Each calls its module; what the process around the
 * console does not provide (a hook left NULL) answers 501 naming the missing piece
 * (never a made-up result). */
#include "collect/status.h"
#include "core/xtime.h"
#include "parse/json.h"
#include "report/report.h"
#include "rules/rule.h"
#include "store/bundle.h"
#include "store/integrity.h"
#include "rules/alert.h"
#include "web/web_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EXPORT_MAX_RECORDS 1000000
#define DOWNLOAD_MAX (256u << 20)

/* ---- alerts ---- */

static void jtime(struct xa_buf *b, const char *k, int64_t t)
{
    char tb[32];
    xa_buf_printf(b, ",\"%s\":", k);
    xa_buf_json_str(b, t == XA_TIME_NONE || t == 0 ? NULL : xa_time_format(t, tb), (size_t)-1);
}

struct actx {
    struct xa_buf *b;
    size_t n, limit;
};

static xa_rc alert_cb(void *ud, const struct xa_alert *a)
{
    struct actx *x = ud;
    if (x->n >= x->limit)
        return XA_OK;
    if (x->n++)
        xa_buf_putc(x->b, ',');
    xa_alert_to_json(a, x->b);
    return XA_OK;
}

static const struct xa_store_alert_ops *alert_ops(struct xa_web_call *c, struct xa_store **st)
{
    if (!(*st = xa_web_store(c)))
        return NULL;
    if (!(*st)->ops->alerts) {
        xa_web_not_available(c, "alerts (this archive backend keeps none)");
        return NULL;
    }
    return (*st)->ops->alerts;
}

static int level_of(const char *s)
{
    for (int i = 0; i <= 4; i++)
        if (strcmp(s, xa_rule_level_name(i)) == 0)
            return i;
    return -1;
}

void xa_api_alerts_list(struct xa_web_call *c)
{
    struct xa_alert_query q;
    memset(&q, 0, sizeof(q));
    q.status = -2; /* open and acknowledged */
    q.since = q.until = XA_TIME_NONE;
    size_t limit = 100;
    int64_t now = xa_time_now();
    for (size_t i = 0; i < c->req->n_args; i++) {
        const char *k = c->req->args[i].name, *v = c->req->args[i].value;
        char *end;
        if (!strcmp(k, "status")) {
            if (!strcmp(v, "all"))
                q.status = -1;
            else if (!strcmp(v, "open"))
                q.status = XA_ALERT_OPEN;
            else if (!strcmp(v, "acknowledged") || !strcmp(v, "ack"))
                q.status = XA_ALERT_ACK;
            else if (!strcmp(v, "closed"))
                q.status = XA_ALERT_CLOSED;
            else if (*v) {
                xa_web_error(c, 400, "bad_parameter",
                             "parameter status: open, acknowledged, closed or all");
                return;
            }
        } else if (!strcmp(k, "rule")) {
            q.rule = *v ? v : NULL;
        } else if (!strcmp(k, "min_severity")) {
            if (*v && (q.min_severity = level_of(v)) < 0) {
                xa_web_error(c, 400, "bad_parameter",
                             "parameter min_severity: informational, low, medium, high or critical");
                return;
            }
            if (!*v)
                q.min_severity = 0;
        } else if (!strcmp(k, "since") || !strcmp(k, "until")) {
            if (*v && xa_time_parse_arg(v, now, k[0] == 's' ? &q.since : &q.until)) {
                xa_web_error(c, 400, "bad_parameter", "parameter %s: not a time", k);
                return;
            }
        } else if (!strcmp(k, "limit")) {
            long long l = strtoll(v, &end, 10);
            if (*end || end == v || l < 1 || l > 1000) {
                xa_web_error(c, 400, "bad_parameter", "parameter limit: 1 to 1000");
                return;
            }
            limit = (size_t)l;
        } else if (!strcmp(k, "after_rev")) {
            long long r = strtoll(v, &end, 10);
            if (*end || end == v || r < 0) {
                xa_web_error(c, 400, "bad_parameter", "parameter after_rev: a change number");
                return;
            }
            q.after_rev = r;
        } else if (!strcmp(k, "id")) {
            long long r = strtoll(v, &end, 10);
            if (*end || end == v || r <= 0) {
                xa_web_error(c, 400, "bad_parameter", "parameter id: an alert id");
                return;
            }
            q.id = r;
            q.status = -1;
        } else {
            xa_web_error(c, 400, "bad_parameter", "unknown parameter %.64s", k);
            return;
        }
    }
    struct xa_store *st;
    const struct xa_store_alert_ops *ao = alert_ops(c, &st);
    if (!ao)
        return;
    q.limit = limit;
    xa_web_json_begin(c, 200);
    struct xa_buf *b = &c->resp->body;
    xa_buf_puts(b, "{\"alerts\":[");
    struct actx x = {b, 0, limit};
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc;
    if (q.status == -2) {
        q.status = XA_ALERT_OPEN;
        rc = ao->list(st->ctx, &q, alert_cb, &x, &d);
        q.status = XA_ALERT_ACK;
        if (!rc && x.n < limit)
            rc = ao->list(st->ctx, &q, alert_cb, &x, &d);
    } else {
        rc = ao->list(st->ctx, &q, alert_cb, &x, &d);
    }
    if (rc) {
        xa_web_rc_error(c, rc, &d);
        return;
    }
    xa_buf_printf(b, "],\"count\":%zu}", x.n);
}

static bool alert_id(struct xa_web_call *c, int64_t *id)
{
    char *end;
    long long v = strtoll(c->seg[0], &end, 10);
    if (*end || end == c->seg[0] || v <= 0) {
        xa_web_error(c, 404, "not_found", "no such alert");
        return false;
    }
    *id = v;
    return true;
}

/* Set status and/or add a comment, then answer the alert as it is now. */
static void alert_update(struct xa_web_call *c, int status, bool need_text)
{
    xa_web_audit_param(c, "Alert", c->seg[0]);
    int64_t id;
    if (!alert_id(c, &id))
        return;
    char text[2001] = "";
    if (c->req->body_len || need_text) {
        struct xa_json *root = xa_web_body_json(c);
        if (!root)
            return;
        const char *t = xa_json_str(xa_json_get(root, "text"));
        if (!t)
            t = xa_json_str(xa_json_get(root, "comment"));
        if (t && strlen(t) >= sizeof(text)) {
            xa_json_free(root);
            xa_web_error(c, 400, "bad_request", "comment longer than 2000 bytes");
            return;
        }
        snprintf(text, sizeof(text), "%s", t ? t : "");
        xa_json_free(root);
        if (need_text && !text[0]) {
            xa_web_error(c, 400, "bad_request", "send {\"text\":\"...\"}");
            return;
        }
    }
    for (char *p = text; *p; p++) /* one line: control characters become spaces */
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    struct xa_store *st;
    const struct xa_store_alert_ops *ao = alert_ops(c, &st);
    if (!ao)
        return;
    struct xa_diag d;
    xa_diag_clear(&d);
    char who[160];
    snprintf(who, sizeof(who), "%s (console)", c->user);
    xa_rc rc = ao->update(st->ctx, id, status, who, text[0] ? text : NULL, &d);
    if (rc) {
        xa_web_rc_error(c, rc, &d);
        return;
    }
    if (text[0])
        xa_web_audit_param(c, "Comment", text);
    struct xa_alert_query q = {.id = id, .status = -1, .since = XA_TIME_NONE,
                               .until = XA_TIME_NONE, .limit = 1};
    xa_web_json_begin(c, 200);
    struct xa_buf *b = &c->resp->body;
    xa_buf_puts(b, "{\"alerts\":[");
    struct actx x = {b, 0, 1};
    rc = ao->list(st->ctx, &q, alert_cb, &x, &d);
    if (rc) {
        xa_web_rc_error(c, rc, &d);
        return;
    }
    xa_buf_printf(b, "],\"count\":%zu}", x.n);
}

void xa_api_alert_ack(struct xa_web_call *c)
{
    alert_update(c, XA_ALERT_ACK, false);
}

void xa_api_alert_comment(struct xa_web_call *c)
{
    alert_update(c, -1, true);
}

/* ---- rules, status, collector ---- */

void xa_api_rules_list(struct xa_web_call *c)
{
    const struct xa_web_hooks *h = &c->app->o.hooks;
    if (!h->rules_json) {
        xa_web_not_available(c, "rule listing (no rule set loaded by this process)");
        return;
    }
    xa_web_json_begin(c, 200);
    struct xa_buf *b = &c->resp->body;
    xa_buf_puts(b, "{\"rules\":");
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = h->rules_json(h->ud, b, &d);
    if (rc) {
        xa_web_rc_error(c, rc, &d);
        return;
    }
    xa_buf_puts(b, "}");
}

void xa_api_rules_reload(struct xa_web_call *c)
{
    const struct xa_web_hooks *h = &c->app->o.hooks;
    if (!h->rules_reload) {
        xa_web_not_available(c, "rule reload (no rule engine in this process)");
        return;
    }
    xa_web_json_begin(c, 200);
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = h->rules_reload(h->ud, &c->resp->body, &d);
    if (rc) {
        xa_web_error(c, 422, "rules_invalid", "%s", d.msg[0] ? d.msg : xa_rc_str(rc));
        return;
    }
}

struct fctx {
    struct xa_buf *b;
    size_t n;
};

static xa_rc fwd_cb(void *ud, const struct xa_fwd_state *s)
{
    struct fctx *f = ud;
    struct xa_buf *b = f->b;
    xa_buf_puts(b, f->n++ ? ",{\"name\":" : "{\"name\":");
    xa_buf_json_str(b, s->dest, (size_t)-1);
    xa_buf_printf(b, ",\"event_seq\":%lld,\"alert_pos\":%lld,\"sent\":%lld,\"failures\":%lld,"
                     "\"spooled\":%lld,\"spool_bytes\":%lld",
                  (long long)s->event_seq, (long long)s->alert_pos, (long long)s->sent,
                  (long long)s->failures, (long long)s->spooled, (long long)s->spool_bytes);
    jtime(b, "last_ok_at", s->last_ok_at);
    jtime(b, "last_fail_at", s->last_fail_at);
    xa_buf_puts(b, ",\"last_error\":");
    xa_buf_json_str(b, s->last_error, (size_t)-1);
    xa_buf_putc(b, '}');
    return XA_OK;
}

void xa_api_status(struct xa_web_call *c)
{
    struct xa_store *st = xa_web_store(c);
    if (!st)
        return;
    const struct xa_web_hooks *h = &c->app->o.hooks;
    struct xa_store_stats s;
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = st->ops->stats(st->ctx, &s, &d);
    if (rc) {
        xa_web_rc_error(c, rc, &d);
        return;
    }
    int64_t cursor = -1;
    if (st->ops->alerts && st->ops->alerts->cursor_get(st->ctx, "rules", &cursor, &d))
        cursor = -1;
    xa_web_json_begin(c, 200);
    struct xa_buf *b = &c->resp->body;
    xa_buf_printf(b, "{\"archive\":{\"events\":%lld,\"max_seq\":%lld,\"quarantined\":%lld},"
                     "\"detection_cursor\":%lld,\"detection_lag\":%lld,\"components\":",
                  (long long)s.events, (long long)s.max_seq, (long long)s.quarantined,
                  (long long)cursor, cursor >= 0 ? (long long)(s.max_seq - cursor) : -1LL);
    if (h->health_json)
        h->health_json(h->ud, b);
    else
        xa_buf_puts(b, "{\"http\":{\"state\":\"running\"}}");
    xa_buf_puts(b, ",\"destinations\":[");
    struct fctx f = {b, 0};
    if (st->ops->fwd)
        st->ops->fwd->state_list(st->ctx, fwd_cb, &f, &d);
    xa_buf_puts(b, "]}");
}

/* The collector's state in the archive (src/collect/status.c, the same JSON as `exoaudit
 * status --format json`): whichever process collects (serve's own collector thread or an
 * `exoaudit collect` beside it). tenant= and all_gaps=yes|no like the command's options. */
void xa_api_collector_status(struct xa_web_call *c)
{
    struct xa_collect_status_opts o = {.now = xa_time_now()};
    for (size_t i = 0; i < c->req->n_args; i++) {
        const char *k = c->req->args[i].name, *v = c->req->args[i].value;
        if (!strcmp(k, "tenant")) {
            if (strlen(v) > 64) {
                xa_web_error(c, 400, "bad_parameter", "parameter tenant: a tenant id");
                return;
            }
            o.tenant = *v ? v : NULL;
        } else if (!strcmp(k, "all_gaps")) {
            if (!strcmp(v, "yes") || !strcmp(v, "1") || !strcmp(v, "true")) {
                o.all_gaps = true;
            } else if (!strcmp(v, "no") || !strcmp(v, "0") || !strcmp(v, "false") || !*v) {
                o.all_gaps = false;
            } else {
                xa_web_error(c, 400, "bad_parameter", "parameter all_gaps: yes or no");
                return;
            }
        } else {
            xa_web_error(c, 400, "bad_parameter", "unknown parameter %.64s", k);
            return;
        }
    }
    struct xa_store *st = xa_web_store(c);
    if (!st)
        return;
    o.json = true;
    xa_web_json_begin(c, 200);
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = xa_collect_status_write(st, &o, &c->resp->body, &d);
    if (rc == XA_ERR_UNSUPPORTED)
        xa_web_not_available(c, "collector status (this archive backend keeps no collector state)");
    else if (rc)
        xa_web_rc_error(c, rc, &d);
}

/* Coverage: the coverage report of src/report over the archive (which mailboxes and
 * record types are being seen, and the gaps), as JSON. */
void xa_api_collector_coverage(struct xa_web_call *c)
{
    const struct xa_report_def *def = xa_report_find("coverage");
    if (!def) {
        xa_web_not_available(c, "coverage report (src/report)");
        return;
    }
    struct xa_web_filters *f = xa_web_filters_new();
    if (!f) {
        xa_web_error(c, 500, "internal", "out of memory");
        return;
    }
    struct xa_report_opts o;
    xa_report_opts_init(&o);
    struct xa_rdoc *doc = NULL;
    char *mem = NULL;
    size_t len = 0;
    if (!xa_web_parse_query(c, f, &o.q) || !(o.st = xa_web_store(c)))
        goto out;
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = xa_report_build(def, &o, &doc, &d);
    FILE *fp = NULL;
    if (!rc) {
        fp = open_memstream(&mem, &len);
        rc = fp ? xa_rdoc_render(doc, XA_RFMT_JSON, fp, &d) : XA_ERR_NOMEM;
        if (fp)
            fclose(fp);
    }
    if (rc) {
        xa_web_rc_error(c, rc, &d);
        goto out;
    }
    xa_web_json_begin(c, 200);
    if (xa_buf_append(&c->resp->body, mem ? mem : "{}", mem ? len : 2))
        xa_web_error(c, 500, "internal", "out of memory");
out:
    free(mem);
    xa_rdoc_free(doc);
    xa_web_filters_free(f);
}

/* ---- integrity ---- */

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

/* ---- evidence exports ----
 * Bundles are written to <export_dir>/<name>, name chosen by the server
 * ("exp-YYYYMMDDTHHMMSSZ-<8 hex>"); clients only ever name an export, never a path. */

static bool export_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n != 29 || strncmp(s, "exp-", 4) != 0)
        return false;
    for (size_t i = 4; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || s[i] == 'T' ||
              s[i] == 'Z' || s[i] == '-'))
            return false;
    return true;
}

struct seqs {
    int64_t *v;
    size_t n, cap;
};

static xa_rc seq_cb(void *ud, const struct xa_event *ev)
{
    struct seqs *s = ud;
    if (s->n >= EXPORT_MAX_RECORDS)
        return XA_ERR_LIMIT;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        int64_t *nv = realloc(s->v, cap * sizeof(*nv));
        if (!nv)
            return XA_ERR_NOMEM;
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n++] = ev->seq;
    return XA_OK;
}

void xa_api_export(struct xa_web_call *c)
{
    const char *dir = c->app->o.export_dir;
    if (!dir) {
        xa_web_not_available(c, "evidence export over the API (web.export_dir not set)");
        return;
    }
    struct xa_web_filters *f = xa_web_filters_new();
    struct seqs s = {0};
    struct xa_int_key *key = NULL;
    if (!f) {
        xa_web_error(c, 500, "internal", "out of memory");
        return;
    }
    struct xa_query q;
    if (!xa_web_parse_query(c, f, &q))
        goto out;
    if (!xa_web_arg(c->req, "include_system"))
        q.include_system = true; /* evidence: everything that matches, like `exoaudit export` */
    q.oldest_first = true;
    q.limit = 0;
    q.cursor = NULL;
    struct xa_store *st = xa_web_store(c);
    if (!st)
        goto out;
    struct xa_diag d;
    xa_diag_clear(&d);
    const char *kf = c->app->o.private_key_file;
    if (kf && access(kf, F_OK) == 0 && xa_int_key_load_private(kf, &key, &d)) {
        xa_web_rc_error(c, XA_ERR_INTERNAL, &d);
        goto out;
    }
    xa_rc rc = st->ops->checkpoint ? st->ops->checkpoint(st->ctx, &d) : XA_OK;
    char nx[XA_CURSOR_MAX];
    if (!rc)
        rc = st->ops->search(st->ctx, &q, seq_cb, &s, nx, &d);
    if (rc == XA_ERR_LIMIT) {
        xa_web_error(c, 400, "too_many_records",
                     "more than %d records match: narrow the filters", EXPORT_MAX_RECORDS);
        goto out;
    }
    if (rc) {
        xa_web_rc_error(c, rc, &d);
        goto out;
    }
    unsigned char rnd[4];
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
        xa_web_error(c, 500, "internal", "no randomness");
        goto out;
    }
    char compact[20], name[40], path[4096];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(compact, sizeof(compact), "%Y%m%dT%H%M%SZ", &tm);
    snprintf(name, sizeof(name), "exp-%s-%02x%02x%02x%02x", compact, rnd[0], rnd[1], rnd[2],
             rnd[3]);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    char desc[256];
    snprintf(desc, sizeof(desc), "exoaudit console export by %s", c->user);
    rc = xa_bundle_write(st, s.v, s.n, path, key, desc, &d);
    if (rc) {
        xa_web_rc_error(c, rc, &d);
        goto out;
    }
    xa_web_audit_param(c, "Export", name);
    char nrec[32];
    snprintf(nrec, sizeof(nrec), "%zu", s.n);
    xa_web_audit_param(c, "Records", nrec);
    xa_web_json_begin(c, 201);
    struct xa_buf *b = &c->resp->body;
    xa_buf_puts(b, "{\"name\":");
    xa_buf_json_str(b, name, (size_t)-1);
    xa_buf_printf(b, ",\"records\":%zu,\"signed\":%s,\"download\":\"/api/v1/exports/%s\"}", s.n,
                  key ? "true" : "false", name);
out:
    xa_int_key_free(key);
    free(s.v);
    xa_web_filters_free(f);
}

static int name_cmp(const void *a, const void *b)
{
    return -strcmp(*(char *const *)a, *(char *const *)b); /* newest first */
}

void xa_api_exports_list(struct xa_web_call *c)
{
    const char *dir = c->app->o.export_dir;
    if (!dir) {
        xa_web_not_available(c, "evidence export over the API (web.export_dir not set)");
        return;
    }
    DIR *dp = opendir(dir);
    if (!dp) {
        xa_web_error(c, 500, "internal", "the export directory cannot be read");
        return;
    }
    char *names[1000];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(dp)) && n < 1000)
        if (export_name_ok(de->d_name) && (names[n] = strdup(de->d_name)))
            n++;
    closedir(dp);
    qsort(names, n, sizeof(names[0]), name_cmp);
    xa_web_json_begin(c, 200);
    struct xa_buf *b = &c->resp->body;
    xa_buf_puts(b, "{\"exports\":[");
    for (size_t i = 0; i < n; i++) {
        xa_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
        xa_buf_json_str(b, names[i], (size_t)-1);
        xa_buf_printf(b, ",\"download\":\"/api/v1/exports/%s\"}", names[i]);
        free(names[i]);
    }
    xa_buf_printf(b, "],\"count\":%zu}", n);
}

/* 11 octal digits and a NUL into a 12-byte field. */
static void octal(unsigned char *f, unsigned long long v)
{
    for (int i = 10; i >= 0; i--, v >>= 3)
        f[i] = (unsigned char)('0' + (v & 7));
    f[11] = '\0';
}

/* One ustar header + data + padding. */
static xa_rc tar_add(struct xa_buf *b, const char *name, const void *data, size_t len,
                     int64_t mtime)
{
    unsigned char h[512];
    memset(h, 0, sizeof(h));
    snprintf((char *)h, 100, "%.99s", name);
    memcpy(h + 100, "0000644", 7);
    memcpy(h + 108, "0000000", 7);
    memcpy(h + 116, "0000000", 7);
    octal(h + 124, (unsigned long long)len);
    octal(h + 136, (unsigned long long)(mtime > 0 ? mtime : 0));
    memset(h + 148, ' ', 8);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    unsigned sum = 0;
    for (size_t i = 0; i < sizeof(h); i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
    static const unsigned char zero[512];
    xa_rc rc = xa_buf_append(b, h, sizeof(h));
    if (!rc && len)
        rc = xa_buf_append(b, data, len);
    if (!rc && len % 512)
        rc = xa_buf_append(b, zero, 512 - len % 512);
    return rc;
}

/* The bundle as one tar file (<name>/<file> for each regular file of the bundle). */
void xa_api_export_download(struct xa_web_call *c)
{
    const char *dir = c->app->o.export_dir;
    if (!dir) {
        xa_web_not_available(c, "evidence export over the API (web.export_dir not set)");
        return;
    }
    const char *name = c->seg[0];
    if (!export_name_ok(name)) {
        xa_web_error(c, 404, "not_found", "no such export");
        return;
    }
    xa_web_audit_param(c, "Export", name);
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) {
        xa_web_error(c, 404, "not_found", "no such export");
        return;
    }
    DIR *dp = fdopendir(dfd);
    if (!dp) {
        close(dfd);
        xa_web_error(c, 500, "internal", "the export cannot be read");
        return;
    }
    c->resp->status = 200;
    c->resp->ctype = "application/x-tar";
    c->resp->static_data = NULL;
    struct xa_buf *b = &c->resp->body;
    xa_buf_reset(b);
    xa_rc rc = XA_OK;
    size_t total = 0;
    struct dirent *de;
    while (!rc && (de = readdir(dp))) {
        if (de->d_name[0] == '.' || strlen(de->d_name) > 60)
            continue;
        int fd = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        struct stat sb;
        if (fd < 0)
            continue;
        if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
            close(fd);
            continue;
        }
        total += (size_t)sb.st_size;
        if (total > DOWNLOAD_MAX) {
            close(fd);
            rc = XA_ERR_LIMIT;
            break;
        }
        char *data = malloc((size_t)sb.st_size + 1);
        size_t got = 0;
        while (data && got < (size_t)sb.st_size) {
            ssize_t r = read(fd, data + got, (size_t)sb.st_size - got);
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        close(fd);
        if (!data || got != (size_t)sb.st_size) {
            free(data);
            rc = XA_ERR_IO;
            break;
        }
        char ename[100];
        snprintf(ename, sizeof(ename), "%.29s/%.60s", name, de->d_name);
        rc = tar_add(b, ename, data, got, (int64_t)sb.st_mtime);
        free(data);
    }
    closedir(dp);
    static const unsigned char end[1024];
    if (!rc)
        rc = xa_buf_append(b, end, sizeof(end));
    if (rc == XA_ERR_LIMIT) {
        xa_web_error(c, 413, "too_large",
                     "the bundle is larger than %u MiB: copy it from the export directory",
                     DOWNLOAD_MAX >> 20);
        return;
    }
    if (rc) {
        xa_web_error(c, 500, "internal", "the export cannot be read");
        return;
    }
    char cd[128];
    snprintf(cd, sizeof(cd), "attachment; filename=\"%.29s.tar\"", name);
    xa_web_add_header(c->resp, "Content-Disposition", cd);
}
