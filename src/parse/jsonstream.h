/* jsonstream.h - split a JSON byte stream into records with bounded memory.
 *
 * Understands, detected by content: a Management Activity API content blob (one JSON
 * array of records, possibly hundreds of MB; several arrays back to back are fine),
 * JSON Lines (one record a line), a single record, and concatenated (pretty-printed)
 * records. Memory is bounded by max_record + a read chunk whatever the input size:
 * a record longer than max_record is skipped and reported, never buffered.
 * Records are returned as byte ranges; parsing them is the caller's business.
 * Not thread-safe. */
#ifndef XA_PARSE_JSONSTREAM_H
#define XA_PARSE_JSONSTREAM_H

#include "core/rc.h"
#include "parse/input.h"

#include <stddef.h>

enum xa_jrec_status {
    XA_JREC_OK = 0,  /* data/len hold one complete top-level value (not validated) */
    XA_JREC_TOO_BIG, /* a record longer than max_record was skipped; data holds its first bytes */
    XA_JREC_BROKEN   /* bytes that cannot be a record (stray data, truncated tail); reason says why */
};

enum xa_jmode { XA_JMODE_UNKNOWN = 0, XA_JMODE_ARRAY, XA_JMODE_LINES, XA_JMODE_CONCAT };

struct xa_jrec {
    enum xa_jrec_status status;
    const char *data;   /* valid until the next call */
    size_t len;         /* for TOO_BIG: bytes available in data (a sample), see total */
    size_t total;       /* full length of the record in the input */
    long long offset;   /* byte offset of the record's first byte in the decompressed input */
    long long line;     /* 1-based line of the record's first byte */
    const char *reason; /* static text for TOO_BIG / BROKEN */
};

struct xa_jstream;

/* Takes no ownership of in. max_record: largest record accepted (bytes, >= 1024). */
xa_rc xa_jstream_new(struct xa_input *in, size_t max_record, struct xa_jstream **out,
                     struct xa_diag *diag);
void xa_jstream_free(struct xa_jstream *s);

/* Next record. XA_OK: rec filled (check rec->status). XA_ERR_EOF: no more records.
 * XA_ERR_UNSUPPORTED: the input is not JSON (first significant byte is not '[' or '{').
 * Other codes: I/O or decompression failure (fatal for this input). */
xa_rc xa_jstream_next(struct xa_jstream *s, struct xa_jrec *rec, struct xa_diag *diag);

/* The detected layout (valid after the first successful next()). */
enum xa_jmode xa_jstream_mode(const struct xa_jstream *s);
/* Decompressed bytes consumed so far. */
long long xa_jstream_offset(const struct xa_jstream *s);

#endif
