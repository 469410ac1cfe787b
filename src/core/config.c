/* config.c - YAML configuration loader: the only file that includes libyaml. */
#include "core/config.h"

#include "core/str.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#define MAX_FILE (1u << 20)
#define MAX_DEPTH 16

struct item {
    char *key;
    char *value;
    long line;
};

struct xa_config {
    char *path;
    struct item *items;
    size_t n, cap;
};

/* Every key exoaudit understands; '*' matches a sequence index or a name. Keep in step
 * with etc/exoaudit.yaml.example. */
static const char *const known[] = {
    "archive.path",
    "archive.cache_mb",
    "archive.clickhouse.hosts.*",
    "archive.clickhouse.database",
    "archive.clickhouse.cluster",
    "archive.clickhouse.user",
    "archive.clickhouse.password_file",
    "archive.clickhouse.tls",
    "archive.clickhouse.ca_file",
    "archive.clickhouse.state",
    "archive.clickhouse.timeout_s",
    "archive.clickhouse.allow_plain_http",
    "log.level",
    "import.max_record_bytes",
    "import.batch_records",
    "search.limit",
    "search.include_system",
    "collect.publisher_id",
    "collect.requests_per_minute",
    "collect.concurrency",
    "collect.lag_minutes",
    "collect.relist_hours",
    "collect.lookback_hours",
    "collect.poll_seconds",
    "collect.tenant_failure_alert_minutes",
    "collect.max_tries",
    "collect.max_backoff_seconds",
    "collect.spool_memory",
    "collect.spool_dir",
    "collect.tenants.*.id",
    "collect.tenants.*.client_id",
    "collect.tenants.*.cloud",
    "collect.tenants.*.auth",
    "collect.tenants.*.client_secret_file",
    "collect.tenants.*.client_secret_env",
    "collect.tenants.*.certificate_file",
    "collect.tenants.*.private_key_file",
    "collect.tenants.*.assertion_alg",
    "collect.tenants.*.token_version",
    "collect.tenants.*.content_types.*",
    "collect.tenants.*.endpoints.login",
    "collect.tenants.*.endpoints.api",
    "identity.domains.*",
    "forward.poll_seconds",
    "forward.destinations.*.type",
    "forward.destinations.*.what",
    "forward.destinations.*.filter",
    "forward.destinations.*.start",
    "forward.destinations.*.format",
    "forward.destinations.*.redact",
    "forward.destinations.*.redact.*",
    "forward.destinations.*.address",
    "forward.destinations.*.port",
    "forward.destinations.*.tls",
    "forward.destinations.*.tls_verify",
    "forward.destinations.*.ca_file",
    "forward.destinations.*.cert_file",
    "forward.destinations.*.key_file",
    "forward.destinations.*.server_name",
    "forward.destinations.*.facility",
    "forward.destinations.*.hostname",
    "forward.destinations.*.url",
    "forward.destinations.*.token_file",
    "forward.destinations.*.index",
    "forward.destinations.*.sourcetype",
    "forward.destinations.*.smtp.from",
    "forward.destinations.*.smtp.to",
    "forward.destinations.*.smtp.to.*",
    "forward.destinations.*.smtp.username",
    "forward.destinations.*.smtp.password_file",
    "forward.destinations.*.smtp.starttls",
    "forward.destinations.*.batch",
    "forward.destinations.*.spool_max",
    "forward.destinations.*.backoff_min_seconds",
    "forward.destinations.*.backoff_max_seconds",
    "forward.destinations.*.timeout_seconds",
    "web.listen",
    "web.port",
    "web.tls_cert_file",
    "web.tls_key_file",
    "web.session_minutes",
    "web.login_attempts",
    "web.login_window_seconds",
    "web.db_connections",
    "web.max_connections",
    "web.export_dir",
    "web.detect_seconds",
    "integrity.enabled",
    "integrity.private_key_file",
    "integrity.public_key_file",
    "integrity.checkpoint_records",
    "integrity.checkpoint_minutes",
    "integrity.checkpoint_file",
    "integrity.checkpoint_syslog",
    "retention.*",
    "rules.on_import",
    "rules.builtin",
    "rules.paths.*",
    "rules.internal_domains.*",
    "rules.placeholders.*.*",
    "rules.include_system",
    "rules.alert_informational",
    "rules.disabled.*",
    "rules.suppress.*",
    "rules.allow.*.rule",
    "rules.allow.*.field",
    "rules.allow.*.value",
    NULL,
};

static int is_known(const char *key)
{
    for (int i = 0; known[i]; i++)
        if (fnmatch(known[i], key, 0) == 0)
            return 1;
    return 0;
}

struct xa_config *xa_config_empty(void)
{
    return calloc(1, sizeof(struct xa_config));
}

void xa_config_free(struct xa_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->items[i].key);
        free(c->items[i].value);
    }
    free(c->items);
    free(c->path);
    free(c);
}

const char *xa_config_path(const struct xa_config *c) { return c ? c->path : NULL; }

static int add(struct xa_config *c, const char *key, const char *value, long line)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->items[i].key, key) == 0)
            return 1; /* duplicate */
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        struct item *p = realloc(c->items, cap * sizeof(*p));
        if (!p)
            return -1;
        c->items = p;
        c->cap = cap;
    }
    c->items[c->n].key = strdup(key);
    c->items[c->n].value = strdup(value);
    c->items[c->n].line = line;
    c->n++;
    return 0;
}

struct walk {
    struct xa_config *c;
    yaml_document_t *doc;
    struct xa_diag *diag;
};

static xa_rc walk_node(struct walk *w, yaml_node_t *node, char *prefix, size_t plen, int depth)
{
    if (depth > MAX_DEPTH)
        return xa_diag_set(w->diag, XA_ERR_CONFIG, "%s:%lu: nested too deeply", w->c->path,
                           (unsigned long)node->start_mark.line + 1);
    switch (node->type) {
    case YAML_SCALAR_NODE: {
        if (plen == 0)
            return xa_diag_set(w->diag, XA_ERR_CONFIG, "%s: the top level must be a mapping",
                               w->c->path);
        prefix[plen] = '\0';
        long line = (long)node->start_mark.line + 1;
        if (!is_known(prefix)) {
            xa_diag_pos(w->diag, w->c->path, line, -1);
            return xa_diag_set(w->diag, XA_ERR_CONFIG, "%s:%ld: unknown setting '%s'", w->c->path,
                               line, prefix);
        }
        int r = add(w->c, prefix, (const char *)node->data.scalar.value, line);
        if (r < 0)
            return xa_diag_set(w->diag, XA_ERR_NOMEM, "out of memory");
        if (r > 0)
            return xa_diag_set(w->diag, XA_ERR_CONFIG, "%s:%ld: '%s' is set twice", w->c->path, line,
                               prefix);
        return XA_OK;
    }
    case YAML_SEQUENCE_NODE: {
        long idx = 0;
        for (yaml_node_item_t *it = node->data.sequence.items.start;
             it < node->data.sequence.items.top; it++, idx++) {
            int n = snprintf(prefix + plen, 512 - plen, "%s%ld", plen ? "." : "", idx);
            if (n < 0 || plen + (size_t)n >= 512)
                return xa_diag_set(w->diag, XA_ERR_CONFIG, "%s: key too long", w->c->path);
            xa_rc rc = walk_node(w, yaml_document_get_node(w->doc, *it), prefix, plen + (size_t)n,
                                 depth + 1);
            if (rc)
                return rc;
        }
        return XA_OK;
    }
    case YAML_MAPPING_NODE:
        for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
             p++) {
            yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
            if (!k || k->type != YAML_SCALAR_NODE)
                return xa_diag_set(w->diag, XA_ERR_CONFIG, "%s:%lu: keys must be plain words",
                                   w->c->path, (unsigned long)node->start_mark.line + 1);
            int n = snprintf(prefix + plen, 512 - plen, "%s%s", plen ? "." : "",
                             (const char *)k->data.scalar.value);
            if (n < 0 || plen + (size_t)n >= 512)
                return xa_diag_set(w->diag, XA_ERR_CONFIG, "%s: key too long", w->c->path);
            xa_rc rc = walk_node(w, yaml_document_get_node(w->doc, p->value), prefix,
                                 plen + (size_t)n, depth + 1);
            if (rc)
                return rc;
        }
        return XA_OK;
    case YAML_NO_NODE: break;
    }
    return XA_OK;
}

xa_rc xa_config_load(const char *path, struct xa_config **out, struct xa_diag *diag)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return xa_diag_set(diag, XA_ERR_CONFIG, "%s: cannot open: %s", path, strerror(errno));
    char *text = malloc(MAX_FILE + 1);
    size_t n = text ? fread(text, 1, MAX_FILE + 1, f) : 0;
    fclose(f);
    if (!text)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    if (n > MAX_FILE) {
        free(text);
        return xa_diag_set(diag, XA_ERR_CONFIG, "%s: larger than 1 MiB", path);
    }
    struct xa_config *c = xa_config_empty();
    xa_rc rc = XA_OK;
    yaml_parser_t parser;
    yaml_document_t doc;
    int have_doc = 0;
    if (!c || !(c->path = strdup(path))) {
        rc = xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
        goto out;
    }
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, n);
    if (!yaml_parser_load(&parser, &doc)) {
        xa_diag_pos(diag, path, (long long)parser.problem_mark.line + 1, -1);
        rc = xa_diag_set(diag, XA_ERR_CONFIG, "%s:%lu: %s", path,
                         (unsigned long)parser.problem_mark.line + 1,
                         parser.problem ? parser.problem : "invalid YAML");
        yaml_parser_delete(&parser);
        goto out;
    }
    have_doc = 1;
    yaml_parser_delete(&parser);
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root) {
        if (root->type != YAML_MAPPING_NODE) {
            rc = xa_diag_set(diag, XA_ERR_CONFIG, "%s: the top level must be a mapping", path);
            goto out;
        }
        char prefix[512];
        struct walk w = {c, &doc, diag};
        rc = walk_node(&w, root, prefix, 0, 0);
    }
out:
    if (have_doc)
        yaml_document_delete(&doc);
    free(text);
    if (rc) {
        xa_config_free(c);
        return rc;
    }
    *out = c;
    return XA_OK;
}

static const struct item *find(const struct xa_config *c, const char *key)
{
    for (size_t i = 0; c && i < c->n; i++)
        if (strcmp(c->items[i].key, key) == 0)
            return &c->items[i];
    return NULL;
}

size_t xa_config_prefixed(const struct xa_config *c, const char *prefix, const char **keys,
                          const char **values, size_t max)
{
    size_t n = 0, pl = strlen(prefix);
    for (size_t i = 0; c && i < c->n && n < max; i++)
        if (strncmp(c->items[i].key, prefix, pl) == 0 && c->items[i].key[pl]) {
            keys[n] = c->items[i].key + pl;
            values[n] = c->items[i].value;
            n++;
        }
    return n;
}

const char *xa_config_get(const struct xa_config *c, const char *key)
{
    const struct item *it = find(c, key);
    return it ? it->value : NULL;
}

xa_rc xa_config_size(const struct xa_config *c, const char *key, uint64_t def, uint64_t *out,
                     struct xa_diag *diag)
{
    const struct item *it = find(c, key);
    if (!it) {
        *out = def;
        return XA_OK;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(it->value, &end, 10);
    uint64_t mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1024;
    else if (*end == 'M' || *end == 'm')
        mul = 1024 * 1024;
    else if (*end == 'G' || *end == 'g')
        mul = 1024ull * 1024 * 1024;
    if (mul != 1)
        end++;
    if (*end == 'B' || *end == 'b')
        end++;
    if (errno || end == it->value || *end || it->value[0] == '-' || v > UINT64_MAX / mul)
        return xa_diag_set(diag, XA_ERR_CONFIG, "%s:%ld: %s: not a size: '%s'", c->path, it->line,
                           key, it->value);
    *out = v * mul;
    return XA_OK;
}

xa_rc xa_config_bool(const struct xa_config *c, const char *key, bool def, bool *out,
                     struct xa_diag *diag)
{
    const struct item *it = find(c, key);
    if (!it) {
        *out = def;
        return XA_OK;
    }
    static const char *t[] = {"true", "yes", "on", "1"}, *f[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (xa_str_ieq(it->value, t[i])) {
            *out = true;
            return XA_OK;
        }
        if (xa_str_ieq(it->value, f[i])) {
            *out = false;
            return XA_OK;
        }
    }
    return xa_diag_set(diag, XA_ERR_CONFIG, "%s:%ld: %s: not a boolean: '%s'", c->path, it->line, key,
                       it->value);
}

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 1;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s%s", a, b);
    return p;
}

char *xa_config_default_path(void)
{
    const char *e = getenv("EXOAUDIT_CONFIG");
    if (e && *e)
        return strdup(e);
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    char *p = NULL;
    if (xdg && *xdg)
        p = join(xdg, "/exoaudit/exoaudit.yaml");
    else if (home && *home)
        p = join(home, "/.config/exoaudit/exoaudit.yaml");
    struct stat st;
    if (p && stat(p, &st) == 0)
        return p;
    free(p);
    if (stat("/etc/exoaudit/exoaudit.yaml", &st) == 0)
        return strdup("/etc/exoaudit/exoaudit.yaml");
    return NULL;
}

static void mkdirs(char *path)
{
    for (char *s = path + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            mkdir(path, 0700);
            *s = '/';
        }
    }
    mkdir(path, 0700);
}

char *xa_config_default_archive(void)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    char *dir = (xdg && *xdg) ? join(xdg, "/exoaudit") : join(home && *home ? home : ".", "/.local/share/exoaudit");
    if (!dir)
        return NULL;
    mkdirs(dir);
    char *p = join(dir, "/archive.db");
    free(dir);
    return p;
}
