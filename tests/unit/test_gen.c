/* test_gen.c - the deterministic data generator: determinism, counts, JSON validity, time
 * order, planted incidents, duplicates, record size, streaming memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xtime.h"
#include "gen/gen.h"
#include "parse/json.h"

/* Generate into a malloc'd string (open_memstream). */
static char *gen(uint64_t n, uint64_t seed, enum xa_gen_format fmt, size_t *len)
{
    struct xa_gen_opts o;
    xa_gen_opts_init(&o);
    o.records = n;
    o.seed = seed;
    o.format = fmt;
    char *buf = NULL;
    size_t sz = 0;
    FILE *f = open_memstream(&buf, &sz);
    assert_non_null(f);
    struct xa_diag d;
    xa_diag_clear(&d);
    assert_int_equal(xa_gen_write(&o, f, &d), XA_OK);
    fclose(f);
    *len = sz;
    return buf;
}

/* Calls fn(record, line) for every JSONL line; returns the count. */
typedef void (*rec_fn)(const struct xa_json *rec, const char *line, size_t len, void *ctx);

static size_t each_line(const char *buf, size_t len, rec_fn fn, void *ctx)
{
    size_t n = 0;
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        assert_non_null(nl); /* every record is '\n' terminated */
        struct xa_json *j = NULL;
        struct xa_diag d;
        xa_rc rc = xa_json_parse(p, (size_t)(nl - p), &j, &d);
        if (rc != XA_OK)
            fail_msg("record %zu does not parse: %s", n + 1, d.msg);
        assert_int_equal(xa_json_type(j), XA_JSON_OBJECT);
        if (fn)
            fn(j, p, (size_t)(nl - p), ctx);
        xa_json_free(j);
        n++;
        p = nl + 1;
    }
    return n;
}

static const char *sget(const struct xa_json *r, const char *k)
{
    return xa_json_str(xa_json_get(r, k));
}

/* ---------------------------------------------------------------------------------------- */

static void test_determinism(void **state)
{
    (void)state;
    size_t la, lb, lc;
    char *a = gen(3000, 42, XA_GEN_JSONL, &la);
    char *b = gen(3000, 42, XA_GEN_JSONL, &lb);
    char *c = gen(3000, 43, XA_GEN_JSONL, &lc);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    assert_true(la != lc || memcmp(a, c, la) != 0);
    free(a);
    free(b);
    free(c);
}

static void test_counts(void **state)
{
    (void)state;
    static const uint64_t ns[] = {0, 1, 3, 10, 13, 50, 777};
    for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
        size_t len;
        char *buf = gen(ns[i], 7, XA_GEN_JSONL, &len);
        assert_int_equal(each_line(buf, len, NULL, NULL), ns[i]);
        free(buf);
    }
}

struct common_ctx {
    int64_t prev;
    int64_t lo, hi;
    size_t n;
    char tenant[40];
};

static void check_common(const struct xa_json *r, const char *line, size_t len, void *vctx)
{
    (void)line;
    (void)len;
    struct common_ctx *c = vctx;
    static const char *const req[] = {"CreationTime", "Id", "Operation", "OrganizationId",
                                      "ResultStatus", "UserKey", "Workload", "UserId",
                                      "ClientIP"};
    for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++)
        if (!sget(r, req[i]))
            fail_msg("record %zu lacks string %s", c->n + 1, req[i]);
    int64_t v;
    assert_true(xa_json_int(xa_json_get(r, "RecordType"), &v));
    assert_true(xa_json_int(xa_json_get(r, "UserType"), &v));
    assert_true(xa_json_int(xa_json_get(r, "Version"), &v));
    assert_int_equal(v, 1);
    const char *ct = sget(r, "CreationTime");
    assert_int_equal(strlen(ct), 19); /* no zone, no fraction */
    int64_t t;
    assert_int_equal(xa_time_parse(ct, (size_t)-1, &t), XA_OK);
    assert_true(t >= c->prev);
    assert_true(t >= c->lo && t < c->hi);
    c->prev = t;
    const char *id = sget(r, "Id");
    assert_int_equal(strlen(id), 36);
    for (const char *p = id; *p; p++)
        assert_true((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || *p == '-');
    if (c->n == 0)
        snprintf(c->tenant, sizeof(c->tenant), "%s", sget(r, "OrganizationId"));
    assert_string_equal(sget(r, "OrganizationId"), c->tenant);
    c->n++;
}

static void test_valid_and_ordered(void **state)
{
    (void)state;
    size_t len;
    char *buf = gen(5000, 3, XA_GEN_JSONL, &len);
    struct xa_gen_opts o;
    xa_gen_opts_init(&o);
    struct common_ctx c = {.prev = INT64_MIN, .lo = o.start, .hi = o.start + o.span};
    assert_int_equal(each_line(buf, len, check_common, &c), 5000);
    free(buf);
}

static void test_blob(void **state)
{
    (void)state;
    static const uint64_t ns[] = {0, 5, 2000};
    for (size_t i = 0; i < 3; i++) {
        size_t len;
        char *buf = gen(ns[i], 11, XA_GEN_BLOB, &len);
        struct xa_json *j = NULL;
        assert_int_equal(xa_json_parse(buf, len, &j, NULL), XA_OK);
        assert_int_equal(xa_json_type(j), XA_JSON_ARRAY);
        assert_int_equal(xa_json_count(j), ns[i]);
        xa_json_free(j);
        /* the blob holds exactly the JSONL records */
        size_t l2;
        char *jl = gen(ns[i], 11, XA_GEN_JSONL, &l2);
        assert_int_equal(len, l2 + (ns[i] ? 2 : 3)); /* "[" "," ... "]\n" vs one '\n' each */
        free(jl);
        free(buf);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Planted incidents                                                                         */

struct inc_ctx {
    int add_perm, remove_perm, delegate_mia, delegate_bind, sendas, new_rule, fwd, bypass,
        audit_off;
    int backend;
};

static const char *param(const struct xa_json *r, const char *name)
{
    const struct xa_json *p = xa_json_get(r, "Parameters");
    if (xa_json_type(p) != XA_JSON_ARRAY)
        return NULL;
    for (const struct xa_json *e = xa_json_child(p); e; e = xa_json_next(e))
        if (sget(e, "Name") && strcmp(sget(e, "Name"), name) == 0)
            return sget(e, "Value");
    return NULL;
}

static int64_t ival(const struct xa_json *r, const char *k)
{
    int64_t v = -1;
    xa_json_int(xa_json_get(r, k), &v);
    return v;
}

static bool streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static void find_incidents(const struct xa_json *r, const char *line, size_t len, void *vctx)
{
    (void)line;
    (void)len;
    struct inc_ctx *c = vctx;
    const char *op = sget(r, "Operation"), *uid = sget(r, "UserId");
    int64_t ut = ival(r, "UserType");
    if (ut == 3 && streq(uid, "NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)"))
        c->backend++;
    if (ival(r, "RecordType") == 1 && ut == 2 && streq(uid, "it.admin@contoso.com") &&
        streq(param(r, "Identity"), "ceo@contoso.com") &&
        streq(param(r, "User"), "ryan.cooper@contoso.com") &&
        streq(param(r, "AccessRights"), "FullAccess")) {
        if (streq(op, "Add-MailboxPermission") && streq(param(r, "InheritanceType"), "All"))
            c->add_perm++;
        if (streq(op, "Remove-MailboxPermission") && c->add_perm && c->delegate_mia)
            c->remove_perm++;
    }
    if (streq(uid, "ryan.cooper@contoso.com") && streq(sget(r, "MailboxOwnerUPN"),
                                                        "ceo@contoso.com") &&
        ival(r, "LogonType") == 2 && c->add_perm) {
        if (streq(op, "MailItemsAccessed")) {
            const struct xa_json *f = xa_json_child(xa_json_get(r, "Folders"));
            assert_non_null(f);
            assert_true(xa_json_count(xa_json_get(f, "FolderItems")) > 0);
            const struct xa_json *opp = xa_json_child(xa_json_get(r, "OperationProperties"));
            assert_string_equal(sget(opp, "Value"), "Bind");
            c->delegate_mia++;
        }
        if (streq(op, "FolderBind"))
            c->delegate_bind++;
        if (streq(op, "SendAs") && streq(sget(r, "SendAsUserSmtp"), "ceo@contoso.com"))
            c->sendas++;
    }
    if (streq(op, "New-InboxRule") && streq(uid, "nina.patel@contoso.com") && ut == 0 &&
        streq(param(r, "ForwardTo"), "ap-invoices@example.org"))
        c->new_rule++;
    if (streq(op, "Set-Mailbox") && ut == 2 &&
        streq(param(r, "ForwardingSmtpAddress"), "smtp:finance-reports@example.org"))
        c->fwd++;
    if (streq(op, "Set-MailboxAuditBypassAssociation") && ut == 2 &&
        streq(param(r, "Identity"), "svc.backup@contoso.com") &&
        streq(param(r, "AuditBypassEnabled"), "True"))
        c->bypass++;
    if (streq(op, "Set-Mailbox") && ut == 2 && streq(param(r, "Identity"), "cfo@contoso.com") &&
        streq(param(r, "AuditEnabled"), "False"))
        c->audit_off++;
}

static void test_incidents(void **state)
{
    (void)state;
    static const uint64_t ns[] = {50, 20000};
    for (size_t i = 0; i < 2; i++) {
        size_t len;
        char *buf = gen(ns[i], 99, XA_GEN_JSONL, &len);
        struct inc_ctx c;
        memset(&c, 0, sizeof(c));
        each_line(buf, len, find_incidents, &c);
        assert_int_equal(c.add_perm, 1);
        assert_int_equal(c.delegate_bind, 1);
        assert_int_equal(c.delegate_mia, 2);
        assert_int_equal(c.sendas, 1);
        assert_int_equal(c.remove_perm, 1);
        assert_int_equal(c.new_rule, 1);
        assert_int_equal(c.fwd, 1);
        assert_int_equal(c.bypass, 1);
        assert_int_equal(c.audit_off, 1);
        if (ns[i] >= 20000)
            assert_true(c.backend > 0);
        free(buf);
    }
    /* tiny N: the key record of each incident is still there */
    size_t len;
    char *buf = gen(4, 5, XA_GEN_JSONL, &len);
    struct inc_ctx c;
    memset(&c, 0, sizeof(c));
    assert_int_equal(each_line(buf, len, find_incidents, &c), 4);
    assert_int_equal(c.add_perm + c.new_rule + c.bypass + c.audit_off, 4);
    free(buf);
}

/* ---------------------------------------------------------------------------------------- */
/* Duplicates, size, shapes                                                                  */

struct mix_ctx {
    size_t n, bytes, dups;
    char prev_id[40];
    const char *prev_line;
    size_t prev_len;
    size_t rt[64];
    size_t sloppy_params, string_opprops, throttled, ip_port;
};

static void mix(const struct xa_json *r, const char *line, size_t len, void *vctx)
{
    struct mix_ctx *c = vctx;
    c->n++;
    c->bytes += len + 1;
    const char *id = sget(r, "Id");
    if (strcmp(id, c->prev_id) == 0) { /* duplicates are exact re-sends, adjacent */
        assert_int_equal(len, c->prev_len);
        assert_memory_equal(line, c->prev_line, len);
        c->dups++;
    }
    snprintf(c->prev_id, sizeof(c->prev_id), "%s", id);
    c->prev_line = line;
    c->prev_len = len;
    int64_t rt = ival(r, "RecordType");
    if (rt >= 0 && rt < 64)
        c->rt[rt]++;
    if (xa_json_type(xa_json_get(r, "Parameters")) == XA_JSON_STRING)
        c->sloppy_params++;
    const struct xa_json *opp = xa_json_get(r, "OperationProperties");
    if (xa_json_type(opp) == XA_JSON_STRING)
        c->string_opprops++;
    else if (opp && memmem(line, len, "\"IsThrottled\",\"Value\":\"True\"", 28))
        c->throttled++;
    const char *ip = sget(r, "ClientIP");
    if (ip && (ip[0] == '[' || strncmp(ip, "::ffff:", 7) == 0))
        c->ip_port++;
}

static void test_mix_and_size(void **state)
{
    (void)state;
    size_t len;
    char *buf = gen(20000, 1, XA_GEN_JSONL, &len);
    struct mix_ctx c;
    memset(&c, 0, sizeof(c));
    assert_int_equal(each_line(buf, len, mix, &c), 20000);
    double avg = (double)c.bytes / (double)c.n;
    print_message("gen: avg record %.0f bytes, %zu duplicates\n", avg, c.dups);
    assert_true(avg >= 1000 && avg <= 1500);
    assert_true(c.dups >= 20 && c.dups <= 200); /* about 0.4 % */
    /* mix: mailbox access dominates, admin cmdlets rare */
    assert_true(c.rt[50] > c.n / 5);
    assert_true(c.rt[15] > c.n / 10);
    assert_true(c.rt[6] > c.n / 10);
    assert_true(c.rt[1] > 0 && c.rt[1] < c.n / 50);
    assert_true(c.rt[2] > 0 && c.rt[3] > 0 && c.rt[8] > 0 && c.rt[25] > 0);
    /* sloppy shapes of reference 2.1 at a low rate */
    assert_true(c.sloppy_params > 0 && c.sloppy_params < c.rt[1]);
    assert_true(c.string_opprops > 0 && c.string_opprops < c.rt[50] / 20);
    assert_true(c.ip_port > 0 && c.ip_port < c.n / 20);
    assert_true(c.throttled > 0 && c.throttled < c.rt[50] / 50);
    free(buf);
}

static void test_options(void **state)
{
    (void)state;
    struct xa_gen_opts o;
    xa_gen_opts_init(&o);
    o.records = 30;
    o.domain = "fabrikam.example";
    o.tenant_id = "11111111-2222-4333-8444-555555555555";
    o.span = 3600LL * 1000000; /* one hour: incidents still fit */
    char *buf = NULL;
    size_t sz = 0;
    FILE *f = open_memstream(&buf, &sz);
    assert_int_equal(xa_gen_write(&o, f, NULL), XA_OK);
    fclose(f);
    struct common_ctx c = {.prev = INT64_MIN, .lo = o.start, .hi = o.start + o.span};
    assert_int_equal(each_line(buf, sz, check_common, &c), 30);
    assert_string_equal(c.tenant, o.tenant_id);
    assert_non_null(strstr(buf, "it.admin@fabrikam.example"));
    assert_null(strstr(buf, "contoso"));
    free(buf);
    struct xa_diag d;
    o.domain = "bad domain\"";
    f = open_memstream(&buf, &sz);
    assert_int_equal(xa_gen_write(&o, f, &d), XA_ERR_INVALID);
    fclose(f);
    free(buf);
    o.domain = NULL;
    o.tenant_id = "not-a-guid";
    f = open_memstream(&buf, &sz);
    assert_int_equal(xa_gen_write(&o, f, &d), XA_ERR_INVALID);
    fclose(f);
    free(buf);
}

/* Streaming: 1M records through a counting sink; peak RSS stays flat (checked against a
 * 50k run). Skipped under ASan where RSS is not meaningful and the run is slow. */
#if !defined(__SANITIZE_ADDRESS__)
static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long v = -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmHWM: %ld", &v) == 1)
            break;
    fclose(f);
    return v;
}
#endif

static void test_streaming_memory(void **state)
{
    (void)state;
#if defined(__SANITIZE_ADDRESS__)
    skip();
#else
    FILE *f = fopen("/dev/null", "w");
    assert_non_null(f);
    struct xa_gen_opts o;
    xa_gen_opts_init(&o);
    o.records = 50000;
    assert_int_equal(xa_gen_write(&o, f, NULL), XA_OK);
    long before = rss_kb();
    o.records = 1000000;
    assert_int_equal(xa_gen_write(&o, f, NULL), XA_OK);
    long after = rss_kb();
    fclose(f);
    print_message("gen: peak RSS %ld kB after 50k, %ld kB after 1M\n", before, after);
    if (before > 0)
        assert_true(after - before < 8 * 1024);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_determinism),   cmocka_unit_test(test_counts),
        cmocka_unit_test(test_valid_and_ordered), cmocka_unit_test(test_blob),
        cmocka_unit_test(test_incidents),     cmocka_unit_test(test_mix_and_size),
        cmocka_unit_test(test_options),       cmocka_unit_test(test_streaming_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
