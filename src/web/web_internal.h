/* web_internal.h - what the console's files share (not a public interface). */
#ifndef XA_WEB_WEB_INTERNAL_H
#define XA_WEB_WEB_INTERNAL_H

#include "event/event.h"
#include "store/store.h"
#include "web/audit.h"
#include "web/http.h"
#include "web/limiter.h"
#include "web/pool.h"
#include "web/web.h"

#include <pthread.h>
#include <stdbool.h>

struct xa_web_app {
    struct xa_web_opts o;
    char *db_path;
    char *export_dir;
    char *key_file;
    pthread_mutex_t mu;        /* guards posture_last and export creation */
    struct xa_buf posture_last; /* JSON of the last posture evaluation (empty = none) */
    struct xa_web_pool *pool;
    struct xa_web_limiter *lim;
    struct xa_web_audit *audit;
};

#define XA_AUDIT_PMAX 8

struct xa_web_call {
    struct xa_web_app *app;
    const struct xa_web_req *req;
    struct xa_web_resp *resp;
    /* who (after authentication) */
    char user[130];
    int role;                 /* enum xa_web_role, -1 = anonymous */
    bool via_token;
    char csrf[65];
    char sid_hash[65];
    /* path parameters (the '*' segments of the route), decoded, bounded */
    char seg[2][256];
    size_t nseg;
    struct xa_store *st;      /* borrowed from the pool on first use */
    /* self-audit of this call */
    const char *audit_op;     /* NULL = the route's name */
    struct xa_kv audit_p[XA_AUDIT_PMAX];
    size_t audit_n;
    char audit_store[XA_AUDIT_PMAX][512];
};

typedef void (*xa_web_fn)(struct xa_web_call *c);

/* Response helpers. json_begin sets status and JSON content type and resets the body. */
void xa_web_json_begin(struct xa_web_call *c, int status);
/* {"error":{"code":code,"message":msg}}; msg may hold anything: it is JSON-escaped. */
void xa_web_error(struct xa_web_call *c, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* 501 naming the missing piece. */
void xa_web_not_available(struct xa_web_call *c, const char *what);
/* The call's store connection (from the pool), or NULL after answering 503. */
struct xa_store *xa_web_store(struct xa_web_call *c);
/* Add a parameter to the call's self-audit event (copied, bounded). */
void xa_web_audit_param(struct xa_web_call *c, const char *name, const char *value);
/* Error from a store/diag rc: NOTFOUND 404, INVALID/USAGE 400, else 500 (message kept). */
void xa_web_rc_error(struct xa_web_call *c, xa_rc rc, const struct xa_diag *d);

/* Body of a JSON request: returns the parsed root or NULL after answering 400/415. */
struct xa_json;
struct xa_json *xa_web_body_json(struct xa_web_call *c);

/* handlers (api_*.c) */
void xa_api_session(struct xa_web_call *c);
void xa_api_login(struct xa_web_call *c);
void xa_api_logout(struct xa_web_call *c);
void xa_api_events_search(struct xa_web_call *c);
void xa_api_events_facets(struct xa_web_call *c);
void xa_api_event_get(struct xa_web_call *c);
void xa_api_timeline(struct xa_web_call *c);
void xa_api_stats(struct xa_web_call *c);
void xa_api_quarantine(struct xa_web_call *c);
void xa_api_reports_list(struct xa_web_call *c);
void xa_api_report_run(struct xa_web_call *c);
void xa_api_posture(struct xa_web_call *c);
void xa_api_posture_last(struct xa_web_call *c);
void xa_api_alerts_list(struct xa_web_call *c);
void xa_api_alert_ack(struct xa_web_call *c);
void xa_api_alert_comment(struct xa_web_call *c);
void xa_api_rules_list(struct xa_web_call *c);
void xa_api_rules_reload(struct xa_web_call *c);
void xa_api_collector_status(struct xa_web_call *c);
void xa_api_collector_coverage(struct xa_web_call *c);
void xa_api_integrity_verify(struct xa_web_call *c);
void xa_api_export(struct xa_web_call *c);
void xa_api_exports_list(struct xa_web_call *c);
void xa_api_export_download(struct xa_web_call *c);
void xa_api_status(struct xa_web_call *c);
void xa_api_users_list(struct xa_web_call *c);
void xa_api_user_add(struct xa_web_call *c);
void xa_api_user_delete(struct xa_web_call *c);
void xa_api_tokens_list(struct xa_web_call *c);
void xa_api_token_add(struct xa_web_call *c);
void xa_api_token_delete(struct xa_web_call *c);
void xa_api_config(struct xa_web_call *c);

/* Parse the search filters of the query string into q (storage in f). Answers 400 and
 * returns false on a bad value. */
struct xa_web_filters;
struct xa_web_filters *xa_web_filters_new(void);
void xa_web_filters_free(struct xa_web_filters *f);
bool xa_web_parse_query(struct xa_web_call *c, struct xa_web_filters *f, struct xa_query *q);

#endif
