/* report.c - the table of reports and their common entry point. */
#include "report/report.h"

#include "core/xtime.h"

#include <string.h>

const struct xa_report_def xa_reports[] = {
    {"non-owner-access", "Mailboxes accessed by non-owners",
     "every non-owner access to every mailbox, by mailbox and by accessing user",
     xa_report_nonowner},
    {"permissions", "Mailbox permission history",
     "who granted what to whom and when, what the grantee then did, who revoked it",
     xa_report_permissions},
    {"admin-changes", "Administrator changes (watch the watchers)",
     "every admin cmdlet by actor with its parameters and target", xa_report_admin},
    {"timeline", "Timeline",
     "everything one person did, or everything done to one mailbox, in time order",
     xa_report_timeline},
    {"coverage", "Mailbox audit coverage",
     "which mailboxes produced audit events, volume per operation and day, collector gaps",
     xa_report_coverage},
    {NULL, NULL, NULL, NULL},
};

const struct xa_report_def *xa_report_find(const char *name)
{
    for (const struct xa_report_def *r = xa_reports; r->name; r++)
        if (name && strcmp(r->name, name) == 0)
            return r;
    return NULL;
}

void xa_report_opts_init(struct xa_report_opts *o)
{
    memset(o, 0, sizeof(*o));
    xa_query_init(&o->q);
    o->snapshot_at = XA_TIME_NONE;
    o->at = XA_TIME_NONE;
}

xa_rc xa_report_build(const struct xa_report_def *def, const struct xa_report_opts *o,
                      struct xa_rdoc **out, struct xa_diag *diag)
{
    struct xa_rdoc *doc = xa_rdoc_new(def->name, def->title);
    if (!doc)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    xa_rc rc = def->run(o, doc, diag);
    if (rc) {
        if (diag && !diag->msg[0])
            xa_diag_set(diag, rc, "report %s: %s", def->name, xa_rc_str(rc));
        xa_rdoc_free(doc);
        return rc;
    }
    *out = doc;
    return XA_OK;
}
