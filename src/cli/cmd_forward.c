/* cmd_forward.c - exoaudit forward [--once] [--destination NAME] | forward status */
#include "cli/common.h"
#include "cli/filters.h"
#include "core/log.h"
#include "core/xtime.h"
#include "out/out.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void xa_help_forward(FILE *out)
{
    fprintf(out,
            "usage: exoaudit forward [--once] [--destination NAME]... [--poll SECONDS]\n"
            "       exoaudit forward status [--destination NAME]... [--format text|json]\n\n"
            "Send alerts, events or the events of a search to the destinations configured\n"
            "under forward.destinations (syslog RFC 5424 over TCP/TLS as CEF, LEEF, JSON or\n"
            "text; Splunk HEC, Elasticsearch bulk, webhook; e-mail for alerts). Each\n"
            "destination has its own cursor and spool in the archive: delivery is\n"
            "at-least-once, resumes where it stopped, and retries with back-off while a\n"
            "receiver is down (docs/FORWARDING.md).\n\n"
            "  --once              one pass: send what is waiting, then exit (1 when a\n"
            "                      destination failed; its messages stay spooled)\n"
            "  --destination NAME  only this destination (repeatable)\n"
            "  --poll SECONDS      how often to look for new events (default\n"
            "                      forward.poll_seconds, 5)\n"
            "  status              cursors, lag, spool, sent, failures and last error\n");
}

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* Filter strings of "what: search" destinations, split into argv and parsed with the
 * search options. */
struct parsed_filter {
    char *buf;
    char *argv[130];
    struct xa_filters f;
    struct xa_query q;
};

static int split_args(char *s, char **argv, int max)
{
    int n = 0;
    argv[n++] = "filter";
    char *w = s, *r = s;
    while (*r) {
        while (*r == ' ' || *r == '\t')
            r++;
        if (!*r)
            break;
        if (n >= max - 1)
            return -1;
        argv[n++] = w;
        char q = 0;
        while (*r && (q || (*r != ' ' && *r != '\t'))) {
            if (!q && (*r == '"' || *r == '\'')) {
                q = *r++;
                continue;
            }
            if (q && *r == q) {
                q = 0;
                r++;
                continue;
            }
            *w++ = *r++;
        }
        if (*r)
            r++;
        *w++ = '\0';
    }
    argv[n] = NULL;
    return n;
}

static int parse_filter(const struct xa_out_dest_cfg *c, struct parsed_filter *pf)
{
    pf->buf = strdup(c->filter_text);
    if (!pf->buf)
        return -1;
    int argc = split_args(pf->buf, pf->argv, (int)(sizeof(pf->argv) / sizeof(pf->argv[0])));
    if (argc < 0) {
        fprintf(stderr, "exoaudit forward: forward.destinations.%s.filter: too many words\n", c->name);
        return -1;
    }
    struct option opts[XA_FILTER_NOPTS + 1];
    memset(opts, 0, sizeof(opts));
    xa_filters_options(opts);
    xa_filters_init(&pf->f);
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "forward (forward.destinations.%s.filter)", c->name);
    optind = 0;
    opterr = 1;
    int ch;
    int64_t now = xa_time_now();
    while ((ch = getopt_long(argc, pf->argv, "q:", opts, NULL)) != -1) {
        int h = ch == '?' ? 0 : xa_filters_handle(&pf->f, ch, optarg, now, cmd);
        if (h <= 0) {
            if (h == 0)
                fprintf(stderr, "exoaudit %s: not a search option\n", cmd);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "exoaudit %s: unexpected word '%s'\n", cmd, pf->argv[optind]);
        return -1;
    }
    if (xa_filters_check(&pf->f, cmd))
        return -1;
    xa_query_init(&pf->q);
    xa_filters_apply(&pf->f, &pf->q);
    return 0;
}

struct setup {
    struct xa_out_dest_cfg *all;
    size_t n_all;
    struct xa_out_dest_cfg *sel; /* selected copies (shallow; strings owned by all) */
    size_t n;
    struct parsed_filter *pf;
};

static void setup_free(struct setup *s)
{
    for (size_t i = 0; s->pf && i < s->n; i++)
        free(s->pf[i].buf);
    free(s->pf);
    free(s->sel);
    xa_out_dests_free(s->all, s->n_all);
}

static int setup_load(struct xa_cli *cli, const char **names, size_t n_names, struct setup *s)
{
    memset(s, 0, sizeof(*s));
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = xa_out_dests_load(cli->cfg, &s->all, &s->n_all, &d);
    if (rc) {
        xa_cli_error(&d, rc);
        return XA_EXIT_USAGE;
    }
    s->sel = calloc(s->n_all ? s->n_all : 1, sizeof(*s->sel));
    s->pf = calloc(s->n_all ? s->n_all : 1, sizeof(*s->pf));
    if (!s->sel || !s->pf) {
        fprintf(stderr, "exoaudit forward: out of memory\n");
        return XA_EXIT_FAIL;
    }
    for (size_t k = 0; k < n_names; k++) {
        bool found = false;
        for (size_t i = 0; i < s->n_all; i++)
            found |= strcmp(s->all[i].name, names[k]) == 0;
        if (!found) {
            fprintf(stderr, "exoaudit forward: no destination '%s' in the configuration\n",
                    names[k]);
            return XA_EXIT_USAGE;
        }
    }
    for (size_t i = 0; i < s->n_all; i++) {
        bool want = n_names == 0;
        for (size_t k = 0; k < n_names && !want; k++)
            want = strcmp(s->all[i].name, names[k]) == 0;
        if (!want)
            continue;
        s->sel[s->n] = s->all[i];
        if (s->all[i].what == XA_OUTW_SEARCH) {
            if (parse_filter(&s->all[i], &s->pf[s->n])) {
                s->n++;
                return XA_EXIT_USAGE;
            }
            s->sel[s->n].filter = &s->pf[s->n].q;
        }
        s->n++;
    }
    return XA_EXIT_OK;
}

static void sleep_until(int64_t until_mono)
{
    while (!stop_flag) {
        int64_t left = until_mono - xa_time_mono();
        if (left <= 0)
            return;
        if (left > 200000)
            left = 200000;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)left * 1000};
        nanosleep(&ts, NULL);
    }
}

static int run_forward(struct xa_cli *cli, struct setup *s, bool once, double poll)
{
    if (s->n == 0) {
        fprintf(stderr, "exoaudit forward: no destinations configured (forward.destinations)\n");
        return XA_EXIT_USAGE;
    }
    struct xa_store st;
    int ec = xa_cli_open_store(cli, false, &st);
    if (ec)
        return ec;
    struct xa_diag d;
    xa_diag_clear(&d);
    struct xa_forwarder *fw = NULL;
    xa_rc rc = xa_forwarder_new(&st, s->sel, s->n, &fw, &d);
    if (rc) {
        xa_cli_error(&d, rc);
        xa_store_close(&st);
        return xa_cli_exit_code(rc);
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (!once)
        xa_log_info("forward: %zu destination(s), polling every %.1f s", s->n, poll);
    bool any_failed = false;
    size_t total = 0;
    while (!stop_flag && !rc) {
        int64_t next = xa_time_mono() + (int64_t)(poll * 1e6);
        for (size_t i = 0; i < s->n && !stop_flag && !rc; i++) {
            struct xa_out_pass p;
            rc = xa_forwarder_pass(fw, i, once, &p, &d);
            if (rc)
                break;
            total += p.sent;
            any_failed |= p.failed;
            if (p.sent || p.spooled)
                xa_log_debug("forward %s: %zu spooled, %zu sent", s->sel[i].name, p.spooled,
                             p.sent);
            int64_t due = xa_forwarder_due(fw, i);
            if (due) {
                int64_t at = xa_time_mono() + (due - xa_time_now());
                if (at < next)
                    next = at;
            }
        }
        if (once || rc)
            break;
        sleep_until(next);
    }
    if (rc)
        xa_cli_error(&d, rc);
    else if (once && !cli->quiet)
        fprintf(stderr, "exoaudit forward: %zu message(s) delivered%s\n", total,
                any_failed ? "; some destinations failed (see 'exoaudit forward status')" : "");
    xa_forwarder_free(fw);
    xa_store_close(&st);
    if (rc)
        return xa_cli_exit_code(rc);
    /* the daemon retries failures itself: only --once reports them in its exit code */
    return once && any_failed ? XA_EXIT_FAIL : XA_EXIT_OK;
}

struct status_ctx {
    struct xa_store *st;
    const struct xa_out_dest_cfg *cfg;
    bool json, first;
    int64_t max_seq;
};

static xa_rc count_new_alert(void *ud, const struct xa_alert *a)
{
    int64_t *n = ud;
    (void)a;
    (*n)++;
    return XA_OK;
}

static void print_time(const char *label, int64_t t, bool json, bool *first)
{
    char tb[32];
    if (json)
        printf("%s\"%s\":%s%s%s", *first ? "" : ",", label, t ? "\"" : "",
               t ? xa_time_format(t, tb) : "null", t ? "\"" : "");
    else
        printf("  %-14s %s\n", label, t ? xa_time_format(t, tb) : "-");
    *first = false;
}

static xa_rc show_state(void *ud, const struct xa_fwd_state *s)
{
    struct status_ctx *c = ud;
    const struct xa_out_dest_cfg *cfg = c->cfg;
    int64_t behind = 0;
    if (cfg->what == XA_OUTW_ALERTS) {
        if (c->st->ops->alerts) {
            struct xa_alert_query q = {.status = -1, .since = XA_TIME_NONE, .until = XA_TIME_NONE,
                                       .after_rev = s->alert_rev, .oldest_first = true};
            c->st->ops->alerts->list(c->st->ctx, &q, count_new_alert, &behind, NULL);
        }
    } else {
        behind = c->max_seq > s->event_seq ? c->max_seq - s->event_seq : 0;
    }
    if (c->json) {
        struct xa_buf b;
        xa_buf_init(&b, 0);
        xa_buf_json_str(&b, s->last_error, (size_t)-1);
        printf("%s{\"name\":\"%s\",\"type\":\"%s\",\"what\":\"%s\",\"format\":\"%s\","
               "\"event_seq\":%lld,\"alert_pos\":%lld,\"alert_rev\":%lld,\"behind\":%lld,"
               "\"spooled\":%lld,\"spool_bytes\":%lld,\"lag\":%lld,\"sent\":%lld,"
               "\"failures\":%lld,\"last_error\":%s",
               c->first ? "" : ",", cfg->name, xa_out_type_name(cfg->type),
               xa_out_what_name(cfg->what), xa_out_fmt_name(cfg->format),
               (long long)s->event_seq, (long long)s->alert_pos, (long long)s->alert_rev,
               (long long)behind, (long long)s->spooled, (long long)s->spool_bytes,
               (long long)(behind + s->spooled), (long long)s->sent, (long long)s->failures,
               b.data ? b.data : "null");
        xa_buf_release(&b);
        bool f = false;
        print_time("last_ok_at", s->last_ok_at, true, &f);
        print_time("last_fail_at", s->last_fail_at, true, &f);
        print_time("next_try_at", s->next_try_at, true, &f);
        print_time("oldest_spooled_at", s->spool_oldest_at, true, &f);
        printf("}");
    } else {
        printf("%s (%s, %s%s%s)\n", cfg->name, xa_out_type_name(cfg->type),
               xa_out_what_name(cfg->what), cfg->type == XA_OUT_SYSLOG ? ", " : "",
               cfg->type == XA_OUT_SYSLOG ? xa_out_fmt_name(cfg->format) : "");
        if (cfg->what == XA_OUTW_ALERTS)
            printf("  %-14s alert %lld (change %lld)\n", "cursor", (long long)s->alert_pos,
                   (long long)s->alert_rev);
        else
            printf("  %-14s event seq %lld\n", "cursor", (long long)s->event_seq);
        printf("  %-14s %lld (not yet read: %lld, spooled: %lld, %lld bytes)\n", "lag",
               (long long)(behind + s->spooled), (long long)behind, (long long)s->spooled,
               (long long)s->spool_bytes);
        printf("  %-14s %lld\n  %-14s %lld\n", "sent", (long long)s->sent, "failures",
               (long long)s->failures);
        bool f = true;
        print_time("last ok", s->last_ok_at, false, &f);
        print_time("last failure", s->last_fail_at, false, &f);
        print_time("next try", s->next_try_at, false, &f);
        print_time("oldest spooled", s->spool_oldest_at, false, &f);
        printf("  %-14s %s\n", "last error", s->last_error ? s->last_error : "-");
    }
    c->first = false;
    return XA_OK;
}

static int run_status(struct xa_cli *cli, struct setup *s, bool json)
{
    struct xa_store st;
    int ec = xa_cli_open_store(cli, true, &st);
    if (ec)
        return ec;
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = st.ops->fwd ? XA_OK : xa_diag_set(&d, XA_ERR_UNSUPPORTED, "no forwarding state");
    struct xa_store_stats ss;
    if (!rc)
        rc = st.ops->stats(st.ctx, &ss, &d);
    struct status_ctx c = {.st = &st, .json = json, .first = true, .max_seq = rc ? 0 : ss.max_seq};
    if (json)
        printf("[");
    for (size_t i = 0; i < s->n && !rc; i++) {
        c.cfg = &s->sel[i];
        rc = st.ops->fwd->state_get(st.ctx, s->sel[i].name, show_state, &c, &d);
    }
    if (json)
        printf("]\n");
    xa_store_close(&st);
    if (rc) {
        xa_cli_error(&d, rc);
        return xa_cli_exit_code(rc);
    }
    return XA_EXIT_OK;
}

int xa_cmd_forward(struct xa_cli *cli, int argc, char **argv)
{
    bool status = argc > 1 && strcmp(argv[1], "status") == 0;
    if (status) {
        argc--;
        argv++;
    }
    bool once = false, json = false;
    const char *names[XA_OUT_MAX_DESTS];
    size_t n_names = 0;
    double poll = -1;
    static const struct option opts[] = {{"once", no_argument, NULL, 'o'},
                                         {"destination", required_argument, NULL, 'd'},
                                         {"poll", required_argument, NULL, 'p'},
                                         {"format", required_argument, NULL, 'f'},
                                         {NULL, 0, NULL, 0}};
    int ch;
    optind = 0;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'o': once = true; break;
        case 'd':
            if (n_names == XA_OUT_MAX_DESTS) {
                fprintf(stderr, "exoaudit forward: too many --destination\n");
                return XA_EXIT_USAGE;
            }
            names[n_names++] = optarg;
            break;
        case 'p': {
            char *end = NULL;
            poll = strtod(optarg, &end);
            if (!end || *end || !(poll >= 0.05 && poll <= 86400)) {
                fprintf(stderr, "exoaudit forward: --poll: expected seconds (0.05 to 86400)\n");
                return XA_EXIT_USAGE;
            }
            break;
        }
        case 'f':
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "text") != 0) {
                fprintf(stderr, "exoaudit forward status: --format: expected text or json\n");
                return XA_EXIT_USAGE;
            }
            break;
        default: xa_help_forward(stderr); return XA_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "exoaudit forward: unexpected argument '%s'\n", argv[optind]);
        return XA_EXIT_USAGE;
    }
    if (poll < 0) {
        const char *v = xa_config_get(cli->cfg, "forward.poll_seconds");
        char *end = NULL;
        poll = v ? strtod(v, &end) : 5.0;
        if (v && (!end || *end || !(poll >= 0.05 && poll <= 86400))) {
            fprintf(stderr, "exoaudit: forward.poll_seconds: expected seconds (0.05 to 86400)\n");
            return XA_EXIT_USAGE;
        }
    }
    struct setup s;
    int ec = setup_load(cli, names, n_names, &s);
    if (!ec)
        ec = status ? run_status(cli, &s, json) : run_forward(cli, &s, once, poll);
    setup_free(&s);
    return ec;
}
