/* eval.c - field values and matchers (semantics in docs/RULES.md). */
#include "rules/eval.h"

#include "core/str.h"
#include "core/xtime.h"
#include "parse/json.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define WC_STAR '\x01'
#define WC_ONE '\x02'
#define MAXV 256

enum vtype { V_STR = 0, V_NULL, V_OTHER };

struct val {
    const char *s;
    size_t len;
    enum vtype t;
    const char *low; /* lower-cased copy, made lazily */
};

struct vals {
    struct val v[MAXV];
    size_t n;
    bool present;
};

void xa_eval_init(struct xa_eval *e, const struct xa_ruleset *rs)
{
    memset(e, 0, sizeof(*e));
    e->rs = rs;
    xa_arena_init(&e->scratch, 16 * 1024);
    e->vals = malloc(sizeof(struct vals));
}

void xa_eval_end(struct xa_eval *e)
{
    if (e->raw)
        xa_json_free(e->raw);
    for (size_t i = 0; i < e->nextra; i++)
        xa_json_free(e->extra[i]);
    e->nextra = 0;
    e->raw = NULL;
    e->raw_tried = false;
    e->ev = NULL;
    xa_arena_reset(&e->scratch);
}

void xa_eval_release(struct xa_eval *e)
{
    xa_eval_end(e);
    free(e->extra);
    free(e->vals);
    xa_arena_release(&e->scratch);
}

void xa_eval_begin(struct xa_eval *e, const struct xa_event *ev)
{
    if (e->ev || e->raw || e->nextra)
        xa_eval_end(e);
    e->ev = ev;
}

static const struct xa_json *raw_root(struct xa_eval *e)
{
    if (!e->raw_tried) {
        e->raw_tried = true;
        if (e->ev->raw && e->ev->raw_len && (e->ev->raw[0] == '{' || e->ev->raw[0] == '[' ||
                                             e->ev->raw[0] == ' ' || e->ev->raw[0] == '\n')) {
            e->raw_parses++;
            if (xa_json_parse(e->ev->raw, e->ev->raw_len, &e->raw, NULL) != XA_OK)
                e->raw = NULL;
        }
    }
    return e->raw;
}

static void push(struct vals *vs, const char *s, size_t n, enum vtype t)
{
    vs->present = true;
    if (vs->n < MAXV) {
        vs->v[vs->n].s = s;
        vs->v[vs->n].len = n;
        vs->v[vs->n].t = t;
        vs->v[vs->n].low = NULL;
        vs->n++;
    }
}

static void push_s(struct vals *vs, const char *s)
{
    if (s)
        push(vs, s, strlen(s), V_STR);
}

static void push_json(struct xa_eval *e, struct vals *vs, const struct xa_json *j)
{
    switch (xa_json_type(j)) {
    case XA_JSON_STRING: push_s(vs, xa_json_str(j)); break;
    case XA_JSON_NULL: push(vs, "", 0, V_NULL); break;
    case XA_JSON_TRUE: push(vs, "true", 4, V_OTHER); break;
    case XA_JSON_FALSE: push(vs, "false", 5, V_OTHER); break;
    case XA_JSON_NUMBER: {
        double d = 0;
        xa_json_num(j, &d);
        char *b;
        if (d == floor(d) && fabs(d) < 9e15)
            b = xa_arena_printf(&e->scratch, "%lld", (long long)d);
        else
            b = xa_arena_printf(&e->scratch, "%.17g", d);
        if (b)
            push(vs, b, strlen(b), V_OTHER);
        break;
    }
    case XA_JSON_ARRAY:
    case XA_JSON_OBJECT:
        vs->present = true; /* a container: present, but no scalar value */
        break;
    default: break;
    }
}

/* A string holding JSON (OperationProperties sometimes arrives that way). */
static const struct xa_json *maybe_json(struct xa_eval *e, const struct xa_json *j)
{
    const char *s = xa_json_str(j);
    if (!s || (s[0] != '[' && s[0] != '{'))
        return j;
    struct xa_json *p = NULL;
    if (xa_json_parse(s, strlen(s), &p, NULL) != XA_OK)
        return j;
    if (e->nextra == e->capextra) {
        size_t nc = e->capextra ? e->capextra * 2 : 4;
        struct xa_json **n = realloc(e->extra, nc * sizeof(*n));
        if (!n) {
            xa_json_free(p);
            return j;
        }
        e->extra = n;
        e->capextra = nc;
    }
    e->extra[e->nextra++] = p;
    return p;
}

static void all_scalars(struct xa_eval *e, struct vals *vs, const struct xa_json *j, int depth)
{
    if (depth > 32)
        return;
    enum xa_json_type t = xa_json_type(j);
    if (t == XA_JSON_ARRAY || t == XA_JSON_OBJECT) {
        for (const struct xa_json *c = xa_json_child(j); c; c = xa_json_next(c))
            all_scalars(e, vs, c, depth + 1);
    } else
        push_json(e, vs, j);
}

static void raw_path(struct xa_eval *e, struct vals *vs, const struct xa_json *j,
                     const struct xa_fref *f, size_t i, int depth)
{
    if (!j || depth > 32)
        return;
    if (i == f->npath) {
        enum xa_json_type t = xa_json_type(j);
        if (t == XA_JSON_ARRAY) {
            vs->present = true;
            for (const struct xa_json *c = xa_json_child(j); c; c = xa_json_next(c)) {
                if (xa_json_type(c) == XA_JSON_OBJECT) /* Name/Value entries: names and values */
                    for (const struct xa_json *m = xa_json_child(c); m; m = xa_json_next(m))
                        push_json(e, vs, m);
                else
                    push_json(e, vs, c);
            }
        } else
            push_json(e, vs, j);
        return;
    }
    const char *seg = f->path[i];
    j = maybe_json(e, j);
    enum xa_json_type t = xa_json_type(j);
    if (t == XA_JSON_OBJECT) {
        const struct xa_json *c = xa_json_get(j, seg);
        if (c)
            raw_path(e, vs, c, f, i + 1, depth + 1);
        return;
    }
    if (t == XA_JSON_ARRAY) {
        for (const struct xa_json *c = xa_json_child(j); c; c = xa_json_next(c)) {
            if (xa_json_type(c) != XA_JSON_OBJECT)
                continue;
            const char *nm = xa_json_str(xa_json_get(c, "Name"));
            if (nm && xa_str_ieq(nm, seg)) {
                const struct xa_json *v = xa_json_get(c, "Value");
                if (!v)
                    v = xa_json_get(c, "NewValue");
                if (v)
                    raw_path(e, vs, maybe_json(e, v), f, i + 1, depth + 1);
                else
                    vs->present = true;
            } else if (!nm)
                raw_path(e, vs, c, f, i, depth + 1);
        }
    }
}

static const char *fwd_params[] = {"ForwardTo", "ForwardAsAttachmentTo", "RedirectTo",
                                   "ForwardingSmtpAddress", "ForwardingAddress", "BlindCopyTo",
                                   "RedirectMessageTo", "CopyTo", "RedirectToRecipients",
                                   "AddToRecipients", "CopyMessageTo", NULL};

static void forward_targets(struct xa_eval *e, struct vals *vs)
{
    const struct xa_event *ev = e->ev;
    for (size_t i = 0; i < ev->n_params; i++) {
        bool hit = false;
        for (int k = 0; fwd_params[k] && !hit; k++)
            hit = xa_str_ieq(ev->params[i].name, fwd_params[k]);
        if (!hit || !ev->params[i].value)
            continue;
        const char *s = ev->params[i].value;
        while (*s) {
            size_t n = strcspn(s, ";,");
            const char *p = s;
            size_t m = n;
            xa_str_trim(&p, &m);
            while (m && (*p == '"' || *p == '\'' || *p == '[' || *p == '{')) {
                p++;
                m--;
            }
            while (m && (p[m - 1] == '"' || p[m - 1] == '\'' || p[m - 1] == ']' || p[m - 1] == '}'))
                m--;
            if (m > 5 && xa_str_ieqn(p, 5, "smtp:")) {
                p += 5;
                m -= 5;
            }
            if (m) {
                char *c = xa_arena_strndup(&e->scratch, p, m);
                if (c) {
                    xa_str_lower(c);
                    push(vs, c, m, V_STR);
                }
            }
            s += n;
            if (*s)
                s++;
        }
    }
}

static bool domain_internal(const struct xa_eval *e, const char *dom, const char *who)
{
    const char *at = who ? strrchr(who, '@') : NULL;
    if (at && xa_str_ieq(at + 1, dom))
        return true;
    size_t dl = strlen(dom);
    for (size_t i = 0; i < e->rs->ninternal; i++) {
        const char *d = e->rs->internal_domains[i];
        size_t n = strlen(d);
        if (xa_str_ieq(d, dom) || (dl > n && dom[dl - n - 1] == '.' && xa_str_ieq(dom + dl - n, d)))
            return true;
    }
    return false;
}

static bool is_audit_list(const char *n)
{
    return xa_str_ieq(n, "AuditOwner") || xa_str_ieq(n, "AuditDelegate") || xa_str_ieq(n, "AuditAdmin");
}

static bool token_in(const char *tok, size_t n, const char *list)
{
    const char *s = list;
    while (s && *s) {
        size_t m = strcspn(s, ",; \t\r\n{}\"'");
        if (m == n && strncasecmp(s, tok, n) == 0)
            return true;
        s += m;
        if (*s)
            s++;
    }
    return false;
}

static int audit_reduced(const struct xa_event *ev)
{
    int seen = -1;
    for (size_t i = 0; i < ev->n_params; i++)
        if (is_audit_list(ev->params[i].name)) {
            seen = 0;
            if (ev->params[i].value && (xa_str_icontains(ev->params[i].value, "remove") ||
                                        strchr(ev->params[i].value, '-') == ev->params[i].value ||
                                        xa_str_ieq(ev->params[i].value, "None") ||
                                        xa_str_ieq(ev->params[i].value, "$null") ||
                                        !*ev->params[i].value))
                return 1;
        }
    for (size_t i = 0; i < ev->n_mods; i++) {
        const struct xa_modprop *m = &ev->mods[i];
        if (!is_audit_list(m->name))
            continue;
        seen = 0;
        const char *s = m->old_value;
        while (s && *s) {
            size_t n = strcspn(s, ",; \t\r\n{}\"'");
            if (n && !token_in(s, n, m->new_value ? m->new_value : ""))
                return 1;
            s += n;
            if (*s)
                s++;
        }
    }
    return seen;
}

static void norm_values(struct xa_eval *e, struct vals *vs, int nf)
{
    const struct xa_event *ev = e->ev;
    char *b;
    switch (nf) {
    case XA_NF_TENANT: push_s(vs, ev->tenant_id); break;
    case XA_NF_RECORD_ID: push_s(vs, ev->record_id); break;
    case XA_NF_RECORD_TYPE:
        if (ev->record_type >= 0 && (b = xa_arena_printf(&e->scratch, "%d", ev->record_type)))
            push(vs, b, strlen(b), V_OTHER);
        break;
    case XA_NF_RECORD_TYPE_NAME: push_s(vs, xa_record_type_name(ev->record_type)); break;
    case XA_NF_WORKLOAD: push_s(vs, ev->workload); break;
    case XA_NF_OCCURRED_AT:
        if (ev->occurred_at != XA_TIME_NONE && (b = xa_arena_alloc(&e->scratch, 32))) {
            xa_time_format(ev->occurred_at, b);
            push_s(vs, b);
        }
        break;
    case XA_NF_ACTOR: push_s(vs, ev->actor); break;
    case XA_NF_ACTOR_SID: push_s(vs, ev->actor_sid); break;
    case XA_NF_ACTOR_TYPE: push_s(vs, ev->actor_type); break;
    case XA_NF_APP_ID: push_s(vs, ev->app_id); break;
    case XA_NF_CLIENT_APP_ID: push_s(vs, ev->client_app_id); break;
    case XA_NF_IS_SYSTEM: push(vs, ev->is_system ? "true" : "false", ev->is_system ? 4 : 5, V_OTHER); break;
    case XA_NF_OPERATION: push_s(vs, ev->operation); break;
    case XA_NF_ACTIVITY: push_s(vs, ev->activity ? ev->activity : ev->operation); break;
    case XA_NF_CATEGORY: push_s(vs, xa_category_name(ev->category)); break;
    case XA_NF_RESULT:
        if (ev->result != XA_RESULT_UNKNOWN)
            push_s(vs, xa_result_name(ev->result));
        break;
    case XA_NF_LOGON_TYPE: push_s(vs, xa_logon_name(ev->logon_type)); break;
    case XA_NF_MAILBOX: push_s(vs, ev->mailbox); break;
    case XA_NF_MAILBOX_GUID: push_s(vs, ev->mailbox_guid); break;
    case XA_NF_OBJECT: push_s(vs, ev->object); break;
    case XA_NF_ITEM: push_s(vs, ev->item); break;
    case XA_NF_FOLDER: push_s(vs, ev->folder); break;
    case XA_NF_GRANTEE: push_s(vs, ev->grantee); break;
    case XA_NF_RIGHTS: push_s(vs, ev->rights); break;
    case XA_NF_CLIENT_IP: push_s(vs, ev->client_ip); break;
    case XA_NF_CLIENT_PORT:
        if (ev->client_port && (b = xa_arena_printf(&e->scratch, "%d", ev->client_port)))
            push(vs, b, strlen(b), V_OTHER);
        break;
    case XA_NF_CLIENT_INFO: push_s(vs, ev->client_info); break;
    case XA_NF_ORIGINATING_SERVER: push_s(vs, ev->originating_server); break;
    case XA_NF_SESSION_ID: push_s(vs, ev->session_id); break;
    case XA_NF_EXTERNAL_ACCESS:
        if (ev->external_access >= 0)
            push(vs, ev->external_access ? "true" : "false", ev->external_access ? 4 : 5, V_OTHER);
        break;
    case XA_NF_SOURCE: push_s(vs, xa_source_name(ev->source)); break;
    case XA_NF_FORWARD_TARGET: forward_targets(e, vs); break;
    case XA_NF_FORWARD_EXTERNAL: {
        struct vals *t = malloc(sizeof(*t));
        if (!t)
            break;
        t->n = 0;
        t->present = false;
        forward_targets(e, t);
        if (t->n) {
            bool ext = false;
            for (size_t i = 0; i < t->n && !ext; i++) {
                const char *at = strrchr(t->v[i].s, '@');
                if (!at || !at[1])
                    continue; /* a recipient object or display name: resolved inside the tenant */
                ext = !domain_internal(e, at + 1, ev->actor) &&
                      !domain_internal(e, at + 1, ev->mailbox) &&
                      !domain_internal(e, at + 1, ev->object);
            }
            push(vs, ext ? "true" : "false", ext ? 4 : 5, V_OTHER);
        }
        free(t);
        break;
    }
    case XA_NF_AUDIT_REDUCED: {
        int r = audit_reduced(ev);
        if (r >= 0)
            push(vs, r ? "true" : "false", r ? 4 : 5, V_OTHER);
        break;
    }
    default: break;
    }
}

static void field_values(struct xa_eval *e, const struct xa_fref *f, struct vals *vs)
{
    vs->n = 0;
    vs->present = false;
    const struct xa_event *ev = e->ev;
    for (; f; f = f->alt) {
        switch (f->kind) {
        case XA_F_NORM: norm_values(e, vs, f->nf); break;
        case XA_F_PARAM:
            for (size_t i = 0; i < ev->n_params; i++)
                if (xa_str_ieq(ev->params[i].name, f->name)) {
                    if (ev->params[i].value)
                        push_s(vs, ev->params[i].value);
                    else
                        push(vs, "", 0, V_NULL);
                }
            break;
        case XA_F_PARAMS_ALL:
            for (size_t i = 0; i < ev->n_params; i++) {
                push_s(vs, ev->params[i].name);
                push_s(vs, ev->params[i].value);
            }
            break;
        case XA_F_MOD:
            for (size_t i = 0; i < ev->n_mods; i++)
                if (xa_str_ieq(ev->mods[i].name, f->name)) {
                    if (ev->mods[i].new_value)
                        push_s(vs, ev->mods[i].new_value);
                    else
                        push(vs, "", 0, V_NULL);
                }
            break;
        case XA_F_MODS_ALL:
            for (size_t i = 0; i < ev->n_mods; i++) {
                push_s(vs, ev->mods[i].name);
                push_s(vs, ev->mods[i].old_value);
                push_s(vs, ev->mods[i].new_value);
            }
            break;
        case XA_F_RAW: raw_path(e, vs, raw_root(e), f, 0, 0); break;
        case XA_F_KEYWORDS: {
            const struct xa_json *r = raw_root(e);
            if (r)
                all_scalars(e, vs, r, 0);
            else {
                push_s(vs, ev->operation);
                push_s(vs, ev->actor);
                push_s(vs, ev->object);
                for (size_t i = 0; i < ev->n_params; i++) {
                    push_s(vs, ev->params[i].name);
                    push_s(vs, ev->params[i].value);
                }
            }
            break;
        }
        }
    }
}

static const char *lowered(struct xa_eval *e, struct val *v)
{
    if (v->low)
        return v->low;
    bool up = false;
    for (size_t i = 0; i < v->len && !up; i++)
        up = v->s[i] >= 'A' && v->s[i] <= 'Z';
    if (!up)
        return v->low = v->s;
    char *c = xa_arena_strndup(&e->scratch, v->s, v->len);
    if (!c)
        return v->s;
    for (size_t i = 0; i < v->len; i++)
        if (c[i] >= 'A' && c[i] <= 'Z')
            c[i] = (char)(c[i] + 32);
    return v->low = c;
}

static bool glob(const char *p, size_t pn, const char *s, size_t sn)
{
    size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
    while (si < sn) {
        if (pi < pn && (p[pi] == WC_ONE || (p[pi] != WC_STAR && p[pi] == s[si]))) {
            pi++;
            si++;
        } else if (pi < pn && p[pi] == WC_STAR) {
            star = pi++;
            mark = si;
        } else if (star != (size_t)-1) {
            pi = star + 1;
            si = ++mark;
        } else
            return false;
    }
    while (pi < pn && p[pi] == WC_STAR)
        pi++;
    return pi == pn;
}

static bool parse_ip(const char *s, size_t n, uint8_t out[16])
{
    char b[64];
    if (n >= sizeof(b) || n == 0)
        return false;
    memcpy(b, s, n);
    b[n] = 0;
    char *p = b;
    if (*p == '[') { /* [v6]:port or [v4]:port */
        p++;
        char *e = strchr(p, ']');
        if (!e)
            return false;
        *e = 0;
    } else {
        char *c = strchr(p, ':');
        if (c && !strchr(c + 1, ':') && strchr(p, '.')) /* a.b.c.d:port */
            *c = 0;
    }
    uint8_t v4[4];
    memset(out, 0, 16);
    if (inet_pton(AF_INET, p, v4) == 1) {
        out[10] = out[11] = 0xff;
        memcpy(out + 12, v4, 4);
        return true;
    }
    return inet_pton(AF_INET6, p, out) == 1; /* ::ffff:a.b.c.d is already the mapped form */
}

static bool in_net(const struct xa_matcher *m, const uint8_t ip[16])
{
    int bits = m->prefix;
    for (int i = 0; i < 16 && bits > 0; i++, bits -= 8) {
        uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
        if ((ip[i] & mask) != (m->net[i] & mask))
            return false;
    }
    return true;
}

static bool match_one(struct xa_eval *e, const struct xa_matcher *m, struct val *v)
{
    if (v->t == V_NULL)
        return false;
    switch (m->kind) {
    case XA_M_NUM: {
        char *end;
        if (!v->len)
            return false;
        double d = strtod(v->s, &end);
        if (end != v->s + v->len)
            return false;
        switch (m->cmp) {
        case 1: return d > m->num;
        case 2: return d >= m->num;
        case 3: return d < m->num;
        default: return d <= m->num;
        }
    }
    case XA_M_CIDR: {
        uint8_t ip[16];
        return parse_ip(v->s, v->len, ip) && in_net(m, ip);
    }
    case XA_M_RE: return regexec(m->re, v->s, 0, NULL, 0) == 0;
    default: break;
    }
    const char *s = m->cased ? v->s : lowered(e, v);
    size_t n = v->len;
    switch (m->kind) {
    case XA_M_EQ: return n == m->len && memcmp(s, m->s, n) == 0;
    case XA_M_PREFIX: return n >= m->len && memcmp(s, m->s, m->len) == 0;
    case XA_M_SUFFIX: return n >= m->len && memcmp(s + n - m->len, m->s, m->len) == 0;
    case XA_M_CONTAINS:
        return m->len == 0 || (n >= m->len && memmem(s, n, m->s, m->len) != NULL);
    case XA_M_GLOB: return glob(m->s, m->len, s, n);
    default: return false;
    }
}

static bool fieldref_match(struct xa_eval *e, const struct xa_matcher *m, struct vals *vs)
{
    struct vals *o = malloc(sizeof(*o));
    if (!o)
        return false;
    field_values(e, m->ref, o);
    bool hit = false;
    for (size_t i = 0; i < vs->n && !hit; i++)
        for (size_t k = 0; k < o->n && !hit; k++) {
            if (vs->v[i].t == V_NULL || o->v[k].t == V_NULL)
                continue;
            const char *a = m->cased ? vs->v[i].s : lowered(e, &vs->v[i]);
            const char *b = m->cased ? o->v[k].s : lowered(e, &o->v[k]);
            size_t an = vs->v[i].len, bn = o->v[k].len;
            switch (m->ref_mode) {
            case 0: hit = an == bn && memcmp(a, b, an) == 0; break;
            case 1: hit = bn <= an && memmem(a, an, b, bn) != NULL; break;
            case 2: hit = bn <= an && memcmp(a, b, bn) == 0; break;
            default: hit = bn <= an && memcmp(a + an - bn, b, bn) == 0; break;
            }
        }
    free(o);
    return hit;
}

static bool item_eval(struct xa_eval *e, const struct xa_rule_item *it, struct vals *vs)
{
    field_values(e, &it->field, vs);
    bool res;
    if (it->nm == 1 && it->m[0].kind == XA_M_EXISTS)
        res = vs->present == it->m[0].exists;
    else if (it->nm == 1 && it->m[0].kind == XA_M_NULL) {
        res = !vs->present;
        for (size_t i = 0; i < vs->n && !res; i++)
            res = vs->v[i].t == V_NULL;
    } else if (!it->all) {
        res = false;
        for (size_t m = 0; m < it->nm && !res; m++) {
            if (it->m[m].kind == XA_M_FIELDREF)
                res = fieldref_match(e, &it->m[m], vs);
            else
                for (size_t i = 0; i < vs->n && !res; i++)
                    res = match_one(e, &it->m[m], &vs->v[i]);
        }
    } else {
        res = true;
        for (size_t g = 0; g < it->ngroups && res; g++) {
            bool gh = false;
            for (size_t m = 0; m < it->nm && !gh; m++) {
                if (it->group[m] != g)
                    continue;
                if (it->m[m].kind == XA_M_FIELDREF)
                    gh = fieldref_match(e, &it->m[m], vs);
                else
                    for (size_t i = 0; i < vs->n && !gh; i++)
                        gh = match_one(e, &it->m[m], &vs->v[i]);
            }
            res = gh;
        }
    }
    return it->neq ? !res : res;
}

static bool sel_eval(struct xa_eval *e, const struct xa_sel *s, struct vals *vs)
{
    for (size_t a = 0; a < s->nalts; a++) {
        bool ok = true;
        for (size_t i = 0; i < s->nitems[a] && ok; i++)
            ok = item_eval(e, &s->alts[a][i], vs);
        if (ok)
            return true;
    }
    return false;
}

static bool cond_eval(struct xa_eval *e, const struct xa_rule *r, const struct xa_cnode *c,
                      int8_t *memo, struct vals *vs)
{
    switch (c->kind) {
    case XA_C_SEL:
        if (memo[c->sel] < 0)
            memo[c->sel] = sel_eval(e, &r->sels[c->sel], vs) ? 1 : 0;
        return memo[c->sel] == 1;
    case XA_C_AND:
        for (size_t i = 0; i < c->n; i++)
            if (!cond_eval(e, r, c->kids[i], memo, vs))
                return false;
        return true;
    case XA_C_OR:
        for (size_t i = 0; i < c->n; i++)
            if (cond_eval(e, r, c->kids[i], memo, vs))
                return true;
        return false;
    case XA_C_NOT: return !cond_eval(e, r, c->kids[0], memo, vs);
    case XA_C_TRUE: return true;
    default: return false;
    }
}

bool xa_eval_rule(struct xa_eval *e, const struct xa_rule *r)
{
    if (r->kind != XA_RULE_DETECTION || !r->cond || !e->ev)
        return false;
    int8_t memo_s[64];
    int8_t *memo = r->nsels <= 64 ? memo_s : malloc(r->nsels);
    if (!memo)
        return false;
    memset(memo, -1, r->nsels);
    struct vals *vs = e->vals;
    bool hit = vs && cond_eval(e, r, r->cond, memo, vs);
    if (memo != memo_s)
        free(memo);
    return hit;
}

bool xa_eval_field_text(struct xa_eval *e, const struct xa_fref *f, struct xa_buf *out)
{
    xa_buf_reset(out);
    struct vals *vs = xa_arena_alloc(&e->scratch, sizeof(*vs));
    if (!vs)
        return false;
    field_values(e, f, vs);
    size_t k = 0;
    for (size_t i = 0; i < vs->n; i++) {
        if (vs->v[i].t == V_NULL || !vs->v[i].len)
            continue;
        if (k++)
            xa_buf_puts(out, ", ");
        xa_buf_append(out, vs->v[i].s, vs->v[i].len);
    }
    return k > 0;
}

bool xa_eval_field_glob(struct xa_eval *e, const struct xa_fref *f, const char *pattern)
{
    struct vals *vs = xa_arena_alloc(&e->scratch, sizeof(*vs));
    if (!vs)
        return false;
    field_values(e, f, vs);
    for (size_t i = 0; i < vs->n; i++)
        if (vs->v[i].t != V_NULL && xa_str_wildmatch(pattern, vs->v[i].s))
            return true;
    return false;
}
