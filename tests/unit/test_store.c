/* test_store.c - the archive contract (struct xa_store_ops) through the store ops table.
 *
 * Backend under test: a SQLite file in a temp directory by default. With
 *   XA_TEST_CLICKHOUSE=clickhouse://HOST:PORT[,HOST:PORT...]/[?cluster=NAME]
 * every test gets a fresh database (xat_<pid>_<n>) on that server, with the writer state
 * file in the test's temp directory; a cluster location lists every node so that exoaudit
 * creates the tables on each (there is no distributed DDL without ZooKeeper). The
 * databases are dropped afterwards unless XA_TEST_CLICKHOUSE_KEEP=1.
 * tests/integration/store_clickhouse.sh runs this program against a single node and a
 * two-shard cluster.
 *
 * Tests of SQLite internals (codec, migrations, files) skip() under ClickHouse; the
 * contract tests run on every backend and assume only what store.h promises: seq grows
 * in commit order (ClickHouse numbers (stream << 40) + n, not 1, 2, 3), stats.bytes is
 * some positive size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/str.h"
#include "core/xtime.h"
#include "store/ch_http.h"
#include "store/sqlite_codec.h"
#include "store/store.h"

#define T0 1741594492000000LL /* 2025-03-10T08:14:52Z */
#define DAY (86400LL * 1000000)
#define TENANT "b3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d"

static char dir[256];
static char path[1200]; /* the archive location: a file path or a clickhouse:// URL */

/* ---- backend selection ------------------------------------------------------------- */

static const char *ch_env; /* XA_TEST_CLICKHOUSE or NULL */
static char ch_db[64];     /* this test's database */
static unsigned ch_n;      /* databases made by this process */

static bool on_clickhouse(void) { return ch_env && *ch_env; }

/* Split XA_TEST_CLICKHOUSE into scheme ("clickhouse://"), host list and parameters
 * (after '?', may be empty); whatever path follows the host list is ignored. */
static void ch_parts(const char **scheme_end, size_t *hosts_len, const char **params)
{
    const char *p = strstr(ch_env, "://");
    if (!p)
        fail_msg("XA_TEST_CLICKHOUSE must be clickhouse://host:port[,host:port]/[?cluster=NAME]");
    p += 3;
    *scheme_end = p;
    *hosts_len = strcspn(p, "/?");
    const char *q = strchr(p, '?');
    *params = q ? q + 1 : "";
}

/* The location of this test's archive: the one place tests learn where it lives. */
static void make_location(void)
{
    if (!on_clickhouse()) {
        snprintf(path, sizeof(path), "%s/archive.db", dir);
        return;
    }
    const char *hosts, *params;
    size_t hl;
    ch_parts(&hosts, &hl, &params);
    snprintf(ch_db, sizeof(ch_db), "xat_%ld_%u", (long)getpid(), ch_n++);
    int n = snprintf(path, sizeof(path), "%.*s%.*s/%s?state=%s/state.db%s%s",
                     (int)(hosts - ch_env), ch_env, (int)hl, hosts, ch_db, dir,
                     *params ? "&" : "", params);
    if (n < 0 || (size_t)n >= sizeof(path))
        fail_msg("XA_TEST_CLICKHOUSE is too long");
}

/* Drop this test's database on every node listed (best effort: a leftover database on
 * a throwaway test server is harmless). */
static void drop_database(void)
{
    const char *e = getenv("XA_TEST_CLICKHOUSE_KEEP");
    if (!on_clickhouse() || !ch_db[0] || (e && *e && strcmp(e, "0") != 0))
        return;
    const char *hosts, *params;
    size_t hl;
    ch_parts(&hosts, &hl, &params);
    bool tls = strncmp(ch_env, "clickhouses://", 14) == 0;
    struct xa_ch_conn conn;
    memset(&conn, 0, sizeof(conn));
    const char *at = memchr(hosts, '@', hl); /* user@ is not needed on the test servers */
    if (at) {
        hl -= (size_t)(at + 1 - hosts);
        hosts = at + 1;
    }
    for (const char *h = hosts; h < hosts + hl && conn.n_urls < XA_CH_MAX_NODES;) {
        size_t n = strcspn(h, ",");
        if (h + n > hosts + hl)
            n = (size_t)(hosts + hl - h);
        char *u = malloc(n + 16);
        assert_non_null(u);
        snprintf(u, n + 16, "%s://%.*s", tls ? "https" : "http", (int)n, h);
        conn.urls[conn.n_urls++] = u;
        h += n + 1;
    }
    char sql[128];
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", ch_db);
    struct xa_buf text;
    xa_buf_init(&text, 0);
    for (size_t i = 0; i < conn.n_urls; i++) {
        struct xa_diag d;
        xa_diag_clear(&d);
        if (xa_ch_run(&conn, (int)i, sql, NULL, 0, NULL, true, NULL, NULL, NULL, &text, &d))
            fprintf(stderr, "test_store: %s on %s: %s\n", sql, conn.urls[i], d.msg);
    }
    xa_buf_release(&text);
    xa_ch_conn_close(&conn);
    ch_db[0] = '\0';
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/xa-test-store-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    make_location();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    drop_database();
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char p[600];
            snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
    return 0;
}

static void open_store(struct xa_store *s, bool ro)
{
    struct xa_store_cfg cfg = {.location = path, .readonly = ro};
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = xa_store_open(&cfg, s, &d);
    if (rc)
        fail_msg("open %s: %s", path, d.msg);
}

/* ---- event builder ----------------------------------------------------------------- */

struct tev {
    struct xa_event ev;
    char id[64], actor[64], mailbox[64], ip[48], object[128], raw[1024];
    struct xa_kv params[2];
    struct xa_modprop mods[1];
};

static void guid_of(unsigned n, char out[37])
{
    snprintf(out, 37, "%08x-0000-4000-8000-%012x", n * 2654435761u, n);
}

/* i selects the variants; everything deterministic */
static void build(struct tev *t, unsigned i)
{
    struct xa_event *ev = &t->ev;
    xa_event_init(ev);
    guid_of(i, t->id);
    snprintf(t->actor, sizeof(t->actor), "user%u@contoso.com", i % 7);
    snprintf(t->mailbox, sizeof(t->mailbox), "box%u@contoso.com", i % 5);
    snprintf(t->ip, sizeof(t->ip), i % 3 == 2 ? "2001:db8::%x" : "198.51.%u.%u", i % 4, i % 200);
    snprintf(t->object, sizeof(t->object), "contoso.onmicrosoft.com\\obj%u", i % 11);
    ev->tenant_id = TENANT;
    ev->record_id = t->id;
    ev->record_type = i % 2 ? 1 : 50;
    ev->workload = i % 4 == 3 ? "AzureActiveDirectory" : "Exchange";
    ev->source = XA_SRC_JSON;
    ev->occurred_at = T0 + (int64_t)i * 60 * 1000000 + (i % 3) * 17;
    ev->collected_at = T0 + 100 * DAY;
    ev->content_created_at = i % 2 ? XA_TIME_NONE : T0 + (int64_t)i * 61 * 1000000;
    ev->actor = t->actor;
    ev->actor_sid = "S-1-5-21-1-2-3-1001";
    ev->actor_type = i % 2 ? "Admin" : "Regular";
    ev->app_id = "00000002-0000-0ff1-ce00-000000000000";
    ev->is_system = i % 10 == 9;
    ev->operation = i % 2 ? "Add-MailboxPermission" : "MailItemsAccessed";
    ev->activity = i % 2 ? "Added delegate mailbox permissions" : NULL;
    ev->category = i % 2 ? XA_CAT_MAILBOX_PERMISSION : XA_CAT_MAILBOX_ACCESS;
    ev->result = i % 13 == 0 ? XA_RESULT_FAILURE : XA_RESULT_SUCCESS;
    ev->logon_type = i % 2 ? XA_LOGON_NONE : (enum xa_logon)(1 + i % 3);
    ev->mailbox = t->mailbox;
    ev->mailbox_guid = "11111111-2222-3333-4444-555555555555";
    ev->object = t->object;
    ev->item = i % 2 ? NULL : "Quarterly results \"draft\"";
    ev->folder = i % 2 ? NULL : "\\Inbox\\Finance";
    ev->grantee = i % 2 ? "helpdesk7@contoso.com" : NULL;
    ev->rights = i % 2 ? "FullAccess" : NULL;
    ev->client_ip = t->ip;
    ev->client_port = i % 2 ? 51234 : 0;
    ev->client_info = "Client=OWA;Mozilla/5.0";
    ev->originating_server = "DB9PR01MB1234 (15.20.7452.018)";
    ev->session_id = "3a1f5e2c-77d0-4b8e-9c11-55aa66bb77cc";
    ev->external_access = i % 17 == 0 ? 1 : 0;
    if (i % 2) {
        t->params[0].name = "Identity";
        t->params[0].value = t->mailbox;
        t->params[1].name = "ForwardingSmtpAddress";
        t->params[1].value = i % 4 == 1 ? "smtp:evil@example.net" : "smtp:ok@contoso.com";
        ev->params = t->params;
        ev->n_params = 2;
        t->mods[0].name = "ForwardingSmtpAddress";
        t->mods[0].old_value = NULL;
        t->mods[0].new_value = t->params[1].value;
        ev->mods = t->mods;
        ev->n_mods = 1;
    }
    snprintf(t->raw, sizeof(t->raw),
             "{\"CreationTime\":\"2025-03-10T08:14:52\",\"Id\":\"%s\",\"Operation\":\"%s\","
             "\"UserId\":\"%s\",\"ClientIP\":\"%s\",\"Note\":\"caf\xc3\xa9 \\u00e9 %u\"}  ",
             t->id, ev->operation, t->actor, t->ip, i);
    ev->raw = t->raw;
    ev->raw_len = strlen(t->raw);
}

static void put_range(struct xa_store *s, unsigned from, unsigned to, size_t *dups)
{
    struct xa_diag d;
    xa_diag_clear(&d);
    struct tev t;
    assert_int_equal(s->ops->begin(s->ctx, &d), XA_OK);
    for (unsigned i = from; i < to; i++) {
        build(&t, i);
        enum xa_put_status st;
        if (s->ops->put(s->ctx, &t.ev, &st, &d))
            fail_msg("put %u: %s", i, d.msg);
        if (st == XA_PUT_DUPLICATE && dups)
            (*dups)++;
    }
    if (s->ops->commit(s->ctx, &d))
        fail_msg("commit: %s", d.msg);
}

/* ---- collecting results ------------------------------------------------------------ */

struct coll {
    int64_t seq[8192];
    int64_t at[8192];
    unsigned idx[8192]; /* build() index of the record */
    char tenant[8192];  /* 'T' TENANT, 'o' another */
    size_t n;
    bool check; /* compare every field with build(seq's record) */
    unsigned base;
};

static void same_str(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

static unsigned index_of_id(const char *id)
{
    unsigned a, n;
    if (sscanf(id, "%8x-0000-4000-8000-%12x", &a, &n) != 2)
        fail_msg("unexpected id %s", id);
    return n;
}

static void check_event(const struct xa_event *ev)
{
    struct tev t;
    build(&t, index_of_id(ev->record_id));
    const struct xa_event *e = &t.ev;
    if (strcmp(ev->tenant_id, "other-tenant") != 0)
        same_str(ev->tenant_id, e->tenant_id);
    same_str(ev->record_id, e->record_id);
    assert_int_equal(ev->record_type, e->record_type);
    same_str(ev->workload, e->workload);
    assert_int_equal(ev->source, e->source);
    assert_int_equal(ev->occurred_at, e->occurred_at);
    assert_int_equal(ev->collected_at, e->collected_at);
    assert_int_equal(ev->content_created_at, e->content_created_at);
    same_str(ev->actor, e->actor);
    same_str(ev->actor_sid, e->actor_sid);
    same_str(ev->actor_type, e->actor_type);
    same_str(ev->app_id, e->app_id);
    same_str(ev->client_app_id, e->client_app_id);
    assert_int_equal(ev->is_system, e->is_system);
    same_str(ev->operation, e->operation);
    same_str(ev->activity, e->activity);
    assert_int_equal(ev->category, e->category);
    assert_int_equal(ev->result, e->result);
    assert_int_equal(ev->logon_type, e->logon_type);
    same_str(ev->mailbox, e->mailbox);
    same_str(ev->mailbox_guid, e->mailbox_guid);
    same_str(ev->object, e->object);
    same_str(ev->item, e->item);
    same_str(ev->folder, e->folder);
    same_str(ev->grantee, e->grantee);
    same_str(ev->rights, e->rights);
    same_str(ev->client_ip, e->client_ip);
    assert_int_equal(ev->client_port, e->client_port);
    same_str(ev->client_info, e->client_info);
    same_str(ev->originating_server, e->originating_server);
    same_str(ev->session_id, e->session_id);
    assert_int_equal(ev->external_access, e->external_access);
    assert_int_equal(ev->n_params, e->n_params);
    for (size_t i = 0; i < e->n_params; i++) {
        same_str(ev->params[i].name, e->params[i].name);
        same_str(ev->params[i].value, e->params[i].value);
    }
    assert_int_equal(ev->n_mods, e->n_mods);
    for (size_t i = 0; i < e->n_mods; i++) {
        same_str(ev->mods[i].name, e->mods[i].name);
        same_str(ev->mods[i].old_value, e->mods[i].old_value);
        same_str(ev->mods[i].new_value, e->mods[i].new_value);
    }
    assert_int_equal(ev->raw_len, e->raw_len);
    assert_memory_equal(ev->raw, e->raw, e->raw_len);
    assert_true(ev->seq > 0);
}

static xa_rc coll_cb(void *ud, const struct xa_event *ev)
{
    struct coll *c = ud;
    if (c->check)
        check_event(ev);
    if (c->n < 8192) {
        c->seq[c->n] = ev->seq;
        c->at[c->n] = ev->occurred_at;
        c->idx[c->n] = index_of_id(ev->record_id);
        c->tenant[c->n] = strcmp(ev->tenant_id, TENANT) == 0 ? 'T' : 'o';
    }
    c->n++;
    return XA_OK;
}

static size_t count(struct xa_store *s, const struct xa_query *q)
{
    struct coll *c = calloc(1, sizeof(*c));
    struct xa_diag d;
    xa_diag_clear(&d);
    char cur[XA_CURSOR_MAX];
    c->check = true;
    if (s->ops->search(s->ctx, q, coll_cb, c, cur, &d))
        fail_msg("search: %s", d.msg);
    size_t n = c->n;
    free(c);
    return n;
}

/* expected count by brute force over build(i), i < n */
typedef bool (*pred_fn)(const struct xa_event *ev);
static size_t expect(unsigned n, pred_fn p)
{
    size_t k = 0;
    struct tev t;
    for (unsigned i = 0; i < n; i++) {
        build(&t, i);
        if (!t.ev.is_system && p(&t.ev))
            k++;
    }
    return k;
}

/* ---- tests ------------------------------------------------------------------------- */

static void test_codec(void **state)
{
    (void)state;
    /* The SQLite backend's codec (GUID packing, cursors, FTS5 query text, CIDR, body
     * encoding): pure functions, no store is opened, nothing differs per backend. */
    if (on_clickhouse())
        skip();
    unsigned char g[16];
    char out[37];
    assert_true(xa_sqlc_guid_pack("5d0c9a7e-2b41-4c8f-9e57-1a2b3c4d5e01", g));
    xa_sqlc_guid_format(g, out);
    assert_string_equal(out, "5d0c9a7e-2b41-4c8f-9e57-1a2b3c4d5e01");
    assert_false(xa_sqlc_guid_pack("5D0C9A7E-2B41-4C8F-9E57-1A2B3C4D5E01", g));
    assert_true(xa_sqlc_guid_pack_any("5D0C9A7E-2B41-4C8F-9E57-1A2B3C4D5E01", g));
    assert_false(xa_sqlc_guid_pack("5d0c9a7e2b414c8f9e571a2b3c4d5e01", g));

    int64_t at, seq;
    char cur[64];
    xa_sqlc_cursor_format(-5, 7, cur, sizeof(cur));
    assert_true(xa_sqlc_cursor_parse(cur, &at, &seq));
    assert_int_equal(at, -5);
    assert_int_equal(seq, 7);
    const char *bad[] = {"", "1", "1.", ".1", "1.0", "a.1", "1.1 ", "1.1;DROP TABLE events",
                         "99999999999999999999.1", "1.-1", "1' OR '1'='1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(xa_sqlc_cursor_parse(bad[i], &at, &seq));

    struct xa_buf b;
    xa_buf_init(&b, 0);
    size_t n;
    bool chk;
    assert_int_equal(xa_sqlc_fts_query("\" NEAR( * - OR john.doe@x.com foo*", &b, &n, &chk), XA_OK);
    assert_string_equal(b.data, "\"NEAR\" AND \"OR\" AND \"john\" AND \"doe\" AND \"x\" AND \"com\" "
                                "AND \"foo\"*");
    assert_true(chk);
    assert_true(xa_sqlc_text_check("john.doe", "a John.Doe@x"));
    assert_false(xa_sqlc_text_check("john.doe", "doe john"));
    xa_buf_release(&b);

    struct xa_sqlc_cidr c;
    assert_true(xa_sqlc_cidr_parse("198.51.0.0/16", &c));
    assert_true(xa_sqlc_cidr_match(&c, "198.51.3.4"));
    assert_false(xa_sqlc_cidr_match(&c, "198.52.3.4"));
    assert_false(xa_sqlc_cidr_match(&c, "2001:db8::1"));
    assert_true(xa_sqlc_cidr_parse("2001:db8::/32", &c));
    assert_true(xa_sqlc_cidr_match(&c, "2001:db8::1"));
    assert_false(xa_sqlc_cidr_parse("1.2.3.4/33", &c));
    assert_false(xa_sqlc_cidr_parse("1.2.3/8", &c));

    /* body round trip and malformed bodies never crash */
    struct tev t;
    build(&t, 1);
    xa_buf_init(&b, 0);
    assert_int_equal(xa_sqlc_body_encode(&t.ev, &b), XA_OK);
    struct xa_arena a;
    xa_arena_init(&a, 0);
    for (size_t cut = 0; cut < b.len; cut++) {
        char *copy = malloc(cut + 1);
        memcpy(copy, b.data, cut);
        copy[cut] = '\0';
        struct xa_event ev;
        xa_event_init(&ev);
        ev.occurred_at = t.ev.occurred_at;
        assert_int_not_equal(xa_sqlc_body_decode(copy, cut, &a, &ev), XA_OK);
        free(copy);
    }
    struct xa_event ev;
    xa_event_init(&ev);
    ev.occurred_at = t.ev.occurred_at;
    assert_int_equal(xa_sqlc_body_decode(b.data, b.len, &a, &ev), XA_OK);
    assert_string_equal(ev.params[1].value, "smtp:evil@example.net");
    assert_int_equal(ev.raw_len, t.ev.raw_len);
    xa_arena_release(&a);
    xa_buf_release(&b);
}

static void test_open_reopen(void **state)
{
    (void)state;
    struct xa_store s;
    struct xa_diag d;
    /* a read-only open of an archive that does not exist fails */
    struct xa_store_cfg cfg = {.location = path, .readonly = true};
    xa_diag_clear(&d);
    assert_int_not_equal(xa_store_open(&cfg, &s, &d), XA_OK);
    open_store(&s, false);
    xa_store_close(&s);
    open_store(&s, false); /* reopen: no migration to run */
    struct xa_store_stats st;
    assert_int_equal(s.ops->stats(s.ctx, &st, &d), XA_OK);
    assert_int_equal(st.events, 0);
    assert_int_equal(st.duplicates, 0);
    assert_int_equal(st.quarantined, 0);
    assert_int_equal(st.oldest, XA_TIME_NONE);
    assert_int_equal(st.newest, XA_TIME_NONE);
    xa_store_close(&s);
    open_store(&s, true);
    assert_int_equal(s.ops->stats(s.ctx, &st, &d), XA_OK);
    assert_int_equal(st.events, 0);
    xa_store_close(&s);
}

static void test_sqlite_files(void **state)
{
    (void)state;
    /* The SQLite file itself: the schema migration table, a file that is not a database,
     * a database of another application. A ClickHouse archive has none of these. */
    if (on_clickhouse())
        skip();
    struct xa_store s;
    struct xa_diag d;
    open_store(&s, false);
    xa_store_close(&s);

    /* a newer schema is refused with a clear message */
    char cmd[1400];
    snprintf(cmd, sizeof(cmd),
             "sqlite3 '%s' \"INSERT INTO xa_migrations VALUES(99,'future',0)\" 2>/dev/null", path);
    if (system(cmd) == 0) {
        struct xa_store_cfg cfg = {.location = path};
        xa_diag_clear(&d);
        assert_int_not_equal(xa_store_open(&cfg, &s, &d), XA_OK);
        assert_non_null(strstr(d.msg, "newer"));
        cfg.readonly = true;
        assert_int_not_equal(xa_store_open(&cfg, &s, &d), XA_OK);
        assert_non_null(strstr(d.msg, "newer"));
    }
    unlink(path);

    /* not a database, and a database of another application */
    FILE *f = fopen(path, "w");
    fputs("this is not an sqlite file, just some text that is long enough to be a header....."
          "..............................................................................",
          f);
    fclose(f);
    struct xa_store_cfg cfg = {.location = path};
    xa_diag_clear(&d);
    assert_int_not_equal(xa_store_open(&cfg, &s, &d), XA_OK);
    assert_non_null(strstr(d.msg, "not an exoaudit archive"));
    cfg.readonly = true;
    assert_int_not_equal(xa_store_open(&cfg, &s, &d), XA_OK);
    unlink(path);
    snprintf(cmd, sizeof(cmd), "sqlite3 '%s' 'CREATE TABLE t(x)' 2>/dev/null", path);
    if (system(cmd) == 0) {
        cfg.readonly = false;
        assert_int_not_equal(xa_store_open(&cfg, &s, &d), XA_OK);
        assert_non_null(strstr(d.msg, "not an exoaudit archive"));
    }
    unlink(path);
    /* readonly open of a missing file */
    cfg.readonly = true;
    assert_int_not_equal(xa_store_open(&cfg, &s, &d), XA_OK);
}

/* The one event of TENANT with record i, through get by record id: its seq and
 * duplicate counter. */
struct one_ev {
    int n;
    int64_t seq;
    uint32_t duplicates;
};
static xa_rc one_ev_cb(void *ud, const struct xa_event *ev)
{
    struct one_ev *o = ud;
    check_event(ev);
    if (strcmp(ev->tenant_id, TENANT) == 0) {
        o->n++;
        o->seq = ev->seq;
        o->duplicates = ev->duplicates;
    }
    return XA_OK;
}
static struct one_ev get_one(struct xa_store *s, unsigned i)
{
    struct one_ev o = {0, 0, 0};
    char id[37];
    guid_of(i, id);
    struct xa_diag d;
    xa_diag_clear(&d);
    if (s->ops->get(s->ctx, id, one_ev_cb, &o, &d))
        fail_msg("get %s: %s", id, d.msg);
    assert_int_equal(o.n, 1);
    return o;
}

/* Every event in seq order (scan from 0). */
static struct coll *scan_all(struct xa_store *s)
{
    struct coll *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    c->check = true;
    struct xa_diag d;
    xa_diag_clear(&d);
    if (s->ops->scan(s->ctx, 0, 0, coll_cb, c, &d))
        fail_msg("scan: %s", d.msg);
    return c;
}

static void test_put_duplicates_rollback(void **state)
{
    (void)state;
    struct xa_store s;
    struct xa_diag d;
    xa_diag_clear(&d);
    open_store(&s, false);
    size_t dups = 0;
    put_range(&s, 0, 50, &dups);
    assert_int_equal(dups, 0);
    put_range(&s, 40, 60, &dups); /* 10 seen again, in a second transaction */
    assert_int_equal(dups, 10);
    /* same record twice inside one transaction */
    struct tev t;
    build(&t, 70);
    enum xa_put_status st;
    assert_int_equal(s.ops->begin(s.ctx, &d), XA_OK);
    assert_int_equal(s.ops->put(s.ctx, &t.ev, &st, &d), XA_OK);
    assert_int_equal(st, XA_PUT_STORED);
    assert_int_equal(s.ops->put(s.ctx, &t.ev, &st, &d), XA_OK);
    assert_int_equal(st, XA_PUT_DUPLICATE);
    assert_int_equal(s.ops->commit(s.ctx, &d), XA_OK);
    /* same record id in another tenant is another record */
    build(&t, 70);
    t.ev.tenant_id = "other-tenant";
    assert_int_equal(s.ops->begin(s.ctx, &d), XA_OK);
    assert_int_equal(s.ops->put(s.ctx, &t.ev, &st, &d), XA_OK);
    assert_int_equal(st, XA_PUT_STORED);
    assert_int_equal(s.ops->commit(s.ctx, &d), XA_OK);
    /* rollback discards new rows, new strings and duplicate counts */
    assert_int_equal(s.ops->begin(s.ctx, &d), XA_OK);
    build(&t, 80);
    t.ev.actor = "rolled.back@contoso.com";
    assert_int_equal(s.ops->put(s.ctx, &t.ev, &st, &d), XA_OK);
    build(&t, 1);
    assert_int_equal(s.ops->put(s.ctx, &t.ev, &st, &d), XA_OK);
    assert_int_equal(st, XA_PUT_DUPLICATE);
    s.ops->rollback(s.ctx);
    /* after rollback the interned string cache must not hand out the vanished id */
    put_range(&s, 80, 81, NULL);
    struct xa_store_stats stt;
    assert_int_equal(s.ops->stats(s.ctx, &stt, &d), XA_OK);
    assert_int_equal(stt.events, 63);
    assert_int_equal(stt.duplicates, 11);
    /* seq grows in commit order and max_seq is the last one; nothing of the rolled-back
     * transaction is there (scan checks every field of every event against build()) */
    struct coll *c = scan_all(&s);
    assert_int_equal(c->n, 63);
    for (size_t i = 0; i < 63; i++) {
        unsigned want = i < 60 ? (unsigned)i : i < 62 ? 70 : 80;
        assert_int_equal(c->idx[i], want);
        assert_int_equal(c->tenant[i], i == 61 ? 'o' : 'T');
        if (i)
            assert_true(c->seq[i] > c->seq[i - 1]);
    }
    assert_int_equal(stt.max_seq, c->seq[62]);
    if (!on_clickhouse()) /* SQLite numbers 1, 2, 3 (ClickHouse: (stream << 40) + n) */
        assert_int_equal(stt.max_seq, 63);
    int64_t max_seq = stt.max_seq;
    struct xa_query q;
    xa_query_init(&q);
    const char *rb[] = {"rolled.back@contoso.com"};
    q.actors = rb;
    q.n_actors = 1;
    q.include_system = true;
    assert_int_equal(count(&s, &q), 0);
    xa_store_close(&s);

    /* exactly once across reopen */
    open_store(&s, false);
    dups = 0;
    put_range(&s, 0, 60, &dups);
    assert_int_equal(dups, 60);
    assert_int_equal(s.ops->stats(s.ctx, &stt, &d), XA_OK);
    assert_int_equal(stt.events, 63);
    assert_int_equal(stt.duplicates, 71);
    assert_int_equal(stt.max_seq, max_seq);
    assert_int_equal(stt.oldest, T0);

    /* get by id returns the duplicate counter (45: again in the second transaction and
     * after reopen; 5: after reopen only; 70: twice in one transaction), by seq too,
     * unknown -> NOTFOUND */
    assert_int_equal(get_one(&s, 45).duplicates, 2);
    assert_int_equal(get_one(&s, 5).duplicates, 1);
    assert_int_equal(get_one(&s, 70).duplicates, 1);
    assert_int_equal(get_one(&s, 80).duplicates, 0);
    int64_t seq45 = get_one(&s, 45).seq;
    assert_int_equal(seq45, c->seq[45]);
    memset(c, 0, sizeof(*c));
    c->check = true;
    char id[37];
    snprintf(id, sizeof(id), "%" PRId64, seq45);
    assert_int_equal(s.ops->get(s.ctx, id, coll_cb, c, &d), XA_OK);
    assert_int_equal(c->n, 1);
    assert_int_equal(c->seq[0], seq45);
    assert_int_equal(c->idx[0], 45);
    guid_of(70, id);
    c->n = 0;
    assert_int_equal(s.ops->get(s.ctx, id, coll_cb, c, &d), XA_OK);
    assert_int_equal(c->n, 2); /* two tenants */
    for (char *p = id; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 32);
    c->n = 0;
    assert_int_equal(s.ops->get(s.ctx, id, coll_cb, c, &d), XA_OK);
    assert_int_equal(c->n, 2);
    assert_int_equal(s.ops->get(s.ctx, "no-such-id", coll_cb, c, &d), XA_ERR_NOTFOUND);
    snprintf(id, sizeof(id), "%" PRId64, max_seq + 1);
    assert_int_equal(s.ops->get(s.ctx, id, coll_cb, c, &d), XA_ERR_NOTFOUND);
    free(c);
    xa_store_close(&s);
}

static void test_scan_reopen_readonly(void **state)
{
    (void)state;
    struct xa_store s;
    struct xa_diag d;
    open_store(&s, false);
    /* on SQLite: 2000 records without a compression dictionary, then trained; another
     * cycle after reopen (both sides of the dictionary are read back below) */
    put_range(&s, 0, 1500, NULL);
    put_range(&s, 1500, 2600, NULL);
    xa_store_close(&s);
    open_store(&s, false);
    put_range(&s, 2600, 3000, NULL);
    size_t dups = 0;
    put_range(&s, 10, 20, &dups);
    assert_int_equal(dups, 10);
    xa_store_close(&s);

    open_store(&s, true);
    /* every field and raw byte-exact, in seq order = commit order */
    struct coll *c = scan_all(&s);
    assert_int_equal(c->n, 3000);
    for (size_t i = 0; i < c->n; i++) {
        assert_int_equal(c->idx[i], i);
        if (i)
            assert_true(c->seq[i] > c->seq[i - 1]);
        if (!on_clickhouse()) /* SQLite numbers 1, 2, 3 (ClickHouse: (stream << 40) + n) */
            assert_int_equal(c->seq[i], (int64_t)i + 1);
    }
    int64_t seqs[3000];
    memcpy(seqs, c->seq, sizeof(seqs));
    /* after_seq and limit */
    memset(c, 0, sizeof(*c));
    c->check = true;
    assert_int_equal(s.ops->scan(s.ctx, seqs[2989], 5, coll_cb, c, &d), XA_OK);
    assert_int_equal(c->n, 5);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(c->seq[i], seqs[2990 + i]);
    c->n = 0;
    assert_int_equal(s.ops->scan(s.ctx, seqs[2999], 0, coll_cb, c, &d), XA_OK);
    assert_int_equal(c->n, 0);
    c->n = 0;
    assert_int_equal(s.ops->scan(s.ctx, seqs[0] - 1, 1, coll_cb, c, &d), XA_OK);
    assert_int_equal(c->n, 1);
    assert_int_equal(c->seq[0], seqs[0]);
    free(c);
    /* get on a read-only store, with the duplicate counter */
    assert_int_equal(get_one(&s, 15).duplicates, 1);
    assert_int_equal(get_one(&s, 25).duplicates, 0);
    /* readonly cannot write */
    struct tev t;
    build(&t, 5000);
    enum xa_put_status st;
    assert_int_not_equal(s.ops->begin(s.ctx, &d), XA_OK);
    assert_int_not_equal(s.ops->put(s.ctx, &t.ev, &st, &d), XA_OK);
    struct xa_quarantine_item q = {.reason = "x"};
    assert_int_not_equal(s.ops->quarantine(s.ctx, &q, &d), XA_OK);
    xa_store_close(&s);
}

/* predicates for the filter tests (N events 0..N-1) */
#define N 400
static bool p_all(const struct xa_event *e) { (void)e; return true; }
static bool p_op(const struct xa_event *e) { return !strcmp(e->operation, "MailItemsAccessed"); }
static bool p_actor3(const struct xa_event *e) { return !strcmp(e->actor, "user3@contoso.com"); }
static bool p_actor_wild(const struct xa_event *e)
{
    return !strcmp(e->actor, "user1@contoso.com") || !strcmp(e->actor, "user2@contoso.com");
}
static bool p_mbx(const struct xa_event *e) { return !strcmp(e->mailbox, "box4@contoso.com"); }
static bool p_obj(const struct xa_event *e) { return strstr(e->object, "obj1") != NULL; }
static bool p_obj_wild(const struct xa_event *e) { return xa_str_wildmatch("*\\obj?", e->object); }
static bool p_wl(const struct xa_event *e) { return !strcmp(e->workload, "AzureActiveDirectory"); }
static bool p_v4net(const struct xa_event *e) { return !strncmp(e->client_ip, "198.51.2.", 9); }
static bool p_v6(const struct xa_event *e) { return strchr(e->client_ip, ':') != NULL; }
static bool p_ip1(const struct xa_event *e) { return !strcmp(e->client_ip, "198.51.1.5"); }
static bool p_param(const struct xa_event *e)
{
    return e->n_params && !strcmp(e->params[1].value, "smtp:evil@example.net");
}
static bool p_param_any(const struct xa_event *e) { return e->n_params > 0; }
static bool p_rt(const struct xa_event *e) { return e->record_type == 1; }
static bool p_cat(const struct xa_event *e) { return e->category == XA_CAT_MAILBOX_ACCESS; }
static bool p_logon(const struct xa_event *e)
{
    return e->logon_type == XA_LOGON_ADMIN || e->logon_type == XA_LOGON_DELEGATE;
}
static bool p_fail(const struct xa_event *e) { return e->result == XA_RESULT_FAILURE; }
static bool p_ext(const struct xa_event *e) { return e->external_access == 1; }
static bool p_window(const struct xa_event *e)
{
    return e->occurred_at >= T0 + 100LL * 60 * 1000000 && e->occurred_at < T0 + 200LL * 60 * 1000000;
}
static bool p_text_draft(const struct xa_event *e) { return e->item != NULL; }
static bool p_text_combo(const struct xa_event *e)
{
    return e->grantee != NULL && !strcmp(e->actor, "user3@contoso.com");
}

static void test_filters(void **state)
{
    (void)state;
    struct xa_store s;
    struct xa_diag d;
    open_store(&s, false);
    put_range(&s, 0, N, NULL);
    struct xa_quarantine_item q = {.at = xa_time_now(), .source_name = "a.json", .line = 3,
                                   .offset = 99, .reason = "bad JSON", .data = "{x", .data_len = 2};
    assert_int_equal(s.ops->begin(s.ctx, &d), XA_OK);
    assert_int_equal(s.ops->quarantine(s.ctx, &q, &d), XA_OK);
    q.reason = "second";
    assert_int_equal(s.ops->quarantine(s.ctx, &q, &d), XA_OK);
    assert_int_equal(s.ops->commit(s.ctx, &d), XA_OK);
    xa_store_close(&s);
    open_store(&s, true);

    struct xa_query qq;
#define CHECK(setup, pred)                                                                      \
    do {                                                                                       \
        xa_query_init(&qq);                                                                    \
        setup;                                                                                 \
        size_t got = count(&s, &qq), want = expect(N, pred);                                   \
        if (got != want)                                                                       \
            fail_msg("%s: got %zu want %zu", #setup, got, want);                              \
        assert_true(want > 0);                                                                 \
    } while (0)
#define NONE(setup)                                                                            \
    do {                                                                                       \
        xa_query_init(&qq);                                                                    \
        setup;                                                                                 \
        size_t got = count(&s, &qq);                                                           \
        if (got != 0)                                                                          \
            fail_msg("%s: got %zu want 0", #setup, got);                                      \
    } while (0)
    const char *ops[] = {"mailitemsaccessed"}, *nops[] = {"Set-Mailbox"};
    const char *act[] = {"USER3@contoso.com"}, *actw[] = {"user[12]*", "user1*", "user2@*"};
    const char *actq[] = {"user?@contoso.com"}, *mbx[] = {"box4@contoso.com"};
    const char *obj[] = {"OBJ1"}, *objw[] = {"*\\obj?"}, *wl[] = {"azure*"};
    const char *ip4[] = {"198.51.2.0/24"}, *ip6[] = {"2001:db8::/32"}, *ip1[] = {"198.51.1.5"};
    const char *ipn[] = {"10.0.0.0/8"};
    struct xa_param_filter pf[] = {{"forwardingsmtpaddress", "*EVIL*"}};
    struct xa_param_filter pf2[] = {{"Identity", NULL}};
    struct xa_param_filter pf3[] = {{"Identity", "nobody"}};
    int rts[] = {1}, cats[] = {XA_CAT_MAILBOX_ACCESS}, logons[] = {XA_LOGON_ADMIN, XA_LOGON_DELEGATE};

    CHECK((void)0, p_all);
    CHECK((qq.operations = ops, qq.n_operations = 1), p_op);
    NONE((qq.operations = nops, qq.n_operations = 1));
    CHECK((qq.actors = act, qq.n_actors = 1), p_actor3);
    CHECK((qq.actors = actw + 1, qq.n_actors = 2), p_actor_wild);
    CHECK((qq.actors = actq, qq.n_actors = 1), p_all);
    NONE((qq.actors = actw, qq.n_actors = 1)); /* '[' is literal */
    CHECK((qq.mailboxes = mbx, qq.n_mailboxes = 1), p_mbx);
    CHECK((qq.objects = obj, qq.n_objects = 1), p_obj);
    CHECK((qq.objects = objw, qq.n_objects = 1), p_obj_wild);
    CHECK((qq.workloads = wl, qq.n_workloads = 1), p_wl);
    CHECK((qq.ips = ip4, qq.n_ips = 1), p_v4net);
    CHECK((qq.ips = ip6, qq.n_ips = 1), p_v6);
    CHECK((qq.ips = ip1, qq.n_ips = 1), p_ip1);
    NONE((qq.ips = ipn, qq.n_ips = 1));
    CHECK((qq.params = pf, qq.n_params = 1), p_param);
    CHECK((qq.params = pf2, qq.n_params = 1), p_param_any);
    NONE((qq.params = pf3, qq.n_params = 1));
    CHECK((qq.record_types = rts, qq.n_record_types = 1), p_rt);
    CHECK((qq.categories = cats, qq.n_categories = 1), p_cat);
    CHECK((qq.logon_types = logons, qq.n_logon_types = 2), p_logon);
    CHECK((qq.result = XA_RESULT_FAILURE), p_fail);
    CHECK((qq.external = 1), p_ext);
    CHECK((qq.since = T0 + 100LL * 60 * 1000000, qq.until = T0 + 200LL * 60 * 1000000), p_window);
    CHECK((qq.tenant_id = "B3F1C2D4-5E6F-4A7B-8C9D-0E1F2A3B4C5D"), p_all);
    CHECK((qq.tenant_id = TENANT), p_all);
    CHECK((qq.tenant_id = "b3f1c2d4-*"), p_all);
    NONE((qq.tenant_id = "nope"));
    CHECK((qq.text = "draft"), p_text_draft);
    CHECK((qq.text = "  Quarter*  "), p_text_draft);
    CHECK((qq.text = "helpdesk7@contoso.com user3@contoso.com"), p_text_combo);
    NONE((qq.text = "nosuchword"));
    NONE((qq.text = "results.draft")); /* tokens present, word is not */
    /* FTS syntax in user text never errors nor injects */
    const char *evil[] = {"\"", "NEAR(", "*", "-", "OR", "draft OR nosuch", "draft NOT draft",
                          "\"draft\" OR \"x", "NEAR(draft results)", "draft -results", "^draft",
                          "{t}: draft", "draft'); DROP TABLE events; --", "%", "\\"};
    for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
        xa_query_init(&qq);
        qq.text = evil[i];
        struct coll *c = calloc(1, sizeof(*c));
        char cur[XA_CURSOR_MAX];
        xa_diag_clear(&d);
        if (s.ops->search(s.ctx, &qq, coll_cb, c, cur, &d))
            fail_msg("text '%s': %s", evil[i], d.msg);
        free(c);
    }
    xa_query_init(&qq);
    qq.text = "draft OR nosuch"; /* "OR" is a word here: nothing has it */
    assert_int_equal(count(&s, &qq), 0);
    /* include_system */
    xa_query_init(&qq);
    qq.include_system = true;
    assert_int_equal(count(&s, &qq), N);
    /* combined filters */
    xa_query_init(&qq);
    qq.operations = ops;
    qq.n_operations = 1;
    qq.mailboxes = mbx;
    qq.n_mailboxes = 1;
    qq.result = XA_RESULT_SUCCESS;
    size_t want = 0;
    struct tev t;
    for (unsigned i = 0; i < N; i++) {
        build(&t, i);
        want += !t.ev.is_system && p_op(&t.ev) && p_mbx(&t.ev) && t.ev.result == XA_RESULT_SUCCESS;
    }
    assert_int_equal(count(&s, &qq), want);

    xa_store_close(&s);
#undef CHECK
#undef NONE
}

/* prepare() on a producer thread while the writer puts (store.h: thread-safe, and put()
 * falls back to the full work when the prepared form no longer fits, e.g. after the SQLite
 * backend trained its dictionary at 2000 records). Every 7th record is not prepared; the
 * last 10 are records 10..19 again (prepared duplicates). */
#define PREP_N 3000
#define PREP_CHUNK 250
struct prep_job {
    struct xa_store *s;
    struct tev t[PREP_N];
    struct xa_arena arena[PREP_N / PREP_CHUNK];
    atomic_size_t done;
    atomic_int failed;
    char msg[600];
};

static unsigned prep_index(size_t i)
{
    return i < PREP_N - 10 ? (unsigned)i : (unsigned)(i - (PREP_N - 20));
}

static void *prep_thread(void *arg)
{
    struct prep_job *j = arg;
    for (size_t i = 0; i < PREP_N; i++) {
        build(&j->t[i], prep_index(i));
        if (j->s->ops->prepare && i % 7 != 6) {
            struct xa_diag d;
            xa_diag_clear(&d);
            if (j->s->ops->prepare(j->s->ctx, &j->t[i].ev, &j->arena[i / PREP_CHUNK], &d) &&
                !atomic_load(&j->failed)) {
                snprintf(j->msg, sizeof(j->msg), "prepare %zu: %s", i, d.msg);
                atomic_store(&j->failed, 1);
            }
        }
        atomic_store(&j->done, i + 1);
    }
    return NULL;
}

static void test_prepare_put(void **state)
{
    (void)state;
    struct xa_store s;
    struct xa_diag d;
    xa_diag_clear(&d);
    open_store(&s, false);
    struct prep_job *j = calloc(1, sizeof(*j));
    assert_non_null(j);
    j->s = &s;
    for (size_t k = 0; k < PREP_N / PREP_CHUNK; k++)
        xa_arena_init(&j->arena[k], 0);
    atomic_init(&j->done, 0);
    atomic_init(&j->failed, 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, prep_thread, j), 0);
    assert_int_equal(s.ops->begin(s.ctx, &d), XA_OK);
    size_t stored = 0, dups = 0;
    for (size_t i = 0; i < PREP_N; i++) {
        while (atomic_load(&j->done) <= i)
            sched_yield();
        enum xa_put_status st;
        if (s.ops->put(s.ctx, &j->t[i].ev, &st, &d))
            fail_msg("put %zu: %s", i, d.msg);
        stored += st == XA_PUT_STORED;
        dups += st == XA_PUT_DUPLICATE;
        if (i % 400 == 399) {
            if (s.ops->commit(s.ctx, &d))
                fail_msg("commit: %s", d.msg);
            assert_int_equal(s.ops->begin(s.ctx, &d), XA_OK);
        }
    }
    if (s.ops->commit(s.ctx, &d))
        fail_msg("commit: %s", d.msg);
    pthread_join(th, NULL);
    if (atomic_load(&j->failed))
        fail_msg("%s", j->msg);
    for (size_t k = 0; k < PREP_N / PREP_CHUNK; k++)
        xa_arena_release(&j->arena[k]);
    free(j);
    assert_int_equal(stored, PREP_N - 10);
    assert_int_equal(dups, 10);
    xa_store_close(&s);

    open_store(&s, true);
    struct coll *c = scan_all(&s); /* every field and raw byte-exact */
    assert_int_equal(c->n, PREP_N - 10);
    for (size_t i = 0; i < c->n; i++)
        assert_int_equal(c->idx[i], i);
    free(c);
    struct xa_store_stats st;
    assert_int_equal(s.ops->stats(s.ctx, &st, &d), XA_OK);
    assert_int_equal(st.events, PREP_N - 10);
    assert_int_equal(st.duplicates, 10);
    assert_int_equal(get_one(&s, 12).duplicates, 1);
    struct xa_query q;
    xa_query_init(&q);
    q.text = "draft"; /* the full-text document may be prepared too */
    assert_int_equal(count(&s, &q), expect(PREP_N - 10, p_text_draft));
    xa_store_close(&s);
}

struct qcoll {
    int n;
    char reasons[4][32];
    int64_t at[4];
    long long line;
};
static xa_rc q_cb(void *ud, const struct xa_quarantine_item *q)
{
    struct qcoll *c = ud;
    if (c->n < 4) {
        snprintf(c->reasons[c->n], 32, "%s", q->reason);
        c->at[c->n] = q->at;
    }
    c->line = q->line;
    assert_int_equal(q->data_len, 2);
    assert_memory_equal(q->data, "{x", 2);
    assert_string_equal(q->source_name, "a.json");
    assert_int_equal(q->offset, 99);
    c->n++;
    return XA_OK;
}

static void test_quarantine_stats(void **state)
{
    (void)state;
    struct xa_store s;
    struct xa_diag d;
    open_store(&s, false);
    put_range(&s, 0, 10, NULL);
    /* callers (import, collector) give the time; SQLite would fill in "now" for 0, which
     * store.h does not promise, so the test does not rely on it */
    int64_t now = xa_time_now();
    struct xa_quarantine_item q = {.at = now - 1000, .source_name = "a.json", .line = 3,
                                   .offset = 99, .reason = "bad JSON", .data = "{x", .data_len = 2};
    assert_int_equal(s.ops->begin(s.ctx, &d), XA_OK);
    assert_int_equal(s.ops->quarantine(s.ctx, &q, &d), XA_OK);
    q.reason = "second";
    q.at = now;
    assert_int_equal(s.ops->quarantine(s.ctx, &q, &d), XA_OK);
    assert_int_equal(s.ops->commit(s.ctx, &d), XA_OK);
    /* a rolled-back quarantine entry is gone */
    assert_int_equal(s.ops->begin(s.ctx, &d), XA_OK);
    q.reason = "rolled back";
    q.at = now + 1000;
    assert_int_equal(s.ops->quarantine(s.ctx, &q, &d), XA_OK);
    s.ops->rollback(s.ctx);
    struct qcoll c = {0};
    assert_int_equal(s.ops->quarantine_list(s.ctx, 0, q_cb, &c, &d), XA_OK);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.reasons[0], "second"); /* newest first */
    assert_string_equal(c.reasons[1], "bad JSON");
    assert_int_equal(c.at[0], now);
    assert_int_equal(c.at[1], now - 1000);
    assert_int_equal(c.line, 3);
    memset(&c, 0, sizeof(c));
    assert_int_equal(s.ops->quarantine_list(s.ctx, 1, q_cb, &c, &d), XA_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.reasons[0], "second");
    struct xa_store_stats st;
    assert_int_equal(s.ops->stats(s.ctx, &st, &d), XA_OK);
    assert_int_equal(st.events, 10);
    assert_int_equal(st.quarantined, 2);
    assert_int_equal(st.oldest, T0);
    struct tev t;
    build(&t, 9);
    assert_int_equal(st.newest, t.ev.occurred_at);
    assert_true(st.bytes > 0);
    xa_store_close(&s);
    /* the same through a read-only store */
    open_store(&s, true);
    memset(&c, 0, sizeof(c));
    assert_int_equal(s.ops->quarantine_list(s.ctx, 0, q_cb, &c, &d), XA_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(s.ops->stats(s.ctx, &st, &d), XA_OK);
    assert_int_equal(st.quarantined, 2);
    xa_store_close(&s);
}

static void test_paging(void **state)
{
    (void)state;
    struct xa_store s;
    struct xa_diag d;
    open_store(&s, false);
    /* many records sharing occurred_at values, to exercise the (at, seq) tie-break */
    struct tev t;
    assert_int_equal(s.ops->begin(s.ctx, &d), XA_OK);
    for (unsigned i = 0; i < 1000; i++) {
        build(&t, i);
        t.ev.occurred_at = T0 + (int64_t)(i % 37) * 1000000;
        enum xa_put_status st;
        assert_int_equal(s.ops->put(s.ctx, &t.ev, &st, &d), XA_OK);
    }
    assert_int_equal(s.ops->commit(s.ctx, &d), XA_OK);
    /* variant: bit 0 oldest first; bits 1-2 none, an object wildcard filter, a parameter
     * filter (the parameter filter matches the odd records only) */
    for (int variant = 0; variant < 6; variant++) {
        bool oldest = variant & 1, post = (variant >> 1) == 1, param = (variant >> 1) == 2;
        size_t want = param ? 500 : 1000;
        struct coll *c = calloc(1, sizeof(*c));
        char cur[XA_CURSOR_MAX] = "";
        int pages = 0;
        const char *objw[] = {"*obj*"};
        struct xa_param_filter pf[] = {{"identity", "box*"}};
        for (;;) {
            struct xa_query q;
            xa_query_init(&q);
            q.include_system = true;
            q.limit = 7;
            q.oldest_first = oldest;
            q.cursor = pages ? cur : NULL;
            if (post) { /* a post-filter (object) exercising the C-side path */
                q.objects = objw;
                q.n_objects = 1;
            }
            if (param) { /* a filter inside the stored body (post-filter on some backends) */
                q.params = pf;
                q.n_params = 1;
            }
            char next[XA_CURSOR_MAX];
            size_t before = c->n;
            if (s.ops->search(s.ctx, &q, coll_cb, c, next, &d))
                fail_msg("page %d: %s", pages, d.msg);
            assert_true(c->n - before <= 7);
            pages++;
            if (!next[0])
                break;
            assert_true(strlen(next) < XA_CURSOR_MAX);
            strcpy(cur, next);
            assert_true(pages < 1000);
        }
        assert_int_equal(c->n, want);
        assert_true(pages >= (int)(want + 6) / 7);
        /* every row once, in (at, seq) order */
        for (size_t i = 1; i < c->n; i++) {
            bool ordered = oldest ? (c->at[i - 1] < c->at[i] ||
                                     (c->at[i - 1] == c->at[i] && c->seq[i - 1] < c->seq[i]))
                                  : (c->at[i - 1] > c->at[i] ||
                                     (c->at[i - 1] == c->at[i] && c->seq[i - 1] > c->seq[i]));
            assert_true(ordered);
        }
        /* every record exactly once (pages neither skip nor repeat) */
        char *seen = calloc(1000, 1);
        for (size_t i = 0; i < c->n; i++) {
            assert_true(c->idx[i] < 1000);
            if (param)
                assert_int_equal(c->idx[i] % 2, 1);
            assert_false(seen[c->idx[i]]);
            seen[c->idx[i]] = 1;
        }
        free(seen);
        free(c);
    }
    /* malformed cursors are usage errors */
    const char *bad[] = {"x", "1.2.3", "1.2; DROP TABLE events", "' OR 1=1 --", "-.5", "5.-1", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct xa_query q;
        xa_query_init(&q);
        q.cursor = bad[i];
        char next[XA_CURSOR_MAX];
        struct coll *c = calloc(1, sizeof(*c));
        xa_diag_clear(&d);
        xa_rc rc = s.ops->search(s.ctx, &q, coll_cb, c, next, &d);
        if (bad[i][0]) {
            assert_int_equal(rc, XA_ERR_USAGE);
            assert_non_null(strstr(d.msg, "cursor"));
        } else {
            assert_int_equal(rc, XA_OK); /* empty cursor = first page */
        }
        free(c);
    }
    xa_store_close(&s);
    struct xa_store_stats st;
    open_store(&s, true);
    assert_int_equal(s.ops->stats(s.ctx, &st, &d), XA_OK);
    assert_int_equal(st.events, 1000);
    xa_store_close(&s);
}

static xa_rc stop_cb(void *ud, const struct xa_event *ev)
{
    (void)ev;
    (*(int *)ud)++;
    return XA_ERR_LIMIT;
}

static xa_rc qstop_cb(void *ud, const struct xa_quarantine_item *q)
{
    (void)q;
    (*(int *)ud)++;
    return XA_ERR_LIMIT;
}

static void test_callback_stop_and_concurrent_reader(void **state)
{
    (void)state;
    struct xa_store s, r;
    struct xa_diag d;
    open_store(&s, false);
    put_range(&s, 0, 20, NULL);
    int calls = 0;
    struct xa_query q;
    xa_query_init(&q);
    char next[XA_CURSOR_MAX];
    assert_int_equal(s.ops->search(s.ctx, &q, stop_cb, &calls, next, &d), XA_ERR_LIMIT);
    assert_int_equal(calls, 1);
    calls = 0;
    assert_int_equal(s.ops->scan(s.ctx, 0, 0, stop_cb, &calls, &d), XA_ERR_LIMIT);
    assert_int_equal(calls, 1);
    calls = 0;
    char id[37];
    guid_of(3, id);
    assert_int_equal(s.ops->get(s.ctx, id, stop_cb, &calls, &d), XA_ERR_LIMIT);
    assert_int_equal(calls, 1);
    struct xa_quarantine_item qi = {.at = xa_time_now(), .source_name = "a.json", .line = 1,
                                    .offset = 0, .reason = "r", .data = "{x", .data_len = 2};
    assert_int_equal(s.ops->begin(s.ctx, &d), XA_OK);
    assert_int_equal(s.ops->quarantine(s.ctx, &qi, &d), XA_OK);
    assert_int_equal(s.ops->quarantine(s.ctx, &qi, &d), XA_OK);
    assert_int_equal(s.ops->commit(s.ctx, &d), XA_OK);
    calls = 0;
    assert_int_equal(s.ops->quarantine_list(s.ctx, 0, qstop_cb, &calls, &d), XA_ERR_LIMIT);
    assert_int_equal(calls, 1);
    /* a read-only reader sees committed data while a write transaction is open */
    open_store(&r, true);
    assert_int_equal(s.ops->begin(s.ctx, &d), XA_OK);
    struct tev t;
    build(&t, 100);
    enum xa_put_status st;
    assert_int_equal(s.ops->put(s.ctx, &t.ev, &st, &d), XA_OK);
    struct xa_store_stats stt;
    assert_int_equal(r.ops->stats(r.ctx, &stt, &d), XA_OK);
    assert_int_equal(stt.events, 20);
    xa_query_init(&q);
    q.include_system = true;
    assert_int_equal(count(&r, &q), 20);
    guid_of(100, id);
    struct coll *c = calloc(1, sizeof(*c));
    assert_int_equal(r.ops->get(r.ctx, id, coll_cb, c, &d), XA_ERR_NOTFOUND);
    assert_int_equal(s.ops->commit(s.ctx, &d), XA_OK);
    assert_int_equal(r.ops->stats(r.ctx, &stt, &d), XA_OK);
    assert_int_equal(stt.events, 21);
    assert_int_equal(count(&r, &q), 21);
    c->check = true;
    assert_int_equal(r.ops->get(r.ctx, id, coll_cb, c, &d), XA_OK);
    assert_int_equal(c->n, 1);
    free(c);
    xa_store_close(&r);
    xa_store_close(&s);
}

int main(void)
{
    ch_env = getenv("XA_TEST_CLICKHOUSE");
    if (on_clickhouse())
        fprintf(stderr, "test_store: backend ClickHouse, %s\n", ch_env);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec),
        cmocka_unit_test_setup_teardown(test_open_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqlite_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_duplicates_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_reopen_readonly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prepare_put, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quarantine_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callback_stop_and_concurrent_reader, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
