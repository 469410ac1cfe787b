/* bundle.c - evidence bundles (bundle.h). */
#include "store/bundle.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/xtime.h"
#include "parse/json.h"
#include "store/sqlite_codec.h"

#include <zstd.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FILE_MAX ((size_t)1 << 32)

static const char *const hashed_files[] = {"records.jsonl.zst", "canonical.bin.zst",
                                           "checkpoints.json", "public.pem", "README.txt"};
#define N_HASHED (sizeof(hashed_files) / sizeof(hashed_files[0]))

static const char readme[] =
    "exoaudit evidence bundle\n"
    "========================\n\n"
    "records.jsonl.zst  the records, one JSON object a line (zstd)\n"
    "canonical.bin.zst  each record's canonical bytes, the exact bytes its hash covers\n"
    "manifest.json      per record: seq, tenant, record id, SHA-256 content hash and the Merkle\n"
    "                   proof to its block root; the blocks; the SHA-256 of every other file\n"
    "manifest.sig       Ed25519 signature of manifest.json (hex)\n"
    "checkpoints.json   the archive's signed checkpoints that cover these blocks\n"
    "public.pem         the archive's public key\n\n"
    "Check it on any machine with exoaudit:  exoaudit verify --bundle DIR --key TRUSTED.pem\n"
    "Compare public.pem (or its fingerprint, printed by verify) with the key you received\n"
    "from the archive's owner through another channel. The algorithm is in docs/INTEGRITY.md.\n";

static xa_rc write_file(const char *dir, const char *name, const void *p, size_t n,
                        struct xa_diag *d)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return xa_diag_set(d, XA_ERR_IO, "%s: %s", path, strerror(errno));
    bool ok = fwrite(p, 1, n, f) == n;
    if (fclose(f) != 0 || !ok)
        return xa_diag_set(d, XA_ERR_IO, "%s: write failed", path);
    return XA_OK;
}

static xa_rc read_file(const char *dir, const char *name, struct xa_buf *out, struct xa_diag *d)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return xa_diag_set(d, XA_ERR_NOTFOUND, "%s: %s", path, strerror(errno));
    char tmp[65536];
    size_t n;
    xa_rc rc = XA_OK;
    while (!rc && (n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        rc = out->len + n > FILE_MAX ? XA_ERR_LIMIT : xa_buf_append(out, tmp, n);
    fclose(f);
    if (rc)
        return xa_diag_set(d, rc, "%s: too large or out of memory", path);
    return XA_OK;
}

static xa_rc zcompress(const struct xa_buf *in, struct xa_buf *out, struct xa_diag *d)
{
    size_t bound = ZSTD_compressBound(in->len);
    xa_rc rc = xa_buf_reserve(out, bound + 1);
    if (rc)
        return xa_diag_set(d, rc, "out of memory");
    size_t r = ZSTD_compress(out->data, bound, in->data ? in->data : "", in->len, 9);
    if (ZSTD_isError(r))
        return xa_diag_set(d, XA_ERR_INTERNAL, "zstd: %s", ZSTD_getErrorName(r));
    out->len = r;
    return XA_OK;
}

static bool zdecompress(const struct xa_buf *in, struct xa_buf *out)
{
    unsigned long long n = ZSTD_getFrameContentSize(in->data, in->len);
    if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN || n > FILE_MAX)
        return false;
    if (xa_buf_reserve(out, (size_t)n + 1))
        return false;
    size_t r = ZSTD_decompress(out->data, (size_t)n + 1, in->data, in->len);
    if (ZSTD_isError(r) || r != n)
        return false;
    out->len = r;
    out->data[r] = '\0';
    return true;
}

static void hexs(struct xa_buf *b, const unsigned char *p, size_t n)
{
    char h[129];
    xa_int_hex(p, n, h);
    xa_buf_printf(b, "\"%s\"", h);
}

/* Decode canonical bytes into ev (strings in a). */
static xa_rc canon_event(const unsigned char *canon, size_t len, struct xa_arena *a,
                         struct xa_event *ev)
{
    struct xa_int_head h;
    char *body;
    size_t bl;
    xa_rc rc = xa_int_canon_parse(canon, len, a, &h, &body, &bl);
    if (rc)
        return rc;
    xa_event_init(ev);
    ev->tenant_id = h.tenant;
    ev->record_id = h.record_id;
    ev->operation = h.operation;
    ev->actor = h.actor;
    ev->mailbox = h.mailbox;
    ev->workload = h.workload;
    ev->client_ip = h.client_ip;
    ev->occurred_at = h.occurred_at;
    ev->record_type = (int)h.record_type;
    xa_sqlc_flags_unpack(h.flags, ev);
    return xa_sqlc_body_decode(body, bl, a, ev);
}

/* ---- write ------------------------------------------------------------------------ */

struct ckset {
    int64_t *ids;
    size_t n, cap;
    struct xa_buf json, blocks;
    size_t n_blocks;
};

static xa_rc ck_cb(void *ud, const struct xa_checkpoint_info *ci)
{
    struct ckset *s = ud;
    struct xa_buf *j = &s->json;
    xa_buf_printf(j, "%s\n  {\"id\":%" PRId64 ",\"msg\":", s->n ? "," : "", ci->id);
    xa_buf_json_str(j, ci->msg, ci->msg_len);
    xa_buf_puts(j, ",\"sig\":");
    if (ci->sig)
        hexs(j, ci->sig, ci->sig_len > 64 ? 64 : ci->sig_len);
    else
        xa_buf_puts(j, "null");
    xa_buf_puts(j, "}");
    for (size_t i = 0; i < ci->n_blocks; i++) {
        xa_buf_printf(&s->blocks, "%s\n  {\"id\":%" PRId64 ",\"first_seq\":%" PRId64
                      ",\"last_seq\":%" PRId64 ",\"root\":",
                      s->n_blocks ? "," : "", ci->block_ids[i], ci->block_first[i],
                      ci->block_last[i]);
        hexs(&s->blocks, ci->block_root[i], 32);
        xa_buf_puts(&s->blocks, ",\"chain\":");
        hexs(&s->blocks, ci->block_chain[i], 32);
        xa_buf_puts(&s->blocks, "}");
        s->n_blocks++;
    }
    return XA_OK;
}

xa_rc xa_bundle_write(struct xa_store *st, const int64_t *seqs, size_t n, const char *dir,
                      const struct xa_int_key *signer, const char *description,
                      struct xa_diag *d)
{
    if (!st->ops->evidence || !st->ops->checkpoint_get)
        return xa_diag_set(d, XA_ERR_UNSUPPORTED, "the archive backend cannot export evidence");
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return xa_diag_set(d, XA_ERR_IO, "%s: %s", dir, strerror(errno));
    struct xa_buf jl, canon, man, recs, tmp, pem;
    struct ckset cks = {0};
    struct xa_arena a;
    xa_buf_init(&jl, 0);
    xa_buf_init(&canon, 0);
    xa_buf_init(&man, 0);
    xa_buf_init(&recs, 0);
    xa_buf_init(&tmp, 0);
    xa_buf_init(&pem, 0);
    xa_buf_init(&cks.json, 0);
    xa_buf_init(&cks.blocks, 0);
    xa_arena_init(&a, 64 * 1024);
    xa_rc rc = XA_OK;
    char archive[33] = "";
    for (size_t i = 0; i < n && !rc; i++) {
        struct xa_evidence ev;
        if ((rc = st->ops->evidence(st->ctx, seqs[i], &ev, d)))
            break;
        if (!ev.checkpoint_id) {
            rc = xa_diag_set(d, XA_ERR_INVALID, "record seq %" PRId64 " is not covered by a "
                             "checkpoint yet", seqs[i]);
            break;
        }
        unsigned char l4[4] = {(unsigned char)(ev.canon_len >> 24),
                               (unsigned char)(ev.canon_len >> 16),
                               (unsigned char)(ev.canon_len >> 8), (unsigned char)ev.canon_len};
        xa_buf_append(&canon, l4, 4);
        xa_buf_append(&canon, ev.canon, ev.canon_len);
        xa_arena_reset(&a);
        struct xa_event e;
        if ((rc = canon_event(ev.canon, ev.canon_len, &a, &e))) {
            rc = xa_diag_set(d, rc, "record seq %" PRId64 ": cannot decode", seqs[i]);
            break;
        }
        e.seq = ev.seq;
        e.duplicates = ev.duplicates;
        if ((rc = xa_event_to_json(&e, &jl)) || (rc = xa_buf_putc(&jl, '\n')))
            break;
        xa_buf_printf(&recs, "%s\n  {\"seq\":%" PRId64 ",\"tenant\":", i ? "," : "", ev.seq);
        xa_buf_json_str(&recs, e.tenant_id, (size_t)-1);
        xa_buf_puts(&recs, ",\"record_id\":");
        xa_buf_json_str(&recs, e.record_id, (size_t)-1);
        xa_buf_printf(&recs, ",\"duplicates\":%u,\"hash\":", ev.duplicates);
        hexs(&recs, ev.content, 32);
        xa_buf_printf(&recs, ",\"block\":%" PRId64 ",\"index\":%" PRId64 ",\"block_size\":%" PRId64
                      ",\"checkpoint\":%" PRId64 ",\"proof\":[",
                      ev.block_id, ev.seq - ev.block_first, ev.block_last - ev.block_first + 1,
                      ev.checkpoint_id);
        for (size_t k = 0; k < ev.n_proof; k++) {
            if (k)
                xa_buf_putc(&recs, ',');
            hexs(&recs, ev.proof[k], 32);
        }
        xa_buf_puts(&recs, "]}");
        bool have = false;
        for (size_t k = 0; k < cks.n && !have; k++)
            have = cks.ids[k] == ev.checkpoint_id;
        if (!have) {
            if (cks.n == cks.cap) {
                cks.cap = cks.cap ? cks.cap * 2 : 16;
                int64_t *ni = realloc(cks.ids, cks.cap * sizeof(*ni));
                if (!ni) {
                    rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
                    break;
                }
                cks.ids = ni;
            }
            if ((rc = st->ops->checkpoint_get(st->ctx, ev.checkpoint_id, ck_cb, &cks, d)))
                break;
            cks.ids[cks.n++] = ev.checkpoint_id;
            if (!archive[0]) {
                /* the archive id is the second line of any checkpoint message */
                const char *p = strstr(cks.json.data, "archive: ");
                if (p)
                    snprintf(archive, sizeof(archive), "%.32s", p + 9);
            }
        }
    }
    if (rc)
        goto out;
    xa_buf_puts(&cks.json, "\n]\n");
    struct xa_buf ckfile;
    xa_buf_init(&ckfile, 0);
    xa_buf_puts(&ckfile, "[");
    xa_buf_append(&ckfile, cks.json.data ? cks.json.data : "", cks.json.len);
    if (signer)
        rc = xa_int_key_public_pem(signer, &pem);
    /* files */
    unsigned char hs[N_HASHED][32];
    if (!rc)
        rc = zcompress(&jl, &tmp, d);
    if (!rc && !(rc = write_file(dir, hashed_files[0], tmp.data, tmp.len, d)))
        xa_int_sha256(tmp.data, tmp.len, hs[0]);
    xa_buf_reset(&tmp);
    if (!rc)
        rc = zcompress(&canon, &tmp, d);
    if (!rc && !(rc = write_file(dir, hashed_files[1], tmp.data, tmp.len, d)))
        xa_int_sha256(tmp.data, tmp.len, hs[1]);
    if (!rc && !(rc = write_file(dir, hashed_files[2], ckfile.data, ckfile.len, d)))
        xa_int_sha256(ckfile.data, ckfile.len, hs[2]);
    xa_buf_release(&ckfile);
    if (!rc && !(rc = write_file(dir, hashed_files[3], pem.data ? pem.data : "", pem.len, d)))
        xa_int_sha256(pem.data ? pem.data : "", pem.len, hs[3]);
    if (!rc && !(rc = write_file(dir, hashed_files[4], readme, sizeof(readme) - 1, d)))
        xa_int_sha256(readme, sizeof(readme) - 1, hs[4]);
    if (rc)
        goto out;
    xa_buf_printf(&man, "{\"format\":\"exoaudit-evidence-bundle\",\"version\":1,\"archive\":\"%s\","
                  "\"created_at\":%" PRId64 ",\"description\":",
                  archive, xa_time_now());
    xa_buf_json_str(&man, description ? description : "", (size_t)-1);
    xa_buf_puts(&man, ",\n\"files\":{");
    for (size_t i = 0; i < N_HASHED; i++) {
        xa_buf_printf(&man, "%s\"%s\":", i ? "," : "", hashed_files[i]);
        hexs(&man, hs[i], 32);
    }
    xa_buf_puts(&man, "},\n\"blocks\":[");
    xa_buf_append(&man, cks.blocks.data ? cks.blocks.data : "", cks.blocks.len);
    xa_buf_puts(&man, "],\n\"records\":[");
    xa_buf_append(&man, recs.data ? recs.data : "", recs.len);
    xa_buf_puts(&man, "]}\n");
    if ((rc = write_file(dir, "manifest.json", man.data, man.len, d)))
        goto out;
    if (signer) {
        unsigned char sig[64];
        char sh[130];
        if ((rc = xa_int_sign(signer, man.data, man.len, sig, d)))
            goto out;
        xa_int_hex(sig, 64, sh);
        strcat(sh, "\n");
        rc = write_file(dir, "manifest.sig", sh, strlen(sh), d);
    }
out:
    xa_buf_release(&jl);
    xa_buf_release(&canon);
    xa_buf_release(&man);
    xa_buf_release(&recs);
    xa_buf_release(&tmp);
    xa_buf_release(&pem);
    xa_buf_release(&cks.json);
    xa_buf_release(&cks.blocks);
    free(cks.ids);
    xa_arena_release(&a);
    return rc;
}

/* ---- verify ----------------------------------------------------------------------- */

struct bv {
    struct xa_int_reporter rep; /* keep_going: every problem is reported */
    struct xa_bundle_summary *s;
};

#define prob(v, k, seq, rid, ...) xa_int_report(&(v)->rep, k, seq, seq, rid, 0, __VA_ARGS__)

struct bblk {
    int64_t id, first, last;
    unsigned char root[32], chain[32];
    bool signed_ok;
};

static int64_t jint(const struct xa_json *o, const char *k)
{
    int64_t v = -1;
    if (!xa_json_int(xa_json_get(o, k), &v))
        return -1;
    return v;
}

static bool jhash(const struct xa_json *o, const char *k, unsigned char out[32])
{
    const char *s = xa_json_str(xa_json_get(o, k));
    return s && strlen(s) == 64 && xa_int_unhex(s, out, 32);
}

xa_rc xa_bundle_verify(const char *dir, const char *trusted_pem, xa_verify_cb cb, void *ud,
                       struct xa_bundle_summary *s, struct xa_diag *d)
{
    memset(s, 0, sizeof(*s));
    strcpy(s->key_fpr, "none");
    struct bv v = {{cb, ud, &s->problems, &s->warnings, true, XA_OK}, s};
    struct xa_buf man, sig, f, zraw, jl, canon;
    xa_buf_init(&man, 0);
    xa_buf_init(&sig, 0);
    xa_buf_init(&f, 0);
    xa_buf_init(&zraw, 0);
    xa_buf_init(&jl, 0);
    xa_buf_init(&canon, 0);
    struct xa_json *mj = NULL, *cj = NULL;
    struct xa_int_key *key = NULL;
    struct bblk *blocks = NULL;
    size_t nb = 0;
    struct xa_arena a;
    xa_arena_init(&a, 64 * 1024);
    xa_rc rc = read_file(dir, "manifest.json", &man, d);
    if (rc)
        goto out;
    /* key */
    if (trusted_pem) {
        rc = xa_int_key_from_pem(trusted_pem, strlen(trusted_pem), &key, d);
    } else {
        xa_buf_reset(&f);
        if (read_file(dir, "public.pem", &f, NULL) == XA_OK && f.len &&
            xa_int_key_from_pem(f.data, f.len, &key, NULL) == XA_OK)
            prob(&v, XA_VP_WARNING, 0, NULL,
                 "no trusted key given (--key): checked with the bundle's own public.pem; "
                 "compare its fingerprint with the archive owner's");
    }
    if (rc)
        goto out;
    if (key)
        xa_int_key_fpr(key, s->key_fpr);
    else
        prob(&v, XA_VP_CHECKPOINT, 0, NULL, "no usable public key: signatures cannot be checked");
    /* manifest signature */
    unsigned char sg[64];
    if (read_file(dir, "manifest.sig", &sig, NULL) != XA_OK || sig.len != 129 ||
        sig.data[128] != '\n' || !xa_int_unhex(sig.data, sg, 64) ||
        !xa_int_verify_sig(key, man.data, man.len, sg, 64))
        prob(&v, XA_VP_CHECKPOINT, 0, NULL,
             "manifest.json: signature missing or does not verify (manifest altered)");
    struct xa_diag jd;
    if (xa_json_parse(man.data, man.len, &mj, &jd) != XA_OK) {
        prob(&v, XA_VP_BLOCK, 0, NULL, "manifest.json is not valid JSON");
        goto out;
    }
    /* file hashes */
    const struct xa_json *files = xa_json_get(mj, "files");
    for (size_t i = 0; i < N_HASHED; i++) {
        unsigned char want[32], got[32];
        xa_buf_reset(&f);
        if (!jhash(files, hashed_files[i], want) || read_file(dir, hashed_files[i], &f, NULL)) {
            prob(&v, XA_VP_BLOCK, 0, NULL, "%s: missing or not listed in the manifest",
                 hashed_files[i]);
            continue;
        }
        xa_int_sha256(f.data ? f.data : "", f.len, got);
        if (memcmp(want, got, 32) != 0)
            prob(&v, XA_VP_BLOCK, 0, NULL, "%s: does not match its hash in the manifest (altered)",
                 hashed_files[i]);
        if (i == 2 && xa_json_parse(f.data ? f.data : "", f.len, &cj, &jd) != XA_OK)
            prob(&v, XA_VP_CHECKPOINT, 0, NULL, "checkpoints.json is not valid JSON");
        if (i == 0 && !zdecompress(&f, &jl))
            prob(&v, XA_VP_BLOCK, 0, NULL, "records.jsonl.zst does not decompress");
        if (i == 1 && !zdecompress(&f, &canon))
            prob(&v, XA_VP_BLOCK, 0, NULL, "canonical.bin.zst does not decompress");
    }
    /* blocks */
    const struct xa_json *jb = xa_json_get(mj, "blocks");
    nb = xa_json_count(jb);
    blocks = calloc(nb ? nb : 1, sizeof(*blocks));
    if (!blocks) {
        rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
        goto out;
    }
    size_t k = 0;
    for (const struct xa_json *b = xa_json_child(jb); b && k < nb; b = xa_json_next(b), k++) {
        blocks[k].id = jint(b, "id");
        blocks[k].first = jint(b, "first_seq");
        blocks[k].last = jint(b, "last_seq");
        if (!jhash(b, "root", blocks[k].root) || !jhash(b, "chain", blocks[k].chain))
            prob(&v, XA_VP_BLOCK, 0, NULL, "manifest block %zu is malformed", k);
    }
    /* checkpoints: signature, and the root over the blocks they cover */
    for (const struct xa_json *c = xa_json_child(cj); c; c = xa_json_next(c)) {
        s->checkpoints++;
        const char *msg = xa_json_str(xa_json_get(c, "msg"));
        const char *sh = xa_json_str(xa_json_get(c, "sig"));
        struct xa_int_ck ck;
        unsigned char cs[64];
        if (!msg || xa_int_ck_parse(msg, strlen(msg), &ck)) {
            prob(&v, XA_VP_CHECKPOINT, 0, NULL, "a checkpoint is malformed");
            continue;
        }
        if (!sh || strlen(sh) != 128 || !xa_int_unhex(sh, cs, 64) ||
            !xa_int_verify_sig(key, msg, strlen(msg), cs, 64)) {
            prob(&v, XA_VP_CHECKPOINT, ck.seq, NULL,
                 "checkpoint %" PRId64 ": signature missing or does not verify", ck.id);
            continue;
        }
        size_t nc = ck.block_last >= ck.block_first ? (size_t)(ck.block_last - ck.block_first + 1)
                                                    : 0;
        unsigned char(*bh)[32] = calloc(nc ? nc : 1, 32);
        bool ok = bh != NULL;
        for (size_t i = 0; ok && i < nc; i++) {
            const struct bblk *x = NULL;
            for (size_t j = 0; j < nb; j++)
                if (blocks[j].id == ck.block_first + (int64_t)i)
                    x = &blocks[j];
            if (!x)
                ok = false;
            else
                xa_int_block_hash(x->id, x->first, x->last, x->root, x->chain, bh[i]);
        }
        unsigned char root[32];
        if (ok && xa_int_merkle_root((const unsigned char(*)[32])bh, nc, root))
            ok = false;
        free(bh);
        const struct bblk *lastb = NULL;
        for (size_t j = 0; j < nb; j++)
            if (blocks[j].id == ck.block_last)
                lastb = &blocks[j];
        if (!ok || memcmp(root, ck.blocks_root, 32) != 0 || !lastb || lastb->last != ck.seq ||
            memcmp(lastb->chain, ck.chain, 32) != 0) {
            prob(&v, XA_VP_CHECKPOINT, ck.seq, NULL,
                 "checkpoint %" PRId64 " does not match the blocks in the manifest", ck.id);
            continue;
        }
        for (size_t j = 0; j < nb; j++)
            if (blocks[j].id >= ck.block_first && blocks[j].id <= ck.block_last)
                blocks[j].signed_ok = true;
    }
    /* records */
    const struct xa_json *jr = xa_json_get(mj, "records");
    size_t co = 0, lo = 0;
    struct xa_buf line;
    xa_buf_init(&line, 0);
    for (const struct xa_json *r = xa_json_child(jr); r; r = xa_json_next(r)) {
        s->records++;
        int64_t seq = jint(r, "seq"), blk = jint(r, "block"), idx = jint(r, "index"),
                bsz = jint(r, "block_size"), dups = jint(r, "duplicates");
        const char *rid = xa_json_str(xa_json_get(r, "record_id"));
        unsigned char want[32], got[32];
        /* canonical bytes */
        if (co + 4 > canon.len) {
            prob(&v, XA_VP_DELETED, seq, rid, "record seq %" PRId64 ": canonical bytes missing",
                 seq);
            continue;
        }
        const unsigned char *cp = (const unsigned char *)canon.data + co;
        size_t cl = (size_t)cp[0] << 24 | (size_t)cp[1] << 16 | (size_t)cp[2] << 8 | cp[3];
        if (co + 4 + cl > canon.len) {
            prob(&v, XA_VP_ALTERED, seq, rid, "record seq %" PRId64 ": canonical bytes truncated",
                 seq);
            co = canon.len;
            continue;
        }
        cp += 4;
        co += 4 + cl;
        xa_int_sha256(cp, cl, got);
        if (!jhash(r, "hash", want) || memcmp(want, got, 32) != 0) {
            prob(&v, XA_VP_ALTERED, seq, rid,
                 "record seq %" PRId64 " (%s): content does not match its hash", seq,
                 rid ? rid : "?");
            continue;
        }
        /* proof to a signed block */
        const struct bblk *b = NULL;
        for (size_t j = 0; j < nb; j++)
            if (blocks[j].id == blk)
                b = &blocks[j];
        const struct xa_json *jp = xa_json_get(r, "proof");
        size_t np = xa_json_count(jp);
        unsigned char(*path)[32] = calloc(np ? np : 1, 32);
        size_t pi = 0;
        for (const struct xa_json *p = xa_json_child(jp); path && p && pi < np;
             p = xa_json_next(p), pi++) {
            const char *h = xa_json_str(p);
            if (!h || strlen(h) != 64 || !xa_int_unhex(h, path[pi], 32))
                break;
        }
        bool proof_ok = path && b && pi == np && idx >= 0 && bsz == b->last - b->first + 1 &&
                        seq == b->first + idx &&
                        xa_int_merkle_check(got, (size_t)idx, (size_t)bsz,
                                            (const unsigned char(*)[32])path, np, b->root);
        free(path);
        if (!proof_ok)
            prob(&v, XA_VP_BLOCK, seq, rid,
                 "record seq %" PRId64 " (%s): Merkle proof does not lead to its block root", seq,
                 rid ? rid : "?");
        else if (!b->signed_ok)
            prob(&v, XA_VP_CHECKPOINT, seq, rid,
                 "record seq %" PRId64 " (%s): its block is not covered by a valid checkpoint",
                 seq, rid ? rid : "?");
        /* the JSON line says exactly what the canonical bytes say */
        xa_arena_reset(&a);
        struct xa_event e;
        xa_buf_reset(&line);
        bool same = false;
        if (canon_event(cp, cl, &a, &e) == XA_OK) {
            e.seq = seq;
            e.duplicates = dups < 0 ? 0 : (uint32_t)dups;
            if (xa_event_to_json(&e, &line) == XA_OK && xa_buf_putc(&line, '\n') == XA_OK) {
                same = lo + line.len <= jl.len && memcmp(jl.data + lo, line.data, line.len) == 0;
                if (rid && e.record_id && strcmp(rid, e.record_id) != 0)
                    same = false;
            }
        }
        const char *nl = lo < jl.len ? memchr(jl.data + lo, '\n', jl.len - lo) : NULL;
        lo = nl ? (size_t)(nl - jl.data) + 1 : jl.len;
        if (!same)
            prob(&v, XA_VP_ALTERED, seq, rid,
                 "record seq %" PRId64 " (%s): the JSON line differs from the signed content",
                 seq, rid ? rid : "?");
    }
    xa_buf_release(&line);
    if (co != canon.len || lo != jl.len)
        prob(&v, XA_VP_INSERTED, 0, NULL, "the bundle holds records that the manifest does not "
                                          "list");
out:
    xa_json_free(mj);
    xa_json_free(cj);
    xa_int_key_free(key);
    free(blocks);
    xa_arena_release(&a);
    xa_buf_release(&man);
    xa_buf_release(&sig);
    xa_buf_release(&f);
    xa_buf_release(&zraw);
    xa_buf_release(&jl);
    xa_buf_release(&canon);
    return rc;
}
