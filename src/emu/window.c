/* window.c - startTime/endTime rules of /subscriptions/content and /notifications. */
#include "emu/window.h"

#include "core/xtime.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

xa_rc xa_emu_time_parse(const char *s, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, se = 0;
    int64_t frac = 0;
    if (!s || strlen(s) < 10 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
        s[7] != '-' || digits(s + 8, 2, &d))
        return XA_ERR_PARSE;
    const char *p = s + 10;
    if (*p == 'T' || *p == 't') {
        if (digits(p + 1, 2, &h) || p[3] != ':' || digits(p + 4, 2, &mi))
            return XA_ERR_PARSE;
        p += 6;
        if (*p == ':') {
            if (digits(p + 1, 2, &se))
                return XA_ERR_PARSE;
            p += 3;
            if (*p == '.') {
                p++;
                int64_t scale = 100000;
                if (*p < '0' || *p > '9')
                    return XA_ERR_PARSE;
                for (; *p >= '0' && *p <= '9'; p++) {
                    frac += (*p - '0') * scale;
                    scale /= 10;
                }
            }
        }
    }
    if (*p == 'Z' || *p == 'z')
        p++;
    if (*p)
        return XA_ERR_PARSE;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 59)
        return XA_ERR_PARSE;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap)
        return XA_ERR_PARSE;
    int64_t days = xa_days_from_civil(y, (unsigned)mo, (unsigned)d);
    *out = ((days * 24 + h) * 60 + mi) * 60000000LL + se * 1000000LL + frac;
    return XA_OK;
}

#define HOUR_US 3600000000LL

enum xa_emu_win xa_emu_window_check(const char *start, const char *end, int64_t now, int64_t *t0,
                                    int64_t *t1)
{
    bool hs = start && *start, he = end && *end;
    int64_t a, b;
    if (!hs && !he) {
        *t0 = now - 24 * HOUR_US;
        *t1 = now;
        return XA_EMU_WIN_OK;
    }
    if (hs && xa_emu_time_parse(start, &a))
        return XA_EMU_WIN_BAD_START;
    if (he && xa_emu_time_parse(end, &b))
        return XA_EMU_WIN_BAD_END;
    if (hs != he)
        return XA_EMU_WIN_ONE_ONLY;
    if (a >= b)
        return XA_EMU_WIN_ORDER;
    if (b - a > 24 * HOUR_US)
        return XA_EMU_WIN_TOO_LONG;
    if (a < now - 7 * 24 * HOUR_US)
        return XA_EMU_WIN_TOO_OLD;
    *t0 = a;
    *t1 = b;
    return XA_EMU_WIN_OK;
}

const char *xa_emu_window_code(enum xa_emu_win w)
{
    switch (w) {
    case XA_EMU_WIN_OK: return NULL;
    case XA_EMU_WIN_BAD_START:
    case XA_EMU_WIN_BAD_END: return "AF20002";
    case XA_EMU_WIN_ONE_ONLY: return "AF20030";
    default: return "AF20055";
    }
}

const char *xa_emu_window_message(enum xa_emu_win w)
{
    switch (w) {
    case XA_EMU_WIN_OK: return NULL;
    case XA_EMU_WIN_BAD_START: return "Invalid parameter type: startTime. Expected type: datetime.";
    case XA_EMU_WIN_BAD_END: return "Invalid parameter type: endTime. Expected type: datetime.";
    case XA_EMU_WIN_ONE_ONLY:
        return "Start time and end time must both be specified (or both omitted) and must be "
               "less than or equal to 24 hours apart, with the start time no more than 7 days "
               "in the past.";
    default:
        return "Start time and end time must both be specified (or both omitted) and must be "
               "less than or equal to 24 hours apart, with the start time prior to end time "
               "and start time no more than 7 days in the past.";
    }
}

char *xa_emu_fmt_http_date(int64_t us, char buf[32])
{
    static const char *wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *mn[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(buf, 32, "%s, %02d %s %04d %02d:%02d:%02d GMT", wd[tm.tm_wday], tm.tm_mday,
             mn[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}
