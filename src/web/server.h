/* server.h - the HTTP(S) listener (libmicrohttpd): one thread per connection, bounded
 * connections, header and body sizes; every complete request goes to one handler. */
#ifndef XA_WEB_SERVER_H
#define XA_WEB_SERVER_H

#include "core/rc.h"
#include "web/http.h"

#include <stdbool.h>

struct xa_web_server;

struct xa_web_server_cfg {
    const char *address;    /* numeric IPv4 or IPv6 */
    unsigned port;          /* 0 = any free port (see xa_web_server_port) */
    const char *tls_cert_pem, *tls_key_pem; /* both NULL = plain HTTP */
    unsigned max_connections;
    unsigned timeout_seconds;
    xa_web_handler handler;
    void *app;
};

xa_rc xa_web_server_start(const struct xa_web_server_cfg *cfg, struct xa_web_server **out,
                          struct xa_diag *diag);
unsigned xa_web_server_port(const struct xa_web_server *s);
void xa_web_server_stop(struct xa_web_server *s);
/* True when libmicrohttpd was built with TLS. */
bool xa_web_server_tls_supported(void);

#endif
