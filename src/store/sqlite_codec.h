/* sqlite_codec.h - pure-C helpers of the SQLite archive backend (no sqlite3.h here):
 * record-id packing, the compact body encoding that travels (compressed) beside the
 * indexed columns, full-text document and query building, CIDR matching and the
 * search cursor. Used only by src/store/sqlite.c and its tests. Not thread-safe
 * beyond "one caller per object"; every function is reentrant. */
#ifndef XA_STORE_SQLITE_CODEC_H
#define XA_STORE_SQLITE_CODEC_H

#include "core/arena.h"
#include "core/buf.h"
#include "core/rc.h"
#include "event/event.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Pack a record id: a canonical lower-case GUID (8-4-4-4-12 hex) becomes 16 bytes
 * (returns true); anything else is kept as text (returns false, out untouched). */
bool xa_sqlc_guid_pack(const char *s, unsigned char out[16]);
/* Like xa_sqlc_guid_pack but accepts upper-case hex too (for look-ups). */
bool xa_sqlc_guid_pack_any(const char *s, unsigned char out[16]);
/* Format 16 bytes as a lower-case GUID; out must hold 37 bytes. */
void xa_sqlc_guid_format(const unsigned char in[16], char out[37]);

/* Flags column: is_system, category, result, logon_type, source, external_access. */
int64_t xa_sqlc_flags_pack(const struct xa_event *ev);
void xa_sqlc_flags_unpack(int64_t flags, struct xa_event *ev);
#define XA_SQLC_FLAG_SYSTEM 1
#define XA_SQLC_CAT_SHIFT 1
#define XA_SQLC_CAT_MASK 15
#define XA_SQLC_RES_SHIFT 5
#define XA_SQLC_RES_MASK 3
#define XA_SQLC_LOGON_SHIFT 7
#define XA_SQLC_LOGON_MASK 7
#define XA_SQLC_SRC_SHIFT 10
#define XA_SQLC_SRC_MASK 7
#define XA_SQLC_EXT_SHIFT 13 /* 0 unknown, 1 false, 2 true */
#define XA_SQLC_EXT_MASK 3

/* Body: every event field that is not an indexed column, then the raw record.
 * Appends to out (which the caller resets). */
xa_rc xa_sqlc_body_encode(const struct xa_event *ev, struct xa_buf *out);
/* Decode a body (buf[len] must be a writable NUL byte owned by the caller: strings
 * are NUL-terminated in place). Fills the body fields of ev; params/mods arrays come
 * from arena. Returns XA_ERR_PARSE on a malformed body (never reads out of bounds). */
xa_rc xa_sqlc_body_decode(char *buf, size_t len, struct xa_arena *arena, struct xa_event *ev);

/* Unsigned LEB128 varint helpers. get returns bytes consumed, 0 on malformed input. */
size_t xa_sqlc_varint_put(unsigned char *p, uint64_t v);
size_t xa_sqlc_varint_get(const unsigned char *p, size_t n, uint64_t *v);

/* The full-text document of an event: actor, object, mailbox, item, folder,
 * parameter names and values, grantee, client_info, operation (space separated,
 * at most max bytes). Appends to out. */
xa_rc xa_sqlc_fts_doc(const struct xa_event *ev, struct xa_buf *out, size_t max);

/* Build an FTS5 MATCH expression from user words: each whitespace-separated word is
 * split into ASCII alphanumeric tokens (the FTS5 'ascii' tokenizer's rule), every
 * token is quoted as an FTS5 string and all are ANDed; a word ending in '*' makes its
 * last token a prefix query. User text never reaches FTS5 as syntax. Sets *n_terms
 * to the number of tokens (0: nothing to match, out unchanged). *needs_check is set
 * when some word spans several tokens (the caller should verify the word as a
 * substring, since the index has no positions). */
xa_rc xa_sqlc_fts_query(const char *text, struct xa_buf *out, size_t *n_terms, bool *needs_check);
/* Append '("tok" AND "tok")' for the tokens of s; returns the token count in *n. */
xa_rc xa_sqlc_fts_tokens_and(const char *s, struct xa_buf *out, size_t *n);
/* True when every word of text (whitespace separated, trailing '*' removed) is a
 * case-insensitive substring of doc. */
bool xa_sqlc_text_check(const char *text, const char *doc);

/* IP / CIDR matching: parse "a.b.c.d", "a.b.c.d/n", IPv6 and IPv6/n. */
struct xa_sqlc_cidr {
    int family; /* 4 or 6 */
    unsigned char addr[16];
    int bits;
};
bool xa_sqlc_cidr_parse(const char *s, struct xa_sqlc_cidr *out);
bool xa_sqlc_cidr_match(const struct xa_sqlc_cidr *c, const char *ip);

/* Cursor "<occurred_at>.<seq>" (opaque to callers). parse returns false when the
 * cursor is malformed. */
void xa_sqlc_cursor_format(int64_t at, int64_t seq, char *out, size_t cap);
bool xa_sqlc_cursor_parse(const char *s, int64_t *at, int64_t *seq);

/* Convert a * ? wildcard pattern into a LIKE pattern with '\' as escape. */
xa_rc xa_sqlc_like_pattern(const char *pat, struct xa_buf *out);

#endif
