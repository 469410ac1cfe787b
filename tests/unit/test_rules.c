/* test_rules.c - Sigma loader, matchers, conditions, correlations and alert storage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/xtime.h"
#include "norm/norm.h"
#include "parse/json.h"
#include "rules/engine.h"
#include "rules/eval.h"
#include "rules/rule.h"
#include "store/store.h"

/* Does a one-selection rule "sel: {<body>}" match the record? -1 when it does not load. */
static int m(const char *sel, const char *record)
{
    char y[4096];
    snprintf(y, sizeof(y), "title: t\nlogsource: {product: m365}\ndetection:\n    sel:\n%s\n"
                           "    condition: sel\n", sel);
    struct xa_ruleset rs;
    xa_ruleset_init(&rs);
    struct xa_diag d;
    int res = -1;
    if (xa_ruleset_load_builtin(&rs, &d) == XA_OK && xa_ruleset_load(&rs, "t.yml", y, strlen(y), NULL, &d) == XA_OK &&
        xa_ruleset_finalise(&rs, &d) == XA_OK) {
        struct xa_json *j = NULL;
        assert_int_equal(xa_json_parse(record, strlen(record), &j, &d), XA_OK);
        struct xa_arena a;
        xa_arena_init(&a, 4096);
        struct xa_event ev;
        struct xa_norm_opts no = {NULL, XA_SRC_JSON, XA_TIME_NONE};
        assert_int_equal(xa_norm_record(j, record, strlen(record), &no, &a, &ev, &d), XA_OK);
        struct xa_eval e;
        xa_eval_init(&e, &rs);
        xa_eval_begin(&e, &ev);
        res = xa_eval_rule(&e, xa_ruleset_find(&rs, "t.yml#1"));
        xa_eval_release(&e);
        xa_arena_release(&a);
        xa_json_free(j);
    }
    xa_ruleset_release(&rs);
    return res;
}

#define REC(extra)                                                                                 \
    "{\"Id\":\"1\",\"CreationTime\":\"2026-10-13T09:00:00\",\"RecordType\":1,\"Workload\":\"Exchange\"," \
    "\"UserId\":\"it.admin@contoso.com\",\"UserType\":2,\"ClientIP\":\"10.1.2.3:443\"," extra "}"

static const char *R1 = REC("\"Operation\":\"New-InboxRule\",\"ObjectId\":\"C:\\\\Windows*\","
                            "\"Parameters\":[{\"Name\":\"ForwardTo\",\"Value\":\"x@example.org\"},"
                            "{\"Name\":\"Name\",\"Value\":\"ping -exec bypass\"},"
                            "{\"Name\":\"Blob\",\"Value\":\"aGVsbG8gRm9yd2FyZFRvIHdvcmxk\"}]");

static void t_plain_and_case(void **s)
{
    (void)s;
    assert_int_equal(m("        Operation: 'new-inboxrule'", R1), 1);
    assert_int_equal(m("        Operation|cased: 'new-inboxrule'", R1), 0);
    assert_int_equal(m("        Operation: 'New-Inbox'", R1), 0);
    assert_int_equal(m("        Operation: 'New-*Rule'", R1), 1);
    assert_int_equal(m("        Operation: 'New-InboxRul?'", R1), 1);
    assert_int_equal(m("        Operation|contains: 'inbox'", R1), 1);
    assert_int_equal(m("        Operation|startswith: 'new-'", R1), 1);
    assert_int_equal(m("        Operation|endswith: 'rule'", R1), 1);
    assert_int_equal(m("        RecordType: 1", R1), 1);
}

static void t_escaping(void **s)
{
    (void)s;
    /* ObjectId is the text C:\Windows* ; 'C:\Windows\*' means exactly that text */
    assert_int_equal(m("        ObjectId: 'C:\\Windows\\*'", R1), 1);
    assert_int_equal(m("        ObjectId: 'C:\\Windows\\\\*'", R1), 0); /* needs a backslash after Windows */
    assert_int_equal(m("        ObjectId: 'C:\\Windows'", R1), 0);
    assert_int_equal(m("        ObjectId|startswith: 'C:\\Win'", R1), 1);
}

static void t_params_and_lists(void **s)
{
    (void)s;
    assert_int_equal(m("        Parameters.ForwardTo|endswith: '@example.org'", R1), 1);
    assert_int_equal(m("        Parameters|contains: 'ForwardTo'", R1), 1);         /* a name */
    assert_int_equal(m("        Parameters|contains: 'example.org'", R1), 1);       /* a value */
    assert_int_equal(m("        Parameters|contains|all: [ForwardTo, example]", R1), 1);
    assert_int_equal(m("        Parameters|contains|all: [ForwardTo, nowhere]", R1), 0);
    assert_int_equal(m("        Parameters|contains: [nowhere, ForwardTo]", R1), 1);
    assert_int_equal(m("        Parameters.forwardto: 'X@EXAMPLE.ORG'", R1), 1);
    assert_int_equal(m("        forward_external: true", R1), 1);
    assert_int_equal(m("        Parameters|all: [a, b]", R1), -1); /* all without contains */
}

static void t_null_exists(void **s)
{
    (void)s;
    assert_int_equal(m("        Missing: null", R1), 1);
    assert_int_equal(m("        Workload: null", R1), 0);
    assert_int_equal(m("        Missing|exists: false", R1), 1);
    assert_int_equal(m("        Workload|exists: true", R1), 1);
    assert_int_equal(m("        Missing: ''", R1), 0);
    assert_int_equal(m("        Missing|neq: x", R1), 1);
    assert_int_equal(m("        Workload|neq: Exchange", R1), 0);
    assert_int_equal(m("        Missing: [null, x]", R1), -1);
}

static void t_types(void **s)
{
    (void)s;
    assert_int_equal(m("        ClientIP|cidr: 10.0.0.0/8", R1), 1);
    assert_int_equal(m("        ClientIP|cidr: 192.168.0.0/16", R1), 0);
    assert_int_equal(m("        client_ip|cidr: '10.1.2.3/32'", R1), 1);
    assert_int_equal(m("        ClientIP|cidr: 10.0.0.0/33", R1), -1);
    assert_int_equal(m("        RecordType|gte: 1", R1), 1);
    assert_int_equal(m("        RecordType|gt: 1", R1), 0);
    assert_int_equal(m("        Operation|gt: 1", R1), 0);
    assert_int_equal(m("        Operation|re: '^New-.*Rule$'", R1), 1);
    assert_int_equal(m("        Operation|re: '^new-'", R1), 0);
    assert_int_equal(m("        Operation|re|i: '^new-'", R1), 1);
    assert_int_equal(m("        Operation|re: '('", R1), -1);
    assert_int_equal(m("        Operation|foo: x", R1), -1);
    assert_int_equal(m("        Operation|fieldref: Operation", R1), 1);
    assert_int_equal(m("        Parameters.Blob|base64offset|contains: ForwardTo", R1), 1);
    assert_int_equal(m("        Parameters.Blob|base64offset|contains: Nothing", R1), 0);
    assert_int_equal(m("        Parameters.Name|windash|contains: ' /exec'", R1), 1);
    assert_int_equal(m("        Parameters.Name|windash|all|contains: [' /exec', 'ping']", R1), 1);
}

static int cond(const char *c, const char *rec)
{
    char y[2048];
    snprintf(y, sizeof(y), "        Operation: New-InboxRule\n    sel_b:\n        Operation: nope\n"
                           "    _hidden:\n        Operation: New-InboxRule\n    condition2: x");
    (void)y;
    char full[4096];
    snprintf(full, sizeof(full),
             "title: t\nlogsource: {product: m365}\ndetection:\n    sel_a:\n        Operation: New-InboxRule\n"
             "    sel_b:\n        Operation: nope\n    filt:\n        Workload: Exchange\n"
             "    _hidden:\n        Operation: nope\n    condition: %s\n", c);
    struct xa_ruleset rs;
    xa_ruleset_init(&rs);
    struct xa_diag d;
    int res = -1;
    if (xa_ruleset_load(&rs, "c.yml", full, strlen(full), NULL, &d) == XA_OK &&
        xa_ruleset_finalise(&rs, &d) == XA_OK) {
        struct xa_json *j = NULL;
        xa_json_parse(rec, strlen(rec), &j, &d);
        struct xa_arena a;
        xa_arena_init(&a, 4096);
        struct xa_event ev;
        struct xa_norm_opts no = {NULL, XA_SRC_JSON, XA_TIME_NONE};
        xa_norm_record(j, rec, strlen(rec), &no, &a, &ev, &d);
        struct xa_eval e;
        xa_eval_init(&e, &rs);
        xa_eval_begin(&e, &ev);
        res = xa_eval_rule(&e, rs.rules[0]);
        xa_eval_release(&e);
        xa_arena_release(&a);
        xa_json_free(j);
    }
    xa_ruleset_release(&rs);
    return res;
}

static void t_conditions(void **s)
{
    (void)s;
    assert_int_equal(cond("sel_a", R1), 1);
    assert_int_equal(cond("sel_b or sel_a and not filt", R1), 0);  /* or < and < not */
    assert_int_equal(cond("(sel_b or sel_a) and filt", R1), 1);
    assert_int_equal(cond("1 of sel_*", R1), 1);
    assert_int_equal(cond("all of sel_*", R1), 0);
    assert_int_equal(cond("1 of them", R1), 1);
    assert_int_equal(cond("all of them", R1), 0);
    assert_int_equal(cond("not 1 of sel_*", R1), 0);
    assert_int_equal(cond("1 of _hid*", R1), -1); /* patterns never match _-prefixed */
    assert_int_equal(cond("sel_a and", R1), -1);
    assert_int_equal(cond("undefined", R1), -1);
    assert_int_equal(cond("sel_a | count() > 5", R1), -1);
    assert_int_equal(cond("[sel_b, sel_a]", R1), 1);  /* a list of conditions is an OR */
}

/* ---- correlations through the engine ---------------------------------------------- */

struct hits {
    int n;
    size_t seqs;
};

static xa_rc on_match(void *ud, const struct xa_rule *r, const struct xa_alert *a)
{
    struct hits *h = ud;
    if (r->kind == XA_RULE_CORRELATION) {
        h->n++;
        h->seqs = a->n_seqs;
    }
    return XA_OK;
}

static const char *CORR =
    "title: g\nname: g\nlogsource: {product: m365}\ndetection: {s: {Operation: Add-MailboxPermission}, condition: s}\n"
    "---\ntitle: u\nname: u\nlogsource: {product: m365}\ndetection: {s: {Operation: MailItemsAccessed}, condition: s}\n"
    "---\ntitle: r\nname: r\nlogsource: {product: m365}\ndetection: {s: {Operation: Remove-MailboxPermission}, condition: s}\n"
    "---\ntitle: seq\ncorrelation:\n    type: temporal_ordered\n    rules: [g, u, r]\n    group-by: [who]\n"
    "    aliases:\n        who: {g: Parameters.User, u: UserId, r: Parameters.User}\n    timespan: 1h\n";

static int run_corr(const char *yaml, const char *const *ops, const char *const *times, int n,
                    size_t *nseqs)
{
    struct xa_ruleset rs;
    xa_ruleset_init(&rs);
    struct xa_diag d;
    assert_int_equal(xa_ruleset_load(&rs, "corr.yml", yaml, strlen(yaml), NULL, &d), XA_OK);
    struct xa_engine *e;
    assert_int_equal(xa_engine_new(&rs, NULL, &e, &d), XA_OK);
    struct hits h = {0, 0};
    xa_engine_on_match(e, on_match, &h);
    for (int i = 0; i < n; i++) {
        char rec[1024];
        snprintf(rec, sizeof(rec),
                 "{\"Id\":\"%d\",\"CreationTime\":\"%s\",\"RecordType\":1,\"Operation\":\"%s\","
                 "\"UserId\":\"%s\",\"Parameters\":[{\"Name\":\"User\",\"Value\":\"ryan\"}]}",
                 i, times[i], ops[i], strcmp(ops[i], "MailItemsAccessed") == 0 ? "ryan" : "admin");
        struct xa_json *j;
        assert_int_equal(xa_json_parse(rec, strlen(rec), &j, &d), XA_OK);
        struct xa_arena a;
        xa_arena_init(&a, 4096);
        struct xa_event ev;
        struct xa_norm_opts no = {NULL, XA_SRC_JSON, XA_TIME_NONE};
        assert_int_equal(xa_norm_record(j, rec, strlen(rec), &no, &a, &ev, &d), XA_OK);
        ev.seq = i + 1;
        assert_int_equal(xa_engine_event(e, &ev, &d), XA_OK);
        xa_arena_release(&a);
        xa_json_free(j);
    }
    xa_engine_free(e);
    xa_ruleset_release(&rs);
    if (nseqs)
        *nseqs = h.seqs;
    return h.n;
}

static void t_temporal_ordered(void **s)
{
    (void)s;
    const char *ops[] = {"Add-MailboxPermission", "MailItemsAccessed", "Remove-MailboxPermission"};
    const char *t_ok[] = {"2026-10-13T08:00:00", "2026-10-13T08:30:00", "2026-10-13T08:50:00"};
    size_t n = 0;
    assert_int_equal(run_corr(CORR, ops, t_ok, 3, &n), 1);
    assert_int_equal(n, 3);
    const char *ops2[] = {"MailItemsAccessed", "Add-MailboxPermission", "Remove-MailboxPermission"};
    assert_int_equal(run_corr(CORR, ops2, t_ok, 3, NULL), 0); /* order broken */
    const char *t_late[] = {"2026-10-13T08:00:00", "2026-10-13T08:30:00", "2026-10-13T09:30:00"};
    assert_int_equal(run_corr(CORR, ops, t_late, 3, NULL), 0); /* outside 1 h */
    /* out-of-order arrival: the read arrives last but happened in between */
    const char *ops3[] = {"Add-MailboxPermission", "Remove-MailboxPermission", "MailItemsAccessed"};
    const char *t3[] = {"2026-10-13T08:00:00", "2026-10-13T08:50:00", "2026-10-13T08:30:00"};
    assert_int_equal(run_corr(CORR, ops3, t3, 3, NULL), 1);
}

static void t_event_count(void **s)
{
    (void)s;
    const char *y = "title: b\nname: b\nlogsource: {product: m365}\ndetection: {s: {Operation: New-InboxRule}, condition: s}\n"
                    "---\ntitle: burst\ncorrelation: {type: event_count, rules: [b], group-by: [UserId],"
                    " timespan: 10m, condition: {gte: 5}}\n";
    const char *ops[] = {"New-InboxRule", "New-InboxRule", "New-InboxRule", "New-InboxRule", "New-InboxRule"};
    const char *in[] = {"2026-10-13T09:00:00", "2026-10-13T09:02:00", "2026-10-13T09:03:00",
                        "2026-10-13T09:07:00", "2026-10-13T09:09:00"};
    assert_int_equal(run_corr(y, ops, in, 5, NULL), 1);
    const char *out[] = {"2026-10-13T09:00:00", "2026-10-13T09:04:00", "2026-10-13T09:08:00",
                         "2026-10-13T09:12:00", "2026-10-13T09:15:00"};
    assert_int_equal(run_corr(y, ops, out, 5, NULL), 0); /* sliding: at most 3 in any 10 min */
    const char *bad = "title: x\ncorrelation: {type: event_count, rules: [b], timespan: 10m, condition: {lt: 5}}\n";
    struct xa_ruleset rs;
    xa_ruleset_init(&rs);
    struct xa_diag d;
    assert_int_not_equal(xa_ruleset_load(&rs, "bad.yml", bad, strlen(bad), NULL, &d), XA_OK);
    const char *cyc = "title: a\nname: a\ncorrelation: {type: temporal, rules: [a], timespan: 1m}\n";
    assert_int_equal(xa_ruleset_load(&rs, "cyc.yml", cyc, strlen(cyc), NULL, &d), XA_OK);
    assert_int_not_equal(xa_ruleset_finalise(&rs, &d), XA_OK);
    xa_ruleset_release(&rs);
}

static void t_yaml_limits(void **s)
{
    (void)s;
    struct xa_ruleset rs;
    xa_ruleset_init(&rs);
    struct xa_diag d;
    const char *alias = "title: &a t\nlogsource: {}\ndetection: {s: {x: *a}, condition: s}\n";
    assert_int_not_equal(xa_ruleset_load(&rs, "a.yml", alias, strlen(alias), NULL, &d), XA_OK);
    assert_non_null(strstr(d.msg, "a.yml"));
    const char *legacy = "action: global\ntitle: t\n";
    assert_int_not_equal(xa_ruleset_load(&rs, "l.yml", legacy, strlen(legacy), NULL, &d), XA_OK);
    const char *notitle = "logsource: {}\ndetection: {s: {x: 1}, condition: s}\n";
    assert_int_not_equal(xa_ruleset_load(&rs, "n.yml", notitle, strlen(notitle), NULL, &d), XA_OK);
    char deep[400];
    memset(deep, '[', 300);
    deep[300] = 0;
    assert_int_not_equal(xa_ruleset_load(&rs, "d.yml", deep, strlen(deep), NULL, &d), XA_OK);
    assert_int_equal(rs.n, 0);
    assert_int_equal(xa_ruleset_load_builtin(&rs, &d), XA_OK);
    assert_true(rs.n >= 40);
    assert_int_equal(xa_ruleset_finalise(&rs, &d), XA_OK);
    xa_ruleset_release(&rs);
}

/* ---- alert storage ---------------------------------------------------------------- */

static xa_rc count_cb(void *ud, const struct xa_alert *a)
{
    int64_t *n = ud;
    n[0]++;
    n[1] = a->count;
    n[2] = (int64_t)a->n_seqs;
    n[3] = a->status;
    n[4] = (int64_t)a->n_comments;
    return XA_OK;
}

static void t_alert_store(void **s)
{
    (void)s;
    char dir[] = "/tmp/xa-test-rules-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[300];
    snprintf(path, sizeof(path), "%s/a.db", dir);
    struct xa_store st;
    struct xa_store_cfg cfg = {.location = path};
    struct xa_diag d;
    assert_int_equal(xa_store_open(&cfg, &st, &d), XA_OK);
    const struct xa_store_alert_ops *ao = st.ops->alerts;
    assert_non_null(ao);
    int64_t seqs1[] = {1, 2}, seqs2[] = {3};
    struct xa_alert a = {.rule_id = "r1", .rule_title = "R", .rule_author = "me", .severity = 3,
                         .group_key = "g", .first_at = 1000, .last_at = 2000, .seqs = seqs1,
                         .n_seqs = 2, .count = 2};
    int64_t id1, id2, id3;
    bool merged;
    assert_int_equal(st.ops->begin(st.ctx, &d), XA_OK);
    assert_int_equal(ao->put(st.ctx, &a, 3600000000LL, &id1, &merged, &d), XA_OK);
    assert_false(merged);
    a.first_at = a.last_at = 5000;
    a.seqs = seqs2;
    a.n_seqs = 1;
    a.count = 1;
    assert_int_equal(ao->put(st.ctx, &a, 3600000000LL, &id2, &merged, &d), XA_OK);
    assert_true(merged);
    assert_int_equal(id1, id2);
    a.group_key = "other";
    assert_int_equal(ao->put(st.ctx, &a, 3600000000LL, &id3, &merged, &d), XA_OK);
    assert_false(merged);
    assert_int_equal(ao->cursor_set(st.ctx, "rules", 42, &d), XA_OK);
    assert_int_equal(ao->state_put(st.ctx, "rules", "k", "v", 1, &d), XA_OK);
    assert_int_equal(st.ops->commit(st.ctx, &d), XA_OK);
    int64_t c = 0;
    assert_int_equal(ao->cursor_get(st.ctx, "rules", &c, &d), XA_OK);
    assert_int_equal(c, 42);
    struct xa_alert_query q = {.id = id1, .status = -1, .since = XA_TIME_NONE, .until = XA_TIME_NONE};
    int64_t n[5] = {0};
    assert_int_equal(ao->list(st.ctx, &q, count_cb, n, &d), XA_OK);
    assert_int_equal(n[0], 1);
    assert_int_equal(n[1], 3);
    assert_int_equal(n[2], 3);
    assert_int_equal(ao->update(st.ctx, id1, XA_ALERT_CLOSED, "me", "done", &d), XA_OK);
    memset(n, 0, sizeof(n));
    assert_int_equal(ao->list(st.ctx, &q, count_cb, n, &d), XA_OK);
    assert_int_equal(n[3], XA_ALERT_CLOSED);
    assert_int_equal(n[4], 1);
    assert_int_equal(ao->update(st.ctx, 9999, 1, "me", NULL, &d), XA_ERR_NOTFOUND);
    /* a closed alert is not merged into */
    a.group_key = "g";
    assert_int_equal(st.ops->begin(st.ctx, &d), XA_OK);
    assert_int_equal(ao->put(st.ctx, &a, 3600000000LL, &id2, &merged, &d), XA_OK);
    assert_false(merged);
    assert_int_equal(st.ops->commit(st.ctx, &d), XA_OK);
    /* change numbers: alerts changed after id1's close */
    struct xa_alert_query q2 = {.status = -1, .since = XA_TIME_NONE, .until = XA_TIME_NONE, .after_rev = 3};
    memset(n, 0, sizeof(n));
    assert_int_equal(ao->list(st.ctx, &q2, count_cb, n, &d), XA_OK);
    assert_int_equal(n[0], 2);
    xa_store_close(&st);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_plain_and_case), cmocka_unit_test(t_escaping),
        cmocka_unit_test(t_params_and_lists), cmocka_unit_test(t_null_exists),
        cmocka_unit_test(t_types),           cmocka_unit_test(t_conditions),
        cmocka_unit_test(t_temporal_ordered), cmocka_unit_test(t_event_count),
        cmocka_unit_test(t_yaml_limits),     cmocka_unit_test(t_alert_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
