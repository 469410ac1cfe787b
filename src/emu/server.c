/* server.c - Office 365 Management Activity API emulator over libmicrohttpd.
 *
 * The only file of the emulator that includes microhttpd.h. Threads: MHD's listener and one
 * thread per connection run the handlers; one webhook thread posts notifications; the
 * controlling thread calls xa_emu_tick(). Shared state (subscriptions, tokens, request
 * budgets, blob states, notification log, totals) is guarded by e->mu; the manifest and
 * losses files by e->fmu. The plan is read-only once built. */
#include "emu/server.h"

#include "core/buf.h"
#include "core/log.h"
#include "core/str.h"
#include "core/xtime.h"
#include "emu/hook.h"
#include "emu/jwt.h"
#include "emu/window.h"
#include "parse/json.h"

#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SEC_US 1000000LL
#define MIN_US (60 * SEC_US)
#define MAX_BODY (1u << 20)
#define ZERO_GUID "00000000-0000-0000-0000-000000000000"

enum { HOOK_NONE = 0, HOOK_ENABLED, HOOK_DISABLED, HOOK_EXPIRED };
static const char *const hook_status_names[] = {"none", "enabled", "disabled", "expired"};

struct stop_iv {
    int64_t from, to; /* simulated; to = INT64_MAX while stopped */
};

struct sub {
    bool exists, enabled;
    int64_t last_start; /* simulated, XA_TIME_NONE before the first start */
    struct stop_iv *stops;
    size_t nstops;
    int hook;
    char *hook_addr, *hook_auth;
    int64_t hook_exp;   /* simulated, XA_TIME_NONE = never */
    int64_t hook_since; /* simulated time the webhook was registered */
    int hook_fails;
    int64_t hook_next; /* monotonic us of the next delivery attempt */
};

struct tok {
    unsigned char hash[32];
    int tenant;
    int64_t expires;   /* monotonic us */
    int64_t uses_left; /* -1 = no early revocation */
};

struct budget {
    int tenant;
    char pub[64];
    int64_t win_start; /* monotonic us */
    uint64_t win_count, total, throttled;
};

struct notif {
    uint32_t blob;
    int64_t sent; /* simulated */
    bool ok;
};

struct bstate {
    uint8_t served, lost, notified;
    uint32_t inflight, attempts;
};

struct xa_emu {
    struct xa_emu_opts o;
    char tenant_buf[40];
    struct xa_emu_plan *plan;
    struct xa_emu_cert *cert;
    unsigned char secret_hash[32];
    bool has_secret;
    struct MHD_Daemon *d;
    char url[64];
    int64_t origin; /* simulated time at mono0 */
    int64_t mono0;
    pthread_mutex_t mu;
    struct sub subs[XA_EMU_MAX_TENANTS][XA_EMU_CT_COUNT];
    struct tok *toks;
    size_t ntoks, captoks;
    struct budget *buds;
    size_t nbud, capbud;
    struct notif *notifs;
    size_t nnotif, capnotif;
    struct bstate *bs;
    uint32_t *by_exp;
    size_t exp_cursor;
    struct xa_emu_stats st;
    atomic_uint_fast64_t reqno;
    pthread_mutex_t fmu;
    FILE *manifest, *losses;
    pthread_t hook_thread;
    bool hook_running;
    pthread_mutex_t hook_mu;
    pthread_cond_t hook_cv;
    bool stopping;
};

struct req {
    struct xa_buf body;
    bool too_big;
    int64_t blob; /* serial of the blob being served, -1 none */
    bool truncate;
};

/* ---------------------------------------------------------------------------------------- */
/* clocks and small helpers                                                                  */

int64_t xa_emu_sim_now(const struct xa_emu *e)
{
    return e->origin + (int64_t)((double)(xa_time_mono() - e->mono0) * e->o.speed);
}

/* the identity platform's clock: the host clock shifted by --clock-offset */
static int64_t login_now(const struct xa_emu *e)
{
    return xa_time_now() + e->o.clock_offset;
}

static void sha256(const void *p, size_t n, unsigned char out[32])
{
    unsigned int ml = 32;
    EVP_Digest(p, n, out, &ml, EVP_sha256(), NULL);
}

static void rand_guid(char out[37])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof(b)) != 1)
        memset(b, 0x5a, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

static bool is_guid(const char *s)
{
    if (strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        char c = s[i];
        if (dash ? c != '-'
                 : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

static int tenant_index(const struct xa_emu *e, const char *t)
{
    for (size_t i = 0; i < e->plan->ntenants; i++)
        if (xa_str_ieq(e->plan->tenants[i], t))
            return (int)i;
    return -1;
}

static xa_rc grow(void **ptr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return XA_OK;
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(*ptr, n * elem);
    if (!q)
        return XA_ERR_NOMEM;
    *ptr = q;
    *cap = n;
    return XA_OK;
}

static void url_encode(struct xa_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~' || c == ':')
            xa_buf_putc(b, (char)c);
        else {
            xa_buf_putc(b, '%');
            xa_buf_putc(b, hex[c >> 4]);
            xa_buf_putc(b, hex[c & 15]);
        }
    }
}

static bool hidden_by_stop(const struct sub *s, int64_t t)
{
    for (size_t i = 0; i < s->nstops; i++)
        if (t >= s->stops[i].from && t < s->stops[i].to)
            return true;
    return false;
}

/* ---------------------------------------------------------------------------------------- */
/* responses                                                                                 */

struct hdr {
    const char *name, *value;
};

static enum MHD_Result reply(struct xa_emu *e, struct MHD_Connection *con, unsigned status,
                             const char *body, size_t len, bool login, const struct hdr *hdrs,
                             size_t nh)
{
    struct MHD_Response *rsp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!rsp)
        return MHD_NO;
    char date[32];
    xa_emu_fmt_http_date(login ? login_now(e) : xa_emu_sim_now(e), date);
    MHD_add_response_header(rsp, MHD_HTTP_HEADER_DATE, date);
    if (len)
        MHD_add_response_header(rsp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                "application/json; charset=utf-8");
    for (size_t i = 0; i < nh; i++)
        MHD_add_response_header(rsp, hdrs[i].name, hdrs[i].value);
    enum MHD_Result r = MHD_queue_response(con, status, rsp);
    MHD_destroy_response(rsp);
    return r;
}

static enum MHD_Result reply_buf(struct xa_emu *e, struct MHD_Connection *con, unsigned status,
                                 struct xa_buf *b, bool login, const struct hdr *hdrs, size_t nh)
{
    enum MHD_Result r = reply(e, con, status, b->data ? b->data : "", b->len, login, hdrs, nh);
    xa_buf_release(b);
    return r;
}

__attribute__((format(printf, 5, 6))) static enum MHD_Result
api_error(struct xa_emu *e, struct MHD_Connection *con, unsigned status, const char *code,
          const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct xa_buf b;
    xa_buf_init(&b, 0);
    xa_buf_puts(&b, "{\"error\":{\"code\":");
    xa_buf_json_str(&b, code, (size_t)-1);
    xa_buf_puts(&b, ",\"message\":");
    xa_buf_json_str(&b, msg, (size_t)-1);
    xa_buf_puts(&b, "}}");
    return reply_buf(e, con, status, &b, false, NULL, 0);
}

static enum MHD_Result denied(struct xa_emu *e, struct MHD_Connection *con)
{
    static const char body[] = "{\"Message\":\"Authorization has been denied for this request.\"}";
    struct hdr h[] = {{"WWW-Authenticate", "Bearer"}};
    return reply(e, con, 401, body, sizeof(body) - 1, false, h, 1);
}

static enum MHD_Result throttled(struct xa_emu *e, struct MHD_Connection *con, const char *method,
                                 const char *pub, int64_t retry_s)
{
    char ra[24], msg[160];
    snprintf(ra, sizeof(ra), "%lld", (long long)(retry_s < 1 ? 1 : retry_s));
    snprintf(msg, sizeof(msg), "Too many requests. Method=%s, PublisherId=%s", method, pub);
    struct xa_buf b;
    xa_buf_init(&b, 0);
    xa_buf_puts(&b, "{\"error\":{\"code\":\"AF429\",\"message\":");
    xa_buf_json_str(&b, msg, (size_t)-1);
    xa_buf_puts(&b, "}}");
    struct hdr h[] = {{MHD_HTTP_HEADER_RETRY_AFTER, ra}};
    return reply_buf(e, con, 429, &b, false, h, 1);
}

/* Entra ID (AADSTS) error body */
__attribute__((format(printf, 6, 7))) static enum MHD_Result
aad_error(struct xa_emu *e, struct MHD_Connection *con, unsigned status, const char *error,
          long code, const char *fmt, ...)
{
    char msg[512], trace[37], corr[37], ts[32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rand_guid(trace);
    rand_guid(corr);
    xa_time_format(login_now(e) / SEC_US * SEC_US, ts);
    ts[10] = ' ';
    char desc[800];
    snprintf(desc, sizeof(desc),
             "AADSTS%ld: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s", code, msg,
             trace, corr, ts);
    struct xa_buf b;
    xa_buf_init(&b, 0);
    xa_buf_puts(&b, "{\"error\":");
    xa_buf_json_str(&b, error, (size_t)-1);
    xa_buf_puts(&b, ",\"error_description\":");
    xa_buf_json_str(&b, desc, (size_t)-1);
    xa_buf_printf(&b,
                  ",\"error_codes\":[%ld],\"timestamp\":\"%s\",\"trace_id\":\"%s\","
                  "\"correlation_id\":\"%s\",\"error_uri\":"
                  "\"https://login.microsoftonline.com/error?code=%ld\"}",
                  code, ts, trace, corr, code);
    struct hdr h[] = {{"Cache-Control", "no-store, no-cache"}, {"Pragma", "no-cache"}};
    return reply_buf(e, con, status, &b, true, h, 2);
}

/* ---------------------------------------------------------------------------------------- */
/* request arguments                                                                         */

struct argfind {
    const char *name;
    const char *val;
};

static enum MHD_Result arg_it(void *cls, enum MHD_ValueKind kind, const char *key,
                              const char *value)
{
    (void)kind;
    struct argfind *f = cls;
    if (!f->val && key && xa_str_ieq(key, f->name)) {
        f->val = value ? value : "";
        return MHD_NO;
    }
    return MHD_YES;
}

/* query argument by case-insensitive name, NULL when absent */
static const char *qarg(struct MHD_Connection *con, const char *name)
{
    struct argfind f = {name, NULL};
    MHD_get_connection_values(con, MHD_GET_ARGUMENT_KIND, arg_it, &f);
    return f.val;
}

/* application/x-www-form-urlencoded field, decoded into out; false when absent */
static bool form_field(const struct xa_buf *body, const char *name, char *out, size_t cap)
{
    const char *p = body->data ? body->data : "", *end = p + body->len;
    size_t nl = strlen(name);
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *fe = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(fe - p));
        if (eq && (size_t)(eq - p) == nl && strncmp(p, name, nl) == 0) {
            size_t o = 0;
            for (const char *s = eq + 1; s < fe && o + 1 < cap; s++) {
                if (*s == '+')
                    out[o++] = ' ';
                else if (*s == '%' && fe - s >= 3 && isxdigit((unsigned char)s[1]) &&
                         isxdigit((unsigned char)s[2])) {
                    char hx[3] = {s[1], s[2], 0};
                    out[o++] = (char)strtol(hx, NULL, 16);
                    s += 2;
                } else
                    out[o++] = *s;
            }
            out[o] = 0;
            return true;
        }
        p = fe + 1;
    }
    return false;
}

/* ---------------------------------------------------------------------------------------- */
/* token endpoint                                                                            */

static const char *const clouds[] = {"https://manage.office.com", "https://manage-gcc.office.com",
                                     "https://manage.office365.us",
                                     "https://manage.protection.apps.mil"};

static bool resource_ok(const struct xa_emu *e, const char *res, size_t n)
{
    if (n && res[n - 1] == '/')
        n--;
    for (size_t i = 0; i < sizeof(clouds) / sizeof(clouds[0]); i++)
        if (strlen(clouds[i]) == n && strncmp(clouds[i], res, n) == 0)
            return true;
    return strlen(e->url) == n && strncmp(e->url, res, n) == 0;
}

static enum MHD_Result token_endpoint(struct xa_emu *e, struct MHD_Connection *con, struct req *r,
                                      const char *tenant, bool v2, const char *method,
                                      const char *path)
{
    pthread_mutex_lock(&e->mu);
    e->st.token_requests++;
    pthread_mutex_unlock(&e->mu);
    if (strcmp(method, "POST") != 0)
        return aad_error(e, con, 400, "invalid_request", 900561,
                         "The endpoint only accepts POST, OPTIONS requests. Received a %s request.",
                         method);
    int t = tenant_index(e, tenant);
    if (t < 0)
        return aad_error(e, con, 400, "invalid_request", 90002,
                         "Tenant '%s' not found. Check to make sure you have the correct tenant ID "
                         "and are signing into the correct cloud.",
                         tenant);
    if (r->too_big)
        return aad_error(e, con, 400, "invalid_request", 900144, "The request body is too large.");
    char grant[64], cid[128], secret[512], atype[128], res[256];
    char *assertion = malloc(MAX_BODY);
    if (!assertion)
        return MHD_NO;
    enum MHD_Result ret;
    if (!form_field(&r->body, "grant_type", grant, sizeof(grant))) {
        ret = aad_error(e, con, 400, "invalid_request", 900144,
                        "The request body must contain the following parameter: 'grant_type'.");
        goto out;
    }
    if (strcmp(grant, "client_credentials") != 0) {
        ret = aad_error(e, con, 400, "unsupported_grant_type", 70003,
                        "The app requested an unsupported grant type '%s'.", grant);
        goto out;
    }
    if (!form_field(&r->body, "client_id", cid, sizeof(cid)) || !*cid) {
        ret = aad_error(e, con, 400, "invalid_request", 900144,
                        "The request body must contain the following parameter: 'client_id'.");
        goto out;
    }
    if (strcmp(cid, e->o.client_id) != 0) {
        ret = aad_error(e, con, 400, "unauthorized_client", 700016,
                        "Application with identifier '%s' was not found in the directory '%s'. "
                        "This can happen if the application has not been installed by the "
                        "administrator of the tenant or consented to by any user in the tenant. "
                        "You may have sent your authentication request to the wrong tenant.",
                        cid, e->plan->tenants[t]);
        goto out;
    }
    /* v1 names the API by resource, v2 by scope = resource + "/.default" */
    const char *pname = v2 ? "scope" : "resource";
    if (!form_field(&r->body, pname, res, sizeof(res)) || !*res) {
        ret = aad_error(e, con, 400, "invalid_request", 900144,
                        "The request body must contain the following parameter: '%s'.", pname);
        goto out;
    }
    if (v2) {
        size_t n = strlen(res);
        if (n < 9 || strcmp(res + n - 9, "/.default") != 0) {
            ret = aad_error(e, con, 400, "invalid_scope", 1002012,
                            "The provided value for scope %s is not valid. Client credential "
                            "flows must have a scope value with /.default suffixed to the "
                            "resource identifier (application ID URI).",
                            res);
            goto out;
        }
        if (!resource_ok(e, res, n - 9)) {
            ret =
                aad_error(e, con, 400, "invalid_resource", 500011,
                          "The resource principal named %.*s was not found in the tenant named "
                          "%s. This can happen if the application has not been installed by the "
                          "administrator of the tenant or consented to by any user in the tenant.",
                          (int)(n - 9), res, e->plan->tenants[t]);
            goto out;
        }
    } else if (!resource_ok(e, res, strlen(res))) {
        ret = aad_error(e, con, 400, "invalid_resource", 500011,
                        "The resource principal named %s was not found in the tenant named %s. "
                        "This can happen if the application has not been installed by the "
                        "administrator of the tenant or consented to by any user in the tenant.",
                        res, e->plan->tenants[t]);
        goto out;
    }
    if (form_field(&r->body, "client_secret", secret, sizeof(secret))) {
        unsigned char h[32];
        sha256(secret, strlen(secret), h);
        OPENSSL_cleanse(secret, sizeof(secret));
        if (!e->has_secret || CRYPTO_memcmp(h, e->secret_hash, 32) != 0) {
            ret = aad_error(e, con, 401, "invalid_client", 7000215,
                            "Invalid client secret provided. Ensure the secret being sent in the "
                            "request is the client secret value, not the client secret ID, for a "
                            "secret added to app '%s'.",
                            e->o.client_id);
            goto out;
        }
    } else if (form_field(&r->body, "client_assertion", assertion, MAX_BODY)) {
        if (!form_field(&r->body, "client_assertion_type", atype, sizeof(atype)) ||
            strcmp(atype, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") != 0) {
            ret = aad_error(e, con, 400, "invalid_request", 70002,
                            "The client_assertion_type is missing or not supported. Expected "
                            "'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.");
            goto out;
        }
        if (!e->cert) {
            ret = aad_error(e, con, 401, "invalid_client", 700027,
                            "The certificate with identifier used to sign the client assertion is "
                            "not registered on application. [Reason - The key was not found.]");
            goto out;
        }
        /* aud = the URL the client posted to, by the canonical host or the Host it used */
        char aud1[320], aud2[320];
        const char *host = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Host");
        snprintf(aud1, sizeof(aud1), "%s%s", e->url, path);
        snprintf(aud2, sizeof(aud2), "http://%s%s", host ? host : "127.0.0.1", path);
        const char *auds[] = {aud1, aud2};
        struct xa_emu_jwt_err je;
        if (xa_emu_jwt_verify(e->cert, assertion, auds, 2, e->o.client_id, login_now(e) / SEC_US,
                              &je) != 0) {
            ret = aad_error(e, con, (unsigned)je.http, je.error, je.aadsts, "%s", je.desc);
            goto out;
        }
    } else {
        ret = aad_error(e, con, 401, "invalid_client", 7000218,
                        "The request body must contain the following parameter: "
                        "'client_assertion' or 'client_secret'.");
        goto out;
    }
    /* issue an opaque token: "EA" + index + "." + 43 random characters */
    unsigned char rnd[32];
    char rb[48];
    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        ret = aad_error(e, con, 500, "temporarily_unavailable", 90033,
                        "A transient error has occurred. Please try again.");
        goto out;
    }
    xa_emu_b64url(rnd, sizeof(rnd), rb);
    pthread_mutex_lock(&e->mu);
    size_t idx = e->ntoks;
    if (grow((void **)&e->toks, &e->captoks, idx + 1, sizeof(*e->toks))) {
        pthread_mutex_unlock(&e->mu);
        ret = MHD_NO;
        goto out;
    }
    struct tok *tk = &e->toks[e->ntoks++];
    sha256(rb, strlen(rb), tk->hash);
    tk->tenant = t;
    tk->expires = xa_time_mono() + e->o.token_ttl * SEC_US;
    tk->uses_left = -1;
    if (e->o.token_expire_early > 0 &&
        xa_emu_rand(e->plan->seed, 0x746f6b78, idx) < e->o.token_expire_early)
        tk->uses_left = 1 + (int64_t)(xa_emu_hash(e->plan->seed, 0x746f6b6e, idx) % 20);
    pthread_mutex_unlock(&e->mu);
    char token[64];
    snprintf(token, sizeof(token), "EA%08zx.%s", idx, rb);
    struct xa_buf b;
    xa_buf_init(&b, 0);
    long long ttl = (long long)e->o.token_ttl, now_s = (long long)(login_now(e) / SEC_US);
    if (v2) {
        xa_buf_printf(&b,
                      "{\"token_type\":\"Bearer\",\"expires_in\":%lld,\"ext_expires_in\":%lld,"
                      "\"access_token\":\"%s\"}",
                      ttl, ttl, token);
    } else {
        xa_buf_printf(&b,
                      "{\"token_type\":\"Bearer\",\"expires_in\":\"%lld\",\"ext_expires_in\":"
                      "\"%lld\",\"expires_on\":\"%lld\",\"not_before\":\"%lld\",\"resource\":",
                      ttl, ttl, now_s + ttl, now_s);
        xa_buf_json_str(&b, res, (size_t)-1);
        xa_buf_printf(&b, ",\"access_token\":\"%s\"}", token);
    }
    OPENSSL_cleanse(token, sizeof(token));
    struct hdr h[] = {{"Cache-Control", "no-store, no-cache"}, {"Pragma", "no-cache"}};
    ret = reply(e, con, 200, b.data, b.len, true, h, 2);
    OPENSSL_cleanse(b.data, b.len);
    xa_buf_release(&b);
out:
    free(assertion);
    return ret;
}

/* Tenant index of a valid bearer token, -1 when missing, unknown, expired or revoked. */
static int check_token(struct xa_emu *e, struct MHD_Connection *con)
{
    const char *a = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Authorization");
    if (!a || !xa_str_istarts(a, "Bearer "))
        return -1;
    a += 7;
    while (*a == ' ')
        a++;
    if (strlen(a) < 12 || a[0] != 'E' || a[1] != 'A' || a[10] != '.')
        return -1;
    char hx[9];
    memcpy(hx, a + 2, 8);
    hx[8] = 0;
    char *end;
    unsigned long idx = strtoul(hx, &end, 16);
    if (*end)
        return -1;
    unsigned char h[32];
    sha256(a + 11, strlen(a + 11), h);
    int t = -1;
    pthread_mutex_lock(&e->mu);
    if (idx < e->ntoks) {
        struct tok *tk = &e->toks[idx];
        if (CRYPTO_memcmp(h, tk->hash, 32) == 0 && xa_time_mono() < tk->expires &&
            tk->uses_left != 0) {
            if (tk->uses_left > 0)
                tk->uses_left--;
            t = tk->tenant;
        }
    }
    pthread_mutex_unlock(&e->mu);
    return t;
}

/* ---------------------------------------------------------------------------------------- */
/* API operations                                                                            */

static bool ct_arg(struct xa_emu *e, struct MHD_Connection *con, int *ct, enum MHD_Result *r)
{
    const char *s = qarg(con, "contentType");
    if (!s || !*s) {
        *r = api_error(e, con, 400, "AF20001", "Missing parameter: contentType.");
        return false;
    }
    *ct = xa_emu_ct_parse(s);
    if (*ct < 0) {
        *r = api_error(e, con, 400, "AF20020", "The specified content type is not valid.");
        return false;
    }
    return true;
}

static void webhook_json(struct xa_buf *b, const struct sub *s)
{
    if (s->hook == HOOK_NONE) {
        xa_buf_puts(b, "null");
        return;
    }
    xa_buf_printf(b, "{\"status\":\"%s\",\"address\":", hook_status_names[s->hook]);
    xa_buf_json_str(b, s->hook_addr, (size_t)-1);
    xa_buf_puts(b, ",\"authId\":");
    xa_buf_json_str(b, s->hook_auth, (size_t)-1);
    xa_buf_puts(b, ",\"expiration\":");
    if (s->hook_exp == XA_TIME_NONE)
        xa_buf_puts(b, "null");
    else {
        char ts[32];
        xa_buf_printf(b, "\"%s\"", xa_emu_fmt_ms(s->hook_exp, ts));
    }
    xa_buf_putc(b, '}');
}

static void sub_json(struct xa_buf *b, const struct sub *s, int ct)
{
    xa_buf_printf(b, "{\"contentType\":\"%s\",\"status\":\"%s\",\"webhook\":", xa_emu_ct_name(ct),
                  s->enabled ? "enabled" : "disabled");
    webhook_json(b, s);
    xa_buf_putc(b, '}');
}

static bool streq_null(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static enum MHD_Result op_start(struct xa_emu *e, struct MHD_Connection *con, struct req *r, int t,
                                const char *pub)
{
    enum MHD_Result ret;
    int ct;
    if (!ct_arg(e, con, &ct, &ret))
        return ret;
    int64_t now = xa_emu_sim_now(e);
    /* optional body: {"webhook":{"address":..,"authId":..,"expiration":..}} */
    const char *addr = NULL, *auth = NULL;
    int64_t exp = XA_TIME_NONE;
    bool want_hook = false;
    struct xa_json *root = NULL;
    if (r->too_big)
        return api_error(e, con, 400, "AF20002", "Invalid parameter type: body too large.");
    const char *bd = r->body.data ? r->body.data : "";
    size_t bl = r->body.len;
    while (bl && (*bd == ' ' || *bd == '\n' || *bd == '\r' || *bd == '\t'))
        bd++, bl--;
    if (bl) {
        if (xa_json_parse(bd, bl, &root, NULL) || xa_json_type(root) != XA_JSON_OBJECT) {
            xa_json_free(root);
            return api_error(e, con, 400, "AF20002",
                             "Invalid parameter type: webhook. Expected type: JSON object.");
        }
        const struct xa_json *wh = xa_json_get(root, "webhook");
        if (wh && xa_json_type(wh) == XA_JSON_OBJECT) {
            want_hook = true;
            addr = xa_json_str(xa_json_get(wh, "address"));
            auth = xa_json_str(xa_json_get(wh, "authId"));
            if (auth && !*auth)
                auth = NULL;
            const char *xs = xa_json_str(xa_json_get(wh, "expiration"));
            if (xs && *xs && xa_time_parse(xs, (size_t)-1, &exp) != XA_OK) {
                xa_json_free(root);
                return api_error(e, con, 400, "AF20002",
                                 "Invalid parameter type: expiration. Expected type: datetime.");
            }
            if (!addr || !*addr) {
                xa_json_free(root);
                return api_error(e, con, 400, "AF20001", "Missing parameter: address.");
            }
            if (exp != XA_TIME_NONE && exp <= now) {
                xa_json_free(root);
                return api_error(e, con, 400, "AF20003",
                                 "Expiration %s provided is set to past date and time.", xs);
            }
        } else if (wh && xa_json_type(wh) != XA_JSON_NULL) {
            xa_json_free(root);
            return api_error(e, con, 400, "AF20002",
                             "Invalid parameter type: webhook. Expected type: JSON object.");
        }
    }
    pthread_mutex_lock(&e->mu);
    struct sub *s = &e->subs[t][ct];
    bool same_hook = want_hook ? (s->hook != HOOK_NONE && streq_null(s->hook_addr, addr) &&
                                  streq_null(s->hook_auth, auth) && s->hook_exp == exp &&
                                  s->hook == HOOK_ENABLED)
                               : s->hook == HOOK_NONE;
    bool nochange = s->exists && s->enabled && same_hook;
    int64_t last = s->last_start;
    pthread_mutex_unlock(&e->mu);
    if (nochange) {
        xa_json_free(root);
        return api_error(e, con, 400, "AF20024",
                         "The subscription is already enabled. No property change.");
    }
    if (last != XA_TIME_NONE && now - last < 15 * MIN_US) {
        xa_json_free(root);
        pthread_mutex_lock(&e->mu);
        e->st.r429++;
        pthread_mutex_unlock(&e->mu);
        double real_s = (double)(15 * MIN_US - (now - last)) / (double)SEC_US / e->o.speed;
        return throttled(e, con, "StartSubscription", pub, (int64_t)real_s + 1);
    }
    if (want_hook) {
        if (!xa_emu_hook_url_ok(addr)) {
            ret = api_error(e, con, 400, "AF20021",
                            "The webhook endpoint {%s} could not be validated. The emulator only "
                            "delivers to http://127.0.0.1, http://localhost or http://[::1].",
                            addr);
            xa_json_free(root);
            return ret;
        }
        char code[37], h1[80], h2[300];
        rand_guid(code);
        snprintf(h1, sizeof(h1), "Webhook-ValidationCode: %s", code);
        snprintf(h2, sizeof(h2), "Webhook-AuthID: %.250s", auth ? auth : "");
        const char *hs[] = {h1, h2};
        char body[80];
        int n = snprintf(body, sizeof(body), "{\"validationCode\":\"%s\"}", code);
        struct xa_diag d;
        xa_diag_clear(&d);
        int st = xa_emu_hook_post(addr, hs, auth ? 2 : 1, body, (size_t)n, 5000, &d);
        if (st != 200) {
            xa_log_info("emulate: webhook %s failed validation (%d %s)", addr, st, d.msg);
            ret = api_error(e, con, 400, "AF20021",
                            "The webhook endpoint {%s} could not be validated. The endpoint did "
                            "not return HTTP 200.",
                            addr);
            xa_json_free(root);
            return ret;
        }
    }
    struct xa_buf b;
    xa_buf_init(&b, 0);
    pthread_mutex_lock(&e->mu);
    if (!s->exists) {
        s->exists = true;
    } else if (!s->enabled && s->nstops) {
        s->stops[s->nstops - 1].to = now;
    }
    s->enabled = true;
    s->last_start = now;
    free(s->hook_addr);
    free(s->hook_auth);
    s->hook_addr = s->hook_auth = NULL;
    s->hook = HOOK_NONE;
    if (want_hook) {
        s->hook = HOOK_ENABLED;
        s->hook_addr = strdup(addr);
        s->hook_auth = auth ? strdup(auth) : NULL;
        s->hook_exp = exp;
        s->hook_since = now;
        s->hook_fails = 0;
        s->hook_next = 0;
    }
    sub_json(&b, s, ct);
    pthread_mutex_unlock(&e->mu);
    xa_json_free(root);
    return reply_buf(e, con, 200, &b, false, NULL, 0);
}

static enum MHD_Result op_stop(struct xa_emu *e, struct MHD_Connection *con, int t)
{
    enum MHD_Result ret;
    int ct;
    if (!ct_arg(e, con, &ct, &ret))
        return ret;
    int64_t now = xa_emu_sim_now(e);
    pthread_mutex_lock(&e->mu);
    struct sub *s = &e->subs[t][ct];
    if (!s->exists) {
        pthread_mutex_unlock(&e->mu);
        return api_error(e, con, 400, "AF20022",
                         "No subscription found for the specified content type.");
    }
    bool fail = false;
    if (s->enabled) {
        struct stop_iv *n = realloc(s->stops, (s->nstops + 1) * sizeof(*n));
        if (n) {
            s->stops = n;
            s->stops[s->nstops++] = (struct stop_iv){now, INT64_MAX};
            s->enabled = false;
        } else
            fail = true;
    }
    pthread_mutex_unlock(&e->mu);
    if (fail)
        return MHD_NO;
    return reply(e, con, 200, "", 0, false, NULL, 0);
}

static enum MHD_Result op_list(struct xa_emu *e, struct MHD_Connection *con, int t)
{
    struct xa_buf b;
    xa_buf_init(&b, 0);
    xa_buf_putc(&b, '[');
    bool first = true;
    pthread_mutex_lock(&e->mu);
    for (int ct = 0; ct < XA_EMU_CT_COUNT; ct++) {
        const struct sub *s = &e->subs[t][ct];
        if (!s->exists)
            continue;
        if (!first)
            xa_buf_putc(&b, ',');
        first = false;
        sub_json(&b, s, ct);
    }
    pthread_mutex_unlock(&e->mu);
    xa_buf_putc(&b, ']');
    return reply_buf(e, con, 200, &b, false, NULL, 0);
}

static void blob_entry(struct xa_emu *e, struct xa_buf *b, const struct xa_emu_blob *bl)
{
    char c1[32], c2[32];
    xa_buf_printf(b, "\"contentType\":\"%s\",\"contentId\":", xa_emu_ct_name(bl->ct));
    xa_buf_json_str(b, bl->content_id, (size_t)-1);
    xa_buf_printf(b, ",\"contentUri\":\"%s/api/v1.0/%s/activity/feed/audit/", e->url,
                  e->plan->tenants[bl->tenant]);
    xa_buf_puts(b, bl->content_id);
    xa_buf_printf(b, "\",\"contentCreated\":\"%s\",\"contentExpiration\":\"%s\"",
                  xa_emu_fmt_ms(bl->created, c1), xa_emu_fmt_ms(bl->expires, c2));
}

static bool parse_next(const char *s, size_t *pos)
{
    /* {17 digits}R{digits} */
    if (strlen(s) < 19 || s[17] != 'R')
        return false;
    for (int i = 0; i < 17; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s + 18, &end, 10);
    if (errno || *end || end == s + 18)
        return false;
    *pos = (size_t)v;
    return true;
}

static void next_uri(struct xa_emu *e, struct xa_buf *u, const char *tenant, const char *op, int ct,
                     const char *st, const char *et, const char *pub, int64_t key_time, size_t pos)
{
    char c[32];
    xa_emu_fmt_ms(key_time, c);
    char tok[48];
    int j = 0;
    for (int i = 0; c[i] && j < 17; i++)
        if (c[i] >= '0' && c[i] <= '9')
            tok[j++] = c[i];
    snprintf(tok + j, sizeof(tok) - (size_t)j, "R%09zu", pos);
    xa_buf_printf(u,
                  "%s/api/v1.0/%s/activity/feed/subscriptions/%s?contentType=%s&startTime=", e->url,
                  tenant, op, xa_emu_ct_name(ct));
    url_encode(u, st);
    xa_buf_puts(u, "&endTime=");
    url_encode(u, et);
    if (pub) {
        xa_buf_puts(u, "&PublisherIdentifier=");
        url_encode(u, pub);
    }
    xa_buf_printf(u, "&nextPage=%s", tok);
}

static enum MHD_Result op_content(struct xa_emu *e, struct MHD_Connection *con, int t,
                                  bool notifications)
{
    enum MHD_Result ret;
    int ct;
    if (!ct_arg(e, con, &ct, &ret))
        return ret;
    int64_t now = xa_emu_sim_now(e);
    pthread_mutex_lock(&e->mu);
    bool exists = e->subs[t][ct].exists, enabled = e->subs[t][ct].enabled;
    pthread_mutex_unlock(&e->mu);
    if (!exists || !enabled)
        return api_error(e, con, 400, "AF20022",
                         "No subscription found for the specified content type.");
    const char *st = qarg(con, "startTime"), *et = qarg(con, "endTime");
    int64_t t0, t1;
    enum xa_emu_win w = xa_emu_window_check(st, et, now, &t0, &t1);
    if (w != XA_EMU_WIN_OK)
        return api_error(e, con, 400, xa_emu_window_code(w), "%s", xa_emu_window_message(w));
    char sbuf[32], ebuf[32];
    if (!st || !*st) {
        xa_time_format(t0, sbuf);
        xa_time_format(t1, ebuf);
        st = sbuf;
        et = ebuf;
    }
    size_t pos = 0;
    const char *np = qarg(con, "nextPage");
    if (np && !parse_next(np, &pos))
        return api_error(e, con, 400, "AF20031", "Invalid nextPage Input: %s.", np);
    const struct xa_emu_stream *sm = &e->plan->streams[(size_t)t * XA_EMU_CT_COUNT + (size_t)ct];
    size_t total = notifications ? e->nnotif : sm->n;
    if (np && pos > total)
        return api_error(e, con, 400, "AF20031", "Invalid nextPage Input: %s.", np);
    struct xa_buf b;
    xa_buf_init(&b, 0);
    xa_buf_putc(&b, '[');
    size_t found = 0, next = SIZE_MAX;
    int64_t next_key = 0;
    pthread_mutex_lock(&e->mu);
    const struct sub *s = &e->subs[t][ct];
    total = notifications ? e->nnotif : sm->n;
    for (size_t i = pos; i < total; i++) {
        const struct xa_emu_blob *bl;
        int64_t key;
        if (notifications) {
            const struct notif *nf = &e->notifs[i];
            bl = &e->plan->blobs[nf->blob];
            if (bl->tenant != t || bl->ct != ct || nf->sent < t0 || nf->sent >= t1)
                continue;
            key = nf->sent;
        } else {
            bl = &e->plan->blobs[sm->blobs[i]];
            if (bl->created < t0 || bl->created >= t1 || bl->visible > now ||
                hidden_by_stop(s, bl->visible))
                continue;
            key = bl->created;
        }
        if (found == e->o.page_size) {
            next = i;
            next_key = key;
            break;
        }
        if (found++)
            xa_buf_putc(&b, ',');
        xa_buf_putc(&b, '{');
        blob_entry(e, &b, bl);
        if (notifications) {
            char ts[32];
            xa_buf_printf(&b, ",\"notificationSent\":\"%s\",\"notificationStatus\":\"%s\"",
                          xa_emu_fmt_ms(e->notifs[i].sent, ts),
                          e->notifs[i].ok ? "Succeeded" : "Failed");
        }
        xa_buf_putc(&b, '}');
    }
    pthread_mutex_unlock(&e->mu);
    xa_buf_putc(&b, ']');
    if (next == SIZE_MAX)
        return reply_buf(e, con, 200, &b, false, NULL, 0);
    struct xa_buf u;
    xa_buf_init(&u, 0);
    next_uri(e, &u, e->plan->tenants[t], notifications ? "notifications" : "content", ct, st, et,
             qarg(con, "PublisherIdentifier"), next_key, next);
    struct hdr h[] = {{"NextPageUri", u.data ? u.data : ""}};
    ret = reply_buf(e, con, 200, &b, false, h, 1);
    xa_buf_release(&u);
    return ret;
}

/* -------- blob retrieval (streamed) -------- */

struct bresp {
    const struct xa_emu_plan *plan;
    const struct xa_emu_blob *bl;
    uint64_t cut;  /* stop (and break the connection) at this offset; UINT64_MAX = never */
    int phase;     /* 0 '[' , 1 records, 2 ']', 3 done */
    uint32_t i;    /* current record */
    uint32_t roff; /* offset in the current record */
    bool comma;    /* comma before record i written */
};

static ssize_t blob_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct bresp *r = cls;
    if (pos >= r->cut)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    if (max > r->cut - pos)
        max = (size_t)(r->cut - pos);
    size_t n = 0;
    while (n < max) {
        if (r->phase == 0) {
            buf[n++] = '[';
            r->phase = r->bl->nrec ? 1 : 2;
        } else if (r->phase == 1) {
            if (r->i > 0 && r->roff == 0 && !r->comma) {
                buf[n++] = ',';
                r->comma = true;
                continue;
            }
            const struct xa_emu_rec *rec = &r->plan->recs[r->bl->recs[r->i]];
            size_t take = rec->len - r->roff;
            if (take > max - n)
                take = max - n;
            memcpy(buf + n, r->plan->data + rec->off + r->roff, take);
            n += take;
            r->roff += (uint32_t)take;
            if (r->roff == rec->len) {
                r->i++;
                r->roff = 0;
                r->comma = false;
                if (r->i == r->bl->nrec)
                    r->phase = 2;
            }
        } else if (r->phase == 2) {
            buf[n++] = ']';
            r->phase = 3;
        } else {
            break;
        }
    }
    return n ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
}

static const char *loss_reason(const struct xa_emu *e, const struct xa_emu_blob *bl)
{
    if (hidden_by_stop(&e->subs[bl->tenant][bl->ct], bl->visible))
        return "stopped";
    if (bl->flags & XA_EMU_BLOB_SHORT)
        return "forced-expiry";
    return "retention";
}

static void write_blob_lines(struct xa_emu *e, FILE *f, const struct xa_emu_blob *bl,
                             const char *reason)
{
    if (!f)
        return;
    struct xa_buf b;
    xa_buf_init(&b, 0);
    const char *tn = e->plan->tenants[bl->tenant], *cn = xa_emu_ct_name(bl->ct);
    for (uint32_t i = 0; i < bl->nrec; i++) {
        xa_buf_printf(&b, "%s\t%s\t%s\t%s", tn, cn, bl->content_id,
                      xa_emu_plan_rec_id(e->plan, bl->recs[i]));
        if (reason)
            xa_buf_printf(&b, "\t%s", reason);
        xa_buf_putc(&b, '\n');
    }
    pthread_mutex_lock(&e->fmu);
    if (b.len)
        fwrite(b.data, 1, b.len, f);
    fflush(f);
    pthread_mutex_unlock(&e->fmu);
    xa_buf_release(&b);
}

/* Mark a blob lost if it never was served; call with e->mu held. True when newly lost. */
static bool mark_lost(struct xa_emu *e, uint32_t serial)
{
    struct bstate *s = &e->bs[serial];
    if (s->served || s->lost)
        return false;
    s->lost = 1;
    e->st.blobs_expired++;
    return true;
}

static enum MHD_Result op_blob(struct xa_emu *e, struct MHD_Connection *con, struct req *r, int t,
                               const char *cid)
{
    uint32_t serial;
    xa_rc rc = xa_emu_plan_find(e->plan, cid, &serial);
    if (rc == XA_ERR_PARSE)
        return api_error(e, con, 400, "AF20052", "Content ID %s in the URL is invalid.", cid);
    const struct xa_emu_blob *bl = rc == XA_OK ? &e->plan->blobs[serial] : NULL;
    if (!bl || bl->tenant != t)
        return api_error(e, con, 404, "AF20050", "The specified content (%s) doesn't exist.", cid);
    int64_t now = xa_emu_sim_now(e);
    pthread_mutex_lock(&e->mu);
    const struct sub *s = &e->subs[t][bl->ct];
    if (!s->exists || !s->enabled) {
        pthread_mutex_unlock(&e->mu);
        return api_error(e, con, 400, "AF20022",
                         "No subscription found for the specified content type.");
    }
    if (bl->visible > now || hidden_by_stop(s, bl->visible)) {
        pthread_mutex_unlock(&e->mu);
        return api_error(e, con, 404, "AF20050", "The specified content (%s) doesn't exist.", cid);
    }
    if (bl->expires <= now) {
        bool lost = mark_lost(e, serial);
        const char *reason = loss_reason(e, bl);
        pthread_mutex_unlock(&e->mu);
        if (lost)
            write_blob_lines(e, e->losses, bl, reason);
        return api_error(e, con, 400, "AF20051",
                         "Content requested with the key %s has already expired. Content older "
                         "than 7 days cannot be retrieved.",
                         cid);
    }
    uint32_t attempt = e->bs[serial].attempts++;
    e->bs[serial].inflight++;
    pthread_mutex_unlock(&e->mu);
    struct bresp *br = calloc(1, sizeof(*br));
    if (!br)
        goto fail;
    br->plan = e->plan;
    br->bl = bl;
    br->cut = UINT64_MAX;
    r->truncate =
        e->o.truncate > 0 &&
        xa_emu_rand(e->plan->seed, 0x7472756e, ((uint64_t)serial << 24) ^ attempt) < e->o.truncate;
    if (r->truncate)
        br->cut = bl->bytes > 2 ? bl->bytes / 2 : 1;
    struct MHD_Response *rsp =
        MHD_create_response_from_callback(bl->bytes, 64 * 1024, blob_reader, br, free);
    if (!rsp) {
        free(br);
        goto fail;
    }
    r->blob = serial;
    char date[32];
    MHD_add_response_header(rsp, MHD_HTTP_HEADER_DATE, xa_emu_fmt_http_date(now, date));
    MHD_add_response_header(rsp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    enum MHD_Result ret = MHD_queue_response(con, 200, rsp);
    MHD_destroy_response(rsp);
    return ret;
fail:
    pthread_mutex_lock(&e->mu);
    e->bs[serial].inflight--;
    pthread_mutex_unlock(&e->mu);
    return MHD_NO;
}

/* ---------------------------------------------------------------------------------------- */
/* routing                                                                                   */

static enum MHD_Result not_found(struct xa_emu *e, struct MHD_Connection *con, const char *url)
{
    struct xa_buf b;
    xa_buf_init(&b, 0);
    char msg[700];
    snprintf(msg, sizeof(msg),
             "No HTTP resource was found that matches the request URI '%s%.500s'.", e->url, url);
    xa_buf_puts(&b, "{\"Message\":");
    xa_buf_json_str(&b, msg, (size_t)-1);
    xa_buf_putc(&b, '}');
    return reply_buf(e, con, 404, &b, false, NULL, 0);
}

static enum MHD_Result bad_method(struct xa_emu *e, struct MHD_Connection *con, const char *m)
{
    char body[160];
    int n = snprintf(
        body, sizeof(body),
        "{\"Message\":\"The requested resource does not support http method '%.20s'.\"}", m);
    return reply(e, con, 405, body, (size_t)n, false, NULL, 0);
}

static enum MHD_Result api(struct xa_emu *e, struct MHD_Connection *con, struct req *r, char **seg,
                           int nseg, const char *method, const char *url)
{
    const char *tenant = seg[2];
    pthread_mutex_lock(&e->mu);
    e->st.requests++;
    pthread_mutex_unlock(&e->mu);
    int tt = check_token(e, con);
    if (tt < 0)
        return denied(e, con);
    if (!is_guid(tenant))
        return api_error(e, con, 400, "AF20013",
                         "The tenant ID passed in the URL (%.64s) is not a valid GUID.", tenant);
    int t = tenant_index(e, tenant);
    if (t != tt)
        return api_error(e, con, 401, "AF20010",
                         "The tenant ID passed in the URL (%s) does not match the tenant ID passed "
                         "in the access token (%s).",
                         tenant, e->plan->tenants[tt]);
    bool is_blob = nseg == 7 && xa_str_ieq(seg[5], "audit");
    const char *meth = is_blob ? "GetBlob" : method;
    const char *pubarg = qarg(con, "PublisherIdentifier");
    const char *pub = pubarg && *pubarg ? pubarg : ZERO_GUID;
    /* the request budget of (tenant, publisher) */
    int64_t mono = xa_time_mono();
    int64_t retry = 0;
    uint64_t n = atomic_fetch_add(&e->reqno, 1);
    pthread_mutex_lock(&e->mu);
    struct budget *bu = NULL;
    for (size_t i = 0; i < e->nbud; i++)
        if (e->buds[i].tenant == t && strcmp(e->buds[i].pub, pub) == 0)
            bu = &e->buds[i];
    if (!bu && grow((void **)&e->buds, &e->capbud, e->nbud + 1, sizeof(*e->buds)) == XA_OK) {
        bu = &e->buds[e->nbud++];
        memset(bu, 0, sizeof(*bu));
        bu->tenant = t;
        snprintf(bu->pub, sizeof(bu->pub), "%s", pub);
        bu->win_start = mono;
    }
    if (bu) {
        if (mono - bu->win_start >= MIN_US) {
            bu->win_start = mono;
            bu->win_count = 0;
        }
        bu->win_count++;
        bu->total++;
        if (e->o.rate_limit && bu->win_count > e->o.rate_limit) {
            bu->throttled++;
            retry = (bu->win_start + MIN_US - mono + SEC_US - 1) / SEC_US;
            if (retry < 1)
                retry = 1;
        }
    }
    bool f429 =
        !retry && e->o.fault_429 > 0 && xa_emu_rand(e->plan->seed, 0x66343239, n) < e->o.fault_429;
    bool f5xx = !retry && !f429 && e->o.fault_5xx > 0 &&
                xa_emu_rand(e->plan->seed, 0x66357878, n) < e->o.fault_5xx;
    if (retry || f429)
        e->st.r429++;
    if (f5xx)
        e->st.r5xx++;
    pthread_mutex_unlock(&e->mu);
    if (retry || f429)
        return throttled(e, con, meth, pub, retry ? retry : 1);
    if (f5xx) {
        if (xa_emu_hash(e->plan->seed, 0x35303362, n) & 1)
            return api_error(e, con, 503, "AF50005",
                             "The service is temporarily unavailable. Retry the request.");
        return api_error(e, con, 500, "AF50000", "An internal error occurred. Retry the request.");
    }
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    if (nseg == 7 && xa_str_ieq(seg[5], "subscriptions")) {
        const char *op = seg[6];
        if (xa_str_ieq(op, "start"))
            return post ? op_start(e, con, r, t, pub) : bad_method(e, con, method);
        if (xa_str_ieq(op, "stop"))
            return post ? op_stop(e, con, t) : bad_method(e, con, method);
        if (xa_str_ieq(op, "list"))
            return get ? op_list(e, con, t) : bad_method(e, con, method);
        if (xa_str_ieq(op, "content"))
            return get ? op_content(e, con, t, false) : bad_method(e, con, method);
        if (xa_str_ieq(op, "notifications"))
            return get ? op_content(e, con, t, true) : bad_method(e, con, method);
    }
    if (is_blob)
        return get ? op_blob(e, con, r, t, seg[6]) : bad_method(e, con, method);
    if (nseg == 7 && xa_str_ieq(seg[5], "resources") && xa_str_ieq(seg[6], "dlpSensitiveTypes"))
        return get ? reply(e, con, 200, "[]", 2, false, NULL, 0) : bad_method(e, con, method);
    return not_found(e, con, url);
}

static enum MHD_Result route(struct xa_emu *e, struct MHD_Connection *con, struct req *r,
                             const char *url, const char *method)
{
    char path[2048];
    if (strlen(url) >= sizeof(path))
        return not_found(e, con, url);
    snprintf(path, sizeof(path), "%s", url);
    char *seg[12];
    int nseg = 0;
    for (char *p = path; *p && nseg < 12;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        seg[nseg++] = p;
        char *sl = strchr(p, '/');
        if (!sl)
            break;
        *sl = 0;
        p = sl + 1;
    }
    if (nseg == 3 && xa_str_ieq(seg[1], "oauth2") && xa_str_ieq(seg[2], "token"))
        return token_endpoint(e, con, r, seg[0], false, method, url);
    if (nseg == 4 && xa_str_ieq(seg[1], "oauth2") && xa_str_ieq(seg[2], "v2.0") &&
        xa_str_ieq(seg[3], "token"))
        return token_endpoint(e, con, r, seg[0], true, method, url);
    if (nseg >= 6 && xa_str_ieq(seg[0], "api") && xa_str_ieq(seg[1], "v1.0") &&
        xa_str_ieq(seg[3], "activity") && xa_str_ieq(seg[4], "feed"))
        return api(e, con, r, seg, nseg, method, url);
    return not_found(e, con, url);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *con, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    (void)version;
    struct xa_emu *e = cls;
    struct req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof(*r));
        if (!r)
            return MHD_NO;
        xa_buf_init(&r->body, MAX_BODY);
        r->blob = -1;
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->too_big && xa_buf_append(&r->body, upload, *upload_size) != XA_OK)
            r->too_big = true;
        *upload_size = 0;
        return MHD_YES;
    }
    if (e->o.latency_ms)
        usleep((useconds_t)e->o.latency_ms * 1000);
    return route(e, con, r, url, method);
}

static void completed(void *cls, struct MHD_Connection *con, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)con;
    struct xa_emu *e = cls;
    struct req *r = *con_cls;
    if (!r)
        return;
    if (r->blob >= 0) {
        const struct xa_emu_blob *bl = &e->plan->blobs[r->blob];
        bool ok = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK && !r->truncate;
        pthread_mutex_lock(&e->mu);
        struct bstate *s = &e->bs[r->blob];
        s->inflight--;
        if (ok) {
            s->served = 1;
            e->st.blobs_served++;
            e->st.records_served += bl->nrec;
        } else if (r->truncate) {
            e->st.truncated++;
        }
        pthread_mutex_unlock(&e->mu);
        if (ok)
            write_blob_lines(e, e->manifest, bl, NULL);
    }
    xa_buf_release(&r->body);
    free(r);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    if (xa_log_get_level() < XA_LOG_DEBUG)
        return;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = 0;
    xa_log_debug("emulate: microhttpd: %s", msg);
}

/* ---------------------------------------------------------------------------------------- */
/* webhook notifications                                                                     */

static void notify_one(struct xa_emu *e, int t, int ct)
{
    int64_t now = xa_emu_sim_now(e);
    uint32_t batch[100];
    size_t n = 0;
    char *addr = NULL, *auth = NULL;
    pthread_mutex_lock(&e->mu);
    struct sub *s = &e->subs[t][ct];
    if (!s->exists || !s->enabled || s->hook != HOOK_ENABLED || xa_time_mono() < s->hook_next) {
        pthread_mutex_unlock(&e->mu);
        return;
    }
    if (s->hook_exp != XA_TIME_NONE && now >= s->hook_exp) {
        s->hook = HOOK_EXPIRED;
        pthread_mutex_unlock(&e->mu);
        return;
    }
    const struct xa_emu_stream *sm = &e->plan->streams[(size_t)t * XA_EMU_CT_COUNT + (size_t)ct];
    for (size_t i = 0; i < sm->n && n < 100; i++) {
        const struct xa_emu_blob *bl = &e->plan->blobs[sm->blobs[i]];
        if (!e->bs[bl->serial].notified && bl->visible <= now && bl->visible >= s->hook_since &&
            !hidden_by_stop(s, bl->visible))
            batch[n++] = bl->serial;
    }
    if (n) {
        addr = strdup(s->hook_addr);
        auth = s->hook_auth ? strdup(s->hook_auth) : NULL;
    }
    pthread_mutex_unlock(&e->mu);
    if (!n || !addr) {
        free(addr);
        free(auth);
        return;
    }
    struct xa_buf b;
    xa_buf_init(&b, 0);
    xa_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        const struct xa_emu_blob *bl = &e->plan->blobs[batch[i]];
        xa_buf_printf(&b, "%s{\"tenantId\":\"%s\",\"clientId\":", i ? "," : "",
                      e->plan->tenants[t]);
        xa_buf_json_str(&b, e->o.client_id, (size_t)-1);
        xa_buf_putc(&b, ',');
        blob_entry(e, &b, bl);
        xa_buf_putc(&b, '}');
    }
    xa_buf_putc(&b, ']');
    char h[300];
    snprintf(h, sizeof(h), "Webhook-AuthID: %.250s", auth ? auth : "");
    const char *hs[] = {h};
    struct xa_diag d;
    xa_diag_clear(&d);
    int st = xa_emu_hook_post(addr, hs, auth ? 1 : 0, b.data, b.len, 5000, &d);
    xa_buf_release(&b);
    pthread_mutex_lock(&e->mu);
    now = xa_emu_sim_now(e);
    for (size_t i = 0; i < n; i++) {
        if (grow((void **)&e->notifs, &e->capnotif, e->nnotif + 1, sizeof(*e->notifs)) == XA_OK)
            e->notifs[e->nnotif++] = (struct notif){batch[i], now, st == 200};
        if (st == 200)
            e->bs[batch[i]].notified = 1;
    }
    if (st == 200) {
        s->hook_fails = 0;
        e->st.notifications++;
    } else if (s->hook == HOOK_ENABLED && streq_null(s->hook_addr, addr)) {
        s->hook_fails++;
        int64_t back = (int64_t)1 << (s->hook_fails < 5 ? s->hook_fails : 5);
        s->hook_next = xa_time_mono() + back * SEC_US;
        if (s->hook_fails >= 6)
            s->hook = HOOK_DISABLED;
    }
    pthread_mutex_unlock(&e->mu);
    if (st != 200)
        xa_log_info("emulate: webhook %s: notification failed (%d %s)", addr, st, d.msg);
    free(addr);
    free(auth);
}

static void *hook_main(void *arg)
{
    struct xa_emu *e = arg;
    pthread_mutex_lock(&e->hook_mu);
    while (!e->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&e->hook_cv, &e->hook_mu, &ts);
        if (e->stopping)
            break;
        pthread_mutex_unlock(&e->hook_mu);
        for (size_t t = 0; t < e->plan->ntenants; t++)
            for (int ct = 0; ct < XA_EMU_CT_COUNT; ct++)
                notify_one(e, (int)t, ct);
        pthread_mutex_lock(&e->hook_mu);
    }
    pthread_mutex_unlock(&e->hook_mu);
    return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* lifecycle                                                                                 */

void xa_emu_opts_init(struct xa_emu_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->client_id = "3b7e9a10-0000-4000-8000-0000000000bb";
    o->token_ttl = 3599;
    o->page_size = 200;
    o->rate_limit = 2000;
    o->sim_start = XA_TIME_NONE;
    o->speed = 600;
    xa_emu_plan_opts_init(&o->plan);
}

const char *xa_emu_url(const struct xa_emu *e)
{
    return e->url;
}

const char *xa_emu_tenant(const struct xa_emu *e, size_t i)
{
    return i < e->plan->ntenants ? e->plan->tenants[i] : NULL;
}

size_t xa_emu_tenant_count(const struct xa_emu *e)
{
    return e->plan->ntenants;
}

static const struct xa_emu_plan *sort_plan;
static int cmp_exp(const void *a, const void *b)
{
    int64_t x = sort_plan->blobs[*(const uint32_t *)a].expires;
    int64_t y = sort_plan->blobs[*(const uint32_t *)b].expires;
    return x < y ? -1 : x > y;
}

static void emu_free(struct xa_emu *e)
{
    for (int t = 0; t < XA_EMU_MAX_TENANTS; t++)
        for (int c = 0; c < XA_EMU_CT_COUNT; c++) {
            free(e->subs[t][c].stops);
            free(e->subs[t][c].hook_addr);
            free(e->subs[t][c].hook_auth);
        }
    if (e->manifest)
        fclose(e->manifest);
    if (e->losses)
        fclose(e->losses);
    xa_emu_plan_free(e->plan);
    xa_emu_cert_free(e->cert);
    free(e->toks);
    free(e->buds);
    free(e->notifs);
    free(e->bs);
    free(e->by_exp);
    pthread_mutex_destroy(&e->mu);
    pthread_mutex_destroy(&e->fmu);
    pthread_mutex_destroy(&e->hook_mu);
    pthread_cond_destroy(&e->hook_cv);
    OPENSSL_cleanse(e->secret_hash, sizeof(e->secret_hash));
    free(e);
}

xa_rc xa_emu_start(const struct xa_emu_opts *o, struct xa_emu **out, struct xa_diag *diag)
{
    struct xa_emu *e = calloc(1, sizeof(*e));
    if (!e)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    e->o = *o;
    pthread_mutex_init(&e->mu, NULL);
    pthread_mutex_init(&e->fmu, NULL);
    pthread_mutex_init(&e->hook_mu, NULL);
    pthread_cond_init(&e->hook_cv, NULL);
    for (int t = 0; t < XA_EMU_MAX_TENANTS; t++)
        for (int c = 0; c < XA_EMU_CT_COUNT; c++)
            e->subs[t][c].last_start = XA_TIME_NONE;
    xa_rc rc = XA_OK;
    if (o->speed <= 0 || o->page_size < 1 || o->token_ttl < 1) {
        rc =
            xa_diag_set(diag, XA_ERR_USAGE, "emulator: speed, page size and token TTL must be > 0");
        goto fail;
    }
    if (o->client_secret) {
        sha256(o->client_secret, strlen(o->client_secret), e->secret_hash);
        e->has_secret = true;
    }
    e->o.client_secret = NULL; /* never kept in clear */
    if (o->cert_file && (rc = xa_emu_cert_load(o->cert_file, &e->cert, diag)))
        goto fail;
    if (!e->has_secret && !e->cert) {
        rc = xa_diag_set(diag, XA_ERR_USAGE,
                         "emulator: give --client-secret-file and/or --cert-file (no credential "
                         "could ever get a token)");
        goto fail;
    }
    /* tenants: as given, else one derived from the seed */
    struct xa_emu_plan_opts po = o->plan;
    const char *tl[XA_EMU_MAX_TENANTS];
    size_t nt = o->ntenants;
    for (size_t i = 0; i < nt; i++) {
        if (!is_guid(o->tenants[i])) {
            rc = xa_diag_set(diag, XA_ERR_USAGE, "emulator: tenant '%s' is not a GUID",
                             o->tenants[i]);
            goto fail;
        }
        tl[i] = o->tenants[i];
    }
    if (nt == 0) {
        uint64_t a = xa_emu_hash(po.seed, 0x746e74, 0), b = xa_emu_hash(po.seed, 0x746e74, 1);
        snprintf(e->tenant_buf, sizeof(e->tenant_buf), "%08x-%04x-4%03x-8%03x-%012llx",
                 (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
                 (unsigned)(b >> 52) & 0xfff, (unsigned long long)(b & 0xffffffffffffULL));
        tl[0] = e->tenant_buf;
        nt = 1;
    }
    po.tenants = tl;
    po.ntenants = nt;
    int64_t start = o->sim_start == XA_TIME_NONE ? xa_time_now() - 7 * XA_EMU_DAY_US : o->sim_start;
    e->origin = start + o->clock_offset;
    po.origin = e->origin;
    int64_t t0 = xa_time_mono();
    if ((rc = xa_emu_plan_build(&po, &e->plan, diag)))
        goto fail;
    xa_log_info("emulate: %zu records in %zu blobs for %zu tenant(s), planned in %.2f s",
                e->plan->nrecs, e->plan->nblobs, e->plan->ntenants,
                (double)(xa_time_mono() - t0) / 1e6);
    e->bs = calloc(e->plan->nblobs + 1, sizeof(*e->bs));
    e->by_exp = malloc((e->plan->nblobs + 1) * sizeof(uint32_t));
    if (!e->bs || !e->by_exp) {
        rc = xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < e->plan->nblobs; i++)
        e->by_exp[i] = (uint32_t)i;
    sort_plan = e->plan;
    qsort(e->by_exp, e->plan->nblobs, sizeof(uint32_t), cmp_exp);
    if (o->manifest && !(e->manifest = fopen(o->manifest, "a"))) {
        rc = xa_diag_set(diag, XA_ERR_IO, "%s: cannot open: %s", o->manifest, strerror(errno));
        goto fail;
    }
    if (o->losses && !(e->losses = fopen(o->losses, "a"))) {
        rc = xa_diag_set(diag, XA_ERR_IO, "%s: cannot open: %s", o->losses, strerror(errno));
        goto fail;
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)o->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    e->d =
        MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                             MHD_USE_POLL | MHD_USE_ERROR_LOG,
                         0, NULL, NULL, handler, e, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                         MHD_OPTION_NOTIFY_COMPLETED, completed, e, MHD_OPTION_CONNECTION_TIMEOUT,
                         (unsigned)120, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
    if (!e->d) {
        rc = xa_diag_set(diag, XA_ERR_NET, "emulator: cannot listen on 127.0.0.1:%u", o->port);
        goto fail;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(e->d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = di ? di->port : o->port;
    snprintf(e->url, sizeof(e->url), "http://127.0.0.1:%u", port);
    e->mono0 = xa_time_mono();
    if (pthread_create(&e->hook_thread, NULL, hook_main, e) == 0)
        e->hook_running = true;
    *out = e;
    return XA_OK;
fail:
    if (e->d)
        MHD_stop_daemon(e->d);
    emu_free(e);
    return rc;
}

void xa_emu_tick(struct xa_emu *e)
{
    int64_t now = xa_emu_sim_now(e);
    for (;;) {
        uint32_t lost[64];
        const char *why[64];
        size_t n = 0;
        bool more = false;
        pthread_mutex_lock(&e->mu);
        while (e->exp_cursor < e->plan->nblobs) {
            uint32_t s = e->by_exp[e->exp_cursor];
            const struct xa_emu_blob *bl = &e->plan->blobs[s];
            if (bl->expires > now || e->bs[s].inflight)
                break;
            if (n == 64) {
                more = true;
                break;
            }
            e->exp_cursor++;
            if (mark_lost(e, s)) {
                why[n] = loss_reason(e, bl);
                lost[n++] = s;
            }
        }
        pthread_mutex_unlock(&e->mu);
        for (size_t i = 0; i < n; i++)
            write_blob_lines(e, e->losses, &e->plan->blobs[lost[i]], why[i]);
        if (!more)
            break;
    }
}

void xa_emu_stop(struct xa_emu *e, struct xa_emu_stats *stats)
{
    MHD_stop_daemon(e->d);
    e->d = NULL;
    if (e->hook_running) {
        pthread_mutex_lock(&e->hook_mu);
        e->stopping = true;
        pthread_cond_signal(&e->hook_cv);
        pthread_mutex_unlock(&e->hook_mu);
        pthread_join(e->hook_thread, NULL);
    }
    xa_emu_tick(e);
    for (size_t i = 0; i < e->nbud; i++)
        xa_log_info("emulate: tenant %s publisher %s: %llu requests, %llu throttled",
                    e->plan->tenants[e->buds[i].tenant], e->buds[i].pub,
                    (unsigned long long)e->buds[i].total, (unsigned long long)e->buds[i].throttled);
    if (stats)
        *stats = e->st;
    emu_free(e);
}
