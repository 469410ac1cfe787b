/* smtp.c - alerts by e-mail: one message per alert through an SMTP server (libcurl). The
 * spooled payload is "subject\n\nbody"; this file adds the headers. Message-ID is the
 * alert's stable id, so a message sent again is recognisable as the same alert. */
#include "core/xtime.h"
#include "out/curl_send.h"
#include "out/out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct conn {
    const struct xa_out_dest_cfg *cfg;
    char *password;
    struct xa_buf msg;
};

static xa_rc s_open(const struct xa_out_dest_cfg *cfg, void **out, struct xa_diag *d)
{
    struct conn *c = calloc(1, sizeof(*c));
    if (!c)
        return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    c->cfg = cfg;
    xa_buf_init(&c->msg, 0);
    xa_rc rc = xa_curl_global_init(d);
    if (!rc && cfg->password_file) {
        FILE *f = fopen(cfg->password_file, "r");
        char line[1024];
        if (!f) {
            rc = xa_diag_set(d, XA_ERR_CONFIG, "%s: cannot read the password file",
                             cfg->password_file);
        } else {
            size_t n = fread(line, 1, sizeof(line) - 1, f);
            fclose(f);
            line[n] = '\0';
            line[strcspn(line, "\r\n")] = '\0';
            c->password = strdup(line);
            memset(line, 0, sizeof(line));
            if (!c->password)
                rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
        }
    }
    if (rc) {
        free(c);
        return rc;
    }
    *out = c;
    return XA_OK;
}

static void s_close(void *p)
{
    struct conn *c = p;
    if (!c)
        return;
    if (c->password) {
        memset(c->password, 0, strlen(c->password));
        free(c->password);
    }
    xa_buf_release(&c->msg);
    free(c);
}

/* Header value without CR/LF (no header injection from alert text). */
static xa_rc hval(struct xa_buf *b, const char *s, size_t n)
{
    xa_rc rc = XA_OK;
    for (size_t i = 0; i < n && !rc; i++)
        rc = xa_buf_putc(b, (s[i] == '\r' || s[i] == '\n') ? ' ' : s[i]);
    return rc;
}

static xa_rc build(struct conn *c, const struct xa_out_msg *m)
{
    struct xa_buf *b = &c->msg;
    xa_buf_reset(b);
    const char *nl = memchr(m->data, '\n', m->len);
    size_t sl = nl ? (size_t)(nl - m->data) : m->len;
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
    xa_rc rc = xa_buf_printf(b, "Date: %s\r\nFrom: ", date);
    if (!rc)
        rc = hval(b, c->cfg->smtp_from, strlen(c->cfg->smtp_from));
    if (!rc)
        rc = xa_buf_puts(b, "\r\nTo: ");
    for (size_t i = 0; i < c->cfg->n_to && !rc; i++) {
        if (i)
            rc = xa_buf_puts(b, ", ");
        if (!rc)
            rc = hval(b, c->cfg->smtp_to[i], strlen(c->cfg->smtp_to[i]));
    }
    if (!rc)
        rc = xa_buf_puts(b, "\r\nMessage-ID: <");
    if (!rc)
        rc = hval(b, m->key, strlen(m->key));
    if (!rc)
        rc = xa_buf_puts(b, "@exoaudit>\r\nSubject: [exoaudit] ");
    if (!rc)
        rc = hval(b, m->data, sl);
    if (!rc)
        rc = xa_buf_puts(b, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                            "Content-Transfer-Encoding: 8bit\r\n\r\n");
    /* body: LF -> CRLF; a line starting with '.' is dot-stuffed by libcurl */
    const char *body = nl ? nl + 1 : m->data + m->len;
    const char *end = m->data + m->len;
    for (const char *p = body; p < end && !rc; p++) {
        if (*p == '\n')
            rc = xa_buf_append(b, "\r\n", 2);
        else if (*p != '\r')
            rc = xa_buf_putc(b, *p);
    }
    return rc;
}

static xa_rc s_send(void *p, const struct xa_out_msg *m, size_t n, size_t *confirmed,
                    struct xa_diag *d)
{
    struct conn *c = p;
    *confirmed = 0;
    bool loopback = strstr(c->cfg->url, "://127.") || strstr(c->cfg->url, "://localhost") ||
                    strstr(c->cfg->url, "://[::1]");
    for (size_t i = 0; i < n; i++) {
        if (build(c, &m[i]))
            return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
        struct xa_curl_mail mail = {
            .url = c->cfg->url, .from = c->cfg->smtp_from,
            .to = (const char *const *)c->cfg->smtp_to, .n_to = c->cfg->n_to,
            .username = c->cfg->username, .password = c->password,
            .require_tls = c->cfg->starttls && !loopback && strncmp(c->cfg->url, "smtps:", 6) != 0,
            .ca_file = c->cfg->ca_file, .verify = c->cfg->tls_verify,
            .timeout_ms = c->cfg->timeout_ms, .msg = c->msg.data, .len = c->msg.len};
        xa_rc rc = xa_curl_mail_send(&mail, d);
        if (rc)
            return rc;
        (*confirmed)++;
    }
    return XA_OK;
}

const struct xa_out_dest_ops xa_out_smtp_ops = {
    .type = "smtp",
    .open = s_open,
    .send = s_send,
    .close = s_close,
};
