#include "core/str.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

bool xa_str_ieq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcasecmp(a, b) == 0;
}

bool xa_str_ieqn(const char *a, size_t alen, const char *b)
{
    size_t bl = strlen(b);
    return bl == alen && strncasecmp(a, b, alen) == 0;
}

bool xa_str_istarts(const char *s, const char *prefix)
{
    return s && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

bool xa_str_iends(const char *s, const char *suffix)
{
    if (!s)
        return false;
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

const char *xa_str_icontains(const char *hay, const char *needle)
{
    if (!hay || !needle)
        return NULL;
    size_t m = strlen(needle);
    if (m == 0)
        return hay;
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, m) == 0)
            return p;
    return NULL;
}

bool xa_str_wildmatch(const char *p, const char *s)
{
    const char *star = NULL, *ss = NULL;
    while (*s) {
        if (*p == '?' || (*p && *p != '*' && tolower((unsigned char)*p) == tolower((unsigned char)*s))) {
            p++;
            s++;
        } else if (*p == '*') {
            star = p++;
            ss = s;
        } else if (star) {
            p = star + 1;
            s = ++ss;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

bool xa_str_has_wildcard(const char *s)
{
    return s && strpbrk(s, "*?") != NULL;
}

void xa_str_trim(const char **s, size_t *len)
{
    const char *p = *s;
    size_t n = *len;
    while (n && isspace((unsigned char)*p)) {
        p++;
        n--;
    }
    while (n && isspace((unsigned char)p[n - 1]))
        n--;
    *s = p;
    *len = n;
}

void xa_str_lower(char *s)
{
    for (; s && *s; s++)
        *s = (char)tolower((unsigned char)*s);
}
