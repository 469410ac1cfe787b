/* engine.h - the detection engine: runs a finalised rule set over events, keeps the
 * correlation windows, merges matches into alerts (dedup per rule and group key), applies
 * allow-lists and suppression, and follows the archive with its own cursor.
 *
 * Streaming (xa_engine_run): reads events committed after the cursor in seq order and, per
 * batch, writes the batch's alerts, the changed correlation state and the new cursor in one
 * transaction, so a restart continues exactly where it stopped (at-least-once). The engine
 * does not own the rule set; one engine per thread. */
#ifndef XA_RULES_ENGINE_H
#define XA_RULES_ENGINE_H

#include "core/rc.h"
#include "event/event.h"
#include "rules/rule.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

/* An allow-list entry: events whose field matches glob (case-insensitive, * ?) never
 * raise an alert of the rules matching rule_glob (an id, a name, or "*"). */
struct xa_allow {
    const char *rule_glob;
    const char *field;
    const char *glob;
};

/* A per-rule override of the dedup / suppression window (rule id or name glob). */
struct xa_suppress {
    const char *rule_glob;
    int64_t window_us;     /* merge matches into the open alert within this window */
};

struct xa_engine_cfg {
    bool include_system;       /* evaluate Microsoft back-end events for every rule */
    bool alert_informational;  /* store alerts of level informational too */
    const char *cursor;        /* consumer name of the engine's cursor (default "rules") */
    const struct xa_allow *allow;       size_t n_allow;
    const struct xa_suppress *suppress; size_t n_suppress;
    const char *const *disabled;        size_t n_disabled;   /* rule id / name globs */
    size_t batch;              /* events per transaction in xa_engine_run (default 5000) */
};

struct xa_engine_stats {
    int64_t events;            /* evaluated */
    int64_t skipped_system;    /* is_system events no rule looked at */
    int64_t rule_evals;        /* detection rule evaluations */
    int64_t matches;           /* detection and correlation matches */
    int64_t allowed;           /* matches dropped by an allow-list */
    int64_t alerts_new, alerts_merged;
    int64_t raw_parses;        /* events whose raw record had to be parsed */
    int64_t last_seq;
};

/* A match as it becomes (part of) an alert; see struct xa_alert for the fields. */
typedef xa_rc (*xa_engine_match_cb)(void *ud, const struct xa_rule *r, const struct xa_alert *a);

struct xa_engine;

xa_rc xa_engine_new(struct xa_ruleset *rs, const struct xa_engine_cfg *cfg,
                    struct xa_engine **out, struct xa_diag *diag);
void xa_engine_free(struct xa_engine *e);

/* Called for every match (before merging into pending alerts); NULL to stop. */
void xa_engine_on_match(struct xa_engine *e, xa_engine_match_cb cb, void *ud);

/* Evaluate one event (correlations included). Alerts accumulate as pending. */
xa_rc xa_engine_event(struct xa_engine *e, const struct xa_event *ev, struct xa_diag *diag);

/* Pending alerts (merged in memory by rule, group and window) since the last flush/clear. */
size_t xa_engine_pending(const struct xa_engine *e);
const struct xa_alert *xa_engine_pending_alert(struct xa_engine *e, size_t i);
const struct xa_rule *xa_engine_pending_rule(const struct xa_engine *e, size_t i);
void xa_engine_clear_pending(struct xa_engine *e);

/* Load the persisted correlation windows of this engine's cursor name. */
xa_rc xa_engine_load_state(struct xa_engine *e, struct xa_store *st, struct xa_diag *diag);
/* Write pending alerts (merging with stored ones) and changed state, inside the caller's
 * transaction; clears pending. */
xa_rc xa_engine_flush(struct xa_engine *e, struct xa_store *st, struct xa_diag *diag);

/* Run over every event committed after the cursor (at most max_events, 0 = all), in
 * batches of one transaction each; loads state first. */
xa_rc xa_engine_run(struct xa_engine *e, struct xa_store *st, int64_t max_events,
                    struct xa_diag *diag);

const struct xa_engine_stats *xa_engine_stats(const struct xa_engine *e);
/* Matches per rule index since creation. */
int64_t xa_engine_rule_matches(const struct xa_engine *e, int rule_index);

#endif
