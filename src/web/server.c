/* server.c - libmicrohttpd glue: the only file of src/web including microhttpd.h. */
#include "web/server.h"

#include "core/log.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

struct xa_web_server {
    struct MHD_Daemon *d;
    xa_web_handler handler;
    void *app;
    bool tls;
    unsigned port;
};

struct conn {
    struct xa_buf body;
    bool too_large;
};

void xa_web_add_header(struct xa_web_resp *resp, const char *name, const char *value)
{
    if (resp->n_hdrs >= XA_WEB_MAX_HDRS)
        return;
    struct xa_web_hdr *h = &resp->hdrs[resp->n_hdrs++];
    snprintf(h->name, sizeof(h->name), "%s", name);
    snprintf(h->value, sizeof(h->value), "%s", value);
    for (char *p = h->value; *p; p++)
        if (*p == '\r' || *p == '\n')
            *p = ' ';
}

const char *xa_web_arg(const struct xa_web_req *req, const char *name)
{
    for (size_t i = 0; i < req->n_args; i++)
        if (strcmp(req->args[i].name, name) == 0)
            return req->args[i].value;
    return NULL;
}

static const char *hdr_get(void *hctx, const char *name)
{
    return MHD_lookup_connection_value(hctx, MHD_HEADER_KIND, name);
}

struct argcol {
    struct xa_web_req *req;
    size_t bytes;
    bool over;
};

static enum MHD_Result arg_it(void *cls, enum MHD_ValueKind kind, const char *key,
                              const char *value)
{
    struct argcol *a = cls;
    (void)kind;
    size_t n = strlen(key) + (value ? strlen(value) : 0) + 2;
    a->bytes += n;
    if (a->req->n_args >= XA_WEB_MAX_ARGS || a->bytes > XA_WEB_MAX_QUERY) {
        a->over = true;
        return MHD_NO;
    }
    a->req->args[a->req->n_args].name = key;
    a->req->args[a->req->n_args].value = value ? value : "";
    a->req->n_args++;
    return MHD_YES;
}

static enum MHD_Result send_resp(struct MHD_Connection *con, struct xa_web_resp *r)
{
    const void *data = r->static_data ? r->static_data : (r->body.data ? r->body.data : "");
    size_t len = r->static_data ? r->static_len : r->body.len;
    struct MHD_Response *rsp = MHD_create_response_from_buffer(
        len, (void *)data, r->static_data ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_COPY);
    if (!rsp)
        return MHD_NO;
    if (r->ctype)
        MHD_add_response_header(rsp, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype);
    for (size_t i = 0; i < r->n_hdrs; i++)
        MHD_add_response_header(rsp, r->hdrs[i].name, r->hdrs[i].value);
    enum MHD_Result ret = MHD_queue_response(con, (unsigned)r->status, rsp);
    MHD_destroy_response(rsp);
    return ret;
}

static enum MHD_Result plain_error(struct xa_web_server *s, struct MHD_Connection *con,
                                   struct xa_web_req *req, int status, const char *code)
{
    /* let the application format it (security headers, JSON) with a synthetic path */
    struct xa_web_resp r;
    memset(&r, 0, sizeof(r));
    xa_buf_init(&r.body, 0);
    r.status = status;
    char path[64];
    snprintf(path, sizeof(path), "/-/error/%d/%s", status, code);
    req->path = path;
    s->handler(s->app, req, &r);
    enum MHD_Result ret = send_resp(con, &r);
    xa_buf_release(&r.body);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct xa_web_server *s = cls;
    (void)version;
    struct conn *c = *con_cls;
    if (!c) {
        c = calloc(1, sizeof(*c));
        if (!c)
            return MHD_NO;
        xa_buf_init(&c->body, XA_WEB_MAX_BODY);
        *con_cls = c;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!c->too_large && xa_buf_append(&c->body, upload_data, *upload_data_size))
            c->too_large = true;
        *upload_data_size = 0;
        return MHD_YES;
    }
    struct xa_web_req req;
    memset(&req, 0, sizeof(req));
    req.method = method;
    req.path = url;
    req.tls = s->tls;
    req.header = hdr_get;
    req.hctx = con;
    char ip[INET6_ADDRSTRLEN] = "unknown";
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        if (ci->client_addr->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, ip,
                      sizeof(ip));
        else if (ci->client_addr->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, ip,
                      sizeof(ip));
    }
    req.remote_ip = ip;
    if (c->too_large)
        return plain_error(s, con, &req, 413, "body_too_large");
    struct argcol ac = {.req = &req};
    MHD_get_connection_values(con, MHD_GET_ARGUMENT_KIND, arg_it, &ac);
    if (ac.over)
        return plain_error(s, con, &req, 414, "query_too_large");
    req.body = c->body.data ? c->body.data : "";
    req.body_len = c->body.len;
    struct xa_web_resp r;
    memset(&r, 0, sizeof(r));
    xa_buf_init(&r.body, 0);
    r.status = 500;
    s->handler(s->app, &req, &r);
    enum MHD_Result ret = send_resp(con, &r);
    xa_buf_release(&r.body);
    return ret;
}

static void on_done(void *cls, struct MHD_Connection *con, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)con;
    (void)toe;
    struct conn *c = *con_cls;
    if (c) {
        xa_buf_release(&c->body);
        free(c);
        *con_cls = NULL;
    }
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    xa_log_debug("http: %s", msg);
}

bool xa_web_server_tls_supported(void)
{
    return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES;
}

xa_rc xa_web_server_start(const struct xa_web_server_cfg *cfg, struct xa_web_server **out,
                          struct xa_diag *diag)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_ERROR_LOG;
    socklen_t sl;
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, cfg->address, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)cfg->port);
        sl = sizeof(*a4);
    } else if (inet_pton(AF_INET6, cfg->address, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)cfg->port);
        sl = sizeof(*a6);
        flags |= MHD_USE_IPv6;
    } else {
        return xa_diag_set(diag, XA_ERR_CONFIG, "web.listen: not a numeric IP address: %s",
                           cfg->address);
    }
    (void)sl;
    bool tls = cfg->tls_cert_pem && cfg->tls_key_pem;
    if (tls) {
        if (!xa_web_server_tls_supported())
            return xa_diag_set(diag, XA_ERR_UNSUPPORTED, "libmicrohttpd was built without TLS");
        flags |= MHD_USE_TLS;
    }
    struct xa_web_server *s = calloc(1, sizeof(*s));
    if (!s)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    s->handler = cfg->handler;
    s->app = cfg->app;
    s->tls = tls;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_SOCK_ADDR, 0, &ss},
        {MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections ? cfg->max_connections : 256, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_seconds ? cfg->timeout_seconds : 30, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_done, NULL},
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL},
        {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *)cfg->tls_cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)cfg->tls_key_pem},
        {MHD_OPTION_END, 0, NULL}};
    s->d = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, on_request, s,
                            MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!s->d) {
        free(s);
        return xa_diag_set(diag, XA_ERR_NET, "cannot listen on %s port %u%s", cfg->address,
                           cfg->port, tls ? " (or the TLS certificate/key is invalid)" : "");
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : cfg->port;
    *out = s;
    return XA_OK;
}

unsigned xa_web_server_port(const struct xa_web_server *s)
{
    return s->port;
}

void xa_web_server_stop(struct xa_web_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->d);
    free(s);
}
