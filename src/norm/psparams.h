/* psparams.h - PowerShell-syntax parameter strings of Exchange admin records.
 *
 * Some exports carry Parameters as one string instead of a Name/Value list (reference
 * 2.1, Elastic fixture str-params.log), e.g. `-Identity "jdoe" -Force -Name:'It''s'`. */
#ifndef XA_NORM_PSPARAMS_H
#define XA_NORM_PSPARAMS_H

#include "core/arena.h"
#include "core/rc.h"
#include "event/event.h"

#include <stddef.h>

/* Split s into name/value pairs, in order. Grammar (lenient, never fails on garbage):
 *   -Name value | -Name "quoted" | -Name 'quoted' | -Name:value | -Switch (value "True")
 * Double-quoted values understand "" , `" and \" as an embedded quote (a backslash just
 * before the closing quote that ends the value is kept literally, e.g. "jdoe:\");
 * single-quoted values understand ''. A comma continues a value list ("a","b" -> a,b).
 * Unquoted $true/$false become "True"/"False" like the Name/Value form. Tokens that are
 * not parameters (positional values, junk) are skipped. Names and values are copied
 * into a (switch and $true/$false values are the static strings "True"/"False"); *out
 * is an arena array of *n pairs (*out NULL when *n is 0).
 * Returns XA_OK, or XA_ERR_NOMEM when the arena is exhausted. Thread-safe. */
xa_rc xa_norm_ps_params(const char *s, struct xa_arena *a, const struct xa_kv **out, size_t *n);

#endif
