/* test_report.c - report rendering (escaping in every format), PowerShell quoting,
 * posture record helpers. */
#include "core/arena.h"
#include "core/buf.h"
#include "report/doc.h"
#include "report/map.h"
#include "report/posture.h"
#include "report/posture_read.h"
#include "report/util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static char *render(struct xa_rdoc *d, enum xa_rfmt fmt)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    assert_non_null(fp);
    assert_int_equal(xa_rdoc_render(d, fmt, fp, NULL), XA_OK);
    fclose(fp);
    return buf;
}

static struct xa_rdoc *hostile_doc(void)
{
    struct xa_rdoc *d = xa_rdoc_new("t", "T <b>");
    assert_non_null(d);
    assert_int_equal(xa_rdoc_param(d, "who", "\"><script>x</script>"), XA_OK);
    static const char *const cols[] = {"name:Name", "#n:Count"};
    int s = xa_rdoc_section(d, "s", "S", NULL, cols, 2);
    assert_true(s >= 0);
    const char *r1[] = {"<img src=x onerror=alert(1)>", "3"};
    const char *r2[] = {"=cmd|' /C calc'!A0", "5"};
    const char *r3[] = {"esc\x1b[31mred\nline", NULL};
    assert_int_equal(xa_rdoc_row(d, s, r1), XA_OK);
    assert_int_equal(xa_rdoc_row(d, s, r2), XA_OK);
    assert_int_equal(xa_rdoc_row(d, s, r3), XA_OK);
    assert_int_equal(xa_rdoc_chart(d, s, XA_CHART_BARS, "c<", 0, 1, 0), XA_OK);
    return d;
}

static void html_escapes_everything(void **state)
{
    (void)state;
    struct xa_rdoc *d = hostile_doc();
    char *h = render(d, XA_RFMT_HTML);
    assert_null(strstr(h, "<script"));
    assert_null(strstr(h, "<img"));
    assert_null(strstr(h, "http://"));
    assert_null(strstr(h, "\x1b"));
    assert_non_null(strstr(h, "&lt;img src=x onerror=alert(1)&gt;"));
    assert_non_null(strstr(h, "default-src 'none'; style-src 'unsafe-inline'; img-src data:"));
    assert_non_null(strstr(h, "<svg"));
    free(h);
    xa_rdoc_free(d);
}

static void csv_neutralises_formulas(void **state)
{
    (void)state;
    struct xa_rdoc *d = hostile_doc();
    char *c = render(d, XA_RFMT_CSV);
    assert_non_null(strstr(c, "section,name,n\r\n"));
    assert_non_null(strstr(c, "s,'=cmd|' /C calc'!A0,5\r\n"));
    assert_non_null(strstr(c, "s,\"esc\x1b[31mred\nline\",\r\n")); /* quoted, kept byte-exact */
    free(c);
    xa_rdoc_free(d);
}

static void json_and_text(void **state)
{
    (void)state;
    struct xa_rdoc *d = hostile_doc();
    char *j = render(d, XA_RFMT_JSON);
    assert_non_null(strstr(j, "\"n\":3"));
    assert_non_null(strstr(j, "\"n\":null"));
    assert_non_null(strstr(j, "\\u001b[31mred\\nline"));
    char *t = render(d, XA_RFMT_TEXT);
    assert_null(strchr(t, '\x1b'));
    assert_non_null(strstr(t, "esc [31mred line"));
    free(j);
    free(t);
    xa_rdoc_free(d);
}

static void powershell_quoting(void **state)
{
    (void)state;
    struct xa_arena a;
    xa_arena_init(&a, 4096);
    assert_string_equal(xa_ps_quote(&a, "o'brien"), "'o''brien'");
    assert_string_equal(xa_ps_quote(&a, "a\xE2\x80\x99" "b"), "'a''b'");
    assert_string_equal(xa_ps_quote(&a, "x\n; Remove-Mailbox"), "'x; Remove-Mailbox'");
    assert_string_equal(xa_ps_quote(&a, NULL), "''");
    xa_arena_release(&a);
}

static void timespans_and_lists(void **state)
{
    (void)state;
    struct xa_arena a;
    xa_arena_init(&a, 4096);
    const char *names[] = {"A", "B", "C", "D", "E", "L", "W"};
    const char *vals[] = {"365.00:00:00", "90", "12:00:00", "1.12:00:00", "Unlimited",
                          "a\x1e" "b, c", "Update MoveToDeletedItems  SoftDelete"};
    struct xa_prec r = {.n = 7, .names = names, .values = vals};
    assert_true(xa_prec_days(&r, "a") == 365.0);
    assert_true(xa_prec_days(&r, "B") == 90.0);
    assert_true(xa_prec_days(&r, "C") == 0.5);
    assert_true(xa_prec_days(&r, "D") == 1.5);
    assert_true(xa_prec_days(&r, "E") > 1e6);
    assert_true(xa_prec_days(&r, "missing") < 0);
    const char **items;
    assert_int_equal(xa_prec_list(&r, "L", false, &a, &items), 3);
    assert_string_equal(items[2], "c");
    assert_int_equal(xa_prec_list(&r, "W", true, &a, &items), 3);
    assert_string_equal(items[1], "MoveToDeletedItems");
    xa_arena_release(&a);
}

static void map_and_tally(void **state)
{
    (void)state;
    struct xa_arena a;
    xa_arena_init(&a, 4096);
    struct xa_smap m;
    xa_smap_init(&m, &a);
    char k[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof(k), "Key%d", i);
        size_t *v = xa_smap_get(&m, k, true, (size_t)i, NULL);
        assert_non_null(v);
    }
    size_t *v = xa_smap_get(&m, "KEY500", false, 0, NULL);
    assert_non_null(v);
    assert_int_equal(*v, 500);
    assert_null(xa_smap_get(&m, "nope", false, 0, NULL));
    xa_smap_release(&m);
    struct xa_tally t = {0};
    xa_tally_add(&t, &a, "b", 1);
    xa_tally_add(&t, &a, "a", 1);
    xa_tally_add(&t, &a, "B", 1);
    assert_string_equal(xa_tally_join(&t, &a, true), "b 2, a 1");
    xa_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(html_escapes_everything), cmocka_unit_test(csv_neutralises_formulas),
        cmocka_unit_test(json_and_text),           cmocka_unit_test(powershell_quoting),
        cmocka_unit_test(timespans_and_lists),     cmocka_unit_test(map_and_tally),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
