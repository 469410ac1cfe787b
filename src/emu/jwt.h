/* jwt.h - verification of the certificate client assertion (Entra ID client credentials).
 *
 * The assertion is a compact JWS signed with the app's private key: alg RS256 (PKCS#1 v1.5)
 * or PS256 (RSA-PSS, MGF1-SHA256, salt length 32 as RFC 7518 requires), header x5t
 * (base64url SHA-1 of the certificate DER) or x5t#S256 (base64url SHA-256), claims aud = the
 * token endpoint URL, iss = sub = client id, jti, exp in the future, nbf/iat not in the future.
 * Uses OpenSSL libcrypto. A loaded certificate is immutable: verification is thread-safe. */
#ifndef XA_EMU_JWT_H
#define XA_EMU_JWT_H

#include "core/rc.h"

#include <stddef.h>
#include <stdint.h>

struct xa_emu_cert; /* opaque: the app's X.509 certificate and its thumbprints */

/* Load a PEM certificate from memory or from a file. *out (free with xa_emu_cert_free) is
 * written only on success. The key must be RSA of at least 2048 bits. */
xa_rc xa_emu_cert_from_pem(const char *pem, size_t len, struct xa_emu_cert **out,
                           struct xa_diag *diag);
xa_rc xa_emu_cert_load(const char *path, struct xa_emu_cert **out, struct xa_diag *diag);
void xa_emu_cert_free(struct xa_emu_cert *c);
/* base64url SHA-1 thumbprint of the certificate (the x5t value). */
const char *xa_emu_cert_x5t(const struct xa_emu_cert *c);

/* Why an assertion was refused, in Entra ID's terms. */
struct xa_emu_jwt_err {
    int http;          /* 400 or 401 */
    const char *error; /* OAuth error: invalid_request, invalid_client, unauthorized_client */
    long aadsts;       /* AADSTS code number */
    char desc[320];    /* the text after "AADSTSnnn: " */
};

/* Verify assertion. auds lists the acceptable audiences (naud >= 1); client_id is the
 * configured application id; now_s the verifier's clock in seconds (5 minutes of skew are
 * tolerated, as Entra ID does). Returns 0 when valid, -1 with *err filled otherwise. */
int xa_emu_jwt_verify(const struct xa_emu_cert *c, const char *assertion, const char *const *auds,
                      size_t naud, const char *client_id, int64_t now_s,
                      struct xa_emu_jwt_err *err);

/* base64url without padding of in[0..n) into out (NUL-terminated); out holds 4n/3 + 4 bytes.
 * Returns the length. */
size_t xa_emu_b64url(const unsigned char *in, size_t n, char *out);

#endif
