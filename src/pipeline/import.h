/* import.h - file -> records -> normalised events -> archive, exactly once.
 *
 * A reader thread splits, parses and normalises records into batches; the calling
 * thread writes each batch in one store transaction. Bad records are quarantined in
 * the same transaction as the good ones of their batch, so nothing is lost or
 * reported twice. Memory is bounded by max_record and the batch size. */
#ifndef XA_PIPELINE_IMPORT_H
#define XA_PIPELINE_IMPORT_H

#include "core/rc.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

struct xa_import_opts {
    const char *tenant_id;  /* for records without OrganizationId; NULL = none */
    const char *format;     /* force a format by name (see parse/format.h); NULL = detect */
    size_t max_record;      /* bytes; default 4 MiB */
    size_t batch;           /* records per in-memory batch; default 1000 */
    size_t txn_records;     /* records per store transaction; default 50000 */
    bool dry_run;           /* parse and normalise, store nothing */
    bool progress;          /* progress line on stderr */
    const struct xa_kv *domains; /* identity.domains: NETBIOS -> DNS domain (Windows accounts) */
    size_t n_domains;
};

struct xa_import_stats {
    uint64_t read;          /* records seen (good and bad) */
    uint64_t stored;        /* new rows */
    uint64_t duplicates;    /* records already archived */
    uint64_t quarantined;   /* bad records kept in quarantine */
    uint64_t bytes;         /* input bytes read (as stored: compressed for gzip/zstd) */
    const char *format;     /* detected layout of the last file (static string) */
};

void xa_import_opts_init(struct xa_import_opts *o);

/* Import one file ("-" = stdin) into st (st may be NULL when dry_run). Adds to *stats.
 * Returns XA_OK when the file was read to its end (even if records were quarantined);
 * an error when the file cannot be read at all or the store fails (everything committed
 * before the error stays committed and counted). */
xa_rc xa_import_file(struct xa_store *st, const char *path, const struct xa_import_opts *opts,
                     struct xa_import_stats *stats, struct xa_diag *diag);

#endif
