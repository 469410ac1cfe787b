/* doc.c - report documents and their text, CSV, JSON and HTML renderings. */
#include "report/doc.h"

#include "core/buf.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct col {
    const char *id;
    const char *label;
    bool num;
};

struct section {
    const char *id, *title, *note;
    struct col *cols;
    size_t ncols;
    const char **cells; /* nrows * ncols */
    size_t nrows, cap;
    bool chart;
    enum xa_rchart kind;
    const char *chart_title;
    size_t label_col, value_col, max_items;
};

struct kv {
    const char *key;
    const char *value;
    int64_t num;
};

struct xa_rdoc {
    struct xa_arena arena;
    const char *name, *title;
    struct kv *params;
    size_t nparams, capparams;
    struct kv *summary;
    size_t nsummary, capsummary;
    struct section *secs;
    size_t nsecs, capsecs;
};

int xa_rfmt_parse(const char *s)
{
    static const char *const names[] = {"text", "csv", "json", "html"};
    for (int i = 0; i < 4; i++)
        if (s && strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t nc = *cap ? *cap * 2 : 16;
    while (nc < need)
        nc *= 2;
    void *q = realloc(*p, nc * elem);
    if (!q)
        return false;
    *p = q;
    *cap = nc;
    return true;
}

struct xa_rdoc *xa_rdoc_new(const char *name, const char *title)
{
    struct xa_rdoc *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    xa_arena_init(&d->arena, 64 * 1024);
    d->name = xa_arena_strdup(&d->arena, name);
    d->title = xa_arena_strdup(&d->arena, title);
    if (!d->name || !d->title) {
        xa_rdoc_free(d);
        return NULL;
    }
    return d;
}

void xa_rdoc_free(struct xa_rdoc *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nsecs; i++)
        free(d->secs[i].cells);
    free(d->secs);
    free(d->params);
    free(d->summary);
    xa_arena_release(&d->arena);
    free(d);
}

struct xa_arena *xa_rdoc_arena(struct xa_rdoc *d) { return &d->arena; }

xa_rc xa_rdoc_param(struct xa_rdoc *d, const char *key, const char *value)
{
    if (!grow((void **)&d->params, &d->capparams, d->nparams + 1, sizeof(struct kv)))
        return XA_ERR_NOMEM;
    struct kv *k = &d->params[d->nparams];
    k->key = xa_arena_strdup(&d->arena, key);
    k->value = value ? xa_arena_strdup(&d->arena, value) : NULL;
    if (!k->key || (value && !k->value))
        return XA_ERR_NOMEM;
    d->nparams++;
    return XA_OK;
}

xa_rc xa_rdoc_summary(struct xa_rdoc *d, const char *key, int64_t value)
{
    if (!grow((void **)&d->summary, &d->capsummary, d->nsummary + 1, sizeof(struct kv)))
        return XA_ERR_NOMEM;
    struct kv *k = &d->summary[d->nsummary];
    k->key = xa_arena_strdup(&d->arena, key);
    k->value = NULL;
    k->num = value;
    if (!k->key)
        return XA_ERR_NOMEM;
    d->nsummary++;
    return XA_OK;
}

int xa_rdoc_section(struct xa_rdoc *d, const char *id, const char *title, const char *note,
                    const char *const *cols, size_t ncols)
{
    if (!grow((void **)&d->secs, &d->capsecs, d->nsecs + 1, sizeof(struct section)))
        return -1;
    struct section *s = &d->secs[d->nsecs];
    memset(s, 0, sizeof(*s));
    s->id = xa_arena_strdup(&d->arena, id);
    s->title = xa_arena_strdup(&d->arena, title);
    s->note = note ? xa_arena_strdup(&d->arena, note) : NULL;
    s->cols = xa_arena_zalloc(&d->arena, (ncols ? ncols : 1) * sizeof(struct col));
    if (!s->id || !s->title || (note && !s->note) || !s->cols)
        return -1;
    for (size_t i = 0; i < ncols; i++) {
        const char *c = cols[i];
        if (*c == '#') {
            s->cols[i].num = true;
            c++;
        }
        const char *colon = strchr(c, ':');
        s->cols[i].id = colon ? xa_arena_strndup(&d->arena, c, (size_t)(colon - c))
                              : xa_arena_strdup(&d->arena, c);
        s->cols[i].label = xa_arena_strdup(&d->arena, colon ? colon + 1 : c);
        if (!s->cols[i].id || !s->cols[i].label)
            return -1;
    }
    s->ncols = ncols;
    return (int)d->nsecs++;
}

xa_rc xa_rdoc_row(struct xa_rdoc *d, int sec, const char *const *cells)
{
    if (sec < 0 || (size_t)sec >= d->nsecs)
        return XA_ERR_INTERNAL;
    struct section *s = &d->secs[sec];
    size_t need = (s->nrows + 1) * s->ncols;
    if (!grow((void **)&s->cells, &s->cap, need, sizeof(char *)))
        return XA_ERR_NOMEM;
    for (size_t i = 0; i < s->ncols; i++) {
        const char *v = cells[i] ? xa_arena_strdup(&d->arena, cells[i]) : NULL;
        if (cells[i] && !v)
            return XA_ERR_NOMEM;
        s->cells[s->nrows * s->ncols + i] = v;
    }
    s->nrows++;
    return XA_OK;
}

size_t xa_rdoc_rows(const struct xa_rdoc *d, int sec)
{
    return sec >= 0 && (size_t)sec < d->nsecs ? d->secs[sec].nrows : 0;
}

const char *xa_rdoc_cell(const struct xa_rdoc *d, int sec, size_t row, size_t col)
{
    if (sec < 0 || (size_t)sec >= d->nsecs)
        return NULL;
    const struct section *s = &d->secs[sec];
    if (row >= s->nrows || col >= s->ncols)
        return NULL;
    return s->cells[row * s->ncols + col];
}

xa_rc xa_rdoc_chart(struct xa_rdoc *d, int sec, enum xa_rchart kind, const char *title,
                    size_t label_col, size_t value_col, size_t max_items)
{
    if (sec < 0 || (size_t)sec >= d->nsecs)
        return XA_ERR_INTERNAL;
    struct section *s = &d->secs[sec];
    if (label_col >= s->ncols || value_col >= s->ncols)
        return XA_ERR_INTERNAL;
    s->chart = true;
    s->kind = kind;
    s->chart_title = xa_arena_strdup(&d->arena, title);
    s->label_col = label_col;
    s->value_col = value_col;
    s->max_items = max_items ? max_items : 40;
    return s->chart_title ? XA_OK : XA_ERR_NOMEM;
}

/* ---- output plumbing ---- */

struct out {
    struct xa_buf b;
    FILE *fp;
    xa_rc rc;
};

static void flush(struct out *o, bool force)
{
    if (o->rc == XA_OK && (force || o->b.len >= 64 * 1024)) {
        if (o->b.len && fwrite(o->b.data, 1, o->b.len, o->fp) != o->b.len)
            o->rc = XA_ERR_IO;
        xa_buf_reset(&o->b);
    }
}

static void puts_(struct out *o, const char *s)
{
    if (o->rc == XA_OK)
        o->rc = xa_buf_puts(&o->b, s);
}

static void printf_(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void printf_(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (o->rc == XA_OK)
        o->rc = xa_buf_vprintf(&o->b, fmt, ap);
    va_end(ap);
}

/* ---- text ---- */

static size_t dwidth(const char *s)
{
    size_t w = 0;
    for (; s && *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

#define TEXT_MAXW 60

/* Put s with control characters replaced, clipped to maxw display columns, padded
 * to pad columns (0 = no padding). */
static void text_cell(struct out *o, const char *s, size_t maxw, size_t pad)
{
    size_t w = 0;
    for (const char *p = s ? s : ""; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if ((ch & 0xC0) != 0x80) {
            if (maxw && w == maxw - 1 && dwidth(p) > 1) {
                puts_(o, "\xE2\x80\xA6");
                w++;
                break;
            }
            w++;
        }
        char c = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
        if (o->rc == XA_OK)
            o->rc = xa_buf_putc(&o->b, c);
    }
    for (; w < pad; w++)
        puts_(o, " ");
}

static void render_text(const struct xa_rdoc *d, struct out *o)
{
    text_cell(o, d->title, 0, 0);
    puts_(o, "\n");
    for (size_t i = 0; i < d->nparams; i++) {
        printf_(o, "  %s: ", d->params[i].key);
        text_cell(o, d->params[i].value ? d->params[i].value : "-", 0, 0);
        puts_(o, "\n");
    }
    for (size_t i = 0; i < d->nsummary; i++)
        printf_(o, "  %s: %lld\n", d->summary[i].key, (long long)d->summary[i].num);
    for (size_t si = 0; si < d->nsecs; si++) {
        const struct section *s = &d->secs[si];
        puts_(o, "\n== ");
        text_cell(o, s->title, 0, 0);
        printf_(o, " (%zu)\n", s->nrows);
        if (s->note) {
            text_cell(o, s->note, 0, 0);
            puts_(o, "\n");
        }
        if (!s->nrows) {
            puts_(o, "(none)\n");
            continue;
        }
        size_t *w = calloc(s->ncols, sizeof(size_t));
        if (!w) {
            o->rc = XA_ERR_NOMEM;
            return;
        }
        for (size_t c = 0; c < s->ncols; c++)
            w[c] = dwidth(s->cols[c].label);
        for (size_t r = 0; r < s->nrows; r++)
            for (size_t c = 0; c < s->ncols; c++) {
                size_t x = dwidth(s->cells[r * s->ncols + c]);
                if (x > TEXT_MAXW)
                    x = TEXT_MAXW;
                if (x > w[c])
                    w[c] = x;
            }
        for (size_t c = 0; c < s->ncols; c++)
            text_cell(o, s->cols[c].label, 0, c + 1 < s->ncols ? w[c] + 2 : 0);
        puts_(o, "\n");
        for (size_t r = 0; r < s->nrows; r++) {
            for (size_t c = 0; c < s->ncols; c++) {
                const char *v = s->cells[r * s->ncols + c];
                text_cell(o, v ? v : "-", TEXT_MAXW, c + 1 < s->ncols ? w[c] + 2 : 0);
            }
            puts_(o, "\n");
            flush(o, false);
        }
        free(w);
    }
}

/* ---- CSV ---- */

static void csv_cell(struct out *o, const char *s, bool num)
{
    if (o->rc || !s)
        return;
    /* a spreadsheet must not run a formula from an audit record */
    if (!num && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
                 s[0] == '\r')) {
        struct xa_buf t;
        xa_buf_init(&t, 0);
        o->rc = xa_buf_putc(&t, '\'');
        if (!o->rc)
            o->rc = xa_buf_puts(&t, s);
        if (!o->rc)
            o->rc = xa_buf_csv_field(&o->b, t.data);
        xa_buf_release(&t);
        return;
    }
    o->rc = xa_buf_csv_field(&o->b, s);
}

static void render_csv(const struct xa_rdoc *d, struct out *o)
{
    for (size_t si = 0; si < d->nsecs; si++) {
        const struct section *s = &d->secs[si];
        if (si)
            puts_(o, "\r\n");
        puts_(o, "section");
        for (size_t c = 0; c < s->ncols; c++) {
            puts_(o, ",");
            csv_cell(o, s->cols[c].id, false);
        }
        puts_(o, "\r\n");
        for (size_t r = 0; r < s->nrows; r++) {
            csv_cell(o, s->id, false);
            for (size_t c = 0; c < s->ncols; c++) {
                puts_(o, ",");
                csv_cell(o, s->cells[r * s->ncols + c], s->cols[c].num);
            }
            puts_(o, "\r\n");
            flush(o, false);
        }
    }
}

/* ---- JSON ---- */

static void jstr(struct out *o, const char *s)
{
    if (o->rc == XA_OK)
        o->rc = xa_buf_json_str(&o->b, s, (size_t)-1);
}

static bool is_int(const char *s)
{
    if (!s || !*s)
        return false;
    const char *p = s;
    if (*p == '-')
        p++;
    if (!*p || strlen(p) > 18)
        return false;
    for (; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    return true;
}

static void render_json(const struct xa_rdoc *d, struct out *o)
{
    puts_(o, "{\"report\":");
    jstr(o, d->name);
    puts_(o, ",\"title\":");
    jstr(o, d->title);
    puts_(o, ",\"parameters\":{");
    for (size_t i = 0; i < d->nparams; i++) {
        if (i)
            puts_(o, ",");
        jstr(o, d->params[i].key);
        puts_(o, ":");
        jstr(o, d->params[i].value);
    }
    puts_(o, "},\"summary\":{");
    for (size_t i = 0; i < d->nsummary; i++) {
        if (i)
            puts_(o, ",");
        jstr(o, d->summary[i].key);
        printf_(o, ":%lld", (long long)d->summary[i].num);
    }
    puts_(o, "},\"sections\":[");
    for (size_t si = 0; si < d->nsecs; si++) {
        const struct section *s = &d->secs[si];
        puts_(o, si ? ",\n{\"id\":" : "\n{\"id\":");
        jstr(o, s->id);
        puts_(o, ",\"title\":");
        jstr(o, s->title);
        puts_(o, ",\"rows\":[");
        for (size_t r = 0; r < s->nrows; r++) {
            puts_(o, r ? ",\n{" : "\n{");
            for (size_t c = 0; c < s->ncols; c++) {
                const char *v = s->cells[r * s->ncols + c];
                if (c)
                    puts_(o, ",");
                jstr(o, s->cols[c].id);
                puts_(o, ":");
                if (s->cols[c].num && is_int(v))
                    puts_(o, v);
                else
                    jstr(o, v);
            }
            puts_(o, "}");
            flush(o, false);
        }
        puts_(o, "]}");
    }
    puts_(o, "]}\n");
}

/* ---- HTML ---- */

xa_rc xa_html_escape(struct xa_buf *b, const char *s)
{
    xa_rc rc = XA_OK;
    for (const char *p = s ? s : ""; !rc && *p; p++) {
        unsigned char ch = (unsigned char)*p;
        switch (ch) {
        case '&': rc = xa_buf_puts(b, "&amp;"); break;
        case '<': rc = xa_buf_puts(b, "&lt;"); break;
        case '>': rc = xa_buf_puts(b, "&gt;"); break;
        case '"': rc = xa_buf_puts(b, "&quot;"); break;
        case '\'': rc = xa_buf_puts(b, "&#39;"); break;
        default:
            if ((ch < 0x20 && ch != '\t' && ch != '\n') || ch == 0x7f)
                rc = xa_buf_putc(b, ' ');
            else
                rc = xa_buf_putc(b, (char)ch);
        }
    }
    return rc;
}

static void h(struct out *o, const char *s)
{
    if (o->rc == XA_OK)
        o->rc = xa_html_escape(&o->b, s);
}

static const char css[] =
    "body{font:13px/1.4 system-ui,-apple-system,'Segoe UI',Arial,sans-serif;margin:24px;"
    "color:#1d2330;background:#fff}"
    "h1{font-size:22px;margin:0 0 6px}h2{font-size:16px;margin:28px 0 6px;"
    "border-bottom:2px solid #2c5d8f;padding-bottom:3px}"
    ".meta{color:#555;margin:0 0 4px}.meta b{color:#1d2330}"
    ".note{color:#555;margin:4px 0 8px;max-width:900px}"
    "table{border-collapse:collapse;width:100%;margin:6px 0 10px}"
    "th,td{border:1px solid #d5dae3;padding:3px 6px;text-align:left;vertical-align:top;"
    "word-break:break-word}"
    "th{background:#eef2f7;font-weight:600}tr:nth-child(even) td{background:#fafbfd}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".sum{display:flex;flex-wrap:wrap;gap:8px;margin:10px 0}"
    ".sum div{border:1px solid #d5dae3;border-radius:4px;padding:6px 10px;background:#f6f8fb}"
    ".sum b{display:block;font-size:18px}"
    "svg{display:block;margin:6px 0}svg text{font:11px system-ui,Arial,sans-serif;fill:#1d2330}"
    ".none{color:#777;font-style:italic}"
    "footer{margin-top:30px;color:#777;font-size:11px}"
    "@media print{body{margin:10mm}h2{break-after:avoid}tr{break-inside:avoid}"
    "table{font-size:10px}}";

static double cell_num(const char *s)
{
    return s ? strtod(s, NULL) : 0.0;
}

static void svg_chart(const struct section *s, struct out *o)
{
    size_t n = s->nrows < s->max_items ? s->nrows : s->max_items;
    if (!n)
        return;
    double max = 0;
    for (size_t r = 0; r < n; r++) {
        double v = cell_num(s->cells[r * s->ncols + s->value_col]);
        if (v > max)
            max = v;
    }
    if (max <= 0)
        max = 1;
    puts_(o, "<figure><figcaption>");
    h(o, s->chart_title);
    puts_(o, "</figcaption>");
    if (s->kind == XA_CHART_BARS) {
        const int lw = 300, bw = 520, rh = 18;
        printf_(o, "<svg width=\"%d\" height=\"%zu\" "
                   "role=\"img\">",
                lw + bw + 80, n * rh + 4);
        for (size_t r = 0; r < n; r++) {
            const char *label = s->cells[r * s->ncols + s->label_col];
            const char *val = s->cells[r * s->ncols + s->value_col];
            double v = cell_num(val);
            int w = (int)(v / max * bw);
            if (w < 1 && v > 0)
                w = 1;
            size_t y = r * rh + 2;
            printf_(o, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">", lw - 6, y + 13);
            /* long labels are clipped so they cannot run into the bars */
            char clipped[48];
            const char *lab = label ? label : "-";
            if (strlen(lab) > 44) {
                size_t k = 41;
                while (k > 0 && ((unsigned char)lab[k] & 0xC0) == 0x80)
                    k--;
                memcpy(clipped, lab, k);
                memcpy(clipped + k, "...", 4);
                lab = clipped;
            }
            h(o, lab);
            printf_(o, "</text><rect x=\"%d\" y=\"%zu\" width=\"%d\" height=\"%d\" "
                       "fill=\"#2c5d8f\"/><text x=\"%d\" y=\"%zu\">",
                    lw, y + 2, w, rh - 5, lw + w + 4, y + 13);
            h(o, val ? val : "0");
            puts_(o, "</text>");
        }
        puts_(o, "</svg>");
    } else {
        const int ch = 160, left = 40;
        size_t cw = n > 60 ? 10 : 900 / n > 40 ? 40 : 900 / n;
        size_t width = left + n * cw + 10;
        printf_(o, "<svg width=\"%zu\" height=\"%d\" "
                   "role=\"img\">",
                width, ch + 60);
        printf_(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%zu\" y2=\"%d\" stroke=\"#888\"/>", left,
                ch + 10, width - 5, ch + 10);
        printf_(o, "<text x=\"%d\" y=\"16\" text-anchor=\"end\">%.0f</text>", left - 4, max);
        for (size_t r = 0; r < n; r++) {
            const char *label = s->cells[r * s->ncols + s->label_col];
            double v = cell_num(s->cells[r * s->ncols + s->value_col]);
            int hgt = (int)(v / max * ch);
            size_t x = left + r * cw + 1;
            printf_(o, "<rect x=\"%zu\" y=\"%d\" width=\"%zu\" height=\"%d\" fill=\"#2c5d8f\">"
                       "<title>",
                    x, ch + 10 - hgt, cw > 2 ? cw - 2 : 1, hgt);
            h(o, label);
            printf_(o, ": %.0f</title></rect>", v);
            if (r % (n > 15 ? (n + 14) / 15 : 1) == 0) {
                printf_(o, "<text x=\"%zu\" y=\"%d\" transform=\"rotate(45 %zu %d)\">", x, ch + 24,
                        x, ch + 24);
                h(o, label);
                puts_(o, "</text>");
            }
        }
        puts_(o, "</svg>");
    }
    puts_(o, "</figure>");
}

#define HTML_MAX_ROWS 5000

static void render_html(const struct xa_rdoc *d, struct out *o)
{
    puts_(o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
             "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
             "style-src 'unsafe-inline'; img-src data:\">\n"
             "<meta name=\"referrer\" content=\"no-referrer\">\n"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    h(o, d->title);
    puts_(o, "</title>\n<style>");
    puts_(o, css);
    puts_(o, "</style></head>\n<body>\n<h1>");
    h(o, d->title);
    puts_(o, "</h1>\n");
    for (size_t i = 0; i < d->nparams; i++) {
        puts_(o, "<p class=\"meta\">");
        h(o, d->params[i].key);
        puts_(o, ": <b>");
        h(o, d->params[i].value ? d->params[i].value : "-");
        puts_(o, "</b></p>\n");
    }
    if (d->nsummary) {
        puts_(o, "<div class=\"sum\">");
        for (size_t i = 0; i < d->nsummary; i++) {
            printf_(o, "<div><b>%lld</b>", (long long)d->summary[i].num);
            h(o, d->summary[i].key);
            puts_(o, "</div>");
        }
        puts_(o, "</div>\n");
    }
    for (size_t si = 0; si < d->nsecs; si++) {
        const struct section *s = &d->secs[si];
        puts_(o, "<section><h2 id=\"");
        h(o, s->id);
        puts_(o, "\">");
        h(o, s->title);
        printf_(o, " (%zu)</h2>\n", s->nrows);
        if (s->note) {
            puts_(o, "<p class=\"note\">");
            h(o, s->note);
            puts_(o, "</p>\n");
        }
        if (s->chart)
            svg_chart(s, o);
        if (!s->nrows) {
            puts_(o, "<p class=\"none\">none</p></section>\n");
            continue;
        }
        puts_(o, "<table><thead><tr>");
        for (size_t c = 0; c < s->ncols; c++) {
            puts_(o, "<th>");
            h(o, s->cols[c].label);
            puts_(o, "</th>");
        }
        puts_(o, "</tr></thead><tbody>\n");
        size_t n = s->nrows < HTML_MAX_ROWS ? s->nrows : HTML_MAX_ROWS;
        for (size_t r = 0; r < n; r++) {
            puts_(o, "<tr>");
            for (size_t c = 0; c < s->ncols; c++) {
                puts_(o, s->cols[c].num ? "<td class=\"n\">" : "<td>");
                h(o, s->cells[r * s->ncols + c]);
                puts_(o, "</td>");
            }
            puts_(o, "</tr>\n");
            flush(o, false);
        }
        puts_(o, "</tbody></table>\n");
        if (n < s->nrows)
            printf_(o, "<p class=\"note\">%zu more rows: use --format csv or json for all.</p>\n",
                    s->nrows - n);
        puts_(o, "</section>\n");
    }
    puts_(o, "<footer>exoaudit report ");
    h(o, d->name);
    puts_(o, "</footer>\n</body></html>\n");
}

xa_rc xa_rdoc_render(const struct xa_rdoc *d, enum xa_rfmt fmt, FILE *fp, struct xa_diag *diag)
{
    struct out o = {.fp = fp, .rc = XA_OK};
    xa_buf_init(&o.b, 0);
    switch (fmt) {
    case XA_RFMT_TEXT: render_text(d, &o); break;
    case XA_RFMT_CSV: render_csv(d, &o); break;
    case XA_RFMT_JSON: render_json(d, &o); break;
    case XA_RFMT_HTML: render_html(d, &o); break;
    }
    flush(&o, true);
    if (o.rc == XA_OK && fflush(fp) != 0)
        o.rc = XA_ERR_IO;
    xa_buf_release(&o.b);
    if (o.rc)
        return xa_diag_set(diag, o.rc, "writing the report: %s", xa_rc_str(o.rc));
    return XA_OK;
}
