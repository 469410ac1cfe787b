/* arena.h - bump allocator for batches: many small allocations, freed together.
 *
 * Memory returned by xa_arena_* lives until xa_arena_reset() or xa_arena_release().
 * Allocation failure returns NULL. Not thread-safe. */
#ifndef XA_CORE_ARENA_H
#define XA_CORE_ARENA_H

#include <stddef.h>

struct xa_arena_block;

struct xa_arena {
    struct xa_arena_block *head; /* current block */
    struct xa_arena_block *free; /* blocks kept for reuse after reset */
    size_t block_size;
    size_t used;                 /* bytes handed out since the last reset */
};

void xa_arena_init(struct xa_arena *a, size_t block_size);
void xa_arena_release(struct xa_arena *a);
/* Forget every allocation; keeps up to one block's worth of memory for reuse. */
void xa_arena_reset(struct xa_arena *a);
void *xa_arena_alloc(struct xa_arena *a, size_t n);  /* 16-byte aligned, uninitialised */
void *xa_arena_zalloc(struct xa_arena *a, size_t n); /* zeroed */
char *xa_arena_strdup(struct xa_arena *a, const char *s);        /* NULL -> NULL */
char *xa_arena_strndup(struct xa_arena *a, const char *s, size_t n);
char *xa_arena_printf(struct xa_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
