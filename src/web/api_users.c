/* api_users.c - accounts, API tokens and the configuration view (admin). */
#include "core/config.h"
#include "core/xtime.h"
#include "parse/json.h"
#include "web/auth.h"
#include "web/web_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct lst {
    struct xa_buf *b;
    size_t n;
};

static xa_rc ulist_cb(void *ud, const struct xa_web_user *u)
{
    struct lst *l = ud;
    char ts[32];
    xa_buf_puts(l->b, l->n++ ? ",{\"name\":" : "{\"name\":");
    xa_buf_json_str(l->b, u->name, (size_t)-1);
    xa_buf_printf(l->b, ",\"role\":\"%s\",\"created_at\":\"%s\"}", xa_auth_role_name(u->role),
                  xa_time_format(u->created_at, ts));
    return XA_OK;
}

void xa_api_users_list(struct xa_web_call *c)
{
    struct xa_store *st = xa_web_store(c);
    if (!st)
        return;
    xa_web_json_begin(c, 200);
    xa_buf_puts(&c->resp->body, "{\"users\":[");
    struct lst l = {.b = &c->resp->body};
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = st->ops->web->user_list(st->ctx, ulist_cb, &l, &d);
    if (rc) {
        xa_web_rc_error(c, rc, &d);
        return;
    }
    xa_buf_puts(&c->resp->body, "]}");
}

/* Names: 1-128 of letters, digits and . _ @ - */
static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '.' || *s == '_' || *s == '@' || *s == '-'))
            return false;
    return true;
}

void xa_api_user_add(struct xa_web_call *c)
{
    struct xa_json *root = xa_web_body_json(c);
    if (!root)
        return;
    const char *name = xa_json_str(xa_json_get(root, "name"));
    const char *pw = xa_json_str(xa_json_get(root, "password"));
    const char *rs = xa_json_str(xa_json_get(root, "role"));
    int role = xa_auth_role_parse(rs);
    if (!name || !name_ok(name) || !pw || strlen(pw) < XA_AUTH_PW_MIN ||
        strlen(pw) > XA_AUTH_PW_MAX || role < 0) {
        xa_web_error(c, 400, "bad_request",
                     "send {\"name\": letters, digits . _ @ -, \"password\": at least %d "
                     "characters, \"role\": viewer|auditor|admin}",
                     XA_AUTH_PW_MIN);
        xa_json_free(root);
        return;
    }
    xa_web_audit_param(c, "Name", name);
    xa_web_audit_param(c, "Role", xa_auth_role_name(role));
    char hash[XA_AUTH_HASH_MAX];
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = xa_auth_hash_password(pw, hash, &d);
    struct xa_store *st = rc ? NULL : xa_web_store(c);
    if (rc || !st) {
        if (rc)
            xa_web_rc_error(c, rc, &d);
        xa_json_free(root);
        return;
    }
    struct xa_web_user u = {.name = name, .role = role, .pw_hash = hash,
                            .created_at = xa_time_now()};
    rc = st->ops->web->user_put(st->ctx, &u, &d);
    if (rc == XA_ERR_INVALID)
        xa_web_error(c, 409, "exists", "a user of that name exists");
    else if (rc)
        xa_web_rc_error(c, rc, &d);
    else {
        xa_web_json_begin(c, 201);
        xa_buf_puts(&c->resp->body, "{\"name\":");
        xa_buf_json_str(&c->resp->body, name, (size_t)-1);
        xa_buf_printf(&c->resp->body, ",\"role\":\"%s\"}", xa_auth_role_name(role));
    }
    xa_json_free(root);
}

void xa_api_user_delete(struct xa_web_call *c)
{
    xa_web_audit_param(c, "Name", c->seg[0]);
    if (strcasecmp(c->seg[0], c->user) == 0) {
        xa_web_error(c, 400, "bad_request", "you cannot remove your own account");
        return;
    }
    struct xa_store *st = xa_web_store(c);
    if (!st)
        return;
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = st->ops->web->user_delete(st->ctx, c->seg[0], &d);
    if (rc) {
        xa_web_rc_error(c, rc, &d);
        return;
    }
    xa_web_json_begin(c, 200);
    xa_buf_puts(&c->resp->body, "{\"ok\":true}");
}

static xa_rc tlist_cb(void *ud, const struct xa_web_token *t)
{
    struct lst *l = ud;
    char ts[32], te[32];
    xa_buf_puts(l->b, l->n++ ? ",{\"id\":" : "{\"id\":");
    xa_buf_json_str(l->b, t->id, (size_t)-1);
    xa_buf_puts(l->b, ",\"user\":");
    xa_buf_json_str(l->b, t->user, (size_t)-1);
    xa_buf_puts(l->b, ",\"label\":");
    xa_buf_json_str(l->b, t->label, (size_t)-1);
    xa_buf_printf(l->b, ",\"created_at\":\"%s\",\"expires_at\":", xa_time_format(t->created_at, ts));
    xa_buf_json_str(l->b, t->expires_at ? xa_time_format(t->expires_at, te) : NULL, (size_t)-1);
    return xa_buf_puts(l->b, "}");
}

void xa_api_tokens_list(struct xa_web_call *c)
{
    struct xa_store *st = xa_web_store(c);
    if (!st)
        return;
    xa_web_json_begin(c, 200);
    xa_buf_puts(&c->resp->body, "{\"tokens\":[");
    struct lst l = {.b = &c->resp->body};
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = st->ops->web->token_list(st->ctx, tlist_cb, &l, &d);
    if (rc) {
        xa_web_rc_error(c, rc, &d);
        return;
    }
    xa_buf_puts(&c->resp->body, "]}");
}

static xa_rc exists_cb(void *ud, const struct xa_web_user *u)
{
    (void)u;
    *(bool *)ud = true;
    return XA_OK;
}

void xa_api_token_add(struct xa_web_call *c)
{
    struct xa_json *root = xa_web_body_json(c);
    if (!root)
        return;
    const char *user = xa_json_str(xa_json_get(root, "user"));
    const char *label = xa_json_str(xa_json_get(root, "label"));
    int64_t days = 0;
    const struct xa_json *dj = xa_json_get(root, "days");
    if (!user || !name_ok(user) || (label && strlen(label) > 200) ||
        (dj && (!xa_json_int(dj, &days) || days < 0 || days > 3650))) {
        xa_web_error(c, 400, "bad_request",
                     "send {\"user\": name, \"label\": text, \"days\": 0-3650 (0 = no expiry)}");
        xa_json_free(root);
        return;
    }
    struct xa_store *st = xa_web_store(c);
    bool exists = false;
    struct xa_diag d;
    xa_diag_clear(&d);
    if (st)
        st->ops->web->user_get(st->ctx, user, exists_cb, &exists, NULL);
    if (!st || !exists) {
        if (st)
            xa_web_error(c, 404, "not_found", "no such user");
        xa_json_free(root);
        return;
    }
    char secret[70] = "xat_", id[17], h[65];
    xa_auth_random_hex(secret + 4, 32);
    xa_auth_random_hex(id, 8);
    xa_auth_sha256_hex(secret, h);
    int64_t now = xa_time_now();
    struct xa_web_token t = {.id = id, .hash = h, .user = user, .label = label ? label : "",
                             .created_at = now,
                             .expires_at = days ? now + days * 86400 * 1000000LL : 0};
    xa_web_audit_param(c, "User", user);
    xa_web_audit_param(c, "TokenId", id);
    xa_rc rc = st->ops->web->token_put(st->ctx, &t, &d);
    xa_json_free(root);
    if (rc) {
        xa_web_rc_error(c, rc, &d);
        return;
    }
    xa_web_json_begin(c, 201);
    xa_buf_printf(&c->resp->body, "{\"id\":\"%s\",\"token\":\"%s\"}", id, secret);
}

void xa_api_token_delete(struct xa_web_call *c)
{
    xa_web_audit_param(c, "TokenId", c->seg[0]);
    struct xa_store *st = xa_web_store(c);
    if (!st)
        return;
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = st->ops->web->token_delete(st->ctx, c->seg[0], &d);
    if (rc) {
        xa_web_rc_error(c, rc, &d);
        return;
    }
    xa_web_json_begin(c, 200);
    xa_buf_puts(&c->resp->body, "{\"ok\":true}");
}

void xa_api_config(struct xa_web_call *c)
{
    const char *keys[512], *vals[512];
    size_t n = c->app->o.cfg ? xa_config_prefixed(c->app->o.cfg, "", keys, vals, 512) : 0;
    xa_web_json_begin(c, 200);
    struct xa_buf *b = &c->resp->body;
    xa_buf_puts(b, "{\"file\":");
    xa_buf_json_str(b, c->app->o.cfg ? xa_config_path(c->app->o.cfg) : NULL, (size_t)-1);
    xa_buf_puts(b, ",\"settings\":{");
    for (size_t i = 0; i < n; i++) {
        /* never show secrets: values of secret-like keys are masked */
        bool secret = strstr(keys[i], "secret") || strstr(keys[i], "password") ||
                      strstr(keys[i], "token");
        xa_buf_puts(b, i ? "," : "");
        xa_buf_json_str(b, keys[i], (size_t)-1);
        xa_buf_putc(b, ':');
        xa_buf_json_str(b, secret ? "********" : vals[i], (size_t)-1);
    }
    xa_buf_puts(b, "}}");
}
