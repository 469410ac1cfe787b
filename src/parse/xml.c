/* xml.c - hardened expat front end (see xml.h). The only file that includes expat.h.
 *
 * Security: every parser refuses a DOCTYPE (start-doctype handler aborts), entity
 * declarations, external entities (handler returns an error, parameter entity parsing
 * off) and caps amplification (billion-laughs protection). The streaming reader wraps
 * the input in a synthetic root element so that root-less event streams parse; a
 * DOCTYPE then is a syntax error as well. An XML declaration at the start is blanked
 * (same length, so offsets and lines stay exact) and text is fed as UTF-8.
 *
 * The streaming pass only finds record boundaries (and errors); a record's tree is
 * built afterwards from its bytes by xa_xml_parse, so trees never span a read chunk. */
#define XML_DTD 1 /* declare the billion-laughs API (Debian's expat is built with DTD support) */
#include "parse/xml.h"

#include "core/str.h"

#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CHUNK (64 * 1024)
#define MAX_DEPTH 256
#define SAMPLE 1024
#define WRAP_OPEN "<xa-wrap>"
#define WRAP_CLOSE "</xa-wrap>"

static const char *local(const char *name)
{
    const char *c = strrchr(name, ':');
    return c ? c + 1 : name;
}

static void harden(XML_Parser p)
{
    XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 4)
    XML_SetBillionLaughsAttackProtectionMaximumAmplification(p, 20.0f);
    XML_SetBillionLaughsAttackProtectionActivationThreshold(p, 1u << 20);
#endif
}

/* ------------------------------------------------------------------ tree builder */

struct tb {
    XML_Parser p;
    struct xa_arena *a;
    struct xa_xml_node *stack[MAX_DEPTH];
    struct xa_xml_node **last_child[MAX_DEPTH];
    int depth;
    struct xa_xml_node *root;
    char *text;     /* pending character data of the innermost node */
    size_t tlen, tcap;
    const char *why; /* our own abort reason */
    int nomem;
};

static void tb_abort(struct tb *t, const char *why)
{
    if (!t->why)
        t->why = why;
    XML_StopParser(t->p, XML_FALSE);
}

static void tb_flush(struct tb *t)
{
    if (t->depth == 0 || !t->tlen)
        return;
    struct xa_xml_node *n = t->stack[t->depth - 1];
    char *s = xa_arena_alloc(t->a, n->text_len + t->tlen + 1);
    if (!s) {
        t->nomem = 1;
        tb_abort(t, "out of memory");
        return;
    }
    memcpy(s, n->text, n->text_len);
    memcpy(s + n->text_len, t->text, t->tlen);
    s[n->text_len + t->tlen] = '\0';
    n->text = s;
    n->text_len += t->tlen;
    t->tlen = 0;
}

static void XMLCALL tb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct tb *t = ud;
    if (t->depth >= MAX_DEPTH) {
        tb_abort(t, "elements nested too deeply");
        return;
    }
    tb_flush(t);
    struct xa_xml_node *n = xa_arena_zalloc(t->a, sizeof(*n));
    size_t na = 0;
    while (atts[na * 2])
        na++;
    struct xa_xml_attr *at = na ? xa_arena_alloc(t->a, na * sizeof(*at)) : NULL;
    if (!n || (na && !at)) {
        t->nomem = 1;
        tb_abort(t, "out of memory");
        return;
    }
    n->name = xa_arena_strdup(t->a, local(name));
    n->text = "";
    for (size_t i = 0; i < na; i++) {
        at[i].name = xa_arena_strdup(t->a, local(atts[2 * i]));
        at[i].value = xa_arena_strdup(t->a, atts[2 * i + 1]);
        if (!at[i].name || !at[i].value)
            t->nomem = 1;
    }
    if (!n->name || t->nomem) {
        tb_abort(t, "out of memory");
        return;
    }
    n->attrs = at;
    n->n_attrs = na;
    if (t->depth == 0) {
        t->root = n;
    } else {
        *t->last_child[t->depth - 1] = n;
        t->last_child[t->depth - 1] = &n->next;
    }
    t->stack[t->depth] = n;
    t->last_child[t->depth] = &n->child;
    t->depth++;
}

static void XMLCALL tb_end(void *ud, const XML_Char *name)
{
    (void)name;
    struct tb *t = ud;
    tb_flush(t);
    if (t->depth > 0)
        t->depth--;
}

static void XMLCALL tb_text(void *ud, const XML_Char *s, int len)
{
    struct tb *t = ud;
    if (t->depth == 0 || len <= 0)
        return;
    if (t->tlen + (size_t)len > t->tcap) {
        size_t cap = t->tcap ? t->tcap : 256;
        while (cap < t->tlen + (size_t)len)
            cap *= 2;
        char *p = realloc(t->text, cap);
        if (!p) {
            t->nomem = 1;
            tb_abort(t, "out of memory");
            return;
        }
        t->text = p;
        t->tcap = cap;
    }
    memcpy(t->text + t->tlen, s, (size_t)len);
    t->tlen += (size_t)len;
}

static void XMLCALL no_doctype(void *ud, const XML_Char *name, const XML_Char *sys,
                               const XML_Char *pub, int has_internal)
{
    (void)name, (void)sys, (void)pub, (void)has_internal;
    tb_abort(ud, "DOCTYPE not allowed (DTDs and entities are refused)");
}

static void XMLCALL no_entity(void *ud, const XML_Char *name, int pe, const XML_Char *v, int vl,
                              const XML_Char *b, const XML_Char *sys, const XML_Char *pub,
                              const XML_Char *notation)
{
    (void)name, (void)pe, (void)v, (void)vl, (void)b, (void)sys, (void)pub, (void)notation;
    tb_abort(ud, "entity declarations not allowed");
}

static int XMLCALL no_ext(XML_Parser p, const XML_Char *ctx, const XML_Char *b,
                          const XML_Char *sys, const XML_Char *pub)
{
    (void)p, (void)ctx, (void)b, (void)sys, (void)pub;
    return XML_STATUS_ERROR;
}

xa_rc xa_xml_parse(const char *s, size_t n, struct xa_arena *a, const struct xa_xml_node **root,
                   struct xa_diag *diag)
{
    if (n > (size_t)1 << 30)
        return xa_diag_set(diag, XA_ERR_LIMIT, "XML document larger than 1 GiB");
    struct tb t;
    memset(&t, 0, sizeof(t));
    t.a = a;
    t.p = XML_ParserCreate("UTF-8");
    if (!t.p)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    harden(t.p);
    XML_SetUserData(t.p, &t);
    XML_SetElementHandler(t.p, tb_start, tb_end);
    XML_SetCharacterDataHandler(t.p, tb_text);
    XML_SetStartDoctypeDeclHandler(t.p, no_doctype);
    XML_SetEntityDeclHandler(t.p, no_entity);
    XML_SetExternalEntityRefHandler(t.p, no_ext);
    xa_rc rc = XA_OK;
    if (XML_Parse(t.p, s, (int)n, 1) != XML_STATUS_OK || !t.root) {
        long long line = (long long)XML_GetCurrentLineNumber(t.p);
        long long col = (long long)XML_GetCurrentColumnNumber(t.p);
        if (t.nomem)
            rc = xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
        else
            rc = xa_diag_set(diag, XA_ERR_PARSE, "malformed XML at line %lld, column %lld: %s", line,
                             col, t.why ? t.why : XML_ErrorString(XML_GetErrorCode(t.p)));
        xa_diag_pos(diag, NULL, line, (long long)XML_GetCurrentByteIndex(t.p));
    }
    XML_ParserFree(t.p);
    free(t.text);
    if (!rc)
        *root = t.root;
    return rc;
}

const char *xa_xml_attr(const struct xa_xml_node *n, const char *name)
{
    for (size_t i = 0; n && i < n->n_attrs; i++)
        if (strcasecmp(n->attrs[i].name, name) == 0)
            return n->attrs[i].value;
    return NULL;
}

const struct xa_xml_node *xa_xml_child(const struct xa_xml_node *n, const char *name)
{
    for (const struct xa_xml_node *c = n ? n->child : NULL; c; c = c->next)
        if (strcasecmp(c->name, name) == 0)
            return c;
    return NULL;
}

/* ------------------------------------------------------------------ streaming reader */

struct qent {
    int bad;
    size_t off, len;   /* bytes in q (raw or sample) */
    size_t total;
    long long offset, line;
    size_t reason;     /* offset of the reason text in q, or (size_t)-1 */
};

enum { S_PARSE = 0, S_RESYNC, S_DONE };

struct xa_xml_reader {
    struct xa_u8in *u;
    char *rname;
    size_t rname_len;
    size_t max_record;
    XML_Parser p;
    int state;
    int started;             /* first chunk seen (declaration handling) */
    int eof;
    /* window of text: bytes [wbase, wbase + wlen) */
    char *w;
    size_t wlen, wcap;
    long long wbase;
    long long pbase;         /* text offset of the first document byte fed to p */
    long long line_base;     /* lines before pbase */
    long long scan;          /* resync: next offset to scan */
    long long scan_line;     /* resync: line at scan */
    /* streaming parse state */
    int depth;
    int rdepth;              /* depth of the open record, 0 = none */
    long long rstart, rline;
    int rbig;
    size_t rsample_len;
    char rsample[SAMPLE];
    const char *why;         /* our own abort reason */
    char root[64];
    /* queue */
    char *q;
    size_t qlen, qcap;
    struct qent *qe;
    size_t nq, qcap_e, qhead;
    /* tree of the returned record */
    struct xa_arena tree;
    int nomem;
};

static long long abs_index(struct xa_xml_reader *r)
{
    return r->pbase + (long long)XML_GetCurrentByteIndex(r->p) - (long long)strlen(WRAP_OPEN);
}

static int q_put(struct xa_xml_reader *r, const char *s, size_t n, size_t *off)
{
    if (r->qlen + n + 1 > r->qcap) {
        size_t cap = r->qcap ? r->qcap : 64 * 1024;
        while (cap < r->qlen + n + 1)
            cap *= 2;
        char *p = realloc(r->q, cap);
        if (!p)
            return -1;
        r->q = p;
        r->qcap = cap;
    }
    memcpy(r->q + r->qlen, s, n);
    r->q[r->qlen + n] = '\0';
    *off = r->qlen;
    r->qlen += n + 1;
    return 0;
}

static void push(struct xa_xml_reader *r, int bad, const char *data, size_t len, size_t total,
                 long long offset, long long line, const char *reason)
{
    if (r->nq == r->qcap_e) {
        size_t cap = r->qcap_e ? r->qcap_e * 2 : 64;
        struct qent *p = realloc(r->qe, cap * sizeof(*p));
        if (!p) {
            r->nomem = 1;
            return;
        }
        r->qe = p;
        r->qcap_e = cap;
    }
    struct qent *e = &r->qe[r->nq];
    e->bad = bad;
    e->len = len;
    e->total = total;
    e->offset = offset;
    e->line = line;
    e->reason = (size_t)-1;
    if (q_put(r, data, len, &e->off) < 0 ||
        (reason && q_put(r, reason, strlen(reason), &e->reason) < 0)) {
        r->nomem = 1;
        return;
    }
    r->nq++;
}

/* Bytes of the window at text offset off (clipped), or NULL. */
static const char *wat(struct xa_xml_reader *r, long long off, size_t *avail)
{
    if (off < r->wbase || off > r->wbase + (long long)r->wlen) {
        *avail = 0;
        return NULL;
    }
    *avail = (size_t)(r->wbase + (long long)r->wlen - off);
    return r->w + (off - r->wbase);
}

static void check_big(struct xa_xml_reader *r, long long now)
{
    if (!r->rdepth || r->rbig || now - r->rstart <= (long long)r->max_record)
        return;
    r->rbig = 1;
    size_t avail;
    const char *s = wat(r, r->rstart, &avail);
    r->rsample_len = s ? (avail < SAMPLE ? avail : SAMPLE) : 0;
    if (s)
        memcpy(r->rsample, s, r->rsample_len);
}

static void XMLCALL st_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    (void)atts;
    struct xa_xml_reader *r = ud;
    r->depth++;
    if (r->depth > MAX_DEPTH) {
        r->why = "elements nested too deeply";
        XML_StopParser(r->p, XML_FALSE);
        return;
    }
    const char *ln = local(name);
    if (r->depth == 2 && !r->root[0])
        snprintf(r->root, sizeof(r->root), "%s", ln);
    if (!r->rdepth && r->depth >= 2 && strcasecmp(ln, r->rname) == 0) {
        r->rdepth = r->depth;
        r->rstart = abs_index(r);
        r->rline = r->line_base + (long long)XML_GetCurrentLineNumber(r->p);
        r->rbig = 0;
    } else {
        check_big(r, abs_index(r));
    }
}

static void XMLCALL st_end(void *ud, const XML_Char *name)
{
    (void)name;
    struct xa_xml_reader *r = ud;
    if (r->rdepth && r->depth == r->rdepth) {
        long long end = abs_index(r) + XML_GetCurrentByteCount(r->p);
        check_big(r, end);
        if (r->rbig) {
            char why[96];
            snprintf(why, sizeof(why), "<%s> element larger than the record size limit (%zu bytes)",
                     r->rname, r->max_record);
            push(r, 1, r->rsample, r->rsample_len, (size_t)(end - r->rstart), r->rstart, r->rline, why);
        } else {
            size_t avail;
            const char *s = wat(r, r->rstart, &avail);
            size_t len = (size_t)(end - r->rstart);
            if (s && avail >= len)
                push(r, 0, s, len, len, r->rstart, r->rline, NULL);
            else
                push(r, 1, "", 0, len, r->rstart, r->rline, "record bytes lost (internal error)");
        }
        r->rdepth = 0;
        r->rbig = 0;
    }
    r->depth--;
}

static void XMLCALL st_doctype(void *ud, const XML_Char *name, const XML_Char *sys,
                               const XML_Char *pub, int has_internal)
{
    (void)name, (void)sys, (void)pub, (void)has_internal;
    struct xa_xml_reader *r = ud;
    r->why = "DOCTYPE not allowed (DTDs and entities are refused)";
    XML_StopParser(r->p, XML_FALSE);
}

static void XMLCALL st_entity(void *ud, const XML_Char *name, int pe, const XML_Char *v, int vl,
                              const XML_Char *b, const XML_Char *sys, const XML_Char *pub,
                              const XML_Char *notation)
{
    (void)name, (void)pe, (void)v, (void)vl, (void)b, (void)sys, (void)pub, (void)notation;
    struct xa_xml_reader *r = ud;
    r->why = "entity declarations not allowed";
    XML_StopParser(r->p, XML_FALSE);
}

static xa_rc start_parser(struct xa_xml_reader *r, long long at, long long line_before,
                          struct xa_diag *diag)
{
    if (r->p)
        XML_ParserFree(r->p);
    r->p = XML_ParserCreate("UTF-8");
    if (!r->p)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    harden(r->p);
    XML_SetUserData(r->p, r);
    XML_SetElementHandler(r->p, st_start, st_end);
    XML_SetStartDoctypeDeclHandler(r->p, st_doctype);
    XML_SetEntityDeclHandler(r->p, st_entity);
    XML_SetExternalEntityRefHandler(r->p, no_ext);
    r->pbase = at;
    r->line_base = line_before;
    r->depth = 0;
    r->rdepth = 0;
    r->rbig = 0;
    r->why = NULL;
    if (XML_Parse(r->p, WRAP_OPEN, (int)strlen(WRAP_OPEN), 0) != XML_STATUS_OK)
        return xa_diag_set(diag, XA_ERR_INTERNAL, "XML reader: cannot start");
    return XA_OK;
}

xa_rc xa_xml_reader_new(struct xa_input *in, const char *record_name, size_t max_record,
                        struct xa_xml_reader **out, struct xa_diag *diag)
{
    struct xa_xml_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    r->rname = strdup(record_name);
    r->rname_len = strlen(record_name);
    r->max_record = max_record < 1024 ? 1024 : max_record;
    r->wcap = r->max_record + 2 * CHUNK + 64;
    r->w = malloc(r->wcap);
    xa_arena_init(&r->tree, 64 * 1024);
    xa_rc rc = XA_OK;
    if (!r->rname || !r->w)
        rc = xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    if (!rc)
        rc = xa_u8in_new(in, &r->u, diag);
    if (!rc)
        rc = start_parser(r, 0, 0, diag);
    if (rc) {
        xa_xml_reader_free(r);
        return rc;
    }
    *out = r;
    return XA_OK;
}

void xa_xml_reader_free(struct xa_xml_reader *r)
{
    if (!r)
        return;
    if (r->p)
        XML_ParserFree(r->p);
    xa_u8in_free(r->u);
    xa_arena_release(&r->tree);
    free(r->rname);
    free(r->w);
    free(r->q);
    free(r->qe);
    free(r);
}

const char *xa_xml_root_name(const struct xa_xml_reader *r) { return r->root; }
enum xa_utf_enc xa_xml_encoding(const struct xa_xml_reader *r) { return xa_u8in_encoding(r->u); }

/* Drop window bytes no longer needed and read one chunk. *got = 0 at end of input. */
static xa_rc read_chunk(struct xa_xml_reader *r, long long keep, size_t *got, struct xa_diag *diag)
{
    long long end = r->wbase + (long long)r->wlen;
    if (keep > end)
        keep = end;
    if (keep > r->wbase) {
        size_t drop = (size_t)(keep - r->wbase);
        memmove(r->w, r->w + drop, r->wlen - drop);
        r->wlen -= drop;
        r->wbase = keep;
    }
    *got = 0;
    if (r->eof)
        return XA_OK;
    size_t room = r->wcap - r->wlen;
    if (room > CHUNK)
        room = CHUNK;
    if (room < 16)
        return xa_diag_set(diag, XA_ERR_INTERNAL, "XML reader window full");
    xa_rc rc = xa_u8in_read(r->u, r->w + r->wlen, room, got, diag);
    if (rc)
        return rc;
    if (!*got)
        r->eof = 1;
    if (!r->started && *got) {
        r->started = 1;
        /* blank an XML declaration (same length keeps offsets); we feed UTF-8 */
        size_t i = 0;
        char *s = r->w + r->wlen;
        while (i < *got && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
            i++;
        if (*got - i >= 5 && memcmp(s + i, "<?xml", 5) == 0) {
            char *e = memmem(s + i, *got - i, "?>", 2);
            if (e)
                for (char *c = s + i; c < e + 2; c++)
                    if (*c != '\n')
                        *c = ' ';
        }
    }
    r->wlen += *got;
    return XA_OK;
}

static long long count_lines(const char *s, size_t n)
{
    long long k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == '\n';
    return k;
}

/* The parser failed: report, then resynchronise at the next record start. */
static void on_error(struct xa_xml_reader *r, int at_eof)
{
    long long pos = abs_index(r);
    long long line = r->line_base + (long long)XML_GetCurrentLineNumber(r->p);
    long long col = (long long)XML_GetCurrentColumnNumber(r->p);
    long long wend = r->wbase + (long long)r->wlen;
    const char *msg = r->why ? r->why : XML_ErrorString(XML_GetErrorCode(r->p));
    size_t avail;
    const char *here = pos < wend ? wat(r, pos, &avail) : NULL;
    if (!here)
        avail = 0;
    /* expat points into the markup ("<!DOCTYPE" at "DOCTYPE", "</x>" at "x"): look back */
    size_t bavail = 0;
    const char *back = here && pos - 2 >= r->wbase ? wat(r, pos - 2, &bavail) : here;
    if (back == here)
        bavail = avail;
    if (!r->why && back && bavail >= 9 &&
        (memmem(back, bavail < 12 ? bavail : 12, "<!DOCTYPE", 9) ||
         memmem(back, bavail < 12 ? bavail : 12, "<!ENTITY", 8)))
        msg = "DOCTYPE / entity declarations not allowed (DTDs and entities are refused)";
    int closing = back && bavail >= 2 &&
                  ((back[0] == '<' && back[1] == '/') || (bavail >= 3 && back[1] == '<' && back[2] == '/') ||
                   (here && avail >= 2 && here[0] == '<' && here[1] == '/'));
    char why[400];
    if (r->rdepth) {
        if (at_eof || pos >= wend)
            snprintf(why, sizeof(why), "<%s> element not closed at the end of input (truncated)",
                     r->rname);
        else
            snprintf(why, sizeof(why), "malformed XML in <%s> element at line %lld, column %lld: %s",
                     r->rname, line, col, msg);
        if (r->rbig) {
            push(r, 1, r->rsample, r->rsample_len, (size_t)(pos - r->rstart), r->rstart, r->rline, why);
        } else {
            const char *s = wat(r, r->rstart, &avail);
            size_t len = s ? avail : 0;
            size_t tot = pos > r->rstart ? (size_t)(pos - r->rstart) : len;
            if (len > tot && tot > 0)
                len = tot;
            push(r, 1, s ? s : "", len < SAMPLE ? len : SAMPLE, tot, r->rstart, r->rline, why);
        }
    } else if (here && !closing) {
        /* outside any record; closing tags of ancestors after a resync are not data */
        snprintf(why, sizeof(why), "malformed XML at line %lld, column %lld: %s", line, col, msg);
        size_t n = avail < SAMPLE ? avail : SAMPLE;
        push(r, 1, here, n, n, pos, line, why);
    }
    long long from = r->rdepth ? r->rstart + 1 : pos + 1;
    if (from < pos)
        from = pos + (pos < wend ? 1 : 0);
    if (from < r->wbase)
        from = r->wbase;
    r->scan = from;
    /* line at `from` */
    const char *s = wat(r, pos, &avail);
    if (s && from >= pos)
        r->scan_line = line - 1 + count_lines(s, (size_t)(from - pos)) + 1;
    else
        r->scan_line = line;
    r->rdepth = 0;
    r->state = (at_eof || r->eof) && from >= wend ? S_DONE : S_RESYNC;
}

static int is_start_of(const char *s, size_t n, const char *name, size_t nl)
{
    if (n < nl + 2 || s[0] != '<' || strncasecmp(s + 1, name, nl) != 0)
        return 0;
    char c = s[nl + 1];
    return c == ' ' || c == '>' || c == '/' || c == '\t' || c == '\r' || c == '\n';
}

/* Resync: find the next "<Name" at or after r->scan. Returns 1 when found (parser
 * restarted and the window's rest fed), 0 when more input is needed, -1 at the end. */
static int resync(struct xa_xml_reader *r, struct xa_diag *diag, xa_rc *rc)
{
    *rc = XA_OK; /* -1 at the end of input is not an error */
    long long wend = r->wbase + (long long)r->wlen;
    size_t avail;
    const char *s = wat(r, r->scan, &avail);
    size_t i = 0;
    for (; s && i < avail; i++) {
        if (s[i] == '\n')
            r->scan_line++;
        if (s[i] == '<' && avail - i >= r->rname_len + 2 && is_start_of(s + i, avail - i, r->rname, r->rname_len))
            break;
        if (s[i] == '<' && avail - i < r->rname_len + 2 && !r->eof)
            break; /* maybe a start split by the chunk end: wait for more */
    }
    if (s && i < avail && is_start_of(s + i, avail - i, r->rname, r->rname_len)) {
        long long at = r->scan + (long long)i;
        if ((*rc = start_parser(r, at, r->scan_line - 1, diag)))
            return -1;
        r->state = S_PARSE;
        if (XML_Parse(r->p, s + i, (int)(avail - i), 0) != XML_STATUS_OK)
            on_error(r, 0);
        return 1;
    }
    r->scan += (long long)i;
    if (r->eof && r->scan >= wend) {
        r->state = S_DONE;
        return -1;
    }
    return 0;
}

static xa_rc fill(struct xa_xml_reader *r, struct xa_diag *diag)
{
    r->nq = r->qhead = 0;
    r->qlen = 0;
    while (r->nq == 0 && !r->nomem) {
        if (r->state == S_DONE)
            return XA_ERR_EOF;
        size_t got;
        xa_rc rc;
        if (r->state == S_RESYNC) {
            int k = resync(r, diag, &rc);
            if (k < 0 && rc)
                return rc;
            if (k != 0)
                continue;
            if ((rc = read_chunk(r, r->scan, &got, diag)))
                return rc;
            continue;
        }
        long long keep = r->rdepth && !r->rbig ? r->rstart : r->wbase + (long long)r->wlen;
        if ((rc = read_chunk(r, keep, &got, diag)))
            return rc;
        if (got) {
            if (XML_Parse(r->p, r->w + r->wlen - got, (int)got, 0) != XML_STATUS_OK)
                on_error(r, 0);
            else if (r->rdepth)
                check_big(r, r->wbase + (long long)r->wlen);
        } else {
            if (XML_Parse(r->p, WRAP_CLOSE, (int)strlen(WRAP_CLOSE), 1) != XML_STATUS_OK)
                on_error(r, 1);
            if (r->state == S_PARSE)
                r->state = S_DONE;
        }
    }
    if (r->nomem)
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    return XA_OK;
}

xa_rc xa_xml_next(struct xa_xml_reader *r, struct xa_xml_rec *rec, struct xa_diag *diag)
{
    memset(rec, 0, sizeof(*rec));
    if (r->qhead >= r->nq) {
        xa_rc rc = fill(r, diag);
        if (rc)
            return rc;
    }
    struct qent *e = &r->qe[r->qhead++];
    rec->raw = r->q + e->off;
    rec->raw_len = e->len;
    rec->total = e->total;
    rec->offset = e->offset;
    rec->line = e->line;
    if (e->bad) {
        rec->reason = e->reason != (size_t)-1 ? r->q + e->reason : "malformed XML";
        return XA_OK;
    }
    xa_arena_reset(&r->tree);
    struct xa_diag d;
    xa_diag_clear(&d);
    xa_rc rc = xa_xml_parse(rec->raw, rec->raw_len, &r->tree, &rec->root, &d);
    if (rc == XA_ERR_NOMEM)
        return xa_diag_set(diag, rc, "out of memory");
    if (rc) {
        rec->root = NULL;
        rec->reason = "malformed XML element";
    }
    return XA_OK;
}
