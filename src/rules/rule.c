/* rule.c - Sigma YAML -> compiled rules (see rule.h, docs/RULES.md). */
#include "rules/rule.h"

#include "core/str.h"
#include "rules/yaml.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define WC_STAR '\x01'
#define WC_ONE '\x02'
#define MAX_VARIANTS 256

struct ld {
    struct xa_ruleset *rs;
    struct xa_arena *a;
    const char *origin;
    int doc;
    struct xa_diag *d;
};

static xa_rc fail(struct ld *L, const struct xa_ynode *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static xa_rc fail(struct ld *L, const struct xa_ynode *at, const char *fmt, ...)
{
    char m[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof(m), fmt, ap);
    va_end(ap);
    if (at)
        xa_diag_set(L->d, XA_ERR_INVALID, "%s:%ld: document %d: %s", L->origin, at->line,
                    L->doc + 1, m);
    else
        xa_diag_set(L->d, XA_ERR_INVALID, "%s: document %d: %s", L->origin, L->doc + 1, m);
    xa_diag_pos(L->d, L->origin, at ? at->line : 0, -1);
    return XA_ERR_INVALID;
}

static void warn(struct xa_ruleset *rs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct xa_ruleset *rs, const char *fmt, ...)
{
    if (rs->nwarnings >= 1000)
        return;
    char m[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof(m), fmt, ap);
    va_end(ap);
    char **w = realloc(rs->warnings, (rs->nwarnings + 1) * sizeof(*w));
    if (!w)
        return;
    rs->warnings = w;
    rs->warnings[rs->nwarnings] = strdup(m);
    if (rs->warnings[rs->nwarnings])
        rs->nwarnings++;
}

void xa_ruleset_init(struct xa_ruleset *rs)
{
    memset(rs, 0, sizeof(*rs));
    xa_arena_init(&rs->arena, 64 * 1024);
}

static void free_regexes(struct xa_rule *r)
{
    for (size_t s = 0; s < r->nsels; s++)
        for (size_t a = 0; a < r->sels[s].nalts; a++)
            for (size_t i = 0; i < r->sels[s].nitems[a]; i++) {
                struct xa_rule_item *it = &r->sels[s].alts[a][i];
                for (size_t m = 0; m < it->nm; m++)
                    if (it->m[m].re)
                        regfree(it->m[m].re);
            }
}

void xa_ruleset_release(struct xa_ruleset *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        free_regexes(rs->rules[i]);
    free(rs->rules);
    free(rs->map_from);
    free(rs->map_to);
    free(rs->map_nto);
    for (size_t i = 0; i < rs->nwarnings; i++)
        free(rs->warnings[i]);
    free(rs->warnings);
    xa_arena_release(&rs->arena);
    memset(rs, 0, sizeof(*rs));
}

const char *xa_rule_level_name(int s)
{
    static const char *const n[] = {"informational", "low", "medium", "high", "critical"};
    return s >= 0 && s <= 4 ? n[s] : "medium";
}

static int level_parse(const char *s)
{
    for (int i = 0; i <= 4; i++)
        if (s && strcmp(s, xa_rule_level_name(i)) == 0)
            return i;
    return -1;
}

/* ---- field names ------------------------------------------------------------------ */

static const struct {
    const char *name;
    int nf;
} nfields[] = {
    {"tenant_id", XA_NF_TENANT},         {"record_id", XA_NF_RECORD_ID},
    {"record_type", XA_NF_RECORD_TYPE},  {"record_type_name", XA_NF_RECORD_TYPE_NAME},
    {"workload", XA_NF_WORKLOAD},        {"occurred_at", XA_NF_OCCURRED_AT},
    {"actor", XA_NF_ACTOR},              {"actor_sid", XA_NF_ACTOR_SID},
    {"actor_type", XA_NF_ACTOR_TYPE},    {"app_id", XA_NF_APP_ID},
    {"client_app_id", XA_NF_CLIENT_APP_ID}, {"is_system", XA_NF_IS_SYSTEM},
    {"operation", XA_NF_OPERATION},      {"activity", XA_NF_ACTIVITY},
    {"category", XA_NF_CATEGORY},        {"result", XA_NF_RESULT},
    {"logon_type", XA_NF_LOGON_TYPE},    {"mailbox", XA_NF_MAILBOX},
    {"mailbox_guid", XA_NF_MAILBOX_GUID}, {"object", XA_NF_OBJECT},
    {"item", XA_NF_ITEM},                {"folder", XA_NF_FOLDER},
    {"grantee", XA_NF_GRANTEE},          {"rights", XA_NF_RIGHTS},
    {"client_ip", XA_NF_CLIENT_IP},      {"client_port", XA_NF_CLIENT_PORT},
    {"client_info", XA_NF_CLIENT_INFO},  {"originating_server", XA_NF_ORIGINATING_SERVER},
    {"session_id", XA_NF_SESSION_ID},    {"external_access", XA_NF_EXTERNAL_ACCESS},
    {"source", XA_NF_SOURCE},            {"forward_target", XA_NF_FORWARD_TARGET},
    {"forward_external", XA_NF_FORWARD_EXTERNAL}, {"audit_reduced", XA_NF_AUDIT_REDUCED},
};

/* Known top-level names of Management Activity records (for the unmapped-field warning). */
static const char *const raw_known[] = {
    "Id", "RecordType", "CreationTime", "Operation", "OrganizationId", "UserType", "UserKey",
    "Workload", "ResultStatus", "ObjectId", "UserId", "ClientIP", "ClientIPAddress", "Scope",
    "AppAccessContext", "Parameters", "ExternalAccess", "OriginatingServer", "OrganizationName",
    "SessionId", "ModifiedProperties", "ExtendedProperties", "Actor", "ActorContextId",
    "ActorIpAddress", "InterSystemsId", "IntraSystemId", "SupportTicketId", "Target",
    "TargetContextId", "ApplicationId", "DeviceProperties", "ErrorNumber", "LogonError",
    "AppId", "ClientAppId", "ClientInfoString", "ClientProcessName", "ClientVersion",
    "InternalLogonType", "LogonType", "LogonUserSid", "MailboxGuid", "MailboxOwnerMasterAccountSid",
    "MailboxOwnerSid", "MailboxOwnerUPN", "OperationProperties", "OperationCount", "Item",
    "Folder", "Folders", "DestFolder", "AffectedItems", "CrossMailboxOperation", "SendAsUserSmtp",
    "SendAsUserMailboxGuid", "SendOnBehalfOfUserSmtp", "SendOnBehalfOfUserMailboxGuid",
    "Name", "Severity", "Status", "Category", "AlertId", "AlertType", "Data", "Source",
    "Comments", "Directionality", "DeliveryAction", "Subject", "P1Sender", "P2Sender",
    "Recipients", "SenderIp", "Verdict", "SiteUrl", "SourceFileName", "SourceRelativeUrl",
    "ObjectType", "UserAgent", "EventSource", "ItemType", "ListId", "WebId", "Platform",
    "AuthenticationType", "BrowserName", "IsManagedDevice", "DeviceDisplayName", "QueryText",
    "IsThrottled", "Members", "TeamName", "CommunicationType", "ChatName", "Version",
    "ActorInfoString", "ObjectName", "TargetUserOrGroupName", "TargetUserOrGroupType",
    "Policy", "PolicyId", "RequestType", "DataType", "ExchangeMetaData", "IncidentId",
    "ExceptionInfo", "ActionType", "RecordId", "ReleaseTo", "NetworkMessageId", "MessageId",
    NULL};

static char *adup(struct xa_arena *a, const char *s, size_t n)
{
    return xa_arena_strndup(a, s, n);
}

static xa_rc resolve_field(struct xa_ruleset *rs, const char *name, bool use_map,
                           struct xa_fref *out, bool *unmapped, int depth)
{
    struct xa_arena *a = &rs->arena;
    memset(out, 0, sizeof(*out));
    if (use_map)
        for (size_t i = 0; i < rs->nmap; i++)
            if (xa_str_ieq(rs->map_from[i], name)) {
                struct xa_fref *cur = out;
                for (size_t k = 0; k < rs->map_nto[i]; k++) {
                    if (k) {
                        cur->alt = xa_arena_zalloc(a, sizeof(*cur));
                        if (!cur->alt)
                            return XA_ERR_NOMEM;
                        cur = cur->alt;
                    }
                    xa_rc rc = resolve_field(rs, rs->map_to[i][k], false, cur, unmapped, depth + 1);
                    if (rc)
                        return rc;
                }
                return XA_OK;
            }
    if (strcmp(name, "keywords") == 0) {
        out->kind = XA_F_KEYWORDS;
        out->name = "keywords";
        return XA_OK;
    }
    for (size_t i = 0; i < sizeof(nfields) / sizeof(nfields[0]); i++)
        if (strcmp(nfields[i].name, name) == 0) {
            out->kind = XA_F_NORM;
            out->nf = nfields[i].nf;
            out->name = nfields[i].name;
            return XA_OK;
        }
    if (xa_str_ieq(name, "Parameters")) {
        out->kind = XA_F_PARAMS_ALL;
        out->name = "Parameters";
        return XA_OK;
    }
    if (xa_str_ieq(name, "ModifiedProperties")) {
        out->kind = XA_F_MODS_ALL;
        out->name = "ModifiedProperties";
        return XA_OK;
    }
    if (xa_str_istarts(name, "Parameters.") && name[11]) {
        out->kind = XA_F_PARAM;
        out->name = xa_arena_strdup(a, name + 11);
        return out->name ? XA_OK : XA_ERR_NOMEM;
    }
    if (xa_str_istarts(name, "ModifiedProperties.") && name[19]) {
        out->kind = XA_F_MOD;
        out->name = xa_arena_strdup(a, name + 19);
        return out->name ? XA_OK : XA_ERR_NOMEM;
    }
    out->kind = XA_F_RAW;
    out->name = xa_arena_strdup(a, name);
    size_t nseg = 1;
    for (const char *p = name; *p; p++)
        nseg += *p == '.';
    out->path = xa_arena_alloc(a, nseg * sizeof(*out->path));
    if (!out->name || !out->path)
        return XA_ERR_NOMEM;
    const char *s = name;
    for (size_t i = 0; i < nseg; i++) {
        const char *e = strchr(s, '.');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (!(out->path[i] = adup(a, s, n)))
            return XA_ERR_NOMEM;
        s = e ? e + 1 : s + n;
    }
    out->npath = nseg;
    if (unmapped) {
        bool known = false;
        for (size_t i = 0; raw_known[i] && !known; i++)
            known = xa_str_ieq(raw_known[i], out->path[0]);
        if (!known)
            *unmapped = true;
    }
    (void)depth;
    return XA_OK;
}

xa_rc xa_ruleset_field(struct xa_ruleset *rs, const char *name, struct xa_fref *out,
                       struct xa_diag *diag)
{
    if (!name || !*name)
        return xa_diag_set(diag, XA_ERR_INVALID, "empty field name");
    xa_rc rc = resolve_field(rs, name, true, out, NULL, 0);
    if (rc == XA_ERR_NOMEM)
        xa_diag_set(diag, rc, "out of memory");
    return rc;
}

/* ---- mapping ---------------------------------------------------------------------- */

static xa_rc grow(void **p, size_t n, size_t sz)
{
    void *q = realloc(*p, (n + 1) * sz);
    if (!q)
        return XA_ERR_NOMEM;
    *p = q;
    return XA_OK;
}

xa_rc xa_ruleset_add_internal_domain(struct xa_ruleset *rs, const char *domain)
{
    if (rs->ninternal >= 64 || !domain || !*domain)
        return XA_ERR_LIMIT;
    char *d = xa_arena_strdup(&rs->arena, domain[0] == '@' ? domain + 1 : domain);
    if (!d)
        return XA_ERR_NOMEM;
    xa_str_lower(d);
    rs->internal_domains[rs->ninternal++] = d;
    return XA_OK;
}

xa_rc xa_ruleset_add_placeholder(struct xa_ruleset *rs, const char *name, const char *value)
{
    struct xa_arena *a = &rs->arena;
    size_t i = 0;
    for (; i < rs->nph; i++)
        if (strcmp(rs->ph_name[i], name) == 0)
            break;
    if (i == rs->nph) {
        /* arrays grow in the arena: copy on growth (placeholders are few) */
        const char **nn = xa_arena_alloc(a, (rs->nph + 1) * sizeof(*nn));
        const char ***nv = xa_arena_alloc(a, (rs->nph + 1) * sizeof(*nv));
        size_t *nc = xa_arena_alloc(a, (rs->nph + 1) * sizeof(*nc));
        if (!nn || !nv || !nc)
            return XA_ERR_NOMEM;
        if (rs->nph) {
            memcpy(nn, rs->ph_name, rs->nph * sizeof(*nn));
            memcpy(nv, rs->ph_vals, rs->nph * sizeof(*nv));
            memcpy(nc, rs->ph_n, rs->nph * sizeof(*nc));
        }
        nn[i] = xa_arena_strdup(a, name);
        nv[i] = NULL;
        nc[i] = 0;
        rs->ph_name = nn;
        rs->ph_vals = nv;
        rs->ph_n = nc;
        rs->nph++;
    }
    const char **v = xa_arena_alloc(a, (rs->ph_n[i] + 1) * sizeof(*v));
    if (!v)
        return XA_ERR_NOMEM;
    if (rs->ph_n[i])
        memcpy(v, rs->ph_vals[i], rs->ph_n[i] * sizeof(*v));
    v[rs->ph_n[i]] = xa_arena_strdup(a, value);
    rs->ph_vals[i] = v;
    rs->ph_n[i]++;
    return XA_OK;
}

xa_rc xa_ruleset_load_mapping(struct xa_ruleset *rs, const char *name, const char *text,
                              size_t len, struct xa_diag *diag)
{
    struct ld L = {rs, &rs->arena, name, 0, diag};
    struct xa_ydoc doc;
    xa_rc rc = xa_yaml_parse(name, text, len, &rs->arena, &doc, diag);
    if (rc)
        return rc;
    if (doc.n != 1 || doc.roots[0]->kind != XA_Y_MAP)
        return fail(&L, NULL, "a field mapping is one YAML mapping");
    const struct xa_ynode *fm = xa_yaml_get(doc.roots[0], "fieldmappings");
    if (fm && fm->kind != XA_Y_MAP)
        return fail(&L, fm, "fieldmappings must be a mapping");
    for (size_t i = 0; fm && i + 1 < fm->n; i += 2) {
        const struct xa_ynode *k = fm->kids[i], *v = fm->kids[i + 1];
        if (k->kind != XA_Y_SCALAR)
            return fail(&L, k, "mapping key must be a field name");
        size_t nt = v->kind == XA_Y_SCALAR ? 1 : v->kind == XA_Y_SEQ ? v->n : 0;
        if (!nt)
            return fail(&L, v, "mapping of '%s' must be a field name or a list of them", k->s);
        const char **to = xa_arena_alloc(&rs->arena, nt * sizeof(*to));
        if (!to)
            return XA_ERR_NOMEM;
        for (size_t j = 0; j < nt; j++) {
            const struct xa_ynode *t = v->kind == XA_Y_SCALAR ? v : v->kids[j];
            if (t->kind != XA_Y_SCALAR || !t->len)
                return fail(&L, t, "mapping target of '%s' must be a field name", k->s);
            to[j] = t->s;
        }
        if (grow((void **)&rs->map_from, rs->nmap, sizeof(char *)) ||
            grow((void **)&rs->map_to, rs->nmap, sizeof(char **)) ||
            grow((void **)&rs->map_nto, rs->nmap, sizeof(size_t)))
            return XA_ERR_NOMEM;
        rs->map_from[rs->nmap] = k->s;
        rs->map_to[rs->nmap] = to;
        rs->map_nto[rs->nmap] = nt;
        rs->nmap++;
    }
    const struct xa_ynode *ph = xa_yaml_get(doc.roots[0], "placeholders");
    for (size_t i = 0; ph && ph->kind == XA_Y_MAP && i + 1 < ph->n; i += 2) {
        const struct xa_ynode *v = ph->kids[i + 1];
        for (size_t j = 0; v->kind == XA_Y_SEQ && j < v->n; j++)
            if (v->kids[j]->kind == XA_Y_SCALAR &&
                (rc = xa_ruleset_add_placeholder(rs, ph->kids[i]->s, v->kids[j]->s)))
                return rc;
    }
    return XA_OK;
}

/* ---- values ----------------------------------------------------------------------- */

struct vstr {
    char *s;
    size_t len;
};

/* Sigma escaping -> pattern bytes (wildcards as WC_STAR / WC_ONE). */
static struct vstr to_pattern(struct xa_arena *a, const char *s, size_t n, bool wild)
{
    struct vstr v = {xa_arena_alloc(a, n + 1), 0};
    if (!v.s)
        return v;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (wild && c == '\\' && i + 1 < n && (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\')) {
            v.s[v.len++] = s[++i];
        } else if (wild && c == '*')
            v.s[v.len++] = WC_STAR;
        else if (wild && c == '?')
            v.s[v.len++] = WC_ONE;
        else
            v.s[v.len++] = c;
    }
    v.s[v.len] = 0;
    return v;
}

static bool has_wc(const struct vstr *v)
{
    return memchr(v->s, WC_STAR, v->len) || memchr(v->s, WC_ONE, v->len);
}

static const char b64tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static struct vstr b64(struct xa_arena *a, const unsigned char *p, size_t n)
{
    struct vstr v = {xa_arena_alloc(a, (n + 2) / 3 * 4 + 1), 0};
    if (!v.s)
        return v;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t x = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            x |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            x |= p[i + 2];
        v.s[v.len++] = b64tab[(x >> 18) & 63];
        v.s[v.len++] = b64tab[(x >> 12) & 63];
        v.s[v.len++] = i + 1 < n ? b64tab[(x >> 6) & 63] : '=';
        v.s[v.len++] = i + 2 < n ? b64tab[x & 63] : '=';
    }
    v.s[v.len] = 0;
    return v;
}

static struct vstr utf16(struct xa_arena *a, const struct vstr *in, int mode /*0 le,1 be,2 bom*/)
{
    struct vstr v = {xa_arena_alloc(a, in->len * 4 + 3), 0};
    if (!v.s)
        return v;
    if (mode == 2) {
        v.s[v.len++] = (char)0xff;
        v.s[v.len++] = (char)0xfe;
    }
    const unsigned char *p = (const unsigned char *)in->s;
    for (size_t i = 0; i < in->len;) {
        uint32_t cp = p[i];
        int extra = cp >= 0xf0 ? 3 : cp >= 0xe0 ? 2 : cp >= 0xc0 ? 1 : 0;
        if (extra) {
            cp &= 0x3f >> extra;
            for (int k = 1; k <= extra && i + (size_t)k < in->len; k++)
                cp = (cp << 6) | (p[i + (size_t)k] & 0x3f);
        }
        i += 1 + (size_t)extra;
        uint16_t u[2];
        int nu = 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            u[0] = (uint16_t)(0xd800 | (cp >> 10));
            u[1] = (uint16_t)(0xdc00 | (cp & 0x3ff));
            nu = 2;
        } else
            u[0] = (uint16_t)cp;
        for (int k = 0; k < nu; k++) {
            char lo = (char)(u[k] & 0xff), hi = (char)(u[k] >> 8);
            v.s[v.len++] = mode == 1 ? hi : lo;
            v.s[v.len++] = mode == 1 ? lo : hi;
        }
    }
    v.s[v.len] = 0;
    return v;
}

static bool word_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c >= 0x80;
}

struct vlist {
    struct vstr v[MAX_VARIANTS];
    size_t n;
};

static void windash(struct xa_arena *a, const struct vstr *in, struct vlist *out)
{
    static const char *const dash[] = {"-", "/", "\xe2\x80\x93", "\xe2\x80\x94", "\xe2\x80\x95"};
    size_t pos[8], np = 0;
    for (size_t i = 0; i < in->len && np < 3; i++) {
        unsigned char c = (unsigned char)in->s[i];
        if ((c == '-' || c == '/') && (i == 0 || !word_char((unsigned char)in->s[i - 1])) &&
            i + 1 < in->len && word_char((unsigned char)in->s[i + 1]))
            pos[np++] = i;
    }
    size_t total = 1;
    for (size_t k = 0; k < np; k++)
        total *= 5;
    for (size_t combo = 0; combo < total && out->n < MAX_VARIANTS; combo++) {
        struct vstr v = {xa_arena_alloc(a, in->len * 3 + 1), 0};
        if (!v.s)
            return;
        size_t c = combo, k = 0;
        for (size_t i = 0; i < in->len; i++) {
            if (k < np && pos[k] == i) {
                const char *d = dash[c % 5];
                c /= 5;
                k++;
                size_t dl = strlen(d);
                memcpy(v.s + v.len, d, dl);
                v.len += dl;
            } else
                v.s[v.len++] = in->s[i];
        }
        v.s[v.len] = 0;
        out->v[out->n++] = v;
    }
}

enum {
    MOD_CONTAINS = 1u << 0, MOD_STARTS = 1u << 1, MOD_ENDS = 1u << 2, MOD_ALL = 1u << 3,
    MOD_RE = 1u << 4, MOD_CIDR = 1u << 5, MOD_CASED = 1u << 6, MOD_EXISTS = 1u << 7,
    MOD_NUM = 1u << 8, MOD_NEQ = 1u << 9, MOD_FIELDREF = 1u << 10, MOD_B64 = 1u << 11,
    MOD_B64OFF = 1u << 12, MOD_WIDE = 1u << 13, MOD_WINDASH = 1u << 14, MOD_EXPAND = 1u << 15,
    MOD_RE_I = 1u << 16, MOD_RE_M = 1u << 17, MOD_RE_S = 1u << 18,
};

struct mods {
    unsigned flags;
    int cmp;
    /* transformations in written order */
    char tr[8];
    int ntr;
    int wide_mode;
};

static xa_rc parse_mods(struct ld *L, const struct xa_ynode *at, const char *spec, struct mods *m)
{
    memset(m, 0, sizeof(*m));
    const char *s = spec;
    bool first = true;
    while (s && *s) {
        const char *e = strchr(s, '|');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        char w[32];
        if (n >= sizeof(w))
            return fail(L, at, "unknown modifier '%.*s'", (int)n, s);
        memcpy(w, s, n);
        w[n] = 0;
        bool after_re = (m->flags & MOD_RE) != 0;
#define IS(x) (strcmp(w, x) == 0)
        if (IS("contains")) m->flags |= MOD_CONTAINS;
        else if (IS("startswith")) m->flags |= MOD_STARTS;
        else if (IS("endswith")) m->flags |= MOD_ENDS;
        else if (IS("all")) m->flags |= MOD_ALL;
        else if (IS("re")) {
            if (!first)
                return fail(L, at, "modifier 're' must come first");
            m->flags |= MOD_RE;
        } else if (after_re && (IS("i") || IS("ignorecase"))) m->flags |= MOD_RE_I;
        else if (after_re && (IS("m") || IS("multiline"))) m->flags |= MOD_RE_M;
        else if (after_re && (IS("s") || IS("dotall"))) m->flags |= MOD_RE_S;
        else if (IS("cidr")) m->flags |= MOD_CIDR;
        else if (IS("cased")) m->flags |= MOD_CASED;
        else if (IS("exists")) m->flags |= MOD_EXISTS;
        else if (IS("gt") || IS("gte") || IS("lt") || IS("lte")) {
            m->flags |= MOD_NUM;
            m->cmp = IS("gt") ? 1 : IS("gte") ? 2 : IS("lt") ? 3 : 4;
        } else if (IS("neq")) m->flags |= MOD_NEQ;
        else if (IS("fieldref")) m->flags |= MOD_FIELDREF;
        else if (IS("base64") || IS("base64offset") || IS("wide") || IS("utf16le") ||
                 IS("utf16be") || IS("utf16") || IS("windash") || IS("expand")) {
            if (m->ntr >= 8)
                return fail(L, at, "too many modifiers");
            char t = IS("base64") ? 'b' : IS("base64offset") ? 'o' : IS("windash") ? 'w'
                     : IS("expand") ? 'x' : IS("utf16be") ? 'B' : IS("utf16") ? 'U' : 'L';
            m->tr[m->ntr++] = t;
            if (t == 'b') m->flags |= MOD_B64;
            if (t == 'o') m->flags |= MOD_B64OFF;
            if (t == 'w') m->flags |= MOD_WINDASH;
            if (t == 'x') m->flags |= MOD_EXPAND;
        } else
            return fail(L, at, "unknown or unsupported modifier '%s'", w);
#undef IS
        first = false;
        s = e ? e + 1 : NULL;
    }
    return XA_OK;
}

static xa_rc add_matcher(struct xa_rule_item *it, size_t *cap, const struct xa_matcher *m, uint16_t grp)
{
    if (it->nm == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        struct xa_matcher *nm = realloc(it->m, nc * sizeof(*nm));
        uint16_t *ng = realloc(it->group, nc * sizeof(*ng));
        if (nm)
            it->m = nm;
        if (ng)
            it->group = ng;
        if (!nm || !ng)
            return XA_ERR_NOMEM;
        *cap = nc;
    }
    it->m[it->nm] = *m;
    it->group[it->nm] = grp;
    it->nm++;
    return XA_OK;
}

static xa_rc parse_cidr(const char *s, struct xa_matcher *m)
{
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n >= sizeof(buf))
        return XA_ERR_INVALID;
    memcpy(buf, s, n);
    buf[n] = 0;
    memset(m->net, 0, 16);
    int bits;
    unsigned char v4[4];
    if (inet_pton(AF_INET, buf, v4) == 1) {
        m->net[10] = m->net[11] = 0xff;
        memcpy(m->net + 12, v4, 4);
        bits = 32;
        m->prefix = 96;
    } else if (inet_pton(AF_INET6, buf, m->net) == 1) {
        bits = 128;
        m->prefix = 0;
    } else
        return XA_ERR_INVALID;
    int p = bits;
    if (slash) {
        char *end;
        long v = strtol(slash + 1, &end, 10);
        if (*end || end == slash + 1 || v < 0 || v > bits)
            return XA_ERR_INVALID;
        p = (int)v;
    }
    m->prefix += p;
    return XA_OK;
}

/* POSIX ERE with the common PCRE shorthands translated (\d \D); see docs/RULES.md. */
static xa_rc compile_re(struct ld *L, const struct xa_ynode *at, const char *s, unsigned flags,
                        regex_t **out)
{
    size_t n = strlen(s);
    char *t = malloc(n * 6 + 1);
    if (!t)
        return XA_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n && (s[i + 1] == 'd' || s[i + 1] == 'D')) {
            const char *r = s[i + 1] == 'd' ? "[0-9]" : "[^0-9]";
            memcpy(t + k, r, strlen(r));
            k += strlen(r);
            i++;
        } else if (s[i] == '(' && i + 2 < n && s[i + 1] == '?') {
            free(t);
            return fail(L, at, "regular expression '%s': look-around and inline groups are not supported", s);
        } else
            t[k++] = s[i];
    }
    t[k] = 0;
    regex_t *re = xa_arena_alloc(&L->rs->arena, sizeof(*re));
    if (!re) {
        free(t);
        return XA_ERR_NOMEM;
    }
    int cf = REG_EXTENDED | REG_NOSUB;
    if (flags & MOD_RE_I)
        cf |= REG_ICASE;
    if (flags & MOD_RE_M)
        cf |= REG_NEWLINE;
    int e = regcomp(re, t, cf);
    free(t);
    if (e) {
        char m[128];
        regerror(e, re, m, sizeof(m));
        return fail(L, at, "invalid regular expression '%s': %s", s, m);
    }
    *out = re;
    return XA_OK;
}

static void classify(struct xa_matcher *m, struct vstr v)
{
    size_t n = v.len;
    bool lead = n && v.s[0] == WC_STAR, trail = n > 1 && v.s[n - 1] == WC_STAR;
    size_t inner_from = lead ? 1 : 0, inner_to = trail ? n - 1 : n;
    bool inner_wc = false;
    for (size_t i = inner_from; i < inner_to; i++)
        if (v.s[i] == WC_STAR || v.s[i] == WC_ONE)
            inner_wc = true;
    if (inner_wc || (n == 1 && v.s[0] == WC_STAR && false)) {
        m->kind = XA_M_GLOB;
        m->s = v.s;
        m->len = n;
        return;
    }
    if (n == 1 && lead) { /* "*": anything (present) */
        m->kind = XA_M_CONTAINS;
        m->s = v.s + 1;
        m->len = 0;
        return;
    }
    m->s = v.s + inner_from;
    m->len = inner_to - inner_from;
    m->kind = lead && trail ? XA_M_CONTAINS : lead ? XA_M_SUFFIX : trail ? XA_M_PREFIX : XA_M_EQ;
}

static const char *scalar_text(const struct xa_ynode *v)
{
    return v->s; /* numbers and booleans compare by their text (docs/RULES.md) */
}

static xa_rc compile_value(struct ld *L, const struct xa_ynode *v, const struct mods *md,
                           struct xa_rule_item *it, size_t *cap, uint16_t grp)
{
    struct xa_matcher m;
    memset(&m, 0, sizeof(m));
    unsigned f = md->flags;
    m.cased = (f & MOD_CASED) != 0;
    if (v->kind != XA_Y_SCALAR)
        return fail(L, v, "a value must be a scalar (nested lists and maps are not Sigma)");
    if (f & MOD_EXISTS) {
        m.kind = XA_M_EXISTS;
        if (strcmp(v->s, "true") && strcmp(v->s, "false"))
            return fail(L, v, "'exists' takes true or false");
        m.exists = strcmp(v->s, "true") == 0;
        return add_matcher(it, cap, &m, grp);
    }
    if (xa_yaml_is_null(v)) {
        m.kind = XA_M_NULL;
        return add_matcher(it, cap, &m, grp);
    }
    const char *text = scalar_text(v);
    if (f & MOD_NUM) {
        char *end;
        m.kind = XA_M_NUM;
        m.cmp = md->cmp;
        m.num = strtod(text, &end);
        if (end == text || *end)
            return fail(L, v, "'%s' is not a number", text);
        return add_matcher(it, cap, &m, grp);
    }
    if (f & MOD_CIDR) {
        m.kind = XA_M_CIDR;
        if (parse_cidr(text, &m))
            return fail(L, v, "invalid CIDR '%s'", text);
        return add_matcher(it, cap, &m, grp);
    }
    if (f & MOD_RE) {
        m.kind = XA_M_RE;
        m.cased = true;
        xa_rc rc = compile_re(L, v, text, f, &m.re);
        if (rc)
            return rc;
        return add_matcher(it, cap, &m, grp);
    }
    if (f & MOD_FIELDREF) {
        struct xa_fref *r = xa_arena_zalloc(L->a, sizeof(*r));
        if (!r)
            return XA_ERR_NOMEM;
        xa_rc rc = resolve_field(L->rs, text, true, r, NULL, 0);
        if (rc)
            return rc;
        m.kind = XA_M_FIELDREF;
        m.ref = r;
        m.ref_mode = f & MOD_CONTAINS ? 1 : f & MOD_STARTS ? 2 : f & MOD_ENDS ? 3 : 0;
        return add_matcher(it, cap, &m, grp);
    }
    /* string pipeline: expand, encodings, windash; then contains/startswith/endswith */
    struct vlist *cur = malloc(sizeof(*cur)), *nxt = malloc(sizeof(*nxt));
    xa_rc rc = XA_OK;
    if (!cur || !nxt) {
        rc = XA_ERR_NOMEM;
        goto out;
    }
    cur->n = 0;
    bool encoded = false;
    bool expanded = false;
    for (int t = 0; t < md->ntr; t++)
        if (md->tr[t] == 'x')
            expanded = true;
    if (expanded) {
        /* %name% -> each value of the placeholder */
        const char *p1 = strchr(text, '%'), *p2 = p1 ? strchr(p1 + 1, '%') : NULL;
        if (!p1 || !p2) {
            rc = fail(L, v, "'expand' without a %%placeholder%% in '%s'", text);
            goto out;
        }
        size_t ph = 0;
        for (; ph < L->rs->nph; ph++)
            if (strlen(L->rs->ph_name[ph]) == (size_t)(p2 - p1 - 1) &&
                strncmp(L->rs->ph_name[ph], p1 + 1, (size_t)(p2 - p1 - 1)) == 0)
                break;
        if (ph == L->rs->nph) {
            rc = fail(L, v, "placeholder %.*s has no values (rules.placeholders in the configuration)",
                      (int)(p2 - p1 + 1), p1);
            goto out;
        }
        for (size_t k = 0; k < L->rs->ph_n[ph] && cur->n < MAX_VARIANTS; k++) {
            const char *pv = L->rs->ph_vals[ph][k];
            char *s = xa_arena_printf(L->a, "%.*s%s%s", (int)(p1 - text), text, pv, p2 + 1);
            if (!s) {
                rc = XA_ERR_NOMEM;
                goto out;
            }
            cur->v[cur->n++] = to_pattern(L->a, s, strlen(s), true);
        }
    } else
        cur->v[cur->n++] = to_pattern(L->a, text, strlen(text), true);
    for (int t = 0; t < md->ntr; t++) {
        char tr = md->tr[t];
        if (tr == 'x')
            continue;
        nxt->n = 0;
        for (size_t k = 0; k < cur->n; k++) {
            struct vstr in = cur->v[k];
            if (!in.s) {
                rc = XA_ERR_NOMEM;
                goto out;
            }
            if ((tr == 'b' || tr == 'o' || tr == 'L' || tr == 'B' || tr == 'U') && has_wc(&in)) {
                rc = fail(L, v, "wildcards are not allowed with encoding modifiers ('%s')", text);
                goto out;
            }
            if (tr == 'L' || tr == 'B' || tr == 'U')
                nxt->v[nxt->n++] = utf16(L->a, &in, tr == 'L' ? 0 : tr == 'B' ? 1 : 2);
            else if (tr == 'b') {
                nxt->v[nxt->n++] = b64(L->a, (const unsigned char *)in.s, in.len);
                encoded = true;
            } else if (tr == 'o') {
                static const size_t start[3] = {0, 2, 3}, endcut[3] = {0, 3, 2};
                for (size_t i = 0; i < 3; i++) {
                    unsigned char *buf = xa_arena_alloc(L->a, in.len + 3);
                    if (!buf) {
                        rc = XA_ERR_NOMEM;
                        goto out;
                    }
                    memset(buf, ' ', i);
                    memcpy(buf + i, in.s, in.len);
                    struct vstr e = b64(L->a, buf, in.len + i);
                    size_t cut = endcut[(in.len + i) % 3];
                    if (!e.s || e.len < start[i] + cut)
                        continue;
                    struct vstr r = {e.s + start[i], e.len - start[i] - cut};
                    r.s = adup(L->a, r.s, r.len);
                    if (r.len && nxt->n < MAX_VARIANTS)
                        nxt->v[nxt->n++] = r;
                }
                encoded = true;
            } else if (tr == 'w')
                windash(L->a, &in, nxt);
        }
        struct vlist *sw = cur;
        cur = nxt;
        nxt = sw;
    }
    for (size_t k = 0; k < cur->n; k++) {
        struct vstr in = cur->v[k];
        if (!in.s) {
            rc = XA_ERR_NOMEM;
            goto out;
        }
        bool pre = (f & (MOD_CONTAINS | MOD_ENDS)) && !(in.len && in.s[0] == WC_STAR);
        bool post = (f & (MOD_CONTAINS | MOD_STARTS)) && !(in.len && in.s[in.len - 1] == WC_STAR);
        struct vstr w = {xa_arena_alloc(L->a, in.len + 3), 0};
        if (!w.s) {
            rc = XA_ERR_NOMEM;
            goto out;
        }
        if (pre)
            w.s[w.len++] = WC_STAR;
        memcpy(w.s + w.len, in.s, in.len);
        w.len += in.len;
        if (post)
            w.s[w.len++] = WC_STAR;
        w.s[w.len] = 0;
        struct xa_matcher mm = m;
        mm.cased = m.cased || encoded;
        if (!mm.cased)
            for (size_t i = 0; i < w.len; i++)
                if (w.s[i] >= 'A' && w.s[i] <= 'Z')
                    w.s[i] = (char)(w.s[i] + 32);
        classify(&mm, w);
        if ((rc = add_matcher(it, cap, &mm, grp)))
            goto out;
    }
out:
    free(cur);
    free(nxt);
    return rc;
}

static xa_rc compile_item(struct ld *L, struct xa_rule *r, const struct xa_ynode *key,
                          const struct xa_ynode *val, struct xa_rule_item *it)
{
    memset(it, 0, sizeof(*it));
    const char *k = key->s;
    const char *bar = strchr(k, '|');
    size_t fl = bar ? (size_t)(bar - k) : strlen(k);
    struct mods md;
    xa_rc rc = parse_mods(L, key, bar ? bar + 1 : NULL, &md);
    if (rc)
        return rc;
    if (fl == 0) {
        it->field.kind = XA_F_KEYWORDS;
        it->field.name = "keywords";
    } else {
        char *fname = adup(L->a, k, fl);
        if (!fname)
            return XA_ERR_NOMEM;
        bool unm = false;
        if ((rc = resolve_field(L->rs, fname, true, &it->field, &unm, 0)))
            return rc;
        if (unm) {
            const char **u = xa_arena_alloc(L->a, (r->nunmapped + 1) * sizeof(*u));
            if (!u)
                return XA_ERR_NOMEM;
            if (r->nunmapped)
                memcpy(u, r->unmapped, r->nunmapped * sizeof(*u));
            u[r->nunmapped++] = fname;
            r->unmapped = u;
        }
    }
    unsigned f = md.flags;
    if ((f & (MOD_RE | MOD_CIDR | MOD_EXISTS)) && (f & (MOD_CONTAINS | MOD_STARTS | MOD_ENDS)))
        return fail(L, key, "'%s': re, cidr and exists take unmodified values", k);
    it->all = (f & MOD_ALL) != 0;
    it->neq = (f & MOD_NEQ) != 0;
    size_t cap = 0;
    if (val->kind == XA_Y_SEQ) {
        if (val->n == 0)
            return fail(L, val, "'%s': empty list of values", k);
        if (val->n > 65535)
            return fail(L, val, "'%s': too many values", k);
        bool has_null = false;
        for (size_t i = 0; i < val->n; i++)
            has_null |= xa_yaml_is_null(val->kids[i]);
        if (has_null && val->n > 1)
            return fail(L, val, "'%s': null must not share a list with other values", k);
        for (size_t i = 0; i < val->n; i++)
            if ((rc = compile_value(L, val->kids[i], &md, it, &cap, (uint16_t)i)))
                return rc;
        it->ngroups = val->n;
    } else {
        if (it->all)
            return fail(L, key, "'%s': 'all' needs a list of values", k);
        if ((rc = compile_value(L, val, &md, it, &cap, 0)))
            return rc;
        it->ngroups = 1;
    }
    if (it->all && !(f & (MOD_CONTAINS | MOD_STARTS | MOD_ENDS | MOD_RE)) && fl)
        return fail(L, key, "'%s': 'all' without contains/startswith/endswith/re can never match", k);
    return XA_OK;
}

/* Move an item's matcher arrays from the heap into the rule set's arena. */
static xa_rc settle_item(struct ld *L, struct xa_rule_item *it)
{
    struct xa_matcher *m = it->nm ? xa_arena_alloc(L->a, it->nm * sizeof(*m)) : NULL;
    uint16_t *g = it->nm ? xa_arena_alloc(L->a, it->nm * sizeof(*g)) : NULL;
    if (it->nm && (!m || !g))
        return XA_ERR_NOMEM;
    if (it->nm) {
        memcpy(m, it->m, it->nm * sizeof(*m));
        memcpy(g, it->group, it->nm * sizeof(*g));
    }
    free(it->m);
    free(it->group);
    it->m = m;
    it->group = g;
    return XA_OK;
}

static xa_rc compile_map(struct ld *L, struct xa_rule *r, const struct xa_ynode *m,
                         struct xa_rule_item **items, size_t *n)
{
    size_t np = m->n / 2;
    *items = xa_arena_zalloc(L->a, (np ? np : 1) * sizeof(**items));
    if (!*items)
        return XA_ERR_NOMEM;
    for (size_t i = 0; i < np; i++) {
        if (m->kids[2 * i]->kind != XA_Y_SCALAR)
            return fail(L, m->kids[2 * i], "field names are scalars");
        xa_rc rc = compile_item(L, r, m->kids[2 * i], m->kids[2 * i + 1], &(*items)[i]);
        xa_rc rc2 = settle_item(L, &(*items)[i]);
        *n = i + 1; /* compiled so far (regexes are freed on failure) */
        if (rc || rc2)
            return rc ? rc : rc2;
    }
    *n = np;
    return XA_OK;
}

static xa_rc compile_sel(struct ld *L, struct xa_rule *r, const char *name,
                         const struct xa_ynode *v, struct xa_sel *s)
{
    memset(s, 0, sizeof(*s));
    s->name = name;
    struct xa_arena *a = L->a;
    if (v->kind == XA_Y_MAP) {
        s->nalts = 1;
        s->alts = xa_arena_zalloc(a, sizeof(*s->alts));
        s->nitems = xa_arena_zalloc(a, sizeof(*s->nitems));
        if (!s->alts || !s->nitems)
            return XA_ERR_NOMEM;
        if (v->n == 0)
            return fail(L, v, "selection '%s' is empty", name);
        return compile_map(L, r, v, &s->alts[0], &s->nitems[0]);
    }
    if (v->kind == XA_Y_SEQ && v->n && v->kids[0]->kind == XA_Y_MAP) {
        s->nalts = v->n;
        s->alts = xa_arena_zalloc(a, v->n * sizeof(*s->alts));
        s->nitems = xa_arena_zalloc(a, v->n * sizeof(*s->nitems));
        if (!s->alts || !s->nitems)
            return XA_ERR_NOMEM;
        for (size_t i = 0; i < v->n; i++) {
            if (v->kids[i]->kind != XA_Y_MAP)
                return fail(L, v->kids[i], "selection '%s' mixes maps and values", name);
            xa_rc rc = compile_map(L, r, v->kids[i], &s->alts[i], &s->nitems[i]);
            if (rc)
                return rc;
        }
        return XA_OK;
    }
    if (v->kind == XA_Y_SEQ || v->kind == XA_Y_SCALAR) { /* keywords */
        if (v->kind == XA_Y_SEQ && v->n == 0)
            return fail(L, v, "selection '%s' is empty", name);
        s->nalts = 1;
        s->alts = xa_arena_zalloc(a, sizeof(*s->alts));
        s->nitems = xa_arena_zalloc(a, sizeof(*s->nitems));
        struct xa_rule_item *it = xa_arena_zalloc(a, sizeof(*it));
        if (!s->alts || !s->nitems || !it)
            return XA_ERR_NOMEM;
        it->field.kind = XA_F_KEYWORDS;
        it->field.name = "keywords";
        struct mods md;
        memset(&md, 0, sizeof(md));
        md.flags = MOD_CONTAINS;
        size_t cap = 0;
        size_t nv = v->kind == XA_Y_SEQ ? v->n : 1;
        for (size_t i = 0; i < nv; i++) {
            xa_rc rc = compile_value(L, v->kind == XA_Y_SEQ ? v->kids[i] : v, &md, it, &cap,
                                     (uint16_t)i);
            if (rc) {
                settle_item(L, it);
                return rc;
            }
        }
        it->ngroups = nv;
        xa_rc rc2 = settle_item(L, it);
        if (rc2)
            return rc2;
        s->alts[0] = it;
        s->nitems[0] = 1;
        return XA_OK;
    }
    return fail(L, v, "selection '%s' has an unsupported shape", name);
}

/* ---- conditions ------------------------------------------------------------------- */

struct cp {
    struct ld *L;
    const struct xa_ynode *at;
    struct xa_rule *r;
    const char *s;
    char tok[128];
    int tk; /* 0 end, 1 word, '(' ')' */
};

static void next_tok(struct cp *p)
{
    while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')
        p->s++;
    if (!*p->s) {
        p->tk = 0;
        return;
    }
    if (*p->s == '(' || *p->s == ')') {
        p->tk = *p->s++;
        return;
    }
    size_t n = 0;
    while (*p->s && !strchr(" \t\r\n()", *p->s)) {
        if (n + 1 < sizeof(p->tok))
            p->tok[n++] = *p->s;
        p->s++;
    }
    p->tok[n] = 0;
    p->tk = 1;
}

static struct xa_cnode *mk(struct cp *p, enum xa_cnode_kind k, size_t n)
{
    struct xa_cnode *c = xa_arena_zalloc(p->L->a, sizeof(*c));
    if (!c)
        return NULL;
    c->kind = k;
    if (n) {
        c->kids = xa_arena_zalloc(p->L->a, n * sizeof(*c->kids));
        if (!c->kids)
            return NULL;
    }
    c->n = n;
    return c;
}

static bool pat_match(const char *pat, const char *s)
{
    if (*pat == 0)
        return *s == 0;
    if (*pat == '*')
        return pat_match(pat + 1, s) || (*s && pat_match(pat, s + 1));
    return *s == *pat && pat_match(pat + 1, s + 1);
}

static xa_rc parse_or(struct cp *p, struct xa_cnode **out);

static xa_rc parse_primary(struct cp *p, struct xa_cnode **out)
{
    if (p->tk == '(') {
        next_tok(p);
        xa_rc rc = parse_or(p, out);
        if (rc)
            return rc;
        if (p->tk != ')')
            return fail(p->L, p->at, "condition: ')' expected");
        next_tok(p);
        return XA_OK;
    }
    if (p->tk != 1)
        return fail(p->L, p->at, "condition: identifier expected");
    if (strchr(p->tok, '|'))
        return fail(p->L, p->at, "condition: pipe aggregations are obsolete; use a correlation rule");
    if (strcmp(p->tok, "1") == 0 || strcmp(p->tok, "any") == 0 || strcmp(p->tok, "all") == 0) {
        bool all = strcmp(p->tok, "all") == 0;
        next_tok(p);
        if (p->tk != 1 || strcmp(p->tok, "of") != 0)
            return fail(p->L, p->at, "condition: 'of' expected");
        next_tok(p);
        if (p->tk != 1)
            return fail(p->L, p->at, "condition: pattern expected after 'of'");
        bool them = strcmp(p->tok, "them") == 0;
        size_t cnt = 0;
        for (size_t i = 0; i < p->r->nsels; i++) {
            const char *nm = p->r->sels[i].name;
            if (nm[0] != '_' && (them || pat_match(p->tok, nm)))
                cnt++;
        }
        if (!cnt)
            return fail(p->L, p->at, "condition: '%s' matches no selection", p->tok);
        struct xa_cnode *c = mk(p, all ? XA_C_AND : XA_C_OR, cnt);
        if (!c)
            return XA_ERR_NOMEM;
        size_t k = 0;
        for (size_t i = 0; i < p->r->nsels; i++) {
            const char *nm = p->r->sels[i].name;
            if (nm[0] != '_' && (them || pat_match(p->tok, nm))) {
                struct xa_cnode *s = mk(p, XA_C_SEL, 0);
                if (!s)
                    return XA_ERR_NOMEM;
                s->sel = (int)i;
                c->kids[k++] = s;
            }
        }
        next_tok(p);
        *out = c;
        return XA_OK;
    }
    static const char *const kw[] = {"and", "or", "not", "of", "them", NULL};
    for (int i = 0; kw[i]; i++)
        if (strcmp(p->tok, kw[i]) == 0)
            return fail(p->L, p->at, "condition: unexpected '%s'", p->tok);
    for (size_t i = 0; i < p->r->nsels; i++)
        if (strcmp(p->r->sels[i].name, p->tok) == 0) {
            struct xa_cnode *s = mk(p, XA_C_SEL, 0);
            if (!s)
                return XA_ERR_NOMEM;
            s->sel = (int)i;
            next_tok(p);
            *out = s;
            return XA_OK;
        }
    return fail(p->L, p->at, "condition: undefined selection '%s'", p->tok);
}

static xa_rc parse_not(struct cp *p, struct xa_cnode **out)
{
    if (p->tk == 1 && strcmp(p->tok, "not") == 0) {
        next_tok(p);
        struct xa_cnode *k;
        xa_rc rc = parse_not(p, &k);
        if (rc)
            return rc;
        struct xa_cnode *c = mk(p, XA_C_NOT, 1);
        if (!c)
            return XA_ERR_NOMEM;
        c->kids[0] = k;
        *out = c;
        return XA_OK;
    }
    return parse_primary(p, out);
}

static xa_rc parse_bin(struct cp *p, struct xa_cnode **out, const char *op,
                       xa_rc (*sub)(struct cp *, struct xa_cnode **), enum xa_cnode_kind kind)
{
    struct xa_cnode *l;
    xa_rc rc = sub(p, &l);
    if (rc)
        return rc;
    while (p->tk == 1 && strcmp(p->tok, op) == 0) {
        next_tok(p);
        struct xa_cnode *r;
        if ((rc = sub(p, &r)))
            return rc;
        struct xa_cnode *c = mk(p, kind, 2);
        if (!c)
            return XA_ERR_NOMEM;
        c->kids[0] = l;
        c->kids[1] = r;
        l = c;
    }
    *out = l;
    return XA_OK;
}

static xa_rc parse_and(struct cp *p, struct xa_cnode **out)
{
    return parse_bin(p, out, "and", parse_not, XA_C_AND);
}

static xa_rc parse_or(struct cp *p, struct xa_cnode **out)
{
    return parse_bin(p, out, "or", parse_and, XA_C_OR);
}

static xa_rc parse_condition(struct ld *L, struct xa_rule *r, const struct xa_ynode *c,
                             struct xa_cnode **out)
{
    if (c->kind == XA_Y_SEQ) {
        if (!c->n)
            return fail(L, c, "empty condition list");
        struct cp p0 = {L, c, r, "", {0}, 0};
        struct xa_cnode *o = mk(&p0, XA_C_OR, c->n);
        if (!o)
            return XA_ERR_NOMEM;
        for (size_t i = 0; i < c->n; i++) {
            xa_rc rc = parse_condition(L, r, c->kids[i], &o->kids[i]);
            if (rc)
                return rc;
        }
        *out = o;
        return XA_OK;
    }
    if (c->kind != XA_Y_SCALAR || !c->len)
        return fail(L, c, "condition must be a string or a list of strings");
    struct cp p = {L, c, r, c->s, {0}, 0};
    next_tok(&p);
    xa_rc rc = parse_or(&p, out);
    if (rc)
        return rc;
    if (p.tk != 0)
        return fail(L, c, "condition: unexpected '%s'", p.tk == 1 ? p.tok : ")");
    return XA_OK;
}

/* Operation values every match needs (for the engine's index), or false. */
struct opset {
    const char **v;
    size_t n;
};

static bool sel_ops(struct xa_arena *a, const struct xa_sel *s, struct opset *out)
{
    out->v = NULL;
    out->n = 0;
    for (size_t i = 0; i < s->nalts; i++) {
        const struct xa_rule_item *hit = NULL;
        for (size_t k = 0; k < s->nitems[i]; k++) {
            const struct xa_rule_item *it = &s->alts[i][k];
            if (it->field.kind == XA_F_NORM && it->field.nf == XA_NF_OPERATION && !it->field.alt &&
                !it->neq && !it->all && it->nm) {
                bool eq = true;
                for (size_t m = 0; m < it->nm; m++)
                    eq &= it->m[m].kind == XA_M_EQ && !it->m[m].cased;
                if (eq) {
                    hit = it;
                    break;
                }
            }
        }
        if (!hit)
            return false;
        const char **nv = xa_arena_alloc(a, (out->n + hit->nm) * sizeof(*nv));
        if (!nv)
            return false;
        if (out->n)
            memcpy(nv, out->v, out->n * sizeof(*nv));
        for (size_t m = 0; m < hit->nm; m++)
            nv[out->n + m] = hit->m[m].s;
        out->v = nv;
        out->n += hit->nm;
    }
    return true;
}

static bool cond_ops(struct xa_arena *a, const struct xa_rule *r, const struct xa_cnode *c,
                     struct opset *out)
{
    switch (c->kind) {
    case XA_C_SEL: return sel_ops(a, &r->sels[c->sel], out);
    case XA_C_AND: {
        bool any = false;
        for (size_t i = 0; i < c->n; i++) {
            struct opset o;
            if (cond_ops(a, r, c->kids[i], &o) && (!any || o.n < out->n)) {
                *out = o;
                any = true;
            }
        }
        return any;
    }
    case XA_C_OR: {
        struct opset acc = {NULL, 0};
        for (size_t i = 0; i < c->n; i++) {
            struct opset o;
            if (!cond_ops(a, r, c->kids[i], &o))
                return false;
            const char **nv = xa_arena_alloc(a, (acc.n + o.n + 1) * sizeof(*nv));
            if (!nv)
                return false;
            if (acc.n)
                memcpy(nv, acc.v, acc.n * sizeof(*nv));
            if (o.n)
                memcpy(nv + acc.n, o.v, o.n * sizeof(*nv));
            acc.v = nv;
            acc.n += o.n;
        }
        *out = acc;
        return true;
    }
    default: return false;
    }
}

/* ---- documents -------------------------------------------------------------------- */

static const char *opt_str(const struct xa_ynode *m, const char *k)
{
    return xa_yaml_str(xa_yaml_get(m, k));
}

static xa_rc str_list(struct ld *L, const struct xa_ynode *n, const char ***out, size_t *cnt)
{
    *out = NULL;
    *cnt = 0;
    if (!n)
        return XA_OK;
    if (n->kind == XA_Y_SCALAR) {
        *out = xa_arena_alloc(L->a, sizeof(**out));
        if (!*out)
            return XA_ERR_NOMEM;
        (*out)[0] = n->s;
        *cnt = 1;
        return XA_OK;
    }
    if (n->kind != XA_Y_SEQ)
        return fail(L, n, "a list of strings is expected");
    *out = xa_arena_alloc(L->a, (n->n ? n->n : 1) * sizeof(**out));
    if (!*out)
        return XA_ERR_NOMEM;
    for (size_t i = 0; i < n->n; i++) {
        if (n->kids[i]->kind != XA_Y_SCALAR)
            return fail(L, n->kids[i], "a list of strings is expected");
        (*out)[i] = n->kids[i]->s;
    }
    *cnt = n->n;
    return XA_OK;
}

static xa_rc parse_duration(const char *s, int64_t *us)
{
    if (!s || !*s)
        return XA_ERR_INVALID;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || v <= 0 || strlen(end) != 1)
        return XA_ERR_INVALID;
    int64_t mul;
    switch (*end) {
    case 's': mul = 1; break;
    case 'm': mul = 60; break;
    case 'h': mul = 3600; break;
    case 'd': mul = 86400; break;
    case 'w': mul = 7 * 86400; break;
    case 'M': mul = 30 * 86400; break;
    case 'y': mul = 365 * 86400; break;
    default: return XA_ERR_INVALID;
    }
    if (v > 100LL * 365 * 86400 / mul)
        return XA_ERR_INVALID;
    *us = (int64_t)v * mul * 1000000;
    return XA_OK;
}

static xa_rc common_meta(struct ld *L, const struct xa_ynode *d, struct xa_rule *r,
                         const char *license)
{
    r->title = opt_str(d, "title");
    if (!r->title || !*r->title)
        return fail(L, d, "'title' is required");
    if (strlen(r->title) > 256)
        return fail(L, d, "'title' longer than 256 characters");
    r->id = opt_str(d, "id");
    r->name = opt_str(d, "name");
    r->author = opt_str(d, "author");
    r->status = opt_str(d, "status");
    r->description = opt_str(d, "description");
    r->license = opt_str(d, "license");
    if (!r->license)
        r->license = license;
    r->origin = L->origin;
    const char *lv = opt_str(d, "level");
    r->severity = lv ? level_parse(lv) : 2;
    r->level = xa_rule_level_name(r->severity);
    if (r->severity < 0)
        return fail(L, xa_yaml_get(d, "level"), "unknown level '%s'", lv);
    r->level = xa_rule_level_name(r->severity);
    xa_rc rc;
    if ((rc = str_list(L, xa_yaml_get(d, "tags"), &r->tags, &r->ntags)) ||
        (rc = str_list(L, xa_yaml_get(d, "falsepositives"), &r->fps, &r->nfps)))
        return rc;
    if (opt_str(d, "action"))
        return fail(L, d, "legacy 'action:' documents (Sigma v1 templating) are not supported");
    if (!r->id && !r->name)
        r->id = xa_arena_printf(L->a, "%s#%d", L->origin, L->doc + 1);
    r->generate = true;
    r->dedup_us = XA_RULES_DEDUP_DEFAULT;
    const struct xa_ynode *ls = xa_yaml_get(d, "logsource");
    r->product = opt_str(ls, "product");
    r->service = opt_str(ls, "service");
    r->category = opt_str(ls, "category");
    const struct xa_ynode *x = xa_yaml_get(d, "exoaudit");
    if (x) {
        r->why = opt_str(x, "why");
        const char *inc = opt_str(x, "include-system");
        r->include_system = inc && strcmp(inc, "true") == 0;
        const char *dd = opt_str(x, "dedup");
        if (dd && parse_duration(dd, &r->dedup_us))
            return fail(L, x, "exoaudit.dedup: expected a duration like 30m, 24h, 7d");
        const char **gb;
        size_t ngb;
        if ((rc = str_list(L, xa_yaml_get(x, "group-by"), &gb, &ngb)))
            return rc;
        if (ngb) {
            r->groupby = xa_arena_zalloc(L->a, ngb * sizeof(*r->groupby));
            if (!r->groupby)
                return XA_ERR_NOMEM;
            for (size_t i = 0; i < ngb; i++)
                if ((rc = resolve_field(L->rs, gb[i], true, &r->groupby[i], NULL, 0)))
                    return rc;
            r->ngroupby = ngb;
        }
    }
    return XA_OK;
}

static xa_rc load_detection(struct ld *L, const struct xa_ynode *d, struct xa_rule *r)
{
    const struct xa_ynode *det = xa_yaml_get(d, "detection");
    if (!det || det->kind != XA_Y_MAP)
        return fail(L, d, "'detection' must be a mapping");
    if (!xa_yaml_get(d, "logsource"))
        return fail(L, d, "'logsource' is required");
    const struct xa_ynode *cond = xa_yaml_get(det, "condition");
    if (!cond)
        return fail(L, det, "'detection.condition' is required");
    size_t ns = det->n / 2 - 1;
    if (!ns)
        return fail(L, det, "'detection' has no selection");
    r->sels = xa_arena_zalloc(L->a, ns * sizeof(*r->sels));
    if (!r->sels)
        return XA_ERR_NOMEM;
    for (size_t i = 0; i + 1 < det->n; i += 2) {
        const struct xa_ynode *k = det->kids[i];
        if (k->kind != XA_Y_SCALAR)
            return fail(L, k, "selection names are scalars");
        if (strcmp(k->s, "condition") == 0 || strcmp(k->s, "timeframe") == 0)
            continue;
        for (const char *c = k->s; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                  *c == '_' || *c == '-'))
                return fail(L, k, "selection name '%s' has characters other than A-Z a-z 0-9 _ -",
                            k->s);
        xa_rc rc = compile_sel(L, r, k->s, det->kids[i + 1], &r->sels[r->nsels]);
        r->nsels++; /* counted even on failure so that regexes are freed */
        if (rc)
            return rc;
    }
    if (xa_yaml_get(det, "timeframe"))
        return fail(L, det, "'timeframe' belongs to correlation rules (timespan)");
    xa_rc rc = parse_condition(L, r, cond, &r->cond);
    if (rc)
        return rc;
    struct opset o;
    if (cond_ops(L->a, r, r->cond, &o) && o.n) {
        r->ops = o.v;
        r->nops = o.n;
    }
    return XA_OK;
}

static xa_rc load_correlation(struct ld *L, const struct xa_ynode *d, struct xa_rule *r)
{
    const struct xa_ynode *c = xa_yaml_get(d, "correlation");
    if (!c || c->kind != XA_Y_MAP)
        return fail(L, d, "'correlation' must be a mapping");
    const char *t = opt_str(c, "type");
    if (!t)
        return fail(L, c, "'correlation.type' is required");
    if (strcmp(t, "event_count") == 0) r->ctype = XA_CORR_EVENT_COUNT;
    else if (strcmp(t, "value_count") == 0) r->ctype = XA_CORR_VALUE_COUNT;
    else if (strcmp(t, "temporal") == 0) r->ctype = XA_CORR_TEMPORAL;
    else if (strcmp(t, "temporal_ordered") == 0) r->ctype = XA_CORR_ORDERED;
    else
        return fail(L, c, "correlation type '%s' is not supported (event_count, value_count, "
                          "temporal, temporal_ordered)", t);
    xa_rc rc = str_list(L, xa_yaml_get(c, "rules"), &r->refs, &r->nrefs);
    if (rc)
        return rc;
    if (!r->nrefs)
        return fail(L, c, "'correlation.rules' is required");
    if (r->nrefs > 32)
        return fail(L, c, "at most 32 rules per correlation");
    const char *ts = opt_str(c, "timespan");
    if (!ts)
        ts = opt_str(c, "timeframe");
    if (parse_duration(ts, &r->timespan_us))
        return fail(L, c, "'correlation.timespan' must be like 30s, 10m, 24h, 7d");
    if ((rc = str_list(L, xa_yaml_get(c, "group-by"), &r->gb_names, &r->ngb)))
        return rc;
    const struct xa_ynode *aliases = xa_yaml_get(c, "aliases");
    r->gb = xa_arena_zalloc(L->a, (r->nrefs * r->ngb + 1) * sizeof(*r->gb));
    r->vfield = xa_arena_zalloc(L->a, r->nrefs * sizeof(*r->vfield));
    if (!r->gb || !r->vfield)
        return XA_ERR_NOMEM;
    for (size_t j = 0; j < r->ngb; j++) {
        const struct xa_ynode *al = xa_yaml_get(aliases, r->gb_names[j]);
        for (size_t i = 0; i < r->nrefs; i++) {
            const char *fname = r->gb_names[j];
            if (al) {
                fname = opt_str(al, r->refs[i]);
                if (!fname)
                    return fail(L, al, "alias '%s' has no field for rule '%s'", r->gb_names[j],
                                r->refs[i]);
            }
            if ((rc = resolve_field(L->rs, fname, true, &r->gb[i * r->ngb + j], NULL, 0)))
                return rc;
        }
    }
    const struct xa_ynode *cond = xa_yaml_get(c, "condition");
    r->threshold = -1;
    if (cond) {
        if (cond->kind != XA_Y_MAP)
            return fail(L, cond, "'correlation.condition' must be a mapping");
        for (size_t i = 0; i + 1 < cond->n; i += 2) {
            const char *k = cond->kids[i]->s, *v = cond->kids[i + 1]->s;
            if (strcmp(k, "field") == 0) {
                if (!v)
                    return fail(L, cond, "condition.field must be one field name");
                for (size_t q = 0; q < r->nrefs; q++) {
                    const char *fn = v;
                    const struct xa_ynode *al = xa_yaml_get(aliases, v);
                    if (al && opt_str(al, r->refs[q]))
                        fn = opt_str(al, r->refs[q]);
                    if ((rc = resolve_field(L->rs, fn, true, &r->vfield[q], NULL, 0)))
                        return rc;
                }
                continue;
            }
            char *end;
            long long n = v ? strtoll(v, &end, 10) : 0;
            if (!v || end == v || *end || n < 0 || n > 1000000)
                return fail(L, cond, "condition.%s must be an integer 0 to 1000000", k);
            if (strcmp(k, "gte") == 0)
                r->threshold = n;
            else if (strcmp(k, "gt") == 0)
                r->threshold = n + 1;
            else if (strcmp(k, "lt") == 0 || strcmp(k, "lte") == 0 || strcmp(k, "eq") == 0 ||
                     strcmp(k, "neq") == 0)
                return fail(L, cond, "condition '%s' can only be decided when a window closes; "
                                     "exoaudit evaluates gt and gte", k);
            else
                return fail(L, cond, "unknown correlation condition '%s'", k);
        }
    }
    if (r->ctype == XA_CORR_EVENT_COUNT || r->ctype == XA_CORR_VALUE_COUNT) {
        if (r->threshold < 0)
            return fail(L, c, "a counting correlation needs condition gt or gte");
        if (r->ctype == XA_CORR_VALUE_COUNT && !r->vfield[0].kind)
            return fail(L, c, "value_count needs condition.field");
    } else if (r->threshold < 0)
        r->threshold = (int64_t)r->nrefs;
    if (r->threshold < 1)
        r->threshold = 1;
    const char *gen = opt_str(d, "generate");
    if (!gen)
        gen = opt_str(c, "generate");
    r->generate = true;
    /* the referenced rules' own alerts: stored as a request, applied in finalise */
    r->users = NULL;
    if (gen && strcmp(gen, "true") == 0)
        r->nusers = (size_t)-1; /* marker: keep base rules generating */
    return XA_OK;
}

static xa_rc add_rule(struct xa_ruleset *rs, struct xa_rule *r)
{
    if (rs->n >= XA_RULES_MAX)
        return XA_ERR_LIMIT;
    if (rs->n == rs->cap) {
        size_t nc = rs->cap ? rs->cap * 2 : 64;
        struct xa_rule **n = realloc(rs->rules, nc * sizeof(*n));
        if (!n)
            return XA_ERR_NOMEM;
        rs->rules = n;
        rs->cap = nc;
    }
    r->index = (int)rs->n;
    rs->rules[rs->n++] = r;
    return XA_OK;
}

xa_rc xa_ruleset_load(struct xa_ruleset *rs, const char *origin, const char *text, size_t len,
                      const char *license, struct xa_diag *diag)
{
    struct ld L = {rs, &rs->arena, NULL, 0, diag};
    L.origin = xa_arena_strdup(&rs->arena, origin ? origin : "<rules>");
    if (!L.origin)
        return XA_ERR_NOMEM;
    if (rs->finalised)
        return xa_diag_set(diag, XA_ERR_INTERNAL, "rule set already finalised");
    struct xa_ydoc doc;
    xa_rc rc = xa_yaml_parse(L.origin, text, len, &rs->arena, &doc, diag);
    if (rc)
        return rc;
    size_t first = rs->n;
    for (size_t i = 0; i < doc.n && !rc; i++) {
        L.doc = (int)i;
        const struct xa_ynode *d = doc.roots[i];
        if (d->kind == XA_Y_SCALAR && xa_yaml_is_null(d))
            continue;
        if (d->kind != XA_Y_MAP) {
            rc = fail(&L, d, "a Sigma document is a mapping");
            break;
        }
        if (xa_yaml_get(d, "filter")) {
            warn(rs, "%s: document %zu: Sigma filters are not applied (use allow-lists)", L.origin,
                 i + 1);
            continue;
        }
        struct xa_rule *r = xa_arena_zalloc(&rs->arena, sizeof(*r));
        if (!r) {
            rc = XA_ERR_NOMEM;
            break;
        }
        bool corr = xa_yaml_get(d, "correlation") != NULL;
        r->kind = corr ? XA_RULE_CORRELATION : XA_RULE_DETECTION;
        rc = common_meta(&L, d, r, license);
        if (!rc)
            rc = corr ? load_correlation(&L, d, r) : load_detection(&L, d, r);
        if (rc) {
            free_regexes(r);
            break;
        }
        if (r->status && (strcmp(r->status, "deprecated") == 0 || strcmp(r->status, "unsupported") == 0)) {
            warn(rs, "%s: rule '%s' has status %s and is skipped", L.origin, r->title, r->status);
            free_regexes(r);
            continue;
        }
        for (size_t k = 0; k < rs->n; k++) {
            const struct xa_rule *o = rs->rules[k];
            if ((r->id && o->id && strcmp(r->id, o->id) == 0) ||
                (r->name && o->name && strcmp(r->name, o->name) == 0)) {
                rc = fail(&L, d, "rule %s '%s' is already defined in %s", r->name ? "name" : "id",
                          r->name && o->name && strcmp(r->name, o->name) == 0 ? r->name : r->id,
                          o->origin);
                break;
            }
        }
        if (rc) {
            free_regexes(r);
            break;
        }
        for (size_t u = 0; u < r->nunmapped; u++)
            warn(rs, "%s: rule '%s': field '%s' is not in Management Activity records nor in the "
                     "field mapping; the test never matches",
                 L.origin, r->title, r->unmapped[u]);
        if ((rc = add_rule(rs, r)))
            free_regexes(r);
    }
    if (rc) {
        for (size_t k = first; k < rs->n; k++)
            free_regexes(rs->rules[k]);
        rs->n = first;
        if (rc == XA_ERR_NOMEM)
            xa_diag_set(diag, rc, "%s: out of memory", L.origin);
        else if (rc == XA_ERR_LIMIT)
            xa_diag_set(diag, rc, "%s: more than %d rules", L.origin, XA_RULES_MAX);
    }
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static xa_rc load_file(struct xa_ruleset *rs, const char *path, const char *license,
                       struct xa_diag *diag)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return xa_diag_set(diag, XA_ERR_IO, "%s: %s", path, strerror(errno));
    char *buf = malloc(XA_YAML_MAX_TEXT + 1);
    if (!buf) {
        fclose(f);
        return XA_ERR_NOMEM;
    }
    size_t n = fread(buf, 1, XA_YAML_MAX_TEXT + 1, f);
    bool err = ferror(f);
    fclose(f);
    xa_rc rc;
    if (err)
        rc = xa_diag_set(diag, XA_ERR_IO, "%s: read error", path);
    else if (n > XA_YAML_MAX_TEXT)
        rc = xa_diag_set(diag, XA_ERR_LIMIT, "%s: rule file larger than %u bytes", path,
                         XA_YAML_MAX_TEXT);
    else
        rc = xa_ruleset_load(rs, path, buf, n, license, diag);
    free(buf);
    return rc;
}

static bool sigmahq_path(const char *path)
{
    return strstr(path, "/rules/cloud/") || strstr(path, "rules-threat-hunting/") ||
           strncmp(path, "rules/cloud/", 12) == 0;
}

static xa_rc load_dir(struct xa_ruleset *rs, const char *dir, int depth, struct xa_diag *diag)
{
    if (depth > 8)
        return XA_OK;
    DIR *d = opendir(dir);
    if (!d)
        return xa_diag_set(diag, XA_ERR_IO, "%s: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    xa_rc rc = XA_OK;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char **nn = realloc(names, (n + 1) * sizeof(*nn));
        if (!nn) {
            rc = XA_ERR_NOMEM;
            break;
        }
        names = nn;
        if (!(names[n] = strdup(e->d_name))) {
            rc = XA_ERR_NOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n && !rc; i++) {
        char p[4096];
        snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(p, &st) != 0)
            continue;
        size_t l = strlen(names[i]);
        if (S_ISDIR(st.st_mode))
            rc = load_dir(rs, p, depth + 1, diag);
        else if ((l > 4 && strcmp(names[i] + l - 4, ".yml") == 0) ||
                 (l > 5 && strcmp(names[i] + l - 5, ".yaml") == 0))
            rc = load_file(rs, p, sigmahq_path(p) ? "DRL-1.1" : NULL, diag);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

xa_rc xa_ruleset_load_path(struct xa_ruleset *rs, const char *path, struct xa_diag *diag)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return xa_diag_set(diag, XA_ERR_IO, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return load_dir(rs, path, 0, diag);
    return load_file(rs, path, sigmahq_path(path) ? "DRL-1.1" : NULL, diag);
}

xa_rc xa_ruleset_load_builtin(struct xa_ruleset *rs, struct xa_diag *diag)
{
    xa_rc rc = XA_OK;
    for (size_t i = 0; i < xa_rules_n_embedded && !rc; i++)
        if (strncmp(xa_rules_embedded[i].name, "mappings/", 9) == 0)
            rc = xa_ruleset_load_mapping(rs, xa_rules_embedded[i].name, xa_rules_embedded[i].data,
                                         xa_rules_embedded[i].len, diag);
    for (size_t i = 0; i < xa_rules_n_embedded && !rc; i++)
        if (strncmp(xa_rules_embedded[i].name, "builtin/", 8) == 0) {
            char origin[256];
            snprintf(origin, sizeof(origin), "builtin:%s", xa_rules_embedded[i].name + 8);
            rc = xa_ruleset_load(rs, origin, xa_rules_embedded[i].data, xa_rules_embedded[i].len,
                                 NULL, diag);
        }
    return rc;
}

const struct xa_rule *xa_ruleset_find(const struct xa_ruleset *rs, const char *s)
{
    for (size_t i = 0; i < rs->n; i++) {
        const struct xa_rule *r = rs->rules[i];
        if ((r->id && strcmp(r->id, s) == 0) || (r->name && strcmp(r->name, s) == 0))
            return r;
    }
    return NULL;
}

static bool cycle_from(const struct xa_ruleset *rs, int at, int target, int depth)
{
    if (depth > 16)
        return true;
    const struct xa_rule *r = rs->rules[at];
    if (r->kind != XA_RULE_CORRELATION)
        return false;
    for (size_t i = 0; i < r->nrefs; i++) {
        if (r->ref_idx[i] == target || cycle_from(rs, r->ref_idx[i], target, depth + 1))
            return true;
    }
    return false;
}

xa_rc xa_ruleset_finalise(struct xa_ruleset *rs, struct xa_diag *diag)
{
    if (rs->finalised)
        return XA_OK;
    struct xa_arena *a = &rs->arena;
    size_t *cnt = calloc(rs->n + 1, sizeof(*cnt));
    if (!cnt)
        return XA_ERR_NOMEM;
    xa_rc rc = XA_OK;
    for (size_t i = 0; i < rs->n && !rc; i++) {
        struct xa_rule *r = rs->rules[i];
        if (r->kind != XA_RULE_CORRELATION)
            continue;
        r->ref_idx = xa_arena_alloc(a, r->nrefs * sizeof(int));
        if (!r->ref_idx) {
            rc = XA_ERR_NOMEM;
            break;
        }
        for (size_t k = 0; k < r->nrefs; k++) {
            const struct xa_rule *t = xa_ruleset_find(rs, r->refs[k]);
            if (!t) {
                rc = xa_diag_set(diag, XA_ERR_INVALID, "%s: correlation '%s' references unknown rule '%s'",
                                 r->origin, r->title, r->refs[k]);
                break;
            }
            r->ref_idx[k] = t->index;
            cnt[t->index]++;
        }
    }
    for (size_t i = 0; i < rs->n && !rc; i++) {
        struct xa_rule *r = rs->rules[i];
        if (r->kind == XA_RULE_CORRELATION && cycle_from(rs, (int)i, (int)i, 0))
            rc = xa_diag_set(diag, XA_ERR_INVALID, "%s: correlation '%s' references itself",
                             r->origin, r->title);
    }
    /* reverse links; base rules of a correlation stop alerting unless generate: true */
    for (size_t i = 0; i < rs->n && !rc; i++) {
        struct xa_rule *r = rs->rules[i];
        bool keep = r->kind == XA_RULE_CORRELATION && r->nusers == (size_t)-1;
        if (r->kind == XA_RULE_CORRELATION && r->nusers == (size_t)-1)
            r->nusers = 0;
        if (r->kind != XA_RULE_CORRELATION)
            continue;
        for (size_t k = 0; k < r->nrefs; k++)
            if (!keep)
                rs->rules[r->ref_idx[k]]->generate = false;
    }
    for (size_t i = 0; i < rs->n && !rc; i++) {
        struct xa_rule *r = rs->rules[i];
        if (r->kind == XA_RULE_CORRELATION && r->nusers == (size_t)-1)
            r->nusers = 0;
        r->users = cnt[i] ? xa_arena_alloc(a, cnt[i] * sizeof(int)) : NULL;
        if (cnt[i] && !r->users)
            rc = XA_ERR_NOMEM;
        r->nusers = 0;
    }
    for (size_t i = 0; i < rs->n && !rc; i++) {
        struct xa_rule *r = rs->rules[i];
        if (r->kind != XA_RULE_CORRELATION)
            continue;
        for (size_t k = 0; k < r->nrefs; k++) {
            struct xa_rule *t = rs->rules[r->ref_idx[k]];
            bool dup = false;
            for (size_t u = 0; u < t->nusers; u++)
                dup |= t->users[u] == (int)i;
            if (!dup)
                t->users[t->nusers++] = (int)i;
        }
    }
    free(cnt);
    if (!rc)
        rs->finalised = true;
    return rc;
}
