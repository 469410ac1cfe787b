/* limiter.c - fixed-size table of recent login failures. */
#include "web/limiter.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SLOTS 4096
#define KEEP 16 /* failures remembered per key (max_failures is capped to this) */

struct ent {
    char key[200];
    int64_t fails[KEEP]; /* ring of failure times */
    unsigned n, head;
    int64_t last;
};

struct xa_web_limiter {
    pthread_mutex_t mu;
    unsigned max;
    int64_t window;
    struct ent *e;
};

struct xa_web_limiter *xa_web_limiter_new(unsigned max_failures, unsigned window_seconds)
{
    struct xa_web_limiter *l = calloc(1, sizeof(*l));
    if (!l || !(l->e = calloc(SLOTS, sizeof(struct ent)))) {
        free(l);
        return NULL;
    }
    pthread_mutex_init(&l->mu, NULL);
    l->max = max_failures < 1 ? 1 : max_failures > KEEP ? KEEP : max_failures;
    l->window = (int64_t)window_seconds * 1000000;
    return l;
}

void xa_web_limiter_free(struct xa_web_limiter *l)
{
    if (!l)
        return;
    pthread_mutex_destroy(&l->mu);
    free(l->e);
    free(l);
}

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)(*s | 0x20)) * 16777619u;
    return h;
}

/* The entry of key (probing 8 slots), or NULL; with create, the stalest of them. */
static struct ent *find(struct xa_web_limiter *l, const char *key, bool create)
{
    uint32_t h = hash(key);
    struct ent *stale = NULL;
    for (unsigned i = 0; i < 8; i++) {
        struct ent *e = &l->e[(h + i) % SLOTS];
        if (e->key[0] && strcasecmp(e->key, key) == 0)
            return e;
        if (!stale || e->last < stale->last)
            stale = e;
    }
    if (!create)
        return NULL;
    memset(stale, 0, sizeof(*stale));
    strncpy(stale->key, key, sizeof(stale->key) - 1);
    return stale;
}

static void expire(struct xa_web_limiter *l, struct ent *e, int64_t now)
{
    while (e->n && e->fails[(e->head + KEEP - e->n) % KEEP] <= now - l->window)
        e->n--;
}

unsigned xa_web_limiter_wait(struct xa_web_limiter *l, const char *key, int64_t now)
{
    pthread_mutex_lock(&l->mu);
    unsigned wait = 0;
    struct ent *e = find(l, key, false);
    if (e) {
        expire(l, e, now);
        if (e->n >= l->max) {
            int64_t oldest = e->fails[(e->head + KEEP - e->n) % KEEP];
            wait = (unsigned)((oldest + l->window - now) / 1000000) + 1;
        }
    }
    pthread_mutex_unlock(&l->mu);
    return wait;
}

void xa_web_limiter_fail(struct xa_web_limiter *l, const char *key, int64_t now)
{
    pthread_mutex_lock(&l->mu);
    struct ent *e = find(l, key, true);
    expire(l, e, now);
    e->fails[e->head] = now;
    e->head = (e->head + 1) % KEEP;
    if (e->n < KEEP)
        e->n++;
    e->last = now;
    pthread_mutex_unlock(&l->mu);
}

void xa_web_limiter_clear(struct xa_web_limiter *l, const char *key)
{
    pthread_mutex_lock(&l->mu);
    struct ent *e = find(l, key, false);
    if (e)
        memset(e, 0, sizeof(*e));
    pthread_mutex_unlock(&l->mu);
}
