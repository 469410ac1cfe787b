/* plan.h - the emulator's data plan: generated records cut into API content blobs.
 *
 * The plan is computed once, before the server starts, and is read-only afterwards (safe to
 * share between threads). Records come from the generator (src/gen) as JSON Lines kept in an
 * unlinked temporary file mapped into memory, so the resident memory does not grow with the
 * record count beyond a small index (about 40 bytes a record). Every random choice is a pure
 * function of (seed, what, index): the same options give the same plan. */
#ifndef XA_EMU_PLAN_H
#define XA_EMU_PLAN_H

#include "core/rc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum xa_emu_ct {
    XA_EMU_CT_AAD = 0,    /* Audit.AzureActiveDirectory */
    XA_EMU_CT_EXCHANGE,   /* Audit.Exchange */
    XA_EMU_CT_SHAREPOINT, /* Audit.SharePoint (SharePoint + OneDrive) */
    XA_EMU_CT_GENERAL,    /* Audit.General (every other workload) */
    XA_EMU_CT_DLP,        /* DLP.All (always empty) */
    XA_EMU_CT_COUNT
};

#define XA_EMU_MAX_TENANTS 64
#define XA_EMU_MIN_US 60000000LL
#define XA_EMU_DAY_US 86400000000LL

/* Content type name ("Audit.Exchange"), NULL for an invalid value. */
const char *xa_emu_ct_name(int ct);
/* Content type from its name (case-insensitive); -1 when unknown. */
int xa_emu_ct_parse(const char *name);
/* Content type of a record's Workload value (NULL -> General). */
int xa_emu_ct_of_workload(const char *workload);

/* Deterministic random numbers: a pure function of (seed, what, i). */
uint64_t xa_emu_hash(uint64_t seed, uint64_t what, uint64_t i);
/* Uniform in [0, 1). */
double xa_emu_rand(uint64_t seed, uint64_t what, uint64_t i);

struct xa_emu_rec {
    uint64_t off; /* byte offset of the record text in the data */
    uint32_t len; /* record text length (no newline) */
    uint32_t id;  /* offset of the NUL-terminated record Id in the id pool */
    int64_t t;    /* CreationTime, us */
    uint16_t tenant;
    uint8_t ct;
};

enum {
    XA_EMU_BLOB_LATE = 1,  /* listable long after contentCreated (--late) */
    XA_EMU_BLOB_SHORT = 2, /* contentExpiration minutes after availability (--expire) */
    XA_EMU_BLOB_HUGE = 4   /* the --huge-blob blob */
};

struct xa_emu_blob {
    char content_id[160];
    int64_t created; /* contentCreated, us (millisecond precision) */
    int64_t visible; /* simulated time from which it is listed (== created unless LATE) */
    int64_t expires; /* contentExpiration, us */
    uint32_t *recs;  /* record indexes, in serving order */
    uint32_t nrec;
    uint32_t serial; /* index in plan->blobs */
    uint64_t bytes;  /* size of the served JSON array "[r,r,...]" */
    uint16_t tenant;
    uint8_t ct;
    uint8_t flags;
};

/* Blobs of one (tenant, content type) in listing order. */
struct xa_emu_stream {
    uint32_t *blobs;
    size_t n;
};

struct xa_emu_plan_opts {
    uint64_t seed;
    uint64_t records;      /* per tenant */
    uint32_t blob_records; /* max records a blob (>= 1) */
    int64_t blob_span;     /* us; a blob covers at most this much event time */
    int64_t origin;        /* us; first record time */
    int64_t span;          /* us; activity spread over [origin, origin + span) */
    const char *const *tenants;
    size_t ntenants;   /* 1..XA_EMU_MAX_TENANTS */
    double dup;        /* ratio of records also placed in the next blob */
    double late;       /* ratio of blobs listable 30 min..6 h after contentCreated */
    double expire;     /* ratio of blobs with a few minutes of life */
    bool out_of_order; /* shuffle listing order and records inside blobs */
    uint64_t huge;     /* records of one extra blob in the first tenant, 0 = none */
};

void xa_emu_plan_opts_init(struct xa_emu_plan_opts *o);

struct xa_emu_plan {
    const char *data; /* mapped records, JSON Lines */
    size_t data_len;
    struct xa_emu_rec *recs;
    size_t nrecs;
    char *ids; /* id pool */
    size_t ids_len;
    struct xa_emu_blob *blobs;
    size_t nblobs;
    struct xa_emu_stream *streams; /* [tenant * XA_EMU_CT_COUNT + ct] */
    size_t ntenants;
    char tenants[XA_EMU_MAX_TENANTS][40];
    uint64_t seed;
};

/* Generate the records of every tenant and cut them into blobs. *out (caller frees with
 * xa_emu_plan_free) is written only on success. */
xa_rc xa_emu_plan_build(const struct xa_emu_plan_opts *o, struct xa_emu_plan **out,
                        struct xa_diag *diag);
void xa_emu_plan_free(struct xa_emu_plan *p);

static inline const char *xa_emu_plan_rec_id(const struct xa_emu_plan *p, uint32_t rec)
{
    return p->ids + p->recs[rec].id;
}

/* Blob by contentId: XA_OK and *serial, XA_ERR_PARSE when the id is malformed (AF20052),
 * XA_ERR_NOTFOUND when well-formed but unknown (AF20050). */
xa_rc xa_emu_plan_find(const struct xa_emu_plan *p, const char *content_id, uint32_t *serial);

/* Format a time as the API does: "2025-03-10T04:30:11.223Z". buf holds 32 bytes. */
char *xa_emu_fmt_ms(int64_t us, char buf[32]);

#endif
