/* tls.h - TLS client streams for the syslog destination (the only file that includes
 * OpenSSL's libssl). Not thread-safe per connection. */
#ifndef XA_OUT_TLS_H
#define XA_OUT_TLS_H

#include "core/rc.h"

#include <stdbool.h>
#include <stddef.h>

struct xa_tls_ctx;
struct xa_tls;

struct xa_tls_opts {
    const char *ca_file;     /* NULL: the system's trust store */
    const char *cert_file;   /* client certificate (mutual TLS), or NULL */
    const char *key_file;
    bool verify;             /* verify the peer's certificate and name (default true) */
};

xa_rc xa_tls_ctx_new(const struct xa_tls_opts *o, struct xa_tls_ctx **out, struct xa_diag *d);
void xa_tls_ctx_free(struct xa_tls_ctx *c);
/* Handshake over the connected socket fd (non-blocking; waits up to timeout_ms). name:
 * SNI and the name the certificate must carry. The stream does not own fd. */
xa_rc xa_tls_connect(struct xa_tls_ctx *c, int fd, const char *name, int timeout_ms,
                     struct xa_tls **out, struct xa_diag *d);
/* Write all of p. */
xa_rc xa_tls_write(struct xa_tls *t, const void *p, size_t n, int timeout_ms, struct xa_diag *d);
/* Send close_notify, half-close the socket and wait until the peer closes: XA_OK means the
 * peer's TLS layer read everything up to our close_notify. */
xa_rc xa_tls_close_confirm(struct xa_tls *t, int timeout_ms, struct xa_diag *d);
void xa_tls_free(struct xa_tls *t);

#endif
