/* curl_send.h - HTTP POST and SMTP submission for the forwarders (the only file of src/out
 * that includes libcurl). Thread-safe after xa_curl_global_init(). */
#ifndef XA_OUT_CURL_SEND_H
#define XA_OUT_CURL_SEND_H

#include "core/buf.h"
#include "core/rc.h"

#include <stdbool.h>
#include <stddef.h>

/* Initialise libcurl once per process (call before threads start). */
xa_rc xa_curl_global_init(struct xa_diag *d);

struct xa_curl_post {
    const char *url;
    const char *const *headers; /* "Name: value" lines; may carry secrets: never logged */
    size_t n_headers;
    const char *body;
    size_t len;
    const char *ca_file;        /* NULL: system trust store */
    bool verify;
    int timeout_ms;
};

/* POST; *status gets the HTTP status (0 when no answer). The answer's body goes to resp
 * (bounded to 64 KiB), which may be NULL. A transport error is XA_ERR_NET; any status is
 * XA_OK (the caller judges it). */
xa_rc xa_curl_post(const struct xa_curl_post *r, long *status, struct xa_buf *resp,
                   struct xa_diag *d);

struct xa_curl_mail {
    const char *url;            /* smtp://host:port or smtps://host:port */
    const char *from;
    const char *const *to;
    size_t n_to;
    const char *username, *password; /* NULL: no authentication */
    bool require_tls;           /* smtp:// with STARTTLS required */
    const char *ca_file;
    bool verify;
    int timeout_ms;
    const char *msg;            /* the whole RFC 5322 message, CRLF line ends */
    size_t len;
};

/* Submit one message; XA_OK when the server accepted it for every recipient. */
xa_rc xa_curl_mail_send(const struct xa_curl_mail *m, struct xa_diag *d);

#endif
