/* Fuzz the YAML configuration loader through a temporary file. */
#include "core/config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/xa-fuzz-config-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    struct xa_config *c;
    struct xa_diag d;
    if (xa_config_load(path, &c, &d) == XA_OK) {
        uint64_t v;
        bool b;
        xa_config_size(c, "import.max_record_bytes", 1, &v, &d);
        xa_config_bool(c, "search.include_system", false, &b, &d);
        xa_config_free(c);
    }
    unlink(path);
    return 0;
}
