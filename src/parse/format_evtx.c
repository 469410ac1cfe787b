/* format_evtx.c - Windows event log files (.evtx) through libevtx: the only file that
 * includes libevtx.h. Every allocated record, then every recovered (slack space) record
 * that libevtx can rebuild, is rendered as event XML, parsed (xml.c) and normalised
 * (norm/windows.c); the rendering is the raw record. A record libevtx cannot read is
 * quarantined with its number and libevtx's reason; a file none of whose records can be
 * read because they hold inline binary XML (forwarded by Windows Event Collector or
 * saved from a custom view) is refused with the cause and the wevtutil workaround.
 * Compressed input and stdin are spooled to an unlinked temporary file (libevtx reads
 * by path). */
#include "norm/windows.h"
#include "parse/format.h"
#include "parse/xml.h"

#include <libevtx.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROBE_RECORDS 16

struct ctx {
    libevtx_file_t *file;
    struct xa_format_cfg cfg;
    const char *name;
    int n_rec, n_rec_recovered;
    int i;            /* next index over allocated then recovered records */
    struct xa_arena tree;
    uint8_t *xml;
    size_t xml_cap;
    char why[1400];
};

static int probe(const unsigned char *h, size_t n, const char *path)
{
    (void)path;
    return n >= 8 && memcmp(h, "ElfFile\0", 8) == 0 ? 100 : 0;
}

static void errtext(libevtx_error_t *e, char *out, size_t cap)
{
    out[0] = '\0';
    if (!e)
        return;
    char buf[2048];
    if (libevtx_error_backtrace_sprint(e, buf, sizeof(buf)) < 0)
        snprintf(buf, sizeof(buf), "unknown libevtx error");
    libevtx_error_free(&e);
    size_t k = 0;
    for (size_t i = 0; buf[i] && k + 3 < cap; i++) {
        if (buf[i] == '\n') {
            if (buf[i + 1]) {
                out[k++] = ';';
                out[k++] = ' ';
            }
        } else {
            out[k++] = buf[i];
        }
    }
    out[k] = '\0';
}

static int inline_binxml(const char *msg)
{
    return strstr(msg, "unsupported type: 0x05") || strstr(msg, "invalid binary XML token") ||
           strstr(msg, "unsupported type: 0x49");
}

#define WORKAROUND                                                                              \
    "Workaround: on Windows export the events as XML with 'wevtutil qe FILE.evtx /lf:true "     \
    "/f:xml /e:Events > events.xml' and import events.xml"

static xa_rc spool(struct xa_input *in, char *path, size_t cap, struct xa_diag *diag)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, cap, "%s/exoaudit-evtx-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return xa_diag_set(diag, XA_ERR_IO, "cannot create a temporary file: %s", strerror(errno));
    char *buf = malloc(1 << 20);
    xa_rc rc = buf ? XA_OK : xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    while (!rc) {
        size_t got = 0;
        if ((rc = xa_input_read(in, buf, 1 << 20, &got, diag)) || !got)
            break;
        for (size_t off = 0; off < got && !rc;) {
            ssize_t w = write(fd, buf + off, got - off);
            if (w < 0)
                rc = xa_diag_set(diag, XA_ERR_IO, "cannot write a temporary file: %s", strerror(errno));
            else
                off += (size_t)w;
        }
    }
    free(buf);
    close(fd);
    if (rc)
        unlink(path);
    return rc;
}

static void close_(void *vctx)
{
    struct ctx *c = vctx;
    if (!c)
        return;
    if (c->file) {
        libevtx_file_close(c->file, NULL);
        libevtx_file_free(&c->file, NULL);
    }
    xa_arena_release(&c->tree);
    free(c->xml);
    free(c);
}

static xa_rc open_(struct xa_input *in, const struct xa_format_cfg *cfg, void **out,
                   struct xa_diag *diag)
{
    struct ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    c->cfg = *cfg;
    c->name = xa_input_name(in);
    xa_arena_init(&c->tree, 64 * 1024);
    char tmp[4096] = "";
    const char *path = xa_input_path(in);
    xa_rc rc = XA_OK;
    if (!path || xa_input_compression(in) != XA_COMP_NONE) {
        if ((rc = spool(in, tmp, sizeof(tmp), diag))) {
            close_(c);
            return rc;
        }
        path = tmp;
    }
    libevtx_error_t *e = NULL;
    char msg[600];
    if (libevtx_file_initialize(&c->file, &e) != 1) {
        errtext(e, msg, sizeof(msg));
        rc = xa_diag_set(diag, XA_ERR_NOMEM, "libevtx: %s", msg);
    } else if (libevtx_file_open(c->file, path, LIBEVTX_OPEN_READ, &e) != 1) {
        errtext(e, msg, sizeof(msg));
        libevtx_file_free(&c->file, NULL);
        c->file = NULL;
        rc = xa_diag_set(diag, XA_ERR_PARSE, "%s: not a readable EVTX file (libevtx: %s)", c->name, msg);
    } else if (libevtx_file_get_number_of_records(c->file, &c->n_rec, &e) != 1 ||
               libevtx_file_get_number_of_recovered_records(c->file, &c->n_rec_recovered, &e) != 1) {
        errtext(e, msg, sizeof(msg));
        rc = xa_diag_set(diag, XA_ERR_PARSE, "%s: cannot count the EVTX records (libevtx: %s)", c->name, msg);
    }
    if (tmp[0])
        unlink(tmp); /* libevtx keeps its descriptor */
    if (!rc && c->n_rec > 0) {
        /* refuse a file whose records are all inline binary XML, never "0 events" */
        int tried = 0, inl = 0;
        for (int i = 0; i < c->n_rec && i < PROBE_RECORDS; i++) {
            libevtx_record_t *r = NULL;
            tried++;
            if (libevtx_file_get_record_by_index(c->file, i, &r, &e) == 1) {
                libevtx_record_free(&r, NULL);
                break;
            }
            errtext(e, msg, sizeof(msg));
            if (!inline_binxml(msg))
                break;
            inl++;
        }
        if (inl == tried)
            rc = xa_diag_set(diag, XA_ERR_UNSUPPORTED,
                             "%s: libevtx cannot read the records of this EVTX file (%d record(s)): "
                             "they are stored as inline binary XML, as Windows writes events "
                             "forwarded through Windows Event Collector or saved from Event "
                             "Viewer, which this libevtx version does not support. " WORKAROUND,
                             c->name, c->n_rec);
    }
    if (rc) {
        close_(c);
        return rc;
    }
    *out = c;
    return XA_OK;
}

static xa_rc next(void *vctx, struct xa_arena *a, struct xa_item *it, struct xa_diag *diag)
{
    struct ctx *c = vctx;
    if (c->i >= c->n_rec + c->n_rec_recovered)
        return XA_ERR_EOF;
    int idx = c->i++;
    int recovered = idx >= c->n_rec;
    int k = recovered ? idx - c->n_rec : idx;
    libevtx_record_t *r = NULL;
    libevtx_error_t *e = NULL;
    char msg[600];
    it->source = XA_SRC_EVTX;
    it->line = k + 1;
    it->offset = -1;
    it->data = "";
    it->len = 0;
    int ok = recovered ? libevtx_file_get_recovered_record_by_index(c->file, k, &r, &e)
                       : libevtx_file_get_record_by_index(c->file, k, &r, &e);
    size_t sz = 0;
    if (ok == 1) {
        off64_t off = 0;
        if (libevtx_record_get_offset(r, &off, NULL) == 1)
            it->offset = (long long)off;
        ok = libevtx_record_get_utf8_xml_string_size(r, &sz, &e);
        if (ok == 1 && sz > c->cfg.max_record) {
            ok = 0;
            snprintf(msg, sizeof(msg), "rendered event larger than the record size limit (%zu bytes)", sz);
        } else if (ok == 1) {
            if (sz + 1 > c->xml_cap) {
                uint8_t *p = realloc(c->xml, sz + 1);
                if (!p) {
                    libevtx_record_free(&r, NULL);
                    return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
                }
                c->xml = p;
                c->xml_cap = sz + 1;
            }
            ok = libevtx_record_get_utf8_xml_string(r, c->xml, sz, &e);
        }
        libevtx_record_free(&r, NULL);
    }
    if (ok != 1) {
        if (ok == -1)
            errtext(e, msg, sizeof(msg));
        snprintf(c->why, sizeof(c->why), "%s record %d: libevtx cannot read it: %.600s%s%s",
                 recovered ? "recovered (slack space)" : "EVTX", k + 1, msg,
                 inline_binxml(msg) ? " (inline binary XML). " : "",
                 inline_binxml(msg) ? WORKAROUND : "");
        it->kind = XA_ITEM_BAD;
        it->reason = c->why;
        return XA_OK;
    }
    size_t len = strnlen((const char *)c->xml, sz);
    while (len && (c->xml[len - 1] == '\n' || c->xml[len - 1] == '\r' || c->xml[len - 1] == ' '))
        len--;
    char *raw = xa_arena_strndup(a, (const char *)c->xml, len);
    if (!raw)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    xa_arena_reset(&c->tree);
    const struct xa_xml_node *root = NULL;
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = xa_xml_parse(raw, len, &c->tree, &root, &d);
    if (!rc) {
        struct xa_winevt_opts o = {c->cfg.tenant_id, XA_SRC_EVTX, c->cfg.domains, c->cfg.n_domains};
        rc = xa_norm_winevent(root, raw, len, &o, a, &it->ev, &d);
    }
    if (rc == XA_ERR_NOMEM)
        return xa_diag_set(diag, rc, "out of memory");
    if (rc) {
        snprintf(c->why, sizeof(c->why), "%s record %d: %.500s", recovered ? "recovered" : "EVTX", k + 1, d.msg);
        it->kind = XA_ITEM_BAD;
        it->reason = c->why;
        it->data = raw;
        it->len = len < 1024 ? len : 1024;
        it->total = len;
        return XA_OK;
    }
    it->kind = XA_ITEM_EVENT;
    return XA_OK;
}

static const char *layout(void *vctx)
{
    (void)vctx;
    return "evtx";
}

const struct xa_format_ops xa_format_evtx = {
    .name = "evtx",
    .description = "Windows event log files (.evtx), allocated and recovered records (libevtx)",
    .probe = probe,
    .open = open_,
    .next = next,
    .layout = layout,
    .close = close_,
};
