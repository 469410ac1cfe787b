/* qargs.h - the search filters by name, shared by every front end that builds a
 * struct xa_query from user input: the command line (cli/filters.c maps --options to
 * these names) and the REST API (web/api_events.c maps query parameters). One parser, so
 * a filter means the same thing everywhere. Not thread-safe per struct. */
#ifndef XA_STORE_QARGS_H
#define XA_STORE_QARGS_H

#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

#define XA_QARGS_MAX 64

struct xa_qargs_list {
    const char *v[XA_QARGS_MAX];
    size_t n;
};

/* Parsed filter values. Strings point into the values given to xa_qargs_set (not copied). */
struct xa_qargs {
    int64_t since, until; /* XA_TIME_NONE when not given */
    struct xa_qargs_list ops, actors, mailboxes, objects, workloads, ips;
    struct xa_param_filter params[XA_QARGS_MAX];
    size_t n_params;
    int record_types[XA_QARGS_MAX], categories[XA_QARGS_MAX], logon_types[XA_QARGS_MAX];
    size_t n_record_types, n_categories, n_logon_types;
    int result;   /* -1 any */
    int external; /* -1 any */
    const char *text;
    const char *tenant;
    bool include_system;
    bool include_system_set; /* include_system was given */
};

void xa_qargs_init(struct xa_qargs *a);

/* Apply one filter by name: since, until, operation, actor, mailbox, object, workload, ip,
 * param, external, result, logon_type, record_type, category, text (alias q), tenant,
 * include_system ('-' and '_' are the same: logon-type = logon_type). value may be
 * modified (comma lists are split in place) and must outlive a; now is the reference for
 * relative times. Returns 1 when applied, 0 when name is not a filter, -1 on a bad value
 * with a reason (static text) in *why. */
int xa_qargs_set(struct xa_qargs *a, const char *name, char *value, int64_t now, const char **why);

/* Is name one of the filter names above? */
bool xa_qargs_is_filter(const char *name);

/* Cross-filter constraints (since before until): 0, or -1 with *why. */
int xa_qargs_check(const struct xa_qargs *a, const char **why);

/* Fill the filter fields of q (include_system and tenant only when given). q keeps
 * pointers into a: a must outlive q's use. */
void xa_qargs_apply(const struct xa_qargs *a, struct xa_query *q);

#endif
