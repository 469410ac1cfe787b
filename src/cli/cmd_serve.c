/* cmd_serve.c - exoaudit serve: the web console and REST API (src/web), with the
 * collector, rule engine and forwarders in background threads when they are built in. */
#include "cli/common.h"
#include "cli/selfaudit.h"
#include "collect/collector.h"
#include "core/http.h"
#include "core/log.h"
#include "core/xtime.h"
#include "out/out.h"
#include "rules/engine.h"
#include "rules/rule.h"
#include "web/server.h"
#include "web/web.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
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

/* ---- background components ----
 * The rule engine, the forwarders and the collector each run in their own thread with their
 * own store connection (the collector starts one thread per tenant from its thread and
 * shares its connection among them under its own mutex, as `exoaudit collect` does). Their
 * health is kept under svc.mu and shown by GET /api/v1/status. */

struct comp {
    const char *state;         /* running, idle, failed, stopped, disabled, not_built, ... */
    int64_t runs, errors, last_run_at, last_ok_at;
    int64_t done;              /* events evaluated / messages sent in total */
    char last_error[256];
    char note[128];
};

struct svc {
    struct xa_cli *cli;
    pthread_mutex_t mu;        /* comps, stop, cond */
    pthread_cond_t cond;
    bool stop;
    struct comp det, fwd, col;
    /* the rule set shared by the engine thread (readers) and rule reloads (writer) */
    pthread_rwlock_t rules_lock;
    struct xa_ruleset *rs;     /* heap: never moved while in use */
    struct xa_cli_rules *rcfg;
    bool rules_ok;
    int64_t rules_loaded_at;
    unsigned detect_seconds;   /* 0 = no detection thread */
    double poll_seconds;       /* forwarders */
    struct xa_out_dest_cfg *dests;
    size_t n_dests_all;
    struct xa_out_dest_cfg *sel;
    size_t n_sel;
    struct xa_collect_cfg *ccfg;  /* NULL = no collect.tenants configured */
    volatile sig_atomic_t col_stop; /* the collector's stop flag (its API polls one) */
};

static void comp_set(struct svc *s, struct comp *c, const char *state, xa_rc rc,
                     const struct xa_diag *d, int64_t done)
{
    pthread_mutex_lock(&s->mu);
    c->state = state;
    c->runs++;
    c->last_run_at = xa_time_now();
    c->done += done;
    if (rc) {
        c->errors++;
        snprintf(c->last_error, sizeof(c->last_error), "%.255s",
                 d && d->msg[0] ? d->msg : xa_rc_str(rc));
    } else {
        c->last_ok_at = c->last_run_at;
    }
    pthread_mutex_unlock(&s->mu);
}

/* Wait up to secs or until stop; true when stopping. */
static bool svc_wait(struct svc *s, double secs)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long ns = (long long)ts.tv_nsec + (long long)(secs * 1e9);
    ts.tv_sec += (time_t)(ns / 1000000000LL);
    ts.tv_nsec = (long)(ns % 1000000000LL);
    pthread_mutex_lock(&s->mu);
    while (!s->stop && pthread_cond_timedwait(&s->cond, &s->mu, &ts) != ETIMEDOUT)
        ;
    bool stop = s->stop;
    pthread_mutex_unlock(&s->mu);
    return stop;
}

static bool svc_stopping(struct svc *s)
{
    pthread_mutex_lock(&s->mu);
    bool stop = s->stop;
    pthread_mutex_unlock(&s->mu);
    return stop;
}

static void rules_free(struct xa_ruleset *rs, struct xa_cli_rules *rc)
{
    if (rc)
        xa_cli_rules_cfg_release(rc);
    if (rs)
        xa_ruleset_release(rs);
    free(rc);
    free(rs);
}

/* Load the rule set (pack, configuration); exit code like the commands. */
static int rules_load(struct svc *s, struct xa_ruleset **rs_out, struct xa_cli_rules **rc_out)
{
    struct xa_ruleset *rs = calloc(1, sizeof(*rs));
    struct xa_cli_rules *rc = calloc(1, sizeof(*rc));
    if (!rs || !rc) {
        free(rs);
        free(rc);
        return XA_EXIT_FAIL;
    }
    xa_ruleset_init(rs);
    int ec = xa_cli_rules_setup(s->cli, rs, rc, true, NULL, 0);
    if (ec) {
        rules_free(rs, rc);
        return ec;
    }
    *rs_out = rs;
    *rc_out = rc;
    return 0;
}

#define DETECT_BATCH 50000

static void *detect_main(void *arg)
{
    struct svc *s = arg;
    struct xa_store st;
    bool open = false;
    while (!svc_stopping(s)) {
        struct xa_diag d;
        xa_diag_clear(&d);
        if (!open) {
            if (xa_cli_open_store(s->cli, false, &st)) {
                xa_diag_set(&d, XA_ERR_DB, "the archive cannot be opened");
                comp_set(s, &s->det, "failed", XA_ERR_DB, &d, 0);
                if (svc_wait(s, s->detect_seconds))
                    break;
                continue;
            }
            open = true;
        }
        pthread_rwlock_rdlock(&s->rules_lock);
        xa_rc rc = XA_OK;
        int64_t evaluated = 0;
        struct xa_engine *e = NULL;
        if (!s->rules_ok)
            rc = xa_diag_set(&d, XA_ERR_INVALID, "no valid rule set loaded");
        if (!rc)
            rc = xa_engine_new(s->rs, &s->rcfg->cfg, &e, &d);
        if (!rc)
            rc = xa_engine_run(e, &st, DETECT_BATCH, &d);
        if (!rc) {
            const struct xa_engine_stats *es = xa_engine_stats(e);
            evaluated = es->events;
            if (es->alerts_new || es->alerts_merged)
                xa_log_info("serve: detection: %lld new alert(s), %lld merged (cursor %lld)",
                            (long long)es->alerts_new, (long long)es->alerts_merged,
                            (long long)es->last_seq);
        }
        xa_engine_free(e);
        pthread_rwlock_unlock(&s->rules_lock);
        if (rc)
            xa_log_error("serve: detection: %s", d.msg[0] ? d.msg : xa_rc_str(rc));
        comp_set(s, &s->det, rc ? "failed" : evaluated ? "running" : "idle", rc, &d, evaluated);
        if (!rc && evaluated >= DETECT_BATCH)
            continue; /* more waiting: next batch at once */
        if (svc_wait(s, s->detect_seconds))
            break;
    }
    if (open)
        xa_store_close(&st);
    pthread_mutex_lock(&s->mu);
    s->det.state = "stopped";
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static void *forward_main(void *arg)
{
    struct svc *s = arg;
    struct xa_store st;
    struct xa_forwarder *fw = NULL;
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = XA_OK;
    while (!svc_stopping(s)) {
        if (!fw) {
            if (xa_cli_open_store(s->cli, false, &st)) {
                rc = xa_diag_set(&d, XA_ERR_DB, "the archive cannot be opened");
            } else if ((rc = xa_forwarder_new(&st, s->sel, s->n_sel, &fw, &d))) {
                xa_store_close(&st);
                fw = NULL;
            }
            if (rc) {
                comp_set(s, &s->fwd, "failed", rc, &d, 0);
                if (svc_wait(s, 30))
                    break;
                continue;
            }
        }
        int64_t sent = 0;
        bool failed = false;
        for (size_t i = 0; i < s->n_sel && !rc && !svc_stopping(s); i++) {
            struct xa_out_pass p;
            rc = xa_forwarder_pass(fw, i, false, &p, &d);
            if (!rc) {
                sent += (int64_t)p.sent;
                failed |= p.failed;
            }
        }
        if (rc) {
            xa_log_error("serve: forwarders: %s", d.msg[0] ? d.msg : xa_rc_str(rc));
            xa_forwarder_free(fw);
            xa_store_close(&st);
            fw = NULL;
        }
        if (!rc && failed)
            xa_diag_set(&d, XA_ERR_NET, "a destination failed (see destinations)");
        comp_set(s, &s->fwd, rc || failed ? "failed" : sent ? "running" : "idle",
                 rc ? rc : failed ? XA_ERR_NET : XA_OK, &d, sent);
        rc = XA_OK;
        xa_diag_clear(&d);
        if (svc_wait(s, s->poll_seconds))
            break;
    }
    if (fw) {
        xa_forwarder_free(fw);
        xa_store_close(&st);
    }
    pthread_mutex_lock(&s->mu);
    s->fwd.state = "stopped";
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* The collector: xa_collect_run in daemon mode (a pass every collect.poll_seconds per
 * tenant) until serve stops. It returns early only when every tenant thread ended on an
 * error (e.g. the archive failed); it is then restarted after a pause. Per-stream progress
 * and errors are in the archive (GET /api/v1/collector/status). */
#define COLLECT_RETRY_SECONDS 30

static void *collect_main(void *arg)
{
    struct svc *s = arg;
    while (!svc_stopping(s)) {
        struct xa_diag d;
        xa_diag_clear(&d);
        struct xa_store st;
        xa_rc rc = XA_OK;
        struct xa_collect_summary sum;
        memset(&sum, 0, sizeof(sum));
        if (xa_cli_open_store(s->cli, false, &st)) {
            rc = xa_diag_set(&d, XA_ERR_DB, "the archive cannot be opened");
        } else {
            pthread_mutex_lock(&s->mu);
            s->col.state = "running";
            pthread_mutex_unlock(&s->mu);
            rc = xa_collect_run(&st, s->ccfg, &s->col_stop, &sum, &d);
            xa_store_close(&st);
        }
        bool stopping = svc_stopping(s);
        if (rc && !stopping)
            xa_log_error("serve: collector: %s", d.msg[0] ? d.msg : xa_rc_str(rc));
        comp_set(s, &s->col, rc && !stopping ? "failed" : "idle", stopping ? XA_OK : rc, &d,
                 (int64_t)sum.records);
        if (stopping || svc_wait(s, COLLECT_RETRY_SECONDS))
            break;
    }
    pthread_mutex_lock(&s->mu);
    s->col.state = "stopped";
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* ---- hooks for the console ---- */

static xa_rc hook_rules_json(void *ud, struct xa_buf *b, struct xa_diag *diag)
{
    struct svc *s = ud;
    pthread_rwlock_rdlock(&s->rules_lock);
    if (!s->rules_ok) {
        pthread_rwlock_unlock(&s->rules_lock);
        return xa_diag_set(diag, XA_ERR_INVALID, "no valid rule set loaded (see the server log)");
    }
    xa_buf_putc(b, '[');
    for (size_t i = 0; i < s->rs->n; i++) {
        const struct xa_rule *r = s->rs->rules[i];
        xa_buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
        xa_buf_json_str(b, r->id, (size_t)-1);
        xa_buf_puts(b, ",\"name\":");
        xa_buf_json_str(b, r->name, (size_t)-1);
        xa_buf_puts(b, ",\"title\":");
        xa_buf_json_str(b, r->title, (size_t)-1);
        xa_buf_printf(b, ",\"kind\":\"%s\",\"level\":",
                      r->kind == XA_RULE_CORRELATION ? "correlation" : "detection");
        xa_buf_json_str(b, r->level, (size_t)-1);
        xa_buf_printf(b, ",\"alerts\":%s,\"author\":", r->generate ? "true" : "false");
        xa_buf_json_str(b, r->author, (size_t)-1);
        xa_buf_puts(b, ",\"license\":");
        xa_buf_json_str(b, r->license, (size_t)-1);
        xa_buf_puts(b, ",\"origin\":");
        xa_buf_json_str(b, r->origin, (size_t)-1);
        xa_buf_puts(b, ",\"tags\":[");
        for (size_t t = 0; t < r->ntags; t++) {
            if (t)
                xa_buf_putc(b, ',');
            xa_buf_json_str(b, r->tags[t], (size_t)-1);
        }
        xa_buf_puts(b, "]}");
    }
    xa_buf_putc(b, ']');
    pthread_rwlock_unlock(&s->rules_lock);
    return XA_OK;
}

static xa_rc hook_rules_reload(void *ud, struct xa_buf *b, struct xa_diag *diag)
{
    struct svc *s = ud;
    struct xa_ruleset *rs = NULL;
    struct xa_cli_rules *rc = NULL;
    if (rules_load(s, &rs, &rc))
        return xa_diag_set(diag, XA_ERR_INVALID,
                           "the rules do not load (details in the server log); the previous "
                           "rule set stays in use");
    pthread_rwlock_wrlock(&s->rules_lock); /* waits for a running detection batch */
    rules_free(s->rs, s->rcfg);
    s->rs = rs;
    s->rcfg = rc;
    s->rules_ok = true;
    s->rules_loaded_at = xa_time_now();
    size_t n = s->rs->n;
    pthread_rwlock_unlock(&s->rules_lock);
    char tb[32];
    xa_buf_printf(b, "{\"rules\":%zu,\"loaded_at\":", n);
    xa_buf_json_str(b, xa_time_format(s->rules_loaded_at, tb), (size_t)-1);
    xa_buf_putc(b, '}');
    xa_log_info("serve: rules reloaded (%zu rules)", n);
    pthread_mutex_lock(&s->mu);
    pthread_cond_broadcast(&s->cond); /* detection runs the new set now */
    pthread_mutex_unlock(&s->mu);
    return XA_OK;
}

static void comp_json(struct xa_buf *b, const char *name, const struct comp *c, bool first)
{
    char tb[32];
    xa_buf_printf(b, "%s\"%s\":{\"state\":\"%s\",\"runs\":%lld,\"errors\":%lld,\"done\":%lld",
                  first ? "" : ",", name, c->state, (long long)c->runs, (long long)c->errors,
                  (long long)c->done);
    xa_buf_puts(b, ",\"last_run_at\":");
    xa_buf_json_str(b, c->last_run_at ? xa_time_format(c->last_run_at, tb) : NULL, (size_t)-1);
    xa_buf_puts(b, ",\"last_ok_at\":");
    xa_buf_json_str(b, c->last_ok_at ? xa_time_format(c->last_ok_at, tb) : NULL, (size_t)-1);
    xa_buf_puts(b, ",\"last_error\":");
    xa_buf_json_str(b, c->last_error[0] ? c->last_error : NULL, (size_t)-1);
    xa_buf_puts(b, ",\"note\":");
    xa_buf_json_str(b, c->note[0] ? c->note : NULL, (size_t)-1);
    xa_buf_putc(b, '}');
}

static void hook_health(void *ud, struct xa_buf *b)
{
    struct svc *s = ud;
    xa_buf_puts(b, "{\"http\":{\"state\":\"running\"}");
    pthread_mutex_lock(&s->mu);
    comp_json(b, "detection", &s->det, false);
    comp_json(b, "forwarders", &s->fwd, false);
    comp_json(b, "collector", &s->col, false);
    pthread_mutex_unlock(&s->mu);
    pthread_rwlock_rdlock(&s->rules_lock);
    char tb[32];
    xa_buf_printf(b, ",\"rules\":{\"state\":\"%s\",\"count\":%zu,\"loaded_at\":",
                  s->rules_ok ? "loaded" : "failed", s->rules_ok ? s->rs->n : (size_t)0);
    xa_buf_json_str(b, s->rules_ok ? xa_time_format(s->rules_loaded_at, tb) : NULL, (size_t)-1);
    pthread_rwlock_unlock(&s->rules_lock);
    xa_buf_puts(b, "}}");
}

/* Set up the components from the configuration (no threads yet). Exit code. */
static int svc_init(struct svc *s, struct xa_cli *cli)
{
    memset(s, 0, sizeof(*s));
    s->cli = cli;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cond, NULL);
    pthread_rwlock_init(&s->rules_lock, NULL);
    s->det.state = s->fwd.state = "disabled";
    s->col.state = "disabled";
    struct xa_diag d;
    xa_diag_clear(&d);
    uint64_t ds = 5;
    if (xa_config_size(cli->cfg, "web.detect_seconds", 5, &ds, &d) || ds > 86400) {
        fprintf(stderr, "exoaudit serve: web.detect_seconds: 0 (off) to 86400\n");
        return XA_EXIT_USAGE;
    }
    s->detect_seconds = (unsigned)ds;
    if (rules_load(s, &s->rs, &s->rcfg) == 0) {
        s->rules_ok = true;
        s->rules_loaded_at = xa_time_now();
    } else {
        xa_log_error("serve: the rules do not load: detection waits for a valid rule set "
                     "(fix it, then POST /api/v1/rules/reload)");
    }
    if (ds)
        s->det.state = "starting";
    else
        snprintf(s->det.note, sizeof(s->det.note), "web.detect_seconds is 0");
    s->poll_seconds = 5;
    const char *ps = xa_config_get(cli->cfg, "forward.poll_seconds");
    if (ps) {
        char *end;
        double v = strtod(ps, &end);
        if (*end || v < 0.05 || v > 86400) {
            fprintf(stderr, "exoaudit: forward.poll_seconds: expected seconds (0.05 to 86400)\n");
            return XA_EXIT_USAGE;
        }
        s->poll_seconds = v;
    }
    xa_rc rc = xa_out_dests_load(cli->cfg, &s->dests, &s->n_dests_all, &d);
    if (rc) {
        xa_cli_error(&d, rc);
        return XA_EXIT_USAGE;
    }
    s->sel = calloc(s->n_dests_all ? s->n_dests_all : 1, sizeof(*s->sel));
    if (!s->sel)
        return XA_EXIT_FAIL;
    size_t skipped = 0;
    for (size_t i = 0; i < s->n_dests_all; i++) {
        if (s->dests[i].what == XA_OUTW_SEARCH) { /* search filters: `exoaudit forward` */
            xa_log_warn("serve: destination %s forwards a search: run 'exoaudit forward' for it",
                        s->dests[i].name);
            skipped++;
            continue;
        }
        s->sel[s->n_sel++] = s->dests[i];
    }
    if (s->n_sel)
        s->fwd.state = "starting";
    else
        snprintf(s->fwd.note, sizeof(s->fwd.note), "%s",
                 skipped ? "only search destinations (run 'exoaudit forward')"
                         : "no forward.destinations configured");
    /* the collector, when tenants are configured (same keys and checks as `collect`) */
    if (!xa_config_get(cli->cfg, "collect.tenants.0.id")) {
        snprintf(s->col.note, sizeof(s->col.note), "no collect.tenants configured");
        return XA_EXIT_OK;
    }
    rc = xa_collect_cfg_load(cli->cfg, &s->ccfg, &d);
    if (!rc)
        rc = xa_http_global_init(&d); /* here, before any thread uses libcurl */
    if (rc) {
        xa_cli_error(&d, rc);
        return rc == XA_ERR_CONFIG ? XA_EXIT_USAGE : XA_EXIT_FAIL;
    }
    s->ccfg->once = false;
    s->col.state = "starting";
    snprintf(s->col.note, sizeof(s->col.note),
             "%zu tenant(s); per stream: GET /api/v1/collector/status", s->ccfg->ntenants);
    return XA_EXIT_OK;
}

static void svc_release(struct svc *s)
{
    rules_free(s->rs, s->rcfg);
    xa_collect_cfg_free(s->ccfg);
    free(s->sel);
    xa_out_dests_free(s->dests, s->n_dests_all);
    pthread_rwlock_destroy(&s->rules_lock);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->mu);
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
    /* evidence exports: web.export_dir, default "exports" beside the archive */
    char export_dir[4096];
    const char *ed = xa_config_get(cli->cfg, "web.export_dir");
    if (ed && *ed) {
        snprintf(export_dir, sizeof(export_dir), "%s", ed);
    } else {
        const char *db = xa_cli_db_path(cli);
        char *state = xa_store_clickhouse_state_path(db); /* ClickHouse: beside its state file */
        if (state)
            db = state;
        const char *slash = strrchr(db, '/');
        snprintf(export_dir, sizeof(export_dir), "%.*s%sexports", slash ? (int)(slash - db) : 0,
                 db, slash ? "/" : "");
        free(state);
    }
    if (mkdir(export_dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "exoaudit serve: cannot create the export directory %s\n", export_dir);
        free(cert);
        free(key);
        return XA_EXIT_USAGE;
    }
    static struct svc svc; /* static: large, and lives as long as the server */
    if ((ec = svc_init(&svc, cli))) {
        svc_release(&svc);
        free(cert);
        free(key);
        return ec;
    }
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
                             .cfg = cli->cfg,
                             .export_dir = export_dir,
                             .private_key_file = xa_cli_private_key_path(cli),
                             .hooks = {.ud = &svc,
                                       .rules_json = hook_rules_json,
                                       .rules_reload = hook_rules_reload,
                                       .health_json = hook_health}};
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
        svc_release(&svc);
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
    /* background components */
    pthread_t det_t, fwd_t, col_t;
    bool det_on = false, fwd_on = false, col_on = false;
    if (svc.detect_seconds) {
        det_on = pthread_create(&det_t, NULL, detect_main, &svc) == 0;
        if (!det_on)
            xa_log_error("serve: cannot start the detection thread");
    }
    if (svc.n_sel) {
        fwd_on = pthread_create(&fwd_t, NULL, forward_main, &svc) == 0;
        if (!fwd_on)
            xa_log_error("serve: cannot start the forwarding thread");
    }
    if (svc.ccfg) {
        col_on = pthread_create(&col_t, NULL, collect_main, &svc) == 0;
        if (!col_on)
            xa_log_error("serve: cannot start the collector thread");
    }
    xa_log_info("serve: detection %s, %zu forward destination(s), collector %s",
                det_on ? "on" : "off", svc.n_sel, col_on ? "on" : "off");
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
    /* poll, not pause(): a signal handled between the test and pause(), or by another
     * thread, would otherwise leave serve waiting forever */
    while (!stop_flag) {
        struct timespec ts = {0, 200000000L};
        nanosleep(&ts, NULL);
    }
    xa_log_info("serve: stopping");
    pthread_mutex_lock(&svc.mu);
    svc.stop = true;
    svc.col_stop = 1;
    pthread_cond_broadcast(&svc.cond);
    pthread_mutex_unlock(&svc.mu);
    xa_web_server_stop(srv);
    if (det_on)
        pthread_join(det_t, NULL);
    if (fwd_on)
        pthread_join(fwd_t, NULL);
    if (col_on)
        pthread_join(col_t, NULL);
    xa_web_app_free(app);
    svc_release(&svc);
    free(cert);
    free(key);
    return XA_EXIT_OK;
}
