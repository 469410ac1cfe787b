/* json.c - cJSON adapter: the only file that includes cJSON. */
#include "parse/json.h"

#include "core/arena.h"

#include <cjson/cJSON.h>
#include <pthread.h>
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

/* cJSON allocates one block per node and string: with malloc that was a fifth of the import's
 * parsing time. Parsing therefore allocates from a per-thread arena, reset when the
 * thread's last live tree is freed (trees nest: the normaliser parses JSON held in string
 * fields while the record's tree is alive). Every block carries a header saying where it
 * came from, so that cJSON's free of arena memory is a no-op and other blocks go to free(). */
#define HDR 16
#define TAG_ARENA 0x41524e41u
#define TAG_HEAP 0x48454150u

struct tl_parse {
    struct xa_arena arena;
    int init;
    int active; /* inside cJSON_Parse on this thread */
    int live;   /* arena trees not yet freed */
};
static _Thread_local struct tl_parse tl;

static void *hook_malloc(size_t n)
{
    unsigned char *p;
    uint32_t tag;
    if (n > SIZE_MAX - HDR)
        return NULL;
    if (tl.active) {
        p = xa_arena_alloc(&tl.arena, n + HDR);
        tag = TAG_ARENA;
    } else {
        p = malloc(n + HDR);
        tag = TAG_HEAP;
    }
    if (!p)
        return NULL;
    memcpy(p, &tag, sizeof(tag));
    return p + HDR;
}

static void hook_free(void *ptr)
{
    if (!ptr)
        return;
    unsigned char *p = (unsigned char *)ptr - HDR;
    uint32_t tag;
    memcpy(&tag, p, sizeof(tag));
    if (tag == TAG_HEAP)
        free(p);
    /* arena blocks are released all at once */
}

static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;
static pthread_key_t tl_key; /* only for its destructor: frees a thread's arena at exit */

static void tl_destroy(void *p)
{
    struct tl_parse *t = p;
    xa_arena_release(&t->arena);
    t->init = 0;
    t->live = 0;
}

static void hooks_init(void)
{
    cJSON_Hooks h = {hook_malloc, hook_free};
    cJSON_InitHooks(&h);
    pthread_key_create(&tl_key, tl_destroy);
}

static int is_arena(const void *ptr)
{
    uint32_t tag;
    memcpy(&tag, (const unsigned char *)ptr - HDR, sizeof(tag));
    return tag == TAG_ARENA;
}

static void tl_release_one(void)
{
    if (tl.live > 0 && --tl.live == 0)
        xa_arena_reset(&tl.arena);
}

xa_rc xa_json_parse(const char *text, size_t len, struct xa_json **out, struct xa_diag *diag)
{
    pthread_once(&hooks_once, hooks_init);
    if (!tl.init) {
        xa_arena_init(&tl.arena, 256 * 1024);
        tl.init = 1;
        pthread_setspecific(tl_key, &tl);
    }
    size_t bad = 0;
    if (!depth_ok(text, len, &bad)) {
        xa_diag_pos(diag, NULL, 0, (long long)bad);
        return xa_diag_set(diag, XA_ERR_LIMIT, "JSON nested deeper than %d levels", XA_JSON_MAX_DEPTH);
    }
    const char *end = NULL;
    tl.active = 1;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    tl.active = 0;
    if (root)
        tl.live++;
    else if (tl.live == 0)
        xa_arena_reset(&tl.arena);
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
        xa_json_free((struct xa_json *)(void *)root);
        xa_diag_pos(diag, NULL, 0, (long long)pos);
        return xa_diag_set(diag, XA_ERR_PARSE, "unexpected data after the JSON value");
    }
    *out = (struct xa_json *)(void *)root;
    return XA_OK;
}

void xa_json_free(struct xa_json *root)
{
    if (!root)
        return;
    if (is_arena(root))
        tl_release_one(); /* no need to walk the tree: its memory goes with the arena */
    else
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
    if (!v)
        return NULL;
    char *p = cJSON_PrintUnformatted(C(v)); /* from the hooks: hand back plain malloc memory */
    char *r = p ? strdup(p) : NULL;
    cJSON_free(p);
    return r;
}
