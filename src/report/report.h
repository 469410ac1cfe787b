/* report.h - the reports over the archive: non-owner-access, permissions,
 * admin-changes, timeline, coverage. Each report reads the archive through the store
 * interface (search with the user's filters) and fills a report document (doc.h)
 * that is rendered as text, CSV, JSON or HTML.
 *
 * Reports never depend on the time of the run: the same archive and options give
 * byte-identical output. Microsoft back-end activity is hidden unless
 * q.include_system. Thread safety: one report per thread (the store is per thread). */
#ifndef XA_REPORT_REPORT_H
#define XA_REPORT_REPORT_H

#include "core/rc.h"
#include "report/doc.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

struct xa_report_opts {
    struct xa_store *st;
    /* The user's filters (since/until, actors, mailboxes, ...). limit, cursor and
     * oldest_first are ignored: reports read everything that matches, oldest first. */
    struct xa_query q;
    /* permissions: snapshot files (exports of Get-MailboxPermission,
     * Get-RecipientPermission, Get-Mailbox; JSON or CSV) taken at snapshot_at. */
    const char *const *snapshots;
    size_t n_snapshots;
    int64_t snapshot_at;  /* XA_TIME_NONE: the end of the period (until) or of the data */
    int64_t at;           /* permissions: state at this time; XA_TIME_NONE: end of period */
    /* coverage: Get-Mailbox exports naming every mailbox that should be audited. */
    const char *const *mailbox_files;
    size_t n_mailbox_files;
    size_t max_rows;      /* cap of detail rows per section; 0 = 10000 */
};

typedef xa_rc (*xa_report_fn)(const struct xa_report_opts *o, struct xa_rdoc *doc,
                              struct xa_diag *diag);

struct xa_report_def {
    const char *name;
    const char *title;
    const char *summary;
    xa_report_fn run;
};

/* The table of reports, terminated by an entry with name NULL. */
extern const struct xa_report_def xa_reports[];

/* Find a report by name; NULL when unknown. */
const struct xa_report_def *xa_report_find(const char *name);

/* Initialise o: empty query (xa_query_init), no snapshots, times unset. */
void xa_report_opts_init(struct xa_report_opts *o);

/* Run a report into a new document (*out, caller frees with xa_rdoc_free). */
xa_rc xa_report_build(const struct xa_report_def *def, const struct xa_report_opts *o,
                      struct xa_rdoc **out, struct xa_diag *diag);

/* The reports themselves (one module each). */
xa_rc xa_report_nonowner(const struct xa_report_opts *o, struct xa_rdoc *doc, struct xa_diag *d);
xa_rc xa_report_permissions(const struct xa_report_opts *o, struct xa_rdoc *doc,
                            struct xa_diag *d);
xa_rc xa_report_admin(const struct xa_report_opts *o, struct xa_rdoc *doc, struct xa_diag *d);
xa_rc xa_report_timeline(const struct xa_report_opts *o, struct xa_rdoc *doc, struct xa_diag *d);
xa_rc xa_report_coverage(const struct xa_report_opts *o, struct xa_rdoc *doc, struct xa_diag *d);

#endif
