/* cmd_init.c - exoaudit init: create the archive and its Ed25519 key pair. */
#include "cli/common.h"
#include "cli/selfaudit.h"
#include "store/integrity.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

void xa_help_init(FILE *out)
{
    fprintf(out, "usage: exoaudit init\n\n"
                 "Creates (or migrates) the archive and the Ed25519 key pair that signs its\n"
                 "checkpoints: integrity.private_key_file (default <archive>.key, mode 0600) and\n"
                 "integrity.public_key_file (default <archive>.pub). An existing key is kept.\n"
                 "Give the public key (exoaudit key export) to whoever will verify the archive.\n");
}

int xa_cmd_init(struct xa_cli *cli, int argc, char **argv)
{
    if (argc > 1) {
        xa_help_init(stderr);
        return XA_EXIT_USAGE;
    }
    struct xa_diag d;
    xa_diag_clear(&d);
    const char *priv = xa_cli_private_key_path(cli);
    char privp[4096], pubp[4096];
    snprintf(privp, sizeof(privp), "%s", priv);
    snprintf(pubp, sizeof(pubp), "%s", xa_cli_public_key_path(cli));
    if (access(privp, F_OK) != 0) {
        xa_rc rc = xa_int_key_generate(privp, pubp, &d);
        if (rc) {
            xa_cli_error(&d, rc);
            return XA_EXIT_FAIL;
        }
        fprintf(stderr, "exoaudit: created key pair %s (private, 0600) and %s\n", privp, pubp);
    } else {
        fprintf(stderr, "exoaudit: keeping the existing key %s\n", privp);
    }
    struct xa_store st;
    int ec = xa_cli_open_store(cli, false, &st);
    if (ec)
        return ec;
    if (st.ops->adopt && (ec = (int)st.ops->adopt(st.ctx, &d))) {
        xa_cli_error(&d, (xa_rc)ec);
        xa_store_close(&st);
        return XA_EXIT_FAIL;
    }
    xa_store_close(&st);
    printf("archive %s ready\n", xa_cli_db_path(cli));
    return XA_EXIT_OK;
}
