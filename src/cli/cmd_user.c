/* cmd_user.c - exoaudit user add|list|remove|token: console accounts and API tokens. */
#include "cli/common.h"
#include "cli/selfaudit.h"
#include "core/xtime.h"
#include "web/auth.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

void xa_help_user(FILE *out)
{
    fprintf(out,
            "usage: exoaudit user add NAME --role viewer|auditor|admin [--password-file F]\n"
            "       exoaudit user list\n"
            "       exoaudit user remove NAME\n"
            "       exoaudit user token NAME [--label TEXT] [--days N]   (prints the token once)\n"
            "       exoaudit user token-remove ID\n\n"
            "Console accounts. Roles: viewer (search, reports), auditor (+ exports, alert\n"
            "handling), admin (+ rules, users, configuration). The password is read from\n"
            "--password-file (first line), else $EXOAUDIT_PASSWORD, else the terminal; at least\n"
            "%d characters. Stored as a salted scrypt hash.\n",
            XA_AUTH_PW_MIN);
}

static int read_password(const char *file, char *out, size_t max)
{
    FILE *fp = NULL;
    const char *env = getenv("EXOAUDIT_PASSWORD");
    if (file) {
        fp = fopen(file, "r");
        if (!fp) {
            fprintf(stderr, "exoaudit user: cannot read %s\n", file);
            return -1;
        }
    } else if (env && *env) {
        snprintf(out, max, "%s", env);
        return 0;
    } else {
        if (!isatty(0)) {
            fprintf(stderr, "exoaudit user: no password (use --password-file or "
                            "$EXOAUDIT_PASSWORD)\n");
            return -1;
        }
        fprintf(stderr, "Password: ");
        struct termios t, o;
        tcgetattr(0, &o);
        t = o;
        t.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(0, TCSANOW, &t);
        char *r = fgets(out, (int)max, stdin);
        tcsetattr(0, TCSANOW, &o);
        fprintf(stderr, "\n");
        if (!r)
            return -1;
        out[strcspn(out, "\r\n")] = '\0';
        return 0;
    }
    char *r = fgets(out, (int)max, fp);
    fclose(fp);
    if (!r)
        return -1;
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

static xa_rc print_user(void *ud, const struct xa_web_user *u)
{
    (void)ud;
    char ts[32];
    printf("%-32s %-8s %s\n", u->name, xa_auth_role_name(u->role), xa_time_format(u->created_at, ts));
    return XA_OK;
}

static xa_rc print_token(void *ud, const struct xa_web_token *t)
{
    (void)ud;
    char ts[32], te[32];
    printf("%-16s %-24s %-20s %s %s\n", t->id, t->user, t->created_at ? xa_time_format(t->created_at, ts) : "",
           t->expires_at ? xa_time_format(t->expires_at, te) : "never", t->label);
    return XA_OK;
}

static xa_rc exists_cb(void *ud, const struct xa_web_user *u)
{
    (void)u;
    *(bool *)ud = true;
    return XA_OK;
}

int xa_cmd_user(struct xa_cli *cli, int argc, char **argv)
{
    if (argc < 2) {
        xa_help_user(stderr);
        return XA_EXIT_USAGE;
    }
    const char *sub = argv[1];
    const char *role_s = NULL, *pwfile = NULL, *label = "";
    long days = 0;
    static const struct option opts[] = {{"role", required_argument, NULL, 'r'},
                                         {"password-file", required_argument, NULL, 'p'},
                                         {"label", required_argument, NULL, 'l'},
                                         {"days", required_argument, NULL, 'd'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 0; /* full re-initialisation of GNU getopt; argv[1] (the verb) is argv[0] here */
    int sargc = argc - 1;
    char **sargv = argv + 1;
    while ((c = getopt_long(sargc, sargv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r': role_s = optarg; break;
        case 'p': pwfile = optarg; break;
        case 'l': label = optarg; break;
        case 'd': days = strtol(optarg, NULL, 10); break;
        default: xa_help_user(stderr); return XA_EXIT_USAGE;
        }
    }
    const char *name = optind < sargc ? sargv[optind] : NULL;
    bool needs_name = strcmp(sub, "list") != 0;
    if ((needs_name && !name) || (!needs_name && name) ||
        (name && optind + 1 < sargc)) {
        xa_help_user(stderr);
        return XA_EXIT_USAGE;
    }
    if (name && (strlen(name) > 128 || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-") != strlen(name))) {
        fprintf(stderr, "exoaudit user: names use letters, digits and . _ @ - (at most 128)\n");
        return XA_EXIT_USAGE;
    }
    if (days < 0 || days > 3650) {
        fprintf(stderr, "exoaudit user: --days: 0 to 3650\n");
        return XA_EXIT_USAGE;
    }
    int role = -1;
    if (strcmp(sub, "add") == 0 && (role = xa_auth_role_parse(role_s)) < 0) {
        fprintf(stderr, "exoaudit user add: --role viewer, auditor or admin\n");
        return XA_EXIT_USAGE;
    }
    char pw[XA_AUTH_PW_MAX + 2] = "";
    if (strcmp(sub, "add") == 0) {
        if (read_password(pwfile, pw, sizeof(pw)))
            return XA_EXIT_USAGE;
        if (strlen(pw) < XA_AUTH_PW_MIN || strlen(pw) > XA_AUTH_PW_MAX) {
            fprintf(stderr, "exoaudit user add: the password needs %d to %d characters\n",
                    XA_AUTH_PW_MIN, XA_AUTH_PW_MAX);
            return XA_EXIT_USAGE;
        }
    } else if (strcmp(sub, "list") && strcmp(sub, "remove") && strcmp(sub, "token") &&
               strcmp(sub, "token-remove")) {
        xa_help_user(stderr);
        return XA_EXIT_USAGE;
    }
    struct xa_store st;
    int ec = xa_cli_open_store(cli, false, &st);
    if (ec)
        return ec;
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = XA_OK;
    const struct xa_store_web_ops *w = st.ops->web;
    if (!w) {
        fprintf(stderr, "exoaudit user: the %s store keeps no console accounts\n", st.ops->name);
        xa_store_close(&st);
        return XA_EXIT_FAIL;
    }
    struct xa_kv ap[2] = {{"Name", name}, {"Role", xa_auth_role_name(role)}};
    const char *audit_op = NULL;
    char id[17] = "";
    if (strcmp(sub, "add") == 0) {
        char hash[XA_AUTH_HASH_MAX];
        rc = xa_auth_hash_password(pw, hash, &d);
        memset(pw, 0, sizeof(pw));
        struct xa_web_user u = {.name = name, .role = role, .pw_hash = hash,
                                .created_at = xa_time_now()};
        if (!rc)
            rc = w->user_put(st.ctx, &u, &d);
        if (rc == XA_ERR_INVALID)
            xa_diag_set(&d, rc, "user %s exists already", name);
        if (!rc && !cli->quiet)
            fprintf(stderr, "exoaudit: user %s added (%s)\n", name, xa_auth_role_name(role));
        audit_op = "UserAdd";
    } else if (strcmp(sub, "list") == 0) {
        rc = w->user_list(st.ctx, print_user, NULL, &d);
        if (!rc)
            rc = w->token_list(st.ctx, print_token, NULL, &d);
    } else if (strcmp(sub, "remove") == 0) {
        rc = w->user_delete(st.ctx, name, &d);
        audit_op = "UserRemove";
    } else if (strcmp(sub, "token-remove") == 0) {
        rc = w->token_delete(st.ctx, name, &d);
        ap[0].name = "TokenId";
        audit_op = "UserTokenRemove";
    } else { /* token */
        bool exists = false;
        rc = w->user_get(st.ctx, name, exists_cb, &exists, &d);
        char secret[70] = "xat_", h[65];
        if (!rc && (xa_auth_random_hex(secret + 4, 32) || xa_auth_random_hex(id, 8)))
            rc = xa_diag_set(&d, XA_ERR_INTERNAL, "no random bytes");
        if (!rc) {
            xa_auth_sha256_hex(secret, h);
            int64_t now = xa_time_now();
            struct xa_web_token t = {.id = id, .hash = h, .user = name, .label = label,
                                     .created_at = now,
                                     .expires_at = days ? now + days * 86400 * 1000000LL : 0};
            rc = w->token_put(st.ctx, &t, &d);
        }
        if (!rc) {
            printf("%s\n", secret);
            if (!cli->quiet)
                fprintf(stderr, "exoaudit: token %s for %s (shown once; send it as "
                                "'Authorization: Bearer TOKEN')\n", id, name);
        }
        ap[1].name = "TokenId";
        ap[1].value = id;
        audit_op = "UserToken";
    }
    xa_store_close(&st);
    if (rc) {
        xa_cli_error(&d, rc);
        return xa_cli_exit_code(rc);
    }
    if (audit_op)
        xa_cli_self_audit(cli, audit_op, ap, 2);
    return XA_EXIT_OK;
}
