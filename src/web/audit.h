/* audit.h - self-audit of console and API actions: every action becomes a self_audit
 * event in the archive (category self_audit, source internal, tenant "exoaudit", the shape
 * of the CLI's self-audit events). Events are queued and written by one thread in batches,
 * so a request never waits for the archive's write lock (an import may hold it); the queue
 * is bounded and a full queue makes the caller wait (nothing is dropped). Thread-safe. */
#ifndef XA_WEB_AUDIT_H
#define XA_WEB_AUDIT_H

#include "core/rc.h"
#include "event/event.h"
#include "store/store.h"

#include <stdbool.h>

struct xa_web_audit;

/* Opens its own store connection to path (with integrity settings ic, may be NULL). */
xa_rc xa_web_audit_start(const char *path, const struct xa_integrity_cfg *ic,
                         struct xa_web_audit **out, struct xa_diag *diag);
/* Writes what is queued, then stops. */
void xa_web_audit_stop(struct xa_web_audit *a);
/* Queue one event: operation (e.g. "ConsoleSearch"), actor (NULL = "anonymous"), client
 * ip, success, and n parameters (copied). */
void xa_web_audit_log(struct xa_web_audit *a, const char *operation, const char *actor,
                      const char *ip, bool success, const struct xa_kv *params, size_t n);
/* Block until everything queued before the call is committed (tests, shutdown). */
void xa_web_audit_flush(struct xa_web_audit *a);

#endif
