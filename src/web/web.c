/* web.c - the console application: routing, authentication, roles, CSRF, security
 * headers, static assets and self-audit around every handler. */
#include "web/web.h"

#include "core/log.h"
#include "core/xtime.h"
#include "parse/json.h"
#include "web/assets.h"
#include "web/auth.h"
#include "web/web_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CSP "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
            "frame-ancestors 'none'"
#define COOKIE "xa_session"

enum { R_PUBLIC = -1 };

struct route {
    const char *method;
    const char *pattern; /* under /api/v1; '*' matches one segment */
    int min_role;        /* R_PUBLIC or enum xa_web_role */
    xa_web_fn fn;
    const char *op;      /* self-audit operation name, NULL = not audited (reads of the UI) */
};

static const struct route routes[] = {
    {"GET", "/session", XA_ROLE_VIEWER, xa_api_session, NULL},
    {"POST", "/login", R_PUBLIC, xa_api_login, "ConsoleLogin"},
    {"POST", "/logout", XA_ROLE_VIEWER, xa_api_logout, "ConsoleLogout"},
    {"GET", "/events", XA_ROLE_VIEWER, xa_api_events_search, "ConsoleSearch"},
    {"GET", "/events/facets", XA_ROLE_VIEWER, xa_api_events_facets, "ConsoleSearchFacets"},
    {"GET", "/events/*", XA_ROLE_VIEWER, xa_api_event_get, "ConsoleShowEvent"},
    {"GET", "/timeline", XA_ROLE_VIEWER, xa_api_timeline, "ConsoleTimeline"},
    {"GET", "/stats", XA_ROLE_VIEWER, xa_api_stats, NULL},
    {"GET", "/quarantine", XA_ROLE_AUDITOR, xa_api_quarantine, "ConsoleQuarantine"},
    {"GET", "/reports", XA_ROLE_VIEWER, xa_api_reports_list, NULL},
    {"GET", "/reports/*", XA_ROLE_VIEWER, xa_api_report_run, "ConsoleReport"},
    {"GET", "/alerts", XA_ROLE_VIEWER, xa_api_alerts_list, "ConsoleAlerts"},
    {"POST", "/alerts/*/ack", XA_ROLE_AUDITOR, xa_api_alert_ack, "ConsoleAlertAck"},
    {"POST", "/alerts/*/comment", XA_ROLE_AUDITOR, xa_api_alert_comment, "ConsoleAlertComment"},
    {"GET", "/rules", XA_ROLE_VIEWER, xa_api_rules_list, NULL},
    {"POST", "/rules/reload", XA_ROLE_ADMIN, xa_api_rules_reload, "ConsoleRulesReload"},
    {"GET", "/collector/status", XA_ROLE_VIEWER, xa_api_collector_status, NULL},
    {"GET", "/collector/coverage", XA_ROLE_VIEWER, xa_api_collector_coverage, NULL},
    {"POST", "/integrity/verify", XA_ROLE_AUDITOR, xa_api_integrity_verify, "ConsoleVerify"},
    {"POST", "/exports", XA_ROLE_AUDITOR, xa_api_export, "ConsoleExport"},
    {"GET", "/exports", XA_ROLE_AUDITOR, xa_api_exports_list, NULL},
    {"GET", "/exports/*", XA_ROLE_AUDITOR, xa_api_export_download, "ConsoleExportDownload"},
    {"GET", "/status", XA_ROLE_VIEWER, xa_api_status, NULL},
    {"GET", "/posture", XA_ROLE_VIEWER, xa_api_posture_last, NULL},
    {"POST", "/posture", XA_ROLE_VIEWER, xa_api_posture, "ConsolePosture"},
    {"GET", "/users", XA_ROLE_ADMIN, xa_api_users_list, "ConsoleUserList"},
    {"POST", "/users", XA_ROLE_ADMIN, xa_api_user_add, "ConsoleUserAdd"},
    {"DELETE", "/users/*", XA_ROLE_ADMIN, xa_api_user_delete, "ConsoleUserRemove"},
    {"GET", "/tokens", XA_ROLE_ADMIN, xa_api_tokens_list, "ConsoleTokenList"},
    {"POST", "/tokens", XA_ROLE_ADMIN, xa_api_token_add, "ConsoleTokenAdd"},
    {"DELETE", "/tokens/*", XA_ROLE_ADMIN, xa_api_token_delete, "ConsoleTokenRemove"},
    {"GET", "/config", XA_ROLE_ADMIN, xa_api_config, "ConsoleConfig"},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* ---- app ---- */

xa_rc xa_web_app_new(const struct xa_web_opts *o, struct xa_web_app **out, struct xa_diag *diag)
{
    struct xa_web_app *a = calloc(1, sizeof(*a));
    if (!a || !(a->db_path = strdup(o->db_path)) ||
        (o->export_dir && !(a->export_dir = strdup(o->export_dir))) ||
        (o->private_key_file && !(a->key_file = strdup(o->private_key_file)))) {
        if (a) {
            free(a->db_path);
            free(a->export_dir);
        }
        free(a);
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    }
    a->o = *o;
    a->o.db_path = a->db_path;
    pthread_mutex_init(&a->mu, NULL);
    xa_buf_init(&a->posture_last, 0);
    a->o.export_dir = a->export_dir;
    a->o.private_key_file = a->key_file;
    if (!a->o.session_minutes)
        a->o.session_minutes = 480;
    if (!a->o.login_attempts)
        a->o.login_attempts = 5;
    if (!a->o.login_window_seconds)
        a->o.login_window_seconds = 900;
    xa_rc rc = xa_web_pool_new(a->db_path, o->cache_mb ? o->cache_mb : 16,
                               o->db_connections ? o->db_connections : 8, &a->pool, diag);
    if (!rc && !(a->lim = xa_web_limiter_new(a->o.login_attempts, a->o.login_window_seconds)))
        rc = xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    if (!rc)
        rc = xa_web_audit_start(a->db_path, o->integrity, &a->audit, diag);
    if (!rc) { /* open one connection now: a bad archive fails at start, not at login */
        struct xa_store *st = xa_web_pool_get(a->pool, diag);
        if (!st)
            rc = diag ? diag->code : XA_ERR_DB;
        else if (!st->ops->web)
            rc = xa_diag_set(diag, XA_ERR_UNSUPPORTED, "the %s store keeps no console accounts",
                             st->ops->name);
        xa_web_pool_put(a->pool, st);
    }
    if (rc) {
        xa_web_app_free(a);
        return rc ? rc : XA_ERR_INTERNAL;
    }
    *out = a;
    return XA_OK;
}

void xa_web_app_free(struct xa_web_app *a)
{
    if (!a)
        return;
    xa_web_audit_stop(a->audit);
    xa_web_pool_free(a->pool);
    xa_web_limiter_free(a->lim);
    free(a->db_path);
    free(a->export_dir);
    free(a->key_file);
    xa_buf_release(&a->posture_last);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

/* ---- response helpers ---- */

void xa_web_json_begin(struct xa_web_call *c, int status)
{
    c->resp->status = status;
    c->resp->ctype = "application/json; charset=utf-8";
    c->resp->static_data = NULL;
    xa_buf_reset(&c->resp->body);
}

void xa_web_error(struct xa_web_call *c, int status, const char *code, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    xa_web_json_begin(c, status);
    struct xa_buf *b = &c->resp->body;
    xa_buf_puts(b, "{\"error\":{\"code\":");
    xa_buf_json_str(b, code, (size_t)-1);
    xa_buf_puts(b, ",\"message\":");
    xa_buf_json_str(b, msg, (size_t)-1);
    xa_buf_puts(b, "}}");
}

void xa_web_not_available(struct xa_web_call *c, const char *what)
{
    xa_web_error(c, 501, "not_available", "not available in this build: %s", what);
}

void xa_web_rc_error(struct xa_web_call *c, xa_rc rc, const struct xa_diag *d)
{
    const char *m = d && d->msg[0] ? d->msg : xa_rc_str(rc);
    if (rc == XA_ERR_NOTFOUND)
        xa_web_error(c, 404, "not_found", "%s", m);
    else if (rc == XA_ERR_INVALID || rc == XA_ERR_USAGE || rc == XA_ERR_PARSE)
        xa_web_error(c, 400, "bad_request", "%s", m);
    else if (rc == XA_ERR_UNSUPPORTED)
        xa_web_error(c, 501, "not_available", "%s", m);
    else {
        xa_log_error("web: %s %s: %s", c->req->method, c->req->path, m);
        xa_web_error(c, 500, "internal", "%s", m);
    }
}

struct xa_store *xa_web_store(struct xa_web_call *c)
{
    if (c->st)
        return c->st;
    struct xa_diag d;
    xa_diag_clear(&d);
    c->st = xa_web_pool_get(c->app->pool, &d);
    if (!c->st) {
        xa_log_error("web: archive: %s", d.msg);
        xa_web_error(c, 503, "archive_unavailable", "the archive cannot be opened");
    }
    return c->st;
}

void xa_web_audit_param(struct xa_web_call *c, const char *name, const char *value)
{
    if (c->audit_n >= XA_AUDIT_PMAX || !value)
        return;
    snprintf(c->audit_store[c->audit_n], sizeof(c->audit_store[0]), "%s", value);
    c->audit_p[c->audit_n].name = name;
    c->audit_p[c->audit_n].value = c->audit_store[c->audit_n];
    c->audit_n++;
}

struct xa_json *xa_web_body_json(struct xa_web_call *c)
{
    const char *ct = c->req->header(c->req->hctx, "Content-Type");
    if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
        xa_web_error(c, 415, "unsupported_media_type", "send a JSON body (application/json)");
        return NULL;
    }
    struct xa_json *root = NULL;
    struct xa_diag d;
    xa_diag_clear(&d);
    if (xa_json_parse(c->req->body, c->req->body_len, &root, &d) ||
        xa_json_type(root) != XA_JSON_OBJECT) {
        if (root)
            xa_json_free(root);
        xa_web_error(c, 400, "bad_request", "the body is not a JSON object");
        return NULL;
    }
    return root;
}

static void security_headers(struct xa_web_resp *r)
{
    xa_web_add_header(r, "Content-Security-Policy", CSP);
    xa_web_add_header(r, "X-Content-Type-Options", "nosniff");
    xa_web_add_header(r, "Referrer-Policy", "no-referrer");
    xa_web_add_header(r, "X-Frame-Options", "DENY");
    xa_web_add_header(r, "Cache-Control", "no-store");
}

/* ---- authentication ---- */

/* Value of cookie name from the Cookie header into out (bounded); false when absent. */
static bool cookie_get(const struct xa_web_req *req, const char *name, char *out, size_t max)
{
    const char *h = req->header(req->hctx, "Cookie");
    size_t nl = strlen(name);
    while (h && *h) {
        while (*h == ' ' || *h == ';')
            h++;
        if (strncmp(h, name, nl) == 0 && h[nl] == '=') {
            const char *v = h + nl + 1;
            size_t n = strcspn(v, ";");
            if (n == 0 || n >= max)
                return false;
            memcpy(out, v, n);
            out[n] = '\0';
            return true;
        }
        h = strchr(h, ';');
    }
    return false;
}

static bool hexstr(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

struct who {
    char user[130];
    char csrf[65];
    int64_t expires;
    int role;
    bool found;
};

static xa_rc sess_cb(void *ud, const struct xa_web_session *s)
{
    struct who *w = ud;
    snprintf(w->user, sizeof(w->user), "%s", s->user);
    snprintf(w->csrf, sizeof(w->csrf), "%s", s->csrf);
    w->expires = s->expires_at;
    w->found = true;
    return XA_OK;
}

static xa_rc tok_cb(void *ud, const struct xa_web_token *t)
{
    struct who *w = ud;
    snprintf(w->user, sizeof(w->user), "%s", t->user);
    w->expires = t->expires_at ? t->expires_at : INT64_MAX;
    w->found = true;
    return XA_OK;
}

static xa_rc user_cb(void *ud, const struct xa_web_user *u)
{
    ((struct who *)ud)->role = u->role;
    return XA_OK;
}

/* Who sent the request: a session cookie or a bearer token. false = anonymous (no error
 * answered: the caller decides). */
static bool authenticate(struct xa_web_call *c)
{
    const struct xa_web_req *req = c->req;
    struct who w = {.role = -1};
    char secret[80];
    const char *auth = req->header(req->hctx, "Authorization");
    struct xa_diag d;
    xa_diag_clear(&d);
    bool token = false;
    if (auth && strncasecmp(auth, "Bearer ", 7) == 0) {
        const char *t = auth + 7;
        /* tokens are "xat_" + 64 hex */
        if (strncmp(t, "xat_", 4) != 0 || !hexstr(t + 4, 64))
            return false;
        token = true;
        char h[65];
        xa_auth_sha256_hex(t, h);
        struct xa_store *st = xa_web_store(c);
        if (!st || st->ops->web->token_get(st->ctx, h, NULL, tok_cb, &w, &d))
            return false;
    } else if (cookie_get(req, COOKIE, secret, sizeof(secret))) {
        if (!hexstr(secret, 64))
            return false;
        xa_auth_sha256_hex(secret, c->sid_hash);
        struct xa_store *st = xa_web_store(c);
        if (!st || st->ops->web->session_get(st->ctx, c->sid_hash, sess_cb, &w, &d))
            return false;
    } else {
        return false;
    }
    if (!w.found || w.expires <= xa_time_now())
        return false;
    struct xa_store *st = xa_web_store(c);
    if (!st || st->ops->web->user_get(st->ctx, w.user, user_cb, &w, &d) || w.role < 0)
        return false; /* user removed since */
    snprintf(c->user, sizeof(c->user), "%s", w.user);
    snprintf(c->csrf, sizeof(c->csrf), "%s", w.csrf);
    c->role = w.role;
    c->via_token = token;
    return true;
}

/* ---- static files ---- */

static const char *ctype_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return "application/octet-stream";
    if (!strcmp(dot, ".html"))
        return "text/html; charset=utf-8";
    if (!strcmp(dot, ".js"))
        return "text/javascript; charset=utf-8";
    if (!strcmp(dot, ".css"))
        return "text/css; charset=utf-8";
    if (!strcmp(dot, ".svg"))
        return "image/svg+xml";
    return "application/octet-stream";
}

static bool serve_static(struct xa_web_call *c)
{
    const char *p = c->req->path;
    if (strcmp(p, "/") == 0)
        p = "/index.html";
    for (size_t i = 0; i < xa_web_n_assets; i++)
        if (p[0] == '/' && strcmp(p + 1, xa_web_assets[i].name) == 0) {
            c->resp->status = 200;
            c->resp->ctype = ctype_of(xa_web_assets[i].name);
            c->resp->static_data = xa_web_assets[i].data;
            c->resp->static_len = xa_web_assets[i].len;
            return true;
        }
    return false;
}

/* ---- routing ---- */

/* Match path (after /api/v1) against pattern; '*' segments are copied into c->seg. */
static bool match(struct xa_web_call *c, const char *pattern, const char *path)
{
    size_t nseg = 0;
    while (*pattern && *path) {
        if (*pattern != '/' || *path != '/')
            return false;
        pattern++, path++;
        size_t pl = strcspn(pattern, "/"), sl = strcspn(path, "/");
        if (pl == 1 && *pattern == '*') {
            if (sl == 0 || sl >= sizeof(c->seg[0]) || nseg == 2)
                return false;
            memcpy(c->seg[nseg], path, sl);
            c->seg[nseg][sl] = '\0';
            nseg++;
        } else if (pl != sl || strncmp(pattern, path, pl) != 0) {
            return false;
        }
        pattern += pl, path += sl;
    }
    if (*pattern || *path)
        return false;
    c->nseg = nseg;
    return true;
}

static bool state_changing(const char *m)
{
    return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0;
}

static void finish_audit(struct xa_web_call *c, const char *op)
{
    if (!op)
        return;
    char st[8];
    snprintf(st, sizeof(st), "%d", c->resp->status);
    xa_web_audit_param(c, "Method", c->req->method);
    xa_web_audit_param(c, "Path", c->req->path);
    xa_web_audit_param(c, "Status", st);
    xa_web_audit_log(c->app->audit, c->audit_op ? c->audit_op : op,
                     c->user[0] ? c->user : NULL, c->req->remote_ip,
                     c->resp->status < 400, c->audit_p, c->audit_n);
}

void xa_web_handle(void *appv, const struct xa_web_req *req, struct xa_web_resp *resp)
{
    struct xa_web_call call;
    memset(&call, 0, sizeof(call));
    struct xa_web_call *c = &call;
    c->app = appv;
    c->req = req;
    c->resp = resp;
    c->role = -1;
    security_headers(resp);
    const char *path = req->path;
    const char *op = NULL;

    if (strncmp(path, "/-/error/", 9) == 0) { /* server-level refusals (413, 414) */
        int status = atoi(path + 9);
        const char *code = strchr(path + 9, '/');
        xa_web_error(c, status, code ? code + 1 : "error", "request refused: %s",
                     status == 413 ? "body too large" : "query string too large");
        op = "ConsoleRequestRefused";
        goto out;
    }
    if (strncmp(path, "/api/", 5) != 0) {
        if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD")) {
            xa_web_error(c, 405, "method_not_allowed", "method not allowed");
        } else if (!serve_static(c)) {
            resp->ctype = "text/plain; charset=utf-8";
            resp->status = 404;
            xa_buf_puts(&resp->body, "not found\n");
        }
        goto out;
    }
    bool authed = authenticate(c);
    const char *sub = strncmp(path, "/api/v1/", 8) == 0 || strcmp(path, "/api/v1") == 0
                          ? path + 7
                          : NULL;
    const struct route *rt = NULL;
    bool path_known = false;
    for (size_t i = 0; sub && i < NROUTES; i++)
        if (match(c, routes[i].pattern, sub)) {
            path_known = true;
            if (strcmp(routes[i].method, req->method) == 0) {
                rt = &routes[i];
                break;
            }
        }
    if (rt && rt->min_role == R_PUBLIC) {
        op = rt->op;
        rt->fn(c);
        goto out;
    }
    if (!authed) {
        /* the same answer for every API path without a session: nothing is revealed */
        xa_web_error(c, 401, "unauthenticated", "log in or send an API token");
        op = "ConsoleUnauthenticated";
        goto out;
    }
    if (!rt) {
        if (path_known)
            xa_web_error(c, 405, "method_not_allowed", "method not allowed on this route");
        else
            xa_web_error(c, 404, "not_found", "no such API route");
        goto out;
    }
    op = rt->op;
    if (c->role < rt->min_role) {
        xa_web_error(c, 403, "forbidden", "the %s role may not do this (needs %s)",
                     xa_auth_role_name(c->role), xa_auth_role_name(rt->min_role));
        c->audit_op = "ConsoleForbidden";
        xa_web_audit_param(c, "Route", rt->op ? rt->op : rt->pattern);
        if (!op)
            op = "ConsoleForbidden";
        goto out;
    }
    if (state_changing(req->method) && !c->via_token) {
        const char *tok = req->header(req->hctx, "X-CSRF-Token");
        if (!tok || !c->csrf[0] || !xa_auth_equal(tok, c->csrf)) {
            xa_web_error(c, 403, "csrf", "missing or wrong CSRF token (X-CSRF-Token)");
            c->audit_op = "ConsoleCsrfRefused";
            if (!op)
                op = "ConsoleCsrfRefused";
            goto out;
        }
    }
    rt->fn(c);
out:
    if (c->st)
        xa_web_pool_put(c->app->pool, c->st);
    c->st = NULL;
    finish_audit(c, op);
}
