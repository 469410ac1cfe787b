/* log.h - leveled logging to stderr. Never pass secrets or whole records above debug.
 * Thread-safe (one write(2) per message). */
#ifndef XA_CORE_LOG_H
#define XA_CORE_LOG_H

enum xa_log_level { XA_LOG_ERROR = 0, XA_LOG_WARN, XA_LOG_INFO, XA_LOG_DEBUG };

void xa_log_set_level(enum xa_log_level lvl);
enum xa_log_level xa_log_get_level(void);
/* Parse "error|warn|info|debug"; returns -1 when unknown. */
int xa_log_level_parse(const char *s);
void xa_log(enum xa_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define xa_log_error(...) xa_log(XA_LOG_ERROR, __VA_ARGS__)
#define xa_log_warn(...) xa_log(XA_LOG_WARN, __VA_ARGS__)
#define xa_log_info(...) xa_log(XA_LOG_INFO, __VA_ARGS__)
#define xa_log_debug(...) xa_log(XA_LOG_DEBUG, __VA_ARGS__)

#endif
