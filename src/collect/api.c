/* api.c - Management Activity API contract (see api.h). */
#include "collect/api.h"

#include "core/http.h"
#include "core/str.h"
#include "core/xtime.h"
#include "parse/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name, *login, *api;
} clouds[] = {
    [XA_CLOUD_COMMERCIAL] = {"commercial", "https://login.microsoftonline.com", "https://manage.office.com"},
    [XA_CLOUD_GCC] = {"gcc", "https://login.microsoftonline.com", "https://manage-gcc.office.com"},
    [XA_CLOUD_GCC_HIGH] = {"gcc-high", "https://login.microsoftonline.us", "https://manage.office365.us"},
    [XA_CLOUD_DOD] = {"dod", "https://login.microsoftonline.us", "https://manage.protection.apps.mil"},
};

int xa_api_cloud_parse(const char *s)
{
    if (!s || xa_str_ieq(s, "commercial") || xa_str_ieq(s, "enterprise"))
        return XA_CLOUD_COMMERCIAL;
    if (xa_str_ieq(s, "gcc"))
        return XA_CLOUD_GCC;
    if (xa_str_ieq(s, "gcc-high") || xa_str_ieq(s, "gcchigh") || xa_str_ieq(s, "gcc_high"))
        return XA_CLOUD_GCC_HIGH;
    if (xa_str_ieq(s, "dod"))
        return XA_CLOUD_DOD;
    return -1;
}

const char *xa_api_cloud_name(enum xa_cloud c) { return clouds[c].name; }
const char *xa_api_cloud_login(enum xa_cloud c) { return clouds[c].login; }
const char *xa_api_cloud_api(enum xa_cloud c) { return clouds[c].api; }

const char *const xa_api_content_types[XA_API_N_CONTENT_TYPES] = {
    "Audit.AzureActiveDirectory", "Audit.Exchange", "Audit.SharePoint", "Audit.General", "DLP.All"};

const char *xa_api_content_type(const char *s)
{
    for (int i = 0; i < XA_API_N_CONTENT_TYPES; i++)
        if (xa_str_ieq(s, xa_api_content_types[i]))
            return xa_api_content_types[i];
    return NULL;
}

char *xa_api_fmt_time(int64_t us, char out[32])
{
    char tmp[32];
    int64_t s = us >= 0 ? us / 1000000 * 1000000 : (us - 999999) / 1000000 * 1000000;
    xa_time_format(s, tmp); /* "YYYY-MM-DDTHH:MM:SSZ" */
    size_t n = strlen(tmp);
    if (n && tmp[n - 1] == 'Z')
        tmp[n - 1] = '\0';
    snprintf(out, 32, "%s", tmp);
    return out;
}

static void copy(char *dst, size_t cap, const char *s)
{
    snprintf(dst, cap, "%s", s ? s : "");
}

void xa_api_error_parse(long http, const char *body, size_t len, struct xa_api_err *e)
{
    memset(e, 0, sizeof(*e));
    e->http = http;
    if (!body || !len)
        return;
    struct xa_json *root = NULL;
    if (xa_json_parse(body, len, &root, NULL) != XA_OK) {
        /* not JSON: keep a printable prefix (service text, never our request) */
        size_t n = len < sizeof(e->message) - 1 ? len : sizeof(e->message) - 1;
        for (size_t i = 0; i < n; i++)
            e->message[i] = (body[i] >= 32 && body[i] < 127) ? body[i] : ' ';
        e->message[n] = '\0';
        return;
    }
    const struct xa_json *err = xa_json_get(root, "error");
    if (xa_json_type(err) == XA_JSON_OBJECT) {
        copy(e->code, sizeof(e->code), xa_json_str(xa_json_get(err, "code")));
        copy(e->message, sizeof(e->message), xa_json_str(xa_json_get(err, "message")));
    } else if (xa_json_type(err) == XA_JSON_STRING) {
        copy(e->code, sizeof(e->code), xa_json_str(err));
        copy(e->message, sizeof(e->message),
             xa_json_str(xa_json_get(root, "error_description")));
    }
    xa_json_free(root);
}

static int code_is(const struct xa_api_err *e, const char *c) { return xa_str_ieq(e->code, c); }

enum xa_api_action xa_api_classify(const struct xa_api_err *e)
{
    if (code_is(e, "AF429") || e->http == 429)
        return XA_ACT_THROTTLED;
    if (code_is(e, "AF20024"))
        return XA_ACT_ALREADY;
    if (code_is(e, "AF20022") || code_is(e, "AF20023"))
        return XA_ACT_SUBSCRIBE;
    if (code_is(e, "AF20051"))
        return XA_ACT_EXPIRED;
    if (code_is(e, "AF20050") || code_is(e, "AF20052"))
        return XA_ACT_MISSING;
    if (code_is(e, "AF20030") || code_is(e, "AF20055"))
        return XA_ACT_WINDOW;
    if (code_is(e, "AF20031"))
        return XA_ACT_BADPAGE;
    if (xa_str_istarts(e->code, "AF5"))
        return XA_ACT_RETRY;
    if (e->http == 401 && !e->code[0])
        return XA_ACT_REAUTH;
    if (e->http == 401 && (code_is(e, "invalid_token") || xa_str_istarts(e->code, "AF")) &&
        !code_is(e, "AF10001") && !code_is(e, "AF20010"))
        return XA_ACT_REAUTH;
    if (e->http == 0 || e->http == 408 || e->http >= 500)
        return XA_ACT_RETRY;
    if (e->http == 404)
        return XA_ACT_MISSING;
    return XA_ACT_FATAL;
}

const char *xa_api_action_name(enum xa_api_action a)
{
    static const char *n[] = {"retry",   "throttled", "reauth", "subscribe", "already",
                              "expired", "missing",   "window", "badpage",   "fatal"};
    return (unsigned)a < sizeof(n) / sizeof(n[0]) ? n[a] : "?";
}

const char *xa_api_advice(const struct xa_api_err *e)
{
    if (xa_str_icontains(e->message, "does not exist") && xa_str_icontains(e->message, "Tenant"))
        return "unified audit logging looks off in this tenant: run "
               "'Set-AdminAuditLogConfig -UnifiedAuditLogIngestionEnabled $true' in Exchange "
               "Online PowerShell (check with Get-AdminAuditLogConfig); it takes up to 60 minutes";
    if (code_is(e, "AF10001"))
        return "the app lacks the ActivityFeed.Read application permission on 'Office 365 "
               "Management APIs': add it in Entra ID > App registrations > API permissions and "
               "grant admin consent";
    if (code_is(e, "AF20010"))
        return "the token was issued for another tenant than the one in the URL: check "
               "collect.tenants.*.id (the tenant GUID) and that the app is consented there";
    if (code_is(e, "AF20011"))
        return "the tenant does not exist or was deleted: check collect.tenants.*.id; if it is "
               "right, unified audit logging may be off ('Set-AdminAuditLogConfig "
               "-UnifiedAuditLogIngestionEnabled $true')";
    if (code_is(e, "AF20012"))
        return "the tenant is not configured for the Management Activity API yet: turn on "
               "unified audit logging ('Set-AdminAuditLogConfig -UnifiedAuditLogIngestionEnabled "
               "$true') and wait up to 60 minutes";
    if (code_is(e, "AF20013"))
        return "collect.tenants.*.id must be the tenant GUID, not a domain name";
    if (code_is(e, "AF20020"))
        return "an unknown content type is configured: use Audit.AzureActiveDirectory, "
               "Audit.Exchange, Audit.SharePoint, Audit.General or DLP.All";
    if (code_is(e, "AF20021"))
        return "the webhook address could not be validated: it must be HTTPS, reachable from "
               "Microsoft and answer the validation POST with HTTP 200";
    if (code_is(e, "AF20003"))
        return "collect.webhook.expiration is in the past";
    if (code_is(e, "AF20023"))
        return "the subscription was disabled by an administrator; exoaudit restarts it (15-minute "
               "cool-down between start requests)";
    if (code_is(e, "AF429"))
        return "throttled: make sure collect.publisher_id is your organisation's tenant GUID and "
               "lower collect.requests_per_minute";
    if (code_is(e, "AF20051"))
        return "content expired before it could be fetched (older than 7 days): the records are "
               "only reachable through audit search (Search-UnifiedAuditLog or a Purview export, "
               "then 'exoaudit import')";
    if (xa_str_icontains(e->message, "AADSTS7000215") || code_is(e, "invalid_client")) {
        if (xa_str_icontains(e->message, "assertion") || xa_str_icontains(e->message, "certificate") ||
            xa_str_icontains(e->message, "signature") || xa_str_icontains(e->message, "AADSTS700027"))
            return "the token service refused the certificate assertion: upload this certificate "
                   "to the app registration (Certificates & secrets) or point private_key_file at "
                   "the key of the registered certificate";
        return "the token service refused the client credentials: check client_id and the client "
               "secret (it may have expired; create a new one under Certificates & secrets)";
    }
    if (xa_str_icontains(e->message, "AADSTS700016") || code_is(e, "unauthorized_client"))
        return "the application (client id) is not found in this tenant: check client_id and "
               "that an administrator consented to the app in this tenant";
    if (xa_str_icontains(e->message, "AADSTS90002") || code_is(e, "invalid_request"))
        return "the token request was refused: check the tenant id and the cloud (login host)";
    if (e->http == 401 || e->http == 403)
        return "access denied: check the app's ActivityFeed.Read permission and admin consent";
    return NULL;
}

int64_t xa_api_retry_after(const char *v, int64_t server_now)
{
    if (!v || !*v)
        return -1;
    const char *p = v;
    while (*p == ' ')
        p++;
    if (*p >= '0' && *p <= '9') {
        char *end;
        double s = strtod(p, &end);
        while (*end == ' ')
            end++;
        if (*end || s < 0 || s > 86400)
            return -1;
        return (int64_t)(s * 1e6);
    }
    int64_t t = xa_http_parse_date(p);
    if (t == XA_TIME_NONE)
        return -1;
    if (server_now == XA_TIME_NONE)
        server_now = xa_time_now();
    int64_t d = t - server_now;
    return d < 0 ? 0 : d;
}

xa_rc xa_api_parse_listing(const char *body, size_t len, xa_blob_ref_cb cb, void *ud,
                           size_t *bad, struct xa_diag *diag)
{
    struct xa_json *root = NULL;
    if (bad)
        *bad = 0;
    xa_rc rc = xa_json_parse(body, len, &root, diag);
    if (rc)
        return rc;
    if (xa_json_type(root) != XA_JSON_ARRAY) {
        xa_json_free(root);
        return xa_diag_set(diag, XA_ERR_PARSE, "content listing is not a JSON array");
    }
    for (const struct xa_json *it = xa_json_child(root); it && !rc; it = xa_json_next(it)) {
        struct xa_blob_ref b;
        memset(&b, 0, sizeof(b));
        b.content_type = xa_json_str(xa_json_get(it, "contentType"));
        b.content_id = xa_json_str(xa_json_get(it, "contentId"));
        b.content_uri = xa_json_str(xa_json_get(it, "contentUri"));
        const char *cr = xa_json_str(xa_json_get(it, "contentCreated"));
        const char *ex = xa_json_str(xa_json_get(it, "contentExpiration"));
        b.created = b.expiration = XA_TIME_NONE;
        if (!b.content_id || !*b.content_id || !b.content_uri || !*b.content_uri || !cr ||
            xa_time_parse(cr, (size_t)-1, &b.created) != XA_OK) {
            if (bad)
                (*bad)++;
            continue;
        }
        if (!ex || xa_time_parse(ex, (size_t)-1, &b.expiration) != XA_OK)
            b.expiration = b.created + 7 * 86400LL * 1000000;
        rc = cb(ud, &b);
    }
    xa_json_free(root);
    return rc;
}
