/* map.h - a string-keyed hash map (ASCII case-insensitive keys) to size_t values,
 * for the aggregations of the reports. Keys are copied into the arena given at init
 * (which must outlive the map). Not thread-safe. */
#ifndef XA_REPORT_MAP_H
#define XA_REPORT_MAP_H

#include "core/arena.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xa_smap_slot {
    const char *key; /* NULL = empty */
    uint64_t hash;
    size_t val;
};

struct xa_smap {
    struct xa_smap_slot *slots;
    size_t cap, n;
    struct xa_arena *arena;
};

void xa_smap_init(struct xa_smap *m, struct xa_arena *a);
void xa_smap_release(struct xa_smap *m);
/* The value of key, or NULL when absent and !create. With create, a missing key is
 * inserted with value init and *created (may be NULL) set. NULL on allocation failure. */
size_t *xa_smap_get(struct xa_smap *m, const char *key, bool create, size_t init, bool *created);
/* Key of a slot index for iteration over slots[0..cap) (NULL = empty). */

/* Build "a\x1fb" (or "a\x1fb\x1fc" when c != NULL) in a; NULL parts become "". */
const char *xa_smap_key(struct xa_arena *a, const char *x, const char *y, const char *z);

#endif
