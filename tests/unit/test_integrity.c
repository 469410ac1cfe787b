/* test_integrity.c - canonical bytes, chain, Merkle proofs, checkpoint messages, signatures. */
#include "store/integrity.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static void test_canon_roundtrip(void **state)
{
    (void)state;
    struct xa_int_head h = {.tenant = "t1", .record_id = "r1", .operation = "Op", .actor = NULL,
                            .mailbox = "", .workload = "Exchange", .client_ip = "1.2.3.4",
                            .occurred_at = 1234567, .record_type = 2, .flags = 77};
    struct xa_buf b;
    xa_buf_init(&b, 0);
    assert_int_equal(xa_int_canon(&h, "body", 4, &b), XA_OK);
    unsigned char h1[32], h2[32];
    xa_int_sha256(b.data, b.len, h1);
    xa_int_content_hash(&h, "body", 4, h2);
    assert_memory_equal(h1, h2, 32);
    struct xa_arena a;
    xa_arena_init(&a, 4096);
    struct xa_int_head p;
    char *body;
    size_t bl;
    assert_int_equal(xa_int_canon_parse(b.data, b.len, &a, &p, &body, &bl), XA_OK);
    assert_string_equal(p.tenant, "t1");
    assert_null(p.actor);          /* absent and empty stay distinct */
    assert_string_equal(p.mailbox, "");
    assert_int_equal(p.flags, 77);
    assert_int_equal(bl, 4);
    /* every value matters, including the difference between NULL and "" */
    h.mailbox = NULL;
    xa_int_content_hash(&h, "body", 4, h2);
    assert_memory_not_equal(h1, h2, 32);
    /* truncated input is refused */
    for (size_t n = 0; n < b.len; n++)
        assert_int_not_equal(xa_int_canon_parse(b.data, n, &a, &p, &body, &bl), XA_OK);
    xa_arena_release(&a);
    xa_buf_release(&b);
}

static void test_chain(void **state)
{
    (void)state;
    unsigned char c1[32] = {1}, c2[32] = {2}, z[32] = {0}, a[32], b[32];
    xa_int_chain_step(z, 1, c1, a);
    xa_int_chain_step(a, 2, c2, a);
    xa_int_chain_step(z, 1, c2, b); /* swapped order gives another head */
    xa_int_chain_step(b, 2, c1, b);
    assert_memory_not_equal(a, b, 32);
    xa_int_chain_step(z, 2, c1, b); /* the seq is bound */
    xa_int_chain_step(z, 1, c1, a);
    assert_memory_not_equal(a, b, 32);
}

static void test_merkle(void **state)
{
    (void)state;
    for (size_t n = 1; n <= 67; n++) {
        unsigned char(*l)[32] = calloc(n, 32), root[32], path[64][32];
        for (size_t i = 0; i < n; i++)
            xa_int_sha256(&i, sizeof(i), l[i]);
        assert_int_equal(xa_int_merkle_root((const unsigned char(*)[32])l, n, root), XA_OK);
        for (size_t i = 0; i < n; i++) {
            size_t np;
            assert_int_equal(xa_int_merkle_proof((const unsigned char(*)[32])l, n, i, path, &np),
                             XA_OK);
            assert_true(xa_int_merkle_check(l[i], i, n, (const unsigned char(*)[32])path, np, root));
            /* the wrong index, leaf or a changed sibling fails */
            if (n > 1)
                assert_false(xa_int_merkle_check(l[i], (i + 1) % n, n,
                                                 (const unsigned char(*)[32])path, np, root));
            unsigned char bad[32];
            memcpy(bad, l[i], 32);
            bad[0] ^= 1;
            assert_false(xa_int_merkle_check(bad, i, n, (const unsigned char(*)[32])path, np, root));
            if (np) {
                path[0][5] ^= 1;
                assert_false(xa_int_merkle_check(l[i], i, n, (const unsigned char(*)[32])path, np,
                                                 root));
            }
        }
        free(l);
    }
}

static void test_checkpoint_and_keys(void **state)
{
    (void)state;
    struct xa_int_ck c;
    memset(&c, 0, sizeof(c));
    strcpy(c.archive, "00112233445566778899aabbccddeeff");
    c.id = 3;
    c.kind = XA_INT_CK_PURGE;
    c.seq = 100;
    c.block_first = 2;
    c.block_last = 4;
    c.at = 42;
    strcpy(c.key, "none");
    c.purge_from = 1;
    c.purge_to = 50;
    c.purge_count = 50;
    c.chain[0] = 9;
    struct xa_buf m;
    xa_buf_init(&m, 0);
    assert_int_equal(xa_int_ck_format(&c, &m), XA_OK);
    struct xa_int_ck p;
    assert_int_equal(xa_int_ck_parse(m.data, m.len, &p), XA_OK);
    assert_int_equal(p.purge_to, 50);
    assert_memory_equal(p.chain, c.chain, 32);
    m.data[m.len - 2] = m.data[m.len - 2] == '0' ? '1' : '0';
    /* still parses only if it formats back identically (hex digit change: yes) */
    char dir[] = "/tmp/xa_test_keyXXXXXX";
    assert_non_null(mkdtemp(dir));
    char priv[128], pub[128];
    snprintf(priv, sizeof(priv), "%s/k", dir);
    snprintf(pub, sizeof(pub), "%s/k.pub", dir);
    assert_int_equal(xa_int_key_generate(priv, pub, NULL), XA_OK);
    struct xa_int_key *k = NULL, *pk = NULL;
    assert_int_equal(xa_int_key_load_private(priv, &k, NULL), XA_OK);
    assert_int_equal(xa_int_key_load_public(pub, &pk, NULL), XA_OK);
    unsigned char sig[64];
    assert_int_equal(xa_int_sign(k, m.data, m.len, sig, NULL), XA_OK);
    assert_true(xa_int_verify_sig(pk, m.data, m.len, sig, 64));
    m.data[0] ^= 1;
    assert_false(xa_int_verify_sig(pk, m.data, m.len, sig, 64));
    char f1[65], f2[65];
    xa_int_key_fpr(k, f1);
    xa_int_key_fpr(pk, f2);
    assert_string_equal(f1, f2);
    chmod(priv, 0640);
    struct xa_int_key *k2 = NULL;
    assert_int_equal(xa_int_key_load_private(priv, &k2, NULL), XA_ERR_INVALID);
    xa_int_key_free(k);
    xa_int_key_free(pk);
    unlink(priv);
    unlink(pub);
    rmdir(dir);
    xa_buf_release(&m);
    int64_t us;
    assert_int_equal(xa_int_retention_parse("90d", &us), XA_OK);
    assert_true(us == (int64_t)90 * 86400 * 1000000);
    assert_int_equal(xa_int_retention_parse("forever", &us), XA_OK);
    assert_true(us == -1);
    assert_int_not_equal(xa_int_retention_parse("9x", &us), XA_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canon_roundtrip),
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_merkle),
        cmocka_unit_test(test_checkpoint_and_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
