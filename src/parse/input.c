#include "parse/input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define RAW_CAP (256 * 1024)

struct xa_input {
    char *name;
    int fd;             /* -1 for memory input */
    const unsigned char *mem;
    size_t mem_len, mem_pos;
    int64_t size;
    int64_t consumed;
    enum xa_compression comp;
    unsigned char *raw; /* compressed read buffer */
    size_t raw_len, raw_pos;
    int raw_eof;
    z_stream z;
    int z_init;
    int z_end;          /* current gzip member finished */
    ZSTD_DCtx *zd;
    size_t zd_last;     /* last ZSTD_decompressStream result (0 = frame complete) */
    unsigned char *peek; /* decompressed head kept by xa_input_peek, replayed by reads */
    size_t peek_len, peek_pos;
    int is_file;
};

static xa_rc fill_raw(struct xa_input *in, struct xa_diag *diag)
{
    if (in->raw_pos < in->raw_len || in->raw_eof)
        return XA_OK;
    in->raw_pos = in->raw_len = 0;
    if (in->fd < 0) {
        size_t n = in->mem_len - in->mem_pos;
        if (n > RAW_CAP)
            n = RAW_CAP;
        memcpy(in->raw, in->mem + in->mem_pos, n);
        in->mem_pos += n;
        in->raw_len = n;
    } else {
        ssize_t n;
        do {
            n = read(in->fd, in->raw, RAW_CAP);
        } while (n < 0 && errno == EINTR);
        if (n < 0)
            return xa_diag_set(diag, XA_ERR_IO, "%s: read failed: %s", in->name, strerror(errno));
        in->raw_len = (size_t)n;
    }
    if (in->raw_len == 0)
        in->raw_eof = 1;
    in->consumed += (int64_t)in->raw_len;
    return XA_OK;
}

static xa_rc init_common(struct xa_input *in, struct xa_diag *diag)
{
    in->raw = malloc(RAW_CAP);
    if (!in->raw)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    xa_rc rc = fill_raw(in, diag);
    if (rc)
        return rc;
    const unsigned char *r = in->raw;
    if (in->raw_len >= 2 && r[0] == 0x1f && r[1] == 0x8b) {
        in->comp = XA_COMP_GZIP;
        if (inflateInit2(&in->z, 15 + 32) != Z_OK)
            return xa_diag_set(diag, XA_ERR_NOMEM, "zlib init failed");
        in->z_init = 1;
    } else if (in->raw_len >= 4 && r[0] == 0x28 && r[1] == 0xb5 && r[2] == 0x2f && r[3] == 0xfd) {
        in->comp = XA_COMP_ZSTD;
        in->zd = ZSTD_createDCtx();
        if (!in->zd)
            return xa_diag_set(diag, XA_ERR_NOMEM, "zstd init failed");
        /* bound the decoder's window: a hostile frame must not make us allocate GBs */
        ZSTD_DCtx_setParameter(in->zd, ZSTD_d_windowLogMax, 27);
    }
    return XA_OK;
}

xa_rc xa_input_open(const char *path, struct xa_input **out, struct xa_diag *diag)
{
    struct xa_input *in = calloc(1, sizeof(*in));
    if (!in)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    in->size = -1;
    in->name = strdup(path);
    if (strcmp(path, "-") == 0) {
        in->fd = STDIN_FILENO;
    } else {
        in->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (in->fd < 0) {
            xa_rc rc = xa_diag_set(diag, XA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
            free(in->name);
            free(in);
            return rc;
        }
        struct stat st;
        if (fstat(in->fd, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                close(in->fd);
                free(in->name);
                free(in);
                return xa_diag_set(diag, XA_ERR_IO, "%s: is a directory", path);
            }
            if (S_ISREG(st.st_mode)) {
                in->size = st.st_size;
                in->is_file = 1;
            }
        }
#ifdef POSIX_FADV_SEQUENTIAL
        posix_fadvise(in->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    }
    xa_rc rc = init_common(in, diag);
    if (rc) {
        xa_input_close(in);
        return rc;
    }
    *out = in;
    return XA_OK;
}

xa_rc xa_input_open_mem(const void *data, size_t len, const char *name, struct xa_input **out,
                        struct xa_diag *diag)
{
    struct xa_input *in = calloc(1, sizeof(*in));
    if (!in)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    in->fd = -1;
    in->mem = data;
    in->mem_len = len;
    in->size = (int64_t)len;
    in->name = strdup(name ? name : "<memory>");
    xa_rc rc = init_common(in, diag);
    if (rc) {
        xa_input_close(in);
        return rc;
    }
    *out = in;
    return XA_OK;
}

void xa_input_close(struct xa_input *in)
{
    if (!in)
        return;
    if (in->fd > STDIN_FILENO)
        close(in->fd);
    if (in->z_init)
        inflateEnd(&in->z);
    ZSTD_freeDCtx(in->zd);
    free(in->peek);
    free(in->raw);
    free(in->name);
    free(in);
}

static xa_rc read_gzip(struct xa_input *in, void *buf, size_t cap, size_t *got, struct xa_diag *diag)
{
    *got = 0;
    while (*got == 0) {
        xa_rc rc = fill_raw(in, diag);
        if (rc)
            return rc;
        if (in->raw_pos == in->raw_len) {
            if (!in->z_end)
                return xa_diag_set(diag, XA_ERR_PARSE, "%s: gzip stream truncated", in->name);
            return XA_OK;
        }
        if (in->z_end) {
            /* concatenated gzip members (e.g. `cat a.gz b.gz`) */
            if (inflateReset(&in->z) != Z_OK)
                return xa_diag_set(diag, XA_ERR_INTERNAL, "zlib reset failed");
            in->z_end = 0;
        }
        in->z.next_in = in->raw + in->raw_pos;
        in->z.avail_in = (uInt)(in->raw_len - in->raw_pos);
        in->z.next_out = buf;
        in->z.avail_out = (uInt)(cap > UINT32_MAX ? UINT32_MAX : cap);
        int zr = inflate(&in->z, Z_NO_FLUSH);
        in->raw_pos = in->raw_len - in->z.avail_in;
        *got = cap - in->z.avail_out;
        if (zr == Z_STREAM_END)
            in->z_end = 1;
        else if (zr != Z_OK && zr != Z_BUF_ERROR)
            return xa_diag_set(diag, XA_ERR_PARSE, "%s: corrupt gzip data near compressed byte %lld",
                               in->name, (long long)(in->consumed - (int64_t)in->z.avail_in));
    }
    return XA_OK;
}

static xa_rc read_zstd(struct xa_input *in, void *buf, size_t cap, size_t *got, struct xa_diag *diag)
{
    *got = 0;
    while (*got == 0) {
        xa_rc rc = fill_raw(in, diag);
        if (rc)
            return rc;
        if (in->raw_pos == in->raw_len && in->raw_eof) {
            /* flush what the decoder still holds */
            ZSTD_inBuffer zi = {in->raw, 0, 0};
            ZSTD_outBuffer zo = {buf, cap, 0};
            size_t r = ZSTD_decompressStream(in->zd, &zo, &zi);
            if (ZSTD_isError(r))
                return xa_diag_set(diag, XA_ERR_PARSE, "%s: corrupt zstd data: %s", in->name,
                                   ZSTD_getErrorName(r));
            *got = zo.pos;
            if (*got == 0 && in->zd_last != 0)
                return xa_diag_set(diag, XA_ERR_PARSE, "%s: zstd stream truncated", in->name);
            return XA_OK;
        }
        ZSTD_inBuffer zi = {in->raw, in->raw_len, in->raw_pos};
        ZSTD_outBuffer zo = {buf, cap, 0};
        size_t r = ZSTD_decompressStream(in->zd, &zo, &zi);
        if (ZSTD_isError(r))
            return xa_diag_set(diag, XA_ERR_PARSE, "%s: corrupt zstd data: %s", in->name,
                               ZSTD_getErrorName(r));
        in->zd_last = r;
        in->raw_pos = zi.pos;
        *got = zo.pos;
    }
    return XA_OK;
}

static xa_rc read_decoded(struct xa_input *in, void *buf, size_t cap, size_t *got,
                          struct xa_diag *diag);

xa_rc xa_input_peek(struct xa_input *in, const unsigned char **data, size_t *len,
                    struct xa_diag *diag)
{
    if (!in->peek) {
        in->peek = malloc(XA_INPUT_PEEK);
        if (!in->peek)
            return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
        while (in->peek_len < XA_INPUT_PEEK) {
            size_t got = 0;
            xa_rc rc = read_decoded(in, in->peek + in->peek_len, XA_INPUT_PEEK - in->peek_len, &got, diag);
            if (rc)
                return rc;
            if (got == 0)
                break;
            in->peek_len += got;
        }
    }
    *data = in->peek;
    *len = in->peek_len;
    return XA_OK;
}

xa_rc xa_input_read(struct xa_input *in, void *buf, size_t cap, size_t *got, struct xa_diag *diag)
{
    if (in->peek && in->peek_pos < in->peek_len) {
        size_t n = in->peek_len - in->peek_pos;
        if (n > cap)
            n = cap;
        memcpy(buf, in->peek + in->peek_pos, n);
        in->peek_pos += n;
        *got = n;
        return XA_OK;
    }
    return read_decoded(in, buf, cap, got, diag);
}

static xa_rc read_decoded(struct xa_input *in, void *buf, size_t cap, size_t *got,
                          struct xa_diag *diag)
{
    switch (in->comp) {
    case XA_COMP_GZIP: return read_gzip(in, buf, cap, got, diag);
    case XA_COMP_ZSTD: return read_zstd(in, buf, cap, got, diag);
    case XA_COMP_NONE: break;
    }
    *got = 0;
    xa_rc rc = fill_raw(in, diag);
    if (rc)
        return rc;
    size_t n = in->raw_len - in->raw_pos;
    if (n > cap)
        n = cap;
    memcpy(buf, in->raw + in->raw_pos, n);
    in->raw_pos += n;
    *got = n;
    return XA_OK;
}

const char *xa_input_name(const struct xa_input *in) { return in->name; }
const char *xa_input_path(const struct xa_input *in) { return in->is_file ? in->name : NULL; }
enum xa_compression xa_input_compression(const struct xa_input *in) { return in->comp; }
int64_t xa_input_consumed(const struct xa_input *in) { return in->consumed; }
int64_t xa_input_size(const struct xa_input *in) { return in->size; }
