/* auth.c - client-credentials tokens (see auth.h). */
#include "collect/auth.h"
#include "core/secret.h"

#include "core/http.h"
#include "core/buf.h"
#include "core/xtime.h"
#include "parse/json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void xa_auth_release(struct xa_auth *a)
{
    free(a->tenant_id);
    free(a->client_id);
    free(a->login_base);
    free(a->resource);
    xa_secret_wipe(a->secret);
    free(a->secret);
    xa_secret_wipe(a->token);
    free(a->token);
    xa_jwt_key_free(a->key);
    memset(a, 0, sizeof(*a));
}

xa_rc xa_auth_token_url(const struct xa_auth *a, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s/oauth2/%s", a->login_base, a->tenant_id,
                     a->token_version == 1 ? "token" : "v2.0/token");
    return n > 0 && (size_t)n < cap ? XA_OK : XA_ERR_LIMIT;
}

xa_rc xa_auth_parse_token(const char *body, size_t len, char **token, int64_t *expires_in_s,
                          struct xa_diag *diag)
{
    struct xa_json *root = NULL;
    if (xa_json_parse(body, len, &root, NULL) != XA_OK)
        return xa_diag_set(diag, XA_ERR_AUTH, "token response is not JSON");
    const char *t = xa_json_str(xa_json_get(root, "access_token"));
    int64_t ein = 0;
    if (!xa_json_int(xa_json_get(root, "expires_in"), &ein))
        ein = 3599;
    xa_rc rc = XA_OK;
    if (!t || !*t)
        rc = xa_diag_set(diag, XA_ERR_AUTH, "token response has no access_token");
    else if (!(*token = strdup(t)))
        rc = xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    else
        *expires_in_s = ein > 0 ? ein : 60;
    xa_json_free(root);
    return rc;
}

static int sink_buf(void *ud, const char *d, size_t n)
{
    return xa_buf_append(ud, d, n) == XA_OK ? 0 : 1;
}

static xa_rc form_add(struct xa_buf *b, const char *k, const char *v)
{
    size_t cap = strlen(v) * 3 + 1;
    char *e = malloc(cap);
    if (!e)
        return XA_ERR_NOMEM;
    xa_rc rc = xa_http_escape(v, e, cap);
    if (!rc)
        rc = xa_buf_printf(b, "%s%s=%s", b->len ? "&" : "", k, e);
    xa_secret_wipe(e);
    free(e);
    return rc;
}

bool xa_auth_cached(const struct xa_auth *a, const char **token)
{
    if (!a->token)
        return false;
    int64_t margin = 300 * 1000000LL;
    if (a->lifetime_us / 4 < margin)
        margin = a->lifetime_us / 4;
    if (xa_time_mono() >= a->expires_mono - margin)
        return false;
    *token = a->token;
    return true;
}

xa_rc xa_auth_token(struct xa_auth *a, bool force, int64_t now_wall, const char **token,
                    struct xa_api_err *err, struct xa_diag *diag)
{
    int64_t now = xa_time_mono();
    if (err)
        memset(err, 0, sizeof(*err));
    if (!force && xa_auth_cached(a, token))
        return XA_OK;
    char url[1024];
    if (xa_auth_token_url(a, url, sizeof(url)))
        return xa_diag_set(diag, XA_ERR_CONFIG, "token URL too long");
    struct xa_buf form, body, assertion;
    xa_buf_init(&form, 0);
    xa_buf_init(&body, 1 << 20);
    xa_buf_init(&assertion, 0);
    xa_rc rc = form_add(&form, "grant_type", "client_credentials");
    if (!rc)
        rc = form_add(&form, "client_id", a->client_id);
    if (!rc && a->token_version == 1) {
        rc = form_add(&form, "resource", a->resource);
    } else if (!rc) {
        char scope[600];
        snprintf(scope, sizeof(scope), "%s/.default", a->resource);
        rc = form_add(&form, "scope", scope);
    }
    if (!rc && a->kind == XA_AUTH_SECRET) {
        rc = form_add(&form, "client_secret", a->secret ? a->secret : "");
    } else if (!rc) {
        rc = xa_jwt_assertion(a->key, a->alg, a->client_id, url, now_wall / 1000000, 600,
                              &assertion, diag);
        if (!rc)
            rc = form_add(&form, "client_assertion_type",
                          "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        if (!rc)
            rc = form_add(&form, "client_assertion", assertion.data);
    }
    if (rc) {
        if (!diag || !diag->msg[0])
            xa_diag_set(diag, rc, "cannot build the token request");
        goto out;
    }
    struct xa_http_req req;
    memset(&req, 0, sizeof(req));
    req.method = "POST";
    req.url = url;
    req.body = form.data;
    req.body_len = form.len;
    req.content_type = "application/x-www-form-urlencoded";
    req.timeout_ms = 60000;
    req.sink = sink_buf;
    req.sink_ud = &body;
    a->requests++;
    if ((rc = xa_http_perform(&req, diag)))
        goto out;
    if (req.resp.date != XA_TIME_NONE) {
        a->last_date = req.resp.date;
        a->last_date_local = xa_time_now();
    }
    if (req.resp.rc != XA_OK) {
        if (err) {
            err->http = 0;
            snprintf(err->message, sizeof(err->message), "%s", req.resp.error);
        }
        rc = xa_diag_set(diag, XA_ERR_NET, "token request to %s failed: %s", a->login_base,
                         req.resp.error);
        goto out;
    }
    if (req.resp.status != 200) {
        struct xa_api_err e;
        xa_api_error_parse(req.resp.status, body.data, body.len, &e);
        if (err)
            *err = e;
        const char *adv = xa_api_advice(&e);
        rc = xa_diag_set(diag, req.resp.status >= 500 || req.resp.status == 429 ? XA_ERR_NET : XA_ERR_AUTH,
                         "tenant %s: token request refused (HTTP %ld%s%s%s%.200s)%s%s", a->tenant_id,
                         req.resp.status, e.code[0] ? ", " : "", e.code, e.message[0] ? ": " : "",
                         e.message, adv ? ": " : "", adv ? adv : "");
        if (diag)
            diag->http_status = (int)req.resp.status;
        goto out;
    }
    char *tok = NULL;
    int64_t ein = 0;
    if ((rc = xa_auth_parse_token(body.data, body.len, &tok, &ein, diag)))
        goto out;
    xa_secret_wipe(a->token);
    free(a->token);
    a->token = tok;
    a->lifetime_us = ein * 1000000;
    a->expires_mono = now + a->lifetime_us;
    *token = a->token;
out:
    xa_secret_wipe(form.data);
    xa_secret_wipe(assertion.data);
    xa_secret_wipe(body.data);
    xa_buf_release(&form);
    xa_buf_release(&body);
    xa_buf_release(&assertion);
    return rc;
}
