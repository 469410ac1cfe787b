#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/buf.h"
#include "core/str.h"
#include "core/xtime.h"

static void test_time_parse(void **state)
{
    (void)state;
    int64_t t;
    assert_int_equal(xa_time_parse("2025-03-10T08:14:52", (size_t)-1, &t), XA_OK);
    char b[32];
    assert_string_equal(xa_time_format(t, b), "2025-03-10T08:14:52Z");
    assert_int_equal(xa_time_parse("2025-03-10T10:14:52.5+02:00", (size_t)-1, &t), XA_OK);
    assert_string_equal(xa_time_format(t, b), "2025-03-10T08:14:52.500000Z");
    assert_int_equal(xa_time_parse("9/20/2023 4:05:03 PM", (size_t)-1, &t), XA_OK);
    assert_string_equal(xa_time_format(t, b), "2023-09-20T16:05:03Z");
    assert_int_equal(xa_time_parse("12/1/2023 12:00:00 AM", (size_t)-1, &t), XA_OK);
    assert_string_equal(xa_time_format(t, b), "2023-12-01T00:00:00Z");
    assert_int_equal(xa_time_parse("2025-02-30T00:00:00", (size_t)-1, &t), XA_ERR_PARSE);
    assert_int_equal(xa_time_parse("yesterday", (size_t)-1, &t), XA_ERR_PARSE);
    assert_int_equal(xa_time_parse("1969-12-31T23:59:59.5Z", (size_t)-1, &t), XA_OK);
    assert_int_equal(t, -500000);
    assert_string_equal(xa_time_format(t, b), "1969-12-31T23:59:59.500000Z");
    assert_int_equal(xa_time_parse_arg("7d", 10LL * 86400 * 1000000, &t), XA_OK);
    assert_int_equal(t, 3LL * 86400 * 1000000);
}

static void test_buf_json(void **state)
{
    (void)state;
    struct xa_buf b;
    xa_buf_init(&b, 0);
    assert_int_equal(xa_buf_json_str(&b, "a\"b\\c\n\x01\xff", (size_t)-1), XA_OK);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001\xEF\xBF\xBD\"");
    xa_buf_reset(&b);
    xa_buf_csv_field(&b, "x,\"y\"");
    assert_string_equal(b.data, "\"x,\"\"y\"\"\"");
    xa_buf_release(&b);
    xa_buf_init(&b, 4);
    assert_int_equal(xa_buf_puts(&b, "12345"), XA_ERR_LIMIT);
    xa_buf_release(&b);
}

static void test_wildmatch(void **state)
{
    (void)state;
    assert_true(xa_str_wildmatch("Add-*Permission", "add-mailboxpermission"));
    assert_true(xa_str_wildmatch("*", ""));
    assert_false(xa_str_wildmatch("Set-?", "Set-Mailbox"));
    assert_true(xa_str_wildmatch("*@contoso.com", "ceo@CONTOSO.com"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_buf_json),
        cmocka_unit_test(test_wildmatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
