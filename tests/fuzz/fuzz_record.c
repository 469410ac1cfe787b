/* Fuzz one record through JSON parsing, normalisation and JSON rendering; the rendered
 * event must itself be valid JSON. */
#include "core/arena.h"
#include "core/buf.h"
#include "core/xtime.h"
#include "norm/norm.h"
#include "parse/json.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xa_json *root;
    struct xa_diag d;
    if (xa_json_parse((const char *)data, size, &root, &d))
        return 0;
    struct xa_arena a;
    xa_arena_init(&a, 4096);
    struct xa_event ev;
    struct xa_norm_opts no = {"t", XA_SRC_API, XA_TIME_NONE};
    if (xa_norm_record(root, (const char *)data, size, &no, &a, &ev, &d) == XA_OK) {
        struct xa_buf b;
        xa_buf_init(&b, 0);
        if (xa_event_to_json(&ev, &b) == XA_OK) {
            struct xa_json *back;
            if (xa_json_parse(b.data, b.len, &back, &d) != XA_OK)
                abort(); /* our own output must parse */
            xa_json_free(back);
        }
        xa_buf_release(&b);
    }
    xa_json_free(root);
    xa_arena_release(&a);
    return 0;
}
