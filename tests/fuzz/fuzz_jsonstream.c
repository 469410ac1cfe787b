/* Fuzz the whole JSON import front end: decompression, record splitting, JSON parsing
 * and normalisation, with a small record limit so the skip paths are exercised. */
#include "core/arena.h"
#include "core/xtime.h"
#include "norm/norm.h"
#include "parse/input.h"
#include "parse/json.h"
#include "parse/jsonstream.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xa_input *in;
    struct xa_jstream *js;
    struct xa_diag d;
    if (xa_input_open_mem(data, size, "fuzz", &in, &d))
        return 0;
    if (xa_jstream_new(in, 2048, &js, &d)) {
        xa_input_close(in);
        return 0;
    }
    struct xa_arena a;
    xa_arena_init(&a, 4096);
    struct xa_jrec r;
    struct xa_norm_opts no = {NULL, XA_SRC_API, XA_TIME_NONE};
    while (xa_jstream_next(js, &r, &d) == XA_OK) {
        if (r.status != XA_JREC_OK)
            continue;
        if (r.len > 2048 + 256 * 1024)
            __builtin_trap(); /* the window bound must hold */
        struct xa_json *root;
        if (xa_json_parse(r.data, r.len, &root, &d) == XA_OK) {
            struct xa_event ev;
            xa_norm_record(root, r.data, r.len, &no, &a, &ev, &d);
            xa_json_free(root);
        }
        xa_arena_reset(&a);
    }
    xa_arena_release(&a);
    xa_jstream_free(js);
    xa_input_close(in);
    return 0;
}
