/* redact.c - hide configured fields before an item leaves the machine. */
#include "core/str.h"
#include "out/format.h"

#include <string.h>

/* Event string fields that can be redacted, by normalised name. */
#define EV_FIELDS(X)                                                                           \
    X(tenant_id) X(workload) X(actor) X(actor_sid) X(actor_type) X(app_id) X(client_app_id)   \
    X(mailbox) X(mailbox_guid) X(object) X(item) X(folder) X(grantee) X(rights)                \
    X(client_ip) X(client_info) X(originating_server) X(session_id)

static const char *const alert_fields[] = {"summary", "group_key", "tenant_id"};

static bool known_field(const char *f)
{
#define KNOWN(n)                                                                               \
    if (strcmp(f, #n) == 0)                                                                    \
        return true;
    EV_FIELDS(KNOWN)
#undef KNOWN
    for (size_t i = 0; i < sizeof(alert_fields) / sizeof(alert_fields[0]); i++)
        if (strcmp(f, alert_fields[i]) == 0)
            return true;
    return strcmp(f, "parameters") == 0 || strcmp(f, "modified_properties") == 0 ||
           strcmp(f, "raw") == 0 || (strncmp(f, "parameters.", 11) == 0 && f[11]);
}

xa_rc xa_out_redact_check(const struct xa_out_redact *r, struct xa_diag *diag)
{
    for (size_t i = 0; r && i < r->n; i++)
        if (!known_field(r->fields[i]))
            return xa_diag_set(diag, XA_ERR_CONFIG,
                               "redact: '%s' is not a field that can be redacted (event fields "
                               "such as actor, mailbox, client_ip; parameters.<Name>; raw; "
                               "alert summary, group_key)",
                               r->fields[i]);
    return XA_OK;
}

static bool has(const struct xa_out_redact *r, const char *f)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->fields[i], f) == 0)
            return true;
    return false;
}

static void hide(const char **s)
{
    if (*s)
        *s = XA_REDACTED;
}

xa_rc xa_out_redact_item(const struct xa_out_redact *r, const struct xa_out_item *in,
                         struct xa_out_item *out, struct xa_event *ev_store,
                         struct xa_alert *al_store, struct xa_arena *a)
{
    *out = *in;
    if (!r || r->n == 0)
        return XA_OK;
    if (in->kind == XA_OUT_ALERT) {
        *al_store = *in->al;
        if (has(r, "summary"))
            hide(&al_store->summary);
        if (has(r, "group_key"))
            hide(&al_store->group_key);
        if (has(r, "tenant_id"))
            hide(&al_store->tenant_id);
        out->al = al_store;
        return XA_OK;
    }
    struct xa_event *ev = ev_store;
    *ev = *in->ev;
#define HIDE(n)                                                                                \
    if (has(r, #n))                                                                            \
        hide(&ev->n);
    EV_FIELDS(HIDE)
#undef HIDE
    if (has(r, "parameters")) {
        ev->params = NULL;
        ev->n_params = 0;
    } else if (ev->n_params) {
        struct xa_kv *p = NULL;
        for (size_t i = 0; i < ev->n_params; i++) {
            const char *name = ev->params[i].name;
            bool hit = false;
            for (size_t j = 0; j < r->n && !hit; j++)
                hit = strncmp(r->fields[j], "parameters.", 11) == 0 && name &&
                      xa_str_ieq(r->fields[j] + 11, name);
            if (!hit)
                continue;
            if (!p) {
                p = xa_arena_alloc(a, ev->n_params * sizeof(*p));
                if (!p)
                    return XA_ERR_NOMEM;
                memcpy(p, ev->params, ev->n_params * sizeof(*p));
            }
            p[i].value = XA_REDACTED;
        }
        if (p)
            ev->params = p;
    }
    if (has(r, "modified_properties")) {
        ev->mods = NULL;
        ev->n_mods = 0;
    }
    /* the raw record repeats every field: any redaction drops it */
    ev->raw = NULL;
    ev->raw_len = 0;
    out->ev = ev;
    return XA_OK;
}
