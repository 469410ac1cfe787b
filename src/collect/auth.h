/* auth.h - OAuth2 client-credentials tokens for one tenant: client secret or
 * certificate (JWT client assertion, see jwt.h), v1 ("resource") or v2 ("scope")
 * token endpoint. The token is cached and refreshed before it expires (5 minutes, or
 * a quarter of its lifetime for short tokens). Secrets, assertions and tokens never
 * reach a log or a diag message.
 * Not thread-safe: one struct xa_auth per tenant thread. */
#ifndef XA_COLLECT_AUTH_H
#define XA_COLLECT_AUTH_H

#include "collect/api.h"
#include "collect/jwt.h"
#include "core/rc.h"

#include <stdbool.h>
#include <stdint.h>

enum xa_auth_kind { XA_AUTH_SECRET = 0, XA_AUTH_CERT };

struct xa_auth {
    /* configuration (owned) */
    char *tenant_id;
    char *client_id;
    char *login_base;   /* e.g. https://login.microsoftonline.com */
    char *resource;     /* API base, e.g. https://manage.office.com */
    enum xa_auth_kind kind;
    char *secret;       /* client secret (wiped on release) */
    struct xa_jwt_key *key;
    enum xa_jwt_alg alg;
    int token_version;  /* 1 or 2 */
    /* cache */
    char *token;
    int64_t expires_mono; /* xa_time_mono() deadline of the token */
    int64_t lifetime_us;
    uint64_t requests;
    /* the last answer's Date header (us, XA_TIME_NONE) for clock-skew correction */
    int64_t last_date;
    int64_t last_date_local;
};

/* Release owned memory; wipes the secret and the token. */
void xa_auth_release(struct xa_auth *a);

/* Token URL of a (v1: {login}/{tenant}/oauth2/token, v2: .../oauth2/v2.0/token). */
xa_rc xa_auth_token_url(const struct xa_auth *a, char *out, size_t cap);

/* A valid access token in *token (owned by a, valid until the next call). force: fetch a
 * new one even if the cached one is still valid (after a 401). now_wall: the current
 * time as the server sees it (us) for the assertion's nbf/exp. On refusal err holds the
 * service's answer (code and message; never our secret) and diag an operator message. */
xa_rc xa_auth_token(struct xa_auth *a, bool force, int64_t now_wall, const char **token,
                    struct xa_api_err *err, struct xa_diag *diag);

/* The cached token in *token when it is valid for a while yet (no request needed). */
bool xa_auth_cached(const struct xa_auth *a, const char **token);

/* Parse a token response body: access_token and expires_in (number or string).
 * *token is malloc'd. */
xa_rc xa_auth_parse_token(const char *body, size_t len, char **token, int64_t *expires_in_s,
                          struct xa_diag *diag);

#endif
