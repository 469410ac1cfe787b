#include "cli/cli.h"

#include <stdio.h>

int xa_cli_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    puts("exoaudit " XA_VERSION);
    return 0;
}
