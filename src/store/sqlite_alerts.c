/* sqlite_alerts.c - alerts, consumer cursors and detection state in the SQLite archive
 * (schema: migration 4 in sqlite_schema.c; contract: struct xa_store_alert_ops, store.h).
 *
 *   alerts(id, uid, rule_id, rule_title, rule_author, rule_license, rule_origin, severity,
 *          tags, group_key, tenant, summary, first_at, last_at, created_at, updated_at,
 *          rev, status, n_events)
 *   alert_events(alert, seq)            the triggering events (at most XA_ALERT_MAX_SEQS)
 *   alert_comments(id, alert, at, who, body)
 *   consumer_cursors(name, seq, updated_at)   one row per consumer (rules, forwarders)
 *   rule_state(owner, k, v, updated_at)       persisted correlation windows
 * rev is one counter over all alerts (max(rev) + 1 on every change), so a forwarder can
 * follow changes with "rev > cursor". */
#include "core/xtime.h"
#include "store/sqlite_internal.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static xa_rc prep(struct ctx *c, sqlite3_stmt **st, const char *sql, struct xa_diag *d)
{
    int rc = sqlite3_prepare_v2(c->db, sql, -1, st, NULL);
    if (rc != SQLITE_OK)
        return xa_sq_dberr(c, d, rc, "prepare alert statement");
    return XA_OK;
}

static xa_rc step_done(struct ctx *c, sqlite3_stmt *st, struct xa_diag *d, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return xa_sq_dberr(c, d, rc, what);
    return XA_OK;
}

static xa_rc next_rev(struct ctx *c, int64_t *rev, struct xa_diag *d)
{
    int64_t r = 0;
    xa_rc rc = xa_sq_query_int(c, "SELECT coalesce(max(rev), 0) FROM alerts", 0, &r, d);
    if (!rc)
        *rev = r + 1;
    return rc;
}

static uint64_t fnv64(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ull;
    return h;
}

static xa_rc add_seqs(struct ctx *c, int64_t id, const struct xa_alert *a, struct xa_diag *d)
{
    if (!a->n_seqs)
        return XA_OK;
    int64_t have = 0;
    sqlite3_stmt *st = NULL;
    xa_rc rc = prep(c, &st, "SELECT count(*) FROM alert_events WHERE alert = ?", d);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW)
        have = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if ((rc = prep(c, &st, "INSERT OR IGNORE INTO alert_events(alert, seq) VALUES(?, ?)", d)))
        return rc;
    for (size_t i = 0; i < a->n_seqs && have < XA_ALERT_MAX_SEQS; i++) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, a->seqs[i]);
        int r = sqlite3_step(st);
        if (r != SQLITE_DONE) {
            sqlite3_finalize(st);
            return xa_sq_dberr(c, d, r, "store alert events");
        }
        have += sqlite3_changes(c->db);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return XA_OK;
}

static xa_rc alert_put(void *ctx, const struct xa_alert *a, int64_t window, int64_t *id,
                       bool *merged, struct xa_diag *d)
{
    struct ctx *c = ctx;
    if (c->readonly)
        return xa_diag_set(d, XA_ERR_DB, "%s: archive opened read-only", c->path);
    int64_t rev = 0, now = xa_time_now();
    xa_rc rc = next_rev(c, &rev, d);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    if (window >= 0) {
        if ((rc = prep(c, &st,
                       "SELECT id FROM alerts WHERE rule_id = ? AND group_key = ? AND status < 2"
                       " AND last_at >= ? AND first_at <= ? ORDER BY last_at DESC LIMIT 1",
                       d)))
            return rc;
        xa_sq_bind_text(st, 1, a->rule_id);
        xa_sq_bind_text(st, 2, a->group_key ? a->group_key : "");
        sqlite3_bind_int64(st, 3, a->first_at - window);
        sqlite3_bind_int64(st, 4, a->last_at + window);
        int64_t hit = 0;
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW)
            hit = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        if (r != SQLITE_ROW && r != SQLITE_DONE)
            return xa_sq_dberr(c, d, r, "find alert to merge");
        if (hit) {
            if ((rc = prep(c, &st,
                           "UPDATE alerts SET last_at = max(last_at, ?), first_at = min(first_at, ?),"
                           " n_events = n_events + ?, rev = ?, updated_at = ? WHERE id = ?",
                           d)))
                return rc;
            sqlite3_bind_int64(st, 1, a->last_at);
            sqlite3_bind_int64(st, 2, a->first_at);
            sqlite3_bind_int64(st, 3, a->count > 0 ? a->count : (int64_t)a->n_seqs);
            sqlite3_bind_int64(st, 4, rev);
            sqlite3_bind_int64(st, 5, now);
            sqlite3_bind_int64(st, 6, hit);
            if ((rc = step_done(c, st, d, "merge alert")) || (rc = add_seqs(c, hit, a, d)))
                return rc;
            *id = hit;
            *merged = true;
            return XA_OK;
        }
    }
    uint64_t h = 14695981039346656037ull;
    h = fnv64(h, a->rule_id, strlen(a->rule_id) + 1);
    if (a->group_key)
        h = fnv64(h, a->group_key, strlen(a->group_key) + 1);
    int64_t first_seq = a->n_seqs ? a->seqs[0] : 0;
    h = fnv64(h, &first_seq, sizeof(first_seq));
    h = fnv64(h, &a->first_at, sizeof(a->first_at));
    char uid[40];
    snprintf(uid, sizeof(uid), "%016llx", (unsigned long long)h);
    int64_t dup = 0;
    if ((rc = prep(c, &st, "SELECT count(*) FROM alerts WHERE uid = ?", d)))
        return rc;
    sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        dup = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (dup)
        snprintf(uid + 16, sizeof(uid) - 16, "-%llx", (unsigned long long)rev);
    if ((rc = prep(c, &st,
                   "INSERT INTO alerts(uid, rule_id, rule_title, rule_author, rule_license,"
                   " rule_origin, severity, tags, group_key, tenant, summary, first_at, last_at,"
                   " created_at, updated_at, rev, status, n_events)"
                   " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                   d)))
        return rc;
    xa_sq_bind_text(st, 1, uid);
    xa_sq_bind_text(st, 2, a->rule_id);
    xa_sq_bind_text(st, 3, a->rule_title ? a->rule_title : a->rule_id);
    xa_sq_bind_text(st, 4, a->rule_author);
    xa_sq_bind_text(st, 5, a->rule_license);
    xa_sq_bind_text(st, 6, a->rule_origin);
    sqlite3_bind_int(st, 7, a->severity);
    xa_sq_bind_text(st, 8, a->tags);
    xa_sq_bind_text(st, 9, a->group_key ? a->group_key : "");
    xa_sq_bind_text(st, 10, a->tenant_id);
    xa_sq_bind_text(st, 11, a->summary);
    sqlite3_bind_int64(st, 12, a->first_at);
    sqlite3_bind_int64(st, 13, a->last_at);
    sqlite3_bind_int64(st, 14, now);
    sqlite3_bind_int64(st, 15, now);
    sqlite3_bind_int64(st, 16, rev);
    sqlite3_bind_int(st, 17, a->status);
    sqlite3_bind_int64(st, 18, a->count > 0 ? a->count : (int64_t)a->n_seqs);
    if ((rc = step_done(c, st, d, "store alert")))
        return rc;
    int64_t nid = sqlite3_last_insert_rowid(c->db);
    if ((rc = add_seqs(c, nid, a, d)))
        return rc;
    *id = nid;
    *merged = false;
    return XA_OK;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

static xa_rc alert_list(void *ctx, const struct xa_alert_query *q, xa_alert_cb cb, void *ud,
                        struct xa_diag *d)
{
    struct ctx *c = ctx;
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "SELECT id, uid, rule_id, rule_title, rule_author, rule_license, rule_origin,"
             " severity, tags, group_key, tenant, summary, first_at, last_at, created_at,"
             " updated_at, rev, status, n_events FROM alerts WHERE (?1 = 0 OR id = ?1)"
             " AND (?2 < 0 OR status = ?2) AND (?3 IS NULL OR rule_id = ?3) AND severity >= ?4"
             " AND (?5 IS NULL OR last_at >= ?5) AND (?6 IS NULL OR last_at < ?6) AND rev > ?7"
             " ORDER BY rev %s%s",
             q->oldest_first ? "ASC" : "DESC", q->limit ? " LIMIT ?8" : "");
    sqlite3_stmt *st = NULL, *ev = NULL, *cm = NULL;
    xa_rc rc = prep(c, &st, sql, d);
    if (rc)
        return rc;
    if ((rc = prep(c, &ev, "SELECT seq FROM alert_events WHERE alert = ? ORDER BY seq", d)) ||
        (rc = prep(c, &cm, "SELECT at, who, body FROM alert_comments WHERE alert = ? ORDER BY id", d))) {
        sqlite3_finalize(st);
        sqlite3_finalize(ev);
        return rc;
    }
    sqlite3_bind_int64(st, 1, q->id);
    sqlite3_bind_int(st, 2, q->status);
    xa_sq_bind_text(st, 3, q->rule);
    sqlite3_bind_int(st, 4, q->min_severity);
    if (q->since != INT64_MIN)
        sqlite3_bind_int64(st, 5, q->since);
    if (q->until != INT64_MIN)
        sqlite3_bind_int64(st, 6, q->until);
    sqlite3_bind_int64(st, 7, q->after_rev);
    if (q->limit)
        sqlite3_bind_int64(st, 8, (int64_t)q->limit);
    int64_t *seqs = NULL;
    struct xa_alert_comment *cms = NULL;
    size_t cap = 0, ccap = 0;
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        struct xa_alert a;
        memset(&a, 0, sizeof(a));
        a.id = sqlite3_column_int64(st, 0);
        a.uid = col_text(st, 1);
        a.rule_id = col_text(st, 2);
        a.rule_title = col_text(st, 3);
        a.rule_author = col_text(st, 4);
        a.rule_license = col_text(st, 5);
        a.rule_origin = col_text(st, 6);
        a.severity = sqlite3_column_int(st, 7);
        a.tags = col_text(st, 8);
        a.group_key = col_text(st, 9);
        a.tenant_id = col_text(st, 10);
        a.summary = col_text(st, 11);
        a.first_at = sqlite3_column_int64(st, 12);
        a.last_at = sqlite3_column_int64(st, 13);
        a.created_at = sqlite3_column_int64(st, 14);
        a.updated_at = sqlite3_column_int64(st, 15);
        a.rev = sqlite3_column_int64(st, 16);
        a.status = sqlite3_column_int(st, 17);
        a.count = sqlite3_column_int64(st, 18);
        size_t n = 0;
        sqlite3_bind_int64(ev, 1, a.id);
        while (sqlite3_step(ev) == SQLITE_ROW) {
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 16;
                int64_t *ns = realloc(seqs, nc * sizeof(*ns));
                if (!ns) {
                    rc = XA_ERR_NOMEM;
                    break;
                }
                seqs = ns;
                cap = nc;
            }
            seqs[n++] = sqlite3_column_int64(ev, 0);
        }
        sqlite3_reset(ev);
        a.seqs = seqs;
        a.n_seqs = n;
        /* comment strings must outlive the step of cm: copy them */
        size_t nc = 0;
        sqlite3_bind_int64(cm, 1, a.id);
        while (!rc && sqlite3_step(cm) == SQLITE_ROW) {
            if (nc == ccap) {
                size_t ncap = ccap ? ccap * 2 : 4;
                struct xa_alert_comment *nn = realloc(cms, ncap * sizeof(*nn));
                if (!nn) {
                    rc = XA_ERR_NOMEM;
                    break;
                }
                cms = nn;
                ccap = ncap;
            }
            cms[nc].at = sqlite3_column_int64(cm, 0);
            cms[nc].who = strdup(col_text(cm, 1) ? col_text(cm, 1) : "");
            cms[nc].text = strdup(col_text(cm, 2) ? col_text(cm, 2) : "");
            nc++;
        }
        sqlite3_reset(cm);
        a.comments = cms;
        a.n_comments = nc;
        if (!rc)
            rc = cb(ud, &a);
        for (size_t i = 0; i < nc; i++) {
            free((char *)cms[i].who);
            free((char *)cms[i].text);
        }
    }
    if (!rc && r != SQLITE_DONE && r != SQLITE_ROW)
        rc = xa_sq_dberr(c, d, r, "list alerts");
    free(seqs);
    free(cms);
    sqlite3_finalize(st);
    sqlite3_finalize(ev);
    sqlite3_finalize(cm);
    return rc;
}

static xa_rc alert_update(void *ctx, int64_t id, int status, const char *who, const char *comment,
                          struct xa_diag *d)
{
    struct ctx *c = ctx;
    if (c->readonly)
        return xa_diag_set(d, XA_ERR_DB, "%s: archive opened read-only", c->path);
    bool own = !c->in_txn;
    xa_rc rc = own ? xa_sq_exec(c, "BEGIN IMMEDIATE", d) : XA_OK;
    if (rc)
        return rc;
    int64_t exists = 0, rev = 0, now = xa_time_now();
    char q[96];
    snprintf(q, sizeof(q), "SELECT count(*) FROM alerts WHERE id = %lld", (long long)id);
    rc = xa_sq_query_int(c, q, 0, &exists, d);
    if (!rc && !exists)
        rc = xa_diag_set(d, XA_ERR_NOTFOUND, "no alert %lld", (long long)id);
    if (!rc)
        rc = next_rev(c, &rev, d);
    sqlite3_stmt *st = NULL;
    if (!rc && !(rc = prep(c, &st,
                           "UPDATE alerts SET status = CASE WHEN ?1 < 0 THEN status ELSE ?1 END,"
                           " rev = ?2, updated_at = ?3 WHERE id = ?4",
                           d))) {
        sqlite3_bind_int(st, 1, status);
        sqlite3_bind_int64(st, 2, rev);
        sqlite3_bind_int64(st, 3, now);
        sqlite3_bind_int64(st, 4, id);
        rc = step_done(c, st, d, "update alert");
    }
    if (!rc && comment &&
        !(rc = prep(c, &st, "INSERT INTO alert_comments(alert, at, who, body) VALUES(?,?,?,?)", d))) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, now);
        xa_sq_bind_text(st, 3, who ? who : "");
        xa_sq_bind_text(st, 4, comment);
        rc = step_done(c, st, d, "add alert comment");
    }
    if (own) {
        if (!rc)
            rc = xa_sq_exec(c, "COMMIT", d);
        if (rc)
            sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    }
    return rc;
}

static xa_rc cursor_get(void *ctx, const char *name, int64_t *seq, struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    xa_rc rc = prep(c, &st, "SELECT seq FROM consumer_cursors WHERE name = ?", d);
    if (rc)
        return rc;
    xa_sq_bind_text(st, 1, name);
    int r = sqlite3_step(st);
    *seq = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return xa_sq_dberr(c, d, r, "read consumer cursor");
    return XA_OK;
}

static xa_rc cursor_set(void *ctx, const char *name, int64_t seq, struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    xa_rc rc = prep(c, &st,
                    "INSERT INTO consumer_cursors(name, seq, updated_at) VALUES(?,?,?)"
                    " ON CONFLICT(name) DO UPDATE SET seq = excluded.seq,"
                    " updated_at = excluded.updated_at",
                    d);
    if (rc)
        return rc;
    xa_sq_bind_text(st, 1, name);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_int64(st, 3, xa_time_now());
    return step_done(c, st, d, "write consumer cursor");
}

static xa_rc state_load(void *ctx, const char *owner, xa_state_cb cb, void *ud, struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    xa_rc rc = prep(c, &st, "SELECT k, v FROM rule_state WHERE owner = ? ORDER BY k", d);
    if (rc)
        return rc;
    xa_sq_bind_text(st, 1, owner);
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW)
        rc = cb(ud, col_text(st, 0), sqlite3_column_blob(st, 1),
                (size_t)sqlite3_column_bytes(st, 1));
    if (!rc && r != SQLITE_DONE)
        rc = xa_sq_dberr(c, d, r, "load detection state");
    sqlite3_finalize(st);
    return rc;
}

static xa_rc state_put(void *ctx, const char *owner, const char *key, const void *data,
                       size_t len, struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    xa_rc rc;
    if (!len) {
        if ((rc = prep(c, &st, "DELETE FROM rule_state WHERE owner = ? AND k = ?", d)))
            return rc;
        xa_sq_bind_text(st, 1, owner);
        xa_sq_bind_text(st, 2, key);
        return step_done(c, st, d, "delete detection state");
    }
    if ((rc = prep(c, &st,
                   "INSERT INTO rule_state(owner, k, v, updated_at) VALUES(?,?,?,?)"
                   " ON CONFLICT(owner, k) DO UPDATE SET v = excluded.v,"
                   " updated_at = excluded.updated_at",
                   d)))
        return rc;
    xa_sq_bind_text(st, 1, owner);
    xa_sq_bind_text(st, 2, key);
    sqlite3_bind_blob(st, 3, data, (int)len, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, xa_time_now());
    return step_done(c, st, d, "write detection state");
}

static xa_rc state_clear(void *ctx, const char *owner, struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    xa_rc rc = prep(c, &st, "DELETE FROM rule_state WHERE owner = ?", d);
    if (rc)
        return rc;
    xa_sq_bind_text(st, 1, owner);
    return step_done(c, st, d, "clear detection state");
}

const struct xa_store_alert_ops xa_sq_alert_ops = {
    .put = alert_put,
    .list = alert_list,
    .update = alert_update,
    .cursor_get = cursor_get,
    .cursor_set = cursor_set,
    .state_load = state_load,
    .state_put = state_put,
    .state_clear = state_clear,
};
