#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void xa_buf_init(struct xa_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void xa_buf_release(struct xa_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void xa_buf_reset(struct xa_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

xa_rc xa_buf_reserve(struct xa_buf *b, size_t extra)
{
    if (extra > SIZE_MAX / 2 - b->len)
        return XA_ERR_LIMIT;
    size_t need = b->len + extra + 1;
    if (b->max && need > b->max + 1)
        return XA_ERR_LIMIT;
    if (need <= b->cap)
        return XA_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    if (b->max && cap > b->max + 1)
        cap = b->max + 1;
    char *p = realloc(b->data, cap);
    if (!p)
        return XA_ERR_NOMEM;
    b->data = p;
    b->cap = cap;
    return XA_OK;
}

xa_rc xa_buf_append(struct xa_buf *b, const void *p, size_t n)
{
    xa_rc rc = xa_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return XA_OK;
}

xa_rc xa_buf_puts(struct xa_buf *b, const char *s)
{
    return xa_buf_append(b, s, strlen(s));
}

xa_rc xa_buf_putc(struct xa_buf *b, char c)
{
    return xa_buf_append(b, &c, 1);
}

xa_rc xa_buf_vprintf(struct xa_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return XA_ERR_INTERNAL;
    xa_rc rc = xa_buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return XA_OK;
}

xa_rc xa_buf_printf(struct xa_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    xa_rc rc = xa_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

/* Length of a valid UTF-8 sequence starting at s (max n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) {
        len = 2;
        min = 0x80;
        c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        min = 0x800;
        c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        min = 0x10000;
        c &= 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    return len;
}

xa_rc xa_buf_json_str(struct xa_buf *b, const char *s, size_t n)
{
    if (!s)
        return xa_buf_append(b, "null", 4);
    if (n == (size_t)-1)
        n = strlen(s);
    xa_rc rc = xa_buf_reserve(b, n + 2);
    if (rc)
        return rc;
    b->data[b->len++] = '"';
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && u[run] >= 0x20 && u[run] < 0x80 && u[run] != '"' && u[run] != '\\')
            run++;
        if (run > i) {
            if ((rc = xa_buf_append(b, s + i, run - i)))
                return rc;
            i = run;
            continue;
        }
        unsigned char c = u[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            rc = xa_buf_append(b, esc, 2);
            i++;
        } else if (c < 0x20) {
            const char *e = NULL;
            switch (c) {
            case '\n': e = "\\n"; break;
            case '\r': e = "\\r"; break;
            case '\t': e = "\\t"; break;
            case '\b': e = "\\b"; break;
            case '\f': e = "\\f"; break;
            default: break;
            }
            if (e) {
                rc = xa_buf_append(b, e, 2);
            } else {
                snprintf(esc, sizeof(esc), "\\u%04x", c);
                rc = xa_buf_append(b, esc, 6);
            }
            i++;
        } else {
            size_t l = utf8_len(u + i, n - i);
            if (l == 0) {
                rc = xa_buf_append(b, "\xEF\xBF\xBD", 3);
                i++;
            } else {
                rc = xa_buf_append(b, s + i, l);
                i += l;
            }
        }
        if (rc)
            return rc;
    }
    return xa_buf_putc(b, '"');
}

xa_rc xa_buf_csv_field(struct xa_buf *b, const char *s)
{
    if (!s)
        return XA_OK;
    if (!strpbrk(s, ",\"\r\n") && s[0] != ' ' && s[0] != '\0')
        return xa_buf_puts(b, s);
    xa_rc rc = xa_buf_putc(b, '"');
    for (const char *p = s; !rc && *p; p++) {
        if (*p == '"')
            rc = xa_buf_append(b, "\"\"", 2);
        else
            rc = xa_buf_putc(b, *p);
    }
    return rc ? rc : xa_buf_putc(b, '"');
}
