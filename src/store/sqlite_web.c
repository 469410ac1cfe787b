/* sqlite_web.c - console accounts, sessions and API tokens of the SQLite archive
 * (tables of migration 6). Statements are prepared per call: these operations are rare
 * next to searches and keep no per-connection state. Every value is bound, never spliced
 * into SQL. */
#include "store/sqlite_internal.h"
#include "store/store.h"

#include <string.h>

static xa_rc prep(struct ctx *c, const char *sql, sqlite3_stmt **st, struct xa_diag *d)
{
    int rc = sqlite3_prepare_v2(c->db, sql, -1, st, NULL);
    return rc == SQLITE_OK ? XA_OK : xa_sq_dberr(c, d, rc, "prepare (console tables)");
}

static const char *col(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? s : "";
}

/* Run a write statement; a UNIQUE violation becomes XA_ERR_INVALID. */
static xa_rc run_write(struct ctx *c, sqlite3_stmt *st, const char *what, bool need_change,
                       struct xa_diag *d)
{
    int rc = sqlite3_step(st);
    xa_rc r = XA_OK;
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
        r = xa_diag_set(d, XA_ERR_INVALID, "%s: already exists", what);
    else if (rc != SQLITE_DONE)
        r = xa_sq_dberr(c, d, rc, what);
    else if (need_change && sqlite3_changes(c->db) == 0)
        r = xa_diag_set(d, XA_ERR_NOTFOUND, "%s: not found", what);
    sqlite3_finalize(st);
    return r;
}

/* ---- users ---- */

static xa_rc user_put(void *ctx, const struct xa_web_user *u, struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    xa_rc rc = xa_sq_writable(c, d);
    if (!rc)
        rc = prep(c, "INSERT INTO web_users(name, role, pw_hash, created_at) VALUES(?,?,?,?)",
                  &st, d);
    if (rc)
        return rc;
    xa_sq_bind_text(st, 1, u->name);
    sqlite3_bind_int(st, 2, u->role);
    xa_sq_bind_text(st, 3, u->pw_hash);
    sqlite3_bind_int64(st, 4, u->created_at);
    return run_write(c, st, "user", false, d);
}

typedef xa_rc (*user_cb)(void *ud, const struct xa_web_user *u);

static xa_rc users_emit(struct ctx *c, sqlite3_stmt *st, user_cb cb, void *ud, bool one,
                        struct xa_diag *d)
{
    xa_rc r = XA_OK;
    bool any = false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct xa_web_user u = {.name = col(st, 0),
                                .role = sqlite3_column_int(st, 1),
                                .pw_hash = col(st, 2),
                                .created_at = sqlite3_column_int64(st, 3)};
        any = true;
        if ((r = cb(ud, &u)))
            break;
    }
    if (!r && rc != SQLITE_DONE && rc != SQLITE_ROW)
        r = xa_sq_dberr(c, d, rc, "read users");
    if (!r && one && !any)
        r = xa_diag_set(d, XA_ERR_NOTFOUND, "no such user");
    sqlite3_finalize(st);
    return r;
}

static xa_rc user_get(void *ctx, const char *name, user_cb cb, void *ud, struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    xa_rc rc = prep(c, "SELECT name, role, pw_hash, created_at FROM web_users WHERE name = ?",
                    &st, d);
    if (rc)
        return rc;
    xa_sq_bind_text(st, 1, name);
    return users_emit(c, st, cb, ud, true, d);
}

static xa_rc user_list(void *ctx, user_cb cb, void *ud, struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    xa_rc rc = prep(c, "SELECT name, role, pw_hash, created_at FROM web_users ORDER BY name",
                    &st, d);
    if (rc)
        return rc;
    return users_emit(c, st, cb, ud, false, d);
}

static xa_rc user_delete(void *ctx, const char *name, struct xa_diag *d)
{
    struct ctx *c = ctx;
    xa_rc rc = xa_sq_writable(c, d);
    if (rc)
        return rc;
    if ((rc = xa_sq_exec(c, "SAVEPOINT web_user_delete", d)))
        return rc;
    static const char *const sqls[] = {"DELETE FROM web_sessions WHERE user = ?",
                                       "DELETE FROM web_tokens WHERE user = ?",
                                       "DELETE FROM web_users WHERE name = ?"};
    for (size_t i = 0; i < 3 && !rc; i++) {
        sqlite3_stmt *st = NULL;
        if ((rc = prep(c, sqls[i], &st, d)))
            break;
        xa_sq_bind_text(st, 1, name);
        rc = run_write(c, st, "user", i == 2, d);
    }
    if (rc) {
        sqlite3_exec(c->db, "ROLLBACK TO web_user_delete; RELEASE web_user_delete", NULL, NULL,
                     NULL);
        return rc;
    }
    return xa_sq_exec(c, "RELEASE web_user_delete", d);
}

/* ---- sessions ---- */

static xa_rc session_put(void *ctx, const struct xa_web_session *s, struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    xa_rc rc = xa_sq_writable(c, d);
    if (!rc)
        rc = prep(c,
                  "INSERT OR REPLACE INTO web_sessions(id_hash, user, csrf, created_at, "
                  "expires_at) VALUES(?,?,?,?,?)",
                  &st, d);
    if (rc)
        return rc;
    xa_sq_bind_text(st, 1, s->id_hash);
    xa_sq_bind_text(st, 2, s->user);
    xa_sq_bind_text(st, 3, s->csrf);
    sqlite3_bind_int64(st, 4, s->created_at);
    sqlite3_bind_int64(st, 5, s->expires_at);
    return run_write(c, st, "session", false, d);
}

static xa_rc session_get(void *ctx, const char *id_hash,
                         xa_rc (*cb)(void *ud, const struct xa_web_session *s), void *ud,
                         struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    xa_rc r = prep(c,
                   "SELECT id_hash, user, csrf, created_at, expires_at FROM web_sessions "
                   "WHERE id_hash = ?",
                   &st, d);
    if (r)
        return r;
    xa_sq_bind_text(st, 1, id_hash);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        struct xa_web_session s = {.id_hash = col(st, 0),
                                   .user = col(st, 1),
                                   .csrf = col(st, 2),
                                   .created_at = sqlite3_column_int64(st, 3),
                                   .expires_at = sqlite3_column_int64(st, 4)};
        r = cb(ud, &s);
    } else if (rc == SQLITE_DONE) {
        r = xa_diag_set(d, XA_ERR_NOTFOUND, "no such session");
    } else {
        r = xa_sq_dberr(c, d, rc, "read session");
    }
    sqlite3_finalize(st);
    return r;
}

static xa_rc session_delete(void *ctx, const char *id_hash, int64_t now, struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    xa_rc rc = xa_sq_writable(c, d);
    if (!rc)
        rc = prep(c,
                  id_hash ? "DELETE FROM web_sessions WHERE id_hash = ?"
                          : "DELETE FROM web_sessions WHERE expires_at <= ?",
                  &st, d);
    if (rc)
        return rc;
    if (id_hash)
        xa_sq_bind_text(st, 1, id_hash);
    else
        sqlite3_bind_int64(st, 1, now);
    return run_write(c, st, "session", id_hash != NULL, d);
}

/* ---- API tokens ---- */

typedef xa_rc (*token_cb)(void *ud, const struct xa_web_token *t);

static xa_rc token_put(void *ctx, const struct xa_web_token *t, struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    xa_rc rc = xa_sq_writable(c, d);
    if (!rc)
        rc = prep(c,
                  "INSERT INTO web_tokens(id, hash, user, label, created_at, expires_at) "
                  "VALUES(?,?,?,?,?,?)",
                  &st, d);
    if (rc)
        return rc;
    xa_sq_bind_text(st, 1, t->id);
    xa_sq_bind_text(st, 2, t->hash);
    xa_sq_bind_text(st, 3, t->user);
    xa_sq_bind_text(st, 4, t->label ? t->label : "");
    sqlite3_bind_int64(st, 5, t->created_at);
    sqlite3_bind_int64(st, 6, t->expires_at);
    return run_write(c, st, "token", false, d);
}

static xa_rc tokens_emit(struct ctx *c, sqlite3_stmt *st, token_cb cb, void *ud, bool one,
                         struct xa_diag *d)
{
    xa_rc r = XA_OK;
    bool any = false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct xa_web_token t = {.id = col(st, 0),
                                 .hash = col(st, 1),
                                 .user = col(st, 2),
                                 .label = col(st, 3),
                                 .created_at = sqlite3_column_int64(st, 4),
                                 .expires_at = sqlite3_column_int64(st, 5)};
        any = true;
        if ((r = cb(ud, &t)))
            break;
    }
    if (!r && rc != SQLITE_DONE && rc != SQLITE_ROW)
        r = xa_sq_dberr(c, d, rc, "read tokens");
    if (!r && one && !any)
        r = xa_diag_set(d, XA_ERR_NOTFOUND, "no such token");
    sqlite3_finalize(st);
    return r;
}

static xa_rc token_get(void *ctx, const char *hash, const char *id, token_cb cb, void *ud,
                       struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    xa_rc rc = prep(c,
                    hash ? "SELECT id, hash, user, label, created_at, expires_at FROM web_tokens "
                           "WHERE hash = ?"
                         : "SELECT id, hash, user, label, created_at, expires_at FROM web_tokens "
                           "WHERE id = ?",
                    &st, d);
    if (rc)
        return rc;
    xa_sq_bind_text(st, 1, hash ? hash : id);
    return tokens_emit(c, st, cb, ud, true, d);
}

static xa_rc token_list(void *ctx, token_cb cb, void *ud, struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    xa_rc rc = prep(c,
                    "SELECT id, hash, user, label, created_at, expires_at FROM web_tokens "
                    "ORDER BY user, created_at",
                    &st, d);
    if (rc)
        return rc;
    return tokens_emit(c, st, cb, ud, false, d);
}

static xa_rc token_delete(void *ctx, const char *id, struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    xa_rc rc = xa_sq_writable(c, d);
    if (!rc)
        rc = prep(c, "DELETE FROM web_tokens WHERE id = ?", &st, d);
    if (rc)
        return rc;
    xa_sq_bind_text(st, 1, id);
    return run_write(c, st, "token", true, d);
}

const struct xa_store_web_ops xa_sq_web_ops = {
    .user_put = user_put,
    .user_get = user_get,
    .user_list = user_list,
    .user_delete = user_delete,
    .session_put = session_put,
    .session_get = session_get,
    .session_delete = session_delete,
    .token_put = token_put,
    .token_get = token_get,
    .token_list = token_list,
    .token_delete = token_delete,
};
