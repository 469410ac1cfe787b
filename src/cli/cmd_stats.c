/* cmd_stats.c - exoaudit stats */
#include "cli/common.h"
#include "core/xtime.h"

#include <getopt.h>
#include <string.h>

void xa_help_stats(FILE *out)
{
    fprintf(out, "usage: exoaudit stats [--format text|json]\n\n"
                 "Archive totals: events, duplicates received, quarantined inputs, the time range\n"
                 "covered and the size on disk.\n");
}

int xa_cmd_stats(struct xa_cli *cli, int argc, char **argv)
{
    enum xa_out_format fmt = XA_OUT_TEXT;
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'f' || xa_cli_parse_format(optarg, &fmt) || (fmt != XA_OUT_TEXT && fmt != XA_OUT_JSON)) {
            xa_help_stats(stderr);
            return XA_EXIT_USAGE;
        }
    }
    struct xa_store st;
    int ec = xa_cli_open_store(cli, true, &st);
    if (ec)
        return ec;
    struct xa_store_stats s;
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = st.ops->stats(st.ctx, &s, &d);
    xa_store_close(&st);
    if (rc) {
        xa_cli_error(&d, rc);
        return XA_EXIT_FAIL;
    }
    char a[32] = "", b[32] = "";
    if (s.oldest != XA_TIME_NONE)
        xa_time_format(s.oldest, a);
    if (s.newest != XA_TIME_NONE)
        xa_time_format(s.newest, b);
    if (fmt == XA_OUT_JSON)
        printf("{\"events\":%lld,\"duplicates\":%lld,\"quarantined\":%lld,"
               "\"max_seq\":%lld,\"oldest\":%s%s%s,\"newest\":%s%s%s,\"bytes\":%lld}\n",
               (long long)s.events, (long long)s.duplicates, (long long)s.quarantined,
               (long long)s.max_seq, a[0] ? "\"" : "", a[0] ? a : "null", a[0] ? "\"" : "",
               b[0] ? "\"" : "", b[0] ? b : "null", b[0] ? "\"" : "", (long long)s.bytes);
    else
        printf("archive      %s\nevents       %lld\nduplicates   %lld (records received again, not stored twice)\n"
               "quarantined  %lld\noldest       %s\nnewest       %s\nsize         %lld bytes\n",
               xa_cli_db_path(cli), (long long)s.events, (long long)s.duplicates,
               (long long)s.quarantined, a[0] ? a : "-", b[0] ? b : "-", (long long)s.bytes);
    return XA_EXIT_OK;
}
