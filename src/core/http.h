/* http.h - HTTP client (collector, ClickHouse store): the only core file that includes libcurl.
 *
 * Two ways to run requests: xa_http_perform() runs one request to its end (token,
 * subscription and listing calls); struct xa_http runs many at once over libcurl's
 * multi interface (blob downloads). Response bodies are handed to a sink callback as
 * they arrive, so nothing here buffers a whole body. The headers the collector needs
 * (Date, Retry-After, NextPageUri / NextPageUrl in any case) are captured.
 * Request URLs and bearer tokens are never logged.
 * Thread safety: call xa_http_global_init() once before any thread uses this module;
 * a struct xa_http belongs to one thread; xa_http_perform() is thread-safe. */
#ifndef XA_CORE_HTTP_H
#define XA_CORE_HTTP_H

#include "core/rc.h"

#include <stdbool.h>

#include <stddef.h>
#include <stdint.h>

/* Receives n body bytes. Return 0 to continue, non-zero to abort the transfer. */
typedef int (*xa_http_sink)(void *ud, const char *data, size_t n);

#define XA_HTTP_HDR_MAX 4096

struct xa_http_resp {
    long status;              /* HTTP status, 0 when the transfer failed before a status */
    xa_rc rc;                 /* XA_OK, XA_ERR_NET (transport), XA_ERR_LIMIT (sink aborted) */
    char error[256];          /* transport error text ("" when none) */
    int64_t date;             /* Date header (us since epoch), XA_TIME_NONE when absent */
    int64_t received_mono;    /* xa_time_mono() when the headers arrived */
    char retry_after[64];     /* Retry-After value as sent, "" when absent */
    char next_page[XA_HTTP_HDR_MAX]; /* NextPageUri / NextPageUrl, "" when absent */
    char content_type[128];
    uint64_t body_bytes;
};

struct xa_http_req {
    const char *method;       /* "GET" (default when NULL) or "POST" */
    const char *url;
    const char *body;         /* POST body (copied by the transfer), may be NULL */
    size_t body_len;
    const char *content_type; /* of the POST body */
    bool body_borrowed;       /* xa_http_perform only: send body in place, without a copy */
    const char *bearer;       /* access token for "Authorization: Bearer", NULL = none */
    const char *const *headers; /* more "Name: value" lines (may carry secrets: never logged) */
    size_t n_headers;
    const char *ca_file;      /* PEM bundle to trust instead of the system store, or NULL */
    long timeout_ms;          /* whole transfer, 0 = 120 s */
    xa_http_sink sink;        /* body bytes; NULL = discard */
    void *sink_ud;
    void *tag;                /* the caller's; returned by xa_http_poll */
    struct xa_http_resp resp; /* filled when the transfer finishes */
};

/* Once per process, before threads start. */
xa_rc xa_http_global_init(struct xa_diag *diag);

/* Run req to its end. A transport failure is not an error of this function: it is
 * reported in req->resp.rc. Returns non-XA_OK only when the request cannot be set up. */
xa_rc xa_http_perform(struct xa_http_req *req, struct xa_diag *diag);

struct xa_http;

xa_rc xa_http_new(struct xa_http **out, struct xa_diag *diag);
/* Aborts transfers still running (their requests are not reported). */
void xa_http_free(struct xa_http *h);
/* Start req (which must stay valid until it is returned by xa_http_poll). */
xa_rc xa_http_start(struct xa_http *h, struct xa_http_req *req, struct xa_diag *diag);
/* Drive transfers for up to timeout_ms; finished requests (resp filled) are written to
 * done[0..*n) (at most max). Returns XA_OK or a multi-interface failure. */
xa_rc xa_http_poll(struct xa_http *h, int timeout_ms, struct xa_http_req **done, size_t max,
                   size_t *n, struct xa_diag *diag);
size_t xa_http_running(const struct xa_http *h);

/* Percent-encode s for a query string or form body into out (NUL-terminated).
 * Returns XA_ERR_LIMIT when it does not fit. */
xa_rc xa_http_escape(const char *s, char *out, size_t cap);

/* Parse an HTTP-date ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 and asctime forms).
 * Returns XA_TIME_NONE when it cannot. */
int64_t xa_http_parse_date(const char *s);

/* True when url is https://, or http:// to a loopback host (127.0.0.0/8, [::1],
 * localhost). */
int xa_http_url_allowed(const char *url);

#endif
