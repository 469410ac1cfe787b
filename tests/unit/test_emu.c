/* test_emu.c - the API emulator's pure logic: client assertion (JWT) verification against a
 * key pair and self-signed certificate made here, listing window rules, blob planning
 * (determinism, completeness, blob limits, latency, data faults, content ids). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "emu/jwt.h"
#include "emu/plan.h"
#include "emu/window.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#define CLIENT "3b7e9a10-0000-4000-8000-0000000000bb"
#define AUD "http://127.0.0.1:8080/8f2c1d3e-0000-4000-8000-0000000000aa/oauth2/token"
#define NOW 1741600000LL

/* ---------------------------------------------------------------------------------------- */
/* a key pair and a self-signed certificate                                                  */

static EVP_PKEY *key, *other_key;
static X509 *cert;
static struct xa_emu_cert *ecert;

static X509 *self_signed(EVP_PKEY *k)
{
    X509 *x = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, k);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"exoaudit-test", -1,
                               -1, 0);
    X509_set_issuer_name(x, n);
    assert_true(X509_sign(x, k, EVP_sha256()) > 0);
    return x;
}

static int setup(void **state)
{
    (void)state;
    key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    other_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    if (!key || !other_key)
        return -1;
    cert = self_signed(key);
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, cert);
    char *pem;
    long n = BIO_get_mem_data(b, &pem);
    int rc = xa_emu_cert_from_pem(pem, (size_t)n, &ecert, NULL);
    BIO_free(b);
    return rc == XA_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    xa_emu_cert_free(ecert);
    X509_free(cert);
    EVP_PKEY_free(key);
    EVP_PKEY_free(other_key);
    return 0;
}

static void b64(const char *s, struct xa_buf *out)
{
    char tmp[4096];
    xa_emu_b64url((const unsigned char *)s, strlen(s), tmp);
    xa_buf_puts(out, tmp);
}

static void thumb(const EVP_MD *md, char *out)
{
    unsigned char der_md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    X509_digest(cert, md, der_md, &n);
    xa_emu_b64url(der_md, n, out);
}

/* Sign header.payload with k (PS256 when pss) into a compact JWS; caller frees. */
static char *sign(const char *header, const char *payload, EVP_PKEY *k, bool pss)
{
    struct xa_buf b;
    xa_buf_init(&b, 0);
    b64(header, &b);
    xa_buf_putc(&b, '.');
    b64(payload, &b);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = NULL;
    assert_int_equal(EVP_DigestSignInit(md, &pc, EVP_sha256(), NULL, k), 1);
    if (pss) {
        EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST);
    }
    unsigned char sig[512];
    size_t sl = sizeof(sig);
    assert_int_equal(EVP_DigestSign(md, sig, &sl, (unsigned char *)b.data, b.len), 1);
    EVP_MD_CTX_free(md);
    char enc[1024];
    xa_emu_b64url(sig, sl, enc);
    xa_buf_putc(&b, '.');
    xa_buf_puts(&b, enc);
    return b.data;
}

static char *make(const char *alg, const char *thumb_name, const char *thumb_val, const char *aud,
                  const char *iss, const char *sub, long long nbf, long long exp, bool jti,
                  EVP_PKEY *k)
{
    char h[512], p[1024];
    snprintf(h, sizeof(h), "{\"alg\":\"%s\",\"typ\":\"JWT\",\"%s\":\"%s\"}", alg, thumb_name,
             thumb_val);
    snprintf(p, sizeof(p),
             "{\"aud\":\"%s\",\"iss\":\"%s\",\"sub\":\"%s\",%s\"nbf\":%lld,\"exp\":%lld}", aud, iss,
             sub, jti ? "\"jti\":\"0f1e2d3c-0000-4000-8000-000000000001\"," : "", nbf, exp);
    return sign(h, p, k, strcmp(alg, "PS256") == 0);
}

static int verify(const char *jwt, struct xa_emu_jwt_err *err)
{
    const char *auds[] = {AUD};
    return xa_emu_jwt_verify(ecert, jwt, auds, 1, CLIENT, NOW, err);
}

static void test_jwt_valid(void **state)
{
    (void)state;
    char x5t[64], x5t256[64];
    thumb(EVP_sha1(), x5t);
    thumb(EVP_sha256(), x5t256);
    assert_string_equal(x5t, xa_emu_cert_x5t(ecert));
    struct xa_emu_jwt_err err;
    char *j = make("RS256", "x5t", x5t, AUD, CLIENT, CLIENT, NOW, NOW + 600, true, key);
    assert_int_equal(verify(j, &err), 0);
    free(j);
    j = make("PS256", "x5t#S256", x5t256, AUD, CLIENT, CLIENT, NOW - 10, NOW + 600, true, key);
    assert_int_equal(verify(j, &err), 0);
    free(j);
    /* within the 5 minutes of tolerated skew */
    j = make("RS256", "x5t", x5t, AUD, CLIENT, CLIENT, NOW + 200, NOW + 800, true, key);
    assert_int_equal(verify(j, &err), 0);
    free(j);
}

static void expect(char *jwt, int http, long code)
{
    struct xa_emu_jwt_err err;
    assert_int_equal(verify(jwt, &err), -1);
    assert_int_equal(err.http, http);
    assert_int_equal(err.aadsts, code);
    assert_true(strlen(err.desc) > 10);
    free(jwt);
}

static void test_jwt_refused(void **state)
{
    (void)state;
    char x5t[64], x5t256[64];
    thumb(EVP_sha1(), x5t);
    thumb(EVP_sha256(), x5t256);
    /* signed by another key, thumbprint of the registered certificate */
    expect(make("RS256", "x5t", x5t, AUD, CLIENT, CLIENT, NOW, NOW + 600, true, other_key), 401,
           700027);
    /* thumbprint of some other certificate */
    expect(make("RS256", "x5t", "hOBcHZi846VCHSJbFAs26Go9VTQ", AUD, CLIENT, CLIENT, NOW, NOW + 600,
                true, key),
           401, 700027);
    /* x5t#S256 given the SHA-1 value */
    expect(make("PS256", "x5t#S256", x5t, AUD, CLIENT, CLIENT, NOW, NOW + 600, true, key), 401,
           700027);
    /* header says PS256 but the signature is PKCS#1 v1.5 */
    {
        char h[256], p[512];
        snprintf(h, sizeof(h), "{\"alg\":\"PS256\",\"x5t\":\"%s\"}", x5t);
        snprintf(p, sizeof(p),
                 "{\"aud\":\"%s\",\"iss\":\"%s\",\"sub\":\"%s\",\"jti\":\"x\","
                 "\"nbf\":%lld,\"exp\":%lld}",
                 AUD, CLIENT, CLIENT, NOW, NOW + 600);
        expect(sign(h, p, key, false), 401, 700027);
    }
    expect(make("HS256", "x5t", x5t, AUD, CLIENT, CLIENT, NOW, NOW + 600, true, key), 400, 5002738);
    expect(make("RS256", "x5t", x5t, "https://login.microsoftonline.com/x/oauth2/token", CLIENT,
                CLIENT, NOW, NOW + 600, true, key),
           401, 700212);
    expect(
        make("RS256", "x5t", x5t, AUD, "someone-else", "someone-else", NOW, NOW + 600, true, key),
        400, 700021);
    expect(make("RS256", "x5t", x5t, AUD, CLIENT, "x", NOW, NOW + 600, true, key), 400, 700021);
    expect(make("RS256", "x5t", x5t, AUD, CLIENT, CLIENT, NOW - 7200, NOW - 600, true, key), 401,
           700024);
    expect(make("RS256", "x5t", x5t, AUD, CLIENT, CLIENT, NOW + 3600, NOW + 4200, true, key), 401,
           700024);
    expect(make("RS256", "x5t", x5t, AUD, CLIENT, CLIENT, NOW, NOW + 7 * 86400, true, key), 401,
           700024);
    expect(make("RS256", "x5t", x5t, AUD, CLIENT, CLIENT, NOW, NOW + 600, false, key), 400, 50027);
    expect(strdup("not.a.jwt.at-all"), 400, 50027);
    expect(strdup("eyJhbGciOiJSUzI1NiJ9"), 400, 50027);
    /* a tampered payload */
    char *j = make("RS256", "x5t", x5t, AUD, CLIENT, CLIENT, NOW, NOW + 600, true, key);
    char *dot = strchr(j, '.');
    dot[3] = dot[3] == 'A' ? 'B' : 'A';
    struct xa_emu_jwt_err err;
    assert_int_equal(verify(j, &err), -1);
    free(j);
}

/* ---------------------------------------------------------------------------------------- */

static int64_t T(const char *s)
{
    int64_t t = 0;
    assert_int_equal(xa_emu_time_parse(s, &t), XA_OK);
    return t;
}

static void test_window(void **state)
{
    (void)state;
    assert_int_equal(T("2025-03-10"), T("2025-03-10T00:00"));
    assert_int_equal(T("2025-03-10T08:15"), T("2025-03-10T08:15:00Z"));
    assert_int_equal(T("2025-03-10T08:15:00.5") - T("2025-03-10T08:15:00"), 500000);
    int64_t x;
    const char *bad[] = {"",           "2025-3-10",        "2025-03-10 08:00",
                         "2025-02-29", "2025-03-10T25:00", "2025-03-10T08:00+02:00",
                         "yesterday",  "2025-03-10T08"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(xa_emu_time_parse(bad[i], &x), XA_ERR_PARSE);
    int64_t now = T("2025-03-17T12:00:00"), t0, t1;
    assert_int_equal(xa_emu_window_check("2025-03-17T00:00", "2025-03-17T12:00", now, &t0, &t1),
                     XA_EMU_WIN_OK);
    assert_int_equal(t0, T("2025-03-17"));
    assert_int_equal(t1, now);
    /* exactly 24 h and exactly 7 days are allowed; future end too */
    assert_int_equal(xa_emu_window_check("2025-03-10T12:00", "2025-03-11T12:00", now, &t0, &t1),
                     XA_EMU_WIN_OK);
    assert_int_equal(xa_emu_window_check("2025-03-17T12:00", "2025-03-18T12:00", now, &t0, &t1),
                     XA_EMU_WIN_OK);
    assert_int_equal(xa_emu_window_check("2025-03-10T11:59", "2025-03-11T11:00", now, &t0, &t1),
                     XA_EMU_WIN_TOO_OLD);
    assert_int_equal(xa_emu_window_check("2025-03-16T00:00", "2025-03-17T00:01", now, &t0, &t1),
                     XA_EMU_WIN_TOO_LONG);
    assert_int_equal(xa_emu_window_check("2025-03-17T00:00", "2025-03-17T00:00", now, &t0, &t1),
                     XA_EMU_WIN_ORDER);
    assert_int_equal(xa_emu_window_check("2025-03-17T00:00", NULL, now, &t0, &t1),
                     XA_EMU_WIN_ONE_ONLY);
    assert_int_equal(xa_emu_window_check("", "2025-03-17", now, &t0, &t1), XA_EMU_WIN_ONE_ONLY);
    assert_int_equal(xa_emu_window_check("x", "2025-03-17", now, &t0, &t1), XA_EMU_WIN_BAD_START);
    assert_int_equal(xa_emu_window_check("2025-03-17", "x", now, &t0, &t1), XA_EMU_WIN_BAD_END);
    assert_int_equal(xa_emu_window_check(NULL, NULL, now, &t0, &t1), XA_EMU_WIN_OK);
    assert_int_equal(t1 - t0, 24 * 3600000000LL);
    assert_string_equal(xa_emu_window_code(XA_EMU_WIN_ONE_ONLY), "AF20030");
    assert_string_equal(xa_emu_window_code(XA_EMU_WIN_TOO_OLD), "AF20055");
    assert_string_equal(xa_emu_window_code(XA_EMU_WIN_BAD_START), "AF20002");
    char buf[32];
    assert_string_equal(xa_emu_fmt_http_date(T("1994-11-06T08:49:37"), buf),
                        "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_string_equal(xa_emu_fmt_ms(T("2015-05-23T17:35:00.123"), buf),
                        "2015-05-23T17:35:00.123Z");
}

/* ---------------------------------------------------------------------------------------- */

static const char *tenants[] = {"8f2c1d3e-0000-4000-8000-0000000000aa",
                                "8f2c1d3e-0000-4000-8000-0000000000ab"};

static struct xa_emu_plan *plan(struct xa_emu_plan_opts *o)
{
    struct xa_emu_plan *p = NULL;
    struct xa_diag d;
    xa_diag_clear(&d);
    assert_int_equal(xa_emu_plan_build(o, &p, &d), XA_OK);
    return p;
}

static void base_opts(struct xa_emu_plan_opts *o)
{
    xa_emu_plan_opts_init(o);
    o->records = 1500;
    o->seed = 42;
    o->blob_records = 25;
    o->origin = T("2025-03-10");
    o->span = 2 * XA_EMU_DAY_US;
    o->tenants = tenants;
    o->ntenants = 2;
}

static void test_plan_determinism(void **state)
{
    (void)state;
    struct xa_emu_plan_opts o;
    base_opts(&o);
    o.dup = 0.05;
    o.late = 0.1;
    o.expire = 0.1;
    o.out_of_order = true;
    struct xa_emu_plan *a = plan(&o), *b = plan(&o);
    assert_int_equal(a->nrecs, b->nrecs);
    assert_int_equal(a->nblobs, b->nblobs);
    for (size_t i = 0; i < a->nblobs; i++) {
        const struct xa_emu_blob *x = &a->blobs[i], *y = &b->blobs[i];
        assert_string_equal(x->content_id, y->content_id);
        assert_int_equal(x->created, y->created);
        assert_int_equal(x->visible, y->visible);
        assert_int_equal(x->expires, y->expires);
        assert_int_equal(x->nrec, y->nrec);
        for (uint32_t j = 0; j < x->nrec; j++)
            assert_string_equal(xa_emu_plan_rec_id(a, x->recs[j]),
                                xa_emu_plan_rec_id(b, y->recs[j]));
    }
    for (size_t s = 0; s < 2 * XA_EMU_CT_COUNT; s++) {
        assert_int_equal(a->streams[s].n, b->streams[s].n);
        assert_memory_equal(a->streams[s].blobs, b->streams[s].blobs,
                            a->streams[s].n * sizeof(uint32_t));
    }
    xa_emu_plan_free(b);
    o.seed = 43;
    b = plan(&o);
    assert_string_not_equal(a->blobs[0].content_id, b->blobs[0].content_id);
    xa_emu_plan_free(a);
    xa_emu_plan_free(b);
}

static void test_plan_shape(void **state)
{
    (void)state;
    struct xa_emu_plan_opts o;
    base_opts(&o);
    struct xa_emu_plan *p = plan(&o);
    assert_int_equal(p->nrecs, 3000);
    unsigned char *seen = calloc(p->nrecs, 1);
    size_t per_ct[XA_EMU_CT_COUNT] = {0};
    for (size_t i = 0; i < p->nblobs; i++) {
        const struct xa_emu_blob *bl = &p->blobs[i];
        assert_true(bl->nrec >= 1 && bl->nrec <= 25);
        assert_int_equal(bl->serial, i);
        assert_int_equal(bl->visible, bl->created);
        assert_int_equal(bl->expires - bl->created, 7 * XA_EMU_DAY_US);
        uint64_t bytes = 2 + bl->nrec - 1;
        int64_t last = INT64_MIN;
        for (uint32_t j = 0; j < bl->nrec; j++) {
            const struct xa_emu_rec *r = &p->recs[bl->recs[j]];
            assert_int_equal(seen[bl->recs[j]], 0);
            seen[bl->recs[j]] = 1;
            assert_int_equal(r->ct, bl->ct);
            assert_int_equal(r->tenant, bl->tenant);
            assert_true(r->t >= last); /* in time order without --out-of-order */
            last = r->t;
            bytes += r->len;
            assert_true(p->data[r->off] == '{' && p->data[r->off + r->len - 1] == '}');
        }
        assert_int_equal(bl->bytes, bytes);
        /* available 1 min .. 12 h after its newest record */
        assert_true(bl->created - last >= 60000000LL);
        assert_true(bl->created - last <= 12 * 3600000000LL + 1000000);
        assert_true(bl->ct != XA_EMU_CT_DLP);
        per_ct[bl->ct] += bl->nrec;
        uint32_t found;
        assert_int_equal(xa_emu_plan_find(p, bl->content_id, &found), XA_OK);
        assert_int_equal(found, i);
        assert_non_null(strchr(bl->content_id, '$'));
    }
    for (size_t i = 0; i < p->nrecs; i++)
        assert_int_equal(seen[i], 1); /* every record is in exactly one blob */
    assert_true(per_ct[XA_EMU_CT_EXCHANGE] > 0 && per_ct[XA_EMU_CT_AAD] > 0 &&
                per_ct[XA_EMU_CT_SHAREPOINT] > 0 && per_ct[XA_EMU_CT_GENERAL] > 0);
    /* listing order: by contentCreated */
    for (size_t s = 0; s < 2 * XA_EMU_CT_COUNT; s++)
        for (size_t i = 1; i < p->streams[s].n; i++)
            assert_true(p->blobs[p->streams[s].blobs[i - 1]].created <=
                        p->blobs[p->streams[s].blobs[i]].created);
    uint32_t sn;
    assert_int_equal(xa_emu_plan_find(p, "garbage", &sn), XA_ERR_PARSE);
    assert_int_equal(xa_emu_plan_find(p, "20250310000000000999999$x$y", &sn), XA_ERR_NOTFOUND);
    assert_int_equal(xa_emu_ct_parse("audit.exchange"), XA_EMU_CT_EXCHANGE);
    assert_int_equal(xa_emu_ct_parse("Audit.Nope"), -1);
    assert_int_equal(xa_emu_ct_of_workload("OneDrive"), XA_EMU_CT_SHAREPOINT);
    assert_int_equal(xa_emu_ct_of_workload("MicrosoftTeams"), XA_EMU_CT_GENERAL);
    free(seen);
    xa_emu_plan_free(p);
}

static void test_plan_faults(void **state)
{
    (void)state;
    struct xa_emu_plan_opts o;
    base_opts(&o);
    o.dup = 0.1;
    o.late = 0.2;
    o.expire = 0.2;
    o.huge = 3000;
    struct xa_emu_plan *p = plan(&o);
    size_t served = 0, late = 0, shortlived = 0, huge = 0;
    for (size_t i = 0; i < p->nblobs; i++) {
        const struct xa_emu_blob *bl = &p->blobs[i];
        served += bl->nrec;
        if (bl->flags & XA_EMU_BLOB_LATE) {
            late++;
            assert_true(bl->visible - bl->created >= 30 * XA_EMU_MIN_US);
        }
        if (bl->flags & XA_EMU_BLOB_SHORT) {
            shortlived++;
            assert_true(bl->expires - bl->visible <= 13 * XA_EMU_MIN_US);
        }
        if (bl->flags & XA_EMU_BLOB_HUGE) {
            huge++;
            assert_int_equal(bl->nrec, 3000);
            assert_int_equal(bl->tenant, 0);
            assert_int_equal(bl->ct, XA_EMU_CT_EXCHANGE);
            assert_int_equal(bl->created, o.origin + o.span / 2);
        }
    }
    assert_int_equal(p->nrecs, 6000);
    /* about 10 % of the 3000 ordinary records appear a second time */
    assert_true(served - 6000 > 150 && served - 6000 < 450);
    assert_true(late > p->nblobs / 10 && late < p->nblobs * 3 / 10);
    assert_true(shortlived > p->nblobs / 10 && shortlived < p->nblobs * 3 / 10);
    assert_int_equal(huge, 1);
    xa_emu_plan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jwt_valid),  cmocka_unit_test(test_jwt_refused),
        cmocka_unit_test(test_window),     cmocka_unit_test(test_plan_determinism),
        cmocka_unit_test(test_plan_shape), cmocka_unit_test(test_plan_faults),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
