/* bundle.h - self-verifying evidence bundles (exoaudit export / verify --bundle).
 *
 * A bundle directory holds: records.jsonl.zst (the records as JSON Lines, zstd),
 * canonical.bin.zst (each record's canonical bytes, be32 length-prefixed, zstd),
 * manifest.json (per record: seq, tenant, record id, content hash, Merkle proof to its
 * block root; the blocks; the SHA-256 of every other file), manifest.sig (Ed25519 over
 * manifest.json), checkpoints.json (the signed checkpoints covering the blocks),
 * public.pem and README.txt. Verification needs nothing but the bundle (and, ideally, a
 * trusted copy of the public key). Not thread-safe per call; reentrant. */
#ifndef XA_STORE_BUNDLE_H
#define XA_STORE_BUNDLE_H

#include "store/integrity.h"
#include "store/store.h"

struct xa_bundle_summary {
    int64_t records, checkpoints, problems, warnings;
    char key_fpr[65];
};

/* Write the records with these seqs (in this order) to dir (created, must not exist or
 * be empty). signer signs checkpoints' companion manifest (may be NULL: unsigned).
 * pub_pem: the archive's public key (PEM, may be NULL when unsigned). */
xa_rc xa_bundle_write(struct xa_store *st, const int64_t *seqs, size_t n, const char *dir,
                      const struct xa_int_key *signer, const char *description,
                      struct xa_diag *diag);

/* Check a bundle; each problem goes to cb (as for xa_store_ops.verify). trusted_pem: the
 * public key to trust (NULL: the bundle's public.pem, with a warning). Returns XA_OK
 * when the check ran (problems are in s), an error when it could not run. */
xa_rc xa_bundle_verify(const char *dir, const char *trusted_pem, xa_verify_cb cb, void *ud,
                       struct xa_bundle_summary *s, struct xa_diag *diag);

#endif
