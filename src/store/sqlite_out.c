/* sqlite_out.c - forwarding state of the SQLite archive: one cursor row per destination
 * and its disk spool (tables of migration 5; see store.h "forwarding" and
 * docs/FORWARDING.md).
 *
 *   fwd_state(dest PRIMARY KEY, event_seq, alert_pos, alert_rev, sent, failures, last_ok_at,
 *             last_fail_at, next_try_at, last_error)
 *   fwd_spool(id INTEGER PRIMARY KEY AUTOINCREMENT, dest, stream, pos, key, data,
 *             spooled_at)  -- AUTOINCREMENT: ids are never reused, so "remove up to id"
 *                             can never remove a message spooled later.
 *
 * Statements are prepared per call (forwarding works in batches; no per-connection
 * state). Every value is bound, never spliced into SQL. */
#include "store/sqlite_internal.h"
#include "store/store.h"

#include <string.h>

static xa_rc prep(struct ctx *c, const char *sql, sqlite3_stmt **st, struct xa_diag *d)
{
    int rc = sqlite3_prepare_v2(c->db, sql, -1, st, NULL);
    return rc == SQLITE_OK ? XA_OK : xa_sq_dberr(c, d, rc, "prepare (forwarding tables)");
}

static xa_rc run_write(struct ctx *c, sqlite3_stmt *st, const char *what, struct xa_diag *d)
{
    int rc = sqlite3_step(st);
    xa_rc r = rc == SQLITE_DONE ? XA_OK : xa_sq_dberr(c, d, rc, what);
    sqlite3_finalize(st);
    return r;
}

#define STATE_COLS                                                                             \
    "s.dest, s.event_seq, s.alert_pos, s.alert_rev, s.sent, s.failures, s.last_ok_at, s.last_fail_at,"      \
    " s.next_try_at, s.last_error,"                                                            \
    " (SELECT count(*) FROM fwd_spool p WHERE p.dest=s.dest),"                                 \
    " (SELECT coalesce(sum(length(p.data)),0) FROM fwd_spool p WHERE p.dest=s.dest),"          \
    " (SELECT coalesce(min(p.spooled_at),0) FROM fwd_spool p WHERE p.dest=s.dest)"

static void read_state(sqlite3_stmt *st, struct xa_fwd_state *o)
{
    memset(o, 0, sizeof(*o));
    o->dest = (const char *)sqlite3_column_text(st, 0);
    o->event_seq = sqlite3_column_int64(st, 1);
    o->alert_pos = sqlite3_column_int64(st, 2);
    o->alert_rev = sqlite3_column_int64(st, 3);
    o->sent = sqlite3_column_int64(st, 4);
    o->failures = sqlite3_column_int64(st, 5);
    o->last_ok_at = sqlite3_column_int64(st, 6);
    o->last_fail_at = sqlite3_column_int64(st, 7);
    o->next_try_at = sqlite3_column_int64(st, 8);
    o->last_error = (const char *)sqlite3_column_text(st, 9);
    o->spooled = sqlite3_column_int64(st, 10);
    o->spool_bytes = sqlite3_column_int64(st, 11);
    o->spool_oldest_at = sqlite3_column_int64(st, 12);
}

static xa_rc state_get(void *ctx, const char *dest, xa_fwd_state_cb cb, void *ud,
                       struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    xa_rc rc = prep(c, "SELECT " STATE_COLS " FROM fwd_state s WHERE s.dest=?", &st, d);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, dest, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    struct xa_fwd_state s;
    if (src == SQLITE_ROW) {
        read_state(st, &s);
        rc = cb(ud, &s);
    } else if (src == SQLITE_DONE) {
        /* no state yet: zeros, but what waits in the spool still counts */
        memset(&s, 0, sizeof(s));
        s.dest = dest;
        sqlite3_finalize(st);
        st = NULL;
        rc = prep(c,
                  "SELECT count(*), coalesce(sum(length(data)),0), coalesce(min(spooled_at),0)"
                  " FROM fwd_spool WHERE dest=?",
                  &st, d);
        if (rc)
            return rc;
        sqlite3_bind_text(st, 1, dest, -1, SQLITE_STATIC);
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            s.spooled = sqlite3_column_int64(st, 0);
            s.spool_bytes = sqlite3_column_int64(st, 1);
            s.spool_oldest_at = sqlite3_column_int64(st, 2);
            rc = cb(ud, &s);
        } else {
            rc = xa_sq_dberr(c, d, src, "read the forwarding spool");
        }
    } else {
        rc = xa_sq_dberr(c, d, src, "read forwarding state");
    }
    sqlite3_finalize(st);
    return rc;
}

static xa_rc state_list(void *ctx, xa_fwd_state_cb cb, void *ud, struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    xa_rc rc = prep(c, "SELECT " STATE_COLS " FROM fwd_state s ORDER BY s.dest", &st, d);
    if (rc)
        return rc;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        struct xa_fwd_state s;
        read_state(st, &s);
        if ((rc = cb(ud, &s)))
            break;
    }
    if (!rc && src != SQLITE_DONE)
        rc = xa_sq_dberr(c, d, src, "list forwarding state");
    sqlite3_finalize(st);
    return rc;
}

static xa_rc state_put(void *ctx, const struct xa_fwd_state *s, struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    xa_rc rc = xa_sq_writable(c, d);
    if (!rc)
        rc = prep(c,
                  "INSERT OR REPLACE INTO fwd_state(dest, event_seq, alert_pos, alert_rev, sent,"
                  " failures, last_ok_at, last_fail_at, next_try_at, last_error)"
                  " VALUES(?,?,?,?,?,?,?,?,?,?)",
                  &st, d);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, s->dest, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, s->event_seq);
    sqlite3_bind_int64(st, 3, s->alert_pos);
    sqlite3_bind_int64(st, 4, s->alert_rev);
    sqlite3_bind_int64(st, 5, s->sent);
    sqlite3_bind_int64(st, 6, s->failures);
    sqlite3_bind_int64(st, 7, s->last_ok_at);
    sqlite3_bind_int64(st, 8, s->last_fail_at);
    sqlite3_bind_int64(st, 9, s->next_try_at);
    if (s->last_error)
        sqlite3_bind_text(st, 10, s->last_error, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 10);
    return run_write(c, st, "write forwarding state", d);
}

static xa_rc spool_add(void *ctx, const char *dest, const struct xa_fwd_msg *m,
                       struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    xa_rc rc = xa_sq_writable(c, d);
    if (!rc)
        rc = prep(c,
                  "INSERT INTO fwd_spool(dest, stream, pos, key, data, spooled_at)"
                  " VALUES(?,?,?,?,?,?)",
                  &st, d);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, dest, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, (int)m->stream);
    sqlite3_bind_int64(st, 3, m->pos);
    if (m->key)
        sqlite3_bind_text(st, 4, m->key, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_blob64(st, 5, m->data ? m->data : "", (sqlite3_uint64)m->len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, m->spooled_at);
    return run_write(c, st, "spool a message", d);
}

static xa_rc spool_read(void *ctx, const char *dest, size_t limit, xa_fwd_msg_cb cb, void *ud,
                        struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    xa_rc rc = prep(c,
                    "SELECT id, stream, pos, key, data, spooled_at FROM fwd_spool WHERE dest=?"
                    " ORDER BY id LIMIT ?",
                    &st, d);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, dest, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, limit ? (int64_t)limit : -1);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        struct xa_fwd_msg m;
        memset(&m, 0, sizeof(m));
        m.id = sqlite3_column_int64(st, 0);
        m.stream = sqlite3_column_int(st, 1) == XA_FWD_ALERTS ? XA_FWD_ALERTS : XA_FWD_EVENTS;
        m.pos = sqlite3_column_int64(st, 2);
        m.key = (const char *)sqlite3_column_text(st, 3);
        m.data = sqlite3_column_blob(st, 4);
        m.len = (size_t)sqlite3_column_bytes(st, 4);
        m.spooled_at = sqlite3_column_int64(st, 5);
        if ((rc = cb(ud, &m)))
            break;
    }
    if (!rc && src != SQLITE_DONE)
        rc = xa_sq_dberr(c, d, src, "read the forwarding spool");
    sqlite3_finalize(st);
    return rc;
}

static xa_rc spool_remove(void *ctx, const char *dest, int64_t upto_id, struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    xa_rc rc = xa_sq_writable(c, d);
    if (!rc)
        rc = prep(c, "DELETE FROM fwd_spool WHERE dest=? AND id<=?", &st, d);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, dest, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, upto_id);
    return run_write(c, st, "remove delivered messages from the spool", d);
}

static xa_rc forget(void *ctx, const char *dest, struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    xa_rc rc = xa_sq_writable(c, d);
    if (!rc)
        rc = prep(c, "DELETE FROM fwd_spool WHERE dest=?", &st, d);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, dest, -1, SQLITE_STATIC);
    rc = run_write(c, st, "forget a destination's spool", d);
    if (!rc)
        rc = prep(c, "DELETE FROM fwd_state WHERE dest=?", &st, d);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, dest, -1, SQLITE_STATIC);
    return run_write(c, st, "forget a destination's state", d);
}

const struct xa_store_fwd_ops xa_sq_fwd_ops = {
    .state_get = state_get,
    .state_list = state_list,
    .state_put = state_put,
    .spool_add = spool_add,
    .spool_read = spool_read,
    .spool_remove = spool_remove,
    .forget = forget,
};
