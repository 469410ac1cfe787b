/* cmd_detect.c - exoaudit detect, the rule set / engine set-up shared by the rule commands,
 * and detection after an import (config rules.on_import). */
#include "cli/common.h"
#include "core/log.h"
#include "core/str.h"
#include "core/xtime.h"
#include "rules/engine.h"
#include "rules/rule.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CFG_MAX 256

void xa_cli_rules_cfg_release(struct xa_cli_rules *r)
{
    free(r->allow);
    free(r->suppress);
    free(r->disabled);
    memset(r, 0, sizeof(*r));
}

static int cfg_bool(struct xa_cli *cli, const char *key, bool def, bool *out)
{
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = xa_config_bool(cli->cfg, key, def, out, &d);
    if (rc) {
        xa_cli_error(&d, rc);
        return XA_EXIT_USAGE;
    }
    return 0;
}

int xa_cli_rules_setup(struct xa_cli *cli, struct xa_ruleset *rs, struct xa_cli_rules *rc_out,
                       bool builtin, const char *const *extra, size_t n_extra)
{
    memset(rc_out, 0, sizeof(*rc_out));
    struct xa_diag d;
    xa_diag_clear(&d);
    bool use_builtin = true;
    int ec;
    if ((ec = cfg_bool(cli, "rules.builtin", true, &use_builtin)))
        return ec;
    const char *k[CFG_MAX], *v[CFG_MAX];
    size_t n = xa_config_prefixed(cli->cfg, "rules.internal_domains.", k, v, CFG_MAX);
    for (size_t i = 0; i < n; i++)
        xa_ruleset_add_internal_domain(rs, v[i]);
    n = xa_config_prefixed(cli->cfg, "rules.placeholders.", k, v, CFG_MAX);
    for (size_t i = 0; i < n; i++) {
        char name[128];
        const char *dot = strchr(k[i], '.');
        size_t l = dot ? (size_t)(dot - k[i]) : strlen(k[i]);
        if (l >= sizeof(name))
            continue;
        memcpy(name, k[i], l);
        name[l] = 0;
        xa_ruleset_add_placeholder(rs, name, v[i]);
    }
    xa_rc rc = XA_OK;
    /* the mapping always comes first (it is part of the embedded files) */
    if (builtin && use_builtin)
        rc = xa_ruleset_load_builtin(rs, &d);
    else
        for (size_t i = 0; i < xa_rules_n_embedded && !rc; i++)
            if (strncmp(xa_rules_embedded[i].name, "mappings/", 9) == 0)
                rc = xa_ruleset_load_mapping(rs, xa_rules_embedded[i].name,
                                             xa_rules_embedded[i].data, xa_rules_embedded[i].len, &d);
    n = xa_config_prefixed(cli->cfg, "rules.paths.", k, v, CFG_MAX);
    for (size_t i = 0; i < n && !rc; i++)
        rc = xa_ruleset_load_path(rs, v[i], &d);
    for (size_t i = 0; i < n_extra && !rc; i++)
        rc = xa_ruleset_load_path(rs, extra[i], &d);
    if (!rc)
        rc = xa_ruleset_finalise(rs, &d);
    if (rc) {
        xa_cli_error(&d, rc);
        return rc == XA_ERR_INVALID || rc == XA_ERR_PARSE || rc == XA_ERR_IO ? XA_EXIT_USAGE
                                                                           : XA_EXIT_FAIL;
    }
    /* engine settings */
    struct xa_engine_cfg *ec2 = &rc_out->cfg;
    if ((ec = cfg_bool(cli, "rules.include_system", false, &ec2->include_system)) ||
        (ec = cfg_bool(cli, "rules.alert_informational", false, &ec2->alert_informational)))
        return ec;
    n = xa_config_prefixed(cli->cfg, "rules.allow.", k, v, CFG_MAX);
    rc_out->allow = calloc(n + 1, sizeof(*rc_out->allow));
    rc_out->suppress = calloc(CFG_MAX, sizeof(*rc_out->suppress));
    rc_out->disabled = calloc(CFG_MAX, sizeof(*rc_out->disabled));
    if (!rc_out->allow || !rc_out->suppress || !rc_out->disabled)
        return XA_EXIT_FAIL;
    for (size_t i = 0; i < n; i++) {
        char *end;
        long idx = strtol(k[i], &end, 10);
        if (end == k[i] || *end != '.' || idx < 0 || idx >= CFG_MAX)
            continue;
        size_t j = 0;
        for (; j < rc_out->nallow; j++)
            if (rc_out->allow_idx[j] == idx)
                break;
        if (j == rc_out->nallow) {
            if (j >= CFG_MAX)
                continue;
            rc_out->allow_idx[j] = (int)idx;
            rc_out->allow[j].rule_glob = "*";
            rc_out->nallow++;
        }
        if (strcmp(end + 1, "rule") == 0)
            rc_out->allow[j].rule_glob = v[i];
        else if (strcmp(end + 1, "field") == 0)
            rc_out->allow[j].field = v[i];
        else if (strcmp(end + 1, "value") == 0)
            rc_out->allow[j].glob = v[i];
    }
    for (size_t j = 0; j < rc_out->nallow; j++)
        if (!rc_out->allow[j].field || !rc_out->allow[j].glob) {
            fprintf(stderr, "exoaudit: rules.allow.%d: needs field and value\n", rc_out->allow_idx[j]);
            return XA_EXIT_USAGE;
        }
    n = xa_config_prefixed(cli->cfg, "rules.suppress.", k, v, CFG_MAX);
    int64_t now = xa_time_now();
    for (size_t i = 0; i < n; i++) {
        int64_t t;
        if (xa_time_parse_arg(v[i], now, &t) || t >= now) {
            fprintf(stderr, "exoaudit: rules.suppress.%s: expected a duration like 30m, 24h, 7d\n", k[i]);
            return XA_EXIT_USAGE;
        }
        rc_out->suppress[rc_out->nsuppress].rule_glob = k[i];
        rc_out->suppress[rc_out->nsuppress].window_us = now - t;
        rc_out->nsuppress++;
    }
    n = xa_config_prefixed(cli->cfg, "rules.disabled.", k, v, CFG_MAX);
    for (size_t i = 0; i < n; i++)
        rc_out->disabled[rc_out->ndisabled++] = v[i];
    ec2->allow = rc_out->allow;
    ec2->n_allow = rc_out->nallow;
    ec2->suppress = rc_out->suppress;
    ec2->n_suppress = rc_out->nsuppress;
    ec2->disabled = rc_out->disabled;
    ec2->n_disabled = rc_out->ndisabled;
    for (size_t i = 0; i < rs->nwarnings; i++)
        xa_log(XA_LOG_DEBUG, "rules: %s", rs->warnings[i]);
    return 0;
}

/* Run the engine over everything committed since its cursor. */
static int detect_run(struct xa_cli *cli, struct xa_store *st, bool summary, bool quiet)
{
    struct xa_ruleset rs;
    xa_ruleset_init(&rs);
    struct xa_cli_rules rc;
    int ec = xa_cli_rules_setup(cli, &rs, &rc, true, NULL, 0);
    if (ec) {
        xa_cli_rules_cfg_release(&rc);
        xa_ruleset_release(&rs);
        return ec;
    }
    struct xa_engine *e = NULL;
    struct xa_diag d;
    xa_diag_clear(&d);
    int64_t t0 = xa_time_mono();
    xa_rc r = xa_engine_new(&rs, &rc.cfg, &e, &d);
    if (!r)
        r = xa_engine_run(e, st, 0, &d);
    if (r) {
        xa_cli_error(&d, r);
        ec = xa_cli_exit_code(r);
    } else {
        const struct xa_engine_stats *s = xa_engine_stats(e);
        double secs = (double)(xa_time_mono() - t0) / 1e6;
        if (summary)
            printf("detect: %lld events, %lld matches, %lld new alerts, %lld merged, %lld allowed"
                   " (cursor %lld, %.2f s)\n",
                   (long long)s->events, (long long)s->matches, (long long)s->alerts_new,
                   (long long)s->alerts_merged, (long long)s->allowed, (long long)s->last_seq, secs);
        else if (!quiet && (s->alerts_new || s->alerts_merged))
            fprintf(stderr, "detect: %lld new alert(s), %lld merged: see 'exoaudit alerts list'\n",
                    (long long)s->alerts_new, (long long)s->alerts_merged);
    }
    xa_engine_free(e);
    xa_cli_rules_cfg_release(&rc);
    xa_ruleset_release(&rs);
    return ec;
}

int xa_cli_detect_after_import(struct xa_cli *cli, struct xa_store *st)
{
    bool on = true;
    int ec = cfg_bool(cli, "rules.on_import", true, &on);
    if (ec || !on)
        return ec;
    return detect_run(cli, st, false, cli->quiet);
}

void xa_help_detect(FILE *out)
{
    fprintf(out,
            "usage: exoaudit detect [--once] [--interval SECONDS]\n\n"
            "Runs the detection rules (the built-in pack, rules.paths from the configuration)\n"
            "over every event committed to the archive since the engine's cursor, stores the\n"
            "alerts with the events that triggered them and moves the cursor, in one\n"
            "transaction per batch. Correlation windows are kept in the archive, so a restart\n"
            "continues where it stopped. 'exoaudit import' runs this after each import unless\n"
            "rules.on_import is false.\n\n"
            "  --once             one pass, then exit (default: keep following the archive)\n"
            "  --interval SECONDS pause between passes (default 10)\n");
}

int xa_cmd_detect(struct xa_cli *cli, int argc, char **argv)
{
    bool once = false;
    long interval = 10;
    static const struct option opts[] = {{"once", no_argument, NULL, 'o'},
                                         {"interval", required_argument, NULL, 'i'},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'o': once = true; break;
        case 'i': {
            char *end;
            interval = strtol(optarg, &end, 10);
            if (*end || interval < 1 || interval > 86400) {
                fprintf(stderr, "exoaudit detect: --interval: expected 1 to 86400\n");
                return XA_EXIT_USAGE;
            }
            break;
        }
        default: xa_help_detect(stderr); return XA_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "exoaudit detect: unexpected argument '%s'\n", argv[optind]);
        return XA_EXIT_USAGE;
    }
    for (;;) {
        struct xa_store st;
        int ec = xa_cli_open_store(cli, false, &st);
        if (ec)
            return ec;
        ec = detect_run(cli, &st, true, cli->quiet);
        xa_store_close(&st);
        if (ec || once)
            return ec;
        fflush(stdout);
        sleep((unsigned)interval);
    }
}
