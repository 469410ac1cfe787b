/* cmd_purge.c - exoaudit purge: apply the retention policy (retention.* keys). */
#include "cli/common.h"
#include "cli/selfaudit.h"
#include "core/xtime.h"
#include "store/integrity.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void xa_help_purge(FILE *out)
{
    fprintf(out,
            "usage: exoaudit purge [--dry-run] [--format text|json]\n\n"
            "Removes the oldest records whose retention has passed: retention.<category> (admin_op,\n"
            "mailbox_access, ..., self_audit) or retention.default, each 90d, 12w, 6m, 1y or\n"
            "forever (the default). Only whole blocks at the start of the chain are removed (all\n"
            "of their records past retention), and a signed purge record keeps 'exoaudit verify'\n"
            "valid across the cut. --dry-run says what would be removed.\n");
}

int xa_cmd_purge(struct xa_cli *cli, int argc, char **argv)
{
    bool dry = false, json = false;
    static const struct option opts[] = {{"dry-run", no_argument, NULL, 'n'},
                                         {"format", required_argument, NULL, 'f'},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'n')
            dry = true;
        else if (c == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "text") == 0))
            json = strcmp(optarg, "json") == 0;
        else {
            xa_help_purge(stderr);
            return XA_EXIT_USAGE;
        }
    }
    struct xa_purge_opts po;
    memset(&po, 0, sizeof(po));
    po.dry_run = dry;
    int64_t now = xa_time_now();
    const char *def = xa_config_get(cli->cfg, "retention.default");
    for (int cat = 0; cat < XA_CAT__COUNT; cat++) {
        char key[64];
        snprintf(key, sizeof(key), "retention.%s", xa_category_name((enum xa_category)cat));
        const char *v = xa_config_get(cli->cfg, key);
        if (!v)
            v = def ? def : "forever";
        int64_t us;
        if (xa_int_retention_parse(v, &us)) {
            fprintf(stderr, "exoaudit purge: %s: '%s': expected e.g. 90d, 12w, 6m, 1y or forever\n",
                    key, v);
            return XA_EXIT_USAGE;
        }
        po.cutoff[cat] = us < 0 ? XA_TIME_NONE : now - us;
    }
    struct xa_store st;
    int ec = xa_cli_open_store(cli, false, &st);
    if (ec)
        return ec;
    struct xa_diag d;
    xa_diag_clear(&d);
    struct xa_purge_result r;
    xa_rc rc = st.ops->purge ? st.ops->purge(st.ctx, &po, &r, &d)
                             : xa_diag_set(&d, XA_ERR_UNSUPPORTED, "backend cannot purge");
    xa_store_close(&st);
    if (rc) {
        xa_cli_error(&d, rc);
        return xa_cli_exit_code(rc);
    }
    if (json)
        printf("{\"dry_run\":%s,\"records\":%" PRId64 ",\"blocks\":%" PRId64
               ",\"from_seq\":%" PRId64 ",\"to_seq\":%" PRId64 "}\n",
               dry ? "true" : "false", r.records, r.blocks, r.from_seq, r.to_seq);
    else if (!r.blocks)
        printf("nothing to purge\n");
    else
        printf("%s %" PRId64 " records (seq %" PRId64 "..%" PRId64 ", %" PRId64 " blocks)\n",
               dry ? "would purge" : "purged", r.records, r.from_seq, r.to_seq, r.blocks);
    if (!dry)
        xa_cli_self_audit_argv(cli, "ExoauditPurge", argc, argv);
    return XA_EXIT_OK;
}
