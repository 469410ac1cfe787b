/* selfaudit.c - integrity settings and self-audit events (selfaudit.h). */
#include "cli/selfaudit.h"
#include "store/store.h"

#include "core/buf.h"
#include "core/log.h"
#include "core/xtime.h"
#include "store/integrity.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char priv_buf[4096], pub_buf[4096];

const char *xa_cli_private_key_path(struct xa_cli *cli)
{
    const char *p = xa_config_get(cli->cfg, "integrity.private_key_file");
    if (p && *p)
        return p;
    const char *db = xa_cli_db_path(cli);
    char *state = xa_store_clickhouse_state_path(db); /* ClickHouse: beside its state file */
    snprintf(priv_buf, sizeof(priv_buf), "%s.key", state ? state : db ? db : "archive.db");
    free(state);
    return priv_buf;
}

const char *xa_cli_public_key_path(struct xa_cli *cli)
{
    const char *p = xa_config_get(cli->cfg, "integrity.public_key_file");
    if (p && *p)
        return p;
    const char *db = xa_cli_db_path(cli);
    char *state = xa_store_clickhouse_state_path(db); /* ClickHouse: beside its state file */
    snprintf(pub_buf, sizeof(pub_buf), "%s.pub", state ? state : db ? db : "archive.db");
    free(state);
    return pub_buf;
}

int xa_cli_integrity_cfg(struct xa_cli *cli, struct xa_integrity_cfg *ic)
{
    memset(ic, 0, sizeof(*ic));
    struct xa_diag d;
    xa_diag_clear(&d);
    bool en = true;
    xa_rc rc = xa_config_bool(cli->cfg, "integrity.enabled", true, &en, &d);
    if (!rc)
        rc = xa_config_size(cli->cfg, "integrity.checkpoint_records", 10000,
                            &ic->checkpoint_records, &d);
    if (!rc)
        rc = xa_config_size(cli->cfg, "integrity.checkpoint_minutes", 5, &ic->checkpoint_minutes,
                            &d);
    if (!rc)
        rc = xa_config_bool(cli->cfg, "integrity.checkpoint_syslog", false,
                            &ic->checkpoint_syslog, &d);
    if (rc) {
        xa_cli_error(&d, rc);
        return XA_EXIT_USAGE;
    }
    ic->disabled = !en;
    ic->private_key_file = xa_cli_private_key_path(cli);
    const char *f = xa_config_get(cli->cfg, "integrity.checkpoint_file");
    ic->checkpoint_file = f && *f ? f : NULL;
    return XA_EXIT_OK;
}

void xa_cli_hide_self_audit(struct xa_query *q, int cats[XA_CAT__COUNT])
{
    if (q->n_categories)
        return;
    size_t n = 0;
    for (int c = 0; c < XA_CAT__COUNT; c++)
        if (c != XA_CAT_SELF_AUDIT)
            cats[n++] = c;
    q->categories = cats;
    q->n_categories = n;
}

void xa_cli_self_audit(struct xa_cli *cli, const char *operation, const struct xa_kv *params,
                       size_t n)
{
    struct passwd *pw = getpwuid(geteuid());
    const char *actor = pw && pw->pw_name ? pw->pw_name : "exoaudit";
    unsigned char u[16];
    char id[37];
    if (xa_int_random(u, sizeof(u)))
        return;
    u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
    u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
    snprintf(id, sizeof(id),
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
    int64_t now = xa_time_now();
    char ts[32];
    xa_time_format(now, ts);
    struct xa_buf raw;
    xa_buf_init(&raw, 0);
    xa_buf_puts(&raw, "{\"Id\":");
    xa_buf_json_str(&raw, id, (size_t)-1);
    xa_buf_puts(&raw, ",\"CreationTime\":");
    xa_buf_json_str(&raw, ts, (size_t)-1);
    xa_buf_puts(&raw, ",\"Operation\":");
    xa_buf_json_str(&raw, operation, (size_t)-1);
    xa_buf_puts(&raw, ",\"UserId\":");
    xa_buf_json_str(&raw, actor, (size_t)-1);
    xa_buf_puts(&raw, ",\"Workload\":\"exoaudit\",\"Parameters\":[");
    for (size_t i = 0; i < n; i++) {
        xa_buf_puts(&raw, i ? ",{\"Name\":" : "{\"Name\":");
        xa_buf_json_str(&raw, params[i].name, (size_t)-1);
        xa_buf_puts(&raw, ",\"Value\":");
        xa_buf_json_str(&raw, params[i].value ? params[i].value : "", (size_t)-1);
        xa_buf_putc(&raw, '}');
    }
    xa_buf_puts(&raw, "]}");
    struct xa_event ev;
    xa_event_init(&ev);
    ev.tenant_id = "exoaudit";
    ev.record_id = id;
    ev.record_type = -1;
    ev.workload = "exoaudit";
    ev.source = XA_SRC_INTERNAL;
    ev.occurred_at = now;
    ev.collected_at = now;
    ev.actor = actor;
    ev.operation = operation;
    ev.category = XA_CAT_SELF_AUDIT;
    ev.result = XA_RESULT_SUCCESS;
    ev.params = params;
    ev.n_params = n;
    ev.raw = raw.data;
    ev.raw_len = raw.len;

    struct xa_integrity_cfg ic;
    struct xa_store st;
    struct xa_diag d;
    xa_diag_clear(&d);
    bool quiet = cli->quiet;
    if (xa_cli_integrity_cfg(cli, &ic) == 0) {
        struct xa_store_cfg sc = {.location = xa_cli_db_path(cli), .integrity = &ic};
        xa_rc rc = xa_store_open(&sc, &st, &d);
        if (!rc) {
            enum xa_put_status ps;
            rc = st.ops->begin(st.ctx, &d);
            if (!rc && !(rc = st.ops->put(st.ctx, &ev, &ps, &d)))
                rc = st.ops->commit(st.ctx, &d);
            if (rc)
                st.ops->rollback(st.ctx);
            xa_store_close(&st);
        }
        if (rc && !quiet)
            xa_log(XA_LOG_WARN, "self-audit event %s not recorded: %s", operation, d.msg);
    }
    xa_buf_release(&raw);
}

void xa_cli_self_audit_argv(struct xa_cli *cli, const char *operation, int argc, char **argv)
{
    struct xa_kv kv[32];
    size_t n = 0;
    for (int i = 1; i < argc && n < 32; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) == 0 && i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0 &&
            !strchr(a, '=')) {
            kv[n].name = a + 2;
            kv[n++].value = argv[++i];
        } else {
            kv[n].name = strncmp(a, "--", 2) == 0 ? a + 2 : "arg";
            kv[n++].value = strncmp(a, "--", 2) == 0 ? "" : a;
        }
    }
    xa_cli_self_audit(cli, operation, kv, n);
}
