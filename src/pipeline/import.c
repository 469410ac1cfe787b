#include "pipeline/import.h"

#include "core/arena.h"
#include "core/log.h"
#include "core/xtime.h"
#include "norm/norm.h"
#include "parse/input.h"
#include "parse/json.h"
#include "parse/format.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QSAMPLE 1024 /* bytes of a bad record kept in quarantine */
#define NBATCH 3

struct batch {
    struct xa_arena arena;
    struct xa_event *ev;
    size_t n_ev;
    struct xa_quarantine_item *q;
    size_t n_q;
    size_t cap;
    uint64_t read;
    uint64_t bytes_at; /* input offset after this batch */
    int64_t consumed_at;
    int last;          /* final batch of the file */
    xa_rc rc;          /* reader error (fatal), reported with the final batch */
    struct xa_diag diag;
};

struct ctx {
    const struct xa_import_opts *o;
    struct xa_input *in;
    struct xa_store *st; /* NULL in a dry run */
    const struct xa_format_ops *fmt;
    void *fctx;
    const char *name;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct batch b[NBATCH];
    int full[NBATCH];  /* 1 = filled, waiting for the writer */
    int stop;          /* writer failed: reader must stop */
};

void xa_import_opts_init(struct xa_import_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->max_record = 4u << 20;
    o->batch = 1000;
}

static void quarantine(struct batch *b, const char *name, long long line, long long off,
                       const char *reason, const char *data, size_t len)
{
    if (b->n_q == b->cap) /* bounded like events: a batch ends when either array is full */
        return;
    struct xa_quarantine_item *q = &b->q[b->n_q++];
    memset(q, 0, sizeof(*q));
    q->at = xa_time_now();
    q->source_name = name;
    q->line = line;
    q->offset = off;
    q->reason = xa_arena_strdup(&b->arena, reason);
    if (len > QSAMPLE)
        len = QSAMPLE;
    q->data = xa_arena_strndup(&b->arena, data, len);
    q->data_len = q->data ? len : 0;
}

/* Run the store's CPU-heavy half of put() (compression, text index document) on the
 * reader thread, so that the writer thread only does the index work. Returns false (and
 * ends the batch with the error) on failure. */
static bool prepare(struct ctx *c, struct batch *b, struct xa_event *ev)
{
    if (!c->st || !c->st->ops->prepare)
        return true;
    xa_rc rc = c->st->ops->prepare(c->st->ctx, ev, &b->arena, &b->diag);
    if (rc) {
        b->rc = rc;
        b->last = 1;
        return false;
    }
    return true;
}

/* Fill one batch from the stream. Returns 1 when the input is finished. */
static int fill_batch(struct ctx *c, struct batch *b)
{
    xa_arena_reset(&b->arena);
    b->n_ev = b->n_q = 0;
    b->read = 0;
    b->last = 0;
    b->rc = XA_OK;
    xa_diag_clear(&b->diag);
    struct xa_norm_opts no = {.tenant_id = c->o->tenant_id, .source = XA_SRC_API,
                              .collected_at = xa_time_now()};
    while (b->n_ev < b->cap && b->n_q < b->cap) {
        struct xa_item it;
        struct xa_diag d;
        xa_diag_clear(&d);
        memset(&it, 0, sizeof(it));
        xa_rc rc = c->fmt->next(c->fctx, &b->arena, &it, &d);
        if (rc == XA_ERR_EOF) {
            b->last = 1;
            break;
        }
        if (rc) {
            b->rc = rc;
            b->diag = d;
            b->last = 1;
            break;
        }
        b->read++;
        struct xa_event *ev = &b->ev[b->n_ev];
        if (it.kind == XA_ITEM_BAD) {
            char why[200];
            if (it.total > it.len)
                snprintf(why, sizeof(why), "%s (%zu bytes)", it.reason ? it.reason : "bad input", it.total);
            else
                snprintf(why, sizeof(why), "%s", it.reason ? it.reason : "bad input");
            quarantine(b, c->name, it.line, it.offset, why, it.data, it.len);
            continue;
        }
        if (it.kind == XA_ITEM_EVENT) {
            *ev = it.ev;
            if (!ev->tenant_id)
                ev->tenant_id = c->o->tenant_id ? c->o->tenant_id : "";
            if (ev->collected_at == XA_TIME_NONE)
                ev->collected_at = no.collected_at;
            if (!prepare(c, b, ev))
                break;
            b->n_ev++;
            continue;
        }
        struct xa_json *root = NULL;
        if ((rc = xa_json_parse(it.data, it.len, &root, &d))) {
            char detail[700];
            if (d.offset >= 0 && it.offset >= 0)
                snprintf(detail, sizeof(detail), "%s at byte %lld", d.msg, it.offset + d.offset);
            else
                snprintf(detail, sizeof(detail), "%s", d.msg);
            quarantine(b, c->name, it.line, it.offset, detail, it.data, it.len);
            continue;
        }
        no.source = it.source;
        no.tenant_id = it.tenant_hint ? it.tenant_hint : c->o->tenant_id;
        rc = xa_norm_record(root, it.data, it.len, &no, &b->arena, ev, &d);
        xa_json_free(root);
        if (rc) {
            quarantine(b, c->name, it.line, it.offset, d.msg[0] ? d.msg : xa_rc_str(rc), it.data, it.len);
            continue;
        }
        char *raw = xa_arena_strndup(&b->arena, it.data, it.len);
        if (!raw) {
            b->rc = xa_diag_set(&b->diag, XA_ERR_NOMEM, "out of memory");
            b->last = 1;
            break;
        }
        ev->raw = raw;
        ev->raw_len = it.len;
        if (!prepare(c, b, ev))
            break;
        b->n_ev++;
    }
    b->bytes_at = (uint64_t)xa_input_consumed(c->in);
    b->consumed_at = xa_input_consumed(c->in);
    return b->last;
}

static void *reader(void *arg)
{
    struct ctx *c = arg;
    for (int i = 0;; i = (i + 1) % NBATCH) {
        pthread_mutex_lock(&c->mu);
        while (c->full[i] && !c->stop)
            pthread_cond_wait(&c->cv, &c->mu);
        int stop = c->stop;
        pthread_mutex_unlock(&c->mu);
        if (stop)
            break;
        int last = fill_batch(c, &c->b[i]);
        pthread_mutex_lock(&c->mu);
        c->full[i] = 1;
        pthread_cond_broadcast(&c->cv);
        pthread_mutex_unlock(&c->mu);
        if (last)
            break;
    }
    return NULL;
}

static void fmt_bytes(char *out, size_t n, double b)
{
    const char *u[] = {"B", "KB", "MB", "GB", "TB"};
    int i = 0;
    while (b >= 1000 && i < 4) {
        b /= 1000;
        i++;
    }
    snprintf(out, n, "%.1f %s", b, u[i]);
}

static void progress(struct ctx *c, const struct xa_import_stats *s, uint64_t read, int64_t t0,
                     int64_t consumed, int final)
{
    double el = (double)(xa_time_mono() - t0) / 1e6;
    if (el <= 0)
        el = 1e-6;
    char done[32], tot[32] = "?";
    fmt_bytes(done, sizeof(done), (double)consumed);
    int64_t size = xa_input_size(c->in);
    char eta[32] = "";
    if (size > 0) {
        fmt_bytes(tot, sizeof(tot), (double)size);
        double rate = (double)consumed / el;
        if (rate > 0 && !final)
            snprintf(eta, sizeof(eta), "  ETA %.0fs", (double)(size - consumed) / rate);
    }
    fprintf(stderr, "\r%s: %llu records  %.0f rec/s  %s / %s%s   %s", c->name,
            (unsigned long long)(s->read + read), (double)read / el, done, tot, eta,
            final ? "\n" : "");
    fflush(stderr);
}

/* The writer keeps one transaction open across batches and commits every txn_records
 * records or every COMMIT_US, whichever comes first, and at the end of the file: big
 * transactions are what makes SQLite's index maintenance cheap, small batches are what
 * keeps memory bounded. Counts reach the caller's stats only once committed. */
#define COMMIT_US 2000000

struct writer {
    struct xa_store *st;
    bool open;
    uint64_t pending;                  /* records in the open transaction */
    int64_t opened_at;
    struct xa_import_stats uncommitted; /* stored / duplicates / quarantined not yet durable */
};

static xa_rc writer_commit(struct writer *w, struct xa_import_stats *s, struct xa_diag *diag)
{
    if (!w->open)
        return XA_OK;
    xa_rc rc = w->st->ops->commit(w->st->ctx, diag);
    w->open = false;
    if (rc) {
        w->st->ops->rollback(w->st->ctx);
        return rc;
    }
    s->stored += w->uncommitted.stored;
    s->duplicates += w->uncommitted.duplicates;
    s->quarantined += w->uncommitted.quarantined;
    memset(&w->uncommitted, 0, sizeof(w->uncommitted));
    w->pending = 0;
    return XA_OK;
}

static xa_rc write_batch(struct writer *w, struct batch *b, size_t txn_records,
                         struct xa_import_stats *s, struct xa_diag *diag)
{
    struct xa_store *st = w->st;
    xa_rc rc = XA_OK;
    if (!w->open) {
        if ((rc = st->ops->begin(st->ctx, diag)))
            return rc;
        w->open = true;
        w->opened_at = xa_time_mono();
    }
    for (size_t i = 0; i < b->n_ev && !rc; i++) {
        enum xa_put_status ps;
        rc = st->ops->put(st->ctx, &b->ev[i], &ps, diag);
        if (!rc) {
            if (ps == XA_PUT_DUPLICATE)
                w->uncommitted.duplicates++;
            else
                w->uncommitted.stored++;
        }
    }
    for (size_t i = 0; i < b->n_q && !rc; i++)
        rc = st->ops->quarantine(st->ctx, &b->q[i], diag);
    if (rc) {
        st->ops->rollback(st->ctx);
        w->open = false;
        memset(&w->uncommitted, 0, sizeof(w->uncommitted));
        return rc;
    }
    w->uncommitted.quarantined += b->n_q;
    w->pending += b->n_ev + b->n_q;
    if (w->pending >= txn_records || xa_time_mono() - w->opened_at >= COMMIT_US || b->last)
        rc = writer_commit(w, s, diag);
    return rc;
}

xa_rc xa_import_file(struct xa_store *st, const char *path, const struct xa_import_opts *o,
                     struct xa_import_stats *s, struct xa_diag *diag)
{
    struct ctx c;
    memset(&c, 0, sizeof(c));
    c.o = o;
    c.name = path;
    c.st = o->dry_run ? NULL : st;
    xa_rc rc = xa_input_open(path, &c.in, diag);
    if (rc)
        return rc;
    if (o->format) {
        c.fmt = xa_format_find(o->format);
        if (!c.fmt)
            rc = xa_diag_set(diag, XA_ERR_USAGE, "unknown format '%s'", o->format);
    } else {
        rc = xa_format_detect(c.in, &c.fmt, diag);
    }
    struct xa_format_cfg fc = {.max_record = o->max_record ? o->max_record : (4u << 20),
                               .tenant_id = o->tenant_id,
                               .domains = o->domains,
                               .n_domains = o->n_domains};
    if (!rc)
        rc = c.fmt->open(c.in, &fc, &c.fctx, diag);
    if (rc) {
        xa_input_close(c.in);
        return rc;
    }
    size_t cap = o->batch ? o->batch : 2000;
    for (int i = 0; i < NBATCH; i++) {
        xa_arena_init(&c.b[i].arena, 1 << 20);
        c.b[i].cap = cap;
        c.b[i].ev = calloc(cap, sizeof(struct xa_event));
        c.b[i].q = calloc(cap, sizeof(struct xa_quarantine_item));
        if (!c.b[i].ev || !c.b[i].q)
            rc = xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    }
    pthread_mutex_init(&c.mu, NULL);
    pthread_cond_init(&c.cv, NULL);
    pthread_t th;
    int started = 0;
    if (!rc) {
        if (pthread_create(&th, NULL, reader, &c) != 0)
            rc = xa_diag_set(diag, XA_ERR_INTERNAL, "cannot start the reader thread");
        else
            started = 1;
    }
    struct writer w = {.st = st};
    size_t txn = o->txn_records ? o->txn_records : 50000;
    int64_t t0 = xa_time_mono(), last_prog = 0;
    uint64_t read = 0;
    for (int i = 0; started && !rc; i = (i + 1) % NBATCH) {
        pthread_mutex_lock(&c.mu);
        while (!c.full[i])
            pthread_cond_wait(&c.cv, &c.mu);
        pthread_mutex_unlock(&c.mu);
        struct batch *b = &c.b[i];
        /* a reader error arrives with the final batch: what was read before it is kept */
        if (!o->dry_run && st && (b->n_ev || b->n_q)) {
            rc = write_batch(&w, b, txn, s, diag);
        } else if (o->dry_run) {
            s->stored += b->n_ev; /* would be stored (duplicates are not checked in a dry run) */
            s->quarantined += b->n_q;
        }
        if (!rc)
            read += b->read;
        int last = b->last;
        xa_rc brc = b->rc;
        struct xa_diag bd = b->diag;
        uint64_t bytes_at = b->bytes_at;
        int64_t consumed = b->consumed_at;
        pthread_mutex_lock(&c.mu);
        c.full[i] = 0;
        if (rc)
            c.stop = 1;
        pthread_cond_broadcast(&c.cv);
        pthread_mutex_unlock(&c.mu);
        if (o->progress && (last || xa_time_mono() - last_prog > 250000)) {
            last_prog = xa_time_mono();
            struct xa_import_stats tmp = *s;
            tmp.read = 0;
            progress(&c, &tmp, read, t0, consumed, last);
        }
        if (last) {
            s->bytes += bytes_at;
            if (brc && !rc) {
                if (diag)
                    *diag = bd;
                rc = brc;
            }
            break;
        }
    }
    if (started)
        pthread_join(th, NULL);
    if (w.open) { /* the final batch was empty, or an error stopped the loop */
        if (rc) {
            st->ops->rollback(st->ctx);
            w.open = false;
        } else {
            rc = writer_commit(&w, s, diag);
        }
    }
    s->read += read;
    s->format = c.fmt->layout ? c.fmt->layout(c.fctx) : c.fmt->name;
    for (int i = 0; i < NBATCH; i++) {
        xa_arena_release(&c.b[i].arena);
        free(c.b[i].ev);
        free(c.b[i].q);
    }
    pthread_mutex_destroy(&c.mu);
    pthread_cond_destroy(&c.cv);
    c.fmt->close(c.fctx);
    xa_input_close(c.in);
    return rc;
}
