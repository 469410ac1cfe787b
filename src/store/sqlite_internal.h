/* sqlite_internal.h - what the SQLite backend's files share (not a public interface).
 *
 * The backend is sqlite.c (archive, search) plus feature files (sqlite_*.c) that add
 * operations to the same connection and transactions. Only files of the backend include
 * this header (and sqlite3.h). Feature files add their tables through a migration entry in
 * sqlite_schema.c (versions are never renumbered or changed once released) and their
 * per-connection state as fields of struct ctx below. */
#ifndef XA_STORE_SQLITE_INTERNAL_H
#define XA_STORE_SQLITE_INTERNAL_H

#include "core/arena.h"
#include "core/buf.h"
#include "core/rc.h"
#include "store/store.h"

#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_c_format (magic-less frames) */
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <zstd.h>

struct xa_sq_migration {
    int version;
    const char *name;
    const char *sql;
};

/* Every migration, in version order (sqlite_schema.c). */
extern const struct xa_sq_migration xa_sq_migrations[];
extern const size_t xa_sq_n_migrations;

#define APP_ID 0x78614131 /* "xaA1" */
#define SCHEMA_VERSION (xa_sq_migrations[xa_sq_n_migrations - 1].version)
#define BUSY_TIMEOUT_MS 15000
#define DICT_TRAIN_AT 2000          /* records stored without dictionary before training */
#define DICT_BYTES (96 * 1024)      /* target dictionary size */
#define ZLEVEL_DICT 3               /* zstd level with the dictionary (measured, see report) */
#define ZLEVEL_NODICT 3
#define BODY_MAX ((size_t)256 << 20) /* largest body accepted on read (corruption guard) */
#define FTS_DOC_MAX (16 * 1024)      /* text indexed per record */
#define INLIST_MAX 32                /* id lists longer than this go through json_each */
#define PEEK_MAX 2000                /* rows examined after a full page to decide on a cursor */

enum kind { K_TENANT = 1, K_OP, K_ACTOR, K_MAILBOX, K_WORKLOAD, K_IP };

struct sent {
    char *s;
    int64_t id;
    uint32_t kind, h;
};

struct scache {
    struct sent *e;
    size_t n, cap;
    int32_t *bys, *byi; /* open addressing indexes into e, -1 = empty */
    size_t hcap;        /* power of two */
};

struct ddict_ent {
    int64_t id;
    ZSTD_DDict *dd;
};

struct ctx {
    sqlite3 *db;
    int64_t data_version; /* PRAGMA data_version when this connection last wrote */
    char *path;
    bool readonly;
    bool in_txn;
    struct scache strs;
    /* prepared statements (lazily) */
    sqlite3_stmt *st_str_get, *st_str_ins, *st_str_byid, *st_ins, *st_dup, *st_fts, *st_dict;
    /* compression */
    ZSTD_CCtx *cctx;
    ZSTD_DCtx *dctx;
    ZSTD_CDict *cdict;
    int64_t cur_dict;      /* dictionary used for new records (0 = none yet) */
    /* what prepare() (other threads) may use: a snapshot of (cdict, cur_dict) published by
     * the writer under mu; dictionaries replaced by the writer are retired, not freed,
     * until close, so a preparing thread never sees a freed one */
    pthread_mutex_t mu;
    bool pub_valid;
    ZSTD_CDict *pub_cdict;
    int64_t pub_dict;
    ZSTD_CDict **retired;
    size_t n_retired;
    int64_t n_nodict;      /* records stored with dict 0 (meaningful while cur_dict == 0) */
    int64_t next_train_at; /* train when n_nodict reaches this */
    bool dict_state_ok;
    struct ddict_ent *dd;
    size_t n_dd;
    /* scratch */
    struct xa_buf body, zbuf, fts, dbuf;
    struct xa_arena arena;
    /* tamper evidence (sqlite_integrity.c) */
    struct xa_sqi *integ;
};


/* Console accounts, sessions and tokens (sqlite_web.c). */
struct xa_store_web_ops;
extern const struct xa_store_web_ops xa_sq_web_ops;

/* Forwarding cursors and spool (sqlite_out.c). */
struct xa_store_fwd_ops;
extern const struct xa_store_fwd_ops xa_sq_fwd_ops;

/* Alerts, consumer cursors and detection state (sqlite_alerts.c). */
struct xa_store_alert_ops;
extern const struct xa_store_alert_ops xa_sq_alert_ops;

/* SQLite error -> xa_rc with a message naming the archive and what was being done. */
xa_rc xa_sq_dberr(struct ctx *c, struct xa_diag *d, int rc, const char *what);
/* Run SQL without results. */
xa_rc xa_sq_exec(struct ctx *c, const char *sql, struct xa_diag *d);
/* Prepare *st once (persistent) unless already prepared. */
xa_rc xa_sq_prep(struct ctx *c, sqlite3_stmt **st, const char *sql, struct xa_diag *d);
/* XA_OK, or the error for writing to an archive opened read-only. */
xa_rc xa_sq_writable(struct ctx *c, struct xa_diag *d);
/* Bind s (copied) at i, or NULL when s is NULL. */
void xa_sq_bind_text(sqlite3_stmt *st, int i, const char *s);
/* Run a statement returning one integer (def when no row or NULL). */
xa_rc xa_sq_query_int(struct ctx *c, const char *sql, int64_t def, int64_t *out,
                      struct xa_diag *d);

/* Read a string by id (cached; the pointer is valid until the cache is next changed). */
xa_rc xa_sq_str_by_id(struct ctx *c, int64_t id, const char **out, struct xa_diag *d);
/* Decompress a stored body into c->dbuf (NUL-terminated). */
xa_rc xa_sq_body_decompress(struct ctx *c, int64_t dict, const void *blob, size_t n,
                            struct xa_diag *d);

/* ---- integrity (sqlite_integrity.c, docs/INTEGRITY.md) ---------------------------- */
struct xa_sqi;
/* prepare() puts the record's content hash in front of the compressed body */
#define XA_SQI_PREP_PREFIX 32
xa_rc xa_sqi_open(struct ctx *c, const struct xa_integrity_cfg *cfg, struct xa_diag *d);
void xa_sqi_close(struct ctx *c); /* writes a final checkpoint when records are uncovered */
/* Content hash of ev with its encoded body (thread-safe: used by prepare()). */
void xa_sqi_prepare(struct ctx *c, const struct xa_event *ev, const void *body, size_t len,
                    unsigned char out[32]);
/* Chain a stored record; chash NULL: hash ev with the body encoded in c->body. */
xa_rc xa_sqi_put(struct ctx *c, const struct xa_event *ev, int64_t seq,
                 const unsigned char *chash, struct xa_diag *d);
xa_rc xa_sqi_before_commit(struct ctx *c, struct xa_diag *d); /* block + due checkpoint */
void xa_sqi_after_commit(struct ctx *c);
void xa_sqi_forget(struct ctx *c); /* the transaction was rolled back */
/* Another connection committed since this one last wrote: re-read the chain head. Call
 * inside the write transaction, before any put(). */
xa_rc xa_sqi_reload(struct ctx *c, struct xa_diag *d);
xa_rc xa_sqi_verify(void *ctx, const struct xa_verify_opts *o, xa_verify_cb cb, void *ud,
                    struct xa_verify_summary *sum, struct xa_diag *d);
xa_rc xa_sqi_purge(void *ctx, const struct xa_purge_opts *o, struct xa_purge_result *res,
                   struct xa_diag *d);
xa_rc xa_sqi_evidence(void *ctx, int64_t seq, struct xa_evidence *out, struct xa_diag *d);
xa_rc xa_sqi_checkpoint_get(void *ctx, int64_t id, xa_checkpoint_cb cb, void *ud,
                            struct xa_diag *d);
xa_rc xa_sqi_checkpoint(void *ctx, struct xa_diag *d);
xa_rc xa_sqi_adopt(void *ctx, struct xa_diag *d);

#endif
