/* limiter.h - login rate limiter: failures per key (client IP, user name) in a sliding
 * window; a key with max failures in the window is refused until the oldest expires.
 * Bounded memory (fixed table; the stalest entry is replaced). Thread-safe. */
#ifndef XA_WEB_LIMITER_H
#define XA_WEB_LIMITER_H

#include <stdbool.h>
#include <stdint.h>

struct xa_web_limiter;

struct xa_web_limiter *xa_web_limiter_new(unsigned max_failures, unsigned window_seconds);
void xa_web_limiter_free(struct xa_web_limiter *l);
/* Seconds until key may try again, 0 when allowed now. now in microseconds. */
unsigned xa_web_limiter_wait(struct xa_web_limiter *l, const char *key, int64_t now);
void xa_web_limiter_fail(struct xa_web_limiter *l, const char *key, int64_t now);
void xa_web_limiter_clear(struct xa_web_limiter *l, const char *key);

#endif
