/* eval.h - evaluate compiled detection rules against one normalised event.
 *
 * An evaluator holds per-event scratch: the raw record parsed at most once (only when a
 * rule needs a raw field), memoised selection results and lower-cased values. One
 * evaluator per thread; the rule set it reads is shared and read-only. */
#ifndef XA_RULES_EVAL_H
#define XA_RULES_EVAL_H

#include "core/arena.h"
#include "core/buf.h"
#include "event/event.h"
#include "rules/rule.h"

#include <stdbool.h>

struct xa_json;

struct xa_eval {
    const struct xa_ruleset *rs;
    const struct xa_event *ev;
    struct xa_json *raw;      /* parsed ev->raw, NULL when not (yet) parsed or not JSON */
    bool raw_tried;
    struct xa_json **extra;   /* JSON-encoded strings parsed on the way (freed per event) */
    size_t nextra, capextra;
    struct xa_arena scratch;  /* per-event strings */
    int64_t raw_parses;       /* statistics: events whose raw record had to be parsed */
    void *vals;               /* value scratch reused by every item */
};

void xa_eval_init(struct xa_eval *e, const struct xa_ruleset *rs);
void xa_eval_release(struct xa_eval *e);
/* Start a new event (ev must stay valid until the next begin or end). */
void xa_eval_begin(struct xa_eval *e, const struct xa_event *ev);
/* Free what the current event needed. */
void xa_eval_end(struct xa_eval *e);
/* Does detection rule r match the current event? */
bool xa_eval_rule(struct xa_eval *e, const struct xa_rule *r);
/* Values of field f in the current event joined with ", " into out (cleared first);
 * returns false when the field is absent. */
bool xa_eval_field_text(struct xa_eval *e, const struct xa_fref *f, struct xa_buf *out);
/* Does any value of f match the glob pattern (case-insensitive, * and ?)? */
bool xa_eval_field_glob(struct xa_eval *e, const struct xa_fref *f, const char *pattern);

#endif
