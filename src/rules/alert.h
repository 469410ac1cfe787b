/* alert.h - how an alert is rendered for people and programs (CLI, REST API). */
#ifndef XA_RULES_ALERT_H
#define XA_RULES_ALERT_H

#include "core/buf.h"
#include "store/store.h"

/* "open", "acknowledged" or "closed". */
const char *xa_alert_status_name(int status);
/* Append a as one JSON object: id, uid, rule_id, title, author, license, origin, severity,
 * tags, group, tenant_id, summary, first_at, last_at, created_at, updated_at (null when
 * unknown), rev, status, count, seqs, comments. */
void xa_alert_to_json(const struct xa_alert *a, struct xa_buf *b);

#endif
