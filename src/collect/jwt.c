/* jwt.c - certificate client assertion (see jwt.h). OpenSSL 3. */
#include "collect/jwt.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct xa_jwt_key {
    EVP_PKEY *pkey;
    char x5t[64];
    char x5t256[64];
};

size_t xa_jwt_b64url(const unsigned char *in, size_t n, char *out)
{
    static const char tb[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = tb[v >> 18];
        out[o++] = tb[(v >> 12) & 63];
        out[o++] = tb[(v >> 6) & 63];
        out[o++] = tb[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = tb[v >> 18];
        out[o++] = tb[(v >> 12) & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = tb[v >> 18];
        out[o++] = tb[(v >> 12) & 63];
        out[o++] = tb[(v >> 6) & 63];
    }
    out[o] = '\0';
    return o;
}

static const char *ossl_err(char *buf, size_t n)
{
    unsigned long e = ERR_get_error();
    if (!e) {
        snprintf(buf, n, "unknown OpenSSL error");
        return buf;
    }
    ERR_error_string_n(e, buf, n);
    ERR_clear_error();
    return buf;
}

xa_rc xa_jwt_key_from_pem(const char *cert_pem, size_t cert_len, const char *key_pem,
                          size_t key_len, struct xa_jwt_key **out, struct xa_diag *diag)
{
    char eb[256];
    xa_rc rc = XA_OK;
    X509 *cert = NULL;
    EVP_PKEY *pkey = NULL;
    struct xa_jwt_key *k = NULL;
    unsigned char *der = NULL;
    BIO *b = BIO_new_mem_buf(cert_pem, (int)cert_len);
    if (b)
        cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    if (!cert) {
        rc = xa_diag_set(diag, XA_ERR_AUTH, "certificate: no PEM certificate found (%s)",
                         ossl_err(eb, sizeof(eb)));
        goto out;
    }
    b = BIO_new_mem_buf(key_pem, (int)key_len);
    if (b)
        pkey = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)"");
    BIO_free(b);
    if (!pkey) {
        rc = xa_diag_set(diag, XA_ERR_AUTH,
                         "private key: no unencrypted PEM private key found (%s)",
                         ossl_err(eb, sizeof(eb)));
        goto out;
    }
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
        rc = xa_diag_set(diag, XA_ERR_AUTH, "private key: not an RSA key (Entra needs RSA)");
        goto out;
    }
    if (EVP_PKEY_get_bits(pkey) < 2048) {
        rc = xa_diag_set(diag, XA_ERR_AUTH, "private key: RSA key of %d bits; at least 2048 needed",
                         EVP_PKEY_get_bits(pkey));
        goto out;
    }
    if (X509_check_private_key(cert, pkey) != 1) {
        ERR_clear_error();
        rc = xa_diag_set(diag, XA_ERR_AUTH,
                         "the private key does not belong to the certificate (wrong key file?)");
        goto out;
    }
    int dl = i2d_X509(cert, &der);
    if (dl <= 0) {
        rc = xa_diag_set(diag, XA_ERR_AUTH, "certificate: cannot encode (%s)", ossl_err(eb, sizeof(eb)));
        goto out;
    }
    k = calloc(1, sizeof(*k));
    if (!k) {
        rc = xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
        goto out;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int ml = 0;
    EVP_Digest(der, (size_t)dl, md, &ml, EVP_sha1(), NULL);
    xa_jwt_b64url(md, ml, k->x5t);
    EVP_Digest(der, (size_t)dl, md, &ml, EVP_sha256(), NULL);
    xa_jwt_b64url(md, ml, k->x5t256);
    k->pkey = pkey;
    pkey = NULL;
    *out = k;
out:
    OPENSSL_free(der);
    X509_free(cert);
    EVP_PKEY_free(pkey);
    return rc;
}

static xa_rc slurp(const char *path, char **data, size_t *len, struct xa_diag *diag)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return xa_diag_set(diag, XA_ERR_AUTH, "%s: cannot open: %m", path);
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (cap - n < 4096) {
            if (cap > (1u << 20)) {
                fclose(f);
                free(buf);
                return xa_diag_set(diag, XA_ERR_AUTH, "%s: larger than 1 MiB", path);
            }
            cap = cap ? cap * 2 : 8192;
            char *p = realloc(buf, cap);
            if (!p) {
                fclose(f);
                free(buf);
                return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
            }
            buf = p;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    *data = buf;
    *len = n;
    return XA_OK;
}

xa_rc xa_jwt_key_load(const char *cert_path, const char *key_path, struct xa_jwt_key **out,
                      struct xa_diag *diag)
{
    char *c = NULL, *k = NULL;
    size_t cl = 0, kl = 0;
    xa_rc rc = slurp(cert_path, &c, &cl, diag);
    if (!rc)
        rc = slurp(key_path ? key_path : cert_path, &k, &kl, diag);
    if (!rc) {
        rc = xa_jwt_key_from_pem(c, cl, k, kl, out, diag);
        if (rc && diag) {
            char msg[sizeof(diag->msg)];
            snprintf(msg, sizeof(msg), "%s", diag->msg);
            xa_diag_set(diag, rc, "%s / %s: %s", cert_path, key_path ? key_path : cert_path, msg);
        }
    }
    free(c);
    if (k) {
        OPENSSL_cleanse(k, kl);
        free(k);
    }
    return rc;
}

void xa_jwt_key_free(struct xa_jwt_key *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

const char *xa_jwt_x5t(const struct xa_jwt_key *k) { return k->x5t; }
const char *xa_jwt_x5t_s256(const struct xa_jwt_key *k) { return k->x5t256; }

xa_rc xa_jwt_guid(char out[37], struct xa_diag *diag)
{
    unsigned char r[16];
    if (RAND_bytes(r, sizeof(r)) != 1)
        return xa_diag_set(diag, XA_ERR_INTERNAL, "no random bytes");
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1],
             r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14],
             r[15]);
    return XA_OK;
}

static xa_rc b64_append(struct xa_buf *out, const unsigned char *in, size_t n)
{
    char *tmp = malloc(4 * ((n + 2) / 3) + 1);
    if (!tmp)
        return XA_ERR_NOMEM;
    size_t l = xa_jwt_b64url(in, n, tmp);
    xa_rc rc = xa_buf_append(out, tmp, l);
    free(tmp);
    return rc;
}

xa_rc xa_jwt_assertion(struct xa_jwt_key *k, enum xa_jwt_alg alg, const char *client_id,
                       const char *audience, int64_t now_s, int64_t lifetime_s,
                       struct xa_buf *out, struct xa_diag *diag)
{
    char guid[37];
    xa_rc rc = xa_jwt_guid(guid, diag);
    if (rc)
        return rc;
    if (lifetime_s <= 0)
        lifetime_s = 600;
    struct xa_buf hdr, pl;
    xa_buf_init(&hdr, 0);
    xa_buf_init(&pl, 0);
    rc = xa_buf_printf(&hdr, "{\"alg\":\"%s\",\"typ\":\"JWT\",\"x5t\":\"%s\",\"x5t#S256\":\"%s\"}",
                       alg == XA_JWT_PS256 ? "PS256" : "RS256", k->x5t, k->x5t256);
    if (!rc)
        rc = xa_buf_puts(&pl, "{\"aud\":");
    if (!rc)
        rc = xa_buf_json_str(&pl, audience, (size_t)-1);
    if (!rc)
        rc = xa_buf_puts(&pl, ",\"iss\":");
    if (!rc)
        rc = xa_buf_json_str(&pl, client_id, (size_t)-1);
    if (!rc)
        rc = xa_buf_puts(&pl, ",\"sub\":");
    if (!rc)
        rc = xa_buf_json_str(&pl, client_id, (size_t)-1);
    if (!rc)
        rc = xa_buf_printf(&pl, ",\"jti\":\"%s\",\"nbf\":%lld,\"iat\":%lld,\"exp\":%lld}", guid,
                           (long long)now_s, (long long)now_s, (long long)(now_s + lifetime_s));
    size_t start = out->len;
    if (!rc)
        rc = b64_append(out, (const unsigned char *)hdr.data, hdr.len);
    if (!rc)
        rc = xa_buf_putc(out, '.');
    if (!rc)
        rc = b64_append(out, (const unsigned char *)pl.data, pl.len);
    xa_buf_release(&hdr);
    xa_buf_release(&pl);
    if (rc)
        return xa_diag_set(diag, rc, "out of memory");
    size_t signing_len = out->len - start;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char *sig = NULL;
    size_t sl = 0;
    char eb[256];
    if (!md || EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, k->pkey) != 1) {
        rc = xa_diag_set(diag, XA_ERR_AUTH, "cannot sign the assertion (%s)", ossl_err(eb, sizeof(eb)));
        goto out;
    }
    if (alg == XA_JWT_PS256 &&
        (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
        rc = xa_diag_set(diag, XA_ERR_AUTH, "cannot select RSA-PSS (%s)", ossl_err(eb, sizeof(eb)));
        goto out;
    }
    if (EVP_DigestSign(md, NULL, &sl, (const unsigned char *)out->data + start, signing_len) != 1 ||
        !(sig = malloc(sl)) ||
        EVP_DigestSign(md, sig, &sl, (const unsigned char *)out->data + start, signing_len) != 1) {
        rc = xa_diag_set(diag, XA_ERR_AUTH, "signing failed (%s)", ossl_err(eb, sizeof(eb)));
        goto out;
    }
    rc = xa_buf_putc(out, '.');
    if (!rc)
        rc = b64_append(out, sig, sl);
    if (rc)
        xa_diag_set(diag, rc, "out of memory");
out:
    free(sig);
    EVP_MD_CTX_free(md);
    return rc;
}
