/* test_collect.c - collector logic: JWT assertion, token bucket, window planning, error
 * mapping, Retry-After, listing pages, back-off. No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/api.h"
#include "collect/collector.h"
#include "core/http.h"
#include "collect/jwt.h"
#include "collect/throttle.h"
#include "core/buf.h"
#include "core/xtime.h"
#include "parse/json.h"

#define US 1000000LL
#define HOUR (3600 * US)
#define DAY (24 * HOUR)
#define NOW 1741594492000000LL /* 2025-03-10T08:14:52Z */

/* ---- JWT ---- */

static EVP_PKEY *pkey;
static X509 *cert;
static char *cert_pem, *key_pem;

static char *to_pem(int is_key)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (is_key)
        PEM_write_bio_PrivateKey(b, pkey, NULL, NULL, 0, NULL, NULL);
    else
        PEM_write_bio_X509(b, cert);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *s = malloc((size_t)n + 1);
    memcpy(s, p, (size_t)n);
    s[n] = 0;
    BIO_free(b);
    return s;
}

static int setup_keys(void **state)
{
    (void)state;
    pkey = EVP_RSA_gen(2048);
    cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
    X509_set_pubkey(cert, pkey);
    X509_NAME *n = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"exoaudit-test", -1, -1, 0);
    X509_set_issuer_name(cert, n);
    X509_sign(cert, pkey, EVP_sha256());
    cert_pem = to_pem(0);
    key_pem = to_pem(1);
    return 0;
}

static int teardown_keys(void **state)
{
    (void)state;
    EVP_PKEY_free(pkey);
    X509_free(cert);
    free(cert_pem);
    free(key_pem);
    return 0;
}

static size_t b64url_decode(const char *in, size_t n, unsigned char *out)
{
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26
              : c >= '0' && c <= '9' ? c - '0' + 52 : c == '-' ? 62 : c == '_' ? 63 : -1;
        assert_true(v >= 0);
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    return o;
}

static void test_b64url(void **state)
{
    (void)state;
    char out[64];
    unsigned char sha1[] = {0x84, 0xE0, 0x5C, 0x1D, 0x98, 0xBC, 0xE3, 0xA5, 0x42, 0x1D,
                            0x22, 0x5B, 0x14, 0x0B, 0x36, 0xE8, 0x6A, 0x3D, 0x55, 0x34};
    xa_jwt_b64url(sha1, sizeof(sha1), out);
    assert_string_equal(out, "hOBcHZi846VCHSJbFAs26Go9VTQ"); /* the reference's example */
    xa_jwt_b64url((const unsigned char *)"f", 1, out);
    assert_string_equal(out, "Zg");
    xa_jwt_b64url((const unsigned char *)"fo", 2, out);
    assert_string_equal(out, "Zm8");
    xa_jwt_b64url((const unsigned char *)"\xfb\xff", 2, out);
    assert_string_equal(out, "-_8");
}

static void verify_jwt(enum xa_jwt_alg alg)
{
    struct xa_jwt_key *k = NULL;
    struct xa_diag d;
    xa_diag_clear(&d);
    assert_int_equal(xa_jwt_key_from_pem(cert_pem, strlen(cert_pem), key_pem, strlen(key_pem), &k, &d), XA_OK);
    /* x5t = b64url(SHA-1(DER)), x5t#S256 = b64url(SHA-256(DER)) */
    unsigned char *der = NULL;
    int dl = i2d_X509(cert, &der);
    unsigned char md[64];
    unsigned ml;
    char want[100];
    EVP_Digest(der, (size_t)dl, md, &ml, EVP_sha1(), NULL);
    xa_jwt_b64url(md, ml, want);
    assert_string_equal(xa_jwt_x5t(k), want);
    EVP_Digest(der, (size_t)dl, md, &ml, EVP_sha256(), NULL);
    xa_jwt_b64url(md, ml, want);
    assert_string_equal(xa_jwt_x5t_s256(k), want);
    OPENSSL_free(der);

    struct xa_buf out;
    xa_buf_init(&out, 0);
    const char *aud = "https://login.microsoftonline.com/11111111-2222-4333-8444-555555555555/oauth2/v2.0/token";
    assert_int_equal(xa_jwt_assertion(k, alg, "66666666-7777-4888-9999-000000000000", aud,
                                      NOW / US, 600, &out, &d), XA_OK);
    char *dot1 = strchr(out.data, '.');
    char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    assert_non_null(dot2);
    assert_null(strchr(out.data, '=')); /* no padding */
    unsigned char buf[4096];
    size_t n = b64url_decode(out.data, (size_t)(dot1 - out.data), buf);
    struct xa_json *h = NULL;
    assert_int_equal(xa_json_parse((const char *)buf, n, &h, NULL), XA_OK);
    assert_string_equal(xa_json_str(xa_json_get(h, "alg")), alg == XA_JWT_PS256 ? "PS256" : "RS256");
    assert_string_equal(xa_json_str(xa_json_get(h, "typ")), "JWT");
    assert_string_equal(xa_json_str(xa_json_get(h, "x5t")), xa_jwt_x5t(k));
    assert_string_equal(xa_json_str(xa_json_get(h, "x5t#S256")), xa_jwt_x5t_s256(k));
    xa_json_free(h);
    n = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), buf);
    struct xa_json *p = NULL;
    assert_int_equal(xa_json_parse((const char *)buf, n, &p, NULL), XA_OK);
    assert_string_equal(xa_json_str(xa_json_get(p, "aud")), aud);
    assert_string_equal(xa_json_str(xa_json_get(p, "iss")), "66666666-7777-4888-9999-000000000000");
    assert_string_equal(xa_json_str(xa_json_get(p, "sub")), "66666666-7777-4888-9999-000000000000");
    assert_int_equal(strlen(xa_json_str(xa_json_get(p, "jti"))), 36);
    int64_t nbf, exp;
    assert_true(xa_json_int(xa_json_get(p, "nbf"), &nbf));
    assert_true(xa_json_int(xa_json_get(p, "exp"), &exp));
    assert_int_equal(nbf, NOW / US);
    assert_int_equal(exp - nbf, 600);
    xa_json_free(p);
    /* the signature verifies with the certificate's public key */
    size_t sl = b64url_decode(dot2 + 1, strlen(dot2 + 1), buf);
    EVP_MD_CTX *md2 = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    assert_int_equal(EVP_DigestVerifyInit(md2, &pctx, EVP_sha256(), NULL, X509_get0_pubkey(cert)), 1);
    if (alg == XA_JWT_PS256) {
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    }
    assert_int_equal(EVP_DigestVerify(md2, buf, sl, (const unsigned char *)out.data,
                                      (size_t)(dot2 - out.data)), 1);
    /* and not after tampering */
    out.data[5] ^= 1;
    assert_int_not_equal(EVP_DigestVerify(md2, buf, sl, (const unsigned char *)out.data,
                                          (size_t)(dot2 - out.data)), 1);
    EVP_MD_CTX_free(md2);
    xa_buf_release(&out);
    xa_jwt_key_free(k);
}

static void test_jwt_rs256(void **state) { (void)state; verify_jwt(XA_JWT_RS256); }
static void test_jwt_ps256(void **state) { (void)state; verify_jwt(XA_JWT_PS256); }

static void test_jwt_wrong_key(void **state)
{
    (void)state;
    EVP_PKEY *other = EVP_RSA_gen(2048);
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, other, NULL, NULL, 0, NULL, NULL);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    struct xa_jwt_key *k = NULL;
    struct xa_diag d;
    xa_diag_clear(&d);
    assert_int_equal(xa_jwt_key_from_pem(cert_pem, strlen(cert_pem), p, (size_t)n, &k, &d), XA_ERR_AUTH);
    assert_non_null(strstr(d.msg, "does not belong to the certificate"));
    assert_null(k);
    BIO_free(b);
    EVP_PKEY_free(other);
    /* a short key is refused */
    EVP_PKEY *small = EVP_RSA_gen(1024);
    b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, small, NULL, NULL, 0, NULL, NULL);
    n = BIO_get_mem_data(b, &p);
    assert_int_equal(xa_jwt_key_from_pem(cert_pem, strlen(cert_pem), p, (size_t)n, &k, &d), XA_ERR_AUTH);
    assert_non_null(strstr(d.msg, "2048"));
    BIO_free(b);
    EVP_PKEY_free(small);
    assert_int_equal(xa_jwt_key_from_pem("nope", 4, key_pem, strlen(key_pem), &k, &d), XA_ERR_AUTH);
}

/* ---- token bucket ---- */

static void test_bucket(void **state)
{
    (void)state;
    struct xa_bucket b;
    xa_bucket_init(&b, 600, 5, 0); /* 10 a second, burst 5 */
    for (int i = 0; i < 5; i++)
        assert_int_equal(xa_bucket_take(&b, 0), 0);
    int64_t w = xa_bucket_take(&b, 0);
    assert_true(w > 0 && w <= 100001);
    assert_int_equal(xa_bucket_take(&b, 100001), 0);
    /* over a minute, no more than rate * 60 + burst requests are admitted */
    xa_bucket_init(&b, 600, 5, 0);
    int admitted = 0;
    for (int64_t t = 0; t <= 60 * US; t += 1000)
        while (xa_bucket_take(&b, t) == 0)
            admitted++;
    assert_true(admitted <= 605 && admitted >= 595);
    /* throttling pauses and halves the rate; successes restore it */
    xa_bucket_throttled(&b, 61 * US, 5 * US);
    assert_true(xa_bucket_take(&b, 62 * US) >= 4 * US - 1);
    assert_true(b.per_min < 301);
    for (int i = 0; i < 40; i++)
        xa_bucket_success(&b);
    assert_true(b.per_min == 600);
    /* the floor: never below 1/16 */
    for (int i = 0; i < 10; i++)
        xa_bucket_throttled(&b, 70 * US, 1);
    assert_true(b.per_min >= 600.0 / 16 - 1e-9);
}

/* ---- planning ---- */

static void test_plan(void **state)
{
    (void)state;
    struct xa_plan p;
    xa_plan_init(&p, 5 * 60 * US, 167 * HOUR);
    int64_t s, e, lf, lt;
    /* first pass: starts lookback ago, <= 24 h windows */
    assert_int_equal(xa_plan_next(&p, XA_TIME_NONE, NOW, &s, &e, &lf, &lt), 1);
    assert_true(s >= NOW - 7 * DAY);
    assert_int_equal(s, (NOW - 167 * HOUR) / US * US);
    assert_int_equal(e - s, DAY);
    assert_true(lf == XA_TIME_NONE);
    /* walking forward: contiguous, never past now - lag, never longer than 24 h */
    int64_t cur = XA_TIME_NONE, last_end = 0;
    int n = 0;
    while (xa_plan_next(&p, cur, NOW, &s, &e, &lf, &lt)) {
        if (cur != XA_TIME_NONE)
            assert_int_equal(s, last_end);
        assert_true(e - s <= DAY && e > s);
        assert_true(e <= NOW - 5 * 60 * US);
        assert_int_equal(s % US, 0);
        cur = last_end = e;
        n++;
        assert_true(n < 20);
    }
    assert_int_equal(n, 7);
    assert_true(NOW - 5 * 60 * US - last_end < US);
    /* a cursor older than 7 days: the lost span is reported, the window starts in range */
    assert_int_equal(xa_plan_next(&p, NOW - 9 * DAY, NOW, &s, &e, &lf, &lt), 1);
    assert_int_equal(lf, NOW - 9 * DAY);
    assert_true(lt >= NOW - 7 * DAY);
    assert_true(s >= NOW - 7 * DAY);
    /* caught up */
    assert_int_equal(xa_plan_next(&p, NOW - 5 * 60 * US, NOW, &s, &e, &lf, &lt), 0);
    /* re-list overlap: [cursor - relist, cursor) in <= 24 h pieces, not older than 7 d */
    int64_t w[16][2];
    size_t k = xa_plan_relist(&p, NOW - HOUR, NOW, 36 * HOUR, w, 16);
    assert_int_equal(k, 2);
    assert_int_equal(w[0][0], NOW - 37 * HOUR);
    assert_int_equal(w[0][1], w[1][0]);
    assert_int_equal(w[1][1], NOW - HOUR);
    assert_true(w[0][1] - w[0][0] <= DAY);
    k = xa_plan_relist(&p, NOW - 6 * DAY, NOW, 48 * HOUR, w, 16);
    assert_true(k >= 1 && w[0][0] >= NOW - 7 * DAY);
    assert_int_equal(xa_plan_relist(&p, XA_TIME_NONE, NOW, HOUR, w, 16), 0);
}

/* ---- errors ---- */

static void test_errors(void **state)
{
    (void)state;
    struct xa_api_err e;
    const char *b = "{\"error\":{\"code\":\"AF20022\",\"message\":\"No subscription found for the specified content type\"}}";
    xa_api_error_parse(400, b, strlen(b), &e);
    assert_string_equal(e.code, "AF20022");
    assert_int_equal(xa_api_classify(&e), XA_ACT_SUBSCRIBE);
    b = "{\"error\":{\"code\":\"AF429\",\"message\":\"Too many requests. Method=GetBlob, PublisherId=00000000-0000-0000-0000-000000000000\"}}";
    xa_api_error_parse(403, b, strlen(b), &e);
    assert_int_equal(xa_api_classify(&e), XA_ACT_THROTTLED);
    assert_non_null(strstr(xa_api_advice(&e), "publisher_id"));
    xa_api_error_parse(429, "", 0, &e);
    assert_int_equal(xa_api_classify(&e), XA_ACT_THROTTLED);
    b = "{\"error\":{\"code\":\"AF20051\",\"message\":\"Content requested with the key x has already expired.\"}}";
    xa_api_error_parse(400, b, strlen(b), &e);
    assert_int_equal(xa_api_classify(&e), XA_ACT_EXPIRED);
    b = "{\"error\":{\"code\":\"AF20024\",\"message\":\"The subscription is already enabled. No property change.\"}}";
    xa_api_error_parse(400, b, strlen(b), &e);
    assert_int_equal(xa_api_classify(&e), XA_ACT_ALREADY);
    b = "{\"error\":{\"code\":\"AF50000\",\"message\":\"An internal error occurred. Retry the request.\"}}";
    xa_api_error_parse(500, b, strlen(b), &e);
    assert_int_equal(xa_api_classify(&e), XA_ACT_RETRY);
    xa_api_error_parse(503, "backend down", 12, &e);
    assert_int_equal(xa_api_classify(&e), XA_ACT_RETRY);
    xa_api_error_parse(401, "", 0, &e);
    assert_int_equal(xa_api_classify(&e), XA_ACT_REAUTH);
    b = "{\"error\":{\"code\":\"AF20055\",\"message\":\"Start time cannot be more than 7 days in the past\"}}";
    xa_api_error_parse(400, b, strlen(b), &e);
    assert_int_equal(xa_api_classify(&e), XA_ACT_WINDOW);
    b = "{\"error\":{\"code\":\"AF20031\",\"message\":\"Invalid nextPage Input: x.\"}}";
    xa_api_error_parse(400, b, strlen(b), &e);
    assert_int_equal(xa_api_classify(&e), XA_ACT_BADPAGE);
    /* unified audit logging off: the advice names the cmdlet */
    b = "{\"error\":{\"code\":\"AF20011\",\"message\":\"Microsoft.Office.Compliance.Audit.DataServiceException: Tenant 1234 does not exist.\"}}";
    xa_api_error_parse(400, b, strlen(b), &e);
    assert_int_equal(xa_api_classify(&e), XA_ACT_FATAL);
    assert_non_null(strstr(xa_api_advice(&e), "Set-AdminAuditLogConfig -UnifiedAuditLogIngestionEnabled $true"));
    b = "{\"error\":{\"code\":\"AF10001\",\"message\":\"The permission set () sent in the request does not include the expected permission.\"}}";
    xa_api_error_parse(401, b, strlen(b), &e);
    assert_int_equal(xa_api_classify(&e), XA_ACT_FATAL);
    assert_non_null(strstr(xa_api_advice(&e), "ActivityFeed.Read"));
    /* OAuth errors */
    b = "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid client secret provided.\"}";
    xa_api_error_parse(401, b, strlen(b), &e);
    assert_string_equal(e.code, "invalid_client");
    assert_non_null(strstr(xa_api_advice(&e), "client secret"));
    b = "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS700027: Client assertion contains an invalid signature.\"}";
    xa_api_error_parse(401, b, strlen(b), &e);
    assert_non_null(strstr(xa_api_advice(&e), "certificate"));
}

static void test_retry_after(void **state)
{
    (void)state;
    assert_int_equal(xa_api_retry_after("120", NOW), 120 * US);
    assert_int_equal(xa_api_retry_after(" 0", NOW), 0);
    assert_int_equal(xa_api_retry_after("1.5", NOW), 1500000);
    assert_int_equal(xa_api_retry_after("", NOW), -1);
    assert_int_equal(xa_api_retry_after(NULL, NOW), -1);
    assert_int_equal(xa_api_retry_after("soon", NOW), -1);
    assert_int_equal(xa_api_retry_after("-3", NOW), -1);
    /* HTTP-date relative to the server's Date (2025-03-10T08:14:52Z) */
    assert_int_equal(xa_api_retry_after("Mon, 10 Mar 2025 08:15:22 GMT", NOW), 30 * US);
    assert_int_equal(xa_api_retry_after("Mon, 10 Mar 2025 08:00:00 GMT", NOW), 0);
    assert_int_equal(xa_http_parse_date("Mon, 10 Mar 2025 08:14:52 GMT"), NOW);
    assert_true(xa_http_parse_date("garbage") == XA_TIME_NONE);
}

static void test_backoff(void **state)
{
    (void)state;
    for (int t = 1; t < 12; t++) {
        int64_t d = xa_collect_backoff(t, 30 * US, -1, 7);
        assert_true(d > 0 && d <= 30 * US * 5 / 4);
    }
    assert_true(xa_collect_backoff(1, 30 * US, -1, 1) < US);
    assert_int_equal(xa_collect_backoff(1, 30 * US, 20 * US, 1), 20 * US); /* Retry-After wins */
}

struct refs {
    int n;
    char last[200];
    int64_t created, exp;
};

static xa_rc on_ref(void *ud, const struct xa_blob_ref *b)
{
    struct refs *r = ud;
    r->n++;
    snprintf(r->last, sizeof(r->last), "%s", b->content_id);
    r->created = b->created;
    r->exp = b->expiration;
    return XA_OK;
}

static void test_listing(void **state)
{
    (void)state;
    const char *page =
        "[{\"contentType\":\"Audit.Exchange\",\"contentId\":\"20250310043011223000111$x$audit_exchange$Audit_Exchange\","
        "\"contentUri\":\"https://manage.office.com/api/v1.0/t/activity/feed/audit/x\","
        "\"contentCreated\":\"2025-03-10T04:30:11.223Z\",\"contentExpiration\":\"2025-03-17T04:30:11.223Z\"},"
        "{\"contentType\":\"Audit.Exchange\",\"contentUri\":\"https://x\"}]";
    struct refs r = {0};
    size_t bad = 0;
    assert_int_equal(xa_api_parse_listing(page, strlen(page), on_ref, &r, &bad, NULL), XA_OK);
    assert_int_equal(r.n, 1);
    assert_int_equal(bad, 1);
    assert_string_equal(r.last, "20250310043011223000111$x$audit_exchange$Audit_Exchange");
    assert_int_equal(r.exp - r.created, 7 * DAY);
    assert_int_equal(xa_api_parse_listing("[]", 2, on_ref, &r, &bad, NULL), XA_OK);
    assert_int_not_equal(xa_api_parse_listing("{}", 2, on_ref, &r, &bad, NULL), XA_OK);
    char t[32];
    assert_string_equal(xa_api_fmt_time(NOW + 123456, t), "2025-03-10T08:14:52");
}

static void test_clouds_and_urls(void **state)
{
    (void)state;
    assert_string_equal(xa_api_cloud_api(XA_CLOUD_GCC_HIGH), "https://manage.office365.us");
    assert_string_equal(xa_api_cloud_login(XA_CLOUD_DOD), "https://login.microsoftonline.us");
    assert_string_equal(xa_api_cloud_api(XA_CLOUD_DOD), "https://manage.protection.apps.mil");
    assert_string_equal(xa_api_cloud_api(XA_CLOUD_GCC), "https://manage-gcc.office.com");
    assert_int_equal(xa_api_cloud_parse("gcc-high"), XA_CLOUD_GCC_HIGH);
    assert_int_equal(xa_api_cloud_parse("mars"), -1);
    assert_true(xa_http_url_allowed("https://manage.office.com"));
    assert_true(xa_http_url_allowed("http://127.0.0.1:8080"));
    assert_true(xa_http_url_allowed("http://[::1]:8080"));
    assert_true(xa_http_url_allowed("http://localhost:1"));
    assert_false(xa_http_url_allowed("http://example.com"));
    assert_false(xa_http_url_allowed("http://localhost.evil.com/"));
    assert_false(xa_http_url_allowed("ftp://127.0.0.1"));
    assert_string_equal(xa_api_content_type("audit.exchange"), "Audit.Exchange");
    char e[64];
    assert_int_equal(xa_http_escape("a b/c+=", e, sizeof(e)), XA_OK);
    assert_string_equal(e, "a%20b%2Fc%2B%3D");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64url),
        cmocka_unit_test(test_jwt_rs256),
        cmocka_unit_test(test_jwt_ps256),
        cmocka_unit_test(test_jwt_wrong_key),
        cmocka_unit_test(test_bucket),
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_listing),
        cmocka_unit_test(test_clouds_and_urls),
    };
    return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
