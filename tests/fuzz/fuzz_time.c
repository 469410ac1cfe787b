/* Fuzz the time parsers; a parsed time must format and parse back to itself. */
#include "core/xtime.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[64];
    if (size >= sizeof(s))
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    int64_t t, t2;
    if (xa_time_parse(s, size, &t) == XA_OK) {
        char b[32];
        if (xa_time_parse(xa_time_format(t, b), (size_t)-1, &t2) != XA_OK || t2 != t)
            abort();
    }
    xa_time_parse_arg(s, 0, &t);
    return 0;
}
