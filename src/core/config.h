/* config.h - the YAML configuration file, flattened to dotted keys.
 *
 * "archive: {path: x}" becomes key "archive.path"; sequence items get their index:
 * "tenants.0.id". Values are scalars as written. Keys not in the known list are a
 * configuration error (a typo must not silently disable a setting). */
#ifndef XA_CORE_CONFIG_H
#define XA_CORE_CONFIG_H

#include "core/rc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xa_config;

/* Load and validate path. Limits: 1 MiB, nesting depth 16. diag names file and line. */
xa_rc xa_config_load(const char *path, struct xa_config **out, struct xa_diag *diag);
/* An empty configuration (all defaults). */
struct xa_config *xa_config_empty(void);
void xa_config_free(struct xa_config *c);
const char *xa_config_path(const struct xa_config *c); /* NULL for the empty config */

/* Keys starting with prefix (e.g. "identity.domains."), in file order: up to max
 * (rest of the key after prefix, value) pairs, borrowed from c. Returns the count. */
size_t xa_config_prefixed(const struct xa_config *c, const char *prefix, const char **keys,
                          const char **values, size_t max);
/* Value of key or NULL. */
const char *xa_config_get(const struct xa_config *c, const char *key);
/* Typed getters: def when absent; XA_ERR_CONFIG (with file:line) when malformed.
 * Sizes accept suffixes k, M, G (powers of 1024). Booleans: true/false/yes/no/on/off. */
xa_rc xa_config_size(const struct xa_config *c, const char *key, uint64_t def, uint64_t *out,
                     struct xa_diag *diag);
xa_rc xa_config_bool(const struct xa_config *c, const char *key, bool def, bool *out,
                     struct xa_diag *diag);

/* Default locations: $EXOAUDIT_CONFIG, else $XDG_CONFIG_HOME/exoaudit/exoaudit.yaml (or
 * ~/.config/...), else /etc/exoaudit/exoaudit.yaml; the first that exists, or NULL.
 * Returns a malloc'd string. */
char *xa_config_default_path(void);
/* Default archive path: $XDG_DATA_HOME/exoaudit/archive.db or ~/.local/share/exoaudit/
 * archive.db; the directory is created (0700). Returns a malloc'd string. */
char *xa_config_default_archive(void);

#endif
