/* throttle.h - per-tenant request budget: a token bucket with AIMD back-off.
 *
 * Every request of a tenant (token, subscriptions, listings, blobs; all its content
 * types) takes one token. The bucket refills at the configured rate (requests per
 * minute) up to a burst. A throttling answer (HTTP 429 or AF429) halves the rate (not
 * below 1/16 of the configured rate) and pauses the bucket for Retry-After (or a
 * default); each success gives back 1/20 of the configured rate until it is reached.
 * Times are explicit (microseconds, any monotonic clock) so the logic is testable.
 * Not thread-safe: one bucket per tenant, used by that tenant's thread. */
#ifndef XA_COLLECT_THROTTLE_H
#define XA_COLLECT_THROTTLE_H

#include <stdint.h>

struct xa_bucket {
    double base_per_min; /* configured rate */
    double per_min;      /* current rate (AIMD) */
    double burst;
    double tokens;
    int64_t last;
    int64_t paused_until;
    uint64_t taken;      /* requests admitted so far */
    uint64_t throttled;  /* throttling answers seen */
};

/* per_min > 0; burst >= 1 (0 = per_min / 60, at least 1). The bucket starts full. */
void xa_bucket_init(struct xa_bucket *b, double per_min, double burst, int64_t now);
/* Take one token: returns 0 when the request may go now, else how long to wait (us). */
int64_t xa_bucket_take(struct xa_bucket *b, int64_t now);
/* A throttling answer: slow down and pause for pause_us (<= 0: 10 s). */
void xa_bucket_throttled(struct xa_bucket *b, int64_t now, int64_t pause_us);
/* A successful answer. */
void xa_bucket_success(struct xa_bucket *b);

#endif
