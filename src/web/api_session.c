/* api_session.c - log in, log out, who am I. */
#include "core/log.h"
#include "core/xtime.h"
#include "parse/json.h"
#include "web/auth.h"
#include "web/web_internal.h"

#include <stdio.h>
#include <string.h>

static void session_json(struct xa_web_call *c, const char *user, int role, const char *csrf)
{
    xa_web_json_begin(c, 200);
    struct xa_buf *b = &c->resp->body;
    xa_buf_puts(b, "{\"user\":");
    xa_buf_json_str(b, user, (size_t)-1);
    xa_buf_printf(b, ",\"role\":\"%s\",\"via_token\":%s,\"csrf_token\":", xa_auth_role_name(role),
                  c->via_token ? "true" : "false");
    xa_buf_json_str(b, csrf && *csrf ? csrf : NULL, (size_t)-1);
    xa_buf_puts(b, "}");
}

void xa_api_session(struct xa_web_call *c)
{
    session_json(c, c->user, c->role, c->csrf);
}

struct found {
    char hash[XA_AUTH_HASH_MAX];
    int role;
    char name[130];
    bool ok;
};

static xa_rc found_cb(void *ud, const struct xa_web_user *u)
{
    struct found *f = ud;
    snprintf(f->hash, sizeof(f->hash), "%s", u->pw_hash);
    snprintf(f->name, sizeof(f->name), "%s", u->name);
    f->role = u->role;
    f->ok = true;
    return XA_OK;
}

void xa_api_login(struct xa_web_call *c)
{
    struct xa_json *root = xa_web_body_json(c);
    if (!root)
        return;
    const char *user = xa_json_str(xa_json_get(root, "user"));
    const char *pw = xa_json_str(xa_json_get(root, "password"));
    if (!user || !pw || !*user || strlen(user) > 128 || strlen(pw) > XA_AUTH_PW_MAX) {
        xa_web_error(c, 400, "bad_request", "send {\"user\": ..., \"password\": ...}");
        xa_json_free(root);
        return;
    }
    xa_web_audit_param(c, "User", user);
    char kip[80], kuser[140];
    snprintf(kip, sizeof(kip), "ip:%s", c->req->remote_ip);
    snprintf(kuser, sizeof(kuser), "user:%s", user);
    int64_t now = xa_time_now();
    unsigned w1 = xa_web_limiter_wait(c->app->lim, kip, now);
    unsigned w2 = xa_web_limiter_wait(c->app->lim, kuser, now);
    if (w1 || w2) {
        char ra[16];
        snprintf(ra, sizeof(ra), "%u", w1 > w2 ? w1 : w2);
        xa_web_add_header(c->resp, "Retry-After", ra);
        xa_web_error(c, 429, "too_many_attempts",
                     "too many failed logins; try again in %s seconds", ra);
        c->audit_op = "ConsoleLoginLimited";
        xa_json_free(root);
        return;
    }
    struct found f = {.role = -1};
    struct xa_diag d;
    xa_diag_clear(&d);
    struct xa_store *st = xa_web_store(c);
    if (!st) {
        xa_json_free(root);
        return;
    }
    xa_rc rc = st->ops->web->user_get(st->ctx, user, found_cb, &f, &d);
    bool ok;
    if (rc == XA_OK && f.ok) {
        ok = xa_auth_verify_password(pw, f.hash);
    } else {
        xa_auth_dummy_verify(pw);
        ok = false;
    }
    xa_json_free(root);
    if (!ok) {
        xa_web_limiter_fail(c->app->lim, kip, now);
        xa_web_limiter_fail(c->app->lim, kuser, now);
        xa_web_error(c, 401, "bad_credentials", "wrong user name or password");
        c->audit_op = "ConsoleLoginFailed";
        return;
    }
    xa_web_limiter_clear(c->app->lim, kuser);
    char secret[65], csrf[65], idh[65];
    if (xa_auth_random_hex(secret, 32) || xa_auth_random_hex(csrf, 32)) {
        xa_web_error(c, 500, "internal", "no random bytes");
        return;
    }
    xa_auth_sha256_hex(secret, idh);
    struct xa_web_session s = {.id_hash = idh,
                               .user = f.name,
                               .csrf = csrf,
                               .created_at = now,
                               .expires_at = now + (int64_t)c->app->o.session_minutes * 60000000};
    st->ops->web->session_delete(st->ctx, NULL, now, NULL); /* purge expired ones */
    if ((rc = st->ops->web->session_put(st->ctx, &s, &d))) {
        xa_web_rc_error(c, rc, &d);
        return;
    }
    char cookie[256];
    snprintf(cookie, sizeof(cookie), "xa_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%u%s",
             secret, c->app->o.session_minutes * 60, c->app->o.tls ? "; Secure" : "");
    xa_web_add_header(c->resp, "Set-Cookie", cookie);
    snprintf(c->user, sizeof(c->user), "%s", f.name);
    session_json(c, f.name, f.role, csrf);
}

void xa_api_logout(struct xa_web_call *c)
{
    struct xa_store *st = xa_web_store(c);
    if (!st)
        return;
    if (c->sid_hash[0])
        st->ops->web->session_delete(st->ctx, c->sid_hash, 0, NULL);
    xa_web_add_header(c->resp, "Set-Cookie",
                      "xa_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    xa_web_json_begin(c, 200);
    xa_buf_puts(&c->resp->body, "{\"ok\":true}");
}
