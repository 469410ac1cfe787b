/* psparams.c - PowerShell-syntax parameter string -> name/value pairs (see psparams.h). */
#include "norm/psparams.h"

#include "core/str.h"

#include <ctype.h>
#include <string.h>

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_name_start(char c)
{
    return isalpha((unsigned char)c) || c == '_';
}

static int is_name_char(char c)
{
    return c && !is_ws(c) && c != ':' && c != '"' && c != '\'' && c != ',';
}

/* Does a parameter (or the end of the string) start at s[i] after optional blanks? */
static int param_or_end(const char *s, size_t i)
{
    while (is_ws(s[i]))
        i++;
    return s[i] == '\0' || (s[i] == '-' && is_name_start(s[i + 1]));
}

/* The `"` at s[i] would close the string: what follows is the end, a comma or a blank
 * followed by another parameter or the end. */
static int closes_value(const char *s, size_t i)
{
    char c = s[i + 1];
    return c == '\0' || c == ',' || (is_ws(c) && param_or_end(s, i + 1));
}

/* Scan one value (with comma continuation) starting at s[i]. When dst is not NULL the
 * unescaped text is written there. Returns the index after the value; *len receives the
 * unescaped length. Called twice: once to measure, once to copy. */
static size_t scan_value(const char *s, size_t i, char *dst, size_t *len)
{
    size_t k = 0;
#define EMIT(ch)                                                                                   \
    do {                                                                                           \
        if (dst)                                                                                   \
            dst[k] = (ch);                                                                         \
        k++;                                                                                       \
    } while (0)
    for (;;) {
        if (s[i] == '"') {
            i++;
            while (s[i]) {
                char c = s[i];
                if (c == '`' && s[i + 1]) {
                    EMIT(s[i + 1]);
                    i += 2;
                } else if (c == '"' && s[i + 1] == '"') {
                    EMIT('"');
                    i += 2;
                } else if (c == '\\' && s[i + 1] == '"' && !closes_value(s, i + 1)) {
                    EMIT('"');
                    i += 2;
                } else if (c == '"') {
                    i++;
                    break;
                } else {
                    EMIT(c);
                    i++;
                }
            }
        } else if (s[i] == '\'') {
            i++;
            while (s[i]) {
                if (s[i] == '\'' && s[i + 1] == '\'') {
                    EMIT('\'');
                    i += 2;
                } else if (s[i] == '\'') {
                    i++;
                    break;
                } else {
                    EMIT(s[i]);
                    i++;
                }
            }
        } else {
            while (s[i] && !is_ws(s[i]) && s[i] != ',') {
                EMIT(s[i]);
                i++;
            }
        }
        /* value list: "a","b" or a, b */
        size_t j = i;
        while (is_ws(s[j]))
            j++;
        if (s[j] != ',')
            break;
        EMIT(',');
        i = j + 1;
        while (is_ws(s[i]))
            i++;
    }
#undef EMIT
    *len = k;
    return i;
}

/* Skip a token that is not a parameter (positional value or junk). */
static size_t skip_token(const char *s, size_t i)
{
    size_t len;
    if (s[i] == '"' || s[i] == '\'')
        return scan_value(s, i, NULL, &len);
    while (s[i] && !is_ws(s[i]))
        i++;
    return i;
}

xa_rc xa_norm_ps_params(const char *s, struct xa_arena *a, const struct xa_kv **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!s)
        return XA_OK;
    size_t cap = 0;
    for (const char *p = s; *p; p++)
        if (*p == '-')
            cap++;
    if (cap == 0)
        return XA_OK;
    struct xa_kv *kv = xa_arena_alloc(a, cap * sizeof(*kv));
    if (!kv)
        return XA_ERR_NOMEM;
    size_t cnt = 0;
    size_t i = 0;
    while (s[i]) {
        while (is_ws(s[i]))
            i++;
        if (!s[i])
            break;
        if (!(s[i] == '-' && is_name_start(s[i + 1]))) {
            i = skip_token(s, i);
            continue;
        }
        size_t ns = i + 1, ne = ns;
        while (is_name_char(s[ne]))
            ne++;
        char *name = xa_arena_strndup(a, s + ns, ne - ns);
        if (!name)
            return XA_ERR_NOMEM;
        size_t j = ne;
        int colon = s[j] == ':';
        if (colon)
            j++;
        const char *value;
        if (colon ? (s[j] == '\0' || is_ws(s[j])) : param_or_end(s, j)) {
            value = "True"; /* switch parameter */
            i = j;
        } else {
            while (is_ws(s[j]))
                j++;
            size_t len;
            scan_value(s, j, NULL, &len);
            char *v = xa_arena_alloc(a, len + 1);
            if (!v)
                return XA_ERR_NOMEM;
            i = scan_value(s, j, v, &len);
            v[len] = '\0';
            if (s[j] != '"' && s[j] != '\'' && xa_str_ieq(v, "$true"))
                value = "True";
            else if (s[j] != '"' && s[j] != '\'' && xa_str_ieq(v, "$false"))
                value = "False";
            else
                value = v;
        }
        if (cnt < cap) {
            kv[cnt].name = name;
            kv[cnt].value = value;
            cnt++;
        }
    }
    *out = cnt ? kv : NULL;
    *n = cnt;
    return XA_OK;
}
