/* throttle.c - token bucket with AIMD (see throttle.h). */
#include "collect/throttle.h"

#include <string.h>

void xa_bucket_init(struct xa_bucket *b, double per_min, double burst, int64_t now)
{
    memset(b, 0, sizeof(*b));
    if (per_min <= 0)
        per_min = 1;
    if (burst < 1)
        burst = per_min / 60.0 < 1 ? 1 : per_min / 60.0;
    b->base_per_min = b->per_min = per_min;
    b->burst = burst;
    b->tokens = burst;
    b->last = now;
}

static void refill(struct xa_bucket *b, int64_t now)
{
    if (now > b->last) {
        b->tokens += (double)(now - b->last) * b->per_min / 60e6;
        if (b->tokens > b->burst)
            b->tokens = b->burst;
        b->last = now;
    }
}

int64_t xa_bucket_take(struct xa_bucket *b, int64_t now)
{
    if (now < b->paused_until)
        return b->paused_until - now;
    refill(b, now);
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        b->taken++;
        return 0;
    }
    double need = 1.0 - b->tokens;
    int64_t wait = (int64_t)(need * 60e6 / b->per_min) + 1;
    return wait > 0 ? wait : 1;
}

void xa_bucket_throttled(struct xa_bucket *b, int64_t now, int64_t pause_us)
{
    refill(b, now);
    b->throttled++;
    b->per_min /= 2;
    if (b->per_min < b->base_per_min / 16)
        b->per_min = b->base_per_min / 16;
    if (pause_us <= 0)
        pause_us = 10 * 1000000LL;
    if (now + pause_us > b->paused_until)
        b->paused_until = now + pause_us;
    b->tokens = 0;
}

void xa_bucket_success(struct xa_bucket *b)
{
    if (b->per_min < b->base_per_min) {
        b->per_min += b->base_per_min / 20;
        if (b->per_min > b->base_per_min)
            b->per_min = b->base_per_min;
    }
}
