/* sqlite_collect.c - collector state in the SQLite archive (see sqlite_collect.h).
 *
 *   collect_blobs(tenant, ctype, content_id, created, expiration, records, stored_at)
 *   collect_streams(tenant, ctype, listed_until, window_start, server_now, counters...,
 *                   last_error, last_error_at, updated_at)
 *   collect_gaps(id, tenant, ctype, gkey, content_id, content_uri, start, end_, reason,
 *                deadline, tries, status, created_at, updated_at); gkey = content id for a
 *                blob gap, "window:<start>:<end>" for a window gap.
 * Times are microseconds; XA_TIME_NONE is stored as NULL. */
#include "store/sqlite_collect.h"

#include "store/sqlite_internal.h"

#include "core/xtime.h"

#include <stdio.h>
#include <string.h>

static xa_rc err(sqlite3 *db, struct xa_diag *d, const char *what)
{
    int prim = sqlite3_errcode(db) & 0xff;
    return xa_diag_set(d, prim == SQLITE_IOERR || prim == SQLITE_FULL ? XA_ERR_IO : XA_ERR_DB,
                       "archive: collector state: %s: %s", what, sqlite3_errmsg(db));
}

static xa_rc writable(void *ctx, sqlite3 **db, struct xa_diag *d)
{
    struct ctx *c = ctx;
    *db = c->db;
    if (c->readonly)
        return xa_diag_set(d, XA_ERR_INVALID, "archive was opened read-only");
    if (!c->in_txn)
        return xa_diag_set(d, XA_ERR_USAGE, "collector state written outside a transaction");
    return XA_OK;
}

static void bind_time(sqlite3_stmt *st, int i, int64_t t)
{
    if (t == XA_TIME_NONE)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int64(st, i, t);
}

static int64_t col_time(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? XA_TIME_NONE : sqlite3_column_int64(st, i);
}

static xa_rc run(sqlite3 *db, sqlite3_stmt *st, struct xa_diag *d, const char *what)
{
    int rc = sqlite3_step(st);
    xa_rc x = rc == SQLITE_DONE || rc == SQLITE_ROW ? XA_OK : err(db, d, what);
    sqlite3_finalize(st);
    return x;
}

xa_rc xa_sqlite_blob_known(void *ctx, const char *tenant_id, const char *content_type,
                           const char *content_id, bool *known, struct xa_diag *diag)
{
    sqlite3 *db = ((struct ctx *)ctx)->db;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT 1 FROM collect_blobs WHERE tenant=?1 AND ctype=?2 AND "
                           "content_id=?3",
                           -1, &st, NULL) != SQLITE_OK)
        return err(db, diag, "prepare");
    xa_sq_bind_text(st, 1, tenant_id);
    xa_sq_bind_text(st, 2, content_type);
    xa_sq_bind_text(st, 3, content_id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return err(db, diag, "blob ledger look-up");
    *known = rc == SQLITE_ROW;
    return XA_OK;
}

xa_rc xa_sqlite_blob_put(void *ctx, const struct xa_blob_entry *b, struct xa_diag *diag)
{
    sqlite3 *db;
    xa_rc x = writable(ctx, &db, diag);
    if (x)
        return x;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO collect_blobs(tenant, ctype, content_id, created, "
                           "expiration, records, stored_at) VALUES(?1,?2,?3,?4,?5,?6,?7)",
                           -1, &st, NULL) != SQLITE_OK)
        return err(db, diag, "prepare");
    xa_sq_bind_text(st, 1, b->tenant_id);
    xa_sq_bind_text(st, 2, b->content_type);
    xa_sq_bind_text(st, 3, b->content_id);
    bind_time(st, 4, b->created);
    bind_time(st, 5, b->expiration);
    sqlite3_bind_int64(st, 6, b->records);
    sqlite3_bind_int64(st, 7, b->stored_at);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return xa_diag_set(diag, XA_ERR_INVALID, "blob %s is already in the ledger", b->content_id);
    return rc == SQLITE_DONE ? XA_OK : err(db, diag, "blob ledger insert");
}

xa_rc xa_sqlite_stream_put(void *ctx, const struct xa_stream_state *s, struct xa_diag *diag)
{
    sqlite3 *db;
    xa_rc x = writable(ctx, &db, diag);
    if (x)
        return x;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO collect_streams(tenant, ctype, listed_until, "
                           "window_start, server_now, blobs_listed, blobs_fetched, blobs_failed, "
                           "blobs_expired, records, duplicates, last_error, last_error_at, "
                           "updated_at) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
                           -1, &st, NULL) != SQLITE_OK)
        return err(db, diag, "prepare");
    xa_sq_bind_text(st, 1, s->tenant_id);
    xa_sq_bind_text(st, 2, s->content_type);
    bind_time(st, 3, s->listed_until);
    bind_time(st, 4, s->window_start);
    bind_time(st, 5, s->server_now);
    sqlite3_bind_int64(st, 6, s->blobs_listed);
    sqlite3_bind_int64(st, 7, s->blobs_fetched);
    sqlite3_bind_int64(st, 8, s->blobs_failed);
    sqlite3_bind_int64(st, 9, s->blobs_expired);
    sqlite3_bind_int64(st, 10, s->records);
    sqlite3_bind_int64(st, 11, s->duplicates);
    xa_sq_bind_text(st, 12, s->last_error);
    bind_time(st, 13, s->last_error_at);
    bind_time(st, 14, s->updated_at);
    return run(db, st, diag, "stream state");
}

xa_rc xa_sqlite_stream_list(void *ctx, const char *tenant_id, xa_stream_state_cb cb, void *ud,
                            struct xa_diag *diag)
{
    sqlite3 *db = ((struct ctx *)ctx)->db;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT tenant, ctype, listed_until, window_start, server_now, "
                           "blobs_listed, blobs_fetched, blobs_failed, blobs_expired, records, "
                           "duplicates, last_error, last_error_at, updated_at FROM collect_streams "
                           "WHERE ?1 IS NULL OR tenant=?1 ORDER BY tenant, ctype",
                           -1, &st, NULL) != SQLITE_OK)
        return err(db, diag, "prepare");
    xa_sq_bind_text(st, 1, tenant_id);
    xa_rc x = XA_OK;
    int rc;
    while (!x && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct xa_stream_state s;
        memset(&s, 0, sizeof(s));
        s.tenant_id = (const char *)sqlite3_column_text(st, 0);
        s.content_type = (const char *)sqlite3_column_text(st, 1);
        s.listed_until = col_time(st, 2);
        s.window_start = col_time(st, 3);
        s.server_now = col_time(st, 4);
        s.blobs_listed = sqlite3_column_int64(st, 5);
        s.blobs_fetched = sqlite3_column_int64(st, 6);
        s.blobs_failed = sqlite3_column_int64(st, 7);
        s.blobs_expired = sqlite3_column_int64(st, 8);
        s.records = sqlite3_column_int64(st, 9);
        s.duplicates = sqlite3_column_int64(st, 10);
        s.last_error = (const char *)sqlite3_column_text(st, 11);
        s.last_error_at = col_time(st, 12);
        s.updated_at = col_time(st, 13);
        x = cb(ud, &s);
    }
    if (!x && rc != SQLITE_DONE)
        x = err(db, diag, "stream state");
    sqlite3_finalize(st);
    return x;
}

xa_rc xa_sqlite_gap_put(void *ctx, const struct xa_gap *g, struct xa_diag *diag)
{
    sqlite3 *db;
    xa_rc x = writable(ctx, &db, diag);
    if (x)
        return x;
    char key[600];
    bool blob = g->content_id && *g->content_id;
    if (blob)
        snprintf(key, sizeof(key), "%s", g->content_id);
    else
        snprintf(key, sizeof(key), "window:%lld:%lld", (long long)g->start, (long long)g->end);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(
            db,
            "INSERT INTO collect_gaps(tenant, ctype, gkey, content_id, content_uri, start, end_, "
            "reason, deadline, tries, status, created_at, updated_at) "
            "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?12) "
            "ON CONFLICT(tenant, ctype, gkey) DO UPDATE SET content_uri=coalesce(excluded.content_uri,"
            " content_uri), reason=excluded.reason, deadline=excluded.deadline, "
            "tries=max(tries, excluded.tries), status=excluded.status, updated_at=excluded.updated_at",
            -1, &st, NULL) != SQLITE_OK)
        return err(db, diag, "prepare");
    xa_sq_bind_text(st, 1, g->tenant_id);
    xa_sq_bind_text(st, 2, g->content_type);
    xa_sq_bind_text(st, 3, key);
    xa_sq_bind_text(st, 4, blob ? g->content_id : NULL);
    xa_sq_bind_text(st, 5, g->content_uri && *g->content_uri ? g->content_uri : NULL);
    bind_time(st, 6, g->start);
    bind_time(st, 7, g->end);
    xa_sq_bind_text(st, 8, g->reason);
    bind_time(st, 9, g->deadline);
    sqlite3_bind_int64(st, 10, g->tries);
    sqlite3_bind_int(st, 11, (int)g->status);
    bind_time(st, 12, g->updated_at != XA_TIME_NONE && g->updated_at ? g->updated_at : xa_time_now());
    return run(db, st, diag, "gap ledger");
}

xa_rc xa_sqlite_gap_list(void *ctx, const char *tenant_id, bool open_only, xa_gap_cb cb, void *ud,
                         struct xa_diag *diag)
{
    sqlite3 *db = ((struct ctx *)ctx)->db;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, tenant, ctype, content_id, content_uri, start, end_, reason,"
                           " deadline, tries, status, created_at, updated_at FROM collect_gaps "
                           "WHERE (?1 IS NULL OR tenant=?1) AND (?2 = 0 OR status=0) "
                           "ORDER BY deadline, id",
                           -1, &st, NULL) != SQLITE_OK)
        return err(db, diag, "prepare");
    xa_sq_bind_text(st, 1, tenant_id);
    sqlite3_bind_int(st, 2, open_only ? 1 : 0);
    xa_rc x = XA_OK;
    int rc;
    while (!x && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct xa_gap g;
        memset(&g, 0, sizeof(g));
        g.id = sqlite3_column_int64(st, 0);
        g.tenant_id = (const char *)sqlite3_column_text(st, 1);
        g.content_type = (const char *)sqlite3_column_text(st, 2);
        g.content_id = (const char *)sqlite3_column_text(st, 3);
        g.content_uri = (const char *)sqlite3_column_text(st, 4);
        g.start = col_time(st, 5);
        g.end = col_time(st, 6);
        g.reason = (const char *)sqlite3_column_text(st, 7);
        g.deadline = col_time(st, 8);
        g.tries = sqlite3_column_int64(st, 9);
        g.status = (enum xa_gap_status)sqlite3_column_int(st, 10);
        g.created_at = col_time(st, 11);
        g.updated_at = col_time(st, 12);
        x = cb(ud, &g);
    }
    if (!x && rc != SQLITE_DONE)
        x = err(db, diag, "gap ledger");
    sqlite3_finalize(st);
    return x;
}
