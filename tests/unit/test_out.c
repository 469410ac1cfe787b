/* test_out.c - forwarding: formatters (RFC 5424 framing and escaping, CEF and LEEF
 * escaping, JSON), redaction, back-off, the in-memory filter, the cursor/spool store ops
 * and the forwarder's confirm-then-remove logic against loopback receivers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/xtime.h"
#include "out/format.h"
#include "out/out.h"
#include "store/store.h"

#define T0 1741594492123456LL /* 2025-03-10T08:14:52.123456Z */
#define TENANT "b3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d"

static void sample_event(struct xa_event *ev)
{
    xa_event_init(ev);
    ev->tenant_id = TENANT;
    ev->record_id = "5d0c9a7e-2b41-4c8f-9e57-1a2b3c4d5e01";
    ev->record_type = 1;
    ev->workload = "Exchange";
    ev->occurred_at = T0;
    ev->actor = "admin@contoso.com";
    ev->operation = "Add-MailboxPermission";
    ev->category = XA_CAT_MAILBOX_PERMISSION;
    ev->result = XA_RESULT_SUCCESS;
    ev->mailbox = "ceo@contoso.com";
    ev->object = "CEO|pipe\\back=eq\nnewline";
    ev->grantee = "eve@contoso.com";
    ev->rights = "FullAccess";
    ev->client_ip = "203.0.113.7";
    ev->raw = "{\"Id\":\"5d0c9a7e\",\n \"UserId\":\"admin@contoso.com\"}";
    ev->raw_len = strlen(ev->raw);
    ev->seq = 42;
}

static char *buf_str(struct xa_buf *b) { return b->data ? b->data : ""; }

/* ---- CEF ---- */

static void test_cef_escaping(void **state)
{
    (void)state;
    struct xa_buf b;
    xa_buf_init(&b, 0);
    assert_int_equal(xa_out_cef_header_escape("a|b\\c\nd=e", &b), XA_OK);
    assert_string_equal(buf_str(&b), "a\\|b\\\\c d=e");
    xa_buf_reset(&b);
    assert_int_equal(xa_out_cef_ext_escape("a=b\\c|d\r\ne", &b), XA_OK);
    assert_string_equal(buf_str(&b), "a\\=b\\\\c|d\\r\\ne");
    xa_buf_release(&b);
}

static void test_cef_event(void **state)
{
    (void)state;
    struct xa_event ev;
    sample_event(&ev);
    ev.operation = "Set|Op";
    struct xa_out_item it = {.kind = XA_OUT_EVENT, .ev = &ev};
    struct xa_buf b;
    xa_buf_init(&b, 0);
    assert_int_equal(xa_out_cef(&it, &b), XA_OK);
    const char *s = buf_str(&b);
    assert_true(strncmp(s, "CEF:0|exoaudit|exoaudit|", 24) == 0);
    assert_non_null(strstr(s, "|Set\\|Op|Set\\|Op|5|rt=1741594492123 "));
    assert_non_null(strstr(s, " fname=CEO|pipe\\\\back\\=eq\\nnewline "));
    assert_non_null(strstr(s, "externalId=5d0c9a7e-2b41-4c8f-9e57-1a2b3c4d5e01"));
    assert_non_null(strstr(s, "suser=admin@contoso.com duser=ceo@contoso.com src=203.0.113.7"));
    assert_non_null(strstr(s, "cs1Label=tenantId cs1=" TENANT));
    assert_non_null(strstr(s, "cn1Label=seq cn1=42"));
    assert_null(strchr(s, '\n'));
    xa_buf_release(&b);
}

static void test_cef_alert(void **state)
{
    (void)state;
    int64_t seqs[] = {3, 9};
    struct xa_alert al = {.id = 7, .uid = "00ab12cd34ef5678", .rule_id = "xa_rule",
                          .rule_title = "Full|Access granted", .severity = 3,
                          .tenant_id = TENANT, .summary = "admin granted = FullAccess\nto eve",
                          .first_at = T0, .last_at = T0 + 1000000, .count = 2, .seqs = seqs,
                          .n_seqs = 2};
    struct xa_out_item it = {.kind = XA_OUT_ALERT, .al = &al};
    struct xa_buf b;
    xa_buf_init(&b, 0);
    assert_int_equal(xa_out_cef(&it, &b), XA_OK);
    const char *s = buf_str(&b);
    assert_non_null(strstr(s, "|xa_rule|Full\\|Access granted|8|"));
    assert_non_null(strstr(s, "externalId=00ab12cd34ef5678"));
    assert_non_null(strstr(s, "msg=admin granted \\= FullAccess\\nto eve"));
    assert_non_null(strstr(s, "cn2Label=eventCount cn2=2"));
    xa_buf_release(&b);
}

/* ---- LEEF ---- */

static void test_leef(void **state)
{
    (void)state;
    struct xa_buf b;
    xa_buf_init(&b, 0);
    assert_int_equal(xa_out_leef_value("a\tb\nc=d", &b), XA_OK);
    assert_string_equal(buf_str(&b), "a b c=d");
    xa_buf_reset(&b);
    assert_int_equal(xa_out_leef_header_escape("x|y\\z", &b), XA_OK);
    assert_string_equal(buf_str(&b), "x\\|y\\\\z");
    xa_buf_reset(&b);
    struct xa_event ev;
    sample_event(&ev);
    struct xa_out_item it = {.kind = XA_OUT_EVENT, .ev = &ev};
    assert_int_equal(xa_out_leef(&it, &b), XA_OK);
    const char *s = buf_str(&b);
    assert_true(strncmp(s, "LEEF:2.0|exoaudit|exoaudit|", 27) == 0);
    assert_non_null(strstr(s, "|Add-MailboxPermission|x09|devTimeFormat=epoch-ms\tdevTime=1741594492123\t"));
    assert_non_null(strstr(s, "\tusrName=admin@contoso.com\tsrc=203.0.113.7\t"));
    assert_non_null(strstr(s, "\tobject=CEO|pipe\\back=eq newline"));
    assert_null(strchr(s, '\n'));
    xa_buf_release(&b);
}

/* ---- RFC 5424 ---- */

static void test_rfc5424(void **state)
{
    (void)state;
    struct xa_buf b;
    xa_buf_init(&b, 0);
    const char *names[] = {"id", "note"};
    const char *values[] = {"abc", "q\"uote] back\\slash"};
    struct xa_rfc5424 h = {.facility = 13, .severity = 4, .time = T0, .hostname = "host one",
                           .app_name = "exoaudit", .msgid = "audit", .sd_id = "x@32473",
                           .sd_names = names, .sd_values = values, .n_sd = 2};
    assert_int_equal(xa_out_rfc5424(&h, "hello", 5, &b), XA_OK);
    assert_string_equal(buf_str(&b),
                        "<108>1 2025-03-10T08:14:52.123456Z host_one exoaudit - audit "
                        "[x@32473 id=\"abc\" note=\"q\\\"uote\\] back\\\\slash\"] hello");
    /* octet counting: the length is the byte length of the message */
    struct xa_buf f;
    xa_buf_init(&f, 0);
    assert_int_equal(xa_out_octet_frame(b.data, b.len, &f), XA_OK);
    char want[32];
    snprintf(want, sizeof(want), "%zu <108>1 ", b.len);
    assert_true(strncmp(f.data, want, strlen(want)) == 0);
    assert_int_equal(f.len, strlen(want) - strlen("<108>1 ") + b.len);
    /* absent fields are "-"; a whole second has .000000 */
    xa_buf_reset(&b);
    struct xa_rfc5424 h2 = {.facility = 99, .severity = 6, .time = 1741594492000000LL};
    assert_int_equal(xa_out_rfc5424(&h2, NULL, 0, &b), XA_OK);
    assert_string_equal(buf_str(&b), "<110>1 2025-03-10T08:14:52.000000Z - - - - -");
    xa_buf_reset(&b);
    h2.time = XA_TIME_NONE;
    assert_int_equal(xa_out_rfc5424(&h2, "x", 1, &b), XA_OK);
    assert_string_equal(buf_str(&b), "<110>1 - - - - - - x");
    xa_buf_release(&b);
    xa_buf_release(&f);
}

static void test_syslog_item_json(void **state)
{
    (void)state;
    struct xa_event ev;
    sample_event(&ev);
    struct xa_out_dest_cfg c;
    memset(&c, 0, sizeof(c));
    c.type = XA_OUT_SYSLOG;
    c.format = XA_OUTF_JSON;
    c.facility = 13;
    c.hostname = "h";
    struct xa_out_item it = {.kind = XA_OUT_EVENT, .ev = &ev};
    struct xa_arena a;
    xa_arena_init(&a, 4096);
    struct xa_buf b;
    xa_buf_init(&b, 0);
    assert_int_equal(xa_out_format_item(&c, &it, &a, &b), XA_OK);
    const char *s = buf_str(&b);
    /* permission changes are "warning" (4): facility 13 * 8 + 4 */
    const char *want = "<108>1 2025-03-10T08:14:52.123456Z h exoaudit - audit "
                       "[exoaudit@32473 id=\"5d0c9a7e-2b41-4c8f-9e57-1a2b3c4d5e01\" "
                       "seq=\"42\" tenant=\"" TENANT "\"] {\"record_id\":";
    assert_true(strncmp(s, want, strlen(want)) == 0);
    assert_null(strchr(s, '\n')); /* the raw record's newline became a space */
    assert_non_null(strstr(s, "\"raw\":{\"Id\":\"5d0c9a7e\",  \"UserId\""));
    xa_buf_release(&b);
    xa_arena_release(&a);
}

/* ---- redaction ---- */

static void test_redaction(void **state)
{
    (void)state;
    struct xa_event ev;
    sample_event(&ev);
    struct xa_kv params[] = {{"Identity", "ceo"}, {"User", "eve@contoso.com"}};
    ev.params = params;
    ev.n_params = 2;
    struct xa_out_redact r = {.fields = {"actor", "client_ip", "parameters.user"}, .n = 3};
    assert_int_equal(xa_out_redact_check(&r, NULL), XA_OK);
    struct xa_out_item in = {.kind = XA_OUT_EVENT, .ev = &ev}, out;
    struct xa_event evs;
    struct xa_alert als;
    struct xa_arena a;
    xa_arena_init(&a, 4096);
    assert_int_equal(xa_out_redact_item(&r, &in, &out, &evs, &als, &a), XA_OK);
    assert_string_equal(out.ev->actor, XA_REDACTED);
    assert_string_equal(out.ev->client_ip, XA_REDACTED);
    assert_string_equal(out.ev->mailbox, "ceo@contoso.com");
    assert_null(out.ev->raw); /* the raw record repeats every field */
    assert_string_equal(out.ev->params[0].value, "ceo");
    assert_string_equal(out.ev->params[1].value, XA_REDACTED);
    /* the input is untouched */
    assert_string_equal(ev.actor, "admin@contoso.com");
    assert_string_equal(params[1].value, "eve@contoso.com");
    assert_non_null(ev.raw);
    /* CEF of the redacted event does not carry the values */
    struct xa_buf b;
    xa_buf_init(&b, 0);
    assert_int_equal(xa_out_cef(&out, &b), XA_OK);
    assert_null(strstr(b.data, "admin@contoso.com"));
    assert_null(strstr(b.data, "203.0.113.7"));
    /* unknown names are refused */
    struct xa_out_redact bad = {.fields = {"password"}, .n = 1};
    struct xa_diag d;
    xa_diag_clear(&d);
    assert_int_equal(xa_out_redact_check(&bad, &d), XA_ERR_CONFIG);
    assert_non_null(strstr(d.msg, "password"));
    /* alerts */
    struct xa_alert al = {.id = 1, .uid = "u", .summary = "admin did x", .group_key = "admin"};
    struct xa_out_redact ra = {.fields = {"summary", "group_key"}, .n = 2};
    struct xa_out_item ai = {.kind = XA_OUT_ALERT, .al = &al};
    assert_int_equal(xa_out_redact_item(&ra, &ai, &out, &evs, &als, &a), XA_OK);
    assert_string_equal(out.al->summary, XA_REDACTED);
    assert_string_equal(out.al->group_key, XA_REDACTED);
    assert_string_equal(al.summary, "admin did x");
    xa_buf_release(&b);
    xa_arena_release(&a);
}

/* ---- back-off ---- */

static void test_backoff(void **state)
{
    (void)state;
    const int64_t s = 1000000;
    assert_int_equal(xa_out_backoff(0, s, 60 * s, 0), 0);
    /* rnd 0: the fixed half; the top of the jitter is the full delay */
    assert_int_equal(xa_out_backoff(1, s, 60 * s, 0), s / 2);
    assert_int_equal(xa_out_backoff(1, s, 60 * s, (uint32_t)(s / 2)), s);
    assert_int_equal(xa_out_backoff(2, s, 60 * s, 0), s);
    assert_int_equal(xa_out_backoff(3, s, 60 * s, 0), 2 * s);
    assert_int_equal(xa_out_backoff(7, s, 60 * s, 0), 30 * s);
    assert_int_equal(xa_out_backoff(8, s, 60 * s, 0), 30 * s); /* capped at 60 s */
    assert_int_equal(xa_out_backoff(1000, s, 60 * s, 0), 30 * s);
    for (uint32_t r = 0; r < 100000; r += 997) {
        int64_t w = xa_out_backoff(50, s, 60 * s, r * 12345u);
        assert_true(w >= 30 * s && w <= 60 * s);
    }
}

/* ---- filter ---- */

static void test_match(void **state)
{
    (void)state;
    struct xa_event ev;
    sample_event(&ev);
    struct xa_query q;
    xa_query_init(&q);
    assert_true(xa_out_match(&q, &ev));
    const char *ops[] = {"add-mailbox*"};
    q.operations = ops;
    q.n_operations = 1;
    assert_true(xa_out_match(&q, &ev));
    const char *ips[] = {"203.0.113.0/24"};
    q.ips = ips;
    q.n_ips = 1;
    assert_true(xa_out_match(&q, &ev));
    const char *ips2[] = {"198.51.100.0/24"};
    q.ips = ips2;
    assert_false(xa_out_match(&q, &ev));
    q.n_ips = 0;
    const char *mbx[] = {"CEO@contoso.com"};
    q.mailboxes = mbx;
    q.n_mailboxes = 1;
    assert_true(xa_out_match(&q, &ev));
    q.result = XA_RESULT_FAILURE;
    assert_false(xa_out_match(&q, &ev));
    q.result = -1;
    ev.is_system = true;
    assert_false(xa_out_match(&q, &ev)); /* system events hidden unless asked for */
    q.include_system = true;
    assert_true(xa_out_match(&q, &ev));
    q.text = "eve fullaccess"; /* grantee and ... rights is not a text field */
    assert_false(xa_out_match(&q, &ev));
    q.text = "eve ceo";
    assert_true(xa_out_match(&q, &ev));
}

/* ---- store ops and the forwarder against loopback receivers ---- */

static char dir[256], path[300];

static int setup_db(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/xa-test-out-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof(path), "%s/archive.db", dir);
    return 0;
}

static int teardown_db(void **state)
{
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void open_store(struct xa_store *s)
{
    struct xa_store_cfg cfg = {.location = path};
    struct xa_diag d;
    xa_diag_clear(&d);
    if (xa_store_open(&cfg, s, &d))
        fail_msg("open: %s", d.msg);
}

static void put_events(struct xa_store *s, unsigned from, unsigned n)
{
    struct xa_diag d;
    xa_diag_clear(&d);
    assert_int_equal(s->ops->begin(s->ctx, &d), XA_OK);
    for (unsigned i = from; i < from + n; i++) {
        struct xa_event ev;
        sample_event(&ev);
        char id[64], raw[128];
        snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012u", i);
        snprintf(raw, sizeof(raw), "{\"Id\":\"%s\"}", id);
        ev.record_id = id;
        ev.raw = raw;
        ev.raw_len = strlen(raw);
        ev.seq = 0;
        ev.occurred_at = T0 + i;
        enum xa_put_status ps;
        assert_int_equal(s->ops->put(s->ctx, &ev, &ps, &d), XA_OK);
    }
    assert_int_equal(s->ops->commit(s->ctx, &d), XA_OK);
}

struct st_copy {
    struct xa_fwd_state s;
};
static xa_rc copy_cb(void *ud, const struct xa_fwd_state *s)
{
    ((struct st_copy *)ud)->s = *s;
    ((struct st_copy *)ud)->s.dest = NULL;
    ((struct st_copy *)ud)->s.last_error = NULL;
    return XA_OK;
}

static struct xa_fwd_state get_state(struct xa_store *s, const char *dest)
{
    struct st_copy c;
    memset(&c, 0, sizeof(c));
    assert_int_equal(s->ops->fwd->state_get(s->ctx, dest, copy_cb, &c, NULL), XA_OK);
    return c.s;
}

static xa_rc count_cb(void *ud, const struct xa_fwd_msg *m)
{
    int64_t *last = ud;
    assert_true(m->id > last[0]); /* in id order */
    last[0] = m->id;
    last[1]++;
    return XA_OK;
}

static void test_spool_ops(void **state)
{
    (void)state;
    struct xa_store s;
    open_store(&s);
    const struct xa_store_fwd_ops *f = s.ops->fwd;
    assert_non_null(f);
    struct xa_fwd_state st = get_state(&s, "a");
    assert_int_equal(st.event_seq, 0);
    assert_int_equal(st.spooled, 0);
    for (int i = 0; i < 5; i++) {
        struct xa_fwd_msg m = {.stream = XA_FWD_EVENTS, .pos = i + 1, .key = "k", .data = "hello",
                               .len = 5, .spooled_at = T0};
        assert_int_equal(f->spool_add(s.ctx, i == 4 ? "b" : "a", &m, NULL), XA_OK);
    }
    struct xa_fwd_state put = {.dest = "a", .event_seq = 4, .sent = 10, .last_error = "boom"};
    assert_int_equal(f->state_put(s.ctx, &put, NULL), XA_OK);
    st = get_state(&s, "a");
    assert_int_equal(st.event_seq, 4);
    assert_int_equal(st.sent, 10);
    assert_int_equal(st.spooled, 4);
    assert_int_equal(st.spool_bytes, 20);
    assert_int_equal(st.spool_oldest_at, T0);
    int64_t acc[2] = {0, 0};
    assert_int_equal(f->spool_read(s.ctx, "a", 3, count_cb, acc, NULL), XA_OK);
    assert_int_equal(acc[1], 3);
    /* remove the confirmed prefix only */
    assert_int_equal(f->spool_remove(s.ctx, "a", acc[0] - 1, NULL), XA_OK);
    st = get_state(&s, "a");
    assert_int_equal(st.spooled, 2);
    /* ids are never reused: a message spooled after a removal gets a higher id */
    assert_int_equal(f->spool_remove(s.ctx, "a", INT64_MAX, NULL), XA_OK);
    struct xa_fwd_msg m = {.stream = XA_FWD_ALERTS, .pos = 1, .data = "x", .len = 1};
    assert_int_equal(f->spool_add(s.ctx, "a", &m, NULL), XA_OK);
    int64_t acc2[2] = {0, 0};
    assert_int_equal(f->spool_read(s.ctx, "a", 0, count_cb, acc2, NULL), XA_OK);
    assert_int_equal(acc2[1], 1);
    assert_true(acc2[0] > acc[0]);
    /* b is separate */
    assert_int_equal(get_state(&s, "b").spooled, 1);
    assert_int_equal(f->forget(s.ctx, "b", NULL), XA_OK);
    assert_int_equal(get_state(&s, "b").spooled, 0);
    xa_store_close(&s);
}

/* A loopback receiver: mode 0 reads to end of stream and closes (confirms); mode 1 reads
 * a little, then resets the connection; mode 2 never accepts (the port is closed). */
struct rx {
    int lfd, port, mode, conns;
    struct xa_buf got;
    pthread_t th;
};

static void *rx_main(void *p)
{
    struct rx *r = p;
    for (;;) {
        int fd = accept(r->lfd, NULL, NULL);
        if (fd < 0)
            return NULL;
        r->conns++;
        char b[4096];
        ssize_t n;
        if (r->mode == 1) {
            n = read(fd, b, 10);
            struct linger lg = {.l_onoff = 1, .l_linger = 0};
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
            close(fd);
            continue;
        }
        while ((n = read(fd, b, sizeof(b))) > 0)
            xa_buf_append(&r->got, b, (size_t)n);
        close(fd);
    }
}

static void rx_start(struct rx *r, int mode)
{
    memset(r, 0, sizeof(*r));
    r->mode = mode;
    xa_buf_init(&r->got, 0);
    r->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(r->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t al = sizeof(a);
    getsockname(r->lfd, (struct sockaddr *)&a, &al);
    r->port = ntohs(a.sin_port);
    if (mode == 2) {
        close(r->lfd); /* nobody listens there now */
        r->lfd = -1;
        return;
    }
    assert_int_equal(listen(r->lfd, 16), 0);
    pthread_create(&r->th, NULL, rx_main, r);
}

static void rx_stop(struct rx *r)
{
    if (r->lfd >= 0) {
        shutdown(r->lfd, SHUT_RDWR);
        close(r->lfd);
        pthread_join(r->th, NULL);
    }
    xa_buf_release(&r->got);
}

/* Count octet-counted frames and check each one's length. */
static size_t count_frames(const struct xa_buf *b)
{
    size_t n = 0, i = 0;
    while (i < b->len) {
        size_t len = 0;
        while (i < b->len && b->data[i] >= '0' && b->data[i] <= '9')
            len = len * 10 + (size_t)(b->data[i++] - '0');
        assert_true(i < b->len && b->data[i] == ' ');
        i++;
        assert_true(i + len <= b->len);
        assert_true(strncmp(b->data + i, "<", 1) == 0);
        i += len;
        n++;
    }
    return n;
}

static void syslog_cfg(struct xa_out_dest_cfg *c, const char *name, int port)
{
    memset(c, 0, sizeof(*c));
    c->name = (char *)name;
    c->type = XA_OUT_SYSLOG;
    c->format = XA_OUTF_CEF;
    c->what = XA_OUTW_EVENTS;
    c->address = "127.0.0.1";
    c->port = port;
    c->facility = 13;
    c->hostname = "test";
    c->batch = 7;
    c->spool_max = 25;
    c->backoff_min_us = 1000;
    c->backoff_max_us = 2000;
    c->timeout_ms = 5000;
}

static void test_forwarder_confirm(void **state)
{
    (void)state;
    struct xa_store s;
    open_store(&s);
    put_events(&s, 1, 60);
    struct xa_diag d;
    xa_diag_clear(&d);

    /* 1: the receiver resets: nothing is confirmed, everything stays spooled */
    struct rx r;
    rx_start(&r, 1);
    struct xa_out_dest_cfg c;
    syslog_cfg(&c, "s1", r.port);
    struct xa_forwarder *fw = NULL;
    assert_int_equal(xa_forwarder_new(&s, &c, 1, &fw, &d), XA_OK);
    struct xa_out_pass p;
    assert_int_equal(xa_forwarder_pass(fw, 0, true, &p, &d), XA_OK);
    assert_true(p.failed);
    assert_int_equal(p.sent, 0);
    struct xa_fwd_state st = get_state(&s, "s1");
    assert_int_equal(st.sent, 0);
    assert_int_equal(st.failures, 1);
    assert_int_equal(st.spooled, 25); /* filled up to spool_max, cursor at 25 */
    assert_int_equal(st.event_seq, 25);
    assert_true(st.next_try_at > 0);
    /* not due yet without force */
    assert_true(xa_forwarder_due(fw, 0) > 0);
    xa_forwarder_free(fw);
    rx_stop(&r);

    /* 2: nobody listens: still nothing lost, failures count up */
    rx_start(&r, 2);
    syslog_cfg(&c, "s1", r.port);
    assert_int_equal(xa_forwarder_new(&s, &c, 1, &fw, &d), XA_OK);
    assert_int_equal(xa_forwarder_pass(fw, 0, true, &p, &d), XA_OK);
    assert_true(p.failed);
    st = get_state(&s, "s1");
    assert_int_equal(st.failures, 2);
    assert_int_equal(st.spooled, 25);
    xa_forwarder_free(fw);
    rx_stop(&r);

    /* 3: a receiver that reads to the end: all 60 arrive once, in order */
    rx_start(&r, 0);
    syslog_cfg(&c, "s1", r.port);
    assert_int_equal(xa_forwarder_new(&s, &c, 1, &fw, &d), XA_OK);
    assert_int_equal(xa_forwarder_pass(fw, 0, true, &p, &d), XA_OK);
    assert_false(p.failed);
    assert_int_equal(p.sent, 60);
    st = get_state(&s, "s1");
    assert_int_equal(st.sent, 60);
    assert_int_equal(st.failures, 0);
    assert_int_equal(st.spooled, 0);
    assert_int_equal(st.event_seq, 60);
    /* a second pass has nothing to do */
    assert_int_equal(xa_forwarder_pass(fw, 0, true, &p, &d), XA_OK);
    assert_true(p.idle);
    xa_forwarder_free(fw);
    shutdown(r.lfd, SHUT_RDWR); /* stop accepting; the thread has read every batch */
    close(r.lfd);
    pthread_join(r.th, NULL);
    r.lfd = -1;
    assert_int_equal(count_frames(&r.got), 60);
    rx_stop(&r);
    xa_store_close(&s);
}

static void test_forwarder_frames(void **state)
{
    (void)state;
    struct xa_store s;
    open_store(&s);
    put_events(&s, 1, 30);
    struct xa_diag d;
    xa_diag_clear(&d);
    struct rx r;
    rx_start(&r, 0);
    struct xa_out_dest_cfg c;
    syslog_cfg(&c, "frames", r.port);
    struct xa_forwarder *fw = NULL;
    assert_int_equal(xa_forwarder_new(&s, &c, 1, &fw, &d), XA_OK);
    struct xa_out_pass p;
    assert_int_equal(xa_forwarder_pass(fw, 0, true, &p, &d), XA_OK);
    assert_int_equal(p.sent, 30);
    xa_forwarder_free(fw);
    /* stop accepting, then look at what arrived */
    shutdown(r.lfd, SHUT_RDWR);
    close(r.lfd);
    pthread_join(r.th, NULL);
    r.lfd = -1;
    assert_int_equal(count_frames(&r.got), 30);
    assert_int_equal(r.conns, 5); /* batches of 7: 7+7+7+7+2 */
    /* every record id exactly once */
    for (unsigned i = 1; i <= 30; i++) {
        char id[80];
        snprintf(id, sizeof(id), "id=\"00000000-0000-4000-8000-%012u\"", i);
        const char *a = strstr(r.got.data, id);
        assert_non_null(a);
        assert_null(strstr(a + 1, id));
    }
    rx_stop(&r);
    /* search destinations skip what does not match but still move the cursor */
    put_events(&s, 100, 3);
    rx_start(&r, 0);
    syslog_cfg(&c, "search", r.port);
    c.what = XA_OUTW_SEARCH;
    struct xa_query q;
    xa_query_init(&q);
    const char *ops[] = {"no-such-operation"};
    q.operations = ops;
    q.n_operations = 1;
    c.filter = &q;
    assert_int_equal(xa_forwarder_new(&s, &c, 1, &fw, &d), XA_OK);
    assert_int_equal(xa_forwarder_pass(fw, 0, true, &p, &d), XA_OK);
    assert_int_equal(p.sent, 0);
    assert_int_equal(get_state(&s, "search").event_seq, 33);
    xa_forwarder_free(fw);
    rx_stop(&r);
    xa_store_close(&s);
}


/* A loopback HTTP receiver: answers each request with status (and body), keeps the last
 * request's head and body. */
struct hrx {
    int lfd, port, status, requests;
    const char *answer;
    struct xa_buf head, body;
    pthread_t th;
};

static void *hrx_main(void *p)
{
    struct hrx *h = p;
    for (;;) {
        int fd = accept(h->lfd, NULL, NULL);
        if (fd < 0)
            return NULL;
        struct xa_buf in;
        xa_buf_init(&in, 0);
        char b[4096];
        ssize_t n;
        char *end = NULL;
        size_t clen = 0;
        while ((n = read(fd, b, sizeof(b))) > 0) {
            xa_buf_append(&in, b, (size_t)n);
            if (!end && (end = strstr(in.data, "\r\n\r\n"))) {
                const char *cl = strstr(in.data, "Content-Length: ");
                clen = cl ? (size_t)strtoul(cl + 16, NULL, 10) : 0;
            }
            if (end && in.len >= (size_t)(end - in.data) + 4 + clen)
                break;
        }
        if (end) {
            size_t hl = (size_t)(end - in.data) + 4;
            xa_buf_reset(&h->head);
            xa_buf_append(&h->head, in.data, hl);
            xa_buf_reset(&h->body);
            xa_buf_append(&h->body, in.data + hl, in.len - hl);
        }
        h->requests++;
        char out[512];
        int ol = snprintf(out, sizeof(out),
                          "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                          h->status, strlen(h->answer), h->answer);
        ssize_t w = write(fd, out, (size_t)ol);
        (void)w;
        close(fd);
        xa_buf_release(&in);
    }
}

static void hrx_start(struct hrx *h, int status, const char *answer)
{
    memset(h, 0, sizeof(*h));
    h->status = status;
    h->answer = answer;
    xa_buf_init(&h->head, 0);
    xa_buf_init(&h->body, 0);
    h->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(h->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t al = sizeof(a);
    getsockname(h->lfd, (struct sockaddr *)&a, &al);
    h->port = ntohs(a.sin_port);
    assert_int_equal(listen(h->lfd, 16), 0);
    pthread_create(&h->th, NULL, hrx_main, h);
}

static void hrx_stop(struct hrx *h)
{
    shutdown(h->lfd, SHUT_RDWR);
    close(h->lfd);
    pthread_join(h->th, NULL);
    xa_buf_release(&h->head);
    xa_buf_release(&h->body);
}

static void http_cfg(struct xa_out_dest_cfg *c, const char *name, enum xa_out_type t, char *url)
{
    memset(c, 0, sizeof(*c));
    c->name = (char *)name;
    c->type = t;
    c->what = XA_OUTW_EVENTS;
    c->url = url;
    c->tls_verify = true;
    c->batch = 10;
    c->spool_max = 1000;
    c->backoff_min_us = 1000;
    c->backoff_max_us = 2000;
    c->timeout_ms = 5000;
}

static size_t count_str(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void test_forwarder_http(void **state)
{
    (void)state;
    struct xa_store s;
    open_store(&s);
    put_events(&s, 1, 4);
    struct xa_diag d;
    xa_diag_clear(&d);
    char url[128], tokpath[400];
    snprintf(tokpath, sizeof(tokpath), "%s/token", dir);
    FILE *tf = fopen(tokpath, "w");
    assert_non_null(tf);
    fputs("s3cret-token\n", tf);
    fclose(tf);

    /* a receiver failing with 503: nothing confirmed, the error names the status */
    struct hrx h;
    hrx_start(&h, 503, "{\"text\":\"busy\"}");
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", h.port);
    struct xa_out_dest_cfg c;
    http_cfg(&c, "hook", XA_OUT_WEBHOOK, url);
    c.token_file = tokpath;
    struct xa_forwarder *fw = NULL;
    struct xa_out_pass p;
    assert_int_equal(xa_forwarder_new(&s, &c, 1, &fw, &d), XA_OK);
    assert_int_equal(xa_forwarder_pass(fw, 0, true, &p, &d), XA_OK);
    assert_true(p.failed);
    assert_int_equal(get_state(&s, "hook").spooled, 4);
    xa_forwarder_free(fw);
    hrx_stop(&h);

    /* webhook: one JSON array, bearer token */
    hrx_start(&h, 200, "ok");
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", h.port);
    assert_int_equal(xa_forwarder_new(&s, &c, 1, &fw, &d), XA_OK);
    assert_int_equal(xa_forwarder_pass(fw, 0, true, &p, &d), XA_OK);
    assert_false(p.failed);
    assert_int_equal(p.sent, 4);
    assert_int_equal(h.requests, 1);
    assert_non_null(strstr(h.head.data, "Authorization: Bearer s3cret-token\r\n"));
    assert_true(h.body.data[0] == '[');
    assert_int_equal(count_str(h.body.data, "\"record_id\":"), 4);
    assert_int_equal(get_state(&s, "hook").spooled, 0);
    xa_forwarder_free(fw);
    hrx_stop(&h);

    /* elasticsearch bulk: action lines carry _id = the record id */
    hrx_start(&h, 200, "{\"took\":1,\"errors\":false,\"items\":[]}");
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/_bulk", h.port);
    http_cfg(&c, "es", XA_OUT_ES, url);
    assert_int_equal(xa_forwarder_new(&s, &c, 1, &fw, &d), XA_OK);
    assert_int_equal(xa_forwarder_pass(fw, 0, true, &p, &d), XA_OK);
    assert_int_equal(p.sent, 4);
    assert_non_null(strstr(h.head.data, "Content-Type: application/x-ndjson"));
    assert_non_null(strstr(h.body.data, "{\"index\":{\"_index\":\"exoaudit\",\"_id\":"
                                        "\"00000000-0000-4000-8000-000000000001\"}}\n{"));
    assert_int_equal(count_str(h.body.data, "\n"), 8);
    xa_forwarder_free(fw);
    hrx_stop(&h);

    /* splunk HEC: envelopes with time, sourcetype and the event */
    hrx_start(&h, 200, "{\"text\":\"Success\",\"code\":0}");
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/services/collector/event", h.port);
    http_cfg(&c, "hec", XA_OUT_HEC, url);
    c.token_file = tokpath;
    c.index = "o365";
    assert_int_equal(xa_forwarder_new(&s, &c, 1, &fw, &d), XA_OK);
    assert_int_equal(xa_forwarder_pass(fw, 0, true, &p, &d), XA_OK);
    assert_int_equal(p.sent, 4);
    assert_non_null(strstr(h.head.data, "Authorization: Splunk s3cret-token\r\n"));
    assert_non_null(strstr(h.body.data, "{\"time\":1741594492.123457,\"source\":\"exoaudit\","
                                        "\"sourcetype\":\"exoaudit:event\",\"index\":\"o365\","
                                        "\"event\":{\"record_id\":"));
    xa_forwarder_free(fw);
    hrx_stop(&h);
    xa_store_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cef_escaping),
        cmocka_unit_test(test_cef_event),
        cmocka_unit_test(test_cef_alert),
        cmocka_unit_test(test_leef),
        cmocka_unit_test(test_rfc5424),
        cmocka_unit_test(test_syslog_item_json),
        cmocka_unit_test(test_redaction),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_match),
        cmocka_unit_test_setup_teardown(test_spool_ops, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(test_forwarder_confirm, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(test_forwarder_frames, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(test_forwarder_http, setup_db, teardown_db),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
