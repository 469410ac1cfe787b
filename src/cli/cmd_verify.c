/* cmd_verify.c - exoaudit verify: check the archive's chain, Merkle roots and checkpoint
 * signatures (or an exported evidence bundle) and say exactly what is wrong. */
#include "cli/common.h"
#include "cli/selfaudit.h"
#include "core/buf.h"
#include "core/xtime.h"
#include "store/bundle.h"
#include "store/integrity.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define XA_EXIT_TAMPERED 4

void xa_help_verify(FILE *out)
{
    fprintf(out,
            "usage: exoaudit verify [--since TIME] [--key PUBLIC.pem] [--format text|json]\n"
            "       exoaudit verify --bundle DIR [--key PUBLIC.pem] [--format text|json]\n\n"
            "Checks the hash chain over every archived record, the Merkle root of every block,\n"
            "the checkpoints and their Ed25519 signatures (and integrity.checkpoint_file when\n"
            "set), and lists every problem with its sequence numbers and record ids: altered\n"
            "records, deleted ranges, inserted or reordered records, a truncated tail, forged or\n"
            "missing checkpoints. --since checks the records of blocks committed since TIME (the\n"
            "chain metadata is always checked in full). The trusted public key is --key, else\n"
            "integrity.public_key_file, else the archive's own copy (with a warning).\n"
            "--bundle checks an evidence bundle written by 'exoaudit export', offline.\n"
            "Exit codes: 0 intact, 4 tampering or damage found, 1/2 could not verify.\n");
}

struct vout {
    bool json;
    int64_t n;
};

static const char *kind_name(enum xa_verify_kind k)
{
    static const char *n[] = {"altered",    "deleted", "inserted",  "reordered", "truncated",
                              "checkpoint", "block",   "uncovered", "warning"};
    return (unsigned)k < sizeof(n) / sizeof(n[0]) ? n[k] : "problem";
}

static xa_rc on_problem(void *ud, const struct xa_verify_problem *p)
{
    struct vout *o = ud;
    o->n++;
    if (!o->json) {
        printf("%s: %s\n", p->kind == XA_VP_WARNING ? "WARNING" : "PROBLEM", p->message);
        return XA_OK;
    }
    struct xa_buf b;
    xa_buf_init(&b, 0);
    xa_buf_printf(&b, "{\"kind\":\"%s\",\"seq_from\":%" PRId64 ",\"seq_to\":%" PRId64
                  ",\"record_id\":", kind_name(p->kind), p->seq_from, p->seq_to);
    xa_buf_json_str(&b, p->record_id, (size_t)-1);
    xa_buf_printf(&b, ",\"checkpoint\":%" PRId64 ",\"message\":", p->checkpoint);
    xa_buf_json_str(&b, p->message, (size_t)-1);
    xa_buf_puts(&b, "}");
    printf("%s\n", b.data);
    xa_buf_release(&b);
    return XA_OK;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    struct xa_buf b;
    xa_buf_init(&b, 1 << 20);
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        if (xa_buf_append(&b, tmp, n)) {
            fclose(f);
            xa_buf_release(&b);
            return NULL;
        }
    fclose(f);
    return b.data ? b.data : calloc(1, 1);
}

int xa_cmd_verify(struct xa_cli *cli, int argc, char **argv)
{
    struct vout vo = {0};
    const char *bundle = NULL, *keyfile = NULL;
    int64_t since = XA_TIME_NONE;
    static const struct option opts[] = {{"since", required_argument, NULL, 's'},
                                         {"bundle", required_argument, NULL, 'b'},
                                         {"key", required_argument, NULL, 'k'},
                                         {"format", required_argument, NULL, 'f'},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (xa_time_parse_arg(optarg, xa_time_now(), &since)) {
                fprintf(stderr, "exoaudit verify: --since: not a time: '%s'\n", optarg);
                return XA_EXIT_USAGE;
            }
            break;
        case 'b': bundle = optarg; break;
        case 'k': keyfile = optarg; break;
        case 'f':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
                fprintf(stderr, "exoaudit verify: --format: expected text or json\n");
                return XA_EXIT_USAGE;
            }
            vo.json = strcmp(optarg, "json") == 0;
            break;
        default: xa_help_verify(stderr); return XA_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        xa_help_verify(stderr);
        return XA_EXIT_USAGE;
    }
    struct xa_diag d;
    xa_diag_clear(&d);
    char *pem = NULL;
    if (!keyfile && !bundle) {
        const char *pub = xa_cli_public_key_path(cli);
        if (access(pub, R_OK) == 0)
            keyfile = pub;
    }
    if (keyfile && !(pem = slurp(keyfile))) {
        fprintf(stderr, "exoaudit verify: %s: cannot read the public key\n", keyfile);
        return XA_EXIT_USAGE;
    }
    if (bundle) {
        struct xa_bundle_summary bs;
        xa_rc rc = xa_bundle_verify(bundle, pem, on_problem, &vo, &bs, &d);
        free(pem);
        if (rc) {
            xa_cli_error(&d, rc);
            return xa_cli_exit_code(rc);
        }
        if (vo.json)
            printf("{\"bundle\":true,\"records\":%" PRId64 ",\"checkpoints\":%" PRId64
                   ",\"problems\":%" PRId64 ",\"warnings\":%" PRId64 ",\"key\":\"%s\",\"ok\":%s}\n",
                   bs.records, bs.checkpoints, bs.problems, bs.warnings, bs.key_fpr,
                   bs.problems ? "false" : "true");
        else
            printf("%s: %" PRId64 " records, %" PRId64 " checkpoints, key %s: %s\n", bundle,
                   bs.records, bs.checkpoints, bs.key_fpr,
                   bs.problems ? "VERIFICATION FAILED" : "intact");
        return bs.problems ? XA_EXIT_TAMPERED : XA_EXIT_OK;
    }
    struct xa_store st;
    int ec = xa_cli_open_store(cli, true, &st);
    if (ec) {
        free(pem);
        return ec;
    }
    struct xa_verify_opts o = {.since = since, .public_key_pem = pem,
                               .checkpoint_file = xa_config_get(cli->cfg,
                                                                "integrity.checkpoint_file")};
    struct xa_verify_summary s;
    int64_t t0 = xa_time_mono();
    xa_rc rc = st.ops->verify ? st.ops->verify(st.ctx, &o, on_problem, &vo, &s, &d)
                              : xa_diag_set(&d, XA_ERR_UNSUPPORTED, "backend cannot verify");
    double secs = (double)(xa_time_mono() - t0) / 1e6;
    xa_store_close(&st);
    free(pem);
    if (rc) {
        xa_cli_error(&d, rc);
        return xa_cli_exit_code(rc);
    }
    double rate = secs > 0 ? (double)s.records / secs : 0;
    if (vo.json)
        printf("{\"records\":%" PRId64 ",\"blocks\":%" PRId64 ",\"checkpoints\":%" PRId64
               ",\"signed_checkpoints\":%" PRId64 ",\"purges\":%" PRId64 ",\"purged_to\":%" PRId64
               ",\"problems\":%" PRId64 ",\"warnings\":%" PRId64
               ",\"key\":\"%s\",\"seconds\":%.3f,\"records_per_second\":%.0f,\"ok\":%s}\n",
               s.records, s.blocks, s.checkpoints, s.signed_checkpoints, s.purges, s.purged_to,
               s.problems, s.warnings, s.key_fpr, secs, rate, s.problems ? "false" : "true");
    else
        printf("%s: %" PRId64 " records in %" PRId64 " blocks, %" PRId64 " checkpoints (%" PRId64
               " signed, key %.16s), purged up to seq %" PRId64 ": %s (%.0f records/s)\n",
               xa_cli_db_path(cli), s.records, s.blocks, s.checkpoints, s.signed_checkpoints,
               s.key_fpr, s.purged_to,
               s.problems ? "VERIFICATION FAILED" : s.warnings ? "intact, with warnings" : "intact",
               rate);
    xa_cli_self_audit_argv(cli, "ExoauditVerify", argc, argv);
    return s.problems ? XA_EXIT_TAMPERED : XA_EXIT_OK;
}
