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
    /* 2: collector ledger (collector engineer) */
    {3, "tamper evidence: chain blocks, checkpoints, append-only triggers",
     "INSERT OR IGNORE INTO xa_meta(key, value) VALUES('archive_id', lower(hex(randomblob(16))));"
     "CREATE TABLE integ_blocks(id INTEGER PRIMARY KEY, first_seq INTEGER NOT NULL,"
     " last_seq INTEGER NOT NULL, root BLOB NOT NULL, chain BLOB NOT NULL, at INTEGER NOT NULL,"
     " hashes BLOB NOT NULL);"
     "CREATE INDEX integ_blocks_first ON integ_blocks(first_seq);"
     "CREATE TABLE integ_checkpoints(id INTEGER PRIMARY KEY, seq INTEGER NOT NULL,"
     " kind INTEGER NOT NULL, block_last INTEGER NOT NULL, msg TEXT NOT NULL, sig BLOB);"
     "CREATE TABLE integ_keys(fpr TEXT PRIMARY KEY, pem TEXT NOT NULL, added_at INTEGER NOT NULL)"
     " WITHOUT ROWID;"
     /* append-only: only exoaudit purge (xa_purging() true on its connection) deletes events;
      * only the duplicate counter may change */
     "CREATE TRIGGER events_no_delete BEFORE DELETE ON events WHEN NOT xa_purging() BEGIN"
     " SELECT RAISE(ABORT, 'exoaudit: archive records are append-only (use exoaudit purge)'); END;"
     "CREATE TRIGGER events_no_update BEFORE UPDATE OF seq, tenant, rid, at, rtype, flags, op,"
     " actor, mbx, wl, ip, zdict, body ON events BEGIN"
     " SELECT RAISE(ABORT, 'exoaudit: archive records are append-only'); END;"
     "CREATE TRIGGER strings_no_update BEFORE UPDATE ON strings BEGIN"
     " SELECT RAISE(ABORT, 'exoaudit: archive strings are append-only'); END;"
     "CREATE TRIGGER strings_no_delete BEFORE DELETE ON strings BEGIN"
     " SELECT RAISE(ABORT, 'exoaudit: archive strings are append-only'); END;"
     "CREATE TRIGGER zdicts_no_update BEFORE UPDATE ON zdicts BEGIN"
     " SELECT RAISE(ABORT, 'exoaudit: compression dictionaries are append-only'); END;"
     "CREATE TRIGGER zdicts_no_delete BEFORE DELETE ON zdicts BEGIN"
     " SELECT RAISE(ABORT, 'exoaudit: compression dictionaries are append-only'); END;"
     "CREATE TRIGGER integ_blocks_no_update BEFORE UPDATE ON integ_blocks BEGIN"
     " SELECT RAISE(ABORT, 'exoaudit: the integrity chain is append-only'); END;"
     "CREATE TRIGGER integ_blocks_no_delete BEFORE DELETE ON integ_blocks BEGIN"
     " SELECT RAISE(ABORT, 'exoaudit: the integrity chain is append-only'); END;"
     "CREATE TRIGGER integ_ck_no_update BEFORE UPDATE ON integ_checkpoints BEGIN"
     " SELECT RAISE(ABORT, 'exoaudit: checkpoints are append-only'); END;"
     "CREATE TRIGGER integ_ck_no_delete BEFORE DELETE ON integ_checkpoints BEGIN"
     " SELECT RAISE(ABORT, 'exoaudit: checkpoints are append-only'); END;"
     "CREATE TRIGGER integ_keys_no_update BEFORE UPDATE ON integ_keys BEGIN"
     " SELECT RAISE(ABORT, 'exoaudit: keys are append-only'); END;"
     "CREATE TRIGGER integ_keys_no_delete BEFORE DELETE ON integ_keys BEGIN"
     " SELECT RAISE(ABORT, 'exoaudit: keys are append-only'); END;"},
    {4, "alerts, consumer cursors and detection state (rules)",
     "CREATE TABLE alerts(id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, rule_id TEXT NOT NULL,"
     " rule_title TEXT NOT NULL, rule_author TEXT, rule_license TEXT, rule_origin TEXT,"
     " severity INTEGER NOT NULL, tags TEXT, group_key TEXT NOT NULL, tenant TEXT, summary TEXT,"
     " first_at INTEGER NOT NULL, last_at INTEGER NOT NULL, created_at INTEGER NOT NULL,"
     " updated_at INTEGER NOT NULL, rev INTEGER NOT NULL, status INTEGER NOT NULL DEFAULT 0,"
     " n_events INTEGER NOT NULL);"
     "CREATE INDEX alerts_group ON alerts(rule_id, group_key, status, last_at);"
     "CREATE UNIQUE INDEX alerts_rev ON alerts(rev);"
     "CREATE INDEX alerts_last ON alerts(last_at);"
     "CREATE TABLE alert_events(alert INTEGER NOT NULL, seq INTEGER NOT NULL,"
     " PRIMARY KEY(alert, seq)) WITHOUT ROWID;"
     "CREATE INDEX alert_events_seq ON alert_events(seq);"
     "CREATE TABLE alert_comments(id INTEGER PRIMARY KEY, alert INTEGER NOT NULL,"
     " at INTEGER NOT NULL, who TEXT, body TEXT NOT NULL);"
     "CREATE INDEX alert_comments_alert ON alert_comments(alert);"
     "CREATE TABLE consumer_cursors(name TEXT PRIMARY KEY, seq INTEGER NOT NULL,"
     " updated_at INTEGER NOT NULL) WITHOUT ROWID;"
     "CREATE TABLE rule_state(owner TEXT NOT NULL, k TEXT NOT NULL, v BLOB NOT NULL,"
     " updated_at INTEGER NOT NULL, PRIMARY KEY(owner, k)) WITHOUT ROWID;"},
    {5, "forwarding: per-destination cursors and disk spool",
     "CREATE TABLE fwd_state(dest TEXT PRIMARY KEY, event_seq INTEGER NOT NULL DEFAULT 0,"
     " alert_pos INTEGER NOT NULL DEFAULT 0, alert_rev INTEGER NOT NULL DEFAULT 0,"
     " sent INTEGER NOT NULL DEFAULT 0,"
     " failures INTEGER NOT NULL DEFAULT 0, last_ok_at INTEGER NOT NULL DEFAULT 0,"
     " last_fail_at INTEGER NOT NULL DEFAULT 0, next_try_at INTEGER NOT NULL DEFAULT 0,"
     " last_error TEXT) WITHOUT ROWID;"
     "CREATE TABLE fwd_spool(id INTEGER PRIMARY KEY AUTOINCREMENT, dest TEXT NOT NULL,"
     " stream INTEGER NOT NULL, pos INTEGER NOT NULL, key TEXT, data BLOB NOT NULL,"
     " spooled_at INTEGER NOT NULL);"
     "CREATE INDEX fwd_spool_dest ON fwd_spool(dest, id);"},
    {6, "console accounts, sessions and API tokens",
     "CREATE TABLE web_users(name TEXT PRIMARY KEY COLLATE NOCASE, role INTEGER NOT NULL,"
     " pw_hash TEXT NOT NULL, created_at INTEGER NOT NULL);"
     "CREATE TABLE web_sessions(id_hash TEXT PRIMARY KEY, user TEXT NOT NULL COLLATE NOCASE,"
     " csrf TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);"
     "CREATE INDEX web_sessions_exp ON web_sessions(expires_at);"
     "CREATE TABLE web_tokens(id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE,"
     " user TEXT NOT NULL COLLATE NOCASE, label TEXT NOT NULL, created_at INTEGER NOT NULL,"
     " expires_at INTEGER NOT NULL);"},
};

const size_t xa_sq_n_migrations = sizeof(xa_sq_migrations) / sizeof(xa_sq_migrations[0]);
