/* csv.c - streaming RFC 4180 CSV reader (see csv.h).
 *
 * One text buffer of max_row + CHUNK bytes holds the current row; a row is parsed from
 * its first byte each time (after a refill the parse restarts at the row start, which
 * keeps the state machine trivial and costs little because refills are rare). Fields
 * are unquoted into a second buffer. */
#include "parse/csv.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK (256 * 1024)
#define SAMPLE 1024
#define MAX_FIELDS 4096

struct xa_csv {
    struct xa_u8in *u;
    size_t max_row;
    char delim;
    char *buf;            /* text window */
    size_t cap, pos, len; /* pos: start of the next row */
    long long base;       /* text offset of buf[0] */
    long long line;       /* line number at pos */
    int eof;
    int first;            /* before the first row */
    char *fb;             /* unquoted fields */
    size_t fb_cap, fb_len;
    const char *fp[MAX_FIELDS];
    size_t fl[MAX_FIELDS];
    size_t fo[MAX_FIELDS];
    size_t nf;
    char sample[SAMPLE];
};

static char detect_delim(const char *h, size_t n)
{
    size_t i = 0;
    if (n >= 5 && memcmp(h, "#TYPE", 5) == 0) {
        while (i < n && h[i] != '\n')
            i++;
        i++;
    }
    int inq = 0;
    size_t comma = 0, semi = 0, tab = 0;
    for (; i < n && (inq || (h[i] != '\n' && h[i] != '\r')); i++) {
        if (h[i] == '"')
            inq = !inq;
        else if (!inq && h[i] == ',')
            comma++;
        else if (!inq && h[i] == ';')
            semi++;
        else if (!inq && h[i] == '\t')
            tab++;
    }
    if (semi > comma && semi >= tab)
        return ';';
    if (tab > comma && tab > semi)
        return '\t';
    return ',';
}

size_t xa_csv_header(const char *h, size_t n, char *buf, size_t cap, const char **names, size_t max)
{
    size_t i = 0;
    if (n >= 5 && memcmp(h, "#TYPE", 5) == 0) {
        while (i < n && h[i] != '\n')
            i++;
        i++;
    }
    size_t end = i;
    while (end < n && h[end] != '\n' && h[end] != '\r')
        end++;
    if (end >= n || cap == 0)
        return 0;
    char d = detect_delim(h + i, end - i);
    size_t k = 0, cnt = 0;
    while (i <= end && cnt < max) {
        size_t s = k;
        int q = 0;
        while (i < end && (h[i] == ' ' || h[i] == '\t') && h[i] != d)
            i++;
        while (i < end && (q || h[i] != d)) {
            if (h[i] == '"') {
                if (q && i + 1 < end && h[i + 1] == '"') {
                    if (k + 1 < cap)
                        buf[k++] = '"';
                    i += 2;
                    continue;
                }
                q = !q;
            } else if (k + 1 < cap) {
                buf[k++] = h[i];
            }
            i++;
        }
        while (k > s && (buf[k - 1] == ' ' || buf[k - 1] == '\t'))
            k--;
        if (k + 1 >= cap)
            break;
        buf[k++] = '\0';
        names[cnt++] = buf + s;
        i++; /* delimiter (or end) */
    }
    return cnt;
}

xa_rc xa_csv_new(struct xa_input *in, size_t max_row, struct xa_csv **out, struct xa_diag *diag)
{
    if (max_row < 1024)
        max_row = 1024;
    const unsigned char *h;
    size_t hn;
    xa_rc rc = xa_input_peek(in, &h, &hn, diag);
    if (rc)
        return rc;
    struct xa_csv *c = calloc(1, sizeof(*c));
    if (!c)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    char head[8192];
    size_t n = xa_utf_head(h, hn, head, sizeof(head));
    c->delim = detect_delim(head, n);
    c->max_row = max_row;
    c->cap = max_row + CHUNK + 8;
    c->buf = malloc(c->cap);
    c->fb_cap = 64 * 1024;
    c->fb = malloc(c->fb_cap);
    c->line = 1;
    c->first = 1;
    if (!c->buf || !c->fb || (rc = xa_u8in_new(in, &c->u, diag))) {
        free(c->buf);
        free(c->fb);
        free(c);
        return rc ? rc : xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    }
    c->base = (long long)xa_u8in_bom_len(c->u);
    if (xa_u8in_encoding(c->u) == XA_UTF16LE || xa_u8in_encoding(c->u) == XA_UTF16BE)
        c->base = 0;
    *out = c;
    return XA_OK;
}

void xa_csv_free(struct xa_csv *c)
{
    if (!c)
        return;
    xa_u8in_free(c->u);
    free(c->buf);
    free(c->fb);
    free(c);
}

char xa_csv_delimiter(const struct xa_csv *c) { return c->delim; }
enum xa_utf_enc xa_csv_encoding(const struct xa_csv *c) { return xa_u8in_encoding(c->u); }

/* Move the current row to the front and read more text. Returns XA_OK (possibly eof). */
static xa_rc refill(struct xa_csv *c, struct xa_diag *diag)
{
    if (c->pos) {
        memmove(c->buf, c->buf + c->pos, c->len - c->pos);
        c->len -= c->pos;
        c->base += (long long)c->pos;
        c->pos = 0;
    }
    while (!c->eof && c->len < c->cap - 8) {
        size_t got = 0;
        size_t room = c->cap - 8 - c->len;
        if (room > CHUNK)
            room = CHUNK;
        if (room < 8)
            break;
        xa_rc rc = xa_u8in_read(c->u, c->buf + c->len, room, &got, diag);
        if (rc)
            return rc;
        if (!got)
            c->eof = 1;
        c->len += got;
        if (got)
            break;
    }
    return XA_OK;
}

static int fb_put(struct xa_csv *c, const char *s, size_t n)
{
    if (c->fb_len + n + 1 > c->fb_cap) {
        size_t cap = c->fb_cap;
        while (c->fb_len + n + 1 > cap)
            cap *= 2;
        char *p = realloc(c->fb, cap);
        if (!p)
            return -1;
        c->fb = p;
        c->fb_cap = cap;
    }
    memcpy(c->fb + c->fb_len, s, n);
    c->fb_len += n;
    return 0;
}

static int field_end(struct xa_csv *c, size_t start)
{
    if (c->nf >= MAX_FIELDS)
        return -2;
    if (fb_put(c, "", 1) < 0) /* the NUL */
        return -1;
    c->fo[c->nf] = start;
    c->fl[c->nf] = c->fb_len - 1 - start;
    c->nf++;
    return 0;
}

static size_t count_nl(const char *s, size_t n)
{
    size_t k = 0;
    const char *e = s + n;
    while ((s = memchr(s, '\n', (size_t)(e - s))) != NULL) {
        k++;
        s++;
    }
    return k;
}

enum { P_ROW = 0, P_MORE, P_EOF, P_UNTERM, P_NOMEM, P_FIELDS };

/* Parse one row at c->pos. On P_ROW: *end = index after the row content, *next = index
 * of the next row, *nl = line breaks consumed. */
static int parse_row(struct xa_csv *c, size_t *end, size_t *next, size_t *nl)
{
    const char d = c->delim;
    char *b = c->buf;
    size_t i = c->pos, n = c->len;
    size_t lines = 0;
    c->nf = 0;
    c->fb_len = 0;
    if (i >= n)
        return c->eof ? P_EOF : P_MORE;
    for (;;) {
        size_t fstart = c->fb_len;
        if (i < n && b[i] == '"') {
            i++;
            for (;;) {
                char *q = memchr(b + i, '"', n - i);
                if (!q)
                    return c->eof ? P_UNTERM : P_MORE;
                size_t k = (size_t)(q - (b + i));
                lines += count_nl(b + i, k);
                if (fb_put(c, b + i, k) < 0)
                    return P_NOMEM;
                i += k + 1;
                if (i >= n && !c->eof)
                    return P_MORE;
                if (i < n && b[i] == '"') {
                    if (fb_put(c, "\"", 1) < 0)
                        return P_NOMEM;
                    i++;
                    continue;
                }
                break;
            }
            /* after the closing quote: lenient, keep stray text up to the delimiter */
            size_t s = i;
            while (i < n && b[i] != d && b[i] != '\n' && b[i] != '\r')
                i++;
            if (i >= n && !c->eof)
                return P_MORE;
            if (i > s && fb_put(c, b + s, i - s) < 0)
                return P_NOMEM;
        } else {
            size_t s = i;
            while (i < n && b[i] != d && b[i] != '\n' && b[i] != '\r')
                i++;
            if (i >= n && !c->eof)
                return P_MORE;
            if (fb_put(c, b + s, i - s) < 0)
                return P_NOMEM;
        }
        int r = field_end(c, fstart);
        if (r == -1)
            return P_NOMEM;
        if (r == -2)
            return P_FIELDS;
        if (i >= n) { /* end of input without a line end */
            *end = *next = i;
            *nl = lines;
            return P_ROW;
        }
        if (b[i] == d) {
            i++;
            if (i >= n && !c->eof)
                return P_MORE;
            if (i >= n) { /* trailing delimiter at end of input: one more empty field */
                if (field_end(c, c->fb_len) < 0)
                    return P_NOMEM;
                *end = *next = i;
                *nl = lines;
                return P_ROW;
            }
            continue;
        }
        *end = i;
        if (b[i] == '\r') {
            if (i + 1 >= n && !c->eof)
                return P_MORE;
            i += (i + 1 < n && b[i + 1] == '\n') ? 2 : 1;
        } else {
            i++;
        }
        *next = i;
        *nl = lines + 1;
        return P_ROW;
    }
}

/* Skip an over-long row from c->pos to its end, quote aware. */
static xa_rc skip_row(struct xa_csv *c, struct xa_csv_row *row, struct xa_diag *diag)
{
    size_t sl = c->len - c->pos < SAMPLE ? c->len - c->pos : SAMPLE;
    memcpy(c->sample, c->buf + c->pos, sl);
    row->raw = c->sample;
    row->raw_len = sl;
    row->offset = c->base + (long long)c->pos;
    row->line = c->line;
    int inq = 0;
    size_t total = 0;
    long long lines = 0;
    for (;;) {
        size_t i = c->pos;
        while (i < c->len) {
            char ch = c->buf[i];
            if (ch == '"')
                inq = !inq;
            else if (ch == '\n') {
                lines++;
                if (!inq) {
                    total += i - c->pos;
                    c->pos = i + 1;
                    c->line += lines;
                    row->total = total;
                    return XA_OK;
                }
            }
            i++;
        }
        total += i - c->pos;
        c->pos = i;
        if (c->eof) {
            c->line += lines;
            row->total = total;
            return XA_OK;
        }
        xa_rc rc = refill(c, diag);
        if (rc)
            return rc;
    }
}

xa_rc xa_csv_next(struct xa_csv *c, struct xa_csv_row *row, struct xa_diag *diag)
{
    memset(row, 0, sizeof(*row));
    for (;;) {
        size_t end = 0, next = 0, nl = 0;
        int r = parse_row(c, &end, &next, &nl);
        if (r == P_MORE) {
            if (c->len - c->pos >= c->max_row) {
                xa_rc rc = skip_row(c, row, diag);
                if (rc)
                    return rc;
                row->reason = "row longer than the record size limit";
                c->first = 0;
                return XA_OK;
            }
            xa_rc rc = refill(c, diag);
            if (rc)
                return rc;
            continue;
        }
        if (r == P_EOF)
            return XA_ERR_EOF;
        if (r == P_NOMEM)
            return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
        row->offset = c->base + (long long)c->pos;
        row->line = c->line;
        if (r == P_UNTERM || r == P_FIELDS) {
            size_t sl = c->len - c->pos < SAMPLE ? c->len - c->pos : SAMPLE;
            row->raw = c->buf + c->pos;
            row->raw_len = sl;
            row->total = c->len - c->pos;
            row->reason = r == P_UNTERM ? "unterminated quoted field at end of input"
                                        : "more than 4096 fields in a row";
            if (r == P_FIELDS) { /* skip the rest of this row */
                xa_rc rc = skip_row(c, row, diag);
                if (rc)
                    return rc;
                return XA_OK;
            }
            c->line += (long long)count_nl(c->buf + c->pos, c->len - c->pos);
            c->pos = c->len;
            return XA_OK;
        }
        const char *raw = c->buf + c->pos;
        size_t raw_len = end - c->pos;
        c->pos = next;
        c->line += (long long)nl;
        if (raw_len > c->max_row) { /* complete but over the limit (it fitted in the window) */
            row->raw = raw;
            row->raw_len = raw_len < SAMPLE ? raw_len : SAMPLE;
            row->total = raw_len;
            row->reason = "row longer than the record size limit";
            c->first = 0;
            return XA_OK;
        }
        if (raw_len == 0 || (c->nf == 1 && c->fl[0] == 0 && raw_len <= 1))
            continue; /* empty line */
        if (c->first) {
            c->first = 0;
            if (raw_len >= 5 && memcmp(raw, "#TYPE", 5) == 0)
                continue;
        }
        for (size_t k = 0; k < c->nf; k++)
            c->fp[k] = c->fb + c->fo[k];
        row->n = c->nf;
        row->f = c->fp;
        row->len = c->fl;
        row->raw = raw;
        row->raw_len = raw_len;
        row->total = raw_len;
        return XA_OK;
    }
}
