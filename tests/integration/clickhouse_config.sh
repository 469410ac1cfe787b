#!/usr/bin/env bash
# The ClickHouse location from the configuration (archive.clickhouse.*) and its guards: secrets
# only from a private file and never printed, no plain HTTP to a remote host, bad names refused.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/ch_lib.bash"
ch_start single
host=${XA_CH_URLS#http://}
"$EXOAUDIT" generate --records 300 --seed 3 --out "$TMP/g.jsonl"
state="$TMP/st ate&1.db"
unset EXOAUDIT_DB # lib.bash sets it; it would win over the configuration
cat > "$TMP/c.yaml" <<EOC
archive:
  clickhouse:
    hosts: [$host]
    database: cfgdb
    state: "$state"
EOC
rc=0; "$EXOAUDIT" --config "$TMP/c.yaml" import "$TMP/g.jsonl" > "$TMP/imp.out" 2>&1 || rc=$?
check "import through archive.clickhouse.* keys" eq "$rc" 0
check "the state file is where the config says" test -f "$state"
check "stats name the composed location" eval '"$EXOAUDIT" --config "$TMP/c.yaml" stats | grep -q "clickhouse://$host/cfgdb?state="'
check "the rows are in ClickHouse" test "$(ch_q 1 "SELECT count() FROM cfgdb.events")" -gt 250

# a password file readable by others is refused, and the password is never printed
printf 'Sup3r-Secret-pw\n' > "$TMP/pw"; chmod 644 "$TMP/pw"
rc=0; "$EXOAUDIT" --db "clickhouse://default@$host/cfgdb?state=$TMP/s2.db&password_file=$TMP/pw" stats > "$TMP/pw.out" 2>&1 || rc=$?
check "password file readable by others: configuration error (exit 2)" eq "$rc" 2
check "... saying why" grep -q "readable by group or others" "$TMP/pw.out"
chmod 600 "$TMP/pw"
rc=0; "$EXOAUDIT" --db "clickhouse://default@$host/cfgdb?state=$TMP/s2.db&password_file=$TMP/pw" stats > "$TMP/pw2.out" 2>&1 || rc=$?
check "a wrong password is an authentication failure, not a crash" test "$rc" -ne 0
check "the password never appears in output" eval '! grep -q "Sup3r-Secret-pw" "$TMP/pw.out" "$TMP/pw2.out"'

rc=0; "$EXOAUDIT" --db "clickhouse://10.255.255.1:8123/db" stats > "$TMP/plain.out" 2>&1 || rc=$?
check "plain HTTP to a remote host refused before connecting (exit 2)" eq "$rc" 2
check "... pointing at clickhouses://" grep -q "clickhouses://" "$TMP/plain.out"
rc=0; "$EXOAUDIT" --db "clickhouse://$host/bad-name;DROP" stats > "$TMP/bad.out" 2>&1 || rc=$?
check "a database name that is not an identifier is refused" eq "$rc" 2
rc=0; "$EXOAUDIT" --db "clickhouse://$host/cfgdb?nosuch=1" stats > "$TMP/unk.out" 2>&1 || rc=$?
check "an unknown location parameter is refused" eq "$rc" 2
rc=0; "$EXOAUDIT" --db "clickhouse://$host/neverimported" search > "$TMP/ro.out" 2>&1 || rc=$?
check "searching a database without an archive fails clearly" eval '[ "$rc" -ne 0 ] && grep -q "no exoaudit archive" "$TMP/ro.out"'
finish
