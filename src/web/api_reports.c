/* api_reports.c - the reports of src/report over the API (JSON, CSV, HTML, text). */
#include "core/xtime.h"
#include "web/web_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if __has_include("report/report.h")
#include "report/report.h"
#define HAVE_REPORTS 1
#endif

#ifdef HAVE_REPORTS
void xa_api_reports_list(struct xa_web_call *c)
{
    xa_web_json_begin(c, 200);
    struct xa_buf *b = &c->resp->body;
    xa_buf_puts(b, "{\"reports\":[");
    for (size_t i = 0; xa_reports[i].name; i++) {
        xa_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
        xa_buf_json_str(b, xa_reports[i].name, (size_t)-1);
        xa_buf_puts(b, ",\"title\":");
        xa_buf_json_str(b, xa_reports[i].title, (size_t)-1);
        xa_buf_puts(b, ",\"summary\":");
        xa_buf_json_str(b, xa_reports[i].summary, (size_t)-1);
        xa_buf_puts(b, "}");
    }
    xa_buf_puts(b, "]}");
}

void xa_api_report_run(struct xa_web_call *c)
{
    const struct xa_report_def *def = NULL;
    for (size_t i = 0; xa_reports[i].name; i++)
        if (strcmp(xa_reports[i].name, c->seg[0]) == 0)
            def = &xa_reports[i];
    if (!def) {
        xa_web_error(c, 404, "not_found", "no such report");
        return;
    }
    xa_web_audit_param(c, "Report", def->name);
    const char *fs = xa_web_arg(c->req, "format");
    int fmt = fs ? xa_rfmt_parse(fs) : XA_RFMT_JSON;
    if (fmt < 0) {
        xa_web_error(c, 400, "bad_parameter", "parameter format: expected json, csv, html or text");
        return;
    }
    struct xa_web_filters *f = xa_web_filters_new();
    if (!f) {
        xa_web_error(c, 500, "internal", "out of memory");
        return;
    }
    struct xa_report_opts o;
    memset(&o, 0, sizeof(o));
    o.snapshot_at = XA_TIME_NONE;
    o.at = XA_TIME_NONE;
    if (!xa_web_parse_query(c, f, &o.q))
        goto out;
    if (!(o.st = xa_web_store(c)))
        goto out;
    struct xa_rdoc *doc = NULL;
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = xa_report_build(def, &o, &doc, &d);
    if (rc) {
        xa_web_rc_error(c, rc, &d);
        goto out;
    }
    char *mem = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&mem, &len);
    rc = fp ? xa_rdoc_render(doc, (enum xa_rfmt)fmt, fp, &d) : XA_ERR_NOMEM;
    if (fp)
        fclose(fp);
    xa_rdoc_free(doc);
    if (rc) {
        free(mem);
        xa_web_rc_error(c, rc, &d);
        goto out;
    }
    static const char *const ctypes[] = {"text/plain; charset=utf-8", "text/csv; charset=utf-8",
                                         "application/json; charset=utf-8",
                                         "text/html; charset=utf-8"};
    static const char *const exts[] = {"txt", "csv", "json", "html"};
    c->resp->status = 200;
    c->resp->ctype = ctypes[fmt];
    xa_buf_reset(&c->resp->body);
    if (xa_buf_append(&c->resp->body, mem ? mem : "", len)) {
        free(mem);
        xa_web_error(c, 500, "internal", "out of memory");
        goto out;
    }
    free(mem);
    const char *dl = xa_web_arg(c->req, "download");
    if (dl && strcmp(dl, "1") == 0) {
        char cd[128];
        snprintf(cd, sizeof(cd), "attachment; filename=\"exoaudit-%s.%s\"", def->name, exts[fmt]);
        xa_web_add_header(c->resp, "Content-Disposition", cd);
    }
    if (fmt == XA_RFMT_HTML) /* the report page carries its own inline styles and SVG */
        xa_web_add_header(c->resp, "Content-Security-Policy",
                          "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                          "frame-ancestors 'none'; sandbox");
out:
    xa_web_filters_free(f);
}
#else
void xa_api_reports_list(struct xa_web_call *c)
{
    xa_web_not_available(c, "reports (src/report/report.h)");
}
void xa_api_report_run(struct xa_web_call *c)
{
    xa_web_not_available(c, "reports (src/report/report.h)");
}
#endif

void xa_api_posture(struct xa_web_call *c)
{
    /* posture is computed from exported tenant settings (files given to `exoaudit posture`),
     * not from the archive; the console has no upload of those yet */
    xa_web_not_available(c, "posture over the API (run `exoaudit posture` with the exported "
                            "settings; no stored posture result in the archive yet)");
}
