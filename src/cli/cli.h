/* cli.h - the exoaudit command line (git-style subcommands). */
#ifndef XA_CLI_CLI_H
#define XA_CLI_CLI_H

/* Exit codes */
#define XA_EXIT_OK 0
#define XA_EXIT_FAIL 1
#define XA_EXIT_USAGE 2
#define XA_EXIT_QUARANTINED 3

int xa_cli_main(int argc, char **argv);

#endif
