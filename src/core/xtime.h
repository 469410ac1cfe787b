/* xtime.h - time stamps as int64 microseconds since the Unix epoch, UTC. */
#ifndef XA_CORE_XTIME_H
#define XA_CORE_XTIME_H

#include "core/rc.h"

#include <stdint.h>

#define XA_TIME_NONE INT64_MIN

/* Parse an ISO 8601 / RFC 3339 time: "2025-03-10T08:14:52", "...Z", "...+02:00",
 * fractional seconds, space instead of T, a date alone (00:00). No zone = UTC.
 * Also accepts US/PowerShell culture form "9/20/2023 4:05:03 AM" (UTC).
 * Returns XA_ERR_PARSE on anything else. n may be (size_t)-1 for NUL-terminated. */
xa_rc xa_time_parse(const char *s, size_t n, int64_t *out);

/* Parse a command-line time: RFC 3339 (as above) or relative "30s", "15m", "12h",
 * "7d", "2w" meaning that long before now_us. */
xa_rc xa_time_parse_arg(const char *s, int64_t now_us, int64_t *out);

/* Format as RFC 3339 UTC "2025-03-10T08:14:52Z", with ".ffffff" only when the
 * microseconds are non-zero. buf must hold 32 bytes. Returns buf. */
char *xa_time_format(int64_t us, char buf[32]);

/* Current wall-clock time in microseconds. */
int64_t xa_time_now(void);
/* Monotonic clock in microseconds. */
int64_t xa_time_mono(void);

/* Days since 1970-01-01 for a proleptic Gregorian date (no range check). */
int64_t xa_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
