/* store.h - the archive: a table of operations implemented by each backend
 * (SQLite now, ClickHouse later). Everything above the store talks to it only
 * through struct xa_store and the xa_store_* functions below.
 *
 * Semantics every backend must keep:
 * - Identity is (tenant_id, record_id). put() of an event already stored increments
 *   that row's duplicate counter and reports XA_PUT_DUPLICATE; it never adds a row.
 * - seq is assigned at put() in commit order (1, 2, 3, ... per archive) and never reused.
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

struct xa_store_cfg {
    const char *location; /* SQLite file path (or backend URL later) */
    bool readonly;
    size_t cache_mb;      /* page cache hint; 0 = backend default */
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
};

struct xa_store {
    const struct xa_store_ops *ops;
    void *ctx;
};

extern const struct xa_store_ops xa_store_sqlite_ops;

/* Open the backend that fits cfg->location (SQLite for a path). Creates and migrates
 * the archive unless readonly. */
xa_rc xa_store_open(const struct xa_store_cfg *cfg, struct xa_store *out, struct xa_diag *diag);
void xa_store_close(struct xa_store *s);

/* Initialise q to "match everything, newest first, hide system". */
void xa_query_init(struct xa_query *q);

#endif
