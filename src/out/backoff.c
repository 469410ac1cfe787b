/* backoff.c - exponential back-off with equal jitter. */
#include "out/out.h"

int64_t xa_out_backoff(int64_t failures, int64_t min_us, int64_t max_us, uint32_t rnd)
{
    if (failures <= 0)
        return 0;
    if (min_us <= 0)
        min_us = 1;
    if (max_us < min_us)
        max_us = min_us;
    int64_t d = min_us;
    for (int64_t i = 1; i < failures && d < max_us; i++)
        d = d > max_us / 2 ? max_us : d * 2;
    if (d > max_us)
        d = max_us;
    int64_t half = d / 2;
    return d - half + (half > 0 ? (int64_t)(rnd % (uint64_t)(half + 1)) : 0);
}
