/* input.h - a byte source: a file or stdin, transparently decompressed when it is
 * gzip or zstd (detected by magic bytes, not by file name).
 * The only file that includes zlib and zstd's streaming API. Not thread-safe. */
#ifndef XA_PARSE_INPUT_H
#define XA_PARSE_INPUT_H

#include "core/rc.h"

#include <stddef.h>
#include <stdint.h>

enum xa_compression { XA_COMP_NONE = 0, XA_COMP_GZIP, XA_COMP_ZSTD };

struct xa_input;

/* Open path ("-" = stdin). The name used in diagnostics is path. */
xa_rc xa_input_open(const char *path, struct xa_input **out, struct xa_diag *diag);
/* Wrap an in-memory buffer (not copied; must outlive the input). name is for diagnostics. */
xa_rc xa_input_open_mem(const void *data, size_t len, const char *name, struct xa_input **out,
                        struct xa_diag *diag);
void xa_input_close(struct xa_input *in);

/* Read up to cap decompressed bytes. *got = 0 with XA_OK means end of input.
 * Corrupt compressed data -> XA_ERR_PARSE with the compressed offset. */
xa_rc xa_input_read(struct xa_input *in, void *buf, size_t cap, size_t *got, struct xa_diag *diag);

/* Look at the first decompressed bytes without consuming them (for format detection):
 * data and len receive up to XA_INPUT_PEEK bytes (fewer only at end of input). The bytes
 * are returned again by the following reads. Only valid before the first read. */
#define XA_INPUT_PEEK (64 * 1024)
xa_rc xa_input_peek(struct xa_input *in, const unsigned char **data, size_t *len,
                    struct xa_diag *diag);

const char *xa_input_name(const struct xa_input *in);
/* The file path, or NULL for stdin and memory inputs. */
const char *xa_input_path(const struct xa_input *in);
enum xa_compression xa_input_compression(const struct xa_input *in);
/* Bytes consumed from the underlying file (compressed), and its size (-1 when unknown,
 * e.g. a pipe). For progress and ETA. */
int64_t xa_input_consumed(const struct xa_input *in);
int64_t xa_input_size(const struct xa_input *in);

#endif
