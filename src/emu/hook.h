/* hook.h - the emulator's webhook client: one HTTP/1.1 POST to a loopback address.
 *
 * Only plain http on 127.0.0.1, localhost or [::1] is accepted (the emulator never talks to
 * anything but loopback). Thread-safe (no shared state). */
#ifndef XA_EMU_HOOK_H
#define XA_EMU_HOOK_H

#include "core/rc.h"

#include <stdbool.h>
#include <stddef.h>

/* True when url is http://{127.0.0.1|localhost|[::1]}[:port][/path]. */
bool xa_emu_hook_url_ok(const char *url);

/* POST body (Content-Type: application/json; charset=utf-8) with extra header lines
 * ("Name: value", no CRLF) to url. Waits at most timeout_ms for each socket operation.
 * Returns the HTTP status, or -1 with diag filled when the exchange failed. */
int xa_emu_hook_post(const char *url, const char *const *headers, size_t nheaders, const char *body,
                     size_t len, int timeout_ms, struct xa_diag *diag);

#endif
