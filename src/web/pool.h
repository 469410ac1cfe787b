/* pool.h - a fixed pool of store connections shared by the server's threads (the SQLite
 * store is one connection per thread; WAL lets readers run beside the writer).
 * Thread-safe. */
#ifndef XA_WEB_POOL_H
#define XA_WEB_POOL_H

#include "core/rc.h"
#include "store/store.h"

struct xa_web_pool;

/* Connections are opened lazily, read-write, with cache_mb of page cache each. */
xa_rc xa_web_pool_new(const char *path, size_t cache_mb, unsigned size, struct xa_web_pool **out,
                      struct xa_diag *diag);
void xa_web_pool_free(struct xa_web_pool *p);
/* Borrow a connection (waits while all are in use). Returns NULL and fills diag when the
 * archive cannot be opened. */
struct xa_store *xa_web_pool_get(struct xa_web_pool *p, struct xa_diag *diag);
void xa_web_pool_put(struct xa_web_pool *p, struct xa_store *st);

#endif
