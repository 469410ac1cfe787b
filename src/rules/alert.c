/* alert.c - rendering of alerts (alert.h); one rendering for the CLI and the REST API. */
#include "rules/alert.h"

#include "core/xtime.h"
#include "rules/rule.h"

#include <stdbool.h>
#include <string.h>

const char *xa_alert_status_name(int s)
{
    return s == XA_ALERT_ACK ? "acknowledged" : s == XA_ALERT_CLOSED ? "closed" : "open";
}

static void time_field(struct xa_buf *b, const char *k, int64_t t)
{
    char tb[32];
    xa_buf_printf(b, ",\"%s\":", k);
    xa_buf_json_str(b, t == XA_TIME_NONE || t == 0 ? NULL : xa_time_format(t, tb), (size_t)-1);
}

void xa_alert_to_json(const struct xa_alert *a, struct xa_buf *b)
{
    xa_buf_printf(b, "{\"id\":%lld,\"uid\":", (long long)a->id);
    xa_buf_json_str(b, a->uid, (size_t)-1);
    xa_buf_puts(b, ",\"rule_id\":");
    xa_buf_json_str(b, a->rule_id, (size_t)-1);
    xa_buf_puts(b, ",\"title\":");
    xa_buf_json_str(b, a->rule_title, (size_t)-1);
    xa_buf_puts(b, ",\"author\":");
    xa_buf_json_str(b, a->rule_author, (size_t)-1);
    xa_buf_puts(b, ",\"license\":");
    xa_buf_json_str(b, a->rule_license, (size_t)-1);
    xa_buf_puts(b, ",\"origin\":");
    xa_buf_json_str(b, a->rule_origin, (size_t)-1);
    xa_buf_printf(b, ",\"severity\":\"%s\",\"tags\":[", xa_rule_level_name(a->severity));
    const char *t = a->tags;
    for (bool first = true; t && *t; first = false) {
        size_t n = strcspn(t, ",");
        if (!first)
            xa_buf_putc(b, ',');
        xa_buf_json_str(b, t, n);
        t += n;
        if (*t)
            t++;
    }
    xa_buf_puts(b, "],\"group\":");
    xa_buf_json_str(b, a->group_key, (size_t)-1);
    xa_buf_puts(b, ",\"tenant_id\":");
    xa_buf_json_str(b, a->tenant_id, (size_t)-1);
    xa_buf_puts(b, ",\"summary\":");
    xa_buf_json_str(b, a->summary, (size_t)-1);
    time_field(b, "first_at", a->first_at);
    time_field(b, "last_at", a->last_at);
    time_field(b, "created_at", a->created_at);
    time_field(b, "updated_at", a->updated_at);
    xa_buf_printf(b, ",\"rev\":%lld,\"status\":\"%s\",\"count\":%lld,\"seqs\":[",
                  (long long)a->rev, xa_alert_status_name(a->status), (long long)a->count);
    for (size_t i = 0; i < a->n_seqs; i++)
        xa_buf_printf(b, "%s%lld", i ? "," : "", (long long)a->seqs[i]);
    xa_buf_puts(b, "],\"comments\":[");
    for (size_t i = 0; i < a->n_comments; i++) {
        char tb[32];
        xa_buf_printf(b, "%s{\"at\":", i ? "," : "");
        xa_buf_json_str(b, xa_time_format(a->comments[i].at, tb), (size_t)-1);
        xa_buf_puts(b, ",\"who\":");
        xa_buf_json_str(b, a->comments[i].who, (size_t)-1);
        xa_buf_puts(b, ",\"text\":");
        xa_buf_json_str(b, a->comments[i].text, (size_t)-1);
        xa_buf_putc(b, '}');
    }
    xa_buf_puts(b, "]}");
}
