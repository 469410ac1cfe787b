/* xml.h - the only door to the XML library (expat), hardened: no DTD (a DOCTYPE is
 * refused), no entity declarations, no external entities, amplification bounded.
 *
 * Two uses:
 *   - xa_xml_reader streams a document (or a root-less sequence of elements, as written
 *     by `wevtutil qe /f:xml` without /e) and returns every element with a given name
 *     that is not nested in another such element, as a small tree plus its exact bytes.
 *     A malformed record is reported with its position and the reader resynchronises at
 *     the next record; memory is bounded by max_record and a read chunk.
 *   - xa_xml_parse parses one document held in memory into a tree (EVTX renderings).
 * Element and attribute names are local names (a namespace prefix is dropped).
 * Not thread-safe per reader; distinct readers may run in distinct threads. */
#ifndef XA_PARSE_XML_H
#define XA_PARSE_XML_H

#include "core/arena.h"
#include "core/rc.h"
#include "parse/input.h"
#include "parse/utf.h"

#include <stddef.h>

struct xa_xml_attr {
    const char *name;
    const char *value;
};

struct xa_xml_node {
    const char *name;              /* local name */
    const struct xa_xml_attr *attrs;
    size_t n_attrs;
    const char *text;              /* character data directly inside ("" when none) */
    size_t text_len;
    struct xa_xml_node *child;     /* first child element */
    struct xa_xml_node *next;      /* next sibling element */
};

struct xa_xml_rec {
    const struct xa_xml_node *root; /* the record element; NULL when bad */
    const char *raw;                /* the element's bytes (UTF-8); a sample when bad */
    size_t raw_len;
    size_t total;                   /* full size of the bad input */
    long long offset;               /* byte offset of the element in the (UTF-8) text */
    long long line;                 /* 1-based line */
    const char *reason;             /* NULL when good */
};

struct xa_xml_reader;

/* Stream records named record_name (local name, e.g. "Event") from in (not owned).
 * max_record: largest element accepted (bytes). */
xa_rc xa_xml_reader_new(struct xa_input *in, const char *record_name, size_t max_record,
                        struct xa_xml_reader **out, struct xa_diag *diag);
void xa_xml_reader_free(struct xa_xml_reader *r);
/* Next record; pointers valid until the next call. XA_ERR_EOF at the end. */
xa_rc xa_xml_next(struct xa_xml_reader *r, struct xa_xml_rec *rec, struct xa_diag *diag);
/* Local name of the first element of the document (e.g. "SearchResults", "Events"),
 * "" before one was seen. */
const char *xa_xml_root_name(const struct xa_xml_reader *r);
enum xa_utf_enc xa_xml_encoding(const struct xa_xml_reader *r);

/* Parse the document s[0..n) (UTF-8, max bytes at most) into a tree allocated in a.
 * XA_ERR_PARSE with the expat message and line on malformed XML, a DOCTYPE, entities. */
xa_rc xa_xml_parse(const char *s, size_t n, struct xa_arena *a, const struct xa_xml_node **root,
                   struct xa_diag *diag);

/* Attribute value by name (case-insensitive), NULL when absent. */
const char *xa_xml_attr(const struct xa_xml_node *n, const char *name);
/* First child element by local name (case-insensitive), NULL when absent. */
const struct xa_xml_node *xa_xml_child(const struct xa_xml_node *n, const char *name);

#endif
