#include "event/event.h"

#include "core/xtime.h"

#include <string.h>
#include <strings.h>

void xa_event_init(struct xa_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->record_type = -1;
    ev->occurred_at = XA_TIME_NONE;
    ev->collected_at = XA_TIME_NONE;
    ev->content_created_at = XA_TIME_NONE;
    ev->external_access = -1;
}

static const char *const cat_names[XA_CAT__COUNT] = {
    "other", "admin_op", "mailbox_access", "mailbox_permission", "inbox_rule", "audit_config",
    "sign_in", "file", "account", "collector", "self_audit"};
static const char *const result_names[XA_RESULT__COUNT] = {"unknown", "success", "failure"};
static const char *const logon_names[XA_LOGON__COUNT] = {
    NULL, "owner", "admin", "delegate", "delegated_admin", "transport", "system"};
static const char *const source_names[XA_SRC__COUNT] = {"api", "json", "csv", "xml", "evtx", "internal"};

const char *xa_category_name(enum xa_category c)
{
    return (unsigned)c < XA_CAT__COUNT ? cat_names[c] : "other";
}
const char *xa_result_name(enum xa_result r)
{
    return (unsigned)r < XA_RESULT__COUNT ? result_names[r] : "unknown";
}
const char *xa_logon_name(enum xa_logon l)
{
    return (unsigned)l < XA_LOGON__COUNT ? logon_names[l] : NULL;
}
const char *xa_source_name(enum xa_source s)
{
    return (unsigned)s < XA_SRC__COUNT ? source_names[s] : "api";
}

static int find(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (names[i] && s && strcasecmp(names[i], s) == 0)
            return i;
    return -1;
}

int xa_category_parse(const char *s) { return find(cat_names, XA_CAT__COUNT, s); }
int xa_result_parse(const char *s) { return find(result_names, XA_RESULT__COUNT, s); }
int xa_logon_parse(const char *s) { return find(logon_names, XA_LOGON__COUNT, s); }
