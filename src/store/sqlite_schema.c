/* sqlite_schema.c - the SQLite archive's migrations, in version order.
 *
 * Rules: a released migration is never changed or renumbered; a new feature adds the next
 * version at the end. Each runs in its own transaction (see migrate() in sqlite.c). */
#include "store/sqlite_internal.h"

const struct xa_sq_migration xa_sq_migrations[] = {
    {1, "initial archive schema",
     "CREATE TABLE xa_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
     "INSERT INTO xa_meta(key, value) VALUES('format', 'exoaudit-archive');"
     "CREATE TABLE strings(id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, s TEXT NOT NULL);"
     "CREATE UNIQUE INDEX strings_ks ON strings(kind, s);"
     "CREATE INDEX strings_ks_nocase ON strings(kind, s COLLATE NOCASE);"
     "CREATE TABLE zdicts(id INTEGER PRIMARY KEY, bytes BLOB NOT NULL, created_at INTEGER NOT "
     "NULL, samples INTEGER NOT NULL);"
     "CREATE TABLE events(seq INTEGER PRIMARY KEY, tenant INTEGER NOT NULL, rid ANY NOT NULL,"
     " at INTEGER NOT NULL, rtype INTEGER NOT NULL, flags INTEGER NOT NULL,"
     " op INTEGER NOT NULL, actor INTEGER NOT NULL, mbx INTEGER NOT NULL, wl INTEGER NOT NULL,"
     " ip INTEGER NOT NULL, dups INTEGER NOT NULL DEFAULT 0, zdict INTEGER NOT NULL,"
     " body BLOB NOT NULL);"
     "CREATE UNIQUE INDEX events_rid ON events(rid, tenant);"
     "CREATE INDEX events_at ON events(at);"
     "CREATE INDEX events_op ON events(op, at);"
     "CREATE INDEX events_actor ON events(actor, at);"
     "CREATE INDEX events_mbx ON events(mbx, at);"
     "CREATE INDEX events_dups ON events(dups) WHERE dups > 0;"
     "CREATE VIRTUAL TABLE events_fts USING fts5(t, content='', detail=none, columnsize=0,"
     " tokenize='ascii');"
     "CREATE TABLE quarantine(id INTEGER PRIMARY KEY, at INTEGER NOT NULL, source_name TEXT,"
     " line INTEGER, off INTEGER, reason TEXT NOT NULL, data BLOB);"},
};

const size_t xa_sq_n_migrations = sizeof(xa_sq_migrations) / sizeof(xa_sq_migrations[0]);
