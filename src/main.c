#include "cli/cli.h"

int main(int argc, char **argv)
{
    return xa_cli_main(argc, argv);
}
