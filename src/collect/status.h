/* status.h - what the collector has done, read back from the archive's collector state:
 * per tenant and content type (the stream: last window listed, lag, blob and record
 * counters, open gaps, last error), then the gap ledger. The one renderer behind
 * `exoaudit status` and GET /api/v1/collector/status.
 * Thread safety: no shared state; the store connection must not be used by another thread
 * during the call. */
#ifndef XA_COLLECT_STATUS_H
#define XA_COLLECT_STATUS_H

#include "core/buf.h"
#include "core/rc.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

struct xa_collect_status_opts {
    const char *tenant; /* only this tenant id; NULL = every tenant */
    bool all_gaps;      /* closed gaps too (default: open and expired ones) */
    bool json;          /* {"streams":[...],"gaps":[...]} ; else the aligned text tables */
    int64_t now;        /* reference for the lag when a stream has no API clock (us) */
};

/* Append the status of the collector kept in st to out (borrowed). Returns XA_OK, or
 * XA_ERR_UNSUPPORTED when the backend keeps no collector state, or the store's error;
 * on failure out is left at its original length. */
xa_rc xa_collect_status_write(struct xa_store *st, const struct xa_collect_status_opts *o,
                              struct xa_buf *out, struct xa_diag *diag);

#endif
