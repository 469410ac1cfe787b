/* store.h - the archive: a table of operations implemented by each backend
 * (SQLite now, ClickHouse later). Everything above the store talks to it only
 * through struct xa_store and the xa_store_* functions below.
 *
 * Semantics every backend must keep:
 * - Identity is (tenant_id, record_id). put() of an event already stored increments
 *   that row's duplicate counter and reports XA_PUT_DUPLICATE; it never adds a row.
 * - seq is assigned at put(), increasing in commit order, and never reused (SQLite: 1, 2,
 *   3, ...; ClickHouse: (writer stream << 40) + 1, 2, 3, ..., docs/CLICKHOUSE.md).
 * - Writes happen between begin() and commit(); nothing is visible or durable before
 *   commit() returns XA_OK. rollback() discards everything since begin().
 * - The raw record is returned byte-exact.
 * Thread safety: one struct xa_store per thread. */
#ifndef XA_STORE_STORE_H
#define XA_STORE_STORE_H

#include "core/arena.h"
#include "core/rc.h"
#include "event/event.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum xa_put_status { XA_PUT_STORED = 0, XA_PUT_DUPLICATE = 1 };

/* Integrity settings (docs/INTEGRITY.md); the store copies what it keeps. */
struct xa_integrity_cfg {
    bool disabled;                /* integrity.enabled: false -> no chain (benchmarks only) */
    const char *private_key_file; /* Ed25519 PEM; NULL or missing file: unsigned checkpoints */
    uint64_t checkpoint_records;  /* 0 = 10000 */
    uint64_t checkpoint_minutes;  /* 0 = 5 */
    const char *checkpoint_file;  /* also append each checkpoint as a text line, or NULL */
    bool checkpoint_syslog;       /* also send each checkpoint to syslog */
};

struct xa_store_cfg {
    const char *location; /* SQLite file path (or backend URL later) */
    bool readonly;
    size_t cache_mb;      /* page cache hint; 0 = backend default */
    const struct xa_integrity_cfg *integrity; /* NULL = defaults (chain on, unsigned) */
};

/* One piece of bad input kept with the reason it was refused. */
struct xa_quarantine_item {
    int64_t id;              /* assigned by the store (ignored on write) */
    int64_t at;              /* when quarantined (us) */
    const char *source_name; /* file name, "-" for stdin, URL for collector */
    long long line;          /* 1-based, 0 when unknown */
    long long offset;        /* byte offset in the (decompressed) input, -1 when unknown */
    const char *reason;
    const char *data;        /* a sample of the bad bytes (bounded by the caller) */
    size_t data_len;
};

struct xa_param_filter {
    const char *name;  /* parameter name, case-insensitive */
    const char *value; /* NULL = any value; may contain * and ? wildcards */
};

/* Search filters. Lists are ORed within a filter; filters are ANDed.
 * String filters are case-insensitive and may contain * and ? wildcards;
 * without a wildcard they match exactly (case-insensitive). */
struct xa_query {
    const char *tenant_id;          /* NULL = all tenants */
    int64_t since;                  /* inclusive; XA_TIME_NONE = unbounded */
    int64_t until;                  /* exclusive; XA_TIME_NONE = unbounded */
    const char *const *operations;  size_t n_operations;
    const char *const *actors;      size_t n_actors;
    const char *const *mailboxes;   size_t n_mailboxes;
    const char *const *objects;     size_t n_objects;  /* object, substring if no wildcard */
    const char *const *workloads;   size_t n_workloads;
    const char *const *ips;         size_t n_ips;      /* exact IP or CIDR a.b.c.d/n */
    const struct xa_param_filter *params; size_t n_params;
    const int *record_types;        size_t n_record_types;
    const int *categories;          size_t n_categories;   /* enum xa_category */
    const int *logon_types;         size_t n_logon_types;  /* enum xa_logon */
    int result;                     /* -1 any, else enum xa_result */
    int external;                   /* -1 any, 0, 1 */
    const char *text;               /* full-text words (ANDed), NULL = none */
    bool include_system;            /* false hides is_system events */
    size_t limit;                   /* 0 = no limit */
    const char *cursor;             /* from a previous page's next_cursor, or NULL */
    bool oldest_first;              /* default newest first */
};

#define XA_CURSOR_MAX 64

struct xa_store_stats {
    int64_t events;
    int64_t duplicates;  /* sum of duplicate counters */
    int64_t quarantined;
    int64_t max_seq;
    int64_t oldest;      /* occurred_at, XA_TIME_NONE when empty */
    int64_t newest;
    int64_t bytes;       /* on-disk size, -1 unknown */
};

/* Called once per result; the event and its strings are valid only during the call.
 * Returning non-XA_OK stops the iteration and is passed back to the caller. */
typedef xa_rc (*xa_event_cb)(void *ud, const struct xa_event *ev);
typedef xa_rc (*xa_quarantine_cb)(void *ud, const struct xa_quarantine_item *q);

/* ---- integrity (tamper evidence, retention, evidence export; docs/INTEGRITY.md) ---- */

enum xa_verify_kind {
    XA_VP_ALTERED = 0, /* a record's content no longer matches its chained hash */
    XA_VP_DELETED,     /* records missing inside the chain */
    XA_VP_INSERTED,    /* records that are not part of the chain */
    XA_VP_REORDERED,   /* records moved to other sequence numbers */
    XA_VP_TRUNCATED,   /* the newest records are missing */
    XA_VP_CHECKPOINT,  /* checkpoint forged, altered, missing or not matching */
    XA_VP_BLOCK,       /* chain / Merkle metadata altered */
    XA_VP_UNCOVERED,   /* records not covered by any checkpoint */
    XA_VP_WARNING      /* not a proof of tampering (e.g. unsigned checkpoints) */
};

struct xa_verify_problem {
    enum xa_verify_kind kind;
    int64_t seq_from, seq_to; /* affected records (0 when none) */
    const char *record_id;    /* of seq_from when known, else NULL */
    int64_t checkpoint;       /* checkpoint id when relevant, else 0 */
    const char *message;      /* one line, human readable */
};
typedef xa_rc (*xa_verify_cb)(void *ud, const struct xa_verify_problem *p);

struct xa_verify_opts {
    int64_t since;              /* records committed before this are checked only through the
                                 * chain metadata; XA_TIME_NONE = everything */
    const char *public_key_pem; /* trusted public key (PEM text); NULL = the archive's copy */
    const char *checkpoint_file;/* external checkpoint lines to compare with, or NULL */
};

struct xa_verify_summary {
    int64_t records, blocks, checkpoints, signed_checkpoints, purges;
    int64_t first_seq, last_seq, purged_to;
    int64_t problems, warnings;
    char key_fpr[65];           /* fingerprint of the key checkpoints were checked with */
};

struct xa_purge_opts {
    /* per category: records with occurred_at < cutoff may be removed; XA_TIME_NONE = keep */
    int64_t cutoff[XA_CAT__COUNT];
    bool dry_run;
};

struct xa_purge_result {
    int64_t from_seq, to_seq, records, blocks; /* records == 0: nothing to purge */
};

/* Everything needed to prove one record offline. Pointers valid until the next call. */
struct xa_evidence {
    int64_t seq;
    uint32_t duplicates;             /* not covered by the chain */
    const unsigned char *canon;      /* canonical bytes (integrity.h) */
    size_t canon_len;
    unsigned char content[32];
    int64_t block_id, block_first, block_last;
    unsigned char block_root[32], block_chain[32];
    size_t n_proof;
    unsigned char proof[64][32];
    int64_t checkpoint_id;           /* first checkpoint covering the block, 0 = none */
};

/* A checkpoint and the blocks it newly covers (pointers valid during the callback). */
struct xa_checkpoint_info {
    int64_t id;
    const char *msg;
    size_t msg_len;
    const unsigned char *sig; /* NULL when unsigned */
    size_t sig_len;
    size_t n_blocks;
    const int64_t *block_ids, *block_first, *block_last;
    const unsigned char (*block_root)[32], (*block_chain)[32];
};
typedef xa_rc (*xa_checkpoint_cb)(void *ud, const struct xa_checkpoint_info *ck);

/* ---- console accounts, sessions and API tokens (src/web; docs/CONSOLE.md) ---- */

enum xa_web_role { XA_ROLE_VIEWER = 0, XA_ROLE_AUDITOR = 1, XA_ROLE_ADMIN = 2 };

struct xa_web_user {
    const char *name;
    int role;                /* enum xa_web_role */
    const char *pw_hash;     /* "scrypt$N$r$p$salt_b64$hash_b64" (auth.c) */
    int64_t created_at;
};

struct xa_web_session {
    const char *id_hash;     /* hex SHA-256 of the cookie value (the cookie is never stored) */
    const char *user;
    const char *csrf;        /* synchronizer token sent back in X-CSRF-Token */
    int64_t created_at, expires_at;
};

struct xa_web_token {
    const char *id;          /* short public id, shown in listings */
    const char *hash;        /* hex SHA-256 of the secret */
    const char *user;
    const char *label;
    int64_t created_at, expires_at; /* expires_at 0 = never */
};

/* Pointers passed to callbacks are valid during the call only. Writes commit at once
 * (outside begin/commit). user_put fails with XA_ERR_INVALID when the name exists;
 * *_get and *_delete give XA_ERR_NOTFOUND when absent. Deleting a user deletes its
 * sessions and tokens. */
struct xa_store_web_ops {
    xa_rc (*user_put)(void *ctx, const struct xa_web_user *u, struct xa_diag *diag);
    xa_rc (*user_get)(void *ctx, const char *name, xa_rc (*cb)(void *ud, const struct xa_web_user *u),
                      void *ud, struct xa_diag *diag);
    xa_rc (*user_list)(void *ctx, xa_rc (*cb)(void *ud, const struct xa_web_user *u), void *ud,
                       struct xa_diag *diag);
    xa_rc (*user_delete)(void *ctx, const char *name, struct xa_diag *diag);
    xa_rc (*session_put)(void *ctx, const struct xa_web_session *s, struct xa_diag *diag);
    xa_rc (*session_get)(void *ctx, const char *id_hash,
                         xa_rc (*cb)(void *ud, const struct xa_web_session *s), void *ud,
                         struct xa_diag *diag);
    /* Remove one session (id_hash) or, with id_hash NULL, every session expired at now. */
    xa_rc (*session_delete)(void *ctx, const char *id_hash, int64_t now, struct xa_diag *diag);
    xa_rc (*token_put)(void *ctx, const struct xa_web_token *t, struct xa_diag *diag);
    /* By hash (authentication) or, when hash is NULL, by public id. */
    xa_rc (*token_get)(void *ctx, const char *hash, const char *id,
                       xa_rc (*cb)(void *ud, const struct xa_web_token *t), void *ud,
                       struct xa_diag *diag);
    xa_rc (*token_list)(void *ctx, xa_rc (*cb)(void *ud, const struct xa_web_token *t), void *ud,
                        struct xa_diag *diag);
    xa_rc (*token_delete)(void *ctx, const char *id, struct xa_diag *diag);
};

/* ---- forwarding: per-destination cursors and disk spool (src/out; docs/FORWARDING.md) ---- */

enum xa_fwd_stream { XA_FWD_EVENTS = 0, XA_FWD_ALERTS = 1 };

/* One destination's cursors and delivery counters. */
struct xa_fwd_state {
    const char *dest;         /* destination name */
    int64_t event_seq;        /* events with seq <= this are spooled (or were filtered out) */
    int64_t alert_pos;        /* alerts with id <= this are spooled (sent once, when new) */
    int64_t alert_rev;        /* alert changes up to this change number were looked at */
    int64_t sent;             /* messages the peer confirmed, in total */
    int64_t failures;         /* consecutive failed attempts (0 after a success) */
    int64_t last_ok_at, last_fail_at, next_try_at; /* us since the epoch, 0 = never */
    const char *last_error;   /* NULL when none */
    /* read-only (computed from the spool; ignored by state_put) */
    int64_t spooled, spool_bytes;
    int64_t spool_oldest_at;  /* when the oldest waiting message was spooled, 0 = none */
};

/* One formatted message waiting for delivery. */
struct xa_fwd_msg {
    int64_t id;               /* spool id, increasing, never reused (ignored by spool_add) */
    enum xa_fwd_stream stream;
    int64_t pos;              /* the event's seq or the alert's id */
    const char *key;          /* stable message id (record id, alert id), may be NULL */
    const void *data;         /* the formatted payload */
    size_t len;
    int64_t spooled_at;
};
typedef xa_rc (*xa_fwd_state_cb)(void *ud, const struct xa_fwd_state *s);
typedef xa_rc (*xa_fwd_msg_cb)(void *ud, const struct xa_fwd_msg *m);

/* Pointers passed to callbacks are valid during the call only. Writes join the open
 * transaction (begin/commit) or commit at once outside one; the forwarder spools a batch
 * and moves the cursor in one transaction, and removes delivered messages and counts them
 * in another. */
struct xa_store_fwd_ops {
    /* The state of dest through cb; a destination never stored gives zeros. */
    xa_rc (*state_get)(void *ctx, const char *dest, xa_fwd_state_cb cb, void *ud,
                       struct xa_diag *diag);
    /* Every stored destination, by name. */
    xa_rc (*state_list)(void *ctx, xa_fwd_state_cb cb, void *ud, struct xa_diag *diag);
    /* Insert or replace dest's state (not the read-only fields). */
    xa_rc (*state_put)(void *ctx, const struct xa_fwd_state *s, struct xa_diag *diag);
    xa_rc (*spool_add)(void *ctx, const char *dest, const struct xa_fwd_msg *m,
                       struct xa_diag *diag);
    /* dest's oldest spooled messages in id order, at most limit (0 = all). */
    xa_rc (*spool_read)(void *ctx, const char *dest, size_t limit, xa_fwd_msg_cb cb, void *ud,
                        struct xa_diag *diag);
    /* Remove dest's spooled messages with id <= upto_id (they were delivered). */
    xa_rc (*spool_remove)(void *ctx, const char *dest, int64_t upto_id, struct xa_diag *diag);
    /* Remove dest's state and spool (a destination removed from the configuration). */
    xa_rc (*forget)(void *ctx, const char *dest, struct xa_diag *diag);
};

/* ---- collector state (Management Activity API) ---------------------------------------
 * Durable state of the live collector, written in the SAME transaction as the records it
 * belongs to (begin .. commit), so that a crash can neither lose nor repeat a blob:
 * - the blob ledger: one row per content blob whose records are stored;
 * - the stream state: per (tenant, content type) the end of the last fully processed
 *   listing window and the counters shown by 'exoaudit status';
 * - the gap ledger: windows or blobs that could not be collected (yet), with a deadline
 *   (contentExpiration) after which they are lost to the API. */

struct xa_blob_entry {
    const char *tenant_id;
    const char *content_type;
    const char *content_id;
    int64_t created;     /* contentCreated (us) */
    int64_t expiration;  /* contentExpiration (us) */
    int64_t records;     /* records in the blob (stored + duplicates + quarantined) */
    int64_t stored_at;   /* us */
};

struct xa_stream_state {
    const char *tenant_id;
    const char *content_type;
    int64_t listed_until;   /* end of the last fully processed window; XA_TIME_NONE = never */
    int64_t window_start;   /* that window's start; XA_TIME_NONE = never */
    int64_t server_now;     /* the API's clock at the last listing (us); XA_TIME_NONE */
    int64_t blobs_listed, blobs_fetched, blobs_failed, blobs_expired;
    int64_t records, duplicates;
    const char *last_error; /* NULL = none */
    int64_t last_error_at;  /* us, XA_TIME_NONE */
    int64_t updated_at;
};

enum xa_gap_status { XA_GAP_OPEN = 0, XA_GAP_CLOSED, XA_GAP_EXPIRED };

struct xa_gap {
    int64_t id;              /* assigned by the store (ignored on write) */
    const char *tenant_id;
    const char *content_type;
    const char *content_id;  /* blob gap; NULL or "" for a window gap */
    const char *content_uri; /* blob gap: where to fetch it; may be NULL */
    int64_t start, end;      /* window gap: [start, end); blob gap: contentCreated twice */
    const char *reason;
    int64_t deadline;        /* contentExpiration (us): after it the data is lost to the API */
    int64_t tries;
    enum xa_gap_status status;
    int64_t created_at, updated_at;
};

typedef xa_rc (*xa_stream_state_cb)(void *ud, const struct xa_stream_state *s);
typedef xa_rc (*xa_gap_cb)(void *ud, const struct xa_gap *g);

struct xa_store_ops {
    const char *name;
    xa_rc (*open)(const struct xa_store_cfg *cfg, void **ctx, struct xa_diag *diag);
    void (*close)(void *ctx);
    xa_rc (*begin)(void *ctx, struct xa_diag *diag);
    xa_rc (*commit)(void *ctx, struct xa_diag *diag);
    void (*rollback)(void *ctx);
    xa_rc (*put)(void *ctx, const struct xa_event *ev, enum xa_put_status *status,
                 struct xa_diag *diag);
    /* Optional (may be NULL): do the CPU-heavy part of put() ahead of time - encoding,
     * compression, full-text document - storing the result in ev->prepared* (memory from
     * a). Thread-safe: may run on a producer thread concurrently with put() and the other
     * operations of the same ctx. put() falls back to doing the work itself when the
     * prepared form no longer fits the store's state. */
    xa_rc (*prepare)(void *ctx, struct xa_event *ev, struct xa_arena *a, struct xa_diag *diag);
    xa_rc (*quarantine)(void *ctx, const struct xa_quarantine_item *q, struct xa_diag *diag);
    /* Results in (occurred_at, seq) order, newest first unless q->oldest_first. When
     * q->limit results were produced and more may follow, next_cursor receives a token
     * for the next page, else it is set to "". next_cursor may be NULL. */
    xa_rc (*search)(void *ctx, const struct xa_query *q, xa_event_cb cb, void *ud,
                    char next_cursor[XA_CURSOR_MAX], struct xa_diag *diag);
    /* Every event whose record_id equals id (any tenant), or whose seq equals id when
     * id is a decimal number. XA_ERR_NOTFOUND when none. */
    xa_rc (*get)(void *ctx, const char *id, xa_event_cb cb, void *ud, struct xa_diag *diag);
    /* Events with seq > after_seq in seq order, at most limit (0 = all). */
    xa_rc (*scan)(void *ctx, int64_t after_seq, size_t limit, xa_event_cb cb, void *ud,
                  struct xa_diag *diag);
    /* Quarantined items, newest first, at most limit (0 = all). */
    xa_rc (*quarantine_list)(void *ctx, size_t limit, xa_quarantine_cb cb, void *ud,
                             struct xa_diag *diag);
    xa_rc (*stats)(void *ctx, struct xa_store_stats *st, struct xa_diag *diag);
    /* Integrity (optional, NULL when the backend has none). verify() checks the chain,
     * Merkle roots and checkpoint signatures and reports every problem through cb (in
     * order of discovery); it returns XA_OK even when problems were found (see sum). */
    xa_rc (*verify)(void *ctx, const struct xa_verify_opts *o, xa_verify_cb cb, void *ud,
                    struct xa_verify_summary *sum, struct xa_diag *diag);
    /* Remove the oldest whole blocks of the chain whose every record is past its category's
     * cutoff, and write a signed purge record. Must be called outside a transaction. */
    xa_rc (*purge)(void *ctx, const struct xa_purge_opts *o, struct xa_purge_result *res,
                   struct xa_diag *diag);
    /* Evidence for the record with this seq (XA_ERR_NOTFOUND when not in the chain). */
    xa_rc (*evidence)(void *ctx, int64_t seq, struct xa_evidence *out, struct xa_diag *diag);
    /* The checkpoint with this id and the blocks it covers. */
    xa_rc (*checkpoint_get)(void *ctx, int64_t id, xa_checkpoint_cb cb, void *ud,
                            struct xa_diag *diag);
    /* Write a checkpoint now when records are not yet covered (outside a transaction). */
    xa_rc (*checkpoint)(void *ctx, struct xa_diag *diag);
    /* Chain the records stored without integrity (integrity.enabled was false, or the
     * archive predates integrity) and checkpoint them. Only on an explicit request
     * (exoaudit init): put() refuses to chain over unchained rows, which could also be
     * rows inserted behind exoaudit's back. */
    xa_rc (*adopt)(void *ctx, struct xa_diag *diag);
    /* Console accounts, sessions, API tokens (NULL when the backend has none). */
    const struct xa_store_web_ops *web;
    /* Forwarding cursors and spool (NULL when the backend has none). */
    const struct xa_store_fwd_ops *fwd;
    /* Alerts, consumer cursors and detection state (NULL when the backend has none). */
    const struct xa_store_alert_ops *alerts;
    /* ---- collector state (see above). Writes only between begin() and commit(). ---- */
    /* *known = whether (tenant, content type, content id) is in the blob ledger. */
    xa_rc (*blob_known)(void *ctx, const char *tenant_id, const char *content_type,
                        const char *content_id, bool *known, struct xa_diag *diag);
    /* Add a blob to the ledger (XA_ERR_INVALID when already there). */
    xa_rc (*blob_put)(void *ctx, const struct xa_blob_entry *b, struct xa_diag *diag);
    /* Insert or replace the state of (s->tenant_id, s->content_type). */
    xa_rc (*stream_put)(void *ctx, const struct xa_stream_state *s, struct xa_diag *diag);
    /* States ordered by tenant, content type; tenant_id NULL = all. */
    xa_rc (*stream_list)(void *ctx, const char *tenant_id, xa_stream_state_cb cb, void *ud,
                         struct xa_diag *diag);
    /* Insert or update the gap identified by (tenant, content type, content id) for a blob
     * gap or (tenant, content type, start, end) for a window gap. */
    xa_rc (*gap_put)(void *ctx, const struct xa_gap *g, struct xa_diag *diag);
    /* Gaps ordered by deadline; tenant_id NULL = all; open_only: status open only. */
    xa_rc (*gap_list)(void *ctx, const char *tenant_id, bool open_only, xa_gap_cb cb, void *ud,
                      struct xa_diag *diag);
};

/* ---- alerts, consumer cursors, detection state (src/rules; docs/RULES.md) ---- */

enum xa_alert_status { XA_ALERT_OPEN = 0, XA_ALERT_ACK = 1, XA_ALERT_CLOSED = 2 };

struct xa_alert_comment {
    int64_t at;        /* wall clock (us) */
    const char *who;
    const char *text;
};

/* One alert: a rule's matches for one group key, merged while the alert is not closed and
 * the next match falls within the rule's dedup window. Strings are borrowed (write) or
 * valid during the callback (read). */
struct xa_alert {
    int64_t id;              /* assigned by the store, stable, never reused */
    const char *uid;         /* stable global id (hex) for forwarders: rule + group + first seq */
    const char *rule_id, *rule_title, *rule_author, *rule_license, *rule_origin;
    int severity;            /* 0 informational .. 4 critical */
    const char *tags;        /* comma-separated (attack.t1114.003, ...) */
    const char *group_key;   /* values of the rule's group-by fields, "|"-joined */
    const char *tenant_id;
    const char *summary;     /* one line: who did what to which mailbox */
    int64_t first_at, last_at;     /* event times (us) of the first and last match */
    int64_t created_at, updated_at; /* wall clock (us) */
    int64_t rev;             /* change number: grows with every insert or update (cursor) */
    int status;              /* enum xa_alert_status */
    int64_t count;           /* matched events (seqs holds at most XA_ALERT_MAX_SEQS) */
    const int64_t *seqs;     /* archive seq numbers of the triggering events, ascending */
    size_t n_seqs;
    const struct xa_alert_comment *comments;
    size_t n_comments;
};

#define XA_ALERT_MAX_SEQS 1000

struct xa_alert_query {
    int64_t id;              /* 0 = any */
    int status;              /* -1 = any */
    const char *rule;        /* rule id, NULL = any */
    int min_severity;        /* 0 = all */
    int64_t since, until;    /* last_at window; XA_TIME_NONE = unbounded */
    int64_t after_rev;       /* only alerts changed after this change number (0 = all) */
    size_t limit;            /* 0 = no limit */
    bool oldest_first;       /* by rev ascending; default newest first */
};

typedef xa_rc (*xa_alert_cb)(void *ud, const struct xa_alert *a);
typedef xa_rc (*xa_state_cb)(void *ud, const char *key, const void *data, size_t len);

struct xa_store_alert_ops {
    /* Insert a new alert, or merge it (seqs appended, count added, last_at and rev moved)
     * into the not-closed alert of the same rule_id and group_key whose last_at is within
     * merge_window (us) of a->first_at; merge_window < 0 never merges. *id gets the
     * alert id, *merged whether it was merged. Inside a transaction (begin/commit). */
    xa_rc (*put)(void *ctx, const struct xa_alert *a, int64_t merge_window, int64_t *id,
                 bool *merged, struct xa_diag *diag);
    /* Alerts matching q (with seqs and comments), newest change first. */
    xa_rc (*list)(void *ctx, const struct xa_alert_query *q, xa_alert_cb cb, void *ud,
                  struct xa_diag *diag);
    /* Set the status (status < 0 keeps it) and/or add a comment (NULL: none); moves rev.
     * XA_ERR_NOTFOUND for an unknown id. Runs its own transaction when none is open. */
    xa_rc (*update)(void *ctx, int64_t id, int status, const char *who, const char *comment,
                    struct xa_diag *diag);
    /* A consumer's cursor (last seq it has processed); 0 when never set. */
    xa_rc (*cursor_get)(void *ctx, const char *name, int64_t *seq, struct xa_diag *diag);
    xa_rc (*cursor_set)(void *ctx, const char *name, int64_t seq, struct xa_diag *diag);
    /* Persisted state blobs of one owner (e.g. correlation windows): load all, put one
     * (len 0 deletes), clear all. */
    xa_rc (*state_load)(void *ctx, const char *owner, xa_state_cb cb, void *ud,
                        struct xa_diag *diag);
    xa_rc (*state_put)(void *ctx, const char *owner, const char *key, const void *data,
                       size_t len, struct xa_diag *diag);
    xa_rc (*state_clear)(void *ctx, const char *owner, struct xa_diag *diag);
};

struct xa_store {
    const struct xa_store_ops *ops;
    void *ctx;
};

extern const struct xa_store_ops xa_store_sqlite_ops;
extern const struct xa_store_ops xa_store_clickhouse_ops;

/* True when location names a ClickHouse archive ("clickhouse://" or "clickhouses://",
 * docs/CLICKHOUSE.md); anything else is a SQLite file path. */
bool xa_store_is_clickhouse(const char *location);
/* The local state file of a ClickHouse location (its state= parameter, else the default
 * under the data directory), malloc'd; NULL for other locations. Local files that belong
 * to the archive (signing keys) are named after it. */
char *xa_store_clickhouse_state_path(const char *location);

/* Open the backend that fits cfg->location (ClickHouse for a clickhouse:// URL, SQLite
 * for a path). Creates and migrates
 * the archive unless readonly. */
xa_rc xa_store_open(const struct xa_store_cfg *cfg, struct xa_store *out, struct xa_diag *diag);
void xa_store_close(struct xa_store *s);

/* Initialise q to "match everything, newest first, hide system". */
void xa_query_init(struct xa_query *q);

#endif
