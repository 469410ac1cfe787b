/* sqlite_integrity.c - the SQLite backend's tamper evidence (docs/INTEGRITY.md).
 *
 * Tables (migration 3): integ_blocks(id, first_seq, last_seq, root, chain, at, hashes) holds
 * one row per block of consecutive seqs with the content hash of every record (hashes, 32
 * bytes each), their Merkle root and the chain hash at last_seq; integ_checkpoints(id, seq,
 * kind, block_last, msg, sig) the signed checkpoint and purge messages; integ_keys the public
 * keys that signed. put() adds a record's content hash to the pending block and advances
 * the chain (in commit order); commit() writes the pending block and, when due, a checkpoint,
 * in the same transaction. Triggers make events, strings, zdicts and the integ_ tables
 * append-only; events rows can be deleted only while purge() runs (xa_purging()). */
#include "store/integrity.h"
#include "store/sqlite_codec.h"
#include "store/sqlite_internal.h"
#include "store/store.h"

#include "core/log.h"
#include "core/xtime.h"

#include <fcntl.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#define BLOCK_MAX 4096 /* records per block at most (a commit also ends a block) */
#define ALTERED_MAX 10000

struct state {
    int64_t head_seq;               /* last chained seq */
    unsigned char head[32];         /* chain hash at head_seq */
    int64_t block_id;               /* last written block */
    int64_t ck_id, ck_seq, ck_at, ck_block;
    unsigned char ck_hash[32];      /* H(last checkpoint message) */
};

struct xa_sqi {
    bool enabled, purging;
    struct xa_int_key *key;
    char fpr[65];
    char archive[33];
    uint64_t ck_records;
    int64_t ck_us;
    char *ck_file;
    bool ck_syslog;
    struct state com, cur;          /* committed and current (in the open transaction) */
    int64_t pend_first;
    size_t n_pend;
    unsigned char (*pend)[32];
    struct xa_buf ext;              /* checkpoint lines to send out after commit */
    struct xa_arena ar;
    struct xa_buf canon;
    sqlite3_stmt *st_blk;
    /* evidence: the last block read */
    int64_t ev_block, ev_first, ev_last;
    unsigned char ev_root[32], ev_chain[32];
    unsigned char (*ev_hashes)[32];
    size_t ev_n;
    struct xa_buf ev_canon;
};

static void purging_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    struct xa_sqi *s = sqlite3_user_data(cx);
    sqlite3_result_int(cx, s && s->purging);
}

static xa_rc meta_text(struct ctx *c, const char *sql, char *out, size_t cap, struct xa_diag *d)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
    out[0] = '\0';
    if (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        snprintf(out, cap, "%s", t ? t : "");
        src = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? XA_OK : xa_sq_dberr(c, d, src, "read integrity state");
}

/* Load the committed chain state from the tables. */
static xa_rc load_state(struct ctx *c, struct xa_diag *d)
{
    struct xa_sqi *s = c->integ;
    memset(&s->com, 0, sizeof(s->com));
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(
        c->db, "SELECT id, last_seq, chain FROM integ_blocks ORDER BY id DESC LIMIT 1", -1, &st,
        NULL);
    if (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        s->com.block_id = sqlite3_column_int64(st, 0);
        s->com.head_seq = sqlite3_column_int64(st, 1);
        if (sqlite3_column_bytes(st, 2) == 32)
            memcpy(s->com.head, sqlite3_column_blob(st, 2), 32);
        src = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return xa_sq_dberr(c, d, src, "read integrity state");
    src = sqlite3_prepare_v2(c->db,
                             "SELECT id, seq, block_last, msg FROM integ_checkpoints ORDER BY id "
                             "DESC LIMIT 1",
                             -1, &st, NULL);
    if (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        s->com.ck_id = sqlite3_column_int64(st, 0);
        s->com.ck_seq = sqlite3_column_int64(st, 1);
        s->com.ck_block = sqlite3_column_int64(st, 2);
        xa_int_sha256(sqlite3_column_text(st, 3), (size_t)sqlite3_column_bytes(st, 3),
                      s->com.ck_hash);
        src = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return xa_sq_dberr(c, d, src, "read integrity state");
    s->com.ck_at = xa_time_mono();
    s->cur = s->com;
    s->n_pend = 0;
    return XA_OK;
}

xa_rc xa_sqi_open(struct ctx *c, const struct xa_integrity_cfg *cfg, struct xa_diag *d)
{
    struct xa_sqi *s = calloc(1, sizeof(*s));
    if (!s)
        return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    c->integ = s;
    xa_buf_init(&s->ext, 0);
    xa_buf_init(&s->canon, 0);
    xa_buf_init(&s->ev_canon, 0);
    xa_arena_init(&s->ar, 16 * 1024);
    s->enabled = !(cfg && cfg->disabled);
    s->ck_records = cfg && cfg->checkpoint_records ? cfg->checkpoint_records : 10000;
    s->ck_us = (int64_t)(cfg && cfg->checkpoint_minutes ? cfg->checkpoint_minutes : 5) * 60000000;
    s->ck_syslog = cfg && cfg->checkpoint_syslog;
    if (cfg && cfg->checkpoint_file && !(s->ck_file = strdup(cfg->checkpoint_file)))
        return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    strcpy(s->fpr, "none");
    int src = sqlite3_create_function(c->db, "xa_purging", 0, SQLITE_UTF8, s, purging_fn, NULL,
                                      NULL);
    if (src != SQLITE_OK)
        return xa_sq_dberr(c, d, src, "register xa_purging");
    xa_rc rc = meta_text(c, "SELECT value FROM xa_meta WHERE key='archive_id'", s->archive,
                         sizeof(s->archive), d);
    if (rc)
        return rc;
    if (c->readonly)
        return XA_OK;
    if (s->enabled && cfg && cfg->private_key_file && access(cfg->private_key_file, F_OK) == 0) {
        if ((rc = xa_int_key_load_private(cfg->private_key_file, &s->key, d)))
            return rc;
        xa_int_key_fpr(s->key, s->fpr);
        struct xa_buf pem;
        xa_buf_init(&pem, 0);
        sqlite3_stmt *st = NULL;
        src = SQLITE_OK;
        if (xa_int_key_public_pem(s->key, &pem) == XA_OK &&
            (src = sqlite3_prepare_v2(c->db,
                                      "INSERT OR IGNORE INTO integ_keys(fpr, pem, added_at) "
                                      "VALUES(?,?,?)",
                                      -1, &st, NULL)) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, s->fpr, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, pem.data, (int)pem.len, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, xa_time_now());
            src = sqlite3_step(st);
            src = src == SQLITE_DONE ? SQLITE_OK : src;
        }
        sqlite3_finalize(st);
        xa_buf_release(&pem);
        if (src != SQLITE_OK)
            return xa_sq_dberr(c, d, src, "record the public key");
    } else if (s->enabled) {
        int64_t keys = 0;
        xa_sq_query_int(c, "SELECT count(*) FROM integ_keys", 0, &keys, NULL);
        xa_log(keys ? XA_LOG_WARN : XA_LOG_DEBUG,
               "integrity: no private key (%s); checkpoints will be unsigned%s",
               cfg && cfg->private_key_file ? cfg->private_key_file : "not configured",
               keys ? " although the archive's earlier ones are signed (verify will object)" : "");
    }
    return load_state(c, d);
}

void xa_sqi_prepare(struct ctx *c, const struct xa_event *ev, const void *body, size_t len,
                    unsigned char out[32])
{
    struct xa_int_head h;
    if (c->integ && !c->integ->enabled)
        return; /* integrity.enabled false (benchmarks): no hashing at all */
    xa_int_head_from_event(ev, xa_sqlc_flags_pack(ev), &h);
    xa_int_content_hash(&h, body, len, out);
}

/* Content hash of the current row of st (columns: seq, tenant, rid, at, rtype, flags, op,
 * actor, mbx, wl, ip, zdict, body); canon receives the canonical bytes when not NULL. */
static xa_rc row_content(struct ctx *c, sqlite3_stmt *st, unsigned char out[32],
                         struct xa_buf *canon, struct xa_diag *d)
{
    struct xa_sqi *s = c->integ;
    xa_arena_reset(&s->ar);
    struct xa_int_head h;
    memset(&h, 0, sizeof(h));
    const char **dst[6] = {&h.tenant, &h.operation, &h.actor, &h.mailbox, &h.workload,
                           &h.client_ip};
    static const int col[6] = {1, 6, 7, 8, 9, 10};
    for (int i = 0; i < 6; i++) {
        const char *v;
        xa_rc rc = xa_sq_str_by_id(c, sqlite3_column_int64(st, col[i]), &v, d);
        if (rc)
            return rc;
        if (v && !(v = xa_arena_strdup(&s->ar, v)))
            return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
        *dst[i] = v;
    }
    char g[37];
    if (sqlite3_column_type(st, 2) == SQLITE_BLOB && sqlite3_column_bytes(st, 2) == 16) {
        xa_sqlc_guid_format(sqlite3_column_blob(st, 2), g);
        h.record_id = g;
    } else {
        h.record_id = (const char *)sqlite3_column_text(st, 2);
    }
    h.occurred_at = sqlite3_column_int64(st, 3);
    h.record_type = sqlite3_column_int64(st, 4);
    h.flags = sqlite3_column_int64(st, 5);
    xa_rc rc = xa_sq_body_decompress(c, sqlite3_column_int64(st, 11), sqlite3_column_blob(st, 12),
                                     (size_t)sqlite3_column_bytes(st, 12), d);
    if (rc)
        return rc;
    xa_int_content_hash(&h, c->dbuf.data, c->dbuf.len, out);
    if (canon) {
        xa_buf_reset(canon);
        if ((rc = xa_int_canon(&h, c->dbuf.data, c->dbuf.len, canon)))
            return xa_diag_set(d, rc, "out of memory");
    }
    return XA_OK;
}

#define ROW_COLS "seq, tenant, rid, at, rtype, flags, op, actor, mbx, wl, ip, zdict, body"

/* Write the pending block (in the open transaction). */
static xa_rc flush_block(struct ctx *c, struct xa_diag *d)
{
    struct xa_sqi *s = c->integ;
    if (s->n_pend == 0)
        return XA_OK;
    unsigned char root[32];
    if (xa_int_merkle_root((const unsigned char(*)[32])s->pend, s->n_pend, root))
        return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    xa_rc rc = xa_sq_prep(c, &s->st_blk,
                          "INSERT INTO integ_blocks(id, first_seq, last_seq, root, chain, at,"
                          " hashes) VALUES(?,?,?,?,?,?,?)",
                          d);
    if (rc)
        return rc;
    sqlite3_stmt *st = s->st_blk;
    sqlite3_bind_int64(st, 1, s->cur.block_id + 1);
    sqlite3_bind_int64(st, 2, s->pend_first);
    sqlite3_bind_int64(st, 3, s->cur.head_seq);
    sqlite3_bind_blob(st, 4, root, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, s->cur.head, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, xa_time_now());
    sqlite3_bind_blob(st, 7, s->pend, (int)(s->n_pend * 32), SQLITE_STATIC);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return xa_sq_dberr(c, d, src, "write integrity block");
    s->cur.block_id++;
    s->n_pend = 0;
    return XA_OK;
}

static xa_rc chain_add(struct ctx *c, int64_t seq, const unsigned char content[32],
                       struct xa_diag *d)
{
    struct xa_sqi *s = c->integ;
    if (seq != s->cur.head_seq + 1) { /* a gap (records lost before chaining): new block */
        xa_rc rc = flush_block(c, d);
        if (rc)
            return rc;
    }
    if (s->n_pend == 0) {
        s->pend_first = seq;
        if (!s->pend && !(s->pend = malloc(BLOCK_MAX * 32)))
            return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    }
    memcpy(s->pend[s->n_pend++], content, 32);
    xa_int_chain_step(s->cur.head, seq, content, s->cur.head);
    s->cur.head_seq = seq;
    return s->n_pend >= BLOCK_MAX ? flush_block(c, d) : XA_OK;
}

/* Chain records that are in the archive but not yet chained (written with integrity off
 * or before the archive had integrity), up to seq upto (0 = all). */
static xa_rc catch_up(struct ctx *c, int64_t upto, struct xa_diag *d)
{
    struct xa_sqi *s = c->integ;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(c->db,
                                 "SELECT " ROW_COLS " FROM events WHERE seq > ? AND (? = 0 OR "
                                 "seq <= ?) ORDER BY seq",
                                 -1, &st, NULL);
    if (src != SQLITE_OK)
        return xa_sq_dberr(c, d, src, "read unchained records");
    sqlite3_bind_int64(st, 1, s->cur.head_seq);
    sqlite3_bind_int64(st, 2, upto);
    sqlite3_bind_int64(st, 3, upto);
    xa_rc rc = XA_OK;
    int64_t n = 0;
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        unsigned char h[32];
        if (!(rc = row_content(c, st, h, NULL, d)))
            rc = chain_add(c, sqlite3_column_int64(st, 0), h, d);
        n++;
    }
    if (!rc && src != SQLITE_DONE)
        rc = xa_sq_dberr(c, d, src, "read unchained records");
    sqlite3_finalize(st);
    if (!rc && n)
        xa_log(XA_LOG_INFO, "integrity: chained %" PRId64 " records stored without integrity", n);
    return rc;
}

xa_rc xa_sqi_put(struct ctx *c, const struct xa_event *ev, int64_t seq,
                 const unsigned char *chash, struct xa_diag *d)
{
    struct xa_sqi *s = c->integ;
    if (!s || !s->enabled)
        return XA_OK;
    if (seq <= s->cur.head_seq)
        return xa_diag_set(d, XA_ERR_DB,
                           "%s: record seq %" PRId64 " is already in the integrity chain (head %" PRId64
                           "): the archive's tail was removed; run 'exoaudit verify'",
                           c->path, seq, s->cur.head_seq);
    if (seq != s->cur.head_seq + 1) /* never adopt unchained rows silently: see adopt() */
        return xa_diag_set(d, XA_ERR_DB,
                           "%s: records seq %" PRId64 "..%" PRId64 " are not in the integrity "
                           "chain (stored with integrity off, or inserted); run 'exoaudit "
                           "verify', then 'exoaudit init' to adopt them",
                           c->path, s->cur.head_seq + 1, seq - 1);
    unsigned char h[32];
    if (!chash) {
        xa_sqi_prepare(c, ev, c->body.data, c->body.len, h);
        chash = h;
    }
    return chain_add(c, seq, chash, d);
}

/* ---- checkpoints ------------------------------------------------------------------ */

struct blk {
    int64_t id, first, last, at;
    unsigned char root[32], chain[32];
};

/* Blocks with id in [from, to], in id order (*out malloc'd). */
static xa_rc read_blocks(struct ctx *c, int64_t from, int64_t to, struct blk **out, size_t *n,
                         struct xa_diag *d)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(c->db,
                                 "SELECT id, first_seq, last_seq, root, chain, at FROM "
                                 "integ_blocks WHERE id BETWEEN ? AND ? ORDER BY id",
                                 -1, &st, NULL);
    struct blk *v = NULL;
    size_t k = 0, cap = 0;
    xa_rc rc = XA_OK;
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, from);
        sqlite3_bind_int64(st, 2, to);
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            if (k == cap) {
                cap = cap ? cap * 2 : 64;
                struct blk *nv = realloc(v, cap * sizeof(*v));
                if (!nv) {
                    rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
                    break;
                }
                v = nv;
            }
            struct blk *b = &v[k++];
            memset(b, 0, sizeof(*b));
            b->id = sqlite3_column_int64(st, 0);
            b->first = sqlite3_column_int64(st, 1);
            b->last = sqlite3_column_int64(st, 2);
            if (sqlite3_column_bytes(st, 3) == 32)
                memcpy(b->root, sqlite3_column_blob(st, 3), 32);
            if (sqlite3_column_bytes(st, 4) == 32)
                memcpy(b->chain, sqlite3_column_blob(st, 4), 32);
            b->at = sqlite3_column_int64(st, 5);
        }
    }
    if (!rc && src != SQLITE_DONE)
        rc = xa_sq_dberr(c, d, src, "read integrity blocks");
    sqlite3_finalize(st);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    *n = k;
    return XA_OK;
}

static xa_rc blocks_root(const struct blk *b, size_t n, unsigned char root[32])
{
    if (n == 0) {
        memset(root, 0, 32);
        return XA_OK;
    }
    unsigned char(*h)[32] = malloc(n * 32);
    if (!h)
        return XA_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        xa_int_block_hash(b[i].id, b[i].first, b[i].last, b[i].root, b[i].chain, h[i]);
    xa_rc rc = xa_int_merkle_root((const unsigned char(*)[32])h, n, root);
    free(h);
    return rc;
}

/* Write a checkpoint (or purge record) over the current state, in the open transaction. */
static xa_rc write_ck(struct ctx *c, const struct xa_int_ck *purge, struct xa_diag *d)
{
    struct xa_sqi *s = c->integ;
    struct xa_int_ck ck;
    if (purge)
        ck = *purge;
    else
        memset(&ck, 0, sizeof(ck));
    snprintf(ck.archive, sizeof(ck.archive), "%s", s->archive);
    ck.id = s->cur.ck_id + 1;
    ck.kind = purge ? XA_INT_CK_PURGE : XA_INT_CK_CHECKPOINT;
    ck.seq = s->cur.head_seq;
    memcpy(ck.chain, s->cur.head, 32);
    ck.block_first = s->cur.ck_block + 1;
    ck.block_last = s->cur.block_id;
    struct blk *b = NULL;
    size_t n = 0;
    xa_rc rc = read_blocks(c, ck.block_first, ck.block_last, &b, &n, d);
    if (rc)
        return rc;
    rc = blocks_root(b, n, ck.blocks_root);
    free(b);
    if (rc)
        return xa_diag_set(d, rc, "out of memory");
    memcpy(ck.prev, s->cur.ck_hash, 32);
    ck.at = xa_time_now();
    snprintf(ck.key, sizeof(ck.key), "%s", s->key ? s->fpr : "none");
    struct xa_buf msg;
    xa_buf_init(&msg, 0);
    unsigned char sig[64];
    sqlite3_stmt *st = NULL;
    if ((rc = xa_int_ck_format(&ck, &msg))) {
        rc = xa_diag_set(d, rc, "out of memory");
        goto out;
    }
    if (s->key && (rc = xa_int_sign(s->key, msg.data, msg.len, sig, d)))
        goto out;
    int src = sqlite3_prepare_v2(c->db,
                                 "INSERT INTO integ_checkpoints(id, seq, kind, block_last, msg, "
                                 "sig) VALUES(?,?,?,?,?,?)",
                                 -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, ck.id);
        sqlite3_bind_int64(st, 2, ck.seq);
        sqlite3_bind_int(st, 3, (int)ck.kind);
        sqlite3_bind_int64(st, 4, ck.block_last);
        sqlite3_bind_text(st, 5, msg.data, (int)msg.len, SQLITE_STATIC);
        if (s->key)
            sqlite3_bind_blob(st, 6, sig, 64, SQLITE_STATIC);
        src = sqlite3_step(st);
        src = src == SQLITE_DONE ? SQLITE_OK : src;
    }
    if (src != SQLITE_OK) {
        rc = xa_sq_dberr(c, d, src, "write checkpoint");
        goto out;
    }
    s->cur.ck_id = ck.id;
    s->cur.ck_seq = ck.seq;
    s->cur.ck_block = ck.block_last;
    s->cur.ck_at = xa_time_mono();
    xa_int_sha256(msg.data, msg.len, s->cur.ck_hash);
    /* external copy: "exoaudit-checkpoint id=N seq=S msg=HEX sig=HEX" */
    if (s->ck_file || s->ck_syslog)
        xa_int_ck_line_format(&s->ext, 0, ck.id, ck.seq, msg.data, msg.len, s->key ? sig : NULL);
out:
    sqlite3_finalize(st);
    xa_buf_release(&msg);
    return rc;
}

xa_rc xa_sqi_before_commit(struct ctx *c, struct xa_diag *d)
{
    struct xa_sqi *s = c->integ;
    if (!s || !s->enabled)
        return XA_OK;
    xa_rc rc = flush_block(c, d);
    if (rc)
        return rc;
    int64_t uncovered = s->cur.head_seq - s->cur.ck_seq;
    if (uncovered > 0 && ((uint64_t)uncovered >= s->ck_records ||
                          xa_time_mono() - s->cur.ck_at >= s->ck_us))
        rc = write_ck(c, NULL, d);
    return rc;
}

void xa_sqi_after_commit(struct ctx *c)
{
    struct xa_sqi *s = c->integ;
    if (!s)
        return;
    s->com = s->cur;
    if (!s->ext.len)
        return;
    if (s->ck_file)
        xa_int_ck_file_append(s->ck_file, s->ext.data, s->ext.len);
    if (s->ck_syslog) {
        openlog("exoaudit", LOG_PID, LOG_AUTHPRIV);
        char *line = s->ext.data, *nl;
        while ((nl = strchr(line, '\n'))) {
            *nl = '\0';
            syslog(LOG_NOTICE, "%s", line);
            line = nl + 1;
        }
        closelog();
    }
    xa_buf_reset(&s->ext);
}

xa_rc xa_sqi_reload(struct ctx *c, struct xa_diag *d)
{
    struct xa_sqi *s = c->integ;
    if (!s)
        return XA_OK;
    xa_buf_reset(&s->ext);
    return load_state(c, d);
}

void xa_sqi_forget(struct ctx *c)
{
    struct xa_sqi *s = c->integ;
    if (!s)
        return;
    s->cur = s->com;
    s->n_pend = 0;
    xa_buf_reset(&s->ext);
}

static xa_rc checkpoint_now(struct ctx *c, bool adopt, struct xa_diag *d);

xa_rc xa_sqi_checkpoint(void *ctx, struct xa_diag *d)
{
    return checkpoint_now(ctx, false, d);
}

xa_rc xa_sqi_adopt(void *ctx, struct xa_diag *d)
{
    return checkpoint_now(ctx, true, d);
}

static xa_rc checkpoint_now(struct ctx *c, bool adopt, struct xa_diag *d)
{
    struct xa_sqi *s = c->integ;
    if (!s || !s->enabled || c->readonly || c->in_txn)
        return XA_OK;
    int64_t max_seq = 0;
    xa_rc rc = xa_sq_query_int(c, "SELECT max(seq) FROM events", 0, &max_seq, d);
    if (rc || ((!adopt || max_seq <= s->com.head_seq) && s->com.head_seq <= s->com.ck_seq))
        return rc;
    if ((rc = xa_sq_exec(c, "BEGIN IMMEDIATE", d)))
        return rc;
    rc = load_state(c, d); /* another process may have written meanwhile */
    if (!rc && adopt && max_seq > s->cur.head_seq)
        rc = catch_up(c, 0, d);
    if (!rc)
        rc = flush_block(c, d);
    if (!rc && s->cur.head_seq > s->cur.ck_seq)
        rc = write_ck(c, NULL, d);
    if (!rc)
        rc = xa_sq_exec(c, "COMMIT", d);
    if (rc) {
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        xa_sqi_forget(c);
        return rc;
    }
    xa_sqi_after_commit(c);
    return XA_OK;
}

void xa_sqi_close(struct ctx *c)
{
    struct xa_sqi *s = c->integ;
    if (!s)
        return;
    if (c->db && !c->readonly && !c->in_txn && s->enabled &&
        s->com.head_seq > s->com.ck_seq) {
        struct xa_diag d;
        xa_diag_clear(&d);
        if (xa_sqi_checkpoint(c, &d))
            xa_log(XA_LOG_WARN, "integrity: final checkpoint not written: %s", d.msg);
    }
    sqlite3_finalize(s->st_blk);
    xa_int_key_free(s->key);
    free(s->ck_file);
    free(s->pend);
    free(s->ev_hashes);
    xa_buf_release(&s->ext);
    xa_buf_release(&s->canon);
    xa_buf_release(&s->ev_canon);
    xa_arena_release(&s->ar);
    free(s);
    c->integ = NULL;
}

/* ---- verify ----------------------------------------------------------------------- */

struct alt {
    int64_t seq;
    unsigned char got[32], want[32];
    char rid[80];
    bool unreadable;
};

struct vctx {
    struct ctx *c;
    struct xa_verify_summary *sum;
    struct xa_int_reporter rep;
    struct alt *alts;
    size_t n_alts;
    /* pending run of missing seqs */
    int64_t miss_from, miss_to;
};

#define report(v, ...) xa_int_report(&(v)->rep, __VA_ARGS__)

static void flush_missing(struct vctx *v, int64_t block_last, bool last_block)
{
    if (!v->miss_from)
        return;
    if (last_block && v->miss_to == block_last)
        report(v, XA_VP_TRUNCATED, v->miss_from, v->miss_to, NULL, 0,
               "truncated tail: records seq %" PRId64 "..%" PRId64
               " (%" PRId64 " records) are missing at the end of the chain",
               v->miss_from, v->miss_to, v->miss_to - v->miss_from + 1);
    else
        report(v, XA_VP_DELETED, v->miss_from, v->miss_to, NULL, 0,
               "deleted: records seq %" PRId64 "..%" PRId64 " (%" PRId64
               " records) are missing from the chain",
               v->miss_from, v->miss_to, v->miss_to - v->miss_from + 1);
    v->miss_from = v->miss_to = 0;
}

static void missing(struct vctx *v, int64_t from, int64_t to, int64_t block_last, bool last_block)
{
    if (v->miss_from && from == v->miss_to + 1) {
        v->miss_to = to;
        return;
    }
    flush_missing(v, block_last, last_block);
    v->miss_from = from;
    v->miss_to = to;
}

static void rid_of(sqlite3_stmt *st, int col, char out[80])
{
    if (sqlite3_column_type(st, col) == SQLITE_BLOB && sqlite3_column_bytes(st, col) == 16) {
        xa_sqlc_guid_format(sqlite3_column_blob(st, col), out);
    } else {
        const char *t = (const char *)sqlite3_column_text(st, col);
        snprintf(out, 80, "%s", t ? t : "?");
    }
}

/* Records of one block against its stored hashes. */
static xa_rc verify_records(struct vctx *v, sqlite3_stmt *st, const struct blk *b,
                            const unsigned char (*hs)[32], bool last_block, struct xa_diag *d)
{
    struct ctx *c = v->c;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, b->first);
    sqlite3_bind_int64(st, 2, b->last);
    int64_t expect = b->first;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0);
        if (seq > expect)
            missing(v, expect, seq - 1, b->last, last_block);
        expect = seq + 1;
        v->sum->records++;
        unsigned char h[32];
        struct xa_diag rd;
        xa_diag_clear(&rd);
        xa_rc rc = row_content(c, st, h, NULL, &rd);
        bool unreadable = false;
        if (rc == XA_ERR_NOMEM)
            return xa_diag_set(d, rc, "%s", rd.msg);
        if (rc)
            unreadable = true;
        const unsigned char *want = hs[seq - b->first];
        if (unreadable || memcmp(h, want, 32) != 0) {
            if (v->n_alts < ALTERED_MAX) {
                struct alt *a = &v->alts[v->n_alts++];
                a->seq = seq;
                memcpy(a->got, h, 32);
                memcpy(a->want, want, 32);
                a->unreadable = unreadable;
                rid_of(st, 2, a->rid);
            } else {
                v->sum->problems++;
            }
        }
    }
    if (src != SQLITE_DONE)
        return xa_sq_dberr(c, d, src, "read records");
    if (expect <= b->last)
        missing(v, expect, b->last, b->last, last_block);
    return XA_OK;
}

static void report_alts(struct vctx *v)
{
    for (size_t i = 0; i < v->n_alts; i++) {
        struct alt *a = &v->alts[i];
        if (a->seq == 0)
            continue;
        size_t j = 0;
        for (j = 0; j < v->n_alts; j++)
            if (j != i && v->alts[j].seq && !a->unreadable &&
                memcmp(a->got, v->alts[j].want, 32) == 0)
                break;
        if (j < v->n_alts) {
            report(v, XA_VP_REORDERED, a->seq, v->alts[j].seq, a->rid, 0,
                   "reordered: record %s at seq %" PRId64 " belongs at seq %" PRId64
                   " (records moved or swapped)",
                   a->rid, a->seq, v->alts[j].seq);
            continue;
        }
        report(v, XA_VP_ALTERED, a->seq, a->seq, a->rid, 0,
               a->unreadable ? "altered: record seq %" PRId64 " (%s) is unreadable (stored bytes "
                               "changed)"
                             : "altered: record seq %" PRId64 " (%s) does not match its chained "
                               "hash (raw record or normalised fields changed)",
               a->seq, a->rid);
    }
}

struct ckrow {
    int64_t id;
    struct xa_int_ck ck;
    bool parsed, sig_ok, has_sig;
    unsigned char hash[32];
    char *msg;
};

static xa_rc load_trusted_key(struct vctx *v, const struct xa_verify_opts *o,
                              struct xa_int_key **key, struct xa_diag *d)
{
    struct ctx *c = v->c;
    if (o && o->public_key_pem)
        return xa_int_key_from_pem(o->public_key_pem, strlen(o->public_key_pem), key, d);
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(c->db, "SELECT pem FROM integ_keys ORDER BY added_at LIMIT 1",
                                 -1, &st, NULL);
    xa_rc rc = XA_OK;
    if (src == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        rc = xa_int_key_from_pem((const char *)sqlite3_column_text(st, 0),
                                 (size_t)sqlite3_column_bytes(st, 0), key, d);
        if (!rc)
            report(v, XA_VP_WARNING, 0, 0, NULL, 0,
                   "no trusted public key given: checked against the archive's own copy; "
                   "compare its fingerprint with your records (exoaudit key export)");
    }
    sqlite3_finalize(st);
    return rc;
}

/* Compare with the external checkpoint lines (integrity.checkpoint_file). */
static void verify_external(struct vctx *v, const char *path, const struct ckrow *cks, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        report(v, XA_VP_WARNING, 0, 0, NULL, 0, "external checkpoint file %s: cannot read", path);
        return;
    }
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        int64_t id = 0, seq = 0;
        uint32_t st = 0;
        char *m = NULL;
        size_t ml = 0;
        if (!xa_int_ck_line_parse(line, &st, &id, &seq, &m, &ml) || st != 0) {
            free(m);
            continue;
        }
        const struct ckrow *r = NULL;
        for (size_t i = 0; i < n; i++)
            if (cks[i].id == id)
                r = &cks[i];
        bool same = m && r && r->msg && strcmp(m, r->msg) == 0;
        free(m);
        if (!r)
            report(v, XA_VP_CHECKPOINT, seq, seq, NULL, id,
                   "checkpoint %" PRId64 " (seq %" PRId64 ") recorded in %s is not in the archive "
                   "(archive truncated or rewritten)",
                   id, seq, path);
        else if (!same)
            report(v, XA_VP_CHECKPOINT, seq, seq, NULL, id,
                   "checkpoint %" PRId64 " (seq %" PRId64 ") differs from the copy in %s "
                   "(archive rewritten)",
                   id, seq, path);
    }
    free(line);
    fclose(f);
}

xa_rc xa_sqi_verify(void *ctx, const struct xa_verify_opts *o, xa_verify_cb cb, void *ud,
                    struct xa_verify_summary *sum, struct xa_diag *d)
{
    struct ctx *c = ctx;
    memset(sum, 0, sizeof(*sum));
    strcpy(sum->key_fpr, "none");
    struct vctx v = {.c = c, .sum = sum,
                     .rep = {.cb = cb, .ud = ud, .problems = &sum->problems,
                             .warnings = &sum->warnings}};
    struct blk *b = NULL;
    struct ckrow *cks = NULL;
    size_t nb = 0, nck = 0;
    struct xa_int_key *key = NULL;
    sqlite3_stmt *st = NULL, *rs = NULL;
    unsigned char(*hs)[32] = NULL;
    xa_rc rc = read_blocks(c, 1, INT64_MAX, &b, &nb, d);
    if (rc)
        return rc;
    v.alts = calloc(ALTERED_MAX, sizeof(*v.alts));
    if (!v.alts) {
        rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
        goto out;
    }
    sum->blocks = (int64_t)nb;
    /* 1. the blocks: ids and seq ranges contiguous */
    for (size_t i = 0; i < nb; i++) {
        if (b[i].id != (int64_t)i + 1)
            report(&v, XA_VP_BLOCK, b[i].first, b[i].last, NULL, 0,
                   "integrity block %" PRId64 " is missing (block %" PRId64
                   " follows block %" PRId64 ")",
                   (int64_t)i + 1, b[i].id, i ? b[i - 1].id : 0);
        int64_t prev_last = i ? b[i - 1].last : 0;
        if (b[i].first <= prev_last || b[i].last < b[i].first)
            report(&v, XA_VP_BLOCK, b[i].first, b[i].last, NULL, 0,
                   "integrity block %" PRId64 " has an invalid seq range %" PRId64 "..%" PRId64,
                   b[i].id, b[i].first, b[i].last);
    }
    /* 2. checkpoints */
    rc = load_trusted_key(&v, o, &key, d);
    if (rc)
        goto out;
    if (key)
        xa_int_key_fpr(key, sum->key_fpr);
    int src = sqlite3_prepare_v2(c->db,
                                 "SELECT id, msg, sig FROM integ_checkpoints ORDER BY id", -1,
                                 &st, NULL);
    size_t capck = 0;
    while (src == SQLITE_OK || src == SQLITE_ROW) {
        if ((src = sqlite3_step(st)) != SQLITE_ROW)
            break;
        if (nck == capck) {
            capck = capck ? capck * 2 : 64;
            struct ckrow *nc = realloc(cks, capck * sizeof(*cks));
            if (!nc) {
                rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
                goto out;
            }
            cks = nc;
        }
        struct ckrow *r = &cks[nck++];
        memset(r, 0, sizeof(*r));
        r->id = sqlite3_column_int64(st, 0);
        const char *m = (const char *)sqlite3_column_text(st, 1);
        size_t ml = (size_t)sqlite3_column_bytes(st, 1);
        r->msg = m ? strdup(m) : NULL;
        r->parsed = m && xa_int_ck_parse(m, ml, &r->ck) == XA_OK && r->ck.id == r->id;
        if (m)
            xa_int_sha256(m, ml, r->hash);
        r->has_sig = sqlite3_column_type(st, 2) == SQLITE_BLOB;
        r->sig_ok = r->has_sig && key &&
                    xa_int_verify_sig(key, m, ml, sqlite3_column_blob(st, 2),
                                      (size_t)sqlite3_column_bytes(st, 2));
    }
    if (src != SQLITE_DONE) {
        rc = xa_sq_dberr(c, d, src, "read checkpoints");
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    sum->checkpoints = (int64_t)nck;
    int64_t cut = 0, covered_block = 0, unsigned_n = 0;
    unsigned char prev_hash[32] = {0};
    for (size_t i = 0; i < nck; i++) {
        struct ckrow *r = &cks[i];
        const struct xa_int_ck *k = &r->ck;
        int64_t want_id = i ? cks[i - 1].id + 1 : 1;
        if (r->id != want_id)
            report(&v, XA_VP_CHECKPOINT, 0, 0, NULL, want_id,
                   "checkpoint%s %" PRId64 "..%" PRId64 " missing (deleted)",
                   r->id - want_id > 1 ? "s" : "", want_id, r->id - 1);
        if (!r->parsed) {
            report(&v, XA_VP_CHECKPOINT, 0, 0, NULL, r->id,
                   "checkpoint %" PRId64 " is malformed (altered)", r->id);
            continue;
        }
        if (!r->has_sig && sum->signed_checkpoints > 0) {
            report(&v, XA_VP_CHECKPOINT, k->seq, k->seq, NULL, r->id,
                   "checkpoint %" PRId64 " (seq %" PRId64 ") is unsigned although earlier "
                   "checkpoints are signed (signature stripped, or the key was removed)",
                   r->id, k->seq);
        } else if (!r->has_sig) {
            unsigned_n++;
        } else if (!r->sig_ok) {
            report(&v, XA_VP_CHECKPOINT, k->seq, k->seq, NULL, r->id,
                   "checkpoint %" PRId64 " (seq %" PRId64 "): signature does not verify "
                   "(forged or altered checkpoint)%s",
                   r->id, k->seq, key ? "" : "; no public key to check it with");
        } else {
            sum->signed_checkpoints++;
        }
        if (strcmp(k->archive, v.c->integ->archive) != 0)
            report(&v, XA_VP_CHECKPOINT, k->seq, k->seq, NULL, r->id,
                   "checkpoint %" PRId64 " belongs to another archive (%s)", r->id, k->archive);
        if (r->id == want_id && memcmp(k->prev, prev_hash, 32) != 0)
            report(&v, XA_VP_CHECKPOINT, k->seq, k->seq, NULL, r->id,
                   "checkpoint %" PRId64 " does not follow checkpoint %" PRId64
                   " (a checkpoint was replaced)",
                   r->id, r->id - 1);
        memcpy(prev_hash, r->hash, 32);
        /* the blocks it covers */
        if (k->block_first != covered_block + 1 && k->block_last >= k->block_first)
            report(&v, XA_VP_CHECKPOINT, k->seq, k->seq, NULL, r->id,
                   "checkpoint %" PRId64 " covers blocks %" PRId64 "..%" PRId64
                   ", expected to start at %" PRId64,
                   r->id, k->block_first, k->block_last, covered_block + 1);
        if (k->block_last >= k->block_first) {
            bool ok = k->block_first >= 1 && k->block_last <= (int64_t)nb &&
                      b[k->block_last - 1].id == k->block_last &&
                      b[k->block_first - 1].id == k->block_first;
            unsigned char root[32];
            if (ok && blocks_root(b + k->block_first - 1,
                                  (size_t)(k->block_last - k->block_first + 1), root)) {
                rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
                goto out;
            }
            if (!ok || memcmp(root, k->blocks_root, 32) != 0 ||
                k->seq != b[k->block_last - 1].last ||
                memcmp(k->chain, b[k->block_last - 1].chain, 32) != 0) {
                int64_t f = ok ? b[k->block_first - 1].first : 0,
                        l = ok ? b[k->block_last - 1].last : k->seq;
                report(&v, XA_VP_CHECKPOINT, f, l, NULL, r->id,
                       "checkpoint %" PRId64 " does not match the chain of records seq %" PRId64
                       "..%" PRId64 " (blocks %" PRId64 "..%" PRId64 " rewritten or the "
                       "checkpoint altered)",
                       r->id, f, l, k->block_first, k->block_last);
            }
            covered_block = k->block_last;
        }
        if (k->kind == XA_INT_CK_PURGE) {
            sum->purges++;
            bool ok = r->sig_ok || !r->has_sig;
            const struct blk *cutb = NULL;
            for (size_t j = 0; j < nb; j++)
                if (b[j].last == k->purge_to)
                    cutb = &b[j];
            if (!cutb || memcmp(cutb->chain, k->purge_chain, 32) != 0) {
                report(&v, XA_VP_CHECKPOINT, k->purge_from, k->purge_to, NULL, r->id,
                       "purge record %" PRId64 " (seq %" PRId64 "..%" PRId64
                       ") does not match the chain at its cut",
                       r->id, k->purge_from, k->purge_to);
                ok = false;
            }
            if (ok && k->purge_to > cut)
                cut = k->purge_to;
        }
    }
    if (unsigned_n)
        report(&v, XA_VP_WARNING, 0, 0, NULL, 0,
               "%" PRId64 " of %zu checkpoints are unsigned (no private key was configured "
               "when they were written): they do not prove that the archive was not rewritten",
               unsigned_n, nck);
    sum->purged_to = cut;
    /* 3. records, block by block */
    src = sqlite3_prepare_v2(c->db,
                             "SELECT " ROW_COLS " FROM events WHERE seq BETWEEN ? AND ? ORDER BY seq",
                             -1, &st, NULL);
    int src2 = sqlite3_prepare_v2(c->db, "SELECT hashes FROM integ_blocks WHERE id=?", -1, &rs,
                                  NULL);
    if (src != SQLITE_OK || src2 != SQLITE_OK) {
        rc = xa_sq_dberr(c, d, src != SQLITE_OK ? src : src2, "prepare verify");
        goto out;
    }
    hs = malloc(BLOCK_MAX * 32);
    if (!hs) {
        rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
        goto out;
    }
    size_t hs_cap = BLOCK_MAX;
    unsigned char chain[32] = {0};
    int64_t since = o ? o->since : XA_TIME_NONE;
    for (size_t i = 0; i < nb && !v.rep.cbrc; i++) {
        const struct blk *k = &b[i];
        size_t n = (size_t)(k->last - k->first + 1);
        if (k->last < k->first)
            continue;
        sqlite3_reset(rs);
        sqlite3_bind_int64(rs, 1, k->id);
        bool ok = sqlite3_step(rs) == SQLITE_ROW &&
                  (size_t)sqlite3_column_bytes(rs, 0) == n * 32;
        if (ok && n > hs_cap) {
            unsigned char(*nh)[32] = realloc(hs, n * 32);
            if (!nh) {
                rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
                goto out;
            }
            hs = nh;
            hs_cap = n;
        }
        if (ok)
            memcpy(hs, sqlite3_column_blob(rs, 0), n * 32);
        if (!ok) {
            report(&v, XA_VP_BLOCK, k->first, k->last, NULL, 0,
                   "integrity block %" PRId64 " (seq %" PRId64 "..%" PRId64 ") is malformed",
                   k->id, k->first, k->last);
            continue;
        }
        /* chain and Merkle root from the stored hashes */
        if (i > 0 && b[i - 1].last + 1 == k->first)
            memcpy(chain, b[i - 1].chain, 32);
        else if (i > 0)
            memcpy(chain, b[i - 1].chain, 32);
        for (size_t j = 0; j < n; j++)
            xa_int_chain_step(chain, k->first + (int64_t)j, hs[j], chain);
        unsigned char root[32];
        if (xa_int_merkle_root((const unsigned char(*)[32])hs, n, root)) {
            rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
            goto out;
        }
        if (memcmp(chain, k->chain, 32) != 0 || memcmp(root, k->root, 32) != 0)
            report(&v, XA_VP_BLOCK, k->first, k->last, NULL, 0,
                   "integrity block %" PRId64 " (seq %" PRId64 "..%" PRId64
                   "): the stored record hashes do not match the block's %s",
                   k->id, k->first, k->last,
                   memcmp(root, k->root, 32) ? "Merkle root" : "chain hash");
        if (k->last <= cut)
            continue; /* purged by a signed purge record */
        if (since != XA_TIME_NONE && k->at < since && i + 1 < nb)
            continue;
        if (!sum->first_seq)
            sum->first_seq = k->first;
        if ((rc = verify_records(&v, st, k, (const unsigned char(*)[32])hs, i + 1 == nb, d)))
            goto out;
        sum->last_seq = k->last;
    }
    flush_missing(&v, nb ? b[nb - 1].last : 0, true);
    report_alts(&v);
    /* 4. records outside the chain */
    int64_t head = nb ? b[nb - 1].last : 0;
    sqlite3_finalize(st);
    st = NULL;
    src = sqlite3_prepare_v2(c->db,
                             "SELECT seq, rid FROM events WHERE seq > ? OR seq <= ? ORDER BY seq",
                             -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, head);
        sqlite3_bind_int64(st, 2, cut);
        int64_t from = 0, to = 0;
        char rid[80] = "";
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t seq = sqlite3_column_int64(st, 0);
            if (from && seq == to + 1) {
                to = seq;
                continue;
            }
            if (from)
                report(&v, XA_VP_INSERTED, from, to, rid, 0,
                       "inserted: records seq %" PRId64 "..%" PRId64 " (first: %s) are not part "
                       "of the chain%s",
                       from, to, rid, from <= cut ? " (inside the purged range)" : "");
            from = to = seq;
            rid_of(st, 1, rid);
        }
        if (from)
            report(&v, XA_VP_INSERTED, from, to, rid, 0,
                   "inserted: records seq %" PRId64 "..%" PRId64 " (first: %s) are not part of "
                   "the chain%s",
                   from, to, rid, from <= cut ? " (inside the purged range)" : "");
        src = src == SQLITE_DONE ? SQLITE_OK : src;
    }
    if (src != SQLITE_OK) {
        rc = xa_sq_dberr(c, d, src, "read records");
        goto out;
    }
    /* 5. coverage by checkpoints */
    if (covered_block < (int64_t)nb) {
        int64_t f = covered_block < (int64_t)nb ? b[covered_block].first : 0;
        report(&v, XA_VP_UNCOVERED, f, head, NULL, nck ? cks[nck - 1].id + 1 : 1,
               "records seq %" PRId64 "..%" PRId64 " are not covered by any checkpoint "
               "(checkpoint removed, or records appended without exoaudit)",
               f, head);
    }
    if (o && o->checkpoint_file)
        verify_external(&v, o->checkpoint_file, cks, nck);
    rc = v.rep.cbrc;
out:
    sqlite3_finalize(st);
    sqlite3_finalize(rs);
    for (size_t i = 0; i < nck; i++)
        free(cks[i].msg);
    free(cks);
    free(b);
    free(hs);
    free(v.alts);
    xa_int_key_free(key);
    return rc;
}

/* ---- purge ------------------------------------------------------------------------ */

xa_rc xa_sqi_purge(void *ctx, const struct xa_purge_opts *o, struct xa_purge_result *res,
                   struct xa_diag *d)
{
    struct ctx *c = ctx;
    struct xa_sqi *s = c->integ;
    memset(res, 0, sizeof(*res));
    if (c->readonly || c->in_txn)
        return xa_diag_set(d, XA_ERR_USAGE, "%s: purge needs the archive open for writing and "
                                            "no transaction", c->path);
    if (!s->enabled)
        return xa_diag_set(d, XA_ERR_USAGE, "purge needs integrity.enabled (the purge record "
                                            "is what keeps verification valid across the cut)");
    xa_rc rc = xa_sqi_checkpoint(c, d); /* chain everything first */
    if (rc)
        return rc;
    if ((rc = xa_sq_exec(c, "BEGIN IMMEDIATE", d)))
        return rc;
    struct blk *b = NULL;
    size_t nb = 0;
    sqlite3_stmt *st = NULL;
    int64_t cut = 0;
    if ((rc = load_state(c, d)) || (rc = read_blocks(c, 1, INT64_MAX, &b, &nb, d)))
        goto out;
    rc = xa_sq_query_int(c, "SELECT coalesce(min(seq), 0) - 1 FROM events", 0, &cut, d);
    if (rc)
        goto out;
    int src = sqlite3_prepare_v2(c->db, "SELECT flags, at FROM events WHERE seq BETWEEN ? AND ?",
                                 -1, &st, NULL);
    if (src != SQLITE_OK) {
        rc = xa_sq_dberr(c, d, src, "purge");
        goto out;
    }
    size_t k = 0;
    for (; k + 1 < nb; k++) { /* never the newest block: seq must not be reused */
        if (b[k].last <= cut)
            continue;
        if (b[k].first <= cut) /* a partly purged block cannot happen */
            break;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, b[k].first);
        sqlite3_bind_int64(st, 2, b[k].last);
        bool all = true;
        int64_t rows = 0;
        while (all && (src = sqlite3_step(st)) == SQLITE_ROW) {
            rows++;
            unsigned cat = (unsigned)(sqlite3_column_int64(st, 0) >> XA_SQLC_CAT_SHIFT) &
                           XA_SQLC_CAT_MASK;
            int64_t cutoff = cat < XA_CAT__COUNT ? o->cutoff[cat] : XA_TIME_NONE;
            all = cutoff != XA_TIME_NONE && sqlite3_column_int64(st, 1) < cutoff;
        }
        if (!all)
            break;
        if (!res->from_seq)
            res->from_seq = b[k].first;
        res->to_seq = b[k].last;
        res->blocks++;
        res->records += rows;
    }
    if (!res->blocks || o->dry_run)
        goto out;
    sqlite3_finalize(st);
    st = NULL;
    s->purging = true;
    src = sqlite3_prepare_v2(c->db, "DELETE FROM events WHERE seq BETWEEN ? AND ?", -1, &st,
                             NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, res->from_seq);
        sqlite3_bind_int64(st, 2, res->to_seq);
        src = sqlite3_step(st);
        src = src == SQLITE_DONE ? SQLITE_OK : src;
        res->records = sqlite3_changes(c->db);
    }
    s->purging = false;
    if (src != SQLITE_OK) {
        rc = xa_sq_dberr(c, d, src, "purge");
        goto out;
    }
    struct xa_int_ck pk;
    memset(&pk, 0, sizeof(pk));
    pk.purge_from = res->from_seq;
    pk.purge_to = res->to_seq;
    pk.purge_count = res->records;
    for (size_t j = 0; j < nb; j++)
        if (b[j].last == res->to_seq)
            memcpy(pk.purge_chain, b[j].chain, 32);
    if (!(rc = write_ck(c, &pk, d)))
        rc = xa_sq_exec(c, "COMMIT", d);
out:
    sqlite3_finalize(st);
    free(b);
    if (rc || !res->blocks || o->dry_run) {
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        xa_sqi_forget(c);
    } else {
        xa_sqi_after_commit(c);
    }
    return rc;
}

/* ---- evidence ---------------------------------------------------------------------- */

static xa_rc load_ev_block(struct ctx *c, int64_t seq, struct xa_diag *d)
{
    struct xa_sqi *s = c->integ;
    if (s->ev_block && seq >= s->ev_first && seq <= s->ev_last)
        return XA_OK;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(c->db,
                                 "SELECT id, first_seq, last_seq, root, chain, hashes FROM "
                                 "integ_blocks WHERE first_seq <= ?1 AND last_seq >= ?1",
                                 -1, &st, NULL);
    xa_rc rc = XA_OK;
    s->ev_block = 0;
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, seq);
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            int64_t f = sqlite3_column_int64(st, 1), l = sqlite3_column_int64(st, 2);
            size_t n = (size_t)(l - f + 1);
            if (l < f || (size_t)sqlite3_column_bytes(st, 5) != n * 32 ||
                sqlite3_column_bytes(st, 3) != 32 || sqlite3_column_bytes(st, 4) != 32) {
                rc = xa_diag_set(d, XA_ERR_DB, "%s: integrity block of seq %" PRId64
                                 " is malformed (run exoaudit verify)", c->path, seq);
            } else {
                unsigned char(*h)[32] = realloc(s->ev_hashes, n * 32);
                if (!h) {
                    rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
                } else {
                    s->ev_hashes = h;
                    memcpy(h, sqlite3_column_blob(st, 5), n * 32);
                    s->ev_n = n;
                    s->ev_block = sqlite3_column_int64(st, 0);
                    s->ev_first = f;
                    s->ev_last = l;
                    memcpy(s->ev_root, sqlite3_column_blob(st, 3), 32);
                    memcpy(s->ev_chain, sqlite3_column_blob(st, 4), 32);
                }
            }
        } else if (src == SQLITE_DONE) {
            rc = xa_diag_set(d, XA_ERR_NOTFOUND, "record seq %" PRId64 " is not in the "
                             "integrity chain", seq);
        } else {
            rc = xa_sq_dberr(c, d, src, "read integrity block");
        }
    } else {
        rc = xa_sq_dberr(c, d, src, "read integrity block");
    }
    sqlite3_finalize(st);
    return rc;
}

xa_rc xa_sqi_evidence(void *ctx, int64_t seq, struct xa_evidence *out, struct xa_diag *d)
{
    struct ctx *c = ctx;
    struct xa_sqi *s = c->integ;
    memset(out, 0, sizeof(*out));
    xa_rc rc = load_ev_block(c, seq, d);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(c->db, "SELECT " ROW_COLS ", dups FROM events WHERE seq=?", -1,
                                 &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, seq);
        src = sqlite3_step(st);
    }
    if (src == SQLITE_ROW) {
        rc = row_content(c, st, out->content, &s->ev_canon, d);
        int64_t dups = sqlite3_column_int64(st, 13);
        out->duplicates = dups < 0 ? 0 : dups > UINT32_MAX ? UINT32_MAX : (uint32_t)dups;
    } else if (src == SQLITE_DONE) {
        rc = xa_diag_set(d, XA_ERR_NOTFOUND, "no record with seq %" PRId64, seq);
    } else {
        rc = xa_sq_dberr(c, d, src, "read record");
    }
    sqlite3_finalize(st);
    if (rc)
        return rc;
    size_t idx = (size_t)(seq - s->ev_first);
    if (memcmp(out->content, s->ev_hashes[idx], 32) != 0)
        return xa_diag_set(d, XA_ERR_DB, "record seq %" PRId64 " does not match its chained hash "
                           "(run exoaudit verify)", seq);
    out->seq = seq;
    out->canon = (const unsigned char *)s->ev_canon.data;
    out->canon_len = s->ev_canon.len;
    out->block_id = s->ev_block;
    out->block_first = s->ev_first;
    out->block_last = s->ev_last;
    memcpy(out->block_root, s->ev_root, 32);
    memcpy(out->block_chain, s->ev_chain, 32);
    if (xa_int_merkle_proof((const unsigned char(*)[32])s->ev_hashes, s->ev_n, idx, out->proof,
                            &out->n_proof))
        return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    st = NULL;
    src = sqlite3_prepare_v2(c->db, "SELECT min(id) FROM integ_checkpoints WHERE block_last >= ?",
                             -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, s->ev_block);
        if ((src = sqlite3_step(st)) == SQLITE_ROW) {
            out->checkpoint_id = sqlite3_column_int64(st, 0);
            src = SQLITE_DONE;
        }
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? XA_OK : xa_sq_dberr(c, d, src, "read checkpoints");
}

xa_rc xa_sqi_checkpoint_get(void *ctx, int64_t id, xa_checkpoint_cb cb, void *ud,
                            struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(c->db, "SELECT msg, sig FROM integ_checkpoints WHERE id=?", -1,
                                 &st, NULL);
    xa_rc rc = XA_OK;
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        src = sqlite3_step(st);
    }
    if (src == SQLITE_DONE) {
        sqlite3_finalize(st);
        return xa_diag_set(d, XA_ERR_NOTFOUND, "no checkpoint %" PRId64, id);
    }
    if (src != SQLITE_ROW) {
        sqlite3_finalize(st);
        return xa_sq_dberr(c, d, src, "read checkpoint");
    }
    const char *msg = (const char *)sqlite3_column_text(st, 0);
    size_t ml = (size_t)sqlite3_column_bytes(st, 0);
    struct xa_int_ck ck;
    if (!msg || xa_int_ck_parse(msg, ml, &ck)) {
        sqlite3_finalize(st);
        return xa_diag_set(d, XA_ERR_DB, "checkpoint %" PRId64 " is malformed (run exoaudit "
                           "verify)", id);
    }
    struct blk *b = NULL;
    size_t n = 0;
    rc = read_blocks(c, ck.block_first, ck.block_last, &b, &n, d);
    int64_t *ids = NULL, *fs = NULL, *ls = NULL;
    unsigned char(*roots)[32] = NULL, (*chains)[32] = NULL;
    if (!rc && n) {
        ids = malloc(n * 8);
        fs = malloc(n * 8);
        ls = malloc(n * 8);
        roots = malloc(n * 32);
        chains = malloc(n * 32);
        if (!ids || !fs || !ls || !roots || !chains)
            rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
        for (size_t i = 0; !rc && i < n; i++) {
            ids[i] = b[i].id;
            fs[i] = b[i].first;
            ls[i] = b[i].last;
            memcpy(roots[i], b[i].root, 32);
            memcpy(chains[i], b[i].chain, 32);
        }
    }
    if (!rc) {
        struct xa_checkpoint_info ci = {
            .id = id,
            .msg = msg,
            .msg_len = ml,
            .sig = sqlite3_column_type(st, 1) == SQLITE_BLOB ? sqlite3_column_blob(st, 1) : NULL,
            .sig_len = (size_t)sqlite3_column_bytes(st, 1),
            .n_blocks = n,
            .block_ids = ids,
            .block_first = fs,
            .block_last = ls,
            .block_root = (const unsigned char(*)[32])roots,
            .block_chain = (const unsigned char(*)[32])chains,
        };
        rc = cb(ud, &ci);
    }
    free(ids);
    free(fs);
    free(ls);
    free(roots);
    free(chains);
    free(b);
    sqlite3_finalize(st);
    return rc;
}
