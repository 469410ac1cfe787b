/* common.h - shared state and helpers of the command-line commands. */
#ifndef XA_CLI_COMMON_H
#define XA_CLI_COMMON_H

#include "cli/cli.h"
#include "core/config.h"
#include "core/rc.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdio.h>

struct xa_cli {
    const char *prog;
    const char *db_opt;      /* --db */
    const char *config_opt;  /* --config */
    struct xa_config *cfg;
    char *db_path;           /* resolved archive location */
    bool quiet;
};

struct xa_cmd {
    const char *name;
    const char *summary;
    int (*run)(struct xa_cli *cli, int argc, char **argv);
    void (*help)(FILE *out);
};

/* Resolve the archive location: --db, $EXOAUDIT_DB, config archive.path, default. */
const char *xa_cli_db_path(struct xa_cli *cli);
/* Open the archive (readonly for queries). Reports errors itself; returns an exit code. */
int xa_cli_open_store(struct xa_cli *cli, bool readonly, struct xa_store *st);
/* Print "exoaudit: <msg>" from a diag (or the rc's name) to stderr. */
void xa_cli_error(const struct xa_diag *d, xa_rc rc);
/* Exit code for an rc: usage/config errors 2, others 1. */
int xa_cli_exit_code(xa_rc rc);
/* Output format names. */
enum xa_out_format { XA_OUT_TABLE = 0, XA_OUT_JSON, XA_OUT_CSV, XA_OUT_TEXT };
int xa_cli_parse_format(const char *s, enum xa_out_format *out);

int xa_cmd_import(struct xa_cli *cli, int argc, char **argv);
int xa_cmd_forward(struct xa_cli *cli, int argc, char **argv);
void xa_help_forward(FILE *out);
int xa_cmd_search(struct xa_cli *cli, int argc, char **argv);
int xa_cmd_show(struct xa_cli *cli, int argc, char **argv);
int xa_cmd_quarantine(struct xa_cli *cli, int argc, char **argv);
int xa_cmd_generate(struct xa_cli *cli, int argc, char **argv);
int xa_cmd_stats(struct xa_cli *cli, int argc, char **argv);
int xa_cmd_collect(struct xa_cli *cli, int argc, char **argv);
int xa_cmd_status(struct xa_cli *cli, int argc, char **argv);
int xa_cmd_emulate(struct xa_cli *cli, int argc, char **argv);
int xa_cmd_report(struct xa_cli *cli, int argc, char **argv);
int xa_cmd_posture(struct xa_cli *cli, int argc, char **argv);
void xa_help_import(FILE *out);
void xa_help_search(FILE *out);
void xa_help_show(FILE *out);
void xa_help_quarantine(FILE *out);
void xa_help_generate(FILE *out);
void xa_help_stats(FILE *out);
void xa_help_collect(FILE *out);
void xa_help_status(FILE *out);
void xa_help_emulate(FILE *out);
void xa_help_report(FILE *out);
void xa_help_posture(FILE *out);

/* integrity, retention, evidence (docs/INTEGRITY.md) */
int xa_cmd_init(struct xa_cli *cli, int argc, char **argv);
int xa_cmd_key(struct xa_cli *cli, int argc, char **argv);
int xa_cmd_verify(struct xa_cli *cli, int argc, char **argv);
int xa_cmd_purge(struct xa_cli *cli, int argc, char **argv);
int xa_cmd_export(struct xa_cli *cli, int argc, char **argv);
void xa_help_init(FILE *out);
void xa_help_key(FILE *out);
void xa_help_verify(FILE *out);
void xa_help_purge(FILE *out);
void xa_help_export(FILE *out);

/* ---- detection (cmd_detect.c, cmd_rules.c, cmd_hunt.c, cmd_alerts.c) ---- */
#include "core/buf.h"
#include "rules/engine.h"
/* Engine settings read from the configuration (rules.*); owns its arrays. */
struct xa_cli_rules {
    struct xa_engine_cfg cfg;
    struct xa_allow *allow;
    int allow_idx[256];
    size_t nallow;
    struct xa_suppress *suppress;
    size_t nsuppress;
    const char **disabled;
    size_t ndisabled;
};
/* Load the mapping, the built-in pack (unless builtin is false or rules.builtin: false),
 * rules.paths and extra into rs, finalise it and read the engine settings. Reports errors
 * itself; returns an exit code. Release out with xa_cli_rules_cfg_release. */
int xa_cli_rules_setup(struct xa_cli *cli, struct xa_ruleset *rs, struct xa_cli_rules *out,
                       bool builtin, const char *const *extra, size_t n_extra);
void xa_cli_rules_cfg_release(struct xa_cli_rules *r);
/* Run detection on st after an import when rules.on_import (default true). Exit code. */
int xa_cli_detect_after_import(struct xa_cli *cli, struct xa_store *st);
/* One alert as a JSON object (no newline). */
int xa_cmd_detect(struct xa_cli *cli, int argc, char **argv);
int xa_cmd_rules(struct xa_cli *cli, int argc, char **argv);
int xa_cmd_hunt(struct xa_cli *cli, int argc, char **argv);
int xa_cmd_alerts(struct xa_cli *cli, int argc, char **argv);
void xa_help_detect(FILE *out);
void xa_help_rules(FILE *out);
void xa_help_hunt(FILE *out);
void xa_help_alerts(FILE *out);

int xa_cmd_serve(struct xa_cli *cli, int argc, char **argv);
int xa_cmd_user(struct xa_cli *cli, int argc, char **argv);
void xa_help_serve(FILE *out);
void xa_help_user(FILE *out);

/* True when argv contains -h or --help before any "--". */
bool xa_cli_wants_help(int argc, char **argv);

#endif
