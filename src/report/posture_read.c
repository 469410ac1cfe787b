/* posture_read.c - records from ConvertTo-Json and Export-Csv exports. */
#include "report/posture_read.h"

#include "core/str.h"
#include "core/xtime.h"
#include "parse/csv.h"
#include "parse/input.h"
#include "parse/json.h"
#include "parse/utf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool push_rec(struct xa_prec_set *s, const struct xa_prec *r)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 16;
        struct xa_prec *nv = realloc(s->v, nc * sizeof(*nv));
        if (!nv)
            return false;
        s->v = nv;
        s->cap = nc;
    }
    s->v[s->n++] = *r;
    return true;
}

void xa_prec_set_release(struct xa_prec_set *set)
{
    free(set->v);
    memset(set, 0, sizeof(*set));
}

const char *xa_prec_get(const struct xa_prec *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (xa_str_ieq(r->names[i], name))
            return r->values[i] && *r->values[i] ? r->values[i] : NULL;
    return NULL;
}

static bool has(const struct xa_prec *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (xa_str_ieq(r->names[i], name))
            return true;
    return false;
}

static enum xa_prec_kind classify(const struct xa_prec *r)
{
    if (has(r, "AuditBypassEnabled"))
        return XA_PREC_BYPASS;
    if (has(r, "AdminAuditLogEnabled") || has(r, "AdminAuditLogCmdlets"))
        return XA_PREC_ADMIN_AUDIT;
    if (has(r, "AccessRights") && has(r, "Trustee"))
        return XA_PREC_RECIP_PERM;
    if (has(r, "AccessRights") && has(r, "User"))
        return XA_PREC_MBX_PERM;
    if (has(r, "AuditEnabled") || has(r, "AuditAdmin") || has(r, "AuditOwner") ||
        has(r, "GrantSendOnBehalfTo") || has(r, "ForwardingSmtpAddress"))
        return XA_PREC_MAILBOX;
    if (has(r, "AuditDisabled"))
        return XA_PREC_ORG;
    return XA_PREC_UNKNOWN;
}

const char *xa_prec_kind_name(enum xa_prec_kind k)
{
    static const char *const n[] = {"unknown", "Get-AdminAuditLogConfig", "Get-OrganizationConfig",
                                    "Get-Mailbox", "Get-MailboxAuditBypassAssociation",
                                    "Get-MailboxPermission", "Get-RecipientPermission"};
    return (unsigned)k < sizeof(n) / sizeof(n[0]) ? n[k] : "unknown";
}

/* ---- JSON ---- */

static const char *scalar(const struct xa_json *v, struct xa_arena *a)
{
    switch (xa_json_type(v)) {
    case XA_JSON_STRING: return xa_arena_strdup(a, xa_json_str(v));
    case XA_JSON_TRUE: return "True";
    case XA_JSON_FALSE: return "False";
    case XA_JSON_NUMBER: {
        double d;
        xa_json_num(v, &d);
        if (d == (double)(long long)d)
            return xa_arena_printf(a, "%lld", (long long)d);
        return xa_arena_printf(a, "%.17g", d);
    }
    default: return NULL;
    }
}

static const char *value(const struct xa_json *v, struct xa_arena *a, int depth)
{
    enum xa_json_type t = xa_json_type(v);
    if (t == XA_JSON_ARRAY && depth < 3) {
        size_t cap = 16, len = 0;
        char *out = xa_arena_alloc(a, cap);
        if (!out)
            return NULL;
        out[0] = '\0';
        for (const struct xa_json *c = xa_json_child(v); c; c = xa_json_next(c)) {
            const char *s = value(c, a, depth + 1);
            if (!s || !*s)
                continue;
            size_t sl = strlen(s);
            if (len + sl + 2 > cap) {
                while (len + sl + 2 > cap)
                    cap *= 2;
                char *n = xa_arena_alloc(a, cap);
                if (!n)
                    return NULL;
                memcpy(n, out, len + 1);
                out = n;
            }
            if (len)
                out[len++] = XA_PREC_SEP;
            memcpy(out + len, s, sl + 1);
            len += sl;
        }
        return out;
    }
    if (t == XA_JSON_OBJECT && depth < 3) {
        /* TimeSpan (Days/Hours/.../TotalDays), PowerShell 5 wrapped lists {"value": [...]} */
        const struct xa_json *td = xa_json_get(v, "TotalDays");
        double d;
        if (td && xa_json_num(td, &d))
            return xa_arena_printf(a, "%.6f", d);
        const struct xa_json *val = xa_json_get(v, "value");
        if (val)
            return value(val, a, depth + 1);
        const struct xa_json *dt = xa_json_get(v, "DateTime");
        if (dt)
            return scalar(dt, a);
        return NULL;
    }
    return scalar(v, a);
}

static xa_rc json_object(const struct xa_json *o, const char *path, struct xa_arena *a,
                         struct xa_prec_set *set)
{
    struct xa_prec r = {.file = path};
    size_t n = xa_json_count(o);
    r.names = xa_arena_alloc(a, (n ? n : 1) * sizeof(char *));
    r.values = xa_arena_alloc(a, (n ? n : 1) * sizeof(char *));
    if (!r.names || !r.values)
        return XA_ERR_NOMEM;
    for (const struct xa_json *c = xa_json_child(o); c; c = xa_json_next(c)) {
        r.names[r.n] = xa_arena_strdup(a, xa_json_name(c));
        r.values[r.n] = value(c, a, 0);
        if (!r.names[r.n])
            return XA_ERR_NOMEM;
        r.n++;
    }
    r.kind = classify(&r);
    return push_rec(set, &r) ? XA_OK : XA_ERR_NOMEM;
}

static xa_rc read_all(const char *path, char **data, size_t *len, struct xa_diag *diag)
{
    struct xa_input *in = NULL;
    struct xa_u8in *u = NULL;
    xa_rc rc = xa_input_open(path, &in, diag);
    if (rc)
        return rc;
    rc = xa_u8in_new(in, &u, diag);
    size_t cap = 1 << 16, n = 0;
    char *buf = rc ? NULL : malloc(cap);
    if (!rc && !buf)
        rc = XA_ERR_NOMEM;
    while (!rc) {
        if (cap - n < 4096) {
            if (cap >= XA_PREC_MAX_FILE) {
                rc = xa_diag_set(diag, XA_ERR_LIMIT, "%s: larger than %u MiB", path,
                                 XA_PREC_MAX_FILE >> 20);
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                rc = XA_ERR_NOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = 0;
        rc = xa_u8in_read(u, buf + n, cap - n - 1, &got, diag);
        if (!rc && !got)
            break;
        n += got;
    }
    if (u)
        xa_u8in_free(u);
    xa_input_close(in);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return XA_OK;
}

static xa_rc read_csv(const char *path, struct xa_arena *a, struct xa_prec_set *set,
                      struct xa_diag *diag)
{
    struct xa_input *in = NULL;
    struct xa_csv *csv = NULL;
    xa_rc rc = xa_input_open(path, &in, diag);
    if (rc)
        return rc;
    rc = xa_csv_new(in, 1 << 20, &csv, diag);
    const char **hdr = NULL;
    size_t nh = 0;
    while (!rc) {
        struct xa_csv_row row;
        rc = xa_csv_next(csv, &row, diag);
        if (rc == XA_ERR_EOF) {
            rc = XA_OK;
            break;
        }
        if (rc)
            break;
        if (row.reason) {
            rc = xa_diag_set(diag, XA_ERR_PARSE, "%s:%lld: %s", path, row.line, row.reason);
            break;
        }
        if (!hdr) {
            nh = row.n;
            hdr = xa_arena_alloc(a, (nh ? nh : 1) * sizeof(char *));
            if (!hdr) {
                rc = XA_ERR_NOMEM;
                break;
            }
            for (size_t i = 0; i < nh; i++)
                if (!(hdr[i] = xa_arena_strdup(a, row.f[i])))
                    rc = XA_ERR_NOMEM;
            continue;
        }
        struct xa_prec r = {.file = path, .line = row.line, .n = nh, .names = hdr};
        r.values = xa_arena_zalloc(a, (nh ? nh : 1) * sizeof(char *));
        if (!r.values) {
            rc = XA_ERR_NOMEM;
            break;
        }
        for (size_t i = 0; i < nh && i < row.n; i++)
            if (!(r.values[i] = xa_arena_strdup(a, row.f[i])))
                rc = XA_ERR_NOMEM;
        r.kind = classify(&r);
        if (!rc && !push_rec(set, &r))
            rc = XA_ERR_NOMEM;
    }
    if (csv)
        xa_csv_free(csv);
    xa_input_close(in);
    return rc;
}

xa_rc xa_prec_read(const char *path, struct xa_arena *a, struct xa_prec_set *set,
                   struct xa_diag *diag)
{
    char *data = NULL;
    size_t len = 0;
    xa_rc rc = read_all(path, &data, &len, diag);
    if (rc)
        return rc;
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    if (i < len && (data[i] == '[' || data[i] == '{')) {
        struct xa_json *root = NULL;
        struct xa_diag jd;
        xa_diag_clear(&jd);
        rc = xa_json_parse(data + i, len - i, &root, &jd);
        if (rc) {
            rc = xa_diag_set(diag, XA_ERR_PARSE, "%s: not valid JSON at byte %lld: %s", path,
                             (long long)i + (jd.offset > 0 ? jd.offset : 0), jd.msg);
        } else if (xa_json_type(root) == XA_JSON_OBJECT) {
            rc = json_object(root, path, a, set);
        } else {
            for (const struct xa_json *c = xa_json_child(root); c && !rc; c = xa_json_next(c))
                if (xa_json_type(c) == XA_JSON_OBJECT)
                    rc = json_object(c, path, a, set);
        }
        xa_json_free(root);
        free(data);
        return rc;
    }
    free(data);
    if (i == len)
        return xa_diag_set(diag, XA_ERR_PARSE, "%s: empty file", path);
    return read_csv(path, a, set, diag);
}

int xa_prec_bool(const struct xa_prec *r, const char *name)
{
    const char *v = xa_prec_get(r, name);
    if (!v)
        return -1;
    if (xa_str_ieq(v, "true") || xa_str_ieq(v, "$true") || !strcmp(v, "1"))
        return 1;
    if (xa_str_ieq(v, "false") || xa_str_ieq(v, "$false") || !strcmp(v, "0"))
        return 0;
    return -1;
}

size_t xa_prec_list(const struct xa_prec *r, const char *name, bool words, struct xa_arena *a,
                    const char ***out)
{
    const char *v = xa_prec_get(r, name);
    *out = NULL;
    if (!v)
        return 0;
    char *copy = xa_arena_strdup(a, v);
    size_t cap = 1;
    for (const char *p = v; *p; p++)
        cap++;
    const char **items = copy ? xa_arena_alloc(a, cap * sizeof(char *)) : NULL;
    if (!items)
        return 0;
    bool split_words = words || strchr(v, XA_PREC_SEP) == NULL;
    size_t n = 0;
    char *p = copy;
    while (*p) {
        char *s = p;
        while (*p && *p != XA_PREC_SEP && *p != ',' && *p != ';' &&
               !(words && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')))
            p++;
        if (*p)
            *p++ = '\0';
        const char *t = s;
        size_t tl = strlen(s);
        xa_str_trim(&t, &tl);
        if (tl) {
            ((char *)t)[tl] = '\0';
            items[n++] = t;
        }
    }
    (void)split_words;
    *out = items;
    return n;
}

double xa_prec_days(const struct xa_prec *r, const char *name)
{
    const char *v = xa_prec_get(r, name);
    if (!v)
        return -1;
    if (xa_str_ieq(v, "unlimited"))
        return 1e9;
    const char *colon = strchr(v, ':');
    char *end;
    if (!colon) {
        /* TotalDays of a TimeSpan object, or a plain number of days */
        double d = strtod(v, &end);
        return end == v ? -1 : d;
    }
    /* TimeSpan text: [-][d.]hh:mm:ss[.fffffff] */
    double days = 0;
    const char *p = v;
    const char *dot = strchr(v, '.');
    if (dot && dot < colon) {
        days = strtod(v, &end);
        if (end != dot)
            days = (double)strtol(v, &end, 10);
        p = dot + 1;
    }
    long hh = strtol(p, &end, 10);
    if (end == p || *end != ':')
        return -1;
    long mm = strtol(end + 1, &end, 10);
    return days + (double)hh / 24.0 + (double)mm / 1440.0;
}

int64_t xa_prec_time(const struct xa_prec *r, const char *name)
{
    const char *v = xa_prec_get(r, name);
    if (!v)
        return XA_TIME_NONE;
    const char *p = strstr(v, "/Date(");
    if (p) {
        long long ms = strtoll(p + 6, NULL, 10);
        return (int64_t)ms * 1000;
    }
    int64_t t;
    return xa_time_parse(v, (size_t)-1, &t) ? XA_TIME_NONE : t;
}

const char *xa_prec_mailbox(const struct xa_prec *r)
{
    static const char *const keys[] = {"PrimarySmtpAddress", "UserPrincipalName", "WindowsEmailAddress",
                                       "Identity", "Name"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *v = xa_prec_get(r, keys[i]);
        if (v)
            return v;
    }
    return NULL;
}
