/* cmd_status.c - exoaudit status: the collector's coverage per tenant and content type. */
#include "cli/common.h"
#include "collect/status.h"
#include "core/buf.h"
#include "core/xtime.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void xa_help_status(FILE *out)
{
    fprintf(out,
            "usage: exoaudit status [--format text|json] [--tenant ID] [--all-gaps]\n\n"
            "What the collector has done, per tenant and content type: the last window listed,\n"
            "lag behind now, blobs listed / fetched / failed / expired, records stored,\n"
            "duplicates received, open gaps and the last error; then the gap ledger (open gaps,\n"
            "or every gap with --all-gaps).\n");
}

int xa_cmd_status(struct xa_cli *cli, int argc, char **argv)
{
    enum xa_out_format fmt = XA_OUT_TEXT;
    const char *tenant = NULL;
    bool all = false;
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"tenant", required_argument, NULL, 't'},
                                         {"all-gaps", no_argument, NULL, 'a'},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'f' && xa_cli_parse_format(optarg, &fmt) == 0 &&
            (fmt == XA_OUT_TEXT || fmt == XA_OUT_JSON || fmt == XA_OUT_TABLE))
            continue;
        if (c == 't') {
            tenant = optarg;
            continue;
        }
        if (c == 'a') {
            all = true;
            continue;
        }
        xa_help_status(stderr);
        return XA_EXIT_USAGE;
    }
    struct xa_store st;
    int ec = xa_cli_open_store(cli, true, &st);
    if (ec)
        return ec;
    struct xa_buf out;
    xa_buf_init(&out, 0);
    struct xa_collect_status_opts so = {
        .tenant = tenant, .all_gaps = all, .json = fmt == XA_OUT_JSON, .now = xa_time_now()};
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = xa_collect_status_write(&st, &so, &out, &d);
    xa_store_close(&st);
    if (rc) {
        xa_buf_release(&out);
        xa_cli_error(&d, rc);
        return XA_EXIT_FAIL;
    }
    fwrite(out.data, 1, out.len, stdout);
    xa_buf_release(&out);
    return XA_EXIT_OK;
}
