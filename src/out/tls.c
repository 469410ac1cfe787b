/* tls.c - TLS client streams over OpenSSL (see tls.h). */
#include "out/tls.h"

#include "core/xtime.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct xa_tls_ctx {
    SSL_CTX *ctx;
    bool verify;
};

struct xa_tls {
    SSL *ssl;
    int fd;
};

static xa_rc ssl_err(struct xa_diag *d, xa_rc code, const char *what)
{
    char buf[256] = "";
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, buf, sizeof(buf));
    ERR_clear_error();
    return xa_diag_set(d, code, "TLS: %s%s%s", what, buf[0] ? ": " : "", buf);
}

xa_rc xa_tls_ctx_new(const struct xa_tls_opts *o, struct xa_tls_ctx **out, struct xa_diag *d)
{
    struct xa_tls_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    c->verify = o->verify;
    c->ctx = SSL_CTX_new(TLS_client_method());
    xa_rc rc = XA_OK;
    if (!c->ctx)
        rc = ssl_err(d, XA_ERR_INTERNAL, "cannot create a context");
    if (!rc && !SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION))
        rc = ssl_err(d, XA_ERR_INTERNAL, "cannot require TLS 1.2");
    if (!rc) {
        SSL_CTX_set_mode(c->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                                     SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        SSL_CTX_set_options(c->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
        if (o->ca_file) {
            if (SSL_CTX_load_verify_locations(c->ctx, o->ca_file, NULL) != 1)
                rc = ssl_err(d, XA_ERR_CONFIG, "cannot load ca_file");
        } else if (SSL_CTX_set_default_verify_paths(c->ctx) != 1) {
            rc = ssl_err(d, XA_ERR_CONFIG, "cannot load the system trust store");
        }
    }
    if (!rc && o->cert_file) {
        if (SSL_CTX_use_certificate_chain_file(c->ctx, o->cert_file) != 1)
            rc = ssl_err(d, XA_ERR_CONFIG, "cannot load cert_file");
        else if (SSL_CTX_use_PrivateKey_file(c->ctx, o->key_file ? o->key_file : o->cert_file,
                                             SSL_FILETYPE_PEM) != 1)
            rc = ssl_err(d, XA_ERR_CONFIG, "cannot load key_file");
    }
    if (!rc)
        SSL_CTX_set_verify(c->ctx, o->verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
    if (rc) {
        xa_tls_ctx_free(c);
        return rc;
    }
    *out = c;
    return XA_OK;
}

void xa_tls_ctx_free(struct xa_tls_ctx *c)
{
    if (!c)
        return;
    SSL_CTX_free(c->ctx);
    free(c);
}

/* Wait for what SSL wants; -1 on timeout/poll error. */
static int wait_io(struct xa_tls *t, int err, int64_t deadline)
{
    int64_t left = (deadline - xa_time_mono()) / 1000;
    if (left <= 0)
        return -1;
    struct pollfd p = {.fd = t->fd, .events = err == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN};
    int r;
    do
        r = poll(&p, 1, (int)left);
    while (r < 0 && errno == EINTR);
    return r > 0 ? 0 : -1;
}

xa_rc xa_tls_connect(struct xa_tls_ctx *c, int fd, const char *name, int timeout_ms,
                     struct xa_tls **out, struct xa_diag *d)
{
    struct xa_tls *t = calloc(1, sizeof(*t));
    if (!t)
        return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    t->fd = fd;
    t->ssl = SSL_new(c->ctx);
    xa_rc rc = XA_OK;
    if (!t->ssl || SSL_set_fd(t->ssl, fd) != 1)
        rc = ssl_err(d, XA_ERR_INTERNAL, "cannot create a connection");
    if (!rc && name) {
        SSL_set_tlsext_host_name(t->ssl, name);
        if (c->verify && SSL_set1_host(t->ssl, name) != 1)
            rc = ssl_err(d, XA_ERR_INTERNAL, "cannot set the expected name");
    }
    int64_t deadline = xa_time_mono() + (int64_t)timeout_ms * 1000;
    while (!rc) {
        int r = SSL_connect(t->ssl);
        if (r == 1)
            break;
        int e = SSL_get_error(t->ssl, r);
        if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) && wait_io(t, e, deadline) == 0)
            continue;
        long v = SSL_get_verify_result(t->ssl);
        if (v != X509_V_OK)
            rc = xa_diag_set(d, XA_ERR_AUTH, "TLS: the peer's certificate was refused: %s",
                             X509_verify_cert_error_string(v));
        else
            rc = ssl_err(d, XA_ERR_NET, "handshake failed");
    }
    if (rc) {
        xa_tls_free(t);
        return rc;
    }
    *out = t;
    return XA_OK;
}

xa_rc xa_tls_write(struct xa_tls *t, const void *p, size_t n, int timeout_ms, struct xa_diag *d)
{
    int64_t deadline = xa_time_mono() + (int64_t)timeout_ms * 1000;
    const char *s = p;
    while (n) {
        size_t w = 0;
        int r = SSL_write_ex(t->ssl, s, n, &w);
        if (r == 1) {
            s += w;
            n -= w;
            continue;
        }
        int e = SSL_get_error(t->ssl, r);
        if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) && wait_io(t, e, deadline) == 0)
            continue;
        return ssl_err(d, XA_ERR_NET, "write failed");
    }
    return XA_OK;
}

xa_rc xa_tls_close_confirm(struct xa_tls *t, int timeout_ms, struct xa_diag *d)
{
    int64_t deadline = xa_time_mono() + (int64_t)timeout_ms * 1000;
    for (;;) { /* send our close_notify */
        int r = SSL_shutdown(t->ssl);
        if (r >= 0)
            break;
        int e = SSL_get_error(t->ssl, r);
        if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) && wait_io(t, e, deadline) == 0)
            continue;
        return ssl_err(d, XA_ERR_NET, "close failed");
    }
    shutdown(t->fd, SHUT_WR);
    char buf[512];
    for (;;) { /* the peer's close_notify or a clean end of stream */
        size_t got = 0;
        int r = SSL_read_ex(t->ssl, buf, sizeof(buf), &got);
        if (r == 1)
            continue;
        int e = SSL_get_error(t->ssl, r);
        if (e == SSL_ERROR_ZERO_RETURN)
            return XA_OK;
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            if (wait_io(t, e, deadline) == 0)
                continue;
            return xa_diag_set(d, XA_ERR_NET, "TLS: the peer did not confirm the close in time");
        }
        if (e == SSL_ERROR_SSL && (SSL_get_shutdown(t->ssl) & SSL_RECEIVED_SHUTDOWN))
            return XA_OK;
        /* SSL_OP_IGNORE_UNEXPECTED_EOF: a plain TCP end of stream after our close_notify is
         * reported as ZERO_RETURN; anything else (a reset) is not a confirmation */
        return ssl_err(d, XA_ERR_NET, "the connection broke before the peer confirmed");
    }
}

void xa_tls_free(struct xa_tls *t)
{
    if (!t)
        return;
    SSL_free(t->ssl);
    free(t);
}
