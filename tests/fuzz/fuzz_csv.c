/* Fuzz the CSV import front end: encoding sniffing and UTF-16 transcoding, the RFC 4180
 * reader with a small row limit (skip paths), and the CSV format plug-in (header
 * classification, AuditData hand-off, cmdlet normalisation). */
#include "core/arena.h"
#include "parse/csv.h"
#include "parse/format.h"
#include "parse/input.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xa_input *in;
    struct xa_diag d;
    /* the reader alone */
    if (xa_input_open_mem(data, size, "fuzz", &in, &d))
        return 0;
    struct xa_csv *c;
    if (xa_csv_new(in, 1024, &c, &d) == XA_OK) {
        struct xa_csv_row row;
        while (xa_csv_next(c, &row, &d) == XA_OK)
            if (!row.reason && row.n == 0)
                __builtin_trap(); /* a good row has at least one field */
        xa_csv_free(c);
    }
    xa_input_close(in);
    /* the format plug-in */
    if (xa_input_open_mem(data, size, "fuzz", &in, &d))
        return 0;
    struct xa_format_cfg cfg = {.max_record = 2048, .tenant_id = NULL};
    void *ctx;
    if (xa_format_csv.open(in, &cfg, &ctx, &d) == XA_OK) {
        struct xa_arena a;
        xa_arena_init(&a, 4096);
        struct xa_item it;
        memset(&it, 0, sizeof(it));
        while (xa_format_csv.next(ctx, &a, &it, &d) == XA_OK) {
            xa_arena_reset(&a);
            memset(&it, 0, sizeof(it));
        }
        xa_arena_release(&a);
        xa_format_csv.close(ctx);
    }
    xa_input_close(in);
    return 0;
}
