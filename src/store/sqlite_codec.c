#include "store/sqlite_codec.h"

#include "core/str.h"
#include "core/xtime.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* ---- GUID ---------------------------------------------------------------------- */

static int hexval(char c, bool any_case)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (any_case && c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool guid_pack(const char *s, unsigned char out[16], bool any_case)
{
    if (!s || strlen(s) != 36)
        return false;
    unsigned char tmp[16];
    size_t o = 0;
    for (size_t i = 0; i < 36;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
            i++;
            continue;
        }
        int hi = hexval(s[i], any_case), lo = hexval(s[i + 1], any_case);
        if (hi < 0 || lo < 0)
            return false;
        tmp[o++] = (unsigned char)(hi << 4 | lo);
        i += 2;
    }
    memcpy(out, tmp, 16);
    return true;
}

bool xa_sqlc_guid_pack(const char *s, unsigned char out[16])
{
    return guid_pack(s, out, false);
}

bool xa_sqlc_guid_pack_any(const char *s, unsigned char out[16])
{
    return guid_pack(s, out, true);
}

void xa_sqlc_guid_format(const unsigned char in[16], char out[37])
{
    static const char hx[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hx[in[i] >> 4];
        out[o++] = hx[in[i] & 15];
    }
    out[o] = '\0';
}

/* ---- flags --------------------------------------------------------------------- */

int64_t xa_sqlc_flags_pack(const struct xa_event *ev)
{
    int64_t f = 0;
    if (ev->is_system)
        f |= XA_SQLC_FLAG_SYSTEM;
    f |= (int64_t)((unsigned)ev->category & XA_SQLC_CAT_MASK) << XA_SQLC_CAT_SHIFT;
    f |= (int64_t)((unsigned)ev->result & XA_SQLC_RES_MASK) << XA_SQLC_RES_SHIFT;
    f |= (int64_t)((unsigned)ev->logon_type & XA_SQLC_LOGON_MASK) << XA_SQLC_LOGON_SHIFT;
    f |= (int64_t)((unsigned)ev->source & XA_SQLC_SRC_MASK) << XA_SQLC_SRC_SHIFT;
    int ext = ev->external_access < 0 ? 0 : ev->external_access ? 2 : 1;
    f |= (int64_t)ext << XA_SQLC_EXT_SHIFT;
    return f;
}

void xa_sqlc_flags_unpack(int64_t f, struct xa_event *ev)
{
    ev->is_system = (f & XA_SQLC_FLAG_SYSTEM) != 0;
    unsigned c = (unsigned)(f >> XA_SQLC_CAT_SHIFT) & XA_SQLC_CAT_MASK;
    ev->category = c < XA_CAT__COUNT ? (enum xa_category)c : XA_CAT_OTHER;
    unsigned r = (unsigned)(f >> XA_SQLC_RES_SHIFT) & XA_SQLC_RES_MASK;
    ev->result = r < XA_RESULT__COUNT ? (enum xa_result)r : XA_RESULT_UNKNOWN;
    unsigned l = (unsigned)(f >> XA_SQLC_LOGON_SHIFT) & XA_SQLC_LOGON_MASK;
    ev->logon_type = l < XA_LOGON__COUNT ? (enum xa_logon)l : XA_LOGON_NONE;
    unsigned s = (unsigned)(f >> XA_SQLC_SRC_SHIFT) & XA_SQLC_SRC_MASK;
    ev->source = s < XA_SRC__COUNT ? (enum xa_source)s : XA_SRC_API;
    unsigned e = (unsigned)(f >> XA_SQLC_EXT_SHIFT) & XA_SQLC_EXT_MASK;
    ev->external_access = e == 0 ? -1 : e == 2 ? 1 : 0;
}

/* ---- varints and the body ------------------------------------------------------ */

size_t xa_sqlc_varint_put(unsigned char *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

size_t xa_sqlc_varint_get(const unsigned char *p, size_t n, uint64_t *v)
{
    uint64_t r = 0;
    for (size_t i = 0; i < n && i < 10; i++) {
        r |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            *v = r;
            return i + 1;
        }
    }
    return 0;
}

#define BODY_VERSION 1

static xa_rc put_varint(struct xa_buf *b, uint64_t v)
{
    unsigned char tmp[10];
    return xa_buf_append(b, tmp, xa_sqlc_varint_put(tmp, v));
}

/* string: varint(len + 1) (0 = NULL), bytes, NUL */
static xa_rc put_str(struct xa_buf *b, const char *s)
{
    if (!s)
        return put_varint(b, 0);
    size_t n = strlen(s);
    xa_rc rc = put_varint(b, (uint64_t)n + 1);
    if (!rc)
        rc = xa_buf_append(b, s, n + 1);
    return rc;
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* time: 0 = none, 1 + zigzag(delta from occurred_at) when both known (mode 1),
 * else absolute (mode 2): varint(mode) [varint(value)] */
static xa_rc put_time(struct xa_buf *b, int64_t t, int64_t base)
{
    if (t == XA_TIME_NONE)
        return put_varint(b, 0);
    if (base != XA_TIME_NONE && !__builtin_sub_overflow(t, base, &(int64_t){0})) {
        xa_rc rc = put_varint(b, 1);
        return rc ? rc : put_varint(b, zigzag(t - base));
    }
    xa_rc rc = put_varint(b, 2);
    return rc ? rc : put_varint(b, zigzag(t));
}

#define BODY_STRINGS(ev)                                                                       \
    &(ev)->activity, &(ev)->actor_sid, &(ev)->actor_type, &(ev)->app_id, &(ev)->client_app_id, \
        &(ev)->mailbox_guid, &(ev)->object, &(ev)->item, &(ev)->folder, &(ev)->grantee,        \
        &(ev)->rights, &(ev)->client_info, &(ev)->originating_server, &(ev)->session_id

xa_rc xa_sqlc_body_encode(const struct xa_event *ev, struct xa_buf *out)
{
    const char *const *strs[] = {BODY_STRINGS(ev)};
    xa_rc rc = xa_buf_putc(out, BODY_VERSION);
    for (size_t i = 0; !rc && i < sizeof(strs) / sizeof(strs[0]); i++)
        rc = put_str(out, *strs[i]);
    if (!rc)
        rc = put_time(out, ev->collected_at, ev->occurred_at);
    if (!rc)
        rc = put_time(out, ev->content_created_at, ev->occurred_at);
    if (!rc)
        rc = put_varint(out, zigzag(ev->client_port));
    size_t np = ev->params ? ev->n_params : 0;
    if (!rc)
        rc = put_varint(out, np);
    for (size_t i = 0; !rc && i < np; i++) {
        rc = put_str(out, ev->params[i].name);
        if (!rc)
            rc = put_str(out, ev->params[i].value);
    }
    size_t nm = ev->mods ? ev->n_mods : 0;
    if (!rc)
        rc = put_varint(out, nm);
    for (size_t i = 0; !rc && i < nm; i++) {
        rc = put_str(out, ev->mods[i].name);
        if (!rc)
            rc = put_str(out, ev->mods[i].old_value);
        if (!rc)
            rc = put_str(out, ev->mods[i].new_value);
    }
    /* raw: varint(len + 1) (0 = NULL), bytes (may contain NUL), NUL */
    if (!rc)
        rc = put_varint(out, ev->raw ? (uint64_t)ev->raw_len + 1 : 0);
    if (!rc && ev->raw) {
        rc = xa_buf_append(out, ev->raw, ev->raw_len);
        if (!rc)
            rc = xa_buf_putc(out, '\0');
    }
    return rc;
}

struct rd {
    char *p;
    size_t n, pos;
};

static bool rd_varint(struct rd *r, uint64_t *v)
{
    size_t k = xa_sqlc_varint_get((unsigned char *)r->p + r->pos, r->n - r->pos, v);
    r->pos += k;
    return k != 0;
}

/* a length-prefixed NUL-terminated chunk; *out NULL for absent */
static bool rd_chunk(struct rd *r, const char **out, size_t *len)
{
    uint64_t v;
    if (!rd_varint(r, &v))
        return false;
    if (v == 0) {
        *out = NULL;
        if (len)
            *len = 0;
        return true;
    }
    uint64_t n = v - 1;
    if (n >= r->n - r->pos || r->p[r->pos + n] != '\0')
        return false;
    *out = r->p + r->pos;
    if (len)
        *len = (size_t)n;
    r->pos += (size_t)n + 1;
    return true;
}

static bool rd_str(struct rd *r, const char **out)
{
    size_t len;
    if (!rd_chunk(r, out, &len))
        return false;
    return !*out || strlen(*out) == len; /* no embedded NUL in strings */
}

static bool rd_time(struct rd *r, int64_t base, int64_t *out)
{
    uint64_t mode, v;
    if (!rd_varint(r, &mode))
        return false;
    if (mode == 0) {
        *out = XA_TIME_NONE;
        return true;
    }
    if (!rd_varint(r, &v))
        return false;
    if (mode == 1 && base != XA_TIME_NONE) {
        int64_t t;
        if (__builtin_add_overflow(base, unzigzag(v), &t))
            return false;
        *out = t;
        return true;
    }
    if (mode == 2) {
        *out = unzigzag(v);
        return true;
    }
    return false;
}

xa_rc xa_sqlc_body_decode(char *buf, size_t len, struct xa_arena *arena, struct xa_event *ev)
{
    struct rd r = {buf, len, 0};
    if (len < 1 || buf[0] != BODY_VERSION)
        return XA_ERR_PARSE;
    r.pos = 1;
    const char **strs[] = {BODY_STRINGS(ev)};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        if (!rd_str(&r, strs[i]))
            return XA_ERR_PARSE;
    uint64_t v;
    if (!rd_time(&r, ev->occurred_at, &ev->collected_at) ||
        !rd_time(&r, ev->occurred_at, &ev->content_created_at) || !rd_varint(&r, &v))
        return XA_ERR_PARSE;
    int64_t port = unzigzag(v);
    if (port < 0 || port > 65535)
        return XA_ERR_PARSE;
    ev->client_port = (int)port;
    if (!rd_varint(&r, &v) || v > (r.n - r.pos) / 2)
        return XA_ERR_PARSE;
    ev->n_params = (size_t)v;
    ev->params = NULL;
    if (v) {
        struct xa_kv *kv = xa_arena_alloc(arena, sizeof(*kv) * (size_t)v);
        if (!kv)
            return XA_ERR_NOMEM;
        for (size_t i = 0; i < (size_t)v; i++)
            if (!rd_str(&r, &kv[i].name) || !rd_str(&r, &kv[i].value))
                return XA_ERR_PARSE;
        ev->params = kv;
    }
    if (!rd_varint(&r, &v) || v > (r.n - r.pos) / 3)
        return XA_ERR_PARSE;
    ev->n_mods = (size_t)v;
    ev->mods = NULL;
    if (v) {
        struct xa_modprop *m = xa_arena_alloc(arena, sizeof(*m) * (size_t)v);
        if (!m)
            return XA_ERR_NOMEM;
        for (size_t i = 0; i < (size_t)v; i++)
            if (!rd_str(&r, &m[i].name) || !rd_str(&r, &m[i].old_value) ||
                !rd_str(&r, &m[i].new_value))
                return XA_ERR_PARSE;
        ev->mods = m;
    }
    if (!rd_chunk(&r, &ev->raw, &ev->raw_len) || r.pos != r.n)
        return XA_ERR_PARSE;
    return XA_OK;
}

/* ---- full text ----------------------------------------------------------------- */

static bool tokch(unsigned char c)
{
    return isalnum(c) || c >= 0x80;
}

static xa_rc doc_add(struct xa_buf *out, const char *s, size_t max)
{
    if (!s || !*s || out->len >= max)
        return XA_OK;
    size_t n = strlen(s);
    if (out->len + n + 1 > max)
        n = max - out->len - 1 < n ? max - out->len - 1 : n;
    xa_rc rc = out->len ? xa_buf_putc(out, ' ') : XA_OK;
    return rc ? rc : xa_buf_append(out, s, n);
}

xa_rc xa_sqlc_fts_doc(const struct xa_event *ev, struct xa_buf *out, size_t max)
{
    xa_rc rc = doc_add(out, ev->operation, max);
    if (!rc)
        rc = doc_add(out, ev->actor, max);
    if (!rc && !xa_str_ieq(ev->mailbox, ev->actor))
        rc = doc_add(out, ev->mailbox, max);
    if (!rc && !xa_str_ieq(ev->object, ev->mailbox) && !xa_str_ieq(ev->object, ev->actor))
        rc = doc_add(out, ev->object, max);
    if (!rc)
        rc = doc_add(out, ev->item, max);
    if (!rc)
        rc = doc_add(out, ev->folder, max);
    if (!rc)
        rc = doc_add(out, ev->grantee, max);
    if (!rc)
        rc = doc_add(out, ev->client_info, max);
    for (size_t i = 0; !rc && ev->params && i < ev->n_params; i++) {
        rc = doc_add(out, ev->params[i].name, max);
        if (!rc)
            rc = doc_add(out, ev->params[i].value, max);
    }
    return rc;
}

/* Append the tokens of word [s, s+n) as '"t1" AND "t2"', the last one a prefix query
 * when prefix is set. Returns the number of tokens in *cnt. */
static xa_rc word_tokens(const char *s, size_t n, bool prefix, struct xa_buf *out, size_t *cnt)
{
    size_t i = 0, k = 0;
    xa_rc rc = XA_OK;
    while (!rc && i < n) {
        while (i < n && !tokch((unsigned char)s[i]))
            i++;
        size_t st = i;
        while (i < n && tokch((unsigned char)s[i]))
            i++;
        if (i == st)
            break;
        if (k++)
            rc = xa_buf_puts(out, " AND ");
        if (!rc)
            rc = xa_buf_putc(out, '"');
        if (!rc)
            rc = xa_buf_append(out, s + st, i - st); /* alnum/UTF-8 only: no quote inside */
        if (!rc)
            rc = xa_buf_putc(out, '"');
        if (!rc && prefix && i == n)
            rc = xa_buf_putc(out, '*');
    }
    *cnt = k;
    return rc;
}

xa_rc xa_sqlc_fts_tokens_and(const char *s, struct xa_buf *out, size_t *n)
{
    size_t save = out->len;
    xa_rc rc = xa_buf_putc(out, '(');
    if (!rc)
        rc = word_tokens(s, strlen(s), false, out, n);
    if (!rc)
        rc = xa_buf_putc(out, ')');
    if (!rc && *n == 0) {
        out->len = save;
        if (out->data)
            out->data[save] = '\0';
    }
    return rc;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

xa_rc xa_sqlc_fts_query(const char *text, struct xa_buf *out, size_t *n_terms, bool *needs_check)
{
    size_t total = 0;
    *needs_check = false;
    const char *p = text ? text : "";
    xa_rc rc = XA_OK;
    while (!rc && *p) {
        while (*p && is_space(*p))
            p++;
        const char *w = p;
        while (*p && !is_space(*p))
            p++;
        size_t n = (size_t)(p - w);
        if (!n)
            break;
        bool prefix = false;
        while (n && w[n - 1] == '*') {
            prefix = true;
            n--;
        }
        /* dry run to count tokens of this word */
        struct xa_buf tmp;
        xa_buf_init(&tmp, 0);
        size_t k = 0;
        rc = word_tokens(w, n, prefix, &tmp, &k);
        if (!rc && k) {
            if (total)
                rc = xa_buf_puts(out, " AND ");
            if (!rc)
                rc = xa_buf_append(out, tmp.data, tmp.len);
            total += k;
            if (k > 1)
                *needs_check = true;
        }
        xa_buf_release(&tmp);
    }
    *n_terms = total;
    return rc;
}

bool xa_sqlc_text_check(const char *text, const char *doc)
{
    const char *p = text ? text : "";
    char word[512];
    while (*p) {
        while (*p && is_space(*p))
            p++;
        const char *w = p;
        while (*p && !is_space(*p))
            p++;
        size_t n = (size_t)(p - w);
        while (n && w[n - 1] == '*')
            n--;
        /* only words spanning several tokens need the check (see fts_query) */
        size_t toks = 0;
        for (size_t i = 0; i < n;) {
            while (i < n && !tokch((unsigned char)w[i]))
                i++;
            if (i < n)
                toks++;
            while (i < n && tokch((unsigned char)w[i]))
                i++;
        }
        if (toks < 2)
            continue;
        /* trim non-token characters at both ends: tokens match, separators around do not matter */
        while (n && !tokch((unsigned char)*w)) {
            w++;
            n--;
        }
        while (n && !tokch((unsigned char)w[n - 1]))
            n--;
        if (n >= sizeof(word))
            continue; /* too long to verify: accept the index match */
        memcpy(word, w, n);
        word[n] = '\0';
        if (!xa_str_icontains(doc ? doc : "", word))
            return false;
    }
    return true;
}

/* ---- IP / CIDR ----------------------------------------------------------------- */

static bool parse_ip(const char *s, size_t n, int *family, unsigned char addr[16])
{
    char tmp[64];
    if (n == 0 || n >= sizeof(tmp))
        return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (inet_pton(AF_INET, tmp, addr) == 1) {
        *family = 4;
        return true;
    }
    if (inet_pton(AF_INET6, tmp, addr) == 1) {
        *family = 6;
        return true;
    }
    return false;
}

bool xa_sqlc_cidr_parse(const char *s, struct xa_sqlc_cidr *out)
{
    if (!s)
        return false;
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    struct xa_sqlc_cidr c;
    memset(&c, 0, sizeof(c));
    if (!parse_ip(s, n, &c.family, c.addr))
        return false;
    int maxbits = c.family == 4 ? 32 : 128;
    c.bits = maxbits;
    if (slash) {
        const char *p = slash + 1;
        if (!*p || strlen(p) > 3)
            return false;
        int b = 0;
        for (; *p; p++) {
            if (*p < '0' || *p > '9')
                return false;
            b = b * 10 + (*p - '0');
        }
        if (b > maxbits)
            return false;
        c.bits = b;
    }
    *out = c;
    return true;
}

bool xa_sqlc_cidr_match(const struct xa_sqlc_cidr *c, const char *ip)
{
    int fam;
    unsigned char a[16];
    if (!ip || !parse_ip(ip, strlen(ip), &fam, a) || fam != c->family)
        return false;
    int full = c->bits / 8, rest = c->bits % 8;
    if (memcmp(a, c->addr, (size_t)full) != 0)
        return false;
    if (rest) {
        unsigned char m = (unsigned char)(0xff << (8 - rest));
        if ((a[full] & m) != (c->addr[full] & m))
            return false;
    }
    return true;
}

/* ---- cursor and LIKE ----------------------------------------------------------- */

void xa_sqlc_cursor_format(int64_t at, int64_t seq, char *out, size_t cap)
{
    snprintf(out, cap, "%lld.%lld", (long long)at, (long long)seq);
}

static bool parse_i64(const char *s, size_t n, bool allow_neg, int64_t *out)
{
    bool neg = false;
    size_t i = 0;
    if (allow_neg && n && s[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i >= n || n - i > 19)
        return false;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
        return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

bool xa_sqlc_cursor_parse(const char *s, int64_t *at, int64_t *seq)
{
    if (!s)
        return false;
    size_t n = strnlen(s, 64);
    if (n == 0 || n >= 64)
        return false;
    const char *dot = memchr(s, '.', n);
    if (!dot)
        return false;
    int64_t a, q;
    if (!parse_i64(s, (size_t)(dot - s), true, &a) ||
        !parse_i64(dot + 1, n - (size_t)(dot - s) - 1, false, &q) || q <= 0)
        return false;
    *at = a;
    *seq = q;
    return true;
}

xa_rc xa_sqlc_like_pattern(const char *pat, struct xa_buf *out)
{
    xa_rc rc = XA_OK;
    for (const char *p = pat; !rc && *p; p++) {
        if (*p == '*')
            rc = xa_buf_putc(out, '%');
        else if (*p == '?')
            rc = xa_buf_putc(out, '_');
        else if (*p == '%' || *p == '_' || *p == '\\') {
            rc = xa_buf_putc(out, '\\');
            if (!rc)
                rc = xa_buf_putc(out, *p);
        } else
            rc = xa_buf_putc(out, *p);
    }
    if (!rc && !out->data)
        rc = xa_buf_puts(out, "");
    return rc;
}
