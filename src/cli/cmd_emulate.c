/* cmd_emulate.c - exoaudit emulate: the Management Activity API emulator on loopback. */
#include "cli/common.h"
#include "core/log.h"
#include "core/xtime.h"
#include "emu/server.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void xa_help_emulate(FILE *out)
{
    fprintf(
        out,
        "usage: exoaudit emulate [options]\n\n"
        "Serves an Office 365 Management Activity API (token endpoints v1 and v2 + the\n"
        "activity feed) on 127.0.0.1 with generated tenant data, a simulated clock and\n"
        "deterministic fault injection. Prints 'listening on http://127.0.0.1:PORT' when\n"
        "ready and runs until SIGTERM/SIGINT or --exit-after. See docs/EMULATOR.md.\n\n"
        "Server:\n"
        "  --listen ADDR            only 127.0.0.1 (or localhost) is accepted\n"
        "  --port N                 TCP port (default 0 = pick a free one)\n"
        "  --ready-file FILE        write the base URL to FILE once listening\n"
        "  --exit-after SECONDS     stop after this many real seconds\n"
        "  --manifest FILE          append 'tenant<TAB>contentType<TAB>contentId<TAB>recordId'\n"
        "                           for every record of every complete blob response\n"
        "  --losses FILE            append the records of blobs that expired unfetched, with\n"
        "                           a fifth column: forced-expiry, stopped or retention\n"
        "Identity:\n"
        "  --tenant GUID            a tenant (repeatable; default one derived from --seed)\n"
        "  --client-id ID           the app id (default 3b7e9a10-0000-4000-8000-0000000000bb)\n"
        "  --client-secret-file F   accept this client secret (first line of F)\n"
        "  --cert-file PEM          accept client assertions signed for this certificate\n"
        "  --token-ttl SECONDS      access token lifetime (default 3599)\n"
        "API:\n"
        "  --page-size N            content entries per listing page (default 200)\n"
        "  --rate-limit N           requests a minute per tenant and publisher (default 2000,\n"
        "                           0 = unlimited)\n"
        "Data and time:\n"
        "  --records N              generated records per tenant (default 2000)\n"
        "  --seed S                 seed of the data and of every fault (default 1)\n"
        "  --sim-start T            simulated clock start, RFC 3339 or relative (7d = 7 days\n"
        "                           ago; default 7d)\n"
        "  --speed X                simulated seconds per real second (default 600)\n"
        "  --sim-days D             activity spread over D simulated days (default 7)\n"
        "  --blob-records K         records a blob at most (default 100)\n"
        "  --blob-span MINUTES      event time a blob covers at most (default 60)\n"
        "Faults (deterministic from --seed; ratios in [0,1]):\n"
        "  --fault-429 R            API requests answered 429 AF429 with Retry-After\n"
        "  --fault-5xx R            API requests answered 500 AF50000 or 503 AF50005\n"
        "  --latency MS             added to every request (other requests are not blocked)\n"
        "  --truncate R             blob responses cut in the middle (Content-Length broken)\n"
        "  --dup-across-blobs R     records also served in the next blob of their stream\n"
        "  --out-of-order           listings not in time order, records shuffled in blobs\n"
        "  --late R                 blobs listable 30 min..6 h after their contentCreated\n"
        "  --expire R               blobs expiring 3..13 min after they become listable\n"
        "  --token-expire-early R   tokens revoked after 1..20 API requests\n"
        "  --huge-blob N            one extra Audit.Exchange blob of N records (streamed)\n"
        "  --clock-offset SECONDS   shift every clock the emulator shows (skew testing)\n");
}

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    got_signal = sig;
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

static int parse_dbl(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || end == s || !isfinite(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static char *read_secret(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char line[1024];
    char *s = fgets(line, sizeof(line), f) ? strdup(line) : strdup("");
    fclose(f);
    if (s)
        s[strcspn(s, "\r\n")] = 0;
    memset(line, 0, sizeof(line));
    return s;
}

enum {
    O_LISTEN = 256,
    O_PORT,
    O_READY,
    O_EXIT,
    O_MANIFEST,
    O_LOSSES,
    O_TENANT,
    O_CLIENT,
    O_SECRET,
    O_CERT,
    O_TTL,
    O_PAGE,
    O_RATE,
    O_RECORDS,
    O_SEED,
    O_SIMSTART,
    O_SPEED,
    O_DAYS,
    O_BLOBREC,
    O_BLOBSPAN,
    O_F429,
    O_F5XX,
    O_LAT,
    O_TRUNC,
    O_DUP,
    O_OOO,
    O_LATE,
    O_EXPIRE,
    O_TOKX,
    O_HUGE,
    O_OFFSET
};

int xa_cmd_emulate(struct xa_cli *cli, int argc, char **argv)
{
    (void)cli;
    struct xa_emu_opts o;
    xa_emu_opts_init(&o);
    const char *ready = NULL, *secret_file = NULL, *sim_start = NULL;
    double exit_after = 0;
    static const struct option opts[] = {{"listen", required_argument, NULL, O_LISTEN},
                                         {"port", required_argument, NULL, O_PORT},
                                         {"ready-file", required_argument, NULL, O_READY},
                                         {"exit-after", required_argument, NULL, O_EXIT},
                                         {"manifest", required_argument, NULL, O_MANIFEST},
                                         {"losses", required_argument, NULL, O_LOSSES},
                                         {"tenant", required_argument, NULL, O_TENANT},
                                         {"client-id", required_argument, NULL, O_CLIENT},
                                         {"client-secret-file", required_argument, NULL, O_SECRET},
                                         {"cert-file", required_argument, NULL, O_CERT},
                                         {"token-ttl", required_argument, NULL, O_TTL},
                                         {"page-size", required_argument, NULL, O_PAGE},
                                         {"rate-limit", required_argument, NULL, O_RATE},
                                         {"records", required_argument, NULL, O_RECORDS},
                                         {"seed", required_argument, NULL, O_SEED},
                                         {"sim-start", required_argument, NULL, O_SIMSTART},
                                         {"speed", required_argument, NULL, O_SPEED},
                                         {"sim-days", required_argument, NULL, O_DAYS},
                                         {"blob-records", required_argument, NULL, O_BLOBREC},
                                         {"blob-span", required_argument, NULL, O_BLOBSPAN},
                                         {"fault-429", required_argument, NULL, O_F429},
                                         {"fault-5xx", required_argument, NULL, O_F5XX},
                                         {"latency", required_argument, NULL, O_LAT},
                                         {"truncate", required_argument, NULL, O_TRUNC},
                                         {"dup-across-blobs", required_argument, NULL, O_DUP},
                                         {"out-of-order", no_argument, NULL, O_OOO},
                                         {"late", required_argument, NULL, O_LATE},
                                         {"expire", required_argument, NULL, O_EXPIRE},
                                         {"token-expire-early", required_argument, NULL, O_TOKX},
                                         {"huge-blob", required_argument, NULL, O_HUGE},
                                         {"clock-offset", required_argument, NULL, O_OFFSET},
                                         {NULL, 0, NULL, 0}};
    int c;
    uint64_t v;
    double d;
#define BAD(...)                                                                                   \
    do {                                                                                           \
        fprintf(stderr, "exoaudit emulate: " __VA_ARGS__);                                         \
        fputc('\n', stderr);                                                                       \
        return XA_EXIT_USAGE;                                                                      \
    } while (0)
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_LISTEN:
            if (strcmp(optarg, "127.0.0.1") != 0 && strcmp(optarg, "localhost") != 0)
                BAD("--listen: the emulator only binds 127.0.0.1 (refusing '%s')", optarg);
            break;
        case O_PORT:
            if (parse_u64(optarg, &v) || v > 65535)
                BAD("--port: expected 0..65535");
            o.port = (unsigned)v;
            break;
        case O_READY: ready = optarg; break;
        case O_EXIT:
            if (parse_dbl(optarg, 0, 1e9, &exit_after))
                BAD("--exit-after: expected seconds");
            break;
        case O_MANIFEST: o.manifest = optarg; break;
        case O_LOSSES: o.losses = optarg; break;
        case O_TENANT:
            if (o.ntenants == XA_EMU_MAX_TENANTS)
                BAD("--tenant: at most %d tenants", XA_EMU_MAX_TENANTS);
            o.tenants[o.ntenants++] = optarg;
            break;
        case O_CLIENT:
            if (!*optarg)
                BAD("--client-id: empty");
            o.client_id = optarg;
            break;
        case O_SECRET: secret_file = optarg; break;
        case O_CERT: o.cert_file = optarg; break;
        case O_TTL:
            if (parse_u64(optarg, &v) || v == 0 || v > 86400 * 30)
                BAD("--token-ttl: expected seconds > 0");
            o.token_ttl = (int64_t)v;
            break;
        case O_PAGE:
            if (parse_u64(optarg, &v) || v == 0 || v > 100000)
                BAD("--page-size: expected 1..100000");
            o.page_size = (unsigned)v;
            break;
        case O_RATE:
            if (parse_u64(optarg, &v))
                BAD("--rate-limit: expected a number");
            o.rate_limit = v;
            break;
        case O_RECORDS:
            if (parse_u64(optarg, &v) || v > 100000000)
                BAD("--records: expected 0..100000000");
            o.plan.records = v;
            break;
        case O_SEED:
            if (parse_u64(optarg, &v))
                BAD("--seed: expected a number");
            o.plan.seed = v;
            break;
        case O_SIMSTART: sim_start = optarg; break;
        case O_SPEED:
            if (parse_dbl(optarg, 1e-3, 1e9, &o.speed))
                BAD("--speed: expected a number > 0");
            break;
        case O_DAYS:
            if (parse_dbl(optarg, 1.0 / 1440, 365, &d))
                BAD("--sim-days: expected days (0.0007..365)");
            o.plan.span = (int64_t)(d * (double)XA_EMU_DAY_US);
            break;
        case O_BLOBREC:
            if (parse_u64(optarg, &v) || v == 0 || v > 10000000)
                BAD("--blob-records: expected 1..10000000");
            o.plan.blob_records = (uint32_t)v;
            break;
        case O_BLOBSPAN:
            if (parse_dbl(optarg, 0, 1e6, &d))
                BAD("--blob-span: expected minutes");
            o.plan.blob_span = (int64_t)(d * (double)XA_EMU_MIN_US);
            break;
        case O_F429:
            if (parse_dbl(optarg, 0, 1, &o.fault_429))
                BAD("--fault-429: expected a ratio 0..1");
            break;
        case O_F5XX:
            if (parse_dbl(optarg, 0, 1, &o.fault_5xx))
                BAD("--fault-5xx: expected a ratio 0..1");
            break;
        case O_LAT:
            if (parse_u64(optarg, &v) || v > 600000)
                BAD("--latency: expected milliseconds");
            o.latency_ms = (unsigned)v;
            break;
        case O_TRUNC:
            if (parse_dbl(optarg, 0, 1, &o.truncate))
                BAD("--truncate: expected a ratio 0..1");
            break;
        case O_DUP:
            if (parse_dbl(optarg, 0, 1, &o.plan.dup))
                BAD("--dup-across-blobs: expected a ratio 0..1");
            break;
        case O_OOO: o.plan.out_of_order = true; break;
        case O_LATE:
            if (parse_dbl(optarg, 0, 1, &o.plan.late))
                BAD("--late: expected a ratio 0..1");
            break;
        case O_EXPIRE:
            if (parse_dbl(optarg, 0, 1, &o.plan.expire))
                BAD("--expire: expected a ratio 0..1");
            break;
        case O_TOKX:
            if (parse_dbl(optarg, 0, 1, &o.token_expire_early))
                BAD("--token-expire-early: expected a ratio 0..1");
            break;
        case O_HUGE:
            if (parse_u64(optarg, &v) || v > 50000000)
                BAD("--huge-blob: expected 0..50000000 records");
            o.plan.huge = v;
            break;
        case O_OFFSET:
            if (parse_dbl(optarg, -1e9, 1e9, &d))
                BAD("--clock-offset: expected seconds");
            o.clock_offset = (int64_t)(d * 1e6);
            break;
        default:
            BAD("unknown or incomplete option '%s' (see 'exoaudit emulate --help')",
                argv[optind - 1]);
        }
    }
    if (optind < argc)
        BAD("unexpected argument '%s'", argv[optind]);
    if (sim_start && xa_time_parse_arg(sim_start, xa_time_now(), &o.sim_start) != XA_OK)
        BAD("--sim-start: expected RFC 3339 or a relative time like 7d");
#undef BAD
    char *secret = NULL;
    if (secret_file) {
        secret = read_secret(secret_file);
        if (!secret || !*secret) {
            fprintf(stderr, "exoaudit emulate: %s: cannot read a secret from it\n", secret_file);
            free(secret);
            return XA_EXIT_USAGE;
        }
        o.client_secret = secret;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct xa_diag diag;
    xa_diag_clear(&diag);
    struct xa_emu *e = NULL;
    xa_rc rc = xa_emu_start(&o, &e, &diag);
    if (secret) {
        memset(secret, 0, strlen(secret));
        free(secret);
    }
    if (rc) {
        xa_cli_error(&diag, rc);
        return xa_cli_exit_code(rc);
    }
    for (size_t i = 0; i < xa_emu_tenant_count(e); i++)
        xa_log_info("emulate: tenant %s", xa_emu_tenant(e, i));
    printf("listening on %s\n", xa_emu_url(e));
    fflush(stdout);
    int ret = XA_EXIT_OK;
    if (ready) {
        char tmp[4096];
        snprintf(tmp, sizeof(tmp), "%s.tmp", ready);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%s\n", xa_emu_url(e)) < 0 || fclose(f) != 0 ||
            rename(tmp, ready) != 0) {
            fprintf(stderr, "exoaudit emulate: %s: cannot write the ready file\n", ready);
            got_signal = -1;
            ret = XA_EXIT_FAIL;
        }
    }
    int64_t t0 = xa_time_mono();
    while (!got_signal) {
        if (exit_after > 0 && (double)(xa_time_mono() - t0) >= exit_after * 1e6)
            break;
        xa_emu_tick(e);
        usleep(50 * 1000);
    }
    struct xa_emu_stats st;
    xa_emu_stop(e, &st);
    fprintf(stderr,
            "exoaudit emulate: requests %llu, 429s %llu, 5xx %llu, blobs served %llu, records "
            "served %llu, blobs expired %llu (token requests %llu, truncated %llu, "
            "notifications %llu)\n",
            (unsigned long long)st.requests, (unsigned long long)st.r429,
            (unsigned long long)st.r5xx, (unsigned long long)st.blobs_served,
            (unsigned long long)st.records_served, (unsigned long long)st.blobs_expired,
            (unsigned long long)st.token_requests, (unsigned long long)st.truncated,
            (unsigned long long)st.notifications);
    return ret;
}
