/* util.c - helpers shared by the report modules. */
#include "report/util.h"

#include "core/xtime.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

xa_rc xa_tally_add(struct xa_tally *t, struct xa_arena *a, const char *s, size_t n)
{
    if (!s || !*s)
        return XA_OK;
    for (size_t i = 0; i < t->len; i++)
        if (strcasecmp(t->v[i].s, s) == 0) {
            t->v[i].n += n;
            return XA_OK;
        }
    if (t->len == XA_TALLY_MAX) {
        t->other += n;
        return XA_OK;
    }
    if (t->len == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 4;
        struct xa_tally_item *nv = xa_arena_alloc(a, nc * sizeof(*nv));
        if (!nv)
            return XA_ERR_NOMEM;
        if (t->len)
            memcpy(nv, t->v, t->len * sizeof(*nv));
        t->v = nv;
        t->cap = nc;
    }
    t->v[t->len].s = xa_arena_strdup(a, s);
    if (!t->v[t->len].s)
        return XA_ERR_NOMEM;
    t->v[t->len++].n = n;
    return XA_OK;
}

static int by_count(const void *x, const void *y)
{
    const struct xa_tally_item *a = x, *b = y;
    if (a->n != b->n)
        return a->n > b->n ? -1 : 1;
    return strcmp(a->s, b->s);
}

const char *xa_tally_join(const struct xa_tally *t, struct xa_arena *a, bool counts)
{
    if (!t->len)
        return "";
    struct xa_tally_item *v = xa_arena_alloc(a, t->len * sizeof(*v));
    if (!v)
        return NULL;
    memcpy(v, t->v, t->len * sizeof(*v));
    if (t->len)
        qsort(v, t->len, sizeof(*v), by_count);
    size_t need = 32;
    for (size_t i = 0; i < t->len; i++)
        need += strlen(v[i].s) + 24;
    char *out = xa_arena_alloc(a, need);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < t->len; i++) {
        if (counts)
            o += (size_t)snprintf(out + o, need - o, "%s%s %zu", i ? ", " : "", v[i].s, v[i].n);
        else
            o += (size_t)snprintf(out + o, need - o, "%s%s", i ? ", " : "", v[i].s);
    }
    if (t->other)
        snprintf(out + o, need - o, ", +%zu more", t->other);
    return out;
}

const char *xa_rtime(struct xa_arena *a, int64_t t)
{
    if (t == XA_TIME_NONE)
        return NULL;
    char b[32];
    return xa_arena_strdup(a, xa_time_format(t, b));
}

const char *xa_rday(struct xa_arena *a, int64_t t)
{
    char b[32];
    xa_time_format(t, b);
    return xa_arena_strndup(a, b, 10);
}

const char *xa_rnum(struct xa_arena *a, long long n)
{
    return xa_arena_printf(a, "%lld", n);
}

xa_rc xa_rparams_period(struct xa_rdoc *doc, const struct xa_report_opts *o)
{
    struct xa_arena *a = xa_rdoc_arena(doc);
    xa_rc rc = xa_rdoc_param(doc, "since", o->q.since == XA_TIME_NONE ? "start of archive"
                                                                        : xa_rtime(a, o->q.since));
    if (!rc)
        rc = xa_rdoc_param(doc, "until", o->q.until == XA_TIME_NONE ? "end of archive"
                                                                      : xa_rtime(a, o->q.until));
    if (!rc)
        rc = xa_rdoc_param(doc, "microsoft_backend",
                           o->q.include_system ? "included" : "hidden (--include-system shows it)");
    return rc;
}

void xa_rquery(const struct xa_report_opts *o, struct xa_query *q)
{
    *q = o->q;
    q->limit = 0;
    q->cursor = NULL;
    q->oldest_first = true;
}

size_t xa_rmax(const struct xa_report_opts *o)
{
    return o->max_rows ? o->max_rows : 10000;
}
