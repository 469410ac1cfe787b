/* cmd_quarantine.c - exoaudit quarantine list */
#include "cli/common.h"
#include "core/buf.h"
#include "core/xtime.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

void xa_help_quarantine(FILE *out)
{
    fprintf(out, "usage: exoaudit quarantine list [--limit N] [--format table|json]\n\n"
                 "Input that was refused, newest first: when, source file, line, byte offset,\n"
                 "the reason, and a sample of the bad bytes.\n");
}

struct qctx {
    enum xa_out_format fmt;
    size_t n;
    struct xa_buf b;
};

static void sample(struct xa_buf *b, const char *d, size_t n, size_t max)
{
    for (size_t i = 0; i < n && i < max; i++) {
        unsigned char ch = (unsigned char)d[i];
        xa_buf_putc(b, ch < 0x20 || ch == 0x7f ? ' ' : (char)ch);
    }
    if (n > max)
        xa_buf_puts(b, "...");
}

static xa_rc q_cb(void *ud, const struct xa_quarantine_item *q)
{
    struct qctx *c = ud;
    char tb[32];
    xa_buf_reset(&c->b);
    if (c->fmt == XA_OUT_JSON) {
        xa_buf_printf(&c->b, "{\"id\":%lld,\"at\":", (long long)q->id);
        xa_buf_json_str(&c->b, xa_time_format(q->at, tb), (size_t)-1);
        xa_buf_puts(&c->b, ",\"source\":");
        xa_buf_json_str(&c->b, q->source_name, (size_t)-1);
        xa_buf_printf(&c->b, ",\"line\":%lld,\"offset\":%lld,\"reason\":", q->line, q->offset);
        xa_buf_json_str(&c->b, q->reason, (size_t)-1);
        xa_buf_puts(&c->b, ",\"sample\":");
        xa_buf_json_str(&c->b, q->data ? q->data : "", q->data ? q->data_len : 0);
        xa_buf_puts(&c->b, "}\n");
    } else {
        if (c->n == 0)
            printf("%-6s %-20s %-8s %-12s %s\n", "ID", "QUARANTINED", "LINE", "OFFSET", "SOURCE / REASON / SAMPLE");
        xa_buf_printf(&c->b, "%-6lld %-20s %-8lld %-12lld %s\n", (long long)q->id,
                      xa_time_format(q->at - q->at % 1000000, tb), q->line, q->offset,
                      q->source_name ? q->source_name : "-");
        xa_buf_printf(&c->b, "%48s reason: %s\n%48s sample: ", "", q->reason ? q->reason : "", "");
        sample(&c->b, q->data ? q->data : "", q->data ? q->data_len : 0, 100);
        xa_buf_putc(&c->b, '\n');
    }
    fwrite(c->b.data, 1, c->b.len, stdout);
    c->n++;
    return XA_OK;
}

int xa_cmd_quarantine(struct xa_cli *cli, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "list") != 0) {
        xa_help_quarantine(stderr);
        return XA_EXIT_USAGE;
    }
    argc--;
    argv++;
    struct qctx c = {XA_OUT_TABLE, 0, {0}};
    xa_buf_init(&c.b, 0);
    long long limit = 100;
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'f' && !xa_cli_parse_format(optarg, &c.fmt) &&
            (c.fmt == XA_OUT_TABLE || c.fmt == XA_OUT_JSON))
            continue;
        if (ch == 'l') {
            char *end;
            limit = strtoll(optarg, &end, 10);
            if (!*end && limit >= 0)
                continue;
        }
        xa_help_quarantine(stderr);
        return XA_EXIT_USAGE;
    }
    struct xa_store st;
    int ec = xa_cli_open_store(cli, true, &st);
    if (ec)
        return ec;
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = st.ops->quarantine_list(st.ctx, (size_t)limit, q_cb, &c, &d);
    xa_store_close(&st);
    xa_buf_release(&c.b);
    if (rc) {
        xa_cli_error(&d, rc);
        return XA_EXIT_FAIL;
    }
    if (c.fmt == XA_OUT_TABLE && c.n == 0 && !cli->quiet)
        fprintf(stderr, "quarantine is empty\n");
    return XA_EXIT_OK;
}
