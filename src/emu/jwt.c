/* jwt.c - client assertion (JWT) verification with OpenSSL libcrypto. */
#include "emu/jwt.h"

#include "parse/json.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct xa_emu_cert {
    X509 *x509;
    EVP_PKEY *pkey;
    char x5t[40];
    char x5t256[48];
};

size_t xa_emu_b64url(const unsigned char *in, size_t n, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = tab[(v >> 6) & 63];
        out[o++] = tab[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = tab[(v >> 6) & 63];
    }
    out[o] = 0;
    return o;
}

/* Decode base64url (no padding allowed, strict). Returns malloc'd bytes or NULL. */
static unsigned char *b64url_dec(const char *s, size_t n, size_t *outn)
{
    if (n % 4 == 1)
        return NULL;
    unsigned char *out = malloc(n * 3 / 4 + 3);
    if (!out)
        return NULL;
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i], v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '-')
            v = 62;
        else if (c == '_')
            v = 63;
        else {
            free(out);
            return NULL;
        }
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    *outn = o;
    return out;
}

static xa_rc cert_init(X509 *x, struct xa_emu_cert **out, struct xa_diag *diag)
{
    EVP_PKEY *k = X509_get_pubkey(x);
    if (!k || EVP_PKEY_base_id(k) != EVP_PKEY_RSA || EVP_PKEY_get_bits(k) < 2048) {
        EVP_PKEY_free(k);
        X509_free(x);
        return xa_diag_set(diag, XA_ERR_INVALID,
                           "certificate: the key must be RSA of at least 2048 bits");
    }
    struct xa_emu_cert *c = calloc(1, sizeof(*c));
    unsigned char *der = NULL;
    int dn = i2d_X509(x, &der);
    if (!c || dn <= 0) {
        free(c);
        OPENSSL_free(der);
        EVP_PKEY_free(k);
        X509_free(x);
        return xa_diag_set(diag, XA_ERR_NOMEM, "certificate: cannot encode");
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int ml = 0;
    EVP_Digest(der, (size_t)dn, md, &ml, EVP_sha1(), NULL);
    xa_emu_b64url(md, ml, c->x5t);
    EVP_Digest(der, (size_t)dn, md, &ml, EVP_sha256(), NULL);
    xa_emu_b64url(md, ml, c->x5t256);
    OPENSSL_free(der);
    c->x509 = x;
    c->pkey = k;
    *out = c;
    return XA_OK;
}

xa_rc xa_emu_cert_from_pem(const char *pem, size_t len, struct xa_emu_cert **out,
                           struct xa_diag *diag)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (!x)
        return xa_diag_set(diag, XA_ERR_PARSE, "no PEM X.509 certificate found");
    return cert_init(x, out, diag);
}

xa_rc xa_emu_cert_load(const char *path, struct xa_emu_cert **out, struct xa_diag *diag)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return xa_diag_set(diag, XA_ERR_IO, "%s: cannot open", path);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (!x)
        return xa_diag_set(diag, XA_ERR_PARSE, "%s: no PEM X.509 certificate found", path);
    xa_rc rc = cert_init(x, out, diag);
    if (rc && diag)
        xa_diag_pos(diag, path, 0, -1);
    return rc;
}

void xa_emu_cert_free(struct xa_emu_cert *c)
{
    if (!c)
        return;
    EVP_PKEY_free(c->pkey);
    X509_free(c->x509);
    free(c);
}

const char *xa_emu_cert_x5t(const struct xa_emu_cert *c)
{
    return c->x5t;
}

__attribute__((format(printf, 5, 6))) static int
refuse(struct xa_emu_jwt_err *e, int http, const char *error, long code, const char *fmt, ...)
{
    e->http = http;
    e->error = error;
    e->aadsts = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->desc, sizeof(e->desc), fmt, ap);
    va_end(ap);
    return -1;
}

static bool aud_ok(const struct xa_json *aud, const char *const *auds, size_t naud)
{
    const char *s = xa_json_str(aud);
    if (s) {
        for (size_t i = 0; i < naud; i++)
            if (strcmp(s, auds[i]) == 0)
                return true;
        return false;
    }
    if (xa_json_type(aud) == XA_JSON_ARRAY)
        for (const struct xa_json *c = xa_json_child(aud); c; c = xa_json_next(c))
            if (aud_ok(c, auds, naud))
                return true;
    return false;
}

#define SKEW 300

int xa_emu_jwt_verify(const struct xa_emu_cert *c, const char *jwt, const char *const *auds,
                      size_t naud, const char *client_id, int64_t now_s, struct xa_emu_jwt_err *err)
{
    const char *d1 = strchr(jwt, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d1 || !d2 || strchr(d2 + 1, '.'))
        return refuse(err, 400, "invalid_request", 50027, "JWT token is invalid or malformed.");
    size_t hn = 0, pn = 0, sn = 0;
    unsigned char *h = b64url_dec(jwt, (size_t)(d1 - jwt), &hn);
    unsigned char *p = b64url_dec(d1 + 1, (size_t)(d2 - d1 - 1), &pn);
    unsigned char *sig = b64url_dec(d2 + 1, strlen(d2 + 1), &sn);
    struct xa_json *hj = NULL, *pj = NULL;
    int ret = -1;
    if (!h || !p || !sig || xa_json_parse((char *)h, hn, &hj, NULL) ||
        xa_json_parse((char *)p, pn, &pj, NULL) || xa_json_type(hj) != XA_JSON_OBJECT ||
        xa_json_type(pj) != XA_JSON_OBJECT) {
        refuse(err, 400, "invalid_request", 50027, "JWT token is invalid or malformed.");
        goto out;
    }
    const char *alg = xa_json_str(xa_json_get(hj, "alg"));
    bool pss;
    if (alg && strcmp(alg, "RS256") == 0)
        pss = false;
    else if (alg && strcmp(alg, "PS256") == 0)
        pss = true;
    else {
        refuse(err, 400, "invalid_request", 5002738,
               "Invalid JWT token. '%s' is not a supported signature algorithm. Supported "
               "signing algorithms are: 'RS256, PS256'",
               alg ? alg : "(none)");
        goto out;
    }
    /* the header names the certificate by thumbprint; look-up is exact (members are
     * case-sensitive in JOSE, so x5t#S256 is looked up by iterating) */
    const char *x5t = NULL, *x5t256 = NULL;
    for (const struct xa_json *m = xa_json_child(hj); m; m = xa_json_next(m)) {
        if (strcmp(xa_json_name(m), "x5t") == 0)
            x5t = xa_json_str(m);
        else if (strcmp(xa_json_name(m), "x5t#S256") == 0)
            x5t256 = xa_json_str(m);
    }
    if (!x5t && !x5t256) {
        refuse(err, 401, "invalid_client", 700027,
               "Client assertion failed signature validation. The header has neither 'x5t' "
               "nor 'x5t#S256'.");
        goto out;
    }
    if ((x5t && strcmp(x5t, c->x5t) != 0) || (x5t256 && strcmp(x5t256, c->x5t256) != 0)) {
        refuse(err, 401, "invalid_client", 700027,
               "The certificate with identifier used to sign the client assertion is not "
               "registered on application. [Reason - The key was not found., Thumbprint of key "
               "used by client: '%.48s']",
               x5t ? x5t : x5t256);
        goto out;
    }
    /* signature over "header.payload" */
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = NULL;
    int ok = md && EVP_DigestVerifyInit(md, &pc, EVP_sha256(), NULL, c->pkey) == 1;
    if (ok && pss)
        ok = EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(pc, EVP_sha256()) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) == 1;
    ok = ok && EVP_DigestVerify(md, sig, sn, (const unsigned char *)jwt, (size_t)(d2 - jwt)) == 1;
    EVP_MD_CTX_free(md);
    if (!ok) {
        refuse(err, 401, "invalid_client", 700027, "Client assertion failed signature validation.");
        goto out;
    }
    const char *iss = xa_json_str(xa_json_get(pj, "iss"));
    const char *sub = xa_json_str(xa_json_get(pj, "sub"));
    if (!iss || !sub || strcmp(iss, sub) != 0 || strcmp(iss, client_id) != 0) {
        refuse(err, 400, "invalid_request", 700021,
               "Client assertion application identifier doesn't match 'client_id' parameter. "
               "Review the documentation at https://docs.microsoft.com/en-us/azure/"
               "active-directory/develop/active-directory-certificate-credentials .");
        goto out;
    }
    if (!aud_ok(xa_json_get(pj, "aud"), auds, naud)) {
        const char *a = xa_json_str(xa_json_get(pj, "aud"));
        refuse(err, 401, "invalid_client", 700212,
               "Client assertion audience claim '%.120s' does not match the token endpoint "
               "'%.120s'.",
               a ? a : "(none)", auds[0]);
        goto out;
    }
    const char *jti = xa_json_str(xa_json_get(pj, "jti"));
    if (!jti || !*jti) {
        refuse(err, 400, "invalid_request", 50027,
               "JWT token is invalid or malformed. The 'jti' claim is missing.");
        goto out;
    }
    int64_t exp = 0, nbf = 0, iat = 0;
    bool has_exp = xa_json_int(xa_json_get(pj, "exp"), &exp);
    bool has_nbf = xa_json_int(xa_json_get(pj, "nbf"), &nbf);
    bool has_iat = xa_json_int(xa_json_get(pj, "iat"), &iat);
    if (!has_exp || exp + SKEW <= now_s || (has_nbf && nbf - SKEW > now_s) ||
        (has_iat && iat - SKEW > now_s) || (!has_nbf && !has_iat) ||
        exp - (has_nbf ? nbf : iat) > 86400 || exp <= (has_nbf ? nbf : iat)) {
        refuse(err, 401, "invalid_client", 700024,
               "Client assertion is not within its valid time range. Current time: %lld, "
               "assertion valid from %lld, expiry time of assertion %lld.",
               (long long)now_s, (long long)(has_nbf ? nbf : iat), (long long)exp);
        goto out;
    }
    ret = 0;
out:
    xa_json_free(hj);
    xa_json_free(pj);
    free(h);
    free(p);
    free(sig);
    return ret;
}
