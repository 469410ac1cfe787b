/* format_json.c - Office 365 records as JSON: API content blobs, JSON Lines, single and
 * concatenated records (the splitter in jsonstream.c). */
#include "parse/format.h"
#include "parse/jsonstream.h"

#include <stdlib.h>

static int probe(const unsigned char *h, size_t n, const char *path)
{
    (void)path;
    size_t i = 0;
    if (n >= 3 && h[0] == 0xEF && h[1] == 0xBB && h[2] == 0xBF)
        i = 3;
    while (i < n && (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' || h[i] == '\n'))
        i++;
    if (i < n && (h[i] == '[' || h[i] == '{'))
        return 50; /* other JSON-shaped formats (tool exports) score higher when they match */
    return 0;
}

static xa_rc open_(struct xa_input *in, const struct xa_format_cfg *cfg, void **ctx,
                   struct xa_diag *diag)
{
    struct xa_jstream *js;
    xa_rc rc = xa_jstream_new(in, cfg->max_record, &js, diag);
    if (rc)
        return rc;
    *ctx = js;
    return XA_OK;
}

static xa_rc next(void *ctx, struct xa_arena *a, struct xa_item *it, struct xa_diag *diag)
{
    (void)a;
    struct xa_jrec r;
    xa_rc rc = xa_jstream_next(ctx, &r, diag);
    if (rc)
        return rc;
    it->kind = r.status == XA_JREC_OK ? XA_ITEM_JSON : XA_ITEM_BAD;
    it->data = r.data;
    it->len = r.len;
    it->total = r.total;
    it->offset = r.offset;
    it->line = r.line;
    it->reason = r.reason;
    it->source = XA_SRC_API;
    it->tenant_hint = NULL;
    return XA_OK;
}

static const char *layout(void *ctx)
{
    switch (xa_jstream_mode(ctx)) {
    case XA_JMODE_ARRAY: return "json-array";
    case XA_JMODE_LINES: return "json-lines";
    case XA_JMODE_CONCAT: return "json";
    default: return "json";
    }
}

static void close_(void *ctx) { xa_jstream_free(ctx); }

const struct xa_format_ops xa_format_json = {
    .name = "json",
    .description = "Management Activity API content blobs, JSON Lines, single or concatenated records",
    .probe = probe,
    .open = open_,
    .next = next,
    .layout = layout,
    .close = close_,
};
