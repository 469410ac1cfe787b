/* ch_http.c - ClickHouse over HTTP (see ch_http.h). */
#include "store/ch_http.h"

#include "core/http.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/xtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TEXT_MAX ((size_t)1 << 20)
#define ROW_MAX ((size_t)512 << 20) /* one row larger than this is refused (corruption guard) */
#define SQL_URL_MAX 4096             /* longer SQL goes in the body (queries without data) */

void xa_ch_conn_close(struct xa_ch_conn *c)
{
    for (size_t i = 0; i < c->n_urls; i++)
        free(c->urls[i]);
    free(c->user_hdr);
    xa_secret_free(c->key_hdr);
    free(c->ca_file);
    memset(c, 0, sizeof(*c));
}

xa_rc xa_ch_litn(struct xa_buf *b, const char *s, size_t n)
{
    xa_rc rc = xa_buf_reserve(b, n + 2);
    if (!rc)
        rc = xa_buf_putc(b, '\'');
    for (size_t i = 0; i < n && !rc; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\\' || ch == '\'') {
            char e[2] = {'\\', (char)ch};
            rc = xa_buf_append(b, e, 2);
        } else if (ch < 0x20 || ch == 0x7f) {
            rc = xa_buf_printf(b, "\\x%02X", ch);
        } else {
            rc = xa_buf_putc(b, (char)ch);
        }
    }
    return rc ? rc : xa_buf_putc(b, '\'');
}

xa_rc xa_ch_lit(struct xa_buf *b, const char *s)
{
    return xa_ch_litn(b, s ? s : "", s ? strlen(s) : 0);
}

xa_rc xa_ch_put_str(struct xa_buf *b, const char *s, size_t n)
{
    unsigned char v[10];
    size_t k = 0;
    uint64_t x = n;
    do {
        v[k] = (unsigned char)(x & 0x7f);
        x >>= 7;
        if (x)
            v[k] |= 0x80;
        k++;
    } while (x);
    xa_rc rc = xa_buf_append(b, v, k);
    return rc || !n ? rc : xa_buf_append(b, s, n);
}

static xa_rc put_le(struct xa_buf *b, uint64_t v, size_t n)
{
    unsigned char t[8];
    for (size_t i = 0; i < n; i++)
        t[i] = (unsigned char)(v >> (8 * i));
    return xa_buf_append(b, t, n);
}

xa_rc xa_ch_put_i64(struct xa_buf *b, int64_t v) { return put_le(b, (uint64_t)v, 8); }
xa_rc xa_ch_put_i32(struct xa_buf *b, int32_t v) { return put_le(b, (uint32_t)v, 4); }
xa_rc xa_ch_put_u32(struct xa_buf *b, uint32_t v) { return put_le(b, v, 4); }
xa_rc xa_ch_put_u8(struct xa_buf *b, uint8_t v) { return put_le(b, v, 1); }

static uint64_t get_le(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

size_t xa_ch_row_decode(const char *types, const unsigned char *p, size_t n, struct xa_ch_val *v)
{
    size_t pos = 0;
    for (size_t k = 0; types[k]; k++) {
        size_t w;
        switch (types[k]) {
        case 'S': {
            uint64_t len = 0;
            int shift = 0;
            for (;;) {
                if (pos >= n)
                    return 0;
                unsigned char byte = p[pos++];
                if (shift > 63)
                    return (size_t)-1;
                len |= (uint64_t)(byte & 0x7f) << shift;
                shift += 7;
                if (!(byte & 0x80))
                    break;
            }
            if (len > ROW_MAX)
                return (size_t)-1;
            if (n - pos < len)
                return 0;
            v[k].s = (const char *)p + pos;
            v[k].n = (size_t)len;
            v[k].i = 0;
            pos += (size_t)len;
            continue;
        }
        case 'q': w = 8; break;
        case 'i': case 'u': w = 4; break;
        case 'b': case 'c': w = 1; break;
        case 'F': w = 32; break;
        default: return (size_t)-1;
        }
        if (n - pos < w)
            return 0;
        uint64_t x = w == 32 ? 0 : get_le(p + pos, w);
        if (types[k] == 'i')
            v[k].i = (int32_t)(uint32_t)x;
        else if (types[k] == 'c')
            v[k].i = (int8_t)(uint8_t)x;
        else
            v[k].i = (int64_t)x;
        v[k].s = (const char *)p + pos;
        v[k].n = w;
        pos += w;
    }
    return pos;
}

struct rd {
    struct xa_http_req *req;
    const char *types;
    xa_ch_row_cb cb;
    void *ud;
    struct xa_buf pend;    /* bytes not yet parsed */
    struct xa_buf *text;   /* text mode */
    struct xa_arena arena; /* NUL-terminated copies of a row's strings */
    xa_rc rc;              /* set by the row callback or the decoder */
    bool stopped;          /* the callback asked to stop: not an error */
    bool error_body;       /* non-200: keep the text for the message */
    size_t rows;           /* rows handed to the callback (a retry would repeat them) */
    struct xa_diag *d;
};

static xa_rc deliver(struct rd *r)
{
    size_t pos = 0;
    const unsigned char *p = (const unsigned char *)r->pend.data;
    struct xa_ch_val v[XA_CH_MAX_COLS];
    while (pos < r->pend.len) {
        size_t used = xa_ch_row_decode(r->types, p + pos, r->pend.len - pos, v);
        if (used == 0)
            break;
        if (used == (size_t)-1)
            return xa_diag_set(r->d, XA_ERR_DB, "clickhouse: malformed RowBinary answer");
        xa_arena_reset(&r->arena);
        for (size_t k = 0; r->types[k]; k++)
            if (r->types[k] == 'S') {
                char *s = xa_arena_strndup(&r->arena, v[k].s, v[k].n);
                if (!s)
                    return xa_diag_set(r->d, XA_ERR_NOMEM, "out of memory");
                v[k].s = s;
            }
        pos += used;
        r->rows++;
        xa_rc rc = r->cb(r->ud, v);
        if (rc == XA_ERR_EOF) {
            r->stopped = true;
            return XA_ERR_EOF;
        }
        if (rc)
            return rc;
    }
    if (pos) {
        memmove(r->pend.data, r->pend.data + pos, r->pend.len - pos);
        r->pend.len -= pos;
    }
    return XA_OK;
}

static int sink(void *ud, const char *data, size_t n)
{
    struct rd *r = ud;
    long st = r->req->resp.status;
    if (st != 200 || !r->types) {
        r->error_body = st != 200;
        struct xa_buf *t = r->error_body ? &r->pend : r->text;
        if (!t)
            return 0;
        size_t room = t->len < TEXT_MAX ? TEXT_MAX - t->len : 0;
        if (xa_buf_append(t, data, n < room ? n : room))
            return 1;
        return 0;
    }
    if (xa_buf_append(&r->pend, data, n)) {
        r->rc = xa_diag_set(r->d, XA_ERR_NOMEM, "out of memory");
        return 1;
    }
    xa_rc rc = deliver(r);
    if (rc) {
        if (rc != XA_ERR_EOF)
            r->rc = rc;
        return 1;
    }
    return 0;
}

/* The first line of a ClickHouse error text, printable ASCII only (bounded). */
static void error_line(const struct xa_buf *b, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; b->data && i < b->len && k + 1 < cap; i++) {
        unsigned char ch = (unsigned char)b->data[i];
        if (ch == '\n')
            break;
        out[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    out[k] = '\0';
}

static xa_rc url_escape(const char *s, struct xa_buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    xa_rc rc = XA_OK;
    for (; *s && !rc; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            rc = xa_buf_putc(out, (char)ch);
        } else {
            char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            rc = xa_buf_append(out, e, 3);
        }
    }
    return rc;
}

static xa_rc once(struct xa_ch_conn *c, size_t node, const char *sql, const void *body,
                  size_t len, const char *settings, const char *types, xa_ch_row_cb cb, void *ud,
                  struct xa_buf *text, bool *transient, struct xa_diag *d)
{
    struct xa_buf url;
    xa_buf_init(&url, 0);
    bool sql_in_url = body || strlen(sql) <= SQL_URL_MAX;
    xa_rc rc = xa_buf_puts(&url, c->urls[node]);
    if (!rc)
        rc = xa_buf_puts(&url, "/?");
    if (!rc && settings && *settings)
        rc = xa_buf_printf(&url, "%s&", settings);
    if (!rc && sql_in_url) {
        rc = xa_buf_puts(&url, "query=");
        if (!rc)
            rc = url_escape(sql, &url);
    }
    if (rc) {
        xa_buf_release(&url);
        return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    }
    const char *hdrs[2];
    size_t nh = 0;
    if (c->user_hdr)
        hdrs[nh++] = c->user_hdr;
    if (c->key_hdr)
        hdrs[nh++] = c->key_hdr;
    struct xa_http_req req;
    memset(&req, 0, sizeof(req));
    req.method = "POST";
    req.url = url.data;
    req.headers = hdrs;
    req.n_headers = nh;
    req.ca_file = c->ca_file;
    req.content_type = "application/octet-stream";
    req.body_borrowed = true; /* xa_http_perform: the body outlives the transfer */
    req.body = body ? body : (sql_in_url ? "" : sql);
    req.body_len = body ? len : (sql_in_url ? 0 : strlen(sql));
    req.timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : 600000;
    struct rd r;
    memset(&r, 0, sizeof(r));
    r.req = &req;
    r.types = types;
    r.cb = cb;
    r.ud = ud;
    r.text = text;
    r.d = d;
    xa_buf_init(&r.pend, 0);
    xa_arena_init(&r.arena, 0);
    req.sink = sink;
    req.sink_ud = &r;
    *transient = false;
    rc = xa_http_perform(&req, d);
    xa_buf_release(&url);
    if (!rc && r.rc)
        rc = r.rc;
    if (!rc && req.resp.rc == XA_ERR_NET) {
        *transient = true;
        rc = xa_diag_set(d, XA_ERR_NET, "clickhouse: node %zu: %s", node + 1, req.resp.error);
    } else if (!rc && req.resp.status != 200) {
        char line[300];
        error_line(&r.pend, line, sizeof(line));
        long st = req.resp.status;
        *transient = st == 502 || st == 503 || st == 504;
        rc = xa_diag_set(d, st == 401 || st == 403 || strstr(line, "Code: 516") ||
                                    strstr(line, "Code: 192") || strstr(line, "Code: 193")
                                ? XA_ERR_AUTH
                                : XA_ERR_DB,
                         "clickhouse: HTTP %ld: %s", st, line[0] ? line : "(no message)");
    } else if (!rc && types && !r.stopped && r.pend.len) {
        char line[300];
        error_line(&r.pend, line, sizeof(line));
        rc = xa_diag_set(d, XA_ERR_DB, "clickhouse: answer ended inside a row%s%s",
                         strncmp(line, "Code:", 5) == 0 ? ": " : "",
                         strncmp(line, "Code:", 5) == 0 ? line : "");
    }
    if (r.rows || (text && text->len))
        *transient = false; /* part of the answer was consumed: never repeat it */
    xa_buf_release(&r.pend);
    xa_arena_release(&r.arena);
    return rc;
}

xa_rc xa_ch_run(struct xa_ch_conn *c, int node, const char *sql, const void *body, size_t len,
                const char *settings, bool idempotent, const char *types, xa_ch_row_cb cb,
                void *ud, struct xa_buf *text, struct xa_diag *d)
{
    if (!c->n_urls)
        return xa_diag_set(d, XA_ERR_CONFIG, "clickhouse: no server URL");
    int attempts = idempotent ? 3 : 1;
    xa_rc rc = XA_OK;
    for (int a = 0; a < attempts; a++) {
        size_t tries = node >= 0 ? 1 : c->n_urls;
        for (size_t t = 0; t < tries; t++) {
            size_t n = node >= 0 ? (size_t)node : (c->cur + t) % c->n_urls;
            bool transient = false;
            if (text)
                xa_buf_reset(text);
            int64_t t0 = xa_time_mono();
            rc = once(c, n, sql, body, len, settings, types, cb, ud, text, &transient, d);
            xa_log(XA_LOG_DEBUG, "clickhouse: node %zu: %.60s...: %s in %.1f ms", n + 1, sql,
                   rc ? "failed" : "done", (double)(xa_time_mono() - t0) / 1000.0);
            if (!rc || !transient) {
                if (!rc && node < 0)
                    c->cur = n;
                return rc;
            }
        }
        struct timespec ts = {0, (long)(200000000L << a)}; /* 0.2 s, 0.4 s */
        if (a + 1 < attempts)
            nanosleep(&ts, NULL);
    }
    return rc;
}
