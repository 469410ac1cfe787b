#include "store/store.h"

#include "core/xtime.h"

#include <string.h>

xa_rc xa_store_open(const struct xa_store_cfg *cfg, struct xa_store *out, struct xa_diag *diag)
{
    const struct xa_store_ops *ops =
        xa_store_is_clickhouse(cfg->location) ? &xa_store_clickhouse_ops : &xa_store_sqlite_ops;
    void *ctx = NULL;
    xa_rc rc = ops->open(cfg, &ctx, diag);
    if (rc)
        return rc;
    out->ops = ops;
    out->ctx = ctx;
    return XA_OK;
}

void xa_store_close(struct xa_store *s)
{
    if (s && s->ops) {
        s->ops->close(s->ctx);
        s->ops = NULL;
        s->ctx = NULL;
    }
}

void xa_query_init(struct xa_query *q)
{
    memset(q, 0, sizeof(*q));
    q->since = XA_TIME_NONE;
    q->until = XA_TIME_NONE;
    q->result = -1;
    q->external = -1;
}
