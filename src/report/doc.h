/* doc.h - a report document (title, parameters, sections of tables with optional
 * charts) and its renderings: text, CSV, JSON and one self-contained HTML page with
 * inline SVG charts.
 *
 * Every string put into a document is copied into the document's arena and treated
 * as untrusted: the renderers escape it for their format (HTML entities, JSON
 * escapes, CSV quoting with formula-injection protection, control characters
 * replaced in text). The HTML page carries a strict Content-Security-Policy and
 * references nothing outside itself. Not thread-safe per document. */
#ifndef XA_REPORT_DOC_H
#define XA_REPORT_DOC_H

#include "core/arena.h"
#include "core/rc.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum xa_rfmt { XA_RFMT_TEXT = 0, XA_RFMT_CSV, XA_RFMT_JSON, XA_RFMT_HTML };

enum xa_rchart {
    XA_CHART_BARS = 0, /* horizontal bars, one per row (largest first as given) */
    XA_CHART_COLUMNS   /* vertical columns in row order (a time series) */
};

/* Cell severities for highlighting (HTML class, JSON unaffected). */
struct xa_rdoc;

/* Parse "text", "csv", "json", "html"; -1 when unknown. */
int xa_rfmt_parse(const char *s);

/* New empty document; name is the machine name ("permissions"), title for people. */
struct xa_rdoc *xa_rdoc_new(const char *name, const char *title);
void xa_rdoc_free(struct xa_rdoc *d);
/* The document's arena (for strings built by a report; freed with the document). */
struct xa_arena *xa_rdoc_arena(struct xa_rdoc *d);

/* Add a parameter shown in the header (and in JSON "parameters"); value NULL -> null. */
xa_rc xa_rdoc_param(struct xa_rdoc *d, const char *key, const char *value);
/* Add a summary line: a key and a number (JSON "summary"). */
xa_rc xa_rdoc_summary(struct xa_rdoc *d, const char *key, int64_t value);

/* Add a section. cols are "id:Label" (text) or "#id:Label" (numeric: JSON number).
 * note may be NULL. Returns the section index (>= 0) or -1 on allocation failure. */
int xa_rdoc_section(struct xa_rdoc *d, const char *id, const char *title, const char *note,
                    const char *const *cols, size_t ncols);
/* Append a row of ncols cells (NULL = empty / JSON null). Cells are copied. */
xa_rc xa_rdoc_row(struct xa_rdoc *d, int sec, const char *const *cells);
/* Number of rows of a section. */
size_t xa_rdoc_rows(const struct xa_rdoc *d, int sec);
/* Cell of a row (for tests and post-processing), NULL when out of range or empty. */
const char *xa_rdoc_cell(const struct xa_rdoc *d, int sec, size_t row, size_t col);
/* Attach a chart to a section: labels from label_col, values (numeric) from value_col,
 * at most max_items rows (0 = 40). Drawn in HTML only. */
xa_rc xa_rdoc_chart(struct xa_rdoc *d, int sec, enum xa_rchart kind, const char *title,
                    size_t label_col, size_t value_col, size_t max_items);

/* Render d to fp. XA_ERR_IO when writing fails. */
xa_rc xa_rdoc_render(const struct xa_rdoc *d, enum xa_rfmt fmt, FILE *fp, struct xa_diag *diag);

/* Escape s for HTML text and attribute values into out (& < > " ' and control
 * characters except tab/newline). For tests and other renderers. */
struct xa_buf;
xa_rc xa_html_escape(struct xa_buf *out, const char *s);

#endif
