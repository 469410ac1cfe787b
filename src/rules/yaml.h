/* yaml.h - YAML text -> a small tree of scalars, sequences and mappings for the rule loader
 * (the only rules file that includes libyaml).
 *
 * Every document of a multi-document stream becomes one root. Limits: text size
 * XA_YAML_MAX_TEXT, nesting depth XA_YAML_MAX_DEPTH, XA_YAML_MAX_NODES nodes in all, and
 * no anchors, aliases or merge keys (billion-laughs and surprises). Nodes live in the
 * arena passed to xa_yaml_parse. Not thread-safe per arena. */
#ifndef XA_RULES_YAML_H
#define XA_RULES_YAML_H

#include "core/arena.h"
#include "core/rc.h"

#include <stdbool.h>
#include <stddef.h>

#define XA_YAML_MAX_TEXT (1u << 20)
#define XA_YAML_MAX_DEPTH 32
#define XA_YAML_MAX_NODES 100000

enum xa_ynode_kind { XA_Y_SCALAR = 1, XA_Y_SEQ, XA_Y_MAP };

struct xa_ynode {
    enum xa_ynode_kind kind;
    long line;      /* 1-based */
    bool quoted;    /* scalar written in quotes (or block style): always a string */
    const char *s;  /* scalar text, NUL-terminated (may contain NUL only if quoted) */
    size_t len;
    struct xa_ynode **kids; /* SEQ: items; MAP: key, value, key, value, ... */
    size_t n;               /* number of kids (MAP: 2 x pairs) */
};

struct xa_ydoc {
    struct xa_ynode **roots;
    size_t n;
};

/* Parse text[0..len). On failure diag names line and reason (name used as the file). */
xa_rc xa_yaml_parse(const char *name, const char *text, size_t len, struct xa_arena *a,
                    struct xa_ydoc *out, struct xa_diag *diag);

/* Mapping member by exact key, NULL when absent or n is not a mapping. */
const struct xa_ynode *xa_yaml_get(const struct xa_ynode *n, const char *key);
/* Scalar text or NULL when n is not a scalar. */
const char *xa_yaml_str(const struct xa_ynode *n);
/* True for a plain (unquoted) null scalar: "", "~", "null", "Null", "NULL". */
bool xa_yaml_is_null(const struct xa_ynode *n);

#endif
