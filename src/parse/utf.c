/* utf.c - BOM sniffing and streaming UTF-16 -> UTF-8 (see utf.h). */
#include "parse/utf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define RAW_CHUNK (256 * 1024)

struct xa_u8in {
    struct xa_input *in;
    enum xa_utf_enc enc;
    size_t bom;
    int skipped;          /* BOM consumed */
    unsigned char *raw;   /* UTF-16 only */
    size_t raw_len, raw_pos;
    int eof;
    unsigned hi_sur;      /* pending high surrogate (UTF-16) */
};

const char *xa_utf_enc_name(enum xa_utf_enc e)
{
    switch (e) {
    case XA_UTF8_BOM: return "utf-8-bom";
    case XA_UTF16LE: return "utf-16le";
    case XA_UTF16BE: return "utf-16be";
    default: return "utf-8";
    }
}

enum xa_utf_enc xa_utf_sniff(const unsigned char *h, size_t n)
{
    if (n >= 3 && h[0] == 0xEF && h[1] == 0xBB && h[2] == 0xBF)
        return XA_UTF8_BOM;
    if (n >= 2 && h[0] == 0xFF && h[1] == 0xFE)
        return XA_UTF16LE;
    if (n >= 2 && h[0] == 0xFE && h[1] == 0xFF)
        return XA_UTF16BE;
    /* no BOM: ASCII text in UTF-16 has a zero in every other byte */
    if (n >= 4 && h[0] && !h[1] && h[2] && !h[3])
        return XA_UTF16LE;
    if (n >= 4 && !h[0] && h[1] && !h[2] && h[3])
        return XA_UTF16BE;
    return XA_UTF8;
}

static size_t bom_len(enum xa_utf_enc e, const unsigned char *h, size_t n)
{
    if (e == XA_UTF8_BOM)
        return 3;
    if ((e == XA_UTF16LE && n >= 2 && h[0] == 0xFF) || (e == XA_UTF16BE && n >= 2 && h[0] == 0xFE))
        return 2;
    return 0;
}

static size_t put_cp(unsigned cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Transcode UTF-16 units from s[0..n) (n even) into o (room for at least 2*n bytes + 4);
 * *hi carries a high surrogate across calls. Returns bytes written. */
static size_t u16_to_u8(const unsigned char *s, size_t n, int be, unsigned *hi, char *o)
{
    size_t k = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        unsigned u = be ? ((unsigned)s[i] << 8 | s[i + 1]) : ((unsigned)s[i + 1] << 8 | s[i]);
        if (*hi) {
            if (u >= 0xDC00 && u <= 0xDFFF) {
                k += put_cp(0x10000 + ((*hi - 0xD800) << 10) + (u - 0xDC00), o + k);
                *hi = 0;
                continue;
            }
            k += put_cp(0xFFFD, o + k);
            *hi = 0;
        }
        if (u >= 0xD800 && u <= 0xDBFF)
            *hi = u;
        else if (u >= 0xDC00 && u <= 0xDFFF)
            k += put_cp(0xFFFD, o + k);
        else
            k += put_cp(u, o + k);
    }
    return k;
}

size_t xa_utf_head(const unsigned char *h, size_t n, char *out, size_t cap)
{
    if (cap == 0)
        return 0;
    enum xa_utf_enc e = xa_utf_sniff(h, n);
    size_t b = bom_len(e, h, n);
    size_t k = 0;
    if (e == XA_UTF16LE || e == XA_UTF16BE) {
        unsigned hi = 0;
        char tmp[8];
        for (size_t i = b; i + 1 < n; i += 2) {
            size_t m = u16_to_u8(h + i, 2, e == XA_UTF16BE, &hi, tmp);
            if (k + m >= cap)
                break;
            memcpy(out + k, tmp, m);
            k += m;
        }
    } else {
        k = n - b < cap - 1 ? n - b : cap - 1;
        memcpy(out, h + b, k);
    }
    out[k] = '\0';
    return k;
}

xa_rc xa_u8in_new(struct xa_input *in, struct xa_u8in **out, struct xa_diag *diag)
{
    const unsigned char *h;
    size_t n;
    xa_rc rc = xa_input_peek(in, &h, &n, diag);
    if (rc)
        return rc;
    struct xa_u8in *u = calloc(1, sizeof(*u));
    if (!u)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    u->in = in;
    u->enc = xa_utf_sniff(h, n);
    u->bom = bom_len(u->enc, h, n);
    if (u->enc == XA_UTF16LE || u->enc == XA_UTF16BE) {
        u->raw = malloc(RAW_CHUNK);
        if (!u->raw) {
            free(u);
            return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
        }
    }
    *out = u;
    return XA_OK;
}

void xa_u8in_free(struct xa_u8in *u)
{
    if (!u)
        return;
    free(u->raw);
    free(u);
}

enum xa_utf_enc xa_u8in_encoding(const struct xa_u8in *u) { return u->enc; }
size_t xa_u8in_bom_len(const struct xa_u8in *u) { return u->bom; }

static xa_rc skip_bom(struct xa_u8in *u, struct xa_diag *diag)
{
    u->skipped = 1;
    unsigned char tmp[4];
    size_t need = u->bom, got = 0;
    while (need) {
        xa_rc rc = xa_input_read(u->in, tmp, need, &got, diag);
        if (rc)
            return rc;
        if (!got)
            break;
        need -= got;
    }
    return XA_OK;
}

xa_rc xa_u8in_read(struct xa_u8in *u, char *buf, size_t cap, size_t *got, struct xa_diag *diag)
{
    xa_rc rc;
    *got = 0;
    if (!u->skipped && (rc = skip_bom(u, diag)))
        return rc;
    if (u->enc == XA_UTF8 || u->enc == XA_UTF8_BOM)
        return xa_input_read(u->in, buf, cap, got, diag);
    /* UTF-16: at most 2 UTF-8 bytes per input byte (4 per surrogate pair) */
    for (;;) {
        if (u->raw_len - u->raw_pos < 2 && !u->eof) {
            memmove(u->raw, u->raw + u->raw_pos, u->raw_len - u->raw_pos);
            u->raw_len -= u->raw_pos;
            u->raw_pos = 0;
            size_t n = 0;
            rc = xa_input_read(u->in, u->raw + u->raw_len, RAW_CHUNK - u->raw_len, &n, diag);
            if (rc)
                return rc;
            if (!n)
                u->eof = 1;
            u->raw_len += n;
        }
        size_t avail = (u->raw_len - u->raw_pos) & ~(size_t)1;
        if (!avail) {
            if (u->eof && u->hi_sur && cap >= 3) { /* dangling high surrogate */
                u->hi_sur = 0;
                *got = put_cp(0xFFFD, buf);
            }
            return XA_OK;
        }
        size_t take = (cap - 4) / 2;
        take &= ~(size_t)1;
        if (take > avail)
            take = avail;
        if (!take)
            return XA_OK;
        size_t k = u16_to_u8(u->raw + u->raw_pos, take, u->enc == XA_UTF16BE, &u->hi_sur, buf);
        u->raw_pos += take;
        if (k) {
            *got = k;
            return XA_OK;
        }
    }
}

xa_rc xa_utf_spool(struct xa_input *in, struct xa_input **out, struct xa_diag *diag)
{
    *out = NULL;
    const unsigned char *h;
    size_t n;
    xa_rc rc = xa_input_peek(in, &h, &n, diag);
    if (rc)
        return rc;
    enum xa_utf_enc e = xa_utf_sniff(h, n);
    if (e != XA_UTF16LE && e != XA_UTF16BE)
        return XA_OK;
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/exoaudit-utf8-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return xa_diag_set(diag, XA_ERR_IO, "cannot create a temporary file in %s: %s",
                           dir && *dir ? dir : "/tmp", strerror(errno));
    struct xa_u8in *u = NULL;
    char *buf = malloc(RAW_CHUNK);
    if (!buf)
        rc = xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    if (!rc)
        rc = xa_u8in_new(in, &u, diag);
    while (!rc) {
        size_t got = 0;
        if ((rc = xa_u8in_read(u, buf, RAW_CHUNK, &got, diag)) || !got)
            break;
        for (size_t off = 0; off < got && !rc;) {
            ssize_t w = write(fd, buf + off, got - off);
            if (w < 0)
                rc = xa_diag_set(diag, XA_ERR_IO, "cannot write a temporary file: %s", strerror(errno));
            else
                off += (size_t)w;
        }
    }
    xa_u8in_free(u);
    free(buf);
    close(fd);
    if (!rc)
        rc = xa_input_open(path, out, diag);
    unlink(path);
    return rc;
}
