/* server.h - the Office 365 Management Activity API emulator (token endpoint + API) on
 * loopback, with fault injection. See docs/EMULATOR.md.
 *
 * The only file of the module that includes microhttpd.h is server.c. One struct xa_emu is
 * one running server: xa_emu_start() plans the data, binds 127.0.0.1 and serves from MHD's
 * threads (one per connection, so --latency never blocks other requests); the caller then
 * calls xa_emu_tick() periodically (expiry sweep) until it wants to stop, and xa_emu_stop()
 * which shuts the server down, flushes the manifest and returns the totals. */
#ifndef XA_EMU_SERVER_H
#define XA_EMU_SERVER_H

#include "core/rc.h"
#include "emu/plan.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct xa_emu_opts {
    unsigned port; /* 0 = pick a free port */
    const char *tenants[XA_EMU_MAX_TENANTS];
    size_t ntenants; /* 0 = one tenant derived from the seed */
    const char *client_id;
    const char *client_secret; /* NULL = secret auth disabled */
    const char *cert_file;     /* NULL = certificate auth disabled */
    int64_t token_ttl;         /* seconds */
    unsigned page_size;
    uint64_t rate_limit;          /* requests per minute per (tenant, publisher) */
    int64_t sim_start;            /* us; XA_TIME_NONE = now - 7 days */
    double speed;                 /* simulated seconds per real second */
    int64_t clock_offset;         /* us added to every clock the emulator shows */
    struct xa_emu_plan_opts plan; /* records, seed, blob size and the data faults */
    const char *manifest;         /* NULL = none */
    const char *losses;           /* NULL = none */
    double fault_429, fault_5xx, truncate, token_expire_early;
    unsigned latency_ms;
};

void xa_emu_opts_init(struct xa_emu_opts *o);

struct xa_emu_stats {
    uint64_t requests; /* API requests (token endpoint excluded) */
    uint64_t token_requests;
    uint64_t r429, r5xx;   /* answered 429 (throttle + injected), 500/503 */
    uint64_t blobs_served; /* complete successful blob responses */
    uint64_t records_served;
    uint64_t blobs_expired; /* blobs that expired before any successful fetch */
    uint64_t truncated;
    uint64_t notifications; /* webhook POSTs answered 200 */
};

struct xa_emu;

/* Build the plan, open the manifest files, start the server. *out is written only on
 * success. */
xa_rc xa_emu_start(const struct xa_emu_opts *o, struct xa_emu **out, struct xa_diag *diag);
/* "http://127.0.0.1:PORT" (no trailing slash), valid until xa_emu_stop. */
const char *xa_emu_url(const struct xa_emu *e);
/* Tenant GUIDs served (count in *n). */
const char *xa_emu_tenant(const struct xa_emu *e, size_t i);
size_t xa_emu_tenant_count(const struct xa_emu *e);
/* Periodic housekeeping from the controlling thread: record blobs that expired unserved. */
void xa_emu_tick(struct xa_emu *e);
/* Current simulated time, us. */
int64_t xa_emu_sim_now(const struct xa_emu *e);
/* Stop serving, sweep, flush and close the files, print the per-publisher request counts
 * at info level, copy the totals to *stats (may be NULL) and free e. */
void xa_emu_stop(struct xa_emu *e, struct xa_emu_stats *stats);

#endif
