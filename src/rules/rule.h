/* rule.h - Sigma rules compiled for evaluation: the model, the loader and the field mapping.
 *
 * A rule set (struct xa_ruleset) owns every rule, the field mapping and all memory (one
 * arena). Detection rules compile to selections of items (field reference + matchers) and
 * a condition tree; correlation rules (event_count, value_count, temporal,
 * temporal_ordered) reference other rules by id or name. Field names resolve at load time
 * (mapping -> normalised field -> Parameters.X / ModifiedProperties.X -> raw JSON path).
 * Semantics are documented in docs/RULES.md. A loaded set is read-only: many evaluators
 * may share it. */
#ifndef XA_RULES_RULE_H
#define XA_RULES_RULE_H

#include "core/arena.h"
#include "core/rc.h"

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XA_RULES_MAX 4096

/* Where a field's value comes from. */
enum xa_fkind {
    XA_F_NORM = 1,    /* a normalised field (enum xa_nfield) */
    XA_F_PARAM,       /* Parameters.<name> (normalised parameters, any spelling of the list) */
    XA_F_PARAMS_ALL,  /* bare Parameters: every entry's name and value */
    XA_F_MOD,         /* ModifiedProperties.<name>: new value (old value too) */
    XA_F_MODS_ALL,    /* bare ModifiedProperties: names, old and new values */
    XA_F_RAW,         /* a path into the raw record (dotted; Name/Value lists flattened) */
    XA_F_KEYWORDS,    /* every string value of the raw record (keyword search) */
};

enum xa_nfield {
    XA_NF_TENANT = 1, XA_NF_RECORD_ID, XA_NF_RECORD_TYPE, XA_NF_RECORD_TYPE_NAME, XA_NF_WORKLOAD,
    XA_NF_OCCURRED_AT, XA_NF_ACTOR, XA_NF_ACTOR_SID, XA_NF_ACTOR_TYPE, XA_NF_APP_ID,
    XA_NF_CLIENT_APP_ID, XA_NF_IS_SYSTEM, XA_NF_OPERATION, XA_NF_ACTIVITY, XA_NF_CATEGORY,
    XA_NF_RESULT, XA_NF_LOGON_TYPE, XA_NF_MAILBOX, XA_NF_MAILBOX_GUID, XA_NF_OBJECT, XA_NF_ITEM,
    XA_NF_FOLDER, XA_NF_GRANTEE, XA_NF_RIGHTS, XA_NF_CLIENT_IP, XA_NF_CLIENT_PORT,
    XA_NF_CLIENT_INFO, XA_NF_ORIGINATING_SERVER, XA_NF_SESSION_ID, XA_NF_EXTERNAL_ACCESS,
    XA_NF_SOURCE,
    /* derived (docs/RULES.md "Derived fields") */
    XA_NF_FORWARD_TARGET,   /* forwarding / redirect / BCC destinations, lower case, no smtp: */
    XA_NF_FORWARD_EXTERNAL, /* true when a destination's domain is not the tenant's */
    XA_NF_AUDIT_REDUCED,    /* Audit{Owner,Delegate,Admin} lost actions, or "Remove" used */
    XA_NF__COUNT
};

struct xa_fref {
    enum xa_fkind kind;
    int nf;               /* XA_F_NORM */
    const char *name;     /* PARAM/MOD: parameter name; RAW: the dotted path */
    const char **path;    /* RAW: segments */
    size_t npath;
    struct xa_fref *alt;  /* mapping to several fields: OR over this chain */
};

enum xa_mkind {
    XA_M_EQ = 1, XA_M_GLOB, XA_M_CONTAINS, XA_M_PREFIX, XA_M_SUFFIX, XA_M_RE, XA_M_CIDR,
    XA_M_NUM, XA_M_EXISTS, XA_M_NULL, XA_M_FIELDREF
};

struct xa_matcher {
    enum xa_mkind kind;
    bool cased;
    const char *s;       /* pattern, lower case unless cased; '*' '?' wildcards are 0x01 0x02 */
    size_t len;
    regex_t *re;         /* XA_M_RE */
    uint8_t net[16];     /* XA_M_CIDR: address (v4 mapped into v6) */
    int prefix;          /*           prefix length over the 128-bit form */
    double num;          /* XA_M_NUM */
    int cmp;             /* XA_M_NUM: 1 gt, 2 gte, 3 lt, 4 lte */
    bool exists;         /* XA_M_EXISTS */
    const struct xa_fref *ref; /* XA_M_FIELDREF */
    int ref_mode;        /* FIELDREF: 0 equal, 1 contains, 2 startswith, 3 endswith */
};

/* One "field|modifiers: values" test. */
struct xa_rule_item {
    struct xa_fref field;
    struct xa_matcher *m;  /* values (variants of one value are separate matchers too) */
    size_t nm;
    uint16_t *group;       /* original value index of each matcher (for |all) */
    size_t ngroups;
    bool all;              /* |all: every original value must match */
    bool neq;              /* |neq: negate the whole item */
};

/* A selection: OR over alternatives, each an AND of items. */
struct xa_sel {
    const char *name;
    struct xa_rule_item **alts;  /* alts[i] = array of items */
    size_t *nitems;
    size_t nalts;
};

enum xa_cnode_kind { XA_C_SEL = 1, XA_C_AND, XA_C_OR, XA_C_NOT, XA_C_TRUE, XA_C_FALSE };
struct xa_cnode {
    enum xa_cnode_kind kind;
    int sel;                 /* XA_C_SEL */
    struct xa_cnode **kids;  /* AND / OR / NOT */
    size_t n;
};

enum xa_rkind { XA_RULE_DETECTION = 1, XA_RULE_CORRELATION };
enum xa_ctype { XA_CORR_EVENT_COUNT = 1, XA_CORR_VALUE_COUNT, XA_CORR_TEMPORAL, XA_CORR_ORDERED };

struct xa_rule {
    enum xa_rkind kind;
    int index;               /* position in the set */
    const char *id, *name, *title, *author, *level, *status, *description;
    const char *why;         /* exoaudit.why: why it matters */
    const char *license;     /* "DRL-1.1" for SigmaHQ rules, from the file's folder or key */
    const char *origin;      /* "builtin:<file>" or the file path */
    const char **tags;        size_t ntags;
    const char **fps;         size_t nfps;  /* falsepositives */
    const char *product, *service, *category;
    int severity;            /* 0 informational, 1 low, 2 medium, 3 high, 4 critical */
    bool generate;           /* alerts on its own (false for bases of a correlation) */
    bool include_system;     /* exoaudit.include-system: also Microsoft back-end events */
    int64_t dedup_us;        /* exoaudit.dedup: merge window (default XA_RULES_DEDUP_DEFAULT) */
    struct xa_fref *groupby; size_t ngroupby; /* exoaudit.group-by (detection) */
    const char **unmapped;   size_t nunmapped; /* fields the record shapes do not have */
    /* detection */
    struct xa_sel *sels;     size_t nsels;
    struct xa_cnode *cond;
    const char **ops;        size_t nops;  /* lower-case Operation values the rule needs, or none */
    /* correlation */
    enum xa_ctype ctype;
    const char **refs;       size_t nrefs; /* as written */
    int *ref_idx;                          /* resolved rule indexes */
    const char **gb_names;   size_t ngb;   /* group-by as written */
    struct xa_fref *gb;                    /* [nrefs * ngb]: field of group-by j for rule i */
    struct xa_fref *vfield;                /* [nrefs]: condition.field per rule (value_count) */
    int64_t timespan_us;
    int64_t threshold;       /* fires when count >= threshold */
    /* rules that reference this one (filled when the set is finalised) */
    int *users;              size_t nusers;
};

#define XA_RULES_DEDUP_DEFAULT (3600LL * 1000000) /* 1 h */

struct xa_ruleset {
    struct xa_arena arena;
    struct xa_rule **rules;
    size_t n, cap;
    /* field mapping: Sigma name -> target names (rules/mappings/o365.yml) */
    const char **map_from;
    const char ***map_to;
    size_t *map_nto;
    size_t nmap;
    const char *internal_domains[64];  /* for forward_external, lower case */
    size_t ninternal;
    /* placeholders for |expand: name -> values */
    const char **ph_name;
    const char ***ph_vals;
    size_t *ph_n;
    size_t nph;
    /* warnings collected while loading ("file: rule: message"), for rules validate */
    char **warnings;
    size_t nwarnings;
    bool finalised;
};

void xa_ruleset_init(struct xa_ruleset *rs);
void xa_ruleset_release(struct xa_ruleset *rs);

/* Load the field mapping (YAML: fieldmappings: {SigmaName: target | [targets]},
 * placeholders: {name: [values]}). Must come before rules that use it. */
xa_rc xa_ruleset_load_mapping(struct xa_ruleset *rs, const char *name, const char *text,
                              size_t len, struct xa_diag *diag);
/* Add a domain counted as internal by forward_external (case-insensitive). */
xa_rc xa_ruleset_add_internal_domain(struct xa_ruleset *rs, const char *domain);
/* Add the values of a placeholder for |expand. */
xa_rc xa_ruleset_add_placeholder(struct xa_ruleset *rs, const char *name, const char *value);

/* Load every Sigma document of one YAML text (origin names it in messages and alerts;
 * license is the default licence for these rules, or NULL). On error nothing of this text
 * is kept and diag names the file, document and key. */
xa_rc xa_ruleset_load(struct xa_ruleset *rs, const char *origin, const char *text, size_t len,
                      const char *license, struct xa_diag *diag);
/* Load a file, or every *.yml / *.yaml below a directory (sorted). Files below a folder
 * named like SigmaHQ's (rules, rules-threat-hunting) get licence DRL-1.1 by default. */
xa_rc xa_ruleset_load_path(struct xa_ruleset *rs, const char *path, struct xa_diag *diag);
/* Load the rule pack and the field mapping embedded in the binary. */
xa_rc xa_ruleset_load_builtin(struct xa_ruleset *rs, struct xa_diag *diag);
/* Resolve correlation references, reject cycles, build the reverse links. Call once after
 * the last load. */
xa_rc xa_ruleset_finalise(struct xa_ruleset *rs, struct xa_diag *diag);

/* Rule by id or name, NULL when unknown. */
const struct xa_rule *xa_ruleset_find(const struct xa_ruleset *rs, const char *id_or_name);

/* "informational", "low", ... for a severity number. */
const char *xa_rule_level_name(int severity);

/* Compile one field name against rs's mapping (used by the engine for allow-lists). */
xa_rc xa_ruleset_field(struct xa_ruleset *rs, const char *name, struct xa_fref *out,
                       struct xa_diag *diag);

/* The embedded files (generated at build time from rules/builtin/ and rules/mappings/). */
struct xa_embedded_file {
    const char *name;
    const char *data;
    size_t len;
};
extern const struct xa_embedded_file xa_rules_embedded[];
extern const size_t xa_rules_n_embedded;

#endif
