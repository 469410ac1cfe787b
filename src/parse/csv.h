/* csv.h - streaming RFC 4180 CSV reader with bounded memory.
 *
 * Reads UTF-8 (with or without BOM) and UTF-16 LE/BE (transcoded, see utf.h); detects the
 * delimiter (comma, semicolon or tab) from the first line; skips a leading PowerShell
 * "#TYPE ..." line; understands quoted fields with doubled quotes and raw line breaks,
 * CRLF and LF line ends. A row longer than max_row bytes is skipped to its end (quote
 * aware) and reported with a sample, never buffered whole. Not thread-safe. */
#ifndef XA_PARSE_CSV_H
#define XA_PARSE_CSV_H

#include "core/rc.h"
#include "parse/input.h"
#include "parse/utf.h"

#include <stddef.h>

struct xa_csv_row {
    size_t n;               /* number of fields */
    const char *const *f;   /* field texts, unquoted, NUL-terminated */
    const size_t *len;      /* field lengths */
    const char *raw;        /* the row as written (UTF-8, no line end); a sample when bad */
    size_t raw_len;
    size_t total;           /* full length of the row in the text */
    long long line;         /* 1-based line of the row's first byte */
    long long offset;       /* byte offset of the row (in the UTF-8 text; file offset for UTF-8) */
    const char *reason;     /* NULL for a good row; else why the row is bad (fields invalid) */
};

struct xa_csv;

/* Takes no ownership of in (must outlive the reader). max_row >= 1024. */
xa_rc xa_csv_new(struct xa_input *in, size_t max_row, struct xa_csv **out, struct xa_diag *diag);
void xa_csv_free(struct xa_csv *c);
/* Next row (empty lines are skipped). Pointers in row stay valid until the next call.
 * XA_ERR_EOF at the end; other errors are I/O failures. */
xa_rc xa_csv_next(struct xa_csv *c, struct xa_csv_row *row, struct xa_diag *diag);
char xa_csv_delimiter(const struct xa_csv *c);
enum xa_utf_enc xa_csv_encoding(const struct xa_csv *c);

/* Split the first non-#TYPE line of a UTF-8 head into at most max header names
 * (unquoted, trimmed) written to names (NUL-terminated, in buf of cap bytes).
 * Returns the number of names, 0 when the head holds no complete line. For probes. */
size_t xa_csv_header(const char *head, size_t n, char *buf, size_t cap, const char **names,
                     size_t max);

#endif
