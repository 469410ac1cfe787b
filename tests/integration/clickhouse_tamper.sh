#!/usr/bin/env bash
# Tamper suite of the ClickHouse backend (docs/INTEGRITY.md, docs/CLICKHOUSE.md): changes made
# directly in ClickHouse through its HTTP interface, each on a fresh copy (a new database with
# the same import, signed checkpoints); every one must be detected (verify exits 4) and named
# (a problem of the right kind at the changed seq or checkpoint). Single node. Exits 77 (skip)
# when clickhouse-server is not installed. Mutations (ALTER TABLE ... UPDATE/DELETE) are
# asynchronous: each is waited for in system.mutations.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/ch_lib.bash"
command -v jq > /dev/null || { echo "SKIP: jq missing"; exit 77; }
ch_start single
PORT=${XA_CH_URLS##*:}
SHIFT=1099511627776 # seq = (stream << 40) + n
cat > "$TMP/cfg.yaml" <<EOF
integrity:
  private_key_file: $TMP/key.pem
  public_key_file: $TMP/pub.pem
EOF
export EXOAUDIT_CONFIG="$TMP/cfg.yaml"
loc() { echo "clickhouse://127.0.0.1:$PORT/$1?state=$TMP/$1.state"; }
xa -q --db "$(loc t0)" init > /dev/null 2> "$TMP/init.err"
check "signing key created" test -s "$TMP/key.pem" -a -s "$TMP/pub.pem"
xa -q generate --records 2000 --seed 5 --out "$TMP/g.jsonl"
head -n 1000 "$TMP/g.jsonl" > "$TMP/g1.jsonl"; tail -n +1001 "$TMP/g.jsonl" > "$TMP/g2.jsonl"

q() { ch_q 1 "$1"; }
# fresh DB [FILES...]: a new database with the import (one import per file), verified intact;
# sets D (its location), BASE (first seq), MAX (last seq)
fresh() {
  local db=$1 f out rc; shift
  [ $# -gt 0 ] || set -- "$TMP/g.jsonl"
  q "DROP DATABASE IF EXISTS $db"
  rm -f "$TMP/$db.state"
  D=$(loc "$db")
  for f in "$@"; do xa -q --db "$D" import --no-progress "$f" > /dev/null 2>&1; done
  set +e; out=$(xa -q --db "$D" verify --key "$TMP/pub.pem" --format json 2>&1); rc=$?; set -e
  if [ $rc -ne 0 ]; then fail "$db: the fresh import does not verify (exit $rc)"; echo "$out" | head -5; fi
  BASE=$(q "SELECT min(seq) FROM $db.events")
  MAX=$(q "SELECT max(seq) FROM $db.events")
}
# mutate DB SQL: run an ALTER TABLE ... UPDATE/DELETE and wait until it is done
mutate() {
  q "$2"
  for _ in $(seq 300); do
    [ "$(q "SELECT count() FROM system.mutations WHERE database = '$1' AND is_done = 0")" == 0 ] && return 0
    sleep 0.1
  done
  fail "$1: mutation not done after 30 s: $2"
}
# verify_out [VERIFY-ARGS...]: run verify on D, set RC and OUT (JSON lines)
verify_out() {
  set +e; OUT=$(xa -q --db "$D" verify --format json "$@" 2> "$TMP/v.err"); RC=$?; set -e
}
# detected DESC JQ-CONDITION: verify (trusted key) exits 4 and a problem matches the condition
detected() {
  local d=$1 cond=$2
  verify_out --key "$TMP/pub.pem"
  if [ "$RC" -ne 4 ]; then
    fail "$d: not detected (verify exit $RC)"; echo "$OUT" | head -5 | cut -c1-300; head -c 300 "$TMP/v.err"
  elif ! jq -e -s "map(objects | select(.kind != null) | select($cond)) | length > 0" <<< "$OUT" > /dev/null; then
    fail "$d: detected, but no problem where expected ($cond)"; echo "$OUT" | head -5 | cut -c1-300
  else
    ok "$d: $(jq -r -s "map(objects | select(.kind != null) | select($cond))[0].message" <<< "$OUT")"
  fi
}
at() { echo ".seq_from <= $1 and .seq_to >= $1"; } # a problem's range holds seq $1

# (a) a field of one record changed
fresh ta
S=$((BASE + 100))
mutate ta "ALTER TABLE ta.events UPDATE actor = 'mallory@evil.example' WHERE seq = $S"
check "(a) the actor was changed" eq "$(q "SELECT actor FROM ta.events WHERE seq = $S")" mallory@evil.example
detected "(a) a record's actor changed" ".kind == \"altered\" and $(at $S)"

# (b) one record deleted
fresh tb
S=$((BASE + 250))
mutate tb "ALTER TABLE tb.events DELETE WHERE seq = $S"
check "(b) the record was deleted" eq "$(q "SELECT count() FROM tb.events WHERE seq = $S")" 0
detected "(b) a record deleted" ".kind == \"deleted\" and $(at $S)"

# (c) a row inserted with a stream number that is not registered
fresh tc
F=$((999 * SHIFT + 1))
q "INSERT INTO tc.events SELECT tenant, 'forged-1', at, $F, 999, rtype, flags, op, actor, mbx, wl, ip, obj, doc, body, chain FROM tc.events WHERE seq = $((BASE + 50))"
detected "(c) a row of an unregistered stream" ".kind == \"inserted\" and $(at $F)"

# (c2) a row appended to a registered stream (a copy of a record under a new id)
fresh tc2
F=$((MAX + 1))
q "INSERT INTO tc2.events SELECT tenant, 'forged-2', at, $F, stream, rtype, flags, op, actor, mbx, wl, ip, obj, doc, body, chain FROM tc2.events WHERE seq = $((BASE + 50))"
detected "(c2) a row appended to the writer's stream" "$(at $F)"

# (d) the newest records removed (truncation)
fresh td
mutate td "ALTER TABLE td.events DELETE WHERE seq > $((MAX - 5))"
detected "(d) the newest 5 records removed" ".kind == \"truncated\" and $(at "$MAX")"

# (e) a checkpoint forged: its message altered, the signature kept
fresh te
mutate te "ALTER TABLE te.checkpoints UPDATE msg = replaceOne(msg, 'at: ', 'at: 1') WHERE id = 1"
check "(e) the checkpoint message was changed" eq "$(q "SELECT count() FROM te.checkpoints WHERE id = 1 AND position(msg, 'at: 1') > 0")" 1
detected "(e) a checkpoint message forged" '.kind == "checkpoint" and .checkpoint == 1'

# (f) a checkpoint deleted (not the last one)
fresh tf
mutate tf "ALTER TABLE tf.checkpoints DELETE WHERE id = 1"
detected "(f) a checkpoint deleted" '.kind == "checkpoint" and .checkpoint <= 2'

# (g) rows sharing the seq of real records (different record id and actor, same chain value),
# after the parts merged: every one is a record verify never checked, while search shows it
fresh tg
q "INSERT INTO tg.events SELECT tenant, concat('shadow-', toString(seq)), at, seq, stream, rtype, flags, op, 'mallory@evil.example', mbx, wl, ip, obj, doc, body, chain FROM tg.events WHERE seq % 100 = 7"
q "OPTIMIZE TABLE tg.events FINAL"
shadows=$(q "SELECT seq FROM tg.events WHERE rid LIKE 'shadow-%' ORDER BY seq")
check "(g) search shows the $(wc -w <<< "$shadows") shadow rows" eq \
  "$(xa -q --db "$D" search --actor mallory@evil.example --include-system --limit 0 --format json | wc -l)" "$(wc -w <<< "$shadows")"
verify_out --key "$TMP/pub.pem"
missed=0
for S in $shadows; do
  jq -e -s "map(objects | select(.kind != null and .kind != \"warning\") | select($(at "$S"))) | length > 0" <<< "$OUT" > /dev/null || missed=$((missed + 1))
done
check "(g) every row sharing a record's seq is detected and located (verify exit $RC, $missed of $(wc -w <<< "$shadows") missed)" \
  test "$RC" -eq 4 -a "$missed" -eq 0

# (h) the object column that --object searches changed: the record drops out of the answer
fresh th
S=$(q "SELECT seq FROM th.events WHERE position(obj, 'ceo') > 0 ORDER BY seq LIMIT 1")
n0=$(xa -q --db "$D" search --object ceo --include-system --limit 0 --format json | wc -l)
mutate th "ALTER TABLE th.events UPDATE obj = 'nothing' WHERE seq = $S"
check "(h) the record no longer matches --object" eq \
  "$(xa -q --db "$D" search --object ceo --include-system --limit 0 --format json | wc -l)" $((n0 - 1))
detected "(h) the searched object column changed" "$(at "$S")"

# (h2) the full-text column that -q searches emptied: the record drops out of the answer
fresh th2
S=$(q "SELECT seq FROM th2.events WHERE position(doc, 'invoice') > 0 ORDER BY seq LIMIT 1")
n0=$(xa -q --db "$D" search -q invoice --include-system --limit 0 --format json | wc -l)
mutate th2 "ALTER TABLE th2.events UPDATE doc = '' WHERE seq = $S"
check "(h2) the record no longer matches -q" eq \
  "$(xa -q --db "$D" search -q invoice --include-system --limit 0 --format json | wc -l)" $((n0 - 1))
detected "(h2) the searched text column emptied" "$(at "$S")"

# (l) two records' seq swapped
fresh tl
S1=$((BASE + 300)); S2=$((BASE + 400))
mutate tl "ALTER TABLE tl.events UPDATE seq = if(seq = $S1, toInt64($S2), toInt64($S1)) WHERE seq IN ($S1, $S2)"
check "(l) the seq numbers were swapped" eq "$(q "SELECT count() FROM tl.events WHERE seq IN ($S1, $S2)")" 2
detected "(l) two records swapped (first)" "$(at $S1)"
detected "(l) two records swapped (second)" "$(at $S2)"

# (i) the newest records removed together with their checkpoints, with
# integrity.checkpoint_file kept elsewhere (docs/INTEGRITY.md: only the file shows this)
cp "$TMP/cfg.yaml" "$TMP/cfg-file.yaml"
echo "  checkpoint_file: $TMP/checkpoints.txt" >> "$TMP/cfg-file.yaml"
export EXOAUDIT_CONFIG="$TMP/cfg-file.yaml"
fresh ti "$TMP/g1.jsonl" "$TMP/g2.jsonl"
check "(i) the checkpoint file holds the checkpoints" test "$(grep -c '^exoaudit-checkpoint' "$TMP/checkpoints.txt")" -ge 2
C1=$(q "SELECT seq FROM ti.checkpoints WHERE id = 1")
mutate ti "ALTER TABLE ti.events DELETE WHERE seq > $C1"
mutate ti "ALTER TABLE ti.checkpoints DELETE WHERE id > 1"
detected "(i) newest records and their checkpoints removed (checkpoint file kept)" \
  '.kind == "checkpoint" or .kind == "truncated"'
export EXOAUDIT_CONFIG="$TMP/cfg.yaml"

# (j) without a trusted public key, verify says that it checked with the archive's own copy
# (which whoever can write to ClickHouse can replace), as on SQLite
fresh tj
cat > "$TMP/cfg-nokey.yaml" <<EOF
integrity:
  public_key_file: $TMP/no-such-key.pem
EOF
set +e; OUT=$(EXOAUDIT_CONFIG="$TMP/cfg-nokey.yaml" xa -q --db "$D" verify --format json 2>&1); RC=$?; set -e
check "(j) verify without a trusted key exits 0" eq "$RC" 0
key_warning() { jq -e -s 'map(objects | select(.kind == "warning" and (.message | test("key")))) | length > 0' <<< "$OUT" > /dev/null; }
check "(j) verify without a trusted key warns that the archive's own key was used" key_warning

# (k) not tampering: a retried insert repeats rows byte for byte
fresh tk
q "INSERT INTO tk.events SELECT * FROM tk.events WHERE seq % 100 = 3"
verify_out --key "$TMP/pub.pem"
check "(k) rows repeated byte for byte are no tampering (verify exit $RC)" eq "$RC" 0
[ "$RC" -eq 0 ] || echo "$OUT" | head -3 | cut -c1-300
finish
