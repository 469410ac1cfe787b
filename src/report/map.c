/* map.c - string-keyed hash map with linear probing. */
#include "report/map.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        h = (h ^ c) * 1099511628211ULL;
    }
    return h;
}

void xa_smap_init(struct xa_smap *m, struct xa_arena *a)
{
    memset(m, 0, sizeof(*m));
    m->arena = a;
}

void xa_smap_release(struct xa_smap *m)
{
    free(m->slots);
    memset(m, 0, sizeof(*m));
}

static bool rehash(struct xa_smap *m)
{
    size_t nc = m->cap ? m->cap * 2 : 64;
    struct xa_smap_slot *ns = calloc(nc, sizeof(*ns));
    if (!ns)
        return false;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].key)
            continue;
        size_t j = m->slots[i].hash & (nc - 1);
        while (ns[j].key)
            j = (j + 1) & (nc - 1);
        ns[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = ns;
    m->cap = nc;
    return true;
}

size_t *xa_smap_get(struct xa_smap *m, const char *key, bool create, size_t init, bool *created)
{
    if (created)
        *created = false;
    if (!key)
        key = "";
    uint64_t h = hash(key);
    if (m->cap) {
        size_t j = h & (m->cap - 1);
        while (m->slots[j].key) {
            if (m->slots[j].hash == h && strcasecmp(m->slots[j].key, key) == 0)
                return &m->slots[j].val;
            j = (j + 1) & (m->cap - 1);
        }
    }
    if (!create)
        return NULL;
    if ((m->n + 1) * 2 > m->cap && !rehash(m))
        return NULL;
    const char *k = xa_arena_strdup(m->arena, key);
    if (!k)
        return NULL;
    size_t j = h & (m->cap - 1);
    while (m->slots[j].key)
        j = (j + 1) & (m->cap - 1);
    m->slots[j].key = k;
    m->slots[j].hash = h;
    m->slots[j].val = init;
    m->n++;
    if (created)
        *created = true;
    return &m->slots[j].val;
}

const char *xa_smap_key(struct xa_arena *a, const char *x, const char *y, const char *z)
{
    if (z)
        return xa_arena_printf(a, "%s\x1f%s\x1f%s", x ? x : "", y ? y : "", z);
    return xa_arena_printf(a, "%s\x1f%s", x ? x : "", y ? y : "");
}
