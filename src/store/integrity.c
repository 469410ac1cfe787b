/* integrity.c - canonical bytes, hashes, Merkle trees, checkpoint messages, Ed25519 keys.
 * The only file of the store that includes OpenSSL (see integrity.h). */
#include "store/integrity.h"

#include "core/log.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct xa_int_key {
    EVP_PKEY *pkey;
    bool has_private;
};

/* ---- canonical bytes ----------------------------------------------------------- */

void xa_int_head_from_event(const struct xa_event *ev, int64_t flags, struct xa_int_head *h)
{
    h->tenant = ev->tenant_id;
    h->record_id = ev->record_id;
    h->operation = ev->operation;
    h->actor = ev->actor;
    h->mailbox = ev->mailbox;
    h->workload = ev->workload;
    h->client_ip = ev->client_ip;
    h->occurred_at = ev->occurred_at;
    h->record_type = ev->record_type;
    h->flags = flags;
}

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void be64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static xa_rc put_s(struct xa_buf *b, const char *s)
{
    unsigned char n[4];
    if (!s) {
        be32(n, 0);
        return xa_buf_append(b, n, 4);
    }
    size_t len = strlen(s);
    if (len >= UINT32_MAX)
        return XA_ERR_LIMIT;
    be32(n, (uint32_t)len + 1);
    xa_rc rc = xa_buf_append(b, n, 4);
    return rc ? rc : xa_buf_append(b, s, len);
}

static xa_rc canon_head(const struct xa_int_head *h, size_t body_len, struct xa_buf *out)
{
    unsigned char n[24];
    xa_rc rc = xa_buf_append(out, XA_INT_CANON_MAGIC, 4);
    if (!rc)
        rc = put_s(out, h->tenant);
    if (!rc)
        rc = put_s(out, h->record_id);
    be64(n, (uint64_t)h->occurred_at);
    be64(n + 8, (uint64_t)h->record_type);
    be64(n + 16, (uint64_t)h->flags);
    if (!rc)
        rc = xa_buf_append(out, n, 24);
    const char *s[5] = {h->operation, h->actor, h->mailbox, h->workload, h->client_ip};
    for (int i = 0; i < 5 && !rc; i++)
        rc = put_s(out, s[i]);
    if (body_len >= UINT32_MAX)
        return XA_ERR_LIMIT;
    be32(n, (uint32_t)body_len);
    if (!rc)
        rc = xa_buf_append(out, n, 4);
    return rc;
}

xa_rc xa_int_canon(const struct xa_int_head *h, const void *body, size_t body_len,
                   struct xa_buf *out)
{
    xa_rc rc = canon_head(h, body_len, out);
    return rc ? rc : xa_buf_append(out, body, body_len);
}

/* ---- SHA-256 without per-call algorithm look-ups ---------------------------------- */

/* OpenSSL 3 resolves EVP_sha256() / SHA256() through its provider tables (under a lock) on
 * every call; at one to three hashes per archived record that showed in the import profile.
 * The algorithm is fetched once and each thread reuses one digest context. */
static EVP_MD *g_sha256;
static pthread_once_t g_sha_once = PTHREAD_ONCE_INIT;
static pthread_key_t g_sha_key;

static void sha_ctx_free(void *p) { EVP_MD_CTX_free(p); }

static void sha_init(void)
{
    g_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    pthread_key_create(&g_sha_key, sha_ctx_free);
}

/* SHA-256 of a[0..an) followed by b[0..bn); all 0xff on failure (never matches). */
static void sha256_2(const void *a, size_t an, const void *b, size_t bn, unsigned char out[32])
{
    pthread_once(&g_sha_once, sha_init);
    EVP_MD_CTX *c = pthread_getspecific(g_sha_key);
    if (!c && (c = EVP_MD_CTX_new()))
        pthread_setspecific(g_sha_key, c);
    const EVP_MD *md = g_sha256 ? g_sha256 : EVP_sha256();
    if (!c || !EVP_DigestInit_ex2(c, md, NULL) || !EVP_DigestUpdate(c, a, an) ||
        (bn && !EVP_DigestUpdate(c, b, bn)) || !EVP_DigestFinal_ex(c, out, NULL))
        memset(out, 0xff, 32);
}

void xa_int_content_hash(const struct xa_int_head *h, const void *body, size_t body_len,
                         unsigned char out[XA_INT_HASH])
{
    /* the head is small; hash head and body in one context without copying the body */
    struct xa_buf b;
    xa_buf_init(&b, 0);
    if (canon_head(h, body_len, &b) == XA_OK)
        sha256_2(b.data, b.len, body, body_len, out);
    else /* allocation failure: a hash that can never match (verify reports the record) */
        memset(out, 0xff, XA_INT_HASH);
    xa_buf_release(&b);
}

xa_rc xa_int_canon_parse(const void *canon, size_t len, struct xa_arena *a,
                         struct xa_int_head *h, char **body, size_t *body_len)
{
    const unsigned char *p = canon, *end = p + len;
    if (len < 4 || memcmp(p, XA_INT_CANON_MAGIC, 4) != 0)
        return XA_ERR_PARSE;
    p += 4;
    const char **dst[7] = {&h->tenant,  &h->record_id, &h->operation, &h->actor,
                           &h->mailbox, &h->workload,  &h->client_ip};
    for (int i = 0; i < 7; i++) {
        if (i == 2) {
            if (end - p < 24)
                return XA_ERR_PARSE;
            h->occurred_at = (int64_t)get64(p);
            h->record_type = (int64_t)get64(p + 8);
            h->flags = (int64_t)get64(p + 16);
            p += 24;
        }
        if (end - p < 4)
            return XA_ERR_PARSE;
        uint32_t n = get32(p);
        p += 4;
        if (n == 0) {
            *dst[i] = NULL;
            continue;
        }
        if ((size_t)(end - p) < n - 1)
            return XA_ERR_PARSE;
        if (memchr(p, 0, n - 1))
            return XA_ERR_PARSE;
        char *s = xa_arena_strndup(a, (const char *)p, n - 1);
        if (!s)
            return XA_ERR_NOMEM;
        *dst[i] = s;
        p += n - 1;
    }
    if (end - p < 4)
        return XA_ERR_PARSE;
    uint32_t bl = get32(p);
    p += 4;
    if ((size_t)(end - p) != bl)
        return XA_ERR_PARSE;
    char *b = xa_arena_alloc(a, (size_t)bl + 1);
    if (!b)
        return XA_ERR_NOMEM;
    memcpy(b, p, bl);
    b[bl] = '\0';
    *body = b;
    *body_len = bl;
    return XA_OK;
}

/* ---- hashes ---------------------------------------------------------------------- */

void xa_int_sha256(const void *p, size_t n, unsigned char out[XA_INT_HASH])
{
    sha256_2(p, n, NULL, 0, out);
}

void xa_int_chain_step(const unsigned char prev[XA_INT_HASH], int64_t seq,
                       const unsigned char content[XA_INT_HASH], unsigned char out[XA_INT_HASH])
{
    unsigned char m[1 + 32 + 8 + 32];
    m[0] = 0x01;
    memcpy(m + 1, prev, 32);
    be64(m + 33, (uint64_t)seq);
    memcpy(m + 41, content, 32);
    sha256_2(m, sizeof(m), NULL, 0, out);
}

void xa_int_node(const unsigned char l[XA_INT_HASH], const unsigned char r[XA_INT_HASH],
                 unsigned char out[XA_INT_HASH])
{
    unsigned char m[65];
    m[0] = 0x02;
    memcpy(m + 1, l, 32);
    memcpy(m + 33, r, 32);
    sha256_2(m, sizeof(m), NULL, 0, out);
}

void xa_int_block_hash(int64_t id, int64_t first, int64_t last,
                       const unsigned char root[XA_INT_HASH],
                       const unsigned char chain[XA_INT_HASH], unsigned char out[XA_INT_HASH])
{
    unsigned char m[1 + 24 + 64];
    m[0] = 0x03;
    be64(m + 1, (uint64_t)id);
    be64(m + 9, (uint64_t)first);
    be64(m + 17, (uint64_t)last);
    memcpy(m + 25, root, 32);
    memcpy(m + 57, chain, 32);
    sha256_2(m, sizeof(m), NULL, 0, out);
}

xa_rc xa_int_merkle_root(const unsigned char (*leaves)[XA_INT_HASH], size_t n,
                         unsigned char root[XA_INT_HASH])
{
    if (n == 0) {
        memset(root, 0, XA_INT_HASH);
        return XA_OK;
    }
    unsigned char(*w)[XA_INT_HASH] = malloc(n * XA_INT_HASH);
    if (!w)
        return XA_ERR_NOMEM;
    memcpy(w, leaves, n * XA_INT_HASH);
    while (n > 1) {
        size_t o = 0;
        for (size_t i = 0; i < n; i += 2, o++) {
            if (i + 1 < n)
                xa_int_node(w[i], w[i + 1], w[o]);
            else
                memmove(w[o], w[i], XA_INT_HASH);
        }
        n = o;
    }
    memcpy(root, w[0], XA_INT_HASH);
    free(w);
    return XA_OK;
}

xa_rc xa_int_merkle_proof(const unsigned char (*leaves)[XA_INT_HASH], size_t n, size_t idx,
                          unsigned char (*path)[XA_INT_HASH], size_t *n_out)
{
    if (idx >= n)
        return XA_ERR_INVALID;
    unsigned char(*w)[XA_INT_HASH] = malloc(n * XA_INT_HASH);
    if (!w)
        return XA_ERR_NOMEM;
    memcpy(w, leaves, n * XA_INT_HASH);
    size_t k = 0;
    while (n > 1 && k < 64) {
        size_t sib = idx ^ 1;
        if (sib < n)
            memcpy(path[k++], w[sib], XA_INT_HASH);
        size_t o = 0;
        for (size_t i = 0; i < n; i += 2, o++) {
            if (i + 1 < n)
                xa_int_node(w[i], w[i + 1], w[o]);
            else
                memmove(w[o], w[i], XA_INT_HASH);
        }
        n = o;
        idx >>= 1;
    }
    free(w);
    *n_out = k;
    return XA_OK;
}

bool xa_int_merkle_check(const unsigned char leaf[XA_INT_HASH], size_t idx, size_t n,
                         const unsigned char (*path)[XA_INT_HASH], size_t n_path,
                         const unsigned char root[XA_INT_HASH])
{
    if (idx >= n)
        return false;
    unsigned char h[XA_INT_HASH];
    memcpy(h, leaf, XA_INT_HASH);
    size_t k = 0;
    while (n > 1) {
        size_t sib = idx ^ 1;
        if (sib < n) {
            if (k >= n_path)
                return false;
            if (idx & 1)
                xa_int_node(path[k], h, h);
            else
                xa_int_node(h, path[k], h);
            k++;
        }
        n = (n + 1) / 2;
        idx >>= 1;
    }
    return k == n_path && memcmp(h, root, XA_INT_HASH) == 0;
}

void xa_int_hex(const unsigned char *p, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexv(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool xa_int_unhex(const char *s, unsigned char *out, size_t n)
{
    if (!s || strlen(s) < 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int a = hexv(s[2 * i]), b = hexv(s[2 * i + 1]);
        if (a < 0 || b < 0)
            return false;
        out[i] = (unsigned char)(a << 4 | b);
    }
    return s[2 * n] == '\0' || s[2 * n] == ' ' || s[2 * n] == '\n';
}

/* ---- checkpoint messages ---------------------------------------------------------- */

xa_rc xa_int_ck_format(const struct xa_int_ck *c, struct xa_buf *out)
{
    char chain[65], root[65], prev[65], pc[65];
    xa_int_hex(c->chain, 32, chain);
    xa_int_hex(c->blocks_root, 32, root);
    xa_int_hex(c->prev, 32, prev);
    xa_rc rc = xa_buf_printf(out,
                             "exoaudit-checkpoint: 1\narchive: %s\nid: %" PRId64 "\nkind: %s\n"
                             "seq: %" PRId64 "\nchain: %s\nblocks: %" PRId64 " %" PRId64 " %s\n"
                             "prev: %s\nat: %" PRId64 "\nkey: %s\n",
                             c->archive, c->id, c->kind == XA_INT_CK_PURGE ? "purge" : "checkpoint",
                             c->seq, chain, c->block_first, c->block_last, root, prev, c->at,
                             c->key);
    if (!rc && c->kind == XA_INT_CK_PURGE) {
        xa_int_hex(c->purge_chain, 32, pc);
        rc = xa_buf_printf(out, "purge: %" PRId64 " %" PRId64 " %" PRId64 " %s\n", c->purge_from,
                           c->purge_to, c->purge_count, pc);
    }
    return rc;
}

void xa_int_report(struct xa_int_reporter *r, enum xa_verify_kind k, int64_t from, int64_t to,
                   const char *rid, int64_t ck, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (k == XA_VP_WARNING)
        (*r->warnings)++;
    else
        (*r->problems)++;
    struct xa_verify_problem p = {k, from, to, rid, ck, msg};
    if (!r->cb)
        return;
    if (r->keep_going)
        r->cb(r->ud, &p);
    else if (!r->cbrc)
        r->cbrc = r->cb(r->ud, &p);
}

xa_rc xa_int_ck_line_format(struct xa_buf *out, uint32_t stream, int64_t id, int64_t seq,
                            const char *msg, size_t len, const unsigned char *sig)
{
    char *hx = malloc(len * 2 + 1), sh[129];
    if (!hx)
        return XA_ERR_NOMEM;
    xa_int_hex((const unsigned char *)msg, len, hx);
    if (sig)
        xa_int_hex(sig, 64, sh);
    else
        strcpy(sh, "none");
    char st[32] = "";
    if (stream)
        snprintf(st, sizeof(st), "stream=%" PRIu32 " ", stream);
    xa_rc rc = xa_buf_printf(out, "exoaudit-checkpoint %sid=%" PRId64 " seq=%" PRId64
                                  " msg=%s sig=%s\n",
                             st, id, seq, hx, sh);
    free(hx);
    return rc;
}

void xa_int_ck_file_append(const char *path, const char *text, size_t len)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, text, len) != (ssize_t)len)
        xa_log(XA_LOG_WARN, "integrity: cannot append to checkpoint file %s", path);
    if (fd >= 0)
        close(fd);
}

bool xa_int_ck_line_parse(const char *line, uint32_t *stream, int64_t *id, int64_t *seq,
                          char **msg, size_t *msg_len)
{
    static const char tag[] = "exoaudit-checkpoint ";
    *msg = NULL;
    *msg_len = 0;
    *stream = 0;
    if (strncmp(line, tag, sizeof(tag) - 1) != 0)
        return false;
    const char *p = line + sizeof(tag) - 1;
    unsigned st = 0;
    int off = 0;
    if (sscanf(p, "stream=%u %n", &st, &off) == 1 && off > 0) {
        *stream = st;
        p += off;
    }
    off = 0;
    if (sscanf(p, "id=%" SCNd64 " seq=%" SCNd64 " msg=%n", id, seq, &off) != 2 || off == 0)
        return false;
    const char *hx = p + off;
    size_t hl = strcspn(hx, " \n");
    if (!hx[hl] || hl % 2)
        return true; /* a checkpoint line, but its message is unreadable */
    char *m = malloc(hl / 2 + 1);
    char *h = strndup(hx, hl);
    if (m && h && xa_int_unhex(h, (unsigned char *)m, hl / 2)) {
        m[hl / 2] = '\0';
        *msg = m;
        *msg_len = hl / 2;
        m = NULL;
    }
    free(m);
    free(h);
    return true;
}

xa_rc xa_int_ck_parse(const char *msg, size_t len, struct xa_int_ck *c)
{
    memset(c, 0, sizeof(*c));
    char buf[1024];
    if (len >= sizeof(buf) || memchr(msg, 0, len))
        return XA_ERR_PARSE;
    memcpy(buf, msg, len);
    buf[len] = '\0';
    char chain[80] = "", root[80] = "", prev[80] = "", pc[80] = "", kind[16] = "";
    int ver = 0, used = 0;
    int n = sscanf(buf,
                   "exoaudit-checkpoint: %d\narchive: %32s\nid: %" SCNd64 "\nkind: %15s\n"
                   "seq: %" SCNd64 "\nchain: %64s\nblocks: %" SCNd64 " %" SCNd64 " %64s\n"
                   "prev: %64s\nat: %" SCNd64 "\nkey: %64s\n%n",
                   &ver, c->archive, &c->id, kind, &c->seq, chain, &c->block_first,
                   &c->block_last, root, prev, &c->at, c->key, &used);
    if (n != 12 || ver != 1 || !xa_int_unhex(chain, c->chain, 32) ||
        !xa_int_unhex(root, c->blocks_root, 32) || !xa_int_unhex(prev, c->prev, 32))
        return XA_ERR_PARSE;
    if (strcmp(kind, "checkpoint") == 0) {
        c->kind = XA_INT_CK_CHECKPOINT;
    } else if (strcmp(kind, "purge") == 0) {
        c->kind = XA_INT_CK_PURGE;
        int used2 = 0;
        if (sscanf(buf + used, "purge: %" SCNd64 " %" SCNd64 " %" SCNd64 " %64s\n%n",
                   &c->purge_from, &c->purge_to, &c->purge_count, pc, &used2) != 4 ||
            !xa_int_unhex(pc, c->purge_chain, 32))
            return XA_ERR_PARSE;
        used += used2;
    } else {
        return XA_ERR_PARSE;
    }
    /* the message must be exactly what xa_int_ck_format writes */
    struct xa_buf again;
    xa_buf_init(&again, 0);
    xa_rc rc = xa_int_ck_format(c, &again);
    if (!rc && (again.len != len || memcmp(again.data, msg, len) != 0))
        rc = XA_ERR_PARSE;
    xa_buf_release(&again);
    return rc;
}

/* ---- keys ------------------------------------------------------------------------- */

static xa_rc ossl_err(struct xa_diag *d, const char *what, const char *path)
{
    return xa_diag_set(d, XA_ERR_INVALID, "%s%s%s: OpenSSL failed", path ? path : "",
                       path ? ": " : "", what);
}

xa_rc xa_int_key_generate(const char *priv_path, const char *pub_path, struct xa_diag *d)
{
    EVP_PKEY *pk = NULL;
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    if (!pc || EVP_PKEY_keygen_init(pc) <= 0 || EVP_PKEY_keygen(pc, &pk) <= 0) {
        EVP_PKEY_CTX_free(pc);
        return ossl_err(d, "generate an Ed25519 key", NULL);
    }
    EVP_PKEY_CTX_free(pc);
    xa_rc rc = XA_OK;
    int fd = open(priv_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = xa_diag_set(d, XA_ERR_IO, "%s: cannot create the private key: %s", priv_path,
                         strerror(errno));
        goto out;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        rc = xa_diag_set(d, XA_ERR_IO, "%s: %s", priv_path, strerror(errno));
        goto out;
    }
    bool ok = PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL) == 1;
    if (fclose(f) != 0 || !ok) {
        unlink(priv_path);
        rc = xa_diag_set(d, XA_ERR_IO, "%s: cannot write the private key", priv_path);
        goto out;
    }
    f = fopen(pub_path, "w");
    if (!f || PEM_write_PUBKEY(f, pk) != 1) {
        if (f)
            fclose(f);
        rc = xa_diag_set(d, XA_ERR_IO, "%s: cannot write the public key", pub_path);
        goto out;
    }
    if (fclose(f) != 0)
        rc = xa_diag_set(d, XA_ERR_IO, "%s: cannot write the public key", pub_path);
out:
    EVP_PKEY_free(pk);
    return rc;
}

static xa_rc wrap(EVP_PKEY *pk, bool priv, struct xa_int_key **out, struct xa_diag *d,
                  const char *path)
{
    if (!pk)
        return xa_diag_set(d, XA_ERR_PARSE, "%s: not a PEM %s key", path ? path : "key",
                           priv ? "private" : "public");
    if (EVP_PKEY_get_id(pk) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(pk);
        return xa_diag_set(d, XA_ERR_INVALID, "%s: not an Ed25519 key", path ? path : "key");
    }
    struct xa_int_key *k = calloc(1, sizeof(*k));
    if (!k) {
        EVP_PKEY_free(pk);
        return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    }
    k->pkey = pk;
    k->has_private = priv;
    *out = k;
    return XA_OK;
}

xa_rc xa_int_key_load_private(const char *path, struct xa_int_key **out, struct xa_diag *d)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return xa_diag_set(d, XA_ERR_NOTFOUND, "%s: %s", path, strerror(errno));
    if (st.st_mode & 077)
        return xa_diag_set(d, XA_ERR_INVALID,
                           "%s: the private key is accessible by group or others (mode %03o); "
                           "refusing to use it (chmod 600)",
                           path, (unsigned)(st.st_mode & 0777));
    FILE *f = fopen(path, "r");
    if (!f)
        return xa_diag_set(d, XA_ERR_IO, "%s: %s", path, strerror(errno));
    EVP_PKEY *pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    return wrap(pk, true, out, d, path);
}

xa_rc xa_int_key_from_pem(const char *pem, size_t len, struct xa_int_key **out,
                          struct xa_diag *d)
{
    if (len > INT32_MAX)
        return xa_diag_set(d, XA_ERR_PARSE, "public key too large");
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *pk = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return wrap(pk, false, out, d, NULL);
}

xa_rc xa_int_key_load_public(const char *path, struct xa_int_key **out, struct xa_diag *d)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return xa_diag_set(d, XA_ERR_NOTFOUND, "%s: %s", path, strerror(errno));
    EVP_PKEY *pk = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    return wrap(pk, false, out, d, path);
}

void xa_int_key_free(struct xa_int_key *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

void xa_int_key_fpr(const struct xa_int_key *k, char out[65])
{
    unsigned char raw[32], h[32];
    size_t n = sizeof(raw);
    if (EVP_PKEY_get_raw_public_key(k->pkey, raw, &n) != 1)
        n = 0;
    SHA256(raw, n, h);
    xa_int_hex(h, 32, out);
}

xa_rc xa_int_key_public_pem(const struct xa_int_key *k, struct xa_buf *out)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return XA_ERR_NOMEM;
    xa_rc rc = XA_ERR_INTERNAL;
    char *p = NULL;
    if (PEM_write_bio_PUBKEY(b, k->pkey) == 1) {
        long n = BIO_get_mem_data(b, &p);
        rc = n > 0 ? xa_buf_append(out, p, (size_t)n) : XA_ERR_INTERNAL;
    }
    BIO_free(b);
    return rc;
}

xa_rc xa_int_sign(const struct xa_int_key *k, const void *msg, size_t len, unsigned char sig[64],
                  struct xa_diag *d)
{
    if (!k->has_private)
        return xa_diag_set(d, XA_ERR_INVALID, "no private key to sign with");
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t sl = 64;
    bool ok = md && EVP_DigestSignInit(md, NULL, NULL, NULL, k->pkey) == 1 &&
              EVP_DigestSign(md, sig, &sl, msg, len) == 1 && sl == 64;
    EVP_MD_CTX_free(md);
    return ok ? XA_OK : ossl_err(d, "Ed25519 signature", NULL);
}

bool xa_int_verify_sig(const struct xa_int_key *k, const void *msg, size_t len,
                       const unsigned char *sig, size_t sig_len)
{
    if (!k || !sig || sig_len != 64)
        return false;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, k->pkey) == 1 &&
              EVP_DigestVerify(md, sig, sig_len, msg, len) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}

xa_rc xa_int_random(unsigned char *p, size_t n)
{
    return n <= INT32_MAX && RAND_bytes(p, (int)n) == 1 ? XA_OK : XA_ERR_INTERNAL;
}

xa_rc xa_int_retention_parse(const char *s, int64_t *us)
{
    if (!s)
        return XA_ERR_PARSE;
    if (strcmp(s, "forever") == 0 || strcmp(s, "never") == 0) {
        *us = -1;
        return XA_OK;
    }
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || v <= 0 || v > 100000)
        return XA_ERR_PARSE;
    long long days;
    if (strcmp(end, "d") == 0)
        days = v;
    else if (strcmp(end, "w") == 0)
        days = v * 7;
    else if (strcmp(end, "m") == 0)
        days = v * 30;
    else if (strcmp(end, "y") == 0)
        days = v * 365;
    else
        return XA_ERR_PARSE;
    *us = (int64_t)days * 86400 * 1000000;
    return XA_OK;
}
