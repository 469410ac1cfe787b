/* integrity.h - backend-neutral pieces of the tamper-evident archive (docs/INTEGRITY.md):
 * the canonical bytes of a stored event, the hash chain, Merkle trees over blocks of the
 * chain, checkpoint messages and their Ed25519 signatures, key files.
 *
 * Every hash is SHA-256 (32 bytes). Domain separation by a leading tag byte:
 *   content  = H(canonical bytes)                         (independent of seq)
 *   chain_s  = H(0x01 || chain_{s-1} || be64(s) || content_s),  chain_0 = 32 zero bytes
 *   leaf_s   = content_s (the leaf's index in its block fixes its seq; canonical bytes start
 *              with "XAC1", so a leaf can never be mistaken for a node)
 *   node     = H(0x02 || left || right); a last odd node is promoted unchanged
 *   block    = H(0x03 || be64(id) || be64(first) || be64(last) || root || chain_last)
 * This is the only file of the store that includes OpenSSL. All functions are reentrant
 * and thread-safe. */
#ifndef XA_STORE_INTEGRITY_H
#define XA_STORE_INTEGRITY_H

#include "core/arena.h"
#include "core/buf.h"
#include "core/rc.h"
#include "event/event.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XA_INT_HASH 32
#define XA_INT_CANON_MAGIC "XAC1"

/* The indexed part of a stored event, as values (never interned ids). */
struct xa_int_head {
    const char *tenant, *record_id, *operation, *actor, *mailbox, *workload, *client_ip;
    int64_t occurred_at, record_type, flags;
};

/* Fill h from ev (flags = the store's packed flags value, given by the caller). */
void xa_int_head_from_event(const struct xa_event *ev, int64_t flags, struct xa_int_head *h);

/* Canonical bytes: magic "XAC1", then tenant, record_id (strings: be32(len + 1), bytes;
 * 0 = absent), be64 occurred_at, record_type, flags, then operation, actor, mailbox,
 * workload, client_ip (strings), then be32(body length) and the body (the store's
 * encoding of every other field and the raw record, sqlite_codec.h). Appends to out. */
xa_rc xa_int_canon(const struct xa_int_head *h, const void *body, size_t body_len,
                   struct xa_buf *out);
/* Parse canonical bytes back (strings point into an arena copy). body/body_len point
 * into the arena too (NUL-terminated copy). XA_ERR_PARSE when malformed. */
xa_rc xa_int_canon_parse(const void *canon, size_t len, struct xa_arena *a,
                         struct xa_int_head *h, char **body, size_t *body_len);
/* Content hash of (h, body) without building the bytes in the caller. */
void xa_int_content_hash(const struct xa_int_head *h, const void *body, size_t body_len,
                         unsigned char out[XA_INT_HASH]);

void xa_int_sha256(const void *p, size_t n, unsigned char out[XA_INT_HASH]);
void xa_int_chain_step(const unsigned char prev[XA_INT_HASH], int64_t seq,
                       const unsigned char content[XA_INT_HASH], unsigned char out[XA_INT_HASH]);
void xa_int_node(const unsigned char l[XA_INT_HASH], const unsigned char r[XA_INT_HASH],
                 unsigned char out[XA_INT_HASH]);
void xa_int_block_hash(int64_t id, int64_t first, int64_t last,
                       const unsigned char root[XA_INT_HASH],
                       const unsigned char chain[XA_INT_HASH], unsigned char out[XA_INT_HASH]);

/* Merkle root of n leaves (n == 0: 32 zero bytes). Works in place on a scratch copy;
 * XA_ERR_NOMEM on allocation failure. */
xa_rc xa_int_merkle_root(const unsigned char (*leaves)[XA_INT_HASH], size_t n,
                         unsigned char root[XA_INT_HASH]);
/* Audit path of leaf idx among n leaves: *n_out sibling hashes (at most 64) into path. */
xa_rc xa_int_merkle_proof(const unsigned char (*leaves)[XA_INT_HASH], size_t n, size_t idx,
                          unsigned char (*path)[XA_INT_HASH], size_t *n_out);
/* Recompute the root from a leaf, its index, n and the path; true when it equals root. */
bool xa_int_merkle_check(const unsigned char leaf[XA_INT_HASH], size_t idx, size_t n,
                         const unsigned char (*path)[XA_INT_HASH], size_t n_path,
                         const unsigned char root[XA_INT_HASH]);

void xa_int_hex(const unsigned char *p, size_t n, char *out); /* out: 2n + 1 */
bool xa_int_unhex(const char *s, unsigned char *out, size_t n); /* exactly 2n hex digits */

/* ---- checkpoints ---------------------------------------------------------------- */

enum xa_int_ck_kind { XA_INT_CK_CHECKPOINT = 0, XA_INT_CK_PURGE = 1 };

/* What a checkpoint (or purge record) states. Text form, one "key: value" per line:
 *   exoaudit-checkpoint 1 / archive / id / kind / seq / chain / blocks FIRST LAST ROOT /
 *   prev / at / key [/ purge FROM TO COUNT CHAIN_AT_CUT] */
struct xa_int_ck {
    char archive[33];      /* archive id, hex */
    int64_t id;
    enum xa_int_ck_kind kind;
    int64_t seq;           /* last seq covered */
    unsigned char chain[XA_INT_HASH];
    int64_t block_first, block_last; /* blocks newly covered (first > last: none) */
    unsigned char blocks_root[XA_INT_HASH];
    unsigned char prev[XA_INT_HASH]; /* H(previous checkpoint message), zeros for the first */
    int64_t at;            /* microseconds, wall clock */
    char key[65];          /* fingerprint of the signing key, "none" when unsigned */
    int64_t purge_from, purge_to, purge_count;
    unsigned char purge_chain[XA_INT_HASH];
};

/* Format c as the signed message (appends to out). */
xa_rc xa_int_ck_format(const struct xa_int_ck *c, struct xa_buf *out);
/* Parse a message; XA_ERR_PARSE when malformed. */
xa_rc xa_int_ck_parse(const char *msg, size_t len, struct xa_int_ck *c);

/* Append the external-copy line of a checkpoint (the format xa_int_ck_line_parse reads):
 * stream 0 writes no "stream=" (SQLite archives); sig NULL writes "sig=none". */
xa_rc xa_int_ck_line_format(struct xa_buf *out, uint32_t stream, int64_t id, int64_t seq,
                            const char *msg, size_t len, const unsigned char *sig);
/* Append text to the external checkpoint file (created 0644); a failure is logged as a
 * warning, never fatal (the checkpoint itself is in the archive). */
void xa_int_ck_file_append(const char *path, const char *text, size_t len);

/* One line of the external checkpoint copy (integrity.checkpoint_file):
 * "exoaudit-checkpoint [stream=S ]id=N seq=S msg=HEX sig=HEX|none". Returns false when the
 * line is not one. *stream is 0 when the line has none (SQLite archives). *msg gets the
 * decoded message (malloc'd, NUL-terminated; NULL when the hex is malformed). */
bool xa_int_ck_line_parse(const char *line, uint32_t *stream, int64_t *id, int64_t *seq,
                          char **msg, size_t *msg_len);

/* Where the problems a check finds go (verify on each backend, the bundle check): each is
 * counted in *problems or *warnings, then handed to cb - until cb fails once (cbrc keeps
 * its answer), or with keep_going always, ignoring cb's answer. */
struct xa_int_reporter {
    xa_verify_cb cb;
    void *ud;
    int64_t *problems, *warnings;
    bool keep_going;
    xa_rc cbrc;
};
void xa_int_report(struct xa_int_reporter *r, enum xa_verify_kind k, int64_t from, int64_t to,
                   const char *rid, int64_t ck, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* ---- keys --------------------------------------------------------------------------- */

struct xa_int_key; /* an Ed25519 key (private or public only) */

/* Create a key pair: priv_path (mode 0600, must not exist) and pub_path (0644). */
xa_rc xa_int_key_generate(const char *priv_path, const char *pub_path, struct xa_diag *diag);
/* Load a private key; refuses a file readable or writable by group or others. */
xa_rc xa_int_key_load_private(const char *path, struct xa_int_key **out, struct xa_diag *diag);
/* Load a public key from PEM text or a file. */
xa_rc xa_int_key_from_pem(const char *pem, size_t len, struct xa_int_key **out,
                          struct xa_diag *diag);
xa_rc xa_int_key_load_public(const char *path, struct xa_int_key **out, struct xa_diag *diag);
void xa_int_key_free(struct xa_int_key *k);
/* Fingerprint: hex SHA-256 of the raw 32-byte public key. */
void xa_int_key_fpr(const struct xa_int_key *k, char out[65]);
/* Public key as PEM (appends to out). */
xa_rc xa_int_key_public_pem(const struct xa_int_key *k, struct xa_buf *out);
/* Sign msg (private key); sig receives 64 bytes. */
xa_rc xa_int_sign(const struct xa_int_key *k, const void *msg, size_t len, unsigned char sig[64],
                  struct xa_diag *diag);
bool xa_int_verify_sig(const struct xa_int_key *k, const void *msg, size_t len,
                       const unsigned char *sig, size_t sig_len);

/* Fill n bytes of cryptographic randomness. */
xa_rc xa_int_random(unsigned char *p, size_t n);

/* Parse a retention period "90d", "12w", "6m" (30 days), "1y" (365 days), "forever" into
 * microseconds (forever: -1). XA_ERR_PARSE when malformed. */
xa_rc xa_int_retention_parse(const char *s, int64_t *us);

#endif
