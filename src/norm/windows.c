/* windows.c - Windows event XML -> struct xa_event (see windows.h).
 *
 * Decisions (documented in docs/FORMATS.md):
 *   - operation = the EventID as decimal text ("4728"); activity = the event's title for
 *     the catalogued Security events (reference 5.3), else NULL.
 *   - actor = Subject (SubjectDomainName\SubjectUserName, actor_sid SubjectUserSid), except
 *     logons 4624/4625 where the account logging on (Target*) is the actor. DOMAIN\user is
 *     replaced by its UPN when identity.domains maps DOMAIN; the original is kept in the
 *     parameter "ActorAccount". Without a mapping the actor stays DOMAIN\user.
 *   - object = the target account or group (TargetDomainName\TargetUserName), the
 *     directory object (ObjectDN) for 5136/5137/5141, ObjectName for 4662.
 *   - grantee: the member added/removed for group membership events (MemberName, or
 *     MemberSid when the name is "-"), the target account for account changes, the
 *     attribute value for 5136, the object for 5137/5141, the subject for 4662/4672;
 *     rights names what was granted (group, attribute, privileges, access).
 *   - where: client_ip/client_port from IpAddress/IpPort, client_info = WorkstationName
 *     (4740: the caller computer in TargetDomainName), originating_server = Computer,
 *     session_id = the logon id.
 *   - result from Keywords (audit success / failure bits); 4625 is a failure.
 *   - parameters: every System field as "System.<Name>" plus every EventData Data
 *     (unnamed Data as Data1..DataN) or UserData field, values as written ("-" kept). */
#include "norm/windows.h"

#include "core/str.h"
#include "core/xtime.h"
#include "norm/norm.h"
#include "norm/psparams.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PARAMS 512

enum shape {
    SH_OTHER = 0,
    SH_ACCOUNT,   /* target account */
    SH_LOCKOUT,   /* 4740 */
    SH_GROUP_ADD, /* member added */
    SH_GROUP_DEL, /* member removed */
    SH_GROUP,     /* group changed / created / deleted */
    SH_DS_MOD,    /* 5136 */
    SH_DS_OBJ,    /* 5137, 5141 */
    SH_OBJ,       /* 4662 */
    SH_LOGON,     /* 4624, 4625 */
    SH_PRIV,      /* 4672 */
};

static const struct {
    int id;
    enum shape sh;
    enum xa_category cat;
    const char *title;
} catalogue[] = {
    {1102, SH_OTHER, XA_CAT_AUDIT_CONFIG, "The audit log was cleared"},
    {4624, SH_LOGON, XA_CAT_SIGN_IN, "An account was successfully logged on"},
    {4625, SH_LOGON, XA_CAT_SIGN_IN, "An account failed to log on"},
    {4634, SH_OTHER, XA_CAT_SIGN_IN, "An account was logged off"},
    {4647, SH_OTHER, XA_CAT_SIGN_IN, "User initiated logoff"},
    {4648, SH_OTHER, XA_CAT_SIGN_IN, "A logon was attempted using explicit credentials"},
    {4662, SH_OBJ, XA_CAT_ACCOUNT, "An operation was performed on an object"},
    {4672, SH_PRIV, XA_CAT_SIGN_IN, "Special privileges assigned to new logon"},
    {4688, SH_OTHER, XA_CAT_OTHER, "A new process has been created"},
    {4719, SH_OTHER, XA_CAT_AUDIT_CONFIG, "System audit policy was changed"},
    {4720, SH_ACCOUNT, XA_CAT_ACCOUNT, "A user account was created"},
    {4722, SH_ACCOUNT, XA_CAT_ACCOUNT, "A user account was enabled"},
    {4723, SH_ACCOUNT, XA_CAT_ACCOUNT, "An attempt was made to change an account's password"},
    {4724, SH_ACCOUNT, XA_CAT_ACCOUNT, "An attempt was made to reset an account's password"},
    {4725, SH_ACCOUNT, XA_CAT_ACCOUNT, "A user account was disabled"},
    {4726, SH_ACCOUNT, XA_CAT_ACCOUNT, "A user account was deleted"},
    {4727, SH_GROUP, XA_CAT_ACCOUNT, "A security-enabled global group was created"},
    {4728, SH_GROUP_ADD, XA_CAT_ACCOUNT, "A member was added to a security-enabled global group"},
    {4729, SH_GROUP_DEL, XA_CAT_ACCOUNT, "A member was removed from a security-enabled global group"},
    {4730, SH_GROUP, XA_CAT_ACCOUNT, "A security-enabled global group was deleted"},
    {4731, SH_GROUP, XA_CAT_ACCOUNT, "A security-enabled local group was created"},
    {4732, SH_GROUP_ADD, XA_CAT_ACCOUNT, "A member was added to a security-enabled local group"},
    {4733, SH_GROUP_DEL, XA_CAT_ACCOUNT, "A member was removed from a security-enabled local group"},
    {4734, SH_GROUP, XA_CAT_ACCOUNT, "A security-enabled local group was deleted"},
    {4735, SH_GROUP, XA_CAT_ACCOUNT, "A security-enabled local group was changed"},
    {4737, SH_GROUP, XA_CAT_ACCOUNT, "A security-enabled global group was changed"},
    {4738, SH_ACCOUNT, XA_CAT_ACCOUNT, "A user account was changed"},
    {4740, SH_LOCKOUT, XA_CAT_ACCOUNT, "A user account was locked out"},
    {4741, SH_ACCOUNT, XA_CAT_ACCOUNT, "A computer account was created"},
    {4742, SH_ACCOUNT, XA_CAT_ACCOUNT, "A computer account was changed"},
    {4743, SH_ACCOUNT, XA_CAT_ACCOUNT, "A computer account was deleted"},
    {4754, SH_GROUP, XA_CAT_ACCOUNT, "A security-enabled universal group was created"},
    {4755, SH_GROUP, XA_CAT_ACCOUNT, "A security-enabled universal group was changed"},
    {4756, SH_GROUP_ADD, XA_CAT_ACCOUNT, "A member was added to a security-enabled universal group"},
    {4757, SH_GROUP_DEL, XA_CAT_ACCOUNT, "A member was removed from a security-enabled universal group"},
    {4758, SH_GROUP, XA_CAT_ACCOUNT, "A security-enabled universal group was deleted"},
    {4767, SH_ACCOUNT, XA_CAT_ACCOUNT, "A user account was unlocked"},
    {4776, SH_OTHER, XA_CAT_SIGN_IN, "The computer attempted to validate the credentials for an account"},
    {5136, SH_DS_MOD, XA_CAT_ACCOUNT, "A directory service object was modified"},
    {5137, SH_DS_OBJ, XA_CAT_ACCOUNT, "A directory service object was created"},
    {5141, SH_DS_OBJ, XA_CAT_ACCOUNT, "A directory service object was deleted"},
};

struct w {
    struct xa_arena *a;
    struct xa_kv *kv;
    size_t n;
    int nomem;
};

static const char *dup(struct w *w, const char *s)
{
    if (!s)
        return NULL;
    char *d = xa_arena_strdup(w->a, s);
    if (!d)
        w->nomem = 1;
    return d;
}

static void add(struct w *w, const char *name, const char *value)
{
    if (!name || !value || w->n >= MAX_PARAMS)
        return;
    w->kv[w->n].name = name;
    w->kv[w->n].value = value;
    w->n++;
}

/* Value of a data field, NULL when absent, blank or "-". */
static const char *val(const struct w *w, const char *name)
{
    for (size_t i = 0; i < w->n; i++)
        if (strcasecmp(w->kv[i].name, name) == 0) {
            const char *v = w->kv[i].value;
            if (!v || !*v || strcmp(v, "-") == 0)
                return NULL;
            return v;
        }
    return NULL;
}

static char *trimmed(struct w *w, const char *s, size_t n)
{
    xa_str_trim(&s, &n);
    char *d = xa_arena_strndup(w->a, s, n);
    if (!d)
        w->nomem = 1;
    return d;
}

const char *xa_norm_hash_id(const void *data, size_t n, struct xa_arena *a)
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (!EVP_Digest(data, n, md, &mdlen, EVP_sha256(), NULL))
        return NULL;
    md[6] = (unsigned char)((md[6] & 0x0F) | 0x80); /* version 8: custom */
    md[8] = (unsigned char)((md[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    return xa_arena_printf(a,
                           "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                           md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9],
                           md[10], md[11], md[12], md[13], md[14], md[15]);
}

const char *xa_norm_account_upn(const char *account, const struct xa_kv *domains, size_t n,
                                struct xa_arena *a)
{
    if (!account || !n)
        return NULL;
    const char *bs = strchr(account, '\\');
    const char *sl = strchr(account, '/');
    const char *user;
    size_t dlen;
    if (bs) {
        dlen = (size_t)(bs - account);
        user = bs + 1;
    } else if (sl) { /* canonical name: dns.domain/OU/.../name */
        dlen = (size_t)(sl - account);
        user = strrchr(account, '/') + 1;
    } else {
        return NULL;
    }
    if (!dlen || !*user || strchr(user, '@'))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *nb = domains[i].name, *dns = domains[i].value;
        if (!nb || !dns || !*dns)
            continue;
        int hit = (bs && xa_str_ieqn(account, dlen, nb)) || xa_str_ieqn(account, dlen, dns);
        if (hit) {
            char *r = xa_arena_printf(a, "%s@%s", user, dns);
            if (r)
                xa_str_lower(r);
            return r;
        }
    }
    return NULL;
}

static const char *account(struct w *w, const char *dom, const char *user)
{
    if (!user)
        return NULL;
    if (!dom)
        return user;
    return xa_arena_printf(w->a, "%s\\%s", dom, user);
}

static int system_account(const char *sid, const char *dom)
{
    if (sid && (strcmp(sid, "S-1-5-18") == 0 || strcmp(sid, "S-1-5-19") == 0 ||
                strcmp(sid, "S-1-5-20") == 0))
        return 1;
    return dom && (xa_str_ieq(dom, "NT AUTHORITY") || xa_str_ieq(dom, "AUTORITE NT") ||
                   xa_str_ieq(dom, "Window Manager") || xa_str_ieq(dom, "Font Driver Host"));
}

static void flatten(struct w *w, const struct xa_xml_node *n, int depth)
{
    for (const struct xa_xml_node *c = n->child; c && !w->nomem; c = c->next) {
        if (c->child && depth < 4)
            flatten(w, c, depth + 1);
        else
            add(w, dup(w, c->name), trimmed(w, c->text, c->text_len));
    }
}

xa_rc xa_norm_winevent(const struct xa_xml_node *en, const char *raw, size_t raw_len,
                       const struct xa_winevt_opts *o, struct xa_arena *a, struct xa_event *ev,
                       struct xa_diag *diag)
{
    struct w w = {a, NULL, 0, 0};
    w.kv = xa_arena_alloc(a, MAX_PARAMS * sizeof(*w.kv));
    if (!w.kv)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    const struct xa_xml_node *sys = xa_xml_child(en, "System");
    const struct xa_xml_node *eid = xa_xml_child(sys, "EventID");
    if (!sys || !eid)
        return xa_diag_set(diag, XA_ERR_INVALID, "Windows event without System/EventID");
    const struct xa_xml_node *prov = xa_xml_child(sys, "Provider");
    const char *provider = xa_xml_attr(prov, "Name");
    const char *id_s = trimmed(&w, eid->text, eid->text_len);
    char *end = NULL;
    long id = id_s ? strtol(id_s, &end, 10) : -1;
    if (!id_s || !*id_s || *end || id < 0 || id > 65535)
        return xa_diag_set(diag, XA_ERR_INVALID, "Windows event with an invalid EventID '%s'",
                           id_s ? id_s : "");
    const char *tc = xa_xml_attr(xa_xml_child(sys, "TimeCreated"), "SystemTime");
    int64_t at;
    if (!tc || xa_time_parse(tc, (size_t)-1, &at))
        return xa_diag_set(diag, XA_ERR_INVALID, "Windows event %ld without a valid TimeCreated", id);
    const struct xa_xml_node *rid_n = xa_xml_child(sys, "EventRecordID");
    const char *rid = rid_n ? trimmed(&w, rid_n->text, rid_n->text_len) : NULL;
    const struct xa_xml_node *cn = xa_xml_child(sys, "Computer");
    const char *computer = cn ? trimmed(&w, cn->text, cn->text_len) : NULL;
    const struct xa_xml_node *ch = xa_xml_child(sys, "Channel");
    const char *channel = ch ? trimmed(&w, ch->text, ch->text_len) : NULL;
    const char *keywords = NULL;

    /* System fields as parameters */
    add(&w, "System.Provider", dup(&w, provider));
    add(&w, "System.EventID", id_s);
    add(&w, "System.Qualifiers", dup(&w, xa_xml_attr(eid, "Qualifiers")));
    for (const struct xa_xml_node *c = sys->child; c; c = c->next) {
        if (strcasecmp(c->name, "Version") == 0 || strcasecmp(c->name, "Level") == 0 ||
            strcasecmp(c->name, "Task") == 0 || strcasecmp(c->name, "Opcode") == 0 ||
            strcasecmp(c->name, "Keywords") == 0) {
            const char *v = trimmed(&w, c->text, c->text_len);
            if (strcasecmp(c->name, "Keywords") == 0)
                keywords = v;
            add(&w, xa_arena_printf(a, "System.%s", c->name), v);
        }
    }
    add(&w, "System.TimeCreated", dup(&w, tc));
    add(&w, "System.EventRecordID", rid);
    const struct xa_xml_node *corr = xa_xml_child(sys, "Correlation");
    add(&w, "System.ActivityID", dup(&w, xa_xml_attr(corr, "ActivityID")));
    const struct xa_xml_node *exe = xa_xml_child(sys, "Execution");
    add(&w, "System.ProcessID", dup(&w, xa_xml_attr(exe, "ProcessID")));
    add(&w, "System.ThreadID", dup(&w, xa_xml_attr(exe, "ThreadID")));
    add(&w, "System.Channel", channel);
    add(&w, "System.Computer", computer);
    const char *sec_sid = dup(&w, xa_xml_attr(xa_xml_child(sys, "Security"), "UserID"));
    add(&w, "System.UserID", sec_sid);
    size_t n_sys = w.n;

    /* EventData / UserData */
    const struct xa_xml_node *ed = xa_xml_child(en, "EventData");
    int pos = 0;
    for (const struct xa_xml_node *d = ed ? ed->child : NULL; d && !w.nomem; d = d->next) {
        const char *name = xa_xml_attr(d, "Name");
        pos++;
        const char *v = trimmed(&w, d->text, d->text_len);
        if (strcasecmp(d->name, "Data") == 0 && name && *name)
            add(&w, dup(&w, name), v);
        else
            add(&w, xa_arena_printf(a, "%s%d", d->name, pos), v);
    }
    const struct xa_xml_node *ud = xa_xml_child(en, "UserData");
    if (ud && ud->child)
        flatten(&w, ud->child, 0);
    if (w.nomem)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");

    xa_event_init(ev);
    ev->tenant_id = o && o->tenant_id ? o->tenant_id : "";
    ev->record_type = -1;
    ev->workload = "Windows";
    ev->source = o ? o->source : XA_SRC_XML;
    ev->occurred_at = at;
    ev->operation = id_s;
    ev->originating_server = computer;
    ev->raw = raw;
    ev->raw_len = raw_len;

    enum shape sh = SH_OTHER;
    ev->category = XA_CAT_OTHER;
    int sec = provider && xa_str_ieq(provider, "Microsoft-Windows-Security-Auditing");
    int evlog = provider && xa_str_ieq(provider, "Microsoft-Windows-Eventlog");
    for (size_t i = 0; i < sizeof(catalogue) / sizeof(catalogue[0]); i++)
        if (catalogue[i].id == id && (sec || (evlog && id == 1102) || (!provider && id > 4000))) {
            sh = catalogue[i].sh;
            ev->category = catalogue[i].cat;
            ev->activity = catalogue[i].title;
        }

    /* identity */
    if (rid && *rid) {
        char *c = xa_arena_strdup(a, computer ? computer : "");
        if (c)
            xa_str_lower(c);
        ev->record_id = xa_arena_printf(a, "winevt:%s:%s:%s", c ? c : "", channel ? channel : "", rid);
    } else {
        struct xa_buf b;
        xa_buf_init(&b, 0);
        xa_buf_printf(&b, "%s\x1f%ld\x1f%s\x1f%s\x1f%s", provider ? provider : "", id, tc,
                      computer ? computer : "", channel ? channel : "");
        for (size_t i = n_sys; i < w.n; i++)
            xa_buf_printf(&b, "\x1f%s=%s", w.kv[i].name, w.kv[i].value ? w.kv[i].value : "");
        const char *h = b.data ? xa_norm_hash_id(b.data, b.len, a) : NULL;
        xa_buf_release(&b);
        ev->record_id = h ? xa_arena_printf(a, "winevt:%s", h) : NULL;
    }
    if (!ev->record_id)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");

    /* who */
    const char *udom, *uname, *usid;
    if (sh == SH_LOGON) {
        udom = val(&w, "TargetDomainName");
        uname = val(&w, "TargetUserName");
        usid = val(&w, "TargetUserSid");
        ev->session_id = val(&w, "TargetLogonId");
    } else {
        udom = val(&w, "SubjectDomainName");
        uname = val(&w, "SubjectUserName");
        usid = val(&w, "SubjectUserSid");
        ev->session_id = val(&w, "SubjectLogonId");
    }
    if (!uname && !usid) { /* 4776 and others: TargetUserName is the account */
        uname = sh == SH_OTHER ? val(&w, "TargetUserName") : NULL;
        udom = uname ? val(&w, "TargetDomainName") : NULL;
    }
    const char *acct = account(&w, udom, uname);
    ev->actor_sid = usid ? usid : sec_sid;
    ev->is_system = system_account(ev->actor_sid, udom);
    const char *upn = o ? xa_norm_account_upn(acct, o->domains, o->n_domains, a) : NULL;
    if (upn) {
        ev->actor = upn;
        add(&w, "ActorAccount", acct);
    } else {
        ev->actor = acct;
    }

    /* classic Exchange cmdlet log (MSExchange CmdletLogs event 1): Data1 cmdlet, Data2
     * parameters, Data3 caller */
    if (provider && xa_str_ieq(provider, "MSExchange CmdletLogs") && id == 1) {
        const char *cmd = val(&w, "Data1");
        if (cmd) {
            ev->operation = cmd;
            ev->workload = "Exchange";
            ev->category = XA_CAT_ADMIN_OP;
        }
        const char *caller = val(&w, "Data3");
        if (caller) {
            const char *cu = o ? xa_norm_account_upn(caller, o->domains, o->n_domains, a) : NULL;
            ev->actor = cu ? cu : caller;
            if (cu)
                add(&w, "ActorAccount", caller);
        }
        const struct xa_kv *pk = NULL;
        size_t pn = 0;
        if (val(&w, "Data2") && xa_norm_ps_params(val(&w, "Data2"), a, &pk, &pn) == XA_OK)
            for (size_t i = 0; i < pn; i++) {
                if (xa_str_ieq(pk[i].name, "Identity"))
                    ev->object = pk[i].value;
                add(&w, xa_arena_printf(a, "Parameter.%s", pk[i].name), pk[i].value);
            }
    }

    /* what / target / grant */
    const char *tdom = val(&w, "TargetDomainName"), *tuser = val(&w, "TargetUserName");
    const char *target = account(&w, tdom, tuser);
    switch (sh) {
    case SH_ACCOUNT:
        ev->object = target;
        ev->grantee = target ? target : val(&w, "TargetSid");
        break;
    case SH_LOCKOUT:
        ev->object = tuser;
        ev->grantee = tuser;
        ev->client_info = tdom; /* the caller computer */
        break;
    case SH_GROUP_ADD:
    case SH_GROUP_DEL: {
        ev->object = target;
        const char *m = val(&w, "MemberName");
        ev->grantee = m ? m : val(&w, "MemberSid");
        ev->rights = tuser ? xa_arena_printf(a, "%s member of %s",
                                             sh == SH_GROUP_ADD ? "added as" : "removed as", tuser)
                           : NULL;
        break;
    }
    case SH_GROUP:
        ev->object = target;
        ev->grantee = target;
        break;
    case SH_DS_MOD:
        ev->object = val(&w, "ObjectDN");
        ev->grantee = val(&w, "AttributeValue") ? val(&w, "AttributeValue") : ev->object;
        ev->rights = val(&w, "AttributeLDAPDisplayName");
        break;
    case SH_DS_OBJ:
        ev->object = val(&w, "ObjectDN");
        ev->grantee = ev->object;
        ev->rights = val(&w, "ObjectClass");
        break;
    case SH_OBJ:
        ev->object = val(&w, "ObjectName");
        ev->grantee = ev->actor;
        ev->rights = val(&w, "Properties") ? val(&w, "Properties") : val(&w, "AccessList");
        break;
    case SH_PRIV:
        ev->grantee = ev->actor;
        ev->rights = val(&w, "PrivilegeList");
        break;
    case SH_LOGON:
        ev->object = val(&w, "WorkstationName");
        break;
    default:
        break;
    }
    if (!ev->client_info)
        ev->client_info = val(&w, "WorkstationName");
    const char *ip = val(&w, "IpAddress");
    if (ip)
        xa_norm_client_ip(ip, a, &ev->client_ip, &ev->client_port);
    const char *port = val(&w, "IpPort");
    if (ev->client_ip && port && atoi(port) > 0 && atoi(port) < 65536)
        ev->client_port = atoi(port);

    /* result */
    unsigned long long kw = keywords ? strtoull(keywords, NULL, 16) : 0;
    if (id == 4625 && sec)
        ev->result = XA_RESULT_FAILURE;
    else if (kw & 0x0010000000000000ull)
        ev->result = XA_RESULT_FAILURE;
    else if (kw & 0x0020000000000000ull)
        ev->result = XA_RESULT_SUCCESS;

    ev->params = w.kv;
    ev->n_params = w.n;
    return XA_OK;
}
