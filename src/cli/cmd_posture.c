/* cmd_posture.c - placeholder */
#include "cli/common.h"
void xa_help_posture(FILE *out) { fprintf(out, "usage: exoaudit posture FILE...\n"); }
int xa_cmd_posture(struct xa_cli *cli, int argc, char **argv) { return XA_EXIT_USAGE; }
