/* Two writers keeping the same archive open (serve's self-audit queue and its collector,
 * or an import beside a running collector) must see each other's commits: regression test
 * for a stale integrity chain head ("records seq N..M are not in the integrity chain"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xtime.h"
#include "store/store.h"

static void put_one(struct xa_store *st, int n)
{
    struct xa_event ev;
    xa_event_init(&ev);
    char id[64], raw[160];
    snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012d", n);
    snprintf(raw, sizeof(raw), "{\"Id\":\"%s\",\"CreationTime\":\"2025-03-10T08:00:%02d\"}", id, n % 60);
    ev.tenant_id = "t";
    ev.record_id = id;
    ev.record_type = 1;
    ev.workload = "Exchange";
    ev.occurred_at = 1741593600000000LL + n * 1000000LL;
    ev.operation = "Set-Mailbox";
    ev.actor = "it.admin@contoso.com";
    ev.raw = raw;
    ev.raw_len = strlen(raw);
    struct xa_diag d;
    xa_diag_clear(&d);
    enum xa_put_status ps;
    assert_int_equal(st->ops->begin(st->ctx, &d), XA_OK);
    xa_rc rc = st->ops->put(st->ctx, &ev, &ps, &d);
    if (rc)
        fail_msg("put %d: %s", n, d.msg);
    assert_int_equal(ps, XA_PUT_STORED);
    assert_int_equal(st->ops->commit(st->ctx, &d), XA_OK);
}

static void test_two_writers(void **state)
{
    (void)state;
    char dir[] = "/tmp/xa-writers-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof(path), "%s/a.db", dir);
    struct xa_store_cfg cfg = {.location = path};
    struct xa_store a, b;
    struct xa_diag d;
    xa_diag_clear(&d);
    assert_int_equal(xa_store_open(&cfg, &a, &d), XA_OK);
    assert_int_equal(xa_store_open(&cfg, &b, &d), XA_OK);
    /* interleaved commits, each writer behind the other's tail every time */
    for (int i = 1; i <= 6; i++)
        put_one(i % 2 ? &a : &b, i);
    struct xa_store_stats s;
    assert_int_equal(a.ops->stats(a.ctx, &s, &d), XA_OK);
    assert_int_equal(s.events, 6);
    xa_store_close(&a);
    xa_store_close(&b);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_two_writers)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
