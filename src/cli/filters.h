/* filters.h - the search filters shared by the commands that query the archive
 * (search, report): one option table, one parser, one help text, one mapping onto
 * struct xa_query. Not thread-safe (getopt). */
#ifndef XA_CLI_FILTERS_H
#define XA_CLI_FILTERS_H

#include "store/store.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "store/qargs.h"

#define XA_FILTER_MAX XA_QARGS_MAX

/* The parsed filter options (the shared parser of store/qargs.h behind getopt).
 * Strings point into argv (not copied). */
struct xa_filters {
    struct xa_qargs a;
};

/* Option values used by the filter options (getopt_long 'val'); commands must not
 * use values in [XA_FILTER_OPT_BASE, XA_FILTER_OPT_BASE + 32) nor 'q'. */
#define XA_FILTER_OPT_BASE 0x4600

/* Number of entries of the filter option table (without terminator). */
#define XA_FILTER_NOPTS 17

void xa_filters_init(struct xa_filters *f);
/* Copy the filter options into out[0..XA_FILTER_NOPTS) (no terminator); the short
 * option of --text is 'q' with an argument ("q:" belongs in the optstring). */
void xa_filters_options(struct option *out);
/* Handle one getopt_long result: returns 1 when c was a filter option and was parsed,
 * 0 when c is not a filter option, -1 on a bad value (message printed on stderr,
 * prefixed with "exoaudit CMD: "). arg may be modified (comma lists are split). now
 * is the reference for relative times. */
int xa_filters_handle(struct xa_filters *f, int c, char *arg, int64_t now, const char *cmd);
/* Check cross-option constraints (since < until); prints and returns -1 when bad. */
int xa_filters_check(const struct xa_filters *f, const char *cmd);
/* Fill the filter fields of q (since, until, lists, result, external, text, tenant,
 * include_system when given). q keeps pointers into f: f must outlive q's use. */
void xa_filters_apply(const struct xa_filters *f, struct xa_query *q);
/* Print the help lines of the filter options. */
void xa_filters_help(FILE *out);

#endif
