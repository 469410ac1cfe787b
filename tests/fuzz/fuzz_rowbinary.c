/* Fuzz what the ClickHouse backend reads from a server: RowBinary rows of every shape the
 * backend asks for, and the stored event body inside an events row (a compromised or broken
 * server must not be able to crash exoaudit). */
#include "core/arena.h"
#include "core/buf.h"
#include "event/event.h"
#include "store/ch_http.h"
#include "store/sqlite_codec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const shapes[] = {"SSqqiqSSSSSS", "SSqqiqSSSSSSF", "SSqq", "qqSqqSS",
                                         "uSS", "qqSS", "qqqq", "S", "q"};
    if (size < 1)
        return 0;
    const char *types = shapes[data[0] % (sizeof(shapes) / sizeof(shapes[0]))];
    const unsigned char *p = data + 1;
    size_t n = size - 1, pos = 0;
    struct xa_ch_val v[XA_CH_MAX_COLS];
    struct xa_arena a;
    xa_arena_init(&a, 4096);
    while (pos < n) {
        size_t used = xa_ch_row_decode(types, p + pos, n - pos, v);
        if (used == 0 || used == (size_t)-1)
            break;
        if (used > n - pos)
            abort();
        if (strlen(types) >= 12 && types[11] == 'S') { /* an events row: decode its body as the backend does */
            char *body = malloc(v[11].n + 1);
            if (body) {
                memcpy(body, v[11].s, v[11].n);
                body[v[11].n] = '\0';
                struct xa_event ev;
                xa_event_init(&ev);
                xa_sqlc_body_decode(body, v[11].n, &a, &ev);
                free(body);
            }
            xa_arena_reset(&a);
        }
        pos += used;
    }
    /* string literals: whatever bytes, the literal must stay one literal */
    struct xa_buf b;
    xa_buf_init(&b, 0);
    if (xa_ch_litn(&b, (const char *)data, size) == XA_OK) {
        if (b.len < 2 || b.data[0] != '\'' || b.data[b.len - 1] != '\'')
            abort();
        for (size_t i = 1; i + 1 < b.len; i++) {
            if (b.data[i] == '\\') {
                i++;
                continue;
            }
            if (b.data[i] == '\'' || (unsigned char)b.data[i] < 0x20)
                abort();
        }
    }
    xa_buf_release(&b);
    xa_arena_release(&a);
    return 0;
}
