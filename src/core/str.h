/* str.h - small string helpers (ASCII case folding, wildcards, trimming). */
#ifndef XA_CORE_STR_H
#define XA_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>

/* Case-insensitive (ASCII) equality; NULL equals only NULL. */
bool xa_str_ieq(const char *a, const char *b);
bool xa_str_ieqn(const char *a, size_t alen, const char *b); /* a not NUL-terminated */
bool xa_str_istarts(const char *s, const char *prefix);
bool xa_str_iends(const char *s, const char *suffix);
/* Case-insensitive substring search; returns pointer into hay or NULL. */
const char *xa_str_icontains(const char *hay, const char *needle);
/* Glob match with * and ? (case-insensitive). */
bool xa_str_wildmatch(const char *pattern, const char *s);
bool xa_str_has_wildcard(const char *s);
/* Pointer/length of s without leading and trailing ASCII whitespace. */
void xa_str_trim(const char **s, size_t *len);
/* Lower-case ASCII in place. */
void xa_str_lower(char *s);

#endif
