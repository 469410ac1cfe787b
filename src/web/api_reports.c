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

#if __has_include("report/posture.h")
#include "report/posture.h"
#include "parse/json.h"

#include <fcntl.h>
#include <unistd.h>

#define POSTURE_MAX_FILES 16

/* GET /posture: the result of the last evaluation of this server (memory only). */
void xa_api_posture_last(struct xa_web_call *c)
{
    struct xa_web_app *a = c->app;
    pthread_mutex_lock(&a->mu);
    if (!a->posture_last.len) {
        pthread_mutex_unlock(&a->mu);
        xa_web_error(c, 404, "not_found",
                     "no posture evaluated yet: POST the exported settings to /posture");
        return;
    }
    xa_web_json_begin(c, 200);
    xa_rc rc = xa_buf_append(&c->resp->body, a->posture_last.data, a->posture_last.len);
    pthread_mutex_unlock(&a->mu);
    if (rc)
        xa_web_error(c, 500, "internal", "out of memory");
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* POST /posture {"files":[{"name":"…","content":"…"}, …]}: the exports of
 * Get-AdminAuditLogConfig, Get-OrganizationConfig, Get-Mailbox, ... (JSON or CSV text,
 * together at most the request body limit). The contents go to private temporary files
 * (names chosen here, never by the client), are evaluated and removed. */
void xa_api_posture(struct xa_web_call *c)
{
    struct xa_json *root = xa_web_body_json(c);
    if (!root)
        return;
    const struct xa_json *files = xa_json_get(root, "files");
    size_t n = xa_json_count(files);
    char tmpl[] = "/tmp/exoaudit-posture-XXXXXX";
    char paths[POSTURE_MAX_FILES][64];
    const char *pp[POSTURE_MAX_FILES];
    size_t nw = 0;
    bool dir_made = false;
    struct xa_posture *p = NULL;
    if (xa_json_type(files) != XA_JSON_ARRAY || n == 0 || n > POSTURE_MAX_FILES) {
        xa_web_error(c, 400, "bad_request",
                     "send {\"files\":[{\"name\":…,\"content\":…}]} with 1 to %d files",
                     POSTURE_MAX_FILES);
        goto out;
    }
    const char *tmpdir = getenv("TMPDIR");
    char tbuf[512];
    if (tmpdir && *tmpdir && strlen(tmpdir) < 400) {
        snprintf(tbuf, sizeof(tbuf), "%s/exoaudit-posture-XXXXXX", tmpdir);
    } else {
        snprintf(tbuf, sizeof(tbuf), "%s", tmpl);
    }
    if (!mkdtemp(tbuf)) {
        xa_web_error(c, 500, "internal", "cannot create a temporary directory");
        goto out;
    }
    dir_made = true;
    xa_web_json_begin(c, 200);
    struct xa_buf *b = &c->resp->body;
    xa_buf_puts(b, "{\"files\":[");
    for (const struct xa_json *f = xa_json_child(files); f; f = xa_json_next(f), nw++) {
        const char *name = xa_json_str(xa_json_get(f, "name"));
        const char *content = xa_json_str(xa_json_get(f, "content"));
        if (!content) {
            xa_web_error(c, 400, "bad_request", "file %zu has no content", nw + 1);
            goto out;
        }
        snprintf(paths[nw], sizeof(paths[nw]), "f%zu", nw);
        char full[600];
        snprintf(full, sizeof(full), "%s/%s", tbuf, paths[nw]);
        int fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        bool ok = fd >= 0 && write_all(fd, content, strlen(content));
        if (fd >= 0)
            close(fd);
        if (!ok) {
            unlink(full);
            xa_web_error(c, 500, "internal", "cannot stage the upload");
            goto out;
        }
        snprintf(paths[nw], sizeof(paths[nw]), "%.63s", full + strlen(tbuf) + 1);
        if (nw)
            xa_buf_putc(b, ',');
        xa_buf_json_str(b, name ? name : "", 200);
    }
    /* absolute paths for the evaluation */
    char full[POSTURE_MAX_FILES][600];
    for (size_t i = 0; i < nw; i++) {
        snprintf(full[i], sizeof(full[i]), "%.511s/%.63s", tbuf, paths[i]);
        pp[i] = full[i];
    }
    struct xa_posture_opts po = {.as_of = XA_TIME_NONE};
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = xa_posture_eval(pp, nw, &po, &p, &d);
    if (rc) {
        /* name the upload, not the temporary file */
        xa_web_error(c, 400, "bad_request", "the exported settings cannot be read (%s)",
                     xa_rc_str(rc));
        goto out;
    }
    char tb[32];
    xa_buf_puts(b, "],\"evaluated_at\":");
    xa_buf_json_str(b, xa_time_format(xa_time_now(), tb), (size_t)-1);
    xa_buf_printf(b, ",\"evaluated_by\":");
    xa_buf_json_str(b, c->user, (size_t)-1);
    xa_buf_puts(b, ",\"findings\":[");
    size_t nf = xa_posture_count(p);
    for (size_t i = 0; i < nf; i++) {
        const struct xa_finding *x = xa_posture_finding(p, i);
        xa_buf_puts(b, i ? ",{\"severity\":" : "{\"severity\":");
        xa_buf_json_str(b, xa_severity_name(x->severity), (size_t)-1);
        xa_buf_puts(b, ",\"id\":");
        xa_buf_json_str(b, x->id, (size_t)-1);
        xa_buf_puts(b, ",\"object\":");
        xa_buf_json_str(b, x->object, (size_t)-1);
        xa_buf_puts(b, ",\"setting\":");
        xa_buf_json_str(b, x->setting, (size_t)-1);
        xa_buf_puts(b, ",\"value\":");
        xa_buf_json_str(b, x->value, (size_t)-1);
        xa_buf_puts(b, ",\"explanation\":");
        xa_buf_json_str(b, x->explanation, (size_t)-1);
        xa_buf_puts(b, ",\"remediation\":");
        xa_buf_json_str(b, x->remediation, (size_t)-1);
        xa_buf_putc(b, '}');
    }
    char *mem = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&mem, &len);
    rc = fp ? xa_posture_script(p, fp, &d) : XA_ERR_NOMEM;
    if (fp)
        fclose(fp);
    xa_buf_printf(b, "],\"count\":%zu,\"script\":", nf);
    xa_buf_json_str(b, rc ? NULL : mem, rc ? (size_t)-1 : len);
    xa_buf_puts(b, "}");
    free(mem);
    char nfs[32];
    snprintf(nfs, sizeof(nfs), "%zu", nf);
    xa_web_audit_param(c, "Findings", nfs);
    pthread_mutex_lock(&c->app->mu);
    xa_buf_reset(&c->app->posture_last);
    xa_buf_append(&c->app->posture_last, b->data, b->len);
    pthread_mutex_unlock(&c->app->mu);
out:
    xa_posture_free(p);
    if (dir_made) {
        for (size_t i = 0; i < nw + 1 && i < POSTURE_MAX_FILES; i++) {
            char f[600];
            snprintf(f, sizeof(f), "%s/f%zu", tbuf, i);
            unlink(f);
        }
        rmdir(tbuf);
    }
    xa_json_free(root);
}
#else
void xa_api_posture(struct xa_web_call *c)
{
    xa_web_not_available(c, "posture (src/report/posture.h)");
}
void xa_api_posture_last(struct xa_web_call *c)
{
    xa_web_not_available(c, "posture (src/report/posture.h)");
}
#endif
