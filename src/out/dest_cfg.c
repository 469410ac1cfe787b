/* dest_cfg.c - forward.destinations.<name>.* configuration -> struct xa_out_dest_cfg. */
#include "core/str.h"
#include "out/out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PREFIX "forward.destinations."
#define MAX_KEYS 4096

const char *xa_out_type_name(enum xa_out_type t)
{
    static const char *const n[] = {"syslog", "splunk_hec", "elasticsearch", "webhook", "smtp"};
    return (unsigned)t < 5 ? n[t] : "?";
}

const char *xa_out_what_name(enum xa_out_what w)
{
    static const char *const n[] = {"alerts", "events", "search"};
    return (unsigned)w < 3 ? n[w] : "?";
}

const char *xa_out_fmt_name(enum xa_out_fmt f)
{
    static const char *const n[] = {"rfc5424", "cef", "leef", "json"};
    return (unsigned)f < 4 ? n[f] : "?";
}

void xa_out_dests_free(struct xa_out_dest_cfg *d, size_t n)
{
    for (size_t i = 0; d && i < n; i++) {
        struct xa_out_dest_cfg *c = &d[i];
        free(c->name);
        free(c->filter_text);
        free(c->redact_buf);
        free(c->address);
        free(c->ca_file);
        free(c->cert_file);
        free(c->key_file);
        free(c->server_name);
        free(c->hostname);
        free(c->url);
        free(c->token_file);
        free(c->index);
        free(c->sourcetype);
        free(c->smtp_from);
        for (size_t j = 0; j < c->n_to; j++)
            free(c->smtp_to[j]);
        free(c->username);
        free(c->password_file);
    }
    free(d);
}

static xa_rc bad(struct xa_diag *d, const char *name, const char *key, const char *why)
{
    return xa_diag_set(d, XA_ERR_CONFIG, "forward.destinations.%s.%s: %s", name, key, why);
}

static xa_rc set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = strdup(v);
    return *dst ? XA_OK : XA_ERR_NOMEM;
}

static xa_rc num(const char *name, const char *key, const char *v, long lo, long hi, long *out,
                 struct xa_diag *d)
{
    char *end = NULL;
    long x = strtol(v, &end, 10);
    if (!*v || !end || *end || x < lo || x > hi) {
        char why[96];
        snprintf(why, sizeof(why), "expected a whole number from %ld to %ld", lo, hi);
        return bad(d, name, key, why);
    }
    *out = x;
    return XA_OK;
}

static xa_rc boolean(const char *name, const char *key, const char *v, bool *out,
                     struct xa_diag *d)
{
    if (xa_str_ieq(v, "true") || xa_str_ieq(v, "yes") || xa_str_ieq(v, "on"))
        *out = true;
    else if (xa_str_ieq(v, "false") || xa_str_ieq(v, "no") || xa_str_ieq(v, "off"))
        *out = false;
    else
        return bad(d, name, key, "expected true or false");
    return XA_OK;
}

/* Append a redact field name (copied into a growing NUL-separated buffer; pointers are
 * fixed up at the end). */
static xa_rc add_redact(struct xa_out_dest_cfg *c, size_t *used, const char *v,
                        struct xa_diag *d)
{
    /* comma lists and sequences both work */
    const char *p = v;
    while (*p) {
        size_t n = strcspn(p, ",");
        const char *s = p;
        size_t len = n;
        xa_str_trim(&s, &len);
        p += n;
        if (*p == ',')
            p++;
        if (!len)
            continue;
        if (c->redact.n >= XA_OUT_REDACT_MAX)
            return bad(d, c->name, "redact", "too many fields");
        char *nb = realloc(c->redact_buf, *used + len + 1);
        if (!nb)
            return XA_ERR_NOMEM;
        c->redact_buf = nb;
        memcpy(nb + *used, s, len);
        nb[*used + len] = '\0';
        c->redact.fields[c->redact.n++] = (const char *)(uintptr_t)*used; /* offset for now */
        *used += len + 1;
    }
    return XA_OK;
}

static xa_rc set_key(struct xa_out_dest_cfg *c, const char *k, const char *v, size_t *rused,
                     struct xa_diag *d)
{
    long x = 0;
    xa_rc rc = XA_OK;
    if (strcmp(k, "type") == 0) {
        if (strcmp(v, "syslog") == 0)
            c->type = XA_OUT_SYSLOG;
        else if (strcmp(v, "splunk_hec") == 0 || strcmp(v, "hec") == 0)
            c->type = XA_OUT_HEC;
        else if (strcmp(v, "elasticsearch") == 0)
            c->type = XA_OUT_ES;
        else if (strcmp(v, "webhook") == 0)
            c->type = XA_OUT_WEBHOOK;
        else if (strcmp(v, "smtp") == 0)
            c->type = XA_OUT_SMTP;
        else
            return bad(d, c->name, k, "expected syslog, splunk_hec, elasticsearch, webhook or smtp");
    } else if (strcmp(k, "format") == 0) {
        if (strcmp(v, "rfc5424") == 0)
            c->format = XA_OUTF_RFC5424;
        else if (strcmp(v, "cef") == 0)
            c->format = XA_OUTF_CEF;
        else if (strcmp(v, "leef") == 0)
            c->format = XA_OUTF_LEEF;
        else if (strcmp(v, "json") == 0)
            c->format = XA_OUTF_JSON;
        else
            return bad(d, c->name, k, "expected cef, leef, json or rfc5424");
    } else if (strcmp(k, "what") == 0) {
        if (strcmp(v, "alerts") == 0)
            c->what = XA_OUTW_ALERTS;
        else if (strcmp(v, "events") == 0)
            c->what = XA_OUTW_EVENTS;
        else if (strcmp(v, "search") == 0)
            c->what = XA_OUTW_SEARCH;
        else
            return bad(d, c->name, k, "expected alerts, events or search");
    } else if (strcmp(k, "start") == 0) {
        if (strcmp(v, "now") == 0)
            c->start_now = true;
        else if (strcmp(v, "oldest") == 0)
            c->start_now = false;
        else
            return bad(d, c->name, k, "expected oldest or now");
    } else if (strcmp(k, "filter") == 0) {
        rc = set_str(&c->filter_text, v);
    } else if (strcmp(k, "redact") == 0 || strncmp(k, "redact.", 7) == 0) {
        rc = add_redact(c, rused, v, d);
    } else if (strcmp(k, "address") == 0) {
        rc = set_str(&c->address, v);
    } else if (strcmp(k, "port") == 0) {
        rc = num(c->name, k, v, 1, 65535, &x, d);
        c->port = (int)x;
    } else if (strcmp(k, "tls") == 0) {
        rc = boolean(c->name, k, v, &c->tls, d);
    } else if (strcmp(k, "tls_verify") == 0) {
        rc = boolean(c->name, k, v, &c->tls_verify, d);
    } else if (strcmp(k, "ca_file") == 0) {
        rc = set_str(&c->ca_file, v);
    } else if (strcmp(k, "cert_file") == 0) {
        rc = set_str(&c->cert_file, v);
    } else if (strcmp(k, "key_file") == 0) {
        rc = set_str(&c->key_file, v);
    } else if (strcmp(k, "server_name") == 0) {
        rc = set_str(&c->server_name, v);
    } else if (strcmp(k, "facility") == 0) {
        rc = num(c->name, k, v, 0, 23, &x, d);
        c->facility = (int)x;
    } else if (strcmp(k, "hostname") == 0) {
        rc = set_str(&c->hostname, v);
    } else if (strcmp(k, "url") == 0) {
        rc = set_str(&c->url, v);
    } else if (strcmp(k, "token_file") == 0) {
        rc = set_str(&c->token_file, v);
    } else if (strcmp(k, "index") == 0) {
        rc = set_str(&c->index, v);
    } else if (strcmp(k, "sourcetype") == 0) {
        rc = set_str(&c->sourcetype, v);
    } else if (strcmp(k, "smtp.from") == 0) {
        rc = set_str(&c->smtp_from, v);
    } else if (strcmp(k, "smtp.to") == 0 || strncmp(k, "smtp.to.", 8) == 0) {
        if (c->n_to >= XA_OUT_MAX_RCPT)
            return bad(d, c->name, k, "too many recipients");
        rc = set_str(&c->smtp_to[c->n_to++], v);
    } else if (strcmp(k, "smtp.username") == 0) {
        rc = set_str(&c->username, v);
    } else if (strcmp(k, "smtp.password_file") == 0) {
        rc = set_str(&c->password_file, v);
    } else if (strcmp(k, "smtp.starttls") == 0) {
        rc = boolean(c->name, k, v, &c->starttls, d);
    } else if (strcmp(k, "batch") == 0) {
        rc = num(c->name, k, v, 1, 100000, &x, d);
        c->batch = (size_t)x;
    } else if (strcmp(k, "spool_max") == 0) {
        rc = num(c->name, k, v, 1, 100000000, &x, d);
        c->spool_max = (size_t)x;
    } else if (strcmp(k, "backoff_min_seconds") == 0) {
        rc = num(c->name, k, v, 0, 86400, &x, d);
        c->backoff_min_us = (int64_t)x * 1000000;
        if (!rc && x == 0)
            c->backoff_min_us = 200000; /* 0 means "as fast as sensible" */
    } else if (strcmp(k, "backoff_max_seconds") == 0) {
        rc = num(c->name, k, v, 1, 86400, &x, d);
        c->backoff_max_us = (int64_t)x * 1000000;
    } else if (strcmp(k, "timeout_seconds") == 0) {
        rc = num(c->name, k, v, 1, 3600, &x, d);
        c->timeout_ms = (int)x * 1000;
    } else {
        return bad(d, c->name, k, "unknown setting");
    }
    return rc;
}

static xa_rc finish(struct xa_out_dest_cfg *c, struct xa_diag *d)
{
    for (size_t i = 0; i < c->redact.n; i++)
        c->redact.fields[i] = c->redact_buf + (uintptr_t)c->redact.fields[i];
    struct xa_diag rd;
    xa_diag_clear(&rd);
    xa_rc rc = xa_out_redact_check(&c->redact, &rd);
    if (rc)
        return xa_diag_set(d, XA_ERR_CONFIG, "forward.destinations.%s.%s", c->name, rd.msg);
    if (c->what == XA_OUTW_SEARCH && !c->filter_text)
        return bad(d, c->name, "filter", "what: search needs a filter (search options)");
    if (c->what != XA_OUTW_SEARCH && c->filter_text)
        return bad(d, c->name, "filter", "only used with what: search");
    switch (c->type) {
    case XA_OUT_SYSLOG:
        if (!c->address)
            return bad(d, c->name, "address", "a syslog destination needs an address");
        if (!c->port)
            c->port = c->tls ? 6514 : 514;
        if (!c->hostname) {
            char h[256] = "";
            if (gethostname(h, sizeof(h) - 1) != 0 || !h[0])
                snprintf(h, sizeof(h), "-");
            if ((rc = set_str(&c->hostname, h)))
                return rc;
        }
        break;
    case XA_OUT_HEC:
    case XA_OUT_ES:
    case XA_OUT_WEBHOOK:
        if (!c->url)
            return bad(d, c->name, "url", "an HTTP destination needs a url");
        break;
    case XA_OUT_SMTP:
        if (!c->url)
            return bad(d, c->name, "url", "an smtp destination needs a url (smtp://host:port)");
        if (!c->smtp_from || !c->n_to)
            return bad(d, c->name, "smtp", "smtp.from and smtp.to are required");
        if (c->what != XA_OUTW_ALERTS)
            return bad(d, c->name, "what", "smtp destinations send alerts only");
        if (!c->batch)
            c->batch = 10;
        break;
    }
    if (!c->batch)
        c->batch = c->type == XA_OUT_SYSLOG ? 200 : 500;
    if (!c->spool_max)
        c->spool_max = 100000;
    if (!c->backoff_min_us)
        c->backoff_min_us = 1000000;
    if (!c->backoff_max_us)
        c->backoff_max_us = 300 * 1000000LL;
    if (c->backoff_max_us < c->backoff_min_us)
        c->backoff_max_us = c->backoff_min_us;
    if (!c->timeout_ms)
        c->timeout_ms = 30000;
    return XA_OK;
}

xa_rc xa_out_dests_load(const struct xa_config *cfg, struct xa_out_dest_cfg **out, size_t *n,
                        struct xa_diag *diag)
{
    const char **keys = calloc(MAX_KEYS, sizeof(*keys)), **vals = calloc(MAX_KEYS, sizeof(*vals));
    struct xa_out_dest_cfg *d = calloc(XA_OUT_MAX_DESTS, sizeof(*d));
    size_t nd = 0, rused[XA_OUT_MAX_DESTS] = {0};
    xa_rc rc = keys && vals && d ? XA_OK : XA_ERR_NOMEM;
    size_t nk = rc ? 0 : xa_config_prefixed(cfg, PREFIX, keys, vals, MAX_KEYS);
    for (size_t i = 0; i < nk && !rc; i++) {
        const char *dot = strchr(keys[i], '.');
        if (!dot || dot == keys[i]) {
            rc = xa_diag_set(diag, XA_ERR_CONFIG, PREFIX "%s: expected <name>.<setting>", keys[i]);
            break;
        }
        size_t nl = (size_t)(dot - keys[i]);
        size_t j = 0;
        while (j < nd && !(strlen(d[j].name) == nl && strncmp(d[j].name, keys[i], nl) == 0))
            j++;
        if (j == nd) {
            if (nd == XA_OUT_MAX_DESTS) {
                rc = xa_diag_set(diag, XA_ERR_CONFIG, "forward: at most %d destinations",
                                 XA_OUT_MAX_DESTS);
                break;
            }
            d[nd].name = strndup(keys[i], nl);
            if (!d[nd].name) {
                rc = XA_ERR_NOMEM;
                break;
            }
            d[nd].what = XA_OUTW_ALERTS;
            d[nd].format = XA_OUTF_CEF;
            d[nd].facility = 13;
            d[nd].tls_verify = true;
            d[nd].starttls = true;
            for (const char *p = d[nd].name; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
                    rc = xa_diag_set(diag, XA_ERR_CONFIG,
                                     "forward.destinations.%s: a name is letters, digits, - and _",
                                     d[nd].name);
            nd++;
        }
        if (!rc)
            rc = set_key(&d[j], dot + 1, vals[i], &rused[j], diag);
    }
    for (size_t j = 0; j < nd && !rc; j++)
        rc = finish(&d[j], diag);
    free(keys);
    free(vals);
    if (rc) {
        if (rc == XA_ERR_NOMEM && diag && !diag->msg[0])
            xa_diag_set(diag, rc, "out of memory");
        xa_out_dests_free(d, nd);
        return rc;
    }
    *out = d;
    *n = nd;
    return XA_OK;
}
