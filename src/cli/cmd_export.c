/* cmd_export.c - exoaudit export: a self-verifying evidence bundle of the records that
 * match search filters. */
#include "cli/common.h"
#include "cli/filters.h"
#include "cli/selfaudit.h"
#include "core/xtime.h"
#include "store/bundle.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void xa_help_export(FILE *out)
{
    fprintf(out, "usage: exoaudit export --out DIR [--since T] [--until T] [search filters]\n\n"
                 "Writes the matching records as a self-verifying evidence bundle: the records\n"
                 "(JSON Lines, zstd), their canonical bytes, a manifest with their hashes and\n"
                 "Merkle proofs, the signed checkpoints that cover them, the public key and a\n"
                 "README for the auditor. Check it anywhere with 'exoaudit verify --bundle DIR'.\n\n");
    xa_filters_help(out);
}

struct seqs {
    int64_t *v;
    size_t n, cap;
};

static xa_rc collect(void *ud, const struct xa_event *ev)
{
    struct seqs *s = ud;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        int64_t *nv = realloc(s->v, s->cap * sizeof(*nv));
        if (!nv)
            return XA_ERR_NOMEM;
        s->v = nv;
    }
    s->v[s->n++] = ev->seq;
    return XA_OK;
}

int xa_cmd_export(struct xa_cli *cli, int argc, char **argv)
{
    struct xa_query q;
    xa_query_init(&q);
    q.include_system = true;
    struct xa_filters f;
    xa_filters_init(&f);
    const char *dir = NULL;
    struct option opts[XA_FILTER_NOPTS + 2] = {
        [XA_FILTER_NOPTS] = {"out", required_argument, NULL, 'o'},
        [XA_FILTER_NOPTS + 1] = {NULL, 0, NULL, 0}};
    xa_filters_options(opts);
    int c;
    int64_t now = xa_time_now();
    while ((c = getopt_long(argc, argv, "q:", opts, NULL)) != -1) {
        int h = xa_filters_handle(&f, c, optarg, now, "export");
        if (h < 0)
            return XA_EXIT_USAGE;
        if (h > 0)
            continue;
        if (c == 'o') {
            dir = optarg;
            continue;
        }
        xa_help_export(stderr);
        return XA_EXIT_USAGE;
    }
    if (!dir || optind < argc) {
        fprintf(stderr, "exoaudit export: --out DIR is required\n");
        return XA_EXIT_USAGE;
    }
    if (xa_filters_check(&f, "export"))
        return XA_EXIT_USAGE;
    xa_filters_apply(&f, &q);
    q.oldest_first = true;
    q.limit = 0;
    struct xa_diag d;
    xa_diag_clear(&d);
    struct xa_int_key *key = NULL;
    const char *priv = xa_cli_private_key_path(cli);
    if (access(priv, F_OK) == 0) {
        xa_rc rc = xa_int_key_load_private(priv, &key, &d);
        if (rc) {
            xa_cli_error(&d, rc);
            return XA_EXIT_FAIL;
        }
    } else {
        fprintf(stderr, "exoaudit export: warning: no private key (%s): the manifest is unsigned\n",
                priv);
    }
    struct xa_store st;
    int ec = xa_cli_open_store(cli, false, &st);
    if (ec) {
        xa_int_key_free(key);
        return ec;
    }
    struct seqs s = {0};
    xa_rc rc = st.ops->checkpoint ? st.ops->checkpoint(st.ctx, &d) : XA_OK;
    char nx[XA_CURSOR_MAX];
    if (!rc)
        rc = st.ops->search(st.ctx, &q, collect, &s, nx, &d);
    if (!rc)
        rc = xa_bundle_write(&st, s.v, s.n, dir, key, "exoaudit export", &d);
    xa_store_close(&st);
    xa_int_key_free(key);
    free(s.v);
    if (rc) {
        xa_cli_error(&d, rc);
        return xa_cli_exit_code(rc);
    }
    printf("exported %zu records to %s\n", s.n, dir);
    xa_cli_self_audit_argv(cli, "ExoauditExport", argc, argv);
    return XA_EXIT_OK;
}
