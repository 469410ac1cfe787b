/* cli.c - git-style dispatcher, global options, shared helpers. */
#include "cli/cli.h"

#include "cli/common.h"
#include "cli/selfaudit.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/http.h"
#include "core/log.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct xa_cmd commands[] = {
    {"import", "import audit records from files (API blobs, JSON Lines; gzip/zstd)", xa_cmd_import, xa_help_import},
    {"search", "search the archive with the filters of the audit cmdlets and more", xa_cmd_search, xa_help_search},
    {"show", "print one event: who / what / when / where, parameters, raw record", xa_cmd_show, xa_help_show},
    {"quarantine", "list input that was refused, with its position and reason", xa_cmd_quarantine, xa_help_quarantine},
    {"generate", "write deterministic, realistic tenant audit activity", xa_cmd_generate, xa_help_generate},
    {"stats", "archive totals: events, duplicates, quarantine, time range, size", xa_cmd_stats, xa_help_stats},
    {"collect", "collect live from the Office 365 Management Activity API (daemon or --once)", xa_cmd_collect, xa_help_collect},
    {"status", "collector coverage per tenant and content type: lag, blobs, gaps, errors", xa_cmd_status, xa_help_status},
    {"emulate", "run a fault-injecting Office 365 Management Activity API emulator on loopback", xa_cmd_emulate, xa_help_emulate},
    {"rules", "list, validate and test detection rules (Sigma)", xa_cmd_rules, xa_help_rules},
    {"detect", "run the detection rules over newly committed events (own cursor)", xa_cmd_detect, xa_help_detect},
    {"hunt", "run one rule over the archive's past (retro-hunt)", xa_cmd_hunt, xa_help_hunt},
    {"alerts", "list, show, acknowledge, close and comment alerts", xa_cmd_alerts, xa_help_alerts},
    {"report", "reports: non-owner access, permission history, admin changes, timeline, coverage", xa_cmd_report, xa_help_report},
    {"posture", "audit-configuration posture from exported settings, with a remediation script", xa_cmd_posture, xa_help_posture},
    {"init", "create the archive and the key pair that signs its checkpoints", xa_cmd_init, xa_help_init},
    {"key", "export the public key that verifies the archive (key export)", xa_cmd_key, xa_help_key},
    {"verify", "prove the archive (or an evidence bundle) was not altered; exit 4 if it was", xa_cmd_verify, xa_help_verify},
    {"purge", "remove records past their retention, with a signed purge record", xa_cmd_purge, xa_help_purge},
    {"export", "write a self-verifying evidence bundle of matching records", xa_cmd_export, xa_help_export},
    {"serve", "run the web console and REST API (HTTPS; accounts from 'exoaudit user')", xa_cmd_serve, xa_help_serve},
    {"user", "console accounts and API tokens: add, list, remove, token", xa_cmd_user, xa_help_user},
    {"forward", "send alerts or events to syslog (CEF/LEEF/JSON), Splunk, Elasticsearch, webhooks, e-mail", xa_cmd_forward, xa_help_forward},
};
#define NCMD (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
    fprintf(out,
            "usage: exoaudit [--db PATH] [--config FILE] [--log-level LEVEL] [-q] COMMAND [ARGS]\n"
            "       exoaudit --version | --help | help COMMAND\n\n"
            "exoaudit keeps the Exchange Online / Office 365 audit trail: who did what, to which\n"
            "mailbox, when and from where; stored exactly once, searchable in milliseconds.\n\n"
            "Commands:\n");
    for (size_t i = 0; i < NCMD; i++)
        fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\nGlobal options:\n"
            "  --db PATH          archive file (else $EXOAUDIT_DB, config archive.path, or\n"
            "                     ~/.local/share/exoaudit/archive.db)\n"
            "  --config FILE      YAML configuration (else $EXOAUDIT_CONFIG, ~/.config/exoaudit/\n"
            "                     exoaudit.yaml, /etc/exoaudit/exoaudit.yaml)\n"
            "  --log-level LEVEL  error, warn, info (default) or debug\n"
            "  -q, --quiet        only errors on stderr\n\n"
            "Exit codes: 0 ok, 1 failure, 2 usage or configuration error,\n"
            "            3 finished but some input was quarantined.\n"
            "Run 'exoaudit COMMAND --help' for a command's options.\n");
}

bool xa_cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return true;
    }
    return false;
}

void xa_cli_error(const struct xa_diag *d, xa_rc rc)
{
    if (d && d->msg[0])
        fprintf(stderr, "exoaudit: %s\n", d->msg);
    else
        fprintf(stderr, "exoaudit: %s\n", xa_rc_str(rc));
}

int xa_cli_exit_code(xa_rc rc)
{
    if (rc == XA_OK)
        return XA_EXIT_OK;
    if (rc == XA_ERR_USAGE || rc == XA_ERR_CONFIG)
        return XA_EXIT_USAGE;
    return XA_EXIT_FAIL;
}

int xa_cli_parse_format(const char *s, enum xa_out_format *out)
{
    static const char *names[] = {"table", "json", "csv", "text"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (enum xa_out_format)i;
            return 0;
        }
    return -1;
}

#define XA_CH_HOSTS_MAX 16

static void put_escaped(struct xa_buf *u, const char *v)
{
    char e[3 * 4096 + 1];
    if (xa_http_escape(v, e, sizeof(e)) == XA_OK)
        xa_buf_puts(u, e);
    else
        xa_buf_puts(u, "%00"); /* too long: a location that fails to open, never a silent default */
}

/* archive.clickhouse.* (docs/CLICKHOUSE.md) as a location URL; NULL when not configured. */
static char *clickhouse_location(const struct xa_config *cfg)
{
    const char *keys[XA_CH_HOSTS_MAX], *vals[XA_CH_HOSTS_MAX];
    size_t n = xa_config_prefixed(cfg, "archive.clickhouse.hosts.", keys, vals, XA_CH_HOSTS_MAX);
    if (!n)
        return NULL;
    struct xa_diag d;
    xa_diag_clear(&d);
    bool tls = false;
    xa_config_bool(cfg, "archive.clickhouse.tls", false, &tls, &d);
    const char *db = xa_config_get(cfg, "archive.clickhouse.database");
    const char *user = xa_config_get(cfg, "archive.clickhouse.user");
    struct xa_buf u;
    xa_buf_init(&u, 0);
    xa_buf_puts(&u, tls ? "clickhouses://" : "clickhouse://");
    if (user && *user) {
        put_escaped(&u, user);
        xa_buf_putc(&u, '@');
    }
    for (size_t i = 0; i < n; i++) {
        if (i)
            xa_buf_putc(&u, ',');
        xa_buf_puts(&u, vals[i]);
    }
    xa_buf_printf(&u, "/%s", db && *db ? db : "exoaudit");
    static const char *const params[] = {"cluster", "state", "password_file", "ca_file",
                                         "timeout_s", "allow_plain_http"};
    char sep = '?';
    for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
        char key[64];
        snprintf(key, sizeof(key), "archive.clickhouse.%s", params[i]);
        const char *v = xa_config_get(cfg, key);
        if (!v || !*v)
            continue;
        xa_buf_printf(&u, "%c%s=", sep, params[i]);
        put_escaped(&u, v);
        sep = '&';
    }
    if (xa_buf_putc(&u, '\0')) {
        xa_buf_release(&u);
        return NULL;
    }
    return u.data; /* the buffer is handed over */
}

const char *xa_cli_db_path(struct xa_cli *cli)
{
    if (cli->db_path)
        return cli->db_path;
    const char *p = cli->db_opt;
    if (!p || !*p)
        p = getenv("EXOAUDIT_DB");
    if ((!p || !*p) && (cli->db_path = clickhouse_location(cli->cfg)))
        return cli->db_path;
    if (!p || !*p)
        p = xa_config_get(cli->cfg, "archive.path");
    if (p && *p)
        cli->db_path = strdup(p);
    else
        cli->db_path = xa_config_default_archive();
    return cli->db_path;
}

int xa_cli_open_store(struct xa_cli *cli, bool readonly, struct xa_store *st)
{
    struct xa_diag d;
    xa_diag_clear(&d);
    uint64_t cache_mb = 0;
    xa_rc rc = xa_config_size(cli->cfg, "archive.cache_mb", 0, &cache_mb, &d);
    if (rc) {
        xa_cli_error(&d, rc);
        return XA_EXIT_USAGE;
    }
    const char *path = xa_cli_db_path(cli);
    if (!path) {
        fprintf(stderr, "exoaudit: no archive location (set --db or $EXOAUDIT_DB)\n");
        return XA_EXIT_USAGE;
    }
    if (readonly && !xa_store_is_clickhouse(path) && access(path, F_OK) != 0) {
        fprintf(stderr, "exoaudit: %s: no archive there yet (run 'exoaudit import' first)\n", path);
        return XA_EXIT_FAIL;
    }
    struct xa_integrity_cfg ic; /* integrity.* keys (selfaudit.c) */
    int iec = xa_cli_integrity_cfg(cli, &ic);
    if (iec)
        return iec;
    struct xa_store_cfg sc = {.location = path, .readonly = readonly, .cache_mb = (size_t)cache_mb,
                              .integrity = &ic};
    rc = xa_store_open(&sc, st, &d);
    if (rc) {
        xa_cli_error(&d, rc);
        return xa_cli_exit_code(rc);
    }
    return XA_EXIT_OK;
}

int xa_cli_main(int argc, char **argv)
{
    struct xa_cli cli;
    memset(&cli, 0, sizeof(cli));
    cli.prog = "exoaudit";
    const char *log_level = NULL;
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},      {"config", required_argument, NULL, 'c'},
        {"log-level", required_argument, NULL, 'l'}, {"quiet", no_argument, NULL, 'q'},
        {"version", no_argument, NULL, 'V'},       {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;
    opterr = 0;
    /* '+' stops at the first non-option: the command name */
    while ((c = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
        switch (c) {
        case 'd': cli.db_opt = optarg; break;
        case 'c': cli.config_opt = optarg; break;
        case 'l': log_level = optarg; break;
        case 'q': cli.quiet = true; break;
        case 'V': printf("exoaudit %s\n", XA_VERSION); return XA_EXIT_OK;
        case 'h': usage(stdout); return XA_EXIT_OK;
        default:
            fprintf(stderr, "exoaudit: unknown or incomplete global option '%s'\n", argv[optind - 1]);
            usage(stderr);
            return XA_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return XA_EXIT_USAGE;
    }
    const char *name = argv[optind];
    int cargc = argc - optind;
    char **cargv = argv + optind;
    if (strcmp(name, "help") == 0) {
        if (cargc < 2) {
            usage(stdout);
            return XA_EXIT_OK;
        }
        name = cargv[1];
        for (size_t i = 0; i < NCMD; i++)
            if (strcmp(commands[i].name, name) == 0) {
                commands[i].help(stdout);
                return XA_EXIT_OK;
            }
        fprintf(stderr, "exoaudit: no such command '%s'\n", name);
        return XA_EXIT_USAGE;
    }
    const struct xa_cmd *cmd = NULL;
    for (size_t i = 0; i < NCMD; i++)
        if (strcmp(commands[i].name, name) == 0)
            cmd = &commands[i];
    if (!cmd) {
        fprintf(stderr, "exoaudit: no such command '%s' (see 'exoaudit --help')\n", name);
        return XA_EXIT_USAGE;
    }
    if (xa_cli_wants_help(cargc, cargv)) {
        cmd->help(stdout);
        return XA_EXIT_OK;
    }
    if (log_level) {
        int lv = xa_log_level_parse(log_level);
        if (lv < 0) {
            fprintf(stderr, "exoaudit: --log-level: expected error, warn, info or debug\n");
            return XA_EXIT_USAGE;
        }
        xa_log_set_level((enum xa_log_level)lv);
    } else if (cli.quiet) {
        xa_log_set_level(XA_LOG_ERROR);
    }
    /* configuration */
    struct xa_diag d;
    xa_diag_clear(&d);
    char *cpath = cli.config_opt ? strdup(cli.config_opt) : xa_config_default_path();
    xa_rc rc = XA_OK;
    if (cpath)
        rc = xa_config_load(cpath, &cli.cfg, &d);
    else
        cli.cfg = xa_config_empty();
    free(cpath);
    if (rc) {
        xa_cli_error(&d, rc);
        return XA_EXIT_USAGE;
    }
    if (!log_level && !cli.quiet && xa_config_get(cli.cfg, "log.level")) {
        int lv = xa_log_level_parse(xa_config_get(cli.cfg, "log.level"));
        if (lv < 0) {
            fprintf(stderr, "exoaudit: %s: log.level: expected error, warn, info or debug\n",
                    xa_config_path(cli.cfg));
            xa_config_free(cli.cfg);
            return XA_EXIT_USAGE;
        }
        xa_log_set_level((enum xa_log_level)lv);
    }
    optind = 0; /* glibc: re-initialise getopt; commands parse their own argv */
    int ret = cmd->run(&cli, cargc, cargv);
    xa_config_free(cli.cfg);
    free(cli.db_path);
    return ret;
}
