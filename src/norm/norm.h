/* norm.h - Office 365 audit record (parsed JSON) -> struct xa_event.
 *
 * Full normalisation for Exchange admin (RecordType 1), mailbox item (2), item group
 * (3) and aggregated MailItemsAccessed (50); the common schema for every other
 * workload. Field names are matched case-insensitively. */
#ifndef XA_NORM_NORM_H
#define XA_NORM_NORM_H

#include "core/arena.h"
#include "core/rc.h"
#include "event/event.h"
#include "parse/json.h"

#include <stdint.h>

struct xa_norm_opts {
    const char *tenant_id;   /* used when the record has no OrganizationId; may be NULL */
    enum xa_source source;
    int64_t collected_at;    /* XA_TIME_NONE when unknown */
};

/* Normalise rec into ev. Every string of ev is allocated in a (or points into raw);
 * ev->raw = raw, ev->raw_len = raw_len (not copied: the caller keeps raw alive as long
 * as ev). Returns XA_ERR_INVALID (with a reason in diag) for a record that cannot be
 * archived: not an object, no Id, no or unparsable CreationTime, or a wrong type for
 * those. Unknown record types are normalised with the common schema, never refused.
 * Thread-safe (no shared state). */
xa_rc xa_norm_record(const struct xa_json *rec, const char *raw, size_t raw_len,
                     const struct xa_norm_opts *opts, struct xa_arena *a, struct xa_event *ev,
                     struct xa_diag *diag);

/* Split a ClientIP form ("1.2.3.4:80", "[1.2.3.4]:80", "::ffff:1.2.3.4", "[v6]:443", bare
 * v6, host name) into a normalised IP (arena string, NULL for host names / empty) and a
 * port (0 when none). */
void xa_norm_client_ip(const char *s, struct xa_arena *a, const char **ip, int *port);

#endif
