/* auth.c - scrypt password hashes, tokens and digests (OpenSSL). */
#include "web/auth.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SALT_LEN 16
#define KEY_LEN 32
#define LOG_N 15
#define R 8
#define P 1
#define MAX_PARALLEL 2

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int running;

static int scrypt(const char *pw, const unsigned char *salt, size_t salt_len, unsigned log_n,
                  unsigned r, unsigned p, unsigned char *key, size_t key_len)
{
    pthread_mutex_lock(&mu);
    while (running >= MAX_PARALLEL)
        pthread_cond_wait(&cv, &mu);
    running++;
    pthread_mutex_unlock(&mu);
    int ok = 0;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
    EVP_KDF_CTX *kc = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    if (kc) {
        uint64_t n = (uint64_t)1 << log_n;
        uint32_t rr = r, pp = p;
        uint64_t maxmem = (uint64_t)256 << 20;
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)pw, strlen(pw)),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
            OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
            OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &rr),
            OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &pp),
            OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
            OSSL_PARAM_construct_end()};
        ok = EVP_KDF_derive(kc, key, key_len, params) == 1;
    }
    EVP_KDF_CTX_free(kc);
    EVP_KDF_free(kdf);
    pthread_mutex_lock(&mu);
    running--;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    return ok;
}

xa_rc xa_auth_hash_password(const char *pw, char out[XA_AUTH_HASH_MAX], struct xa_diag *diag)
{
    unsigned char salt[SALT_LEN], key[KEY_LEN];
    if (!pw || strlen(pw) > XA_AUTH_PW_MAX)
        return xa_diag_set(diag, XA_ERR_INVALID, "password too long");
    if (RAND_bytes(salt, sizeof(salt)) != 1)
        return xa_diag_set(diag, XA_ERR_INTERNAL, "no random bytes");
    if (!scrypt(pw, salt, sizeof(salt), LOG_N, R, P, key, sizeof(key)))
        return xa_diag_set(diag, XA_ERR_INTERNAL, "scrypt failed");
    unsigned char s64[64], k64[64];
    EVP_EncodeBlock(s64, salt, sizeof(salt));
    EVP_EncodeBlock(k64, key, sizeof(key));
    OPENSSL_cleanse(key, sizeof(key));
    snprintf(out, XA_AUTH_HASH_MAX, "scrypt$%d$%d$%d$%s$%s", LOG_N, R, P, (char *)s64,
             (char *)k64);
    return XA_OK;
}

static int b64dec(const char *s, unsigned char *out, size_t max, size_t *len)
{
    size_t n = strlen(s);
    if (n == 0 || n % 4 || n / 4 * 3 > max)
        return -1;
    int r = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
    if (r < 0)
        return -1;
    size_t l = (size_t)r;
    if (n >= 1 && s[n - 1] == '=')
        l--;
    if (n >= 2 && s[n - 2] == '=')
        l--;
    *len = l;
    return 0;
}

bool xa_auth_verify_password(const char *pw, const char *stored)
{
    if (!pw || !stored || strlen(pw) > XA_AUTH_PW_MAX || strlen(stored) >= XA_AUTH_HASH_MAX)
        return false;
    char copy[XA_AUTH_HASH_MAX];
    strcpy(copy, stored);
    char *f[6];
    int nf = 0;
    for (char *save = NULL, *t = strtok_r(copy, "$", &save); t && nf < 6;
         t = strtok_r(NULL, "$", &save))
        f[nf++] = t;
    if (nf != 6 || strcmp(f[0], "scrypt"))
        return false;
    unsigned log_n = (unsigned)atoi(f[1]), r = (unsigned)atoi(f[2]), p = (unsigned)atoi(f[3]);
    if (log_n < 10 || log_n > 20 || r < 1 || r > 32 || p < 1 || p > 16)
        return false;
    unsigned char salt[64], want[64], got[64];
    size_t sl, kl;
    if (b64dec(f[4], salt, sizeof(salt), &sl) || b64dec(f[5], want, sizeof(want), &kl) || kl < 16)
        return false;
    if (!scrypt(pw, salt, sl, log_n, r, p, got, kl))
        return false;
    bool eq = CRYPTO_memcmp(got, want, kl) == 0;
    OPENSSL_cleanse(got, sizeof(got));
    return eq;
}

void xa_auth_dummy_verify(const char *pw)
{
    static const char dummy[] =
        "scrypt$15$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    (void)xa_auth_verify_password(pw ? pw : "", dummy);
}

xa_rc xa_auth_random_hex(char *out, size_t nbytes)
{
    unsigned char b[64];
    if (nbytes > sizeof(b) || RAND_bytes(b, (int)nbytes) != 1)
        return XA_ERR_INTERNAL;
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < nbytes; i++) {
        out[2 * i] = hx[b[i] >> 4];
        out[2 * i + 1] = hx[b[i] & 15];
    }
    out[2 * nbytes] = '\0';
    return XA_OK;
}

void xa_auth_sha256_hex(const char *s, char out[65])
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL);
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hx[md[i] >> 4];
        out[2 * i + 1] = hx[md[i] & 15];
    }
    out[64] = '\0';
}

bool xa_auth_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return false;
    return CRYPTO_memcmp(a, b, la) == 0;
}

static const char *const roles[] = {"viewer", "auditor", "admin"};

int xa_auth_role_parse(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (s && strcasecmp(s, roles[i]) == 0)
            return i;
    return -1;
}

const char *xa_auth_role_name(int role)
{
    return role >= 0 && role < 3 ? roles[role] : "none";
}
