/* auth.h - password hashing (scrypt through OpenSSL's KDF), random tokens, digests and
 * constant-time comparison for the console. Thread-safe. */
#ifndef XA_WEB_AUTH_H
#define XA_WEB_AUTH_H

#include "core/rc.h"

#include <stdbool.h>
#include <stddef.h>

#define XA_AUTH_HASH_MAX 160 /* "scrypt$N$r$p$salt$hash" fits */
#define XA_AUTH_PW_MIN 10    /* shortest password accepted by user add */
#define XA_AUTH_PW_MAX 1024

/* Hash pw with scrypt (N=2^15, r=8, p=1, 16-byte random salt, 32-byte key) into out as
 * "scrypt$15$8$1$<salt b64>$<key b64>". Takes about 0.1 s and 32 MiB; at most two hashes run
 * at once (others wait), which bounds memory under a login storm. */
xa_rc xa_auth_hash_password(const char *pw, char out[XA_AUTH_HASH_MAX], struct xa_diag *diag);
/* True when pw matches stored (constant time in the key comparison). A malformed stored
 * hash never matches. */
bool xa_auth_verify_password(const char *pw, const char *stored);
/* Burn about the time of one verification (for unknown users: no timing oracle). */
void xa_auth_dummy_verify(const char *pw);
/* nbytes of CSPRNG output as lower-case hex into out (2 * nbytes + 1 bytes). */
xa_rc xa_auth_random_hex(char *out, size_t nbytes);
/* Hex SHA-256 of s. */
void xa_auth_sha256_hex(const char *s, char out[65]);
/* Constant-time equality of two NUL-terminated strings (length leaks, contents do not). */
bool xa_auth_equal(const char *a, const char *b);
/* Role names: viewer, auditor, admin; -1 when unknown. */
int xa_auth_role_parse(const char *s);
const char *xa_auth_role_name(int role);

#endif
