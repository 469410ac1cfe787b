/* sqlite_collect.h - internal to the SQLite backend: the collector-state operations of
 * struct xa_store_ops (blob ledger, stream state, gap ledger; see store.h), kept apart
 * from sqlite.c. Their tables come from the migration "collector state" (sqlite_schema.c). */
#ifndef XA_STORE_SQLITE_COLLECT_H
#define XA_STORE_SQLITE_COLLECT_H

#include "store/store.h"

xa_rc xa_sqlite_blob_known(void *ctx, const char *tenant_id, const char *content_type,
                           const char *content_id, bool *known, struct xa_diag *diag);
xa_rc xa_sqlite_blob_put(void *ctx, const struct xa_blob_entry *b, struct xa_diag *diag);
xa_rc xa_sqlite_stream_put(void *ctx, const struct xa_stream_state *s, struct xa_diag *diag);
xa_rc xa_sqlite_stream_list(void *ctx, const char *tenant_id, xa_stream_state_cb cb, void *ud,
                            struct xa_diag *diag);
xa_rc xa_sqlite_gap_put(void *ctx, const struct xa_gap *g, struct xa_diag *diag);
xa_rc xa_sqlite_gap_list(void *ctx, const char *tenant_id, bool open_only, xa_gap_cb cb, void *ud,
                         struct xa_diag *diag);

#endif
