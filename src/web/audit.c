/* audit.c - the self-audit writer thread. */
#include "web/audit.h"

#include "core/buf.h"
#include "core/log.h"
#include "core/xtime.h"
#include "web/auth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define QMAX 4096
#define PMAX 12

struct item {
    char id[37];
    int64_t at;
    char *operation, *actor, *ip;
    bool ok;
    struct xa_kv p[PMAX];
    size_t n;
};

struct xa_web_audit {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv, space, done;
    struct item *q[QMAX];
    size_t head, n;
    uint64_t queued, written;
    bool stop;
    struct xa_store st;
};

static void item_free(struct item *it)
{
    free(it->operation);
    free(it->actor);
    free(it->ip);
    for (size_t i = 0; i < it->n; i++) {
        free((char *)it->p[i].name);
        free((char *)it->p[i].value);
    }
    free(it);
}

static xa_rc put_item(struct xa_store *st, struct item *it, struct xa_diag *d)
{
    char ts[32];
    xa_time_format(it->at, ts);
    struct xa_buf raw;
    xa_buf_init(&raw, 0);
    xa_buf_puts(&raw, "{\"Id\":");
    xa_buf_json_str(&raw, it->id, (size_t)-1);
    xa_buf_puts(&raw, ",\"CreationTime\":");
    xa_buf_json_str(&raw, ts, (size_t)-1);
    xa_buf_puts(&raw, ",\"Operation\":");
    xa_buf_json_str(&raw, it->operation, (size_t)-1);
    xa_buf_puts(&raw, ",\"UserId\":");
    xa_buf_json_str(&raw, it->actor, (size_t)-1);
    xa_buf_puts(&raw, ",\"ClientIP\":");
    xa_buf_json_str(&raw, it->ip, (size_t)-1);
    xa_buf_puts(&raw, ",\"ResultStatus\":");
    xa_buf_json_str(&raw, it->ok ? "Succeeded" : "Failed", (size_t)-1);
    xa_buf_puts(&raw, ",\"Workload\":\"exoaudit\",\"Parameters\":[");
    for (size_t i = 0; i < it->n; i++) {
        xa_buf_puts(&raw, i ? ",{\"Name\":" : "{\"Name\":");
        xa_buf_json_str(&raw, it->p[i].name, (size_t)-1);
        xa_buf_puts(&raw, ",\"Value\":");
        xa_buf_json_str(&raw, it->p[i].value, (size_t)-1);
        xa_buf_putc(&raw, '}');
    }
    xa_rc rc = xa_buf_puts(&raw, "]}");
    if (rc) {
        xa_buf_release(&raw);
        return xa_diag_set(d, rc, "self-audit record");
    }
    struct xa_event ev;
    xa_event_init(&ev);
    ev.tenant_id = "exoaudit";
    ev.record_id = it->id;
    ev.record_type = -1;
    ev.workload = "exoaudit";
    ev.source = XA_SRC_INTERNAL;
    ev.occurred_at = it->at;
    ev.collected_at = it->at;
    ev.actor = it->actor;
    ev.operation = it->operation;
    ev.category = XA_CAT_SELF_AUDIT;
    ev.result = it->ok ? XA_RESULT_SUCCESS : XA_RESULT_FAILURE;
    ev.client_ip = it->ip;
    ev.params = it->p;
    ev.n_params = it->n;
    ev.raw = raw.data;
    ev.raw_len = raw.len;
    enum xa_put_status ps;
    rc = st->ops->put(st->ctx, &ev, &ps, d);
    xa_buf_release(&raw);
    return rc;
}

static void *run(void *arg)
{
    struct xa_web_audit *a = arg;
    struct item *batch[256];
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (!a->n && !a->stop)
            pthread_cond_wait(&a->cv, &a->mu);
        if (!a->n && a->stop)
            break;
        size_t k = 0;
        while (a->n && k < 256) {
            batch[k++] = a->q[a->head];
            a->head = (a->head + 1) % QMAX;
            a->n--;
        }
        pthread_cond_broadcast(&a->space);
        pthread_mutex_unlock(&a->mu);
        struct xa_diag d;
        xa_diag_clear(&d);
        /* retry while the archive is locked (an import); never drop */
        for (int tries = 0;; tries++) {
            xa_rc rc = a->st.ops->begin(a->st.ctx, &d);
            for (size_t i = 0; i < k && !rc; i++)
                rc = put_item(&a->st, batch[i], &d);
            if (!rc)
                rc = a->st.ops->commit(a->st.ctx, &d);
            if (!rc)
                break;
            a->st.ops->rollback(a->st.ctx);
            if (tries % 10 == 0)
                xa_log_warn("self-audit: cannot write %zu event(s) yet: %s (retrying)", k, d.msg);
            struct timespec ts = {0, 200 * 1000 * 1000};
            nanosleep(&ts, NULL);
            if (tries > 300) { /* a minute: give up loudly */
                xa_log_error("self-audit: %zu event(s) lost: %s", k, d.msg);
                break;
            }
        }
        for (size_t i = 0; i < k; i++)
            item_free(batch[i]);
        pthread_mutex_lock(&a->mu);
        a->written += k;
        pthread_cond_broadcast(&a->done);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

xa_rc xa_web_audit_start(const char *path, const struct xa_integrity_cfg *ic,
                         struct xa_web_audit **out, struct xa_diag *diag)
{
    struct xa_web_audit *a = calloc(1, sizeof(*a));
    if (!a)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    struct xa_store_cfg sc = {.location = path, .readonly = false, .cache_mb = 8, .integrity = ic};
    xa_rc rc = xa_store_open(&sc, &a->st, diag);
    if (rc) {
        free(a);
        return rc;
    }
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    pthread_cond_init(&a->space, NULL);
    pthread_cond_init(&a->done, NULL);
    if (pthread_create(&a->th, NULL, run, a)) {
        xa_store_close(&a->st);
        free(a);
        return xa_diag_set(diag, XA_ERR_INTERNAL, "cannot start the self-audit thread");
    }
    *out = a;
    return XA_OK;
}

void xa_web_audit_stop(struct xa_web_audit *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    a->stop = true;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->th, NULL);
    xa_store_close(&a->st);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    pthread_cond_destroy(&a->space);
    pthread_cond_destroy(&a->done);
    free(a);
}

static char *dup_bounded(const char *s, size_t max)
{
    if (!s)
        s = "";
    size_t n = strnlen(s, max);
    char *r = malloc(n + 1);
    if (r) {
        memcpy(r, s, n);
        r[n] = '\0';
    }
    return r;
}

void xa_web_audit_log(struct xa_web_audit *a, const char *operation, const char *actor,
                      const char *ip, bool success, const struct xa_kv *params, size_t n)
{
    if (!a)
        return;
    struct item *it = calloc(1, sizeof(*it));
    if (!it) {
        xa_log_error("self-audit: out of memory, event %s lost", operation);
        return;
    }
    unsigned char u[16];
    char hex[33];
    if (xa_auth_random_hex(hex, 16) == XA_OK) {
        for (int i = 0; i < 16; i++)
            u[i] = (unsigned char)strtoul((char[]){hex[2 * i], hex[2 * i + 1], 0}, NULL, 16);
        u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
        u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
        snprintf(it->id, sizeof(it->id),
                 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
                 u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
                 u[14], u[15]);
    }
    it->at = xa_time_now();
    it->operation = dup_bounded(operation, 128);
    it->actor = dup_bounded(actor ? actor : "anonymous", 256);
    it->ip = dup_bounded(ip, 64);
    it->ok = success;
    for (size_t i = 0; i < n && i < PMAX; i++) {
        it->p[i].name = dup_bounded(params[i].name, 64);
        it->p[i].value = dup_bounded(params[i].value, 2048);
        it->n++;
    }
    pthread_mutex_lock(&a->mu);
    while (a->n == QMAX)
        pthread_cond_wait(&a->space, &a->mu);
    a->q[(a->head + a->n) % QMAX] = it;
    a->n++;
    a->queued++;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

void xa_web_audit_flush(struct xa_web_audit *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    uint64_t target = a->queued;
    while (a->written < target)
        pthread_cond_wait(&a->done, &a->mu);
    pthread_mutex_unlock(&a->mu);
}
