/* Fuzz the XML import front end: the hardened expat reader (record boundaries, resync
 * after errors, size limit) and the XML format plug-in (Windows events, admin and
 * mailbox audit entries). */
#include "core/arena.h"
#include "parse/format.h"
#include "parse/input.h"
#include "parse/xml.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xa_input *in;
    struct xa_diag d;
    if (xa_input_open_mem(data, size, "fuzz", &in, &d))
        return 0;
    struct xa_format_cfg cfg = {.max_record = 2048, .tenant_id = NULL};
    struct xa_kv dom[] = {{"CORP", "corp.contoso.com"}};
    cfg.domains = dom;
    cfg.n_domains = 1;
    void *ctx;
    if (xa_format_xml.open(in, &cfg, &ctx, &d) == XA_OK) {
        struct xa_arena a;
        xa_arena_init(&a, 4096);
        struct xa_item it;
        memset(&it, 0, sizeof(it));
        int guard = 0;
        while (xa_format_xml.next(ctx, &a, &it, &d) == XA_OK && guard++ < 100000) {
            if (it.kind == XA_ITEM_EVENT && (!it.ev.record_id || !it.ev.raw))
                __builtin_trap();
            xa_arena_reset(&a);
            memset(&it, 0, sizeof(it));
        }
        xa_arena_release(&a);
        xa_format_xml.close(ctx);
    }
    xa_input_close(in);
    /* one document into a tree */
    struct xa_arena a;
    xa_arena_init(&a, 4096);
    const struct xa_xml_node *root;
    xa_xml_parse((const char *)data, size, &a, &root, &d);
    xa_arena_release(&a);
    return 0;
}
