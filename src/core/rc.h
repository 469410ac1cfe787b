/* rc.h - return codes and diagnostics shared by every layer.
 *
 * Every fallible function returns xa_rc and takes an optional struct xa_diag *
 * (NULL allowed) that receives a human-readable explanation with position.
 * Thread safety: a diag belongs to one thread at a time. */
#ifndef XA_CORE_RC_H
#define XA_CORE_RC_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    XA_OK = 0,
    XA_ERR_NOMEM,       /* allocation failed */
    XA_ERR_IO,          /* file or stream error */
    XA_ERR_PARSE,       /* malformed input */
    XA_ERR_LIMIT,       /* a configured limit was exceeded */
    XA_ERR_INVALID,     /* a value is well-formed but not acceptable */
    XA_ERR_NOTFOUND,    /* no such object */
    XA_ERR_DB,          /* storage backend error */
    XA_ERR_CONFIG,      /* configuration error */
    XA_ERR_USAGE,       /* command-line usage error */
    XA_ERR_UNSUPPORTED, /* feature or format not supported */
    XA_ERR_NET,         /* network error */
    XA_ERR_AUTH,        /* authentication failed */
    XA_ERR_EOF,         /* end of input (not an error for readers) */
    XA_ERR_INTERNAL     /* a bug */
} xa_rc;

struct xa_diag {
    xa_rc code;
    int http_status;     /* 0 when not applicable */
    char file[256];      /* source name, "" when unknown */
    long long line;      /* 1-based line, 0 when unknown */
    long long offset;    /* byte offset, -1 when unknown */
    char msg[512];
};

/* Reset a diag to "no error". d may be NULL. */
void xa_diag_clear(struct xa_diag *d);

/* Record code and a printf-style message in d (may be NULL); returns code so that
 * callers can write `return xa_diag_set(d, XA_ERR_PARSE, "...")`. */
xa_rc xa_diag_set(struct xa_diag *d, xa_rc code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Set position fields of d (NULL-safe). file may be NULL. */
void xa_diag_pos(struct xa_diag *d, const char *file, long long line, long long offset);

/* Static name of a code, e.g. "parse error". */
const char *xa_rc_str(xa_rc rc);

#endif
