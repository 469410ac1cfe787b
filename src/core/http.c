/* http.c - libcurl behind xa_http (see http.h). The only file that includes curl. */
#include "core/http.h"

#include "core/str.h"
#include "core/xtime.h"

#include <curl/curl.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct xfer {
    CURL *easy;
    struct curl_slist *hdrs;
    struct xa_http_req *req;
    char *auth; /* "Authorization: Bearer ..." (wiped on free) */
    char errbuf[CURL_ERROR_SIZE];
    int aborted;
    struct xfer *prev, *next; /* running transfers of a struct xa_http */
};

struct xa_http {
    CURLM *multi;
    size_t running;
    struct xfer *head;
};

static void unlink_xfer(struct xa_http *h, struct xfer *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        h->head = x->next;
    if (x->next)
        x->next->prev = x->prev;
    x->prev = x->next = NULL;
}

xa_rc xa_http_global_init(struct xa_diag *diag)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return xa_diag_set(diag, XA_ERR_NET, "libcurl initialisation failed");
    return XA_OK;
}

static void set_hdr(char *dst, size_t cap, const char *v, size_t n)
{
    while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    while (n && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    struct xa_http_resp *r = &x->req->resp;
    if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) { /* a new response (redirect, 100) */
        r->retry_after[0] = r->next_page[0] = r->content_type[0] = '\0';
        const char *sp = memchr(p, ' ', n); /* the status, known before the body arrives */
        r->status = sp && (size_t)(sp - p) + 4 <= n ? strtol(sp + 1, NULL, 10) : 0;
        r->received_mono = xa_time_mono();
        return n;
    }
    const char *colon = memchr(p, ':', n);
    if (!colon)
        return n;
    size_t kl = (size_t)(colon - p);
    const char *v = colon + 1;
    size_t vl = n - kl - 1;
    if (xa_str_ieqn(p, kl, "date")) {
        char tmp[128];
        set_hdr(tmp, sizeof(tmp), v, vl);
        r->date = xa_http_parse_date(tmp);
    } else if (xa_str_ieqn(p, kl, "retry-after")) {
        set_hdr(r->retry_after, sizeof(r->retry_after), v, vl);
    } else if (xa_str_ieqn(p, kl, "nextpageuri") || xa_str_ieqn(p, kl, "nextpageurl")) {
        set_hdr(r->next_page, sizeof(r->next_page), v, vl);
    } else if (xa_str_ieqn(p, kl, "content-type")) {
        set_hdr(r->content_type, sizeof(r->content_type), v, vl);
    }
    return n;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    x->req->resp.body_bytes += n;
    if (x->req->sink && x->req->sink(x->req->sink_ud, p, n) != 0) {
        x->aborted = 1;
        return 0; /* curl reports CURLE_WRITE_ERROR */
    }
    return n;
}

static void xfer_free(struct xfer *x)
{
    if (!x)
        return;
    if (x->easy)
        curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->hdrs);
    if (x->auth) {
        volatile char *p = x->auth;
        while (*p)
            *p++ = 0;
        free(x->auth);
    }
    free(x);
}

static xa_rc xfer_new(struct xa_http_req *req, struct xfer **out, struct xa_diag *diag)
{
    struct xfer *x = calloc(1, sizeof(*x));
    if (!x || !(x->easy = curl_easy_init())) {
        free(x);
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory (curl handle)");
    }
    memset(&req->resp, 0, sizeof(req->resp));
    req->resp.date = XA_TIME_NONE;
    x->req = req;
    CURL *e = x->easy;
    curl_easy_setopt(e, CURLOPT_URL, req->url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 120000L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 15000L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); /* gzip/deflate/br decoded by curl */
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "exoaudit/" XA_VERSION);
    x->hdrs = curl_slist_append(NULL, "Accept: application/json");
    if (req->bearer) {
        size_t n = strlen(req->bearer) + 32;
        x->auth = malloc(n);
        if (!x->auth) {
            xfer_free(x);
            return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
        }
        snprintf(x->auth, n, "Authorization: Bearer %s", req->bearer);
        x->hdrs = curl_slist_append(x->hdrs, x->auth);
    }
    for (size_t i = 0; i < req->n_headers && x->hdrs; i++)
        x->hdrs = curl_slist_append(x->hdrs, req->headers[i]);
    if (req->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, req->ca_file);
    if (req->method && strcmp(req->method, "POST") == 0) {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)req->body_len);
        if (req->body_borrowed && req->body)
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body);
        else
            curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req->body ? req->body : "");
        char ct[160];
        snprintf(ct, sizeof(ct), "Content-Type: %s",
                 req->content_type ? req->content_type : "application/json");
        x->hdrs = curl_slist_append(x->hdrs, ct);
    }
    if (!x->hdrs) {
        xfer_free(x);
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    *out = x;
    return XA_OK;
}

static void finish(struct xfer *x, CURLcode cc)
{
    struct xa_http_resp *r = &x->req->resp;
    long st = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &st);
    r->status = st;
    if (cc == CURLE_OK) {
        r->rc = XA_OK;
        return;
    }
    r->rc = x->aborted ? XA_ERR_LIMIT : XA_ERR_NET;
    /* the error buffer may hold the URL for some errors: keep the generic text only */
    snprintf(r->error, sizeof(r->error), "%s", curl_easy_strerror(cc));
}

xa_rc xa_http_perform(struct xa_http_req *req, struct xa_diag *diag)
{
    struct xfer *x = NULL;
    xa_rc rc = xfer_new(req, &x, diag);
    if (rc)
        return rc;
    CURLcode cc = curl_easy_perform(x->easy);
    finish(x, cc);
    xfer_free(x);
    return XA_OK;
}

xa_rc xa_http_new(struct xa_http **out, struct xa_diag *diag)
{
    struct xa_http *h = calloc(1, sizeof(*h));
    if (!h || !(h->multi = curl_multi_init())) {
        free(h);
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory (curl multi)");
    }
    curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 64L);
    *out = h;
    return XA_OK;
}

void xa_http_free(struct xa_http *h)
{
    if (!h)
        return;
    while (h->head) {
        struct xfer *x = h->head;
        unlink_xfer(h, x);
        curl_multi_remove_handle(h->multi, x->easy);
        xfer_free(x);
    }
    curl_multi_cleanup(h->multi);
    free(h);
}

xa_rc xa_http_start(struct xa_http *h, struct xa_http_req *req, struct xa_diag *diag)
{
    struct xfer *x = NULL;
    req->body_borrowed = false; /* the transfer outlives this call: curl keeps a copy */
    xa_rc rc = xfer_new(req, &x, diag);
    if (rc)
        return rc;
    if (curl_multi_add_handle(h->multi, x->easy) != CURLM_OK) {
        xfer_free(x);
        return xa_diag_set(diag, XA_ERR_NET, "cannot add a transfer");
    }
    x->next = h->head;
    if (h->head)
        h->head->prev = x;
    h->head = x;
    h->running++;
    return XA_OK;
}

xa_rc xa_http_poll(struct xa_http *h, int timeout_ms, struct xa_http_req **done, size_t max,
                   size_t *n, struct xa_diag *diag)
{
    *n = 0;
    int still = 0;
    CURLMcode mc = curl_multi_perform(h->multi, &still);
    if (mc == CURLM_OK && h->running > 0)
        mc = curl_multi_poll(h->multi, NULL, 0, timeout_ms, NULL);
    if (mc == CURLM_OK)
        mc = curl_multi_perform(h->multi, &still);
    if (mc != CURLM_OK)
        return xa_diag_set(diag, XA_ERR_NET, "curl multi: %s", curl_multi_strerror(mc));
    CURLMsg *m;
    int left;
    while (*n < max && (m = curl_multi_info_read(h->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct xfer *x = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        CURLcode cc = m->data.result;
        finish(x, cc);
        curl_multi_remove_handle(h->multi, x->easy);
        unlink_xfer(h, x);
        done[(*n)++] = x->req;
        xfer_free(x);
        h->running--;
    }
    return XA_OK;
}

size_t xa_http_running(const struct xa_http *h) { return h->running; }

xa_rc xa_http_escape(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            if (o + 1 >= cap)
                return XA_ERR_LIMIT;
            out[o++] = (char)*p;
        } else {
            if (o + 3 >= cap)
                return XA_ERR_LIMIT;
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    if (o >= cap)
        return XA_ERR_LIMIT;
    out[o] = '\0';
    return XA_OK;
}

int64_t xa_http_parse_date(const char *s)
{
    if (!s || !*s)
        return XA_TIME_NONE;
    time_t t = curl_getdate(s, NULL);
    if (t == (time_t)-1)
        return XA_TIME_NONE;
    return (int64_t)t * 1000000;
}

int xa_http_url_allowed(const char *url)
{
    if (xa_str_istarts(url, "https://"))
        return 1;
    if (!xa_str_istarts(url, "http://"))
        return 0;
    const char *h = url + 7;
    if (strncmp(h, "127.", 4) == 0 || xa_str_istarts(h, "localhost:") ||
        xa_str_istarts(h, "localhost/") || strcmp(h, "localhost") == 0 ||
        strncmp(h, "[::1]", 5) == 0)
        return 1;
    return 0;
}
