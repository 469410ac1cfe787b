#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "parse/input.h"
#include "parse/jsonstream.h"

struct got {
    int n;
    int status[64];
    char text[64][128];
    long long off[64], line[64];
    size_t total[64];
};

static void split(const char *data, size_t len, size_t max, struct got *g, enum xa_jmode *mode)
{
    struct xa_input *in;
    struct xa_jstream *s;
    struct xa_diag d;
    memset(g, 0, sizeof(*g));
    assert_int_equal(xa_input_open_mem(data, len, "t", &in, &d), XA_OK);
    assert_int_equal(xa_jstream_new(in, max, &s, &d), XA_OK);
    struct xa_jrec r;
    xa_rc rc;
    while ((rc = xa_jstream_next(s, &r, &d)) == XA_OK) {
        assert_true(g->n < 64);
        g->status[g->n] = r.status;
        size_t n = r.len < 127 ? r.len : 127;
        memcpy(g->text[g->n], r.data, n);
        g->off[g->n] = r.offset;
        g->line[g->n] = r.line;
        g->total[g->n] = r.total;
        g->n++;
    }
    assert_int_equal(rc, XA_ERR_EOF);
    if (mode)
        *mode = xa_jstream_mode(s);
    xa_jstream_free(s);
    xa_input_close(in);
}

static void test_array(void **st)
{
    (void)st;
    const char *t = " [ {\"a\":\"x]},{\\\"\"}, {\"b\":[1,{\"c\":2}]}\n,{}]";
    struct got g;
    enum xa_jmode m;
    split(t, strlen(t), 4096, &g, &m);
    assert_int_equal(m, XA_JMODE_ARRAY);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.text[0], "{\"a\":\"x]},{\\\"\"}");
    assert_string_equal(g.text[1], "{\"b\":[1,{\"c\":2}]}");
    assert_string_equal(g.text[2], "{}");
    assert_int_equal(g.off[1], 20);
    assert_int_equal(g.line[2], 2);
}

static void test_lines(void **st)
{
    (void)st;
    const char *t = "\xEF\xBB\xBF{\"a\":1}\r\n\n{broken\n{\"b\":\"{\"}\n";
    struct got g;
    enum xa_jmode m;
    split(t, strlen(t), 4096, &g, &m);
    assert_int_equal(m, XA_JMODE_LINES);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.text[0], "{\"a\":1}");
    assert_string_equal(g.text[1], "{broken");
    assert_int_equal(g.line[1], 3);
    assert_string_equal(g.text[2], "{\"b\":\"{\"}");
    assert_int_equal(g.line[2], 4);
}

static void test_concat_pretty(void **st)
{
    (void)st;
    const char *t = "{\n \"a\": 1\n}\n{\n \"b\": 2\n}";
    struct got g;
    enum xa_jmode m;
    split(t, strlen(t), 4096, &g, &m);
    assert_int_equal(m, XA_JMODE_CONCAT);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.line[1], 4);
}

static void test_too_big_and_truncated(void **st)
{
    (void)st;
    size_t big = 3 * 1024 * 1024;
    char *t = malloc(big + 200);
    size_t n = 0;
    n += (size_t)sprintf(t + n, "[{\"a\":1},{\"s\":\"");
    memset(t + n, 'x', big);
    n += big;
    n += (size_t)sprintf(t + n, "\"},{\"b\":2},{\"c\":");
    struct got g;
    split(t, n, 1024, &g, NULL);
    assert_int_equal(g.n, 4);
    assert_int_equal(g.status[0], XA_JREC_OK);
    assert_int_equal(g.status[1], XA_JREC_TOO_BIG);
    assert_int_equal(g.total[1], big + 8);
    assert_int_equal(g.off[1], 9);
    assert_int_equal(g.status[2], XA_JREC_OK);
    assert_string_equal(g.text[2], "{\"b\":2}");
    assert_int_equal(g.status[3], XA_JREC_BROKEN);
    free(t);
}

/* regression (fuzz_jsonstream): a stray closing brace inside an array made the splitter
 * return empty records forever */
static void test_stray_brace(void **st)
{
    (void)st;
    const char *t = "[{\"a\":\"x\"}}, {\"b\":1}]";
    struct got g;
    split(t, strlen(t), 4096, &g, NULL);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.status[0], XA_JREC_OK);
    assert_int_equal(g.status[1], XA_JREC_BROKEN);
    assert_int_equal(g.status[2], XA_JREC_OK);
    assert_string_equal(g.text[2], "{\"b\":1}");
}

static void test_not_json(void **st)
{
    (void)st;
    struct xa_input *in;
    struct xa_jstream *s;
    struct xa_diag d;
    struct xa_jrec r;
    assert_int_equal(xa_input_open_mem("CreationDate,UserIds\n", 21, "t", &in, &d), XA_OK);
    assert_int_equal(xa_jstream_new(in, 4096, &s, &d), XA_OK);
    assert_int_equal(xa_jstream_next(s, &r, &d), XA_ERR_UNSUPPORTED);
    xa_jstream_free(s);
    xa_input_close(in);
}

static void test_compressed(void **st)
{
    (void)st;
    const char *t = "[{\"a\":1},{\"b\":2}]";
    unsigned char gz[256], zs[256];
    z_stream z;
    memset(&z, 0, sizeof(z));
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (unsigned char *)t;
    z.avail_in = (unsigned)strlen(t);
    z.next_out = gz;
    z.avail_out = sizeof(gz);
    deflate(&z, Z_FINISH);
    size_t gzn = sizeof(gz) - z.avail_out;
    deflateEnd(&z);
    struct got g;
    split((const char *)gz, gzn, 4096, &g, NULL);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.text[1], "{\"b\":2}");
    size_t zn = ZSTD_compress(zs, sizeof(zs), t, strlen(t), 3);
    split((const char *)zs, zn, 4096, &g, NULL);
    assert_int_equal(g.n, 2);
    /* truncated zstd frame is an error, not silent success */
    struct xa_input *in;
    struct xa_jstream *s;
    struct xa_diag d;
    struct xa_jrec r;
    assert_int_equal(xa_input_open_mem(zs, zn - 3, "t", &in, &d), XA_OK);
    assert_int_equal(xa_jstream_new(in, 4096, &s, &d), XA_OK);
    xa_rc rc;
    while ((rc = xa_jstream_next(s, &r, &d)) == XA_OK)
        ;
    assert_int_equal(rc, XA_ERR_PARSE);
    xa_jstream_free(s);
    xa_input_close(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_array),           cmocka_unit_test(test_lines),
        cmocka_unit_test(test_concat_pretty),   cmocka_unit_test(test_too_big_and_truncated),
        cmocka_unit_test(test_not_json),        cmocka_unit_test(test_stray_brace),        cmocka_unit_test(test_compressed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
