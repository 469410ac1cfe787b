/* window.h - the time rules of the Management Activity API listing operations.
 *
 * Pure functions, thread-safe. Times are int64 microseconds since the epoch, UTC. */
#ifndef XA_EMU_WINDOW_H
#define XA_EMU_WINDOW_H

#include "core/rc.h"

#include <stdint.h>

/* Parse startTime/endTime as the API accepts them: YYYY-MM-DD, YYYY-MM-DDTHH:MM,
 * YYYY-MM-DDTHH:MM:SS, optionally followed by .fraction and/or "Z". XA_ERR_PARSE otherwise. */
xa_rc xa_emu_time_parse(const char *s, int64_t *out);

enum xa_emu_win {
    XA_EMU_WIN_OK = 0,
    XA_EMU_WIN_BAD_START, /* startTime unparsable          -> AF20002 */
    XA_EMU_WIN_BAD_END,   /* endTime unparsable            -> AF20002 */
    XA_EMU_WIN_ONE_ONLY,  /* only one of the two given     -> AF20030 */
    XA_EMU_WIN_ORDER,     /* start not before end          -> AF20055 */
    XA_EMU_WIN_TOO_LONG,  /* more than 24 hours apart      -> AF20055 */
    XA_EMU_WIN_TOO_OLD    /* start more than 7 days ago    -> AF20055 */
};

/* Check a listing window against now. start/end may be NULL or "" (absent). Neither given ->
 * [now - 24 h, now). On XA_EMU_WIN_OK *t0 and *t1 hold the window (start inclusive, end
 * exclusive). */
enum xa_emu_win xa_emu_window_check(const char *start, const char *end, int64_t now, int64_t *t0,
                                    int64_t *t1);

/* AF code and message for a window result (static strings; NULL for OK). */
const char *xa_emu_window_code(enum xa_emu_win w);
const char *xa_emu_window_message(enum xa_emu_win w);

/* RFC 7231 IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT". buf holds 32 bytes. */
char *xa_emu_fmt_http_date(int64_t us, char buf[32]);

#endif
