#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static enum xa_log_level g_level = XA_LOG_INFO;

void xa_log_set_level(enum xa_log_level lvl) { g_level = lvl; }
enum xa_log_level xa_log_get_level(void) { return g_level; }

int xa_log_level_parse(const char *s)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcasecmp(s, names[i]) == 0)
            return i;
    return -1;
}

void xa_log(enum xa_log_level lvl, const char *fmt, ...)
{
    if (lvl > g_level)
        return;
    static const char *tags[] = {"error", "warning", "info", "debug"};
    char line[2048];
    int n = snprintf(line, sizeof(line), "exoaudit: %s: ", tags[lvl]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof(line) - 2)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}
