/* format.h - input formats as plug-ins: each turns an input into a sequence of items
 * (a JSON record to normalise, an already normalised event, or bad input to quarantine).
 * Registered in a static table; detection asks every format to score the input's head. */
#ifndef XA_PARSE_FORMAT_H
#define XA_PARSE_FORMAT_H

#include "core/arena.h"
#include "core/rc.h"
#include "event/event.h"
#include "parse/input.h"

#include <stddef.h>

enum xa_item_kind {
    XA_ITEM_JSON = 0, /* data/len: one Office 365 audit record as JSON text (normalise it) */
    XA_ITEM_EVENT,    /* ev: a normalised event (strings and raw in the arena) */
    XA_ITEM_BAD       /* data/len: a sample of bad input; reason says why */
};

struct xa_item {
    enum xa_item_kind kind;
    const char *data;   /* valid until the next call of next() */
    size_t len;
    size_t total;       /* BAD: full size of the bad input */
    long long offset;   /* byte offset in the decompressed input, -1 unknown */
    long long line;     /* 1-based line (or record number for binary formats), 0 unknown */
    const char *reason; /* BAD */
    enum xa_source source; /* JSON: where the record came from (api, json, csv) */
    const char *tenant_hint; /* JSON: tenant from a wrapper column, or NULL */
    struct xa_event ev;  /* EVENT */
};

struct xa_format_cfg {
    size_t max_record;     /* bytes */
    const char *tenant_id; /* --tenant */
    const struct xa_kv *domains; /* identity.domains: NETBIOS name -> DNS domain (may be NULL) */
    size_t n_domains;
};

struct xa_format_ops {
    const char *name;        /* --format name, e.g. "json" */
    const char *description;
    /* Score 0..100 how likely head[0..n) (the decompressed start of the input) is this format. */
    int (*probe)(const unsigned char *head, size_t n, const char *path);
    xa_rc (*open)(struct xa_input *in, const struct xa_format_cfg *cfg, void **ctx,
                  struct xa_diag *diag);
    /* Next item. XA_ERR_EOF at the end; other errors are fatal for this input. Strings of
     * an EVENT item must be allocated in a (the caller keeps a alive as long as the event). */
    xa_rc (*next)(void *ctx, struct xa_arena *a, struct xa_item *it, struct xa_diag *diag);
    /* Name of the layout found (e.g. "json-array"), static string; may be NULL. */
    const char *(*layout)(void *ctx);
    void (*close)(void *ctx);
};

extern const struct xa_format_ops xa_format_json;
extern const struct xa_format_ops xa_format_csv;
extern const struct xa_format_ops xa_format_xml;
extern const struct xa_format_ops xa_format_evtx;
extern const struct xa_format_ops xa_format_export_json;

/* All registered formats, NULL-terminated. */
const struct xa_format_ops *const *xa_formats(void);
/* Format by name, or NULL. */
const struct xa_format_ops *xa_format_find(const char *name);
/* Best-scoring format for the input (peeks at its head); XA_ERR_UNSUPPORTED with a clear
 * message naming what was seen when nothing fits. */
xa_rc xa_format_detect(struct xa_input *in, const struct xa_format_ops **out, struct xa_diag *diag);

#endif
