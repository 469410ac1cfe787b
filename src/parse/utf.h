/* utf.h - a UTF-8 view of a text input: sniffs the byte order mark (UTF-8, UTF-16 LE/BE,
 * also UTF-16 LE without BOM as written by some Windows tools) and transcodes UTF-16 to
 * UTF-8 while streaming. Used by the CSV and XML readers. Not thread-safe. */
#ifndef XA_PARSE_UTF_H
#define XA_PARSE_UTF_H

#include "core/rc.h"
#include "parse/input.h"

#include <stddef.h>

enum xa_utf_enc { XA_UTF8 = 0, XA_UTF8_BOM, XA_UTF16LE, XA_UTF16BE };

struct xa_u8in;

/* Wrap in (not owned; must outlive the reader). Peeks at the head to detect the
 * encoding, so it must be called before anything else read from in. */
xa_rc xa_u8in_new(struct xa_input *in, struct xa_u8in **out, struct xa_diag *diag);
void xa_u8in_free(struct xa_u8in *u);
/* Read up to cap bytes of UTF-8 text (BOM removed; invalid UTF-16 becomes U+FFFD).
 * *got = 0 with XA_OK at end of input. cap must be >= 8. */
xa_rc xa_u8in_read(struct xa_u8in *u, char *buf, size_t cap, size_t *got, struct xa_diag *diag);
enum xa_utf_enc xa_u8in_encoding(const struct xa_u8in *u);
/* Bytes of BOM skipped at the start (to turn text offsets into file offsets for UTF-8). */
size_t xa_u8in_bom_len(const struct xa_u8in *u);
/* Static name: "utf-8", "utf-8-bom", "utf-16le", "utf-16be". */
const char *xa_utf_enc_name(enum xa_utf_enc e);

/* When in is UTF-16, transcode all of it to UTF-8 into an unlinked temporary file (in
 * $TMPDIR, default /tmp) and open that as *out (caller closes it); memory stays bounded
 * whatever the size. When in is UTF-8, *out = NULL (use in). For readers that need bytes,
 * e.g. the JSON splitter. */
xa_rc xa_utf_spool(struct xa_input *in, struct xa_input **out, struct xa_diag *diag);

/* Detect the encoding of a head of bytes. */
enum xa_utf_enc xa_utf_sniff(const unsigned char *h, size_t n);
/* UTF-8 text of a head (for format probes): transcodes UTF-16, drops the BOM, stops at
 * cap - 1 bytes and NUL-terminates. Returns the length written. */
size_t xa_utf_head(const unsigned char *h, size_t n, char *out, size_t cap);

#endif
