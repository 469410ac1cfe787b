/* hook.c - minimal loopback HTTP POST for webhook validation and notifications. */
#include "emu/hook.h"

#include "core/buf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

struct target {
    int family;
    unsigned port;
    char hostport[64];
    const char *path;
};

static bool parse_url(const char *url, struct target *t)
{
    if (strncmp(url, "http://", 7) != 0)
        return false;
    const char *h = url + 7, *rest;
    size_t hl;
    if (strncmp(h, "127.0.0.1", 9) == 0) {
        t->family = AF_INET;
        hl = 9;
    } else if (strncmp(h, "localhost", 9) == 0) {
        t->family = AF_INET;
        hl = 9;
    } else if (strncmp(h, "[::1]", 5) == 0) {
        t->family = AF_INET6;
        hl = 5;
    } else {
        return false;
    }
    rest = h + hl;
    t->port = 80;
    if (*rest == ':') {
        char *end;
        unsigned long v = strtoul(rest + 1, &end, 10);
        if (end == rest + 1 || v == 0 || v > 65535)
            return false;
        t->port = (unsigned)v;
        rest = end;
    }
    if (*rest && *rest != '/')
        return false;
    t->path = *rest ? rest : "/";
    snprintf(t->hostport, sizeof(t->hostport), "%.*s", (int)(rest - h), h);
    return true;
}

bool xa_emu_hook_url_ok(const char *url)
{
    struct target t;
    return url && parse_url(url, &t);
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int xa_emu_hook_post(const char *url, const char *const *headers, size_t nheaders, const char *body,
                     size_t len, int timeout_ms, struct xa_diag *diag)
{
    struct target t;
    if (!parse_url(url, &t)) {
        xa_diag_set(diag, XA_ERR_INVALID, "webhook address is not a loopback http URL");
        return -1;
    }
    int fd = socket(t.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        xa_diag_set(diag, XA_ERR_NET, "socket: %s", strerror(errno));
        return -1;
    }
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    int rc;
    if (t.family == AF_INET) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)t.port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        rc = connect(fd, (struct sockaddr *)&a, sizeof(a));
    } else {
        struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)t.port)};
        a.sin6_addr = in6addr_loopback;
        rc = connect(fd, (struct sockaddr *)&a, sizeof(a));
    }
    if (rc != 0) {
        xa_diag_set(diag, XA_ERR_NET, "connect %s: %s", t.hostport, strerror(errno));
        close(fd);
        return -1;
    }
    struct xa_buf b;
    xa_buf_init(&b, 0);
    xa_buf_printf(&b,
                  "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json; "
                  "charset=utf-8\r\nContent-Length: %zu\r\nConnection: close\r\n",
                  t.path, t.hostport, len);
    for (size_t i = 0; i < nheaders; i++)
        xa_buf_printf(&b, "%s\r\n", headers[i]);
    xa_buf_puts(&b, "\r\n");
    int status = -1;
    if (!b.data || send_all(fd, b.data, b.len) || send_all(fd, body, len)) {
        xa_diag_set(diag, XA_ERR_NET, "send to %s failed", t.hostport);
        goto out;
    }
    char resp[256];
    size_t got = 0;
    while (got < sizeof(resp) - 1) {
        ssize_t r = recv(fd, resp + got, sizeof(resp) - 1 - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
        if (memchr(resp, '\n', got))
            break;
    }
    resp[got] = 0;
    int maj, min, code;
    if (sscanf(resp, "HTTP/%d.%d %d", &maj, &min, &code) == 3)
        status = code;
    else
        xa_diag_set(diag, XA_ERR_NET, "no HTTP status line from %s", t.hostport);
out:
    xa_buf_release(&b);
    close(fd);
    return status;
}
