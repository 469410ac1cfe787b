/* test_norm.c - normaliser: golden files (tests/data/golden/norm), ClientIP forms,
 * PowerShell parameter strings, RecordType table, hostile shapes.
 *
 * Golden files: NAME.json is one input record; NAME.expected.json is the expected
 * xa_event_to_json output (one line), or NAME.expected.txt a substring of the expected
 * refusal reason. XA_GOLDEN_UPDATE=1 rewrites the expected files from the current
 * output (then read every one of them before committing). */
/* cmocka.h needs these first */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/xtime.h"
#include "event/event.h"
#include "norm/norm.h"
#include "norm/psparams.h"
#include "parse/json.h"

/* ------------------------------------------------------------------ helpers */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *p = malloc(cap);
    size_t r;
    while (p && (r = fread(p + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n - 1 == 0) {
            char *q = realloc(p, cap * 2);
            if (!q) {
                free(p);
                p = NULL;
                break;
            }
            p = q;
            cap *= 2;
        }
    }
    fclose(f);
    if (p) {
        p[n] = '\0';
        *len = n;
    }
    return p;
}

static int write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(data, 1, len, f) == len && fputc('\n', f) != EOF;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

static size_t rtrim_len(const char *s, size_t n)
{
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return n;
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ------------------------------------------------------------------ golden */

/* Run one golden case; returns 0 when it matches (or was updated). */
static int run_golden(const char *dir, const char *name, int update)
{
    char in[1024], exp_json[1024], exp_txt[1024];
    size_t base = strlen(name) - strlen(".json");
    snprintf(in, sizeof(in), "%s/%s", dir, name);
    snprintf(exp_json, sizeof(exp_json), "%s/%.*s.expected.json", dir, (int)base, name);
    snprintf(exp_txt, sizeof(exp_txt), "%s/%.*s.expected.txt", dir, (int)base, name);

    size_t len = 0;
    char *text = read_file(in, &len);
    if (!text) {
        fprintf(stderr, "golden %s: cannot read input\n", name);
        return 1;
    }
    size_t rawlen = rtrim_len(text, len);
    struct xa_json *root = NULL;
    struct xa_diag d;
    xa_diag_clear(&d);
    if (xa_json_parse(text, len, &root, &d) != XA_OK) {
        fprintf(stderr, "golden %s: input is not JSON: %s\n", name, d.msg);
        free(text);
        return 1;
    }
    struct xa_arena a;
    xa_arena_init(&a, 4096);
    struct xa_event ev;
    struct xa_norm_opts opts = {
        .tenant_id = NULL, .source = XA_SRC_API, .collected_at = XA_TIME_NONE};
    xa_rc rc = xa_norm_record(root, text, rawlen, &opts, &a, &ev, &d);
    /* the caller frees the tree right away: the event must not point into it */
    xa_json_free(root);

    int bad = 0;
    struct xa_buf out;
    xa_buf_init(&out, 0);
    if (rc == XA_OK) {
        if (xa_event_to_json(&ev, &out) != XA_OK) {
            fprintf(stderr, "golden %s: xa_event_to_json failed\n", name);
            bad = 1;
        } else if (update) {
            remove(exp_txt);
            bad = write_file(exp_json, out.data, out.len) != 0;
        } else {
            size_t el = 0;
            char *exp = read_file(exp_json, &el);
            if (!exp) {
                fprintf(stderr, "golden %s: normalised but no %s (expected.txt: refusal?)\n", name,
                        exp_json);
                bad = 1;
            } else {
                el = rtrim_len(exp, el);
                if (el != out.len || memcmp(exp, out.data, el) != 0) {
                    fprintf(stderr, "golden %s: mismatch\n  expected: %.*s\n  actual:   %s\n", name,
                            (int)el, exp, out.data);
                    bad = 1;
                }
                free(exp);
            }
        }
    } else {
        if (rc != XA_ERR_INVALID) {
            fprintf(stderr, "golden %s: rc %s (%s), want XA_ERR_INVALID\n", name, xa_rc_str(rc),
                    d.msg);
            bad = 1;
        } else if (update) {
            remove(exp_json);
            bad = write_file(exp_txt, d.msg, strlen(d.msg)) != 0;
        } else {
            size_t el = 0;
            char *exp = read_file(exp_txt, &el);
            if (!exp) {
                fprintf(stderr, "golden %s: refused (%s) but no %s\n", name, d.msg, exp_txt);
                bad = 1;
            } else {
                exp[rtrim_len(exp, el)] = '\0';
                if (!*exp || !strstr(d.msg, exp)) {
                    fprintf(stderr, "golden %s: reason \"%s\" lacks \"%s\"\n", name, d.msg, exp);
                    bad = 1;
                }
                free(exp);
            }
        }
    }
    xa_buf_release(&out);
    xa_arena_release(&a);
    free(text);
    return bad;
}

static void test_golden(void **state)
{
    (void)state;
    const char *data = getenv("XA_TEST_DATA");
    char dir[900];
    snprintf(dir, sizeof(dir), "%s/golden/norm", data ? data : "tests/data");
    const char *upd = getenv("XA_GOLDEN_UPDATE");
    int update = upd && strcmp(upd, "1") == 0;

    DIR *dp = opendir(dir);
    if (!dp)
        fail_msg("cannot open golden dir %s", dir);
    char *names[4096];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(dp)) && n < sizeof(names) / sizeof(names[0])) {
        if (!ends_with(de->d_name, ".json") || ends_with(de->d_name, ".expected.json"))
            continue;
        names[n++] = strdup(de->d_name);
    }
    closedir(dp);
    qsort(names, n, sizeof(names[0]), cmp_str);
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        failures += run_golden(dir, names[i], update);
        free(names[i]);
    }
    print_message("golden/norm: %zu cases, %d failures%s\n", n, failures,
                  update ? " (expected files updated)" : "");
    assert_true(n >= 40);
    assert_int_equal(failures, 0);
}

/* ------------------------------------------------------------------ client ip */

static void test_client_ip(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *ip;
        int port;
    } cases[] = {
        {"203.0.113.25", "203.0.113.25", 0},
        {"203.0.113.25:51234", "203.0.113.25", 51234},
        {"[203.0.113.25]:443", "203.0.113.25", 443},
        {"[203.0.113.25]", "203.0.113.25", 0},
        {"::ffff:198.51.100.7", "198.51.100.7", 0},
        {"::FFFF:198.51.100.7", "198.51.100.7", 0},
        {"[::ffff:198.51.100.7]:8080", "198.51.100.7", 8080},
        {"[2001:db8:4a::17]:443", "2001:db8:4a::17", 443},
        {"[2001:db8:4a::17]", "2001:db8:4a::17", 0},
        {"2001:db8:ff::2", "2001:db8:ff::2", 0},
        {"2001:DB8:0:0:0:0:0:1", "2001:db8::1", 0},
        {"::1", "::1", 0},
        {"  192.0.2.1  ", "192.0.2.1", 0},
        {"192.0.2.1\r\n", "192.0.2.1", 0},
        {"localhost", NULL, 0},
        {"localhost:8080", NULL, 0},
        {"mail.contoso.com", NULL, 0},
        {"mail.contoso.com:443", NULL, 0},
        {"", NULL, 0},
        {"   ", NULL, 0},
        {"1.2.3", NULL, 0},
        {"256.1.1.1", NULL, 0},
        {"1.2.3.4:", NULL, 0},
        {"1.2.3.4:0", "1.2.3.4", 0},
        {"1.2.3.4:65536", NULL, 0},
        {"1.2.3.4:http", NULL, 0},
        {"[2001:db8::1]:", NULL, 0},
        {"[2001:db8::1", NULL, 0},
        {"[2001:db8::1]x", NULL, 0},
        {"[]", NULL, 0},
        {"[localhost]:80", NULL, 0},
        {"2001:db8::zz", NULL, 0},
        {"1.2.3.4, 5.6.7.8", NULL, 0},
        {"1.2.3.4:80:90", NULL, 0},
    };
    struct xa_arena a;
    xa_arena_init(&a, 1024);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *ip = "x";
        int port = -1;
        xa_norm_client_ip(cases[i].in, &a, &ip, &port);
        if (cases[i].ip == NULL) {
            if (ip != NULL)
                fail_msg("client_ip(\"%s\") = \"%s\", want null", cases[i].in, ip);
        } else {
            if (!ip || strcmp(ip, cases[i].ip) != 0)
                fail_msg("client_ip(\"%s\") = \"%s\", want \"%s\"", cases[i].in, ip ? ip : "(null)",
                         cases[i].ip);
        }
        if (port != cases[i].port)
            fail_msg("client_ip(\"%s\") port %d, want %d", cases[i].in, port, cases[i].port);
    }
    const char *ip = "x";
    int port = 7;
    xa_norm_client_ip(NULL, &a, &ip, &port);
    assert_null(ip);
    assert_int_equal(port, 0);
    /* very long input */
    char big[300];
    memset(big, '1', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    xa_norm_client_ip(big, &a, &ip, &port);
    assert_null(ip);
    xa_arena_release(&a);
}

/* ------------------------------------------------------------------ ps params */

static void expect_params(const char *in, size_t n, const char *const *pairs)
{
    struct xa_arena a;
    xa_arena_init(&a, 1024);
    const struct xa_kv *kv = NULL;
    size_t got = 99;
    assert_int_equal(xa_norm_ps_params(in, &a, &kv, &got), XA_OK);
    if (got != n)
        fail_msg("ps_params(%s): %zu pairs, want %zu", in, got, n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(kv[i].name, pairs[2 * i]) != 0 || strcmp(kv[i].value, pairs[2 * i + 1]) != 0)
            fail_msg("ps_params(%s)[%zu] = %s=%s, want %s=%s", in, i, kv[i].name, kv[i].value,
                     pairs[2 * i], pairs[2 * i + 1]);
    }
    if (n == 0)
        assert_null(kv);
    xa_arena_release(&a);
}

static void test_ps_params(void **state)
{
    (void)state;
    {
        const char *p[] = {"Name", "x", "Force", "True"};
        expect_params("-Name \"x\" -Force \"True\"", 2, p);
    }
    {
        const char *p[] = {"Identity", "jdoe@contoso.com", "DeliverToMailboxAndForward", "True"};
        expect_params("-Identity jdoe@contoso.com -DeliverToMailboxAndForward", 2, p);
    }
    { /* switch in the middle, value with spaces, tab separators */
        const char *p[] = {"Confirm", "True", "Name", "Board pack rule", "StopProcessingRules",
                           "True"};
        expect_params("-Confirm\t-Name \"Board pack rule\"   -StopProcessingRules", 3, p);
    }
    { /* escaped quotes: doubled, backtick, backslash */
        const char *p[] = {"A", "say \"hi\"", "B", "it's", "C", "x\"y", "D", "q\"r"};
        expect_params("-A \"say \"\"hi\"\"\" -B 'it''s' -C \"x`\"y\" -D \"q\\\"r\"", 4, p);
    }
    { /* a backslash before the closing quote stays literal */
        const char *p[] = {"Identity", "jdoe:\\", "User", "x"};
        expect_params("-Identity \"jdoe:\\\" -User x", 2, p);
    }
    { /* colon syntax, $true/$false, quoted "$true" stays as written */
        const char *p[] = {"Confirm", "False", "Force", "True", "Name", "$true", "X", "v"};
        expect_params("-Confirm:$false -Force:$TRUE -Name '$true' -X:v", 4, p);
    }
    { /* empty strings */
        const char *p[] = {"DomainController", "", "Name", ""};
        expect_params("-DomainController \"\" -Name ''", 2, p);
    }
    { /* value lists and negative numbers */
        const char *p[] = {"AccessRights", "FullAccess,SendAs", "To", "a@x,b@y", "Size", "-1"};
        expect_params("-AccessRights FullAccess,SendAs -To \"a@x\", \"b@y\" -Size -1", 3, p);
    }
    { /* positional values and junk are skipped */
        const char *p[] = {"Force", "True"};
        expect_params("Set-Mailbox jdoe \"quoted junk\" -Force", 1, p);
    }
    expect_params("", 0, NULL);
    expect_params("   ", 0, NULL);
    expect_params("garbage without dashes", 0, NULL);
    expect_params("- -- --- -1 -\"x\"", 0, NULL);
    {
        const char *p[] = {"Name", "unterminated value"};
        expect_params("-Name \"unterminated value", 1, p);
    }
    {
        const char *p[] = {"Name", "True"};
        expect_params("-Name:", 1, p);
    }
    struct xa_arena a;
    xa_arena_init(&a, 256);
    const struct xa_kv *kv;
    size_t n;
    assert_int_equal(xa_norm_ps_params(NULL, &a, &kv, &n), XA_OK);
    assert_int_equal(n, 0);
    xa_arena_release(&a);
}

/* ------------------------------------------------------------------ rectype */

static void test_record_types(void **state)
{
    (void)state;
    int count = 0;
    for (int t = -5; t < 5000; t++) {
        const char *name = xa_record_type_name(t);
        if (!name)
            continue;
        count++;
        if (xa_record_type_parse(name) != t)
            fail_msg("RecordType %d \"%s\" does not round-trip (%d)", t, name,
                     xa_record_type_parse(name));
    }
    /* 1-200: 133 rows of the table, 134 values above 200 (reference 2.3) */
    assert_int_equal(count, 267);
    assert_string_equal(xa_record_type_name(1), "ExchangeAdmin");
    assert_string_equal(xa_record_type_name(50), "ExchangeItemAggregated");
    assert_string_equal(xa_record_type_name(22), "Yammer");
    assert_string_equal(xa_record_type_name(216), "VivaGoals");
    assert_string_equal(xa_record_type_name(463), "VivaGlintAgenticCampaign");
    assert_null(xa_record_type_name(5));
    assert_null(xa_record_type_name(99999));
    assert_int_equal(xa_record_type_parse("exchangeadmin"), 1);
    assert_int_equal(xa_record_type_parse("Viva Engage"), 22);
    assert_int_equal(xa_record_type_parse("Viva Goals"), 216);
    assert_int_equal(xa_record_type_parse("WorkplaceAnalytics"), 44);
    assert_int_equal(xa_record_type_parse("SyntheticProbe"), -1);
    assert_int_equal(xa_record_type_parse(""), -1);
    assert_int_equal(xa_record_type_parse(NULL), -1);
}

/* ------------------------------------------------------------------ hostile */

/* Wrong types everywhere: never a crash, OK or INVALID only, every string readable. */
static void test_hostile_shapes(void **state)
{
    (void)state;
    static const char *const recs[] = {
        "{}",
        "[]",
        "null",
        "42",
        "\"str\"",
        "{\"Id\":\"x\",\"CreationTime\":\"2025-01-01T00:00:00\",\"RecordType\":[1]}",
        "{\"Id\":\"x\",\"CreationTime\":\"2025-01-01T00:00:00\",\"RecordType\":1.5}",
        "{\"Id\":\"x\",\"CreationTime\":\"2025-01-01T00:00:00\",\"RecordType\":-3}",
        "{\"Id\":\"x\",\"CreationTime\":\"2025-01-01T00:00:00\",\"RecordType\":true}",
        "{\"Id\":\"x\",\"CreationTime\":12345}",
        "{\"Id\":\"x\",\"CreationTime\":\"2025-01-01T00:00:00\",\"RecordType\":null,"
        "\"UserId\":7,\"UserType\":\"weird\",\"Operation\":[\"a\"],\"Workload\":{},"
        "\"ClientIP\":123,\"ClientIPAddress\":{},\"Parameters\":7,\"ModifiedProperties\":{},"
        "\"OperationProperties\":\"[not json\",\"ExtendedProperties\":[1,\"x\",null,{}],"
        "\"Item\":\"str\",\"Folder\":[],\"Folders\":{\"a\":1},\"AffectedItems\":[[],1,\"x\"],"
        "\"LogonType\":{},\"ResultStatus\":5,\"ExternalAccess\":\"maybe\",\"AppAccessContext\":[7],"
        "\"OrganizationId\":false,\"OriginatingServer\":\" \\r\\n\"}",
        "{\"Id\":\"x\",\"CreationTime\":\"2025-01-01T00:00:00\",\"RecordType\":1,"
        "\"Operation\":\"Add-MailboxPermission\",\"Parameters\":[{\"Name\":1,\"Value\":2},"
        "{\"Name\":\"User\",\"Value\":[1,2]},{\"Name\":\"Identity\"},\"junk\",null]}",
        "{\"Id\":\"x\",\"CreationTime\":\"2025-01-01T00:00:00\",\"RecordType\":1,"
        "\"Operation\":\"Set-MailboxFolderPermission\",\"Parameters\":\"-Identity :\\\\ -User\"}",
        "{\"Id\":\"x\",\"CreationTime\":\"2025-01-01T00:00:00\",\"Operation\":\"-\","
        "\"Parameters\":\"[{\\\"Name\\\":\\\"a\\\"}]\",\"ModifiedProperties\":\"[\\\"p\\\",7]\"}",
        "{\"Id\":\"x\",\"CreationTime\":\"2025-01-01T00:00:00\",\"Operation\":\"New-InboxRule\","
        "\"UserId\":\"NT AUTHORITY\\\\SYSTEM\"}",
        "{\"Id\":\"x\",\"CreationTime\":\"2025-01-01T00:00:00\",\"RecordType\":2,"
        "\"Operation\":\"UpdateFolderPermissions\",\"Item\":{\"ParentFolder\":[]},"
        "\"Folder\":{\"MemberSid\":\"S-1-5-21-1\"}}",
    };
    for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
        struct xa_json *root = NULL;
        assert_int_equal(xa_json_parse(recs[i], strlen(recs[i]), &root, NULL), XA_OK);
        struct xa_arena a;
        xa_arena_init(&a, 512);
        struct xa_event ev;
        struct xa_diag d;
        xa_diag_clear(&d);
        struct xa_norm_opts opts = {.tenant_id = "t-opt", .source = XA_SRC_JSON, .collected_at = 1};
        xa_rc rc = xa_norm_record(root, recs[i], strlen(recs[i]), &opts, &a, &ev, &d);
        xa_json_free(root);
        if (rc != XA_OK && rc != XA_ERR_INVALID)
            fail_msg("record %zu: rc %d", i, rc);
        if (rc == XA_OK) {
            struct xa_buf b;
            xa_buf_init(&b, 0);
            assert_int_equal(xa_event_to_json(&ev, &b), XA_OK);
            assert_non_null(ev.tenant_id);
            assert_non_null(ev.record_id);
            xa_buf_release(&b);
        } else {
            assert_true(d.msg[0] != '\0');
        }
        xa_arena_release(&a);
    }
}

/* The option tenant is used (and copied) when the record has no OrganizationId. */
static void test_opts_tenant(void **state)
{
    (void)state;
    const char *r = "{\"Id\":\"x\",\"CreationTime\":\"2025-01-01T00:00:00Z\"}";
    struct xa_json *root = NULL;
    assert_int_equal(xa_json_parse(r, strlen(r), &root, NULL), XA_OK);
    struct xa_arena a;
    xa_arena_init(&a, 512);
    struct xa_event ev;
    char tenant[] = "tenant-from-cli";
    struct xa_norm_opts opts = {.tenant_id = tenant, .source = XA_SRC_CSV, .collected_at = 5};
    assert_int_equal(xa_norm_record(root, r, strlen(r), &opts, &a, &ev, NULL), XA_OK);
    xa_json_free(root);
    tenant[0] = 'X';
    assert_string_equal(ev.tenant_id, "tenant-from-cli");
    assert_int_equal(ev.collected_at, 5);
    assert_int_equal(ev.source, XA_SRC_CSV);
    assert_int_equal(ev.record_type, -1);
    assert_int_equal(ev.category, XA_CAT_OTHER);
    assert_ptr_equal(ev.raw, r);
    xa_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_ip),    cmocka_unit_test(test_ps_params),
        cmocka_unit_test(test_record_types), cmocka_unit_test(test_hostile_shapes),
        cmocka_unit_test(test_opts_tenant),  cmocka_unit_test(test_golden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
