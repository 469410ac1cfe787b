#include "cli/output.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/xtime.h"

#include <stdlib.h>
#include <string.h>

#define NCOL 7
#define CHUNK_ROWS 500
#define MAXW 48

struct xa_out {
    enum xa_out_format fmt;
    FILE *fp;
    size_t rows;
    struct xa_buf buf;
    struct xa_arena arena;
    char **cells; /* CHUNK_ROWS * NCOL */
    size_t pending;
    int header_done;
};

static const char *const cols[NCOL] = {"TIME", "OPERATION", "ACTOR", "TARGET", "LOGON", "RESULT", "IP"};

static const char *const csv_cols =
    "occurred_at,record_id,tenant_id,record_type,workload,operation,activity,category,actor,"
    "actor_type,is_system,mailbox,object,grantee,rights,logon_type,result,client_ip,client_port,"
    "client_info,external_access,parameters,seq,duplicates";

struct xa_out *xa_out_new(enum xa_out_format fmt, FILE *fp)
{
    struct xa_out *o = calloc(1, sizeof(*o));
    if (!o)
        return NULL;
    o->fmt = fmt;
    o->fp = fp;
    xa_buf_init(&o->buf, 0);
    xa_arena_init(&o->arena, 256 * 1024);
    if (fmt == XA_OUT_TABLE && !(o->cells = calloc(CHUNK_ROWS * NCOL, sizeof(char *)))) {
        free(o);
        return NULL;
    }
    return o;
}

size_t xa_out_rows(const struct xa_out *o) { return o->rows; }

/* Display width of a UTF-8 string (code points; good enough for a terminal table). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

static char *clip(struct xa_arena *a, const char *s)
{
    if (!s)
        return "";
    /* no control characters in a table cell: a record must not move the cursor */
    size_t n = strlen(s), w = 0, i = 0;
    char *p = xa_arena_alloc(a, n + 4);
    if (!p)
        return "";
    size_t j = 0;
    for (; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch & 0xC0) != 0x80) {
            if (w == MAXW - 1) {
                memcpy(p + j, "\xE2\x80\xA6", 3); /* ellipsis */
                j += 3;
                break;
            }
            w++;
        }
        p[j++] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
    }
    p[j] = '\0';
    return p;
}

static void flush_table(struct xa_out *o)
{
    if (!o->pending)
        return;
    size_t w[NCOL];
    for (int c = 0; c < NCOL; c++)
        w[c] = width(cols[c]);
    for (size_t r = 0; r < o->pending; r++)
        for (int c = 0; c < NCOL; c++) {
            size_t x = width(o->cells[r * NCOL + c]);
            if (x > w[c])
                w[c] = x;
        }
    if (!o->header_done) {
        for (int c = 0; c < NCOL; c++) {
            if (c + 1 < NCOL)
                fprintf(o->fp, "%-*s  ", (int)w[c], cols[c]);
            else
                fprintf(o->fp, "%s\n", cols[c]);
        }
        o->header_done = 1;
    }
    for (size_t r = 0; r < o->pending; r++)
        for (int c = 0; c < NCOL; c++) {
            const char *s = o->cells[r * NCOL + c];
            size_t pad = w[c] - width(s);
            if (c + 1 < NCOL)
                fprintf(o->fp, "%s%*s  ", s, (int)pad, "");
            else
                fprintf(o->fp, "%s\n", s);
        }
    o->pending = 0;
    xa_arena_reset(&o->arena);
}

static void params_text(struct xa_buf *b, const struct xa_event *ev)
{
    for (size_t i = 0; i < ev->n_params; i++) {
        if (i)
            xa_buf_puts(b, "; ");
        xa_buf_printf(b, "%s=%s", ev->params[i].name ? ev->params[i].name : "",
                      ev->params[i].value ? ev->params[i].value : "");
    }
}

xa_rc xa_out_event_cb(void *ud, const struct xa_event *ev)
{
    struct xa_out *o = ud;
    char tb[32];
    o->rows++;
    switch (o->fmt) {
    case XA_OUT_JSON:
    case XA_OUT_TEXT: {
        xa_buf_reset(&o->buf);
        xa_rc rc = xa_event_to_json(ev, &o->buf);
        if (rc)
            return rc;
        xa_buf_putc(&o->buf, '\n');
        fwrite(o->buf.data, 1, o->buf.len, o->fp);
        break;
    }
    case XA_OUT_CSV: {
        struct xa_buf *b = &o->buf;
        xa_buf_reset(b);
        if (!o->header_done) {
            fprintf(o->fp, "%s\r\n", csv_cols);
            o->header_done = 1;
        }
        char num[32];
        struct xa_buf pb;
        xa_buf_init(&pb, 0);
        params_text(&pb, ev);
        const char *vals[] = {
            ev->occurred_at == XA_TIME_NONE ? "" : xa_time_format(ev->occurred_at, tb),
            ev->record_id, ev->tenant_id, NULL, ev->workload, ev->operation,
            ev->activity ? ev->activity : ev->operation, xa_category_name(ev->category), ev->actor,
            ev->actor_type, ev->is_system ? "true" : "false", ev->mailbox, ev->object, ev->grantee,
            ev->rights, xa_logon_name(ev->logon_type),
            ev->result ? xa_result_name(ev->result) : NULL, ev->client_ip, NULL, ev->client_info,
            ev->external_access < 0 ? NULL : ev->external_access ? "true" : "false",
            pb.data, NULL, NULL};
        size_t nv = sizeof(vals) / sizeof(vals[0]);
        for (size_t i = 0; i < nv; i++) {
            if (i)
                xa_buf_putc(b, ',');
            if (i == 3) {
                if (ev->record_type >= 0)
                    xa_buf_printf(b, "%d", ev->record_type);
            } else if (i == 18) {
                if (ev->client_port > 0)
                    xa_buf_printf(b, "%d", ev->client_port);
            } else if (i == nv - 2) {
                snprintf(num, sizeof(num), "%lld", (long long)ev->seq);
                xa_buf_puts(b, num);
            } else if (i == nv - 1) {
                xa_buf_printf(b, "%u", ev->duplicates);
            } else {
                const char *v = vals[i];
                /* CSV injection: a cell starting with = + - @ is text, not a formula */
                if (v && (*v == '=' || *v == '+' || *v == '-' || *v == '@')) {
                    struct xa_buf t;
                    xa_buf_init(&t, 0);
                    xa_buf_putc(&t, '\'');
                    xa_buf_puts(&t, v);
                    xa_buf_csv_field(b, t.data);
                    xa_buf_release(&t);
                } else {
                    xa_buf_csv_field(b, v);
                }
            }
        }
        xa_buf_release(&pb);
        xa_buf_puts(b, "\r\n");
        fwrite(b->data, 1, b->len, o->fp);
        break;
    }
    case XA_OUT_TABLE: {
        char **row = &o->cells[o->pending * NCOL];
        const char *target = ev->mailbox ? ev->mailbox : ev->object;
        const char *ip = ev->client_ip;
        row[0] = clip(&o->arena, ev->occurred_at == XA_TIME_NONE ? "" : xa_time_format(ev->occurred_at, tb));
        row[1] = clip(&o->arena, ev->operation);
        row[2] = clip(&o->arena, ev->actor);
        if (ev->grantee && target) {
            char *t = xa_arena_printf(&o->arena, "%s -> %s", target, ev->grantee);
            row[3] = clip(&o->arena, t);
        } else {
            row[3] = clip(&o->arena, target);
        }
        row[4] = clip(&o->arena, xa_logon_name(ev->logon_type));
        row[5] = clip(&o->arena, ev->result ? xa_result_name(ev->result) : "");
        row[6] = clip(&o->arena, ip);
        if (++o->pending == CHUNK_ROWS)
            flush_table(o);
        break;
    }
    }
    return ferror(o->fp) ? XA_ERR_IO : XA_OK;
}

void xa_out_finish(struct xa_out *o)
{
    if (!o)
        return;
    if (o->fmt == XA_OUT_TABLE)
        flush_table(o);
    if (o->fmt == XA_OUT_CSV && !o->header_done)
        fprintf(o->fp, "%s\r\n", csv_cols);
    fflush(o->fp);
    xa_buf_release(&o->buf);
    xa_arena_release(&o->arena);
    free(o->cells);
    free(o);
}

static void line(FILE *fp, const char *label, const char *v)
{
    if (v && *v)
        fprintf(fp, "  %-20s %s\n", label, v);
}

void xa_out_event_text(const struct xa_event *ev, FILE *fp)
{
    char tb[32], num[32];
    fprintf(fp, "Event %s  (tenant %s, seq %lld, duplicates received %u)\n", ev->record_id,
            ev->tenant_id && *ev->tenant_id ? ev->tenant_id : "-", (long long)ev->seq, ev->duplicates);
    fprintf(fp, "WHEN\n");
    line(fp, "occurred at", ev->occurred_at == XA_TIME_NONE ? NULL : xa_time_format(ev->occurred_at, tb));
    line(fp, "collected at", ev->collected_at == XA_TIME_NONE ? NULL : xa_time_format(ev->collected_at, tb));
    fprintf(fp, "WHO\n");
    line(fp, "actor", ev->actor);
    line(fp, "actor type", ev->actor_type);
    line(fp, "actor SID", ev->actor_sid);
    line(fp, "app id", ev->app_id);
    line(fp, "microsoft back-end", ev->is_system ? "yes" : "no");
    fprintf(fp, "WHAT\n");
    line(fp, "operation", ev->operation);
    if (ev->activity && ev->operation && strcmp(ev->activity, ev->operation))
        line(fp, "activity", ev->activity);
    line(fp, "category", xa_category_name(ev->category));
    line(fp, "result", ev->result ? xa_result_name(ev->result) : NULL);
    line(fp, "logon type", xa_logon_name(ev->logon_type));
    snprintf(num, sizeof(num), "%d%s%s", ev->record_type, xa_record_type_name(ev->record_type) ? " " : "",
             xa_record_type_name(ev->record_type) ? xa_record_type_name(ev->record_type) : "");
    line(fp, "record type", num);
    line(fp, "workload", ev->workload);
    fprintf(fp, "TARGET\n");
    line(fp, "mailbox", ev->mailbox);
    line(fp, "mailbox guid", ev->mailbox_guid);
    line(fp, "object", ev->object);
    line(fp, "item", ev->item);
    line(fp, "folder", ev->folder);
    line(fp, "grantee", ev->grantee);
    line(fp, "rights", ev->rights);
    fprintf(fp, "WHERE\n");
    if (ev->client_ip && ev->client_port > 0) {
        char ipb[128];
        snprintf(ipb, sizeof(ipb), "%s port %d", ev->client_ip, ev->client_port);
        line(fp, "client ip", ipb);
    } else {
        line(fp, "client ip", ev->client_ip);
    }
    line(fp, "client", ev->client_info);
    line(fp, "originating server", ev->originating_server);
    line(fp, "session", ev->session_id);
    line(fp, "external access", ev->external_access < 0 ? NULL : ev->external_access ? "yes" : "no");
    if (ev->n_params) {
        fprintf(fp, "PARAMETERS\n");
        for (size_t i = 0; i < ev->n_params; i++)
            fprintf(fp, "  -%s %s\n", ev->params[i].name ? ev->params[i].name : "",
                    ev->params[i].value ? ev->params[i].value : "");
    }
    if (ev->n_mods) {
        fprintf(fp, "MODIFIED PROPERTIES\n");
        for (size_t i = 0; i < ev->n_mods; i++)
            fprintf(fp, "  %s: %s -> %s\n", ev->mods[i].name ? ev->mods[i].name : "",
                    ev->mods[i].old_value ? ev->mods[i].old_value : "",
                    ev->mods[i].new_value ? ev->mods[i].new_value : "");
    }
    fprintf(fp, "RAW RECORD (%s, byte-exact)\n", xa_source_name(ev->source));
    /* the evidence as received, minus bytes that would drive the terminal */
    for (size_t i = 0; i < ev->raw_len; i++) {
        unsigned char ch = (unsigned char)ev->raw[i];
        fputc((ch < 0x20 && ch != '\n' && ch != '\t' && ch != '\r') || ch == 0x7f ? '?' : ch, fp);
    }
    fputc('\n', fp);
}
