/* buf.h - growable byte buffer with an optional hard size limit.
 *
 * The buffer owns its memory; data is always NUL-terminated after a successful
 * append (the terminator is not counted in len). Not thread-safe. */
#ifndef XA_CORE_BUF_H
#define XA_CORE_BUF_H

#include "core/rc.h"

#include <stdarg.h>
#include <stddef.h>

struct xa_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max; /* 0 = unlimited; appends beyond it fail with XA_ERR_LIMIT */
};

void xa_buf_init(struct xa_buf *b, size_t max);
void xa_buf_release(struct xa_buf *b);
void xa_buf_reset(struct xa_buf *b); /* len = 0, keeps capacity */
xa_rc xa_buf_reserve(struct xa_buf *b, size_t extra);
xa_rc xa_buf_append(struct xa_buf *b, const void *p, size_t n);
xa_rc xa_buf_puts(struct xa_buf *b, const char *s);
xa_rc xa_buf_putc(struct xa_buf *b, char c);
xa_rc xa_buf_printf(struct xa_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
xa_rc xa_buf_vprintf(struct xa_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Append s (n bytes, or strlen when n == (size_t)-1) as a quoted JSON string; NULL -> null.
 * Invalid UTF-8 bytes are replaced by U+FFFD so the output is always valid JSON. */
xa_rc xa_buf_json_str(struct xa_buf *b, const char *s, size_t n);
/* Append s escaped as a CSV field (quoted when needed, RFC 4180). NULL -> empty. */
xa_rc xa_buf_csv_field(struct xa_buf *b, const char *s);

#endif
