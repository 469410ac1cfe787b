/* Unit tests of the CSV and XML readers, format detection and the identity helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/xtime.h"
#include "norm/cmdlet.h"
#include "norm/windows.h"
#include "parse/csv.h"
#include "parse/format.h"
#include "parse/input.h"
#include "parse/xml.h"

/* ---------------------------------------------------------------- CSV */

struct rows {
    int n;
    char f[16][8][256];
    size_t nf[16];
    long long line[16];
    const char *reason[16];
};

static void read_csv(const void *data, size_t len, size_t max, struct rows *r)
{
    struct xa_input *in;
    struct xa_csv *c;
    struct xa_diag d;
    memset(r, 0, sizeof(*r));
    assert_int_equal(xa_input_open_mem(data, len, "t.csv", &in, &d), XA_OK);
    assert_int_equal(xa_csv_new(in, max, &c, &d), XA_OK);
    struct xa_csv_row row;
    xa_rc rc;
    while ((rc = xa_csv_next(c, &row, &d)) == XA_OK && r->n < 16) {
        r->line[r->n] = row.line;
        r->reason[r->n] = row.reason;
        r->nf[r->n] = row.reason ? 0 : row.n;
        for (size_t i = 0; !row.reason && i < row.n && i < 8; i++)
            snprintf(r->f[r->n][i], 256, "%s", row.f[i]);
        r->n++;
    }
    assert_int_equal(rc, XA_ERR_EOF);
    xa_csv_free(c);
    xa_input_close(in);
}

static void test_csv_quotes_multiline(void **s)
{
    (void)s;
    const char *t = "a,b,c\r\n1,\"x \"\"q\"\" y\",\"line1\r\nline2\"\r\n\r\n2,,\"\"\n3,\"a,b\",z";
    struct rows r;
    read_csv(t, strlen(t), 4096, &r);
    assert_int_equal(r.n, 4);
    assert_string_equal(r.f[1][1], "x \"q\" y");
    assert_string_equal(r.f[1][2], "line1\r\nline2");
    assert_int_equal(r.line[2], 5); /* the empty line 4 is skipped */
    assert_int_equal(r.nf[2], 3);
    assert_string_equal(r.f[2][2], "");
    assert_int_equal(r.line[3], 6);
    assert_string_equal(r.f[3][1], "a,b");
    assert_string_equal(r.f[3][2], "z");
}

static void test_csv_bom_type_semicolon(void **s)
{
    (void)s;
    const char *t = "\xEF\xBB\xBF#TYPE Deserialized.X\r\n\"A\";\"B\"\r\n\"1\";\"2\"\r\n";
    struct rows r;
    read_csv(t, strlen(t), 4096, &r);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.f[0][0], "A");
    assert_string_equal(r.f[1][1], "2");
    assert_int_equal(r.line[1], 3);
}

static void test_csv_utf16(void **s)
{
    (void)s;
    const char *u8 = "A,B\r\n\"h\xC3\xA9\",\"\xF0\x9F\x98\x80\"\r\n"; /* é and an emoji (surrogates) */
    unsigned char buf[256];
    size_t k = 0;
    buf[k++] = 0xFF;
    buf[k++] = 0xFE;
    /* hand-encode: ASCII, U+00E9, U+1F600 */
    const unsigned short units[] = {'A', ',', 'B', '\r', '\n', '"', 'h', 0xE9, '"', ',', '"',
                                    0xD83D, 0xDE00, '"', '\r', '\n'};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        buf[k++] = (unsigned char)(units[i] & 0xFF);
        buf[k++] = (unsigned char)(units[i] >> 8);
    }
    struct rows r;
    read_csv(buf, k, 4096, &r);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.f[1][0], "h\xC3\xA9");
    assert_string_equal(r.f[1][1], "\xF0\x9F\x98\x80");
    (void)u8;
}

static void test_csv_limits(void **s)
{
    (void)s;
    size_t big = 5000;
    char *t = malloc(big + 100);
    int k = sprintf(t, "a,b\n1,\"");
    memset(t + k, 'x', big);
    k += (int)big;
    k += sprintf(t + k, "\n\"\n2,ok\n3,\"open");
    struct rows r;
    read_csv(t, (size_t)k, 1024, &r);
    free(t);
    assert_int_equal(r.n, 4);
    assert_non_null(r.reason[1]);
    assert_non_null(strstr(r.reason[1], "limit"));
    assert_int_equal(r.line[2], 4); /* the long row had a line break inside its quotes */
    assert_string_equal(r.f[2][1], "ok");
    assert_non_null(r.reason[3]);
    assert_non_null(strstr(r.reason[3], "unterminated"));
}

static void test_csv_header(void **s)
{
    (void)s;
    const char *h = "#TYPE x\n\"RecordId\",\"CreationDate\",\"AuditData\"\n1,2,3\n";
    char buf[256];
    const char *names[8];
    assert_int_equal(xa_csv_header(h, strlen(h), buf, sizeof(buf), names, 8), 3);
    assert_string_equal(names[2], "AuditData");
}

/* ---------------------------------------------------------------- XML */

struct recs {
    int n;
    char name[16][32];
    long long line[16];
    char reason[16][256];
};

static void read_xml(const char *t, size_t max, struct recs *r)
{
    struct xa_input *in;
    struct xa_xml_reader *x;
    struct xa_diag d;
    memset(r, 0, sizeof(*r));
    assert_int_equal(xa_input_open_mem(t, strlen(t), "t.xml", &in, &d), XA_OK);
    assert_int_equal(xa_xml_reader_new(in, "Event", max, &x, &d), XA_OK);
    struct xa_xml_rec rec;
    xa_rc rc;
    while ((rc = xa_xml_next(x, &rec, &d)) == XA_OK && r->n < 16) {
        r->line[r->n] = rec.line;
        if (rec.reason)
            snprintf(r->reason[r->n], 256, "%s", rec.reason);
        else
            snprintf(r->name[r->n], 32, "%s", xa_xml_attr(rec.root, "Id") ? xa_xml_attr(rec.root, "Id") : "?");
        r->n++;
    }
    assert_int_equal(rc, XA_ERR_EOF);
    xa_xml_reader_free(x);
    xa_input_close(in);
}

static void test_xml_records_and_resync(void **s)
{
    (void)s;
    const char *t = "<?xml version=\"1.0\" encoding=\"utf-16\"?>\n<SearchResults>\n"
                    "<Event Id=\"1\"><X a=\"&amp;\"/></Event>\n"
                    "<Event Id=\"2\"><broken></Event>\n"
                    "<Event Id=\"3\"/>\n"
                    "</SearchResults>\n";
    struct recs r;
    read_xml(t, 4096, &r);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.name[0], "1");
    assert_int_equal(r.line[0], 3);
    assert_non_null(strstr(r.reason[1], "mismatched tag"));
    assert_int_equal(r.line[1], 4);
    assert_string_equal(r.name[2], "3");
    assert_int_equal(r.line[2], 5);
}

static void test_xml_rootless_and_big(void **s)
{
    (void)s;
    char t[8192];
    int k = sprintf(t, "<Event Id='a'/>\n<Event Id='b'><D>");
    memset(t + k, 'y', 3000);
    k += 3000;
    sprintf(t + k, "</D></Event>\n<Event Id='c'></Event>\n");
    struct recs r;
    read_xml(t, 1024, &r);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.name[0], "a");
    assert_non_null(strstr(r.reason[1], "larger than"));
    assert_string_equal(r.name[2], "c");
    assert_int_equal(r.line[2], 3);
}

static void test_xml_doctype_refused(void **s)
{
    (void)s;
    const char *t = "<!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><a>&e;</a>";
    struct xa_arena a;
    xa_arena_init(&a, 4096);
    const struct xa_xml_node *root;
    struct xa_diag d;
    assert_int_equal(xa_xml_parse(t, strlen(t), &a, &root, &d), XA_ERR_PARSE);
    assert_non_null(strstr(d.msg, "DOCTYPE"));
    const char *ok = "<a x='1'><b>t&lt;1</b><c/></a>";
    assert_int_equal(xa_xml_parse(ok, strlen(ok), &a, &root, &d), XA_OK);
    assert_string_equal(xa_xml_attr(root, "X"), "1");
    assert_string_equal(xa_xml_child(root, "b")->text, "t<1");
    xa_arena_release(&a);
}

/* ---------------------------------------------------------------- detection, identity */

static const char *detect(const char *t, size_t n)
{
    struct xa_input *in;
    struct xa_diag d;
    const struct xa_format_ops *f = NULL;
    assert_int_equal(xa_input_open_mem(t, n, "t", &in, &d), XA_OK);
    xa_rc rc = xa_format_detect(in, &f, &d);
    xa_input_close(in);
    return rc ? "-" : f->name;
}

static void test_detect(void **s)
{
    (void)s;
    assert_string_equal(detect("[{\"Id\":\"x\"}]", 12), "json");
    const char *e = "[{\"RecordType\":\"ExchangeAdmin\",\"AuditData\":\"{}\"}]";
    assert_string_equal(detect(e, strlen(e)), "export-json");
    const char *a = "[{\"CmdletName\":\"Set-Mailbox\",\"Caller\":\"x\"}]";
    assert_string_equal(detect(a, strlen(a)), "export-json");
    const char *c = "CreationDate,UserIds,Operations,AuditData\r\n";
    assert_string_equal(detect(c, strlen(c)), "csv");
    const char *m = "\"Operation\",\"LastAccessed\",\"MailboxGuid\"\n";
    assert_string_equal(detect(m, strlen(m)), "csv");
    const char *x = "<?xml version=\"1.0\"?><SearchResults><Event Caller=\"x\"/></SearchResults>";
    assert_string_equal(detect(x, strlen(x)), "xml");
    assert_string_equal(detect("ElfFile\0\0\0\0\0", 12), "evtx");
    assert_string_equal(detect("a,b,c\n1,2,3\n", 12), "-");
}

static void test_identity_helpers(void **s)
{
    (void)s;
    struct xa_arena a;
    xa_arena_init(&a, 4096);
    struct xa_kv dom[] = {{"CORP", "corp.contoso.com"}};
    assert_string_equal(xa_norm_account_upn("corp\\JDoe", dom, 1, &a), "jdoe@corp.contoso.com");
    assert_string_equal(xa_norm_account_upn("corp.contoso.com/Users/exadmin", dom, 1, &a),
                        "exadmin@corp.contoso.com");
    assert_null(xa_norm_account_upn("OTHER\\jdoe", dom, 1, &a));
    assert_null(xa_norm_account_upn("jdoe@contoso.com", dom, 1, &a));
    const char *h1 = xa_norm_hash_id("abc", 3, &a), *h2 = xa_norm_hash_id("abc", 3, &a);
    assert_string_equal(h1, h2);
    assert_int_equal(strlen(h1), 36);
    assert_int_equal(h1[14], '8');
    int64_t t;
    assert_int_equal(xa_norm_ps_time("\\/Date(1741594492000)\\/", &t), XA_OK);
    assert_true(t == 1741594492000000LL);
    assert_int_equal(xa_norm_ps_time("2019-04-02T09:12:44-05:00", &t), XA_OK);
    char buf[32];
    assert_string_equal(xa_time_format(t, buf), "2019-04-02T14:12:44Z");
    xa_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_quotes_multiline), cmocka_unit_test(test_csv_bom_type_semicolon),
        cmocka_unit_test(test_csv_utf16),            cmocka_unit_test(test_csv_limits),
        cmocka_unit_test(test_csv_header),           cmocka_unit_test(test_xml_records_and_resync),
        cmocka_unit_test(test_xml_rootless_and_big), cmocka_unit_test(test_xml_doctype_refused),
        cmocka_unit_test(test_detect),               cmocka_unit_test(test_identity_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
