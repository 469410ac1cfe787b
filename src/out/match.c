/* match.c - the archive's search filters applied to one event in memory (for destinations
 * that forward "what: search" in commit order). */
#include "core/str.h"
#include "core/xtime.h"
#include "out/out.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static bool str_match(const char *pat, const char *s)
{
    if (!s)
        return false;
    return xa_str_has_wildcard(pat) ? xa_str_wildmatch(pat, s) : xa_str_ieq(pat, s);
}

static bool any_str(const char *const *pats, size_t n, const char *s)
{
    if (n == 0)
        return true;
    for (size_t i = 0; i < n; i++)
        if (str_match(pats[i], s))
            return true;
    return false;
}

static bool any_int(const int *v, size_t n, int x)
{
    if (n == 0)
        return true;
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

/* a.b.c.d, an IPv6 address, or either with /prefix. */
static bool ip_match(const char *pat, const char *ip)
{
    if (!ip)
        return false;
    char buf[64];
    size_t n = strlen(pat);
    if (n >= sizeof(buf))
        return false;
    memcpy(buf, pat, n + 1);
    char *slash = strchr(buf, '/');
    int prefix = -1;
    if (slash) {
        *slash = '\0';
        char *end = NULL;
        long p = strtol(slash + 1, &end, 10);
        if (!end || *end || p < 0 || p > 128)
            return false;
        prefix = (int)p;
    }
    unsigned char a[16], b[16];
    int fam = strchr(buf, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(fam, buf, a) != 1 || inet_pton(fam, ip, b) != 1)
        return prefix < 0 && xa_str_ieq(buf, ip);
    int bits = fam == AF_INET ? 32 : 128;
    if (prefix < 0 || prefix > bits)
        prefix = bits;
    int full = prefix / 8, rest = prefix % 8;
    if (memcmp(a, b, (size_t)full) != 0)
        return false;
    if (rest) {
        unsigned char m = (unsigned char)(0xff << (8 - rest));
        return (a[full] & m) == (b[full] & m);
    }
    return true;
}

static bool text_match(const char *words, const struct xa_event *ev)
{
    const char *fields[] = {ev->actor,  ev->object,   ev->mailbox,     ev->item,
                            ev->folder, ev->grantee,  ev->client_info, ev->operation};
    const char *p = words;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        if (!n)
            break;
        char w[128];
        if (n >= sizeof(w))
            n = sizeof(w) - 1;
        memcpy(w, p, n);
        w[n] = '\0';
        p += strcspn(p, " ");
        bool hit = false;
        for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]) && !hit; i++)
            hit = fields[i] && xa_str_icontains(fields[i], w);
        for (size_t i = 0; i < ev->n_params && !hit; i++)
            hit = (ev->params[i].value && xa_str_icontains(ev->params[i].value, w)) ||
                  (ev->params[i].name && xa_str_icontains(ev->params[i].name, w));
        if (!hit)
            return false;
    }
    return true;
}

bool xa_out_match(const struct xa_query *q, const struct xa_event *ev)
{
    if (!q)
        return true;
    if (q->tenant_id && !xa_str_ieq(q->tenant_id, ev->tenant_id))
        return false;
    if (!q->include_system && ev->is_system)
        return false;
    if (q->since != XA_TIME_NONE && ev->occurred_at < q->since)
        return false;
    if (q->until != XA_TIME_NONE && ev->occurred_at >= q->until)
        return false;
    if (!any_str(q->operations, q->n_operations, ev->operation) ||
        !any_str(q->actors, q->n_actors, ev->actor) ||
        !any_str(q->mailboxes, q->n_mailboxes, ev->mailbox) ||
        !any_str(q->workloads, q->n_workloads, ev->workload))
        return false;
    if (q->n_objects) {
        bool hit = false;
        for (size_t i = 0; i < q->n_objects && !hit; i++)
            hit = ev->object && (xa_str_has_wildcard(q->objects[i])
                                     ? xa_str_wildmatch(q->objects[i], ev->object)
                                     : xa_str_icontains(ev->object, q->objects[i]) != NULL);
        if (!hit)
            return false;
    }
    if (q->n_ips) {
        bool hit = false;
        for (size_t i = 0; i < q->n_ips && !hit; i++)
            hit = ip_match(q->ips[i], ev->client_ip);
        if (!hit)
            return false;
    }
    if (q->n_params) {
        bool hit = false;
        for (size_t i = 0; i < q->n_params && !hit; i++)
            for (size_t j = 0; j < ev->n_params && !hit; j++)
                hit = xa_str_ieq(q->params[i].name, ev->params[j].name) &&
                      (!q->params[i].value || str_match(q->params[i].value, ev->params[j].value));
        if (!hit)
            return false;
    }
    if (!any_int(q->record_types, q->n_record_types, ev->record_type) ||
        !any_int(q->categories, q->n_categories, (int)ev->category) ||
        !any_int(q->logon_types, q->n_logon_types, (int)ev->logon_type))
        return false;
    if (q->result >= 0 && (int)ev->result != q->result)
        return false;
    if (q->external >= 0 && ev->external_access != q->external)
        return false;
    if (q->text && !text_match(q->text, ev))
        return false;
    return true;
}
