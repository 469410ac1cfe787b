/* cmd_alerts.c - exoaudit alerts list|show|ack|close|reopen|comment */
#include "cli/common.h"
#include "rules/alert.h"
#include "cli/output.h"
#include "core/buf.h"
#include "core/xtime.h"
#include "rules/rule.h"

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct lctx {
    enum xa_out_format fmt;
    size_t n;
    struct xa_store *st;
    bool events;
};

static xa_rc print_event(void *ud, const struct xa_event *ev)
{
    (void)ud;
    char tb[32];
    const char *tgt = ev->mailbox ? ev->mailbox : ev->object;
    printf("    #%-8lld %s  %-28s %-28s %s\n", (long long)ev->seq, xa_time_format(ev->occurred_at, tb),
           ev->actor ? ev->actor : "-", ev->operation ? ev->operation : "-", tgt ? tgt : "");
    return XA_OK;
}

static xa_rc list_cb(void *ud, const struct xa_alert *a)
{
    struct lctx *c = ud;
    char t1[32], t2[32];
    if (c->fmt == XA_OUT_JSON) {
        struct xa_buf b;
        xa_buf_init(&b, 0);
        xa_alert_to_json(a, &b);
        printf("%s\n", b.data);
        xa_buf_release(&b);
    } else if (c->fmt == XA_OUT_TEXT || c->events) {
        printf("alert %lld (%s)  %s  [%s]  %s\n", (long long)a->id, a->uid,
               xa_rule_level_name(a->severity), xa_alert_status_name(a->status), a->rule_title);
        printf("  rule:     %s (%s)\n", a->rule_id, a->rule_origin ? a->rule_origin : "");
        printf("  author:   %s%s%s\n", a->rule_author ? a->rule_author : "-",
               a->rule_license ? "  licence " : "", a->rule_license ? a->rule_license : "");
        printf("  tags:     %s\n", a->tags && *a->tags ? a->tags : "-");
        printf("  group:    %s\n", a->group_key);
        printf("  when:     %s .. %s  (%lld event(s))\n", xa_time_format(a->first_at, t1),
               xa_time_format(a->last_at, t2), (long long)a->count);
        printf("  summary:  %s\n", a->summary ? a->summary : "");
        for (size_t i = 0; i < a->n_comments; i++)
            printf("  comment:  %s %s: %s\n", xa_time_format(a->comments[i].at, t1),
                   a->comments[i].who, a->comments[i].text);
        if (c->events && c->st) {
            printf("  events:\n");
            for (size_t i = 0; i < a->n_seqs; i++) {
                char id[32];
                snprintf(id, sizeof(id), "%lld", (long long)a->seqs[i]);
                c->st->ops->get(c->st->ctx, id, print_event, NULL, NULL);
            }
        }
        printf("\n");
    } else if (c->fmt == XA_OUT_CSV) {
        if (!c->n)
            printf("id,severity,status,last_at,rule_id,title,author,count,group\n");
        struct xa_buf b;
        xa_buf_init(&b, 0);
        xa_buf_printf(&b, "%lld,%s,%s,%s,", (long long)a->id, xa_rule_level_name(a->severity),
                      xa_alert_status_name(a->status), xa_time_format(a->last_at, t1));
        xa_buf_csv_field(&b, a->rule_id);
        xa_buf_putc(&b, ',');
        xa_buf_csv_field(&b, a->rule_title);
        xa_buf_putc(&b, ',');
        xa_buf_csv_field(&b, a->rule_author);
        xa_buf_printf(&b, ",%lld,", (long long)a->count);
        xa_buf_csv_field(&b, a->group_key);
        printf("%s\n", b.data);
        xa_buf_release(&b);
    } else {
        if (!c->n)
            printf("%-6s %-13s %-12s %-20s %6s  %-48s %s\n", "ID", "SEVERITY", "STATUS", "LAST",
                   "EVENTS", "RULE", "GROUP / AUTHOR");
        printf("%-6lld %-13s %-12s %-20s %6lld  %-48.48s %s  (%s)\n", (long long)a->id,
               xa_rule_level_name(a->severity), xa_alert_status_name(a->status),
               xa_time_format(a->last_at, t1), (long long)a->count, a->rule_title, a->group_key,
               a->rule_author ? a->rule_author : "-");
    }
    c->n++;
    return XA_OK;
}

void xa_help_alerts(FILE *out)
{
    fprintf(out,
            "usage: exoaudit alerts list [--status open|acknowledged|closed|all] [--rule ID]\n"
            "                            [--min-severity LEVEL] [--since T] [--until T]\n"
            "                            [--after-rev N] [--limit N] [--format table|json|csv|text]\n"
            "       exoaudit alerts show ID\n"
            "       exoaudit alerts ack|close|reopen ID [--comment TEXT]\n"
            "       exoaudit alerts comment ID TEXT\n\n"
            "Alerts raised by the detection rules, with the rule's author (as the rule's licence\n"
            "requires), severity, ATT&CK tags, group key, first/last event time and the\n"
            "archive events (seq) that triggered them. 'list' shows open and acknowledged\n"
            "alerts by default, newest change first. --after-rev N lists alerts changed after\n"
            "change number N (for forwarders). 'show' prints the triggering events.\n");
}

static int parse_id(const char *s, int64_t *id)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || v <= 0)
        return -1;
    *id = v;
    return 0;
}

static const char *whoami(void)
{
    const char *u = getenv("USER");
    if (u && *u)
        return u;
    struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_name : "unknown";
}

int xa_cmd_alerts(struct xa_cli *cli, int argc, char **argv)
{
    if (argc < 2) {
        xa_help_alerts(stderr);
        return XA_EXIT_USAGE;
    }
    const char *sub = argv[1];
    argc--;
    argv++;
    struct xa_alert_query q;
    memset(&q, 0, sizeof(q));
    q.status = -2; /* default: open + acknowledged */
    q.since = q.until = XA_TIME_NONE;
    enum xa_out_format fmt = XA_OUT_TABLE;
    const char *comment = NULL;
    static const struct option opts[] = {
        {"status", required_argument, NULL, 's'}, {"rule", required_argument, NULL, 'r'},
        {"min-severity", required_argument, NULL, 'm'}, {"since", required_argument, NULL, 'S'},
        {"until", required_argument, NULL, 'U'}, {"after-rev", required_argument, NULL, 'a'},
        {"limit", required_argument, NULL, 'l'}, {"format", required_argument, NULL, 'f'},
        {"comment", required_argument, NULL, 'c'}, {"oldest-first", no_argument, NULL, 'o'},
        {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    int64_t now = xa_time_now();
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (strcmp(optarg, "all") == 0)
                q.status = -1;
            else if (strcmp(optarg, "open") == 0)
                q.status = XA_ALERT_OPEN;
            else if (strncmp(optarg, "ack", 3) == 0)
                q.status = XA_ALERT_ACK;
            else if (strcmp(optarg, "closed") == 0)
                q.status = XA_ALERT_CLOSED;
            else {
                fprintf(stderr, "exoaudit alerts: --status: open, acknowledged, closed or all\n");
                return XA_EXIT_USAGE;
            }
            break;
        case 'r': q.rule = optarg; break;
        case 'm': {
            int lv = -1;
            for (int i = 0; i <= 4; i++)
                if (strcmp(optarg, xa_rule_level_name(i)) == 0)
                    lv = i;
            if (lv < 0) {
                fprintf(stderr, "exoaudit alerts: --min-severity: informational, low, medium, high or critical\n");
                return XA_EXIT_USAGE;
            }
            q.min_severity = lv;
            break;
        }
        case 'S':
        case 'U':
            if (xa_time_parse_arg(optarg, now, c == 'S' ? &q.since : &q.until)) {
                fprintf(stderr, "exoaudit alerts: bad time '%s'\n", optarg);
                return XA_EXIT_USAGE;
            }
            break;
        case 'a': q.after_rev = strtoll(optarg, NULL, 10); break;
        case 'l': q.limit = (size_t)strtoull(optarg, NULL, 10); break;
        case 'f':
            if (xa_cli_parse_format(optarg, &fmt)) {
                fprintf(stderr, "exoaudit alerts: --format: table, json, csv or text\n");
                return XA_EXIT_USAGE;
            }
            break;
        case 'c': comment = optarg; break;
        case 'o': q.oldest_first = true; break;
        default: xa_help_alerts(stderr); return XA_EXIT_USAGE;
        }
    }
    bool list = strcmp(sub, "list") == 0, show = strcmp(sub, "show") == 0;
    int status = -1;
    bool upd = false;
    if (strcmp(sub, "ack") == 0 || strcmp(sub, "acknowledge") == 0)
        status = XA_ALERT_ACK, upd = true;
    else if (strcmp(sub, "close") == 0)
        status = XA_ALERT_CLOSED, upd = true;
    else if (strcmp(sub, "reopen") == 0)
        status = XA_ALERT_OPEN, upd = true;
    else if (strcmp(sub, "comment") == 0)
        upd = true;
    if (!list && !show && !upd) {
        fprintf(stderr, "exoaudit alerts: unknown subcommand '%s' (list, show, ack, close, reopen, comment)\n", sub);
        return XA_EXIT_USAGE;
    }
    int64_t id = 0;
    if (show || upd) {
        if (optind >= argc || parse_id(argv[optind], &id)) {
            fprintf(stderr, "exoaudit alerts %s: expected an alert id\n", sub);
            return XA_EXIT_USAGE;
        }
        if (strcmp(sub, "comment") == 0) {
            if (optind + 1 >= argc) {
                fprintf(stderr, "exoaudit alerts comment: expected the comment text\n");
                return XA_EXIT_USAGE;
            }
            comment = argv[optind + 1];
        }
    }
    struct xa_store st;
    int ec = xa_cli_open_store(cli, !upd, &st);
    if (ec)
        return ec;
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = XA_OK;
    if (!st.ops->alerts) {
        fprintf(stderr, "exoaudit: this archive backend keeps no alerts\n");
        xa_store_close(&st);
        return XA_EXIT_FAIL;
    }
    if (upd) {
        rc = st.ops->alerts->update(st.ctx, id, status, whoami(), comment, &d);
        if (!rc)
            printf("alert %lld: %s\n", (long long)id,
                   status >= 0 ? xa_alert_status_name(status) : "comment added");
    } else {
        struct lctx lc = {fmt, 0, &st, show};
        if (show) {
            q.id = id;
            q.status = -1;
            if (fmt == XA_OUT_TABLE)
                lc.fmt = XA_OUT_TEXT;
        }
        if (q.status == -2) { /* open and acknowledged */
            q.status = XA_ALERT_OPEN;
            rc = st.ops->alerts->list(st.ctx, &q, list_cb, &lc, &d);
            q.status = XA_ALERT_ACK;
            if (!rc)
                rc = st.ops->alerts->list(st.ctx, &q, list_cb, &lc, &d);
        } else
            rc = st.ops->alerts->list(st.ctx, &q, list_cb, &lc, &d);
        if (!rc && show && !lc.n)
            rc = xa_diag_set(&d, XA_ERR_NOTFOUND, "no alert %lld", (long long)id);
        if (!rc && list && fmt == XA_OUT_TABLE && !lc.n)
            fprintf(stderr, "no alerts\n");
    }
    xa_store_close(&st);
    if (rc) {
        xa_cli_error(&d, rc);
        return xa_cli_exit_code(rc);
    }
    return XA_EXIT_OK;
}
