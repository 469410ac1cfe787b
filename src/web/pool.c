/* pool.c - store connection pool. */
#include "web/pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct slot {
    struct xa_store st;
    bool open, busy;
};

struct xa_web_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *path;
    size_t cache_mb;
    unsigned n;
    struct slot *slots;
};

xa_rc xa_web_pool_new(const char *path, size_t cache_mb, unsigned size, struct xa_web_pool **out,
                      struct xa_diag *diag)
{
    struct xa_web_pool *p = calloc(1, sizeof(*p));
    if (!p || !(p->path = strdup(path)) || !(p->slots = calloc(size ? size : 1, sizeof(struct slot)))) {
        if (p)
            free(p->path);
        free(p);
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    }
    p->n = size ? size : 1;
    p->cache_mb = cache_mb;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    *out = p;
    return XA_OK;
}

void xa_web_pool_free(struct xa_web_pool *p)
{
    if (!p)
        return;
    for (unsigned i = 0; i < p->n; i++)
        if (p->slots[i].open)
            xa_store_close(&p->slots[i].st);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->slots);
    free(p->path);
    free(p);
}

struct xa_store *xa_web_pool_get(struct xa_web_pool *p, struct xa_diag *diag)
{
    pthread_mutex_lock(&p->mu);
    struct slot *s = NULL;
    for (;;) {
        for (unsigned i = 0; i < p->n && !s; i++)
            if (!p->slots[i].busy && p->slots[i].open)
                s = &p->slots[i];
        for (unsigned i = 0; i < p->n && !s; i++)
            if (!p->slots[i].busy)
                s = &p->slots[i];
        if (s)
            break;
        pthread_cond_wait(&p->cv, &p->mu);
    }
    s->busy = true;
    pthread_mutex_unlock(&p->mu);
    if (!s->open) {
        struct xa_store_cfg sc = {.location = p->path, .readonly = false, .cache_mb = p->cache_mb};
        if (xa_store_open(&sc, &s->st, diag)) {
            xa_web_pool_put(p, &s->st);
            return NULL;
        }
        s->open = true;
    }
    return &s->st;
}

void xa_web_pool_put(struct xa_web_pool *p, struct xa_store *st)
{
    if (!st)
        return;
    pthread_mutex_lock(&p->mu);
    for (unsigned i = 0; i < p->n; i++)
        if (&p->slots[i].st == st)
            p->slots[i].busy = false;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}
