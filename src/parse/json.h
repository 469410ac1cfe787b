/* json.h - the only door to the JSON library (cJSON). A parsed JSON value tree.
 *
 * Values are owned by the root returned from xa_json_parse and freed with
 * xa_json_free(root). Member look-up is case-insensitive (some tools re-emit
 * records with lower-case keys). Not thread-safe per tree; distinct trees may be
 * used from distinct threads. */
#ifndef XA_PARSE_JSON_H
#define XA_PARSE_JSON_H

#include "core/rc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xa_json; /* opaque: a JSON value */

enum xa_json_type {
    XA_JSON_INVALID = 0,
    XA_JSON_NULL,
    XA_JSON_FALSE,
    XA_JSON_TRUE,
    XA_JSON_NUMBER,
    XA_JSON_STRING,
    XA_JSON_ARRAY,
    XA_JSON_OBJECT
};

#define XA_JSON_MAX_DEPTH 64

/* Parse exactly one JSON value from text[0..len). Trailing whitespace is allowed,
 * anything else after the value is an error. Nesting deeper than XA_JSON_MAX_DEPTH
 * is an error. On failure diag->offset is the byte offset of the error within text. */
xa_rc xa_json_parse(const char *text, size_t len, struct xa_json **out, struct xa_diag *diag);
void xa_json_free(struct xa_json *root);

enum xa_json_type xa_json_type(const struct xa_json *v); /* NULL -> XA_JSON_INVALID */
/* Object member by name, case-insensitive; NULL when v is not an object or lacks it. */
const struct xa_json *xa_json_get(const struct xa_json *v, const char *name);
/* String value or NULL when v is not a string. */
const char *xa_json_str(const struct xa_json *v);
/* Number value; false when v is not a number. */
bool xa_json_num(const struct xa_json *v, double *out);
/* Integer: a number, or a string holding a decimal integer. */
bool xa_json_int(const struct xa_json *v, int64_t *out);
/* Boolean: true/false, or strings "True"/"False" (any case). */
bool xa_json_bool(const struct xa_json *v, bool *out);
/* Children of an array or object, in order: first child, then next sibling. */
const struct xa_json *xa_json_child(const struct xa_json *v);
const struct xa_json *xa_json_next(const struct xa_json *v);
size_t xa_json_count(const struct xa_json *v);
/* Member name of an object child, NULL otherwise. */
const char *xa_json_name(const struct xa_json *v);
/* Serialise v compactly into a malloc'd string (caller frees with free()). NULL on failure. */
char *xa_json_print(const struct xa_json *v);

#endif
