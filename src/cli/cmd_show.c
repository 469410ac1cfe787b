/* cmd_show.c - exoaudit show ID */
#include "cli/common.h"
#include "cli/output.h"
#include "cli/selfaudit.h"

#include <getopt.h>
#include <string.h>

void xa_help_show(FILE *out)
{
    fprintf(out, "usage: exoaudit show [--format text|json] ID...\n\n"
                 "Prints events by record Id (every tenant holding it) or by archive sequence\n"
                 "number: who / what / when / where, parameters, modified properties and the raw\n"
                 "record byte-exact. Exit 1 when an ID is not in the archive.\n");
}

static xa_rc show_text(void *ud, const struct xa_event *ev)
{
    (void)ud;
    xa_out_event_text(ev, stdout);
    return XA_OK;
}

int xa_cmd_show(struct xa_cli *cli, int argc, char **argv)
{
    enum xa_out_format fmt = XA_OUT_TEXT;
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'f' || xa_cli_parse_format(optarg, &fmt) || (fmt != XA_OUT_TEXT && fmt != XA_OUT_JSON)) {
            fprintf(stderr, "exoaudit show: --format: expected text or json\n");
            return XA_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "exoaudit show: which event? (a record Id or sequence number)\n");
        return XA_EXIT_USAGE;
    }
    struct xa_store st;
    int ec = xa_cli_open_store(cli, true, &st);
    if (ec)
        return ec;
    struct xa_out *out = fmt == XA_OUT_JSON ? xa_out_new(XA_OUT_JSON, stdout) : NULL;
    int ret = XA_EXIT_OK;
    for (int i = optind; i < argc; i++) {
        struct xa_diag d;
        xa_diag_clear(&d);
        xa_rc rc = out ? st.ops->get(st.ctx, argv[i], xa_out_event_cb, out, &d)
                       : st.ops->get(st.ctx, argv[i], show_text, NULL, &d);
        if (rc == XA_ERR_NOTFOUND) {
            fprintf(stderr, "exoaudit show: %s: no such event in the archive\n", argv[i]);
            ret = XA_EXIT_FAIL;
        } else if (rc) {
            xa_cli_error(&d, rc);
            ret = XA_EXIT_FAIL;
            break;
        }
    }
    xa_out_finish(out);
    xa_store_close(&st);
    xa_cli_self_audit_argv(cli, "ExoauditShow", argc, argv); /* after the query, never fatal */
    return ret;
}
