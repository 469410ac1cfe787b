/* curl_send.c - libcurl for the HTTP and SMTP forwarders (see curl_send.h). */
#include "out/curl_send.h"

#include <curl/curl.h>

#include <pthread.h>
#include <string.h>

#define RESP_MAX (64 * 1024)

static pthread_once_t once = PTHREAD_ONCE_INIT;
static CURLcode init_rc = CURLE_OK;

static void do_init(void) { init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

xa_rc xa_curl_global_init(struct xa_diag *d)
{
    pthread_once(&once, do_init);
    return init_rc == CURLE_OK ? XA_OK
                               : xa_diag_set(d, XA_ERR_INTERNAL, "libcurl: %s",
                                             curl_easy_strerror(init_rc));
}

static size_t on_body(char *p, size_t sz, size_t nm, void *ud)
{
    struct xa_buf *b = ud;
    size_t n = sz * nm;
    if (b && b->len < RESP_MAX)
        xa_buf_append(b, p, n < RESP_MAX - b->len ? n : RESP_MAX - b->len);
    return n;
}

static void common(CURL *h, const char *ca_file, bool verify, int timeout_ms, char *errbuf)
{
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_ms < 10000 ? timeout_ms : 10000));
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    if (ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, ca_file);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https,smtp,smtps");
}

/* v[0..n) as a curl string list in *out (which the caller frees, also on failure). */
static xa_rc slist(const char *const *v, size_t n, struct curl_slist **out, struct xa_diag *d)
{
    for (size_t i = 0; i < n; i++) {
        struct curl_slist *l = curl_slist_append(*out, v[i]);
        if (!l)
            return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
        *out = l;
    }
    return XA_OK;
}

xa_rc xa_curl_post(const struct xa_curl_post *r, long *status, struct xa_buf *resp,
                   struct xa_diag *d)
{
    *status = 0;
    xa_rc rc = xa_curl_global_init(d);
    if (rc)
        return rc;
    CURL *h = curl_easy_init();
    if (!h)
        return xa_diag_set(d, XA_ERR_NOMEM, "libcurl: cannot create a handle");
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hl = NULL;
    if ((rc = slist(r->headers, r->n_headers, &hl, d)))
        goto out;
    common(h, r->ca_file, r->verify, r->timeout_ms, errbuf);
    curl_easy_setopt(h, CURLOPT_URL, r->url);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
    CURLcode cr = curl_easy_perform(h);
    if (cr != CURLE_OK) {
        rc = xa_diag_set(d, XA_ERR_NET, "%s", errbuf[0] ? errbuf : curl_easy_strerror(cr));
        goto out;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
out:
    curl_slist_free_all(hl);
    curl_easy_cleanup(h);
    return rc;
}

struct upload {
    const char *p;
    size_t left;
};

static size_t on_read(char *buf, size_t sz, size_t nm, void *ud)
{
    struct upload *u = ud;
    size_t n = sz * nm < u->left ? sz * nm : u->left;
    memcpy(buf, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

xa_rc xa_curl_mail_send(const struct xa_curl_mail *m, struct xa_diag *d)
{
    xa_rc rc = xa_curl_global_init(d);
    if (rc)
        return rc;
    CURL *h = curl_easy_init();
    if (!h)
        return xa_diag_set(d, XA_ERR_NOMEM, "libcurl: cannot create a handle");
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *rcpt = NULL;
    if ((rc = slist(m->to, m->n_to, &rcpt, d)))
        goto out;
    common(h, m->ca_file, m->verify, m->timeout_ms, errbuf);
    curl_easy_setopt(h, CURLOPT_URL, m->url);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, m->from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    if (m->require_tls)
        curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (m->username)
        curl_easy_setopt(h, CURLOPT_USERNAME, m->username);
    if (m->password)
        curl_easy_setopt(h, CURLOPT_PASSWORD, m->password);
    struct upload u = {.p = m->msg, .left = m->len};
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &u);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    CURLcode cr = curl_easy_perform(h);
    if (cr != CURLE_OK)
        rc = xa_diag_set(d, XA_ERR_NET, "smtp: %s", errbuf[0] ? errbuf : curl_easy_strerror(cr));
out:
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(h);
    return rc;
}
