/* util.h - helpers shared by the report modules: tallies of distinct values,
 * time formatting into an arena, the period parameters. Not thread-safe. */
#ifndef XA_REPORT_UTIL_H
#define XA_REPORT_UTIL_H

#include "core/arena.h"
#include "core/rc.h"
#include "report/doc.h"
#include "report/report.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Distinct strings with counts (case-insensitive), at most XA_TALLY_MAX distinct;
 * further distinct values are counted in other. Memory from the arena given. */
#define XA_TALLY_MAX 32

struct xa_tally_item {
    const char *s;
    size_t n;
};

struct xa_tally {
    struct xa_tally_item *v;
    size_t len, cap;
    size_t other;
};

/* Count s (NULL or "" ignored). XA_ERR_NOMEM on allocation failure. */
xa_rc xa_tally_add(struct xa_tally *t, struct xa_arena *a, const char *s, size_t n);
/* "a 3, b 1" (counts) or "a, b", most frequent first then by name; "" when empty;
 * "+N more" appended when values overflowed. NULL on allocation failure. */
const char *xa_tally_join(const struct xa_tally *t, struct xa_arena *a, bool counts);

/* RFC 3339 UTC in the arena; NULL for XA_TIME_NONE. */
const char *xa_rtime(struct xa_arena *a, int64_t t);
/* "YYYY-MM-DD" of t in the arena. */
const char *xa_rday(struct xa_arena *a, int64_t t);
/* Decimal text of n in the arena. */
const char *xa_rnum(struct xa_arena *a, long long n);

/* Add the since / until / include_system parameters of o to doc. */
xa_rc xa_rparams_period(struct xa_rdoc *doc, const struct xa_report_opts *o);

/* A copy of o->q prepared for a full read: no limit, no cursor, oldest first. */
void xa_rquery(const struct xa_report_opts *o, struct xa_query *q);

/* Detail row cap of o. */
size_t xa_rmax(const struct xa_report_opts *o);

#endif
