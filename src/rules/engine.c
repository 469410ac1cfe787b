/* engine.c - the detection engine (see engine.h, docs/RULES.md). */
#include "rules/engine.h"

#include "core/buf.h"
#include "core/log.h"
#include "core/str.h"
#include "core/xtime.h"
#include "rules/eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GROUP_MAX_ENTRIES 256
#define STATE_MAGIC 0x78615331u /* "xaS1" */

struct centry {
    int ri;        /* index within the correlation's rules */
    int64_t at, seq;
    char *value;   /* value_count: the counted value */
};

struct cgroup {
    char *key;
    struct centry *e;
    size_t n, cap;
    bool dirty;
    struct cgroup *next;
};

struct cstate {
    struct cgroup **b;
    size_t nb, n;
    uint32_t sig;
    char **deleted;  /* keys removed since the last flush */
    size_t ndeleted;
};

struct pend {
    int rule;
    char *group, *tenant, *summary;
    int64_t first_at, last_at, count;
    int64_t *seqs;
    size_t nseqs, capseqs;
    struct xa_alert view;
    char *tags;
};

struct opbucket {
    char *op;        /* lower case */
    int *rules;
    size_t n;
};

struct xa_engine {
    struct xa_ruleset *rs;
    struct xa_engine_cfg cfg;
    char cursor[64];
    struct xa_eval ev;
    struct opbucket *ops;    /* open addressing, power of two */
    size_t nops;
    int *always;             /* rules without an Operation index */
    size_t nalways;
    bool *enabled;
    int64_t *dedup;          /* per rule, us */
    struct xa_fref *allow_f; /* per allow entry */
    struct cstate *cs;       /* per rule (correlations only) */
    struct pend *pend;
    size_t npend, cappend;
    int64_t *rmatches;
    struct xa_engine_stats st;
    xa_engine_match_cb cb;
    void *cb_ud;
    struct xa_buf kbuf, tbuf;
    char lowop[256];
    int depth;
};

static uint32_t hstr(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static xa_rc op_add(struct xa_engine *e, const char *op, int rule)
{
    size_t mask = e->nops - 1, i = hstr(op) & mask;
    while (e->ops[i].op && strcmp(e->ops[i].op, op) != 0)
        i = (i + 1) & mask;
    struct opbucket *b = &e->ops[i];
    if (!b->op && !(b->op = strdup(op)))
        return XA_ERR_NOMEM;
    for (size_t k = 0; k < b->n; k++)
        if (b->rules[k] == rule)
            return XA_OK;
    int *n = realloc(b->rules, (b->n + 1) * sizeof(*n));
    if (!n)
        return XA_ERR_NOMEM;
    b->rules = n;
    b->rules[b->n++] = rule;
    return XA_OK;
}

static const struct opbucket *op_find(const struct xa_engine *e, const char *op)
{
    size_t mask = e->nops - 1, i = hstr(op) & mask;
    while (e->ops[i].op) {
        if (strcmp(e->ops[i].op, op) == 0)
            return &e->ops[i];
        i = (i + 1) & mask;
    }
    return NULL;
}

static bool rule_glob(const struct xa_rule *r, const char *g)
{
    return (r->id && xa_str_wildmatch(g, r->id)) || (r->name && xa_str_wildmatch(g, r->name));
}

static uint32_t corr_sig(const struct xa_rule *r)
{
    uint32_t h = 2166136261u ^ (uint32_t)r->ctype;
    for (size_t i = 0; i < r->nrefs; i++)
        h = (h ^ hstr(r->refs[i])) * 16777619u;
    return h;
}

xa_rc xa_engine_new(struct xa_ruleset *rs, const struct xa_engine_cfg *cfg,
                    struct xa_engine **out, struct xa_diag *diag)
{
    xa_rc rc = xa_ruleset_finalise(rs, diag);
    if (rc)
        return rc;
    struct xa_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return XA_ERR_NOMEM;
    e->rs = rs;
    if (cfg)
        e->cfg = *cfg;
    snprintf(e->cursor, sizeof(e->cursor), "%s", e->cfg.cursor ? e->cfg.cursor : "rules");
    if (!e->cfg.batch)
        e->cfg.batch = 5000;
    xa_eval_init(&e->ev, rs);
    xa_buf_init(&e->kbuf, 64 * 1024);
    xa_buf_init(&e->tbuf, 64 * 1024);
    size_t n = rs->n;
    e->nops = 256;
    size_t nidx = 0;
    for (size_t i = 0; i < n; i++)
        nidx += rs->rules[i]->nops;
    while (e->nops < nidx * 2)
        e->nops *= 2;
    e->ops = calloc(e->nops, sizeof(*e->ops));
    e->always = calloc(n + 1, sizeof(int));
    e->enabled = calloc(n + 1, sizeof(bool));
    e->dedup = calloc(n + 1, sizeof(int64_t));
    e->cs = calloc(n + 1, sizeof(*e->cs));
    e->rmatches = calloc(n + 1, sizeof(int64_t));
    e->allow_f = calloc(e->cfg.n_allow + 1, sizeof(*e->allow_f));
    if (!e->ops || !e->always || !e->enabled || !e->dedup || !e->cs || !e->rmatches || !e->allow_f) {
        xa_engine_free(e);
        return XA_ERR_NOMEM;
    }
    for (size_t i = 0; i < e->cfg.n_allow && !rc; i++)
        rc = xa_ruleset_field(rs, e->cfg.allow[i].field, &e->allow_f[i], diag);
    for (size_t i = 0; i < n && !rc; i++) {
        const struct xa_rule *r = rs->rules[i];
        bool on = true;
        for (size_t k = 0; k < e->cfg.n_disabled; k++)
            if (rule_glob(r, e->cfg.disabled[k]))
                on = false;
        e->enabled[i] = on;
        e->dedup[i] = r->dedup_us;
        for (size_t k = 0; k < e->cfg.n_suppress; k++)
            if (rule_glob(r, e->cfg.suppress[k].rule_glob))
                e->dedup[i] = e->cfg.suppress[k].window_us;
        if (r->kind == XA_RULE_CORRELATION) {
            e->cs[i].nb = 64;
            e->cs[i].b = calloc(64, sizeof(*e->cs[i].b));
            e->cs[i].sig = corr_sig(r);
            if (!e->cs[i].b)
                rc = XA_ERR_NOMEM;
            continue;
        }
        if (!on)
            continue;
        if (r->nops)
            for (size_t k = 0; k < r->nops && !rc; k++)
                rc = op_add(e, r->ops[k], (int)i);
        else
            e->always[e->nalways++] = (int)i;
    }
    if (rc) {
        xa_engine_free(e);
        return rc;
    }
    *out = e;
    return XA_OK;
}

static void group_free(struct cgroup *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->e[i].value);
    free(g->e);
    free(g->key);
    free(g);
}

static void pend_free(struct pend *p)
{
    free(p->group);
    free(p->tenant);
    free(p->summary);
    free(p->seqs);
    free(p->tags);
}

void xa_engine_clear_pending(struct xa_engine *e)
{
    for (size_t i = 0; i < e->npend; i++)
        pend_free(&e->pend[i]);
    e->npend = 0;
}

void xa_engine_free(struct xa_engine *e)
{
    if (!e)
        return;
    xa_eval_release(&e->ev);
    for (size_t i = 0; e->ops && i < e->nops; i++) {
        free(e->ops[i].op);
        free(e->ops[i].rules);
    }
    free(e->ops);
    if (e->cs)
        for (size_t i = 0; i < e->rs->n; i++) {
            struct cstate *c = &e->cs[i];
            for (size_t b = 0; b < c->nb; b++)
                for (struct cgroup *g = c->b[b], *nx; g; g = nx) {
                    nx = g->next;
                    group_free(g);
                }
            free(c->b);
            for (size_t k = 0; k < c->ndeleted; k++)
                free(c->deleted[k]);
            free(c->deleted);
        }
    free(e->cs);
    xa_engine_clear_pending(e);
    free(e->pend);
    free(e->always);
    free(e->enabled);
    free(e->dedup);
    free(e->rmatches);
    free(e->allow_f);
    xa_buf_release(&e->kbuf);
    xa_buf_release(&e->tbuf);
    free(e);
}

void xa_engine_on_match(struct xa_engine *e, xa_engine_match_cb cb, void *ud)
{
    e->cb = cb;
    e->cb_ud = ud;
}

const struct xa_engine_stats *xa_engine_stats(const struct xa_engine *e)
{
    return &e->st;
}

int64_t xa_engine_rule_matches(const struct xa_engine *e, int i)
{
    return i >= 0 && (size_t)i < e->rs->n ? e->rmatches[i] : 0;
}

size_t xa_engine_pending(const struct xa_engine *e)
{
    return e->npend;
}

static char *tags_join(const struct xa_rule *r)
{
    size_t n = 1;
    for (size_t i = 0; i < r->ntags; i++)
        n += strlen(r->tags[i]) + 1;
    char *s = malloc(n);
    if (!s)
        return NULL;
    s[0] = 0;
    for (size_t i = 0; i < r->ntags; i++) {
        if (i)
            strcat(s, ",");
        strcat(s, r->tags[i]);
    }
    return s;
}

/* The author line of an alert: the rule's, and for a correlation those of its rules too. */
static const char *author_of(struct xa_engine *e, const struct xa_rule *r)
{
    if (r->kind != XA_RULE_CORRELATION)
        return r->author;
    struct xa_buf *b = &e->tbuf;
    xa_buf_reset(b);
    if (r->author)
        xa_buf_puts(b, r->author);
    for (size_t i = 0; i < r->nrefs; i++) {
        const char *a = e->rs->rules[r->ref_idx[i]]->author;
        if (a && (!b->len || !strstr(b->data, a))) {
            if (b->len)
                xa_buf_puts(b, "; ");
            xa_buf_puts(b, a);
        }
    }
    return b->len ? b->data : NULL;
}

const struct xa_alert *xa_engine_pending_alert(struct xa_engine *e, size_t i)
{
    struct pend *p = &e->pend[i];
    const struct xa_rule *r = e->rs->rules[p->rule];
    struct xa_alert *a = &p->view;
    memset(a, 0, sizeof(*a));
    a->rule_id = r->id ? r->id : r->name;
    a->rule_title = r->title;
    a->rule_author = author_of(e, r);
    a->rule_license = r->license;
    a->rule_origin = r->origin;
    a->severity = r->severity;
    if (!p->tags)
        p->tags = tags_join(r);
    a->tags = p->tags;
    a->group_key = p->group;
    a->tenant_id = p->tenant;
    a->summary = p->summary;
    a->first_at = p->first_at;
    a->last_at = p->last_at;
    a->count = p->count;
    a->seqs = p->seqs;
    a->n_seqs = p->nseqs;
    a->status = XA_ALERT_OPEN;
    return a;
}

const struct xa_rule *xa_engine_pending_rule(const struct xa_engine *e, size_t i)
{
    return e->rs->rules[e->pend[i].rule];
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static xa_rc add_seq(struct pend *p, int64_t seq)
{
    for (size_t i = 0; i < p->nseqs; i++)
        if (p->seqs[i] == seq)
            return XA_OK;
    if (p->nseqs >= XA_ALERT_MAX_SEQS)
        return XA_OK;
    if (p->nseqs == p->capseqs) {
        size_t nc = p->capseqs ? p->capseqs * 2 : 4;
        int64_t *n = realloc(p->seqs, nc * sizeof(*n));
        if (!n)
            return XA_ERR_NOMEM;
        p->seqs = n;
        p->capseqs = nc;
    }
    p->seqs[p->nseqs++] = seq;
    return XA_OK;
}

/* A match of rule r for group key: merged into a pending alert or a new one. */
static xa_rc emit(struct xa_engine *e, const struct xa_rule *r, const char *group,
                  const struct xa_event *ev, const int64_t *seqs, size_t nseqs, int64_t first_at,
                  int64_t last_at)
{
    e->st.matches++;
    e->rmatches[r->index]++;
    bool store = r->generate && (r->severity > 0 || e->cfg.alert_informational);
    if (!store && !e->cb)
        return XA_OK;
    int64_t win = e->dedup[r->index];
    struct pend *p = NULL;
    for (size_t i = e->npend; i-- > 0;) {
        struct pend *q = &e->pend[i];
        if (q->rule == r->index && strcmp(q->group, group) == 0 && first_at <= q->last_at + win &&
            last_at >= q->first_at - win) {
            p = q;
            break;
        }
    }
    if (!p) {
        if (e->npend == e->cappend) {
            size_t nc = e->cappend ? e->cappend * 2 : 16;
            struct pend *n = realloc(e->pend, nc * sizeof(*n));
            if (!n)
                return XA_ERR_NOMEM;
            e->pend = n;
            e->cappend = nc;
        }
        p = &e->pend[e->npend++];
        memset(p, 0, sizeof(*p));
        p->rule = r->index;
        p->group = strdup(group);
        p->tenant = ev->tenant_id ? strdup(ev->tenant_id) : NULL;
        char *sum = NULL;
        const char *tgt = ev->mailbox ? ev->mailbox : ev->object;
        if (asprintf(&sum, "%s: %s %s%s%s", r->title, ev->actor ? ev->actor : "?",
                     ev->operation ? ev->operation : "?", tgt ? " " : "", tgt ? tgt : "") < 0)
            sum = NULL;
        p->summary = sum;
        p->first_at = first_at;
        p->last_at = last_at;
        if (!p->group) {
            e->npend--;
            pend_free(p);
            return XA_ERR_NOMEM;
        }
    } else {
        if (first_at < p->first_at)
            p->first_at = first_at;
        if (last_at > p->last_at)
            p->last_at = last_at;
    }
    p->count += (int64_t)(nseqs ? nseqs : 1);
    for (size_t i = 0; i < nseqs; i++)
        if (add_seq(p, seqs[i]))
            return XA_ERR_NOMEM;
    qsort(p->seqs, p->nseqs, sizeof(*p->seqs), cmp_i64);
    xa_rc rc = XA_OK;
    if (e->cb) {
        const struct xa_alert *a = xa_engine_pending_alert(e, (size_t)(p - e->pend));
        rc = e->cb(e->cb_ud, r, a);
    }
    if (!store) { /* reported, not kept */
        size_t idx = (size_t)(p - e->pend);
        pend_free(p);
        memmove(&e->pend[idx], &e->pend[idx + 1], (e->npend - idx - 1) * sizeof(*p));
        e->npend--;
    }
    return rc;
}

/* Group key of rule r for the current event: its group-by fields, else actor | target. */
static bool group_key(struct xa_engine *e, const struct xa_fref *f, size_t n, struct xa_buf *out)
{
    xa_buf_reset(out);
    struct xa_buf one;
    xa_buf_init(&one, 4096);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        ok = xa_eval_field_text(&e->ev, &f[i], &one);
        if (ok) {
            if (i)
                xa_buf_putc(out, '|');
            for (size_t k = 0; k < one.len; k++) {
                char c = one.data[k];
                xa_buf_putc(out, c >= 'A' && c <= 'Z' ? (char)(c + 32) : c);
            }
        }
    }
    xa_buf_release(&one);
    if (ok && !out->data)
        xa_buf_puts(out, "");
    return ok;
}

static void default_key(const struct xa_event *ev, struct xa_buf *out)
{
    xa_buf_reset(out);
    const char *t = ev->mailbox ? ev->mailbox : ev->object;
    xa_buf_printf(out, "%s|%s", ev->actor ? ev->actor : "", t ? t : "");
    for (size_t i = 0; i < out->len; i++)
        if (out->data[i] >= 'A' && out->data[i] <= 'Z')
            out->data[i] = (char)(out->data[i] + 32);
}

static bool allowed(struct xa_engine *e, const struct xa_rule *r)
{
    for (size_t i = 0; i < e->cfg.n_allow; i++)
        if (rule_glob(r, e->cfg.allow[i].rule_glob) &&
            xa_eval_field_glob(&e->ev, &e->allow_f[i], e->cfg.allow[i].glob))
            return true;
    return false;
}

/* ---- correlation windows ------------------------------------------------------------ */

static struct cgroup *group_get(struct cstate *c, const char *key, bool create)
{
    uint32_t h = hstr(key);
    size_t b = h & (c->nb - 1);
    for (struct cgroup *g = c->b[b]; g; g = g->next)
        if (strcmp(g->key, key) == 0)
            return g;
    if (!create)
        return NULL;
    if (c->n >= c->nb * 2) { /* grow */
        size_t nb = c->nb * 2;
        struct cgroup **n = calloc(nb, sizeof(*n));
        if (n) {
            for (size_t i = 0; i < c->nb; i++)
                for (struct cgroup *g = c->b[i], *nx; g; g = nx) {
                    nx = g->next;
                    size_t k = hstr(g->key) & (nb - 1);
                    g->next = n[k];
                    n[k] = g;
                }
            free(c->b);
            c->b = n;
            c->nb = nb;
            b = h & (nb - 1);
        }
    }
    struct cgroup *g = calloc(1, sizeof(*g));
    if (!g || !(g->key = strdup(key))) {
        free(g);
        return NULL;
    }
    g->next = c->b[b];
    c->b[b] = g;
    c->n++;
    return g;
}

static void group_remove(struct cstate *c, struct cgroup *g)
{
    size_t b = hstr(g->key) & (c->nb - 1);
    for (struct cgroup **pp = &c->b[b]; *pp; pp = &(*pp)->next)
        if (*pp == g) {
            *pp = g->next;
            break;
        }
    c->n--;
    char **d = realloc(c->deleted, (c->ndeleted + 1) * sizeof(*d));
    if (d) {
        c->deleted = d;
        c->deleted[c->ndeleted++] = g->key;
        g->key = NULL;
    }
    group_free(g);
}

static int cmp_entry(const void *a, const void *b)
{
    const struct centry *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static xa_rc group_add(struct cgroup *g, int ri, int64_t at, int64_t seq, const char *value)
{
    if (g->n == GROUP_MAX_ENTRIES) { /* drop the oldest */
        free(g->e[0].value);
        memmove(g->e, g->e + 1, (g->n - 1) * sizeof(*g->e));
        g->n--;
    }
    if (g->n == g->cap) {
        size_t nc = g->cap ? g->cap * 2 : 8;
        struct centry *n = realloc(g->e, nc * sizeof(*n));
        if (!n)
            return XA_ERR_NOMEM;
        g->e = n;
        g->cap = nc;
    }
    struct centry *c = &g->e[g->n++];
    c->ri = ri;
    c->at = at;
    c->seq = seq;
    c->value = value ? strdup(value) : NULL;
    /* keep time order (late records are inserted where they belong) */
    size_t i = g->n - 1;
    while (i > 0 && cmp_entry(&g->e[i - 1], &g->e[i]) > 0) {
        struct centry t = g->e[i];
        g->e[i] = g->e[i - 1];
        g->e[i - 1] = t;
        i--;
    }
    g->dirty = true;
    return XA_OK;
}

static void group_prune(struct cgroup *g, int64_t span)
{
    if (!g->n)
        return;
    int64_t newest = g->e[g->n - 1].at;
    size_t k = 0;
    while (k < g->n && g->e[k].at < newest - span)
        free(g->e[k++].value);
    if (k) {
        memmove(g->e, g->e + k, (g->n - k) * sizeof(*g->e));
        g->n -= k;
        g->dirty = true;
    }
}

/* Does the group satisfy the correlation? */
static bool group_fires(const struct xa_rule *r, struct cgroup *g)
{
    switch (r->ctype) {
    case XA_CORR_EVENT_COUNT: return (int64_t)g->n >= r->threshold;
    case XA_CORR_VALUE_COUNT: {
        int64_t distinct = 0;
        for (size_t i = 0; i < g->n; i++) {
            if (!g->e[i].value)
                continue;
            bool seen = false;
            for (size_t k = 0; k < i && !seen; k++)
                seen = g->e[k].value && xa_str_ieq(g->e[k].value, g->e[i].value);
            distinct += !seen;
        }
        return distinct >= r->threshold;
    }
    case XA_CORR_TEMPORAL: {
        uint32_t mask = 0;
        for (size_t i = 0; i < g->n; i++)
            mask |= 1u << g->e[i].ri;
        return __builtin_popcount(mask) >= r->threshold;
    }
    case XA_CORR_ORDERED: {
        /* rules[0], then rules[1], ... in event-time order within the timespan */
        for (size_t s = 0; s < g->n; s++) {
            if (g->e[s].ri != 0)
                continue;
            int want = 1;
            for (size_t i = s + 1; i < g->n && want < (int)r->nrefs; i++)
                if (g->e[i].ri == want && g->e[i].at - g->e[s].at <= r->timespan_us)
                    want++;
            if (want >= (int)r->nrefs || want >= r->threshold)
                return true;
        }
        return false;
    }
    }
    return false;
}

static xa_rc fired(struct xa_engine *e, const struct xa_rule *r, const struct xa_event *ev,
                   const char *group, const int64_t *seqs, size_t nseqs, int64_t first_at,
                   int64_t last_at);

/* Rule r (index) matched the current event: feed the correlations that use it. */
static xa_rc feed(struct xa_engine *e, const struct xa_rule *base, const struct xa_event *ev)
{
    xa_rc rc = XA_OK;
    if (++e->depth > 8) {
        e->depth--;
        return XA_OK;
    }
    for (size_t u = 0; u < base->nusers && !rc; u++) {
        const struct xa_rule *c = e->rs->rules[base->users[u]];
        if (!e->enabled[c->index])
            continue;
        struct cstate *cs = &e->cs[c->index];
        for (size_t ri = 0; ri < c->nrefs && !rc; ri++) {
            if (c->ref_idx[ri] != base->index)
                continue;
            struct xa_buf key;
            xa_buf_init(&key, 64 * 1024);
            bool ok = group_key(e, c->gb + ri * c->ngb, c->ngb, &key);
            char *val = NULL;
            if (ok && c->ctype == XA_CORR_VALUE_COUNT) {
                struct xa_buf vb;
                xa_buf_init(&vb, 64 * 1024);
                ok = xa_eval_field_text(&e->ev, &c->vfield[ri], &vb);
                if (ok)
                    val = strdup(vb.data);
                xa_buf_release(&vb);
            }
            if (ok) {
                struct cgroup *g = group_get(cs, key.data ? key.data : "", true);
                if (!g)
                    rc = XA_ERR_NOMEM;
                else if (!(rc = group_add(g, (int)ri, ev->occurred_at, ev->seq, val))) {
                    group_prune(g, c->timespan_us);
                    if (group_fires(c, g)) {
                        int64_t *seqs = malloc(g->n * sizeof(*seqs));
                        if (!seqs)
                            rc = XA_ERR_NOMEM;
                        else {
                            for (size_t i = 0; i < g->n; i++)
                                seqs[i] = g->e[i].seq;
                            int64_t f = g->e[0].at, l = g->e[g->n - 1].at;
                            size_t n = g->n;
                            char *gk = strdup(g->key);
                            group_remove(cs, g); /* one burst, one alert */
                            if (!gk)
                                rc = XA_ERR_NOMEM;
                            else
                                rc = fired(e, c, ev, gk, seqs, n, f, l);
                            free(gk);
                            free(seqs);
                        }
                    }
                }
            }
            free(val);
            xa_buf_release(&key);
        }
    }
    e->depth--;
    return rc;
}

static xa_rc fired(struct xa_engine *e, const struct xa_rule *r, const struct xa_event *ev,
                   const char *group, const int64_t *seqs, size_t nseqs, int64_t first_at,
                   int64_t last_at)
{
    xa_rc rc = emit(e, r, group, ev, seqs, nseqs, first_at, last_at);
    if (!rc && r->nusers)
        rc = feed(e, r, ev);
    return rc;
}

static xa_rc eval_rule(struct xa_engine *e, const struct xa_rule *r, const struct xa_event *ev)
{
    if (!e->enabled[r->index])
        return XA_OK;
    if (ev->is_system && !r->include_system && !e->cfg.include_system)
        return XA_OK;
    e->st.rule_evals++;
    if (!xa_eval_rule(&e->ev, r))
        return XA_OK;
    if (allowed(e, r)) {
        e->st.allowed++;
        return XA_OK;
    }
    if (r->ngroupby) {
        if (!group_key(e, r->groupby, r->ngroupby, &e->kbuf))
            default_key(ev, &e->kbuf);
    } else
        default_key(ev, &e->kbuf);
    char *gk = strdup(e->kbuf.data ? e->kbuf.data : "");
    if (!gk)
        return XA_ERR_NOMEM;
    int64_t seq = ev->seq;
    xa_rc rc = fired(e, r, ev, gk, &seq, 1, ev->occurred_at, ev->occurred_at);
    free(gk);
    return rc;
}

xa_rc xa_engine_event(struct xa_engine *e, const struct xa_event *ev, struct xa_diag *diag)
{
    e->st.events++;
    if (ev->seq > e->st.last_seq)
        e->st.last_seq = ev->seq;
    xa_eval_begin(&e->ev, ev);
    xa_rc rc = XA_OK;
    bool any = false;
    if (ev->operation) {
        size_t n = strlen(ev->operation);
        if (n < sizeof(e->lowop)) {
            for (size_t i = 0; i <= n; i++) {
                char c = ev->operation[i];
                e->lowop[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
            }
            const struct opbucket *b = op_find(e, e->lowop);
            for (size_t i = 0; b && i < b->n && !rc; i++) {
                any = true;
                rc = eval_rule(e, e->rs->rules[b->rules[i]], ev);
            }
        }
    }
    for (size_t i = 0; i < e->nalways && !rc; i++) {
        any = true;
        rc = eval_rule(e, e->rs->rules[e->always[i]], ev);
    }
    if (ev->is_system && !any)
        e->st.skipped_system++;
    e->st.raw_parses = e->ev.raw_parses;
    xa_eval_end(&e->ev);
    if (rc == XA_ERR_NOMEM)
        xa_diag_set(diag, rc, "detection: out of memory");
    return rc;
}

/* ---- persistence -------------------------------------------------------------------- */

static void put_u32(struct xa_buf *b, uint32_t v)
{
    xa_buf_append(b, &v, 4);
}

static void put_i64(struct xa_buf *b, int64_t v)
{
    xa_buf_append(b, &v, 8);
}

static xa_rc load_cb(void *ud, const char *key, const void *data, size_t len)
{
    struct xa_engine *e = ud;
    const char *sep = strchr(key, '\x1f');
    if (!sep)
        return XA_OK;
    char rid[512];
    size_t rl = (size_t)(sep - key);
    if (rl >= sizeof(rid))
        return XA_OK;
    memcpy(rid, key, rl);
    rid[rl] = 0;
    const struct xa_rule *r = xa_ruleset_find(e->rs, rid);
    if (!r || r->kind != XA_RULE_CORRELATION)
        return XA_OK; /* the rule is gone: its state is ignored (and overwritten later) */
    struct cstate *cs = &e->cs[r->index];
    const unsigned char *p = data, *end = p + len;
    uint32_t magic, sig, n;
    if (len < 12)
        return XA_OK;
    memcpy(&magic, p, 4);
    memcpy(&sig, p + 4, 4);
    memcpy(&n, p + 8, 4);
    p += 12;
    if (magic != STATE_MAGIC || sig != cs->sig || n > GROUP_MAX_ENTRIES)
        return XA_OK;
    struct cgroup *g = group_get(cs, sep + 1, true);
    if (!g)
        return XA_ERR_NOMEM;
    for (uint32_t i = 0; i < n; i++) {
        if (end - p < 22)
            break;
        int32_t ri;
        int64_t at, seq;
        uint16_t vl;
        memcpy(&ri, p, 4);
        memcpy(&at, p + 4, 8);
        memcpy(&seq, p + 12, 8);
        memcpy(&vl, p + 20, 2);
        p += 22;
        if ((size_t)(end - p) < (size_t)(vl ? vl - 1 : 0) || ri < 0 || (size_t)ri >= r->nrefs)
            break;
        char *v = NULL;
        if (vl) {
            v = strndup((const char *)p, vl - 1u);
            p += vl - 1;
        }
        xa_rc rc = group_add(g, ri, at, seq, v);
        free(v);
        if (rc)
            return rc;
    }
    g->dirty = false;
    return XA_OK;
}

xa_rc xa_engine_load_state(struct xa_engine *e, struct xa_store *st, struct xa_diag *diag)
{
    if (!st->ops->alerts)
        return xa_diag_set(diag, XA_ERR_UNSUPPORTED, "the %s archive keeps no alerts", st->ops->name);
    return st->ops->alerts->state_load(st->ctx, e->cursor, load_cb, e, diag);
}

xa_rc xa_engine_flush(struct xa_engine *e, struct xa_store *st, struct xa_diag *diag)
{
    const struct xa_store_alert_ops *ao = st->ops->alerts;
    if (!ao)
        return xa_diag_set(diag, XA_ERR_UNSUPPORTED, "the %s archive keeps no alerts", st->ops->name);
    xa_rc rc = XA_OK;
    for (size_t i = 0; i < e->npend && !rc; i++) {
        const struct xa_alert *a = xa_engine_pending_alert(e, i);
        int64_t id;
        bool merged;
        rc = ao->put(st->ctx, a, e->dedup[e->pend[i].rule], &id, &merged, diag);
        if (!rc) {
            if (merged)
                e->st.alerts_merged++;
            else
                e->st.alerts_new++;
        }
    }
    xa_engine_clear_pending(e);
    struct xa_buf b, k;
    xa_buf_init(&b, 0);
    xa_buf_init(&k, 0);
    for (size_t i = 0; i < e->rs->n && !rc; i++) {
        const struct xa_rule *r = e->rs->rules[i];
        if (r->kind != XA_RULE_CORRELATION)
            continue;
        struct cstate *cs = &e->cs[i];
        const char *rid = r->id ? r->id : r->name;
        for (size_t d = 0; d < cs->ndeleted && !rc; d++) {
            xa_buf_reset(&k);
            xa_buf_printf(&k, "%s\x1f%s", rid, cs->deleted[d]);
            rc = ao->state_put(st->ctx, e->cursor, k.data, NULL, 0, diag);
        }
        for (size_t d = 0; d < cs->ndeleted; d++)
            free(cs->deleted[d]);
        cs->ndeleted = 0;
        for (size_t bk = 0; bk < cs->nb && !rc; bk++)
            for (struct cgroup *g = cs->b[bk]; g && !rc; g = g->next) {
                if (!g->dirty)
                    continue;
                xa_buf_reset(&k);
                xa_buf_printf(&k, "%s\x1f%s", rid, g->key);
                xa_buf_reset(&b);
                put_u32(&b, STATE_MAGIC);
                put_u32(&b, cs->sig);
                put_u32(&b, (uint32_t)g->n);
                for (size_t q = 0; q < g->n; q++) {
                    int32_t ri = g->e[q].ri;
                    xa_buf_append(&b, &ri, 4);
                    put_i64(&b, g->e[q].at);
                    put_i64(&b, g->e[q].seq);
                    size_t vl = g->e[q].value ? strlen(g->e[q].value) + 1 : 0;
                    if (vl > 65535)
                        vl = 0;
                    uint16_t v16 = (uint16_t)vl;
                    xa_buf_append(&b, &v16, 2);
                    if (vl)
                        xa_buf_append(&b, g->e[q].value, vl - 1);
                }
                rc = ao->state_put(st->ctx, e->cursor, k.data, b.data, g->n ? b.len : 0, diag);
                g->dirty = false;
            }
    }
    xa_buf_release(&b);
    xa_buf_release(&k);
    return rc;
}

struct runctx {
    struct xa_engine *e;
    struct xa_diag *diag;
    int64_t n;
};

static xa_rc run_cb(void *ud, const struct xa_event *ev)
{
    struct runctx *c = ud;
    c->n++;
    return xa_engine_event(c->e, ev, c->diag);
}

xa_rc xa_engine_run(struct xa_engine *e, struct xa_store *st, int64_t max_events,
                    struct xa_diag *diag)
{
    const struct xa_store_alert_ops *ao = st->ops->alerts;
    if (!ao)
        return xa_diag_set(diag, XA_ERR_UNSUPPORTED, "the %s archive keeps no alerts", st->ops->name);
    xa_rc rc = xa_engine_load_state(e, st, diag);
    if (rc)
        return rc;
    int64_t cursor = 0, done = 0;
    if ((rc = ao->cursor_get(st->ctx, e->cursor, &cursor, diag)))
        return rc;
    for (;;) {
        size_t lim = e->cfg.batch;
        if (max_events > 0 && max_events - done < (int64_t)lim)
            lim = (size_t)(max_events - done);
        if (!lim)
            break;
        if ((rc = st->ops->begin(st->ctx, diag)))
            return rc;
        struct runctx rcx = {e, diag, 0};
        int64_t before = e->st.last_seq;
        e->st.last_seq = cursor;
        rc = st->ops->scan(st->ctx, cursor, lim, run_cb, &rcx, diag);
        if (!rc && rcx.n) {
            rc = xa_engine_flush(e, st, diag);
            if (!rc)
                rc = ao->cursor_set(st->ctx, e->cursor, e->st.last_seq, diag);
        }
        if (rc) {
            st->ops->rollback(st->ctx);
            xa_engine_clear_pending(e);
            return rc;
        }
        if ((rc = st->ops->commit(st->ctx, diag)))
            return rc;
        if (!rcx.n) {
            e->st.last_seq = before > cursor ? before : cursor;
            break;
        }
        cursor = e->st.last_seq;
        done += rcx.n;
    }
    return XA_OK;
}
