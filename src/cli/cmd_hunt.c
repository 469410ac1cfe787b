/* cmd_hunt.c - exoaudit hunt: run rules over the archive's past (retro-hunt). */
#include "cli/common.h"
#include "rules/alert.h"
#include "core/xtime.h"
#include "rules/engine.h"
#include "rules/rule.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void xa_help_hunt(FILE *out)
{
    fprintf(out,
            "usage: exoaudit hunt --rule FILE [--rule FILE]... [--since T] [--until T]\n"
            "                     [--with-builtin] [--store] [--format table|json]\n\n"
            "Runs Sigma rules (files or folders) over the events already in the archive, oldest\n"
            "first, and prints the alerts they would have raised (deduplicated by rule and group\n"
            "key like live detection). Nothing is written unless --store, which keeps the alerts\n"
            "in the archive. The live engine's cursor and windows are not touched.\n\n"
            "  --rule FILE      rule file or folder (repeatable)\n"
            "  --since T        only events at or after T (RFC 3339 or 30d, 12h, ...)\n"
            "  --until T        only events before T\n"
            "  --with-builtin   load the built-in pack too (correlations may reference it)\n"
            "  --store          store the alerts in the archive\n");
}

struct hctx {
    struct xa_engine *e;
    int64_t since, until;
    struct xa_diag *d;
};

static xa_rc hunt_cb(void *ud, const struct xa_event *ev)
{
    struct hctx *h = ud;
    if (h->since != XA_TIME_NONE && ev->occurred_at < h->since)
        return XA_OK;
    if (h->until != XA_TIME_NONE && ev->occurred_at >= h->until)
        return XA_OK;
    return xa_engine_event(h->e, ev, h->d);
}

int xa_cmd_hunt(struct xa_cli *cli, int argc, char **argv)
{
    const char *files[64];
    size_t nf = 0;
    int64_t since = XA_TIME_NONE, until = XA_TIME_NONE, now = xa_time_now();
    bool builtin = false, store = false;
    enum xa_out_format fmt = XA_OUT_TABLE;
    static const struct option opts[] = {
        {"rule", required_argument, NULL, 'r'},  {"since", required_argument, NULL, 's'},
        {"until", required_argument, NULL, 'u'}, {"with-builtin", no_argument, NULL, 'b'},
        {"store", no_argument, NULL, 'S'},       {"format", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (nf < 64)
                files[nf++] = optarg;
            break;
        case 's':
        case 'u':
            if (xa_time_parse_arg(optarg, now, c == 's' ? &since : &until)) {
                fprintf(stderr, "exoaudit hunt: bad time '%s'\n", optarg);
                return XA_EXIT_USAGE;
            }
            break;
        case 'b': builtin = true; break;
        case 'S': store = true; break;
        case 'f':
            if (xa_cli_parse_format(optarg, &fmt)) {
                fprintf(stderr, "exoaudit hunt: --format: table or json\n");
                return XA_EXIT_USAGE;
            }
            break;
        default: xa_help_hunt(stderr); return XA_EXIT_USAGE;
        }
    }
    if (!nf && !builtin) {
        fprintf(stderr, "exoaudit hunt: --rule FILE is required\n");
        return XA_EXIT_USAGE;
    }
    struct xa_ruleset rs;
    xa_ruleset_init(&rs);
    struct xa_cli_rules rc;
    int ec = xa_cli_rules_setup(cli, &rs, &rc, builtin, files, nf);
    struct xa_store st;
    if (!ec)
        ec = xa_cli_open_store(cli, !store, &st);
    if (ec) {
        xa_cli_rules_cfg_release(&rc);
        xa_ruleset_release(&rs);
        return ec;
    }
    struct xa_diag d;
    xa_diag_clear(&d);
    struct xa_engine *e = NULL;
    rc.cfg.cursor = "hunt";
    xa_rc r = xa_engine_new(&rs, &rc.cfg, &e, &d);
    struct hctx h = {e, since, until, &d};
    if (!r)
        r = st.ops->scan(st.ctx, 0, 0, hunt_cb, &h, &d);
    size_t n = r ? 0 : xa_engine_pending(e);
    for (size_t i = 0; i < n; i++) {
        const struct xa_alert *a = xa_engine_pending_alert(e, i);
        char t1[32], t2[32];
        if (fmt == XA_OUT_JSON) {
            struct xa_buf b;
            xa_buf_init(&b, 0);
            xa_alert_to_json(a, &b);
            printf("%s\n", b.data);
            xa_buf_release(&b);
        } else {
            if (i == 0)
                printf("%-13s %-20s %-20s %6s  %-44s %s\n", "SEVERITY", "FIRST", "LAST", "EVENTS",
                       "RULE", "GROUP (AUTHOR)");
            printf("%-13s %-20s %-20s %6lld  %-44.44s %s (%s)\n", xa_rule_level_name(a->severity),
                   xa_time_format(a->first_at, t1), xa_time_format(a->last_at, t2),
                   (long long)a->count, a->rule_title, a->group_key,
                   a->rule_author ? a->rule_author : "-");
        }
    }
    if (!r && store && n) {
        if (!(r = st.ops->begin(st.ctx, &d))) {
            r = xa_engine_flush(e, &st, &d);
            if (r)
                st.ops->rollback(st.ctx);
            else
                r = st.ops->commit(st.ctx, &d);
        }
    }
    if (!r && !cli->quiet) {
        const struct xa_engine_stats *s = xa_engine_stats(e);
        fprintf(stderr, "hunt: %lld events, %lld matches, %zu alert(s)%s\n", (long long)s->events,
                (long long)s->matches, n, store ? " stored" : "");
    }
    if (r) {
        xa_cli_error(&d, r);
        ec = xa_cli_exit_code(r);
    }
    xa_engine_free(e);
    xa_store_close(&st);
    xa_cli_rules_cfg_release(&rc);
    xa_ruleset_release(&rs);
    return ec;
}
