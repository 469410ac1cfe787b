/* yaml.c - libyaml event stream -> struct xa_ynode trees (see yaml.h). */
#include "rules/yaml.h"

#include <yaml.h>

#include <stdlib.h>
#include <string.h>

struct bld {
    struct xa_arena *a;
    const char *name;
    size_t nodes;
    struct xa_diag *d;
    /* growable child lists per open container */
    struct frame {
        struct xa_ynode *node;
        struct xa_ynode **kids;
        size_t n, cap;
    } stack[XA_YAML_MAX_DEPTH + 1];
    int depth;
};

static xa_rc err(struct bld *b, long line, const char *what)
{
    xa_diag_set(b->d, XA_ERR_PARSE, "%s:%ld: %s", b->name, line, what);
    xa_diag_pos(b->d, b->name, line, -1);
    return XA_ERR_PARSE;
}

static xa_rc add_kid(struct bld *b, struct xa_ynode *n)
{
    struct frame *f = &b->stack[b->depth];
    if (f->n == f->cap) {
        size_t nc = f->cap ? f->cap * 2 : 8;
        struct xa_ynode **k = realloc(f->kids, nc * sizeof(*k));
        if (!k)
            return XA_ERR_NOMEM;
        f->kids = k;
        f->cap = nc;
    }
    f->kids[f->n++] = n;
    return XA_OK;
}

static struct xa_ynode *new_node(struct bld *b, enum xa_ynode_kind k, long line)
{
    if (++b->nodes > XA_YAML_MAX_NODES)
        return NULL;
    struct xa_ynode *n = xa_arena_zalloc(b->a, sizeof(*n));
    if (n) {
        n->kind = k;
        n->line = line;
    }
    return n;
}

static xa_rc close_frame(struct bld *b)
{
    struct frame *f = &b->stack[b->depth];
    struct xa_ynode *n = f->node;
    if (f->n) {
        n->kids = xa_arena_alloc(b->a, f->n * sizeof(*n->kids));
        if (!n->kids)
            return XA_ERR_NOMEM;
        memcpy(n->kids, f->kids, f->n * sizeof(*n->kids));
    }
    n->n = f->n;
    free(f->kids);
    memset(f, 0, sizeof(*f));
    b->depth--;
    return XA_OK;
}

xa_rc xa_yaml_parse(const char *name, const char *text, size_t len, struct xa_arena *a,
                    struct xa_ydoc *out, struct xa_diag *diag)
{
    if (len > XA_YAML_MAX_TEXT)
        return xa_diag_set(diag, XA_ERR_LIMIT, "%s: rule file larger than %u bytes", name,
                           XA_YAML_MAX_TEXT);
    struct bld b;
    memset(&b, 0, sizeof(b));
    b.a = a;
    b.name = name ? name : "<rules>";
    b.d = diag;
    b.depth = -1;
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return XA_ERR_NOMEM;
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    struct xa_ynode **roots = NULL;
    size_t nroots = 0;
    xa_rc rc = XA_OK;
    bool done = false;
    while (!done && !rc) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            char m[200];
            snprintf(m, sizeof(m), "invalid YAML: %s", p.problem ? p.problem : "error");
            rc = err(&b, (long)p.problem_mark.line + 1, m);
            break;
        }
        long line = (long)ev.start_mark.line + 1;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT: done = true; break;
        case YAML_ALIAS_EVENT: rc = err(&b, line, "YAML aliases are not allowed in rules"); break;
        case YAML_SCALAR_EVENT:
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
            const unsigned char *anchor = ev.type == YAML_SCALAR_EVENT ? ev.data.scalar.anchor
                                          : ev.type == YAML_SEQUENCE_START_EVENT
                                              ? ev.data.sequence_start.anchor
                                              : ev.data.mapping_start.anchor;
            if (anchor) {
                rc = err(&b, line, "YAML anchors are not allowed in rules");
                break;
            }
            enum xa_ynode_kind k = ev.type == YAML_SCALAR_EVENT           ? XA_Y_SCALAR
                                   : ev.type == YAML_SEQUENCE_START_EVENT ? XA_Y_SEQ
                                                                          : XA_Y_MAP;
            struct xa_ynode *n = new_node(&b, k, line);
            if (!n) {
                rc = b.nodes > XA_YAML_MAX_NODES ? err(&b, line, "too many YAML nodes")
                                                 : XA_ERR_NOMEM;
                break;
            }
            if (k == XA_Y_SCALAR) {
                n->len = ev.data.scalar.length;
                n->s = xa_arena_strndup(a, (const char *)ev.data.scalar.value, n->len);
                n->quoted = ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
                if (!n->s) {
                    rc = XA_ERR_NOMEM;
                    break;
                }
                if (b.depth >= 0 && b.stack[b.depth].node->kind == XA_Y_MAP &&
                    b.stack[b.depth].n % 2 == 0 && !n->quoted && strcmp(n->s, "<<") == 0) {
                    rc = err(&b, line, "YAML merge keys are not allowed in rules");
                    break;
                }
            }
            if (b.depth >= 0)
                rc = add_kid(&b, n);
            else {
                struct xa_ynode **r = realloc(roots, (nroots + 1) * sizeof(*r));
                if (!r)
                    rc = XA_ERR_NOMEM;
                else {
                    roots = r;
                    roots[nroots++] = n;
                }
            }
            if (!rc && k != XA_Y_SCALAR) {
                if (b.depth + 1 >= XA_YAML_MAX_DEPTH) {
                    rc = err(&b, line, "YAML nested too deeply");
                    break;
                }
                b.depth++;
                b.stack[b.depth].node = n;
            }
            break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (b.depth >= 0)
                rc = close_frame(&b);
            break;
        default: break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    while (b.depth >= 0) {
        free(b.stack[b.depth].kids);
        b.depth--;
    }
    if (rc) {
        free(roots);
        if (rc == XA_ERR_NOMEM)
            xa_diag_set(diag, rc, "%s: out of memory", b.name);
        return rc;
    }
    out->roots = NULL;
    out->n = nroots;
    if (nroots) {
        out->roots = xa_arena_alloc(a, nroots * sizeof(*out->roots));
        if (!out->roots) {
            free(roots);
            return XA_ERR_NOMEM;
        }
        memcpy(out->roots, roots, nroots * sizeof(*roots));
    }
    free(roots);
    return XA_OK;
}

const struct xa_ynode *xa_yaml_get(const struct xa_ynode *n, const char *key)
{
    if (!n || n->kind != XA_Y_MAP)
        return NULL;
    for (size_t i = 0; i + 1 < n->n; i += 2)
        if (n->kids[i]->kind == XA_Y_SCALAR && strcmp(n->kids[i]->s, key) == 0)
            return n->kids[i + 1];
    return NULL;
}

const char *xa_yaml_str(const struct xa_ynode *n)
{
    return n && n->kind == XA_Y_SCALAR ? n->s : NULL;
}

bool xa_yaml_is_null(const struct xa_ynode *n)
{
    if (!n || n->kind != XA_Y_SCALAR || n->quoted)
        return false;
    return n->len == 0 || strcmp(n->s, "~") == 0 || strcmp(n->s, "null") == 0 ||
           strcmp(n->s, "Null") == 0 || strcmp(n->s, "NULL") == 0;
}
