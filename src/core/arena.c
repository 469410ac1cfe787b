#include "core/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct xa_arena_block {
    struct xa_arena_block *next;
    size_t size;
    size_t pos;
    _Alignas(16) unsigned char mem[];
};

void xa_arena_init(struct xa_arena *a, size_t block_size)
{
    a->head = NULL;
    a->free = NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
    a->used = 0;
}

static void free_list(struct xa_arena_block *b)
{
    while (b) {
        struct xa_arena_block *n = b->next;
        free(b);
        b = n;
    }
}

void xa_arena_release(struct xa_arena *a)
{
    free_list(a->head);
    free_list(a->free);
    a->head = a->free = NULL;
    a->used = 0;
}

void xa_arena_reset(struct xa_arena *a)
{
    /* keep the first standard-size block, free everything else */
    struct xa_arena_block *keep = a->free;
    a->free = NULL;
    struct xa_arena_block *b = a->head;
    while (b) {
        struct xa_arena_block *n = b->next;
        if (!keep && b->size == a->block_size) {
            keep = b;
            keep->next = NULL;
        } else {
            free(b);
        }
        b = n;
    }
    if (keep) {
        keep->pos = 0;
        keep->next = NULL;
    }
    a->free = keep;
    a->head = NULL;
    a->used = 0;
}

void *xa_arena_alloc(struct xa_arena *a, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (need < n)
        return NULL;
    struct xa_arena_block *b = a->head;
    if (!b || b->size - b->pos < need) {
        if (a->free && need <= a->free->size) {
            b = a->free;
            a->free = NULL;
        } else {
            size_t size = need > a->block_size ? need : a->block_size;
            b = malloc(sizeof(*b) + size);
            if (!b)
                return NULL;
            b->size = size;
        }
        b->pos = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->mem + b->pos;
    b->pos += need;
    a->used += need;
    return p;
}

void *xa_arena_zalloc(struct xa_arena *a, size_t n)
{
    void *p = xa_arena_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

char *xa_arena_strndup(struct xa_arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *p = xa_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xa_arena_strdup(struct xa_arena *a, const char *s)
{
    return s ? xa_arena_strndup(a, s, strlen(s)) : NULL;
}

char *xa_arena_printf(struct xa_arena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = NULL;
    if (n >= 0 && (p = xa_arena_alloc(a, (size_t)n + 1)))
        vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}
