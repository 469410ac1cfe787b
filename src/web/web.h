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

/* Services of the process that runs the console (cmd_serve.c): the rule set shared with
 * the background rule engine, and the health of the background components (the collector's
 * own state is read from the archive: GET /collector/status needs no hook). Any function
 * may be NULL: its routes then answer 501. Called from server threads (must be
 * thread-safe). Output is appended to out. */
struct xa_web_hooks {
    void *ud;
    /* The loaded rules as a JSON array. */
    xa_rc (*rules_json)(void *ud, struct xa_buf *out, struct xa_diag *diag);
    /* Load the rules again (pack, rules.paths); the engine uses the new set from its next
     * pass. On success a JSON object {"rules":N,"loaded_at":...}; on failure the old set
     * stays in use and diag says why. */
    xa_rc (*rules_reload)(void *ud, struct xa_buf *out, struct xa_diag *diag);
    /* The background components as a JSON object {"name":{"state":...},...}. */
    void (*health_json)(void *ud, struct xa_buf *out);
};

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
    const char *export_dir;          /* evidence bundles are written here (must exist); NULL =
                                      * no exports over the API */
    const char *private_key_file;    /* signs export manifests; NULL or missing = unsigned */
    struct xa_web_hooks hooks;       /* copied */
};

xa_rc xa_web_app_new(const struct xa_web_opts *o, struct xa_web_app **out, struct xa_diag *diag);
/* Flushes pending self-audit events, closes the pool. */
void xa_web_app_free(struct xa_web_app *app);
/* The request handler (signature of xa_web_handler). */
void xa_web_handle(void *app, const struct xa_web_req *req, struct xa_web_resp *resp);

#endif
