/* cmd_key.c - exoaudit key export: print the archive's public key (PEM). */
#include "cli/common.h"
#include "cli/selfaudit.h"
#include "store/integrity.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

void xa_help_key(FILE *out)
{
    fprintf(out, "usage: exoaudit key export [--fingerprint]\n\n"
                 "Prints the public key that verifies the archive's checkpoints (PEM), derived\n"
                 "from integrity.private_key_file, else read from integrity.public_key_file.\n"
                 "--fingerprint prints its SHA-256 fingerprint instead.\n");
}

int xa_cmd_key(struct xa_cli *cli, int argc, char **argv)
{
    bool fpr = argc == 3 && strcmp(argv[2], "--fingerprint") == 0;
    if (argc < 2 || strcmp(argv[1], "export") != 0 || (argc > 2 && !fpr)) {
        xa_help_key(stderr);
        return XA_EXIT_USAGE;
    }
    struct xa_diag d;
    xa_diag_clear(&d);
    struct xa_int_key *k = NULL;
    const char *priv = xa_cli_private_key_path(cli);
    xa_rc rc = access(priv, F_OK) == 0 ? xa_int_key_load_private(priv, &k, &d)
                                       : xa_int_key_load_public(xa_cli_public_key_path(cli), &k, &d);
    if (rc) {
        xa_cli_error(&d, rc);
        fprintf(stderr, "exoaudit key: no key (run 'exoaudit init' to create one)\n");
        return XA_EXIT_FAIL;
    }
    if (fpr) {
        char f[65];
        xa_int_key_fpr(k, f);
        printf("%s\n", f);
    } else {
        struct xa_buf pem;
        xa_buf_init(&pem, 0);
        if (xa_int_key_public_pem(k, &pem) == XA_OK)
            fwrite(pem.data, 1, pem.len, stdout);
        xa_buf_release(&pem);
    }
    xa_int_key_free(k);
    return XA_EXIT_OK;
}
