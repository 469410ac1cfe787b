/* collector.h - the live collector: Office 365 Management Activity API -> archive,
 * exactly once.
 *
 * One thread per tenant (a broken or throttled tenant never stalls another). A pass of a
 * tenant: token, subscriptions (started only when missing or on AF20022/AF20023, with the
 * 15-minute cool-down), retry of open gaps, then rounds of listing windows (<= 24 h, never
 * older than 7 days, ending a lag margin before the API's "now") for every content type,
 * blob downloads over libcurl multi under the tenant's token bucket (closest expiry
 * first), and finally a re-list of the trailing overlap to catch blobs that became
 * available late. Each blob's records, its ledger entry and the stream counters commit in
 * one store transaction; a window's end is committed as the stream cursor only once each
 * of its blobs is in the ledger or in the gap ledger. See docs/COLLECTOR.md.
 * Thread safety: xa_collect_run owns its threads; the store is used under a mutex. */
#ifndef XA_COLLECT_COLLECTOR_H
#define XA_COLLECT_COLLECTOR_H

#include "collect/api.h"
#include "collect/auth.h"
#include "core/config.h"
#include "core/rc.h"
#include "store/store.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#define XA_COLLECT_MAX_TENANTS 256

struct xa_collect_tenant {
    char *id;                 /* tenant GUID */
    char *name;               /* for logs: "tenants.N (id)" */
    char *api_base;           /* https://manage.office.com (or override) */
    struct xa_auth auth;
    bool ct[XA_API_N_CONTENT_TYPES];
};

struct xa_collect_cfg {
    struct xa_collect_tenant *tenants;
    size_t ntenants;
    char *publisher_id;
    double requests_per_minute; /* per tenant, shared by its content types */
    int concurrency;            /* blob downloads in flight per tenant */
    int64_t lag;                /* us before the API's now that is never listed */
    int64_t relist;             /* us of trailing overlap re-listed each pass */
    int64_t lookback;           /* us listed back on a stream's first pass */
    int64_t poll;               /* us between passes (daemon) */
    int64_t alert_after;        /* us of continuous tenant failure before a health event */
    int max_tries;              /* per blob and pass before it becomes a gap */
    int64_t max_backoff;        /* us */
    size_t max_record;          /* bytes */
    size_t spool_mem;           /* body bytes kept in memory before spilling to a file */
    char *spool_dir;            /* where bigger bodies go (unlinked after use) */
    bool once;
};

/* Read the collect.* keys of cfg (secrets and keys are loaded here; errors name the key
 * and the file). *out is freed with xa_collect_cfg_free. */
xa_rc xa_collect_cfg_load(const struct xa_config *cfg, struct xa_collect_cfg **out,
                          struct xa_diag *diag);
void xa_collect_cfg_free(struct xa_collect_cfg *c);

struct xa_collect_summary {
    uint64_t blobs_fetched, blobs_failed, blobs_expired, records, duplicates, quarantined;
    uint64_t requests, throttled, gaps_open;
    int tenants_failed;
};

/* Run passes until *stop is set (daemon), or one complete pass when cfg->once.
 * Returns XA_OK when every tenant completed its pass (open gaps are not a failure: they
 * are in the gap ledger), else the first tenant's error (diag says which tenant and
 * what to do). */
xa_rc xa_collect_run(struct xa_store *st, struct xa_collect_cfg *cfg,
                     volatile sig_atomic_t *stop, struct xa_collect_summary *sum,
                     struct xa_diag *diag);

/* ---- window planning (pure; exposed for tests) ---- */
struct xa_plan {
    int64_t lag, lookback;
    int64_t max_window;  /* 24 h */
    int64_t max_age;     /* how far back the API lists: 7 d minus a safety margin */
};
void xa_plan_init(struct xa_plan *p, int64_t lag, int64_t lookback);

/* Next window after cursor (XA_TIME_NONE: first pass, start at now - lookback) up to
 * now - lag. Returns 1 and fills [*start, *end) when there is one, 0 when caught up.
 * When the cursor is older than the API can list, lost_from and lost_to receive the span
 * that can no longer be listed (a gap) and the window starts at now - max_age; else
 * both are XA_TIME_NONE. */
int xa_plan_next(const struct xa_plan *p, int64_t cursor, int64_t now, int64_t *start,
                 int64_t *end, int64_t *lost_from, int64_t *lost_to);

/* Windows of the re-list overlap [max(cursor - relist, now - max_age), cursor) cut into
 * pieces of at most max_window; returns how many were written to w (at most max). */
size_t xa_plan_relist(const struct xa_plan *p, int64_t cursor, int64_t now, int64_t relist,
                      int64_t (*w)[2], size_t max);

/* Back-off before try number `tries` (1-based): min(cap, 500 ms * 2^(tries-1)) with
 * +-25 % jitter from seed, never less than retry_after (us, -1 = none). */
int64_t xa_collect_backoff(int tries, int64_t cap, int64_t retry_after, uint64_t seed);

#endif
