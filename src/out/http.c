/* http.c - JSON over HTTP(S): Splunk HTTP Event Collector, Elasticsearch _bulk and a
 * generic webhook. A batch is one POST; a 2xx answer (for Elasticsearch also
 * "errors":false) confirms the whole batch. Elasticsearch documents carry the item's stable
 * id as _id, so a batch sent again overwrites instead of duplicating. */
#include "out/curl_send.h"
#include "out/out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct conn {
    const struct xa_out_dest_cfg *cfg;
    char *auth;          /* "Authorization: ..." or NULL; never logged */
    struct xa_buf body, resp;
};

/* Read a secret file: first line, trimmed. */
static xa_rc read_secret(const char *path, char **out, struct xa_diag *d)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return xa_diag_set(d, XA_ERR_CONFIG, "%s: cannot read the token file", path);
    char line[4096];
    size_t n = fread(line, 1, sizeof(line) - 1, f);
    fclose(f);
    line[n] = '\0';
    line[strcspn(line, "\r\n")] = '\0';
    char *s = line;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t l = strlen(s);
    while (l && (s[l - 1] == ' ' || s[l - 1] == '\t'))
        s[--l] = '\0';
    if (!l)
        return xa_diag_set(d, XA_ERR_CONFIG, "%s: the token file is empty", path);
    *out = strdup(s);
    memset(line, 0, sizeof(line));
    return *out ? XA_OK : xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
}

static xa_rc h_open(const struct xa_out_dest_cfg *cfg, void **out, struct xa_diag *d)
{
    struct conn *c = calloc(1, sizeof(*c));
    if (!c)
        return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    c->cfg = cfg;
    xa_buf_init(&c->body, 0);
    xa_buf_init(&c->resp, 0);
    xa_rc rc = xa_curl_global_init(d);
    if (!rc && cfg->token_file) {
        char *tok = NULL;
        rc = read_secret(cfg->token_file, &tok, d);
        if (!rc) {
            const char *scheme = cfg->type == XA_OUT_HEC  ? "Splunk"
                                 : cfg->type == XA_OUT_ES ? "ApiKey"
                                                          : "Bearer";
            size_t n = strlen(tok) + 64;
            c->auth = malloc(n);
            if (c->auth)
                snprintf(c->auth, n, "Authorization: %s %s", scheme, tok);
            else
                rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
            memset(tok, 0, strlen(tok));
            free(tok);
        }
    }
    if (rc) {
        free(c->auth);
        free(c);
        return rc;
    }
    *out = c;
    return XA_OK;
}

static void h_close(void *p)
{
    struct conn *c = p;
    if (!c)
        return;
    if (c->auth) {
        memset(c->auth, 0, strlen(c->auth));
        free(c->auth);
    }
    xa_buf_release(&c->body);
    xa_buf_release(&c->resp);
    free(c);
}

static xa_rc build(struct conn *c, const struct xa_out_msg *m, size_t n)
{
    struct xa_buf *b = &c->body;
    xa_buf_reset(b);
    xa_rc rc = XA_OK;
    switch (c->cfg->type) {
    case XA_OUT_ES:
        for (size_t i = 0; i < n && !rc; i++) {
            rc = xa_buf_puts(b, "{\"index\":{\"_index\":");
            if (!rc)
                rc = xa_buf_json_str(b, c->cfg->index ? c->cfg->index : "exoaudit", (size_t)-1);
            if (!rc)
                rc = xa_buf_puts(b, ",\"_id\":");
            if (!rc)
                rc = xa_buf_json_str(b, m[i].key, (size_t)-1);
            if (!rc)
                rc = xa_buf_puts(b, "}}\n");
            if (!rc)
                rc = xa_buf_append(b, m[i].data, m[i].len);
            if (!rc)
                rc = xa_buf_putc(b, '\n');
        }
        break;
    case XA_OUT_HEC: /* payloads are HEC envelopes already; events may be concatenated */
        for (size_t i = 0; i < n && !rc; i++) {
            rc = xa_buf_append(b, m[i].data, m[i].len);
            if (!rc)
                rc = xa_buf_putc(b, '\n');
        }
        break;
    default: /* webhook: one JSON array */
        rc = xa_buf_putc(b, '[');
        for (size_t i = 0; i < n && !rc; i++) {
            if (i)
                rc = xa_buf_putc(b, ',');
            if (!rc)
                rc = xa_buf_append(b, m[i].data, m[i].len);
        }
        if (!rc)
            rc = xa_buf_puts(b, "]\n");
        break;
    }
    return rc;
}

static xa_rc h_send(void *p, const struct xa_out_msg *m, size_t n, size_t *confirmed,
                    struct xa_diag *d)
{
    struct conn *c = p;
    *confirmed = 0;
    if (build(c, m, n))
        return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    const char *hdrs[4];
    size_t nh = 0;
    hdrs[nh++] = c->cfg->type == XA_OUT_ES ? "Content-Type: application/x-ndjson"
                                           : "Content-Type: application/json";
    hdrs[nh++] = "Expect:";
    if (c->auth)
        hdrs[nh++] = c->auth;
    struct xa_curl_post r = {.url = c->cfg->url, .headers = hdrs, .n_headers = nh,
                             .body = c->body.data, .len = c->body.len, .ca_file = c->cfg->ca_file,
                             .verify = c->cfg->tls_verify, .timeout_ms = c->cfg->timeout_ms};
    long status = 0;
    xa_buf_reset(&c->resp);
    xa_rc rc = xa_curl_post(&r, &status, &c->resp, d);
    if (rc)
        return rc;
    if (status < 200 || status > 299) {
        /* the answer may explain (HEC: {"text":...}); show a bounded, one-line excerpt */
        char ex[160] = "";
        size_t el = c->resp.len < sizeof(ex) - 1 ? c->resp.len : sizeof(ex) - 1;
        for (size_t i = 0; i < el; i++)
            ex[i] = (c->resp.data[i] < 0x20) ? ' ' : c->resp.data[i];
        ex[el] = '\0';
        return xa_diag_set(d, XA_ERR_NET, "HTTP %ld from the receiver%s%s", status,
                           el ? ": " : "", ex);
    }
    if (c->cfg->type == XA_OUT_ES && c->resp.data && !strstr(c->resp.data, "\"errors\":false"))
        return xa_diag_set(d, XA_ERR_NET, "elasticsearch refused some documents of the batch "
                                          "(sent again; documents carry stable _id values)");
    *confirmed = n;
    return XA_OK;
}

const struct xa_out_dest_ops xa_out_http_ops = {
    .type = "http",
    .open = h_open,
    .send = h_send,
    .close = h_close,
};
