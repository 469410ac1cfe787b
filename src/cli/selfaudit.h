/* selfaudit.h - integrity settings from the configuration and self-audit events
 * (docs/INTEGRITY.md). Not thread-safe (the CLI is single-threaded). */
#ifndef XA_CLI_SELFAUDIT_H
#define XA_CLI_SELFAUDIT_H

#include "cli/common.h"

/* Fill ic from the integrity.* keys (paths default beside the archive: <archive>.key and
 * <archive>.pub). Strings stay valid until the next call. Returns 0 or an exit code
 * (message printed). */
int xa_cli_integrity_cfg(struct xa_cli *cli, struct xa_integrity_cfg *ic);
/* Paths of the key files (valid until the next call). */
const char *xa_cli_private_key_path(struct xa_cli *cli);
const char *xa_cli_public_key_path(struct xa_cli *cli);

/* Without a --category filter, searches do not show exoaudit's own self_audit events (they
 * would otherwise change every result list between two searches): fill cats and point q
 * at every other category. cats must outlive q's use. */
void xa_cli_hide_self_audit(struct xa_query *q, int cats[XA_CAT__COUNT]);

/* Record an action done through exoaudit as a self_audit event (operation e.g.
 * "ExoauditSearch"; params: name/value pairs, n of them). Opens the archive for writing
 * briefly; a failure (e.g. the archive is locked) is logged as a warning, never fatal. */
void xa_cli_self_audit(struct xa_cli *cli, const char *operation, const struct xa_kv *params,
                       size_t n);
/* Same, with the command's own argv as the parameters (argv[1..argc)). */
void xa_cli_self_audit_argv(struct xa_cli *cli, const char *operation, int argc, char **argv);

#endif
