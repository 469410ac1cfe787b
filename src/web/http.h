/* http.h - the server-neutral request and response the console's router works on.
 * server.c (the only file including microhttpd.h) fills a request and sends a response;
 * everything else in src/web sees only these structs. */
#ifndef XA_WEB_HTTP_H
#define XA_WEB_HTTP_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>

#define XA_WEB_MAX_ARGS 64       /* query parameters per request */
#define XA_WEB_MAX_QUERY 8192    /* bytes of all query parameters together */
#define XA_WEB_MAX_BODY 262144   /* request body */
#define XA_WEB_MAX_HDRS 8        /* extra response headers */

struct xa_web_arg {
    const char *name, *value; /* decoded; borrowed from the server for the request */
};

struct xa_web_req {
    const char *method;
    const char *path;         /* decoded path without query */
    const char *remote_ip;
    bool tls;
    struct xa_web_arg args[XA_WEB_MAX_ARGS];
    size_t n_args;
    const char *body;         /* NUL-terminated, body_len bytes */
    size_t body_len;
    /* request header by name (case-insensitive), NULL when absent */
    const char *(*header)(void *hctx, const char *name);
    void *hctx;
};

struct xa_web_hdr {
    char name[40];
    char value[512];
};

struct xa_web_resp {
    int status;
    const char *ctype;        /* static string */
    struct xa_buf body;       /* owned; used unless static_data */
    const void *static_data;  /* embedded asset (not copied) */
    size_t static_len;
    struct xa_web_hdr hdrs[XA_WEB_MAX_HDRS];
    size_t n_hdrs;
};

/* The handler the server calls once per complete request (from server threads, so it
 * must be thread-safe). It fills resp (already initialised: status 500, empty body). */
typedef void (*xa_web_handler)(void *app, const struct xa_web_req *req, struct xa_web_resp *resp);

/* First value of query parameter name, or NULL. */
const char *xa_web_arg(const struct xa_web_req *req, const char *name);
/* Add a response header (silently ignored beyond XA_WEB_MAX_HDRS; values are truncated
 * at 511 bytes and CR/LF are replaced). */
void xa_web_add_header(struct xa_web_resp *resp, const char *name, const char *value);

#endif
