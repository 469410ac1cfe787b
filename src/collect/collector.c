/* collector.c - the live collector (see collector.h and docs/COLLECTOR.md). */
#include "collect/collector.h"

#include "core/http.h"
#include "core/secret.h"
#include "collect/throttle.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/str.h"
#include "core/xtime.h"
#include "norm/norm.h"
#include "parse/input.h"
#include "parse/json.h"
#include "parse/jsonstream.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define US 1000000LL
#define HOUR (3600 * US)
#define DAY (24 * HOUR)
#define SUB_COOLDOWN (15 * 60 * US)
#define LIST_MAX ((size_t)64 << 20) /* one listing page */
#define ERR_BODY_MAX 65536

/* ---- planning (pure) ---------------------------------------------------------------- */

void xa_plan_init(struct xa_plan *p, int64_t lag, int64_t lookback)
{
    p->lag = lag;
    p->lookback = lookback;
    p->max_window = DAY;
    p->max_age = 7 * DAY - 30 * 60 * US; /* the API refuses startTime older than 7 days */
    if (p->lookback > p->max_age)
        p->lookback = p->max_age;
}

int xa_plan_next(const struct xa_plan *p, int64_t cursor, int64_t now, int64_t *start,
                 int64_t *end, int64_t *lost_from, int64_t *lost_to)
{
    *lost_from = *lost_to = XA_TIME_NONE;
    int64_t limit = now - p->lag;
    int64_t oldest = now - p->max_age;
    int64_t s = cursor == XA_TIME_NONE ? now - p->lookback : cursor;
    if (s < oldest) {
        if (cursor != XA_TIME_NONE) {
            *lost_from = s;
            *lost_to = oldest;
        }
        s = oldest;
    }
    s = s / US * US; /* the API takes whole seconds */
    if (s >= limit - US)
        return 0;
    int64_t e = s + p->max_window;
    if (e > limit)
        e = limit / US * US;
    if (e <= s)
        return 0;
    *start = s;
    *end = e;
    return 1;
}

size_t xa_plan_relist(const struct xa_plan *p, int64_t cursor, int64_t now, int64_t relist,
                      int64_t (*w)[2], size_t max)
{
    if (cursor == XA_TIME_NONE || relist <= 0)
        return 0;
    int64_t s = cursor - relist;
    int64_t oldest = now - p->max_age;
    if (s < oldest)
        s = oldest;
    s = (s + US - 1) / US * US;
    size_t n = 0;
    while (s < cursor && n < max) {
        int64_t e = s + p->max_window;
        if (e > cursor)
            e = cursor;
        w[n][0] = s;
        w[n][1] = e;
        n++;
        s = e;
    }
    return n;
}

int64_t xa_collect_backoff(int tries, int64_t cap, int64_t retry_after, uint64_t seed)
{
    if (tries < 1)
        tries = 1;
    int64_t d = 500000;
    for (int i = 1; i < tries && d < cap; i++)
        d *= 2;
    if (d > cap)
        d = cap;
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + (uint64_t)tries;
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 29;
    double j = 0.75 + 0.5 * (double)(x % 10000) / 10000.0;
    d = (int64_t)((double)d * j);
    if (retry_after > d)
        d = retry_after;
    return d;
}

/* ---- runtime ------------------------------------------------------------------------ */

enum jstate { J_QUEUED = 0, J_RUNNING, J_DONE };

struct win {
    int ct;
    int64_t start, end;
    int pending;   /* jobs not resolved yet */
    int new_blobs;
    bool listed;   /* every page listed */
    bool advance;  /* moves the stream cursor when complete */
};

struct job {
    int ct;
    char *content_id, *uri, *url;
    int64_t created, expiration;
    int tries, throttles;
    int64_t not_before;
    bool reauthed, from_gap;
    int64_t gap_tries;
    struct win *win;
    enum jstate state;
    struct xa_http_req req;
    /* spool */
    struct xa_buf mem;
    int fd;
    uint64_t bytes;
    int spool_err;
    size_t spool_mem;
    const char *spool_dir;
    char err[400];
};

struct stream {
    struct xa_stream_state st;
    char last_error[400];
    int64_t sub_started; /* mono time of our last start request, 0 = none */
    bool stalled;        /* no further windows this pass */
};

struct runner {
    struct xa_store *st;
    pthread_mutex_t mu;
    struct xa_collect_cfg *cfg;
    volatile sig_atomic_t *stop;
};

struct trun {
    struct runner *r;
    struct xa_collect_tenant *t;
    struct xa_collect_cfg *cfg;
    struct xa_bucket bucket;
    struct xa_http *http;
    struct xa_plan plan;
    int64_t skew; /* server clock - local clock (us) */
    struct stream s[XA_API_N_CONTENT_TYPES];
    bool subs_ok;
    bool states_loaded;
    struct job **jobs;
    size_t njobs, capjobs;
    struct win *wins[64];
    size_t nwins;
    char **seen; /* content ids not to queue again this pass (expired gaps) */
    size_t nseen, capseen;
    int64_t fail_since; /* mono, 0 = healthy */
    int64_t fail_since_wall;
    bool alerted;
    bool tenant_error;  /* this pass */
    char root[1024];
    struct xa_collect_summary sum;
    xa_rc rc;
    struct xa_diag diag;
    pthread_t th;
};

static int64_t server_now(const struct trun *tr) { return xa_time_now() + tr->skew; }

static void note_date(struct trun *tr, int64_t date)
{
    if (date == XA_TIME_NONE)
        return;
    int64_t sk = date + US / 2 - xa_time_now(); /* Date has whole seconds */
    if (sk > 2 * US || sk < -2 * US)
        tr->skew = sk;
    else
        tr->skew = 0;
}

static bool stopping(const struct trun *tr) { return tr->r->stop && *tr->r->stop; }

/* Sleep up to us; returns true when asked to stop. */
static bool nap(struct trun *tr, int64_t us)
{
    int64_t until = xa_time_mono() + us;
    while (!stopping(tr)) {
        int64_t left = until - xa_time_mono();
        if (left <= 0)
            return false;
        if (left > 100000)
            left = 100000;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)left * 1000};
        nanosleep(&ts, NULL);
    }
    return true;
}

static void lock(struct trun *tr) { pthread_mutex_lock(&tr->r->mu); }
static void unlock(struct trun *tr) { pthread_mutex_unlock(&tr->r->mu); }

static const char *ctname(int ct) { return xa_api_content_types[ct]; }

static void set_err(struct trun *tr, int ct, const char *msg)
{
    struct stream *s = &tr->s[ct];
    snprintf(s->last_error, sizeof(s->last_error), "%.399s", msg);
    s->st.last_error = s->last_error;
    s->st.last_error_at = server_now(tr);
}

/* ---- jobs -------------------------------------------------------------------------- */

static void job_free(struct job *j)
{
    if (!j)
        return;
    free(j->content_id);
    free(j->uri);
    free(j->url);
    xa_buf_release(&j->mem);
    if (j->fd >= 0)
        close(j->fd);
    free(j);
}

static void spool_reset(struct job *j)
{
    xa_buf_reset(&j->mem);
    if (j->fd >= 0)
        close(j->fd);
    j->fd = -1;
    j->bytes = 0;
    j->spool_err = 0;
}

static int spool_sink(void *ud, const char *d, size_t n)
{
    struct job *j = ud;
    j->bytes += n;
    if (j->fd < 0 && j->mem.len + n <= j->spool_mem)
        return xa_buf_append(&j->mem, d, n) == XA_OK ? 0 : 1;
    if (j->fd < 0) {
        char path[512];
        snprintf(path, sizeof(path), "%s/exoaudit-spool-XXXXXX", j->spool_dir);
        j->fd = mkstemp(path);
        if (j->fd < 0) {
            j->spool_err = errno;
            return 1;
        }
        unlink(path); /* nothing is left behind, whatever happens */
        if (j->mem.len && write(j->fd, j->mem.data, j->mem.len) != (ssize_t)j->mem.len) {
            j->spool_err = errno;
            return 1;
        }
        xa_buf_release(&j->mem);
        xa_buf_init(&j->mem, 0);
    }
    while (n) {
        ssize_t w = write(j->fd, d, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            j->spool_err = errno;
            return 1;
        }
        d += w;
        n -= (size_t)w;
    }
    return 0;
}

static bool seen(const struct trun *tr, int ct, const char *id)
{
    for (size_t i = 0; i < tr->njobs; i++)
        if (tr->jobs[i]->ct == ct && strcmp(tr->jobs[i]->content_id, id) == 0)
            return true;
    for (size_t i = 0; i < tr->nseen; i++)
        if (strcmp(tr->seen[i], id) == 0)
            return true;
    return false;
}

static void seen_add(struct trun *tr, const char *id)
{
    if (tr->nseen == tr->capseen) {
        size_t cap = tr->capseen ? tr->capseen * 2 : 64;
        char **p = realloc(tr->seen, cap * sizeof(*p));
        if (!p)
            return;
        tr->seen = p;
        tr->capseen = cap;
    }
    char *s = strdup(id);
    if (s)
        tr->seen[tr->nseen++] = s;
}

static struct job *job_add(struct trun *tr, int ct, const char *id, const char *uri, int64_t created,
                           int64_t expiration, struct win *w)
{
    if (tr->njobs == tr->capjobs) {
        size_t cap = tr->capjobs ? tr->capjobs * 2 : 256;
        struct job **p = realloc(tr->jobs, cap * sizeof(*p));
        if (!p)
            return NULL;
        tr->jobs = p;
        tr->capjobs = cap;
    }
    struct job *j = calloc(1, sizeof(*j));
    if (!j)
        return NULL;
    j->fd = -1;
    xa_buf_init(&j->mem, 0);
    j->ct = ct;
    j->content_id = strdup(id);
    j->uri = strdup(uri ? uri : "");
    j->created = created;
    j->expiration = expiration;
    j->win = w;
    j->spool_mem = tr->cfg->spool_mem;
    j->spool_dir = tr->cfg->spool_dir;
    size_t ul = strlen(j->uri) + strlen(tr->cfg->publisher_id) + 40;
    j->url = malloc(ul);
    if (!j->content_id || !j->uri || !j->url) {
        job_free(j);
        return NULL;
    }
    snprintf(j->url, ul, "%s%cPublisherIdentifier=%s", j->uri, strchr(j->uri, '?') ? '&' : '?',
             tr->cfg->publisher_id);
    if (w)
        w->pending++;
    tr->jobs[tr->njobs++] = j;
    return j;
}

/* ---- store writes (each one transaction) --------------------------------------------- */

static xa_rc put_health(struct trun *tr, int ct, const char *op, const char *activity,
                        const char *key, const char *object, const char *detail,
                        struct xa_diag *d)
{
    struct xa_event ev;
    xa_event_init(&ev);
    char rid[600];
    snprintf(rid, sizeof(rid), "exoaudit-collector:%s:%s:%s", op, ct >= 0 ? ctname(ct) : "-", key);
    struct xa_buf raw;
    xa_buf_init(&raw, 0);
    char at[32];
    int64_t now = server_now(tr);
    xa_time_format(now, at);
    xa_buf_puts(&raw, "{\"Id\":");
    xa_buf_json_str(&raw, rid, (size_t)-1);
    xa_buf_printf(&raw, ",\"CreationTime\":\"%s\",\"Operation\":\"%s\",\"Workload\":\"exoaudit\","
                        "\"UserId\":\"exoaudit-collector\",\"TenantId\":\"%s\",\"ContentType\":",
                  at, op, tr->t->id);
    xa_buf_json_str(&raw, ct >= 0 ? ctname(ct) : NULL, (size_t)-1);
    xa_buf_puts(&raw, ",\"Object\":");
    xa_buf_json_str(&raw, object, (size_t)-1);
    xa_buf_puts(&raw, ",\"Detail\":");
    xa_buf_json_str(&raw, detail, (size_t)-1);
    xa_rc rc = xa_buf_putc(&raw, '}');
    if (rc) {
        xa_buf_release(&raw);
        return xa_diag_set(d, rc, "out of memory");
    }
    ev.tenant_id = tr->t->id;
    ev.record_id = rid;
    ev.record_type = -1;
    ev.workload = "exoaudit";
    ev.source = XA_SRC_INTERNAL;
    ev.occurred_at = now;
    ev.collected_at = xa_time_now();
    ev.actor = "exoaudit-collector";
    ev.operation = op;
    ev.activity = activity;
    ev.category = XA_CAT_COLLECTOR;
    ev.result = XA_RESULT_FAILURE;
    ev.object = object;
    ev.raw = raw.data;
    ev.raw_len = raw.len;
    enum xa_put_status ps;
    rc = tr->r->st->ops->put(tr->r->st->ctx, &ev, &ps, d);
    xa_buf_release(&raw);
    return rc;
}

/* Commit the stream state alone (cursor moves, errors). */
static xa_rc commit_state(struct trun *tr, int ct, const struct xa_stream_state *ns)
{
    struct xa_store *st = tr->r->st;
    struct xa_diag d;
    xa_diag_clear(&d);
    lock(tr);
    xa_rc rc = st->ops->begin(st->ctx, &d);
    if (!rc)
        rc = st->ops->stream_put(st->ctx, ns, &d);
    if (!rc)
        rc = st->ops->commit(st->ctx, &d);
    if (rc)
        st->ops->rollback(st->ctx);
    unlock(tr);
    if (!rc)
        tr->s[ct].st = *ns;
    else
        xa_log_error("%s: cannot save the collector state: %s", tr->t->name, d.msg);
    return rc;
}

static void tenant_failed(struct trun *tr, const char *msg)
{
    if (stopping(tr))
        return; /* interrupted, not failing */
    tr->tenant_error = true;
    int64_t now = xa_time_mono();
    if (!tr->fail_since) {
        tr->fail_since = now;
        tr->fail_since_wall = server_now(tr);
    }
    xa_log_error("%s: %s", tr->t->name, msg);
    for (int ct = 0; ct < XA_API_N_CONTENT_TYPES; ct++)
        if (tr->t->ct[ct]) {
            set_err(tr, ct, msg);
            struct xa_stream_state ns = tr->s[ct].st;
            ns.updated_at = xa_time_now();
            commit_state(tr, ct, &ns);
        }
    if (!tr->alerted && now - tr->fail_since >= tr->cfg->alert_after) {
        char key[40], detail[700];
        snprintf(key, sizeof(key), "%lld", (long long)(tr->fail_since_wall / US));
        snprintf(detail, sizeof(detail), "tenant failing since %lld s: %s",
                 (long long)((now - tr->fail_since) / US), msg);
        struct xa_store *st = tr->r->st;
        struct xa_diag d;
        xa_diag_clear(&d);
        lock(tr);
        xa_rc rc = st->ops->begin(st->ctx, &d);
        if (!rc)
            rc = put_health(tr, -1, "CollectorTenantFailing", "Collector: tenant failing", key,
                            tr->t->id, detail, &d);
        if (!rc)
            rc = st->ops->commit(st->ctx, &d);
        if (rc)
            st->ops->rollback(st->ctx);
        unlock(tr);
        if (!rc) {
            tr->alerted = true;
            xa_log_error("%s: health event CollectorTenantFailing recorded (%s)", tr->t->name, detail);
        }
    }
}

static void win_resolved(struct job *j)
{
    if (j->win && j->win->pending > 0)
        j->win->pending--;
    j->state = J_DONE;
}

/* Record a blob that could not be fetched in the gap ledger (open: retried later, or
 * expired: lost to the API; then also a health event). */
static xa_rc resolve_gap(struct trun *tr, struct job *j, enum xa_gap_status status, const char *reason)
{
    struct xa_store *st = tr->r->st;
    struct stream *s = &tr->s[j->ct];
    struct xa_stream_state ns = s->st;
    char why[600];
    snprintf(why, sizeof(why), "%s", reason);
    struct xa_gap g;
    memset(&g, 0, sizeof(g));
    g.tenant_id = tr->t->id;
    g.content_type = ctname(j->ct);
    g.content_id = j->content_id;
    g.content_uri = j->uri;
    g.start = g.end = j->created;
    g.reason = why;
    g.deadline = j->expiration;
    g.tries = j->gap_tries + j->tries;
    g.status = status;
    g.created_at = g.updated_at = xa_time_now();
    if (status == XA_GAP_EXPIRED)
        ns.blobs_expired++;
    else if (!j->from_gap)
        ns.blobs_failed++;
    char le[600];
    snprintf(le, sizeof(le), "%.150s: %.400s", j->content_id, why);
    ns.updated_at = xa_time_now();
    struct xa_diag d;
    xa_diag_clear(&d);
    lock(tr);
    xa_rc rc = st->ops->begin(st->ctx, &d);
    if (!rc)
        rc = st->ops->gap_put(st->ctx, &g, &d);
    if (!rc && status == XA_GAP_EXPIRED) {
        char detail[900];
        char c1[32], c2[32];
        snprintf(detail, sizeof(detail), "content blob %s (contentCreated %s, contentExpiration %s) "
                 "expired before it could be fetched: %s",
                 j->content_id, xa_time_format(j->created, c1), xa_time_format(j->expiration, c2), why);
        rc = put_health(tr, j->ct, "CollectorContentExpired", "Collector: content expired",
                        j->content_id, j->content_id, detail, &d);
    }
    if (!rc)
        rc = st->ops->stream_put(st->ctx, &ns, &d);
    if (!rc)
        rc = st->ops->commit(st->ctx, &d);
    if (rc)
        st->ops->rollback(st->ctx);
    unlock(tr);
    if (rc) {
        xa_log_error("%s: %s: cannot record a gap: %s", tr->t->name, ctname(j->ct), d.msg);
        return rc;
    }
    s->st = ns;
    set_err(tr, j->ct, le);
    if (status == XA_GAP_EXPIRED) {
        seen_add(tr, j->content_id); /* a re-list in this pass must not report it again */
        tr->sum.blobs_expired++;
        xa_log_error("%s: %s: content %s expired before it could be fetched; recorded as a gap and "
                     "a health event (%s)",
                     tr->t->name, ctname(j->ct), j->content_id, why);
    } else {
        tr->sum.blobs_failed++;
        xa_log_warn("%s: %s: content %s not fetched (%s); kept in the gap ledger, retried until "
                    "its expiry",
                    tr->t->name, ctname(j->ct), j->content_id, why);
    }
    win_resolved(j);
    return XA_OK;
}

enum { BLOB_OK = 0, BLOB_TRUNCATED = 1 };

/* Store a fetched blob: records, ledger entry, gap closed, counters: one transaction. */
static xa_rc commit_blob(struct trun *tr, struct job *j, int *outcome, struct xa_diag *d)
{
    struct xa_store *st = tr->r->st;
    struct xa_input *in = NULL;
    struct xa_jstream *js = NULL;
    struct xa_arena arena;
    xa_arena_init(&arena, 256 * 1024);
    char name[300];
    snprintf(name, sizeof(name), "collector:%s/%s/%.200s", tr->t->id, ctname(j->ct), j->content_id);
    *outcome = BLOB_OK;
    xa_rc rc;
    if (j->fd >= 0) {
        char p[64];
        snprintf(p, sizeof(p), "/proc/self/fd/%d", j->fd);
        rc = xa_input_open(p, &in, d);
    } else {
        rc = xa_input_open_mem(j->mem.data ? j->mem.data : "", j->mem.len, name, &in, d);
    }
    if (!rc)
        rc = xa_jstream_new(in, tr->cfg->max_record, &js, d);
    if (rc) {
        xa_input_close(in);
        xa_arena_release(&arena);
        return rc;
    }
    uint64_t stored = 0, dups = 0, quar = 0, nrec = 0;
    int broken = 0;
    lock(tr);
    rc = st->ops->begin(st->ctx, d);
    struct xa_norm_opts no = {.tenant_id = tr->t->id, .source = XA_SRC_API,
                              .collected_at = xa_time_now()};
    while (!rc) {
        struct xa_jrec rec;
        xa_rc r = xa_jstream_next(js, &rec, d);
        if (r == XA_ERR_EOF)
            break;
        if (r) {
            broken = 1;
            break;
        }
        if (rec.status == XA_JREC_BROKEN) {
            broken = 1;
            break;
        }
        nrec++;
        const char *why = NULL;
        char whybuf[700];
        struct xa_json *root = NULL;
        struct xa_event ev;
        if (rec.status == XA_JREC_TOO_BIG) {
            snprintf(whybuf, sizeof(whybuf), "%s (%zu bytes)", rec.reason, rec.total);
            why = whybuf;
        } else {
            struct xa_diag pd;
            xa_diag_clear(&pd);
            if (xa_json_parse(rec.data, rec.len, &root, &pd) != XA_OK) {
                snprintf(whybuf, sizeof(whybuf), "%s", pd.msg);
                why = whybuf;
            } else if (xa_norm_record(root, rec.data, rec.len, &no, &arena, &ev, &pd) != XA_OK) {
                snprintf(whybuf, sizeof(whybuf), "%s", pd.msg[0] ? pd.msg : "cannot normalise");
                why = whybuf;
            }
        }
        if (why) {
            struct xa_quarantine_item q;
            memset(&q, 0, sizeof(q));
            q.at = xa_time_now();
            q.source_name = name;
            q.line = rec.line;
            q.offset = rec.offset;
            q.reason = why;
            q.data = rec.data;
            q.data_len = rec.len > 1024 ? 1024 : rec.len;
            rc = st->ops->quarantine(st->ctx, &q, d);
            quar++;
        } else {
            ev.raw = rec.data;
            ev.raw_len = rec.len;
            ev.content_created_at = j->created;
            enum xa_put_status ps;
            rc = st->ops->put(st->ctx, &ev, &ps, d);
            if (!rc) {
                if (ps == XA_PUT_DUPLICATE)
                    dups++;
                else
                    stored++;
            }
        }
        xa_json_free(root);
        if (arena.used > (8u << 20))
            xa_arena_reset(&arena);
    }
    if (!rc && !broken && xa_jstream_mode(js) != XA_JMODE_ARRAY)
        broken = 1; /* an API blob is one JSON array; anything else is a damaged answer */
    struct stream *s = &tr->s[j->ct];
    struct xa_stream_state ns = s->st;
    if (!rc && !broken) {
        struct xa_blob_entry b = {.tenant_id = tr->t->id, .content_type = ctname(j->ct),
                                  .content_id = j->content_id, .created = j->created,
                                  .expiration = j->expiration, .records = (int64_t)nrec,
                                  .stored_at = xa_time_now()};
        rc = st->ops->blob_put(st->ctx, &b, d);
        if (!rc && j->from_gap) {
            struct xa_gap g;
            memset(&g, 0, sizeof(g));
            g.tenant_id = tr->t->id;
            g.content_type = ctname(j->ct);
            g.content_id = j->content_id;
            g.content_uri = j->uri;
            g.start = g.end = j->created;
            g.reason = "fetched";
            g.deadline = j->expiration;
            g.tries = j->gap_tries + j->tries + 1;
            g.status = XA_GAP_CLOSED;
            g.created_at = g.updated_at = xa_time_now();
            rc = st->ops->gap_put(st->ctx, &g, d);
        }
        ns.blobs_fetched++;
        ns.records += (int64_t)stored;
        ns.duplicates += (int64_t)dups;
        ns.updated_at = xa_time_now();
        if (!rc)
            rc = st->ops->stream_put(st->ctx, &ns, d);
        if (!rc)
            rc = st->ops->commit(st->ctx, d);
    }
    if (rc || broken)
        st->ops->rollback(st->ctx);
    unlock(tr);
    xa_jstream_free(js);
    xa_input_close(in);
    xa_arena_release(&arena);
    if (rc)
        return rc;
    if (broken) {
        *outcome = BLOB_TRUNCATED;
        return XA_OK;
    }
    s->st = ns;
    tr->sum.blobs_fetched++;
    tr->sum.records += stored;
    tr->sum.duplicates += dups;
    tr->sum.quarantined += quar;
    xa_log_debug("%s: %s: stored blob %s: %llu records, %llu duplicates", tr->t->name,
                 ctname(j->ct), j->content_id, (unsigned long long)stored, (unsigned long long)dups);
    win_resolved(j);
    return XA_OK;
}

/* ---- synchronous API calls (token, subscriptions, listings) ------------------------ */

static int sink_buf(void *ud, const char *d, size_t n)
{
    return xa_buf_append(ud, d, n) == XA_OK ? 0 : 1;
}

static xa_rc get_token(struct trun *tr, bool force, const char **tok, struct xa_diag *d)
{
    struct xa_api_err e;
    if (!force && xa_auth_cached(&tr->t->auth, tok))
        return XA_OK;
    for (int attempt = 0;; attempt++) {
        int64_t w;
        while ((w = xa_bucket_take(&tr->bucket, xa_time_mono())) > 0)
            if (nap(tr, w))
                return xa_diag_set(d, XA_ERR_NET, "stopped");
        tr->sum.requests++;
        /* the login host has its own clock (its Date header): the assertion follows it */
        int64_t login_skew = 0;
        struct xa_auth *au = &tr->t->auth;
        if (au->last_date != XA_TIME_NONE) {
            login_skew = au->last_date + US / 2 - au->last_date_local;
            if (login_skew < 2 * US && login_skew > -2 * US)
                login_skew = 0;
        }
        xa_rc rc = xa_auth_token(au, force, xa_time_now() + login_skew, tok, &e, d);
        if (!rc)
            return XA_OK;
        /* a refused assertion may only be a clock problem: the Date header gave the skew */
        bool transient = rc == XA_ERR_NET;
        if (!transient && attempt == 0 && au->kind == XA_AUTH_CERT && au->last_date != XA_TIME_NONE &&
            (au->last_date - au->last_date_local > 60 * US || au->last_date_local - au->last_date > 60 * US))
            continue;
        if (!transient || attempt + 1 >= tr->cfg->max_tries)
            return rc;
        if (e.http == 429)
            xa_bucket_throttled(&tr->bucket, xa_time_mono(), -1);
        if (nap(tr, xa_collect_backoff(attempt + 1, tr->cfg->max_backoff, -1, (uint64_t)attempt)))
            return rc;
    }
}

/* GET or POST url; on success (2xx) the body is in out. Retries transient errors and
 * throttling; refreshes the token once on 401. On an API error returns XA_ERR_INVALID
 * with e filled (classify it). */
static xa_rc api_call(struct trun *tr, const char *method, const char *url, struct xa_buf *out,
                      struct xa_http_resp *resp, struct xa_api_err *e, struct xa_diag *d)
{
    bool reauthed = false;
    int tries = 0, throttles = 0;
    memset(e, 0, sizeof(*e));
    for (;;) {
        const char *tok = NULL;
        xa_rc rc = get_token(tr, false, &tok, d);
        if (rc)
            return rc;
        int64_t w;
        while ((w = xa_bucket_take(&tr->bucket, xa_time_mono())) > 0)
            if (nap(tr, w))
                return xa_diag_set(d, XA_ERR_NET, "stopped");
        xa_buf_reset(out);
        struct xa_http_req req;
        memset(&req, 0, sizeof(req));
        req.method = method;
        req.url = url;
        req.bearer = tok;
        req.timeout_ms = 120000;
        req.sink = sink_buf;
        req.sink_ud = out;
        if (method && strcmp(method, "POST") == 0) {
            req.body = "";
            req.body_len = 0;
        }
        tr->sum.requests++;
        if ((rc = xa_http_perform(&req, d)))
            return rc;
        *resp = req.resp;
        note_date(tr, req.resp.date);
        if (req.resp.rc == XA_OK && req.resp.status >= 200 && req.resp.status < 300) {
            xa_bucket_success(&tr->bucket);
            return XA_OK;
        }
        if (req.resp.rc != XA_OK) {
            memset(e, 0, sizeof(*e));
            snprintf(e->message, sizeof(e->message), "%s", req.resp.error);
        } else {
            xa_api_error_parse(req.resp.status, out->data, out->len, e);
        }
        enum xa_api_action a = xa_api_classify(e);
        if (a == XA_ACT_THROTTLED) {
            int64_t ra = xa_api_retry_after(req.resp.retry_after, req.resp.date);
            xa_bucket_throttled(&tr->bucket, xa_time_mono(), ra);
            tr->sum.throttled++;
            if (++throttles > 4 * tr->cfg->max_tries)
                return xa_diag_set(d, XA_ERR_NET, "throttled %d times in a row (AF429)", throttles);
            continue; /* the bucket waits */
        }
        if (a == XA_ACT_REAUTH && !reauthed) {
            reauthed = true;
            if ((rc = get_token(tr, true, &tok, d)))
                return rc;
            continue;
        }
        if (a == XA_ACT_RETRY && ++tries < tr->cfg->max_tries) {
            int64_t ra = xa_api_retry_after(req.resp.retry_after, req.resp.date);
            if (nap(tr, xa_collect_backoff(tries, tr->cfg->max_backoff, ra, (uint64_t)tries)))
                return xa_diag_set(d, XA_ERR_NET, "stopped");
            continue;
        }
        if (a == XA_ACT_RETRY)
            return xa_diag_set(d, XA_ERR_NET, "HTTP %ld %s %s (after %d tries)", e->http, e->code,
                               e->message, tries);
        return XA_ERR_INVALID;
    }
}

static void describe(const struct xa_api_err *e, char *out, size_t n)
{
    const char *adv = xa_api_advice(e);
    snprintf(out, n, "HTTP %ld%s%s: %.250s%s%s", e->http, e->code[0] ? " " : "", e->code, e->message,
             adv ? " -> " : "", adv ? adv : "");
}

static xa_rc start_subscription(struct trun *tr, int ct, struct xa_diag *d)
{
    struct stream *s = &tr->s[ct];
    int64_t now = xa_time_mono();
    if (s->sub_started && now - s->sub_started < SUB_COOLDOWN)
        return xa_diag_set(d, XA_ERR_NET,
                           "%s: subscription start requested less than 15 minutes ago; waiting "
                           "for the cool-down",
                           ctname(ct));
    char url[1400];
    snprintf(url, sizeof(url), "%s/subscriptions/start?contentType=%s&PublisherIdentifier=%s",
             tr->root, ctname(ct), tr->cfg->publisher_id);
    struct xa_buf b;
    xa_buf_init(&b, 1 << 20);
    struct xa_http_resp resp;
    struct xa_api_err e;
    s->sub_started = now;
    xa_rc rc = api_call(tr, "POST", url, &b, &resp, &e, d);
    xa_buf_release(&b);
    if (rc == XA_ERR_INVALID && xa_api_classify(&e) == XA_ACT_ALREADY)
        rc = XA_OK;
    if (rc == XA_ERR_INVALID) {
        char m[600];
        describe(&e, m, sizeof(m));
        return xa_diag_set(d, XA_ERR_AUTH, "%s: cannot start the subscription: %s", ctname(ct), m);
    }
    if (!rc)
        xa_log_info("%s: %s: subscription started", tr->t->name, ctname(ct));
    return rc;
}

static xa_rc ensure_subscriptions(struct trun *tr, struct xa_diag *d)
{
    char url[1400];
    snprintf(url, sizeof(url), "%s/subscriptions/list?PublisherIdentifier=%s", tr->root,
             tr->cfg->publisher_id);
    struct xa_buf b;
    xa_buf_init(&b, LIST_MAX);
    struct xa_http_resp resp;
    struct xa_api_err e;
    xa_rc rc = api_call(tr, "GET", url, &b, &resp, &e, d);
    if (rc == XA_ERR_INVALID) {
        char m[600];
        describe(&e, m, sizeof(m));
        xa_buf_release(&b);
        return xa_diag_set(d, XA_ERR_AUTH, "cannot list subscriptions: %s", m);
    }
    if (rc) {
        xa_buf_release(&b);
        return rc;
    }
    bool enabled[XA_API_N_CONTENT_TYPES] = {false};
    struct xa_json *root = NULL;
    if (xa_json_parse(b.data ? b.data : "", b.len, &root, NULL) == XA_OK) {
        for (const struct xa_json *it = xa_json_child(root); it; it = xa_json_next(it)) {
            const char *ct = xa_api_content_type(xa_json_str(xa_json_get(it, "contentType")));
            const char *stt = xa_json_str(xa_json_get(it, "status"));
            for (int i = 0; ct && i < XA_API_N_CONTENT_TYPES; i++)
                if (xa_api_content_types[i] == ct && xa_str_ieq(stt, "enabled"))
                    enabled[i] = true;
        }
        xa_json_free(root);
    }
    xa_buf_release(&b);
    for (int ct = 0; ct < XA_API_N_CONTENT_TYPES; ct++)
        if (tr->t->ct[ct] && !enabled[ct] && (rc = start_subscription(tr, ct, d)))
            return rc;
    tr->subs_ok = true;
    return XA_OK;
}

struct list_ctx {
    struct trun *tr;
    struct win *w;
    int ct;
    xa_rc rc;
    struct xa_diag *d;
    bool late; /* blobs found by the re-list go straight to the gap ledger (crash-safe) */
};

static xa_rc on_ref(void *ud, const struct xa_blob_ref *b)
{
    struct list_ctx *lc = ud;
    struct trun *tr = lc->tr;
    if (seen(tr, lc->ct, b->content_id))
        return XA_OK;
    bool known = false;
    lock(tr);
    xa_rc rc = tr->r->st->ops->blob_known(tr->r->st->ctx, tr->t->id, ctname(lc->ct), b->content_id,
                                          &known, lc->d);
    unlock(tr);
    if (rc || known)
        return rc;
    if (strncmp(b->content_uri, tr->t->api_base, strlen(tr->t->api_base)) != 0) {
        xa_log_error("%s: %s: contentUri of %s is not under %s; not fetched (the token is only sent "
                     "to the configured API host)",
                     tr->t->name, ctname(lc->ct), b->content_id, tr->t->api_base);
        struct job tmp;
        memset(&tmp, 0, sizeof(tmp));
        tmp.ct = lc->ct;
        tmp.content_id = (char *)b->content_id;
        tmp.uri = (char *)"";
        tmp.created = b->created;
        tmp.expiration = b->expiration;
        tmp.fd = -1;
        resolve_gap(tr, &tmp, XA_GAP_OPEN, "contentUri outside the configured API host");
        seen_add(tr, b->content_id);
        return XA_OK;
    }
    struct job *j = job_add(tr, lc->ct, b->content_id, b->content_uri, b->created, b->expiration,
                            lc->w);
    if (!j)
        return xa_diag_set(lc->d, XA_ERR_NOMEM, "out of memory");
    lc->w->new_blobs++;
    if (lc->late) {
        /* record it before fetching: if we die now, the gap ledger still knows it */
        struct xa_gap g;
        memset(&g, 0, sizeof(g));
        g.tenant_id = tr->t->id;
        g.content_type = ctname(lc->ct);
        g.content_id = j->content_id;
        g.content_uri = j->uri;
        g.start = g.end = j->created;
        g.reason = "late: listed after its window had been collected";
        g.deadline = j->expiration;
        g.status = XA_GAP_OPEN;
        g.created_at = g.updated_at = xa_time_now();
        struct xa_store *st = tr->r->st;
        lock(tr);
        rc = st->ops->begin(st->ctx, lc->d);
        if (!rc)
            rc = st->ops->gap_put(st->ctx, &g, lc->d);
        if (!rc)
            rc = st->ops->commit(st->ctx, lc->d);
        if (rc)
            st->ops->rollback(st->ctx);
        unlock(tr);
        j->from_gap = true;
        xa_log_info("%s: %s: late blob %s found by the re-list", tr->t->name, ctname(lc->ct),
                    j->content_id);
    }
    return rc;
}

/* List every page of w. XA_ERR_INVALID with a message when the API refused it. */
static xa_rc list_window(struct trun *tr, struct win *w, bool late, struct xa_diag *d)
{
    char t0[32], t1[32];
    char first[1600];
    snprintf(first, sizeof(first),
             "%s/subscriptions/content?contentType=%s&startTime=%s&endTime=%s&PublisherIdentifier=%s",
             tr->root, ctname(w->ct), xa_api_fmt_time(w->start, t0), xa_api_fmt_time(w->end, t1),
             tr->cfg->publisher_id);
    char *url = strdup(first);
    struct xa_buf b;
    xa_buf_init(&b, LIST_MAX);
    struct list_ctx lc = {.tr = tr, .w = w, .ct = w->ct, .d = d, .late = late};
    int restarts = 0, resubs = 0;
    xa_rc rc = url ? XA_OK : XA_ERR_NOMEM;
    while (!rc && url) {
        struct xa_http_resp resp;
        struct xa_api_err e;
        rc = api_call(tr, "GET", url, &b, &resp, &e, d);
        if (rc == XA_ERR_INVALID) {
            enum xa_api_action a = xa_api_classify(&e);
            char m[600];
            describe(&e, m, sizeof(m));
            if (a == XA_ACT_SUBSCRIBE && resubs++ < 1) {
                xa_log_warn("%s: %s: %s; starting the subscription", tr->t->name, ctname(w->ct), m);
                rc = start_subscription(tr, w->ct, d);
                continue;
            }
            if (a == XA_ACT_BADPAGE && restarts++ < 2) {
                free(url);
                url = strdup(first);
                rc = url ? XA_OK : XA_ERR_NOMEM;
                continue;
            }
            rc = xa_diag_set(d, a == XA_ACT_WINDOW ? XA_ERR_INVALID : XA_ERR_AUTH,
                             "%s: listing %s..%s refused: %s", ctname(w->ct), t0, t1, m);
            break;
        }
        if (rc)
            break;
        size_t bad = 0;
        rc = xa_api_parse_listing(b.data ? b.data : "[]", b.len ? b.len : 2, on_ref, &lc, &bad, d);
        if (rc)
            break;
        if (bad)
            xa_log_warn("%s: %s: %zu listing entries without contentId/contentUri ignored",
                        tr->t->name, ctname(w->ct), bad);
        free(url);
        url = NULL;
        if (resp.next_page[0]) {
            if (strncmp(resp.next_page, tr->t->api_base, strlen(tr->t->api_base)) != 0) {
                rc = xa_diag_set(d, XA_ERR_INVALID, "%s: NextPageUri outside the API host refused",
                                 ctname(w->ct));
                break;
            }
            size_t n = strlen(resp.next_page) + strlen(tr->cfg->publisher_id) + 40;
            url = malloc(n);
            if (!url) {
                rc = XA_ERR_NOMEM;
                break;
            }
            if (xa_str_icontains(resp.next_page, "PublisherIdentifier="))
                snprintf(url, n, "%s", resp.next_page);
            else
                snprintf(url, n, "%s%cPublisherIdentifier=%s", resp.next_page,
                         strchr(resp.next_page, '?') ? '&' : '?', tr->cfg->publisher_id);
        }
    }
    free(url);
    xa_buf_release(&b);
    if (!rc)
        w->listed = true;
    return rc;
}

/* ---- concurrent blob downloads ------------------------------------------------------ */

static void job_retry(struct trun *tr, struct job *j, const char *why, int64_t retry_after)
{
    j->tries++;
    snprintf(j->err, sizeof(j->err), "%s", why);
    j->state = J_QUEUED;
    if (j->tries >= tr->cfg->max_tries) {
        char m[500];
        snprintf(m, sizeof(m), "%s (after %d tries)", why, j->tries);
        resolve_gap(tr, j, XA_GAP_OPEN, m);
        return;
    }
    j->not_before = xa_time_mono() +
                    xa_collect_backoff(j->tries, tr->cfg->max_backoff, retry_after, (uintptr_t)j);
    xa_log_debug("%s: %s: blob %s: %s; retry %d", tr->t->name, ctname(j->ct), j->content_id, why,
                 j->tries);
}

static xa_rc job_done(struct trun *tr, struct job *j)
{
    struct xa_http_resp *r = &j->req.resp;
    note_date(tr, r->date);
    char why[600];
    if (j->spool_err) {
        snprintf(why, sizeof(why), "cannot spool the body in %s: %s", tr->cfg->spool_dir,
                 strerror(j->spool_err));
        job_retry(tr, j, why, -1);
        return XA_OK;
    }
    if (r->rc != XA_OK || r->status == 0) {
        snprintf(why, sizeof(why), "transfer failed: %s", r->error);
        job_retry(tr, j, why, -1);
        return XA_OK;
    }
    if (r->status == 200) {
        xa_bucket_success(&tr->bucket);
        int outcome;
        struct xa_diag d;
        xa_diag_clear(&d);
        xa_rc rc = commit_blob(tr, j, &outcome, &d);
        if (rc) {
            if (tr->diag.msg[0] == '\0')
                tr->diag = d;
            return rc; /* the archive failed: stop this tenant */
        }
        if (outcome == BLOB_TRUNCATED)
            job_retry(tr, j, "truncated or damaged body (the JSON array does not end)", -1);
        return XA_OK;
    }
    struct xa_api_err e;
    xa_api_error_parse(r->status, j->mem.data, j->fd >= 0 ? 0 : j->mem.len, &e);
    enum xa_api_action a = xa_api_classify(&e);
    int64_t ra = xa_api_retry_after(r->retry_after, r->date);
    describe(&e, why, sizeof(why));
    switch (a) {
    case XA_ACT_THROTTLED:
        xa_bucket_throttled(&tr->bucket, xa_time_mono(), ra);
        tr->sum.throttled++;
        j->state = J_QUEUED;
        if (++j->throttles > 4 * tr->cfg->max_tries) {
            job_retry(tr, j, why, ra);
        } else {
            j->not_before = xa_time_mono() + (ra > 0 ? ra : 0);
        }
        return XA_OK;
    case XA_ACT_REAUTH:
        if (!j->reauthed) {
            j->reauthed = true;
            const char *tok;
            struct xa_diag d;
            xa_diag_clear(&d);
            if (get_token(tr, true, &tok, &d) == XA_OK) {
                j->state = J_QUEUED;
                j->not_before = 0;
                return XA_OK;
            }
            snprintf(why, sizeof(why), "%s", d.msg);
        }
        job_retry(tr, j, why, ra);
        return XA_OK;
    case XA_ACT_EXPIRED:
        resolve_gap(tr, j, XA_GAP_EXPIRED, why);
        return XA_OK;
    case XA_ACT_SUBSCRIBE: {
        struct xa_diag d;
        xa_diag_clear(&d);
        if (start_subscription(tr, j->ct, &d))
            xa_log_warn("%s: %s", tr->t->name, d.msg);
        job_retry(tr, j, why, ra);
        return XA_OK;
    }
    case XA_ACT_FATAL:
        xa_log_error("%s: %s: blob %s: %s", tr->t->name, ctname(j->ct), j->content_id, why);
        j->tries = tr->cfg->max_tries - 1;
        job_retry(tr, j, why, ra);
        return XA_OK;
    default:
        job_retry(tr, j, why, ra);
        return XA_OK;
    }
}

static xa_rc fetch_all(struct trun *tr)
{
    int running = 0;
    struct xa_http_req *done[64];
    for (;;) {
        if (stopping(tr))
            break;
        int64_t now = xa_time_mono();
        int64_t wait = 200000;
        bool queued = false;
        while (running < tr->cfg->concurrency) {
            struct job *best = NULL;
            for (size_t i = 0; i < tr->njobs; i++) {
                struct job *j = tr->jobs[i];
                if (j->state != J_QUEUED)
                    continue;
                queued = true;
                if (j->not_before > now) {
                    if (j->not_before - now < wait)
                        wait = j->not_before - now;
                    continue;
                }
                if (!best || j->expiration < best->expiration)
                    best = j;
            }
            if (!best)
                break;
            if (best->expiration <= server_now(tr)) {
                resolve_gap(tr, best, XA_GAP_EXPIRED,
                            "contentExpiration passed before the blob could be fetched");
                continue;
            }
            int64_t w = xa_bucket_take(&tr->bucket, now);
            if (w > 0) {
                if (w < wait)
                    wait = w;
                break;
            }
            const char *tok = NULL;
            struct xa_diag d;
            xa_diag_clear(&d);
            if (get_token(tr, false, &tok, &d)) {
                /* without a token nothing can be fetched this pass; the windows stay open */
                tenant_failed(tr, d.msg);
                goto drain;
            }
            spool_reset(best);
            memset(&best->req, 0, sizeof(best->req));
            best->req.method = "GET";
            best->req.url = best->url;
            best->req.bearer = tok;
            best->req.timeout_ms = 600000;
            best->req.sink = spool_sink;
            best->req.sink_ud = best;
            best->req.tag = best;
            if (xa_http_start(tr->http, &best->req, &d)) {
                xa_log_error("%s: %s", tr->t->name, d.msg);
                goto drain;
            }
            tr->sum.requests++;
            best->state = J_RUNNING;
            running++;
        }
        if (!running && !queued) {
            /* nothing left (all resolved) */
            bool any = false;
            for (size_t i = 0; i < tr->njobs; i++)
                if (tr->jobs[i]->state == J_QUEUED)
                    any = true;
            if (!any)
                break;
        }
        if (!running) {
            if (nap(tr, wait > 0 ? wait : 1000))
                break;
            continue;
        }
        size_t n = 0;
        struct xa_diag d;
        xa_diag_clear(&d);
        int to = (int)(wait / 1000);
        if (to < 1)
            to = 1;
        if (xa_http_poll(tr->http, to, done, 64, &n, &d)) {
            xa_log_error("%s: %s", tr->t->name, d.msg);
            goto drain;
        }
        for (size_t i = 0; i < n; i++) {
            struct job *j = done[i]->tag;
            running--;
            xa_rc rc = job_done(tr, j);
            spool_reset(j);
            if (rc) {
                tr->rc = rc;
                goto drain;
            }
        }
    }
drain:
    /* abandon transfers still running: nothing of them was committed */
    xa_http_free(tr->http);
    tr->http = NULL;
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_http_new(&tr->http, &d);
    for (size_t i = 0; i < tr->njobs; i++)
        if (tr->jobs[i]->state == J_RUNNING)
            tr->jobs[i]->state = J_QUEUED;
    return tr->rc;
}

/* ---- a pass ------------------------------------------------------------------------- */

static xa_rc load_state_cb(void *ud, const struct xa_stream_state *s)
{
    struct trun *tr = ud;
    const char *ct = xa_api_content_type(s->content_type);
    for (int i = 0; ct && i < XA_API_N_CONTENT_TYPES; i++)
        if (xa_api_content_types[i] == ct) {
            struct stream *x = &tr->s[i];
            x->st = *s;
            x->st.tenant_id = tr->t->id;
            x->st.content_type = xa_api_content_types[i];
            snprintf(x->last_error, sizeof(x->last_error), "%s", s->last_error ? s->last_error : "");
            x->st.last_error = s->last_error ? x->last_error : NULL;
        }
    return XA_OK;
}

static xa_rc load_gap_cb(void *ud, const struct xa_gap *g)
{
    struct trun *tr = ud;
    const char *ctn = xa_api_content_type(g->content_type);
    int ct = -1;
    for (int i = 0; ctn && i < XA_API_N_CONTENT_TYPES; i++)
        if (xa_api_content_types[i] == ctn)
            ct = i;
    if (ct < 0 || !tr->t->ct[ct] || !g->content_id || !*g->content_id)
        return XA_OK;
    if (g->status != XA_GAP_OPEN) {
        if (g->status == XA_GAP_EXPIRED)
            seen_add(tr, g->content_id);
        return XA_OK;
    }
    if (seen(tr, ct, g->content_id))
        return XA_OK;
    struct job *j = job_add(tr, ct, g->content_id, g->content_uri, g->start, g->deadline, NULL);
    if (!j)
        return XA_ERR_NOMEM;
    j->from_gap = true;
    j->gap_tries = g->tries;
    return XA_OK;
}

static void clear_pass(struct trun *tr)
{
    for (size_t i = 0; i < tr->njobs; i++)
        job_free(tr->jobs[i]);
    tr->njobs = 0;
    for (size_t i = 0; i < tr->nwins; i++)
        free(tr->wins[i]);
    tr->nwins = 0;
    for (size_t i = 0; i < tr->nseen; i++)
        free(tr->seen[i]);
    tr->nseen = 0;
}

static struct win *win_new(struct trun *tr, int ct, int64_t s, int64_t e, bool advance)
{
    if (tr->nwins >= sizeof(tr->wins) / sizeof(tr->wins[0]))
        return NULL;
    struct win *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->ct = ct;
    w->start = s;
    w->end = e;
    w->advance = advance;
    tr->wins[tr->nwins++] = w;
    return w;
}

/* The cursor is older than the API can list: record the span as an expired window gap
 * with a health event, and move on. */
static xa_rc window_lost(struct trun *tr, int ct, int64_t from, int64_t to)
{
    struct xa_store *st = tr->r->st;
    struct stream *s = &tr->s[ct];
    struct xa_stream_state ns = s->st;
    ns.listed_until = to;
    ns.updated_at = xa_time_now();
    char a[32], b[32], key[80], detail[400];
    xa_time_format(from, a);
    xa_time_format(to, b);
    snprintf(key, sizeof(key), "%lld-%lld", (long long)(from / US), (long long)(to / US));
    snprintf(detail, sizeof(detail),
             "content published between %s and %s was never listed and is now older than the "
             "API keeps (7 days); use audit search and 'exoaudit import' to fill it",
             a, b);
    struct xa_gap g;
    memset(&g, 0, sizeof(g));
    g.tenant_id = tr->t->id;
    g.content_type = ctname(ct);
    g.start = from;
    g.end = to;
    g.reason = "window older than 7 days before it could be listed";
    g.deadline = from + 7 * DAY;
    g.status = XA_GAP_EXPIRED;
    g.created_at = g.updated_at = xa_time_now();
    struct xa_diag d;
    xa_diag_clear(&d);
    lock(tr);
    xa_rc rc = st->ops->begin(st->ctx, &d);
    if (!rc)
        rc = st->ops->gap_put(st->ctx, &g, &d);
    if (!rc)
        rc = put_health(tr, ct, "CollectorWindowExpired", "Collector: window expired", key, key,
                        detail, &d);
    if (!rc)
        rc = st->ops->stream_put(st->ctx, &ns, &d);
    if (!rc)
        rc = st->ops->commit(st->ctx, &d);
    if (rc)
        st->ops->rollback(st->ctx);
    unlock(tr);
    if (rc)
        return rc;
    s->st = ns;
    xa_log_error("%s: %s: %s", tr->t->name, ctname(ct), detail);
    return XA_OK;
}

static xa_rc tenant_pass(struct trun *tr)
{
    struct xa_diag d;
    xa_diag_clear(&d);
    tr->tenant_error = false;
    xa_rc rc = XA_OK;
    if (!tr->states_loaded) {
        lock(tr);
        rc = tr->r->st->ops->stream_list(tr->r->st->ctx, tr->t->id, load_state_cb, tr, &d);
        unlock(tr);
        if (rc) {
            tr->diag = d;
            return rc;
        }
        tr->states_loaded = true;
    }
    const char *tok;
    if ((rc = get_token(tr, false, &tok, &d))) {
        tenant_failed(tr, d.msg);
        return XA_OK;
    }
    /* every pass: cheap, gives the API clock (Date) and catches disabled subscriptions */
    if ((rc = ensure_subscriptions(tr, &d))) {
        tenant_failed(tr, d.msg);
        return XA_OK;
    }
    for (int ct = 0; ct < XA_API_N_CONTENT_TYPES; ct++)
        tr->s[ct].stalled = !tr->t->ct[ct];
    /* open gaps first: they are the closest to expiry */
    lock(tr);
    rc = tr->r->st->ops->gap_list(tr->r->st->ctx, tr->t->id, false, load_gap_cb, tr, &d);
    unlock(tr);
    if (rc) {
        tr->diag = d;
        return rc;
    }
    /* the pass lists up to the API's "now" as it was when the pass began: a pass ends even
     * when new content keeps arriving (the next pass takes it) */
    int64_t pass_now = server_now(tr);
    /* rounds: one window per content type, fetched together */
    for (int round = 0; !stopping(tr); round++) {
        bool any = false;
        struct win *rw[XA_API_N_CONTENT_TYPES] = {NULL};
        for (int ct = 0; ct < XA_API_N_CONTENT_TYPES; ct++) {
            struct stream *s = &tr->s[ct];
            if (s->stalled)
                continue;
            int64_t ws, we, lf, lt;
            for (int replan = 0; replan < 3; replan++) {
                if (!xa_plan_next(&tr->plan, s->st.listed_until, pass_now, &ws, &we, &lf, &lt)) {
                    s->stalled = true;
                    break;
                }
                if (lf != XA_TIME_NONE && (rc = window_lost(tr, ct, lf, lt)))
                    return rc;
                struct win *w = win_new(tr, ct, ws, we, true);
                if (!w) {
                    s->stalled = true;
                    break;
                }
                xa_diag_clear(&d);
                rc = list_window(tr, w, false, &d);
                if (rc == XA_ERR_INVALID && replan < 2) {
                    /* window refused: the clock skew was corrected from Date; plan again */
                    pass_now = server_now(tr);
                    xa_log_warn("%s: %s", tr->t->name, d.msg);
                    w->listed = false;
                    w->pending = 0;
                    continue;
                }
                if (rc) {
                    set_err(tr, ct, d.msg);
                    s->stalled = true;
                    if (rc == XA_ERR_NOMEM || rc == XA_ERR_DB || rc == XA_ERR_IO) {
                        tr->diag = d;
                        return rc;
                    }
                    tenant_failed(tr, d.msg);
                    rc = XA_OK;
                    break;
                }
                rw[ct] = w;
                any = true;
                break;
            }
        }
        if (!any)
            break;
        if ((rc = fetch_all(tr)))
            return rc;
        for (int ct = 0; ct < XA_API_N_CONTENT_TYPES; ct++) {
            struct win *w = rw[ct];
            if (!w)
                continue;
            if (!w->listed || w->pending > 0) {
                tr->s[ct].stalled = true;
                continue;
            }
            struct xa_stream_state ns = tr->s[ct].st;
            ns.tenant_id = tr->t->id;
            ns.content_type = ctname(ct);
            ns.listed_until = w->end;
            ns.window_start = w->start;
            ns.server_now = server_now(tr);
            ns.blobs_listed += w->new_blobs;
            ns.updated_at = xa_time_now();
            if (!tr->tenant_error)
                ns.last_error = tr->s[ct].st.last_error;
            if ((rc = commit_state(tr, ct, &ns)))
                return rc;
        }
        /* windows of this round are finished: forget them (jobs keep no pointer) */
        for (size_t i = 0; i < tr->njobs;) {
            struct job *j = tr->jobs[i];
            if (j->state == J_DONE) {
                job_free(j);
                tr->jobs[i] = tr->jobs[--tr->njobs];
            } else {
                i++;
            }
        }
        for (size_t i = 0; i < tr->nwins; i++)
            free(tr->wins[i]);
        tr->nwins = 0;
        for (size_t i = 0; i < tr->njobs; i++)
            tr->jobs[i]->win = NULL;
    }
    /* gap jobs that were not fetched together with a round */
    if (!stopping(tr) && (rc = fetch_all(tr)))
        return rc;
    /* re-list the trailing overlap: late blobs */
    for (int ct = 0; ct < XA_API_N_CONTENT_TYPES && !stopping(tr); ct++) {
        if (!tr->t->ct[ct] || tr->s[ct].st.listed_until == XA_TIME_NONE)
            continue;
        int64_t w[16][2];
        size_t n = xa_plan_relist(&tr->plan, tr->s[ct].st.listed_until, pass_now,
                                  tr->cfg->relist, w, 16);
        for (size_t i = 0; i < n && !stopping(tr); i++) {
            struct win *win = win_new(tr, ct, w[i][0], w[i][1], false);
            if (!win)
                break;
            xa_diag_clear(&d);
            if ((rc = list_window(tr, win, true, &d))) {
                if (!stopping(tr))
                    xa_log_warn("%s: re-list: %s", tr->t->name, d.msg);
                rc = XA_OK;
                break;
            }
        }
    }
    if (!stopping(tr) && (rc = fetch_all(tr)))
        return rc;
    for (int ct = 0; ct < XA_API_N_CONTENT_TYPES; ct++) {
        struct xa_stream_state ns = tr->s[ct].st;
        if (!tr->t->ct[ct] || ns.listed_until == XA_TIME_NONE)
            continue;
        ns.server_now = server_now(tr);
        ns.updated_at = xa_time_now();
        commit_state(tr, ct, &ns);
    }
    for (size_t i = 0; i < tr->njobs; i++)
        if (tr->jobs[i]->state != J_DONE)
            tr->sum.gaps_open++;
    clear_pass(tr);
    if (!tr->tenant_error) {
        tr->fail_since = 0;
        tr->alerted = false;
    }
    return XA_OK;
}

static void *tenant_thread(void *arg)
{
    struct trun *tr = arg;
    for (;;) {
        int64_t t0 = xa_time_mono();
        xa_rc rc = tenant_pass(tr);
        clear_pass(tr);
        if (rc) {
            tr->rc = rc;
            xa_log_error("%s: %s", tr->t->name, tr->diag.msg[0] ? tr->diag.msg : xa_rc_str(rc));
            break;
        }
        if (tr->cfg->once || stopping(tr))
            break;
        int64_t el = xa_time_mono() - t0;
        if (el < tr->cfg->poll && nap(tr, tr->cfg->poll - el))
            break;
    }
    return NULL;
}

xa_rc xa_collect_run(struct xa_store *st, struct xa_collect_cfg *cfg, volatile sig_atomic_t *stop,
                     struct xa_collect_summary *sum, struct xa_diag *diag)
{
    if (!st->ops->blob_known || !st->ops->gap_put)
        return xa_diag_set(diag, XA_ERR_UNSUPPORTED, "the %s archive backend cannot hold collector state",
                           st->ops->name);
    xa_rc rc = xa_http_global_init(diag);
    if (rc)
        return rc;
    struct runner r = {.st = st, .cfg = cfg, .stop = stop};
    pthread_mutex_init(&r.mu, NULL);
    struct trun *trs = calloc(cfg->ntenants, sizeof(*trs));
    if (!trs)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    size_t started = 0;
    for (size_t i = 0; i < cfg->ntenants; i++) {
        struct trun *tr = &trs[i];
        tr->r = &r;
        tr->t = &cfg->tenants[i];
        tr->cfg = cfg;
        xa_bucket_init(&tr->bucket, cfg->requests_per_minute, 0, xa_time_mono());
        xa_plan_init(&tr->plan, cfg->lag, cfg->lookback);
        snprintf(tr->root, sizeof(tr->root), "%s/api/v1.0/%s/activity/feed", tr->t->api_base, tr->t->id);
        for (int ct = 0; ct < XA_API_N_CONTENT_TYPES; ct++) {
            struct xa_stream_state *s = &tr->s[ct].st;
            s->tenant_id = tr->t->id;
            s->content_type = xa_api_content_types[ct];
            s->listed_until = s->window_start = s->server_now = s->last_error_at = XA_TIME_NONE;
        }
        if ((rc = xa_http_new(&tr->http, diag)))
            break;
        if (pthread_create(&tr->th, NULL, tenant_thread, tr) != 0) {
            rc = xa_diag_set(diag, XA_ERR_INTERNAL, "cannot start a tenant thread");
            break;
        }
        started++;
    }
    for (size_t i = 0; i < started; i++)
        pthread_join(trs[i].th, NULL);
    memset(sum, 0, sizeof(*sum));
    for (size_t i = 0; i < cfg->ntenants; i++) {
        struct trun *tr = &trs[i];
        sum->blobs_fetched += tr->sum.blobs_fetched;
        sum->blobs_failed += tr->sum.blobs_failed;
        sum->blobs_expired += tr->sum.blobs_expired;
        sum->records += tr->sum.records;
        sum->duplicates += tr->sum.duplicates;
        sum->quarantined += tr->sum.quarantined;
        sum->requests += tr->sum.requests;
        sum->throttled += tr->sum.throttled;
        sum->gaps_open += tr->sum.gaps_open;
        if (tr->rc || tr->tenant_error) {
            sum->tenants_failed++;
            if (!rc) {
                rc = tr->rc ? tr->rc : XA_ERR_NET;
                if (diag)
                    *diag = tr->diag;
                if (diag && !diag->msg[0])
                    xa_diag_set(diag, rc, "%s: %s", tr->t->name,
                                tr->s[0].last_error[0] ? tr->s[0].last_error : "failed");
                for (int ct = 0; ct < XA_API_N_CONTENT_TYPES && diag && tr->tenant_error; ct++)
                    if (tr->t->ct[ct] && tr->s[ct].last_error[0]) {
                        xa_diag_set(diag, rc, "%s: %s", tr->t->name, tr->s[ct].last_error);
                        break;
                    }
            }
        }
        clear_pass(tr);
        free(tr->jobs);
        free(tr->seen);
        xa_http_free(tr->http);
    }
    free(trs);
    pthread_mutex_destroy(&r.mu);
    return rc;
}
/* ---- configuration ---------------------------------------------------------------- */

static char *xstrdup(const char *s) { return s ? strdup(s) : NULL; }

static xa_rc cfg_num(const struct xa_config *c, const char *key, double def, double lo, double hi,
                     double *out, struct xa_diag *diag)
{
    const char *v = xa_config_get(c, key);
    if (!v) {
        *out = def;
        return XA_OK;
    }
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || d < lo || d > hi)
        return xa_diag_set(diag, XA_ERR_CONFIG, "%s: %s: expected a number from %g to %g, got '%s'",
                           xa_config_path(c) ? xa_config_path(c) : "config", key, lo, hi, v);
    *out = d;
    return XA_OK;
}

void xa_collect_cfg_free(struct xa_collect_cfg *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->ntenants; i++) {
        struct xa_collect_tenant *t = &c->tenants[i];
        free(t->id);
        free(t->name);
        free(t->api_base);
        xa_auth_release(&t->auth);
    }
    free(c->tenants);
    free(c->publisher_id);
    free(c->spool_dir);
    free(c);
}

static int is_guid(const char *s)
{
    if (!s || strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        char ch = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (ch != '-')
                return 0;
        } else if (!isxdigit((unsigned char)ch)) {
            return 0;
        }
    }
    return 1;
}

static xa_rc load_tenant(const struct xa_config *c, int i, struct xa_collect_tenant *t,
                         struct xa_diag *diag)
{
    char k[160];
    const char *path = xa_config_path(c) ? xa_config_path(c) : "config";
#define KEY(suffix) (snprintf(k, sizeof(k), "collect.tenants.%d.%s", i, suffix), k)
    const char *id = xa_config_get(c, KEY("id"));
    if (!is_guid(id))
        return xa_diag_set(diag, XA_ERR_CONFIG, "%s: collect.tenants.%d.id: expected the tenant GUID, got '%s'",
                           path, i, id ? id : "");
    const char *client = xa_config_get(c, KEY("client_id"));
    if (!is_guid(client))
        return xa_diag_set(diag, XA_ERR_CONFIG,
                           "%s: collect.tenants.%d.client_id: expected the application (client) GUID",
                           path, i);
    int cloud = xa_api_cloud_parse(xa_config_get(c, KEY("cloud")));
    if (cloud < 0)
        return xa_diag_set(diag, XA_ERR_CONFIG,
                           "%s: collect.tenants.%d.cloud: expected commercial, gcc, gcc-high or dod",
                           path, i);
    const char *login = xa_config_get(c, KEY("endpoints.login"));
    const char *api = xa_config_get(c, KEY("endpoints.api"));
    if (!login)
        login = xa_api_cloud_login((enum xa_cloud)cloud);
    if (!api)
        api = xa_api_cloud_api((enum xa_cloud)cloud);
    if (!xa_http_url_allowed(login) || !xa_http_url_allowed(api))
        return xa_diag_set(diag, XA_ERR_CONFIG,
                           "%s: collect.tenants.%d.endpoints: https:// required (http:// only to a "
                           "loopback address)",
                           path, i);
    t->id = xstrdup(id);
    char nm[200];
    snprintf(nm, sizeof(nm), "tenant %s", id);
    t->name = xstrdup(nm);
    t->api_base = xstrdup(api);
    size_t l = strlen(t->api_base);
    while (l && t->api_base[l - 1] == '/')
        t->api_base[--l] = '\0';
    struct xa_auth *a = &t->auth;
    a->tenant_id = xstrdup(id);
    a->client_id = xstrdup(client);
    a->login_base = xstrdup(login);
    l = strlen(a->login_base);
    while (l && a->login_base[l - 1] == '/')
        a->login_base[--l] = '\0';
    a->resource = xstrdup(xa_api_cloud_api((enum xa_cloud)cloud));
    if (xa_config_get(c, KEY("endpoints.api"))) {
        free(a->resource);
        a->resource = xstrdup(t->api_base);
    }
    a->last_date = XA_TIME_NONE;
    const char *ver = xa_config_get(c, KEY("token_version"));
    a->token_version = ver && strcmp(ver, "1") == 0 ? 1 : 2;
    if (ver && strcmp(ver, "1") != 0 && strcmp(ver, "2") != 0)
        return xa_diag_set(diag, XA_ERR_CONFIG, "%s: collect.tenants.%d.token_version: 1 or 2", path, i);
    const char *auth = xa_config_get(c, KEY("auth"));
    if (!auth || strcmp(auth, "certificate") == 0) {
        a->kind = XA_AUTH_CERT;
        const char *cert = xa_config_get(c, KEY("certificate_file"));
        const char *key = xa_config_get(c, KEY("private_key_file"));
        if (!cert)
            return xa_diag_set(diag, XA_ERR_CONFIG,
                               "%s: collect.tenants.%d: auth certificate needs certificate_file "
                               "(and private_key_file), or set auth: secret",
                               path, i);
        const char *kf = key ? key : cert;
        struct stat sb;
        if (stat(kf, &sb) == 0 && (sb.st_mode & 077))
            return xa_diag_set(diag, XA_ERR_CONFIG,
                               "%s: readable by group or others (mode %03o): a private key file must "
                               "be private; run 'chmod 600 %s'",
                               kf, (unsigned)(sb.st_mode & 0777), kf);
        xa_rc rc = xa_jwt_key_load(cert, kf, &a->key, diag);
        if (rc)
            return xa_diag_set(diag, XA_ERR_CONFIG, "collect.tenants.%d: %s", i, diag ? diag->msg : "bad key");
        const char *alg = xa_config_get(c, KEY("assertion_alg"));
        if (alg && strcmp(alg, "PS256") == 0)
            a->alg = XA_JWT_PS256;
        else if (alg && strcmp(alg, "RS256") != 0)
            return xa_diag_set(diag, XA_ERR_CONFIG, "%s: collect.tenants.%d.assertion_alg: RS256 or PS256",
                               path, i);
    } else if (strcmp(auth, "secret") == 0) {
        a->kind = XA_AUTH_SECRET;
        const char *f = xa_config_get(c, KEY("client_secret_file"));
        const char *env = xa_config_get(c, KEY("client_secret_env"));
        if (f) {
            xa_rc rc = xa_secret_file_read(f, &a->secret, diag);
            if (rc)
                return rc;
        } else if (env) {
            const char *v = getenv(env);
            if (!v || !*v)
                return xa_diag_set(diag, XA_ERR_CONFIG,
                                   "collect.tenants.%d.client_secret_env: environment variable %s is "
                                   "not set",
                                   i, env);
            a->secret = xstrdup(v);
        } else {
            return xa_diag_set(diag, XA_ERR_CONFIG,
                               "%s: collect.tenants.%d: auth secret needs client_secret_file or "
                               "client_secret_env (secrets are never written in the config)",
                               path, i);
        }
    } else {
        return xa_diag_set(diag, XA_ERR_CONFIG, "%s: collect.tenants.%d.auth: certificate or secret",
                           path, i);
    }
    int any = 0;
    for (int j = 0;; j++) {
        char kk[160];
        snprintf(kk, sizeof(kk), "collect.tenants.%d.content_types.%d", i, j);
        const char *v = xa_config_get(c, kk);
        if (!v)
            break;
        const char *canon = xa_api_content_type(v);
        if (!canon)
            return xa_diag_set(diag, XA_ERR_CONFIG,
                               "%s: %s: unknown content type '%s' (Audit.AzureActiveDirectory, "
                               "Audit.Exchange, Audit.SharePoint, Audit.General, DLP.All)",
                               path, kk, v);
        for (int x = 0; x < XA_API_N_CONTENT_TYPES; x++)
            if (xa_api_content_types[x] == canon)
                t->ct[x] = true;
        any = 1;
    }
    if (!any)
        for (int x = 0; x < XA_API_N_CONTENT_TYPES; x++)
            t->ct[x] = true;
#undef KEY
    return XA_OK;
}

xa_rc xa_collect_cfg_load(const struct xa_config *c, struct xa_collect_cfg **out,
                          struct xa_diag *diag)
{
    struct xa_collect_cfg *o = calloc(1, sizeof(*o));
    if (!o)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    xa_rc rc = XA_OK;
    const char *path = xa_config_path(c) ? xa_config_path(c) : "config";
    size_t n = 0;
    while (n < XA_COLLECT_MAX_TENANTS) {
        char k[64];
        snprintf(k, sizeof(k), "collect.tenants.%zu.id", n);
        if (!xa_config_get(c, k))
            break;
        n++;
    }
    if (!n) {
        rc = xa_diag_set(diag, XA_ERR_CONFIG,
                         "%s: no tenant configured: add collect.tenants (see etc/exoaudit.yaml.example "
                         "and docs/COLLECTOR.md)",
                         path);
        goto out;
    }
    o->tenants = calloc(n, sizeof(*o->tenants));
    if (!o->tenants) {
        rc = xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
        goto out;
    }
    o->ntenants = n;
    for (size_t i = 0; i < n && !rc; i++)
        rc = load_tenant(c, (int)i, &o->tenants[i], diag);
    if (rc)
        goto out;
    const char *pub = xa_config_get(c, "collect.publisher_id");
    if (pub && !is_guid(pub)) {
        rc = xa_diag_set(diag, XA_ERR_CONFIG,
                         "%s: collect.publisher_id: expected your organisation's tenant GUID", path);
        goto out;
    }
    o->publisher_id = xstrdup(pub ? pub : o->tenants[0].id);
    double v;
    if ((rc = cfg_num(c, "collect.requests_per_minute", 1200, 1, 60000, &v, diag)))
        goto out;
    o->requests_per_minute = v;
    if ((rc = cfg_num(c, "collect.concurrency", 16, 1, 256, &v, diag)))
        goto out;
    o->concurrency = (int)v;
    if ((rc = cfg_num(c, "collect.lag_minutes", 5, 0, 1440, &v, diag)))
        goto out;
    o->lag = (int64_t)(v * 60e6);
    if ((rc = cfg_num(c, "collect.relist_hours", 12, 0, 160, &v, diag)))
        goto out;
    o->relist = (int64_t)(v * 3600e6);
    if ((rc = cfg_num(c, "collect.lookback_hours", 167, 0, 167, &v, diag)))
        goto out;
    o->lookback = (int64_t)(v * 3600e6);
    if ((rc = cfg_num(c, "collect.poll_seconds", 60, 0.01, 86400, &v, diag)))
        goto out;
    o->poll = (int64_t)(v * 1e6);
    if ((rc = cfg_num(c, "collect.tenant_failure_alert_minutes", 30, 0, 100000, &v, diag)))
        goto out;
    o->alert_after = (int64_t)(v * 60e6);
    if ((rc = cfg_num(c, "collect.max_tries", 8, 1, 1000, &v, diag)))
        goto out;
    o->max_tries = (int)v;
    if ((rc = cfg_num(c, "collect.max_backoff_seconds", 30, 0.01, 3600, &v, diag)))
        goto out;
    o->max_backoff = (int64_t)(v * 1e6);
    uint64_t sz;
    if ((rc = xa_config_size(c, "import.max_record_bytes", 4u << 20, &sz, diag)))
        goto out;
    o->max_record = (size_t)sz;
    if ((rc = xa_config_size(c, "collect.spool_memory", 4u << 20, &sz, diag)))
        goto out;
    o->spool_mem = (size_t)sz;
    const char *sd = xa_config_get(c, "collect.spool_dir");
    if (!sd)
        sd = getenv("TMPDIR");
    o->spool_dir = xstrdup(sd && *sd ? sd : "/tmp");
out:
    if (rc) {
        xa_collect_cfg_free(o);
        return rc;
    }
    *out = o;
    return XA_OK;
}
