/* api.h - the Office 365 Management Activity API contract: cloud endpoints, URLs,
 * listing pages, error bodies and what each error means for the collector and for the
 * operator. Pure functions (no I/O); thread-safe. */
#ifndef XA_COLLECT_API_H
#define XA_COLLECT_API_H

#include "core/rc.h"

#include <stddef.h>
#include <stdint.h>

enum xa_cloud { XA_CLOUD_COMMERCIAL = 0, XA_CLOUD_GCC, XA_CLOUD_GCC_HIGH, XA_CLOUD_DOD };

/* "commercial"/"enterprise", "gcc", "gcc-high"/"gcchigh", "dod"; -1 when unknown. */
int xa_api_cloud_parse(const char *s);
const char *xa_api_cloud_name(enum xa_cloud c);
/* Base URLs without a trailing slash, e.g. "https://login.microsoftonline.us". */
const char *xa_api_cloud_login(enum xa_cloud c);
const char *xa_api_cloud_api(enum xa_cloud c);

#define XA_API_N_CONTENT_TYPES 5
extern const char *const xa_api_content_types[XA_API_N_CONTENT_TYPES];
/* The canonical spelling of a content type (case-insensitive match), NULL if unknown. */
const char *xa_api_content_type(const char *s);

/* Time as the API wants it in startTime/endTime: "YYYY-MM-DDTHH:MM:SS" (UTC). */
char *xa_api_fmt_time(int64_t us, char out[32]);

/* An error answer. */
struct xa_api_err {
    long http;          /* HTTP status (0: transport failure) */
    char code[48];      /* "AF20022", OAuth "invalid_client", "" */
    char message[400];  /* service text (never contains our secrets) */
};

/* Fill e from an error body: {"error":{"code":..,"message":..}} (Management API) or
 * {"error":"..","error_description":".."} (OAuth). Unknown bodies leave code empty. */
void xa_api_error_parse(long http, const char *body, size_t len, struct xa_api_err *e);

enum xa_api_action {
    XA_ACT_RETRY = 0,  /* transient: retry with back-off (5xx, AF50000, 408, transport) */
    XA_ACT_THROTTLED,  /* 429 / AF429: slow down, honour Retry-After */
    XA_ACT_REAUTH,     /* 401: refresh the token once and retry */
    XA_ACT_SUBSCRIBE,  /* AF20022 / AF20023: start the subscription, then retry */
    XA_ACT_ALREADY,    /* AF20024: subscription already enabled (success) */
    XA_ACT_EXPIRED,    /* AF20051: content expired: a gap */
    XA_ACT_MISSING,    /* AF20050 / AF20052 / 404 on a blob: content does not exist */
    XA_ACT_WINDOW,     /* AF20030 / AF20055: window rejected: re-clamp (clock skew?) */
    XA_ACT_BADPAGE,    /* AF20031: restart the window's listing */
    XA_ACT_FATAL       /* configuration / permission: operator action needed */
};

enum xa_api_action xa_api_classify(const struct xa_api_err *e);
const char *xa_api_action_name(enum xa_api_action a);

/* What the operator should do about e, one sentence (static text), or NULL when the
 * error needs no action (transient). */
const char *xa_api_advice(const struct xa_api_err *e);

/* Delay asked by a Retry-After value (delta seconds or an HTTP-date compared with
 * server_now, the server's Date), in microseconds; -1 when absent or unparsable. */
int64_t xa_api_retry_after(const char *value, int64_t server_now);

/* One entry of a content listing. Strings valid during the callback. */
struct xa_blob_ref {
    const char *content_type;
    const char *content_id;
    const char *content_uri;
    int64_t created;     /* contentCreated (us) */
    int64_t expiration;  /* contentExpiration (us); created + 7 d when absent */
};
typedef xa_rc (*xa_blob_ref_cb)(void *ud, const struct xa_blob_ref *b);

/* Parse a listing page (JSON array); calls cb for each well-formed entry. Entries without
 * contentId or contentUri are skipped and counted in *bad (may be NULL). */
xa_rc xa_api_parse_listing(const char *body, size_t len, xa_blob_ref_cb cb, void *ud,
                           size_t *bad, struct xa_diag *diag);

#endif
