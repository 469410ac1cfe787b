/* syslog.c - RFC 5424 over TCP or TLS with RFC 6587 octet-counting framing.
 *
 * One connection per batch: connect, write every framed message, half-close (TLS:
 * close_notify first), then wait for the receiver to close its side. A receiver closes
 * after it has read our end of stream, i.e. after it read every byte of the batch, so a
 * clean close confirms the whole batch; a reset, a refused connection or a timeout
 * confirms nothing and the batch is sent again later. Between batches no connection is
 * held, so a receiver that restarts while we are idle loses and duplicates nothing. */
#include "core/log.h"
#include "core/xtime.h"
#include "out/format.h"
#include "out/out.h"
#include "out/tls.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct conn {
    const struct xa_out_dest_cfg *cfg;
    struct xa_tls_ctx *tls;
    struct xa_buf frame;
};

static xa_rc sl_open(const struct xa_out_dest_cfg *cfg, void **out, struct xa_diag *d)
{
    struct conn *c = calloc(1, sizeof(*c));
    if (!c)
        return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    c->cfg = cfg;
    xa_buf_init(&c->frame, 0);
    if (cfg->tls) {
        struct xa_tls_opts o = {.ca_file = cfg->ca_file, .cert_file = cfg->cert_file,
                                .key_file = cfg->key_file, .verify = cfg->tls_verify};
        xa_rc rc = xa_tls_ctx_new(&o, &c->tls, d);
        if (rc) {
            char why[sizeof(d->msg)];
            snprintf(why, sizeof(why), "%s", d ? d->msg : "");
            free(c);
            return xa_diag_set(d, rc, "forward.destinations.%s: %s", cfg->name, why);
        }
    }
    *out = c;
    return XA_OK;
}

static void sl_close(void *p)
{
    struct conn *c = p;
    if (!c)
        return;
    xa_tls_ctx_free(c->tls);
    xa_buf_release(&c->frame);
    free(c);
}

static int wait_fd(int fd, short ev, int64_t deadline)
{
    for (;;) {
        int64_t left = (deadline - xa_time_mono()) / 1000;
        if (left <= 0)
            return -1;
        struct pollfd p = {.fd = fd, .events = ev};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        return r > 0 ? 0 : -1;
    }
}

/* Non-blocking connect to the first address that answers. */
static xa_rc dial(const struct xa_out_dest_cfg *cfg, int64_t deadline, int *out,
                  struct xa_diag *d)
{
    char port[16];
    snprintf(port, sizeof(port), "%d", cfg->port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int g = getaddrinfo(cfg->address, port, &hints, &res);
    if (g != 0)
        return xa_diag_set(d, XA_ERR_NET, "%s:%d: cannot resolve: %s", cfg->address, cfg->port,
                           gai_strerror(g));
    int err = 0, fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        if (errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) == 0) {
            socklen_t el = sizeof(err);
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0)
                break;
        } else {
            err = errno == EINPROGRESS ? ETIMEDOUT : errno;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return xa_diag_set(d, XA_ERR_NET, "%s:%d: cannot connect: %s", cfg->address, cfg->port,
                           strerror(err ? err : ECONNREFUSED));
    *out = fd;
    return XA_OK;
}

static xa_rc write_all(int fd, const char *p, size_t n, int64_t deadline, struct xa_diag *d)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait_fd(fd, POLLOUT, deadline) == 0)
            continue;
        return xa_diag_set(d, XA_ERR_NET, "write failed: %s",
                           w < 0 ? strerror(errno) : "timed out");
    }
    return XA_OK;
}

/* Half-close and wait for the peer's end of stream. */
static xa_rc close_confirm(int fd, int64_t deadline, struct xa_diag *d)
{
    if (shutdown(fd, SHUT_WR) != 0)
        return xa_diag_set(d, XA_ERR_NET, "close failed: %s", strerror(errno));
    char buf[512];
    for (;;) {
        ssize_t r = recv(fd, buf, sizeof(buf), 0);
        if (r == 0)
            return XA_OK;
        if (r > 0)
            continue; /* a syslog receiver sends nothing; ignore whatever it does */
        if (errno == EINTR)
            continue;
        if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_fd(fd, POLLIN, deadline) == 0)
            continue;
        return xa_diag_set(d, XA_ERR_NET, "the receiver did not confirm the batch: %s",
                           (errno == EAGAIN || errno == EWOULDBLOCK) ? "timed out"
                                                                     : strerror(errno));
    }
}

static xa_rc sl_send(void *p, const struct xa_out_msg *msgs, size_t n, size_t *confirmed,
                     struct xa_diag *d)
{
    struct conn *c = p;
    *confirmed = 0;
    xa_buf_reset(&c->frame);
    xa_rc rc = XA_OK;
    for (size_t i = 0; i < n && !rc; i++)
        rc = xa_out_octet_frame(msgs[i].data, msgs[i].len, &c->frame);
    if (rc)
        return xa_diag_set(d, rc, "out of memory");
    int64_t deadline = xa_time_mono() + (int64_t)c->cfg->timeout_ms * 1000;
    int fd = -1;
    struct xa_tls *t = NULL;
    rc = dial(c->cfg, deadline, &fd, d);
    if (!rc && c->tls) {
        const char *name = c->cfg->server_name ? c->cfg->server_name : c->cfg->address;
        int left = (int)((deadline - xa_time_mono()) / 1000);
        rc = xa_tls_connect(c->tls, fd, name, left > 0 ? left : 1, &t, d);
    }
    if (!rc) {
        int left = (int)((deadline - xa_time_mono()) / 1000);
        rc = t ? xa_tls_write(t, c->frame.data, c->frame.len, left > 0 ? left : 1, d)
               : write_all(fd, c->frame.data, c->frame.len, deadline, d);
    }
    if (!rc) {
        int left = (int)((deadline - xa_time_mono()) / 1000);
        rc = t ? xa_tls_close_confirm(t, left > 0 ? left : 1, d) : close_confirm(fd, deadline, d);
    }
    xa_tls_free(t);
    if (fd >= 0)
        close(fd);
    if (!rc)
        *confirmed = n;
    else if (d && !strstr(d->msg, c->cfg->address)) {
        char why[sizeof(d->msg)];
        snprintf(why, sizeof(why), "%s", d->msg);
        xa_diag_set(d, rc, "%s:%d: %s", c->cfg->address, c->cfg->port, why);
    }
    return rc;
}

const struct xa_out_dest_ops xa_out_syslog_ops = {
    .type = "syslog",
    .open = sl_open,
    .send = sl_send,
    .close = sl_close,
};
