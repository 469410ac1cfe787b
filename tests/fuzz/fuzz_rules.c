/* Fuzz the Sigma rule loader (YAML tree, compiler, condition parser, correlations) and
 * evaluate whatever loads against one fixed record. */
#include "core/arena.h"
#include "core/xtime.h"
#include "norm/norm.h"
#include "parse/json.h"
#include "rules/engine.h"
#include "rules/rule.h"

#include <stdint.h>
#include <string.h>

static const char REC[] =
    "{\"Id\":\"1\",\"CreationTime\":\"2026-10-13T09:00:00\",\"RecordType\":1,\"Operation\":"
    "\"New-InboxRule\",\"UserId\":\"a@contoso.com\",\"ClientIP\":\"10.0.0.1\",\"Parameters\":"
    "[{\"Name\":\"ForwardTo\",\"Value\":\"x@example.org\"}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xa_ruleset rs;
    xa_ruleset_init(&rs);
    struct xa_diag d;
    if (xa_ruleset_load(&rs, "fuzz.yml", (const char *)data, size, NULL, &d) == XA_OK) {
        struct xa_engine *e = NULL;
        if (xa_engine_new(&rs, NULL, &e, &d) == XA_OK) {
            struct xa_json *j = NULL;
            if (xa_json_parse(REC, strlen(REC), &j, &d) == XA_OK) {
                struct xa_arena a;
                xa_arena_init(&a, 4096);
                struct xa_event ev;
                struct xa_norm_opts no = {NULL, XA_SRC_JSON, XA_TIME_NONE};
                if (xa_norm_record(j, REC, strlen(REC), &no, &a, &ev, &d) == XA_OK) {
                    ev.seq = 1;
                    xa_engine_event(e, &ev, &d);
                    xa_engine_event(e, &ev, &d);
                }
                xa_arena_release(&a);
                xa_json_free(j);
            }
            xa_engine_free(e);
        }
    }
    xa_ruleset_release(&rs);
    return 0;
}
