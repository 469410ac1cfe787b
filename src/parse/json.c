/* json.c - cJSON adapter: the only file that includes cJSON. */
#include "parse/json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* struct xa_json is never defined: pointers are cJSON nodes. */
#define C(v) ((const cJSON *)(const void *)(v))
#define X(v) ((const struct xa_json *)(const void *)(v))

static int depth_ok(const char *t, size_t n, size_t *bad)
{
    /* cJSON limits nesting itself (CJSON_NESTING_LIMIT 1000); we want a lower bound and
     * a position. Strings are skipped so brackets in them do not count. */
    int depth = 0;
    int in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
            continue;
        }
        if (c == '"')
            in_str = 1;
        else if (c == '{' || c == '[') {
            if (++depth > XA_JSON_MAX_DEPTH) {
                *bad = i;
                return 0;
            }
        } else if (c == '}' || c == ']')
            depth--;
    }
    return 1;
}

xa_rc xa_json_parse(const char *text, size_t len, struct xa_json **out, struct xa_diag *diag)
{
    size_t bad = 0;
    if (!depth_ok(text, len, &bad)) {
        xa_diag_pos(diag, NULL, 0, (long long)bad);
        return xa_diag_set(diag, XA_ERR_LIMIT, "JSON nested deeper than %d levels", XA_JSON_MAX_DEPTH);
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) {
        /* cJSON reports the error position through return_parse_end as well as through a
         * process-global pointer; only the former is thread-safe. */
        const char *ep = end;
        long long off = (ep && ep >= text && ep <= text + len) ? (long long)(ep - text) : -1;
        xa_diag_pos(diag, NULL, 0, off);
        return xa_diag_set(diag, XA_ERR_PARSE, "malformed JSON%s", off >= 0 ? "" : " (truncated)");
    }
    /* only whitespace may follow */
    size_t pos = end ? (size_t)(end - text) : len;
    while (pos < len && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\r' ||
                         text[pos] == '\n' || text[pos] == '\0'))
        pos++;
    if (pos < len) {
        cJSON_Delete(root);
        xa_diag_pos(diag, NULL, 0, (long long)pos);
        return xa_diag_set(diag, XA_ERR_PARSE, "unexpected data after the JSON value");
    }
    *out = (struct xa_json *)(void *)root;
    return XA_OK;
}

void xa_json_free(struct xa_json *root)
{
    cJSON_Delete((cJSON *)(void *)root);
}

enum xa_json_type xa_json_type(const struct xa_json *v)
{
    const cJSON *c = C(v);
    if (!c)
        return XA_JSON_INVALID;
    switch (c->type & 0xFF) {
    case cJSON_NULL: return XA_JSON_NULL;
    case cJSON_False: return XA_JSON_FALSE;
    case cJSON_True: return XA_JSON_TRUE;
    case cJSON_Number: return XA_JSON_NUMBER;
    case cJSON_String: return XA_JSON_STRING;
    case cJSON_Array: return XA_JSON_ARRAY;
    case cJSON_Object: return XA_JSON_OBJECT;
    default: return XA_JSON_INVALID;
    }
}

const struct xa_json *xa_json_get(const struct xa_json *v, const char *name)
{
    const cJSON *c = C(v);
    if (!c || !cJSON_IsObject(c))
        return NULL;
    /* exact match first (common case), then case-insensitive */
    for (const cJSON *k = c->child; k; k = k->next)
        if (k->string && strcmp(k->string, name) == 0)
            return X(k);
    for (const cJSON *k = c->child; k; k = k->next)
        if (k->string && strcasecmp(k->string, name) == 0)
            return X(k);
    return NULL;
}

const char *xa_json_str(const struct xa_json *v)
{
    const cJSON *c = C(v);
    return (c && cJSON_IsString(c)) ? c->valuestring : NULL;
}

bool xa_json_num(const struct xa_json *v, double *out)
{
    const cJSON *c = C(v);
    if (!c || !cJSON_IsNumber(c))
        return false;
    *out = c->valuedouble;
    return true;
}

bool xa_json_int(const struct xa_json *v, int64_t *out)
{
    const cJSON *c = C(v);
    if (!c)
        return false;
    if (cJSON_IsNumber(c)) {
        double d = c->valuedouble;
        if (!isfinite(d) || d != floor(d) || d < -9.2e18 || d > 9.2e18)
            return false;
        *out = (int64_t)d;
        return true;
    }
    if (cJSON_IsString(c) && c->valuestring[0]) {
        char *end;
        long long x = strtoll(c->valuestring, &end, 10);
        if (*end)
            return false;
        *out = x;
        return true;
    }
    return false;
}

bool xa_json_bool(const struct xa_json *v, bool *out)
{
    const cJSON *c = C(v);
    if (!c)
        return false;
    if (cJSON_IsBool(c)) {
        *out = cJSON_IsTrue(c);
        return true;
    }
    if (cJSON_IsString(c)) {
        if (strcasecmp(c->valuestring, "true") == 0) {
            *out = true;
            return true;
        }
        if (strcasecmp(c->valuestring, "false") == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

const struct xa_json *xa_json_child(const struct xa_json *v)
{
    const cJSON *c = C(v);
    return (c && (cJSON_IsArray(c) || cJSON_IsObject(c))) ? X(c->child) : NULL;
}

const struct xa_json *xa_json_next(const struct xa_json *v)
{
    const cJSON *c = C(v);
    return c ? X(c->next) : NULL;
}

size_t xa_json_count(const struct xa_json *v)
{
    size_t n = 0;
    for (const struct xa_json *k = xa_json_child(v); k; k = xa_json_next(k))
        n++;
    return n;
}

const char *xa_json_name(const struct xa_json *v)
{
    const cJSON *c = C(v);
    return c ? c->string : NULL;
}

char *xa_json_print(const struct xa_json *v)
{
    return v ? cJSON_PrintUnformatted(C(v)) : NULL;
}
