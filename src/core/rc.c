#include "core/rc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void xa_diag_clear(struct xa_diag *d)
{
    if (!d)
        return;
    memset(d, 0, sizeof(*d));
    d->offset = -1;
}

xa_rc xa_diag_set(struct xa_diag *d, xa_rc code, const char *fmt, ...)
{
    if (!d)
        return code;
    d->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
    va_end(ap);
    return code;
}

void xa_diag_pos(struct xa_diag *d, const char *file, long long line, long long offset)
{
    if (!d)
        return;
    if (file)
        snprintf(d->file, sizeof(d->file), "%s", file);
    d->line = line;
    d->offset = offset;
}

const char *xa_rc_str(xa_rc rc)
{
    switch (rc) {
    case XA_OK: return "ok";
    case XA_ERR_NOMEM: return "out of memory";
    case XA_ERR_IO: return "i/o error";
    case XA_ERR_PARSE: return "parse error";
    case XA_ERR_LIMIT: return "limit exceeded";
    case XA_ERR_INVALID: return "invalid value";
    case XA_ERR_NOTFOUND: return "not found";
    case XA_ERR_DB: return "database error";
    case XA_ERR_CONFIG: return "configuration error";
    case XA_ERR_USAGE: return "usage error";
    case XA_ERR_UNSUPPORTED: return "unsupported";
    case XA_ERR_NET: return "network error";
    case XA_ERR_AUTH: return "authentication failed";
    case XA_ERR_EOF: return "end of input";
    case XA_ERR_INTERNAL: return "internal error";
    }
    return "unknown error";
}
