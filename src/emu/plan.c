/* plan.c - generated records cut into Management Activity API content blobs. */
#include "emu/plan.h"

#include "core/str.h"
#include "core/xtime.h"
#include "gen/gen.h"
#include "parse/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static const char *const ct_names[XA_EMU_CT_COUNT] = {
    "Audit.AzureActiveDirectory", "Audit.Exchange", "Audit.SharePoint", "Audit.General", "DLP.All"};

const char *xa_emu_ct_name(int ct)
{
    return ct >= 0 && ct < XA_EMU_CT_COUNT ? ct_names[ct] : NULL;
}

int xa_emu_ct_parse(const char *name)
{
    for (int i = 0; name && i < XA_EMU_CT_COUNT; i++)
        if (xa_str_ieq(name, ct_names[i]))
            return i;
    return -1;
}

int xa_emu_ct_of_workload(const char *wl)
{
    if (!wl)
        return XA_EMU_CT_GENERAL;
    if (xa_str_ieq(wl, "Exchange"))
        return XA_EMU_CT_EXCHANGE;
    if (xa_str_ieq(wl, "AzureActiveDirectory"))
        return XA_EMU_CT_AAD;
    if (xa_str_ieq(wl, "SharePoint") || xa_str_ieq(wl, "OneDrive"))
        return XA_EMU_CT_SHAREPOINT;
    return XA_EMU_CT_GENERAL;
}

static uint64_t mix(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t xa_emu_hash(uint64_t seed, uint64_t what, uint64_t i)
{
    return mix(mix(mix(seed) ^ what) ^ i);
}

double xa_emu_rand(uint64_t seed, uint64_t what, uint64_t i)
{
    return (double)(xa_emu_hash(seed, what, i) >> 11) * (1.0 / 9007199254740992.0);
}

/* "what" tags of the random streams */
enum {
    R_LAT = 1,
    R_LATMS,
    R_LATLONG,
    R_LATE,
    R_LATEDELAY,
    R_SHORT,
    R_SHORTLEN,
    R_DUP,
    R_SHUF,
    R_ORDER,
    R_HUGE
};

char *xa_emu_fmt_ms(int64_t us, char buf[32])
{
    int64_t s = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
    int ms = (int)((us - s * 1000000) / 1000);
    time_t tt = (time_t)s;
    struct tm tm;
    gmtime_r(&tt, &tm);
    char tmp[96];
    int n = snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    if (n < 0 || n > 31)
        n = 0;
    memcpy(buf, tmp, (size_t)n);
    buf[n] = 0;
    return buf;
}

static void fmt_compact(int64_t us, char buf[24])
{
    char t[32];
    xa_emu_fmt_ms(us, t);
    /* 2025-03-10T04:30:11.223Z -> 20250310043011223 */
    int j = 0;
    for (int i = 0; t[i] && j < 17; i++)
        if (t[i] >= '0' && t[i] <= '9')
            buf[j++] = t[i];
    buf[j] = 0;
}

void xa_emu_plan_opts_init(struct xa_emu_plan_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->seed = 1;
    o->records = 2000;
    o->blob_records = 100;
    o->blob_span = 60 * XA_EMU_MIN_US;
    o->span = 7 * XA_EMU_DAY_US;
}

void xa_emu_plan_free(struct xa_emu_plan *p)
{
    if (!p)
        return;
    if (p->data && p->data_len)
        munmap((void *)p->data, p->data_len);
    for (size_t i = 0; i < p->nblobs; i++)
        free(p->blobs[i].recs);
    free(p->blobs);
    if (p->streams)
        for (size_t i = 0; i < p->ntenants * XA_EMU_CT_COUNT; i++)
            free(p->streams[i].blobs);
    free(p->streams);
    free(p->recs);
    free(p->ids);
    free(p);
}

/* ---------------------------------------------------------------------------------------- */

struct builder {
    struct xa_emu_plan *p;
    size_t rec_cap, ids_cap, blob_cap;
};

static xa_rc grow(void **ptr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return XA_OK;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*ptr, n * elem);
    if (!q)
        return XA_ERR_NOMEM;
    *ptr = q;
    *cap = n;
    return XA_OK;
}

/* Index the JSON Lines in data[from..to) as records of tenant. */
static xa_rc index_lines(struct builder *b, size_t from, size_t to, uint16_t tenant,
                         struct xa_diag *diag)
{
    struct xa_emu_plan *p = b->p;
    size_t pos = from;
    while (pos < to) {
        const char *line = p->data + pos;
        const char *nl = memchr(line, '\n', to - pos);
        size_t len = nl ? (size_t)(nl - line) : to - pos;
        if (len == 0) {
            pos += 1;
            continue;
        }
        struct xa_json *root = NULL;
        xa_rc rc = xa_json_parse(line, len, &root, diag);
        if (rc)
            return rc;
        const char *id = xa_json_str(xa_json_get(root, "Id"));
        const char *ct = xa_json_str(xa_json_get(root, "CreationTime"));
        const char *wl = xa_json_str(xa_json_get(root, "Workload"));
        int64_t t = 0;
        if (!id || !ct || xa_time_parse(ct, (size_t)-1, &t) != XA_OK) {
            xa_json_free(root);
            return xa_diag_set(diag, XA_ERR_INTERNAL, "generated record without Id/CreationTime");
        }
        size_t idlen = strlen(id);
        if (grow((void **)&p->recs, &b->rec_cap, p->nrecs + 1, sizeof(*p->recs)) ||
            grow((void **)&p->ids, &b->ids_cap, p->ids_len + idlen + 1, 1)) {
            xa_json_free(root);
            return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory indexing records");
        }
        struct xa_emu_rec *r = &p->recs[p->nrecs++];
        r->off = pos;
        r->len = (uint32_t)len;
        r->id = (uint32_t)p->ids_len;
        r->t = t;
        r->tenant = tenant;
        r->ct = (uint8_t)xa_emu_ct_of_workload(wl);
        memcpy(p->ids + p->ids_len, id, idlen + 1);
        p->ids_len += idlen + 1;
        xa_json_free(root);
        pos += len + 1;
    }
    return XA_OK;
}

static struct xa_emu_blob *new_blob(struct builder *b, uint16_t tenant, uint8_t ct)
{
    struct xa_emu_plan *p = b->p;
    if (grow((void **)&p->blobs, &b->blob_cap, p->nblobs + 1, sizeof(*p->blobs)))
        return NULL;
    struct xa_emu_blob *bl = &p->blobs[p->nblobs];
    memset(bl, 0, sizeof(*bl));
    bl->serial = (uint32_t)p->nblobs++;
    bl->tenant = tenant;
    bl->ct = ct;
    return bl;
}

static xa_rc blob_add(struct xa_emu_blob *bl, size_t *cap, uint32_t rec)
{
    if (grow((void **)&bl->recs, cap, bl->nrec + 1, sizeof(uint32_t)))
        return XA_ERR_NOMEM;
    bl->recs[bl->nrec++] = rec;
    return XA_OK;
}

/* Cut the records of one tenant (recs[from..to), time order) into blobs per content type. */
static xa_rc cut_tenant(struct builder *b, const struct xa_emu_plan_opts *o, size_t from, size_t to,
                        uint16_t tenant)
{
    struct xa_emu_plan *p = b->p;
    int64_t open[XA_EMU_CT_COUNT]; /* blob serial or -1 */
    size_t caps[XA_EMU_CT_COUNT];
    for (int c = 0; c < XA_EMU_CT_COUNT; c++)
        open[c] = -1;
    for (size_t i = from; i < to; i++) {
        int c = p->recs[i].ct;
        struct xa_emu_blob *bl = open[c] >= 0 ? &p->blobs[open[c]] : NULL;
        if (bl &&
            (bl->nrec >= o->blob_records || p->recs[i].t - p->recs[bl->recs[0]].t > o->blob_span))
            bl = NULL;
        if (!bl) {
            bl = new_blob(b, tenant, (uint8_t)c);
            if (!bl)
                return XA_ERR_NOMEM;
            open[c] = bl->serial;
            caps[c] = 0;
        }
        if (blob_add(bl, &caps[c], (uint32_t)i))
            return XA_ERR_NOMEM;
    }
    return XA_OK;
}

/* Times, flags and id of a blob once its records are known. */
static void finish_blob(struct xa_emu_plan *p, const struct xa_emu_plan_opts *o,
                        struct xa_emu_blob *bl)
{
    uint64_t s = o->seed, k = bl->serial;
    int64_t first = INT64_MAX, last = INT64_MIN;
    for (uint32_t i = 0; i < bl->nrec; i++) {
        int64_t t = p->recs[bl->recs[i]].t;
        first = t < first ? t : first;
        last = t > last ? t : last;
    }
    int64_t lat;
    if (bl->flags & XA_EMU_BLOB_HUGE) {
        lat = 5 * XA_EMU_MIN_US;
    } else if (xa_emu_rand(s, R_LATLONG, k) < 0.05) {
        /* some blobs arrive late: 90 min .. 12 h */
        lat = 90 * XA_EMU_MIN_US +
              (int64_t)(xa_emu_rand(s, R_LAT, k) * (double)(630 * XA_EMU_MIN_US));
    } else {
        lat = XA_EMU_MIN_US + (int64_t)(xa_emu_rand(s, R_LAT, k) * (double)(89 * XA_EMU_MIN_US));
    }
    int64_t created = last + lat;
    created = created / 1000000 * 1000000 + (int64_t)(xa_emu_hash(s, R_LATMS, k) % 1000) * 1000;
    bl->created = created;
    bl->visible = created;
    bl->expires = created + 7 * XA_EMU_DAY_US;
    if (!(bl->flags & XA_EMU_BLOB_HUGE)) {
        if (o->late > 0 && xa_emu_rand(s, R_LATE, k) < o->late) {
            bl->flags |= XA_EMU_BLOB_LATE;
            bl->visible = created + 30 * XA_EMU_MIN_US +
                          (int64_t)(xa_emu_rand(s, R_LATEDELAY, k) * (double)(330 * XA_EMU_MIN_US));
        }
        if (o->expire > 0 && xa_emu_rand(s, R_SHORT, k) < o->expire) {
            bl->flags |= XA_EMU_BLOB_SHORT;
            bl->expires = bl->visible + 3 * XA_EMU_MIN_US +
                          (int64_t)(xa_emu_rand(s, R_SHORTLEN, k) * (double)(10 * XA_EMU_MIN_US));
        }
    }
    if (o->out_of_order)
        for (uint32_t i = bl->nrec; i > 1; i--) {
            uint32_t j = (uint32_t)(xa_emu_hash(s, R_SHUF, ((uint64_t)k << 32) | i) % i);
            uint32_t tmp = bl->recs[i - 1];
            bl->recs[i - 1] = bl->recs[j];
            bl->recs[j] = tmp;
        }
    uint64_t bytes = 2 + (bl->nrec ? bl->nrec - 1 : 0);
    for (uint32_t i = 0; i < bl->nrec; i++)
        bytes += p->recs[bl->recs[i]].len;
    bl->bytes = bytes;
    /* the documented shape: {created}{n}${first event}{n}${type}${Type} */
    char c1[24], c2[24], lower[40], under[40];
    fmt_compact(created, c1);
    fmt_compact(first, c2);
    const char *name = xa_emu_ct_name(bl->ct);
    size_t i;
    for (i = 0; name[i] && i < sizeof(lower) - 1; i++) {
        char ch = name[i] == '.' ? '_' : name[i];
        under[i] = ch;
        lower[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    }
    lower[i] = under[i] = 0;
    snprintf(bl->content_id, sizeof(bl->content_id), "%s%06u$%s%06u$%s$%s$na%04u", c1, bl->serial,
             c2, bl->serial, lower, under, (unsigned)bl->tenant);
}

static int cmp_u64(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : (x[1] < y[1] ? -1 : x[1] > y[1]);
}

static xa_rc build_streams(struct xa_emu_plan *p, const struct xa_emu_plan_opts *o)
{
    size_t ns = p->ntenants * XA_EMU_CT_COUNT;
    p->streams = calloc(ns, sizeof(*p->streams));
    uint64_t *keys = calloc(p->nblobs ? p->nblobs : 1, 2 * sizeof(uint64_t));
    if (!p->streams || !keys) {
        free(keys);
        return XA_ERR_NOMEM;
    }
    for (size_t s = 0; s < ns; s++) {
        size_t n = 0;
        for (size_t i = 0; i < p->nblobs; i++) {
            const struct xa_emu_blob *bl = &p->blobs[i];
            if ((size_t)bl->tenant * XA_EMU_CT_COUNT + bl->ct != s)
                continue;
            /* listed in the order the blobs became available; shuffled with --out-of-order */
            keys[2 * n] = o->out_of_order ? xa_emu_hash(o->seed, R_ORDER, i)
                                          : (uint64_t)bl->created ^ (1ULL << 63);
            keys[2 * n + 1] = i;
            n++;
        }
        qsort(keys, n, 2 * sizeof(uint64_t), cmp_u64);
        p->streams[s].blobs = malloc((n ? n : 1) * sizeof(uint32_t));
        if (!p->streams[s].blobs) {
            free(keys);
            return XA_ERR_NOMEM;
        }
        for (size_t i = 0; i < n; i++)
            p->streams[s].blobs[i] = (uint32_t)keys[2 * i + 1];
        p->streams[s].n = n;
    }
    free(keys);
    return XA_OK;
}

xa_rc xa_emu_plan_build(const struct xa_emu_plan_opts *o, struct xa_emu_plan **out,
                        struct xa_diag *diag)
{
    if (o->ntenants < 1 || o->ntenants > XA_EMU_MAX_TENANTS || o->blob_records < 1)
        return xa_diag_set(diag, XA_ERR_INVALID, "emulator plan: bad tenant or blob size");
    struct xa_emu_plan *p = calloc(1, sizeof(*p));
    if (!p)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    struct builder b = {.p = p};
    p->ntenants = o->ntenants;
    p->seed = o->seed;
    xa_rc rc = XA_OK;
    FILE *tmp = tmpfile();
    if (!tmp) {
        rc = xa_diag_set(diag, XA_ERR_IO, "emulator: cannot create a temporary file");
        goto out;
    }
    /* records of every tenant, then the huge blob's records; remember the byte ranges */
    long ends[XA_EMU_MAX_TENANTS + 1];
    for (size_t t = 0; t <= o->ntenants; t++) {
        struct xa_gen_opts g;
        xa_gen_opts_init(&g);
        g.format = XA_GEN_JSONL;
        g.start = o->origin;
        g.span = o->span > 0 ? o->span : XA_EMU_DAY_US;
        if (t < o->ntenants) {
            snprintf(p->tenants[t], sizeof(p->tenants[t]), "%s", o->tenants[t]);
            g.seed = o->seed + t;
            g.records = o->records;
            g.tenant_id = o->tenants[t];
        } else {
            g.seed = xa_emu_hash(o->seed, R_HUGE, 0);
            g.records = o->huge;
            g.tenant_id = o->tenants[0];
        }
        if (g.records) {
            rc = xa_gen_write(&g, tmp, diag);
            if (rc)
                goto out;
        }
        if (fflush(tmp) != 0) {
            rc = xa_diag_set(diag, XA_ERR_IO, "emulator: temporary file: write failed");
            goto out;
        }
        ends[t] = ftell(tmp);
    }
    p->data_len = (size_t)ends[o->ntenants];
    if (p->data_len) {
        void *m = mmap(NULL, p->data_len, PROT_READ, MAP_PRIVATE, fileno(tmp), 0);
        if (m == MAP_FAILED) {
            p->data_len = 0;
            rc = xa_diag_set(diag, XA_ERR_IO, "emulator: cannot map the generated records");
            goto out;
        }
        p->data = m;
    }
    size_t prev = 0;
    for (size_t t = 0; t <= o->ntenants; t++) {
        size_t first = p->nrecs;
        rc = index_lines(&b, prev, (size_t)ends[t], (uint16_t)(t < o->ntenants ? t : 0), diag);
        if (rc)
            goto out;
        if (t < o->ntenants) {
            rc = cut_tenant(&b, o, first, p->nrecs, (uint16_t)t);
            if (rc)
                goto nomem;
        } else if (p->nrecs > first) {
            struct xa_emu_blob *bl = new_blob(&b, 0, XA_EMU_CT_EXCHANGE);
            if (!bl)
                goto nomem;
            bl->flags = XA_EMU_BLOB_HUGE;
            bl->recs = malloc((p->nrecs - first) * sizeof(uint32_t));
            if (!bl->recs)
                goto nomem;
            for (size_t i = first; i < p->nrecs; i++)
                bl->recs[bl->nrec++] = (uint32_t)i;
        }
        prev = (size_t)ends[t];
    }
    /* --dup-across-blobs: a record also goes into the next blob of its stream */
    if (o->dup > 0) {
        size_t nb = p->nblobs;
        int64_t *next = malloc((nb ? nb : 1) * sizeof(int64_t));
        uint32_t *orig = malloc((nb ? nb : 1) * sizeof(uint32_t));
        int64_t last[XA_EMU_MAX_TENANTS * XA_EMU_CT_COUNT];
        if (!next || !orig) {
            free(next);
            free(orig);
            goto nomem;
        }
        for (size_t i = 0; i < nb; i++)
            orig[i] = p->blobs[i].nrec; /* only a blob's own records are copied onwards */
        for (size_t i = 0; i < XA_EMU_MAX_TENANTS * XA_EMU_CT_COUNT; i++)
            last[i] = -1;
        for (size_t i = nb; i-- > 0;) {
            struct xa_emu_blob *bl = &p->blobs[i];
            size_t s = (size_t)bl->tenant * XA_EMU_CT_COUNT + bl->ct;
            next[i] = (bl->flags & XA_EMU_BLOB_HUGE) ? -1 : last[s];
            if (!(bl->flags & XA_EMU_BLOB_HUGE))
                last[s] = (int64_t)i;
        }
        for (size_t i = 0; i < nb; i++) {
            if (next[i] < 0)
                continue;
            struct xa_emu_blob *to = &p->blobs[next[i]];
            size_t cap = to->nrec;
            for (uint32_t j = 0; j < orig[i]; j++) {
                uint32_t r = p->blobs[i].recs[j];
                if (xa_emu_rand(o->seed, R_DUP, r) < o->dup && blob_add(to, &cap, r)) {
                    free(next);
                    free(orig);
                    goto nomem;
                }
            }
        }
        free(next);
        free(orig);
    }
    for (size_t i = 0; i < p->nblobs; i++)
        finish_blob(p, o, &p->blobs[i]);
    if (o->huge && p->nblobs && (p->blobs[p->nblobs - 1].flags & XA_EMU_BLOB_HUGE)) {
        /* the huge blob becomes available in the middle of the simulated span */
        struct xa_emu_blob *bl = &p->blobs[p->nblobs - 1];
        int64_t shift = o->origin + o->span / 2 - bl->created;
        bl->created += shift;
        bl->visible += shift;
        bl->expires += shift;
        char c1[24];
        fmt_compact(bl->created, c1);
        memcpy(bl->content_id, c1, 17);
    }
    if (build_streams(p, o))
        goto nomem;
    fclose(tmp);
    *out = p;
    return XA_OK;
nomem:
    rc = xa_diag_set(diag, XA_ERR_NOMEM, "out of memory planning content blobs");
out:
    if (tmp)
        fclose(tmp);
    xa_emu_plan_free(p);
    return rc;
}

xa_rc xa_emu_plan_find(const struct xa_emu_plan *p, const char *cid, uint32_t *serial)
{
    /* 17 digits of time, the serial, '$' ... */
    size_t n = strlen(cid);
    if (n < 19 || n >= sizeof(p->blobs[0].content_id))
        return XA_ERR_PARSE;
    for (int i = 0; i < 17; i++)
        if (cid[i] < '0' || cid[i] > '9')
            return XA_ERR_PARSE;
    uint64_t v = 0;
    size_t i = 17;
    for (; cid[i] >= '0' && cid[i] <= '9' && i < 30; i++)
        v = v * 10 + (uint64_t)(cid[i] - '0');
    if (i == 17 || cid[i] != '$' || !strchr(cid + i + 1, '$'))
        return XA_ERR_PARSE;
    if (v >= p->nblobs || strcmp(p->blobs[v].content_id, cid) != 0)
        return XA_ERR_NOTFOUND;
    *serial = (uint32_t)v;
    return XA_OK;
}
