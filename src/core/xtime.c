#include "core/xtime.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t xa_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t yy = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

static int digits(const char *s, size_t n, size_t *i, int count, int *out)
{
    int v = 0;
    for (int k = 0; k < count; k++) {
        if (*i >= n || !isdigit((unsigned char)s[*i]))
            return -1;
        v = v * 10 + (s[(*i)++] - '0');
    }
    *out = v;
    return 0;
}

/* 1 or 2 digit number */
static int digits12(const char *s, size_t n, size_t *i, int *out)
{
    if (*i >= n || !isdigit((unsigned char)s[*i]))
        return -1;
    int v = s[(*i)++] - '0';
    if (*i < n && isdigit((unsigned char)s[*i]))
        v = v * 10 + (s[(*i)++] - '0');
    *out = v;
    return 0;
}

static int valid_date(int y, int mo, int d)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
        return 0;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 0;
    return 1;
}

static xa_rc parse_us_culture(const char *s, size_t n, int64_t *out)
{
    /* M/D/YYYY h:mm:ss [AM|PM] */
    size_t i = 0;
    int mo, d, y, h = 0, mi = 0, se = 0;
    if (digits12(s, n, &i, &mo) || i >= n || s[i++] != '/' || digits12(s, n, &i, &d) || i >= n ||
        s[i++] != '/' || digits(s, n, &i, 4, &y))
        return XA_ERR_PARSE;
    if (i < n) {
        if (s[i++] != ' ' || digits12(s, n, &i, &h) || i >= n || s[i++] != ':' ||
            digits(s, n, &i, 2, &mi))
            return XA_ERR_PARSE;
        if (i < n && s[i] == ':') {
            i++;
            if (digits(s, n, &i, 2, &se))
                return XA_ERR_PARSE;
        }
        while (i < n && s[i] == ' ')
            i++;
        if (i + 2 <= n && (s[i] == 'A' || s[i] == 'a' || s[i] == 'P' || s[i] == 'p') &&
            (s[i + 1] == 'M' || s[i + 1] == 'm')) {
            if (h < 1 || h > 12)
                return XA_ERR_PARSE;
            int pm = s[i] == 'P' || s[i] == 'p';
            h = h % 12 + (pm ? 12 : 0);
            i += 2;
        }
    }
    if (i != n || !valid_date(y, mo, d) || h > 23 || mi > 59 || se > 60)
        return XA_ERR_PARSE;
    *out = ((xa_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400) + h * 3600 + mi * 60 + se) *
           1000000LL;
    return XA_OK;
}

xa_rc xa_time_parse(const char *s, size_t n, int64_t *out)
{
    if (!s)
        return XA_ERR_PARSE;
    if (n == (size_t)-1)
        n = strlen(s);
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (memchr(s, '/', n))
        return parse_us_culture(s, n, out);
    size_t i = 0;
    int y, mo, d, h = 0, mi = 0, se = 0;
    int64_t frac = 0;
    if (digits(s, n, &i, 4, &y) || i >= n || s[i++] != '-' || digits(s, n, &i, 2, &mo) || i >= n ||
        s[i++] != '-' || digits(s, n, &i, 2, &d))
        return XA_ERR_PARSE;
    int64_t off = 0;
    if (i < n) {
        if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
            return XA_ERR_PARSE;
        i++;
        if (digits(s, n, &i, 2, &h) || i >= n || s[i++] != ':' || digits(s, n, &i, 2, &mi))
            return XA_ERR_PARSE;
        if (i < n && s[i] == ':') {
            i++;
            if (digits(s, n, &i, 2, &se))
                return XA_ERR_PARSE;
            if (i < n && (s[i] == '.' || s[i] == ',')) {
                i++;
                int nd = 0;
                int64_t scale = 100000;
                if (i >= n || !isdigit((unsigned char)s[i]))
                    return XA_ERR_PARSE;
                while (i < n && isdigit((unsigned char)s[i])) {
                    if (nd < 6) {
                        frac += (s[i] - '0') * scale;
                        scale /= 10;
                    }
                    nd++;
                    i++;
                }
            }
        }
        if (i < n) {
            if (s[i] == 'Z' || s[i] == 'z') {
                i++;
            } else if (s[i] == '+' || s[i] == '-') {
                int sign = s[i] == '-' ? -1 : 1;
                int oh, om = 0;
                i++;
                if (digits(s, n, &i, 2, &oh))
                    return XA_ERR_PARSE;
                if (i < n && s[i] == ':')
                    i++;
                if (i < n && digits(s, n, &i, 2, &om))
                    return XA_ERR_PARSE;
                if (oh > 23 || om > 59)
                    return XA_ERR_PARSE;
                off = sign * (oh * 3600 + om * 60);
            }
        }
    }
    if (i != n || !valid_date(y, mo, d) || h > 24 || mi > 59 || se > 60 || (h == 24 && (mi || se)))
        return XA_ERR_PARSE;
    int64_t secs = xa_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - off;
    *out = secs * 1000000LL + frac;
    return XA_OK;
}

xa_rc xa_time_parse_arg(const char *s, int64_t now_us, int64_t *out)
{
    size_t n = strlen(s);
    if (n >= 2 && n < 16) {
        size_t i = 0;
        long long v = 0;
        while (i < n - 1 && isdigit((unsigned char)s[i]))
            v = v * 10 + (s[i++] - '0');
        if (i == n - 1 && i > 0) {
            int64_t unit = 0;
            switch (s[n - 1]) {
            case 's': unit = 1; break;
            case 'm': unit = 60; break;
            case 'h': unit = 3600; break;
            case 'd': unit = 86400; break;
            case 'w': unit = 7 * 86400; break;
            default: return XA_ERR_PARSE;
            }
            *out = now_us - (int64_t)v * unit * 1000000LL;
            return XA_OK;
        }
    }
    return xa_time_parse(s, n, out);
}

char *xa_time_format(int64_t us, char buf[32])
{
    int64_t secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
    int64_t frac = us - secs * 1000000;
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400;
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    int len = snprintf(buf, 32, "%04d-%02u-%02uT%02d:%02d:%02d", y, m, d, (int)(rem / 3600),
                       (int)(rem % 3600 / 60), (int)(rem % 60));
    if (frac)
        len += snprintf(buf + len, 32 - (size_t)len, ".%06lld", (long long)frac);
    snprintf(buf + len, 32 - (size_t)len, "Z");
    return buf;
}

int64_t xa_time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t xa_time_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
