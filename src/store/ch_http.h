/* ch_http.h - the ClickHouse HTTP interface as the store backend uses it (docs/CLICKHOUSE.md):
 * a connection to one or more server URLs (failover in order), SQL text with every value
 * written as an escaped literal (ClickHouse 18.16 has no query parameters over HTTP), bulk
 * rows as RowBinary bodies, and a streaming RowBinary reader so that no result is held in
 * memory as a whole. The password travels in the X-ClickHouse-Key header and is never
 * logged or put into a URL. Not thread-safe: one connection per store context. */
#ifndef XA_STORE_CH_HTTP_H
#define XA_STORE_CH_HTTP_H

#include "core/arena.h"
#include "core/buf.h"
#include "core/rc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XA_CH_MAX_NODES 16

struct xa_ch_conn {
    char *urls[XA_CH_MAX_NODES]; /* "http://host:port" without a trailing slash */
    size_t n_urls;
    size_t cur;                  /* the node queries go to first */
    char *user_hdr;              /* "X-ClickHouse-User: name" or NULL */
    char *key_hdr;               /* "X-ClickHouse-Key: secret" or NULL (wiped on close) */
    char *ca_file;
    long timeout_ms;
};

void xa_ch_conn_close(struct xa_ch_conn *c);

/* Append s as a ClickHouse string literal ('...', with \\ \' and \xHH escapes). */
xa_rc xa_ch_lit(struct xa_buf *b, const char *s);
xa_rc xa_ch_litn(struct xa_buf *b, const char *s, size_t n);

/* RowBinary writers. */
xa_rc xa_ch_put_str(struct xa_buf *b, const char *s, size_t n);
xa_rc xa_ch_put_i64(struct xa_buf *b, int64_t v);
xa_rc xa_ch_put_i32(struct xa_buf *b, int32_t v);
xa_rc xa_ch_put_u32(struct xa_buf *b, uint32_t v);
xa_rc xa_ch_put_u8(struct xa_buf *b, uint8_t v);

/* One value of a RowBinary row. Strings are NUL-terminated copies valid during the row
 * callback. */
struct xa_ch_val {
    const char *s;
    size_t n;
    int64_t i;
};
#define XA_CH_MAX_COLS 32

/* Called per row; return XA_OK to go on, XA_ERR_EOF to stop reading (not an error),
 * anything else to abort with that code. */
typedef xa_rc (*xa_ch_row_cb)(void *ud, const struct xa_ch_val *v);

/* Decode one row of types (one letter a column: S String, q Int64, i Int32, u UInt32,
 * b UInt8, c Int8, F FixedString(32)) from p[0..n). Returns bytes consumed, 0 when the
 * row is incomplete, (size_t)-1 when malformed. Strings in v point into p (not NUL-
 * terminated). Exposed for the fuzz target. */
size_t xa_ch_row_decode(const char *types, const unsigned char *p, size_t n, struct xa_ch_val *v);

/* Run sql on a node (node < 0: the current node, failing over to the next on a transport
 * error). body (may be NULL) is sent as the request body with sql in the URL ("INSERT ...
 * FORMAT RowBinary" + rows); without a body sql itself is the POST body. settings are
 * extra URL parameters ("a=1&b=2", may be NULL). When types is NULL the answer is
 * collected into text (bounded to 1 MiB, may be NULL); otherwise it is parsed as RowBinary
 * rows of those types and handed to cb. Idempotent requests (idempotent == true) are
 * retried on transport errors and 502/503/504. */
xa_rc xa_ch_run(struct xa_ch_conn *c, int node, const char *sql, const void *body, size_t len,
                const char *settings, bool idempotent, const char *types, xa_ch_row_cb cb,
                void *ud, struct xa_buf *text, struct xa_diag *d);

#endif
