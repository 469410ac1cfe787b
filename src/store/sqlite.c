/* sqlite.c - the SQLite archive backend (the only file that includes sqlite3.h).
 *
 * Layout (schema version 1, see MIGRATIONS below):
 *   events(seq INTEGER PRIMARY KEY, tenant, rid, at, rtype, flags, op, actor, mbx, wl, ip,
 *          dups, zdict, body)
 *     - tenant/op/actor/mbx/wl/ip are ids into strings(id, kind, s) (0 = absent), resolved
 *       through an in-memory cache so that the table and its indexes hold small integers;
 *     - rid is the record id: 16-byte BLOB for a canonical lower-case GUID, else TEXT;
 *     - flags packs is_system, category, result, logon_type, source and external_access;
 *     - body is varint(size) + a magic-less zstd frame of every other field and the raw
 *       record (sqlite_codec.c), compressed with dictionary zdict (0 = none). The first
 *       DICT_TRAIN_AT records of an archive are stored without a dictionary; then a
 *       dictionary is trained from them, kept in zdicts(id, bytes) and used from then on.
 *   events_fts: contentless FTS5 (detail=none, ascii tokenizer) keyed by seq over the
 *   human text (actor, object, mailbox, item, folder, parameters, grantee, client_info,
 *   operation). Never deleted from, so contentless is enough.
 *   quarantine(id, at, source_name, line, off, reason, data).
 *   xa_meta / xa_migrations: format marker and applied schema versions; application_id
 *   in the header identifies an exoaudit archive. */
#include "store/store.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/str.h"
#include "core/xtime.h"
#include "store/sqlite_codec.h"
#include "store/sqlite_internal.h"
#include "store/sqlite_collect.h"

#include <zdict.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>



/* ---- string cache ------------------------------------------------------------------ */

static uint32_t str_hash(uint32_t kind, const char *s)
{
    uint32_t h = 2166136261u ^ kind;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static uint32_t id_hash(int64_t id)
{
    uint64_t x = (uint64_t)id * 0x9E3779B97F4A7C15ull;
    return (uint32_t)(x >> 32);
}

static void scache_clear(struct scache *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->e[i].s);
    free(c->e);
    free(c->bys);
    free(c->byi);
    memset(c, 0, sizeof(*c));
}

static bool scache_rehash(struct scache *c, size_t hcap)
{
    int32_t *bys = malloc(hcap * sizeof(int32_t)), *byi = malloc(hcap * sizeof(int32_t));
    if (!bys || !byi) {
        free(bys);
        free(byi);
        return false;
    }
    memset(bys, 0xff, hcap * sizeof(int32_t));
    memset(byi, 0xff, hcap * sizeof(int32_t));
    for (size_t i = 0; i < c->n; i++) {
        size_t j = c->e[i].h & (hcap - 1);
        while (bys[j] >= 0)
            j = (j + 1) & (hcap - 1);
        bys[j] = (int32_t)i;
        j = id_hash(c->e[i].id) & (hcap - 1);
        while (byi[j] >= 0)
            j = (j + 1) & (hcap - 1);
        byi[j] = (int32_t)i;
    }
    free(c->bys);
    free(c->byi);
    c->bys = bys;
    c->byi = byi;
    c->hcap = hcap;
    return true;
}

static const struct sent *scache_find_s(const struct scache *c, uint32_t kind, const char *s,
                                        uint32_t h)
{
    if (!c->hcap)
        return NULL;
    for (size_t j = h & (c->hcap - 1);; j = (j + 1) & (c->hcap - 1)) {
        int32_t i = c->bys[j];
        if (i < 0)
            return NULL;
        const struct sent *e = &c->e[i];
        if (e->h == h && e->kind == kind && strcmp(e->s, s) == 0)
            return e;
    }
}

static const struct sent *scache_find_id(const struct scache *c, int64_t id)
{
    if (!c->hcap)
        return NULL;
    for (size_t j = id_hash(id) & (c->hcap - 1);; j = (j + 1) & (c->hcap - 1)) {
        int32_t i = c->byi[j];
        if (i < 0)
            return NULL;
        if (c->e[i].id == id)
            return &c->e[i];
    }
}

/* Adds (kind, s, id); returns the cached copy or NULL on allocation failure. */
static const struct sent *scache_add(struct scache *c, uint32_t kind, const char *s, int64_t id)
{
    if (c->n >= (1u << 22)) /* bound memory: start over */
        scache_clear(c);
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 256;
        struct sent *ne = realloc(c->e, ncap * sizeof(*ne));
        if (!ne)
            return NULL;
        c->e = ne;
        c->cap = ncap;
    }
    if ((c->n + 1) * 2 > c->hcap && !scache_rehash(c, c->hcap ? c->hcap * 2 : 1024))
        return NULL;
    char *copy = strdup(s);
    if (!copy)
        return NULL;
    struct sent *e = &c->e[c->n];
    e->s = copy;
    e->id = id;
    e->kind = kind;
    e->h = str_hash(kind, s);
    size_t j = e->h & (c->hcap - 1);
    while (c->bys[j] >= 0)
        j = (j + 1) & (c->hcap - 1);
    c->bys[j] = (int32_t)c->n;
    j = id_hash(id) & (c->hcap - 1);
    while (c->byi[j] >= 0)
        j = (j + 1) & (c->hcap - 1);
    c->byi[j] = (int32_t)c->n;
    c->n++;
    return e;
}

/* ---- context ----------------------------------------------------------------------- */

/* ---- errors ------------------------------------------------------------------------ */

xa_rc xa_sq_dberr(struct ctx *c, struct xa_diag *d, int rc, const char *what)
{
    int prim = rc & 0xff;
    const char *msg = c && c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc);
    const char *path = c && c->path ? c->path : "archive";
    switch (prim) {
    case SQLITE_NOMEM:
        return xa_diag_set(d, XA_ERR_NOMEM, "%s: %s: out of memory", path, what);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return xa_diag_set(d, XA_ERR_DB,
                           "%s: %s: the archive is locked by another process (waited %d s): %s",
                           path, what, BUSY_TIMEOUT_MS / 1000, msg);
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        return xa_diag_set(d, XA_ERR_DB, "%s: %s: not an exoaudit archive or corrupt: %s", path,
                           what, msg);
    case SQLITE_READONLY:
        return xa_diag_set(d, XA_ERR_DB, "%s: %s: archive is read-only: %s", path, what, msg);
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
        return xa_diag_set(d, XA_ERR_IO, "%s: %s: %s", path, what, msg);
    default:
        return xa_diag_set(d, XA_ERR_DB, "%s: %s: %s", path, what, msg);
    }
}

xa_rc xa_sq_exec(struct ctx *c, const char *sql, struct xa_diag *d)
{
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? XA_OK : xa_sq_dberr(c, d, rc, "exec");
}

xa_rc xa_sq_prep(struct ctx *c, sqlite3_stmt **st, const char *sql, struct xa_diag *d)
{
    if (*st)
        return XA_OK;
    int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
    return rc == SQLITE_OK ? XA_OK : xa_sq_dberr(c, d, rc, "prepare");
}

/* Run a statement returning one integer (or def when no row / NULL). */
xa_rc xa_sq_query_int(struct ctx *c, const char *sql, int64_t def, int64_t *out,
                       struct xa_diag *d)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return xa_sq_dberr(c, d, rc, "prepare");
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_type(st, 0) == SQLITE_NULL ? def : sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        *out = def;
        rc = SQLITE_OK;
    }
    xa_rc x = rc == SQLITE_OK ? XA_OK : xa_sq_dberr(c, d, rc, "query");
    sqlite3_finalize(st);
    return x;
}

/* ---- schema and migrations ------------------------------------------------------- */



static xa_rc schema_version(struct ctx *c, int64_t *ver, struct xa_diag *d)
{
    int64_t has = 0;
    xa_rc rc = xa_sq_query_int(c,
                         "SELECT count(*) FROM sqlite_master WHERE type='table' AND "
                         "name='xa_migrations'",
                         0, &has, d);
    if (rc)
        return rc;
    if (!has) {
        *ver = 0;
        return XA_OK;
    }
    return xa_sq_query_int(c, "SELECT max(version) FROM xa_migrations", 0, ver, d);
}

/* Checks that the file is an exoaudit archive (or an empty new database when allow_new).
 * *is_new is set for an empty database. */
static xa_rc check_identity(struct ctx *c, bool allow_new, bool *is_new, struct xa_diag *d)
{
    int64_t n_objects = 0, appid = 0;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            n_objects = sqlite3_column_int64(st, 0);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) {
        if ((rc & 0xff) == SQLITE_NOTADB)
            return xa_diag_set(d, XA_ERR_DB, "%s: not an exoaudit archive (not an SQLite database)",
                               c->path);
        return xa_sq_dberr(c, d, rc, "read schema");
    }
    xa_rc x = xa_sq_query_int(c, "PRAGMA application_id", 0, &appid, d);
    if (x)
        return x;
    *is_new = false;
    if (appid == 0 && n_objects == 0) {
        if (!allow_new)
            return xa_diag_set(d, XA_ERR_DB, "%s: not an exoaudit archive (empty database)",
                               c->path);
        *is_new = true;
        return XA_OK;
    }
    if (appid != APP_ID)
        return xa_diag_set(d, XA_ERR_DB,
                           "%s: not an exoaudit archive (an SQLite database of another "
                           "application, application_id 0x%08" PRIx64 ")",
                           c->path, (uint64_t)(uint32_t)appid);
    return XA_OK;
}

static xa_rc too_new(struct ctx *c, int64_t ver, struct xa_diag *d)
{
    return xa_diag_set(d, XA_ERR_UNSUPPORTED,
                       "%s: archive schema version %" PRId64
                       " is newer than this exoaudit supports (%d); upgrade exoaudit",
                       c->path, ver, SCHEMA_VERSION);
}

static xa_rc migrate(struct ctx *c, struct xa_diag *d)
{
    xa_rc rc = xa_sq_exec(c, "BEGIN IMMEDIATE", d);
    if (rc)
        return rc;
    bool is_new = false;
    int64_t ver = 0;
    rc = check_identity(c, true, &is_new, d);
    if (!rc && is_new) {
        char sql[96];
        snprintf(sql, sizeof(sql), "PRAGMA application_id=%d", APP_ID);
        rc = xa_sq_exec(c, sql, d);
    }
    if (!rc)
        rc = xa_sq_exec(c,
                  "CREATE TABLE IF NOT EXISTS xa_migrations(version INTEGER PRIMARY KEY,"
                  " name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
                  d);
    if (!rc)
        rc = schema_version(c, &ver, d);
    if (!rc && ver > SCHEMA_VERSION)
        rc = too_new(c, ver, d);
    if (!rc)
        rc = xa_sq_exec(c, "COMMIT", d);
    if (rc) {
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    /* every migration not yet recorded is applied, in version order - also one numbered
     * below the newest applied (features land in parallel and may take lower numbers) */
    for (size_t i = 0; i < xa_sq_n_migrations; i++) {
        const struct xa_sq_migration *m = &xa_sq_migrations[i];
        int64_t have = 0;
        char q[96];
        snprintf(q, sizeof(q), "SELECT count(*) FROM xa_migrations WHERE version=%d", m->version);
        if ((rc = xa_sq_query_int(c, q, 0, &have, d)))
            return rc;
        if (have)
            continue;
        rc = xa_sq_exec(c, "BEGIN IMMEDIATE", d);
        if (rc)
            return rc;
        /* another process may have applied it meanwhile */
        rc = xa_sq_query_int(c, q, 0, &have, d);
        if (!rc && !have) {
            rc = xa_sq_exec(c, m->sql, d);
            sqlite3_stmt *st = NULL;
            if (!rc) {
                int src = sqlite3_prepare_v2(
                    c->db, "INSERT INTO xa_migrations(version, name, applied_at) VALUES(?,?,?)",
                    -1, &st, NULL);
                if (src == SQLITE_OK) {
                    sqlite3_bind_int(st, 1, m->version);
                    sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
                    sqlite3_bind_int64(st, 3, xa_time_now());
                    src = sqlite3_step(st);
                    if (src == SQLITE_DONE)
                        src = SQLITE_OK;
                }
                if (src != SQLITE_OK)
                    rc = xa_sq_dberr(c, d, src, "record migration");
                sqlite3_finalize(st);
            }
            if (!rc) {
                char sql[64];
                snprintf(sql, sizeof(sql), "PRAGMA user_version=%d",
                         m->version > ver ? m->version : (int)ver);
                rc = xa_sq_exec(c, sql, d);
            }
            if (rc) {
                char why[sizeof(d->msg)];
                snprintf(why, sizeof(why), "%s", d ? d->msg : "");
                xa_diag_set(d, rc, "%s: migration %d (%s) failed: %s", c->path, m->version,
                            m->name, why);
            }
        }
        if (!rc)
            rc = xa_sq_exec(c, "COMMIT", d);
        if (rc) {
            sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
        if (m->version > ver)
            ver = m->version;
    }
    return XA_OK;
}

/* ---- dictionaries and compression ------------------------------------------------ */

static ZSTD_DDict *ddict_get(struct ctx *c, int64_t id, struct xa_diag *d, xa_rc *err)
{
    *err = XA_OK;
    for (size_t i = 0; i < c->n_dd; i++)
        if (c->dd[i].id == id)
            return c->dd[i].dd;
    xa_rc rc = xa_sq_prep(c, &c->st_dict, "SELECT bytes FROM zdicts WHERE id=?", d);
    if (rc) {
        *err = rc;
        return NULL;
    }
    sqlite3_bind_int64(c->st_dict, 1, id);
    int src = sqlite3_step(c->st_dict);
    ZSTD_DDict *dd = NULL;
    if (src == SQLITE_ROW) {
        const void *p = sqlite3_column_blob(c->st_dict, 0);
        int n = sqlite3_column_bytes(c->st_dict, 0);
        dd = p && n > 0 ? ZSTD_createDDict(p, (size_t)n) : NULL;
        if (!dd)
            *err = xa_diag_set(d, XA_ERR_DB, "%s: compression dictionary %" PRId64 " is unusable",
                               c->path, id);
    } else if (src == SQLITE_DONE) {
        *err = xa_diag_set(d, XA_ERR_DB,
                           "%s: archive is corrupt: compression dictionary %" PRId64 " missing",
                           c->path, id);
    } else {
        *err = xa_sq_dberr(c, d, src, "load dictionary");
    }
    sqlite3_reset(c->st_dict);
    if (!dd)
        return NULL;
    struct ddict_ent *ne = realloc(c->dd, (c->n_dd + 1) * sizeof(*ne));
    if (!ne) {
        ZSTD_freeDDict(dd);
        *err = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
        return NULL;
    }
    c->dd = ne;
    c->dd[c->n_dd].id = id;
    c->dd[c->n_dd].dd = dd;
    c->n_dd++;
    return dd;
}

/* Decompress a body blob into c->dbuf (NUL-terminated). */
static xa_rc body_decompress(struct ctx *c, int64_t dict, const void *blob, size_t n,
                             struct xa_diag *d)
{
    const unsigned char *p = blob;
    uint64_t usize;
    size_t k = p ? xa_sqlc_varint_get(p, n, &usize) : 0;
    if (!k || usize > BODY_MAX)
        return xa_diag_set(d, XA_ERR_DB, "%s: archive is corrupt: bad record body", c->path);
    if (!c->dctx) {
        c->dctx = ZSTD_createDCtx();
        if (!c->dctx)
            return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
        ZSTD_DCtx_setParameter(c->dctx, ZSTD_d_format, ZSTD_f_zstd1_magicless);
    }
    ZSTD_DDict *dd = NULL;
    if (dict != 0) {
        xa_rc err;
        dd = ddict_get(c, dict, d, &err);
        if (!dd)
            return err;
    }
    xa_buf_reset(&c->dbuf);
    xa_rc rc = xa_buf_reserve(&c->dbuf, (size_t)usize + 1);
    if (rc)
        return xa_diag_set(d, rc, "out of memory");
    ZSTD_DCtx_refDDict(c->dctx, dd);
    size_t r = ZSTD_decompressDCtx(c->dctx, c->dbuf.data, (size_t)usize + 1, p + k, n - k);
    if (ZSTD_isError(r) || r != usize) {
        ZSTD_DCtx_reset(c->dctx, ZSTD_reset_session_only);
        return xa_diag_set(d, XA_ERR_DB, "%s: archive is corrupt: record body does not decompress",
                           c->path);
    }
    c->dbuf.len = (size_t)usize;
    c->dbuf.data[usize] = '\0';
    return XA_OK;
}

static void cctx_configure(ZSTD_CCtx *cc)
{
    ZSTD_CCtx_setParameter(cc, ZSTD_c_format, ZSTD_f_zstd1_magicless);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 0);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 0);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_dictIDFlag, 0);
    /* reference the dictionary's tables instead of copying them per record (measured faster) */
    ZSTD_CCtx_setParameter(cc, ZSTD_c_forceAttachDict, ZSTD_dictForceAttach);
}

static xa_rc cctx_ensure(struct ctx *c, struct xa_diag *d)
{
    if (c->cctx)
        return XA_OK;
    c->cctx = ZSTD_createCCtx();
    if (!c->cctx)
        return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    cctx_configure(c->cctx);
    return XA_OK;
}

/* varint(size) + frame of src[0..n) into out (capacity cap, at least
 * ZSTD_compressBound(n) + 16), with cd or, when NULL, without a dictionary. */
static xa_rc compress_with(ZSTD_CCtx *cc, ZSTD_CDict *cd, const void *src, size_t n,
                           unsigned char *out, size_t cap, size_t *len, struct xa_diag *d)
{
    size_t k = xa_sqlc_varint_put(out, n);
    if (cd) {
        ZSTD_CCtx_refCDict(cc, cd);
    } else {
        ZSTD_CCtx_refCDict(cc, NULL);
        ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, ZLEVEL_NODICT);
    }
    size_t r = ZSTD_compress2(cc, out + k, cap - k, src, n);
    if (ZSTD_isError(r)) {
        ZSTD_CCtx_reset(cc, ZSTD_reset_session_only);
        return xa_diag_set(d, XA_ERR_INTERNAL, "zstd: %s", ZSTD_getErrorName(r));
    }
    *len = k + r;
    return XA_OK;
}

/* Compress src into c->zbuf as varint(size) + frame, with the current dictionary. */
static xa_rc body_compress(struct ctx *c, const void *src, size_t n, struct xa_diag *d)
{
    xa_rc rc = cctx_ensure(c, d);
    if (rc)
        return rc;
    xa_buf_reset(&c->zbuf);
    size_t bound = ZSTD_compressBound(n) + 16;
    rc = xa_buf_reserve(&c->zbuf, bound);
    if (rc)
        return xa_diag_set(d, rc, "out of memory");
    size_t len;
    rc = compress_with(c->cctx, c->cdict, src, n, (unsigned char *)c->zbuf.data, bound, &len, d);
    if (!rc)
        c->zbuf.len = len;
    return rc;
}

/* Writer side: make (cdict, cur_dict) visible to prepare() (valid = false hides it). */
static void publish_dict(struct ctx *c, bool valid)
{
    pthread_mutex_lock(&c->mu);
    c->pub_valid = valid;
    c->pub_cdict = c->cdict;
    c->pub_dict = c->cur_dict;
    pthread_mutex_unlock(&c->mu);
}

static pthread_key_t tl_cctx_key;
static pthread_once_t tl_cctx_once = PTHREAD_ONCE_INIT;
static void tl_cctx_free(void *p) { ZSTD_freeCCtx(p); }
static void tl_cctx_init(void) { pthread_key_create(&tl_cctx_key, tl_cctx_free); }

/* A compression context of the calling thread (freed when the thread exits). */
static ZSTD_CCtx *tl_cctx(void)
{
    pthread_once(&tl_cctx_once, tl_cctx_init);
    ZSTD_CCtx *cc = pthread_getspecific(tl_cctx_key);
    if (!cc && (cc = ZSTD_createCCtx())) {
        cctx_configure(cc);
        pthread_setspecific(tl_cctx_key, cc);
    }
    return cc;
}

static void dict_state_reset(struct ctx *c)
{
    publish_dict(c, false);
    if (c->cdict) {
        ZSTD_CDict **r = realloc(c->retired, (c->n_retired + 1) * sizeof(*r));
        if (r) {
            c->retired = r;
            c->retired[c->n_retired++] = c->cdict;
        } else {
            /* cannot retire: prepare() is hidden (pub_valid false) but may still be using it;
             * leaking one dictionary is the safe choice */
        }
    }
    c->cdict = NULL;
    c->cur_dict = 0;
    c->dict_state_ok = false;
}

static xa_rc use_dict(struct ctx *c, int64_t id, struct xa_diag *d)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(c->db, "SELECT bytes FROM zdicts WHERE id=?", -1, &st, NULL);
    xa_rc rc = XA_OK;
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            const void *p = sqlite3_column_blob(st, 0);
            int n = sqlite3_column_bytes(st, 0);
            c->cdict = p && n > 0 ? ZSTD_createCDict(p, (size_t)n, ZLEVEL_DICT) : NULL;
            if (!c->cdict)
                rc = xa_diag_set(d, XA_ERR_DB, "%s: compression dictionary %" PRId64
                                 " is unusable", c->path, id);
            else
                c->cur_dict = id;
            src = SQLITE_OK;
        } else if (src == SQLITE_DONE) {
            src = SQLITE_OK;
        }
    }
    if (src != SQLITE_OK)
        rc = xa_sq_dberr(c, d, src, "load dictionary");
    sqlite3_finalize(st);
    return rc;
}

/* Learn which dictionary new records use (writer side). */
static xa_rc dict_state_load(struct ctx *c, struct xa_diag *d)
{
    if (c->dict_state_ok)
        return XA_OK;
    dict_state_reset(c);
    int64_t id = 0;
    xa_rc rc = xa_sq_query_int(c, "SELECT max(id) FROM zdicts", 0, &id, d);
    if (!rc && id > 0)
        rc = use_dict(c, id, d);
    if (!rc && c->cur_dict == 0) {
        rc = xa_sq_query_int(c, "SELECT count(*) FROM events WHERE zdict=0", 0, &c->n_nodict, d);
        c->next_train_at = DICT_TRAIN_AT;
        while (c->next_train_at <= c->n_nodict - DICT_TRAIN_AT)
            c->next_train_at *= 2; /* earlier training failed: retry at the next doubling */
    }
    if (!rc) {
        c->dict_state_ok = true;
        publish_dict(c, true);
    }
    return rc;
}

/* Train a dictionary from the records stored without one; on success it becomes the
 * dictionary of new records (in the current transaction). Failure to train is not an
 * error: records keep being stored without a dictionary and training is retried later. */
static xa_rc dict_train(struct ctx *c, struct xa_diag *d)
{
    sqlite3_stmt *st = NULL;
    struct xa_buf samples;
    size_t *sizes = NULL, n = 0;
    xa_rc rc = XA_OK;
    void *dict = NULL;
    xa_buf_init(&samples, 0);
    int src = sqlite3_prepare_v2(
        c->db, "SELECT body FROM events WHERE zdict=0 ORDER BY seq LIMIT ?", -1, &st, NULL);
    if (src != SQLITE_OK) {
        rc = xa_sq_dberr(c, d, src, "read dictionary samples");
        goto out;
    }
    sqlite3_bind_int(st, 1, DICT_TRAIN_AT);
    sizes = malloc(DICT_TRAIN_AT * sizeof(*sizes));
    if (!sizes) {
        rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
        goto out;
    }
    while ((src = sqlite3_step(st)) == SQLITE_ROW && n < DICT_TRAIN_AT) {
        rc = body_decompress(c, 0, sqlite3_column_blob(st, 0),
                             (size_t)sqlite3_column_bytes(st, 0), d);
        if (rc)
            goto out;
        rc = xa_buf_append(&samples, c->dbuf.data, c->dbuf.len);
        if (rc)
            goto out;
        sizes[n++] = c->dbuf.len;
    }
    if (src != SQLITE_ROW && src != SQLITE_DONE) {
        rc = xa_sq_dberr(c, d, src, "read dictionary samples");
        goto out;
    }
    size_t cap = DICT_BYTES;
    if (samples.len / 8 < cap)
        cap = samples.len / 8; /* small samples: a dictionary larger than that does not help */
    if (cap < 4096)
        goto out;
    dict = malloc(cap);
    if (!dict) {
        rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
        goto out;
    }
    int64_t t0 = xa_time_mono();
    size_t dsz = ZDICT_trainFromBuffer(dict, cap, samples.data, sizes, (unsigned)n);
    if (ZDICT_isError(dsz)) {
        xa_log_debug("store: dictionary training failed (%s); continuing without",
                     ZDICT_getErrorName(dsz));
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    src = sqlite3_prepare_v2(c->db, "INSERT INTO zdicts(bytes, created_at, samples) VALUES(?,?,?)",
                             -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_blob(st, 1, dict, (int)dsz, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, xa_time_now());
        sqlite3_bind_int64(st, 3, (int64_t)n);
        src = sqlite3_step(st);
        if (src == SQLITE_DONE)
            src = SQLITE_OK;
    }
    if (src != SQLITE_OK) {
        rc = xa_sq_dberr(c, d, src, "store dictionary");
        goto out;
    }
    int64_t id = sqlite3_last_insert_rowid(c->db);
    rc = use_dict(c, id, d);
    if (!rc)
        publish_dict(c, true);
    xa_log_debug("store: trained dictionary %" PRId64 " (%zu bytes from %zu records, %.0f ms)",
                 id, dsz, n, (double)(xa_time_mono() - t0) / 1000.0);
out:
    sqlite3_finalize(st);
    xa_buf_release(&samples);
    free(sizes);
    free(dict);
    return rc;
}

/* ---- strings ----------------------------------------------------------------------- */

static xa_rc str_intern(struct ctx *c, uint32_t kind, const char *s, int64_t *id,
                        struct xa_diag *d)
{
    if (!s) {
        *id = 0;
        return XA_OK;
    }
    uint32_t h = str_hash(kind, s);
    const struct sent *e = scache_find_s(&c->strs, kind, s, h);
    if (e) {
        *id = e->id;
        return XA_OK;
    }
    xa_rc rc = xa_sq_prep(c, &c->st_str_get, "SELECT id FROM strings WHERE kind=? AND s=?", d);
    if (!rc)
        rc = xa_sq_prep(c, &c->st_str_ins, "INSERT INTO strings(kind, s) VALUES(?,?)", d);
    if (rc)
        return rc;
    sqlite3_bind_int(c->st_str_get, 1, (int)kind);
    sqlite3_bind_text(c->st_str_get, 2, s, -1, SQLITE_STATIC);
    int src = sqlite3_step(c->st_str_get);
    int64_t v = 0;
    if (src == SQLITE_ROW) {
        v = sqlite3_column_int64(c->st_str_get, 0);
        src = SQLITE_OK;
    } else if (src == SQLITE_DONE) {
        sqlite3_bind_int(c->st_str_ins, 1, (int)kind);
        sqlite3_bind_text(c->st_str_ins, 2, s, -1, SQLITE_STATIC);
        src = sqlite3_step(c->st_str_ins);
        if (src == SQLITE_DONE) {
            v = sqlite3_last_insert_rowid(c->db);
            src = SQLITE_OK;
        }
        sqlite3_reset(c->st_str_ins);
    }
    sqlite3_reset(c->st_str_get);
    if (src != SQLITE_OK)
        return xa_sq_dberr(c, d, src, "intern string");
    if (!scache_add(&c->strs, kind, s, v))
        return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    *id = v;
    return XA_OK;
}

static xa_rc str_by_id(struct ctx *c, int64_t id, const char **out, struct xa_diag *d);

/* for the backend's feature files (sqlite_internal.h) */
xa_rc xa_sq_str_by_id(struct ctx *c, int64_t id, const char **out, struct xa_diag *d)
{
    return str_by_id(c, id, out, d);
}

xa_rc xa_sq_body_decompress(struct ctx *c, int64_t dict, const void *blob, size_t n,
                            struct xa_diag *d)
{
    return body_decompress(c, dict, blob, n, d);
}

static xa_rc str_by_id(struct ctx *c, int64_t id, const char **out, struct xa_diag *d)
{
    if (id == 0) {
        *out = NULL;
        return XA_OK;
    }
    const struct sent *e = scache_find_id(&c->strs, id);
    if (e) {
        *out = e->s;
        return XA_OK;
    }
    xa_rc rc = xa_sq_prep(c, &c->st_str_byid, "SELECT kind, s FROM strings WHERE id=?", d);
    if (rc)
        return rc;
    sqlite3_bind_int64(c->st_str_byid, 1, id);
    int src = sqlite3_step(c->st_str_byid);
    if (src == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(c->st_str_byid, 1);
        e = s ? scache_add(&c->strs, (uint32_t)sqlite3_column_int(c->st_str_byid, 0), s, id)
              : NULL;
        sqlite3_reset(c->st_str_byid);
        if (!e)
            return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
        *out = e->s;
        return XA_OK;
    }
    sqlite3_reset(c->st_str_byid);
    if (src == SQLITE_DONE)
        return xa_diag_set(d, XA_ERR_DB, "%s: archive is corrupt: string %" PRId64 " missing",
                           c->path, id);
    return xa_sq_dberr(c, d, src, "read string");
}

/* ---- open / close / transactions ------------------------------------------------- */

static void close_ctx(struct ctx *c)
{
    if (!c)
        return;
    xa_sqi_close(c); /* integrity: final checkpoint, free state (sqlite_integrity.c) */
    sqlite3_stmt *sts[] = {c->st_str_get, c->st_str_ins, c->st_str_byid, c->st_ins,
                           c->st_dup,     c->st_fts,     c->st_dict};
    for (size_t i = 0; i < sizeof(sts) / sizeof(sts[0]); i++)
        sqlite3_finalize(sts[i]);
    if (c->db) {
        if (c->in_txn)
            sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        if (!c->readonly)
            sqlite3_exec(c->db, "PRAGMA analysis_limit=1000; PRAGMA optimize", NULL, NULL, NULL);
        sqlite3_close_v2(c->db);
    }
    scache_clear(&c->strs);
    ZSTD_freeCCtx(c->cctx);
    ZSTD_freeDCtx(c->dctx);
    ZSTD_freeCDict(c->cdict);
    for (size_t i = 0; i < c->n_retired; i++)
        ZSTD_freeCDict(c->retired[i]);
    free(c->retired);
    pthread_mutex_destroy(&c->mu);
    for (size_t i = 0; i < c->n_dd; i++)
        ZSTD_freeDDict(c->dd[i].dd);
    free(c->dd);
    xa_buf_release(&c->body);
    xa_buf_release(&c->zbuf);
    xa_buf_release(&c->fts);
    xa_buf_release(&c->dbuf);
    xa_arena_release(&c->arena);
    free(c->path);
    free(c);
}

static xa_rc sq_open(const struct xa_store_cfg *cfg, void **out, struct xa_diag *d)
{
    if (!cfg || !cfg->location || !*cfg->location)
        return xa_diag_set(d, XA_ERR_USAGE, "no archive path given");
    struct ctx *c = calloc(1, sizeof(*c));
    if (c)
        pthread_mutex_init(&c->mu, NULL);
    if (!c || !(c->path = strdup(cfg->location))) {
        free(c);
        return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    }
    c->readonly = cfg->readonly;
    xa_buf_init(&c->body, 0);
    xa_buf_init(&c->zbuf, 0);
    xa_buf_init(&c->fts, 0);
    xa_buf_init(&c->dbuf, 0);
    xa_arena_init(&c->arena, 64 * 1024);
    xa_rc rc = XA_OK;
    int flags = (c->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    int src = sqlite3_open_v2(c->path, &c->db, flags, NULL);
    if (src != SQLITE_OK) {
        if (c->readonly && (src & 0xff) == SQLITE_CANTOPEN)
            rc = xa_diag_set(d, XA_ERR_IO, "%s: cannot open archive: %s", c->path,
                             errno ? strerror(errno) : "no such file");
        else
            rc = xa_sq_dberr(c, d, src, "open");
        goto out;
    }
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
    char sql[128];
    long long cache_kb = (long long)(cfg->cache_mb ? cfg->cache_mb : c->readonly ? 64 : 24) * 1024;
    snprintf(sql, sizeof(sql), "PRAGMA cache_size=-%lld; PRAGMA temp_store=MEMORY", cache_kb);
    if ((rc = xa_sq_exec(c, sql, d)))
        goto out;
    if (c->readonly) {
        bool is_new;
        int64_t ver = 0;
        rc = check_identity(c, false, &is_new, d);
        if (!rc)
            rc = schema_version(c, &ver, d);
        if (!rc && ver > SCHEMA_VERSION)
            rc = too_new(c, ver, d);
        else if (!rc && ver < SCHEMA_VERSION)
            rc = xa_diag_set(d, XA_ERR_DB,
                             "%s: archive schema version %" PRId64
                             " is older than this exoaudit's (%d); open it once for writing "
                             "(e.g. an import) to migrate it",
                             c->path, ver, SCHEMA_VERSION);
        if (!rc)
            rc = xa_sq_exec(c, "PRAGMA query_only=1; PRAGMA mmap_size=0", d);
        if (rc)
            goto out;
    } else {
        bool is_new;
        if ((rc = check_identity(c, true, &is_new, d)))
            goto out;
        int64_t dummy;
        /* journal_mode returns a row; query_int runs it */
        if ((rc = xa_sq_query_int(c, "PRAGMA journal_mode=WAL", 0, &dummy, d)))
            goto out;
        if ((rc = xa_sq_exec(c, "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=4000", d)))
            goto out;
        if ((rc = migrate(c, d)))
            goto out;
        if ((rc = dict_state_load(c, d))) /* publishes the dictionary for prepare() */
            goto out;
        /* what the cached archive state above corresponds to (see sq_begin) */
        if ((rc = xa_sq_query_int(c, "PRAGMA data_version", 0, &c->data_version, d)))
            goto out;
    }
    /* integrity: chain state, key, xa_purging() for the triggers (sqlite_integrity.c) */
    if ((rc = xa_sqi_open(c, cfg->integrity, d)))
        goto out;
out:
    if (rc) {
        close_ctx(c);
        return rc;
    }
    *out = c;
    return XA_OK;
}

static void sq_close(void *ctx)
{
    close_ctx(ctx);
}

xa_rc xa_sq_writable(struct ctx *c, struct xa_diag *d)
{
    if (c->readonly)
        return xa_diag_set(d, XA_ERR_INVALID, "%s: archive was opened read-only", c->path);
    return XA_OK;
}

void xa_sq_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static xa_rc sq_begin(void *ctx, struct xa_diag *d)
{
    struct ctx *c = ctx;
    if (c->readonly)
        return xa_sq_writable(c, d);
    if (c->in_txn)
        return xa_diag_set(d, XA_ERR_USAGE, "%s: a transaction is already open", c->path);
    xa_rc rc = xa_sq_exec(c, "BEGIN IMMEDIATE", d);
    if (rc)
        return rc;
    c->in_txn = true;
    /* Several writers may keep the archive open (serve's self-audit queue, the collector, a
     * concurrent import): when another connection committed since this one last wrote, the
     * state it caches about the archive's tail is stale. The write lock is held now, so
     * re-reading it here is race-free. */
    int64_t dv = 0;
    rc = xa_sq_query_int(c, "PRAGMA data_version", 0, &dv, d);
    if (!rc && c->data_version && dv != c->data_version) {
        c->dict_state_ok = false; /* dictionary in use: re-read before the next put */
        rc = xa_sqi_reload(c, d);  /* integrity chain head (sqlite_integrity.c) */
    }
    if (rc) {
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        c->in_txn = false;
        return rc;
    }
    c->data_version = dv;
    return XA_OK;
}

static void forget_uncommitted(struct ctx *c)
{
    /* strings and dictionaries created by the rolled-back transaction are gone */
    scache_clear(&c->strs);
    dict_state_reset(c);
    xa_sqi_forget(c); /* integrity: back to the committed chain state */
    for (size_t i = 0; i < c->n_dd; i++)
        ZSTD_freeDDict(c->dd[i].dd);
    c->n_dd = 0;
}

static xa_rc sq_commit(void *ctx, struct xa_diag *d)
{
    struct ctx *c = ctx;
    if (!c->in_txn)
        return xa_diag_set(d, XA_ERR_USAGE, "%s: commit without begin", c->path);
    xa_rc irc = xa_sqi_before_commit(c, d); /* integrity: block, due checkpoint, same txn */
    if (irc)
        return irc;
    int src = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    if (src == SQLITE_OK) {
        c->in_txn = false;
        xa_sqi_after_commit(c);
        return XA_OK;
    }
    xa_rc rc = xa_sq_dberr(c, d, src, "commit");
    if (sqlite3_get_autocommit(c->db)) { /* SQLite rolled back already */
        c->in_txn = false;
        forget_uncommitted(c);
    }
    return rc;
}

static void sq_rollback(void *ctx)
{
    struct ctx *c = ctx;
    if (!c->in_txn)
        return;
    sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    c->in_txn = false;
    forget_uncommitted(c);
}

/* ---- put --------------------------------------------------------------------------- */

static xa_rc sq_put(void *ctx, const struct xa_event *ev, enum xa_put_status *status,
                    struct xa_diag *d)
{
    struct ctx *c = ctx;
    if (c->readonly)
        return xa_sq_writable(c, d);
    if (!ev || !ev->tenant_id || !ev->record_id || !*ev->record_id)
        return xa_diag_set(d, XA_ERR_INVALID, "event without tenant_id or record_id");
    xa_rc rc = xa_sq_prep(c, &c->st_ins,
                    "INSERT INTO events(tenant, rid, at, rtype, flags, op, actor, mbx, wl, ip,"
                    " zdict, body) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT(rid, tenant) DO NOTHING",
                    d);
    if (!rc)
        rc = xa_sq_prep(c, &c->st_dup, "UPDATE events SET dups=dups+1 WHERE rid=? AND tenant=?", d);
    if (!rc)
        rc = xa_sq_prep(c, &c->st_fts, "INSERT INTO events_fts(rowid, t) VALUES(?,?)", d);
    if (!rc)
        rc = dict_state_load(c, d);
    if (rc)
        return rc;

    int64_t ids[6];
    const char *strs[6] = {ev->tenant_id, ev->operation, ev->actor,
                           ev->mailbox,   ev->workload,  ev->client_ip};
    for (int i = 0; i < 6; i++)
        if ((rc = str_intern(c, (uint32_t)(K_TENANT + i), strs[i], &ids[i], d)))
            return rc;

    unsigned char guid[16];
    bool is_guid = xa_sqlc_guid_pack(ev->record_id, guid);

    const void *zbody;
    size_t zlen;
    const unsigned char *chash = NULL; /* integrity: content hash made by prepare() */
    if (ev->prepared && ev->prepared_tag == c->cur_dict) {
        chash = ev->prepared;
        zbody = chash + XA_SQI_PREP_PREFIX; /* compressed by prepare() with the current dict */
        zlen = ev->prepared_len - XA_SQI_PREP_PREFIX;
    } else {
        xa_buf_reset(&c->body);
        if ((rc = xa_sqlc_body_encode(ev, &c->body)))
            return xa_diag_set(d, rc, "record %s: cannot encode", ev->record_id);
        if ((rc = body_compress(c, c->body.data, c->body.len, d)))
            return rc;
        zbody = c->zbuf.data;
        zlen = c->zbuf.len;
    }

    sqlite3_stmt *st = c->st_ins;
    if (is_guid)
        sqlite3_bind_blob(st, 2, guid, 16, SQLITE_STATIC);
    else
        sqlite3_bind_text(st, 2, ev->record_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 1, ids[0]);
    sqlite3_bind_int64(st, 3, ev->occurred_at);
    sqlite3_bind_int64(st, 4, ev->record_type);
    sqlite3_bind_int64(st, 5, xa_sqlc_flags_pack(ev));
    for (int i = 1; i < 6; i++)
        sqlite3_bind_int64(st, 5 + i, ids[i]);
    sqlite3_bind_int64(st, 11, c->cur_dict);
    sqlite3_bind_blob(st, 12, zbody, (int)zlen, SQLITE_STATIC);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return xa_sq_dberr(c, d, src, "insert event");
    if (sqlite3_changes(c->db) == 0) {
        st = c->st_dup;
        if (is_guid)
            sqlite3_bind_blob(st, 1, guid, 16, SQLITE_STATIC);
        else
            sqlite3_bind_text(st, 1, ev->record_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, ids[0]);
        src = sqlite3_step(st);
        sqlite3_reset(st);
        if (src != SQLITE_DONE)
            return xa_sq_dberr(c, d, src, "count duplicate");
        *status = XA_PUT_DUPLICATE;
        return XA_OK;
    }
    int64_t seq = sqlite3_last_insert_rowid(c->db);
    if ((rc = xa_sqi_put(c, ev, seq, chash, d))) /* integrity: chain it (sqlite_integrity.c) */
        return rc;

    const char *text = ev->prepared_text;
    size_t text_len = ev->prepared_text_len;
    if (!text) {
        xa_buf_reset(&c->fts);
        if ((rc = xa_sqlc_fts_doc(ev, &c->fts, FTS_DOC_MAX)))
            return xa_diag_set(d, rc, "out of memory");
        text = c->fts.data ? c->fts.data : "";
        text_len = c->fts.len;
    }
    st = c->st_fts;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_text(st, 2, text, (int)text_len, SQLITE_STATIC);
    src = sqlite3_step(st);
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return xa_sq_dberr(c, d, src, "index event text");

    if (c->cur_dict == 0 && ++c->n_nodict >= c->next_train_at) {
        if ((rc = dict_train(c, d)))
            return rc;
        if (c->cur_dict == 0)
            c->next_train_at *= 2;
    }
    *status = XA_PUT_STORED;
    return XA_OK;
}

/* Producer-thread half of put(): body encoding, compression with the published dictionary
 * and the full-text document, into the caller's arena. Touches only thread-safe state:
 * the published dictionary snapshot (under mu) and a thread-local compression context. */
static xa_rc sq_prepare(void *ctx, struct xa_event *ev, struct xa_arena *a, struct xa_diag *d)
{
    struct ctx *c = ctx;
    ev->prepared = NULL;
    ev->prepared_text = NULL;
    if (c->readonly)
        return XA_OK;
    pthread_mutex_lock(&c->mu);
    bool valid = c->pub_valid;
    ZSTD_CDict *cd = c->pub_cdict;
    int64_t tag = c->pub_dict;
    pthread_mutex_unlock(&c->mu);
    if (!valid)
        return XA_OK; /* nothing published yet: put() does the work */
    ZSTD_CCtx *cc = tl_cctx();
    if (!cc)
        return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    struct xa_buf body;
    xa_buf_init(&body, 0);
    xa_rc rc = xa_sqlc_body_encode(ev, &body);
    if (rc) {
        xa_buf_release(&body);
        return XA_OK; /* put() reports it with the record id */
    }
    size_t cap = ZSTD_compressBound(body.len) + 16, len = 0;
    unsigned char *out = xa_arena_alloc(a, cap + XA_SQI_PREP_PREFIX);
    if (!out) {
        xa_buf_release(&body);
        return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    }
    xa_sqi_prepare(c, ev, body.data, body.len, out); /* integrity: content hash first */
    out += XA_SQI_PREP_PREFIX;
    rc = compress_with(cc, cd, body.data, body.len, out, cap, &len, d);
    xa_buf_release(&body);
    if (rc)
        return rc;
    struct xa_buf text;
    xa_buf_init(&text, 0);
    if (xa_sqlc_fts_doc(ev, &text, FTS_DOC_MAX) == XA_OK) {
        ev->prepared_text = xa_arena_strndup(a, text.data ? text.data : "", text.len);
        ev->prepared_text_len = ev->prepared_text ? text.len : 0;
    }
    xa_buf_release(&text);
    ev->prepared = out - XA_SQI_PREP_PREFIX;
    ev->prepared_len = len + XA_SQI_PREP_PREFIX;
    ev->prepared_tag = tag;
    return XA_OK;
}

static xa_rc sq_quarantine(void *ctx, const struct xa_quarantine_item *q, struct xa_diag *d)
{
    struct ctx *c = ctx;
    if (c->readonly)
        return xa_sq_writable(c, d);
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(c->db,
                                 "INSERT INTO quarantine(at, source_name, line, off, reason, data)"
                                 " VALUES(?,?,?,?,?,?)",
                                 -1, &st, NULL);
    if (src == SQLITE_OK) {
        int64_t at = q->at != 0 && q->at != XA_TIME_NONE ? q->at : xa_time_now();
        sqlite3_bind_int64(st, 1, at);
        sqlite3_bind_text(st, 2, q->source_name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, q->line);
        sqlite3_bind_int64(st, 4, q->offset);
        sqlite3_bind_text(st, 5, q->reason ? q->reason : "", -1, SQLITE_STATIC);
        if (q->data)
            sqlite3_bind_blob(st, 6, q->data, (int)(q->data_len > (1u << 30) ? (1u << 30) : q->data_len),
                              SQLITE_STATIC);
        src = sqlite3_step(st);
        if (src == SQLITE_DONE)
            src = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return src == SQLITE_OK ? XA_OK : xa_sq_dberr(c, d, src, "quarantine");
}

/* ---- reading ----------------------------------------------------------------------- */

#define EV_COLS "seq, tenant, rid, at, rtype, flags, op, actor, mbx, wl, ip, dups, zdict, body"

/* Fill ev from the current row of st (columns EV_COLS). Strings live in c's caches,
 * c->arena and c->dbuf until the next row. */
static xa_rc row_event(struct ctx *c, sqlite3_stmt *st, struct xa_event *ev, struct xa_diag *d)
{
    xa_event_init(ev);
    xa_arena_reset(&c->arena);
    ev->seq = sqlite3_column_int64(st, 0);
    xa_rc rc = str_by_id(c, sqlite3_column_int64(st, 1), &ev->tenant_id, d);
    if (rc)
        return rc;
    if (sqlite3_column_type(st, 2) == SQLITE_BLOB && sqlite3_column_bytes(st, 2) == 16) {
        char *g = xa_arena_alloc(&c->arena, 37);
        if (!g)
            return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
        xa_sqlc_guid_format(sqlite3_column_blob(st, 2), g);
        ev->record_id = g;
    } else {
        const char *t = (const char *)sqlite3_column_text(st, 2);
        ev->record_id = xa_arena_strdup(&c->arena, t ? t : "");
        if (!ev->record_id)
            return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
    }
    ev->occurred_at = sqlite3_column_int64(st, 3);
    ev->record_type = (int)sqlite3_column_int64(st, 4);
    xa_sqlc_flags_unpack(sqlite3_column_int64(st, 5), ev);
    const char **dst[5] = {&ev->operation, &ev->actor, &ev->mailbox, &ev->workload,
                           &ev->client_ip};
    for (int i = 0; i < 5; i++)
        if ((rc = str_by_id(c, sqlite3_column_int64(st, 6 + i), dst[i], d)))
            return rc;
    int64_t dups = sqlite3_column_int64(st, 11);
    ev->duplicates = dups < 0 ? 0 : dups > UINT32_MAX ? UINT32_MAX : (uint32_t)dups;
    rc = body_decompress(c, sqlite3_column_int64(st, 12), sqlite3_column_blob(st, 13),
                         (size_t)sqlite3_column_bytes(st, 13), d);
    if (rc)
        return rc;
    if (xa_sqlc_body_decode(c->dbuf.data, c->dbuf.len, &c->arena, ev) != XA_OK)
        return xa_diag_set(d, XA_ERR_DB, "%s: archive is corrupt: record %" PRId64
                           " has a malformed body", c->path, ev->seq);
    return XA_OK;
}

/* Step st and call cb for every row (at most limit, 0 = all). */
static xa_rc emit_rows(struct ctx *c, sqlite3_stmt *st, size_t limit, xa_event_cb cb, void *ud,
                       size_t *count, struct xa_diag *d)
{
    size_t n = 0;
    int src;
    xa_rc rc = XA_OK;
    while ((limit == 0 || n < limit) && (src = sqlite3_step(st)) == SQLITE_ROW) {
        struct xa_event ev;
        if ((rc = row_event(c, st, &ev, d)))
            break;
        n++;
        if ((rc = cb(ud, &ev)))
            break;
    }
    if (!rc && (limit == 0 || n < limit) && src != SQLITE_DONE)
        rc = xa_sq_dberr(c, d, src, "read events");
    if (count)
        *count = n;
    return rc;
}

struct get_wrap {
    xa_event_cb cb;
    void *ud;
    int64_t seen[16];
    size_t n_seen, total;
};

static xa_rc get_cb(void *ud, const struct xa_event *ev)
{
    struct get_wrap *w = ud;
    if (w->n_seen < 16)
        w->seen[w->n_seen++] = ev->seq;
    w->total++;
    return w->cb(w->ud, ev);
}

static xa_rc sq_get(void *ctx, const char *id, xa_event_cb cb, void *ud, struct xa_diag *d)
{
    struct ctx *c = ctx;
    if (!id || !*id)
        return xa_diag_set(d, XA_ERR_USAGE, "empty record id");
    struct get_wrap w = {.cb = cb, .ud = ud};
    xa_rc rc = XA_OK;
    unsigned char guid[16];
    bool any_guid = xa_sqlc_guid_pack_any(id, guid);
    bool canon_guid = xa_sqlc_guid_pack(id, guid);
    int64_t seq = 0;
    bool is_num = strlen(id) <= 18;
    for (const char *p = id; is_num && *p; p++) {
        if (*p < '0' || *p > '9')
            is_num = false;
        else
            seq = seq * 10 + (*p - '0');
    }
    /* 1: record id as a GUID blob (any case), 2: as text, 3: as seq */
    for (int pass = 1; pass <= 3 && !rc; pass++) {
        if ((pass == 1 && !any_guid) || (pass == 2 && canon_guid) || (pass == 3 && !is_num))
            continue;
        if (pass == 3) {
            bool seen = false;
            for (size_t i = 0; i < w.n_seen; i++)
                seen = seen || w.seen[i] == seq;
            if (seen)
                continue;
        }
        const char *sql = pass == 3 ? "SELECT " EV_COLS " FROM events WHERE seq=?"
                                    : "SELECT " EV_COLS " FROM events WHERE rid=? ORDER BY seq";
        sqlite3_stmt *st = NULL;
        int src = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
        if (src != SQLITE_OK)
            return xa_sq_dberr(c, d, src, "prepare");
        if (pass == 1)
            sqlite3_bind_blob(st, 1, guid, 16, SQLITE_STATIC);
        else if (pass == 2)
            sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        else
            sqlite3_bind_int64(st, 1, seq);
        rc = emit_rows(c, st, 0, get_cb, &w, NULL, d);
        sqlite3_finalize(st);
    }
    if (!rc && w.total == 0)
        return xa_diag_set(d, XA_ERR_NOTFOUND, "%s: no record with id or seq '%s'", c->path, id);
    return rc;
}

static xa_rc sq_scan(void *ctx, int64_t after_seq, size_t limit, xa_event_cb cb, void *ud,
                     struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(c->db,
                                 "SELECT " EV_COLS " FROM events WHERE seq>? ORDER BY seq LIMIT ?",
                                 -1, &st, NULL);
    if (src != SQLITE_OK)
        return xa_sq_dberr(c, d, src, "prepare");
    sqlite3_bind_int64(st, 1, after_seq);
    sqlite3_bind_int64(st, 2, limit ? (int64_t)(limit > INT64_MAX ? INT64_MAX : limit) : -1);
    xa_rc rc = emit_rows(c, st, 0, cb, ud, NULL, d);
    sqlite3_finalize(st);
    return rc;
}

static xa_rc sq_quarantine_list(void *ctx, size_t limit, xa_quarantine_cb cb, void *ud,
                                struct xa_diag *d)
{
    struct ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(c->db,
                                 "SELECT id, at, source_name, line, off, reason, data FROM "
                                 "quarantine ORDER BY id DESC LIMIT ?",
                                 -1, &st, NULL);
    if (src != SQLITE_OK)
        return xa_sq_dberr(c, d, src, "prepare");
    sqlite3_bind_int64(st, 1, limit ? (int64_t)limit : -1);
    xa_rc rc = XA_OK;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        struct xa_quarantine_item q;
        q.id = sqlite3_column_int64(st, 0);
        q.at = sqlite3_column_int64(st, 1);
        q.source_name = (const char *)sqlite3_column_text(st, 2);
        q.line = sqlite3_column_int64(st, 3);
        q.offset = sqlite3_column_int64(st, 4);
        q.reason = (const char *)sqlite3_column_text(st, 5);
        q.data = sqlite3_column_blob(st, 6);
        q.data_len = (size_t)sqlite3_column_bytes(st, 6);
        if ((rc = cb(ud, &q)))
            break;
    }
    if (!rc && src != SQLITE_DONE)
        rc = xa_sq_dberr(c, d, src, "read quarantine");
    sqlite3_finalize(st);
    return rc;
}

static xa_rc sq_stats(void *ctx, struct xa_store_stats *out, struct xa_diag *d)
{
    struct ctx *c = ctx;
    struct xa_store_stats s;
    memset(&s, 0, sizeof(s));
    xa_rc rc = xa_sq_query_int(c, "SELECT count(*) FROM events", 0, &s.events, d);
    if (!rc)
        rc = xa_sq_query_int(c, "SELECT max(seq) FROM events", 0, &s.max_seq, d);
    if (!rc)
        rc = xa_sq_query_int(c, "SELECT sum(dups) FROM events WHERE dups > 0", 0, &s.duplicates, d);
    if (!rc)
        rc = xa_sq_query_int(c, "SELECT count(*) FROM quarantine", 0, &s.quarantined, d);
    if (!rc)
        rc = xa_sq_query_int(c, "SELECT min(at) FROM events", XA_TIME_NONE, &s.oldest, d);
    if (!rc)
        rc = xa_sq_query_int(c, "SELECT max(at) FROM events", XA_TIME_NONE, &s.newest, d);
    if (rc)
        return rc;
    struct stat sb;
    s.bytes = -1;
    if (stat(c->path, &sb) == 0) {
        s.bytes = (int64_t)sb.st_size;
        char wal[4096];
        if ((size_t)snprintf(wal, sizeof(wal), "%s-wal", c->path) < sizeof(wal) &&
            stat(wal, &sb) == 0)
            s.bytes += (int64_t)sb.st_size;
    }
    *out = s;
    return XA_OK;
}

/* ---- search ------------------------------------------------------------------------ */

enum { B_INT, B_TEXT };

struct bind {
    int type;
    int64_t i;
    const char *s; /* owned by the query's arena */
};

struct qb {
    struct xa_buf sql;
    struct bind *b;
    size_t n, cap;
    struct xa_arena *a;
};

static xa_rc qb_sql(struct qb *q, const char *frag)
{
    return xa_buf_puts(&q->sql, frag);
}

static xa_rc qb_bind(struct qb *q, int type, int64_t i, const char *s)
{
    if (q->n == q->cap) {
        size_t ncap = q->cap ? q->cap * 2 : 32;
        struct bind *nb = realloc(q->b, ncap * sizeof(*nb));
        if (!nb)
            return XA_ERR_NOMEM;
        q->b = nb;
        q->cap = ncap;
    }
    q->b[q->n].type = type;
    q->b[q->n].i = i;
    q->b[q->n].s = s;
    q->n++;
    return XA_OK;
}

static xa_rc qb_int(struct qb *q, const char *frag, int64_t v)
{
    xa_rc rc = qb_sql(q, frag);
    return rc ? rc : qb_bind(q, B_INT, v, NULL);
}

/* " AND <expr> IN (?,?,..)" or, for long lists, " AND <expr> IN (SELECT value FROM
 * json_each(?))" with the list as a JSON array of integers built here. */
static xa_rc qb_in(struct qb *q, const char *expr, const int64_t *v, size_t n)
{
    xa_rc rc = qb_sql(q, " AND ");
    if (!rc)
        rc = qb_sql(q, expr);
    if (rc)
        return rc;
    if (n == 1)
        return qb_int(q, " = ?", v[0]);
    if (n <= INLIST_MAX) {
        rc = qb_sql(q, " IN (");
        for (size_t i = 0; !rc && i < n; i++)
            rc = qb_int(q, i ? ",?" : "?", v[i]);
        return rc ? rc : qb_sql(q, ")");
    }
    struct xa_buf j;
    xa_buf_init(&j, 0);
    rc = xa_buf_putc(&j, '[');
    for (size_t i = 0; !rc && i < n; i++)
        rc = xa_buf_printf(&j, i ? ",%" PRId64 : "%" PRId64, v[i]);
    if (!rc)
        rc = xa_buf_putc(&j, ']');
    char *s = rc ? NULL : xa_arena_strndup(q->a, j.data, j.len);
    xa_buf_release(&j);
    if (rc || !s)
        return XA_ERR_NOMEM;
    rc = qb_sql(q, " IN (SELECT value FROM json_each(?))");
    return rc ? rc : qb_bind(q, B_TEXT, 0, s);
}

struct idlist {
    int64_t *v;
    size_t n, cap;
};

static xa_rc idl_add(struct idlist *l, int64_t id)
{
    for (size_t i = 0; i < l->n && l->n < 64; i++)
        if (l->v[i] == id)
            return XA_OK; /* cheap dedup for short lists; long lists tolerate repeats */
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        int64_t *nv = realloc(l->v, ncap * sizeof(*nv));
        if (!nv)
            return XA_ERR_NOMEM;
        l->v = nv;
        l->cap = ncap;
    }
    l->v[l->n++] = id;
    return XA_OK;
}

/* Resolve patterns of one interned kind to ids: exact (case-insensitive) without
 * wildcards, LIKE with them; for K_IP also CIDR. */
static xa_rc resolve(struct ctx *c, uint32_t kind, const char *const *pats, size_t n,
                     struct idlist *out, struct xa_diag *d)
{
    xa_rc rc = XA_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        const char *p = pats[i] ? pats[i] : "";
        sqlite3_stmt *st = NULL;
        struct xa_sqlc_cidr cidr;
        bool is_cidr = kind == K_IP && strchr(p, '/') && xa_sqlc_cidr_parse(p, &cidr);
        struct xa_buf like;
        xa_buf_init(&like, 0);
        const char *sql = "SELECT id, s FROM strings WHERE kind=? AND s=? COLLATE NOCASE";
        if (is_cidr)
            sql = "SELECT id, s FROM strings WHERE kind=?";
        else if (xa_str_has_wildcard(p)) {
            sql = "SELECT id, s FROM strings WHERE kind=? AND s LIKE ? ESCAPE '\\'";
            if (xa_sqlc_like_pattern(p, &like)) {
                xa_buf_release(&like);
                return xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
            }
            p = like.data;
        }
        int src = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
        if (src == SQLITE_OK) {
            sqlite3_bind_int(st, 1, (int)kind);
            if (!is_cidr)
                sqlite3_bind_text(st, 2, p, -1, SQLITE_STATIC);
            while ((src = sqlite3_step(st)) == SQLITE_ROW) {
                const char *s = (const char *)sqlite3_column_text(st, 1);
                if (is_cidr && !xa_sqlc_cidr_match(&cidr, s))
                    continue;
                if (idl_add(out, sqlite3_column_int64(st, 0))) {
                    rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
                    break;
                }
            }
            if (src == SQLITE_DONE)
                src = SQLITE_OK;
        }
        if (!rc && src != SQLITE_OK)
            rc = xa_sq_dberr(c, d, src, "resolve filter");
        sqlite3_finalize(st);
        xa_buf_release(&like);
    }
    return rc;
}

struct post {
    const struct xa_query *q;
    bool objects, params, text;
    struct xa_buf doc;
};

static bool post_match(struct post *p, const struct xa_event *ev)
{
    const struct xa_query *q = p->q;
    if (p->objects) {
        bool ok = false;
        for (size_t i = 0; !ok && i < q->n_objects; i++) {
            const char *pat = q->objects[i] ? q->objects[i] : "";
            if (!ev->object)
                break;
            ok = xa_str_has_wildcard(pat) ? xa_str_wildmatch(pat, ev->object)
                                          : xa_str_icontains(ev->object, pat) != NULL;
        }
        if (!ok)
            return false;
    }
    if (p->params) {
        bool ok = false;
        for (size_t i = 0; !ok && i < q->n_params; i++) {
            const struct xa_param_filter *f = &q->params[i];
            for (size_t k = 0; !ok && k < ev->n_params; k++) {
                const struct xa_kv *kv = &ev->params[k];
                if (!kv->name || !f->name)
                    continue;
                bool name_ok = xa_str_has_wildcard(f->name) ? xa_str_wildmatch(f->name, kv->name)
                                                            : xa_str_ieq(f->name, kv->name);
                if (name_ok && (!f->value || xa_str_wildmatch(f->value, kv->value ? kv->value : "")))
                    ok = true;
            }
        }
        if (!ok)
            return false;
    }
    if (p->text) {
        xa_buf_reset(&p->doc);
        if (xa_sqlc_fts_doc(ev, &p->doc, FTS_DOC_MAX) ||
            !xa_sqlc_text_check(q->text, p->doc.data ? p->doc.data : ""))
            return false;
    }
    return true;
}

static xa_rc usage(struct xa_diag *d, const char *msg)
{
    return xa_diag_set(d, XA_ERR_USAGE, "%s", msg);
}

#define PROBE_MAX 20000 /* index entries counted per candidate when choosing the driving index */

/* Rows of events whose column k (1 op, 2 actor, 3 mbx) is in ids and whose time is in
 * [since, until), counted up to PROBE_MAX. */
static xa_rc probe_rows(struct ctx *c, int k, const struct idlist *ids, int64_t since,
                        int64_t until, int64_t *out, struct xa_diag *d)
{
    static const char *const col[4] = {NULL, "op", "actor", "mbx"};
    char sql[512];
    size_t n = (size_t)snprintf(sql, sizeof(sql), "SELECT count(*) FROM (SELECT 1 FROM events WHERE %s IN (", col[k]);
    for (size_t i = 0; i < ids->n && n < sizeof(sql) - 100; i++)
        n += (size_t)snprintf(sql + n, sizeof(sql) - n, i ? ",?" : "?");
    snprintf(sql + n, sizeof(sql) - n, ") AND at >= ? AND at < ? LIMIT %d)", PROBE_MAX);
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
    if (src != SQLITE_OK)
        return xa_sq_dberr(c, d, src, "plan search");
    int j = 1;
    for (size_t i = 0; i < ids->n; i++)
        sqlite3_bind_int64(st, j++, ids->v[i]);
    sqlite3_bind_int64(st, j++, since == XA_TIME_NONE ? INT64_MIN : since);
    sqlite3_bind_int64(st, j++, until == XA_TIME_NONE ? INT64_MAX : until);
    src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return src == SQLITE_ROW ? XA_OK : xa_sq_dberr(c, d, src, "plan search");
}

static xa_rc sq_search(void *ctx, const struct xa_query *q, xa_event_cb cb, void *ud,
                       char next_cursor[XA_CURSOR_MAX], struct xa_diag *d)
{
    struct ctx *c = ctx;
    struct qb b = {0};
    struct idlist lists[6] = {{0}}; /* tenant, op, actor, mbx, wl, ip */
    struct post post = {0};
    struct xa_buf match;
    struct xa_arena qa;
    sqlite3_stmt *st = NULL;
    xa_rc rc = XA_OK;
    bool empty = false;
    int64_t cur_at = 0, cur_seq = 0;
    xa_buf_init(&b.sql, 0);
    xa_buf_init(&match, 0);
    xa_buf_init(&post.doc, 0);
    xa_arena_init(&qa, 16 * 1024);
    b.a = &qa;
    post.q = q;
    if (next_cursor)
        next_cursor[0] = '\0';

    if (q->cursor && *q->cursor && !xa_sqlc_cursor_parse(q->cursor, &cur_at, &cur_seq)) {
        rc = usage(d, "malformed search cursor (use the next_cursor value of a previous page)");
        goto out;
    }
    /* resolve interned filters */
    const char *const tenant1[1] = {q->tenant_id};
    struct {
        uint32_t kind;
        const char *const *pats;
        size_t n;
    } fl[6] = {{K_TENANT, tenant1, q->tenant_id ? 1 : 0},
               {K_OP, q->operations, q->operations ? q->n_operations : 0},
               {K_ACTOR, q->actors, q->actors ? q->n_actors : 0},
               {K_MAILBOX, q->mailboxes, q->mailboxes ? q->n_mailboxes : 0},
               {K_WORKLOAD, q->workloads, q->workloads ? q->n_workloads : 0},
               {K_IP, q->ips, q->ips ? q->n_ips : 0}};
    for (int i = 0; i < 6; i++) {
        if (!fl[i].n)
            continue;
        if ((rc = resolve(c, fl[i].kind, fl[i].pats, fl[i].n, &lists[i], d)))
            goto out;
        if (lists[i].n == 0)
            empty = true; /* a filter that matches no known value: no results */
    }
    if (empty)
        goto out;

    /* full text: user words, and the names of --param filters (prefilter) */
    size_t n_terms = 0;
    bool needs_check = false;
    if (q->text && (rc = xa_sqlc_fts_query(q->text, &match, &n_terms, &needs_check)))
        goto nomem;
    post.text = n_terms > 0 && needs_check;
    if (q->params && q->n_params) {
        post.params = true;
        struct xa_buf pm;
        xa_buf_init(&pm, 0);
        bool all = true; /* every alternative has tokens: usable as prefilter */
        for (size_t i = 0; !rc && i < q->n_params; i++) {
            const char *nm = q->params[i].name;
            size_t k = 0;
            if (!nm || xa_str_has_wildcard(nm)) {
                all = false;
                break;
            }
            if (i)
                rc = xa_buf_puts(&pm, " OR ");
            if (!rc)
                rc = xa_sqlc_fts_tokens_and(nm, &pm, &k);
            if (!k)
                all = false;
        }
        if (!rc && all && pm.len) {
            if (match.len)
                rc = xa_buf_puts(&match, " AND ");
            if (!rc)
                rc = xa_buf_printf(&match, "(%s)", pm.data);
        }
        xa_buf_release(&pm);
        if (rc)
            goto nomem;
    }
    post.objects = q->objects && q->n_objects > 0;
    bool has_post = post.objects || post.params || post.text;

    /* choose the index that drives the scan among actor, mailbox and operation (short id
     * lists): with one candidate it is that one; with several, the one with the fewest rows
     * in the time window, counted up to a bound on each candidate's (col, at) index - a
     * rare cmdlet beats a busy admin, a quiet actor beats a common operation */
    int driver = -1;
    static const int pref[3] = {2, 3, 1};
    int64_t best = INT64_MAX;
    int ncand = 0;
    for (int i = 0; i < 3; i++)
        if (lists[pref[i]].n > 0 && lists[pref[i]].n <= INLIST_MAX)
            ncand++;
    for (int i = 0; i < 3; i++) {
        int k = pref[i];
        if (lists[k].n == 0 || lists[k].n > INLIST_MAX)
            continue;
        int64_t n = 0;
        if (ncand > 1 && (rc = probe_rows(c, k, &lists[k], q->since, q->until, &n, d)))
            goto out;
        if (n < best) {
            best = n;
            driver = k;
        }
    }

    static const char *const cols[6] = {"tenant", "op", "actor", "mbx", "wl", "ip"};
    static const char *const ucols[6] = {"+tenant", "+op", "+actor", "+mbx", "+wl", "+ip"};
    rc = qb_sql(&b, "SELECT " EV_COLS " FROM events WHERE 1");
    for (int i = 0; !rc && i < 6; i++)
        if (lists[i].n)
            rc = qb_in(&b, i == driver ? cols[i] : ucols[i], lists[i].v, lists[i].n);
    if (!rc && q->since != XA_TIME_NONE)
        rc = qb_int(&b, " AND at >= ?", q->since);
    if (!rc && q->until != XA_TIME_NONE)
        rc = qb_int(&b, " AND at < ?", q->until);
    if (!rc && q->record_types && q->n_record_types) {
        int64_t *v = xa_arena_alloc(&qa, q->n_record_types * sizeof(int64_t));
        if (!v)
            goto nomem;
        for (size_t i = 0; i < q->n_record_types; i++)
            v[i] = q->record_types[i];
        rc = qb_in(&b, "rtype", v, q->n_record_types);
    }
    struct {
        const int *v;
        size_t n;
        const char *expr;
    } en[2] = {{q->categories, q->categories ? q->n_categories : 0, "((flags >> 1) & 15)"},
               {q->logon_types, q->logon_types ? q->n_logon_types : 0, "((flags >> 7) & 7)"}};
    for (int k = 0; !rc && k < 2; k++) {
        if (!en[k].n)
            continue;
        int64_t *v = xa_arena_alloc(&qa, en[k].n * sizeof(int64_t));
        if (!v)
            goto nomem;
        for (size_t i = 0; i < en[k].n; i++)
            v[i] = en[k].v[i];
        rc = qb_in(&b, en[k].expr, v, en[k].n);
    }
    if (!rc && q->result >= 0)
        rc = qb_int(&b, " AND ((flags >> 5) & 3) = ?", q->result);
    if (!rc && q->external >= 0)
        rc = qb_int(&b, " AND ((flags >> 13) & 3) = ?", q->external ? 2 : 1);
    if (!rc && !q->include_system)
        rc = qb_sql(&b, " AND (flags & 1) = 0");
    if (!rc && match.len) {
        char *m = xa_arena_strndup(&qa, match.data, match.len);
        if (!m)
            goto nomem;
        rc = qb_sql(&b, " AND seq IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)");
        if (!rc)
            rc = qb_bind(&b, B_TEXT, 0, m);
    }
    if (!rc && q->cursor && *q->cursor) {
        if (q->oldest_first)
            rc = qb_int(&b, " AND at >= ?", cur_at);
        else
            rc = qb_int(&b, " AND at <= ?", cur_at);
        if (!rc)
            rc = qb_int(&b, q->oldest_first ? " AND (at > ?" : " AND (at < ?", cur_at);
        if (!rc)
            rc = qb_int(&b, q->oldest_first ? " OR seq > ?)" : " OR seq < ?)", cur_seq);
    }
    if (!rc)
        rc = qb_sql(&b, q->oldest_first ? " ORDER BY at, seq" : " ORDER BY at DESC, seq DESC");
    if (!rc && q->limit && !has_post)
        rc = qb_int(&b, " LIMIT ?", q->limit >= (size_t)INT64_MAX ? -1 : (int64_t)q->limit + 1);
    if (rc)
        goto nomem;

    int src = sqlite3_prepare_v2(c->db, b.sql.data, (int)b.sql.len, &st, NULL);
    if (src != SQLITE_OK) {
        rc = xa_sq_dberr(c, d, src, "prepare search");
        goto out;
    }
    for (size_t i = 0; i < b.n; i++) {
        if (b.b[i].type == B_INT)
            sqlite3_bind_int64(st, (int)i + 1, b.b[i].i);
        else
            sqlite3_bind_text(st, (int)i + 1, b.b[i].s, -1, SQLITE_STATIC);
    }
    size_t produced = 0, peeked = 0;
    int64_t last_at = 0, last_seq = 0;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        if (q->limit && produced >= q->limit) {
            /* page full: is there more? */
            bool more = !has_post;
            if (has_post) {
                struct xa_event ev;
                if ((rc = row_event(c, st, &ev, d)))
                    goto out;
                more = post_match(&post, &ev) || ++peeked >= PEEK_MAX;
            }
            if (more) {
                if (next_cursor)
                    xa_sqlc_cursor_format(last_at, last_seq, next_cursor, XA_CURSOR_MAX);
                src = SQLITE_DONE;
                break;
            }
            continue;
        }
        struct xa_event ev;
        if ((rc = row_event(c, st, &ev, d)))
            goto out;
        if (has_post && !post_match(&post, &ev))
            continue;
        last_at = ev.occurred_at;
        last_seq = ev.seq;
        produced++;
        if ((rc = cb(ud, &ev)))
            goto out;
    }
    if (src != SQLITE_DONE) {
        if ((src & 0xff) == SQLITE_ERROR && match.len)
            rc = xa_diag_set(d, XA_ERR_USAGE, "full-text search failed: %s",
                             sqlite3_errmsg(c->db));
        else
            rc = xa_sq_dberr(c, d, src, "search");
    }
    goto out;
nomem:
    rc = xa_diag_set(d, XA_ERR_NOMEM, "out of memory");
out:
    if (rc && next_cursor)
        next_cursor[0] = '\0';
    sqlite3_finalize(st);
    for (int i = 0; i < 6; i++)
        free(lists[i].v);
    free(b.b);
    xa_buf_release(&b.sql);
    xa_buf_release(&match);
    xa_buf_release(&post.doc);
    xa_arena_release(&qa);
    return rc;
}

const struct xa_store_ops xa_store_sqlite_ops = {
    .prepare = sq_prepare,
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .put = sq_put,
    .quarantine = sq_quarantine,
    .search = sq_search,
    .get = sq_get,
    .scan = sq_scan,
    .quarantine_list = sq_quarantine_list,
    .stats = sq_stats,
    .web = &xa_sq_web_ops,
    .alerts = &xa_sq_alert_ops,
    .fwd = &xa_sq_fwd_ops,
    /* integrity (sqlite_integrity.c) */
    .verify = xa_sqi_verify,
    .purge = xa_sqi_purge,
    .evidence = xa_sqi_evidence,
    .checkpoint_get = xa_sqi_checkpoint_get,
    .checkpoint = xa_sqi_checkpoint,
    .adopt = xa_sqi_adopt,
    /* collector state (sqlite_collect.c) */
    .blob_known = xa_sqlite_blob_known,
    .blob_put = xa_sqlite_blob_put,
    .stream_put = xa_sqlite_stream_put,
    .stream_list = xa_sqlite_stream_list,
    .gap_put = xa_sqlite_gap_put,
    .gap_list = xa_sqlite_gap_list,
};
