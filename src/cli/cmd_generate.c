/* cmd_generate.c - exoaudit generate */
#include "cli/common.h"
#include "core/xtime.h"
#include "gen/gen.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

void xa_help_generate(FILE *out)
{
    fprintf(out,
            "usage: exoaudit generate [--records N] [--seed S] [--format jsonl|blob] [--start T]\n"
            "                         [--days D] [--tenant ID] [--domain D] [--out FILE]\n\n"
            "Writes deterministic, realistic tenant audit activity (users, shared mailboxes,\n"
            "delegates, admins, Microsoft back-end noise, every Exchange record shape, other\n"
            "workloads) with planted incidents: FullAccess granted, used and revoked; an inbox\n"
            "rule forwarding outside; an audit bypass association; mailbox auditing switched off.\n"
            "See docs/GENERATOR.md. The same options always give the same bytes.\n\n"
            "  --records N   records to write (default 10000)\n"
            "  --seed S      PRNG seed (default 1)\n"
            "  --format F    jsonl (default, JSON Lines) or blob (one JSON array, like an API content blob)\n"
            "  --start T     first record time, RFC 3339 or relative (30d = 30 days ago);\n"
            "                default 2026-10-01T00:00:00Z\n"
            "  --days D      span of the activity in days (default 30)\n"
            "  --tenant ID   OrganizationId (default derived from the seed)\n"
            "  --domain D    the tenant's mail domain (default contoso.com)\n"
            "  --out FILE    output file (default stdout)\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || end == s || *s == '-')
        return -1;
    *out = v;
    return 0;
}

int xa_cmd_generate(struct xa_cli *cli, int argc, char **argv)
{
    (void)cli;
    struct xa_gen_opts o;
    xa_gen_opts_init(&o);
    const char *outpath = NULL;
    static const struct option opts[] = {
        {"records", required_argument, NULL, 'n'}, {"seed", required_argument, NULL, 's'},
        {"format", required_argument, NULL, 'f'},  {"start", required_argument, NULL, 't'},
        {"days", required_argument, NULL, 'd'},    {"tenant", required_argument, NULL, 'T'},
        {"domain", required_argument, NULL, 'D'},  {"out", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0}};
    int c;
    uint64_t v;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (parse_u64(optarg, &o.records) || o.records == 0) {
                fprintf(stderr, "exoaudit generate: --records: expected a number > 0\n");
                return XA_EXIT_USAGE;
            }
            break;
        case 's':
            if (parse_u64(optarg, &o.seed)) {
                fprintf(stderr, "exoaudit generate: --seed: expected a number\n");
                return XA_EXIT_USAGE;
            }
            break;
        case 'f':
            if (!strcmp(optarg, "jsonl"))
                o.format = XA_GEN_JSONL;
            else if (!strcmp(optarg, "blob"))
                o.format = XA_GEN_BLOB;
            else {
                fprintf(stderr, "exoaudit generate: --format: expected jsonl or blob\n");
                return XA_EXIT_USAGE;
            }
            break;
        case 't':
            if (xa_time_parse_arg(optarg, xa_time_now(), &o.start)) {
                fprintf(stderr, "exoaudit generate: --start: not a time: '%s'\n", optarg);
                return XA_EXIT_USAGE;
            }
            break;
        case 'd':
            if (parse_u64(optarg, &v) || v == 0 || v > 3650) {
                fprintf(stderr, "exoaudit generate: --days: expected 1 to 3650\n");
                return XA_EXIT_USAGE;
            }
            o.span = (int64_t)v * 86400 * 1000000;
            break;
        case 'T': o.tenant_id = optarg; break;
        case 'D': o.domain = optarg; break;
        case 'o': outpath = optarg; break;
        default: xa_help_generate(stderr); return XA_EXIT_USAGE;
        }
    }
    FILE *fp = stdout;
    if (outpath && strcmp(outpath, "-") != 0) {
        fp = fopen(outpath, "wb");
        if (!fp) {
            fprintf(stderr, "exoaudit generate: %s: %s\n", outpath, strerror(errno));
            return XA_EXIT_FAIL;
        }
    }
    static char iobuf[1 << 16];
    setvbuf(fp, iobuf, _IOFBF, sizeof(iobuf));
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = xa_gen_write(&o, fp, &d);
    int cerr = fp != stdout ? fclose(fp) : fflush(fp);
    if (rc || cerr) {
        xa_cli_error(&d, rc ? rc : XA_ERR_IO);
        return XA_EXIT_FAIL;
    }
    return XA_EXIT_OK;
}
