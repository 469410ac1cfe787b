/* jwt.h - the certificate client assertion of the OAuth2 client-credentials grant
 * (Microsoft Entra): a compact JWS signed with the application's private key.
 *
 * Header {"alg":"RS256"|"PS256","typ":"JWT","x5t":b64url(SHA-1(cert DER)),
 * "x5t#S256":b64url(SHA-256(cert DER))}; payload {"aud":token endpoint,"iss":client id,
 * "sub":client id,"jti":random GUID,"nbf":now,"iat":now,"exp":now+600}.
 * The only file that includes OpenSSL's signing API. Keys are never logged.
 * Thread safety: a key may be used by one thread at a time. */
#ifndef XA_COLLECT_JWT_H
#define XA_COLLECT_JWT_H

#include "core/buf.h"
#include "core/rc.h"

#include <stddef.h>
#include <stdint.h>

enum xa_jwt_alg { XA_JWT_RS256 = 0, XA_JWT_PS256 };

struct xa_jwt_key;

/* Load a PEM certificate and its PEM private key (RSA >= 2048 bits). key_path may equal
 * cert_path (both in one file). Fails with a message naming the file when a file cannot
 * be read, the key is not RSA, too short, or does not belong to the certificate. */
xa_rc xa_jwt_key_load(const char *cert_path, const char *key_path, struct xa_jwt_key **out,
                      struct xa_diag *diag);
/* Same from memory (PEM text). */
xa_rc xa_jwt_key_from_pem(const char *cert_pem, size_t cert_len, const char *key_pem,
                          size_t key_len, struct xa_jwt_key **out, struct xa_diag *diag);
void xa_jwt_key_free(struct xa_jwt_key *k);

/* Thumbprints of the certificate, base64url without padding (valid as long as k). */
const char *xa_jwt_x5t(const struct xa_jwt_key *k);
const char *xa_jwt_x5t_s256(const struct xa_jwt_key *k);

/* Build and sign an assertion; appends it to out (reset by the caller). now_s: epoch
 * seconds; lifetime_s: exp - nbf (0 = 600). */
xa_rc xa_jwt_assertion(struct xa_jwt_key *k, enum xa_jwt_alg alg, const char *client_id,
                       const char *audience, int64_t now_s, int64_t lifetime_s,
                       struct xa_buf *out, struct xa_diag *diag);

/* base64url without padding of in[0..n) into out (NUL-terminated); out must hold
 * 4 * ((n + 2) / 3) + 1 bytes. Returns the length written. */
size_t xa_jwt_b64url(const unsigned char *in, size_t n, char *out);

/* A random version-4 GUID, lower case, into out[37]. */
xa_rc xa_jwt_guid(char out[37], struct xa_diag *diag);

#endif
