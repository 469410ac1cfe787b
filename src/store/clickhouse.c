/* clickhouse.c - the ClickHouse archive backend (docs/CLICKHOUSE.md).
 *
 * Events, quarantine, duplicate counts and integrity checkpoints live in ClickHouse; the
 * small transactional state of one writer (collector ledger, streams, gaps, alerts,
 * forwarding cursors, console accounts, and this backend's own stream head) lives in a
 * SQLite "state" file beside it, reached through the SQLite backend's ops.
 *
 * Exactly once without transactions in ClickHouse:
 * - identity is (tenant, record id); put() looks the identity up in an in-memory set that
 *   is filled per (tenant, 6-hour bucket of occurred_at) from ClickHouse on first use, so a
 *   record already archived (by any earlier run) is a duplicate, counted and not stored;
 * - rows are sent in RowBinary batches during the transaction and at commit, BEFORE the
 *   state file commits (the collector's blob ledger). A crash in between leaves rows in
 *   ClickHouse that the state does not know: at the next open they are adopted (their
 *   chain is checked and the head moved past them) and the collector, fetching the blob
 *   again, finds every record already there;
 * - a retried insert can only repeat rows byte for byte (same seq): the table is a
 *   ReplacingMergeTree on (tenant, occurred_at, record id) and every read collapses
 *   (tenant, record id) with LIMIT 1 BY, so no search ever shows a record twice.
 * seq: (stream number << 40) + n, n counting from 1 per writer stream; the hash chain and
 * signed checkpoints are kept per stream. */
#include "store/ch_http.h"
#include "store/integrity.h"
#include "store/sqlite_codec.h"
#include "store/store.h"

#include "core/config.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/str.h"
#include "core/xtime.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEQ_SHIFT 40
#define SEQ_LOCAL_MASK (((int64_t)1 << SEQ_SHIFT) - 1)
#define BUCKET_US ((int64_t)6 * 3600 * 1000000)
#define FLUSH_BYTES ((size_t)24 << 20) /* events batch sent during a transaction */
#define CACHE_MAX ((size_t)4 << 20)    /* identities kept before the set is dropped */
#define DOC_MAX (16 * 1024)
#define MIN_VERSION 18016              /* 18.16 */
#define SCHEMA_VERSION 1
#define STATE_OWNER "clickhouse"
#define PREP_TAG ((int64_t)0x4348505245500001) /* prepared by ch_prepare */
#define PREP_PREFIX 48                          /* content hash (32) + identity key (16) */

static const char EV_COLS[] = "tenant, rid, at, seq, stream, rtype, flags, op, actor, mbx, wl, "
                              "ip, obj, doc, body, chain";
/* what a read needs to rebuild an event */
static const char EV_READ[] = "tenant, rid, at, seq, rtype, flags, op, actor, mbx, wl, ip, body";
static const char EV_TYPES[] = "SSqqiqSSSSSS";
/* the same plus the duplicate counter, as select_events() reads it */
static const char EV_TYPES_DUPS[] = "SSqqiqSSSSSSq";

/* Room for element n of the array *arr (capacity *cap elements of elem bytes), doubling
 * from first. False when memory is out (the array is unchanged). */
static bool grow(void *arr, size_t n, size_t *cap, size_t elem, size_t first)
{
    if (n < *cap)
        return true;
    size_t nc = *cap ? *cap * 2 : first;
    void *old, *p;
    memcpy(&old, arr, sizeof(old));
    if (!(p = realloc(old, nc * elem)))
        return false;
    memcpy(arr, &p, sizeof(p));
    *cap = nc;
    return true;
}

/* ---- identity set --------------------------------------------------------------------- */

struct idset {
    unsigned char (*k)[16]; /* all-zero = empty slot */
    size_t n, cap;          /* cap: power of two */
    struct bkt { uint64_t tenant; int64_t b; } *loaded;
    size_t n_loaded, cap_loaded;
};

static void idset_clear(struct idset *s)
{
    free(s->k);
    free(s->loaded);
    memset(s, 0, sizeof(*s));
}

static bool idset_has(const struct idset *s, const unsigned char key[16])
{
    if (!s->cap)
        return false;
    uint64_t h;
    memcpy(&h, key, 8);
    for (size_t i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        static const unsigned char zero[16];
        if (memcmp(s->k[i], zero, 16) == 0)
            return false;
        if (memcmp(s->k[i], key, 16) == 0)
            return true;
    }
}

static xa_rc idset_add(struct idset *s, const unsigned char key[16])
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 4096;
        unsigned char(*nk)[16] = calloc(ncap, 16);
        if (!nk)
            return XA_ERR_NOMEM;
        for (size_t i = 0; i < s->cap; i++) {
            static const unsigned char zero[16];
            if (memcmp(s->k[i], zero, 16) == 0)
                continue;
            uint64_t h;
            memcpy(&h, s->k[i], 8);
            size_t j = h & (ncap - 1);
            while (memcmp(nk[j], zero, 16) != 0)
                j = (j + 1) & (ncap - 1);
            memcpy(nk[j], s->k[i], 16);
        }
        free(s->k);
        s->k = nk;
        s->cap = ncap;
    }
    uint64_t h;
    memcpy(&h, key, 8);
    size_t i = h & (s->cap - 1);
    static const unsigned char zero[16];
    while (memcmp(s->k[i], zero, 16) != 0) {
        if (memcmp(s->k[i], key, 16) == 0)
            return XA_OK;
        i = (i + 1) & (s->cap - 1);
    }
    memcpy(s->k[i], key, 16);
    s->n++;
    return XA_OK;
}

static bool idset_loaded(const struct idset *s, uint64_t tenant, int64_t b)
{
    for (size_t i = s->n_loaded; i-- > 0;)
        if (s->loaded[i].tenant == tenant && s->loaded[i].b == b)
            return true;
    return false;
}

/* 128 bits of SHA-256(tenant NUL rid): collisions are out of reach (about 2^64 records). */
static void id_key(const char *tenant, const char *rid, unsigned char out[16])
{
    size_t a = strlen(tenant), b = strlen(rid);
    char stackbuf[512];
    char *p = a + b + 1 <= sizeof(stackbuf) ? stackbuf : malloc(a + b + 1);
    unsigned char h[32];
    if (!p) { /* cannot happen in practice; hash the parts chained instead */
        unsigned char t[32];
        xa_int_sha256(tenant, a, t);
        xa_int_sha256(rid, b, h);
        for (int i = 0; i < 16; i++)
            h[i] ^= t[i];
    } else {
        memcpy(p, tenant, a);
        p[a] = '\0';
        memcpy(p + a + 1, rid, b);
        xa_int_sha256(p, a + b + 1, h);
        if (p != stackbuf)
            free(p);
    }
    memcpy(out, h, 16);
    static const unsigned char zero[16];
    if (memcmp(out, zero, 16) == 0)
        out[0] = 1; /* zero marks an empty slot */
}

static uint64_t tenant_tag(const char *tenant)
{
    unsigned char h[32];
    xa_int_sha256(tenant, strlen(tenant), h);
    uint64_t v;
    memcpy(&v, h, 8);
    return v;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* ---- the context ---------------------------------------------------------------------- */

struct head {
    int64_t n;                 /* last local sequence number used */
    unsigned char chain[32];
    int64_t qn;                /* last quarantine number */
    int64_t ck_id, ck_seq;     /* last checkpoint */
    unsigned char ck_hash[32]; /* H(last checkpoint message) */
};

struct chx {
    struct xa_ch_conn conn;
    char *db, *cluster;
    bool readonly;
    char tbl_ev[160], tbl_q[160], tbl_dup[160], tbl_ck[160], tbl_streams[160], tbl_inflight[160];
    int64_t inflight;          /* highest seq announced in the inflight table */
    char settings[160];
    struct xa_store state;     /* ops NULL when there is no state file (read-only use) */
    /* writer stream */
    uint32_t stream;           /* 0 until allocated */
    char stream_id[33];
    struct head cur, com, sent; /* current, last committed, last sent to ClickHouse */
    bool in_txn;
    /* integrity */
    bool integrity;
    struct xa_int_key *key;
    char fpr[65];
    uint64_t ck_records;
    int64_t ck_us, ck_mono;
    char *ck_file;
    struct xa_buf ck_ext;
    /* pending rows */
    struct xa_buf ins[XA_CH_MAX_NODES], qins, dins; /* events: one buffer a shard */
    size_t n_ins, ins_bytes, n_shards, rr; /* rr: the shard the next batch goes to */
    /* rows waiting in ins[]: seq and chain are filled in at flush, shard by shard, so that
     * the rows that reached ClickHouse always form a prefix of the numbering */
    struct pend { uint32_t shard; size_t off, chain_off; unsigned char content[32]; } *pend;
    size_t cap_pend;
    struct idset ids;
    /* scratch */
    struct xa_buf sql, body, doc, text;
    struct xa_arena arena;
};

static xa_rc run_text(struct chx *c, int node, const char *sql, struct xa_diag *d)
{
    return xa_ch_run(&c->conn, node, sql, NULL, 0, c->settings, true, NULL, NULL, NULL, &c->text, d);
}

static xa_rc need_state(struct chx *c, struct xa_diag *d)
{
    if (c->state.ops)
        return XA_OK;
    return xa_diag_set(d, XA_ERR_UNSUPPORTED,
                       "clickhouse: this operation needs the writer's state file (state=PATH), "
                       "which is not there (read-only use)");
}

/* ---- location ------------------------------------------------------------------------- */

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = tolower(ch);
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

static char *pct_decode(const char *s, size_t n)
{
    char *o = malloc(n + 1);
    if (!o)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n + 0 + 1 && i + 2 < n + 1 && hexval(s[i + 1]) >= 0 &&
            i + 2 < n && hexval(s[i + 2]) >= 0) {
            o[k++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            o[k++] = s[i];
        }
    }
    o[k] = '\0';
    return o;
}

bool xa_store_is_clickhouse(const char *location)
{
    return location && (strncmp(location, "clickhouse://", 13) == 0 ||
                        strncmp(location, "clickhouses://", 14) == 0);
}

static bool ident_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 64)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

static bool loopback(const char *host, size_t n)
{
    return (n == 9 && memcmp(host, "localhost", 9) == 0) || (n >= 4 && memcmp(host, "127.", 4) == 0) ||
           (n == 5 && memcmp(host, "[::1]", 5) == 0);
}

struct loc {
    char *state, *password_file;
    bool plain_ok;
};

/* clickhouse[s]://[user@]host:port[,host:port...]/database[?key=value&...] */
static xa_rc parse_location(struct chx *c, const char *loc, struct loc *o, struct xa_diag *d)
{
    bool tls = strncmp(loc, "clickhouses://", 14) == 0;
    const char *p = loc + (tls ? 14 : 13);
    const char *slash = strchr(p, '/');
    const char *q = strchr(p, '?');
    if (!slash || (q && q < slash))
        return xa_diag_set(d, XA_ERR_CONFIG,
                           "clickhouse location must be clickhouse://host:port/database");
    const char *at = memchr(p, '@', (size_t)(slash - p));
    char *user = NULL;
    if (at) {
        user = pct_decode(p, (size_t)(at - p));
        p = at + 1;
    }
    const char *hosts = p;
    size_t hl = (size_t)(slash - hosts);
    const char *dbs = slash + 1;
    size_t dl = q ? (size_t)(q - dbs) : strlen(dbs);
    c->db = pct_decode(dbs, dl);
    xa_rc rc = XA_OK;
    if (!c->db || !ident_ok(c->db))
        rc = xa_diag_set(d, XA_ERR_CONFIG, "clickhouse: database name must be [A-Za-z0-9_]+");
    for (const char *h = hosts; !rc && h < hosts + hl;) {
        const char *comma = memchr(h, ',', (size_t)(hosts + hl - h));
        size_t n = comma ? (size_t)(comma - h) : (size_t)(hosts + hl - h);
        if (!n || c->conn.n_urls == XA_CH_MAX_NODES) {
            rc = xa_diag_set(d, XA_ERR_CONFIG, "clickhouse: bad host list");
            break;
        }
        const char *colon = NULL;
        for (size_t i = n; i-- > 0;)
            if (h[i] == ':') {
                colon = h + i;
                break;
            }
        char *u = malloc(n + 16);
        if (!u) {
            rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
            break;
        }
        snprintf(u, n + 16, "%s://%.*s%s", tls ? "https" : "http", (int)n, h,
                 colon && colon[1] != ']' ? "" : (tls ? ":8443" : ":8123"));
        c->conn.urls[c->conn.n_urls++] = u;
        if (!tls && !loopback(h, colon && colon[1] != ']' ? (size_t)(colon - h) : n))
            o->plain_ok = o->plain_ok; /* checked after the parameters are known */
        h += n + (comma ? 1 : 0);
    }
    if (!rc && !c->conn.n_urls)
        rc = xa_diag_set(d, XA_ERR_CONFIG, "clickhouse: no host");
    bool allow_plain = false;
    for (const char *a = q ? q + 1 : NULL; !rc && a && *a;) {
        const char *amp = strchr(a, '&');
        size_t n = amp ? (size_t)(amp - a) : strlen(a);
        const char *eq = memchr(a, '=', n);
        size_t kl = eq ? (size_t)(eq - a) : n;
        char *val = eq ? pct_decode(eq + 1, n - kl - 1) : strdup("");
        if (!val) {
            rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
            break;
        }
#define KEY(s) (kl == strlen(s) && memcmp(a, s, kl) == 0)
        if (KEY("cluster")) {
            free(c->cluster);
            c->cluster = val;
            if (*val && !ident_ok(val))
                rc = xa_diag_set(d, XA_ERR_CONFIG, "clickhouse: cluster name must be [A-Za-z0-9_]+");
        } else if (KEY("state")) {
            free(o->state);
            o->state = val;
        } else if (KEY("password_file")) {
            free(o->password_file);
            o->password_file = val;
        } else if (KEY("ca_file")) {
            free(c->conn.ca_file);
            c->conn.ca_file = val;
        } else if (KEY("timeout_s")) {
            c->conn.timeout_ms = atol(val) * 1000L;
            free(val);
        } else if (KEY("allow_plain_http")) {
            allow_plain = strcmp(val, "1") == 0 || strcmp(val, "true") == 0;
            free(val);
        } else {
            rc = xa_diag_set(d, XA_ERR_CONFIG, "clickhouse: unknown location parameter '%.*s'",
                             (int)kl, a);
            free(val);
        }
#undef KEY
        a = amp ? amp + 1 : NULL;
    }
    if (!rc && !tls && !allow_plain)
        for (size_t i = 0; i < c->conn.n_urls && !rc; i++) {
            const char *h = c->conn.urls[i] + 7;
            const char *colon = strrchr(h, ':');
            if (!loopback(h, colon ? (size_t)(colon - h) : strlen(h)))
                rc = xa_diag_set(d, XA_ERR_CONFIG,
                                 "clickhouse: plain HTTP to %s would send the password and the "
                                 "audit data in clear; use clickhouses:// (TLS) or add "
                                 "allow_plain_http=1",
                                 h);
        }
    if (!rc && user) {
        size_t n = strlen(user) + 32;
        if (!(c->conn.user_hdr = malloc(n)))
            rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
        else
            snprintf(c->conn.user_hdr, n, "X-ClickHouse-User: %s", user);
        for (char *s = user; *s && !rc; s++)
            if (*s == '\r' || *s == '\n')
                rc = xa_diag_set(d, XA_ERR_CONFIG, "clickhouse: bad user name");
    }
    free(user);
    if (!rc && o->password_file) {
        char *pw = NULL;
        if (!(rc = xa_secret_file_read(o->password_file, &pw, d))) {
            size_t n = strlen(pw) + 32;
            if (strpbrk(pw, "\r\n"))
                rc = xa_diag_set(d, XA_ERR_CONFIG, "clickhouse: password has a line break");
            else if (!(c->conn.key_hdr = malloc(n)))
                rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
            else
                snprintf(c->conn.key_hdr, n, "X-ClickHouse-Key: %s", pw);
            xa_secret_free(pw);
        }
    }
    return rc;
}

/* ---- schema --------------------------------------------------------------------------- */

/* Tables of version 1. %1$s database, %2$s suffix of the local table ("" single node,
 * "_local" in a cluster). */
static const char *const DDL_LOCAL[] = {
    "CREATE TABLE IF NOT EXISTS %1$s.events%2$s (tenant String, rid String, at Int64, seq Int64,"
    " stream UInt32, rtype Int32, flags Int64, op String, actor String, mbx String, wl String,"
    " ip String, obj String, doc String, body String, chain FixedString(32),"
    " lop String MATERIALIZED lowerUTF8(op), lactor String MATERIALIZED lowerUTF8(actor),"
    " lmbx String MATERIALIZED lowerUTF8(mbx), lwl String MATERIALIZED lowerUTF8(wl))"
    " ENGINE = ReplacingMergeTree"
    " PARTITION BY toYYYYMM(toDateTime(intDiv(greatest(least(at, 4102444800000000), 0), 1000000)))"
    " ORDER BY (tenant, at, rid) SETTINGS index_granularity = 1024",
    "CREATE TABLE IF NOT EXISTS %1$s.quarantine%2$s (id Int64, at Int64, stream UInt32,"
    " source String, line Int64, off Int64, reason String, data String)"
    " ENGINE = MergeTree PARTITION BY toYYYYMM(toDateTime(intDiv(greatest(least(at, 4102444800000000), 0), 1000000)))"
    " ORDER BY (at, id)",
    "CREATE TABLE IF NOT EXISTS %1$s.dups%2$s (tenant String, rid String, n UInt64)"
    " ENGINE = SummingMergeTree(n) ORDER BY (tenant, rid)",
    "CREATE TABLE IF NOT EXISTS %1$s.checkpoints%2$s (stream UInt32, id Int64, seq Int64,"
    " msg String, sig String) ENGINE = ReplacingMergeTree ORDER BY (stream, id)",
    "CREATE TABLE IF NOT EXISTS %1$s.streams%2$s (stream UInt32, uuid String, host String,"
    " created Int64, pubkey String) ENGINE = MergeTree ORDER BY (stream, uuid)",
    /* before rows are sent, the highest seq they will reach: an open that finds a value
     * beyond the committed head knows rows may be there to adopt */
    "CREATE TABLE IF NOT EXISTS %1$s.inflight%2$s (stream UInt32, upto Int64)"
    " ENGINE = ReplacingMergeTree(upto) ORDER BY stream",
};
static const char *const TABLES[] = {"events", "quarantine", "dups", "checkpoints", "streams",
                                     "inflight"};
static const char *const SHARD_KEY[] = {"cityHash64(tenant, rid)", "rand()", "cityHash64(tenant, rid)",
                                        "stream", "stream", "stream"};

/* node -1: whichever host answers (replicas for failover) */
static xa_rc check_version(struct chx *c, int node, struct xa_diag *d)
{
    xa_rc rc = run_text(c, node, "SELECT version()", d);
    if (rc)
        return rc;
    int major = 0, minor = 0;
    int shown = node >= 0 ? node + 1 : (int)c->conn.cur + 1;
    if (!c->text.data || sscanf(c->text.data, "%d.%d", &major, &minor) != 2)
        return xa_diag_set(d, XA_ERR_DB, "clickhouse: node %d: cannot read the server version", shown);
    if (major * 1000 + minor < MIN_VERSION)
        return xa_diag_set(d, XA_ERR_UNSUPPORTED,
                           "clickhouse: node %d runs ClickHouse %d.%d; exoaudit needs 18.16 or newer",
                           shown, major, minor);
    return XA_OK;
}

static xa_rc create_schema(struct chx *c, struct xa_diag *d)
{
    bool cl = c->cluster && *c->cluster;
    xa_rc rc = XA_OK;
    /* a cluster: the tables on every node; replicas: on whichever answers (node -1) */
    for (size_t i = 0; i < (cl ? c->conn.n_urls : 1) && !rc; i++) {
        int node = cl ? (int)i : -1;
        /* the last table of the list exists: the node has the whole schema (one round trip
         * instead of one per table on every open) */
        xa_buf_reset(&c->sql);
        if ((rc = xa_buf_printf(&c->sql, "EXISTS TABLE %s.%s", c->db,
                                TABLES[sizeof(TABLES) / sizeof(TABLES[0]) - 1])) ||
            (rc = run_text(c, node, c->sql.data, d)))
            break;
        if (c->text.data && c->text.data[0] == '1')
            continue;
        xa_buf_reset(&c->sql);
        if ((rc = xa_buf_printf(&c->sql, "CREATE DATABASE IF NOT EXISTS %s", c->db)) ||
            (rc = run_text(c, node, c->sql.data, d)))
            break;
        for (size_t t = 0; t < sizeof(TABLES) / sizeof(TABLES[0]) && !rc; t++) {
            xa_buf_reset(&c->sql);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral" /* DDL_LOCAL: constant strings above */
            if ((rc = xa_buf_printf(&c->sql, DDL_LOCAL[t], c->db, cl ? "_local" : "")))
                break;
#pragma GCC diagnostic pop
            if ((rc = run_text(c, node, c->sql.data, d)))
                break;
            if (cl) {
                xa_buf_reset(&c->sql);
                rc = xa_buf_printf(&c->sql,
                                   "CREATE TABLE IF NOT EXISTS %1$s.%2$s AS %1$s.%2$s_local"
                                   " ENGINE = Distributed(%3$s, %1$s, %2$s_local, %4$s)",
                                   c->db, TABLES[t], c->cluster, SHARD_KEY[t]);
                if (!rc)
                    rc = run_text(c, node, c->sql.data, d);
            }
        }
    }
    return rc;
}

static xa_rc check_schema(struct chx *c, struct xa_diag *d)
{
    xa_buf_reset(&c->sql);
    xa_rc rc = xa_buf_printf(&c->sql, "EXISTS TABLE %s", c->tbl_ev);
    if (!rc)
        rc = run_text(c, -1, c->sql.data, d);
    if (rc)
        return rc;
    if (!c->text.data || c->text.data[0] != '1')
        return xa_diag_set(d, XA_ERR_NOTFOUND,
                           "clickhouse: database %s has no exoaudit archive yet (run 'exoaudit "
                           "import' first)",
                           c->db);
    return XA_OK;
}

/* ---- writer stream head (kept in the state file) -------------------------------------- */

struct head_rec {
    char magic[8];
    uint32_t stream;
    char stream_id[33];
    struct head h;
};

static xa_rc head_load_cb(void *ud, const char *key, const void *data, size_t len)
{
    struct head_rec *r = ud;
    if (strcmp(key, "head") == 0 && len == sizeof(*r) && memcmp(data, "xach1\0\0", 8) == 0)
        memcpy(r, data, sizeof(*r));
    return XA_OK;
}

static xa_rc head_save(struct chx *c, struct xa_diag *d)
{
    struct head_rec r;
    memset(&r, 0, sizeof(r));
    memcpy(r.magic, "xach1\0\0", 8);
    r.stream = c->stream;
    memcpy(r.stream_id, c->stream_id, sizeof(r.stream_id));
    r.h = c->cur;
    return c->state.ops->alerts->state_put(c->state.ctx, STATE_OWNER, "head", &r, sizeof(r), d);
}

struct one_int {
    int64_t v;
    bool any;
};

static xa_rc one_int_cb(void *ud, const struct xa_ch_val *v)
{
    struct one_int *o = ud;
    o->v = v[0].i;
    o->any = true;
    return XA_OK;
}

struct uuid_first {
    char first[33];
};

static xa_rc uuid_first_cb(void *ud, const struct xa_ch_val *v)
{
    struct uuid_first *u = ud;
    if (!u->first[0])
        snprintf(u->first, sizeof(u->first), "%s", v[0].s);
    return XA_OK;
}

static xa_rc stream_register(struct chx *c, struct xa_diag *d)
{
    unsigned char rnd[16];
    xa_rc rc = xa_int_random(rnd, sizeof(rnd));
    if (rc)
        return xa_diag_set(d, rc, "no randomness");
    xa_int_hex(rnd, 16, c->stream_id);
    char host[128] = "";
    gethostname(host, sizeof(host) - 1);
    struct xa_buf pem;
    xa_buf_init(&pem, 0);
    if (c->key)
        xa_int_key_public_pem(c->key, &pem);
    for (int attempt = 0; attempt < 16; attempt++) {
        struct one_int mx = {0, false};
        xa_buf_reset(&c->sql);
        xa_buf_printf(&c->sql, "SELECT toInt64(max(stream)) FROM %s FORMAT RowBinary", c->tbl_streams);
        if ((rc = xa_ch_run(&c->conn, -1, c->sql.data, NULL, 0, c->settings, true, "q", one_int_cb,
                            &mx, NULL, d)))
            break;
        uint32_t no = (uint32_t)mx.v + 1 + (uint32_t)attempt;
        if (no >= (1u << 22)) {
            rc = xa_diag_set(d, XA_ERR_LIMIT, "clickhouse: too many writer streams");
            break;
        }
        struct xa_buf row;
        xa_buf_init(&row, 0);
        xa_ch_put_u32(&row, no);
        xa_ch_put_str(&row, c->stream_id, 32);
        xa_ch_put_str(&row, host, strlen(host));
        xa_ch_put_i64(&row, xa_time_now());
        rc = xa_ch_put_str(&row, pem.data ? pem.data : "", pem.len);
        xa_buf_reset(&c->sql);
        xa_buf_printf(&c->sql, "INSERT INTO %s (stream, uuid, host, created, pubkey) FORMAT RowBinary",
                      c->tbl_streams);
        if (!rc)
            rc = xa_ch_run(&c->conn, -1, c->sql.data, row.data, row.len, c->settings, true, NULL,
                           NULL, NULL, &c->text, d);
        xa_buf_release(&row);
        if (rc)
            break;
        /* two writers may have picked the same number: the smaller uuid keeps it */
        struct uuid_first u = {""};
        xa_buf_reset(&c->sql);
        xa_buf_printf(&c->sql, "SELECT uuid FROM %s WHERE stream = %u ORDER BY uuid LIMIT 1 FORMAT RowBinary",
                      c->tbl_streams, no);
        if ((rc = xa_ch_run(&c->conn, -1, c->sql.data, NULL, 0, c->settings, true, "S",
                            uuid_first_cb, &u, NULL, d)))
            break;
        if (strcmp(u.first, c->stream_id) == 0) {
            c->stream = no;
            break;
        }
    }
    xa_buf_release(&pem);
    if (!rc && !c->stream)
        rc = xa_diag_set(d, XA_ERR_DB, "clickhouse: could not allocate a writer stream number");
    return rc;
}

/* ---- rows <-> events ------------------------------------------------------------------ */

static xa_rc row_to_event(struct chx *c, const struct xa_ch_val *v, struct xa_event *ev,
                          struct xa_diag *d)
{
    xa_event_init(ev);
    ev->tenant_id = v[0].s;
    ev->record_id = v[1].s;
    ev->occurred_at = v[2].i;
    ev->seq = v[3].i;
    ev->record_type = (int)v[4].i;
    xa_sqlc_flags_unpack(v[5].i, ev);
    ev->operation = *v[6].s ? v[6].s : NULL;
    ev->actor = *v[7].s ? v[7].s : NULL;
    ev->mailbox = *v[8].s ? v[8].s : NULL;
    ev->workload = *v[9].s ? v[9].s : NULL;
    ev->client_ip = *v[10].s ? v[10].s : NULL;
    /* the reader's strings are NUL-terminated copies in its arena: decode in place */
    if (xa_sqlc_body_decode((char *)v[11].s, v[11].n, &c->arena, ev))
        return xa_diag_set(d, XA_ERR_DB, "clickhouse: record %s: stored body is malformed", v[1].s);
    return XA_OK;
}

static void lower_ascii(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'A' && s[i] <= 'Z')
            s[i] = (char)(s[i] + 32);
}

static const char *nz(const char *s) { return s ? s : ""; }

/* ---- identity lookups ----------------------------------------------------------------- */

struct load_ud {
    struct chx *c;
    const char *tenant;
    xa_rc rc;
};

static xa_rc load_cb(void *ud, const struct xa_ch_val *v)
{
    struct load_ud *l = ud;
    unsigned char k[16];
    id_key(l->tenant, v[0].s, k);
    return idset_add(&l->c->ids, k);
}

static xa_rc flush_events(struct chx *c, struct xa_diag *d);

static xa_rc bucket_load(struct chx *c, const char *tenant, uint64_t tt, int64_t b,
                         struct xa_diag *d)
{
    if (c->ids.n > CACHE_MAX) {
        /* the set would grow without bound: send what is pending (so ClickHouse knows it)
         * and start again from an empty set */
        xa_rc rc = flush_events(c, d);
        if (rc)
            return rc;
        idset_clear(&c->ids);
    }
    xa_buf_reset(&c->sql);
    xa_rc rc = xa_buf_printf(&c->sql, "SELECT rid FROM %s WHERE tenant = ", c->tbl_ev);
    if (!rc)
        rc = xa_ch_lit(&c->sql, tenant);
    if (!rc)
        rc = xa_buf_printf(&c->sql, " AND at >= %" PRId64 " AND at < %" PRId64 " FORMAT RowBinary",
                           b == floor_div(INT64_MIN, BUCKET_US) ? INT64_MIN : b * BUCKET_US,
                           b >= floor_div(INT64_MAX, BUCKET_US) ? INT64_MAX : (b + 1) * BUCKET_US);
    if (rc)
        return xa_diag_set(d, rc, "out of memory");
    struct load_ud l = {c, tenant, XA_OK};
    if ((rc = xa_ch_run(&c->conn, -1, c->sql.data, NULL, 0, c->settings, false, "S", load_cb, &l,
                        NULL, d)))
        return rc;
    if (!grow(&c->ids.loaded, c->ids.n_loaded, &c->ids.cap_loaded, sizeof(*c->ids.loaded), 64))
        return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    c->ids.loaded[c->ids.n_loaded].tenant = tt;
    c->ids.loaded[c->ids.n_loaded].b = b;
    c->ids.n_loaded++;
    return XA_OK;
}

/* ---- open / close ---------------------------------------------------------------------- */

static xa_rc ch_checkpoint(void *ctx, struct xa_diag *d);

static void ch_close(void *ctx)
{
    struct chx *c = ctx;
    if (!c)
        return;
    if (c->in_txn) {
        c->state.ops->rollback(c->state.ctx);
        c->in_txn = false;
    }
    if (!c->readonly && c->state.ops && c->stream && c->integrity &&
        ((int64_t)c->stream << SEQ_SHIFT) + c->cur.n > c->cur.ck_seq && c->cur.n > 0) {
        struct xa_diag d; /* records written since the last checkpoint: cover them now */
        xa_diag_clear(&d);
        if (ch_checkpoint(c, &d))
            xa_log(XA_LOG_WARN, "clickhouse: closing checkpoint failed: %s", d.msg);
    }
    if (c->state.ops)
        xa_store_close(&c->state);
    xa_ch_conn_close(&c->conn);
    free(c->db);
    free(c->cluster);
    xa_int_key_free(c->key);
    free(c->ck_file);
    xa_buf_release(&c->ck_ext);
    for (size_t i = 0; i < XA_CH_MAX_NODES; i++)
        xa_buf_release(&c->ins[i]);
    xa_buf_release(&c->qins);
    xa_buf_release(&c->dins);
    xa_buf_release(&c->sql);
    xa_buf_release(&c->body);
    xa_buf_release(&c->doc);
    xa_buf_release(&c->text);
    xa_arena_release(&c->arena);
    idset_clear(&c->ids);
    free(c->pend);
    free(c);
}

static xa_rc adopt_orphans(struct chx *c, struct xa_diag *d);

static char *default_state_path(const struct chx *c)
{
    char *arch = xa_config_default_archive(); /* creates the data directory */
    if (!arch)
        return NULL;
    char *slash = strrchr(arch, '/');
    if (slash)
        *slash = '\0';
    const char *h = c->conn.urls[0];
    h = strstr(h, "://") ? strstr(h, "://") + 3 : h;
    size_t n = strlen(arch) + strlen(h) + strlen(c->db) + 64;
    char *p = malloc(n);
    if (p) {
        int k = snprintf(p, n, "%s/clickhouse-", arch);
        for (const char *s = h; *s && k + 2 < (int)n; s++)
            p[k++] = isalnum((unsigned char)*s) ? *s : '_';
        snprintf(p + k, n - (size_t)k, "-%s.state.db", c->db);
    }
    free(arch);
    return p;
}

char *xa_store_clickhouse_state_path(const char *location)
{
    if (!xa_store_is_clickhouse(location))
        return NULL;
    const char *q = strchr(location, '?');
    for (const char *a = q ? q + 1 : NULL; a && *a;) {
        const char *amp = strchr(a, '&');
        size_t n = amp ? (size_t)(amp - a) : strlen(a);
        if (n > 6 && strncmp(a, "state=", 6) == 0)
            return pct_decode(a + 6, n - 6);
        a = amp ? amp + 1 : NULL;
    }
    struct chx c;
    memset(&c, 0, sizeof(c));
    const char *p = strstr(location, "://") + 3;
    const char *slash = strchr(p, '/');
    if (!slash)
        return NULL;
    const char *at = memchr(p, '@', (size_t)(slash - p));
    if (at)
        p = at + 1;
    char *host = strndup(p, (size_t)(slash - p));
    c.db = strndup(slash + 1, q ? (size_t)(q - slash - 1) : strlen(slash + 1));
    c.conn.urls[0] = host;
    c.conn.n_urls = host ? 1 : 0;
    char *r = host && c.db ? default_state_path(&c) : NULL;
    free(host);
    free(c.db);
    return r;
}

static xa_rc ch_open(const struct xa_store_cfg *cfg, void **out, struct xa_diag *d)
{
    struct chx *c = calloc(1, sizeof(*c));
    if (!c)
        return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < XA_CH_MAX_NODES; i++)
        xa_buf_init(&c->ins[i], 0);
    xa_buf_init(&c->qins, 0);
    xa_buf_init(&c->dins, 0);
    xa_buf_init(&c->sql, 0);
    xa_buf_init(&c->body, 0);
    xa_buf_init(&c->doc, 0);
    xa_buf_init(&c->text, 0);
    xa_buf_init(&c->ck_ext, 0);
    xa_arena_init(&c->arena, 0);
    c->readonly = cfg->readonly;
    struct loc o = {0};
    xa_rc rc = parse_location(c, cfg->location, &o, d);
    bool cl = !rc && c->cluster && *c->cluster;
    if (!rc) {
        snprintf(c->tbl_ev, sizeof(c->tbl_ev), "%s.events", c->db);
        snprintf(c->tbl_q, sizeof(c->tbl_q), "%s.quarantine", c->db);
        snprintf(c->tbl_dup, sizeof(c->tbl_dup), "%s.dups", c->db);
        snprintf(c->tbl_ck, sizeof(c->tbl_ck), "%s.checkpoints", c->db);
        snprintf(c->tbl_streams, sizeof(c->tbl_streams), "%s.streams", c->db);
        snprintf(c->tbl_inflight, sizeof(c->tbl_inflight), "%s.inflight", c->db);
        c->n_shards = cl ? c->conn.n_urls : 1;
        snprintf(c->settings, sizeof(c->settings),
                 "insert_distributed_sync=1&max_insert_block_size=1048576%s",
                 cl ? "" : "");
    }
    for (size_t i = 0; !rc && i < (cl ? c->conn.n_urls : 1); i++)
        rc = check_version(c, cl ? (int)i : -1, d);
    if (!rc)
        rc = cfg->readonly ? check_schema(c, d) : create_schema(c, d);
    /* the state file */
    if (!rc) {
        char *sp = o.state ? strdup(o.state) : default_state_path(c);
        struct xa_integrity_cfg none = {.disabled = true};
        struct xa_store_cfg sc = {.location = sp, .readonly = cfg->readonly, .integrity = &none};
        if (!sp) {
            rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
        } else if (cfg->readonly && access(sp, F_OK) != 0) {
            /* search-only use on a machine without the writer's state */
        } else {
            rc = xa_store_sqlite_ops.open(&sc, &c->state.ctx, d);
            if (!rc)
                c->state.ops = &xa_store_sqlite_ops;
        }
        free(sp);
    }
    /* integrity settings */
    const struct xa_integrity_cfg *ic = cfg->integrity;
    if (!rc) {
        c->integrity = !(ic && ic->disabled);
        c->ck_records = ic && ic->checkpoint_records ? ic->checkpoint_records : 10000;
        c->ck_us = (int64_t)(ic && ic->checkpoint_minutes ? ic->checkpoint_minutes : 5) * 60000000;
        if (ic && ic->checkpoint_file && !(c->ck_file = strdup(ic->checkpoint_file)))
            rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
        if (!rc && !cfg->readonly && ic && ic->private_key_file &&
            access(ic->private_key_file, F_OK) == 0) {
            rc = xa_int_key_load_private(ic->private_key_file, &c->key, d);
            if (!rc)
                xa_int_key_fpr(c->key, c->fpr);
        }
    }
    /* the writer stream */
    if (!rc && c->state.ops) {
        struct head_rec r;
        memset(&r, 0, sizeof(r));
        rc = c->state.ops->alerts->state_load(c->state.ctx, STATE_OWNER, head_load_cb, &r, d);
        if (!rc && r.stream) {
            c->stream = r.stream;
            memcpy(c->stream_id, r.stream_id, sizeof(c->stream_id));
            c->cur = r.h;
        }
        if (!rc && !c->stream && !cfg->readonly) {
            if (!(rc = stream_register(c, d)) && !(rc = c->state.ops->begin(c->state.ctx, d))) {
                rc = head_save(c, d);
                rc = rc ? rc : c->state.ops->commit(c->state.ctx, d);
                if (rc)
                    c->state.ops->rollback(c->state.ctx);
            }
        }
        c->com = c->sent = c->cur;
        if (!rc && !cfg->readonly && c->stream) {
            struct one_int mx = {0, false};
            xa_buf_reset(&c->sql);
            xa_buf_printf(&c->sql, "SELECT toInt64(max(upto)) FROM %s WHERE stream = %u FORMAT RowBinary",
                          c->tbl_inflight, c->stream);
            rc = xa_ch_run(&c->conn, -1, c->sql.data, NULL, 0, c->settings, true, "q", one_int_cb,
                           &mx, NULL, d);
            int64_t head = ((int64_t)c->stream << SEQ_SHIFT) + c->cur.n;
            c->inflight = mx.v > head ? mx.v : head;
            if (!rc && mx.v > head)
                rc = adopt_orphans(c, d); /* a run ended between sending rows and committing */
        }
    }
    free(o.state);
    free(o.password_file);
    c->ck_mono = xa_time_mono();
    if (rc) {
        ch_close(c);
        return rc;
    }
    *out = c;
    return XA_OK;
}

/* ---- writing --------------------------------------------------------------------------- */

static xa_rc writable(struct chx *c, struct xa_diag *d)
{
    if (c->readonly)
        return xa_diag_set(d, XA_ERR_INVALID, "the archive is open read-only");
    if (!c->state.ops || !c->stream)
        return need_state(c, d);
    return XA_OK;
}

static xa_rc insert_on(struct chx *c, int node, const char *table, const char *cols,
                       struct xa_buf *rows, struct xa_diag *d)
{
    if (!rows->len)
        return XA_OK;
    xa_buf_reset(&c->sql);
    xa_rc rc = xa_buf_printf(&c->sql, "INSERT INTO %s (%s) FORMAT RowBinary", table, cols);
    if (rc)
        return xa_diag_set(d, rc, "out of memory");
    /* a retry can only repeat identical rows (same seq), which reads collapse */
    rc = xa_ch_run(&c->conn, node, c->sql.data, rows->data, rows->len, c->settings, true, NULL,
                   NULL, NULL, &c->text, d);
    if (!rc)
        xa_buf_reset(rows);
    return rc;
}

static xa_rc insert(struct chx *c, const char *table, const char *cols, struct xa_buf *rows,
                    struct xa_diag *d)
{
    return insert_on(c, -1, table, cols, rows, d);
}

static void put_le64(unsigned char *p, int64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)((uint64_t)v >> (8 * i));
}

static xa_rc flush_events(struct chx *c, struct xa_diag *d)
{
    if (!c->n_ins)
        return XA_OK;
    int64_t base = (int64_t)c->stream << SEQ_SHIFT;
    int64_t upto = base + c->cur.n + (int64_t)c->n_ins;
    xa_rc rc = XA_OK;
    if (upto > c->inflight) {
        struct xa_buf row;
        xa_buf_init(&row, 0);
        xa_ch_put_u32(&row, c->stream);
        rc = xa_ch_put_i64(&row, upto);
        if (!rc)
            rc = insert(c, c->tbl_inflight, "stream, upto", &row, d);
        xa_buf_release(&row);
        if (rc)
            return rc;
        c->inflight = upto;
    }
    /* A batch is numbered and chained in put order and sent in ONE insert (one block: all
     * or nothing), so the rows in ClickHouse are always a prefix of the numbering, never a
     * numbering with holes, even when a writer dies between two batches. In a cluster the
     * batch goes straight to one node's local table, the next batch to the next node (no
     * node parses and forwards the other's rows); a retried insert repeats it on the same
     * node, beside the original. One node or replicas: the table, with failover. */
    char local[200];
    snprintf(local, sizeof(local), "%s_local", c->tbl_ev);
    for (size_t sh = 0; sh < c->n_shards && !rc; sh++) {
        int64_t n = c->cur.n;
        unsigned char chain[32];
        memcpy(chain, c->cur.chain, 32);
        struct xa_buf *b = &c->ins[sh];
        for (size_t k = 0; k < c->n_ins; k++) {
            struct pend *p = &c->pend[k];
            if (p->shard != sh)
                continue;
            int64_t seq = base + ++n;
            unsigned char *row = (unsigned char *)b->data;
            put_le64(row + p->off, seq);
            if (c->integrity) {
                xa_int_chain_step(chain, seq, p->content, chain);
                memcpy(row + p->chain_off, chain, 32);
            }
        }
        if (n == c->cur.n)
            continue;
        rc = c->n_shards > 1 ? insert_on(c, (int)sh, local, EV_COLS, b, d)
                             : insert(c, c->tbl_ev, EV_COLS, b, d);
        if (!rc) {
            c->cur.n = n;
            memcpy(c->cur.chain, chain, 32);
        }
    }
    /* what was sent is numbered for good; rows not sent are dropped with the transaction */
    c->sent.n = c->cur.n;
    memcpy(c->sent.chain, c->cur.chain, 32);
    c->n_ins = 0;
    c->ins_bytes = 0;
    for (size_t sh = 0; sh < c->n_shards; sh++)
        xa_buf_reset(&c->ins[sh]);
    c->rr = (c->rr + 1) % c->n_shards;
    return rc;
}

static xa_rc ch_begin(void *ctx, struct xa_diag *d)
{
    struct chx *c = ctx;
    xa_rc rc = writable(c, d);
    if (rc)
        return rc;
    if (c->in_txn)
        return xa_diag_set(d, XA_ERR_INTERNAL, "transaction already open");
    if ((rc = c->state.ops->begin(c->state.ctx, d)))
        return rc;
    /* Other contexts of this state file (serve's self-audit writer and its request pool, the
     * collector's threads) write the same stream: the state's write lock is held now, so the
     * head read here is the latest and nobody else moves it until commit or rollback. */
    struct head_rec r;
    memset(&r, 0, sizeof(r));
    rc = c->state.ops->alerts->state_load(c->state.ctx, STATE_OWNER, head_load_cb, &r, d);
    if (rc) {
        c->state.ops->rollback(c->state.ctx);
        return rc;
    }
    if (r.stream == c->stream && memcmp(&r.h, &c->com, sizeof(r.h)) != 0) {
        c->cur = c->com = c->sent = r.h;
        int64_t head = ((int64_t)c->stream << SEQ_SHIFT) + r.h.n;
        if (c->inflight < head)
            c->inflight = head;
        idset_clear(&c->ids); /* records stored by the other writer are not in the set */
    }
    c->in_txn = true;
    return XA_OK;
}

static xa_rc write_checkpoint(struct chx *c, struct xa_diag *d)
{
    struct xa_int_ck ck;
    memset(&ck, 0, sizeof(ck));
    snprintf(ck.archive, sizeof(ck.archive), "%s", c->stream_id);
    ck.id = c->cur.ck_id + 1;
    ck.kind = XA_INT_CK_CHECKPOINT;
    ck.seq = ((int64_t)c->stream << SEQ_SHIFT) + c->cur.n;
    memcpy(ck.chain, c->cur.chain, 32);
    ck.block_first = 1;
    ck.block_last = 0; /* no Merkle blocks on this backend */
    memcpy(ck.prev, c->cur.ck_hash, 32);
    ck.at = xa_time_now();
    snprintf(ck.key, sizeof(ck.key), "%s", c->key ? c->fpr : "none");
    struct xa_buf msg, row;
    xa_buf_init(&msg, 0);
    xa_buf_init(&row, 0);
    unsigned char sig[64];
    xa_rc rc = xa_int_ck_format(&ck, &msg);
    if (rc)
        rc = xa_diag_set(d, rc, "out of memory");
    if (!rc && c->key)
        rc = xa_int_sign(c->key, msg.data, msg.len, sig, d);
    if (!rc) {
        xa_ch_put_u32(&row, c->stream);
        xa_ch_put_i64(&row, ck.id);
        xa_ch_put_i64(&row, ck.seq);
        xa_ch_put_str(&row, msg.data, msg.len);
        rc = xa_ch_put_str(&row, (const char *)sig, c->key ? 64 : 0);
        if (!rc)
            rc = insert(c, c->tbl_ck, "stream, id, seq, msg, sig", &row, d);
    }
    if (!rc) {
        c->cur.ck_id = ck.id;
        c->cur.ck_seq = ck.seq;
        xa_int_sha256(msg.data, msg.len, c->cur.ck_hash);
        c->ck_mono = xa_time_mono();
        if (c->ck_file)
            xa_int_ck_line_format(&c->ck_ext, c->stream, ck.id, ck.seq, msg.data, msg.len,
                                  c->key ? sig : NULL);
    }
    xa_buf_release(&msg);
    xa_buf_release(&row);
    return rc;
}

static void ch_rollback(void *ctx)
{
    struct chx *c = ctx;
    if (!c->in_txn)
        return;
    c->in_txn = false;
    c->state.ops->rollback(c->state.ctx);
    for (size_t i = 0; i < XA_CH_MAX_NODES; i++)
        xa_buf_reset(&c->ins[i]);
    c->ins_bytes = 0;
    xa_buf_reset(&c->qins);
    xa_buf_reset(&c->dins);
    xa_buf_reset(&c->ck_ext);
    c->n_ins = 0;
    /* rows already sent stay (they are real records): keep numbering after them */
    c->cur = c->com;
    c->cur.n = c->sent.n;
    memcpy(c->cur.chain, c->sent.chain, 32);
    c->cur.qn = c->sent.qn > c->com.qn ? c->sent.qn : c->com.qn;
    idset_clear(&c->ids); /* identities of discarded rows must be forgotten */
    if (c->cur.n != c->com.n || c->cur.qn != c->com.qn) {
        /* and the committed head must cover them, so that no other writer reuses their seq */
        struct xa_diag d;
        xa_diag_clear(&d);
        xa_rc rc = c->state.ops->begin(c->state.ctx, &d);
        if (!rc && !(rc = head_save(c, &d)))
            rc = c->state.ops->commit(c->state.ctx, &d);
        if (rc) {
            c->state.ops->rollback(c->state.ctx);
            xa_log(XA_LOG_WARN, "clickhouse: cannot record the rows sent before a rollback "
                                "(the next open adopts them): %s", d.msg);
        } else {
            c->com = c->cur;
        }
    }
}

static xa_rc ch_commit(void *ctx, struct xa_diag *d)
{
    struct chx *c = ctx;
    if (!c->in_txn)
        return xa_diag_set(d, XA_ERR_INTERNAL, "no transaction open");
    xa_rc rc = flush_events(c, d);
    if (!rc)
        rc = insert(c, c->tbl_q, "id, at, stream, source, line, off, reason, data", &c->qins, d);
    if (!rc)
        c->sent.qn = c->cur.qn;
    if (!rc)
        rc = insert(c, c->tbl_dup, "tenant, rid, n", &c->dins, d);
    if (!rc && c->integrity) {
        int64_t uncovered = ((int64_t)c->stream << SEQ_SHIFT) + c->cur.n - c->cur.ck_seq;
        if (c->cur.n > 0 && uncovered > 0 &&
            ((uint64_t)uncovered >= c->ck_records || xa_time_mono() - c->ck_mono >= c->ck_us))
            rc = write_checkpoint(c, d);
    }
    if (!rc)
        rc = head_save(c, d);
    if (!rc)
        rc = c->state.ops->commit(c->state.ctx, d);
    if (rc) {
        ch_rollback(c);
        return rc;
    }
    c->in_txn = false;
    c->com = c->cur;
    if (c->ck_ext.len && c->ck_file)
        xa_int_ck_file_append(c->ck_file, c->ck_ext.data, c->ck_ext.len);
    xa_buf_reset(&c->ck_ext);
    return XA_OK;
}

static xa_rc ch_put(void *ctx, const struct xa_event *ev, enum xa_put_status *status,
                    struct xa_diag *d)
{
    struct chx *c = ctx;
    if (!c->in_txn)
        return xa_diag_set(d, XA_ERR_INTERNAL, "put outside a transaction");
    if (!ev || !ev->tenant_id || !ev->record_id || !*ev->record_id)
        return xa_diag_set(d, XA_ERR_INVALID, "event without tenant_id or record_id");
    const unsigned char *prep = ev->prepared && ev->prepared_tag == PREP_TAG &&
                                        ev->prepared_len >= PREP_PREFIX && ev->prepared_text
                                    ? ev->prepared
                                    : NULL;
    unsigned char key[16];
    if (prep)
        memcpy(key, prep + 32, 16);
    else
        id_key(ev->tenant_id, ev->record_id, key);
    uint64_t tt = tenant_tag(ev->tenant_id);
    int64_t b = floor_div(ev->occurred_at, BUCKET_US);
    xa_rc rc;
    if (!idset_loaded(&c->ids, tt, b) && (rc = bucket_load(c, ev->tenant_id, tt, b, d)))
        return rc;
    if (idset_has(&c->ids, key)) {
        xa_ch_put_str(&c->dins, ev->tenant_id, strlen(ev->tenant_id));
        xa_ch_put_str(&c->dins, ev->record_id, strlen(ev->record_id));
        rc = xa_ch_put_i64(&c->dins, 1); /* UInt64 n = 1 */
        if (rc)
            return xa_diag_set(d, rc, "out of memory");
        *status = XA_PUT_DUPLICATE;
        return XA_OK;
    }
    if (c->cur.n + (int64_t)c->n_ins >= SEQ_LOCAL_MASK)
        return xa_diag_set(d, XA_ERR_LIMIT, "clickhouse: writer stream exhausted");
    if (!grow(&c->pend, c->n_ins, &c->cap_pend, sizeof(*c->pend), 1024))
        return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    int64_t flags = xa_sqlc_flags_pack(ev);
    const char *body, *doc;
    size_t body_len, doc_len;
    unsigned char content[32], chain[32] = {0}; /* the chain is filled in at flush */
    if (prep) {
        memcpy(content, prep, 32);
        body = (const char *)prep + PREP_PREFIX;
        body_len = ev->prepared_len - PREP_PREFIX;
        doc = ev->prepared_text;
        doc_len = ev->prepared_text_len;
    } else {
        xa_buf_reset(&c->body);
        xa_buf_reset(&c->doc);
        if ((rc = xa_sqlc_body_encode(ev, &c->body)))
            return xa_diag_set(d, rc, "record %s: cannot encode", ev->record_id);
        if ((rc = xa_sqlc_fts_doc(ev, &c->doc, DOC_MAX)))
            return xa_diag_set(d, rc, "out of memory");
        lower_ascii(c->doc.data, c->doc.len);
        body = c->body.data ? c->body.data : "";
        body_len = c->body.len;
        doc = c->doc.data ? c->doc.data : "";
        doc_len = c->doc.len;
        struct xa_int_head h;
        xa_int_head_from_event(ev, flags, &h);
        xa_int_content_hash(&h, body, body_len, content);
    }
    uint32_t shard = (uint32_t)c->rr; /* the whole batch goes to one shard (see flush) */
    struct xa_buf *r = &c->ins[shard];
    size_t before = r->len;
    xa_ch_put_str(r, ev->tenant_id, strlen(ev->tenant_id));
    xa_ch_put_str(r, ev->record_id, strlen(ev->record_id));
    xa_ch_put_i64(r, ev->occurred_at);
    struct pend *pd = &c->pend[c->n_ins];
    pd->shard = shard;
    pd->off = r->len; /* seq here; the chain is the row's last 32 bytes */
    memcpy(pd->content, content, 32);
    xa_ch_put_i64(r, 0);
    xa_ch_put_u32(r, c->stream);
    xa_ch_put_i32(r, ev->record_type);
    xa_ch_put_i64(r, flags);
    const char *s6[6] = {ev->operation, ev->actor, ev->mailbox, ev->workload, ev->client_ip, ev->object};
    for (int i = 0; i < 6; i++)
        xa_ch_put_str(r, nz(s6[i]), strlen(nz(s6[i])));
    xa_ch_put_str(r, doc, doc_len);
    xa_ch_put_str(r, body, body_len);
    rc = xa_buf_append(r, chain, 32);
    if (rc || (rc = idset_add(&c->ids, key)))
        return xa_diag_set(d, rc, "out of memory");
    pd->chain_off = r->len - 32;
    c->n_ins++;
    c->ins_bytes += r->len - before;
    if (c->ins_bytes >= FLUSH_BYTES && (rc = flush_events(c, d)))
        return rc;
    *status = XA_PUT_STORED;
    return XA_OK;
}

/* Producer-thread half of put(): the body encoding, the content hash, the identity key and
 * the lower-cased text document, into the caller's arena. Touches nothing of the context
 * but fields fixed at open. */
static xa_rc ch_prepare(void *ctx, struct xa_event *ev, struct xa_arena *a, struct xa_diag *d)
{
    (void)ctx;
    ev->prepared = NULL;
    ev->prepared_text = NULL;
    if (!ev->tenant_id || !ev->record_id)
        return XA_OK; /* put() reports it */
    struct xa_buf body, doc;
    xa_buf_init(&body, 0);
    xa_buf_init(&doc, 0);
    xa_rc rc = xa_sqlc_body_encode(ev, &body);
    if (!rc)
        rc = xa_sqlc_fts_doc(ev, &doc, DOC_MAX);
    unsigned char *out = rc ? NULL : xa_arena_alloc(a, PREP_PREFIX + body.len + 1);
    char *text = out ? xa_arena_strndup(a, doc.data ? doc.data : "", doc.len) : NULL;
    if (out && text) {
        struct xa_int_head h;
        xa_int_head_from_event(ev, xa_sqlc_flags_pack(ev), &h);
        xa_int_content_hash(&h, body.data ? body.data : "", body.len, out);
        id_key(ev->tenant_id, ev->record_id, out + 32);
        if (body.len)
            memcpy(out + PREP_PREFIX, body.data, body.len);
        lower_ascii(text, doc.len);
        ev->prepared = out;
        ev->prepared_len = PREP_PREFIX + body.len;
        ev->prepared_tag = PREP_TAG;
        ev->prepared_text = text;
        ev->prepared_text_len = doc.len;
    }
    xa_buf_release(&body);
    xa_buf_release(&doc);
    if (rc == XA_ERR_NOMEM || (!rc && (!out || !text)))
        return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    return XA_OK; /* an encoding failure is reported by put() with the record id */
}

static xa_rc ch_quarantine(void *ctx, const struct xa_quarantine_item *q, struct xa_diag *d)
{
    struct chx *c = ctx;
    if (!c->in_txn)
        return xa_diag_set(d, XA_ERR_INTERNAL, "quarantine outside a transaction");
    int64_t id = ((int64_t)c->stream << SEQ_SHIFT) + c->cur.qn + 1;
    struct xa_buf *r = &c->qins;
    xa_ch_put_i64(r, id);
    xa_ch_put_i64(r, q->at != 0 && q->at != XA_TIME_NONE ? q->at : xa_time_now());
    xa_ch_put_u32(r, c->stream);
    xa_ch_put_str(r, nz(q->source_name), strlen(nz(q->source_name)));
    xa_ch_put_i64(r, q->line);
    xa_ch_put_i64(r, q->offset);
    xa_ch_put_str(r, nz(q->reason), strlen(nz(q->reason)));
    xa_rc rc = xa_ch_put_str(r, q->data ? q->data : "", q->data ? q->data_len : 0);
    if (rc)
        return xa_diag_set(d, rc, "out of memory");
    c->cur.qn++;
    return XA_OK;
}

/* Rows of this stream beyond the committed head were sent before a crash (or before a
 * rollback in another process): check that they continue the chain and move the head. */
struct adopt_ud {
    struct chx *c;
    int64_t expect;
    unsigned char chain[32];
    int64_t n;
    bool broken;
};

static xa_rc adopt_cb(void *ud, const struct xa_ch_val *v)
{
    struct adopt_ud *a = ud;
    struct xa_event ev;
    struct xa_diag d;
    xa_diag_clear(&d);
    if (v[3].i != a->expect || a->broken) {
        a->broken = true;
        return XA_ERR_EOF;
    }
    unsigned char body_chain[32];
    memcpy(body_chain, v[12].s, 32);
    size_t blen = v[11].n;
    char *copy = malloc(blen + 1);
    if (!copy)
        return XA_ERR_NOMEM;
    memcpy(copy, v[11].s, blen);
    copy[blen] = '\0';
    xa_rc rc = row_to_event(a->c, v, &ev, &d);
    if (!rc && a->c->integrity) {
        struct xa_int_head h;
        unsigned char content[32], chain[32];
        xa_int_head_from_event(&ev, v[5].i, &h);
        xa_int_content_hash(&h, copy, blen, content);
        xa_int_chain_step(a->chain, v[3].i, content, chain);
        if (memcmp(chain, body_chain, 32) != 0)
            a->broken = true;
        else
            memcpy(a->chain, chain, 32);
    }
    free(copy);
    xa_arena_reset(&a->c->arena);
    if (rc || a->broken)
        return rc ? rc : XA_ERR_EOF;
    a->expect++;
    a->n++;
    return XA_OK;
}

static xa_rc adopt_orphans(struct chx *c, struct xa_diag *d)
{
    int64_t base = (int64_t)c->stream << SEQ_SHIFT;
    struct adopt_ud a = {c, base + c->cur.n + 1, {0}, 0, false};
    memcpy(a.chain, c->cur.chain, 32);
    xa_buf_reset(&c->sql);
    xa_rc rc = xa_buf_printf(&c->sql,
                             "SELECT %s, chain FROM %s PREWHERE stream = %u AND seq > %" PRId64
                             " ORDER BY seq LIMIT 1 BY seq FORMAT RowBinary",
                             EV_READ, c->tbl_ev, c->stream, base + c->cur.n);
    if (rc)
        return xa_diag_set(d, rc, "out of memory");
    char types[32];
    snprintf(types, sizeof(types), "%sF", EV_TYPES);
    if ((rc = xa_ch_run(&c->conn, -1, c->sql.data, NULL, 0, c->settings, false, types, adopt_cb, &a,
                        NULL, d)))
        return rc;
    if (!a.n)
        return XA_OK;
    xa_log(XA_LOG_WARN,
           "clickhouse: %" PRId64 " records of stream %u were stored by a run that did not "
           "finish; adopted%s",
           a.n, c->stream, a.broken ? " (the rows after them do not continue the chain: run verify)" : "");
    c->cur.n += a.n;
    memcpy(c->cur.chain, a.chain, 32);
    if ((rc = c->state.ops->begin(c->state.ctx, d)))
        return rc;
    rc = head_save(c, d);
    rc = rc ? rc : c->state.ops->commit(c->state.ctx, d);
    if (rc)
        c->state.ops->rollback(c->state.ctx);
    c->com = c->sent = c->cur;
    return rc;
}

/* ---- reading --------------------------------------------------------------------------- */

struct emit_ud {
    struct chx *c;
    xa_event_cb cb;
    void *ud;
    const struct xa_query *q; /* post filters (parameters) or NULL */
    size_t limit, n;
    bool more;
    int64_t last_at, last_seq;
    int64_t emit_at, emit_seq; /* the last row handed to cb (cursor) */
    int order;                /* enum ev_order: checked, a join must not reorder rows */
    bool any;
    xa_rc cbrc;
    struct xa_diag *d;
};

enum ev_order { ORD_NONE = 0, ORD_AT_ASC, ORD_AT_DESC, ORD_SEQ };

static bool params_match(const struct xa_query *q, const struct xa_event *ev)
{
    for (size_t i = 0; i < q->n_params; i++) {
        const struct xa_param_filter *f = &q->params[i];
        for (size_t k = 0; k < ev->n_params; k++) {
            const struct xa_kv *kv = &ev->params[k];
            if (!kv->name || !f->name)
                continue;
            bool name_ok = xa_str_has_wildcard(f->name) ? xa_str_wildmatch(f->name, kv->name)
                                                        : xa_str_ieq(f->name, kv->name);
            if (name_ok && (!f->value || xa_str_wildmatch(f->value, kv->value ? kv->value : "")))
                return true;
        }
    }
    return false;
}

static xa_rc emit_cb(void *ud, const struct xa_ch_val *v)
{
    struct emit_ud *e = ud;
    struct xa_event ev;
    xa_arena_reset(&e->c->arena);
    xa_rc rc = row_to_event(e->c, v, &ev, e->d);
    if (rc)
        return rc;
    ev.duplicates = v[12].i <= 0 ? 0 : v[12].i > UINT32_MAX ? UINT32_MAX : (uint32_t)v[12].i;
    /* An exact repeat (a retried insert) sits next to its original: same time, same seq.
     * The SQL collapses it per shard, but ClickHouse applies a distributed LIMIT before the
     * initiator's LIMIT BY, so it is dropped here as well. */
    if (e->any && ev.seq == e->last_seq && ev.occurred_at == e->last_at)
        return XA_OK;
    if (e->any && e->order != ORD_NONE) {
        bool ok = e->order == ORD_SEQ      ? ev.seq > e->last_seq
                  : e->order == ORD_AT_ASC ? (ev.occurred_at > e->last_at ||
                                              (ev.occurred_at == e->last_at && ev.seq > e->last_seq))
                                           : (ev.occurred_at < e->last_at ||
                                              (ev.occurred_at == e->last_at && ev.seq < e->last_seq));
        if (!ok)
            return xa_diag_set(e->d, XA_ERR_DB, "clickhouse: rows arrived out of order");
    }
    e->any = true;
    e->last_at = ev.occurred_at;
    e->last_seq = ev.seq;
    if (e->q && e->q->n_params && !params_match(e->q, &ev))
        return XA_OK;
    if (e->limit && e->n == e->limit) {
        e->more = true;
        return XA_ERR_EOF;
    }
    e->n++;
    e->emit_at = ev.occurred_at;
    e->emit_seq = ev.seq;
    rc = e->cb(e->ud, &ev);
    if (rc) {
        e->cbrc = rc;
        return XA_ERR_EOF;
    }
    return XA_OK;
}

/* c->sql holds "SELECT EV_READ FROM events ..." (ordered, without FORMAT). Run it with each
 * row's duplicate counter joined from the dups table; the join keeps the order of its left
 * side (emit_cb checks it). bounded: the query returns few rows, so only their counters are
 * read (GLOBAL: the subquery reads a Distributed table too); else dups is grouped once. */
static xa_rc select_events(struct chx *c, struct emit_ud *e, bool bounded, struct xa_diag *d)
{
    struct xa_buf w;
    xa_buf_init(&w, 0);
    xa_rc rc = xa_buf_printf(&w, "SELECT %s, toInt64(dn) FROM (%s) ANY LEFT JOIN"
                                 " (SELECT tenant, rid, toInt64(sum(n)) AS dn FROM %s",
                             EV_READ, c->sql.data, c->tbl_dup);
    if (!rc && bounded)
        rc = xa_buf_printf(&w, " WHERE (tenant, rid) GLOBAL IN (SELECT tenant, rid FROM (%s))",
                           c->sql.data);
    if (!rc)
        rc = xa_buf_puts(&w, " GROUP BY tenant, rid) USING (tenant, rid) FORMAT RowBinary");
    if (!rc)
        rc = xa_ch_run(&c->conn, -1, w.data, NULL, 0, c->settings, false, EV_TYPES_DUPS, emit_cb,
                       e, NULL, d);
    else
        rc = xa_diag_set(d, rc, "out of memory");
    xa_buf_release(&w);
    return rc ? rc : e->cbrc;
}

/* "(f(col) = v OR ...)" for one string filter. mode 0: exact, 1: substring (object); plus
 * STR_LOWERED when col holds lower-cased values already (the l* columns). */
#define STR_LOWERED 2
static xa_rc str_filter(struct xa_buf *s, const char *col, const char *const *vals, size_t n,
                        int mode)
{
    if (!n)
        return XA_OK;
    bool lowered = mode & STR_LOWERED;
    mode &= ~STR_LOWERED;
    xa_rc rc = xa_buf_puts(s, " AND (");
    for (size_t i = 0; i < n && !rc; i++) {
        const char *v = vals[i] ? vals[i] : "";
        if (i)
            rc = xa_buf_puts(s, " OR ");
        if (rc)
            break;
        if (xa_str_has_wildcard(v)) {
            struct xa_buf like;
            xa_buf_init(&like, 0);
            rc = xa_sqlc_like_pattern(v, &like);
            if (!rc)
                rc = xa_buf_printf(s, lowered ? "%s LIKE lowerUTF8(" : "lowerUTF8(%s) LIKE lowerUTF8(",
                                   col);
            if (!rc)
                rc = xa_ch_litn(s, like.data ? like.data : "", like.len);
            xa_buf_release(&like);
            if (!rc)
                rc = xa_buf_putc(s, ')');
        } else if (mode == 1) {
            rc = xa_buf_printf(s, "positionCaseInsensitiveUTF8(%s, ", col);
            if (!rc)
                rc = xa_ch_lit(s, v);
            if (!rc)
                rc = xa_buf_puts(s, ") > 0");
        } else {
            rc = xa_buf_printf(s, lowered ? "%s = lowerUTF8(" : "lowerUTF8(%s) = lowerUTF8(", col);
            if (!rc)
                rc = xa_ch_lit(s, v);
            if (!rc)
                rc = xa_buf_putc(s, ')');
        }
    }
    return rc ? rc : xa_buf_putc(s, ')');
}

static xa_rc int_filter(struct xa_buf *s, const char *expr, const int *v, size_t n, int add)
{
    if (!n)
        return XA_OK;
    xa_rc rc = xa_buf_printf(s, " AND %s IN (", expr);
    for (size_t i = 0; i < n && !rc; i++)
        rc = xa_buf_printf(s, "%s%d", i ? "," : "", v[i] + add);
    return rc ? rc : xa_buf_putc(s, ')');
}

static xa_rc ip_filter(struct xa_buf *s, const char *const *ips, size_t n, struct xa_diag *d)
{
    if (!n)
        return XA_OK;
    xa_rc rc = xa_buf_puts(s, " AND (");
    for (size_t i = 0; i < n && !rc; i++) {
        const char *v = ips[i] ? ips[i] : "";
        if (i)
            rc = xa_buf_puts(s, " OR ");
        struct xa_sqlc_cidr cidr;
        if (rc)
            break;
        if (!strchr(v, '/')) {
            rc = xa_buf_puts(s, "lower(ip) = lower(");
            if (!rc)
                rc = xa_ch_lit(s, v);
            if (!rc)
                rc = xa_buf_putc(s, ')');
            continue;
        }
        if (!xa_sqlc_cidr_parse(v, &cidr))
            return xa_diag_set(d, XA_ERR_USAGE, "bad IP range '%s' (a.b.c.d/n or IPv6/n)", v);
        unsigned char lo[16], hi[16];
        size_t len = cidr.family == 4 ? 4 : 16;
        for (size_t b = 0; b < len; b++) {
            int keep = cidr.bits - (int)(b * 8);
            unsigned char mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (unsigned char)(0xff << (8 - keep));
            lo[b] = cidr.addr[b] & mask;
            hi[b] = (unsigned char)(lo[b] | (unsigned char)~mask);
        }
        if (cidr.family == 4) {
            uint32_t l = (uint32_t)lo[0] << 24 | (uint32_t)lo[1] << 16 | (uint32_t)lo[2] << 8 | lo[3];
            uint32_t h = (uint32_t)hi[0] << 24 | (uint32_t)hi[1] << 16 | (uint32_t)hi[2] << 8 | hi[3];
            rc = xa_buf_printf(s,
                               "(match(ip, '^[0-9]+\\\\.[0-9]+\\\\.[0-9]+\\\\.[0-9]+$') AND "
                               "IPv4StringToNum(ip) BETWEEN %u AND %u)",
                               l, h);
        } else {
            char lh[33], hh[33];
            xa_int_hex(lo, 16, lh);
            xa_int_hex(hi, 16, hh);
            rc = xa_buf_printf(s,
                               "(position(ip, ':') > 0 AND IPv6StringToNum(ip) BETWEEN "
                               "toFixedString(unhex('%s'), 16) AND toFixedString(unhex('%s'), 16))",
                               lh, hh);
        }
    }
    return rc ? rc : xa_buf_putc(s, ')');
}

/* a token character of SQLite's FTS5 'ascii' tokenizer (sqlite_codec.c) */
static bool tokch(unsigned char ch) { return isalnum(ch) || ch >= 0x80; }

/* Full text as SQLite's index answers it: every token of every word is a whole token of the
 * document (a prefix for the last token of a word ending in '*'); a word of several tokens
 * (ceo@contoso.com) must also appear as a substring. A token ends at any character but
 * [0-9a-z] and non-ASCII (the document is lower-cased ASCII; RE2 works on UTF-8 here). */
static xa_rc text_filter(struct xa_buf *s, const char *text)
{
    static const char NONTOK[] = "[^0-9a-z\\x{80}-\\x{10ffff}]";
    xa_rc rc = XA_OK;
    const char *p = text;
    struct xa_buf re;
    xa_buf_init(&re, 0);
    while (*p && !rc) {
        while (*p && isspace((unsigned char)*p))
            p++;
        const char *w = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        size_t n = (size_t)(p - w);
        bool prefix = false;
        while (n && w[n - 1] == '*') {
            n--;
            prefix = true;
        }
        if (!n)
            continue;
        char *lw = strndup(w, n);
        if (!lw) {
            rc = XA_ERR_NOMEM;
            break;
        }
        lower_ascii(lw, n);
        size_t toks = 0;
        for (size_t i = 0; i < n && !rc;) {
            while (i < n && !tokch((unsigned char)lw[i]))
                i++;
            size_t st = i;
            while (i < n && tokch((unsigned char)lw[i]))
                i++;
            if (i == st)
                break;
            toks++;
            xa_buf_reset(&re);
            rc = xa_buf_printf(&re, "(^|%s)%.*s", NONTOK, (int)(i - st), lw + st);
            if (!rc && !(prefix && i == n))
                rc = xa_buf_printf(&re, "(%s|$)", NONTOK);
            rc = rc ? rc : xa_buf_puts(s, " AND match(doc, ");
            rc = rc ? rc : xa_ch_litn(s, re.data, re.len);
            rc = rc ? rc : xa_buf_putc(s, ')');
        }
        if (!rc && toks > 1) {
            rc = xa_buf_puts(s, " AND position(doc, ");
            rc = rc ? rc : xa_ch_lit(s, lw);
            rc = rc ? rc : xa_buf_puts(s, ") > 0");
        }
        free(lw);
    }
    xa_buf_release(&re);
    return rc;
}

/* The filter conditions of q, appended to s as " PREWHERE ..." (the cheap columns are read
 * first; the wide ones - body - only for the granules that match). */
struct tenants_ud {
    struct xa_buf *out;
    size_t n;
};

static xa_rc tenants_cb(void *ud, const struct xa_ch_val *v)
{
    struct tenants_ud *t = ud;
    xa_rc rc = xa_buf_puts(t->out, t->n++ ? "," : "");
    return rc ? rc : xa_ch_litn(t->out, v[0].s, v[0].n);
}

/* The tenant filter is case-insensitive and may have wildcards, like every string filter;
 * the stored spellings that match are looked up first (the tenant column is the first of
 * the primary key and compresses to almost nothing), so that the search itself can use the
 * primary key with "tenant IN (exact values)". */
static xa_rc tenant_clause(struct chx *c, const char *pat, struct xa_buf *out, struct xa_diag *d)
{
    struct xa_buf q;
    xa_buf_init(&q, 0);
    xa_rc rc = xa_buf_printf(&q, "SELECT DISTINCT tenant FROM %s WHERE 1", c->tbl_ev);
    rc = rc ? rc : str_filter(&q, "tenant", &pat, 1, 0);
    rc = rc ? rc : xa_buf_puts(&q, " FORMAT RowBinary");
    rc = rc ? rc : xa_buf_puts(out, "tenant IN (");
    struct tenants_ud t = {out, 0};
    if (rc)
        rc = xa_diag_set(d, rc, "out of memory");
    else
        rc = xa_ch_run(&c->conn, -1, q.data, NULL, 0, c->settings, true, "S", tenants_cb, &t, NULL, d);
    if (!rc && !t.n)
        rc = xa_ch_lit(out, "");
    rc = rc ? rc : xa_buf_putc(out, ')');
    xa_buf_release(&q);
    return rc;
}

static xa_rc where_clause(const struct xa_query *q, const char *tenants, struct xa_buf *s,
                          struct xa_diag *d)
{
    xa_rc rc = xa_buf_puts(s, " PREWHERE 1");
    if (!rc && tenants)
        rc = xa_buf_printf(s, " AND %s", tenants);
    if (!rc && q->since != XA_TIME_NONE)
        rc = xa_buf_printf(s, " AND at >= %" PRId64, q->since);
    if (!rc && q->until != XA_TIME_NONE)
        rc = xa_buf_printf(s, " AND at < %" PRId64, q->until);
    if (!rc)
        rc = str_filter(s, "lop", q->operations, q->n_operations, STR_LOWERED);
    if (!rc)
        rc = str_filter(s, "lactor", q->actors, q->n_actors, STR_LOWERED);
    if (!rc)
        rc = str_filter(s, "lmbx", q->mailboxes, q->n_mailboxes, STR_LOWERED);
    if (!rc)
        rc = str_filter(s, "obj", q->objects, q->n_objects, 1);
    if (!rc)
        rc = str_filter(s, "lwl", q->workloads, q->n_workloads, STR_LOWERED);
    if (!rc && (rc = ip_filter(s, q->ips, q->n_ips, d)))
        return rc;
    if (!rc)
        rc = int_filter(s, "rtype", q->record_types, q->n_record_types, 0);
    if (!rc)
        rc = int_filter(s, "bitAnd(bitShiftRight(flags, 1), 15)", q->categories, q->n_categories, 0);
    if (!rc)
        rc = int_filter(s, "bitAnd(bitShiftRight(flags, 7), 7)", q->logon_types, q->n_logon_types, 0);
    if (!rc && q->result >= 0)
        rc = xa_buf_printf(s, " AND bitAnd(bitShiftRight(flags, 5), 3) = %d", q->result);
    if (!rc && q->external >= 0)
        rc = xa_buf_printf(s, " AND bitAnd(bitShiftRight(flags, 13), 3) = %d", q->external ? 2 : 1);
    if (!rc && !q->include_system)
        rc = xa_buf_puts(s, " AND bitAnd(flags, 1) = 0");
    if (!rc && q->text && *q->text)
        rc = text_filter(s, q->text);
    if (!rc && q->cursor && *q->cursor) {
        int64_t at, seq;
        if (!xa_sqlc_cursor_parse(q->cursor, &at, &seq))
            return xa_diag_set(d, XA_ERR_USAGE, "malformed cursor");
        rc = xa_buf_printf(s, q->oldest_first ? " AND (at > %" PRId64 " OR (at = %" PRId64 " AND seq > %" PRId64 "))"
                                              : " AND (at < %" PRId64 " OR (at = %" PRId64 " AND seq < %" PRId64 "))",
                           at, at, seq);
    }
    return rc ? xa_diag_set(d, rc, "out of memory") : XA_OK;
}

/* Phase one of a bounded search: the identities of the page, from the narrow columns. */
struct key {
    char *tenant, *rid;
    int64_t at, seq;
};
struct keys {
    struct key *k;
    size_t n, cap;
    struct xa_arena *a;
};

static xa_rc keys_cb(void *ud, const struct xa_ch_val *v)
{
    struct keys *l = ud;
    if (!grow(&l->k, l->n, &l->cap, sizeof(*l->k), 64))
        return XA_ERR_NOMEM;
    struct key *k = &l->k[l->n];
    k->tenant = xa_arena_strndup(l->a, v[0].s, v[0].n);
    k->rid = xa_arena_strndup(l->a, v[1].s, v[1].n);
    if (!k->tenant || !k->rid)
        return XA_ERR_NOMEM;
    k->at = v[2].i;
    k->seq = v[3].i;
    l->n++;
    return XA_OK;
}

#define TWO_PHASE_MAX 2000 /* pages up to this size are fetched by identity */

static xa_rc search_run(struct chx *c, const struct xa_query *q, const char *tenants_sql,
                        struct emit_ud *ep, char next_cursor[XA_CURSOR_MAX], struct xa_diag *d);

static xa_rc ch_search(void *ctx, const struct xa_query *q, xa_event_cb cb, void *ud,
                       char next_cursor[XA_CURSOR_MAX], struct xa_diag *d)
{
    struct chx *c = ctx;
    if (next_cursor)
        next_cursor[0] = '\0';
    struct emit_ud e = {.c = c, .cb = cb, .ud = ud, .q = q, .limit = q->limit, .d = d};
    struct xa_buf tenants;
    xa_buf_init(&tenants, 0);
    xa_rc rc = q->tenant_id ? tenant_clause(c, q->tenant_id, &tenants, d) : XA_OK;
    if (!rc)
        rc = search_run(c, q, tenants.data, &e, next_cursor, d);
    xa_buf_release(&tenants);
    return rc;
}

static xa_rc search_run(struct chx *c, const struct xa_query *q, const char *tenants_sql,
                        struct emit_ud *ep, char next_cursor[XA_CURSOR_MAX], struct xa_diag *d)
{
    struct emit_ud e = *ep;
    const char *dir = q->oldest_first ? "ASC" : "DESC";
    struct xa_buf *s = &c->sql;
    xa_rc rc;
    if (!q->limit || q->limit > TWO_PHASE_MAX || q->n_params) {
        /* one streaming pass; parameter filters are applied here, so no LIMIT in SQL */
        xa_buf_reset(s);
        if ((rc = xa_buf_printf(s, "SELECT %s FROM %s", EV_READ, c->tbl_ev)) ||
            (rc = where_clause(q, tenants_sql, s, d)))
            return rc;
        bool bounded = q->limit && !q->n_params;
        /* bounded: no LIMIT BY (see the two phases below); the repeats emit_cb drops are
         * covered by a margin */
        rc = xa_buf_printf(s, " ORDER BY at %s, seq %s%s", dir, dir,
                           bounded ? "" : " LIMIT 1 BY tenant, rid");
        if (!rc && bounded)
            rc = xa_buf_printf(s, " LIMIT %zu", q->limit + 1 + q->limit / 8 + 64);
        if (rc)
            return xa_diag_set(d, rc, "out of memory");
        e.order = q->oldest_first ? ORD_AT_ASC : ORD_AT_DESC;
        rc = select_events(c, &e, bounded, d);
        if (!rc && e.more && next_cursor)
            xa_sqlc_cursor_format(e.emit_at, e.emit_seq, next_cursor, XA_CURSOR_MAX);
        return rc;
    }
    /* two phases: identities of the page from the narrow columns, then the rows by key */
    struct xa_arena ka;
    xa_arena_init(&ka, 0);
    struct keys ks = {.a = &ka};
    /* No LIMIT BY here: on a Distributed table ClickHouse applies the LIMIT on the shards
     * and the LIMIT BY after it on the initiator, so a repeated row would silently cost a
     * place and end the paging early. Exact repeats (a retried insert) are adjacent (same
     * time, same seq) and dropped here; when that leaves the page short although the answer
     * was full, ask again for more. */
    /* Newest first without a narrow window: look at the newest 30 days first, then 4 times
     * wider, ... and the whole archive last. When a window already holds a full page, that
     * page is the answer (everything outside is older), and the partitions outside the
     * window are never read: a search over years of records costs what a month costs. */
    int64_t top = XA_TIME_NONE, win = (int64_t)30 * 86400 * 1000000;
    if (!q->oldest_first) {
        int64_t cat, cseq;
        top = xa_time_now() + (int64_t)86400 * 1000000;
        if (q->until != XA_TIME_NONE)
            top = q->until;
        if (q->cursor && *q->cursor && xa_sqlc_cursor_parse(q->cursor, &cat, &cseq) && cat + 1 < top)
            top = cat + 1;
    }
    for (size_t want = q->limit + 1;;) {
        int64_t lo = top == XA_TIME_NONE || win <= 0 || top - win < INT64_MIN / 2 ? XA_TIME_NONE
                                                                                  : top - win;
        if (lo != XA_TIME_NONE && q->since != XA_TIME_NONE && lo <= q->since)
            lo = XA_TIME_NONE; /* the query's own window is narrower */
        ks.n = 0;
        xa_arena_reset(&ka);
        xa_buf_reset(s);
        if ((rc = xa_buf_printf(s, "SELECT tenant, rid, at, seq FROM %s", c->tbl_ev)) ||
            (rc = where_clause(q, tenants_sql, s, d)))
            goto out;
        if (lo != XA_TIME_NONE && (rc = xa_buf_printf(s, " AND at >= %" PRId64, lo))) {
            rc = xa_diag_set(d, rc, "out of memory");
            goto out;
        }
        if ((rc = xa_buf_printf(s, " ORDER BY at %s, seq %s LIMIT %zu FORMAT RowBinary", dir,
                                dir, want))) {
            rc = xa_diag_set(d, rc, "out of memory");
            goto out;
        }
        if ((rc = xa_ch_run(&c->conn, -1, s->data, NULL, 0, c->settings, false, "SSqq", keys_cb,
                            &ks, NULL, d)))
            goto out;
        size_t raw = ks.n, k = 0;
        for (size_t i = 0; i < ks.n; i++)
            if (!k || ks.k[i].seq != ks.k[k - 1].seq || ks.k[i].at != ks.k[k - 1].at)
                ks.k[k++] = ks.k[i];
        ks.n = k;
        if (ks.n > q->limit || want > ((size_t)1 << 24))
            break; /* a full page */
        if (raw == want) {
            want *= 2; /* repeats cost places: ask again for more */
            continue;
        }
        if (lo == XA_TIME_NONE)
            break; /* the whole range was searched */
        /* 30, 120, 480 days, then everything (-1: no lower bound) */
        win = win >= (int64_t)480 * 86400 * 1000000 ? -1 : win * 4;
    }
    size_t page = ks.n > q->limit ? q->limit : ks.n;
    if (page) {
        xa_buf_reset(s);
        /* by primary key: the times narrow the granules, then the exact identities */
        rc = xa_buf_printf(s, "SELECT %s FROM %s PREWHERE at IN (", EV_READ, c->tbl_ev);
        for (size_t i = 0; i < page && !rc; i++)
            rc = xa_buf_printf(s, "%s%" PRId64, i ? "," : "", ks.k[i].at);
        rc = rc ? rc : xa_buf_puts(s, ") WHERE seq IN (");
        for (size_t i = 0; i < page && !rc; i++)
            rc = xa_buf_printf(s, "%s%" PRId64, i ? "," : "", ks.k[i].seq);
        rc = rc ? rc : xa_buf_puts(s, ") AND (tenant, rid) IN (");
        for (size_t i = 0; i < page && !rc; i++) {
            rc = xa_buf_puts(s, i ? ",(" : "(");
            rc = rc ? rc : xa_ch_lit(s, ks.k[i].tenant);
            rc = rc ? rc : xa_buf_putc(s, ',');
            rc = rc ? rc : xa_ch_lit(s, ks.k[i].rid);
            rc = rc ? rc : xa_buf_putc(s, ')');
        }
        rc = rc ? rc : xa_buf_printf(s, ") ORDER BY at %s, seq %s LIMIT 1 BY tenant, rid", dir, dir);
        if (rc) {
            rc = xa_diag_set(d, rc, "out of memory");
            goto out;
        }
        e.limit = 0; /* the page is exactly these rows */
        e.q = NULL;
        e.order = q->oldest_first ? ORD_AT_ASC : ORD_AT_DESC;
        rc = select_events(c, &e, true, d);
    }
    if (!rc && ks.n > q->limit && next_cursor && page)
        xa_sqlc_cursor_format(ks.k[page - 1].at, ks.k[page - 1].seq, next_cursor, XA_CURSOR_MAX);
out:
    free(ks.k);
    xa_arena_release(&ka);
    return rc;
}

static xa_rc ch_get(void *ctx, const char *id, xa_event_cb cb, void *ud, struct xa_diag *d)
{
    struct chx *c = ctx;
    struct xa_buf *s = &c->sql;
    xa_buf_reset(s);
    xa_rc rc = xa_buf_printf(s, "SELECT %s FROM %s PREWHERE lower(rid) = lower(", EV_READ, c->tbl_ev);
    rc = rc ? rc : xa_ch_lit(s, id);
    rc = rc ? rc : xa_buf_putc(s, ')');
    char *end = NULL;
    errno = 0;
    long long n = strtoll(id, &end, 10);
    if (!rc && *id && end && !*end && !errno && n > 0)
        rc = xa_buf_printf(s, " OR seq = %lld", n);
    rc = rc ? rc : xa_buf_puts(s, " ORDER BY seq LIMIT 1 BY tenant, rid");
    if (rc)
        return xa_diag_set(d, rc, "out of memory");
    struct emit_ud e = {.c = c, .cb = cb, .ud = ud, .d = d, .order = ORD_SEQ};
    rc = select_events(c, &e, true, d);
    if (!rc && !e.n)
        return xa_diag_set(d, XA_ERR_NOTFOUND, "no event with id %s", id);
    return rc;
}

static xa_rc ch_scan(void *ctx, int64_t after_seq, size_t limit, xa_event_cb cb, void *ud,
                     struct xa_diag *d)
{
    struct chx *c = ctx;
    xa_buf_reset(&c->sql);
    xa_rc rc = xa_buf_printf(&c->sql, "SELECT %s FROM %s PREWHERE seq > %" PRId64
                             " ORDER BY seq LIMIT 1 BY tenant, rid",
                             EV_READ, c->tbl_ev, after_seq);
    if (!rc && limit)
        rc = xa_buf_printf(&c->sql, " LIMIT %zu", limit);
    if (rc)
        return xa_diag_set(d, rc, "out of memory");
    struct emit_ud e = {.c = c, .cb = cb, .ud = ud, .d = d, .order = ORD_SEQ};
    return select_events(c, &e, limit > 0, d);
}

struct qlist_ud {
    xa_quarantine_cb cb;
    void *ud;
    xa_rc cbrc;
};

static xa_rc qlist_cb(void *ud, const struct xa_ch_val *v)
{
    struct qlist_ud *l = ud;
    struct xa_quarantine_item q = {.id = v[0].i, .at = v[1].i, .source_name = v[2].s,
                                   .line = v[3].i, .offset = v[4].i, .reason = v[5].s,
                                   .data = v[6].s, .data_len = v[6].n};
    xa_rc rc = l->cb(l->ud, &q);
    if (rc) {
        l->cbrc = rc;
        return XA_ERR_EOF;
    }
    return XA_OK;
}

static xa_rc ch_quarantine_list(void *ctx, size_t limit, xa_quarantine_cb cb, void *ud,
                                struct xa_diag *d)
{
    struct chx *c = ctx;
    xa_buf_reset(&c->sql);
    xa_rc rc = xa_buf_printf(&c->sql,
                             "SELECT id, at, source, line, off, reason, data FROM %s"
                             " ORDER BY at DESC, id DESC",
                             c->tbl_q);
    if (!rc && limit)
        rc = xa_buf_printf(&c->sql, " LIMIT %zu", limit);
    rc = rc ? rc : xa_buf_puts(&c->sql, " FORMAT RowBinary");
    if (rc)
        return xa_diag_set(d, rc, "out of memory");
    struct qlist_ud l = {cb, ud, XA_OK};
    rc = xa_ch_run(&c->conn, -1, c->sql.data, NULL, 0, c->settings, false, "qqSqqSS", qlist_cb,
                   &l, NULL, d);
    return rc ? rc : l.cbrc;
}

struct ints {
    int64_t v[4];
};

static xa_rc ints_cb(void *ud, const struct xa_ch_val *v)
{
    struct ints *o = ud;
    for (int i = 0; i < 4; i++)
        o->v[i] = v[i].i;
    return XA_OK;
}

static xa_rc query_ints(struct chx *c, int node, const char *types, struct ints *out,
                        struct xa_diag *d)
{
    memset(out, 0, sizeof(*out));
    return xa_ch_run(&c->conn, node, c->sql.data, NULL, 0, c->settings, true, types, ints_cb, out,
                     NULL, d);
}

static xa_rc ch_stats(void *ctx, struct xa_store_stats *st, struct xa_diag *d)
{
    struct chx *c = ctx;
    struct ints r;
    memset(st, 0, sizeof(*st));
    xa_buf_reset(&c->sql);
    xa_buf_printf(&c->sql,
                  "SELECT toInt64(uniqExact(tenant, rid)), toInt64(max(seq)), toInt64(min(at)),"
                  " toInt64(max(at)) FROM %s FORMAT RowBinary",
                  c->tbl_ev);
    xa_rc rc = query_ints(c, -1, "qqqq", &r, d);
    if (rc)
        return rc;
    st->events = r.v[0];
    st->max_seq = r.v[1];
    st->oldest = r.v[0] ? r.v[2] : XA_TIME_NONE;
    st->newest = r.v[0] ? r.v[3] : XA_TIME_NONE;
    xa_buf_reset(&c->sql);
    xa_buf_printf(&c->sql, "SELECT toInt64(sum(n)) FROM %s FORMAT RowBinary", c->tbl_dup);
    if ((rc = query_ints(c, -1, "q", &r, d)))
        return rc;
    st->duplicates = r.v[0];
    xa_buf_reset(&c->sql);
    xa_buf_printf(&c->sql, "SELECT toInt64(count()) FROM %s FORMAT RowBinary", c->tbl_q);
    if ((rc = query_ints(c, -1, "q", &r, d)))
        return rc;
    st->quarantined = r.v[0];
    st->bytes = 0;
    for (size_t node = 0; node < c->conn.n_urls; node++) {
        xa_buf_reset(&c->sql);
        xa_buf_puts(&c->sql, "SELECT toInt64(sum(bytes_on_disk)) FROM system.parts WHERE active AND database = ");
        xa_ch_lit(&c->sql, c->db);
        xa_buf_puts(&c->sql, " FORMAT RowBinary");
        struct xa_diag ignore;
        xa_diag_clear(&ignore);
        if (query_ints(c, (int)node, "q", &r, &ignore)) {
            st->bytes = -1;
            break;
        }
        st->bytes += r.v[0];
    }
    return XA_OK;
}

/* ---- integrity ------------------------------------------------------------------------- */

struct ckrow {
    int64_t id, seq;
    char *msg;
    size_t msg_len;
    unsigned char sig[64];
    bool has_sig;
    struct xa_int_ck ck;
    bool parsed;
};

struct vctx {
    struct chx *c;
    struct xa_verify_summary *sum;
    struct xa_int_reporter rep;
    /* per stream */
    uint32_t stream;
    int64_t expect, last;
    unsigned char chain[32];
    unsigned char prev[32];    /* the chain before seq last (for a second row with that seq) */
    bool have_chain;
    struct ckrow *cks;
    size_t nck, ick;
    int64_t since;
};

#define report(v, ...) xa_int_report(&(v)->rep, __VA_ARGS__)

struct streamrow {
    uint32_t no;
    char uuid[33];
    char *pubkey;
};

struct streams_ud {
    struct streamrow *s;
    size_t n, cap;
};

static xa_rc streams_cb(void *ud, const struct xa_ch_val *v)
{
    struct streams_ud *l = ud;
    if (!grow(&l->s, l->n, &l->cap, sizeof(*l->s), 8))
        return XA_ERR_NOMEM;
    struct streamrow *r = &l->s[l->n];
    r->no = (uint32_t)v[0].i;
    snprintf(r->uuid, sizeof(r->uuid), "%s", v[1].s);
    if (!(r->pubkey = strdup(v[2].s)))
        return XA_ERR_NOMEM;
    l->n++;
    return XA_OK;
}

struct cks_ud {
    struct ckrow *r;
    size_t n, cap;
};

static xa_rc cks_cb(void *ud, const struct xa_ch_val *v)
{
    struct cks_ud *l = ud;
    if (!grow(&l->r, l->n, &l->cap, sizeof(*l->r), 16))
        return XA_ERR_NOMEM;
    struct ckrow *r = &l->r[l->n];
    memset(r, 0, sizeof(*r));
    r->id = v[0].i;
    r->seq = v[1].i;
    if (!(r->msg = malloc(v[2].n + 1)))
        return XA_ERR_NOMEM;
    memcpy(r->msg, v[2].s, v[2].n);
    r->msg[v[2].n] = '\0';
    r->msg_len = v[2].n;
    r->has_sig = v[3].n == 64;
    if (r->has_sig)
        memcpy(r->sig, v[3].s, 64);
    r->parsed = xa_int_ck_parse(r->msg, r->msg_len, &r->ck) == XA_OK;
    l->n++;
    return XA_OK;
}

static void check_ck_at(struct vctx *v, int64_t seq, const unsigned char chain[32])
{
    while (v->ick < v->nck && v->cks[v->ick].seq <= seq) {
        struct ckrow *k = &v->cks[v->ick++];
        if (k->seq == seq && k->parsed && memcmp(k->ck.chain, chain, 32) != 0)
            report(v, XA_VP_CHECKPOINT, seq, seq, NULL, k->id,
                   "stream %u: the chain at seq %" PRId64 " differs from checkpoint %" PRId64
                   " (records before it were altered, removed or re-chained)",
                   v->stream, seq, k->id);
    }
}

/* The columns that only serve searches (obj for --object, doc for -q) are not hashed: they
 * must be what the record gives, else a record could be hidden from (or slipped into) an
 * answer without any hash changing. */
static bool search_cols_ok(struct chx *c, const struct xa_event *ev, const struct xa_ch_val *obj,
                           const struct xa_ch_val *doc)
{
    const char *o = ev->object ? ev->object : "";
    if (strlen(o) != obj->n || memcmp(o, obj->s, obj->n) != 0)
        return false;
    xa_buf_reset(&c->doc);
    if (xa_sqlc_fts_doc(ev, &c->doc, DOC_MAX))
        return false;
    lower_ascii(c->doc.data, c->doc.len);
    return c->doc.len == doc->n && (!doc->n || memcmp(c->doc.data, doc->s, doc->n) == 0);
}

static xa_rc verify_row(void *ud, const struct xa_ch_val *r)
{
    struct vctx *v = ud;
    struct chx *c = v->c;
    int64_t seq = r[3].i;
    /* the query collapses exact repeats (a retried insert): another row with the seq of the
     * previous one is a different record under a number that was taken */
    bool again = v->last && seq == v->last;
    v->sum->records++;
    if (!v->sum->first_seq || seq < v->sum->first_seq)
        v->sum->first_seq = seq;
    if (seq > v->sum->last_seq)
        v->sum->last_seq = seq;
    bool after_gap = false;
    if (!again && seq > v->expect) {
        report(v, XA_VP_DELETED, v->expect, seq - 1, NULL, 0,
               "stream %u: records seq %" PRId64 "..%" PRId64 " (%" PRId64 ") are missing",
               v->stream, v->expect, seq - 1, seq - v->expect);
        after_gap = true;
    }
    unsigned char stored[32];
    memcpy(stored, r[12].s, 32);
    size_t blen = r[11].n;
    char *copy = malloc(blen + 1);
    if (!copy)
        return XA_ERR_NOMEM;
    memcpy(copy, r[11].s, blen);
    copy[blen] = '\0';
    struct xa_event ev;
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_arena_reset(&c->arena);
    xa_rc rc = row_to_event(c, r, &ev, &d);
    bool chained = false;
    if (rc) {
        report(v, XA_VP_ALTERED, seq, seq, r[1].s, 0, "stream %u: record seq %" PRId64 " (%s) is unreadable",
               v->stream, seq, r[1].s);
    } else {
        struct xa_int_head h;
        unsigned char content[32], chain[32];
        xa_int_head_from_event(&ev, r[5].i, &h);
        xa_int_content_hash(&h, copy, blen, content);
        xa_int_chain_step(again ? v->prev : v->chain, seq, content, chain);
        chained = memcmp(chain, stored, 32) == 0;
        if (again)
            report(v, XA_VP_INSERTED, seq, seq, r[1].s, 0,
                   "stream %u: record %s is a second, different row with seq %" PRId64
                   " (inserted behind exoaudit's back)",
                   v->stream, r[1].s, seq);
        else if (!after_gap && !chained)
            report(v, XA_VP_ALTERED, seq, seq, r[1].s, 0,
                   "stream %u: record seq %" PRId64 " (%s) does not match its chained hash",
                   v->stream, seq, r[1].s);
        else if (!search_cols_ok(c, &ev, &r[13], &r[14]))
            report(v, XA_VP_ALTERED, seq, seq, r[1].s, 0,
                   "stream %u: record seq %" PRId64 " (%s): its search columns (object, text) do "
                   "not match the record",
                   v->stream, seq, r[1].s);
    }
    free(copy);
    if (again) { /* the chain goes on from whichever row continues it */
        if (chained)
            memcpy(v->chain, stored, 32);
        return v->rep.cbrc ? XA_ERR_EOF : XA_OK;
    }
    memcpy(v->prev, v->chain, 32);
    memcpy(v->chain, stored, 32);
    check_ck_at(v, seq, stored);
    v->expect = seq + 1;
    v->last = seq;
    return v->rep.cbrc ? XA_ERR_EOF : XA_OK;
}

/* Compare with the external checkpoint lines (integrity.checkpoint_file) of one stream, or
 * with stream 0 those of streams the archive does not have (sl: the registered ones). */
static void verify_external(struct vctx *v, const char *path, const struct streams_ud *sl,
                            uint32_t stream, const struct ckrow *cks, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (stream == 0)
            report(v, XA_VP_WARNING, 0, 0, NULL, 0, "external checkpoint file %s: cannot read", path);
        return;
    }
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        uint32_t st = 0;
        int64_t id = 0, seq = 0;
        char *m = NULL;
        size_t ml = 0;
        if (!xa_int_ck_line_parse(line, &st, &id, &seq, &m, &ml) || st == 0) {
            free(m);
            continue;
        }
        bool known = false;
        for (size_t i = 0; i < sl->n && !known; i++)
            known = sl->s[i].no == st;
        if (stream ? st != stream : known) {
            free(m);
            continue;
        }
        const struct ckrow *r = NULL;
        for (size_t i = 0; i < n; i++)
            if (cks[i].id == id)
                r = &cks[i];
        bool same = m && r && r->msg && ml == r->msg_len && memcmp(m, r->msg, ml) == 0;
        free(m);
        if (!r)
            report(v, XA_VP_CHECKPOINT, seq, seq, NULL, id,
                   "stream %u: checkpoint %" PRId64 " (seq %" PRId64 ") recorded in %s is not in "
                   "the archive (archive truncated or rewritten)",
                   st, id, seq, path);
        else if (!same)
            report(v, XA_VP_CHECKPOINT, seq, seq, NULL, id,
                   "stream %u: checkpoint %" PRId64 " (seq %" PRId64 ") differs from the copy in %s "
                   "(archive rewritten)",
                   st, id, seq, path);
    }
    free(line);
    fclose(f);
}

static xa_rc ch_verify(void *ctx, const struct xa_verify_opts *o, xa_verify_cb cb, void *ud,
                       struct xa_verify_summary *sum, struct xa_diag *d)
{
    struct chx *c = ctx;
    memset(sum, 0, sizeof(*sum));
    struct vctx v = {.c = c, .sum = sum,
                     .rep = {.cb = cb, .ud = ud, .problems = &sum->problems,
                             .warnings = &sum->warnings},
                     .since = o ? o->since : XA_TIME_NONE};
    struct xa_int_key *trusted = NULL;
    xa_rc rc = XA_OK;
    if (o && o->public_key_pem && (rc = xa_int_key_from_pem(o->public_key_pem, strlen(o->public_key_pem),
                                                            &trusted, d)))
        return rc;
    if (trusted)
        xa_int_key_fpr(trusted, sum->key_fpr);
    struct streams_ud sl = {0};
    xa_buf_reset(&c->sql);
    xa_buf_printf(&c->sql, "SELECT stream, uuid, pubkey FROM %s ORDER BY stream, uuid LIMIT 1 BY stream"
                  " FORMAT RowBinary", c->tbl_streams);
    rc = xa_ch_run(&c->conn, -1, c->sql.data, NULL, 0, c->settings, false, "uSS", streams_cb, &sl, NULL, d);
    for (size_t i = 0; !rc && i < sl.n && !v.rep.cbrc; i++) {
        struct streamrow *sr = &sl.s[i];
        v.stream = sr->no;
        v.expect = ((int64_t)sr->no << SEQ_SHIFT) + 1;
        v.last = 0;
        memset(v.chain, 0, 32);
        struct cks_ud cl = {0};
        xa_buf_reset(&c->sql);
        xa_buf_printf(&c->sql, "SELECT id, seq, msg, sig FROM %s WHERE stream = %u ORDER BY id LIMIT 1 BY id"
                      " FORMAT RowBinary", c->tbl_ck, sr->no);
        rc = xa_ch_run(&c->conn, -1, c->sql.data, NULL, 0, c->settings, false, "qqSS", cks_cb, &cl, NULL, d);
        struct xa_int_key *k = trusted;
        struct xa_int_key *own = NULL;
        if (!rc && !k && sr->pubkey[0] &&
            xa_int_key_from_pem(sr->pubkey, strlen(sr->pubkey), &own, NULL) == XA_OK)
            k = own;
        char fpr[65] = "";
        if (k)
            xa_int_key_fpr(k, fpr);
        if (!sum->key_fpr[0] && fpr[0])
            snprintf(sum->key_fpr, sizeof(sum->key_fpr), "%s", fpr);
        /* the checkpoints themselves */
        unsigned char prev[32] = {0};
        size_t unsigned_cks = 0;
        for (size_t j = 0; !rc && j < cl.n; j++) {
            struct ckrow *ck = &cl.r[j];
            sum->checkpoints++;
            if (!ck->parsed) {
                report(&v, XA_VP_CHECKPOINT, 0, 0, NULL, ck->id, "stream %u: checkpoint %" PRId64 " is malformed",
                       sr->no, ck->id);
                continue;
            }
            if (strcmp(ck->ck.archive, sr->uuid) != 0 || ck->ck.id != ck->id || ck->ck.seq != ck->seq)
                report(&v, XA_VP_CHECKPOINT, ck->seq, ck->seq, NULL, ck->id,
                       "stream %u: checkpoint %" PRId64 " does not belong where it is stored", sr->no, ck->id);
            if (j + 1 != (size_t)ck->id)
                report(&v, XA_VP_CHECKPOINT, 0, 0, NULL, ck->id,
                       "stream %u: checkpoint %zu is missing (next found: %" PRId64 ")", sr->no, j + 1, ck->id);
            if (memcmp(ck->ck.prev, prev, 32) != 0 && j + 1 == (size_t)ck->id)
                report(&v, XA_VP_CHECKPOINT, 0, 0, NULL, ck->id,
                       "stream %u: checkpoint %" PRId64 " does not follow the previous one", sr->no, ck->id);
            xa_int_sha256(ck->msg, ck->msg_len, prev);
            if (ck->has_sig) {
                sum->signed_checkpoints++;
                if (!k)
                    report(&v, XA_VP_WARNING, 0, 0, NULL, ck->id,
                           "stream %u: no public key to check checkpoint %" PRId64, sr->no, ck->id);
                else if (!xa_int_verify_sig(k, ck->msg, ck->msg_len, ck->sig, 64))
                    report(&v, XA_VP_CHECKPOINT, ck->seq, ck->seq, NULL, ck->id,
                           "stream %u: checkpoint %" PRId64 " has a bad signature (forged or altered)",
                           sr->no, ck->id);
            } else if (strcmp(ck->ck.key, "none") != 0 || k) {
                report(&v, k ? XA_VP_CHECKPOINT : XA_VP_WARNING, ck->seq, ck->seq, NULL, ck->id,
                       "stream %u: checkpoint %" PRId64 " is not signed", sr->no, ck->id);
            } else {
                unsigned_cks++;
            }
        }
        if (unsigned_cks)
            report(&v, XA_VP_WARNING, 0, 0, NULL, 0,
                   "stream %u: %zu checkpoint(s) are unsigned (no integrity.private_key_file)",
                   sr->no, unsigned_cks);
        if (!rc && own && unsigned_cks < cl.n)
            report(&v, XA_VP_WARNING, 0, 0, NULL, 0,
                   "stream %u: no trusted public key given: checked against the key registered in "
                   "ClickHouse (whoever can write there can replace it); compare its fingerprint "
                   "%.16s with your records (exoaudit key export)",
                   sr->no, fpr);
        if (!rc && o && o->checkpoint_file)
            verify_external(&v, o->checkpoint_file, &sl, sr->no, cl.r, cl.n);
        v.cks = cl.r;
        v.nck = cl.n;
        v.ick = 0;
        if (!rc && !v.rep.cbrc) {
            xa_buf_reset(&c->sql);
            /* exact repeats (a retried insert) collapse; any other row sharing a seq stays */
            xa_buf_printf(&c->sql, "SELECT %s, chain, obj, doc FROM %s WHERE stream = %u ORDER BY seq"
                          " LIMIT 1 BY seq, tenant, rid, at, rtype, flags, op, actor, mbx, wl, ip, obj,"
                          " doc, body, chain FORMAT RowBinary", EV_READ, c->tbl_ev, sr->no);
            char types[32];
            snprintf(types, sizeof(types), "%sFSS", EV_TYPES);
            rc = xa_ch_run(&c->conn, -1, c->sql.data, NULL, 0, c->settings, false, types, verify_row,
                           &v, NULL, d);
        }
        if (!rc && !v.rep.cbrc) {
            int64_t last_ck = cl.n && cl.r[cl.n - 1].parsed ? cl.r[cl.n - 1].seq : 0;
            if (last_ck > v.last)
                report(&v, XA_VP_TRUNCATED, v.last ? v.last + 1 : v.expect, last_ck, NULL, cl.r[cl.n - 1].id,
                       "stream %u: truncated tail: records seq %" PRId64 "..%" PRId64
                       " are missing at the end of the chain",
                       sr->no, v.last ? v.last + 1 : v.expect, last_ck);
            else if (v.last > last_ck && c->integrity)
                report(&v, XA_VP_UNCOVERED, last_ck ? last_ck + 1 : ((int64_t)sr->no << SEQ_SHIFT) + 1, v.last,
                       NULL, cl.n ? cl.r[cl.n - 1].id + 1 : 1,
                       "stream %u: records seq %" PRId64 "..%" PRId64 " are not covered by any checkpoint",
                       sr->no, last_ck ? last_ck + 1 : ((int64_t)sr->no << SEQ_SHIFT) + 1, v.last);
        }
        for (size_t j = 0; j < cl.n; j++)
            free(cl.r[j].msg);
        free(cl.r);
        xa_int_key_free(own);
    }
    if (!rc && !v.rep.cbrc && o && o->checkpoint_file)
        verify_external(&v, o->checkpoint_file, &sl, 0, NULL, 0);
    /* rows that belong to no known stream were not written by exoaudit */
    if (!rc && !v.rep.cbrc) {
        struct ints r;
        xa_buf_reset(&c->sql);
        xa_buf_printf(&c->sql, "SELECT toInt64(count()), toInt64(min(seq)), toInt64(max(seq)) FROM %s"
                      " WHERE stream GLOBAL NOT IN (SELECT stream FROM %s) FORMAT RowBinary",
                      c->tbl_ev, c->tbl_streams);
        if (!(rc = query_ints(c, -1, "qqq", &r, d)) && r.v[0] > 0)
            report(&v, XA_VP_INSERTED, r.v[1], r.v[2], NULL, 0,
                   "%" PRId64 " records belong to no writer stream (inserted behind exoaudit's back)", r.v[0]);
    }
    for (size_t i = 0; i < sl.n; i++)
        free(sl.s[i].pubkey);
    free(sl.s);
    xa_int_key_free(trusted);
    return rc ? rc : v.rep.cbrc;
}

static xa_rc ch_checkpoint(void *ctx, struct xa_diag *d)
{
    struct chx *c = ctx;
    xa_rc rc = writable(c, d);
    if (rc || !c->integrity)
        return rc;
    if (((int64_t)c->stream << SEQ_SHIFT) + c->cur.n <= c->cur.ck_seq || c->cur.n == 0)
        return XA_OK;
    if ((rc = ch_begin(c, d)))
        return rc;
    c->ck_mono = xa_time_mono() - c->ck_us; /* due now */
    return ch_commit(c, d);
}

/* ---- the state file: what ClickHouse does not keep ------------------------------------ */

#define SQ (&xa_store_sqlite_ops)
#define SCTX(c) (((struct chx *)(c))->state.ctx)
#define NEED(c, dg) do { xa_rc r_ = need_state((struct chx *)(c), dg); if (r_) return r_; } while (0)

static xa_rc web_user_put(void *ctx, const struct xa_web_user *u, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->web->user_put(SCTX(ctx), u, diag);
}

static xa_rc web_user_get(void *ctx, const char *name, xa_rc (*cb)(void *ud, const struct xa_web_user *u), void *ud, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->web->user_get(SCTX(ctx), name, cb, ud, diag);
}

static xa_rc web_user_list(void *ctx, xa_rc (*cb)(void *ud, const struct xa_web_user *u), void *ud, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->web->user_list(SCTX(ctx), cb, ud, diag);
}

static xa_rc web_user_delete(void *ctx, const char *name, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->web->user_delete(SCTX(ctx), name, diag);
}

static xa_rc web_session_put(void *ctx, const struct xa_web_session *s, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->web->session_put(SCTX(ctx), s, diag);
}

static xa_rc web_session_get(void *ctx, const char *id_hash, xa_rc (*cb)(void *ud, const struct xa_web_session *s), void *ud, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->web->session_get(SCTX(ctx), id_hash, cb, ud, diag);
}

static xa_rc web_session_delete(void *ctx, const char *id_hash, int64_t now, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->web->session_delete(SCTX(ctx), id_hash, now, diag);
}

static xa_rc web_token_put(void *ctx, const struct xa_web_token *t, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->web->token_put(SCTX(ctx), t, diag);
}

static xa_rc web_token_get(void *ctx, const char *hash, const char *id, xa_rc (*cb)(void *ud, const struct xa_web_token *t), void *ud, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->web->token_get(SCTX(ctx), hash, id, cb, ud, diag);
}

static xa_rc web_token_list(void *ctx, xa_rc (*cb)(void *ud, const struct xa_web_token *t), void *ud, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->web->token_list(SCTX(ctx), cb, ud, diag);
}

static xa_rc web_token_delete(void *ctx, const char *id, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->web->token_delete(SCTX(ctx), id, diag);
}

static const struct xa_store_web_ops ch_web_ops = {
    .user_put = web_user_put,
    .user_get = web_user_get,
    .user_list = web_user_list,
    .user_delete = web_user_delete,
    .session_put = web_session_put,
    .session_get = web_session_get,
    .session_delete = web_session_delete,
    .token_put = web_token_put,
    .token_get = web_token_get,
    .token_list = web_token_list,
    .token_delete = web_token_delete,
};

static xa_rc fwd_state_get(void *ctx, const char *dest, xa_fwd_state_cb cb, void *ud, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->fwd->state_get(SCTX(ctx), dest, cb, ud, diag);
}

static xa_rc fwd_state_list(void *ctx, xa_fwd_state_cb cb, void *ud, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->fwd->state_list(SCTX(ctx), cb, ud, diag);
}

static xa_rc fwd_state_put(void *ctx, const struct xa_fwd_state *s, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->fwd->state_put(SCTX(ctx), s, diag);
}

static xa_rc fwd_spool_add(void *ctx, const char *dest, const struct xa_fwd_msg *m, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->fwd->spool_add(SCTX(ctx), dest, m, diag);
}

static xa_rc fwd_spool_read(void *ctx, const char *dest, size_t limit, xa_fwd_msg_cb cb, void *ud, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->fwd->spool_read(SCTX(ctx), dest, limit, cb, ud, diag);
}

static xa_rc fwd_spool_remove(void *ctx, const char *dest, int64_t upto_id, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->fwd->spool_remove(SCTX(ctx), dest, upto_id, diag);
}

static xa_rc fwd_forget(void *ctx, const char *dest, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->fwd->forget(SCTX(ctx), dest, diag);
}

static const struct xa_store_fwd_ops ch_fwd_ops = {
    .state_get = fwd_state_get,
    .state_list = fwd_state_list,
    .state_put = fwd_state_put,
    .spool_add = fwd_spool_add,
    .spool_read = fwd_spool_read,
    .spool_remove = fwd_spool_remove,
    .forget = fwd_forget,
};

static xa_rc alerts_put(void *ctx, const struct xa_alert *a, int64_t merge_window, int64_t *id, bool *merged, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->alerts->put(SCTX(ctx), a, merge_window, id, merged, diag);
}

static xa_rc alerts_list(void *ctx, const struct xa_alert_query *q, xa_alert_cb cb, void *ud, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->alerts->list(SCTX(ctx), q, cb, ud, diag);
}

static xa_rc alerts_update(void *ctx, int64_t id, int status, const char *who, const char *comment, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->alerts->update(SCTX(ctx), id, status, who, comment, diag);
}

static xa_rc alerts_cursor_get(void *ctx, const char *name, int64_t *seq, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->alerts->cursor_get(SCTX(ctx), name, seq, diag);
}

static xa_rc alerts_cursor_set(void *ctx, const char *name, int64_t seq, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->alerts->cursor_set(SCTX(ctx), name, seq, diag);
}

static xa_rc alerts_state_load(void *ctx, const char *owner, xa_state_cb cb, void *ud, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->alerts->state_load(SCTX(ctx), owner, cb, ud, diag);
}

static xa_rc alerts_state_put(void *ctx, const char *owner, const char *key, const void *data, size_t len, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->alerts->state_put(SCTX(ctx), owner, key, data, len, diag);
}

static xa_rc alerts_state_clear(void *ctx, const char *owner, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->alerts->state_clear(SCTX(ctx), owner, diag);
}

static const struct xa_store_alert_ops ch_alerts_ops = {
    .put = alerts_put,
    .list = alerts_list,
    .update = alerts_update,
    .cursor_get = alerts_cursor_get,
    .cursor_set = alerts_cursor_set,
    .state_load = alerts_state_load,
    .state_put = alerts_state_put,
    .state_clear = alerts_state_clear,
};

static xa_rc col_blob_known(void *ctx, const char *tenant_id, const char *content_type, const char *content_id, bool *known, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->blob_known(SCTX(ctx), tenant_id, content_type, content_id, known, diag);
}

static xa_rc col_blob_put(void *ctx, const struct xa_blob_entry *b, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->blob_put(SCTX(ctx), b, diag);
}

static xa_rc col_stream_put(void *ctx, const struct xa_stream_state *s, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->stream_put(SCTX(ctx), s, diag);
}

static xa_rc col_stream_list(void *ctx, const char *tenant_id, xa_stream_state_cb cb, void *ud, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->stream_list(SCTX(ctx), tenant_id, cb, ud, diag);
}

static xa_rc col_gap_put(void *ctx, const struct xa_gap *g, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->gap_put(SCTX(ctx), g, diag);
}

static xa_rc col_gap_list(void *ctx, const char *tenant_id, bool open_only, xa_gap_cb cb, void *ud, struct xa_diag *diag)
{
    NEED(ctx, diag);
    return SQ->gap_list(SCTX(ctx), tenant_id, open_only, cb, ud, diag);
}

const struct xa_store_ops xa_store_clickhouse_ops = {
    .name = "clickhouse",
    .open = ch_open,
    .close = ch_close,
    .begin = ch_begin,
    .commit = ch_commit,
    .rollback = ch_rollback,
    .put = ch_put,
    .prepare = ch_prepare,
    .quarantine = ch_quarantine,
    .search = ch_search,
    .get = ch_get,
    .scan = ch_scan,
    .quarantine_list = ch_quarantine_list,
    .stats = ch_stats,
    .verify = ch_verify,
    .purge = NULL,
    .evidence = NULL,
    .checkpoint_get = NULL,
    .checkpoint = ch_checkpoint,
    .adopt = NULL,
    .web = &ch_web_ops,
    .fwd = &ch_fwd_ops,
    .alerts = &ch_alerts_ops,
    .blob_known = col_blob_known,
    .blob_put = col_blob_put,
    .stream_put = col_stream_put,
    .stream_list = col_stream_list,
    .gap_put = col_gap_put,
    .gap_list = col_gap_list,
};
