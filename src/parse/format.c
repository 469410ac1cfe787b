#include "parse/format.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* The registry. Add new formats here (and a probe that scores them). */
static const struct xa_format_ops *const formats[] = {
    &xa_format_json,
    &xa_format_export_json,
    &xa_format_csv,
    &xa_format_xml,
    &xa_format_evtx,
    NULL,
};

const struct xa_format_ops *const *xa_formats(void) { return formats; }

const struct xa_format_ops *xa_format_find(const char *name)
{
    for (size_t i = 0; formats[i]; i++)
        if (strcmp(formats[i]->name, name) == 0)
            return formats[i];
    return NULL;
}

xa_rc xa_format_detect(struct xa_input *in, const struct xa_format_ops **out, struct xa_diag *diag)
{
    const unsigned char *head;
    size_t n;
    xa_rc rc = xa_input_peek(in, &head, &n, diag);
    if (rc)
        return rc;
    int best = 0;
    const struct xa_format_ops *pick = NULL;
    for (size_t i = 0; formats[i]; i++) {
        int s = formats[i]->probe(head, n, xa_input_path(in));
        if (s > best) {
            best = s;
            pick = formats[i];
        }
    }
    if (!pick) {
        char seen[40] = "";
        size_t k = 0;
        for (size_t i = 0; i < n && k < 24; i++)
            seen[k++] = isprint(head[i]) ? (char)head[i] : '.';
        seen[k] = '\0';
        if (n == 0)
            return xa_diag_set(diag, XA_ERR_UNSUPPORTED, "%s: empty input", xa_input_name(in));
        return xa_diag_set(diag, XA_ERR_UNSUPPORTED,
                           "%s: not a format exoaudit reads (starts with \"%s\"); see 'exoaudit import --help'",
                           xa_input_name(in), seen);
    }
    *out = pick;
    return XA_OK;
}
