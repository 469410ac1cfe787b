/* cmd_serve.c - exoaudit serve: the web console and REST API (src/web), with the
 * collector, rule engine and forwarders in background threads when they are built in. */
#include "cli/common.h"
#include "cli/selfaudit.h"
#include "core/log.h"
#include "web/server.h"
#include "web/web.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void xa_help_serve(FILE *out)
{
    fprintf(out,
            "usage: exoaudit serve [--listen ADDR] [--port N] [--port-file FILE]\n\n"
            "Runs the web console and the REST API (/api/v1, docs/api.md) over the archive.\n"
            "Closed by default: nobody gets in without an account ('exoaudit user add').\n"
            "Listening on anything but loopback requires TLS (web.tls_cert_file and\n"
            "web.tls_key_file in the configuration).\n\n"
            "  --listen ADDR      numeric address (default web.listen or 127.0.0.1)\n"
            "  --port N           port (default web.port or 8080; 0 = any free port)\n"
            "  --port-file FILE   write the port listened on to FILE once ready\n");
}

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static bool loopback(const char *a)
{
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, a, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, a, &v6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&v6);
    return false;
}

static char *slurp(const char *path, size_t max)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    char *b = malloc(max + 1);
    size_t n = b ? fread(b, 1, max, fp) : 0;
    fclose(fp);
    if (!b || n == 0 || n == max) {
        free(b);
        return NULL;
    }
    b[n] = '\0';
    return b;
}

int xa_cmd_serve(struct xa_cli *cli, int argc, char **argv)
{
    const char *listen = xa_config_get(cli->cfg, "web.listen");
    const char *port_file = NULL;
    struct xa_diag d;
    xa_diag_clear(&d);
    uint64_t port = 8080, sess = 480, attempts = 5, window = 900, dbc = 8, maxc = 256;
    xa_rc rc = xa_config_size(cli->cfg, "web.port", 8080, &port, &d);
    if (!rc)
        rc = xa_config_size(cli->cfg, "web.session_minutes", 480, &sess, &d);
    if (!rc)
        rc = xa_config_size(cli->cfg, "web.login_attempts", 5, &attempts, &d);
    if (!rc)
        rc = xa_config_size(cli->cfg, "web.login_window_seconds", 900, &window, &d);
    if (!rc)
        rc = xa_config_size(cli->cfg, "web.db_connections", 8, &dbc, &d);
    if (!rc)
        rc = xa_config_size(cli->cfg, "web.max_connections", 256, &maxc, &d);
    if (rc) {
        xa_cli_error(&d, rc);
        return XA_EXIT_USAGE;
    }
    static const struct option opts[] = {{"listen", required_argument, NULL, 'l'},
                                         {"port", required_argument, NULL, 'p'},
                                         {"port-file", required_argument, NULL, 'P'},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'l': listen = optarg; break;
        case 'p': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 0 || v > 65535) {
                fprintf(stderr, "exoaudit serve: --port: expected 0 to 65535\n");
                return XA_EXIT_USAGE;
            }
            port = (uint64_t)v;
            break;
        }
        case 'P': port_file = optarg; break;
        default: xa_help_serve(stderr); return XA_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "exoaudit serve: unexpected argument '%s'\n", argv[optind]);
        return XA_EXIT_USAGE;
    }
    if (!listen || !*listen)
        listen = "127.0.0.1";
    if (port > 65535 || sess < 1 || sess > 10080 || attempts < 1 || attempts > 16 ||
        dbc < 1 || dbc > 64 || maxc < 4 || maxc > 4096) {
        fprintf(stderr, "exoaudit serve: web.* setting out of range (port <= 65535, "
                        "session_minutes 1-10080, login_attempts 1-16, db_connections 1-64, "
                        "max_connections 4-4096)\n");
        return XA_EXIT_USAGE;
    }
    const char *cert_file = xa_config_get(cli->cfg, "web.tls_cert_file");
    const char *key_file = xa_config_get(cli->cfg, "web.tls_key_file");
    bool tls = cert_file && *cert_file && key_file && *key_file;
    if ((cert_file && *cert_file) != (key_file && *key_file)) {
        fprintf(stderr, "exoaudit serve: set both web.tls_cert_file and web.tls_key_file\n");
        return XA_EXIT_USAGE;
    }
    if (!tls && !loopback(listen)) {
        fprintf(stderr, "exoaudit serve: refusing to listen on %s without TLS: set "
                        "web.tls_cert_file and web.tls_key_file (or listen on 127.0.0.1)\n",
                listen);
        return XA_EXIT_USAGE;
    }
    char *cert = NULL, *key = NULL;
    if (tls) {
        cert = slurp(cert_file, 1 << 20);
        key = slurp(key_file, 1 << 20);
        if (!cert || !key) {
            fprintf(stderr, "exoaudit serve: cannot read %s\n", !cert ? cert_file : key_file);
            free(cert);
            free(key);
            return XA_EXIT_USAGE;
        }
    }
    struct xa_integrity_cfg ic;
    int ec = xa_cli_integrity_cfg(cli, &ic);
    if (ec) {
        free(cert);
        free(key);
        return ec;
    }
    /* create / migrate the archive once, in this thread */
    struct xa_store st;
    if ((ec = xa_cli_open_store(cli, false, &st))) {
        free(cert);
        free(key);
        return ec;
    }
    xa_store_close(&st);
    uint64_t cache_mb = 0;
    xa_config_size(cli->cfg, "archive.cache_mb", 0, &cache_mb, NULL);
    struct xa_web_opts wo = {.db_path = xa_cli_db_path(cli),
                             .cache_mb = (size_t)cache_mb,
                             .db_connections = (unsigned)dbc,
                             .session_minutes = (unsigned)sess,
                             .login_attempts = (unsigned)attempts,
                             .login_window_seconds = (unsigned)window,
                             .tls = tls,
                             .integrity = &ic,
                             .cfg = cli->cfg};
    struct xa_web_app *app = NULL;
    struct xa_web_server *srv = NULL;
    rc = xa_web_app_new(&wo, &app, &d);
    if (!rc) {
        struct xa_web_server_cfg sc = {.address = listen,
                                       .port = (unsigned)port,
                                       .tls_cert_pem = cert,
                                       .tls_key_pem = key,
                                       .max_connections = (unsigned)maxc,
                                       .handler = xa_web_handle,
                                       .app = app};
        rc = xa_web_server_start(&sc, &srv, &d);
    }
    if (rc) {
        xa_cli_error(&d, rc);
        xa_web_app_free(app);
        free(cert);
        free(key);
        return xa_cli_exit_code(rc);
    }
    unsigned bound = xa_web_server_port(srv);
    xa_log_info("serve: console at %s://%s%s%s:%u/ (archive %s)", tls ? "https" : "http",
                strchr(listen, ':') ? "[" : "", listen, strchr(listen, ':') ? "]" : "", bound,
                wo.db_path);
    if (!tls)
        xa_log_warn("serve: no TLS configured: session cookies are sent without Secure "
                    "(loopback only)");
    /* background components: built when their entry points exist in the tree */
    xa_log_warn("serve: collector not available in this build (no background collection)");
    xa_log_warn("serve: rule engine not available in this build (no background detection)");
    xa_log_warn("serve: forwarders not available in this build (nothing forwarded)");
    if (port_file) {
        FILE *fp = fopen(port_file, "w");
        if (fp) {
            fprintf(fp, "%u\n", bound);
            fclose(fp);
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    while (!stop_flag)
        pause();
    xa_log_info("serve: stopping");
    xa_web_server_stop(srv);
    xa_web_app_free(app);
    free(cert);
    free(key);
    return XA_EXIT_OK;
}
