/* gen.h - deterministic generator of realistic Office 365 tenant audit activity.
 *
 * Same options (seed, count, start) -> byte-identical output. Produces users, shared
 * mailboxes, delegates, admins, Microsoft back-end noise, every Exchange record shape
 * of the reference (RecordType 1, 2, 3, 50), other workloads (AzureActiveDirectory,
 * SharePoint, OneDrive, General, ...) and planted incidents (see gen.c). */
#ifndef XA_GEN_GEN_H
#define XA_GEN_GEN_H

#include "core/rc.h"

#include <stdint.h>
#include <stdio.h>

enum xa_gen_format { XA_GEN_JSONL = 0, XA_GEN_BLOB = 1 };

struct xa_gen_opts {
    uint64_t seed;
    uint64_t records;         /* total records written (planted incidents included) */
    enum xa_gen_format format;
    int64_t start;            /* us; first record time. XA_TIME_NONE = now - span */
    int64_t span;             /* us; activity spread over [start, start + span) */
    const char *tenant_id;    /* NULL = a fixed GUID derived from the seed */
    const char *domain;       /* NULL = "contoso.com" */
};

void xa_gen_opts_init(struct xa_gen_opts *o);

/* Write the records to out in time order: JSON Lines (one record a line) or one JSON
 * array (a Management Activity API content blob). */
xa_rc xa_gen_write(const struct xa_gen_opts *o, FILE *out, struct xa_diag *diag);

#endif
