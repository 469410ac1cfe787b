/* jsonstream.c - record splitter for JSON streams (see jsonstream.h).
 *
 * One window buffer of max_record + CHUNK bytes slides over the input. A record is
 * returned in place when it fits; a longer one is scanned to its end without being
 * kept (only a sample is), so memory never depends on the input. */
#include "parse/jsonstream.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK (256 * 1024)
#define SAMPLE 512

enum vkind { V_NONE = 0, V_CONTAINER, V_STRING, V_SCALAR, V_LINE };

struct xa_jstream {
    struct xa_input *in;
    size_t max_record;
    char *buf;
    size_t cap;
    size_t start, pos, end; /* consumed up to start; scan position; valid data end */
    long long base;         /* absolute offset of buf[0] */
    long long line;         /* line number at pos */
    int eof;
    enum xa_jmode mode;
    int in_array;           /* inside a top-level array */
    int decided;            /* lines vs concat decided */
    /* current value scan state */
    enum vkind kind;
    size_t rec_start;
    long long rec_off, rec_line;
    int depth, in_str, esc, saw_nl;
    int skipping;           /* record exceeded max_record; bytes are being discarded */
    size_t skipped;         /* bytes discarded so far */
    char sample[SAMPLE];
    size_t sample_len;
    int reported_eof_error;
};

xa_rc xa_jstream_new(struct xa_input *in, size_t max_record, struct xa_jstream **out,
                     struct xa_diag *diag)
{
    if (max_record < 1024)
        max_record = 1024;
    struct xa_jstream *s = calloc(1, sizeof(*s));
    if (!s)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    s->cap = max_record + CHUNK;
    s->buf = malloc(s->cap + 1);
    if (!s->buf) {
        free(s);
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory (record window of %zu bytes)", max_record);
    }
    s->in = in;
    s->max_record = max_record;
    s->line = 1;
    *out = s;
    return XA_OK;
}

void xa_jstream_free(struct xa_jstream *s)
{
    if (!s)
        return;
    free(s->buf);
    free(s);
}

enum xa_jmode xa_jstream_mode(const struct xa_jstream *s) { return s->mode; }
long long xa_jstream_offset(const struct xa_jstream *s) { return s->base + (long long)s->pos; }

/* Make more bytes available after end. Returns 1 if bytes were added, 0 at EOF,
 * 2 when the window is full (the current record is too big), -1 on error. */
static int refill(struct xa_jstream *s, struct xa_diag *diag, xa_rc *rc)
{
    if (s->eof)
        return 0;
    if (s->start > 0) {
        size_t keep = s->end - s->start;
        memmove(s->buf, s->buf + s->start, keep);
        s->base += (long long)s->start;
        s->pos -= s->start;
        if (s->rec_start >= s->start)
            s->rec_start -= s->start;
        else
            s->rec_start = 0;
        s->end = keep;
        s->start = 0;
    }
    if (s->end == s->cap)
        return 2;
    size_t got = 0;
    *rc = xa_input_read(s->in, s->buf + s->end, s->cap - s->end, &got, diag);
    if (*rc)
        return -1;
    if (got == 0) {
        s->eof = 1;
        return 0;
    }
    s->end += got;
    return 1;
}

static void take_sample(struct xa_jstream *s, const char *p, size_t n)
{
    size_t room = SAMPLE - s->sample_len;
    if (n > room)
        n = room;
    memcpy(s->sample + s->sample_len, p, n);
    s->sample_len += n;
}

/* Begin skipping the current record: keep a sample, drop the window contents. */
static void start_skip(struct xa_jstream *s)
{
    s->skipping = 1;
    s->sample_len = 0;
    take_sample(s, s->buf + s->rec_start, s->pos - s->rec_start);
    s->skipped = s->pos - s->rec_start;
    s->start = s->pos;
    s->rec_start = s->pos;
}

/* Advance the value scan over buf[pos..end). Returns 1 when the value ended (pos is
 * just past it), 0 when more data is needed. */
static int scan_value(struct xa_jstream *s)
{
    char *b = s->buf;
    size_t p = s->pos, e = s->end;
    switch (s->kind) {
    case V_LINE: {
        char *nl = memchr(b + p, '\n', e - p);
        if (!nl) {
            s->pos = e;
            return 0;
        }
        s->pos = (size_t)(nl - b);
        return 1; /* pos at the newline (not part of the record) */
    }
    case V_SCALAR:
        while (p < e) {
            char c = b[p];
            if (c == ',' || c == ']' || c == '}' || c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                s->pos = p;
                return 1;
            }
            p++;
        }
        s->pos = p;
        return 0;
    case V_STRING:
    case V_CONTAINER:
        while (p < e) {
            if (s->in_str) {
                /* fast skip of string contents */
                while (p < e) {
                    char c = b[p];
                    if (s->esc) {
                        s->esc = 0;
                    } else if (c == '\\') {
                        s->esc = 1;
                    } else if (c == '"') {
                        s->in_str = 0;
                        p++;
                        break;
                    } else if (c == '\n') {
                        s->saw_nl = 1;
                        s->line++;
                    }
                    p++;
                }
                if (!s->in_str && s->kind == V_STRING && s->depth == 0) {
                    s->pos = p;
                    return 1;
                }
                continue;
            }
            char c = b[p++];
            switch (c) {
            case '"': s->in_str = 1; break;
            case '{':
            case '[': s->depth++; break;
            case '}':
            case ']':
                if (--s->depth <= 0) {
                    s->depth = 0;
                    s->pos = p;
                    return 1;
                }
                break;
            case '\n':
                s->saw_nl = 1;
                s->line++;
                break;
            default: break;
            }
        }
        s->pos = p;
        return 0;
    case V_NONE: break;
    }
    return 1;
}

static void emit(struct xa_jstream *s, struct xa_jrec *rec, enum xa_jrec_status st, const char *data,
                 size_t len, size_t total, const char *reason)
{
    rec->status = st;
    rec->data = data;
    rec->len = len;
    rec->total = total;
    rec->offset = s->rec_off;
    rec->line = s->rec_line;
    rec->reason = reason;
}

/* Scan the record that begins at pos (kind set) to its end and emit it. */
static xa_rc finish_record(struct xa_jstream *s, struct xa_jrec *rec, struct xa_diag *diag)
{
    for (;;) {
        size_t before = s->pos;
        int done = scan_value(s);
        if (s->skipping) {
            size_t n = s->pos - before;
            take_sample(s, s->buf + before, n);
            s->skipped += n;
            if (!done) {
                s->start = s->pos; /* discard */
                s->rec_start = s->pos;
            }
        }
        if (done)
            break;
        xa_rc rc = XA_OK;
        int r = refill(s, diag, &rc);
        if (r < 0)
            return rc;
        if (r == 0) {
            /* EOF inside a record */
            if (s->kind == V_SCALAR || s->kind == V_LINE)
                break;
            size_t len = s->skipping ? s->sample_len : s->pos - s->rec_start;
            size_t total = s->skipping ? s->skipped : len;
            const char *d = s->skipping ? s->sample : s->buf + s->rec_start;
            s->start = s->pos;
            s->skipping = 0;
            s->kind = V_NONE;
            s->reported_eof_error = 1; /* one report for the truncated tail is enough */
            emit(s, rec, XA_JREC_BROKEN, d, len, total, "truncated: input ends inside a record");
            return XA_OK;
        }
        if (r == 2)
            start_skip(s);
    }
    size_t len = s->pos - s->rec_start;
    if (s->kind == V_SCALAR && len == 0 && s->pos < s->end) {
        /* a stray '}' (or similar) where a value should start: consume it, or the
         * splitter would stand still on it forever (found by fuzz_jsonstream) */
        s->pos++;
        s->start = s->pos;
        s->kind = V_NONE;
        emit(s, rec, XA_JREC_BROKEN, s->buf + s->rec_start, 1, 1, "unexpected character where a record should start");
        return XA_OK;
    }
    if (s->kind == V_LINE) {
        if (len && s->buf[s->rec_start + len - 1] == '\r')
            len--;
        if (s->pos < s->end) { /* consume the newline */
            s->pos++;
            s->line++;
        }
    }
    if (!s->decided && s->kind == V_CONTAINER && s->mode == XA_JMODE_UNKNOWN) {
        s->mode = s->saw_nl ? XA_JMODE_CONCAT : XA_JMODE_LINES;
        s->decided = 1;
    }
    enum vkind kind = s->kind;
    s->kind = V_NONE;
    if (s->skipping) {
        s->skipping = 0;
        s->start = s->pos;
        (void)kind;
        emit(s, rec, XA_JREC_TOO_BIG, s->sample, s->sample_len, s->skipped, "record exceeds the size limit");
        return XA_OK;
    }
    if (len > s->max_record) {
        s->start = s->pos;
        emit(s, rec, XA_JREC_TOO_BIG, s->buf + s->rec_start, len < SAMPLE ? len : SAMPLE, len,
             "record exceeds the size limit");
        return XA_OK;
    }
    s->start = s->pos;
    emit(s, rec, XA_JREC_OK, s->buf + s->rec_start, len, len, NULL);
    return XA_OK;
}

xa_rc xa_jstream_next(struct xa_jstream *s, struct xa_jrec *rec, struct xa_diag *diag)
{
    for (;;) {
        if (s->pos >= s->end) {
            s->start = s->pos;
            xa_rc rc = XA_OK;
            int r = refill(s, diag, &rc);
            if (r < 0)
                return rc;
            if (r == 0) {
                if (s->in_array && !s->reported_eof_error) {
                    s->reported_eof_error = 1;
                    s->rec_off = s->base + (long long)s->pos;
                    s->rec_line = s->line;
                    emit(s, rec, XA_JREC_BROKEN, "", 0, 0, "truncated: the JSON array is not closed");
                    return XA_OK;
                }
                return XA_ERR_EOF;
            }
            continue;
        }
        char c = s->buf[s->pos];
        /* UTF-8 byte order mark at the very start */
        if (s->base + (long long)s->pos == 0 && (unsigned char)c == 0xEF) {
            if (s->end - s->pos < 3 && !s->eof) {
                xa_rc rc = XA_OK;
                int r = refill(s, diag, &rc);
                if (r < 0)
                    return rc;
                if (r > 0)
                    continue;
            }
            if (s->end - s->pos >= 3 && (unsigned char)s->buf[s->pos + 1] == 0xBB &&
                (unsigned char)s->buf[s->pos + 2] == 0xBF) {
                s->pos += 3;
                s->start = s->pos;
                continue;
            }
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            if (c == '\n')
                s->line++;
            s->pos++;
            s->start = s->pos;
            continue;
        }
        if (s->mode == XA_JMODE_UNKNOWN && !s->decided && c != '[' && c != '{') {
            return xa_diag_set(diag, XA_ERR_UNSUPPORTED,
                               "not JSON: the first significant byte is 0x%02x, expected '[' or '{'",
                               (unsigned char)c);
        }
        s->rec_start = s->pos;
        s->rec_off = s->base + (long long)s->pos;
        s->rec_line = s->line;
        s->depth = 0;
        s->in_str = 0;
        s->esc = 0;
        s->saw_nl = 0;
        s->skipping = 0;
        if (s->in_array) {
            if (c == ',') {
                s->pos++;
                s->start = s->pos;
                continue;
            }
            if (c == ']') {
                s->in_array = 0;
                s->pos++;
                s->start = s->pos;
                continue;
            }
            if (c == '{' || c == '[') {
                s->kind = V_CONTAINER;
            } else if (c == '"') {
                s->kind = V_STRING;
                s->in_str = 1;
                s->pos++;
            } else {
                s->kind = V_SCALAR;
            }
            return finish_record(s, rec, diag);
        }
        if (c == '[' && s->mode != XA_JMODE_LINES) {
            s->mode = XA_JMODE_ARRAY;
            s->decided = 1;
            s->in_array = 1;
            s->pos++;
            s->start = s->pos;
            continue;
        }
        if (s->mode == XA_JMODE_LINES) {
            s->kind = V_LINE;
            return finish_record(s, rec, diag);
        }
        if (c == '{') {
            s->kind = V_CONTAINER;
            return finish_record(s, rec, diag);
        }
        /* stray bytes outside any record: report the rest of the line */
        s->kind = V_LINE;
        xa_rc rc = finish_record(s, rec, diag);
        if (rc == XA_OK && rec->status == XA_JREC_OK) {
            rec->status = XA_JREC_BROKEN;
            rec->reason = "unexpected data between records";
            if (rec->len > SAMPLE)
                rec->len = SAMPLE;
        }
        return rc;
    }
}
