/* web.h - the console application: authentication, roles, CSRF, the REST API under
 * /api/v1, the embedded console, self-audit. Used by `exoaudit serve`.
 * Thread safety: xa_web_handle may be called from many threads at once. */
#ifndef XA_WEB_WEB_H
#define XA_WEB_WEB_H

#include "core/config.h"
#include "core/rc.h"
#include "store/store.h"
#include "web/http.h"

#include <stdbool.h>

struct xa_web_app;

struct xa_web_opts {
    const char *db_path;             /* the archive (opened read-write per pool slot) */
    size_t cache_mb;                 /* page cache per connection; 0 = 16 */
    unsigned db_connections;         /* pool size; 0 = 8 */
    unsigned session_minutes;        /* 0 = 480 */
    unsigned login_attempts;         /* failures per window before the limiter engages; 0 = 5 */
    unsigned login_window_seconds;   /* 0 = 900 */
    bool tls;                        /* cookies get Secure */
    const struct xa_integrity_cfg *integrity; /* for self-audit writes; NULL = defaults */
    const struct xa_config *cfg;     /* for the admin's configuration view (borrowed) */
};

xa_rc xa_web_app_new(const struct xa_web_opts *o, struct xa_web_app **out, struct xa_diag *diag);
/* Flushes pending self-audit events, closes the pool. */
void xa_web_app_free(struct xa_web_app *app);
/* The request handler (signature of xa_web_handler). */
void xa_web_handle(void *app, const struct xa_web_req *req, struct xa_web_resp *resp);

#endif
